//! Job queue port: the FIFO list `processing_queue` (RPUSH to enqueue, LPOP to dequeue).

use async_trait::async_trait;

use crate::error::StoreError;

/// The contract's queue name.
pub const PROCESSING_QUEUE: &str = "processing_queue";

#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Appends to the tail; returns the new length.
    async fn push(&self, queue: &str, item: &str) -> Result<usize, StoreError>;
    /// Takes from the head.
    async fn pop(&self, queue: &str) -> Result<Option<String>, StoreError>;
    async fn len(&self, queue: &str) -> Result<usize, StoreError>;
}
