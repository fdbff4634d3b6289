//! Alias clustering: full names first, then "Title Surname", then lone words, each joined to the
//! one compatible character it can mean (given name, surname, nickname), never across genders or
//! across Mr/Mrs/Miss, so Mr. Bennet and Mrs. Bennet stay two people. Linear in distinct forms
//! times the characters sharing a word (indexed by word), so hundreds of characters stay fast.

use std::collections::HashMap;

use super::lexicon::{self, Gender, TitleClass};
use super::mentions::Mention;

/// A distinct way the book writes a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FormKey {
    pub title: Option<TitleClass>,
    pub words: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Entity {
    pub given: Option<String>,
    pub surname: Option<String>,
    pub titles: Vec<TitleClass>,
    pub gender: Option<Gender>,
    /// surface form → count
    pub forms: HashMap<String, usize>,
    pub count: usize,
    pub has_full_name: bool,
    /// The longest name word sequence seen (lower case).
    pub full: Vec<String>,
}

impl Entity {
    fn compatible_title(&self, t: TitleClass) -> bool {
        if let (Some(g), Some(tg)) = (self.gender, t.gender()) {
            if g != tg {
                return false;
            }
        }
        // Mrs and Miss of one surname are mother and daughter, not one woman.
        let married = |c: &TitleClass| matches!(c, TitleClass::Mrs);
        let unmarried = |c: &TitleClass| matches!(c, TitleClass::Miss);
        let female = |c: &TitleClass| {
            matches!(
                c,
                TitleClass::Mrs | TitleClass::Miss | TitleClass::FemaleKin
            )
        };
        // Dr. Marjoribanks is not Miss Marjoribanks.
        let neutral_vs_female = (t == TitleClass::Neutral && self.titles.iter().any(female))
            || (female(&t) && self.titles.contains(&TitleClass::Neutral));
        !(neutral_vs_female
            || (married(&t) && self.titles.iter().any(unmarried))
            || (unmarried(&t) && self.titles.iter().any(married)))
    }
}

pub struct Clusters {
    pub entities: Vec<Entity>,
    /// form key → entity index
    pub assignment: HashMap<FormKey, usize>,
}

fn lc(s: &str) -> String {
    s.to_lowercase()
}

