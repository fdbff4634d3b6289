//! Stage `finish`: sets `processing_status` and counts the job.

use uuid::Uuid;

use crate::app::App;
use crate::schema::ProcessingStatus;

use super::IngestReport;

pub async fn finish(
    app: &App,
    book_id: Uuid,
    report: &mut IngestReport,
    outcome: Result<(), String>,
) -> ProcessingStatus {
    let status = match &outcome {
        Ok(()) => ProcessingStatus::Completed,
        Err(e) => {
            tracing::error!(error = %e, "ingestion failed");
            report.error = Some(e.clone());
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
