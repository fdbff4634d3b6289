//! Native character extraction (no Python, no model download): tokens → proper-name mentions →
//! alias clusters → person filter → pronoun and quotation attribution → evidence (gender,
//! descriptors, actions, relations, quotes) → characters ranked by importance.
//! `analyse` is the NLP pass (the original's BookNLP phase); `Analysis::profiles` builds the
//! evidence the persona stage reads.

pub mod cluster;
pub mod lexicon;
pub mod mentions;
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
    pub quotes: Vec<String>,
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
    pronouns: usize,
    male_votes: usize,
    female_votes: usize,
    quotes: Vec<String>,
    quote_count: usize,
    descriptors: Vec<String>,
    actions: HashMap<String, usize>,
    cooccur: HashMap<usize, usize>,
}

const PRONOUN_WINDOW: usize = 25;

/// Runs the whole pass; linear in the text except for per-paragraph co-occurrence.
pub fn analyse(text: &str) -> Analysis {
    let toks = tokens::tokenize(text);
    let stats = mentions::CaseStats::collect(&toks);
    let ments = mentions::find(&toks, &stats);
    let clusters = cluster::cluster(&ments);
    let n = clusters.entities.len();
    let mut es = vec![EntityStats::default(); n];

    // Mention → entity, and per-entity cues.
    let mention_entity: Vec<usize> = ments
        .iter()
        .map(|m| {
            clusters.assignment[&FormKey {
                title: m.title,
                words: m.words.iter().map(|w| w.to_lowercase()).collect(),
            }]
        })
        .collect();
    for (m, &e) in ments.iter().zip(&mention_entity) {
        es[e].person += m.person_cue;
        es[e].place += m.place_cue;
    }
    // "the Ashburnhams": the plural of a character's surname is that family, a group of people.
    let surnames: std::collections::HashSet<&str> = clusters
        .entities
        .iter()
        .zip(&es)
        .filter(|(ent, s)| s.person > s.place && ent.count >= 2)
        .filter_map(|(ent, _)| ent.surname.as_deref())
        .collect();
    let family: Vec<bool> = clusters
        .entities
        .iter()
        .map(|ent| {
            ent.titles.is_empty()
                && ent.full.len() == 1
                && ent.full[0]
                    .strip_suffix('s')
                    .is_some_and(|stem| surnames.contains(stem))
        })
        .collect();
    let is_person: Vec<bool> = (0..n)
        .map(|e| {
            if family[e] {
                return true;
            }
            let s = &es[e];
            let ent = &clusters.entities[e];
            let score = s.person - s.place;
            (score > 0.0 && (s.person >= 1.5 || ent.count >= 3))
                // a name used again and again with no sign of a place is someone
                || (ent.count >= 3 && s.place <= 0.25 * ent.count as f32)
                || (!ent.titles.is_empty() && s.person >= s.place * 1.5)
        })
        .collect();

    // Gender votes from the first third-person pronoun soon after a mention (same sentence).
    for (m, &e) in ments.iter().zip(&mention_entity) {
        let (sent, para) = (toks[m.tok].sent, toks[m.tok].para);
        for t in toks[m.end..]
            .iter()
            .take(PRONOUN_WINDOW)
            .filter(|t| t.kind == Kind::Word)
        {
            // the rest of the sentence and the next one, within the paragraph, outside quotes
            if t.sent > sent + 1 || t.para > para + 1 {
                break;
            }
            if t.in_quote {
                continue;
            }
            match t.text.to_lowercase().as_str() {
                "he" | "him" | "his" | "himself" => {
                    es[e].male_votes += 1;
                    break;
                }
                "she" | "her" | "hers" | "herself" => {
                    es[e].female_votes += 1;
                    break;
                }
                _ => {}
            }
        }
    }
    let gender: Vec<Option<Gender>> = (0..n)
        .map(|e| {
            let s = &es[e];
            clusters.entities[e]
                .gender
                .or(if s.male_votes > s.female_votes * 2 {
                    Some(Gender::Male)
                } else if s.female_votes > s.male_votes * 2 {
                    Some(Gender::Female)
                } else {
                    None
                })
        })
        .collect();

    attribute_pronouns_and_quotes(
        text,
        &toks,
        &ments,
        &mention_entity,
        &is_person,
        &gender,
        &mut es,
    );
    collect_evidence(text, &toks, &ments, &mention_entity, &is_person, &mut es);

    let (title_counts, title_alias) = resolve_title_refs(&toks, &clusters, &is_person);
    let profiles = build_profiles(
        &clusters,
        &is_person,
        &gender,
        es,
        &title_counts,
        &title_alias,
    );
    Analysis { profiles }
}

