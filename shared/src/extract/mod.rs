//! Native character extraction (no Python, no model download): tokens → proper-name mentions →
//! alias clusters → person filter → pronoun and quotation attribution → evidence (gender,
//! descriptors, actions, relations, quotes) → characters ranked by importance. Where the
//! dialogue shows two names answering as one person (`address`), the book is read again with
//! them joined.
//! `analyse` is the NLP pass (the original's BookNLP phase); `Analysis::profiles` builds the
//! evidence the persona stage reads.

pub mod address;
mod alias;
pub mod cluster;
mod dashes;
pub mod lexicon;
pub mod mentions;
pub mod narrator;
pub mod quotes;
pub mod tokens;

use std::collections::HashMap;

use serde::Serialize;

use cluster::{Clusters, FormKey};
use lexicon::Gender;
use mentions::Mention;
use tokens::{Kind, Token};

/// A co-occurring character.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relation {
    pub name: String,
    pub count: usize,
}

/// A quotation attributed to a character: byte offsets of the quoted words in the input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuoteRef {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub confidence: f32,
}

/// Quotations at least this sure of their speaker make a character's voice for the persona.
pub const PERSONA_QUOTE_CONFIDENCE: f32 = 0.9;

/// One character, as `falsafa extract --json` prints it and the persona stage reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CharacterProfile {
    pub name: String,
    pub aliases: Vec<String>,
    /// Name mentions plus attributed pronouns.
    pub mentions: usize,
    pub name_mentions: usize,
    pub gender: Option<Gender>,
    pub quote_count: usize,
    /// The character's own words, surest first (what the persona writer reads).
    pub quotes: Vec<String>,
    /// Every quotation attributed to the character, in text order.
    #[serde(skip)]
    pub all_quotes: Vec<QuoteRef>,
    pub descriptors: Vec<String>,
    pub actions: Vec<String>,
    pub relations: Vec<Relation>,
    pub importance: f32,
}

/// The NLP pass over one text.
pub struct Analysis {
    profiles: Vec<CharacterProfile>,
}

impl Analysis {
    /// The `limit` most important characters, best first.
    pub fn profiles(self, limit: usize) -> Vec<CharacterProfile> {
        self.profiles.into_iter().take(limit).collect()
    }
}

#[derive(Default, Clone)]
struct EntityStats {
    person: f32,
    place: f32,
    /// mentions right after "in", "at", "from", "near"… ("to" half: people are gone to too)
    after_place_preposition: f32,
    pronouns: usize,
    /// descriptions set beside a name ("her nephew, Willie Partridge"; "Ogden, a boy of
    /// fourteen"): mentions of the person that are not names
    appositions: usize,
    /// what the nouns of those descriptions say: "her son, Ogden" (male, female)
    apposed_gender: (usize, usize),
    male_votes: usize,
    female_votes: usize,
    quotes: Vec<QuoteRef>,
    descriptors: Vec<String>,
    actions: HashMap<String, usize>,
    cooccur: HashMap<usize, usize>,
}

/// Runs the whole pass; linear in the text except for per-paragraph co-occurrence.
pub fn analyse(text: &str) -> Analysis {
    let toks = tokens::tokenize(text);
    let stats = mentions::CaseStats::collect(&toks);
    let ments = mentions::find(&toks, &stats);
    let starts = cluster::mention_starts(&ments);
    let mut clusters = cluster::cluster(&ments, &toks, &starts);
    fold_roles_into_names(&ments, &toks, &mut clusters);
    alias::join_stated(&ments, &toks, &mut clusters);
    // A first reading may show two names answering as one person ("Miss Dashwood" and
    // "Elinor"): they are joined and the book read again.
    let profiles = match read_cast(text, &toks, &stats, &ments, &starts, clusters.clone(), true) {
        Ok(profiles) => profiles,
        Err(pairs) => {
            for (a, b) in pairs {
                clusters.join(a, b);
            }
            read_cast(text, &toks, &stats, &ments, &starts, clusters, false).unwrap_or_default()
        }
    };
    Analysis { profiles }
}

