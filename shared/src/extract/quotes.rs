//! Who said what. Finds every quotation (the pieces of one split by its speech tag, and a speech
//! that runs over several paragraphs) and gives it a speaker only where the text makes the
//! speaker clear: a verb of speech beside a name or a pronoun that resolves to one person, the
//! paragraph that tag belongs to, or strict turn-taking between two known speakers. A tag that
//! names someone outside the cast ("said the count") gives its line to no one, and a line that
//! calls a character by name is not theirs. Each attribution carries a confidence; the persona
//! writer takes only the confident ones.

use std::collections::HashMap;

use super::lexicon::{self, Gender};
use super::tokens::{Kind, Token};

/// One quotation with its speaker.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    /// Byte range of the quoted words (inside the marks).
    pub start: usize,
    pub end: usize,
    pub entity: usize,
    pub confidence: f32,
    /// The paragraph the quotation opens in.
    pub para: u32,
}

/// A speaker: a character, the unnamed first-person narrator, or someone the tag names who is
/// no character ("said the count", "a voice said"): that line is nobody's, and no neighbour's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Speaker {
    Entity(usize),
    Narrator,
    Outsider,
}

/// Words that open a noun phrase which names no one in particular ("the", "a", "his").
fn determiner(t: &Token) -> bool {
    t.kind == Kind::Word && lexicon::is_determiner(&lower(t))
}

/// What the attribution pass needs to know about the characters.
pub struct Cast<'a> {
    /// token index → entity, for the first token of each person mention (and its title)
    pub mention_at: &'a HashMap<usize, usize>,
    /// token index one past a person mention's last token → (entity, first token incl. title)
    pub mention_end: &'a HashMap<usize, (usize, usize)>,
    pub gender: &'a [Option<Gender>],
    /// The named first-person narrator, if the book has one.
    pub narrator: Option<usize>,
}

/// Confidence of each way of knowing the speaker.
const NAMED_TAG: f32 = 0.95;
const NARRATOR_TAG: f32 = 0.9;
const PRONOUN_TAG: f32 = 0.85;
const PRONOUN_TAG_CROWDED: f32 = 0.6;
const SAME_PARAGRAPH: f32 = 0.95;
const CONTINUED: f32 = 0.95;
const ALTERNATION: f32 = 0.8;
const ALTERNATION_DECAY: f32 = 0.85;
/// Paragraphs back that a pronoun's antecedent and the salient speakers are looked for.
const SALIENCE_PARAS: u32 = 3;

struct RawQuote {
    open: usize,
    /// the closing mark, or one past the paragraph's last token
    close: usize,
    closed: bool,
    para: u32,
    start: usize,
    end: usize,
}

fn find_quotes(text: &str, toks: &[Token]) -> Vec<RawQuote> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i].kind != Kind::OpenQuote {
            i += 1;
            continue;
        }
        let para = toks[i].para;
        let mut close = i + 1;
        while close < toks.len()
            && toks[close].para == para
            && !matches!(toks[close].kind, Kind::CloseQuote | Kind::OpenQuote)
        {
            close += 1;
        }
        let closed = toks.get(close).is_some_and(|t| t.kind == Kind::CloseQuote);
        let start = toks[i].start + toks[i].text.len();
        let end = if closed {
            toks[close].start
        } else {
            // up to the end of the paragraph's last token
            toks[i + 1..close]
                .last()
                .map_or(start, |t| t.start + t.text.len())
        };
        if end > start && text[start..end].chars().any(char::is_alphabetic) {
            out.push(RawQuote {
                open: i,
                close,
                closed,
                para,
                start,
                end,
            });
        }
        i = if closed { close + 1 } else { close.max(i + 1) };
    }
    out
}

fn lower(t: &Token) -> String {
    t.text.to_lowercase()
}

fn is_speech_verb(t: &Token) -> bool {
    t.kind == Kind::Word && !t.in_quote && lexicon::is_speech_verb(&lower(t))
}

/// Per-paragraph facts for pronoun resolution and turn-taking.
#[derive(Default)]
struct Salience {
    /// (paragraph, entity) of person mentions in narration, in text order
    mentions: Vec<(u32, usize)>,
    /// (paragraph, speaker) of explicitly tagged quotations
    tagged: Vec<(u32, Speaker)>,
    /// whether each of `mentions` opens its sentence
    mention_opens: Vec<bool>,
    /// (paragraph, gender, mentions recorded before it) of each "he"/"she" in narration
    pronouns: Vec<(u32, Gender, usize)>,
}

