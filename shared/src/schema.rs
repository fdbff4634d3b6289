//! The few names that differ between deployments of the frontend's schema, kept in one place:
//! the `processing_status` words and the two `chat_sessions` column names. The HLD's names are
//! the defaults; an older frontend's schema is a configuration change (see `Config`).

use serde::{Deserialize, Serialize};

/// Where a book is in ingestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProcessingStatus {
    Pending,
    Processing,
    Completed,
    Failed,
}

/// Deployment-specific names of statuses and session columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaNames {
    pub status_pending: String,
    pub status_processing: String,
    pub status_completed: String,
    pub status_failed: String,
    /// Primary key column of `chat_sessions` (`id`; older frontends: `session_id`).
    pub session_id_column: String,
    /// Preview column of `chat_sessions` (`preview`; older frontends: `last_message_preview`).
    pub session_preview_column: String,
}

impl Default for SchemaNames {
    fn default() -> Self {
        SchemaNames {
            status_pending: "pending".into(),
            status_processing: "processing".into(),
            status_completed: "completed".into(),
            status_failed: "failed".into(),
            session_id_column: "id".into(),
            session_preview_column: "preview".into(),
        }
    }
}

impl SchemaNames {
    /// The stored word for a status.
    pub fn status_word(&self, s: ProcessingStatus) -> &str {
        match s {
            ProcessingStatus::Pending => &self.status_pending,
            ProcessingStatus::Processing => &self.status_processing,
            ProcessingStatus::Completed => &self.status_completed,
            ProcessingStatus::Failed => &self.status_failed,
        }
    }

    /// The status a stored word means, if any.
    pub fn parse_status(&self, word: &str) -> Option<ProcessingStatus> {
        [
            ProcessingStatus::Pending,
            ProcessingStatus::Processing,
            ProcessingStatus::Completed,
            ProcessingStatus::Failed,
        ]
        .into_iter()
        .find(|s| self.status_word(*s) == word)
    }

    /// Column names must be plain identifiers: they are spliced into SQL and PostgREST paths.
    pub fn validate(&self) -> Result<(), String> {
        for c in [&self.session_id_column, &self.session_preview_column] {
            if c.is_empty() || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') {
                return Err(format!("column name {c:?} must match [A-Za-z0-9_]+"));
            }
        }
        Ok(())
    }
}