/// Person filter, gender, pronouns, quotations and evidence over one clustering. With
/// `rejoin`, stops early with the pairs of characters the dialogue shows to be one person.
fn read_cast(
    text: &str,
    toks: &[Token],
    stats: &mentions::CaseStats,
    ments: &[Mention],
    starts: &std::collections::HashSet<usize>,
    mut clusters: Clusters,
    rejoin: bool,
) -> Result<Vec<CharacterProfile>, Vec<(usize, usize)>> {
    let n = clusters.entities.len();
    let mut es = vec![EntityStats::default(); n];

    // Mention → entity, and per-entity cues.
    let mention_entity: Vec<usize> = ments
        .iter()
        .map(|m| clusters.assignment[&FormKey::of(m)])
        .collect();
    for (m, &e) in ments.iter().zip(&mention_entity) {
        es[e].person += m.person_cue;
        es[e].place += m.place_cue;
        if let Some(p) = m.tok.checked_sub(1).map(|p| &toks[p]) {
            if p.kind == Kind::Word {
                es[e].after_place_preposition +=
                    lexicon::place_preposition_weight(&p.text.to_lowercase());
            }
        }
    }
    // "the Ashburnhams": the plural of a character's surname is that family, not a character.
    let surnames: std::collections::HashSet<&str> = clusters
        .entities
        .iter()
        .zip(&es)
        .filter(|(ent, s)| s.person > s.place && ent.count >= 2)
        .filter_map(|(ent, _)| ent.surname.as_deref())
        .collect();
    // "the Miss Steeles", "the Mr. Musgroves": a title after "the" before a plural is the
    // family's sons or daughters, whether or not the book writes the singular
    let mut plural_titled = vec![0usize; n];
    for (m, &e) in ments.iter().zip(&mention_entity) {
        let first = m.first_tok(toks);
        if m.title.is_some()
            && m.words.len() == 1
            && first
                .checked_sub(1)
                .is_some_and(|p| toks[p].text.eq_ignore_ascii_case("the"))
            && matches!(
                m.title_word.as_deref().map(|t| t.trim_end_matches('.').to_lowercase()),
                Some(t) if matches!(t.as_str(), "miss" | "mr" | "mrs")
            )
            && is_plural_surname(&m.words[0].to_lowercase(), stats)
        {
            plural_titled[e] += 1;
        }
    }
    let family: Vec<bool> = clusters
        .entities
        .iter()
        .zip(&plural_titled)
        .map(|(ent, &plural)| {
            ent.full.len() == 1
                && (ent.full[0]
                    .strip_suffix('s')
                    .is_some_and(|stem| surnames.contains(stem))
                    || plural * 2 >= ent.count.max(1))
        })
        .collect();
    // A plural whose singular the book also writes as a name is a people or a group
    // ("Hindus" beside "Hindu", "the Basques"), unless it is a name in its own right; and
    // the singular, where the book also writes the plural and sets the word after "a" or
    // "an" at least half the times it is used, is one of a people ("an ancient Dane",
    // "a modern Dane" beside "ancient Danes").
    let mut indefinite = vec![0usize; n];
    for (m, &e) in ments.iter().zip(&mention_entity) {
        if m.title.is_none() && mentions::indefinite_before(toks, m.first_tok(toks)) {
            indefinite[e] += 1;
        }
    }
    let one_of_a_people: Vec<bool> = clusters
        .entities
        .iter()
        .zip(&indefinite)
        .map(|(ent, &a)| {
            matches!(ent.full.as_slice(), [w] if stats.capitalised(&format!("{w}s")) >= 1)
                && ent.titles.is_empty()
                && a >= 1
                && 2 * a >= ent.count
        })
        .collect();
    let group: Vec<bool> = clusters
        .entities
        .iter()
        .map(|ent| {
            // the last word is the plural: "the Well-Qualified Indians" are a group too
            let (Some(w), Some(first)) = (ent.full.last(), ent.full.first()) else {
                return false;
            };
            ent.titles.is_empty()
                && (ent.full.len() == 1 || !lexicon::is_given_name(first))
                && w.len() > 4
                && !w.ends_with("ss")
                && !lexicon::is_given_name(w)
                && !lexicon::is_surname(w)
                && w.strip_suffix('s')
                    .is_some_and(|stem| stats.capitalised(stem) >= 1)
        })
        .collect();
    // "the Diamond", "the Admiral Benbow", "the Pequod": an untitled name the book writes after
    // "the" every time, twice or more, and never beside a verb of speech, is a thing ("said
    // the Hatter" is someone)
    let mut after_the = vec![0usize; n];
    let mut speaks = vec![false; n];
    for (m, &e) in ments.iter().zip(&mention_entity) {
        let first = m.first_tok(toks);
        if m.title.is_none()
            && first
                .checked_sub(1)
                .is_some_and(|p| toks[p].text.eq_ignore_ascii_case("the"))
        {
            after_the[e] += 1;
        }
        let speech = |t: Option<&Token>| {
            t.is_some_and(|t| {
                t.kind == Kind::Word && lexicon::is_speech_verb(&t.text.to_lowercase())
            })
        };
        if speech(first.checked_sub(2).and_then(|q| toks.get(q))) || speech(toks.get(m.end)) {
            speaks[e] = true;
        }
    }
    let thing: Vec<bool> = clusters
        .entities
        .iter()
        .enumerate()
        .map(|(e, ent)| {
            ent.titles.is_empty() && ent.count >= 2 && after_the[e] >= ent.count && !speaks[e]
        })
        .collect();
    // One untitled word the book also writes before a place word ("Oniton Grange") and sets
    // after place prepositions ("at Oniton") names that place, whatever verbs follow it
    // ("Oniton lay below them"); a given name is exempt ("Mary Street" leaves Mary alone).
    // (the clustering gathers those words: `Clusters::place_named`)
    let named_place: Vec<bool> = clusters
        .entities
        .iter()
        .zip(&es)
        .map(|(ent, s)| {
            matches!(ent.full.as_slice(), [w] if clusters.place_named.contains(w)
                && !lexicon::is_given_name(w))
                && ent.titles.is_empty()
                && s.after_place_preposition >= 1.0
        })
        .collect();
    // "Burke, the butler,", "the gardener, Taylor", "Thomas Lynde--a meek little man": a
    // description of no place or vessel set beside a name in the narration is what a
    // person is told by, once is enough.
    // (the description's head must be a word for a person: "Johnson's Dictionary--the
    // interesting work" is a book; a name after "a good" is one of a kind: "a good
    // Christian, a good parent"; and after "the", a time or a thing: "the Middle Ages, his
    // only moral teacher")
    // (read once: the gender votes below read the same descriptions; narration only)
    let appositions: Vec<Option<Apposition>> = ments
        .iter()
        .map(|m| {
            if toks[m.tok].in_quote {
                None
            } else {
                Apposition::of(toks, m)
            }
        })
        .collect();
    let mut described = vec![0usize; n];
    for ((m, &e), apposition) in ments.iter().zip(&mention_entity).zip(&appositions) {
        let first = m.first_tok(toks);
        let after_the =
            first >= 1 && m.title.is_none() && toks[first - 1].text.eq_ignore_ascii_case("the");
        let unfit = after_the || mentions::indefinite_before(toks, first);
        if !unfit && apposition.as_ref().is_some_and(Apposition::of_a_person) {
            described[e] += 1;
        }
    }
    // Families ("the Elphbergs") and words several characters share are not characters.
    let vetoed: Vec<bool> = (0..n)
        .map(|e| {
            family[e]
                || group[e]
                || one_of_a_people[e]
                || named_place[e]
                || thing[e]
                || clusters.entities[e].ambiguous
        })
        .collect();
    let mut is_person: Vec<bool> = (0..n)
        .map(|e| {
            if vetoed[e] {
                return false;
            }
            let s = &es[e];
            let ent = &clusters.entities[e];
            let person = s.person + 1.5 * described[e] as f32;
            let score = person - s.place;
            (score > 0.0 && (person >= 1.5 || ent.count >= 3))
                // a name used again and again with no sign of a place, and some of a person
                || (ent.count >= 3 && s.place <= 0.25 * ent.count as f32 && s.person >= 1.0)
                || (!ent.titles.is_empty() && s.person >= s.place * 1.5)
        })
        .collect();
    paired_with_people(toks, ments, &mention_entity, &es, &vetoed, &mut is_person);
    for (e, ent) in clusters
        .entities
        .iter()
        .enumerate()
        .filter(|(_, x)| x.count > 0)
    {
        tracing::debug!(
            target: "extract::person",
            name = ?ent.full,
            count = ent.count,
            person = es[e].person,
            place = es[e].place,
            is_person = is_person[e],
            "person or not"
        );
    }

    // Gender votes from the first third-person pronoun soon after a mention.
    for ((m, &e), apposition) in ments.iter().zip(&mention_entity).zip(&appositions) {
        if toks[m.tok].in_quote {
            continue;
        }
        if let Some(noun) = apposition.as_ref().map(Apposition::gender) {
            es[e].appositions += 1;
            match noun {
                Some(Gender::Male) => es[e].apposed_gender.0 += 1,
                Some(Gender::Female) => es[e].apposed_gender.1 += 1,
                None => {}
            }
        }
        match cluster::pronoun_after(toks, m, starts) {
            Some(Gender::Male) => es[e].male_votes += 1,
            Some(Gender::Female) => es[e].female_votes += 1,
            None => {}
        }
    }
    // Gender: the pronouns that follow the character's names when ten or more agree four to
    // one; else a gendered title; else three pronouns agreeing three to one; else the given
    // name's; else unknown.
    let mut gender: Vec<Option<Gender>> = (0..n)
        .map(|e| {
            let s = &es[e];
            let ent = &clusters.entities[e];
            let genders: Vec<Gender> = ent.titles.iter().filter_map(|t| t.gender()).collect();
            // titles of both genders: some other person's title was joined; it settles nothing
            let titled = genders
                .first()
                .copied()
                .filter(|g| genders.iter().all(|o| o == g));
            let (m, f) = (s.male_votes, s.female_votes);
            let voted = |min: usize, ratio: usize| {
                if m >= min && m >= ratio * f {
                    Some(Gender::Male)
                } else if f >= min && f >= ratio * m {
                    Some(Gender::Female)
                } else {
                    None
                }
            };
            // a great many agreeing pronouns outweigh a title joined by mistake
            // (a character's own pronouns follow one in ten of its names, at least; fewer are
            // the pronouns of someone nearby)
            let few = (ent.count / 10).max(3);
            // "her only son, Ogden": the noun of a description set beside the name
            let apposed = match s.apposed_gender {
                (1.., 0) => Some(Gender::Male),
                (0, 1..) => Some(Gender::Female),
                _ => None,
            };
            voted(10.max(few), 4)
                .or(titled)
                .or(voted(few, 3))
                .or(apposed)
                .or(ent.gender)
        })
        .collect();

    attribute_pronouns(toks, ments, &mention_entity, &is_person, &gender, &mut es);
    // "the Captain"-style references, found once for the unheld titles and the holders' counts
    let title_refs = mentions::find_title_refs(toks);
    let roles = unheld_titles(&title_refs, &mut clusters, &is_person);
    let mut mention_at: HashMap<usize, usize> = HashMap::new();
    let mut mention_end: HashMap<usize, (usize, usize)> = HashMap::new();
    for (e, at) in &roles {
        es.push(EntityStats::default());
        is_person.push(true);
        gender.push(clusters.entities[*e].gender);
        for &t in at {
            // "said the Duchess": the article and the title both point at her
            mention_at.insert(t, *e);
            mention_at.insert(t - 1, *e);
            mention_end.insert(t + 1, (*e, t - 1));
        }
    }
    for (m, &e) in ments.iter().zip(&mention_entity) {
        if is_person[e] {
            mention_at.insert(m.tok, e);
            mention_end.insert(m.end, (e, m.first_tok(toks)));
            // "said the Cat": the article before an untitled name points at it too
            if m.title.is_none() && m.tok >= 1 && matches!(toks[m.tok - 1].text, "the" | "The") {
                mention_at.entry(m.tok - 1).or_insert(e);
            }
            // a title before the name points at the mention too
            if m.title.is_some() {
                for back in 1..=2 {
                    if let Some(p) = m.tok.checked_sub(back) {
                        mention_at.entry(p).or_insert(e);
                    }
                }
            }
        }
    }
    // A named first-person narrator: their "I" counts for them.
    let first_person = narrator::first_person(toks);
    let narrator = first_person.and_then(|selves| {
        let e = narrator::self_named(toks, &mention_at)
            .or_else(|| narrator::named(toks, ments, &mention_entity, &is_person))?;
        es[e].pronouns += selves;
        Some(e)
    });
    let cast = quotes::Cast {
        mention_at: &mention_at,
        mention_end: &mention_end,
        gender: &gender,
        narrator,
    };
    let attributions = quotes::attribute(text, toks, &cast);
    if rejoin {
        let pairs = address::one_person(
            toks,
            ments,
            &mention_entity,
            &is_person,
            &gender,
            &attributions,
            &clusters,
        );
        if !pairs.is_empty() {
            return Err(pairs);
        }
    }
    for a in attributions {
        let words = text[a.start..a.end].split_whitespace().collect::<Vec<_>>();
        es[a.entity].quotes.push(QuoteRef {
            text: words.join(" "),
            start: a.start,
            end: a.end,
            confidence: a.confidence,
        });
    }
    // One word the book sets after "in", "at", "from" as often as anywhere else,
    // never with a title and seldom after "the", to which hardly a quotation is surely
    // attributed, is a place ("from Lincoln", "at Clifton"): a person talked of that much
    // speaks, and is named beside the speech verb ("she asked" may find a place nearby).
    // (A word the book also writes before a place word needs only a quarter: "Morton Church",
    // "at Morton", a census given name that is the village.)
    for (e, ent) in clusters.entities.iter().enumerate() {
        let s = &es[e];
        let share = if ent
            .full
            .first()
            .is_some_and(|w| clusters.place_named.contains(w))
        {
            4.0
        } else {
            2.0
        };
        if is_person[e]
            && ent.full.len() == 1
            && ent.titles.is_empty()
            && ent.article * 4 < ent.count
            && s.after_place_preposition * share >= ent.count as f32
            && s.quotes
                .iter()
                .filter(|q| q.confidence >= PERSONA_QUOTE_CONFIDENCE)
                .count()
                * 20
                < ent.count
        {
            is_person[e] = false;
        }
    }
    // "in front of the Moon and Stars", "the Battery": a word written once or twice, each time
    // after an article, that never speaks, is a thing (a person's name seldom takes "the", and
    // the census lists "Moon" too)
    for (e, ent) in clusters.entities.iter().enumerate() {
        if is_person[e]
            && ent.full.len() == 1
            && ent.titles.is_empty()
            && ent.count <= 2
            && ent.article >= ent.count
            && es[e].quotes.is_empty()
        {
            is_person[e] = false;
        }
    }
    // Words no name list knows, heard only in dialogue and never narrated, that never speak,
    // are the speakers' words ("Thquire" for "Squire", "Hullo", "Tukaram" chanted), not a
    // character: a third-person narrator names the people of the story. (A first-person
    // narrator is heard by name only in dialogue: "Huckleberry".)
    let mut narrated = vec![0usize; clusters.entities.len()];
    // ...and so is a word that only ever opens a quotation ("Hey!", "Pray, …"), whatever
    // list knows it: one addressed and never narrated is no one in a third-person book
    let mut opens_only = vec![true; clusters.entities.len()];
    for (m, &e) in ments.iter().zip(&mention_entity) {
        if !toks[m.tok].in_quote {
            narrated[e] += 1;
        }
        let first = m.first_tok(toks);
        if !first
            .checked_sub(1)
            .is_some_and(|p| toks[p].kind == Kind::OpenQuote)
        {
            opens_only[e] = false;
        }
    }
    for (e, ent) in clusters.entities.iter().enumerate() {
        if first_person.is_none()
            && is_person[e]
            && narrated[e] == 0
            && es[e].quotes.is_empty()
            && ent.titles.is_empty()
            && (opens_only[e]
                || ent
                    .full
                    .iter()
                    .all(|w| !lexicon::is_given_name(w) && !lexicon::is_surname(w)))
        {
            is_person[e] = false;
        }
    }
    collect_evidence(text, toks, ments, &mention_entity, &is_person, &mut es);

    let (title_counts, title_alias) = resolve_title_refs(toks, &title_refs, &clusters, &is_person);
    Ok(build_profiles(
        &clusters,
        &is_person,
        &gender,
        es,
        &title_counts,
        &title_alias,
    ))
}

