//! Tokenizer for prose: words (with inner apostrophes and hyphens), punctuation, and quote marks
//! classified as opening or closing; each word knows its sentence, paragraph, whether it starts
//! a sentence (or a quotation) and whether it is inside a quotation. One pass, no allocation per
//! token beyond the vector. Dialogue set off by dashes is read as quotation (`dashes`).

use super::dashes;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    Punct,
    OpenQuote,
    CloseQuote,
}

#[derive(Debug, Clone)]
pub struct Token<'a> {
    pub text: &'a str,
    pub start: usize,
    pub kind: Kind,
    /// First word of a sentence or of a quotation: its capital says nothing about names.
    pub sent_start: bool,
    pub in_quote: bool,
    pub sent: u32,
    pub para: u32,
    /// On a line with no lower-case letter (a chapter heading): no names are read there.
    pub heading: bool,
}

/// Abbreviations whose period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "messrs", "mme", "mlle", "jr", "sr", "capt", "col", "gen", "lt",
    "rev", "prof", "hon", "sgt", "maj", "esq", "vs", "etc", "mt", "ft", "no", "bros",
];

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Which single-quote style the text uses for dialogue (`‘…’` instead of `“…”`).
fn single_quote_dialogue(text: &str) -> bool {
    let doubles = text.matches('“').count() + text.matches('"').count();
    let singles = text.match_indices('‘').count();
    singles > 10 && singles > doubles * 2
}

/// Whether the dialogue is set in straight single quotes ('Come,' said Alice), as many plain
/// text editions print it: an apostrophe opening a word after a space is far more common than
/// double quotes, and than dashes opening speech (`dash_marks`). (Elisions such as 'tis open
/// words too, but are rare beside dialogue.)
fn straight_single_dialogue(text: &str, dash_marks: usize) -> bool {
    let doubles = text.matches('“').count() + text.matches('"').count();
    let b = text.as_bytes();
    let opens = (1..b.len().saturating_sub(1))
        .filter(|&i| {
            b[i] == b'\'' && b[i - 1].is_ascii_whitespace() && b[i + 1].is_ascii_alphabetic()
        })
        // a clitic split off its word ("sailor 's", "I 'd", as tokenised texts print them)
        .filter(|&i| !is_split_clitic(&b[i + 1..]))
        .count();
    opens > 10 && opens > doubles * 2 && opens > dash_marks
}

/// "s", "d", "ll", "re", "ve", "m", "t" ending a word: what follows an apostrophe that a
/// tokenised text has set apart from its word ("Wells 's", "I 'd").
fn is_split_clitic(after: &[u8]) -> bool {
    let len = after.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let word = &after[..len];
    matches!(
        word.to_ascii_lowercase().as_slice(),
        b"s" | b"d" | b"ll" | b"re" | b"ve" | b"m" | b"t"
    )
}

/// "the boys' tea": an apostrophe after a plural's "s" with a lower-case word after it.
fn plural_possessive(text: &str, i: usize) -> bool {
    let mut after = text[i + 1..].chars();
    text[..i].ends_with(['s', 'S'])
        && after.next() == Some(' ')
        && after.next().is_some_and(char::is_lowercase)
}

/// Whether a double-quoted speech left open at the line end `nl` goes on: the next quotation
/// mark after it closes one ("”", or a straight mark after a word), within a few lines. Where
/// each line is a paragraph, the next speech's opening mark comes first and the open one ends
/// with its paragraph, as before; where each line is a sentence, a speech of several
/// sentences runs on to its closing mark.
fn quote_runs_on(text: &str, nl: usize) -> bool {
    const REACH: usize = 2_000;
    let rest = &text[nl + 1..];
    let mut prev: Option<char> = None;
    for (k, c) in rest.char_indices() {
        if k > REACH {
            return false;
        }
        match c {
            '”' => return true,
            '“' => return false,
            '"' => return prev.is_some_and(|p| !p.is_whitespace()),
            _ => {}
        }
        prev = Some(c);
    }
    false
}

/// Whether a line opens with an indent before its words.
fn indents(line: &str) -> bool {
    line.starts_with([' ', '\t'])
        && line
            .trim_start_matches([' ', '\t'])
            .starts_with(|c: char| c != '\n' && c != '\r')
}

