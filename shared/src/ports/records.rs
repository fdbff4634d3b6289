//! Records port: the frontend's relational tables as the backend sees them.

use async_trait::async_trait;
use uuid::Uuid;

use crate::domain::{
    Book, Character, ChatSession, Message, NewBook, NewCharacter, NewSession, SessionSummary, Turn,
};
use crate::error::StoreError;
use crate::schema::ProcessingStatus;

#[async_trait]
pub trait Records: Send + Sync {
    async fn get_book(&self, id: Uuid) -> Result<Option<Book>, StoreError>;
    /// Updates `processing_status`, the one book field the backend owns.
    async fn set_book_status(&self, id: Uuid, status: ProcessingStatus) -> Result<(), StoreError>;
    /// Inserts or updates the character keyed by `(book_id, name)`; idempotent on re-ingestion.
    async fn upsert_character(&self, c: &NewCharacter) -> Result<Character, StoreError>;
    /// The book's characters, most important first (`sort_order`).
    async fn list_characters(&self, book_id: Uuid) -> Result<Vec<Character>, StoreError>;
    async fn get_character(&self, id: Uuid) -> Result<Option<Character>, StoreError>;
    async fn get_session(&self, id: Uuid) -> Result<Option<ChatSession>, StoreError>;
    /// The last `limit` messages of a session, oldest first.
    async fn recent_messages(
        &self,
        session_id: Uuid,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError>;
    /// `limit` messages of a session from the `offset`-th (0: its first), oldest first.
    async fn messages_range(
        &self,
        session_id: Uuid,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError>;
    /// Writes both messages and bumps `message_count` / `preview` in one transaction.
    async fn append_turn(&self, turn: &Turn) -> Result<(ChatSession, Vec<Message>), StoreError>;
    /// The session's rolling summary, if one was written.
    async fn get_summary(&self, session_id: Uuid) -> Result<Option<SessionSummary>, StoreError>;
    /// Stores `summary` unless the stored one already covers as many messages or more (two
    /// folds racing keep the newer); true when it was written.
    async fn save_summary(
        &self,
        session_id: Uuid,
        summary: &SessionSummary,
    ) -> Result<bool, StoreError>;

    /// Frontend stand-in (dev commands, demo, tests): a `pending` book row.
    async fn create_book(&self, b: &NewBook) -> Result<Book, StoreError>;
    /// Frontend stand-in: a chat session row.
    async fn create_session(&self, s: &NewSession) -> Result<ChatSession, StoreError>;
}
