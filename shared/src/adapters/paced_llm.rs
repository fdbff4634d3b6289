//! Wraps any LLM and spaces its tokens after the first (`LLM_TOKEN_DELAY_MS`): gives the offline
//! responder a model's pace for demos, load tests and the concurrency tests (two chats that must
//! overlap). `bench chat` also gives it a remote model's latency before the first token: one for
//! the reply (`--model-ttft-ms`), one for the rewrite and summary calls (`--rewrite-ms`).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;

use crate::error::ModelError;
use crate::ports::llm::LlmStream;
use crate::ports::{Llm, LlmEvent, LlmRequest, LlmTask};

pub struct PacedLlm {
    inner: Arc<dyn Llm>,
    delay: Duration,
    replies_only: bool,
    reply_first_token: Duration,
    other_first_token: Duration,
}

impl PacedLlm {
    pub fn new(inner: Arc<dyn Llm>, delay: Duration) -> Self {
        PacedLlm {
            inner,
            delay,
            replies_only: false,
            reply_first_token: Duration::ZERO,
            other_first_token: Duration::ZERO,
        }
    }

    /// Waits `reply` before a reply's first token and `other` before any other call's.
    pub fn first_token_after(mut self, reply: Duration, other: Duration) -> Self {
        self.reply_first_token = reply;
        self.other_first_token = other;
        self
    }

    /// Paces only the chat reply (`bench chat`: rewrite and summary stay instant, so the
    /// overhead measured is the backend's own).
    pub fn replies_only(mut self) -> Self {
        self.replies_only = true;
        self
    }
}

#[async_trait]
impl Llm for PacedLlm {
    fn model(&self) -> &str {
        self.inner.model()
    }

    fn is_offline(&self) -> bool {
        self.inner.is_offline()
    }

    async fn stream(&self, req: LlmRequest) -> Result<LlmStream, ModelError> {
        let reply = req.task == LlmTask::Reply;
        let paced = !self.replies_only || reply;
        let delay = if paced { self.delay } else { Duration::ZERO };
        let wait = if reply {
            self.reply_first_token
        } else {
            self.other_first_token
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let s = self.inner.stream(req).await?;
        // The first token comes at once (as from a model whose prompt is processed); the
        // others are spaced by `delay`.
        // The closing usage event follows the last token at once, as a model's does.
        Ok(Box::pin(s.enumerate().then(move |(i, ev)| async move {
            let token = matches!(ev, Ok(LlmEvent::Token(_)));
            if i > 0 && token && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            ev
        })))
    }
}
