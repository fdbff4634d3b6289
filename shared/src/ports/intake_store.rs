//! Intake store port: the copy of a book's file the intake checked, kept for the worker, so a
//! job does not depend on its `file_url` (often a short-lived signed URL) still answering later.

use async_trait::async_trait;

use crate::error::StoreError;

#[async_trait]
pub trait IntakeStore: Send + Sync {
    /// Keeps `text` for job `job_id`; returns the name the job carries (`intake_copy`).
    async fn put(&self, job_id: &str, text: &str) -> Result<String, StoreError>;
    /// The text kept under `name`, or `None` when it is gone (expired, removed).
    async fn get(&self, name: &str) -> Result<Option<String>, StoreError>;
}