/// "Steeles", "Careys": a plural whose singular is a surname and that is no name of its own
/// ("Douglas", "Jones" and "Adams" are surnames as they stand).
fn is_plural_surname(w: &str, stats: &mentions::CaseStats) -> bool {
    w.len() > 4
        && !w.ends_with("ss")
        && !lexicon::is_surname(w)
        && !lexicon::is_given_name(w)
        && w.strip_suffix('s')
            .is_some_and(|stem| lexicon::is_surname(stem) || stats.capitalised(stem) >= 1)
}

/// "the Collector, Mr. Turton", "Mr. Turton, the Collector": a role the book writes only with
/// its article, set beside one named person by apposition and beside no other, is that person.
fn fold_roles_into_names(ments: &[Mention], toks: &[Token], clusters: &mut Clusters) {
    let ent_of = |m: &Mention| clusters.assignment[&FormKey::of(m)];
    // what the role's own uses say: a person ("said the Collector") or a place or a
    // household ("at the Parsonage", "dined with the Wellands")
    let mut cues: HashMap<usize, (f32, f32)> = HashMap::new();
    for m in ments {
        let c = cues.entry(ent_of(m)).or_default();
        c.0 += m.person_cue;
        c.1 += m.place_cue;
    }
    let role = |e: usize| {
        let x = &clusters.entities[e];
        let (person, place) = cues.get(&e).copied().unwrap_or_default();
        let plural = x
            .full
            .first()
            .is_some_and(|w| w.ends_with('s') && !w.ends_with("ss"));
        // (the article's own place cue discounted: every role is written with it)
        x.full.len() == 1
            && x.titles.is_empty()
            && x.article * 2 >= x.count
            && x.count > 0
            && !plural
            && person + x.article as f32 > place
    };
    let named = |e: usize| {
        let x = &clusters.entities[e];
        !role(e) && (x.given.is_some() || x.surname.is_some())
    };
    // where each mention starts (its title included) and ends
    let mut starting: HashMap<usize, usize> = HashMap::new();
    let mut ending: HashMap<usize, usize> = HashMap::new();
    for (i, m) in ments.iter().enumerate() {
        starting.insert(m.first_tok(toks), i);
        ending.insert(m.end, i);
    }
    let mut partners: HashMap<usize, Vec<usize>> = HashMap::new();
    for m in ments {
        let e = ent_of(m);
        let comma = |j: usize| toks.get(j).is_some_and(|t| t.text == ",");
        // "the Collector, Mr. Turton", or the role set as a style after the name: "Tippoo,
        // Sultan of Seringapatam"
        let the = m.tok >= 1 && toks[m.tok - 1].text == "the";
        let styled =
            m.tok >= 2 && comma(m.tok - 1) && toks.get(m.end).is_some_and(|t| t.text == "of");
        if m.title.is_some() || !(the || styled) || !role(e) {
            continue;
        }
        let after = (the && comma(m.end))
            .then(|| starting.get(&(m.end + 1)))
            .flatten();
        let before = if styled {
            ending.get(&(m.tok - 1))
        } else {
            (m.tok >= 2 && comma(m.tok - 2))
                .then(|| ending.get(&(m.tok - 2)))
                .flatten()
        };
        for &o in after.into_iter().chain(before) {
            let p = ent_of(&ments[o]);
            if p != e && named(p) {
                let list = partners.entry(e).or_default();
                if !list.contains(&p) {
                    list.push(p);
                }
            }
        }
    }
    for (e, list) in partners {
        if let [p] = list[..] {
            let (a, b) = (clusters.entities[e].gender, clusters.entities[p].gender);
            if a.is_none() || b.is_none() || a == b {
                clusters.merge_role(e, p);
            }
        }
    }
}

