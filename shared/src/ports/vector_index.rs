//! Vector index port: one collection per book (`{book_id}`), cosine, point id = chunk index.

use async_trait::async_trait;
use uuid::Uuid;

use crate::domain::Passage;
use crate::error::StoreError;

/// A point to upsert.
#[derive(Debug, Clone)]
pub struct VectorPoint {
    pub chunk_index: u32,
    pub vector: Vec<f32>,
    pub text: String,
}

#[async_trait]
pub trait VectorIndex: Send + Sync {
    /// Drops the book's collection if it exists and creates it empty with `dimension`.
    async fn recreate(&self, book_id: Uuid, dimension: usize) -> Result<(), StoreError>;
    /// Inserts or replaces points by chunk index.
    async fn upsert(&self, book_id: Uuid, points: Vec<VectorPoint>) -> Result<(), StoreError>;
    /// The `k` nearest chunks by cosine similarity, best first.
    async fn search(
        &self,
        book_id: Uuid,
        vector: &[f32],
        k: usize,
    ) -> Result<Vec<Passage>, StoreError>;
    /// Number of points in the collection (`None` when it does not exist).
    async fn count(&self, book_id: Uuid) -> Result<Option<usize>, StoreError>;
}
