//! Stage `persist`: writes the turn atomically (both messages, `message_count`, `preview`) and
//! refreshes the session cache with the last messages, carrying the summary it had (the `fold`
//! stage, after `done`, brings it up to date). A failed generation keeps the user's message and
//! records the partial answer with `metadata.incomplete = true`.

use serde_json::json;

use crate::app::App;
use crate::domain::{Message, SessionContext, Turn};
use crate::error::StoreError;
use crate::text::preview;

use super::generate::Generation;
use super::{keys, TurnContext};

/// Writes the turn; returns the session context as it now stands (the fold's input).
#[tracing::instrument(skip_all, name = "chat.persist")]
pub async fn persist(
    app: &App,
    ctx: &TurnContext,
    user_message: &str,
    generation: &Generation,
    citations: &[u32],
) -> Result<SessionContext, StoreError> {
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
    recent.drain(..recent.len().saturating_sub(window));
    let fresh = SessionContext {
        session,
        recent,
        summary: ctx.session.summary.clone(),
        summary_covers: ctx.session.summary_covers,
    };
    write_cache(app, &fresh).await;
    Ok(fresh)
}

/// Writes `chat:sess:{id}`; on failure drops the entry so no stale one is read.
pub async fn write_cache(app: &App, fresh: &SessionContext) {
    let key = keys::session(fresh.session.id);
    match serde_json::to_string(fresh) {
        Ok(s) => {
            if let Err(e) = app.cache.set(&key, &s, app.config.chat.cache_ttl).await {
                tracing::warn!(error = %e, "session cache refresh failed; dropping the entry");
                let _ = app.cache.delete(&key).await;
            }
        }
        Err(e) => tracing::warn!(error = %e, "session context not serialisable"),
    }
}
