//! Proper-name mentions: spans of capitalised words, optionally after an honorific, whose
//! capital is not explained by sentence position (decided from how the same word is written
//! elsewhere in the book). Each mention carries the cues that tell a person from a place.

use std::collections::{HashMap, HashSet};

use super::lexicon::{self, TitleClass};
use super::tokens::{Kind, Token};

#[derive(Debug, Clone)]
pub struct Mention {
    /// Index of the first name token (after any title).
    pub tok: usize,
    /// Index one past the last name token.
    pub end: usize,
    pub title: Option<TitleClass>,
    pub title_word: Option<String>,
    /// Name words, normalised to "Title-case".
    pub words: Vec<String>,
    pub person_cue: f32,
    pub place_cue: f32,
}

impl Mention {
    /// The mention's first token: its title's where it has one ("Mr" of "Mr. Knightley").
    pub fn first_tok(&self, tokens: &[Token]) -> usize {
        if self.title.is_none() {
            return self.tok;
        }
        (self.tok.saturating_sub(2)..self.tok)
            .find(|&j| lexicon::title_class(&tokens[j].text.to_lowercase()).is_some())
            .unwrap_or(self.tok)
    }

    pub fn surface(&self) -> String {
        match &self.title_word {
            Some(t) => format!("{} {}", t, self.words.join(" ")),
            None => self.words.join(" "),
        }
    }
}

fn is_capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// A possessive's endings: "Sparsit's", "SPARSIT'S" (a chapter's opening words are set in
/// capitals).
const POSSESSIVE: [&str; 4] = ["'s", "’s", "'S", "’S"];

fn possessive(w: &str) -> bool {
    POSSESSIVE.iter().any(|s| w.ends_with(s))
}

pub(crate) fn normalise(w: &str) -> String {
    let w = POSSESSIVE
        .iter()
        .find_map(|s| w.strip_suffix(s))
        .unwrap_or(w)
        .trim_end_matches('\'')
        .trim_end_matches('’');
    let mut out = String::with_capacity(w.len());
    let all_caps = w
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(char::is_uppercase)
        && w.chars().count() > 1;
    let mut start = true;
    for c in w.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else if all_caps {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        start = c == '-';
    }
    out
}

fn lower(w: &str) -> String {
    normalise(w).to_lowercase()
}

/// How each word is written across the book.
#[derive(Default)]
pub struct CaseStats {
    /// capitalised, not at a sentence start
    cap_mid: HashMap<String, u32>,
    /// capitalised at a sentence start
    cap_start: HashMap<String, u32>,
    lower: HashMap<String, u32>,
    /// capitalised after "the" beside a verb of speech ("said the Cat", "the Mouse replied")
    speaking: HashMap<String, u32>,
    /// the never-names the narration makes names by setting them beside a verb of speech
    /// (`named_speaker`)
    named: HashSet<String>,
}

impl CaseStats {
    pub fn collect(tokens: &[Token]) -> CaseStats {
        let mut s = CaseStats::default();
        let words: Vec<&Token> = tokens.iter().filter(|t| t.kind == Kind::Word).collect();
        let speech = |t: Option<&&Token>| {
            t.is_some_and(|t| !t.in_quote && lexicon::is_speech_verb(&t.text.to_lowercase()))
        };
        // capitalised inside a sentence of narration, alone, right beside a verb of speech
        // ("said Good", "Good replied")
        let mut speaker: HashMap<String, u32> = HashMap::new();
        for (k, t) in words.iter().enumerate() {
            if !is_capitalised(t.text) || t.sent_start {
                continue;
            }
            let before = k.checked_sub(1).and_then(|b| words.get(b));
            if before.is_some_and(|b| b.text == "the") {
                let before = k.checked_sub(2).and_then(|b| words.get(b));
                if speech(before) || speech(words.get(k + 1)) {
                    *s.speaking.entry(lower(t.text)).or_default() += 1;
                }
            }
            // (alone: not after an article, nor after a title or another name word, "Mrs.
            // March said", "Jo March said", which make it a surname already)
            let attached = before.is_some_and(|b| {
                matches!(
                    b.text.to_lowercase().as_str(),
                    "the" | "a" | "an" | "this" | "that"
                ) || (b.sent == t.sent && is_capitalised(b.text))
            });
            let after = words.get(k + 1).filter(|a| a.sent == t.sent);
            if !t.in_quote && !attached && (speech(before) || speech(after)) {
                *speaker.entry(lower(t.text)).or_default() += 1;
            }
        }
        for t in tokens.iter().filter(|t| t.kind == Kind::Word) {
            let l = lower(t.text);
            if is_capitalised(t.text) {
                if t.sent_start {
                    *s.cap_start.entry(l).or_default() += 1;
                } else {
                    *s.cap_mid.entry(l).or_default() += 1;
                }
            } else if t.text.chars().next().is_some_and(char::is_lowercase) {
                *s.lower.entry(l).or_default() += 1;
            }
        }
        s.named = speaker
            .into_iter()
            .filter(|(w, n)| {
                *n >= 2
                    && lexicon::is_never_name(w)
                    && lexicon::names_after_title(w)
                    && lexicon::title_class(w).is_none()
                    && s.lower.get(w).copied().unwrap_or(0) * 3 <= s.capitalised(w)
            })
            .map(|(w, _)| w)
            .collect();
        s
    }

    /// How often the book writes `w` (lower case) with a capital inside a sentence.
    pub fn capitalised(&self, w: &str) -> u32 {
        self.cap_mid.get(w).copied().unwrap_or(0)
    }

