//! Session lock port: `SET chat:lock:{id} <hex> NX EX 30`, released only by its owner.

use std::time::Duration;

use async_trait::async_trait;

use crate::error::StoreError;

#[async_trait]
pub trait SessionLock: Send + Sync {
    /// Takes `key` with a fresh random hex token; `None` when someone else holds it.
    async fn acquire(&self, key: &str, ttl: Duration) -> Result<Option<String>, StoreError>;
    /// Deletes `key` only if it still holds `token` (compare-and-delete). True when deleted.
    async fn release(&self, key: &str, token: &str) -> Result<bool, StoreError>;
    /// Extends the TTL only if `key` still holds `token`. True when extended.
    async fn extend(&self, key: &str, token: &str, ttl: Duration) -> Result<bool, StoreError>;
}
