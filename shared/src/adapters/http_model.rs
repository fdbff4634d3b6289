//! Shared plumbing of the HTTP model adapters: one client per adapter with timeouts, error
//! classification by status (429 → rate-limited, 5xx → transient, other 4xx → rejected), and
//! retries with exponential backoff for the retryable ones.

use std::time::Duration;

use reqwest::{RequestBuilder, Response, StatusCode};

use crate::error::ModelError;

pub const ATTEMPTS: u32 = 3;

/// A client whose connect and whole-request timeouts are set (streams use `read_timeout`).
pub fn client(timeout: Duration) -> Result<reqwest::Client, ModelError> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(timeout)
        .build()
        .map_err(|e| ModelError::Rejected(format!("HTTP client: {e}")))
}

/// Maps an HTTP failure to the error kind that decides retrying.
pub async fn classify(resp: Response) -> ModelError {
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    let body = crate::text::preview(&body, 300);
    match status {
        StatusCode::TOO_MANY_REQUESTS => ModelError::RateLimited(body),
        s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => {
            ModelError::Transient(format!("{s}: {body}"))
        }
        s => ModelError::Rejected(format!("{s}: {body}")),
    }
}

/// Sends the request built by `make` until it answers 2xx, retrying 429/5xx/network errors
/// with backoff (250 ms, 500 ms, …). Only the start of a response is retried, never a stream
/// that already produced output.
pub async fn send_with_retry(make: impl FnMut() -> RequestBuilder) -> Result<Response, ModelError> {
    send_with_retry_unless(make, |_| false).await
}

/// `send_with_retry`, but an error `permanent` recognises is returned at once (a server that
/// will never take this request: retrying it wastes a call).
pub async fn send_with_retry_unless(
    mut make: impl FnMut() -> RequestBuilder,
    permanent: impl Fn(&ModelError) -> bool,
) -> Result<Response, ModelError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let err = match make().send().await {
            Ok(resp) if resp.status().is_success() => return Ok(resp),
            Ok(resp) => classify(resp).await,
            Err(e) if e.is_timeout() || e.is_connect() => ModelError::Transient(e.to_string()),
            Err(e) => ModelError::Transient(e.to_string()),
        };
        if !err.is_retryable() || attempt >= ATTEMPTS || permanent(&err) {
            return Err(err);
        }
        let wait = Duration::from_millis(250 * 2u64.pow(attempt - 1));
        tracing::warn!(error = %err, attempt, ?wait, "model call retry");
        tokio::time::sleep(wait).await;
    }
}

/// A temperature as the API should read it: `0.3`, not the f32's `0.30000001192092896`.
pub fn wire_temperature(t: f32) -> f64 {
    (t as f64 * 1000.0).round() / 1000.0
}

/// Adds `Authorization: Bearer` when a key is configured (local servers often need none).
pub fn with_bearer(rb: RequestBuilder, key: &Option<String>) -> RequestBuilder {
    match key {
        Some(k) => rb.bearer_auth(k),
        None => rb,
    }
}