    /// "said Good", "remarked Good", "Good replied": a word that is never a name elsewhere
    /// (an adjective, a weekday) which the narration sets, capitalised and with no article,
    /// beside a verb of speech twice or more, and capitalises three times for each time it
    /// writes it in lower case, is someone's name here (not a title: "said Doctor"; not a
    /// word that cannot be a surname: "said I", "said God").
    pub fn named_speaker(&self, w: &str) -> bool {
        self.named.contains(w)
    }

    /// Whether a capitalised occurrence of `w` can be part of a name. At a sentence start the
    /// capital proves nothing: the word must be a name elsewhere, or be followed by a name word
    /// or a verb of speech or action (`evidence_after`), and never be written in lower case.
    fn name_like(&self, w: &str, sent_start: bool, evidence_after: bool) -> bool {
        if (lexicon::is_never_name(w) && !self.named_speaker(w))
            || w.chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            return false;
        }
        // negations are never names: Don't, Won't, Can't
        if w.ends_with("n't") || w.ends_with("n’t") {
            return false;
        }
        // contractions of never-names: I've, I'd, I'll
        if let Some((head, _)) = w.split_once(['\'', '’']) {
            if lexicon::is_never_name(head) {
                return false;
            }
        }
        // plural nationalities and groups: Englishmen, Frenchmen, Gentlemen
        if w.len() > 5 && w.ends_with("men") {
            return false;
        }
        // a capitalised plural whose singular the book writes in lower case: Companies, Crusades
        if let Some(stem) = w.strip_suffix('s') {
            let singular = w
                .strip_suffix("ies")
                .map(|s| format!("{s}y"))
                .unwrap_or_else(|| stem.to_string());
            if stem.len() >= 3 && (self.lower.contains_key(&singular) || self.lower.contains_key(w))
            {
                return false;
            }
        }
        let cap = *self.cap_mid.get(w).unwrap_or(&0);
        let low = *self.lower.get(w).unwrap_or(&0);
        // "said the Cat" again and again: a character, however often the book says "a cat"
        if !sent_start && self.speaking.get(w).is_some_and(|&n| n >= 3) {
            return true;
        }
        // "Unluckily Aziz hit him": an adverb opening a sentence is not a name, however rare
        if sent_start
            && cap == 0
            && w.len() > 4
            && w.ends_with("ly")
            && !lexicon::is_given_name(w)
            && !lexicon::is_surname(w)
        {
            return false;
        }
        if sent_start {
            // "William, a boy of seven, fled…" and "William appeared…": a given name the lists
            // know, opening two sentences or more and never written in lower case, is a name
            // though the book never sets it mid-sentence
            let opener = low == 0
                && lexicon::is_given_name(w)
                && !lexicon::is_ambiguous_name(w)
                && self.cap_start.get(w).is_some_and(|&n| n >= 2);
            (cap >= 1 && low * 4 <= cap) || (evidence_after && low == 0) || opener
        } else {
            low * 3 <= cap.max(1)
        }
    }
}

const CONNECTORS: &[&str] = &[
    "de", "van", "von", "du", "da", "di", "del", "der", "le", "la", "st",
];

/// Nobiliary particles that open a surname ("van der Luyden", "de Winter"). Not "le" or "la":
/// those are as often an article before a name ("Ad le Ratignolle", an accent lost).
const PARTICLES: &[&str] = &["de", "van", "von", "du", "da", "di", "del"];
/// Particles that follow a first one ("van der", "de la", "von den").
const SECOND_PARTICLES: &[&str] = &["der", "den", "de", "la", "le", "los", "las"];

/// A surname with its particles at `k` ("van der Luyden"), one name word (particles in lower
/// case), and the token after it; the name after the particles must be capitalised in the
/// same sentence and be no common word.
fn particle_surname(
    tokens: &[Token],
    k: usize,
    stats: &CaseStats,
    saints: &HashSet<String>,
) -> Option<(String, usize)> {
    let word_at = |j: usize| tokens.get(j).filter(|t| t.kind == Kind::Word);
    if let Some(s) = saint_surname(tokens, k, saints) {
        return Some(s);
    }
    let first = word_at(k).filter(|t| t.text.len() <= 3)?;
    let l = first.text.to_lowercase();
    if !PARTICLES.contains(&l.as_str()) {
        return None;
    }
    let mut parts = vec![l];
    let mut j = k + 1;
    if let Some(w) = word_at(j).filter(|w| {
        w.sent == first.sent && SECOND_PARTICLES.contains(&w.text.to_lowercase().as_str())
    }) {
        parts.push(w.text.to_lowercase());
        j += 1;
    }
    let name = word_at(j)?;
    let ln = lower(name.text);
    if name.sent != first.sent
        || !is_capitalised(name.text)
        || lexicon::is_never_name(&ln)
        || !stats.name_like(&ln, false, true)
    {
        return None;
    }
    parts.push(normalise(name.text));
    Some((parts.join(" "), j + 1))
}

/// "St." (or "Saint") and the word after it at `k`, its dot skipped: the token after "St.",
/// and that word.
fn after_saint<'a>(tokens: &'a [Token<'a>], k: usize) -> Option<(usize, &'a Token<'a>)> {
    let st = tokens.get(k).filter(|t| t.kind == Kind::Word)?;
    if !matches!(lower(st.text).as_str(), "st" | "saint") {
        return None;
    }
    let n = if tokens.get(k + 1).is_some_and(|p| p.text == ".") {
        k + 2
    } else {
        k + 1
    };
    let w = tokens
        .get(n)
        .filter(|w| w.kind == Kind::Word && w.sent == st.sent && is_capitalised(w.text))?;
    Some((n, w))
}