/// Walks the text once: pronouns go to the last person of their gender in the paragraph, and
/// each quotation to the speaker named or pronouned next to it, else to the turn-taking partner.
fn attribute_pronouns_and_quotes(
    text: &str,
    toks: &[Token],
    ments: &[Mention],
    ment_ent: &[usize],
    is_person: &[bool],
    gender: &[Option<Gender>],
    es: &mut [EntityStats],
) {
    let mut starts: HashMap<usize, usize> = HashMap::new(); // token index → mention index
    for (i, m) in ments.iter().enumerate() {
        starts.insert(m.tok, i);
        // a title token before the name also points at the mention
        if m.title.is_some() {
            for back in 1..=2 {
                if let Some(p) = m.tok.checked_sub(back) {
                    starts.entry(p).or_insert(i);
                }
            }
        }
    }
    let mut last_male: Option<usize> = None;
    let mut last_female: Option<usize> = None;
    let mut para = u32::MAX;
    let mut speakers: Vec<usize> = Vec::new(); // recent distinct speakers
    let mut last_quote_para = u32::MAX;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if t.para != para {
            para = t.para;
            if last_quote_para != u32::MAX && para > last_quote_para + 1 {
                speakers.clear();
            }
        }
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
            match t.text.to_lowercase().as_str() {
                "he" | "him" | "his" | "himself" => {
                    if let Some(e) = last_male {
                        es[e].pronouns += 1;
                    }
                }
                "she" | "her" | "hers" | "herself" => {
                    if let Some(e) = last_female {
                        es[e].pronouns += 1;
                    }
                }
                _ => {}
            }
        }
        if t.kind == Kind::OpenQuote {
            let open = i;
            let mut close = i + 1;
            while close < toks.len()
                && toks[close].kind != Kind::CloseQuote
                && toks[close].para == t.para
            {
                close += 1;
            }
            let speaker = speaker_near(
                toks,
                &starts,
                ment_ent,
                is_person,
                open,
                close,
                last_male,
                last_female,
            );
            let speaker = speaker.or_else(|| {
                // turn-taking: the one before the last speaker answers
                (speakers.len() >= 2 && last_quote_para + 1 == t.para)
                    .then(|| speakers[speakers.len() - 2])
            });
            if let Some(e) = speaker {
                let end = toks.get(close).map_or(text.len(), |c| c.start);
                let q = text[t.start + t.text.len()..end].trim();
                es[e].quote_count += 1;
                let words = q.split_whitespace().count();
                if (6..=60).contains(&words) && es[e].quotes.len() < 40 {
                    es[e]
                        .quotes
                        .push(q.split_whitespace().collect::<Vec<_>>().join(" "));
                }
                if speakers.last() != Some(&e) {
                    speakers.retain(|s| *s != e);
                    speakers.push(e);
                }
            }
            last_quote_para = t.para;
            i = close.max(open + 1);
            continue;
        }
        i += 1;
    }
}

