//! Stage `lock`: one reply at a time per session (`chat:lock:{id}`, 30 s TTL, random hex token),
//! kept alive while a long reply streams so it cannot expire under its owner.

use std::sync::Arc;

use tokio::task::AbortHandle;
use uuid::Uuid;

use crate::app::App;
use crate::error::StoreError;

use super::keys;

/// A lock this turn holds.
#[derive(Debug, Clone)]
pub struct HeldLock {
    pub key: String,
    pub token: String,
}

#[tracing::instrument(skip(app), name = "chat.lock")]
pub async fn acquire(app: &App, session_id: Uuid) -> Result<Option<HeldLock>, StoreError> {
    let key = keys::lock(session_id);
    Ok(app
        .lock
        .acquire(&key, app.config.chat.lock_ttl)
        .await?
        .map(|token| HeldLock { key, token }))
}

/// Extends the lock every third of its TTL until aborted.
pub fn keep_alive(app: Arc<App>, held: HeldLock) -> AbortHandle {
    let ttl = app.config.chat.lock_ttl;
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(ttl / 3).await;
            match app.lock.extend(&held.key, &held.token, ttl).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(key = held.key, "session lock lost while streaming");
                    return;
                }
                Err(e) => tracing::warn!(error = %e, "session lock extension failed"),
            }
        }
    })
    .abort_handle()
}
