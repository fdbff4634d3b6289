//! Dialogue set off by dashes instead of quotation marks, as Joyce and many translations print
//! it: a paragraph (or what follows a colon) opening with "—" or "--" is speech, up to a
//! narrator's tag ("— Thanks, old chap, he cried briskly.") or the paragraph's end; after the tag
//! the speech goes on ("— Look at yourself, he said, you dreadful bard!"). The tokenizer asks
//! these helpers where such speech opens, breaks for a tag and resumes; written by hand because
//! no maintained crate reads this convention.

use super::lexicon;

/// The length in bytes of the dash mark at byte `i` that can open speech: an em dash, a
/// horizontal bar, or two hyphens (plain-text editions), else `None`.
pub(super) fn mark_at(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i..];
    if rest.starts_with('—') || rest.starts_with('―') {
        Some(rest.chars().next().map_or(1, char::len_utf8))
    } else if rest.starts_with("--") && !rest[2..].starts_with('-') {
        Some(2)
    } else {
        None
    }
}

/// How many paragraphs (or lines) open with a dash mark, or set one after a colon ("Dante
/// said: -- O, ..."): the marks that may open speech.
pub(super) fn speech_marks(text: &str) -> usize {
    let mut opens = 0usize;
    // a line has just begun, or the last mark was a colon
    let mut may_open = true;
    for (i, c) in text.char_indices() {
        if c == '\n' {
            may_open = true;
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        if may_open && mark_at(text, i).is_some() {
            opens += 1;
        }
        may_open = c == ':';
    }
    opens
}

/// Whether the book sets its dialogue with dashes: many speech marks (`speech_marks`), and
/// quotation marks too few to carry the dialogue.
pub(super) fn is_dash_dialogue(text: &str, marks: usize) -> bool {
    let quotes = text.matches('“').count() + text.matches('"').count() + text.matches('‘').count();
    marks > 10 && marks > quotes * 2
}

/// One word of the text after a break, with where it ends.
struct Word<'a> {
    text: &'a str,
    end: usize,
}

/// Up to `n` words from byte `from`, stopping at a blank line or at punctuation other than an
/// abbreviation's period ("Mr.") or an apostrophe inside a word.
fn words_from(text: &str, from: usize, n: usize) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut i = from;
    let b = text.as_bytes();
    while out.len() < n && i < b.len() {
        // spaces and single line breaks between words
        let mut newlines = 0;
        while i < b.len() && (b[i] as char).is_ascii_whitespace() {
            if b[i] == b'\n' {
                newlines += 1;
            }
            i += 1;
        }
        if newlines >= 2 || i >= b.len() {
            break;
        }
        let start = i;
        for (k, c) in text[start..].char_indices() {
            if c.is_alphanumeric() || ((c == '\'' || c == '’') && k > 0) {
                i = start + k + c.len_utf8();
            } else {
                break;
            }
        }
        if i == start {
            break;
        }
        let word = &text[start..i];
        // "Mr. Dedalus said": an abbreviation's period stays inside the tag
        if text[i..].starts_with('.') && lexicon::title_class(&word.to_lowercase()).is_some() {
            i += 1;
        }
        out.push(Word { text: word, end: i });
    }
    out
}

fn capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

fn subject_pronoun(w: &str) -> bool {
    matches!(w, "he" | "she" | "they" | "i" | "we")
}

fn speech(w: &str) -> bool {
    lexicon::is_speech_verb(w)
}

fn adverb(w: &str) -> bool {
    w.len() > 3 && w.ends_with("ly") && !capitalised(w)
}

/// Whether a narrator's tag follows the break at byte `from` (a comma, "!" or "?" inside dashed
/// speech): "he said", "Stephen said quietly", "said Stephen", "the old man said". Returns
/// the byte offset just past the tag's verb, speaker and adverb. After "!" or "?"
/// (`after_stop`) a capitalised word opens the next sentence of the speech, so only a speaker
/// and verb count there.
pub(super) fn tag_after(text: &str, from: usize, after_stop: bool) -> Option<usize> {
    let ws = words_from(text, from, 6);
    let low: Vec<String> = ws.iter().map(|w| w.text.to_lowercase()).collect();
    let at = |k: usize| low.get(k).map(String::as_str).unwrap_or("");
    // the verb at k ends the tag, with an adverb after it
    let end_at = |k: usize| {
        let k = if adverb(at(k + 1)) { k + 1 } else { k };
        ws[k].end
    };
    // "he said", "he said quietly", "she presently said"
    if subject_pronoun(at(0)) {
        if speech(at(1)) {
            return Some(end_at(1));
        }
        if adverb(at(1)) && speech(at(2)) {
            return Some(end_at(2));
        }
        return None;
    }
    // "said Stephen", "said he", "cried the old man"
    if speech(at(0)) && !capitalised(ws[0].text) {
        let who = ws.get(1)?;
        if subject_pronoun(at(1)) || capitalised(who.text) {
            let mut k = 1;
            while k + 1 < ws.len() && capitalised(ws[k + 1].text) && k < 3 {
                k += 1;
            }
            return Some(end_at(k));
        }
        if lexicon::is_determiner(at(1)) {
            return ws.get(3).map(|w| w.end).or(Some(who.end));
        }
        return None;
    }
    // "Stephen said", "Buck Mulligan said gaily", "Mr. Deasy said"
    if capitalised(ws.first()?.text) && at(0) != "i" {
        let mut k = 0;
        while k < 3 && ws.get(k).is_some_and(|w| capitalised(w.text)) {
            k += 1;
        }
        if speech(at(k)) {
            return Some(end_at(k));
        }
        if adverb(at(k)) && speech(at(k + 1)) {
            return Some(end_at(k + 1));
        }
        return None;
    }
    // "the old man said" (not "my", "our", "your": those belong to the speech)
    if !after_stop && lexicon::is_determiner(at(0)) && !matches!(at(0), "my" | "our" | "your") {
        for k in 2..=3 {
            if speech(at(k)) && (1..k).all(|j| !capitalised(ws[j].text) && !speech(at(j))) {
                return Some(end_at(k));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_told_from_speech_that_goes_on() {
        fn t(s: &str) -> Option<&str> {
            tag_after(s, 0, false).map(|e| &s[..e])
        }
        assert_eq!(
            t(" he cried briskly. That will do."),
            Some(" he cried briskly")
        );
        assert_eq!(t(" Stephen said quietly."), Some(" Stephen said quietly"));
        assert_eq!(t(" said Mr. Dedalus, turning."), Some(" said Mr. Dedalus"));
        assert_eq!(t(" the old man said."), Some(" the old man said"));
        assert_eq!(t(" Mulligan, Stephen said."), None);
        assert_eq!(t(" my love?"), None);
        assert_eq!(t(" you fearful jesuit!"), None);
        assert_eq!(tag_after(" Come up, you!", 0, true), None);
    }

    #[test]
    fn a_book_of_dashed_dialogue_is_told_from_one_with_quotation_marks() {
        let dashed = "— Come up, he said.\n\nHe came.\n\n".repeat(12);
        assert!(is_dash_dialogue(&dashed, speech_marks(&dashed)));
        let quoted = "“Come up,” he said.\n\n— a pause —\n\n".repeat(12);
        assert!(!is_dash_dialogue(&quoted, speech_marks(&quoted)));
        let plain = "--Come up, he said.\n".repeat(12);
        assert!(is_dash_dialogue(&plain, speech_marks(&plain)));
        let colons = "Dante said: -- O, come.\n".repeat(12);
        assert!(is_dash_dialogue(&colons, speech_marks(&colons)));
    }
}
