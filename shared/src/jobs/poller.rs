//! The poller: moves jobs from `processing_queue` to the dispatcher (SQS, or in-process slots)
//! with no loss window. Each job is moved atomically into an in-flight list (`LMOVE`), handed
//! over, and only then removed (`LREM`); a poller killed between those steps leaves the job in
//! the in-flight list, and the next run hands it over first. One poller runs at a time
//! (`processing:poller:lock`), so a live poller's in-flight job is never taken by another; a job
//! handed over twice after a kill is harmless because the worker is idempotent.

use std::time::Instant;

use serde::Serialize;

use crate::app::App;
use crate::domain::Job;
use crate::error::StoreError;
use crate::ports::queue::{PROCESSING_IN_FLIGHT, PROCESSING_QUEUE};

/// The lock that makes pollers take turns.
pub const POLLER_LOCK: &str = "processing:poller:lock";

/// What one `poll_once` did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PollReport {
    /// Jobs a previous, interrupted run left in flight and this run handed over.
    pub recovered: usize,
    /// Jobs taken from `processing_queue` and handed over.
    pub dispatched: usize,
    /// Entries that were not jobs (logged and dropped).
    pub dropped: usize,
    /// True when another poller held the lock and this run did nothing.
    pub skipped: bool,
}

/// Hands over every job there is capacity for. Returns at once when another poller is running.
pub async fn poll_once(app: &App) -> Result<PollReport, StoreError> {
    let mut report = PollReport::default();
    loop {
        let ttl = app.config.jobs.poller_lock_ttl;
        let Some(token) = app.lock.acquire(POLLER_LOCK, ttl).await? else {
            report.skipped = report.recovered + report.dispatched + report.dropped == 0;
            return Ok(report);
        };
        let drained = drain(app, &token, &mut report).await;
        if let Err(e) = app.lock.release(POLLER_LOCK, &token).await {
            tracing::warn!(error = %e, "could not release the poller lock; it expires by itself");
        }
        drained?;
        // A job pushed while this run held the lock may have had its own poll skipped: look
        // again after releasing, so it does not wait for the next schedule.
        if app.dispatch.capacity() == 0 || app.queue.len(PROCESSING_QUEUE).await? == 0 {
            return Ok(report);
        }
    }
}

async fn drain(app: &App, token: &str, report: &mut PollReport) -> Result<(), StoreError> {
    let mut renewed = Instant::now();
    for raw in app.queue.in_flight(PROCESSING_IN_FLIGHT).await? {
        if app.dispatch.capacity() == 0 {
            return Ok(());
        }
        keep_lock(app, token, &mut renewed).await?;
        if hand_over(app, &raw).await? {
            report.recovered += 1;
        } else {
            report.dropped += 1;
        }
    }
    while app.dispatch.capacity() > 0 {
        keep_lock(app, token, &mut renewed).await?;
        let Some(raw) = app
            .queue
            .claim(PROCESSING_QUEUE, PROCESSING_IN_FLIGHT)
            .await?
        else {
            break;
        };
        if hand_over(app, &raw).await? {
            report.dispatched += 1;
        } else {
            report.dropped += 1;
        }
    }
    Ok(())
}

/// Extends the poller lock once a third of its TTL has passed; stops the run if it was lost.
async fn keep_lock(app: &App, token: &str, renewed: &mut Instant) -> Result<(), StoreError> {
    let ttl = app.config.jobs.poller_lock_ttl;
    if renewed.elapsed() > ttl / 3 {
        *renewed = Instant::now();
        if !app.lock.extend(POLLER_LOCK, token, ttl).await? {
            return Err(StoreError::Unavailable("the poller lock expired".into()));
        }
    }
    Ok(())
}

/// Dispatches one in-flight entry, then removes it. False when it was not a job.
async fn hand_over(app: &App, raw: &str) -> Result<bool, StoreError> {
    let job: Job = match serde_json::from_str(raw) {
        Ok(job) => job,
        Err(e) => {
            tracing::error!(error = %e, raw = %crate::text::preview(raw, 200), "malformed job dropped");
            app.queue.ack(PROCESSING_IN_FLIGHT, raw).await?;
            return Ok(false);
        }
    };
    let job_id = job.job_id.clone();
    // On a failed hand-over the job stays in flight; the next run tries it again.
    app.dispatch.dispatch(job).await?;
    app.queue.ack(PROCESSING_IN_FLIGHT, raw).await?;
    tracing::info!(job_id, "job handed over");
    Ok(true)
}
