//! Stand-ins with a remote service's latency, for `falsafa bench chat --embed-ms/--rerank-ms`:
//! an embedder that waits before answering with the wrapped one's vectors, and a reranker that
//! waits and keeps the order it was given (what a reranker agreeing with fusion would do).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::domain::Passage;
use crate::error::ModelError;
use crate::ports::{Embedder, Reranker};

pub struct SlowEmbedder {
    pub inner: Arc<dyn Embedder>,
    pub latency: Duration,
}

#[async_trait]
impl Embedder for SlowEmbedder {
    fn dimension(&self) -> usize {
        self.inner.dimension()
    }

    fn model(&self) -> &str {
        self.inner.model()
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, ModelError> {
        tokio::time::sleep(self.latency).await;
        self.inner.embed(texts).await
    }
}

pub struct SlowReranker {
    pub latency: Duration,
}

#[async_trait]
impl Reranker for SlowReranker {
    async fn rerank(
        &self,
        _query: &str,
        mut passages: Vec<Passage>,
        top_n: usize,
    ) -> Result<Vec<Passage>, ModelError> {
        tokio::time::sleep(self.latency).await;
        passages.truncate(top_n);
        Ok(passages)
    }
}
