//! Caller authentication for the business endpoints: the frontend's server sends the shared
//! backend key in `X-API-Key`; it is compared in constant time and a missing or wrong key is a
//! 401 before any work. With no `BACKEND_API_KEY` configured the endpoints are open (local
//! development); `App::build` logs a warning so nobody deploys that by accident.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::app::App;

use super::error::ApiError;

pub const API_KEY_HEADER: &str = "x-api-key";

/// Constant-time equality (length differences leak only the length).
pub fn keys_match(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len() && bool::from(given.ct_eq(expected))
}

pub async fn require_api_key(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let Some(expected) = app.config.backend_api_key.as_deref() else {
        return next.run(req).await;
    };
    let given = req
        .headers()
        .get(API_KEY_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !keys_match(given, expected.as_bytes()) {
        tracing::warn!(path = %req.uri().path(), "rejected a call without a valid X-API-Key");
        return ApiError::new(StatusCode::UNAUTHORIZED, "missing or invalid X-API-Key")
            .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_exactly() {
        assert!(keys_match(b"s3cret-key", b"s3cret-key"));
        assert!(!keys_match(b"s3cret-kez", b"s3cret-key"));
        assert!(!keys_match(b"s3cret", b"s3cret-key"));
        assert!(!keys_match(b"", b"s3cret-key"));
    }
}
