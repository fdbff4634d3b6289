//! Caller authentication for the business endpoints: the frontend's server sends the shared
//! backend key in `X-API-Key`; it is compared in constant time and a missing or wrong key is a
//! 401 before any work. With no `BACKEND_API_KEY` configured the endpoints are open (local
//! development); `App::build` logs a warning so nobody deploys that by accident. A second key,
//! `SERVICE_API_KEY`, is the service's own: accepted the same way, and marked on the request
//! (`Caller::Service`) for the few things only the service may do.

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

/// Who called, by the key they sent (a request extension set by `require_api_key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// The frontend's server (`BACKEND_API_KEY`), or anyone when no key is configured.
    Frontend,
    /// The service itself (`SERVICE_API_KEY`).
    Service,
}

pub async fn require_api_key(
    State(app): State<Arc<App>>,
    mut req: Request,
    next: Next,
) -> Response {
    let given = req
        .headers()
        .get(API_KEY_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let is = |key: Option<&str>| key.is_some_and(|k| keys_match(given, k.as_bytes()));
    let caller = if is(app.config.service_api_key.as_deref()) {
        Caller::Service
    } else if app.config.backend_api_key.is_none() || is(app.config.backend_api_key.as_deref()) {
        Caller::Frontend
    } else {
        tracing::warn!(path = %req.uri().path(), "rejected a call without a valid X-API-Key");
        return ApiError::new(StatusCode::UNAUTHORIZED, "missing or invalid X-API-Key")
            .into_response();
    };
    req.extensions_mut().insert(caller);
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
