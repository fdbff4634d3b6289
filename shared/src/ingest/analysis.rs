//! The persona analysis (pass 1's output): its type and JSON schema (one definition, sent to
//! the model as `response_format` or a forced tool), a tolerant reader for what models really
//! answer (code fences, prose around the object, trailing commas, single quotes, Python
//! literals), and the deterministic analysis built from the extraction evidence when no model
//! answer can be read.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::extract::CharacterProfile;

/// Pass 1's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub psychology: String,
    pub voice: String,
    #[serde(default)]
    pub motivations: Vec<String>,
    #[serde(default)]
    pub relationships: Vec<Value>,
    #[serde(default)]
    pub signature_themes: Vec<String>,
}

/// Where an analysis came from (`personality_traits.source`, and the label of
/// `processing_characters_processed_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The model's answer, read as it came.
    Model,
    /// The model's answer after tolerant reading or one repair request.
    Repaired,
    /// Built from the extraction evidence: the model's answers could not be read.
    Evidence,
    /// The offline deterministic responder (no model).
    Offline,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Model => "model",
            Source::Repaired => "repaired",
            Source::Evidence => "evidence",
            Source::Offline => "offline",
        }
    }
}

impl Analysis {
    /// The schema name the providers are told.
    pub const SCHEMA_NAME: &'static str = "character_analysis";

    /// The JSON schema of `Analysis`, written once beside the type (a test checks that every
    /// field is in it and that an answer shaped by it deserialises).
    pub fn schema() -> Value {
        let strings = json!({"type": "array", "items": {"type": "string"}});
        json!({
            "type": "object",
            "properties": {
                "psychology": {"type": "string", "description": "inner life, temperament, contradictions"},
                "voice": {"type": "string", "description": "diction, rhythm, verbal habits"},
                "motivations": strings,
                "relationships": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "nature": {"type": "string"}},
                    "required": ["name", "nature"],
                    "additionalProperties": false
                }},
                "signature_themes": strings,
            },
            "required": ["psychology", "voice", "motivations", "relationships", "signature_themes"],
            "additionalProperties": false
        })
    }

    fn valid(self) -> Result<Analysis, String> {
        if self.psychology.trim().is_empty() || self.voice.trim().is_empty() {
            return Err("psychology and voice must not be empty".into());
        }
        Ok(self)
    }

    /// An analysis from the extraction evidence alone: gender, descriptors, actions, relations
    /// and the character's confident quotes. Plain, but true to the book.
    pub fn from_evidence(p: &CharacterProfile) -> Analysis {
        let pronoun = match p.gender {
            Some(crate::extract::lexicon::Gender::Male) => "He",
            Some(crate::extract::lexicon::Gender::Female) => "She",
            None => "They",
        };
        let mut psychology = format!("{} is a character of the book", p.name);
        if !p.aliases.is_empty() {
            psychology.push_str(&format!(", also called {}", p.aliases.join(", ")));
        }
        psychology.push('.');
        if let Some(d) = p.descriptors.first() {
            psychology.push_str(&format!(" The book describes them so: \"{d}\""));
        }
        if !p.actions.is_empty() {
            psychology.push_str(&format!(
                " {pronoun} is often seen to {}.",
                p.actions
                    .iter()
                    .take(5)
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let voice = if p.quotes.is_empty() {
            "No lines of their own are known; speak plainly and in the book's period.".to_string()
        } else {
            let words: usize = p.quotes.iter().map(|q| q.split_whitespace().count()).sum();
            let avg = words / p.quotes.len();
            let asks = p.quotes.iter().filter(|q| q.contains('?')).count();
            let exclaims = p.quotes.iter().filter(|q| q.contains('!')).count();
            let mut v = format!(
                "{} sentences, about {avg} words a line",
                if avg <= 12 { "Short" } else { "Long, composed" }
            );
            if asks * 3 >= p.quotes.len() {
                v.push_str("; asks questions often");
            }
            if exclaims * 3 >= p.quotes.len() {
                v.push_str("; exclaims readily");
            }
            v.push_str(&format!(". In their own words: \"{}\"", p.quotes[0]));
            v
        };
        Analysis {
            psychology,
            voice,
            motivations: Vec::new(),
            relationships: p
                .relations
                .iter()
                .take(6)
                .map(|r| json!({"name": r.name, "nature": format!("appears beside them {} times", r.count)}))
                .collect(),
            signature_themes: Vec::new(),
        }
    }
}

/// Reads an analysis from a model's answer. `Ok((analysis, false))` when the JSON object in it
/// parsed as it was; `Ok((analysis, true))` when it needed mending first.
pub fn parse_analysis(raw: &str) -> Result<(Analysis, bool), String> {
    let object = json_object(raw).ok_or("no JSON object in the answer")?;
    if let Ok(a) = serde_json::from_str::<Analysis>(object) {
        return a.valid().map(|a| (a, false));
    }
    let mended = mend(object);
    let value: Value = serde_json::from_str(&mended).map_err(|e| e.to_string())?;
    // "motivations": "to be loved" where a list was asked for
    let value = listify(value);
    let a: Analysis = serde_json::from_value(value).map_err(|e| e.to_string())?;
    a.valid().map(|a| (a, true))
}

/// The first balanced `{…}` in the text (strings and escapes respected), or from the first `{`
/// to the end when it never closes.
fn json_object(raw: &str) -> Option<&str> {
    let start = raw.find('{')?;
    let (mut depth, mut quote, mut escaped) = (0i32, None::<char>, false);
    for (i, c) in raw[start..].char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&raw[start..start + i + 1]);
                }
            }
            _ => {}
        }
    }
    Some(&raw[start..])
}