/// The speaker named next to a quotation: `”, said X` / `” X said` / `X said, “`.
#[allow(clippy::too_many_arguments)]
fn speaker_near(
    toks: &[Token],
    starts: &HashMap<usize, usize>,
    ment_ent: &[usize],
    is_person: &[bool],
    open: usize,
    close: usize,
    last_male: Option<usize>,
    last_female: Option<usize>,
) -> Option<usize> {
    let resolve = |j: usize| -> Option<usize> {
        if let Some(&mi) = starts.get(&j) {
            let e = ment_ent[mi];
            return is_person[e].then_some(e);
        }
        match toks[j].text.to_lowercase().as_str() {
            "he" => last_male,
            "she" => last_female,
            _ => None,
        }
    };
    let is_verb = |j: usize| {
        toks.get(j).is_some_and(|t| {
            t.kind == Kind::Word && lexicon::is_speech_verb(&t.text.to_lowercase())
        })
    };
    // After the quotation, within its paragraph: up to 5 tokens.
    let after: Vec<usize> = (close + 1..toks.len().min(close + 7))
        .take_while(|&j| toks[j].para == toks[open].para && toks[j].kind != Kind::OpenQuote)
        .collect();
    for (k, &j) in after.iter().enumerate() {
        if is_verb(j) {
            // "said X" or "X said"
            if let Some(&n) = after.get(k + 1) {
                if let Some(e) = resolve(n) {
                    return Some(e);
                }
            }
            if k > 0 {
                if let Some(e) = resolve(after[k - 1]) {
                    return Some(e);
                }
            }
            if k > 1 {
                if let Some(e) = resolve(after[k - 2]) {
                    return Some(e);
                }
            }
        }
    }
    // Before the quotation: "X said, “…" / "X said: “…"
    let mut j = open;
    let mut steps = 0;
    while j > 0 && steps < 6 {
        j -= 1;
        steps += 1;
        if toks[j].para != toks[open].para || toks[j].kind == Kind::CloseQuote {
            break;
        }
        if is_verb(j) {
            for back in 1..=3 {
                if let Some(b) = j.checked_sub(back) {
                    if let Some(e) = resolve(b) {
                        return Some(e);
                    }
                }
            }
        }
    }
    None
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

/// "the Captain" counts for the one person whose names carry that title; when two or more do,
/// it is ambiguous and counts for nobody.
fn resolve_title_refs(
    toks: &[Token],
    clusters: &Clusters,
    is_person: &[bool],
) -> (Vec<usize>, Vec<Option<String>>) {
    let n = clusters.entities.len();
    let mut counts = vec![0usize; n];
    let mut alias = vec![None; n];
    let refs = mentions::find_title_refs(toks);
    let mut holders: HashMap<String, Vec<usize>> = HashMap::new();
    for (e, ent) in clusters.entities.iter().enumerate() {
        if !is_person[e] {
            continue;
        }
        for form in ent.forms.keys() {
            if let Some(first) = form.split_whitespace().next() {
                if form.split_whitespace().count() >= 2 {
                    let t = first.trim_end_matches('.').to_lowercase();
                    let list = holders.entry(t).or_default();
                    if !list.contains(&e) {
                        list.push(e);
                    }
                }
            }
        }
    }
    for r in refs {
        if let Some([e]) = holders.get(&r.title).map(Vec::as_slice) {
            counts[*e] += 1;
            let mut word = toks[r.tok].text.to_string();
            word.insert_str(0, "the ");
            alias[*e].get_or_insert(word);
        }
    }
    (counts, alias)
}

fn display_name(ent: &cluster::Entity) -> String {
    let mut forms: Vec<(&String, &usize)> = ent.forms.iter().collect();
    forms.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    if ent.has_full_name {
        if let Some((f, _)) = forms.iter().find(|(f, _)| {
            f.split_whitespace().count() >= 2
                && lexicon::title_class(
                    &f.split_whitespace()
                        .next()
                        .unwrap_or("")
                        .trim_end_matches('.')
                        .to_lowercase(),
                )
                .is_none()
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
        // A titled form also answers to the bare name ("Prince Prospero" → "Prospero").
        for form in [&name].into_iter().chain(ent.forms.keys()) {
            let mut words = form.split_whitespace();
            let first = words
                .next()
                .unwrap_or("")
                .trim_end_matches('.')
                .to_lowercase();
            let rest: Vec<&str> = words.collect();
            if lexicon::title_class(&first).is_some() && !rest.is_empty() {
                let bare = rest.join(" ");
                if bare != name && !aliases.contains(&bare) && bare.split_whitespace().count() >= 1
                {
                    aliases.push(bare);
                }
            }
        }
        let mut actions: Vec<(&String, &usize)> = s.actions.iter().collect();
        actions.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let mut rel: Vec<(&usize, &usize)> =
            s.cooccur.iter().filter(|(o, _)| is_person[**o]).collect();
        rel.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let mut quotes = s.quotes.clone();
        // Most characteristic first: mid-length quotations.
        quotes.sort_by_key(|q| (q.split_whitespace().count() as i64 - 20).abs());
        quotes.truncate(12);
        if let Some(a) = &title_alias[e] {
            aliases.push(a.clone());
        }
        let named = ent.count + title_counts[e];
        let importance = named as f32 + 0.3 * s.pronouns as f32 + 1.5 * s.quote_count as f32;
        out.push(CharacterProfile {
            name,
            aliases,
            mentions: named + s.pronouns,
            name_mentions: named,
            gender: gender[e],
            quote_count: s.quote_count,
            quotes,
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
