//! `falsafa serve-embeddings`: the in-process sentence embedder behind an OpenAI-compatible
//! `POST /v1/embeddings`. The Lambda functions do not carry the model; pointed at this server
//! (`EMBEDDING_PROVIDER=openai`, `EMBEDDING_BASE_URL=http://host:port/v1`,
//! `EMBEDDING_DIMENSION=384`) they embed with the same model through the same HTTP adapter as
//! any hosted API, so both paths give the same vectors (tested, BENCHMARKS.md).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{rejection::JsonRejection, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use shared::ports::Embedder;

/// Inputs one request may carry (OpenAI's own limit).
const MAX_INPUTS: usize = 2048;
/// Characters one input may hold (the model reads its first 256 tokens anyway).
const MAX_INPUT_CHARS: usize = 100_000;

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Input {
    One(String),
    Many(Vec<String>),
}

#[derive(serde::Deserialize)]
struct Request {
    input: Input,
    #[serde(default)]
    encoding_format: Option<String>,
}

/// An error in OpenAI's shape: `{"error": {"message", "type"}}`.
fn error(status: StatusCode, kind: &str, message: impl Into<String>) -> Response {
    let body = json!({"error": {"message": message.into(), "type": kind, "code": null}});
    (status, Json(body)).into_response()
}

async fn embeddings(
    State(embedder): State<Arc<dyn Embedder>>,
    body: Result<Json<Request>, JsonRejection>,
) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(e) => return error(e.status(), "invalid_request_error", e.body_text()),
    };
    if req.encoding_format.as_deref().is_some_and(|f| f != "float") {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "only encoding_format \"float\" is served",
        );
    }
    let texts = match req.input {
        Input::One(t) => vec![t],
        Input::Many(ts) => ts,
    };
    if texts.is_empty() || texts.len() > MAX_INPUTS {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            format!("input must hold 1 to {MAX_INPUTS} texts"),
        );
    }
    if let Some(i) = texts
        .iter()
        .position(|t| t.is_empty() || t.len() > MAX_INPUT_CHARS)
    {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            format!("input[{i}] must hold 1 to {MAX_INPUT_CHARS} characters"),
        );
    }
    match embedder.embed(&texts).await {
        Ok(vectors) => {
            let data: Vec<Value> = vectors
                .into_iter()
                .enumerate()
                .map(|(i, v)| json!({"object": "embedding", "index": i, "embedding": v}))
                .collect();
            Json(json!({
                "object": "list",
                "data": data,
                "model": embedder.model(),
                "usage": {"prompt_tokens": 0, "total_tokens": 0},
            }))
            .into_response()
        }
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            e.to_string(),
        ),
    }
}

/// The router: `POST /v1/embeddings` over `embedder`.
pub fn router(embedder: Arc<dyn Embedder>) -> Router {
    Router::new()
        .route("/v1/embeddings", post(embeddings))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(embedder)
}

/// Serves `embedder` on `addr` until the process is told to stop.
pub async fn serve(embedder: Arc<dyn Embedder>, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    // The first line on stdout names the bound address (port 0 picks one).
    println!(
        "serving {} ({} dimensions) on http://{}/v1/embeddings",
        embedder.model(),
        embedder.dimension(),
        listener.local_addr()?
    );
    axum::serve(listener, router(embedder))
        .with_graceful_shutdown(crate::local::shutdown_signal())
        .await?;
    Ok(())
}

/// `falsafa serve-embeddings`: loads the model `config` names (`EMBEDDING_MODEL`, default
/// all-MiniLM-L6-v2; `EMBEDDING_MODEL_PATH` or the data directory's cache) and serves it.
pub async fn run(config: &shared::Config, addr: SocketAddr) -> anyhow::Result<()> {
    let name = crate::local::local_model_name();
    let embedder = shared::adapters::local_embedder::LocalEmbedder::open(
        &name,
        config.embedding.model_path.as_deref(),
        &config.data_dir,
    )
    .await?;
    serve(Arc::new(embedder), addr).await
}