/// The words the book sets after an honorific and "St." ("Madame St. Aubert", "Mr. St.
/// Clair"): there "St." opens a surname, not a saint's or a street's name, and so it does where
/// the book writes "St. Aubert" without the honorific ("St. Helena", never after one, stays a
/// place).
fn saint_surnames(tokens: &[Token]) -> HashSet<String> {
    let mut out = HashSet::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.kind != Kind::Word || lexicon::title_class(&lower(t.text)).is_none() {
            continue;
        }
        let k = if tokens.get(i + 1).is_some_and(|p| p.text == ".") {
            i + 2
        } else {
            i + 1
        };
        if let Some((_, w)) = after_saint(tokens, k).filter(|(_, w)| w.sent == t.sent) {
            let lw = lower(w.text);
            if !lexicon::is_never_name(&lw) && lexicon::title_class(&lw).is_none() {
                out.insert(lw);
            }
        }
    }
    out
}

/// A "St." surname at `k` ("St. Aubert" where the book writes "Madame St. Aubert") and the
/// token after it.
fn saint_surname(tokens: &[Token], k: usize, saints: &HashSet<String>) -> Option<(String, usize)> {
    let (n, w) = after_saint(tokens, k)?;
    saints
        .contains(&lower(w.text))
        .then(|| (format!("St. {}", normalise(w.text)), n + 1))
}

/// The capitalised words (lower-cased) the book writes at least once where `at` holds of their
/// token's index.
fn capitalised_where(tokens: &[Token], at: impl Fn(usize) -> bool) -> HashSet<String> {
    tokens
        .iter()
        .enumerate()
        .filter(|&(k, t)| t.kind == Kind::Word && is_capitalised(t.text) && at(k))
        .map(|(_, t)| lower(t.text))
        .collect()
}

