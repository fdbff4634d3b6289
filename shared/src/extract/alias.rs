//! Names the narration itself gives as one person's: "Miss Trotwood, or Miss Betsey, as my
//! poor mother always called her"; "My name is John Carter; I am better known as Captain Jack
//! Carter". Only the narration's own statements count: in dialogue, "Jane, or Mary, will do"
//! offers a choice between two people.

use super::cluster::{Clusters, FormKey};
use super::lexicon;
use super::mentions::Mention;
use super::tokens::{Kind, Token};

/// How far after the second name ("…, as my poor mother always called her") the word that
/// says it is a name may stand, in words.
const CALLED_WITHIN: usize = 10;
/// How far back from "known as" the name it restates may stand, in tokens.
const KNOWN_WITHIN: usize = 16;

/// Joins the characters of each such pair of names (`mentions` in text order).
pub fn join_stated(ments: &[Mention], toks: &[Token], clusters: &mut Clusters) {
    let text = |k: usize| {
        toks.get(k)
            .map(|t| t.text.to_lowercase())
            .unwrap_or_default()
    };
    let mut pairs = Vec::new();
    for (i, b) in ments.iter().enumerate() {
        let first = b.first_tok(toks);
        if toks[first].in_quote {
            continue;
        }
        // "A, or B, as … called her"
        if let Some(a) = i.checked_sub(1).map(|j| &ments[j]) {
            let between = (a.end..first).map(text).collect::<Vec<_>>();
            let called = toks[b.end..]
                .iter()
                .take_while(|t| t.sent == toks[first].sent)
                .filter(|t| t.kind == Kind::Word)
                .take(CALLED_WITHIN)
                .any(|t| {
                    matches!(
                        t.text.to_lowercase().as_str(),
                        "called" | "call" | "calls" | "named" | "known" | "nicknamed" | "styled"
                    )
                });
            if between == [",", "or"] && called && !toks[a.tok].in_quote {
                pairs.push((a, b));
                continue;
            }
        }
        // "John Clayton, Lord Greystoke, was commissioned": a given name set beside a peer's
        // style, in the narration, is the peer (not a list: the style is followed by a verb,
        // a comma or "and" and the name holds no other title)
        if let Some(a) = i.checked_sub(1).map(|j| &ments[j]) {
            let peer = b.title_word.as_ref().is_some_and(|t| {
                lexicon::is_peerage_style(&t.trim_end_matches('.').to_lowercase())
            });
            let given = a
                .words
                .first()
                .is_some_and(|w| lexicon::is_given_name(&w.to_lowercase()));
            let other_name = a.words.last() != b.words.last();
            if peer
                && given
                && other_name
                && a.title.is_none()
                && a.end == first.saturating_sub(1)
                && text(a.end) == ","
                && matches!(text(b.end).as_str(), "," | "and")
                && !toks[a.tok].in_quote
            {
                pairs.push((a, b));
                continue;
            }
        }
        // "A …; I am better known as B", "A, alias B"
        let known_as = first >= 2 && text(first - 2) == "known" && text(first - 1) == "as";
        let alias = first >= 1 && text(first - 1) == "alias";
        if known_as || alias {
            // (not a word after an article: "Pietro Barbi, the Venetian, known as Paul the
            // Second" restates Pietro Barbi)
            let after_article = |a: &Mention| {
                a.title.is_none()
                    && a.tok >= 1
                    && matches!(text(a.tok - 1).as_str(), "the" | "a" | "an")
            };
            if let Some(a) = ments[..i].iter().rev().find(|a| {
                a.end + KNOWN_WITHIN >= first
                    && toks[a.tok].sent == toks[first].sent
                    && !toks[a.tok].in_quote
                    && !after_article(a)
            }) {
                pairs.push((a, b));
            }
        }
    }
    for (a, b) in pairs {
        let (ea, eb) = (
            clusters.assignment[&FormKey::of(a)],
            clusters.assignment[&FormKey::of(b)],
        );
        let (ga, gb) = (clusters.entities[ea].gender, clusters.entities[eb].gender);
        if ga.is_none() || gb.is_none() || ga == gb {
            tracing::debug!(target: "extract::cluster", a = %a.surface(), b = %b.surface(), "stated alias");
            clusters.join(ea, eb);
        }
    }
}
