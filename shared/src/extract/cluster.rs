//! Alias clustering: full names first, then "Title Surname", then lone words, each joined to the
//! one character it can mean, and only on evidence: a full name seen with its parts, a title and
//! surname that fit exactly one person of that book. Never across genders (from titles, given
//! names, or the pronouns that follow a form), across Mr/Mrs/Miss or different ranks ("Mr." and
//! "Admiral" Crawford), nor between two forms the book names side by side in one sentence. A
//! word several characters share ("Knightley" in a family of Knightleys) is nobody's alias.
//! Linear in distinct forms times the characters sharing a word (indexed by word).

use std::collections::{HashMap, HashSet};

use super::lexicon::{self, Gender, TitleClass};
use super::mentions::Mention;
use super::tokens::{Kind, Token};

/// A distinct way the book writes a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FormKey {
    pub title: Option<TitleClass>,
    /// The title as written, lower case without its period ("mr", "captain").
    pub title_word: Option<String>,
    pub words: Vec<String>,
}

impl FormKey {
    pub fn of(m: &Mention) -> FormKey {
        FormKey {
            title: m.title,
            title_word: m
                .title_word
                .as_ref()
                .map(|t| t.trim_end_matches('.').to_lowercase()),
            words: m.words.iter().map(|w| w.to_lowercase()).collect(),
        }
    }
}

/// What the text says about one form.
#[derive(Default)]
struct FormEvidence {
    count: usize,
    surface: String,
    sentences: Vec<u32>,
    /// occurrences after "the", "a", "an"
    article: usize,
    /// occurrences after "in", "at", "from"… ("to" half: people are gone to too)
    after_place_preposition: f32,
    male: usize,
    female: usize,
    /// What the pronouns firmly say of the form's given name used alone ("Brett" is a
    /// woman in this book, whatever the census says of the name).
    given_voted: Option<Gender>,
    /// What fewer pronouns say of it (three, agreeing three to one), for a given name the
    /// census does not know ("Sissy").
    given_weak: Option<Gender>,
}

impl FormEvidence {
    /// A lone word's gender read as a surname: as `gender`, without the given name's reading.
    fn surname_gender(&self, key: &FormKey) -> Option<Gender> {
        self.gender_from(key, false)
    }

    /// Gender from the pronouns that follow the form, when at least `min` agree `ratio` to one.
    fn voted(&self, min: usize, ratio: usize) -> Option<Gender> {
        if self.male >= min && self.male >= ratio * self.female {
            Some(Gender::Male)
        } else if self.female >= min && self.female >= ratio * self.male {
            Some(Gender::Female)
        } else {
            None
        }
    }

    /// The form's gender: its title's; else pronouns (five, one per twenty uses) agreeing four to
    /// one; else its given name's (census); else three pronouns (one per ten uses) agreeing
    /// three to one.
    fn gender(&self, key: &FormKey) -> Option<Gender> {
        self.gender_from(key, true)
    }

