//! Reranker port: reorders retrieved passages for a query.

use async_trait::async_trait;

use crate::domain::Passage;
use crate::error::ModelError;

#[async_trait]
pub trait Reranker: Send + Sync {
    /// Returns the passages best first, at most `top_n`.
    async fn rerank(
        &self,
        query: &str,
        passages: Vec<Passage>,
        top_n: usize,
    ) -> Result<Vec<Passage>, ModelError>;
}
