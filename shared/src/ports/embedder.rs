//! Embeddings port: text to fixed-dimension vectors.

use async_trait::async_trait;

use crate::error::ModelError;

#[async_trait]
pub trait Embedder: Send + Sync {
    fn dimension(&self) -> usize;
    /// Human-readable model name for logs and metadata.
    fn model(&self) -> &str;
    /// One vector per input, in order.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, ModelError>;
}
