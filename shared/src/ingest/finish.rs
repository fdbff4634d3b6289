//! Stage `finish`: sets `processing_status` and counts the job. A retryable failure on an
//! attempt that is not the last leaves the book `processing` for the next delivery.

use uuid::Uuid;

use crate::app::App;
use crate::schema::ProcessingStatus;

use super::{IngestReport, StageFailure};

pub async fn finish(
    app: &App,
    book_id: Uuid,
    report: &mut IngestReport,
    outcome: Result<(), StageFailure>,
    final_attempt: bool,
) -> ProcessingStatus {
    let status = match &outcome {
        Ok(()) => ProcessingStatus::Completed,
        Err(e) if e.retryable && !final_attempt => {
            tracing::warn!(error = %e.message, "ingestion attempt failed; the job will be retried");
            report.error = Some(e.message.clone());
            report.retry = true;
            app.metrics
                .processing_jobs_processed_total
                .with_label_values(&["retry"])
                .inc();
            return ProcessingStatus::Processing;
        }
        Err(e) => {
            tracing::error!(error = %e.message, "ingestion failed");
            report.error = Some(e.message.clone());
            ProcessingStatus::Failed
        }
    };
    if let Err(e) = app.records.set_book_status(book_id, status).await {
        tracing::error!(error = %e, ?status, "could not record the book's final status");
    }
    let label = if status == ProcessingStatus::Completed {
        "success"
    } else {
        "failed"
    };
    app.metrics
        .processing_jobs_processed_total
        .with_label_values(&[label])
        .inc();
    status
}