/// Whether the text wraps its lines and marks a paragraph by indenting its first line: some
/// lines open with an indent, not nearly all, and indents outnumber blank lines (a book that
/// parts its paragraphs by blank lines indents only its verse and letters).
fn indented_paragraphs(text: &str) -> bool {
    let (mut lines, mut indented, mut blank) = (0usize, 0usize, 0usize);
    for line in text.lines() {
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        lines += 1;
        indented += usize::from(indents(line));
    }
    lines >= 20 && indented * 20 >= lines && indented * 10 < lines * 9 && indented > blank
}

/// The width the text is wrapped at: the median length of its lines that run on into another
/// (0 when too few do to tell).
fn typical_line_chars(text: &str) -> usize {
    let mut lens: Vec<usize> = Vec::new();
    let mut lines = text.lines().map(str::trim_end).peekable();
    while let Some(l) = lines.next() {
        if lines.peek().is_some_and(|n| !n.trim().is_empty()) && !l.trim().is_empty() {
            lens.push(l.chars().count());
        }
    }
    if lens.len() < 10 {
        return 0;
    }
    let mid = lens.len() / 2;
    *lens.select_nth_unstable(mid).1
}

pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let singles = single_quote_dialogue(text);
    let dash_marks = dashes::speech_marks(text);
    let straight_singles = !singles && straight_single_dialogue(text, dash_marks);
    // Texts that wrap their lines and indent each paragraph's first one start a paragraph
    // there, blank lines or not (some leave them between sections only); other texts with no
    // blank lines put one paragraph (or sentence) on each line.
    let indented = indented_paragraphs(text);
    let line_paragraphs = !indented && !text.contains("\n\n") && !text.contains("\r\n\r\n");
    let dashes = !singles && !straight_singles && dashes::is_dash_dialogue(text, dash_marks);
    // the open quotation was opened by a dash; a tag broke one and it resumes after this byte
    let mut dash_quote = false;
    let mut resume_after: Option<usize> = None;
    let mut out: Vec<Token> = Vec::with_capacity(text.len() / 5);
    let mut sent = 0u32;
    let mut para = 0u32;
    let mut next_starts = true;
    let mut in_quote = false;
    let mut newlines = 0u32;
    let bytes = text.as_bytes();
    // Lines of verse (and of letters' headings) open with a capital whatever the sentence
    // does: a line well short of the book's wrapping width, with another line straight after
    // it, makes the next word a sentence start as far as its capital goes.
    let short_line = if line_paragraphs {
        0
    } else {
        typical_line_chars(text) * 3 / 4
    };
    let mut line_start = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\n' {
            newlines += 1;
            if line_paragraphs
                && in_quote
                && !singles
                && !straight_singles
                && !dashes
                && quote_runs_on(text, i)
            {
                // a sentence on each line: the speech goes on to the line its mark closes on
                next_starts = true;
            } else if newlines >= 2 || line_paragraphs || (indented && indents(&text[i + 1..])) {
                if !next_starts || in_quote {
                    sent += 1;
                }
                // a sentence on each line: one opening in lower case ("he said sternly .")
                // goes on with the paragraph before
                let continues = line_paragraphs
                    && newlines < 2
                    && text[i + 1..]
                        .trim_start_matches([' ', '\t'])
                        .starts_with(char::is_lowercase);
                if !continues {
                    para += 1;
                }
                next_starts = true;
                in_quote = false;
                dash_quote = false;
                resume_after = None;
            } else if text[line_start..i].trim().chars().count() < short_line {
                next_starts = true;
            }
            line_start = i + 1;
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        newlines = 0;
        if is_word_char(c) {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                let joins = (d == '\'' || d == '’' || d == '-')
                    && text[j + d.len_utf8()..]
                        .chars()
                        .next()
                        .is_some_and(is_word_char);
                if is_word_char(d) || joins {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Token {
                text: &text[i..end],
                start: i,
                kind: Kind::Word,
                sent_start: next_starts,
                in_quote,
                sent,
                para,
                heading: false,
            });
            next_starts = false;
            continue;
        }
        let prev_is_space = i == 0 || bytes[i - 1].is_ascii_whitespace();
        let next = text[i + c.len_utf8()..].chars().next();
        let mut kind = match c {
            // inside 'single-quoted' dialogue, double marks quote within a quotation
            '“' | '”' | '"' if straight_singles => Kind::Punct,
            '\'' if straight_singles => {
                if !in_quote && prev_is_space && next.is_some_and(|n| !n.is_whitespace()) {
                    Kind::OpenQuote
                } else if in_quote
                    && !prev_is_space
                    && next.is_none_or(|n| !n.is_alphanumeric())
                    && !plural_possessive(text, i)
                {
                    Kind::CloseQuote
                } else {
                    Kind::Punct
                }
            }
            '“' => Kind::OpenQuote,
            '”' => Kind::CloseQuote,
            '"' => {
                if in_quote {
                    Kind::CloseQuote
                } else {
                    Kind::OpenQuote
                }
            }
            '‘' if singles && prev_is_space => Kind::OpenQuote,
            '’' if singles && in_quote => {
                if next.is_none_or(|n| !n.is_alphanumeric()) {
                    Kind::CloseQuote
                } else {
                    Kind::Punct
                }
            }
            _ => Kind::Punct,
        };
        if dashes && kind == Kind::Punct {
            if !in_quote {
                let para_first = out.last().is_none_or(|t| t.para != para);
                let after_colon = out.last().is_some_and(|t| t.text == ":" && t.para == para);
                if let Some(len) = dashes::mark_at(text, i).filter(|_| para_first || after_colon) {
                    // "— Come up, Kinch!": the dash opens the speech
                    if len == 2 && c == '-' {
                        chars.next();
                    }
                    in_quote = true;
                    dash_quote = true;
                    next_starts = true;
                    resume_after = None;
                    out.push(Token {
                        text: &text[i..i + len],
                        start: i,
                        kind: Kind::OpenQuote,
                        sent_start: false,
                        in_quote,
                        sent,
                        para,
                        heading: false,
                    });
                    continue;
                }
                if let Some(end) = resume_after.filter(|&e| i >= e) {
                    // "he said, you dreadful bard!", "he cried briskly. That will do.": after
                    // its tag the speech goes on, at a comma straight after the tag (not one
                    // before a participle: "he said, turning") or at the tag's full stop
                    let next_word = text[i + c.len_utf8()..].trim_start();
                    let participle = next_word
                        .split(|ch: char| !ch.is_alphanumeric())
                        .next()
                        .is_some_and(|w| {
                            w.chars().next().is_some_and(char::is_lowercase)
                                && (w.ends_with("ing") || w.ends_with("ed"))
                        });
                    let reopens = match c {
                        ',' => text[end..i].trim().is_empty() && !participle,
                        '.' | '!' | '?' | ';' => true,
                        _ => false,
                    };
                    if reopens {
                        kind = Kind::OpenQuote;
                        dash_quote = true;
                        resume_after = None;
                    } else if c != ',' {
                        resume_after = None;
                    }
                }
            } else if dash_quote && matches!(c, ',' | '!' | '?') {
                // "— Thanks, old chap, he cried briskly.": a narrator's tag breaks the speech
                if let Some(end) = dashes::tag_after(text, i + c.len_utf8(), c != ',') {
                    kind = Kind::CloseQuote;
                    resume_after = Some(end);
                }
            }
        }
        match kind {
            Kind::OpenQuote => {
                in_quote = true;
                next_starts = true;
            }
            Kind::CloseQuote => in_quote = false,
            _ => {}
        }
        out.push(Token {
            text: &text[i..i + c.len_utf8()],
            start: i,
            kind,
            sent_start: false,
            in_quote,
            sent,
            para,
            heading: false,
        });
        if matches!(c, '.' | '!' | '?') {
            let abbrev = c == '.' && out.len() >= 2 && out[out.len() - 2].kind == Kind::Word && {
                let w = out[out.len() - 2].text;
                ABBREVIATIONS.contains(&w.to_ascii_lowercase().as_str())
                    || (w.chars().count() == 1 && w.chars().all(char::is_uppercase))
            };
            if !abbrev {
                sent += 1;
                next_starts = true;
            }
        }
    }
    mark_headings(text, &mut out);
    out
}

