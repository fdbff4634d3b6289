//! Cache port: string values with a TTL (`chat:sess|char|book|qr:*`). Best effort by contract:
//! callers treat an error as a miss.

use std::time::Duration;

use async_trait::async_trait;

use crate::error::StoreError;

#[async_trait]
pub trait Cache: Send + Sync {
    /// Values of `keys` in order, in one round trip (`MGET`).
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError>;
    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError>;
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Remaining TTL of a key, `None` when absent or without expiry.
    async fn ttl(&self, key: &str) -> Result<Option<Duration>, StoreError>;
}
