//! First-person narrators. A book whose narration (outside quotations) says "I" at least once in
//! a hundred words is told by a narrator; the narrator is named when one character is called
//! by name almost only in other people's speech ("Hastings", "Jake"), never in the narration
//! that is theirs to tell, or when the narration names its teller ("Call me Ishmael").

use std::collections::HashMap;

use super::mentions::Mention;
use super::tokens::{Kind, Token};

/// "I" per narration word above which a book is told in the first person.
const FIRST_PERSON_RATE: f32 = 0.01;
/// Share of a name's mentions that must fall inside quotations for it to be the narrator's.
const SPOKEN_SHARE: f32 = 0.75;
/// Fewest spoken mentions that name a narrator.
const MIN_SPOKEN: usize = 8;

/// Whether the narration is in the first person, and how many "I/me/my" it holds.
pub fn first_person(toks: &[Token]) -> Option<usize> {
    let mut words = 0usize;
    let mut i = 0usize;
    let mut selves = 0usize;
    for t in toks.iter().filter(|t| t.kind == Kind::Word && !t.in_quote) {
        words += 1;
        match t.text {
            "I" => {
                i += 1;
                selves += 1;
            }
            "me" | "my" | "myself" | "mine" => selves += 1,
            _ => {}
        }
    }
    (words > 0 && i as f32 >= FIRST_PERSON_RATE * words as f32).then_some(selves)
}

/// The named narrator: the person spoken of by name most, almost only in dialogue.
pub fn named(
    toks: &[Token],
    ments: &[Mention],
    ment_ent: &[usize],
    is_person: &[bool],
) -> Option<usize> {
    let n = is_person.len();
    let (mut spoken, mut told) = (vec![0usize; n], vec![0usize; n]);
    for (m, &e) in ments.iter().zip(ment_ent) {
        if is_person[e] {
            if toks[m.tok].in_quote {
                spoken[e] += 1;
            } else {
                told[e] += 1;
            }
        }
    }
    (0..n)
        .filter(|&e| {
            spoken[e] >= MIN_SPOKEN
                && spoken[e] as f32 >= SPOKEN_SHARE * (spoken[e] + told[e]) as f32
        })
        .max_by_key(|&e| (spoken[e], std::cmp::Reverse(e)))
}

/// The narrator who names themself in the narration: "Call me Ishmael", "I was called Robinson
/// Kreutznaer", "my name is Jane Eyre", "I, Allan Quatermain,". `mention_at`: token → person
/// at a name's first token (or its title). The phrase and the name must stand word by word,
/// with nothing between.
pub fn self_named(toks: &[Token], mention_at: &HashMap<usize, usize>) -> Option<usize> {
    let word = |i: usize| {
        toks.get(i)
            .filter(|t| t.kind == Kind::Word && !t.in_quote)
            .map(|t| t.text.to_lowercase())
    };
    let mut votes: HashMap<usize, usize> = HashMap::new();
    for i in 0..toks.len() {
        let Some(w) = word(i) else { continue };
        let is = |d: usize, opts: &[&str]| word(i + d).is_some_and(|x| opts.contains(&x.as_str()));
        // how many words the naming phrase takes before the name
        let len = match w.as_str() {
            "call" | "called" | "calls" | "named" | "christened" if is(1, &["me"]) => Some(2),
            "my" if is(1, &["name"]) && is(2, &["is", "was"]) => Some(3),
            // passive only: "I called Mary" is the narrator calling someone
            "i" if is(1, &["was", "am"]) && is(2, &["called", "named", "christened"]) => Some(3),
            // "I, Allan Quatermain, of Durban": the name set beside "I"
            "i" if toks.get(i + 1).is_some_and(|t| t.text == ",") => Some(2),
            _ => None,
        };
        if let Some(&e) = len.and_then(|d| mention_at.get(&(i + d))) {
            *votes.entry(e).or_default() += 1;
        }
    }
    votes
        .into_iter()
        .max_by_key(|&(e, n)| (n, std::cmp::Reverse(e)))
        .map(|(e, _)| e)
}
