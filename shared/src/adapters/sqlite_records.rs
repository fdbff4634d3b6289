//! Records on an embedded SQLite file: the default when no database is configured. WAL mode and
//! a busy timeout let `falsafa book add` write while `falsafa serve` runs on the same file.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

use crate::domain::{
    Book, Character, ChatSession, Message, NewBook, NewCharacter, NewSession, Role, SessionSummary,
    Turn,
};
use crate::error::StoreError;
use crate::ports::Records;
use crate::schema::{ProcessingStatus, SchemaNames};

const SCHEMA: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_session_summaries.sql"),
];

pub struct SqliteRecords {
    pool: SqlitePool,
    names: SchemaNames,
    session_select: String,
}

impl SqliteRecords {
    /// Opens (creating if needed) the database file and applies the schema.
    pub async fn open(path: &Path, names: SchemaNames) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)?;
            }
        }
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        for ddl in SCHEMA {
            let ddl = ddl
                .replace("{session_id}", &names.session_id_column)
                .replace("{preview}", &names.session_preview_column);
            sqlx::raw_sql(&ddl).execute(&pool).await?;
        }
        let session_select = format!(
            "SELECT {id} AS id, user_id, character_id, book_id, message_count, {pv} AS preview \
             FROM chat_sessions WHERE {id} = ?",
            id = names.session_id_column,
            pv = names.session_preview_column
        );
        Ok(SqliteRecords {
            pool,
            names,
            session_select,
        })
    }

    fn book_from_row(&self, r: &SqliteRow) -> Result<Book, StoreError> {
        let status: String = r.try_get("processing_status")?;
        Ok(Book {
            id: uuid_col(r, "id")?,
            title: r.try_get("title")?,
            author: r.try_get("author")?,
            description: r.try_get("description")?,
            category: r.try_get("category")?,
            uploader_id: opt_uuid_col(r, "uploader_id")?,
            file_path: r.try_get("file_path")?,
            is_public: r.try_get::<i64, _>("is_public")? != 0,
            processing_status: self.names.parse_status(&status).ok_or_else(|| {
                StoreError::Invalid(format!("unknown processing_status {status:?}"))
            })?,
        })
    }
}

fn uuid_col(r: &SqliteRow, col: &str) -> Result<Uuid, StoreError> {
    let s: String = r.try_get(col)?;
    Uuid::parse_str(&s).map_err(|e| StoreError::Invalid(format!("{col}: {e}")))
}

