//! First-person narrators. A book whose narration (outside quotations) says "I" at least once in
//! a hundred words is told by a narrator; the narrator is named when one character is called
//! by name almost only in other people's speech ("Hastings", "Jake"), never in the narration
//! that is theirs to tell.

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
