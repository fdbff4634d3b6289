//! Lexical (BM25) index port: one collection per book, document id `{book_id}:{chunk_index}`.

use async_trait::async_trait;
use uuid::Uuid;

use crate::domain::{Chunk, Passage};
use crate::error::StoreError;

#[async_trait]
pub trait LexicalIndex: Send + Sync {
    /// Drops the book's collection if it exists and creates it empty.
    async fn recreate(&self, book_id: Uuid) -> Result<(), StoreError>;
    /// Inserts or replaces documents by id.
    async fn upsert(&self, book_id: Uuid, chunks: &[Chunk]) -> Result<(), StoreError>;
    /// The `k` best BM25 matches for `query`, best first.
    async fn search(
        &self,
        book_id: Uuid,
        query: &str,
        k: usize,
    ) -> Result<Vec<Passage>, StoreError>;
    /// Document ids in the collection, sorted (`None` when it does not exist).
    async fn document_ids(&self, book_id: Uuid) -> Result<Option<Vec<String>>, StoreError>;
}
