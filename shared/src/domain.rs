//! The domain: rows the backend reads and writes, the job it queues, and the values that flow
//! between stages. Field names follow the frontend's tables (see CONTRACT.md).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::schema::ProcessingStatus;

/// A `books` row with its category name (what `chat:book:{id}` caches).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Book {
    pub id: Uuid,
    pub title: String,
    pub author: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub uploader_id: Option<Uuid>,
    pub file_path: Option<String>,
    pub is_public: bool,
    pub processing_status: ProcessingStatus,
}

/// A book as the frontend creates it (dev commands and tests stand in for the frontend).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewBook {
    pub id: Option<Uuid>,
    pub title: String,
    pub author: Option<String>,
    pub description: Option<String>,
    pub uploader_id: Option<Uuid>,
    pub file_path: Option<String>,
    pub is_public: bool,
}

/// A `characters` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Character {
    pub id: Uuid,
    pub book_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub aliases: Vec<String>,
    pub role: Option<String>,
    pub mention_count: i64,
    pub personality_traits: serde_json::Value,
    pub system_prompt: String,
    pub processing_version: i32,
    pub is_primary: bool,
    pub sort_order: i32,
}

/// What ingestion writes for one character; upserted on `(book_id, name)` so a re-run of the
/// same book updates rows instead of duplicating them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCharacter {
    pub book_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub aliases: Vec<String>,
    pub role: Option<String>,
    pub mention_count: i64,
    pub personality_traits: serde_json::Value,
    pub system_prompt: String,
    pub processing_version: i32,
    pub is_primary: bool,
    pub sort_order: i32,
}

/// A `chat_sessions` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatSession {
    pub id: Uuid,
    pub user_id: Uuid,
    pub character_id: Uuid,
    pub book_id: Uuid,
    pub message_count: i64,
    pub preview: Option<String>,
}

/// A session as the frontend creates it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewSession {
    pub id: Option<Uuid>,
    pub user_id: Uuid,
    pub character_id: Uuid,
    pub book_id: Uuid,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
    Character,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Character => "character",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "user" => Some(Role::User),
            "assistant" => Some(Role::Assistant),
            "character" => Some(Role::Character),
            _ => None,
        }
    }
}

/// A `messages` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: Uuid,
    pub session_id: Uuid,
    pub role: Role,
    pub content: String,
    pub metadata: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// One chat turn written atomically: both messages plus the session's count and preview.
#[derive(Debug, Clone)]
pub struct Turn {
    pub session_id: Uuid,
    pub user_message: String,
    pub assistant_message: String,
    pub assistant_metadata: serde_json::Value,
    pub preview: String,
}

/// The job dict pushed to `processing_queue` (JSON, one per book submission).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub job_id: String,
    pub book_id: Uuid,
    pub file_url: String,
    pub user_id: Uuid,
    pub enqueued_at: DateTime<Utc>,
    /// The intake's copy of the file in the intake store (`INTAKE_STORAGE_PATH`), read instead
    /// of `file_url` while it exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intake_copy: Option<String>,
}

/// A contiguous piece of the book, the unit of both indexes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    pub index: u32,
    pub text: String,
}

/// A passage found by retrieval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    pub chunk_index: u32,
    pub text: String,
    pub score: f32,
}

/// What the session cache (`chat:sess:{id}`) holds: the row, the last messages and a summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionContext {
    pub session: ChatSession,
    pub recent: Vec<Message>,
    pub summary: Option<String>,
    /// How many of the session's messages (from its first) `summary` has folded in.
    #[serde(default)]
    pub summary_covers: i64,
}

/// The rolling summary of a session's older messages, as the records store keeps it
/// (`falsafa_session_summaries`): the text and how many messages, from the first, it covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub text: String,
    pub covers: i64,
}

/// The query-rewrite result cached under `chat:qr:{character_id}:{hash}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewrittenQuery {
    pub narrative: String,
    pub keywords: String,
}
