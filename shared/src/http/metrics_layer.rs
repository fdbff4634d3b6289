//! Request metrics: `http_requests_total`, `http_request_duration_seconds`,
//! `http_requests_in_progress`, labelled by the matched route (never the raw path). Every
//! `METRICS_FLUSH_MS` a request also pushes the deltas to the fleet totals, off the request path;
//! on Lambda (`metrics_flush_each_request`) every request does, before its response is handed
//! back, so no invocation's metrics are left in a frozen instance. (A chat stream's own metrics
//! are flushed when its turn ends, inside the stream: `chat::run_turn`.)

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::app::App;

pub async fn track(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let endpoint = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().as_str().to_string();
    let m = &app.metrics;
    let in_progress = m
        .http_requests_in_progress
        .with_label_values(&[&method, &endpoint]);
    in_progress.inc();
    let started = Instant::now();
    let resp = next.run(req).await;
    in_progress.dec();
    m.http_request_duration_seconds
        .with_label_values(&[&method, &endpoint])
        .observe(started.elapsed().as_secs_f64());
    m.http_requests_total
        .with_label_values(&[&method, &endpoint, resp.status().as_str()])
        .inc();
    if app.config.metrics_flush_each_request {
        if let Err(e) = m.flush(app.fleet.as_ref()).await {
            tracing::warn!(error = %e, "metrics flush failed; retried on the next one");
        }
    } else if m.flush_due(app.config.metrics_flush_interval) {
        let app = app.clone();
        tokio::spawn(async move {
            if let Err(e) = app.metrics.flush(app.fleet.as_ref()).await {
                tracing::warn!(error = %e, "metrics flush failed; retried on the next one");
            }
        });
    }
    resp
}
