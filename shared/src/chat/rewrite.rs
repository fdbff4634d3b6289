//! Stage `rewrite`: one LLM call (temperature 0, 200 tokens) turns the message, the recent turns
//! and the character's psychology into a narrative query (pronouns resolved, for vectors) and a
//! keyword query (for BM25). Cached under `chat:qr:{character_id}:{hash}`; on any failure the raw
//! message serves as both.

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

#[tracing::instrument(skip_all, name = "chat.rewrite")]
pub async fn rewrite(app: &App, ctx: &TurnContext, message: &str) -> RewrittenQuery {
    let raw = RewrittenQuery {
        narrative: message.to_string(),
        keywords: message.to_string(),
    };
    let history = recent_turns(ctx, 4);
    let hash = hex::encode(&Sha256::digest(format!("{history}\u{0}{message}").as_bytes())[..12]);
    let key = keys::rewrite(ctx.character.id, &hash);
    if let Ok(v) = app.cache.get_many(std::slice::from_ref(&key)).await {
        if let Some(q) = v
            .first()
            .and_then(|s| s.as_deref())
            .and_then(|s| serde_json::from_str(s).ok())
        {
            return q;
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
                "rewrite failed; using the raw message");
            return raw;
        }
        Err(_) => {
            // the timed-out call was dropped, closing its upstream request
            tracing::warn!(
                stage = "chat.rewrite",
                model = app.llm.model(),
                ?TIMEOUT,
                "rewrite timed out; upstream request closed; using the raw message"
            );
            return raw;
        }
    };
    let Some(q) = parse(&answer) else {
        tracing::warn!(
            stage = "chat.rewrite",
            model = app.llm.model(),
            "rewrite answer was not the expected JSON; using the raw message"
        );
        return raw;
    };
    if let Ok(s) = serde_json::to_string(&q) {
        if let Err(e) = app.cache.set(&key, &s, app.config.chat.cache_ttl).await {
            tracing::warn!(error = %e, "rewrite cache write skipped");
        }
    }
    q
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
