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
    /// Subscribes to appends to `key` (before reading it, so none is missed).
    async fn watch(&self, key: &str) -> Result<Box<dyn JournalWatch>, StoreError>;
}

/// A subscription to one journal's appends (Redis: pub/sub; memory: a watch channel).
#[async_trait]
pub trait JournalWatch: Send {
    /// Waits until something was appended since the last call, or `max_wait` passed; true when
    /// an append was seen. A broken subscription waits out `max_wait` and says false, so a
    /// follower degrades to reading at that pace.
    async fn changed(&mut self, max_wait: Duration) -> bool;
}
