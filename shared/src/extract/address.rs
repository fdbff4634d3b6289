//! Who answers to a name. A name called out in dialogue ("Miss Dashwood, you are pale.")
//! is most often answered by its bearer in the next paragraph, and the narrator tags that
//! answer with the name they use ("…," said Elinor). Where a name the book never writes
//! beside its other half (a given name alone, or a title and surname alone) is answered again
//! and again by one speaker known by that other half, and by hardly anyone else, the two are
//! one person: Elinor is Miss Dashwood, Aunt Juley is Mrs. Munt, Tom is Mr. Chitling.

use std::collections::HashMap;

use super::cluster::Clusters;
use super::lexicon::{self, Gender, TitleClass};
use super::mentions::Mention;
use super::quotes::Attribution;
use super::tokens::{Kind, Token};

/// Answers by one speaker needed before a called name is taken as theirs.
const MIN_ANSWERS: usize = 3;
/// ...and for a family's name for a relative ("Aunt Celia", "Uncle Trevor"), which the
/// narrator so often replaces by the formal one ("Mrs. Milvain").
const MIN_ANSWERS_KIN: usize = 2;
/// Only answers tagged this surely count (a speech verb beside a name, or its paragraph).
const SURE: f32 = 0.9;

/// Pairs `(called, answerer)` of characters the dialogue shows to be one person.
pub fn one_person(
    toks: &[Token],
    ments: &[Mention],
    mention_entity: &[usize],
    is_person: &[bool],
    gender: &[Option<Gender>],
    attributions: &[Attribution],
    clusters: &Clusters,
) -> Vec<(usize, usize)> {
    // the one sure speaker of each paragraph of dialogue (`None`: several)
    let mut speaker: HashMap<u32, Option<usize>> = HashMap::new();
    for a in attributions.iter().filter(|a| a.confidence >= SURE) {
        let s = speaker.entry(a.para).or_insert(Some(a.entity));
        if *s != Some(a.entity) {
            *s = None;
        }
    }
    // called name → who answered it next (the caller's own next words are no answer)
    let mut answers: HashMap<usize, HashMap<usize, usize>> = HashMap::new();
    for (m, &e) in ments.iter().zip(mention_entity) {
        if !is_person[e] || !toks[m.tok].in_quote || !is_vocative(toks, m) {
            continue;
        }
        let para = toks[m.tok].para;
        let caller = speaker.get(&para).copied().flatten();
        // the one called answers next, or has just spoken
        for p in [Some(para + 1), para.checked_sub(1)].into_iter().flatten() {
            let Some(Some(answerer)) = speaker.get(&p).copied() else {
                continue;
            };
            if caller == Some(answerer) {
                continue;
            }
            *answers.entry(e).or_default().entry(answerer).or_default() += 1;
        }
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut called_names: Vec<usize> = answers.keys().copied().collect();
    called_names.sort_unstable();
    for called in called_names {
        let by = &answers[&called];
        // answers under the called name itself say nothing against the other half
        let total: usize = by
            .iter()
            .filter(|&(&s, _)| s != called)
            .map(|(_, n)| n)
            .sum();
        let Some((&answerer, &n)) = by
            .iter()
            .filter(|&(&s, _)| s != called)
            .max_by_key(|&(&s, &n)| (n, std::cmp::Reverse(s)))
        else {
            continue;
        };
        let halves = (given_only(clusters, called) && surname_only(clusters, answerer))
            || (surname_only(clusters, called) && given_only(clusters, answerer));
        // (both known: "Charlotte", called by one man, is not the next man who speaks)
        let genders_agree = gender[called].is_some() && gender[called] == gender[answerer];
        tracing::debug!(
            target: "extract::address",
            called = ?clusters.entities[called].forms.keys().collect::<Vec<_>>(),
            answerer = ?clusters.entities[answerer].forms.keys().collect::<Vec<_>>(),
            answers = n,
            others = total,
            halves,
            genders_agree,
            "called and answered"
        );
        if halves
            && genders_agree
            && n >= if kin(clusters, called) {
                MIN_ANSWERS_KIN
            } else {
                MIN_ANSWERS
            }
            && n * 2 > total
            && !pairs.iter().any(|&(a, b)| a == answerer || b == called)
            && !named_together(toks, ments, mention_entity, called, answerer)
        {
            pairs.push((called, answerer));
        }
    }
    pairs.sort_unstable();
    pairs
}

/// Tokens apart within which two names in one sentence of narration, with a word between them,
/// are two people ("Elinor and Miss Dashwood", "Tom with Mr. Chitling"); with only a comma
/// between, one may stand in apposition to the other ("Mrs. Milvain, Aunt Celia,").
const TOGETHER: usize = 6;

/// Whether the narration names the two side by side, twice or more (once may be a slip).
fn named_together(
    toks: &[Token],
    ments: &[Mention],
    mention_entity: &[usize],
    a: usize,
    b: usize,
) -> bool {
    let narrated = |e: usize| {
        ments
            .iter()
            .zip(mention_entity)
            .filter(move |(m, &x)| x == e && !toks[m.tok].in_quote)
            .map(|(m, _)| m.tok)
    };
    let of_b: Vec<usize> = narrated(b).collect();
    narrated(a)
        .filter(|&i| {
            of_b.iter().any(|&j| {
                let between = toks.get(i.min(j) + 1..i.max(j)).unwrap_or_default();
                i.abs_diff(j) <= TOGETHER
                    && toks[i].sent == toks[j].sent
                    && between
                        .iter()
                        .any(|t| t.kind == Kind::Word && t.text.starts_with(char::is_lowercase))
            })
        })
        .nth(1)
        .is_some()
}

/// A name called out: between the opening mark or a comma and a comma, a stop or the closing
/// mark ("Miss Dashwood, you are pale." / "Come, Tom!").
fn is_vocative(toks: &[Token], m: &Mention) -> bool {
    let first = m.first_tok(toks);
    let opens = first
        .checked_sub(1)
        .map(|p| &toks[p])
        .is_some_and(|p| p.kind == Kind::OpenQuote || matches!(p.text, "," | "“" | "\"" | "‘"));
    let closes = toks.get(m.end).is_some_and(|n| {
        n.kind == Kind::CloseQuote || matches!(n.text, "," | "." | "!" | "?" | ";" | "”")
    });
    opens && closes
}

/// Called "Aunt …" or "Uncle …".
fn kin(clusters: &Clusters, e: usize) -> bool {
    clusters.entities[e]
        .titles
        .iter()
        .any(|t| matches!(t, TitleClass::FemaleKin | TitleClass::MaleKin))
}

/// A given name the census knows, or one after "Aunt"/"Uncle" ("Aunt Juley").
fn known_given(clusters: &Clusters, e: usize) -> bool {
    let x = &clusters.entities[e];
    let kin = kin(clusters, e);
    x.given
        .iter()
        .chain(&x.givens)
        .any(|g| kin || lexicon::is_given_name(g))
}

/// One word of a name that the census reads as a given name and not a surname ("Miss Louisa").
fn only_a_given_name(clusters: &Clusters, e: usize) -> bool {
    match clusters.entities[e].full.as_slice() {
        [w] => lexicon::is_given_name(w) && !lexicon::is_surname(w),
        _ => false,
    }
}

/// Known by one name and no surname ("Elinor", "Aunt Juley", "Miss Louisa").
fn given_only(clusters: &Clusters, e: usize) -> bool {
    let x = &clusters.entities[e];
    (x.surname.is_none() && x.given.is_some()) || only_a_given_name(clusters, e)
}

/// Known by a surname and no given name ("Miss Dashwood", "Mr. Chitling").
fn surname_only(clusters: &Clusters, e: usize) -> bool {
    clusters.entities[e].surname.is_some()
        && !known_given(clusters, e)
        && !only_a_given_name(clusters, e)
}