/// Finds the mentions in token order.
pub fn find(tokens: &[Token], stats: &CaseStats) -> Vec<Mention> {
    let mut out = Vec::new();
    let mut i = 0;
    let word_at = |j: usize| tokens.get(j).filter(|t| t.kind == Kind::Word);
    let after_title = words_after_titles(tokens);
    let saints = saint_surnames(tokens);
    // of those, the common words the book makes surnames ("Mrs. March", "Mr. Wood")
    let titled: HashSet<String> = after_title
        .any
        .iter()
        .filter(|w| lexicon::is_never_name(w) && lexicon::names_after_title(w))
        .cloned()
        .collect();
    // a word that is a name here, though also a common one ("Jo March" where the book writes
    // "Mrs. March"; not the month "in March")
    let never_name =
        |lw: &str| lexicon::is_never_name(lw) && !titled.contains(lw) && !stats.named_speaker(lw);
    // capitalised words the book writes without a capitalised descriptor before them: "Adele"
    // beside "Little Adele" (so "Big Medicine", never "Medicine" alone, keeps its "Big")
    let bare = capitalised_where(tokens, |k| {
        !k.checked_sub(1)
            .and_then(|p| tokens.get(p))
            .is_some_and(|p| {
                p.kind == Kind::Word
                    && is_capitalised(p.text)
                    && lexicon::is_descriptor(&lower(p.text))
            })
    });
    // capitalised words the book also sets with no capitalised word after them ("at Freetown
    // where", not "San" of "San Sebastian")
    let alone = capitalised_where(tokens, |k| {
        !tokens
            .get(k + 1)
            .is_some_and(|n| n.kind == Kind::Word && is_capitalised(n.text))
    });
    while i < tokens.len() {
        let t = &tokens[i];
        if t.kind != Kind::Word || t.heading {
            i += 1;
            continue;
        }
        // "called on de Winter", "the van der Luydens": a surname opening with its particle
        if !is_capitalised(t.text) {
            if let Some((word, end)) = particle_surname(tokens, i, stats, &saints) {
                let mut m = Mention {
                    tok: i,
                    end,
                    title: None,
                    title_word: None,
                    words: vec![word],
                    person_cue: 0.0,
                    place_cue: 0.0,
                };
                score_cues(tokens, i, &mut m, &after_title);
                out.push(m);
                i = end;
            } else {
                i += 1;
            }
            continue;
        }
        let l = lower(t.text);
        // "St. John" (Rivers) is a given name, not a saint's title or a street.
        if l == "st" || l == "saint" {
            let k = if tokens.get(i + 1).is_some_and(|p| p.text == ".") {
                i + 2
            } else {
                i + 1
            };
            if let Some(n) = word_at(k).filter(|n| is_capitalised(n.text) && n.sent == t.sent) {
                if lexicon::is_given_name(&lower(n.text)) {
                    let mut words = vec![format!("St. {}", normalise(n.text))];
                    let mut end = k + 1;
                    while let Some(w) = word_at(end).filter(|w| {
                        is_capitalised(w.text)
                            && w.sent == t.sent
                            && !lexicon::is_never_name(&lower(w.text))
                    }) {
                        words.push(normalise(w.text));
                        end += 1;
                        if words.len() >= 3 {
                            break;
                        }
                    }
                    let mut m = Mention {
                        tok: i,
                        end,
                        title: None,
                        title_word: None,
                        words,
                        person_cue: 1.0,
                        place_cue: 0.0,
                    };
                    score_cues(tokens, i, &mut m, &after_title);
                    out.push(m);
                    i = end;
                    continue;
                }
            }
        }
        // Title: "Mr." / "Mrs" / "Captain" followed by a capitalised word.
        let mut title = None;
        let mut title_word = None;
        let mut j = i;
        if let Some(class) = lexicon::title_class(&l) {
            let mut k = i + 1;
            if tokens.get(k).is_some_and(|p| p.text == ".") {
                k += 1;
            }
            if word_at(k).is_some_and(|n| {
                is_capitalised(n.text)
                    && n.sent == t.sent
                    && lexicon::names_after_title(&lower(n.text))
            }) || particle_surname(tokens, k, stats, &saints).is_some()
            {
                title = Some(class);
                title_word =
                    Some(normalise(t.text) + if tokens[i + 1].text == "." { "." } else { "" });
                j = k;
            } else {
                i += 1;
                continue;
            }
        }
        // Name words.
        let mut words: Vec<String> = Vec::new();
        let mut k = j;
        while let Some(w) = word_at(k) {
            let lw = lower(w.text);
            let first = words.is_empty();
            // a name does not run on into the next sentence or paragraph
            if !first && (w.sent != tokens[j].sent || w.para != tokens[j].para) {
                break;
            }
            // nor takes in a post-nominal: "Josiah Bounderby Esquire" is Josiah Bounderby
            if !first && lexicon::is_post_nominal(&lw) {
                break;
            }
            // nor repeats its last word: "Alfred Alfred" is a cry, "Alfred—Alfred", its dash lost
            if words.last().is_some_and(|l| *l == normalise(w.text)) {
                break;
            }
            // "Henry van der Luyden", "Mr. de Winter", "Van Helsing": the particles and the
            // name after them are one surname
            if let Some((word, end)) = particle_surname(tokens, k, stats, &saints) {
                words.push(word);
                k = end;
                let last = tokens[end - 1].text;
                if possessive(last) || words.len() >= 4 {
                    break;
                }
                continue;
            }
            let evidence_after = word_at(k + 1).is_some_and(|n| {
                let ln = lower(n.text);
                // ("Ask Brooke", "Tell Jo": an imperative opening a quotation is followed by a
                // name too, so a capitalised word after it vouches only for a word the name
                // lists know)
                (is_capitalised(n.text)
                    && !never_name(&ln)
                    && (lexicon::is_given_name(&lw) || lexicon::is_surname(&lw)))
                    || (n.sent == w.sent
                        && (lexicon::is_speech_verb(&ln) || lexicon::is_person_verb(&ln)))
            }) || possessive(w.text)
                || particle_surname(tokens, k + 1, stats, &saints).is_some();
            let next_is_name = word_at(k + 1).is_some_and(|n| {
                let ln = lower(n.text);
                is_capitalised(n.text)
                    && n.sent == w.sent
                    && !never_name(&ln)
                    && (titled.contains(&ln) || stats.name_like(&ln, false, true))
            });
            // "May, who had moved away", "said May": capitalised inside a sentence and not after
            // a word that takes a date ("in May", "last March"), a name, not the month or verb
            let speaks = !w.sent_start
                && !tokens
                    .get(k + 1)
                    .is_some_and(|n| n.text.starts_with(|c: char| c.is_ascii_digit()))
                && !k
                    .checked_sub(1)
                    .and_then(|p| tokens.get(p))
                    .is_some_and(|p| {
                        matches!(
                            p.text.to_lowercase().as_str(),
                            "in" | "of"
                                | "since"
                                | "till"
                                | "until"
                                | "during"
                                | "last"
                                | "next"
                                | "early"
                                | "late"
                                | "by"
                                | "from"
                                | "through"
                                | "a"
                                | "the"
                                | "this"
                                | "that"
                                | "every"
                                | "each"
                                | "one"
                                | "mid"
                                | "before"
                                | "after"
                        )
                    });
            // "Will Demi lie still?", "May Jo come?": a modal opening a question is the verb
            let modal_question = first
                && w.sent_start
                && matches!(lw.as_str(), "will" | "may" | "shall" | "can")
                && asks(tokens, k);
            let ambiguous_ok = lexicon::is_ambiguous_name(&lw)
                && !modal_question
                && (!first || next_is_name || title.is_some() || speaks);
            // “Marmee, come here” — a vocative at the start of a quotation
            let vocative = first
                && w.in_quote
                && w.sent_start
                && tokens
                    .get(k + 1)
                    .is_some_and(|p| matches!(p.text, "," | "!"))
                && !stats.lower.contains_key(&lw);
            let nameish = stats.name_like(&lw, w.sent_start && first, evidence_after || vocative);
            // "Big Medicine", "Little Em'ly": a descriptor that opens a name the book never
            // writes without it, before a word it never writes in lower case
            let descriptor_name = first
                && title.is_none()
                && lexicon::is_descriptor(&lw)
                && word_at(k + 1).is_some_and(|n| {
                    let ln = lower(n.text);
                    is_capitalised(n.text)
                        && n.sent == w.sent
                        && !bare.contains(&ln)
                        && !lexicon::is_never_name(&ln)
                        && lexicon::title_class(&ln).is_none()
                        && !stats.lower.contains_key(&ln)
                });
            // "make Mrs. Rushworth Maria Bertram again": a titled surname, then a given name
            // opening another full name, are two people side by side
            let second_name = title.is_some()
                && words.len() == 1
                && !lexicon::is_given_name(&words[0].to_lowercase())
                && lexicon::is_given_name(&lw)
                && next_is_name;
            if second_name {
                break;
            }
            // "Also Georgiana Wife of the Above": a word after the first that the book writes
            // in lower case at least as often as capitalised, and no list knows as a name, is
            // not part of the name
            let common_word = !first
                && title.is_none()
                && stats
                    .lower
                    .get(&lw)
                    .is_some_and(|&n| n >= stats.capitalised(&lw))
                && !lexicon::is_surname(&lw)
                && !lexicon::is_given_name(&lw);
            if is_capitalised(w.text)
                && (first || !never_name(&lw))
                && !common_word
                && (title.is_some()
                    || ambiguous_ok
                    || nameish
                    || descriptor_name
                    || (!first && !never_name(&lw)))
            {
                words.push(normalise(w.text));
                k += 1;
                if possessive(w.text) {
                    break;
                }
                // initials: "J. Smith"
                if w.text.chars().count() == 1 && tokens.get(k).is_some_and(|p| p.text == ".") {
                    k += 1;
                }
            } else if !first
                && CONNECTORS.contains(&lw.as_str())
                && word_at(k + 1).is_some_and(|n| is_capitalised(n.text))
            {
                words.push(w.text.to_string());
                k += 1;
            } else {
                break;
            }
            if words.len() >= 4 {
                break;
            }
        }
        while words
            .last()
            .is_some_and(|w| CONNECTORS.contains(&w.as_str()))
        {
            words.pop();
        }
        // "Little Adele", "Young Osborne": a leading descriptor is not part of the name, where
        // the book also writes the name without it.
        while words.len() > 1
            && lexicon::is_descriptor(&words[0].to_lowercase())
            && bare.contains(&lower(&words[1]))
        {
            words.remove(0);
        }
        // "out from Freetown John Clayton and his wife": a word after a place preposition that
        // runs into a given name and a surname is the place; the name starts after it
        // (three words at least, a full name after the place: "in Thornton Lacey" is one
        // place, though "Lacey" is a given name too)
        let place_before_name = title.is_none()
            && words.len() >= 3
            && !lexicon::is_place_word(&words[words.len() - 1].to_lowercase())
            && words[0] == normalise(tokens[i].text)
            && i.checked_sub(1)
                .and_then(|p| tokens.get(p))
                .is_some_and(|p| {
                    p.kind == Kind::Word && lexicon::is_place_preposition(&p.text.to_lowercase())
                })
            && {
                let w = words[0].to_lowercase();
                !lexicon::is_given_name(&w)
                    && (lexicon::is_known_place(&w) || lexicon::is_mapped_place(&w))
                    && alone.contains(&w)
            }
            && lexicon::is_given_name(&words[1].to_lowercase())
            && !lexicon::is_ambiguous_name(&words[1].to_lowercase());
        if place_before_name {
            i += 1;
            continue;
        }
        // "her Christian name", "fine Christian names": a word before "name" qualifies it
        let qualifies_name = title.is_none()
            && tokens
                .get(k)
                .is_some_and(|n| n.kind == Kind::Word && matches!(n.text, "name" | "names"));
        // "Carston, Waite and Co.", "Dombey and Son": a name before "and Co." names a firm
        let firm = tokens.get(k).is_some_and(|n| matches!(n.text, "and" | "&"))
            && tokens
                .get(k + 1)
                .is_some_and(|n| matches!(n.text, "Co" | "Co." | "Company" | "Son" | "Sons"));
        if words.is_empty() || qualifies_name || firm {
            i = j.max(i + 1);
            continue;
        }
        let mut m = Mention {
            tok: j,
            end: k,
            title,
            title_word,
            words,
            person_cue: 0.0,
            place_cue: 0.0,
        };
        // "Lynde's Hollow", "Lincoln's Inn": a possessive before a place word is part of the
        // place's name and speaks of no one (nor lends its surname to Thomas Lynde)
        if m.title.is_none() && names_a_place(tokens, &m) {
            i = k.max(i + 1);
            continue;
        }
        // "M.R.C.S.", "C.C.H.": letters alone, untitled or after the "M." they open, are a
        // degree or a society, not someone's initials
        let letters_only = m
            .words
            .iter()
            .all(|w| w.trim_end_matches('.').chars().count() == 1);
        let m_title = m
            .title_word
            .as_deref()
            .is_some_and(|t| t.trim_end_matches('.').eq_ignore_ascii_case("m"));
        if letters_only && m.words.len() >= 2 && (m.title.is_none() || m_title) {
            i = k.max(i + 1);
            continue;
        }
        if m.title.is_none()
            && (names_a_date(tokens, &m)
                || cites_a_letter(tokens, &m)
                || common_word_after_article(tokens, &m))
        {
            i = k.max(i + 1);
            continue;
        }
        score_cues(tokens, i, &mut m, &after_title);
        out.push(m);
        i = k.max(i + 1);
    }
    out
}

