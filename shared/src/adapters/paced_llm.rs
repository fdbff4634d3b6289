//! Wraps any LLM and spaces its tokens (`LLM_TOKEN_DELAY_MS`): gives the offline responder a
//! model's pace for demos, load tests and the concurrency tests (two chats that must overlap).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;

use crate::error::ModelError;
use crate::ports::llm::LlmStream;
use crate::ports::{Llm, LlmRequest};

pub struct PacedLlm {
    inner: Arc<dyn Llm>,
    delay: Duration,
}

impl PacedLlm {
    pub fn new(inner: Arc<dyn Llm>, delay: Duration) -> Self {
        PacedLlm { inner, delay }
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
        let delay = self.delay;
        let s = self.inner.stream(req).await?;
        Ok(Box::pin(s.then(move |ev| async move {
            tokio::time::sleep(delay).await;
            ev
        })))
    }
}
