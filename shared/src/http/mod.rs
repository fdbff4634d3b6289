//! The axum routers. One `Router` per function (processing, chat, ops) and `all` for the local
//! server; the same handlers answer on Lambda (lambda_http), on a socket and in tests.

pub mod auth;
pub mod body;
pub mod chat;
pub mod error;
pub mod jwks;
pub mod limits;
pub mod metrics_layer;
pub mod ops;
pub mod processing;
pub mod user_token;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;

use crate::app::App;

/// Largest accepted request body (the two business bodies are a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

fn finish(router: Router<Arc<App>>, app: Arc<App>) -> Router {
    router
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            metrics_layer::track,
        ))
        .with_state(app)
}

/// The business routes, behind the caller check (`auth`).
fn business(app: &Arc<App>, routes: Router<Arc<App>>) -> Router<Arc<App>> {
    routes.layer(axum::middleware::from_fn_with_state(
        app.clone(),
        auth::require_api_key,
    ))
}

/// `POST /character/processing`.
pub fn processing_router(app: Arc<App>) -> Router {
    let routes = Router::new().route("/character/processing", post(processing::submit));
    finish(business(&app, routes), app)
}

/// `POST /character/chat` (SSE).
pub fn chat_router(app: Arc<App>) -> Router {
    let routes = Router::new().route("/character/chat", post(chat::chat));
    finish(business(&app, routes), app)
}

/// `GET /metrics`, behind the caller check when `METRICS_REQUIRE_KEY=1`.
fn metrics_route(app: &Arc<App>) -> Router<Arc<App>> {
    let route = Router::new().route("/metrics", get(ops::metrics));
    if app.config.metrics_require_key {
        business(app, route)
    } else {
        route
    }
}

/// `GET /health` (always open), `GET /metrics`.
pub fn ops_router(app: Arc<App>) -> Router {
    let routes = Router::new()
        .route("/health", get(ops::health))
        .merge(metrics_route(&app));
    finish(routes, app)
}

/// Every route, for `falsafa serve` and the tests.
pub fn router(app: Arc<App>) -> Router {
    let routes = business(
        &app,
        Router::new()
            .route("/character/processing", post(processing::submit))
            .route("/character/chat", post(chat::chat)),
    )
    .route("/health", get(ops::health))
    .merge(metrics_route(&app));
    finish(routes, app)
}
