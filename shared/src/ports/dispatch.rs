//! Job dispatch port: where the poller hands a dequeued job (in-process workers, or SQS).

use async_trait::async_trait;

use crate::domain::Job;
use crate::error::StoreError;

#[async_trait]
pub trait JobDispatch: Send + Sync {
    /// How many more jobs may be handed over now (the `MAX_PROCESSING_WORKERS` gate).
    fn capacity(&self) -> usize;
    async fn dispatch(&self, job: Job) -> Result<(), StoreError>;
}