/// "the eighteenth Christian century", "any ordinary Christian", "a Christian church": a word
/// that is a name only sometimes ("Christian", "Grace", "Hope"), after an article or a
/// quantifier (or one or two lower-case words after one), is the common word.
fn common_word_after_article(tokens: &[Token], m: &Mention) -> bool {
    if m.words.len() != 1 || !lexicon::is_ambiguous_name(&m.words[0].to_lowercase()) {
        return false;
    }
    let mut k = m.tok;
    for _ in 0..3 {
        let Some(p) = k.checked_sub(1).and_then(|p| tokens.get(p)) else {
            return false;
        };
        if p.kind != Kind::Word || p.sent != tokens[m.tok].sent {
            return false;
        }
        let lp = p.text.to_lowercase();
        if matches!(
            lp.as_str(),
            "the"
                | "a"
                | "an"
                | "any"
                | "every"
                | "no"
                | "this"
                | "that"
                | "some"
                | "each"
                | "another"
        ) {
            return true;
        }
        if is_capitalised(p.text) || lexicon::is_speech_verb(&lp) {
            return false;
        }
        k -= 1;
    }
    false
}

/// "3 May", "the fourth of May", "June 12th": a month beside a day of the month is a date,
/// whatever given name it also is.
fn names_a_date(tokens: &[Token], m: &Mention) -> bool {
    if m.words.len() != 1 || !lexicon::is_month(&m.words[0].to_lowercase()) {
        return false;
    }
    let text = |k: Option<usize>| {
        k.and_then(|k| tokens.get(k))
            .map(|t| t.text.trim_matches('_').to_lowercase())
            .unwrap_or_default()
    };
    let numeric = |w: &str| w.chars().next().is_some_and(|c| c.is_ascii_digit());
    let before = text(m.tok.checked_sub(1));
    numeric(&before)
        || numeric(&text(Some(m.end)))
        || (before == "of" && {
            let day = text(m.tok.checked_sub(2));
            numeric(&day) || lexicon::is_ordinal(&day)
        })
}