/// Walks the text once: each third-person pronoun outside quotations counts for the last person
/// of its gender named before it.
fn attribute_pronouns(
    toks: &[Token],
    ments: &[Mention],
    ment_ent: &[usize],
    is_person: &[bool],
    gender: &[Option<Gender>],
    es: &mut [EntityStats],
) {
    let starts: HashMap<usize, usize> = ments.iter().enumerate().map(|(i, m)| (m.tok, i)).collect();
    let mut last_male: Option<usize> = None;
    let mut last_female: Option<usize> = None;
    for (i, t) in toks.iter().enumerate() {
        if let Some(&mi) = starts.get(&i) {
            let e = ment_ent[mi];
            if is_person[e] {
                match gender[e] {
                    Some(Gender::Male) => last_male = Some(e),
                    Some(Gender::Female) => last_female = Some(e),
                    None => {}
                }
            }
        }
        if t.kind == Kind::Word && !t.in_quote {
            let target = match t.text.to_lowercase().as_str() {
                "he" | "him" | "his" | "himself" => last_male,
                "she" | "her" | "hers" | "herself" => last_female,
                _ => None,
            };
            if let Some(e) = target {
                es[e].pronouns += 1;
            }
        }
    }
}

/// A description set beside a name as its apposition: "her nephew, Willie Partridge", "a
/// friend of his named Elmer Ford" before it, "Ogden, a fourteen-year-old boy" or "Thomas
/// Lynde--a meek little man" after it.
struct Apposition {
    /// its lower-case words: "Burke, the butler," → ["butler"], "some one called Jane Finn" →
    /// ["one"], "Thomas Lynde--a meek little man" → ["meek", "little", "man"]
    words: Vec<String>,
    /// set before the name under "a" or "an" ("a pagan, Swinburnian young man" may be a list
    /// of adjectives)
    indefinite_before: bool,
}