/// Groups the mentions' forms into characters.
pub fn cluster(mentions: &[Mention]) -> Clusters {
    let mut forms: HashMap<FormKey, (usize, String)> = HashMap::new();
    for m in mentions {
        let key = FormKey {
            title: m.title,
            words: m.words.iter().map(|w| lc(w)).collect(),
        };
        let e = forms.entry(key).or_insert((0, m.surface()));
        e.0 += 1;
    }
    let mut keys: Vec<(FormKey, usize, String)> =
        forms.into_iter().map(|(k, (n, s))| (k, n, s)).collect();
    // Most specific first: more words, then titled, then frequency; ties by text for determinism.
    keys.sort_by(|a, b| {
        b.0.words
            .len()
            .cmp(&a.0.words.len())
            .then(b.0.title.is_some().cmp(&a.0.title.is_some()))
            .then(b.1.cmp(&a.1))
            .then(a.2.cmp(&b.2))
    });

    let mut entities: Vec<Entity> = Vec::new();
    let mut by_surname: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_given: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_full: HashMap<Vec<String>, usize> = HashMap::new();
    let mut assignment = HashMap::new();

    for (key, count, surface) in keys {
        let words = &key.words;
        let target = if words.len() >= 2 {
            by_full
                .get(words)
                .copied()
                .or_else(|| {
                    // "Fairfax Rochester" inside "Edward Fairfax Rochester": a tail of a longer name.
                    by_surname.get(&words[words.len() - 1]).and_then(|c| {
                        c.iter().copied().find(|&e| {
                            let full = &entities[e].full;
                            full.len() > words.len() && full.ends_with(words)
                        })
                    })
                })
                .or_else(|| {
                    // "Edward Fairfax Rochester" ~ "Edward Rochester": same first and last word.
                    let (f, l) = (&words[0], &words[words.len() - 1]);
                    // "Jim Vane" ~ "James Vane": a nickname of the given name.
                    by_surname.get(l).and_then(|c| {
                        c.iter().copied().find(|&e| {
                            entities[e].given.as_ref().is_some_and(|g| {
                                g == f
                                    || lexicon::nickname_targets(f).contains(&g.as_str())
                                    || lexicon::nickname_targets(g).contains(&f.as_str())
                            })
                        })
                    })
                })
        } else {
            let w = &words[0];
            let pick = |cands: Option<&Vec<usize>>, ents: &Vec<Entity>| -> Option<usize> {
                cands?
                    .iter()
                    .copied()
                    .filter(|&e| key.title.is_none_or(|t| ents[e].compatible_title(t)))
                    .max_by_key(|&e| (ents[e].count, std::cmp::Reverse(e)))
            };
            // In a family (several characters share the surname), "Mrs. Reed" is not guessed
            // onto "Georgiana Reed": it joins only someone already called by that title.
            let family = |cands: Option<&Vec<usize>>, ents: &Vec<Entity>| -> Option<usize> {
                let c = cands?;
                if c.len() <= 1 {
                    return pick(Some(c), ents);
                }
                let t = key.title?;
                // ...and not when the titled form is far more frequent than that someone:
                // "Mr. Rochester" (1,000 times) is not his brother "Mr. Rowland Rochester".
                c.iter()
                    .copied()
                    .filter(|&e| ents[e].titles.contains(&t) && count <= 3 * ents[e].count.max(1))
                    .max_by_key(|&e| (ents[e].count, std::cmp::Reverse(e)))
            };
            match key.title {
                Some(
                    TitleClass::Male | TitleClass::Mrs | TitleClass::Miss | TitleClass::Neutral,
                ) => family(by_surname.get(w), &entities)
                    .or_else(|| pick(by_given.get(w), &entities)),
                Some(_) => {
                    pick(by_given.get(w), &entities).or_else(|| pick(by_surname.get(w), &entities))
                }
                None => pick(by_given.get(w), &entities)
                    .or_else(|| {
                        lexicon::nickname_targets(w)
                            .iter()
                            .find_map(|g| pick(by_given.get(*g), &entities))
                    })
                    .or_else(|| pick(by_surname.get(w), &entities)),
            }
        };
        let idx = match target {
            Some(i) => i,
            None => {
                let mut e = Entity::default();
                if words.len() >= 2 {
                    e.given = Some(words[0].clone());
                    e.surname = Some(words[words.len() - 1].clone());
                    e.has_full_name = key.title.is_none();
                } else if key
                    .title
                    .is_some_and(|t| !matches!(t, TitleClass::FemaleKin | TitleClass::MaleKin))
                {
                    e.surname = Some(words[0].clone());
                } else {
                    e.given = Some(words[0].clone());
                }
                e.gender = key
                    .title
                    .and_then(|t| t.gender())
                    .or_else(|| e.given.as_deref().and_then(lexicon::given_name_gender));
                // "Rochester Arms", "Thornfield Hall": a place named after someone lends no
                // surname or given name for others to join.
                let placeish = words.len() >= 2 && lexicon::is_place_word(&words[words.len() - 1]);
                if placeish {
                    e.given = None;
                    e.surname = None;
                }
                entities.push(e);
                let i = entities.len() - 1;
                if let Some(s) = &entities[i].surname {
                    by_surname.entry(s.clone()).or_default().push(i);
                }
                if let Some(g) = &entities[i].given {
                    by_given.entry(g.clone()).or_default().push(i);
                }
                if words.len() >= 2 {
                    by_full.insert(words.clone(), i);
                }
                i
            }
        };
        let e = &mut entities[idx];
        if let Some(t) = key.title {
            if !e.titles.contains(&t) {
                e.titles.push(t);
            }
            if e.gender.is_none() {
                e.gender = t.gender();
            }
        }
        if words.len() >= 2 && key.title.is_none() {
            e.has_full_name = true;
        }
        if words.len() > e.full.len() {
            e.full = words.clone();
        }
        e.count += count;
        *e.forms.entry(surface).or_default() += count;
        assignment.insert(key, idx);
    }
    Clusters {
        entities,
        assignment,
    }
}