/// a large "E", "'P,' of course, stands for": a capital letter set in quotation marks
/// is the letter, not someone's initial.
fn cites_a_letter(tokens: &[Token], m: &Mention) -> bool {
    let quote = |t: &Token| {
        matches!(t.kind, Kind::OpenQuote | Kind::CloseQuote)
            || matches!(t.text, "\"" | "'" | "‘" | "’" | "“" | "”")
    };
    m.words.len() == 1
        && m.words[0].chars().count() == 1
        && m.end == m.tok + 1
        && m.tok
            .checked_sub(1)
            .and_then(|p| tokens.get(p))
            .is_some_and(quote)
        && tokens.get(m.end).is_some_and(|n| {
            quote(n) || (matches!(n.text, "," | ".") && tokens.get(m.end + 1).is_some_and(quote))
        })
}

/// Whether an untitled name in the possessive is followed by a capitalised place word.
fn names_a_place(tokens: &[Token], m: &Mention) -> bool {
    possessive(tokens[m.end - 1].text)
        && tokens[m.end..]
            .iter()
            .take(2)
            .find(|t| t.kind == Kind::Word)
            .is_some_and(|n| {
                is_capitalised(n.text) && lexicon::is_place_word(&n.text.to_lowercase())
            })
}

/// Whether the sentence of token `k` ends with a question mark (looked for within 60 tokens).
fn asks(tokens: &[Token], k: usize) -> bool {
    let sent = tokens[k].sent;
    tokens[k..]
        .iter()
        .take(60)
        .take_while(|t| t.sent == sent)
        .filter(|t| t.kind == Kind::Punct)
        .last()
        .is_some_and(|t| t.text == "?")
}

/// The capitalised words the book sets after a title.
struct TitledWords {
    /// after any title ("Parson Tringham", "Mr. Oldham", "Lady Chapel"): a surname, whatever
    /// its ending says
    any: HashSet<String>,
    /// after a plain honorific ("Mr. Temple", "Mrs. Hall"): a surname here, though also a
    /// place word
    honorific: HashSet<String>,
}

fn words_after_titles(tokens: &[Token]) -> TitledWords {
    let words: Vec<&Token> = tokens.iter().filter(|t| t.kind == Kind::Word).collect();
    let mut out = TitledWords {
        any: HashSet::new(),
        honorific: HashSet::new(),
    };
    for p in words.windows(2) {
        let title = lower(p[0].text);
        if p[1].sent == p[0].sent
            && is_capitalised(p[0].text)
            && is_capitalised(p[1].text)
            && lexicon::title_class(&title).is_some()
        {
            if lexicon::plain_honorific(&title).is_some() {
                out.honorific.insert(lower(p[1].text));
            }
            out.any.insert(lower(p[1].text));
        }
    }
    out
}