impl Apposition {
    fn of(toks: &[Token], m: &Mention) -> Option<Apposition> {
        let first = m.first_tok(toks);
        let word = |k: usize| toks.get(k).filter(|t| t.kind == Kind::Word);
        let lower = |k: usize| word(k).map(|t| t.text.to_lowercase());
        let noun = |k: usize| {
            word(k).is_some_and(|t| t.text.chars().next().is_some_and(char::is_lowercase))
        };
        // (one word may stand between the determiner and the noun: "the Mohammedan
        // conqueror, Mahmoud of Ghizni")
        let is_det = |k: usize| lower(k).is_some_and(|w| lexicon::is_determiner(&w));
        if first >= 3 && toks[first - 1].text == "," && noun(first - 2) {
            let d = if is_det(first - 3) {
                Some(first - 3)
            } else if first >= 4 && word(first - 3).is_some() && is_det(first - 4) {
                Some(first - 4)
            } else {
                None
            };
            if let Some(d) = d {
                return Some(Apposition {
                    words: lower(first - 2).into_iter().collect(),
                    indefinite_before: lower(d).is_some_and(|w| w == "a" || w == "an"),
                });
            }
        }
        // "her son Stevie", "your forefather Brian": a possessive and a word for a person or a
        // kinsman set right before the name
        if first >= 2
            && noun(first - 1)
            && lower(first - 1)
                .is_some_and(|w| lexicon::is_person_noun(&w) || lexicon::noun_gender(&w).is_some())
            && lower(first - 2).is_some_and(|w| {
                matches!(w.as_str(), "his" | "her" | "my" | "your" | "our" | "their")
            })
        {
            return Some(Apposition {
                words: lower(first - 1).into_iter().collect(),
                indefinite_before: false,
            });
        }
        if first >= 1 && lower(first - 1).is_some_and(|w| w == "named" || w == "called") {
            return Some(Apposition {
                words: first.checked_sub(2).and_then(lower).into_iter().collect(),
                indefinite_before: false,
            });
        }
        // after the name: a comma, or a dash ("--" may be one token or two)
        let dash = |k: usize| {
            toks.get(k)
                .is_some_and(|t| matches!(t.text, "-" | "--" | "—" | "–"))
        };
        let det = if toks.get(m.end).is_some_and(|t| t.text == ",") {
            m.end + 1
        } else {
            (m.end..m.end + 2).take_while(|&k| dash(k)).last()? + 1
        };
        if is_det(det) && noun(det + 1) {
            return Some(Apposition {
                words: (det + 1..det + 5)
                    .map_while(|k| word(k).filter(|_| noun(k)))
                    .map(|t| t.text.to_lowercase())
                    .collect(),
                indefinite_before: false,
            });
        }
        None
    }

