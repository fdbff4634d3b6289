//! `GET /health` (checks nothing) and `GET /metrics` (Prometheus text of the fleet totals).

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::app::App;

pub async fn health() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain")], "ok")
}

/// The fleet's totals (this instance's deltas flushed first). If the fleet store is down the
/// answer is this instance's own figures, marked as such, rather than an error.
pub async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    let fleet = async {
        app.metrics.flush(app.fleet.as_ref()).await?;
        app.fleet.totals().await
    };
    let body = match fleet.await {
        Ok(totals) => app.metrics.render_fleet(&totals),
        Err(e) => {
            tracing::warn!(error = %e, "fleet metrics unavailable; serving this instance's");
            format!(
                "# fleet totals unavailable ({e}); this instance only\n{}",
                app.metrics.render()
            )
        }
    };
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
