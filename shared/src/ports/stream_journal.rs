//! Stream journal port: the events of a session's current reply, kept for a few minutes so a
//! client that reconnects with `Last-Event-ID` gets the rest of the reply instead of a new one
//! (`chat:stream:{session_id}`, a Redis list in production).

use std::time::Duration;

use async_trait::async_trait;

use crate::error::StoreError;

#[async_trait]
pub trait StreamJournal: Send + Sync {
    /// Empties `key` (a new reply starts).
    async fn reset(&self, key: &str) -> Result<(), StoreError>;
    /// Appends `entries` in one round trip and (re)sets the key's TTL.
    async fn append(&self, key: &str, entries: &[String], ttl: Duration) -> Result<(), StoreError>;
    /// Entries from position `from` (0-based) to the end.
    async fn read_from(&self, key: &str, from: usize) -> Result<Vec<String>, StoreError>;
}