fn score_cues(tokens: &[Token], start: usize, m: &mut Mention, after_title: &TitledWords) {
    if m.title.is_some() {
        m.person_cue += 2.0;
    }
    // "the Committee of Public Safety", "the Bank of England": a name after "of" that ends a
    // capitalised institution's name is no person (but "the Duke of Wellington" and "the
    // Master of Ballantrae" are: a title opens those)
    if m.title.is_none() && start >= 2 {
        let (of, head) = (&tokens[start - 1], &tokens[start - 2]);
        if of.kind == Kind::Word
            && of.text == "of"
            && head.kind == Kind::Word
            && is_capitalised(head.text)
            && !head.sent_start
            && lexicon::title_class(&lower(head.text)).is_none()
            && !lexicon::is_given_name(&lower(head.text))
        {
            m.place_cue += 3.0;
        }
    }
    // "the province of Gascony", "the port of Freetown": a name after a noun of the land and
    // "of" is a place; so is one set beside such a noun ("William Henry, the post at…")
    let place_head_at = |k: usize| {
        tokens
            .get(k)
            .is_some_and(|h| h.kind == Kind::Word && lexicon::is_place_head(&h.text.to_lowercase()))
    };
    let head_of = start >= 2 && tokens[start - 1].text == "of" && place_head_at(start - 2);
    let beside_head = tokens.get(m.end).is_some_and(|t| t.text == ",")
        && tokens
            .get(m.end + 1)
            .is_some_and(|t| matches!(t.text, "the" | "a" | "an"))
        && place_head_at(m.end + 2);
    if m.title.is_none() && !possessive(tokens[m.end - 1].text) && (head_of || beside_head) {
        m.place_cue += 2.0;
    }
    // (an honorific before one word makes it a surname: "Mrs. Hall", "Mr. Wood", "Miss Lane";
    // a rank does not: "Queen Street", "Lady Chapel")
    let honorific = m.title_word.as_ref().is_some_and(|t| {
        let t = t.trim_end_matches('.').to_lowercase();
        lexicon::plain_honorific(&t).is_some() || matches!(t.as_str(), "dr" | "doctor")
    });
    // ("Charlotte Temple" and "Temple" where the book writes "Mr. Temple": the word is the
    // family's name, alone or after a given name; "Thornfield Hall" is a place beside a "Mr.
    // Hall")
    let given_first = m
        .words
        .first()
        .is_some_and(|w| lexicon::is_given_name(&w.to_lowercase()));
    let surname_here =
        |w: &str| after_title.honorific.contains(w) && (m.words.len() == 1 || given_first);
    if !(honorific && m.words.len() == 1)
        && m.words.iter().any(|w| {
            let w = w.to_lowercase();
            lexicon::is_place_word(&w) && !surname_here(&w)
        })
    {
        m.place_cue += 3.0;
    }
    // (a courtesy or military title before the one word makes the place a man's name:
    // "General Washington", "Mr. London")
    let rank_or_honorific = honorific
        || m.title_word
            .as_ref()
            .is_some_and(|t| lexicon::is_military_rank(&t.trim_end_matches('.').to_lowercase()));
    if !(rank_or_honorific && m.words.len() == 1)
        && m.words
            .last()
            .is_some_and(|w| lexicon::is_known_place(&w.to_lowercase()))
    {
        m.place_cue += 3.0;
    } else if m.title.is_none()
        && !m
            .words
            .first()
            .is_some_and(|w| lexicon::is_given_name(&w.to_lowercase()))
        && lexicon::is_mapped_place(&m.words.join(" ").to_lowercase())
    {
        // a place on the map (GeoNames), unless the form reads as a person's name
        m.place_cue += 1.5;
    }
    // ("-ham", "-ford": unless the book sets the word after a title, "Parson Tringham")
    if m.title.is_none()
        && m.words.last().is_some_and(|w| {
            let w = w.to_lowercase();
            !after_title.any.contains(&w)
                && (lexicon::has_place_suffix(&w)
                    || (w.ends_with("ia") && !lexicon::is_given_name(&w)))
        })
    {
        // ("Somersetshire", "Yorkshire": a county's ending is surer than "-ham" or "-by")
        let shire = m.words.last().is_some_and(|w| {
            let w = w.to_lowercase();
            w.len() > 8 && w.ends_with("shire")
        });
        m.place_cue += if shire { 3.0 } else { 1.0 };
    }
    // "Summer Street", "Harley Street": a name before a capitalised place word the mention
    // left out is that place's name
    if m.title.is_none()
        && tokens.get(m.end).is_some_and(|n| {
            n.kind == Kind::Word
                && n.sent == tokens[m.end - 1].sent
                && is_capitalised(n.text)
                && lexicon::is_place_word(&lower(n.text))
        })
    {
        m.place_cue += 3.0;
    }
    let prev = start.checked_sub(1).and_then(|p| tokens.get(p));
    let last = &tokens[m.end - 1];
    let possessive = possessive(last.text);
    // "in Lincoln", "at Clifton": a word that is also a given name reads as a place there
    let after_place_preposition = prev.is_some_and(|p| {
        let lp = p.text.to_lowercase();
        p.kind == Kind::Word && lp != "to" && lexicon::is_place_preposition(&lp)
    });
    if m.words
        .first()
        .is_some_and(|w| lexicon::is_given_name(&w.to_lowercase()))
        && !(after_place_preposition && m.title.is_none() && m.words.len() == 1)
    {
        m.person_cue += 1.0;
    }
    let next_word = tokens[m.end..]
        .iter()
        .take(2)
        .find(|t| t.kind == Kind::Word);
    let next = tokens.get(m.end);
    if let Some(p) = prev {
        let lp = p.text.to_lowercase();
        if p.kind == Kind::Word && lexicon::is_speech_verb(&lp) {
            m.person_cue += 2.0;
        }
        // "in Emma's room" puts the room there, not Emma
        // ("to" takes people as often as places: "said to Jo", "goes to Harvey")
        if p.kind == Kind::Word && !possessive {
            m.place_cue += lexicon::place_preposition_weight(&lp);
        }
        // People's names take no article: "an Elphberg", "the Pequod", "a Frenchman" — but
        // "said the Hatter" is someone speaking.
        let speaks_before = start
            .checked_sub(2)
            .and_then(|q| tokens.get(q))
            .is_some_and(|q| {
                q.kind == Kind::Word && lexicon::is_speech_verb(&q.text.to_lowercase())
            });
        if p.kind == Kind::Word && m.title.is_none() {
            match lp.as_str() {
                "the" if speaks_before => m.person_cue += 2.0,
                "the" => m.place_cue += 1.0,
                "a" | "an" | "every" | "no" => m.place_cue += 2.0,
                _ => {}
            }
        }
    }
    if let Some(n) = next_word {
        if n.sent == tokens[m.tok].sent {
            let ln = n.text.to_lowercase();
            if lexicon::is_weak_person_verb(&ln) {
                m.person_cue += 1.0;
            } else if lexicon::is_speech_verb(&ln) || lexicon::is_person_verb(&ln) {
                m.person_cue += 1.5;
            }
        }
    }
    if agreeing_pronoun_follows(tokens, start, m) {
        m.person_cue += 0.5;
    }
    if possessive {
        // "Lincoln's Inn", "St. Paul's Cathedral": a place named for someone (untitled, such a
        // form is no mention at all: `find` drops it)
        if names_a_place(tokens, m) {
            m.place_cue += 3.0;
        } else {
            m.person_cue += 0.5;
        }
    }
    // "I, Allan Quatermain, of Durban": someone naming themself
    if start >= 2
        && tokens[start - 1].text == ","
        && tokens[start - 2].text == "I"
        && next.is_some_and(|n| n.text == ",")
    {
        m.person_cue += 2.0;
    }
    // "Tippoo, Sultan of Seringapatam", "Aurungzebe, Emperor of the Moguls": a name set beside
    // a ruler's or a noble's style
    let styled = tokens.get(m.end).is_some_and(|t| t.text == ",")
        && tokens.get(m.end + 1).is_some_and(|t| {
            let l = lower(t.text);
            t.kind == Kind::Word
                && is_capitalised(t.text)
                && (lexicon::title_class(&l).is_some() || lexicon::is_sovereign_title(&l))
        })
        && tokens.get(m.end + 2).is_some_and(|t| t.text == "of");
    if styled {
        m.person_cue += 2.0;
    }
    // "my name is John Carter", "call me Ishmael": a name given as someone's own
    let word_back = |d: usize| {
        start
            .checked_sub(d)
            .and_then(|q| tokens.get(q))
            .filter(|t| t.kind == Kind::Word)
            .map(|t| t.text.to_lowercase())
            .unwrap_or_default()
    };
    let named_as = (matches!(word_back(1).as_str(), "is" | "was")
        && word_back(2) == "name"
        && matches!(
            word_back(3).as_str(),
            "my" | "his" | "her" | "your" | "whose"
        ))
        || (word_back(1) == "me" && matches!(word_back(2).as_str(), "call" | "called"));
    if named_as {
        m.person_cue += 2.0;
    }
    // Vocative inside a quotation: “…, Jane.” / “Jane, come here.”
    if tokens[m.tok].in_quote {
        let before = prev.map(|p| p.text);
        let after = next.map(|n| n.text);
        // (not a name in a list of names: "Grimpen, Dartmoor, Devon", "Grimpen, Thorsley,
        // and High Barrow")
        let listed = |t: Option<&Token>| {
            t.is_some_and(|t| {
                t.kind == Kind::Word && is_capitalised(t.text) && !t.sent_start && t.text != "I"
            })
        };
        let in_list = (before == Some(",")
            && listed(start.checked_sub(2).and_then(|q| tokens.get(q))))
            || (after == Some(",") && listed(tokens.get(m.end + 1)));
        if matches!(before, Some(",") | Some("“") | Some("\"") | Some("‘"))
            && matches!(
                after,
                Some(",") | Some(".") | Some("!") | Some("?") | Some("”") | Some(";")
            )
            && !in_list
        {
            m.person_cue += 2.0;
        }
    }
}

