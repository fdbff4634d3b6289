//! Stage `persist`: writes the turn atomically (both messages, `message_count`, `preview`) and
//! refreshes the session cache: last messages, plus a rolling summary refreshed by the LLM when
//! older turns fall out of the window. A failed generation keeps the user's message and records
//! the partial answer with `metadata.incomplete = true`.

use std::time::Duration;

use serde_json::json;

use crate::app::App;
use crate::domain::{Message, SessionContext, Turn};
use crate::error::StoreError;
use crate::ports::llm::{ChatMessage, Grounding};
use crate::ports::{LlmRequest, LlmTask};
use crate::text::preview;

use super::generate::Generation;
use super::{keys, TurnContext};

const SUMMARY_TIMEOUT: Duration = Duration::from_secs(15);

#[tracing::instrument(skip_all, name = "chat.persist")]
pub async fn persist(
    app: &App,
    ctx: &TurnContext,
    user_message: &str,
    generation: &Generation,
    citations: &[u32],
) -> Result<(), StoreError> {
    let mut metadata = json!({
        "model": app.llm.model(),
        "citations": citations,
    });
    if app.llm.is_offline() {
        metadata["offline"] = json!(true);
    }
    if let Some(u) = generation.usage {
        metadata["usage"] = json!(u);
    }
    if let Some(e) = &generation.error {
        metadata["incomplete"] = json!(true);
        metadata["error"] = json!(e.to_string());
    }
    let turn = Turn {
        session_id: ctx.session.session.id,
        user_message: user_message.to_string(),
        assistant_message: generation.text.clone(),
        assistant_metadata: metadata,
        preview: preview(
            if generation.text.is_empty() {
                user_message
            } else {
                &generation.text
            },
            120,
        ),
    };
    let (session, written) = app.records.append_turn(&turn).await?;

    let window = app.config.chat.history_window;
    let mut recent: Vec<Message> = ctx.session.recent.clone();
    recent.extend(written);
    let dropped: Vec<Message> = recent
        .drain(..recent.len().saturating_sub(window))
        .collect();
    let summary = if dropped.is_empty() {
        ctx.session.summary.clone()
    } else {
        summarise(app, ctx, &dropped).await
    };
    let fresh = SessionContext {
        session,
        recent,
        summary,
    };
    match serde_json::to_string(&fresh) {
        Ok(s) => {
            if let Err(e) = app
                .cache
                .set(
                    &keys::session(fresh.session.id),
                    &s,
                    app.config.chat.cache_ttl,
                )
                .await
            {
                tracing::warn!(error = %e, "session cache refresh failed; dropping the entry");
                let _ = app.cache.delete(&keys::session(fresh.session.id)).await;
            }
        }
        Err(e) => tracing::warn!(error = %e, "session context not serialisable"),
    }
    Ok(())
}

/// Folds the messages leaving the window into the running summary; keeps the old one on error.
async fn summarise(app: &App, ctx: &TurnContext, dropped: &[Message]) -> Option<String> {
    let mut text = String::new();
    if let Some(s) = &ctx.session.summary {
        text.push_str(&format!("Summary so far: {s}\n"));
    }
    for m in dropped {
        text.push_str(&format!(
            "{}: {}\n",
            m.role.as_str(),
            preview(&m.content, 500)
        ));
    }
    let req = LlmRequest {
        task: LlmTask::Summary,
        messages: vec![
            ChatMessage::new(
                "system",
                format!(
                    "Summarise this conversation between a reader and {} in at most 120 words, \
                     keeping names, facts the reader shared and promises made.",
                    ctx.character.name
                ),
            ),
            ChatMessage::new("user", text),
        ],
        temperature: 0.2,
        max_tokens: 250,
        grounding: Grounding {
            character: Some(ctx.character.name.clone()),
            ..Default::default()
        },
        structured: None,
    };
    match tokio::time::timeout(SUMMARY_TIMEOUT, app.llm.complete(req)).await {
        Ok(Ok(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => {
            tracing::warn!("summary refresh failed; keeping the previous summary");
            ctx.session.summary.clone()
        }
    }
}
