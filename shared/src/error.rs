//! Library error types: one enum per family of failure, so callers can map them to HTTP statuses
//! or SSE events in one place (`http::error`).

use thiserror::Error;

/// A failure of a storage port (records, indexes, cache, lock, queue, archive, dispatch).
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("invalid data in store: {0}")]
    Invalid(String),
}

impl StoreError {
    pub fn unavailable(e: impl std::fmt::Display) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                StoreError::Invalid(e.to_string())
            }
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Invalid(e.to_string())
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

/// A failure of a model port (LLM, embeddings, reranker).
#[derive(Debug, Error)]
pub enum ModelError {
    #[error("model rate-limited: {0}")]
    RateLimited(String),
    #[error("model transient failure: {0}")]
    Transient(String),
    #[error("model request rejected: {0}")]
    Rejected(String),
    #[error("model answer malformed: {0}")]
    Malformed(String),
}

impl ModelError {
    /// Whether a retry with backoff may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, ModelError::RateLimited(_) | ModelError::Transient(_))
    }
}

/// Configuration that cannot start the service; the message names the variable to fix.
#[derive(Debug, Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

/// Why a book could not be fetched.
#[derive(Debug, Clone, Error)]
pub enum FetchError {
    #[error("file_url is not a valid URL: {0}")]
    BadUrl(String),
    #[error("file must be .txt or .md, got {0:?}")]
    BadExtension(String),
    #[error("file_url is not allowed: {0}")]
    Forbidden(String),
    #[error("download failed: {0}")]
    Download(String),
    #[error("file is larger than the {0}-byte limit")]
    TooLarge(u64),
    #[error("file is not valid UTF-8 text")]
    NotUtf8,
    #[error("file is empty")]
    Empty,
}
