//! In-process job dispatch: a bounded set of worker slots (`MAX_PROCESSING_WORKERS`). The poller
//! hands a job over only while a slot is free; otherwise the job stays in `processing_queue`.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use crate::domain::Job;
use crate::error::StoreError;
use crate::ports::JobDispatch;

/// A job with the worker slot it holds until it finishes.
pub type SlottedJob = (Job, OwnedSemaphorePermit);

pub struct LocalDispatch {
    tx: mpsc::UnboundedSender<SlottedJob>,
    slots: Arc<Semaphore>,
}

impl LocalDispatch {
    /// The dispatcher and the receiving end the in-process workers consume.
    pub fn new(max_workers: usize) -> (Self, mpsc::UnboundedReceiver<SlottedJob>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            LocalDispatch {
                tx,
                slots: Arc::new(Semaphore::new(max_workers)),
            },
            rx,
        )
    }
}

#[async_trait]
impl JobDispatch for LocalDispatch {
    fn capacity(&self) -> usize {
        self.slots.available_permits()
    }

    async fn dispatch(&self, job: Job) -> Result<(), StoreError> {
        let permit = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| StoreError::Unavailable("no free worker slot".into()))?;
        self.tx
            .send((job, permit))
            .map_err(|_| StoreError::Unavailable("in-process workers stopped".into()))
    }
}
