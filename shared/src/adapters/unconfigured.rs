//! The store a function does not use: every call answers `Unavailable` naming the setting.
//! `App::build_for` binds it to ports outside a role's `Uses`, so each Lambda function starts
//! with only its own stores and secrets (the `ops` function needs no database, the `poller` no
//! indexes) and a Lambda binary needs no embedded store to fall back on.

use async_trait::async_trait;
use uuid::Uuid;

use crate::domain::{
    Book, Character, ChatSession, Chunk, Message, NewBook, NewCharacter, NewSession, Passage,
    SessionSummary, Turn,
};
use crate::error::StoreError;
use crate::ports::vector_index::VectorPoint;
use crate::ports::{LexicalIndex, PromptArchive, Records, VectorIndex};
use crate::schema::ProcessingStatus;

/// A port left unbound; `what` names the store (and its setting) in every error.
pub struct Unconfigured {
    pub what: &'static str,
}

impl Unconfigured {
    fn err<T>(&self) -> Result<T, StoreError> {
        Err(StoreError::Unavailable(format!(
            "{} is not configured for this function",
            self.what
        )))
    }
}

#[async_trait]
impl Records for Unconfigured {
    async fn get_book(&self, _: Uuid) -> Result<Option<Book>, StoreError> {
        self.err()
    }
    async fn set_book_status(&self, _: Uuid, _: ProcessingStatus) -> Result<(), StoreError> {
        self.err()
    }
    async fn upsert_character(&self, _: &NewCharacter) -> Result<Character, StoreError> {
        self.err()
    }
    async fn list_characters(&self, _: Uuid) -> Result<Vec<Character>, StoreError> {
        self.err()
    }
    async fn get_character(&self, _: Uuid) -> Result<Option<Character>, StoreError> {
        self.err()
    }
    async fn get_session(&self, _: Uuid) -> Result<Option<ChatSession>, StoreError> {
        self.err()
    }
    async fn recent_messages(&self, _: Uuid, _: usize) -> Result<Vec<Message>, StoreError> {
        self.err()
    }
    async fn messages_range(
        &self,
        _: Uuid,
        _: usize,
        _: usize,
    ) -> Result<Vec<Message>, StoreError> {
        self.err()
    }
    async fn append_turn(&self, _: &Turn) -> Result<(ChatSession, Vec<Message>), StoreError> {
        self.err()
    }
    async fn get_summary(&self, _: Uuid) -> Result<Option<SessionSummary>, StoreError> {
        self.err()
    }
    async fn save_summary(&self, _: Uuid, _: &SessionSummary) -> Result<bool, StoreError> {
        self.err()
    }
    async fn create_book(&self, _: &NewBook) -> Result<Book, StoreError> {
        self.err()
    }
    async fn create_session(&self, _: &NewSession) -> Result<ChatSession, StoreError> {
        self.err()
    }
}

#[async_trait]
impl VectorIndex for Unconfigured {
    async fn recreate(&self, _: Uuid, _: usize) -> Result<(), StoreError> {
        self.err()
    }
    async fn upsert(&self, _: Uuid, _: Vec<VectorPoint>) -> Result<(), StoreError> {
        self.err()
    }
    async fn search(&self, _: Uuid, _: &[f32], _: usize) -> Result<Vec<Passage>, StoreError> {
        self.err()
    }
    async fn count(&self, _: Uuid) -> Result<Option<usize>, StoreError> {
        self.err()
    }
}

#[async_trait]
impl LexicalIndex for Unconfigured {
    async fn recreate(&self, _: Uuid) -> Result<(), StoreError> {
        self.err()
    }
    async fn upsert(&self, _: Uuid, _: &[Chunk]) -> Result<(), StoreError> {
        self.err()
    }
    async fn search(&self, _: Uuid, _: &str, _: usize) -> Result<Vec<Passage>, StoreError> {
        self.err()
    }
    async fn document_ids(&self, _: Uuid) -> Result<Option<Vec<String>>, StoreError> {
        self.err()
    }
}

#[async_trait]
impl PromptArchive for Unconfigured {
    async fn store(&self, _: Uuid, _: &str, _: &str) -> Result<String, StoreError> {
        self.err()
    }
    async fn load(&self, _: Uuid, _: &str) -> Result<Option<String>, StoreError> {
        self.err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_call_names_the_missing_store() {
        let u = Unconfigured {
            what: "records (SUPABASE_URL or DATABASE_URL)",
        };
        let e = Records::get_book(&u, Uuid::nil()).await.unwrap_err();
        assert!(e.to_string().contains("SUPABASE_URL"), "{e}");
        assert!(LexicalIndex::search(&u, Uuid::nil(), "q", 1).await.is_err());
    }
}
