//! Stage `fold`, after `done` and off the turn's path: the messages that have left the history
//! window are folded into the session's rolling summary by one LLM call, and the summary is
//! stored in the records store (`falsafa_session_summaries`, the lasting copy) and patched into
//! the session cache. The stored summary says how many messages it covers, so a fold that failed
//! or raced is made good by the next one, and two folds racing keep the newer.

use std::time::Duration;

use crate::app::App;
use crate::domain::{Message, SessionContext, SessionSummary};
use crate::ports::llm::{ChatMessage, Grounding};
use crate::ports::{LlmRequest, LlmTask};
use crate::text::preview;

use super::keys;

const SUMMARY_TIMEOUT: Duration = Duration::from_secs(15);
/// Messages folded by one call at most; older gaps (a long outage) are left out of the summary.
const MAX_FOLD: i64 = 40;

/// Brings the summary of `fresh`'s session up to the window's edge; every failure is logged and
/// leaves the previous summary in place.
#[tracing::instrument(skip_all, name = "chat.fold", fields(session_id = %fresh.session.id))]
pub async fn fold(app: &App, character: &str, fresh: &SessionContext) {
    let id = fresh.session.id;
    let target = fresh.session.message_count - app.config.chat.history_window as i64;
    if target <= 0 || fresh.summary_covers >= target {
        return;
    }
    // The stored summary is the base: the cached one may be a fold behind.
    let base = match app.records.get_summary(id).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "stored summary unreadable; folding onto the cached one");
            fresh.summary.clone().map(|text| SessionSummary {
                text,
                covers: fresh.summary_covers,
            })
        }
    };
    let covered = base.as_ref().map_or(0, |b| b.covers);
    if covered >= target {
        if let Some(b) = &base {
            patch_cache(app, fresh, b).await;
        }
        return;
    }
    let from = covered.max(target - MAX_FOLD);
    let dropped = match app
        .records
        .messages_range(id, from as usize, (target - from) as usize)
        .await
    {
        Ok(m) if !m.is_empty() => m,
        Ok(_) => return,
        Err(e) => {
            tracing::warn!(error = %e, "messages to fold unreadable; the next turn retries");
            return;
        }
    };
    let Some(text) = summarise(
        app,
        character,
        base.as_ref().map(|b| b.text.as_str()),
        &dropped,
    )
    .await
    else {
        return;
    };
    let summary = SessionSummary {
        text,
        covers: target,
    };
    match app.records.save_summary(id, &summary).await {
        Ok(true) => {}
        Ok(false) => tracing::info!("a newer summary was stored meanwhile; keeping it"),
        Err(e) => tracing::warn!(error = %e, "summary not stored; the cache keeps it for now"),
    }
    patch_cache(app, fresh, &summary).await;
}

/// Puts `summary` into the cached session context unless the cache already has a newer one.
async fn patch_cache(app: &App, fresh: &SessionContext, summary: &SessionSummary) {
    let key = keys::session(fresh.session.id);
    let cached: Option<SessionContext> = match app.cache.get_many(std::slice::from_ref(&key)).await
    {
        Ok(v) => v
            .into_iter()
            .next()
            .flatten()
            .and_then(|s| serde_json::from_str(&s).ok()),
        Err(e) => {
            tracing::warn!(error = %e, "session cache unreadable; summary left to the store");
            return;
        }
    };
    let Some(mut ctx) = cached else {
        return; // the next turn reads the store
    };
    if ctx.summary_covers >= summary.covers {
        return;
    }
    ctx.summary = Some(summary.text.clone());
    ctx.summary_covers = summary.covers;
    super::persist::write_cache(app, &ctx).await;
}

/// One LLM call folding `dropped` into `previous`; `None` on failure or an empty answer.
async fn summarise(
    app: &App,
    character: &str,
    previous: Option<&str>,
    dropped: &[Message],
) -> Option<String> {
    let mut text = String::new();
    if let Some(s) = previous {
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
                    "Summarise this conversation between a reader and {character} in at most 120 \
                     words, keeping names, facts the reader shared and promises made."
                ),
            ),
            ChatMessage::new("user", text),
        ],
        temperature: 0.2,
        max_tokens: 250,
        grounding: Grounding {
            character: Some(character.to_string()),
            ..Default::default()
        },
        structured: None,
    };
    match tokio::time::timeout(SUMMARY_TIMEOUT, app.llm.complete(req)).await {
        Ok(Ok(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Ok(Ok(_)) => {
            tracing::warn!("summary answer was empty; keeping the previous summary");
            None
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "summary call failed; keeping the previous summary");
            None
        }
        Err(_) => {
            tracing::warn!(
                ?SUMMARY_TIMEOUT,
                "summary call timed out; keeping the previous summary"
            );
            None
        }
    }
}
