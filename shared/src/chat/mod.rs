//! The chat flow for one message, as named stages: `context` (caches, 404s) → `lock` →
//! `rewrite` ∥ `retrieve` (vector ∥ lexical) → `fuse` (RRF + rerank) → `generate` (stream) →
//! `persist` → `release` → `done` → `fold` (the rolling summary, off the reader's path).
//! Everything after `context` runs in a task of its own, so a client that goes away does not
//! stop the turn: it finishes, persists and releases the lock.

pub mod context;
pub mod fold;
pub mod fuse;
pub mod generate;
pub mod keys;
pub mod lock;
pub mod passages;
pub mod persist;
pub mod release;
pub mod retrieve;
pub mod rewrite;
pub mod stream;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tracing::Instrument;
use uuid::Uuid;

use crate::app::App;
use crate::http::limits::StreamSlot;
use crate::ports::llm::Usage;

pub use context::{ContextError, TurnContext};
pub use stream::{Emitter, Sent};

/// `POST /character/chat` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatRequest {
    pub user_id: Uuid,
    pub character_id: Uuid,
    pub book_id: Uuid,
    pub session_id: Uuid,
    pub user_message: String,
}

/// One SSE event of a chat stream.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    Token(String),
    Done {
        full_response: String,
        citations: Vec<u32>,
        usage: Option<Usage>,
        model: String,
        offline: bool,
    },
    Error {
        message: String,
        code: u16,
    },
}

impl ChatEvent {
    /// The `data:` JSON of the event, as the contract spells it.
    pub fn to_json(&self) -> Value {
        match self {
            ChatEvent::Token(t) => json!({ "token": t }),
            ChatEvent::Done {
                full_response,
                citations,
                usage,
                model,
                offline,
            } => {
                let mut v = json!({ "done": true, "full_response": full_response, "citations": citations, "model": model });
                if let Some(u) = usage {
                    v["usage"] = json!(u);
                }
                if *offline {
                    v["offline"] = json!(true);
                }
                v
            }
            ChatEvent::Error { message, code } => json!({ "error": message, "code": code }),
        }
    }

    /// Writes the `data:` JSON of the event into `out`. A token (the hot path) is written
    /// straight from the borrowed text, without building a JSON tree.
    pub fn write_data(&self, out: impl std::io::Write) -> serde_json::Result<()> {
        #[derive(Serialize)]
        struct TokenData<'a> {
            token: &'a str,
        }
        match self {
            ChatEvent::Token(t) => serde_json::to_writer(out, &TokenData { token: t }),
            other => serde_json::to_writer(out, &other.to_json()),
        }
    }

    /// A `done` event that ends a stream which produced no reply.
    pub fn empty_done(model: &str) -> ChatEvent {
        ChatEvent::Done {
            full_response: String::new(),
            citations: vec![],
            usage: None,
            model: model.into(),
            offline: false,
        }
    }
}

/// Starts the turn after `context` succeeded; events arrive on the returned receiver.
/// `slot` (the user's stream slot, if limits are on) is given back when the reply is over.
pub fn spawn_turn(
    app: Arc<App>,
    ctx: TurnContext,
    req: ChatRequest,
    slot: Option<StreamSlot>,
) -> mpsc::Receiver<Sent> {
    let (tx, rx) = mpsc::channel(256);
    let span =
        tracing::info_span!("chat", session_id = %req.session_id, character_id = %req.character_id);
    tokio::spawn(run_turn(app, ctx, req, Emitter::new(tx), slot).instrument(span));
    rx
}

/// Gives the stream slot back (before the final event, so the reader's next message finds it).
async fn free(app: &App, slot: &mut Option<StreamSlot>) {
    if let Some(slot) = slot.take() {
        slot.free(app).await;
    }
}

async fn run_turn(
    app: Arc<App>,
    ctx: TurnContext,
    req: ChatRequest,
    mut out: Emitter,
    mut slot: Option<StreamSlot>,
) {
    // Retrieval needs no lock: it runs while the lock is taken and the journal started (a
    // refused turn wastes one search, a granted one starts sooner).
    let (locked, passages) = tokio::join!(
        async {
            let locked = lock::acquire(&app, req.session_id).await;
            if let Ok(Some(_)) = &locked {
                out.start_journal(app.clone(), req.session_id).await;
            }
            locked
        },
        passages::passages_for(&app, &ctx, req.book_id, &req.user_message)
    );
    let held = match locked {
        Ok(Some(h)) => h,
        Ok(None) => {
            free(&app, &mut slot).await;
            out.emit(ChatEvent::Error {
                message: "another reply is already streaming for this session".into(),
                code: 429,
            })
            .await;
            out.emit(ChatEvent::empty_done(app.llm.model())).await;
            return;
        }
        Err(e) => {
            tracing::error!(error = %e, "session lock unavailable");
            free(&app, &mut slot).await;
            out.emit(ChatEvent::Error {
                message: "the session lock store is unavailable; try again".into(),
                code: 503,
            })
            .await;
            out.emit(ChatEvent::empty_done(app.llm.model())).await;
            return;
        }
    };
    let keeper = lock::keep_alive(app.clone(), held.clone());
    let generation = generate::generate(&app, &ctx, &req.user_message, &passages, &mut out).await;

    let citations: Vec<u32> = passages.iter().map(|p| p.chunk_index).collect();
    let persisted = persist::persist(&app, &ctx, &req.user_message, &generation, &citations).await;
    keeper.abort();
    release::release(&app, &held).await;
    free(&app, &mut slot).await;

    let fresh = match (&generation.error, persisted) {
        (None, Ok(fresh)) => {
            out.emit(ChatEvent::Done {
                full_response: generation.text,
                citations,
                usage: generation.usage,
                model: app.llm.model().into(),
                offline: app.llm.is_offline(),
            })
            .await;
            Some(fresh)
        }
        (Some(e), persisted) => {
            tracing::warn!(error = %e, partial_chars = generation.text.len(), "LLM failed mid-stream");
            out.emit(ChatEvent::Error {
                message: format!("the model failed: {e}"),
                code: 502,
            })
            .await;
            persisted.ok()
        }
        (None, Err(e)) => {
            tracing::error!(error = %e, "turn could not be saved");
            out.emit(ChatEvent::Error {
                message: "the reply could not be saved; please retry".into(),
                code: 500,
            })
            .await;
            None
        }
    };
    // The reply is over for the reader; the summary fold is not on its path. Under `serve` the
    // stream closes now; on Lambda it stays open (the reader already has `done`) until the fold
    // is over, because a frozen instance would never finish it.
    if !app.config.chat.fold_inside_stream {
        drop(out);
    }
    if let Some(fresh) = fresh {
        fold::fold(&app, &ctx.character.name, &fresh).await;
    }
    if app.config.metrics_flush_each_request {
        // Lambda: the invocation ends with this stream; its metrics go with it.
        if let Err(e) = app.metrics.flush(app.fleet.as_ref()).await {
            tracing::warn!(error = %e, "metrics flush failed; retried on the next one");
        }
    }
}

#[cfg(test)]
mod event_tests {
    use super::*;

    #[test]
    fn the_fast_token_path_writes_the_same_json() {
        let data = |ev: &ChatEvent| {
            let mut out = Vec::new();
            ev.write_data(&mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        for t in ["plain", "with \"quotes\" and \\ and\nnewline", "ünï💥", ""] {
            let ev = ChatEvent::Token(t.to_string());
            assert_eq!(data(&ev), ev.to_json().to_string());
        }
        let done = ChatEvent::empty_done("m");
        assert_eq!(data(&done), done.to_json().to_string());
    }
}
