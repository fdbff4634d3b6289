//! Prompt archive port: `{root}/{book_id}/{safe_name}.md`, written at ingestion, never deleted.

use async_trait::async_trait;
use uuid::Uuid;

use crate::error::StoreError;

#[async_trait]
pub trait PromptArchive: Send + Sync {
    /// Stores the prompt and returns where it lives.
    async fn store(
        &self,
        book_id: Uuid,
        safe_name: &str,
        prompt: &str,
    ) -> Result<String, StoreError>;
    async fn load(&self, book_id: Uuid, safe_name: &str) -> Result<Option<String>, StoreError>;
}
