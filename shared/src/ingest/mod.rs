//! The ingestion flow for one job, as named stages: `fetch` → `extract` → `persona` → `chunk` →
//! `embed` → `index` → `finish`. Each stage is a module with a small typed input and output and
//! its own tracing span; the phase durations feed `processing_pipeline_duration_seconds`.

pub mod analysis;
pub mod chunk;
pub mod embed;
pub mod extract;
pub mod fetch;
pub mod finish;
pub mod index;
pub mod persona;
pub mod url_guard;

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;
use tracing::Instrument;

use crate::app::App;
use crate::domain::Job;
use crate::schema::ProcessingStatus;

/// What one ingestion run did, for logs, `falsafa bench ingest` and tests.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestReport {
    pub book_id: String,
    pub status: String,
    pub words: usize,
    pub characters_found: usize,
    pub characters_saved: usize,
    pub characters_failed: usize,
    pub chunks: usize,
    pub chunks_failed: usize,
    pub stages_ms: BTreeMap<String, f64>,
    pub error: Option<String>,
    /// The attempt failed in a way another delivery may fix; the book stays `processing`.
    pub retry: bool,
}

/// Why a run stopped, and whether running it again could help (a flaky store or model can
/// recover; a missing book or a file that is not text cannot).
#[derive(Debug, Clone)]
pub struct StageFailure {
    pub message: String,
    pub retryable: bool,
}

impl StageFailure {
    pub fn permanent(message: impl Into<String>) -> Self {
        StageFailure {
            message: message.into(),
            retryable: false,
        }
    }
}

impl From<String> for StageFailure {
    fn from(message: String) -> Self {
        StageFailure {
            message,
            retryable: true,
        }
    }
}