fn opt_uuid_col(r: &SqliteRow, col: &str) -> Result<Option<Uuid>, StoreError> {
    let s: Option<String> = r.try_get(col)?;
    s.map(|s| Uuid::parse_str(&s).map_err(|e| StoreError::Invalid(format!("{col}: {e}"))))
        .transpose()
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn character_from_row(r: &SqliteRow) -> Result<Character, StoreError> {
    let aliases: String = r.try_get("aliases")?;
    let traits: String = r.try_get("personality_traits")?;
    Ok(Character {
        id: uuid_col(r, "id")?,
        book_id: uuid_col(r, "book_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        aliases: serde_json::from_str(&aliases)?,
        role: r.try_get("role")?,
        mention_count: r.try_get("mention_count")?,
        personality_traits: serde_json::from_str(&traits)?,
        system_prompt: r.try_get("system_prompt")?,
        processing_version: r.try_get::<i64, _>("processing_version")? as i32,
        is_primary: r.try_get::<i64, _>("is_primary")? != 0,
        sort_order: r.try_get::<i64, _>("sort_order")? as i32,
    })
}

fn session_from_row(r: &SqliteRow) -> Result<ChatSession, StoreError> {
    Ok(ChatSession {
        id: uuid_col(r, "id")?,
        user_id: uuid_col(r, "user_id")?,
        character_id: uuid_col(r, "character_id")?,
        book_id: uuid_col(r, "book_id")?,
        message_count: r.try_get("message_count")?,
        preview: r.try_get("preview")?,
    })
}

fn message_from_row(r: &SqliteRow) -> Result<Message, StoreError> {
    let role: String = r.try_get("role")?;
    let metadata: String = r.try_get("metadata")?;
    let created: String = r.try_get("created_at")?;
    Ok(Message {
        id: uuid_col(r, "id")?,
        session_id: uuid_col(r, "session_id")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Invalid(format!("role {role:?}")))?,
        content: r.try_get("content")?,
        metadata: serde_json::from_str(&metadata)?,
        created_at: DateTime::parse_from_rfc3339(&created)
            .map_err(|e| StoreError::Invalid(format!("created_at: {e}")))?
            .with_timezone(&Utc),
    })
}

const BOOK_SELECT: &str = "SELECT b.id, b.title, b.author, b.description, c.name AS category, \
     b.uploader_id, b.file_path, b.is_public, b.processing_status \
     FROM books b LEFT JOIN categories c ON c.id = b.category_id WHERE b.id = ?";

const CHARACTER_COLUMNS: &str = "id, book_id, name, description, aliases, role, mention_count, \
     personality_traits, system_prompt, processing_version, is_primary, sort_order";

#[async_trait]
impl Records for SqliteRecords {
    async fn get_book(&self, id: Uuid) -> Result<Option<Book>, StoreError> {
        let row = sqlx::query(BOOK_SELECT)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| self.book_from_row(&r)).transpose()
    }

    async fn set_book_status(&self, id: Uuid, status: ProcessingStatus) -> Result<(), StoreError> {
        let done =
            sqlx::query("UPDATE books SET processing_status = ?, updated_at = ? WHERE id = ?")
                .bind(self.names.status_word(status))
                .bind(now_text())
                .bind(id.to_string())
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("book {id}")));
        }
        Ok(())
    }

    async fn upsert_character(&self, c: &NewCharacter) -> Result<Character, StoreError> {
        let sql = format!(
            "INSERT INTO characters (id, book_id, name, description, aliases, role, mention_count, \
               personality_traits, system_prompt, processing_version, is_primary, sort_order, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (book_id, name) DO UPDATE SET description = excluded.description, \
               aliases = excluded.aliases, role = excluded.role, mention_count = excluded.mention_count, \
               personality_traits = excluded.personality_traits, system_prompt = excluded.system_prompt, \
               processing_version = excluded.processing_version, is_primary = excluded.is_primary, \
               sort_order = excluded.sort_order, updated_at = excluded.updated_at, deleted_at = NULL \
             RETURNING {CHARACTER_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(Uuid::new_v4().to_string())
            .bind(c.book_id.to_string())
            .bind(&c.name)
            .bind(&c.description)
            .bind(serde_json::to_string(&c.aliases)?)
            .bind(&c.role)
            .bind(c.mention_count)
            .bind(serde_json::to_string(&c.personality_traits)?)
            .bind(&c.system_prompt)
            .bind(c.processing_version as i64)
            .bind(c.is_primary as i64)
            .bind(c.sort_order as i64)
            .bind(now_text())
            .fetch_one(&self.pool)
            .await?;
        character_from_row(&row)
    }

    async fn list_characters(&self, book_id: Uuid) -> Result<Vec<Character>, StoreError> {
        let sql = format!(
            "SELECT {CHARACTER_COLUMNS} FROM characters WHERE book_id = ? AND deleted_at IS NULL \
             ORDER BY sort_order, name"
        );
        let rows = sqlx::query(&sql)
            .bind(book_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(character_from_row).collect()
    }

    async fn get_character(&self, id: Uuid) -> Result<Option<Character>, StoreError> {
        let sql = format!(
            "SELECT {CHARACTER_COLUMNS} FROM characters WHERE id = ? AND deleted_at IS NULL"
        );
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(character_from_row).transpose()
    }

    async fn get_session(&self, id: Uuid) -> Result<Option<ChatSession>, StoreError> {
        let row = sqlx::query(&self.session_select)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn recent_messages(
        &self,
        session_id: Uuid,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, session_id, role, content, metadata, created_at FROM messages \
             WHERE session_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
        )
        .bind(session_id.to_string())
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows
            .iter()
            .map(message_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        out.reverse();
        Ok(out)
    }

    async fn messages_range(
        &self,
        session_id: Uuid,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, session_id, role, content, metadata, created_at FROM messages \
             WHERE session_id = ? ORDER BY created_at, rowid LIMIT ? OFFSET ?",
        )
        .bind(session_id.to_string())
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    async fn append_turn(&self, turn: &Turn) -> Result<(ChatSession, Vec<Message>), StoreError> {
        let mut tx = self.pool.begin().await?;
        let user_at = Utc::now();
        let assistant_at = user_at + chrono::Duration::microseconds(1);
        let messages = vec![
            Message {
                id: Uuid::new_v4(),
                session_id: turn.session_id,
                role: Role::User,
                content: turn.user_message.clone(),
                metadata: serde_json::json!({}),
                created_at: user_at,
            },
            Message {
                id: Uuid::new_v4(),
                session_id: turn.session_id,
                role: Role::Assistant,
                content: turn.assistant_message.clone(),
                metadata: turn.assistant_metadata.clone(),
                created_at: assistant_at,
            },
        ];
        for m in &messages {
            sqlx::query(
                "INSERT INTO messages (id, session_id, role, content, metadata, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(m.id.to_string())
            .bind(m.session_id.to_string())
            .bind(m.role.as_str())
            .bind(&m.content)
            .bind(serde_json::to_string(&m.metadata)?)
            .bind(m.created_at.to_rfc3339_opts(SecondsFormat::Micros, true))
            .execute(&mut *tx)
            .await?;
        }
        let update = format!(
            "UPDATE chat_sessions SET message_count = message_count + 2, {pv} = ?, updated_at = ? \
             WHERE {id} = ?",
            pv = self.names.session_preview_column,
            id = self.names.session_id_column
        );
        let done = sqlx::query(&update)
            .bind(&turn.preview)
            .bind(now_text())
            .bind(turn.session_id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("session {}", turn.session_id)));
        }
        let row = sqlx::query(&self.session_select)
            .bind(turn.session_id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let session = session_from_row(&row)?;
        tx.commit().await?;
        Ok((session, messages))
    }

    async fn get_summary(&self, session_id: Uuid) -> Result<Option<SessionSummary>, StoreError> {
        let row = sqlx::query(
            "SELECT summary, covers FROM falsafa_session_summaries WHERE session_id = ?",
        )
        .bind(session_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SessionSummary {
                text: r.try_get("summary")?,
                covers: r.try_get("covers")?,
            })
        })
        .transpose()
    }

    async fn save_summary(
        &self,
        session_id: Uuid,
        summary: &SessionSummary,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO falsafa_session_summaries (session_id, summary, covers, updated_at) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (session_id) DO UPDATE \
             SET summary = excluded.summary, covers = excluded.covers, updated_at = excluded.updated_at \
             WHERE falsafa_session_summaries.covers < excluded.covers",
        )
        .bind(session_id.to_string())
        .bind(&summary.text)
        .bind(summary.covers)
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn create_book(&self, b: &NewBook) -> Result<Book, StoreError> {
        let id = b.id.unwrap_or_else(Uuid::new_v4);
        sqlx::query(
            "INSERT INTO books (id, title, author, description, uploader_id, file_path, is_public, \
               processing_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(&b.title)
        .bind(&b.author)
        .bind(&b.description)
        .bind(b.uploader_id.map(|u| u.to_string()))
        .bind(&b.file_path)
        .bind(b.is_public as i64)
        .bind(self.names.status_word(ProcessingStatus::Pending))
        .execute(&self.pool)
        .await?;
        self.get_book(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("book {id}")))
    }

    async fn create_session(&self, s: &NewSession) -> Result<ChatSession, StoreError> {
        let id = s.id.unwrap_or_else(Uuid::new_v4);
        let sql = format!(
            "INSERT INTO chat_sessions ({id_col}, user_id, character_id, book_id) VALUES (?, ?, ?, ?)",
            id_col = self.names.session_id_column
        );
        sqlx::query(&sql)
            .bind(id.to_string())
            .bind(s.user_id.to_string())
            .bind(s.character_id.to_string())
            .bind(s.book_id.to_string())
            .execute(&self.pool)
            .await?;
        self.get_session(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("session {id}")))
    }
}
