//! Stage `release`: compare-and-delete of the session lock; a failure leaves it to expire.

use crate::app::App;

use super::lock::HeldLock;

#[tracing::instrument(skip_all, name = "chat.release")]
pub async fn release(app: &App, held: &HeldLock) {
    match app.lock.release(&held.key, &held.token).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(key = held.key, "lock was no longer ours at release"),
        Err(e) => tracing::warn!(error = %e, key = held.key, "lock release failed; it will expire"),
    }
}