/// Flags tokens on lines that have letters but none in lower case.
fn mark_headings(text: &str, toks: &mut [Token]) {
    let mut line_start = 0;
    let mut t = 0;
    for line in text.split_inclusive('\n') {
        let end = line_start + line.len();
        let heading =
            line.chars().any(char::is_alphabetic) && !line.chars().any(char::is_lowercase);
        while t < toks.len() && toks[t].start < end {
            toks[t].heading = heading;
            t += 1;
        }
        line_start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words<'a>(t: &'a [Token<'a>]) -> Vec<(&'a str, bool, bool)> {
        t.iter()
            .filter(|t| t.kind == Kind::Word)
            .map(|t| (t.text, t.sent_start, t.in_quote))
            .collect()
    }

    #[test]
    fn sentences_quotes_and_abbreviations() {
        let toks = tokenize("Mr. Rochester came. “Jane, don’t go,” he said.\n\nThe end.");
        let w = words(&toks);
        assert_eq!(w[0], ("Mr", true, false));
        assert_eq!(w[1], ("Rochester", false, false)); // no sentence break after "Mr."
        assert_eq!(w[3], ("Jane", true, true)); // quotation start
        assert_eq!(w[4], ("don’t", false, true));
        assert_eq!(w[6], ("he", false, false));
        assert_eq!(w[8], ("The", true, false));
        assert!(toks.iter().any(|t| t.kind == Kind::OpenQuote));
        assert!(toks.iter().any(|t| t.kind == Kind::CloseQuote));
        assert_eq!(toks.last().unwrap().para, 1);
    }

    #[test]
    fn straight_quotes_toggle_and_reset_per_paragraph() {
        let toks = tokenize("\"Come,\" said Meg.\n\n\"No\n\n\"Yes,\" said Jo.");
        let w = words(&toks);
        assert_eq!(w[1], ("said", false, false));
        assert_eq!(w[3], ("No", true, true));
        assert_eq!(w[4], ("Yes", true, true));
        assert_eq!(w[5], ("said", false, false));
    }

    #[test]
    fn straight_single_quotes_carry_dialogue_where_the_book_uses_them() {
        let mut t = String::new();
        for _ in 0..6 {
            t.push_str(
                "'Come here,' said Alice. 'I can't,' said the Cat, 'it's the boys' tea.'\n\n",
            );
        }
        let toks = tokenize(&t);
        let w = words(&toks);
        assert_eq!(w[0], ("Come", true, true));
        assert_eq!(w[2], ("said", false, false));
        assert_eq!(w[4], ("I", true, true));
        assert_eq!(w[5], ("can't", false, true));
        assert_eq!(w[6], ("said", false, false));
        assert_eq!(w[9], ("it's", true, true));
        assert_eq!(w[12], ("tea", false, true));
        assert_eq!(w[13], ("Come", true, true));
        // a text with double-quoted dialogue keeps its apostrophes as apostrophes
        let d = tokenize("\"Come,\" said Jo. 'Tis late, 'twas said.");
        assert!(!d.iter().any(|t| t.text == "'" && t.kind != Kind::Punct));
    }

    #[test]
    fn an_indented_first_line_opens_a_paragraph_where_lines_are_wrapped() {
        // no blank lines: the lines are wrapped, and an indent marks each new paragraph
        let mut t = String::new();
        for _ in 0..12 {
            t.push_str(
                "    Anna Mayhew folded her arms across her chest and looked\n\
                 out at the rain.\n\
                 \u{20}   Tom Brand said nothing.\n",
            );
        }
        let toks = tokenize(&t);
        let para = |w: &str| toks.iter().find(|k| k.text == w).unwrap().para;
        assert_eq!(
            para("Anna"),
            para("rain"),
            "a wrapped line goes on with its paragraph"
        );
        assert_eq!(
            para("Tom"),
            para("rain") + 1,
            "an indented line opens the next"
        );
        // the same with blank lines between sections only
        let sections = format!("CHAPTER I\n\n{t}\nCHAPTER II\n\n{t}");
        let toks = tokenize(&sections);
        let para = |w: &str| toks.iter().find(|k| k.text == w).unwrap().para;
        assert_eq!(para("Anna"), para("rain"));
        assert_eq!(para("Tom"), para("rain") + 1);
    }

    #[test]
    fn indented_verse_in_a_book_of_blank_line_paragraphs_stays_one_paragraph() {
        let mut t = String::new();
        for _ in 0..12 {
            t.push_str("Anna Mayhew sang the old song to them.\n\n    The rain is on the hill,\n    the wind is on the sea.\n\nTom Brand said nothing.\n\n");
        }
        let toks = tokenize(&t);
        let para = |w: &str| toks.iter().find(|k| k.text == w).unwrap().para;
        assert_eq!(para("hill"), para("sea"), "{t}");
    }

    #[test]
    fn hyphens_and_apostrophes_stay_inside_words() {
        let toks = tokenize("Mary-Anne's well-known tea -- fine.");
        let w = words(&toks);
        assert_eq!(w[0].0, "Mary-Anne's");
        assert_eq!(w[1].0, "well-known");
    }
}
