//! "No reranker": keeps the fusion order (the original's behaviour without a Jina key).

use async_trait::async_trait;

use crate::domain::Passage;
use crate::error::ModelError;
use crate::ports::Reranker;

pub struct NoReranker;

#[async_trait]
impl Reranker for NoReranker {
    async fn rerank(
        &self,
        _query: &str,
        mut passages: Vec<Passage>,
        top_n: usize,
    ) -> Result<Vec<Passage>, ModelError> {
        passages.truncate(top_n);
        Ok(passages)
    }
}