impl Salience {
    /// The one person of this gender the narration or the tagged speakers of the last few
    /// paragraphs can mean; with several, the one named last in this paragraph (less sure).
    fn resolve(&self, g: Gender, para: u32, cast: &Cast) -> Option<(usize, f32)> {
        let lo = para.saturating_sub(SALIENCE_PARAS);
        let mut cands: Vec<usize> = Vec::new();
        let mut push = |e: usize| {
            if cast.gender.get(e).copied().flatten() == Some(g) && !cands.contains(&e) {
                cands.push(e);
            }
        };
        for &(p, e) in self.mentions.iter().rev() {
            if p < lo {
                break;
            }
            push(e);
        }
        for &(p, s) in self.tagged.iter().rev() {
            if p < lo {
                break;
            }
            if let Speaker::Entity(e) = s {
                push(e);
            }
        }
        match cands.as_slice() {
            [] => None,
            [e] => Some((*e, PRONOUN_TAG)),
            _ => {
                let of_g = |e: usize| cast.gender.get(e).copied().flatten() == Some(g);
                let here = self.mentions.len()
                    - self
                        .mentions
                        .iter()
                        .rev()
                        .take_while(|(p, _)| *p == para)
                        .count();
                let last = (here..self.mentions.len())
                    .rev()
                    .find(|&i| of_g(self.mentions[i].1))?;
                let named = self.mentions[last].1;
                // "he hoped Fielding would come … he cried": a "he" of this paragraph that
                // comes before Fielding is first named here is someone else, and the later
                // "he" goes on with him (the last man named before that first "he"). A name
                // that opens a sentence ("He started to fetch it. Aziz was sitting up in
                // bed") takes the topic over.
                let first = (here..=last)
                    .find(|&i| self.mentions[i].1 == named)
                    .unwrap_or(last);
                let opens = self.mention_opens.get(first).copied().unwrap_or(false);
                let topic = self
                    .pronouns
                    .iter()
                    .rev()
                    .take_while(|&&(p, _, _)| p == para)
                    .filter(|&&(_, pg, at)| pg == g && at <= first && !opens)
                    .last()
                    .and_then(|&(_, _, at)| {
                        self.mentions[..at]
                            .iter()
                            .rev()
                            .take_while(|(p, _)| *p >= lo)
                            .map(|&(_, e)| e)
                            .find(|&e| e != named && of_g(e))
                    });
                Some((topic.unwrap_or(named), PRONOUN_TAG_CROWDED))
            }
        }
    }
}

/// The gender of a "he" or "she" (no lower-cased copy: this runs on every word of narration).
fn pronoun_gender(t: &Token) -> Option<Gender> {
    if t.kind != Kind::Word {
        None
    } else if t.text.eq_ignore_ascii_case("he") {
        Some(Gender::Male)
    } else if t.text.eq_ignore_ascii_case("she") {
        Some(Gender::Female)
    } else {
        None
    }
}

/// The speaker a pronoun names: "he", "she" resolved, or "I".
fn pronoun_speaker(t: &Token, para: u32, cast: &Cast, sal: &Salience) -> Option<(Speaker, f32)> {
    if let Some(g) = pronoun_gender(t) {
        return sal
            .resolve(g, para, cast)
            .map(|(e, c)| (Speaker::Entity(e), c));
    }
    (t.kind == Kind::Word && t.text.eq_ignore_ascii_case("i")).then_some(match cast.narrator {
        Some(e) => (Speaker::Entity(e), NARRATOR_TAG),
        None => (Speaker::Narrator, NARRATOR_TAG),
    })
}

fn lowercase(t: &Token) -> bool {
    t.kind == Kind::Word && t.text.starts_with(char::is_lowercase)
}

fn is_subject_pronoun(t: &Token) -> bool {
    t.kind == Kind::Word
        && matches!(
            lower(t).as_str(),
            "he" | "she" | "i" | "they" | "we" | "you" | "it" | "who" | "one"
        )
}

/// The auxiliary of a verb of speech told in the past of the past: "had said", "has asked".
fn is_auxiliary(t: &Token) -> bool {
    t.kind == Kind::Word && matches!(lower(t).as_str(), "had" | "has" | "have")
}