    /// What its noun says of gender: the first gendered word ("a fourteen-year-old boy of a
    /// singularly unloveable type").
    fn gender(&self) -> Option<Gender> {
        self.words.iter().find_map(|w| lexicon::noun_gender(w))
    }

    /// Whether it tells of a person: no place or vessel in it, a word for a person at its head.
    fn of_a_person(&self) -> bool {
        !self.indefinite_before
            && !self
                .words
                .iter()
                .any(|w| lexicon::is_place_word(w) || lexicon::is_vessel_word(w))
            && self.words.iter().any(|w| lexicon::is_person_noun(w))
    }
}

fn sentence_text<'a>(text: &'a str, toks: &[Token], at: usize) -> &'a str {
    let sent = toks[at].sent;
    let mut a = at;
    while a > 0 && toks[a - 1].sent == sent {
        a -= 1;
    }
    let mut b = at;
    while b + 1 < toks.len() && toks[b + 1].sent == sent {
        b += 1;
    }
    let end = toks[b].start + toks[b].text.len();
    text[toks[a].start..end].trim()
}

fn collect_evidence(
    text: &str,
    toks: &[Token],
    ments: &[Mention],
    ment_ent: &[usize],
    is_person: &[bool],
    es: &mut [EntityStats],
) {
    const DESCRIBING: &[&str] = &[
        "was", "looked", "seemed", "appeared", "had", "is", "wore", "stood",
    ];
    const AUX: &[&str] = &[
        "was", "had", "did", "would", "could", "should", "will", "has", "is", "and", "who", "said",
        "were", "might", "must", "may", "can",
    ];
    let mut para_people: Vec<usize> = Vec::new();
    let mut para = u32::MAX;
    let flush = |people: &mut Vec<usize>, es: &mut [EntityStats]| {
        people.sort_unstable();
        people.dedup();
        if people.len() <= 30 {
            for a in 0..people.len() {
                for b in 0..people.len() {
                    if a != b {
                        *es[people[a]].cooccur.entry(people[b]).or_default() += 1;
                    }
                }
            }
        }
        people.clear();
    };
    for (m, &e) in ments.iter().zip(ment_ent) {
        if !is_person[e] {
            continue;
        }
        let p = toks[m.tok].para;
        if p != para {
            flush(&mut para_people, es);
            para = p;
        }
        para_people.push(e);
        let next: Vec<&Token> = toks[m.end..]
            .iter()
            .take(3)
            .filter(|t| t.kind == Kind::Word)
            .collect();
        if let Some(n) = next.first() {
            let ln = n.text.to_lowercase();
            if n.sent == toks[m.tok].sent && !toks[m.tok].in_quote {
                if DESCRIBING.contains(&ln.as_str()) && es[e].descriptors.len() < 8 {
                    let s = sentence_text(text, toks, m.tok);
                    let words = s.split_whitespace().count();
                    if (5..=45).contains(&words) && !s.contains('“') && !s.contains('"') {
                        es[e]
                            .descriptors
                            .push(s.split_whitespace().collect::<Vec<_>>().join(" "));
                    }
                }
                let verbish = ln.ends_with("ed") || lexicon::is_person_verb(&ln);
                if verbish
                    && !AUX.contains(&ln.as_str())
                    && n.text.chars().next().is_some_and(char::is_lowercase)
                {
                    *es[e].actions.entry(ln).or_default() += 1;
                }
            }
        }
    }
    flush(&mut para_people, es);
}

/// A title's abbreviation spelled out, as a bare title is written ("Dr." → "doctor").
fn spelled_out(t: &str) -> &str {
    match t {
        "dr" => "doctor",
        "capt" => "captain",
        "col" => "colonel",
        "gen" => "general",
        "lt" | "lieut" => "lieutenant",
        "prof" => "professor",
        "sgt" => "sergeant",
        "gov" => "governor",
        "insp" => "inspector",
        other => other,
    }
}

