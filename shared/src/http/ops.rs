//! `GET /health` (checks nothing) and `GET /metrics` (Prometheus text), no cache headers.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::app::App;

pub async fn health() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain")], "ok")
}

pub async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
}