/// Words after a verb of speech that make it no speech tag: "said nothing", "said no more".
fn negates(t: Option<&Token>) -> bool {
    t.is_some_and(|t| {
        matches!(
            lower(t).as_str(),
            "nothing" | "no" | "not" | "little" | "so" | "it" | "that" | "this" | "something"
        )
    })
}

/// Words before a name that make it an object, not the speaker ("glancing at Elinor, replied").
fn governs(t: Option<&Token>) -> bool {
    t.is_some_and(|t| {
        matches!(
            lower(t).as_str(),
            "at" | "to"
                | "with"
                | "on"
                | "upon"
                | "for"
                | "of"
                | "from"
                | "by"
                | "towards"
                | "toward"
                | "about"
                | "into"
                | "than"
                | "and"
                | "like"
        )
    })
}

/// The speaker of a verb of speech at `v`: the subject right before it ("Emma said", "Mr.
/// John Knightley replied", "he asked Katharine") or, failing that, right after it ("said
/// Emma", "said he").
fn speaker_of_verb(
    toks: &[Token],
    v: usize,
    from: usize,
    to: usize,
    para: u32,
    cast: &Cast,
    sal: &Salience,
) -> Option<(Speaker, f32)> {
    if negates(toks.get(v + 1).filter(|_| v + 1 < to)) {
        return None;
    }
    // "Cantwell had answered": the subject stands before the auxiliary (not in "if she had
    // said, ...", which is no speech at all)
    let hypothetical = (from..v)
        .rev()
        .take(5)
        .any(|j| matches!(lower(&toks[j]).as_str(), "if" | "unless" | "though"));
    let s = if v > from + 1 && is_auxiliary(&toks[v - 1]) && !hypothetical {
        v - 1
    } else {
        v
    };
    if s > from {
        if let Some(&(e, start)) = cast.mention_end.get(&s) {
            if start >= from && !governs(start.checked_sub(1).and_then(|p| toks.get(p))) {
                return Some((Speaker::Entity(e), NAMED_TAG));
            }
        }
        // "he asked Fagin": the pronoun is the speaker, resolved or not
        if is_subject_pronoun(&toks[s - 1]) {
            return pronoun_speaker(&toks[s - 1], para, cast, sal);
        }
        // "the count said", "a tall man said": a speaker outside the cast
        let phrase: Vec<usize> = (from..s)
            .rev()
            .take_while(|&j| toks[j].kind == Kind::Word)
            .take(3)
            .collect();
        if phrase.len() >= 2
            && phrase
                .iter()
                .position(|&j| determiner(&toks[j]))
                .is_some_and(|d| d >= 1 && phrase[..d].iter().all(|&j| lowercase(&toks[j])))
        {
            return Some((Speaker::Outsider, NAMED_TAG));
        }
    }
    // "and warned Aziz", "turned and asked Fagin": the verb goes on with a subject before
    // it, and the name after it is whom it is said to
    if s > from
        && ["and", "but"]
            .iter()
            .any(|c| toks[s - 1].text.eq_ignore_ascii_case(c))
    {
        return None;
    }
    let n = v + 1;
    if n >= to {
        return None;
    }
    // "said the count", "said a voice": unless a character's name follows the article
    if determiner(&toks[n])
        && toks.get(n + 1).is_some_and(lowercase)
        && !(n + 1..to.min(n + 4)).any(|j| cast.mention_at.contains_key(&j))
    {
        return Some((Speaker::Outsider, NAMED_TAG));
    }
    if let Some(&e) = cast.mention_at.get(&n) {
        // "rejoined Oliver's benefactress" names someone else
        let possessive = toks[n..to.min(n + 4)]
            .iter()
            .take_while(|t| t.text == "." || t.text.starts_with(char::is_uppercase))
            .any(|t| t.text.ends_with("'s") || t.text.ends_with("’s"));
        return (!possessive).then_some((Speaker::Entity(e), NAMED_TAG));
    }
    pronoun_speaker(&toks[n], para, cast, sal)
}

