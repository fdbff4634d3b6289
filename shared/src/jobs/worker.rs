//! The worker: runs one delivery of one job, idempotently. A job that already finished is not run
//! again (`processing:done:{job_id}`), a job another worker is running now is left to it
//! (`processing:run:{job_id}`, held for the worker's timeout), and every write the ingestion flow
//! makes is an upsert keyed by the book, so a run that died half-way and is delivered again
//! converges to the same rows, points and documents.

use std::time::Duration;

use crate::app::App;
use crate::domain::Job;
use crate::ingest::{self, IngestReport};
use crate::schema::ProcessingStatus;

/// How long a finished job is remembered (longer than any SQS retention period).
const DONE_TTL: Duration = Duration::from_secs(15 * 24 * 3600);

fn done_key(job_id: &str) -> String {
    format!("processing:done:{job_id}")
}

fn run_key(job_id: &str) -> String {
    format!("processing:run:{job_id}")
}

/// The outcome of one delivery, as the queue needs to know it.
#[derive(Debug)]
pub enum Delivery {
    /// The job ran to an end (`completed`, or `failed` for good).
    Ran(Box<IngestReport>),
    /// The job had already finished; nothing was done.
    AlreadyDone,
    /// Another worker is running this job now; nothing was done.
    RunningElsewhere,
    /// Nothing final happened: deliver the job again later.
    Retry(String),
}

impl Delivery {
    /// Whether the queue should keep the message for another delivery.
    pub fn wants_retry(&self) -> bool {
        matches!(self, Delivery::Retry(_))
    }
}

/// Runs delivery number `receive_count` (1-based) of `job`.
pub async fn deliver(app: &App, job: &Job, receive_count: u32) -> Delivery {
    let final_attempt = receive_count >= app.config.jobs.max_receive_count;
    match app.cache.get_many(&[done_key(&job.job_id)]).await {
        Ok(v) if v.first().is_some_and(Option::is_some) => return Delivery::AlreadyDone,
        Ok(_) => {}
        Err(e) => return Delivery::Retry(format!("job ledger unavailable: {e}")),
    }
    let key = run_key(&job.job_id);
    let token = match app.lock.acquire(&key, app.config.jobs.run_lock_ttl).await {
        Ok(Some(t)) => t,
        Ok(None) => return Delivery::RunningElsewhere,
        Err(e) => return Delivery::Retry(format!("job lock unavailable: {e}")),
    };
    let report = ingest::run_attempt(app, job, final_attempt).await;
    if !report.retry {
        let done = app
            .cache
            .set(&done_key(&job.job_id), &report.status, DONE_TTL)
            .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, job_id = %job.job_id, "could not record the job as done");
        }
    }
    if let Err(e) = app.lock.release(&key, &token).await {
        tracing::warn!(error = %e, "could not release the job lock; it expires by itself");
    }
    match report.retry {
        true => Delivery::Retry(report.error.clone().unwrap_or_default()),
        false => Delivery::Ran(Box::new(report)),
    }
}

/// A job the queue gave up on (it reached the dead-letter queue): its book ends `failed` unless
/// a delivery finished it after all, and the job is recorded as done (a later duplicate
/// delivery does nothing).
pub async fn dead_letter(app: &App, job: &Job) -> Result<(), crate::error::StoreError> {
    mark_dead(app, job).await?;
    let _ = app
        .cache
        .set(&done_key(&job.job_id), "failed", DONE_TTL)
        .await;
    Ok(())
}

/// A job waiting in the dead-letter queue for an operator: its book ends `failed` unless a
/// delivery finished it after all. The job is not recorded as done, so a redrive runs it again.
pub async fn mark_dead(app: &App, job: &Job) -> Result<(), crate::error::StoreError> {
    if let Some(book) = app.records.get_book(job.book_id).await? {
        if matches!(
            book.processing_status,
            ProcessingStatus::Completed | ProcessingStatus::Failed
        ) {
            return Ok(());
        }
        app.records
            .set_book_status(job.book_id, ProcessingStatus::Failed)
            .await?;
        app.metrics
            .processing_jobs_processed_total
            .with_label_values(&["failed"])
            .inc();
        tracing::error!(job_id = %job.job_id, book_id = %job.book_id, "job dead-lettered; book marked failed");
    }
    Ok(())
}