/// Title word ("captain") → the people whose names carry it ("Captain Wentworth", "Dr. Lal"
/// under "doctor").
fn title_holders(clusters: &Clusters, is_person: &[bool]) -> HashMap<String, Vec<usize>> {
    let mut holders: HashMap<String, Vec<usize>> = HashMap::new();
    for (e, ent) in clusters.entities.iter().enumerate() {
        if !is_person[e] {
            continue;
        }
        for form in ent.forms.keys() {
            if let Some(first) = form.split_whitespace().next() {
                if form.split_whitespace().count() >= 2 {
                    let t = first.trim_end_matches('.').to_lowercase();
                    let list = holders.entry(spelled_out(&t).to_string()).or_default();
                    if !list.contains(&e) {
                        list.push(e);
                    }
                }
            }
        }
    }
    holders
}

/// Uses of a bare title no named character holds that make it a character of its own.
const UNHELD_TITLE_MIN: usize = 8;

/// "the Duchess", "the King": a bare title the book uses again and again that no named
/// character holds is a character of its own, known by it. Returns each one's entity and the
/// tokens of its uses.
fn unheld_titles(
    refs: &[mentions::TitleRef],
    clusters: &mut Clusters,
    is_person: &[bool],
) -> Vec<(usize, Vec<usize>)> {
    let holders = title_holders(clusters, is_person);
    let mut uses: HashMap<String, Vec<usize>> = HashMap::new();
    for r in refs {
        if !holders.contains_key(&r.title) {
            uses.entry(r.title.clone()).or_default().push(r.tok);
        }
    }
    let mut uses: Vec<(String, Vec<usize>)> = uses
        .into_iter()
        .filter(|(_, at)| at.len() >= UNHELD_TITLE_MIN)
        .collect();
    uses.sort();
    uses.into_iter()
        .map(|(title, at)| {
            let mut word = title.clone();
            if let Some(c) = word.get_mut(0..1) {
                c.make_ascii_uppercase();
            }
            let surface = format!("the {word}");
            let class = lexicon::title_class(&title);
            clusters.entities.push(cluster::Entity::known_by_title(
                &title,
                class,
                surface,
                at.len(),
            ));
            (clusters.entities.len() - 1, at)
        })
        .collect()
}

/// "Toots and Ysabel", "Curtis and Good": a name with no sign of a place or a person, paired
/// by "and" or "or" with someone's name twice or more, is someone too (the pair is of one kind).
/// Read once over the first verdicts, so a pairing does not spread along a list.
fn paired_with_people(
    toks: &[Token],
    ments: &[Mention],
    mention_entity: &[usize],
    es: &[EntityStats],
    vetoed: &[bool],
    is_person: &mut [bool],
) {
    let first_verdict = is_person.to_vec();
    let mut at: HashMap<usize, usize> = HashMap::new();
    for (k, m) in ments.iter().enumerate() {
        at.insert(m.first_tok(toks), k);
    }
    let mut pairs = vec![0usize; is_person.len()];
    for (k, m) in ments.iter().enumerate() {
        let joined = toks
            .get(m.end)
            .is_some_and(|t| t.kind == Kind::Word && matches!(t.text, "and" | "or"));
        let Some(&other) = at.get(&(m.end + 1)).filter(|_| joined) else {
            continue;
        };
        let (a, b) = (mention_entity[k], mention_entity[other]);
        if a == b {
            continue;
        }
        if first_verdict[b] {
            pairs[a] += 1;
        }
        if first_verdict[a] {
            pairs[b] += 1;
        }
    }
    for e in 0..is_person.len() {
        if !is_person[e] && !vetoed[e] && pairs[e] >= 2 && es[e].place <= 0.0 {
            is_person[e] = true;
        }
    }
}

/// "the Captain" counts for the one person whose names carry that title; when two or more do,
/// it is ambiguous and counts for nobody.
fn resolve_title_refs(
    toks: &[Token],
    refs: &[mentions::TitleRef],
    clusters: &Clusters,
    is_person: &[bool],
) -> (Vec<usize>, Vec<Option<String>>) {
    let n = clusters.entities.len();
    let mut counts = vec![0usize; n];
    let mut alias = vec![None; n];
    let holders = title_holders(clusters, is_person);
    for r in refs {
        if let Some([e]) = holders.get(&r.title).map(Vec::as_slice) {
            counts[*e] += 1;
            // ("the Judge's sons" names "the Judge")
            let word = format!("the {}", mentions::normalise(toks[r.tok].text));
            alias[*e].get_or_insert(word);
        }
    }
    (counts, alias)
}

fn display_name(ent: &cluster::Entity) -> String {
    let name = written_name(ent);
    // "said the Hatter": a character the book calls by a common noun keeps its article
    // (two words too: "the Mock Turtle", "the March Hare", unless it opens with a given name)
    let given_first = ent.full.first().is_some_and(|w| lexicon::is_given_name(w));
    if ent.titles.is_empty() && (!ent.has_full_name || !given_first) && ent.article * 2 >= ent.count
    {
        return format!("the {name}");
    }
    name
}