/// Mends the JSON that models write: single-quoted strings, Python literals, trailing commas,
/// and an object cut short (open strings and brackets closed).
fn mend(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut stack: Vec<char> = Vec::new();
    let mut chars = s.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            match c {
                '\\' => {
                    out.push(c);
                    if let Some(n) = chars.next() {
                        // \' is not a JSON escape
                        if n == '\'' {
                            out.pop();
                        }
                        out.push(n);
                    }
                }
                c if c == q => {
                    out.push('"');
                    quote = None;
                }
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
            continue;
        }
        match c {
            '"' | '\'' => {
                quote = Some(c);
                out.push('"');
            }
            '{' => {
                stack.push('}');
                out.push(c);
            }
            '[' => {
                stack.push(']');
                out.push(c);
            }
            '}' | ']' => {
                trim_trailing_comma(&mut out);
                stack.pop();
                out.push(c);
            }
            c if c.is_alphabetic() => {
                let mut word = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_alphanumeric() || n == '_' {
                        word.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push_str(match word.as_str() {
                    "True" => "true",
                    "False" => "false",
                    "None" => "null",
                    w => w,
                });
            }
            c => out.push(c),
        }
    }
    // cut short: close the string, drop a dangling key or comma, close what is open
    if quote.is_some() {
        out.push('"');
    }
    let t = out.trim_end();
    if t.ends_with(':') {
        out.push_str("null");
    }
    trim_trailing_comma(&mut out);
    while let Some(c) = stack.pop() {
        trim_trailing_comma(&mut out);
        out.push(c);
    }
    out
}

fn trim_trailing_comma(out: &mut String) {
    let t = out.trim_end().len();
    out.truncate(t);
    if out.ends_with(',') {
        out.pop();
    }
}

/// A single string where the schema wants a list becomes a one-item list.
fn listify(mut v: Value) -> Value {
    for k in ["motivations", "signature_themes", "relationships"] {
        if let Some(x) = v.get_mut(k) {
            match x {
                Value::String(s) => *x = json!([s.clone()]),
                Value::Null => *x = json!([]),
                _ => {}
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{"psychology":"proud","voice":"terse","motivations":["glory"],"relationships":[{"name":"Basil","nature":"friend"}],"signature_themes":["beauty"]}"#;

    #[test]
    fn clean_json_is_read_as_it_came() {
        let (a, mended) = parse_analysis(OK).unwrap();
        assert!(!mended);
        assert_eq!(a.psychology, "proud");
        assert_eq!(a.relationships[0]["name"], "Basil");
    }

    #[test]
    fn fences_prose_commas_quotes_and_cuts_are_mended() {
        for raw in [
            format!("Here is the analysis you asked for:\n```json\n{OK}\n```\nI hope it helps."),
            "{'psychology': 'proud', 'voice': 'terse', 'motivations': ['glory',],}".to_string(),
            "{\"psychology\": \"proud\", \"voice\": \"terse\", \"motivations\": [\"glory\"], \"relationships\": [{\"name\": \"Basil\", \"nature\": \"fri".to_string(),
            "{\"psychology\": \"proud\", \"voice\": \"terse\", \"motivations\": \"glory\", \"flag\": True}".to_string(),
            "{\"psychology\": \"he said \\\"no\\\"\", \"voice\": \"it's terse\",}".to_string(),
        ] {
            let (a, _) = parse_analysis(&raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert!(a.psychology.starts_with("proud") || a.psychology.contains("no"), "{raw}");
            assert!(!a.voice.is_empty());
        }
    }

    #[test]
    fn refusals_and_missing_fields_are_errors() {
        assert!(parse_analysis("I'm sorry, but I can't help with that.").is_err());
        assert!(parse_analysis(r#"{"psychology":"","voice":"x"}"#).is_err());
        assert!(parse_analysis(r#"{"voice":"x"}"#).is_err());
    }

    #[test]
    fn the_schema_names_every_field_and_shapes_a_readable_answer() {
        let schema = Analysis::schema();
        let a = Analysis::from_evidence(&CharacterProfile {
            name: "Dorian Gray".into(),
            aliases: vec!["Dorian".into()],
            mentions: 10,
            name_mentions: 8,
            gender: None,
            quote_count: 1,
            quotes: vec!["I shall always be young!".into()],
            all_quotes: vec![],
            descriptors: vec![],
            actions: vec!["smiled".into()],
            relations: vec![],
            importance: 1.0,
        });
        let v = serde_json::to_value(&a).unwrap();
        for k in v.as_object().unwrap().keys() {
            assert!(
                schema["properties"].get(k).is_some(),
                "{k} missing in the schema"
            );
            assert!(
                schema["required"].as_array().unwrap().contains(&json!(k)),
                "{k} not required"
            );
        }
        assert!(a.voice.contains("I shall always be young!"));
        assert!(a.psychology.contains("Dorian Gray"));
    }
}
