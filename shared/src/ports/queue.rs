//! Job queue port: the FIFO list `processing_queue` (RPUSH to enqueue, as the contract says) and
//! the poller's loss-free hand-over: `claim` atomically moves the head into an in-flight list
//! (LMOVE), `ack` removes it once it is safely elsewhere, `in_flight` lists what a killed poller
//! left behind.

use async_trait::async_trait;

use crate::error::StoreError;

/// The contract's queue name.
pub const PROCESSING_QUEUE: &str = "processing_queue";
/// Where the poller parks a job between taking it and handing it over.
pub const PROCESSING_IN_FLIGHT: &str = "processing_queue:in_flight";

#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Appends to the tail; returns the new length.
    async fn push(&self, queue: &str, item: &str) -> Result<usize, StoreError>;
    /// Takes from the head.
    async fn pop(&self, queue: &str) -> Result<Option<String>, StoreError>;
    async fn len(&self, queue: &str) -> Result<usize, StoreError>;
    /// Moves the head of `queue` to the tail of `in_flight` in one step (`LMOVE … LEFT RIGHT`).
    async fn claim(&self, queue: &str, in_flight: &str) -> Result<Option<String>, StoreError>;
    /// Removes one occurrence of `item` from `in_flight` (`LREM … 1`); true when it was there.
    async fn ack(&self, in_flight: &str, item: &str) -> Result<bool, StoreError>;
    /// Everything in `in_flight`, oldest first (`LRANGE 0 -1`).
    async fn in_flight(&self, in_flight: &str) -> Result<Vec<String>, StoreError>;
}
