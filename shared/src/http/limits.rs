//! Per-user admission on the business endpoints: a sliding-window rate limit (429 with
//! `Retry-After` before any work) and, for chat, a cap on the user's live streams. When the
//! limiter's store is down the request is let through (limits protect capacity; refusing every
//! reader during a Redis outage would protect nothing) and the outage is logged.

use std::time::Duration;

use uuid::Uuid;

use crate::app::App;

use super::error::ApiError;

/// How long a stream slot is held at most if its holder dies without giving it back.
pub const STREAM_SLOT_TTL: Duration = Duration::from_secs(300);

/// Counts one `kind` request of `user`; 429 when over `limit` per `window`.
pub async fn rate(
    app: &App,
    kind: &str,
    user: Uuid,
    limit: u32,
    window: Duration,
) -> Result<(), ApiError> {
    if limit == 0 {
        return Ok(());
    }
    let key = format!("ratelimit:{kind}:{user}");
    match app.limiter.hit(&key, limit, window).await {
        Ok(a) if a.allowed => Ok(()),
        Ok(a) => Err(ApiError::too_many(
            format!(
                "rate limit: at most {limit} {kind} requests per {}s",
                window.as_secs()
            ),
            a.retry_after,
        )),
        Err(e) => {
            tracing::warn!(error = %e, kind, "rate limiter unavailable; request let through");
            Ok(())
        }
    }
}

/// One of the user's live stream slots, given back when the turn ends.
pub struct StreamSlot {
    key: String,
    token: String,
}

impl StreamSlot {
    pub async fn free(self, app: &App) {
        if let Err(e) = app.limiter.free_slot(&self.key, &self.token).await {
            tracing::warn!(error = %e, "stream slot not freed; it expires by itself");
        }
    }
}

/// Takes a stream slot for `user`; 429 when the user already has the maximum streaming.
pub async fn stream_slot(app: &App, user: Uuid) -> Result<Option<StreamSlot>, ApiError> {
    let cap = app.config.limits.streams_per_user;
    if cap == 0 {
        return Ok(None);
    }
    let key = format!("chat:streams:{user}");
    match app.limiter.take_slot(&key, cap, STREAM_SLOT_TTL).await {
        Ok(Some(token)) => Ok(Some(StreamSlot { key, token })),
        Ok(None) => Err(ApiError::too_many(
            format!("at most {cap} replies may stream at once per user"),
            Duration::from_secs(1),
        )),
        Err(e) => {
            tracing::warn!(error = %e, "stream slots unavailable; request let through");
            Ok(None)
        }
    }
}
