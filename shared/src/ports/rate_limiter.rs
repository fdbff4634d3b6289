//! Admission control port: per-caller sliding-window rate limits and a cap on concurrent slots
//! (live chat streams). Shared by every instance through Redis in production.

use std::time::Duration;

use async_trait::async_trait;

use crate::error::StoreError;

/// Whether an event was admitted, and if not, when the oldest counted one leaves the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    pub allowed: bool,
    pub retry_after: Duration,
}

#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts one event under `key` if fewer than `limit` were counted within the last `window`.
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<Admission, StoreError>;
    /// Takes one of `cap` slots under `key`, held at most `ttl` (a crashed holder's slot
    /// expires); `None` when all are taken.
    async fn take_slot(
        &self,
        key: &str,
        cap: u32,
        ttl: Duration,
    ) -> Result<Option<String>, StoreError>;
    /// Gives a slot back.
    async fn free_slot(&self, key: &str, token: &str) -> Result<(), StoreError>;
}