    /// `gender`, with or without the reading of the form's first word as a given name.
    fn gender_from(&self, key: &FormKey, as_given: bool) -> Option<Gender> {
        // the given name, untitled ("Edward") or after a title of no gender ("Reverend Edward
        // Casaubon"); "Mr. Tom" and "Miss Jo" have the title's
        let given = (as_given && (key.title.is_none() || key.words.len() >= 2))
            .then(|| {
                self.given_voted
                    .or_else(|| lexicon::given_name_gender(&key.words[0]))
                    .or(self.given_weak)
            })
            .flatten();
        // a form's own pronouns follow one in ten of its uses, at least
        let few = (self.count / 10).max(3);
        key.title
            .and_then(TitleClass::gender)
            .or_else(|| self.voted((self.count / 20).max(5), 4))
            .or(given)
            .or_else(|| self.voted(few, 3))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Entity {
    pub given: Option<String>,
    pub surname: Option<String>,
    pub titles: Vec<TitleClass>,
    /// Titles as written ("mr", "admiral").
    pub title_words: Vec<String>,
    pub gender: Option<Gender>,
    /// surface form → count
    pub forms: HashMap<String, usize>,
    pub count: usize,
    pub has_full_name: bool,
    /// The longest name word sequence seen (lower case).
    pub full: Vec<String>,
    /// Titles seen before a full name ("Mr. John Knightley"): where two could be "Mr.
    /// Knightley", the book qualifies this one with a given name to tell him from the other.
    pub titled_full: Vec<String>,
    /// Every given name its full names were written with ("William", "Bill").
    pub givens: Vec<String>,
    /// A word several characters share, standing for none of them.
    pub ambiguous: bool,
    /// Named as a married woman by her husband's name ("Mrs. John Knightley").
    pub wife_form: bool,
    /// Mentions after "the", "a" or "an" (untitled forms).
    pub article: usize,
    /// name word → sentences of narration where a form holding it appears
    sentences: HashMap<String, HashSet<u32>>,
}

impl Entity {
    /// A character the book calls only by a bare title ("the Duchess"), used `count` times.
    pub fn known_by_title(
        title: &str,
        class: Option<TitleClass>,
        surface: String,
        count: usize,
    ) -> Entity {
        Entity {
            titles: class.into_iter().collect(),
            title_words: vec![title.to_string()],
            gender: class.and_then(TitleClass::gender),
            forms: HashMap::from([(surface, count)]),
            count,
            article: count,
            ..Entity::default()
        }
    }
}

fn is_kin(t: TitleClass) -> bool {
    matches!(t, TitleClass::FemaleKin | TitleClass::MaleKin)
}

impl Entity {
    /// Whether a form can name this character.
    fn accepts(&self, key: &FormKey, ev: &FormEvidence) -> bool {
        self.accepts_in(key, ev, true)
    }

    /// `family`: others bear this surname too, so a different rank means a different man.
    fn accepts_in(&self, key: &FormKey, ev: &FormEvidence, family: bool) -> bool {
        if let Some(t) = key.title {
            if !self.compatible_title(t) {
                return false;
            }
            // In a family, one man is not both "Mr. Crawford" and "Admiral Crawford" (but "Mr."
            // and "Monsieur" are one title in two languages).
            if let Some(w) = &key.title_word {
                let rank = |x: &str| lexicon::plain_honorific(x).unwrap_or(x).to_string();
                let mine = rank(w);
                if family
                    && !is_kin(t)
                    && !self.title_words.iter().any(|o| rank(o) == mine)
                    && self.title_words.iter().any(|o| {
                        lexicon::title_class(o)
                            .is_some_and(|c| !is_kin(c) && c.gender() == t.gender())
                    })
                {
                    return false;
                }
            }
        }
        let form_gender = ev.gender(key);
        if matches!((self.gender, form_gender), (Some(a), Some(b)) if a != b) {
            return false;
        }
        // A titled form named side by side in two sentences of narration or more with forms
        // sharing a word ("Mr. Knightley and Mr. John Knightley"): two people.
        key.title.is_none()
            || ev
                .sentences
                .iter()
                .filter(|s| {
                    key.words
                        .iter()
                        .any(|w| self.sentences.get(w).is_some_and(|set| set.contains(s)))
                })
                .nth(1)
                .is_none()
    }

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

#[derive(Clone)]
pub struct Clusters {
    pub entities: Vec<Entity>,
    /// form key → entity index
    pub assignment: HashMap<FormKey, usize>,
    /// Words the book writes untitled before a place word ("oniton" of "Oniton Grange").
    pub place_named: HashSet<String>,
}

impl Clusters {
    /// Folds the role `from` ("Collector") into the person `into`: its forms, written with
    /// their article ("the Collector"), and its uses become theirs, and `from` is left empty
    /// (no uses: no character).
    pub fn merge_role(&mut self, from: usize, into: usize) {
        let f = std::mem::take(&mut self.entities[from]);
        let t = &mut self.entities[into];
        for (form, c) in f.forms {
            *t.forms.entry(format!("the {form}")).or_default() += c;
        }
        t.count += f.count;
        self.reassign(from, into);
    }

    /// Joins two names of one person ("Miss Dashwood" and "Elinor"): the less used folds into
    /// the more used (its forms, uses, titles and name parts), and is left empty.
    pub fn join(&mut self, a: usize, b: usize) {
        let n = self.entities.len();
        if a == b || a >= n || b >= n {
            return;
        }
        if self.entities[a].count > self.entities[b].count {
            self.merge(b, a);
        } else {
            self.merge(a, b);
        }
    }

    fn merge(&mut self, from: usize, into: usize) {
        let f = std::mem::take(&mut self.entities[from]);
        let t = &mut self.entities[into];
        for (form, c) in f.forms {
            *t.forms.entry(form).or_default() += c;
        }
        t.count += f.count;
        t.article += f.article;
        for x in f.titles {
            if !t.titles.contains(&x) {
                t.titles.push(x);
            }
        }
        for (list, more) in [
            (&mut t.title_words, f.title_words),
            (&mut t.titled_full, f.titled_full),
            (&mut t.givens, f.givens),
        ] {
            for x in more {
                if !list.contains(&x) {
                    list.push(x);
                }
            }
        }
        t.given = t.given.take().or(f.given);
        t.surname = t.surname.take().or(f.surname);
        t.gender = t.gender.or(f.gender);
        t.has_full_name |= f.has_full_name;
        if f.full.len() > t.full.len() {
            t.full = f.full;
        }
        for (w, sents) in f.sentences {
            t.sentences.entry(w).or_default().extend(sents);
        }
        self.reassign(from, into);
    }

    fn reassign(&mut self, from: usize, into: usize) {
        for a in self.assignment.values_mut() {
            if *a == from {
                *a = into;
            }
        }
    }
}

/// How many tokens after a mention the first pronoun may come to vote on its gender.
const PRONOUN_WINDOW: usize = 25;

/// Token indexes where a name mention starts.
pub fn mention_starts(mentions: &[Mention]) -> HashSet<usize> {
    mentions.iter().map(|m| m.tok).collect()
}

/// The gender of the first third-person pronoun after a mention, in the rest of its sentence,
/// outside quotations, with no other name in between ("said the Caterpillar to Alice, and she…"
/// says nothing of the Caterpillar).
pub fn pronoun_after(toks: &[Token], m: &Mention, starts: &HashSet<usize>) -> Option<Gender> {
    let sent = toks[m.tok].sent;
    // Only a name in the subject's place votes (after a stop, a comma or a word that opens a
    // clause): "told Doctor Mandelet she would walk" is about the one who told him, and "the
    // Rabbit" after a verb is its object.
    let first = match m.title {
        Some(_) if m.tok >= 2 && toks[m.tok - 1].text == "." => m.tok - 2,
        Some(_) => m.tok.saturating_sub(1),
        None => m.tok,
    };
    let object = first.checked_sub(1).map(|p| &toks[p]).is_some_and(|p| {
        p.kind == Kind::Word
            && p.sent == sent
            && p.text.starts_with(char::is_lowercase)
            && !opens_clause(&p.text.to_lowercase())
    });
    if object {
        return None;
    }
    for (j, t) in toks
        .iter()
        .enumerate()
        .skip(m.end)
        .take(PRONOUN_WINDOW)
        .filter(|(_, t)| t.kind == Kind::Word)
    {
        if t.sent > sent || starts.contains(&j) {
            return None;
        }
        if t.in_quote {
            continue;
        }
        // "him" is most often someone else, the object of what the named one did
        match t.text.to_lowercase().as_str() {
            "he" | "his" | "himself" => return Some(Gender::Male),
            // "her hand" is hers; "looked at her." is someone else's, as "him" would be
            "her" if !possessive_next(toks.get(j + 1)) => return None,
            "she" | "her" | "hers" | "herself" => return Some(Gender::Female),
            "it" | "its" | "itself" => return None,
            _ => {}
        }
    }
    None
}

/// Words after which a name may be the subject of what follows ("and Emma said", "when he…",
/// and a verb of speech: "said Emma, and she…").
fn opens_clause(w: &str) -> bool {
    matches!(
        w,
        "and"
            | "but"
            | "or"
            | "nor"
            | "yet"
            | "so"
            | "then"
            | "when"
            | "while"
            | "whilst"
            | "as"
            | "if"
            | "though"
            | "although"
            | "because"
            | "since"
            | "until"
            | "till"
            | "before"
            | "after"
            | "that"
            | "where"
            | "whereupon"
            | "unless"
            | "whether"
            | "once"
            | "now"
            | "perhaps"
            | "still"
            | "only"
            | "even"
            | "indeed"
            | "suddenly"
            | "presently"
            | "meanwhile"
            | "poor"
            | "old"
            | "young"
            | "little"
            | "dear"
    ) || lexicon::is_speech_verb(w)
}

/// Whether the word after "her" makes it a possessive ("her hand", "her own"), not an object.
fn possessive_next(next: Option<&Token>) -> bool {
    next.is_some_and(|n| {
        n.kind == Kind::Word
            && n.text.starts_with(char::is_lowercase)
            && !matches!(
                n.text,
                "a" | "an"
                    | "the"
                    | "that"
                    | "this"
                    | "to"
                    | "and"
                    | "or"
                    | "but"
                    | "in"
                    | "on"
                    | "at"
                    | "for"
                    | "with"
                    | "from"
                    | "by"
                    | "of"
                    | "as"
                    | "if"
                    | "so"
                    | "up"
                    | "out"
                    | "off"
                    | "down"
                    | "again"
                    | "back"
                    | "away"
                    | "into"
                    | "there"
                    | "here"
                    | "now"
                    | "then"
                    | "when"
                    | "not"
                    | "all"
                    | "what"
                    | "how"
                    | "why"
                    | "about"
                    | "over"
                    | "is"
                    | "was"
                    | "he"
                    | "she"
                    | "it"
                    | "they"
                    | "i"
                    | "you"
                    | "we"
            )
    })
}

fn evidence(
    mentions: &[Mention],
    toks: &[Token],
    starts: &HashSet<usize>,
) -> HashMap<FormKey, FormEvidence> {
    let mut forms: HashMap<FormKey, FormEvidence> = HashMap::new();
    for m in mentions {
        let ev = forms.entry(FormKey::of(m)).or_default();
        if ev.count == 0 {
            ev.surface = m.surface();
        }
        ev.count += 1;
        let sent = toks[m.tok].sent;
        // side by side in narration (a vocative in dialogue proves nothing)
        if !toks[m.tok].in_quote && ev.sentences.last() != Some(&sent) {
            ev.sentences.push(sent);
        }
        let first = if m.title.is_some() {
            m.tok.saturating_sub(2)
        } else {
            m.tok
        };
        if let Some(p) = first.checked_sub(1).and_then(|p| toks.get(p)) {
            let lp = p.text.to_lowercase();
            if m.title.is_none() && matches!(lp.as_str(), "the" | "a" | "an") {
                ev.article += 1;
            }
            if p.kind == Kind::Word {
                ev.after_place_preposition += lexicon::place_preposition_weight(&lp);
            }
        }
        // a name spoken in dialogue is followed by the speaker's pronoun, not its own
        let spoken = toks[m.tok].in_quote;
        match pronoun_after(toks, m, starts).filter(|_| !spoken) {
            Some(Gender::Male) => ev.male += 1,
            Some(Gender::Female) => ev.female += 1,
            None => {}
        }
    }
    forms
}

/// The one candidate a form can mean: the only one, or one the book already names five times
/// as often as all the others together. `Err` (with them) when several fit and none dominates.
fn one(cands: &[usize], ents: &[Entity]) -> Result<Option<usize>, Vec<usize>> {
    match cands {
        [] => Ok(None),
        [e] => Ok(Some(*e)),
        _ => {
            let best = cands
                .iter()
                .copied()
                .max_by_key(|&e| (ents[e].count, std::cmp::Reverse(e)))
                .unwrap_or(cands[0]);
            let rest: usize = cands
                .iter()
                .filter(|&&e| e != best)
                .map(|&e| ents[e].count)
                .sum();
            if ents[best].count >= 5 * rest.max(1) {
                Ok(Some(best))
            } else {
                Err(cands.to_vec())
            }
        }
    }
}

/// "Adam J. Patch" and "Adam Ulysses Patch": the same first and last name with middle names
/// that cannot be one another (neither the same word nor its initial) are two people, a
/// grandfather and his son.
fn middle_names_differ(a: &[String], b: &[String]) -> bool {
    if a.len() < 3 || b.len() < 3 || a[0] != b[0] || a.last() != b.last() {
        return false;
    }
    let (x, y) = (&a[1], &b[1]);
    let initial = |i: &String, w: &String| i.chars().count() == 1 && w.starts_with(i.as_str());
    !(x == y || initial(x, y) || initial(y, x))
}

struct Index {
    entities: Vec<Entity>,
    by_surname: HashMap<String, Vec<usize>>,
    by_given: HashMap<String, Vec<usize>>,
    by_full: HashMap<Vec<String>, Vec<usize>>,
    /// Surnames the book writes after "Miss" somewhere: a family with a daughter at home.
    miss_surnames: HashSet<String>,
    /// Each untitled lone word ("Mary") → how often the book writes it so.
    lone_counts: HashMap<String, usize>,
}

impl Index {
    fn fitting(&self, list: Option<&Vec<usize>>, key: &FormKey, ev: &FormEvidence) -> Vec<usize> {
        list.map(|c| {
            c.iter()
                .copied()
                .filter(|&e| self.entities[e].accepts(key, ev))
                .collect()
        })
        .unwrap_or_default()
    }

    /// The character a multi-word form joins, if any.
    fn full_name(&self, key: &FormKey, ev: &FormEvidence, wife_form: bool) -> Option<usize> {
        let words = &key.words;
        let ents = &self.entities;
        // A wife named after her husband ("Mrs. Newland Archer") is not him: his untitled
        // name does not join her.
        let fits = |e: usize| {
            ents[e].accepts(key, ev)
                && (!wife_form || ents[e].given.is_none())
                && !(ents[e].wife_form && key.title.is_none())
                && !middle_names_differ(words, &ents[e].full)
        };
        if let Some(e) = self
            .by_full
            .get(words)
            .and_then(|c| c.iter().copied().find(|&e| fits(e)))
        {
            return Some(e);
        }
        let holders = self.by_surname.get(&words[words.len() - 1])?;
        // "Fairfax Rochester" inside "Edward Fairfax Rochester": a tail of a longer name (not
        // a titled one: "Sir Walter Elliot" is not "William Walter Elliot").
        if let Some(e) = holders.iter().copied().find(|&e| {
            let full = &ents[e].full;
            key.title.is_none() && full.len() > words.len() && full.ends_with(words) && fits(e)
        }) {
            return Some(e);
        }
        if wife_form {
            return None;
        }
        // "Edward Fairfax Rochester" ~ "Edward Rochester": same first and last word; "Jim Vane"
        // ~ "James Vane" by nickname, unless the longer form is a titled one's (father and son
        // share names: "Sir Thomas Bertram" is not "Tom Bertram").
        // Under the same title the nickname is the same man ("Mr. Bill Sikes", "Mr. William
        // Sikes"), and a given name once joined answers again ("Bill Sikes").
        let f = &words[0];
        let same_title = |e: usize| {
            key.title_word
                .as_ref()
                .is_some_and(|t| ents[e].titled_full.contains(t))
        };
        holders.iter().copied().find(|&e| {
            fits(e)
                && ents[e].givens.iter().any(|g| {
                    g == f
                        || ((ents[e].titled_full.is_empty() || same_title(e))
                            && (lexicon::nickname_targets(f).contains(&g.as_str())
                                || lexicon::nickname_targets(g).contains(&f.as_str())))
                })
        })
    }

    /// The character "Mr. Knightley" joins: one already called so, else the only one of that
    /// surname the title fits. `None` makes it a character of its own.
    fn titled_surname(&self, key: &FormKey, ev: &FormEvidence) -> Option<usize> {
        let w = &key.words[0];
        let t = key.title_word.clone().unwrap_or_default();
        let plain = lexicon::plain_honorific(&t).unwrap_or(&t);
        let ents = &self.entities;
        let Some(holders) = self.by_surname.get(w) else {
            // "Miss Anne", "Mr. Tom": a title before a given name ("King James" is no Jim
            // Vane: a sovereign joins only one already so titled)
            let sovereign = lexicon::is_sovereign_title(&t);
            let fit: Vec<usize> = self
                .fitting(self.by_given.get(w), key, ev)
                .into_iter()
                .filter(|&e| !sovereign || ents[e].title_words.contains(&t))
                .collect();
            return one(&fit, ents).ok().flatten();
        };
        // "Mrs. Charles Musgrove" is named so to tell her from plain "Mrs. Musgrove".
        let family = holders.len() >= 2;
        let fit: Vec<usize> = holders
            .iter()
            .copied()
            .filter(|&e| ents[e].accepts_in(key, ev, family))
            .filter(|&e| !(plain == "mrs" && ents[e].wife_form))
            .collect();
        // Of a family, a man's title goes to the one member known to be a man, not to one of
        // unknown gender ("Mr. Bounderby" is Josiah Bounderby, not "Loo Bounderby", whose pet
        // name no list knows); two or more men leave the family as it was. (Not for "Miss":
        // "Miss Dashwood" is the eldest daughter, whom the book may never name in full, not the
        // one sister it does.)
        let fit: Vec<usize> = match key.title.and_then(TitleClass::gender) {
            Some(g @ Gender::Male) if fit.len() >= 2 => {
                let known: Vec<usize> = fit
                    .iter()
                    .copied()
                    .filter(|&e| ents[e].gender == Some(g))
                    .collect();
                if known.len() == 1 {
                    known
                } else {
                    fit
                }
            }
            _ => fit,
        };
        // Father and son who share a name, one written formally and one by its pet form
        // ("Thomas Gradgrind" and "Tom Gradgrind"): the plain "Mr." is the senior, the formal
        // name's bearer; the son goes by the pet name. (A pet name written in full but once
        // or twice is the formal one's own: "Charlie Wilcox" said of Charles Wilcox.)
        let fit: Vec<usize> = if fit.len() >= 2 && plain == "mr" {
            let formal_of = |pet: usize| {
                fit.iter().copied().find(|&o| {
                    o != pet
                        && ents[pet].count >= 3
                        && ents[pet].givens.iter().any(|p| {
                            ents[o].givens.iter().any(|g| {
                                g != p && lexicon::nickname_targets(p).contains(&g.as_str())
                            })
                        })
                })
            };
            let mut seniors: Vec<usize> = fit.iter().copied().filter_map(formal_of).collect();
            seniors.sort_unstable();
            seniors.dedup();
            match seniors[..] {
                [senior] => vec![senior],
                _ => fit,
            }
        } else {
            fit
        };
        // Two or more it could be (a family): not the one the book tells apart by given name
        // ("Miss Elliot" is the eldest daughter, not the one written "Miss Anne Elliot").
        // (A one-off form that is no known name, a dialect "Bister Sikes", tells no one apart.)
        let fit: Vec<usize> = if fit.len() >= 2 {
            let untold: Vec<usize> = fit
                .iter()
                .copied()
                .filter(|&e| !ents[e].titled_full.contains(&t))
                .collect();
            let someone = |e: usize| {
                ents[e].count >= 2 || ents[e].givens.iter().any(|g| lexicon::is_given_name(g))
            };
            if untold.iter().any(|&e| someone(e)) {
                untold
            } else {
                fit
            }
        } else {
            fit
        };
        let titled: Vec<usize> = fit
            .iter()
            .copied()
            .filter(|&e| ents[e].title_words.contains(&t))
            .collect();
        // In a family, "Mrs. Maylie" (or "Lady Otway") is not the daughter or niece the book
        // calls "Rose Maylie" ("Cassandra Otway").
        // Unless the book never writes "Miss" before the name and she is the family's one
        // woman, named in full three times or more: then "Mrs. Cavendish" is the wife the book
        // also calls "Mary Cavendish" (a daughter named once in a chapter is no wife).
        let only_woman = || {
            let mut women = holders
                .iter()
                .filter(|&&e| ents[e].gender == Some(Gender::Female));
            women
                .next()
                .is_some_and(|&e| fit.contains(&e) && ents[e].count >= 3)
                && women.next().is_none()
        };
        let mother = key.title == Some(TitleClass::Mrs)
            && holders.len() >= 2
            && (plain != "mrs" || self.miss_surnames.contains(w) || !only_woman());
        // ...and the one woman of a surname, named in full but once or twice and known by her
        // given name alone, is not taken for the "Mrs." the book also names: "Mrs. Lennox" is
        // the mother of the child "Mary Lennox", named so twice and "Mary" twenty times
        let scarce = plain == "mrs"
            && holders.len() == 1
            && fit.first().is_some_and(|&e| {
                ents[e].count < 3
                    && ents[e]
                        .given
                        .as_ref()
                        .and_then(|g| self.lone_counts.get(g))
                        .is_some_and(|&n| n >= 2)
            });
        match (titled.len(), fit.len()) {
            (1.., _) => one(&titled, ents).ok().flatten(),
            _ if mother || scarce => None,
            (0, 1) => Some(fit[0]),
            (0, _) => one(&fit, ents).ok().flatten(),
        }
    }

    /// The character a lone word joins; `Err` with the candidates when it fits several.
    fn lone_word(&self, key: &FormKey, ev: &FormEvidence) -> Result<Option<usize>, Vec<usize>> {
        let w = &key.words[0];
        let ents = &self.entities;
        // (one who dominates by count must also be called by this given name at least as
        // often as each other holder: "John" is not John Willoughby, written so once and
        // otherwise "Willoughby", beside a "John Dashwood" written thirty times)
        let uses = |e: usize| -> usize {
            ents[e]
                .forms
                .iter()
                .filter(|(f, _)| f.split_whitespace().any(|x| x.eq_ignore_ascii_case(w)))
                .map(|(_, n)| n)
                .sum()
        };
        let named_one = |fit: &[usize]| match one(fit, ents) {
            Ok(Some(e)) if fit.iter().any(|&o| o != e && uses(o) > uses(e)) => Err(fit.to_vec()),
            r => r,
        };
        let given = || named_one(&self.fitting(self.by_given.get(w), key, ev));
        // "Jim" for a "James", and "Michael" for a "Mike"
        // (the formal name joins one known by its nickname only where that nickname was
        // written in a full name, or is untitled and used twice as often as the formal name:
        // "Mary" is not "Aunt Polly", "Michael" in a chapter of "Mike" is Mike; and only one
        // named at least as often as the formal name is used: "Margaret" is Meg March's formal
        // name, but a "Catherine" used thirty times is not the "Kate Merry" named twice)
        // ("Harry" for a "Lord Henry" too: a title English sets before a given name leaves
        // that name filed as the surname)
        let by_given_name = |g: &str| -> Vec<usize> {
            let mut list = self.by_given.get(g).cloned().unwrap_or_default();
            if lexicon::is_given_name(g) {
                let titled = self.by_surname.get(g).into_iter().flatten().filter(|&&e| {
                    ents[e].full.len() == 1
                        && ents[e]
                            .title_words
                            .iter()
                            .any(|t| lexicon::precedes_given_name(t))
                });
                for &e in titled {
                    if !list.contains(&e) {
                        list.push(e);
                    }
                }
            }
            list
        };
        // A pet name only ever said in dialogue, for a formal name the narration uses: the
        // voices and the narrator name one person two ways ("Late again, Greg," and "Gregory
        // sat down"), however the counts fall.
        let spoken_only =
            |e: usize| !ev.sentences.is_empty() && ents[e].sentences.values().all(|s| s.is_empty());
        // The voices call "Lord Henry" "Harry"; the narrator keeps the title. A pet name the
        // narration itself uses, twice and for most of its uses, is not the pet name of one
        // titled before his given name ("my boy Harry" beside "Sir Henry Curtis").
        let narrated = ev.sentences.len() >= 2 && 2 * ev.sentences.len() > ev.count;
        let titled_given = |e: usize| {
            ents[e]
                .title_words
                .iter()
                .any(|t| lexicon::precedes_given_name(t))
        };
        let nick = || {
            let forward = lexicon::nickname_targets(w).iter().map(|g| (*g, false));
            let reverse = lexicon::nicknames_of(w).iter().map(|g| (*g, true));
            for (g, formal) in forward.chain(reverse) {
                let fit: Vec<usize> = self
                    .fitting(Some(&by_given_name(g)), key, ev)
                    .into_iter()
                    .filter(|&e| formal || !(narrated && titled_given(e)))
                    .filter(|&e| {
                        !formal
                            || (ents[e].count >= ev.count
                                && (ents[e].full.len() >= 2
                                    || (ents[e].titles.is_empty()
                                        && key.title.is_none()
                                        && (ents[e].count >= 2 * ev.count || spoken_only(e)))))
                    })
                    .collect();
                let r = one(&fit, ents);
                if r != Ok(None) {
                    return r;
                }
            }
            Ok(None)
        };
        // A pet name no nickname list knows, a stem and "-ie"/"-y" ("Evie" in a book with an
        // Evelyn and no Evie of her own): the one person whose given name opens with that stem
        // and that the census gives the same gender
        let diminutive = || {
            let gender = lexicon::given_name_gender(w);
            if gender.is_none()
                || !lexicon::nickname_targets(w).is_empty()
                || !lexicon::nicknames_of(w).is_empty()
            {
                return Ok(None);
            }
            let Some(stem) = ["ie", "y"]
                .iter()
                .find_map(|s| w.strip_suffix(s))
                .filter(|stem| stem.chars().count() >= 2)
            else {
                return Ok(None);
            };
            let mut fit: Vec<usize> = Vec::new();
            for (g, list) in &self.by_given {
                if g != w && g.starts_with(stem) && lexicon::given_name_gender(g) == gender {
                    for e in self.fitting(Some(list), key, ev) {
                        if ents[e].full.len() >= 2 && !fit.contains(&e) {
                            fit.push(e);
                        }
                    }
                }
            }
            fit.sort_unstable();
            tracing::debug!(target: "extract::cluster", word = %w, ?fit, "diminutive");
            one(&fit, ents)
        };
        // A bare surname is a man's ("Pontellier" is Léonce, not Edna), unless only women
        // bear it and one of them is not only a wife ("Poole" for Grace Poole, "Lucilla" for
        // "Miss Lucilla"): a woman known only as "Mrs. Braddocks" lends her husband's bare
        // name to nobody.
        // (read as a surname, the word's census reading as a given name says nothing of its
        // gender: "Brooke" is John Brooke, though the census knows Brooke as a girl's name)
        let surname = || {
            let gender = ev.surname_gender(key);
            let fit: Vec<usize> = self
                .by_surname
                .get(w)
                .map(|c| {
                    c.iter()
                        .copied()
                        .filter(
                            |&e| !matches!((ents[e].gender, gender), (Some(a), Some(b)) if a != b),
                        )
                        .collect()
                })
                .unwrap_or_default();
            let men: Vec<usize> = fit
                .iter()
                .copied()
                .filter(|&e| ents[e].gender != Some(Gender::Female))
                .collect();
            let wife_only = |e: usize| {
                ents[e].given.is_none()
                    && !ents[e].titles.is_empty()
                    && ents[e].titles.iter().all(|t| *t == TitleClass::Mrs)
            };
            if men.is_empty() && fit.iter().all(|&e| wife_only(e)) {
                return Ok(None);
            }
            // ... and unless one unmarried woman of the name is named five times as often as
            // the rest of them together: the name is her own, and a Victorian master calls a
            // schoolgirl by it ("Jupe" is Sissy Jupe, whose father "Signor Jupe" is named three
            // times). A wife's surname is her husband's: "Pontellier" is Léonce, however often
            // the book says "Mrs. Pontellier".
            let unmarried = |e: usize| {
                ents[e].gender == Some(Gender::Female)
                    && !ents[e].titles.contains(&TitleClass::Mrs)
                    && !ents[e].wife_form
            };
            if let Ok(Some(e)) = one(&fit, ents) {
                if !men.is_empty() && unmarried(e) {
                    return Ok(Some(e));
                }
            }
            one(if men.is_empty() { &fit } else { &men }, ents)
        };
        // A known surname is looked up as one first ("Archer" is Newland Archer, not a
        // "Archer Madeira"); anything else as a given name first.
        let surname_first = !lexicon::is_given_name(w) && lexicon::is_surname(w);
        type Lookup<'a> = &'a dyn Fn() -> Result<Option<usize>, Vec<usize>>;
        // (the lookup that reads the word as an exact given name, which no other overrules)
        let order: [(bool, Lookup); 3] = if surname_first {
            [(false, &surname), (true, &given), (false, &nick)]
        } else {
            [(true, &given), (false, &nick), (false, &surname)]
        };
        // Every lookup's candidates together: one of them may dominate ("Newland" is Newland
        // Archer, named fifty times, not a "Vandie Newland" named once); else the first
        // lookup that finds anyone decides.
        let mut first: Option<Result<Option<usize>, Vec<usize>>> = None;
        let mut pooled: Vec<usize> = Vec::new();
        for (exact, f) in order {
            match f() {
                Ok(None) => continue,
                Ok(Some(e)) if exact && first.is_none() => return Ok(Some(e)),
                Ok(Some(e)) => {
                    first.get_or_insert(Ok(Some(e)));
                    pooled.push(e);
                }
                Err(cands) => {
                    first.get_or_insert(Err(cands.clone()));
                    pooled.extend(cands);
                }
            }
        }
        pooled.sort_unstable();
        pooled.dedup();
        match (first, named_one(&pooled)) {
            // (a pet name is read as one only where nothing else reads the word)
            (None, _) => diminutive(),
            (_, Ok(Some(e))) => Ok(Some(e)),
            // no reading dominates: the first lookup's answer stands
            (Some(Ok(e)), _) => Ok(e),
            (Some(Err(_)), r) => r,
        }
    }
}

/// Groups the mentions' forms into characters.
/// `starts`: where each mention starts (`mention_starts`), computed once by the caller.
pub fn cluster(mentions: &[Mention], toks: &[Token], starts: &HashSet<usize>) -> Clusters {
    let mut keys: Vec<(FormKey, FormEvidence)> =
        evidence(mentions, toks, starts).into_iter().collect();
    // What the pronouns say of each lone given name ("Brett", "Sissy"): a full name built on it
    // takes that gender when they say it firmly, before the census's.
    let lone = |min: fn(usize) -> usize, ratio: usize| -> HashMap<String, Gender> {
        keys.iter()
            .filter(|(k, _)| k.title.is_none() && k.words.len() == 1)
            .filter_map(|(k, ev)| Some((k.words[0].clone(), ev.voted(min(ev.count), ratio)?)))
            .collect()
    };
    let lone_gender = lone(|n| (n / 20).max(5), 4);
    let lone_weak = lone(|n| (n / 10).max(3), 3);
    for (k, ev) in keys.iter_mut() {
        if k.words.len() >= 2 {
            ev.given_voted = lone_gender.get(&k.words[0]).copied();
            ev.given_weak = lone_weak.get(&k.words[0]).copied();
        }
    }
    // Most specific first: more words, then titled, then frequency; ties by text for determinism.
    keys.sort_by(|a, b| {
        b.0.words
            .len()
            .cmp(&a.0.words.len())
            .then(b.0.title.is_some().cmp(&a.0.title.is_some()))
            .then(b.1.count.cmp(&a.1.count))
            .then(a.1.surface.cmp(&b.1.surface))
    });

    // words the book writes before a place word ("Oniton Grange"), and after a title
    let place_named: HashSet<String> = keys
        .iter()
        .filter(|(k, _)| k.title.is_none() && k.words.len() >= 2)
        .filter(|(k, _)| lexicon::is_place_word(&k.words[k.words.len() - 1]))
        .map(|(k, _)| k.words[0].clone())
        .collect();
    let titled: HashSet<String> = keys
        .iter()
        .filter(|(k, _)| k.title.is_some())
        .filter_map(|(k, _)| k.words.last().cloned())
        .collect();

    let mut ix = Index {
        entities: Vec::new(),
        by_surname: HashMap::new(),
        by_given: HashMap::new(),
        by_full: HashMap::new(),
        miss_surnames: keys
            .iter()
            .filter(|(k, _)| k.title == Some(TitleClass::Miss))
            .filter_map(|(k, _)| k.words.last().cloned())
            .collect(),
        lone_counts: keys
            .iter()
            .filter(|(k, _)| k.title.is_none() && k.words.len() == 1)
            .map(|(k, ev)| (k.words[0].clone(), ev.count))
            .collect(),
    };
    let mut assignment = HashMap::new();

    for (key, ev) in keys {
        let words = &key.words;
        // A married woman called by her husband's name ("Mrs. John Knightley", "Mrs. Manson
        // Mingott") is neither him nor anyone called by that given name.
        // ...and so is one named by her husband's name and an honorific set after it, as
        // Urdu, Persian and Turkish usage has it ("Hamidullah Begum" is Hamidullah's wife)
        let wife_form = (key.title == Some(TitleClass::Mrs)
            && words.len() >= 2
            && ev
                .given_voted
                .or_else(|| lexicon::given_name_gender(&words[0]))
                != Some(Gender::Female))
            || (key.title.is_none()
                && words.len() >= 2
                && lexicon::is_wife_honorific_after(&words[words.len() - 1]));
        let mut ambiguous = false;
        let target = match (words.len(), key.title) {
            (2.., _) => ix.full_name(&key, &ev, wife_form),
            (_, Some(t)) if !is_kin(t) => ix.titled_surname(&key, &ev),
            (_, Some(_)) => one(
                &ix.fitting(ix.by_given.get(&words[0]), &key, &ev),
                &ix.entities,
            )
            .ok()
            .flatten()
            .or_else(|| {
                // "Sister Carrie" is Caroline Meeber: a pet name under a kin title finds the
                // one character whose given name it is short for
                let mut found: Vec<usize> = Vec::new();
                for g in lexicon::nickname_targets(&words[0]) {
                    let fit = ix.fitting(ix.by_given.get(*g), &key, &ev);
                    match one(&fit, &ix.entities) {
                        Ok(Some(e)) if !found.contains(&e) => found.push(e),
                        Ok(_) => {}
                        Err(_) => return None,
                    }
                }
                match found[..] {
                    [e] => Some(e),
                    _ => None,
                }
            })
            .or_else(|| {
                // "Aunt Reed", said only by her niece, is Mrs. Reed; "Aunt March", the
                // narrator's own name for her in a family of Marches, is not Mrs. March.
                let holders = ix.by_surname.get(&words[0]);
                if holders.is_some_and(|h| h.len() >= 2) && ev.sentences.len() >= 3 {
                    return None;
                }
                one(&ix.fitting(holders, &key, &ev), &ix.entities)
                    .ok()
                    .flatten()
            }),
            // "at Barton", "from Barton": a word the book sets after a place preposition in half
            // its uses or more joins no one's name ("Barton Cross"); it is judged on its own
            _ if ev.count >= 3 && ev.after_place_preposition * 2.0 >= ev.count as f32 => None,
            // ...and so does a word never titled that the book also writes before a place word
            // and after a place preposition ("Oniton Grange", "at Oniton"): a once-written "on
            // Margaret Oniton was…" is no Margaret Oniton
            _ if ev.after_place_preposition >= 1.0
                && place_named.contains(&words[0])
                && !titled.contains(&words[0]) =>
            {
                None
            }
            // A woman's given name under two surnames is most often one woman, maiden and
            // married ("May Welland", "May Archer"): the name joins the more used.
            _ => ix.lone_word(&key, &ev).unwrap_or_else(|cands| {
                let women = cands
                    .iter()
                    .all(|&e| ix.entities[e].gender == Some(Gender::Female));
                if women
                    && cands
                        .iter()
                        .all(|&e| ix.entities[e].given.as_ref() == Some(&words[0]))
                {
                    return cands
                        .iter()
                        .copied()
                        .max_by_key(|&e| (ix.entities[e].count, std::cmp::Reverse(e)));
                }
                // A word far more used than all the characters it could join together is a
                // character's own name ("Meg" beside a rare "Meg March" and "Meg Brooke");
                // otherwise it is a shared word that stands for nobody.
                let theirs: usize = cands.iter().map(|&e| ix.entities[e].count).sum();
                ambiguous = ev.count < 3 * theirs;
                None
            }),
        };
        let idx = match target {
            Some(i) => i,
            None => {
                let mut e = Entity {
                    ambiguous,
                    wife_form,
                    ..Entity::default()
                };
                if words.len() >= 2 {
                    e.given = (!wife_form).then(|| words[0].clone());
                    e.surname = Some(words[words.len() - 1].clone());
                } else if key.title.is_some_and(|t| !is_kin(t)) {
                    e.surname = Some(words[0].clone());
                } else {
                    e.given = Some(words[0].clone());
                }
                e.gender = if wife_form {
                    Some(Gender::Female)
                } else if key.title.is_none() && words.len() >= 2 {
                    lone_gender
                        .get(&words[0])
                        .copied()
                        .or_else(|| ev.gender(&key))
                } else {
                    ev.gender(&key)
                };
                // "Rochester Arms", "Thornfield Hall", "the Archer Madeira": a place or a thing
                // named after someone lends no surname or given name for others to join.
                let placeish = (words.len() >= 2
                    && lexicon::is_place_word(&words[words.len() - 1]))
                    || (key.title.is_none() && ev.article * 2 >= ev.count);
                if placeish {
                    e.given = None;
                    e.surname = None;
                }
                ix.entities.push(e);
                let i = ix.entities.len() - 1;
                if let Some(s) = &ix.entities[i].surname {
                    ix.by_surname.entry(s.clone()).or_default().push(i);
                }
                if let Some(g) = ix.entities[i].given.as_ref().filter(|_| !ambiguous) {
                    ix.by_given.entry(g.clone()).or_default().push(i);
                }
                if words.len() >= 2 {
                    ix.by_full.entry(words.clone()).or_default().push(i);
                }
                i
            }
        };
        let e = &mut ix.entities[idx];
        if let Some(t) = key.title {
            if !e.titles.contains(&t) {
                e.titles.push(t);
            }
            if e.gender.is_none() {
                e.gender = t.gender();
            }
        }
        if let Some(w) = &key.title_word {
            if !e.title_words.contains(w) {
                e.title_words.push(w.clone());
            }
            if words.len() >= 2 && !e.titled_full.contains(w) {
                e.titled_full.push(w.clone());
            }
        }
        if words.len() >= 2 && key.title.is_none() {
            e.has_full_name = true;
        }
        let new_given = words.len() >= 2 && !wife_form && !e.givens.contains(&words[0]);
        if new_given {
            e.givens.push(words[0].clone());
        }
        if words.len() > e.full.len() {
            e.full = words.clone();
        }
        if e.gender.is_none() {
            e.gender = ev.gender(&key);
        }
        e.count += ev.count;
        e.article += ev.article;
        for w in words {
            e.sentences
                .entry(w.clone())
                .or_default()
                .extend(ev.sentences.iter().copied());
        }
        tracing::debug!(
            target: "extract::cluster",
            form = %ev.surface,
            count = ev.count,
            joined = target.is_some(),
            entity = idx,
            gender = ?e.gender,
            "form clustered"
        );
        *e.forms.entry(ev.surface).or_default() += ev.count;
        // a given name a joined full name brings ("Bill" of "Mr. Bill Sikes") finds them too
        if new_given && target.is_some() {
            let list = ix.by_given.entry(words[0].clone()).or_default();
            if !list.contains(&idx) {
                list.push(idx);
            }
        }
        assignment.insert(key, idx);
    }
    Clusters {
        place_named,
        entities: ix.entities,
        assignment,
    }
}