fn written_name(ent: &cluster::Entity) -> String {
    let mut forms: Vec<(&String, &usize)> = ent.forms.iter().collect();
    // a role folded into a named person ("the Collector") names them last
    forms.sort_by(|a, b| {
        (a.0.starts_with("the ").cmp(&b.0.starts_with("the ")))
            .then(b.1.cmp(a.1))
            .then(a.0.cmp(b.0))
    });
    if ent.has_full_name {
        // an untitled full name, unless written once with a first word that is no known given
        // name and never stands alone ("Meesis Munt", a maid's "Mrs. Munt")
        if let Some((f, _)) = forms.iter().find(|(f, &c)| {
            let first = f.split_whitespace().next().unwrap_or("");
            let lower = first.trim_end_matches('.').to_lowercase();
            f.split_whitespace().count() >= 2
                && lexicon::title_class(&lower).is_none()
                && (c >= 2 || lexicon::is_given_name(&lower) || ent.forms.contains_key(first))
        }) {
            return (*f).clone();
        }
    }
    forms.first().map(|(f, _)| (*f).clone()).unwrap_or_default()
}

fn build_profiles(
    clusters: &Clusters,
    is_person: &[bool],
    gender: &[Option<Gender>],
    es: Vec<EntityStats>,
    title_counts: &[usize],
    title_alias: &[Option<String>],
) -> Vec<CharacterProfile> {
    let names: Vec<String> = clusters.entities.iter().map(display_name).collect();
    let mut surname_holders: HashMap<&str, usize> = HashMap::new();
    for (ent, _) in clusters.entities.iter().zip(is_person).filter(|(_, p)| **p) {
        if let Some(s) = &ent.surname {
            *surname_holders.entry(s.as_str()).or_default() += 1;
        }
    }
    let mut out: Vec<CharacterProfile> = Vec::new();
    for (e, s) in es.iter().enumerate() {
        if !is_person[e] {
            continue;
        }
        let ent = &clusters.entities[e];
        let name = names[e].clone();
        let mut aliases: Vec<(&String, &usize)> =
            ent.forms.iter().filter(|(f, _)| **f != name).collect();
        aliases.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let mut aliases: Vec<String> = aliases.into_iter().map(|(f, _)| f.clone()).collect();
        // A titled full name also answers to the full name alone ("Reverend Edward Casaubon").
        for form in [&name].into_iter().chain(ent.forms.keys()) {
            let mut words = form.split_whitespace();
            let first = words
                .next()
                .unwrap_or("")
                .trim_end_matches('.')
                .to_lowercase();
            let rest: Vec<&str> = words.collect();
            // ...but "Mrs. John Knightley" is not John Knightley: a given name after "Mrs." that
            // the clustering did not take as hers (it read the book's pronouns) is her husband's.
            let wife = lexicon::title_class(&first) == Some(lexicon::TitleClass::Mrs)
                && rest.len() >= 2
                && !ent.givens.contains(&rest[0].to_lowercase());
            // "Prince Prospero" answers to "Prospero" when no one else bears that name; a plain
            // "Mr."/"Mrs." surname alone is a family's, not one person's.
            let rank_of_one = rest.len() == 1
                && lexicon::title_class(&first).is_some()
                && lexicon::plain_honorific(&first).is_none()
                && surname_holders
                    .get(rest[0].to_lowercase().as_str())
                    .is_some_and(|&n| n == 1);
            if rank_of_one && rest[0] != name && !aliases.iter().any(|a| a == rest[0]) {
                aliases.push(rest[0].to_string());
            }
            if lexicon::title_class(&first).is_some() && rest.len() >= 2 && !wife {
                let bare = rest.join(" ");
                if bare != name && !aliases.contains(&bare) {
                    aliases.push(bare);
                }
            }
        }
        let mut actions: Vec<(&String, &usize)> = s.actions.iter().collect();
        actions.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let mut rel: Vec<(&usize, &usize)> =
            s.cooccur.iter().filter(|(o, _)| is_person[**o]).collect();
        rel.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        // The persona's quotes: sure of the speaker first, then mid-length ones.
        let mut voice: Vec<&QuoteRef> = s
            .quotes
            .iter()
            .filter(|q| q.confidence >= PERSONA_QUOTE_CONFIDENCE)
            .filter(|q| (6..=60).contains(&q.text.split_whitespace().count()))
            .collect();
        voice.sort_by(|a, b| {
            b.confidence.total_cmp(&a.confidence).then_with(|| {
                let d = |q: &QuoteRef| (q.text.split_whitespace().count() as i64 - 20).abs();
                d(a).cmp(&d(b))
            })
        });
        let quotes: Vec<String> = voice.into_iter().take(12).map(|q| q.text.clone()).collect();
        let quote_count = s.quotes.len();
        if let Some(a) = &title_alias[e] {
            aliases.push(a.clone());
        }
        let named = ent.count + title_counts[e];
        let importance = named as f32 + 0.3 * s.pronouns as f32 + 1.5 * quote_count as f32;
        out.push(CharacterProfile {
            name,
            aliases,
            mentions: named + s.pronouns + s.appositions,
            name_mentions: named,
            gender: gender[e],
            quote_count,
            quotes,
            all_quotes: s.quotes.clone(),
            descriptors: s.descriptors.clone(),
            actions: actions
                .into_iter()
                .take(8)
                .map(|(a, _)| a.clone())
                .collect(),
            relations: rel
                .into_iter()
                .take(6)
                .map(|(o, c)| Relation {
                    name: names[*o].clone(),
                    count: *c,
                })
                .collect(),
            importance,
        });
    }
    out.sort_by(|a, b| {
        b.importance
            .total_cmp(&a.importance)
            .then(a.name.cmp(&b.name))
    });
    out
}

#[cfg(test)]
mod tests;
