//! `POST /character/processing`: validate, confirm the book, download the file (size-capped,
//! UTF-8), RPUSH the job to `processing_queue`, answer 202. Nothing is queued on any rejection.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::app::App;
use crate::domain::Job;
use crate::ingest::fetch;
use crate::ports::queue::PROCESSING_QUEUE;

/// How long a request may spend handing its job to SQS before answering anyway.
const POLL_BUDGET: std::time::Duration = std::time::Duration::from_secs(3);

use super::auth::Caller;
use super::body::JsonBody;
use super::error::ApiError;

#[derive(Debug, Deserialize)]
pub struct ProcessingRequest {
    pub book_id: Uuid,
    pub file_url: String,
    pub user_id: Uuid,
    /// Process a book whose `uploader_id` is NULL: only with `SERVICE_API_KEY`.
    #[serde(default)]
    pub allow_unowned: bool,
}

/// With an intake store, downloads the whole file (size cap, UTF-8) within
/// `INTAKE_COPY_TIMEOUT_MS` and keeps it for the worker, so the job no longer needs `file_url`
/// to answer later. A file found bad is refused (422); a copy that cannot be had in time is no
/// error: the job goes without one and the worker downloads `file_url`.
#[tracing::instrument(skip_all, name = "intake.copy")]
async fn keep_copy(app: &App, url: reqwest::Url, job_id: &str) -> Result<Option<String>, ApiError> {
    let Some(store) = &app.intake else {
        return Ok(None);
    };
    let copy = async {
        let text = fetch::download(&app.http, url, app.config.max_file_bytes).await?;
        Ok::<_, crate::error::FetchError>(store.put(job_id, &text).await)
    };
    match tokio::time::timeout(app.config.intake_copy_timeout, copy).await {
        Ok(Ok(Ok(name))) => Ok(Some(name)),
        Ok(Ok(Err(e))) => {
            tracing::warn!(error = %e, "intake store unavailable; the worker will download the file");
            Ok(None)
        }
        Ok(Err(crate::error::FetchError::Download(e))) => {
            tracing::warn!(error = %e, "intake copy failed; the worker will download the file");
            Ok(None)
        }
        Ok(Err(e)) => Err(ApiError::unprocessable(e.to_string())),
        Err(_) => {
            tracing::warn!("intake copy not done in time; the worker will download the file");
            Ok(None)
        }
    }
}

#[tracing::instrument(skip_all, name = "http.processing", fields(book_id = %req.book_id))]
pub async fn submit(
    State(app): State<Arc<App>>,
    caller: Option<axum::Extension<Caller>>,
    headers: axum::http::HeaderMap,
    JsonBody(req): JsonBody<ProcessingRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let caller = caller.map_or(Caller::Frontend, |c| c.0);
    if caller != Caller::Service {
        super::user_token::require_user(&app, &headers, req.user_id).await?;
    }
    if req.file_url.len() > 4096 {
        return Err(ApiError::bad_request(
            "file_url is longer than 4096 characters",
        ));
    }
    let limit = app.config.limits.processing_per_hour;
    let hour = std::time::Duration::from_secs(3600);
    super::limits::rate(&app, "processing", req.user_id, limit, hour).await?;
    let url = fetch::check_url(&req.file_url, &app.url_policy)
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let book = app
        .records
        .get_book(req.book_id)
        .await
        .map_err(ApiError::internal)?;
    let Some(book) = book else {
        return Err(ApiError::unprocessable(format!(
            "book {} not found",
            req.book_id
        )));
    };
    // A book without an owner is nobody's to submit, except the service's, on purpose.
    if book.uploader_id.is_none() && !(caller == Caller::Service && req.allow_unowned) {
        return Err(ApiError::unprocessable(format!(
            "book {} has no owner: only the service key (SERVICE_API_KEY) may process it, \
             with \"allow_unowned\": true",
            req.book_id
        )));
    }
    if book.uploader_id.is_some_and(|owner| owner != req.user_id) {
        return Err(ApiError::unprocessable(format!(
            "book {} does not belong to user {}",
            req.book_id, req.user_id
        )));
    }
    // A bounded check, not the download: the answer comes within the function's timeout
    // whatever the file; the worker downloads it.
    let url_for_copy = url.clone();
    fetch::probe(
        &app.http,
        url,
        app.config.max_file_bytes,
        app.config.intake_check_timeout,
    )
    .await
    .map_err(|e| ApiError::unprocessable(e.to_string()))?;

    let job_id = Uuid::new_v4().to_string();
    let intake_copy = keep_copy(&app, url_for_copy, &job_id).await?;
    let job = Job {
        job_id,
        book_id: req.book_id,
        file_url: req.file_url,
        user_id: req.user_id,
        enqueued_at: Utc::now(),
        intake_copy,
    };
    let raw = serde_json::to_string(&job).map_err(ApiError::internal)?;
    app.queue.push(PROCESSING_QUEUE, &raw).await.map_err(|e| {
        tracing::error!(error = %e, "job queue unavailable");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the job queue is unavailable; nothing was queued, please retry",
        )
    })?;
    app.metrics.processing_jobs_queued_total.inc();
    if app.config.jobs.poll_after_enqueue {
        // On Lambda nothing runs after the response: hand the job to SQS now (bounded). A miss
        // is not an error: the job is safely queued and the scheduled poller moves it.
        match tokio::time::timeout(POLL_BUDGET, crate::jobs::poll_once(&app)).await {
            Ok(Ok(r)) => tracing::debug!(?r, "polled after enqueue"),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "poll after enqueue failed; the schedule retries")
            }
            Err(_) => tracing::warn!("poll after enqueue timed out; the schedule retries"),
        }
    } else {
        app.poller_kick.notify_one();
    }
    tracing::info!(job_id = %job.job_id, "job queued");
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "status": "accepted", "job_id": job.job_id })),
    ))
}
