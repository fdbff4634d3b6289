//! The job manager: a poller that moves jobs from `processing_queue` to the dispatcher while it
//! has capacity (at capacity a job stays queued), and the in-process workers that run them.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::domain::Job;
use crate::error::StoreError;
use crate::ingest;
use crate::ports::queue::PROCESSING_QUEUE;

/// Moves as many queued jobs as there is capacity for; returns how many were dispatched.
pub async fn poll_once(app: &App) -> Result<usize, StoreError> {
    let mut moved = 0;
    while app.dispatch.capacity() > 0 {
        let Some(raw) = app.queue.pop(PROCESSING_QUEUE).await? else {
            break;
        };
        let job: Job = match serde_json::from_str(&raw) {
            Ok(j) => j,
            Err(e) => {
                tracing::error!(error = %e, raw = %crate::text::preview(&raw, 200), "malformed job dropped");
                continue;
            }
        };
        let job_id = job.job_id.clone();
        if let Err(e) = app.dispatch.dispatch(job).await {
            tracing::error!(error = %e, job_id, "dispatch failed; job re-queued");
            app.queue.push(PROCESSING_QUEUE, &raw).await?;
            break;
        }
        moved += 1;
    }
    Ok(moved)
}

/// Polls every `POLL_INTERVAL_MS`, or at once when kicked, until `shutdown` turns true.
pub fn spawn_poller(app: Arc<App>, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = poll_once(&app).await {
                tracing::warn!(error = %e, "poll failed");
            }
            tokio::select! {
                _ = app.poller_kick.notified() => {}
                _ = tokio::time::sleep(app.config.poll_interval) => {}
                _ = shutdown.changed() => return,
            }
        }
    })
}

/// Runs dispatched jobs in-process, each in its own task holding its worker slot.
pub fn spawn_local_workers(app: Arc<App>) -> Option<JoinHandle<()>> {
    let mut rx = app.take_local_jobs()?;
    Some(tokio::spawn(async move {
        while let Some((job, slot)) = rx.recv().await {
            let app = app.clone();
            tokio::spawn(async move {
                ingest::run_job(&app, &job).await;
                drop(slot);
                app.poller_kick.notify_one();
            });
        }
    }))
}

/// Starts the poller and the in-process workers.
pub fn start_background(app: &Arc<App>, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut handles = vec![spawn_poller(app.clone(), shutdown)];
    handles.extend(spawn_local_workers(app.clone()));
    handles
}
