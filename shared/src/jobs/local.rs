//! The in-process job runner of `falsafa serve`: the poller on a timer (or kicked right after an
//! enqueue) and, when no SQS queue is configured, the workers that run dispatched jobs in this
//! process, each holding one of `MAX_PROCESSING_WORKERS` slots.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::ingest;

use super::poll_once;

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
