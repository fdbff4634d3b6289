//! `POST /character/chat`: 400 for a bad body, 404 before the stream for a missing or foreign
//! session, then SSE: `{"token"}`… `{"done","full_response"}`, or `{"error","code"}` events.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, Sse};
use axum::response::IntoResponse;
use futures::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use crate::app::App;
use crate::chat::{self, ChatRequest, ContextError};

use super::body::JsonBody;
use super::error::ApiError;
use super::limits;

#[tracing::instrument(skip_all, name = "http.chat", fields(session_id = %req.session_id))]
pub async fn chat(
    State(app): State<Arc<App>>,
    JsonBody(req): JsonBody<ChatRequest>,
) -> Result<impl IntoResponse, ApiError> {
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
    let limit = app.config.limits.chat_per_minute;
    limits::rate(&app, "chat", req.user_id, limit, Duration::from_secs(60)).await?;
    let ctx = chat::context::load(&app, &req).await.map_err(|e| match e {
        ContextError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
        ContextError::Store(e) => ApiError::internal(e),
    })?;
    let slot = limits::stream_slot(&app, req.user_id).await?;
    let rx = chat::spawn_turn(app, ctx, req, slot);
    let events = ReceiverStream::new(rx).enumerate().map(|(i, ev)| {
        Ok::<_, Infallible>(
            Event::default()
                .id(i.to_string())
                .data(ev.to_json().to_string()),
        )
    });
    Ok(Sse::new(events))
}
