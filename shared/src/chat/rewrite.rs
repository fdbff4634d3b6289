//! Stage `rewrite`: one LLM call (temperature 0, 200 tokens) turns the message, the recent turns
//! and the character's psychology into a narrative query (pronouns resolved, for vectors) and a
//! keyword query (for BM25). Cached under `chat:qr:{character_id}:{hash}`. It is asked for only
//! when the message refers back to the conversation (`refers_back`): a self-contained message
//! is its own best query. `local` is the query without a model: the message plus the names of
//! the last turns when it refers back; it serves when the rewrite fails or is late.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::app::App;
use crate::domain::RewrittenQuery;
use crate::ports::llm::{ChatMessage, Grounding};
use crate::ports::{LlmRequest, LlmTask};

use super::{keys, TurnContext};

const TIMEOUT: Duration = Duration::from_secs(8);

fn recent_turns(ctx: &TurnContext, n: usize) -> String {
    let r = &ctx.session.recent;
    r[r.len().saturating_sub(n)..]
        .iter()
        .map(|m| {
            format!(
                "{}: {}",
                m.role.as_str(),
                crate::text::preview(&m.content, 300)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses `{"narrative": "...", "keywords": "..."}` from a model answer.
pub fn parse(raw: &str) -> Option<RewrittenQuery> {
    let start = raw.find('{')?;
    let end = raw.rfind('}')?;
    let q: RewrittenQuery = serde_json::from_str(raw.get(start..=end)?).ok()?;
    (!q.narrative.trim().is_empty() && !q.keywords.trim().is_empty()).then_some(q)
}

/// Words that point back at something said before.
const BACK_REFERENCES: &[&str] = &[
    "he",
    "him",
    "his",
    "she",
    "her",
    "hers",
    "they",
    "them",
    "their",
    "theirs",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "there",
    "then",
    "himself",
    "herself",
    "themselves",
];

fn words(message: &str) -> impl Iterator<Item = String> + '_ {
    message
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.split('\'').next().unwrap_or(w).to_lowercase())
}

/// Whether the message needs the conversation to be understood: there is history, and it uses
/// a third-person pronoun or demonstrative, or is too short to stand alone ("Why?", "And then?").
pub fn refers_back(ctx: &TurnContext, message: &str) -> bool {
    if ctx.session.recent.is_empty() {
        return false;
    }
    let ws: Vec<String> = words(message).collect();
    ws.len() <= 3 || ws.iter().any(|w| BACK_REFERENCES.contains(&w.as_str()))
}

/// Proper names of the last turns, newest first: capitalised words not opening a sentence.
fn recent_names(ctx: &TurnContext, turns: usize, max: usize) -> Vec<String> {
    let r = &ctx.session.recent;
    let mut names: Vec<String> = Vec::new();
    for m in r[r.len().saturating_sub(turns)..].iter().rev() {
        let mut sentence_start = true;
        for raw in m.content.split_whitespace() {
            let w = raw.trim_matches(|c: char| !c.is_alphanumeric());
            let opens = sentence_start;
            sentence_start = raw.ends_with(['.', '!', '?', '"', '\u{201d}', ':']);
            let mut cs = w.chars();
            let capital = cs.next().is_some_and(char::is_uppercase);
            if opens || !capital || w.len() < 2 || cs.all(char::is_uppercase) {
                continue;
            }
            if !names.iter().any(|n| n == w) {
                names.push(w.to_string());
            }
        }
    }
    names.truncate(max);
    names
}

/// The query for a message that stands alone: the message as it is, for both searches.
pub fn standalone(message: &str) -> RewrittenQuery {
    RewrittenQuery {
        narrative: message.to_string(),
        keywords: message.to_string(),
    }
}

/// The query without a model: the message itself, plus the names of the last turns when it
/// refers back to them.
pub fn local(ctx: &TurnContext, message: &str) -> RewrittenQuery {
    if !refers_back(ctx, message) {
        return standalone(message);
    }
    let names = recent_names(ctx, 4, 6).join(" ");
    RewrittenQuery {
        narrative: format!("{message} {names}").trim().to_string(),
        keywords: format!("{message} {names}").trim().to_string(),
    }
}

/// The model's rewrite of `message`, from the cache when it was asked before; `None` when the
/// model fails or answers off form.
#[tracing::instrument(skip_all, name = "chat.rewrite")]
pub async fn rewrite(app: &App, ctx: &TurnContext, message: &str) -> Option<RewrittenQuery> {
    let history = recent_turns(ctx, 4);
    let hash = hex::encode(&Sha256::digest(format!("{history}\u{0}{message}").as_bytes())[..12]);
    let key = keys::rewrite(ctx.character.id, &hash);
    if let Ok(v) = app.cache.get_many(std::slice::from_ref(&key)).await {
        if let Some(q) = v
            .first()
            .and_then(|s| s.as_deref())
            .and_then(|s| serde_json::from_str(s).ok())
        {
            return Some(q);
        }
    }
    let psychology = ctx.character.description.clone().unwrap_or_default();
    let req = LlmRequest {
        task: LlmTask::Rewrite,
        messages: vec![
            ChatMessage::new(
                "system",
                "Rewrite a reader's message to a novel's character into two search queries over \
                 the novel's text. Return only JSON: {\"narrative\": a self-contained sentence \
                 with every pronoun resolved to a name, \"keywords\": the names, places and \
                 content words to match}.",
            ),
            ChatMessage::new(
                "user",
                format!(
                    "Character: {}\nPsychology: {}\nRecent turns:\n{}\nMessage: {}",
                    ctx.character.name, psychology, history, message
                ),
            ),
        ],
        temperature: 0.0,
        max_tokens: 200,
        grounding: Grounding {
            character: Some(ctx.character.name.clone()),
            user_message: Some(message.to_string()),
            ..Default::default()
        },
        structured: None,
    };
    let answer = match tokio::time::timeout(TIMEOUT, app.llm.complete(req)).await {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => {
            tracing::warn!(stage = "chat.rewrite", model = app.llm.model(), error = %e,
                "rewrite failed; using the local query");
            return None;
        }
        Err(_) => {
            // the timed-out call was dropped, closing its upstream request
            tracing::warn!(
                stage = "chat.rewrite",
                model = app.llm.model(),
                ?TIMEOUT,
                "rewrite timed out; upstream request closed; using the local query"
            );
            return None;
        }
    };
    let Some(q) = parse(&answer) else {
        tracing::warn!(
            stage = "chat.rewrite",
            model = app.llm.model(),
            "rewrite answer was not the expected JSON; using the local query"
        );
        return None;
    };
    if let Ok(s) = serde_json::to_string(&q) {
        if let Err(e) = app.cache.set(&key, &s, app.config.chat.cache_ttl).await {
            tracing::warn!(error = %e, "rewrite cache write skipped");
        }
    }
    Some(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wrapped_json() {
        let q = parse(
            "Sure: {\"narrative\":\"Jane loves Rochester\",\"keywords\":\"Jane Rochester love\"}",
        )
        .unwrap();
        assert_eq!(q.keywords, "Jane Rochester love");
        assert!(parse("{\"narrative\":\"\",\"keywords\":\"x\"}").is_none());
        assert!(parse("nothing").is_none());
    }
}