/// The speech tag after a quotation (`”, said Emma` / `” Emma replied` / `”, he said`), or
/// before one (`Emma said, “` / `said she: “`). `from..to` is the narration between marks.
#[allow(clippy::too_many_arguments)]
fn tag_in(
    toks: &[Token],
    from: usize,
    to: usize,
    quote_end: Option<&Token>,
    para: u32,
    cast: &Cast,
    sal: &Salience,
) -> Option<(Speaker, f32)> {
    if from >= to {
        return None;
    }
    let verbs: Vec<usize> = if let Some(last) = quote_end {
        // The tag opens the narration, in the quotation's sentence: `, said Emma`. After a
        // full stop only a bare tag counts ("Yes." Emma said.), not "Emma said no more".
        let full_stop = last.text == ".";
        let words: Vec<usize> = (from..to)
            .filter(|&j| toks[j].kind == Kind::Word)
            .take(4)
            .take_while(|&j| toks[j].sent == toks[from].sent)
            .collect();
        let v = words.iter().copied().find(|&j| is_speech_verb(&toks[j]));
        match v {
            Some(v) if full_stop => {
                let ends = toks
                    .get(v + 1)
                    .is_none_or(|t| t.kind != Kind::Word || t.sent != toks[v].sent);
                let subject_ends = toks.get(v + 2).is_none_or(|t| t.kind != Kind::Word);
                if ends || subject_ends {
                    vec![v]
                } else {
                    vec![]
                }
            }
            Some(v) => vec![v],
            None => vec![],
        }
    } else {
        // The tag closes the narration and introduces the quotation: `Emma said, “`.
        let last = to - 1;
        if !matches!(toks[last].text, "," | ":" | "—" | "-" | "--") {
            return None;
        }
        (from..last)
            .rev()
            .filter(|&j| toks[j].kind == Kind::Word)
            .take(4)
            .filter(|&j| is_speech_verb(&toks[j]))
            .take(1)
            .collect()
    };
    verbs
        .into_iter()
        .find_map(|v| speaker_of_verb(toks, v, from, to, para, cast, sal))
}

/// Whether the quotation calls `e` by name, set off as one speaks to someone ("Have you
/// brought them, Helen?", "Henry, come in"): then `e` is the one spoken to, not the speaker.
fn addresses(toks: &[Token], q: &RawQuote, e: usize, cast: &Cast) -> bool {
    let set_off = |t: Option<&Token>| {
        t.is_some_and(|t| {
            matches!(t.kind, Kind::OpenQuote | Kind::CloseQuote)
                || matches!(t.text, "," | "?" | "!" | "." | ";")
        })
    };
    (q.open + 1..q.close).any(|j| {
        cast.mention_at.get(&j) == Some(&e)
            && set_off(toks.get(j - 1))
            && (j + 1..(j + 6).min(q.close + 1))
                .any(|end| cast.mention_end.get(&end) == Some(&(e, j)) && set_off(toks.get(end)))
    })
}

