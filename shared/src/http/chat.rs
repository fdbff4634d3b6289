//! `POST /character/chat`: 400 for a bad body, 404 before the stream for a missing or foreign
//! session, then SSE: `{"token"}`… `{"done","full_response"}`, or `{"error","code"}` events,
//! each with an id. With `Last-Event-ID` the same request resumes that reply from the journal.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use futures::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use crate::app::App;
use crate::chat::stream::ResumeError;
use crate::chat::{self, ChatRequest, ContextError};

use super::body::JsonBody;
use super::error::ApiError;
use super::limits;

#[tracing::instrument(skip_all, name = "http.chat", fields(session_id = %req.session_id))]
pub async fn chat(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<ChatRequest>,
) -> Result<impl IntoResponse, ApiError> {
    super::user_token::require_user(&app, &headers, req.user_id).await?;
    let chars = req.user_message.chars().count();
    if req.user_message.trim().is_empty() {
        return Err(ApiError::bad_request("user_message is empty"));
    }
    if chars > app.config.chat.max_message_chars {
        return Err(ApiError::bad_request(format!(
            "user_message is longer than {} characters",
            app.config.chat.max_message_chars
        )));
    }
    let resume_from = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| ApiError::bad_request("Last-Event-ID is not text"))?
                .to_string(),
        ),
        None => None,
    };
    // A resumed stream is a request like any other: it counts against the same limits. The
    // session must exist and be the caller's, for a new reply or a resumed one. Both checks
    // are independent reads, so they go to the stores together.
    let limit = app.config.limits.chat_per_minute;
    let (admitted, ctx) = tokio::join!(
        limits::rate(&app, "chat", req.user_id, limit, Duration::from_secs(60)),
        chat::context::load(&app, &req)
    );
    admitted?;
    let ctx = ctx.map_err(|e| match e {
        ContextError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
        ContextError::Store(e) => ApiError::internal(e),
    })?;
    let slot = limits::stream_slot(&app, req.user_id).await?;
    let rx = match resume_from {
        Some(last) => chat::stream::resume(app, req.session_id, &last, slot)
            .await
            .map_err(|e| match e {
                ResumeError::BadId => ApiError::bad_request(e.to_string()),
                ResumeError::Gone => ApiError::not_found(e.to_string()),
            })?,
        None => chat::spawn_turn(app, ctx, req, slot),
    };
    // The frames are complete SSE events already (`chat::stream`): the body just forwards them.
    let frames = ReceiverStream::new(rx).map(Ok::<_, Infallible>);
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(frames),
    ))
}