impl From<&str> for StageFailure {
    fn from(message: &str) -> Self {
        message.to_string().into()
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// Runs one job to its end; the book ends `completed` or `failed`, never stuck in `processing`.
pub async fn run_job(app: &App, job: &Job) -> IngestReport {
    run_attempt(app, job, true).await
}

/// Runs one delivery of a job. When `final_attempt` is false a retryable failure leaves the book
/// `processing` and sets `report.retry`, so the queue can deliver it again.
pub async fn run_attempt(app: &App, job: &Job, final_attempt: bool) -> IngestReport {
    let span = tracing::info_span!("ingest", job_id = %job.job_id, book_id = %job.book_id);
    async move {
        app.metrics.processing_active_workers.inc();
        let started = Instant::now();
        let mut report = IngestReport { book_id: job.book_id.to_string(), ..Default::default() };
        let outcome = run_stages(app, job, &mut report).await;
        let status = finish::finish(app, job.book_id, &mut report, outcome, final_attempt).await;
        report.status = app.config.schema.status_word(status).to_string();
        report.stages_ms.insert("total".into(), ms(started));
        app.metrics.processing_active_workers.dec();
        tracing::info!(status = %report.status, characters = report.characters_saved, chunks = report.chunks,
            failed_chunks = report.chunks_failed, total_ms = ms(started), "ingestion finished");
        report
    }
    .instrument(span)
    .await
}

/// Ingests text already in hand (benchmarks, `falsafa demo --no-server` paths): same stages
/// after `fetch`.
pub async fn run_text(app: &App, book_id: uuid::Uuid, text: String) -> IngestReport {
    let mut report = IngestReport {
        book_id: book_id.to_string(),
        ..Default::default()
    };
    let started = Instant::now();
    let outcome = run_after_fetch(app, book_id, text, &mut report).await;
    let status = finish::finish(app, book_id, &mut report, outcome, true).await;
    report.status = app.config.schema.status_word(status).to_string();
    report.stages_ms.insert("total".into(), ms(started));
    report
}

async fn run_stages(app: &App, job: &Job, report: &mut IngestReport) -> Result<(), StageFailure> {
    let book = app
        .records
        .get_book(job.book_id)
        .await
        .map_err(|e| format!("reading the book: {e}"))?
        .ok_or_else(|| StageFailure::permanent(format!("book {} does not exist", job.book_id)))?;
    app.records
        .set_book_status(book.id, ProcessingStatus::Processing)
        .await
        .map_err(|e| format!("marking the book processing: {e}"))?;
    let t = Instant::now();
    let text = job_text(app, job).await?;
    report.stages_ms.insert("fetch".into(), ms(t));
    run_after_fetch(app, book.id, text, report).await
}

/// The intake's copy of the file when it has one, else a download of `file_url`.
#[tracing::instrument(skip_all, name = "ingest.fetch", fields(copy = job.intake_copy.is_some()))]
async fn job_text(app: &App, job: &Job) -> Result<String, StageFailure> {
    if let (Some(name), Some(store)) = (&job.intake_copy, &app.intake) {
        match store.get(name).await {
            Ok(Some(text)) => return Ok(text),
            Ok(None) => tracing::warn!(name, "intake copy gone; downloading file_url"),
            Err(e) => return Err(format!("reading the intake copy: {e}").into()),
        }
    } else if job.intake_copy.is_some() {
        tracing::warn!(
            "job names an intake copy but INTAKE_STORAGE_PATH is not set; downloading file_url"
        );
    }
    fetch::fetch_book(app, &job.file_url)
        .await
        .map_err(|e| StageFailure {
            retryable: matches!(e, crate::error::FetchError::Download(_)),
            message: e.to_string(),
        })
}

async fn run_after_fetch(
    app: &App,
    book_id: uuid::Uuid,
    text: String,
    report: &mut IngestReport,
) -> Result<(), StageFailure> {
    let book = app
        .records
        .get_book(book_id)
        .await
        .map_err(|e| format!("reading the book: {e}"))?
        .ok_or_else(|| StageFailure::permanent(format!("book {book_id} does not exist")))?;
    let text = std::sync::Arc::new(fetch::strip_front_matter(&text).to_string());
    report.words = text.split_whitespace().count();

    let t = Instant::now();
    let profiles = extract::extract(app, text.clone()).await?;
    report.stages_ms.insert("extract".into(), ms(t));
    report.characters_found = profiles.len();

    // Prompts (LLM-bound) and chunk → embed → index (CPU/IO-bound) are independent: run both.
    let persona_fut = async {
        let t = Instant::now();
        let r = persona::build_all(app, &book, &profiles).await;
        (r, ms(t))
    };
    let index_fut = async {
        let t = Instant::now();
        let chunks = chunk::chunk(&text, app.config.embedding.chunk);
        let chunk_ms = ms(t);
        let t = Instant::now();
        let embedded = embed::embed(app, &chunks).await;
        let embed_ms = ms(t);
        let t = Instant::now();
        let indexed = index::index(app, book_id, &chunks, embedded).await;
        (chunks.len(), chunk_ms, embed_ms, indexed, ms(t))
    };
    let ((personas, persona_ms), (n_chunks, chunk_ms, embed_ms, indexed, index_ms)) =
        tokio::join!(persona_fut, index_fut);
    app.metrics.phase("prompt", persona_ms / 1000.0);
    app.metrics
        .phase("index", (chunk_ms + embed_ms + index_ms) / 1000.0);
    report.stages_ms.insert("persona".into(), persona_ms);
    report.stages_ms.insert("chunk".into(), chunk_ms);
    report.stages_ms.insert("embed".into(), embed_ms);
    report.stages_ms.insert("index".into(), index_ms);
    report.characters_saved = personas.saved;
    report.characters_failed = personas.failed;
    report.chunks = n_chunks;
    let indexed = indexed?;
    report.chunks_failed = indexed.failed_chunks;
    if personas.saved == 0 && !profiles.is_empty() {
        return Err("no character could be saved".into());
    }
    if indexed.failed_chunks > 0 {
        return Err(format!(
            "{} of {n_chunks} chunks failed to embed or index",
            indexed.failed_chunks
        )
        .into());
    }
    Ok(())
}