/// Attributes every quotation it can; the rest are left out.
pub fn attribute(text: &str, toks: &[Token], cast: &Cast) -> Vec<Attribution> {
    let quotes = find_quotes(text, toks);
    let mut out = Vec::new();
    let mut sal = Salience::default();
    let mut next_tok = 0usize; // narration mentions are recorded up to here
                               // the speakers of the last dialogue paragraphs: (paragraph, speaker, confidence)
    let mut turns: Vec<(u32, Speaker, f32)> = Vec::new();
    let mut prev_unclosed: Option<(u32, Option<(Speaker, f32)>)> = None;
    let mut qi = 0;
    while qi < quotes.len() {
        let para = quotes[qi].para;
        let mut qj = qi;
        while qj < quotes.len() && quotes[qj].para == para {
            qj += 1;
        }
        let group = &quotes[qi..qj];
        // Narration mentions before the paragraph's first quotation feed pronoun resolution.
        let record = |sal: &mut Salience, from: usize, to: usize| {
            for (j, t) in toks.iter().enumerate().take(to).skip(from) {
                if !t.in_quote {
                    if let Some(&e) = cast.mention_at.get(&j) {
                        if sal.mentions.last() != Some(&(t.para, e)) {
                            sal.mentions.push((t.para, e));
                            sal.mention_opens.push(t.sent_start);
                        }
                    } else if let Some(g) = pronoun_gender(t) {
                        sal.pronouns.push((t.para, g, sal.mentions.len()));
                    }
                }
            }
        };
        record(&mut sal, next_tok, group[0].open);
        let para_start = (0..group[0].open)
            .rev()
            .take_while(|&j| toks[j].para == para)
            .last()
            .unwrap_or(group[0].open);
        let para_end = (group[group.len() - 1].close..toks.len())
            .take_while(|&j| toks[j].para == para)
            .last()
            .map_or(group[group.len() - 1].close, |j| j + 1);
        // Each quotation's own tag: right after it, or right before it.
        let mut tags: Vec<Option<(Speaker, f32)>> = Vec::with_capacity(group.len());
        let mut after_tag_used = false;
        for (k, q) in group.iter().enumerate() {
            let after_from = (q.close + 1).min(para_end);
            let after_to = group.get(k + 1).map_or(para_end, |n| n.open);
            let before_from = if k == 0 {
                para_start
            } else {
                group[k - 1].close + 1
            };
            let after = if q.closed {
                // the mark before the closing quote: "," or "?" or "."
                let end_mark = toks[q.open + 1..q.close].last();
                tag_in(toks, after_from, after_to, end_mark, para, cast, &sal)
            } else {
                None
            };
            // Narration between two pieces of one speech is the first piece's tag
            // (`“I hope,” said Oliver, when Mrs. Maylie returned, “that…”`): the second piece
            // is the same speaker's. Narration that runs on into a sentence of its own with
            // a tag of its own (`he said, meaning it. Aziz retorted, “…”`) tags the second.
            let own = || tag_in(toks, before_from, q.open, None, para, cast, &sal);
            let before = || match (k, after_tag_used) {
                (1.., true) if toks[before_from].sent == toks[q.open - 1].sent => tags[k - 1],
                (1.., true) => own().or(tags[k - 1]),
                _ => own(),
            };
            let tag = after.or_else(before);
            after_tag_used = after.is_some();
            tags.push(tag);
            // narration up to the next quotation is now read
            record(&mut sal, after_from, after_to);
        }
        record(&mut sal, para_start, para_end);
        next_tok = para_end;
        let distinct: Vec<Speaker> = tags.iter().flatten().fold(Vec::new(), |mut v, (s, _)| {
            if !v.contains(s) {
                v.push(*s);
            }
            v
        });
        let para_speaker: Option<(Speaker, f32)> = match distinct.as_slice() {
            [s] => tags
                .iter()
                .flatten()
                .filter(|(t, _)| t == s)
                .map(|&(t, c)| (t, c))
                .max_by(|a, b| a.1.total_cmp(&b.1)),
            _ => None,
        };
        // No tag at all: a speech continued from the last paragraph, or turn-taking.
        let starts_with_quote = group[0].open == para_start;
        let narration_names =
            (para_start..para_end).any(|j| !toks[j].in_quote && cast.mention_at.contains_key(&j));
        let inferred = if distinct.is_empty() {
            match prev_unclosed {
                Some((p, Some((s, c)))) if p + 1 == para && starts_with_quote => {
                    Some((s, c * CONTINUED))
                }
                _ if starts_with_quote && !narration_names => {
                    // strict alternation: the last two dialogue paragraphs were A and B, in
                    // the two paragraphs just before this one
                    match turns.as_slice() {
                        [.., (pb, b, cb), (pa, a, ca)]
                            if *pa + 1 == para && *pb + 2 == para && a != b =>
                        {
                            Some((*b, (cb.min(*ca) * ALTERNATION_DECAY).min(ALTERNATION)))
                        }
                        _ => None,
                    }
                }
                _ => None,
            }
        } else {
            None
        };
        for (k, q) in group.iter().enumerate() {
            let who = match (&tags[k], para_speaker, inferred) {
                (Some(t), _, _) => Some(*t),
                (None, Some((s, c)), _) => Some((s, c * SAME_PARAGRAPH)),
                (None, None, Some(i)) => Some(i),
                _ => None,
            };
            if let Some((Speaker::Entity(e), c)) = who {
                if addresses(toks, q, e, cast) {
                    continue;
                }
                out.push(Attribution {
                    start: q.start,
                    end: q.end,
                    entity: e,
                    confidence: c,
                    para: q.para,
                });
            }
        }
        for t in tags.iter().flatten() {
            if t.1 >= PRONOUN_TAG && sal.tagged.last() != Some(&(para, t.0)) {
                sal.tagged.push((para, t.0));
            }
        }
        let turn = para_speaker.or(inferred);
        match turn {
            Some((s, c)) if distinct.len() <= 1 => {
                if turns.last().is_some_and(|(p, _, _)| *p + 1 < para) {
                    turns.clear();
                }
                turns.push((para, s, c));
            }
            _ => turns.clear(),
        }
        let last = &group[group.len() - 1];
        prev_unclosed = (!last.closed).then_some((para, turn));
        qi = qj;
    }
    out
}