/// "a Dane", "an ancient Dane": "a" or "an" right before `start`, or one lowercase word
/// before it that is no preposition ("a letter from Willoughby" is Willoughby's letter).
pub fn indefinite_before(tokens: &[Token], start: usize) -> bool {
    let sent = tokens[start].sent;
    let article = |k: usize| {
        let t = &tokens[k];
        t.sent == sent && t.kind == Kind::Word && matches!(t.text, "a" | "an" | "A" | "An")
    };
    let adjective = |k: usize| {
        let t = &tokens[k];
        t.kind == Kind::Word
            && t.text.chars().next().is_some_and(char::is_lowercase)
            && !lexicon::is_preposition(t.text)
    };
    start.checked_sub(1).is_some_and(article)
        || start
            .checked_sub(2)
            .is_some_and(|a| article(a) && adjective(a + 1))
}

/// "the sainted Ann Hutchinson as she entered": the first third-person pronoun after a given
/// name, in its sentence and with no other capitalised word between, agrees with the name's
/// gender: the name is someone that pronoun goes on to speak of.
fn agreeing_pronoun_follows(tokens: &[Token], start: usize, m: &Mention) -> bool {
    // a given name and a surname, with no article or opening italics before it ("the Golden
    // Hind ... her flanks", "_Golden Hind_" is a ship)
    let article = start.checked_sub(1).is_some_and(|p| {
        matches!(
            tokens[p].text.to_lowercase().as_str(),
            "the" | "a" | "an" | "_"
        )
    });
    if article || m.words.len() < 2 {
        return false;
    }
    let Some(gender) = m
        .words
        .first()
        .and_then(|w| lexicon::given_name_gender(&w.to_lowercase()))
    else {
        return false;
    };
    let sent = tokens[m.tok].sent;
    for t in tokens[m.end..].iter().take(12) {
        if t.sent != sent {
            return false;
        }
        if t.kind != Kind::Word {
            continue;
        }
        let said = match t.text.to_lowercase().as_str() {
            "he" | "him" | "his" | "himself" => lexicon::Gender::Male,
            "she" | "her" | "hers" | "herself" => lexicon::Gender::Female,
            _ if is_capitalised(t.text) => return false,
            _ => continue,
        };
        return said == gender;
    }
    false
}

/// A bare title used as a name: "the Captain", "the Doctor" (resolved later to the one
/// character holding that title, if exactly one does).
#[derive(Debug, Clone)]
pub struct TitleRef {
    pub tok: usize,
    /// The title, lower case ("captain").
    pub title: String,
}

/// Titles that stand alone as references.
const BARE_TITLES: &[&str] = &[
    "captain",
    "colonel",
    "major",
    "general",
    "admiral",
    "doctor",
    "judge",
    "professor",
    "squire",
    "parson",
    "vicar",
    "rector",
    "sergeant",
    "lieutenant",
    "duke",
    "duchess",
    "count",
    "countess",
    "baron",
    "baroness",
    "marquis",
    "prince",
    "princess",
    "king",
    "queen",
    "governor",
    "inspector",
];

/// Finds "the Captain"-style references: a capitalised bare title after "the", not followed
/// by a name.
pub fn find_title_refs(tokens: &[Token]) -> Vec<TitleRef> {
    let mut out = Vec::new();
    for i in 1..tokens.len() {
        let t = &tokens[i];
        if t.kind != Kind::Word || !is_capitalised(t.text) || t.heading {
            continue;
        }
        let l = lower(t.text);
        if !BARE_TITLES.contains(&l.as_str()) || !tokens[i - 1].text.eq_ignore_ascii_case("the") {
            continue;
        }
        let next_is_name = tokens
            .get(i + 1)
            .is_some_and(|n| n.kind == Kind::Word && is_capitalised(n.text));
        if !next_is_name {
            out.push(TitleRef { tok: i, title: l });
        }
    }
    out
}
