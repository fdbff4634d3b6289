//! Small text helpers shared by stages: safe file names, previews, word-ish tokens.

/// `{safe_name}` of a prompt file: lowercase ASCII letters and digits joined by `_`.
pub fn safe_name(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() {
        "character".into()
    } else {
        out
    }
}

/// The first `max_chars` characters of `s`, whitespace collapsed, with an ellipsis when cut.
pub fn preview(s: &str, max_chars: usize) -> String {
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max_chars {
        return collapsed;
    }
    let mut cut: String = collapsed
        .chars()
        .take(max_chars.saturating_sub(1))
        .collect();
    cut.push('…');
    cut
}

/// Lowercased alphanumeric words of `s`.
pub fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

/// Common English words that carry no retrieval signal.
pub fn is_stopword(w: &str) -> bool {
    const STOP: &[&str] = &[
        "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
        "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "doing",
        "for", "from", "had", "has", "have", "having", "he", "her", "here", "hers", "herself",
        "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself",
        "just", "me", "might", "more", "most", "my", "myself", "no", "nor", "not", "now", "of",
        "off", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "same",
        "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them",
        "then", "there", "these", "they", "this", "those", "through", "to", "too", "under",
        "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while",
        "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "tell",
        "think", "feel", "really", "please", "much", "many", "ever", "s", "t", "don't", "i'm",
        "you're", "let",
    ];
    w.chars().count() <= 1 || STOP.contains(&w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_are_plain() {
        assert_eq!(safe_name("Mr. Rochester"), "mr_rochester");
        assert_eq!(safe_name("  Jane  Eyre "), "jane_eyre");
        assert_eq!(safe_name("Zoë"), "zo");
        assert_eq!(safe_name("..."), "character");
    }

    #[test]
    fn previews_are_cut() {
        assert_eq!(preview("a  b\nc", 10), "a b c");
        assert_eq!(preview("abcdefghij", 5), "abcd…");
    }

    #[test]
    fn stopwords_sorted() {
        // a few spread-out members
        for w in ["a", "the", "you", "with", "don't", "let"] {
            assert!(is_stopword(w), "{w}");
        }
        assert!(!is_stopword("rochester"));
    }
}
