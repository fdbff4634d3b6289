//! Records on PostgreSQL directly (sqlx), for self-hosting or a Supabase database URL. Pooler
//! safe: no server-side prepared statement cache, so it works behind PgBouncer/Supavisor in
//! transaction mode. Migrations are embedded (`migrations/postgres`) and applied by `migrate`.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::domain::{
    Book, Character, ChatSession, Message, NewBook, NewCharacter, NewSession, Role, SessionSummary,
    Turn,
};
use crate::error::StoreError;
use crate::ports::Records;
use crate::schema::{ProcessingStatus, SchemaNames};

/// One embedded migration.
pub struct Migration {
    pub version: i32,
    pub name: &'static str,
    pub sql: &'static str,
    /// Touches the security of the frontend's tables (RLS, policies, grants): applied only
    /// when asked for (`falsafa migrate --rls`).
    pub rls: bool,
}

/// The embedded migrations, applied in order, each once.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "tables",
        sql: include_str!("../../migrations/postgres/0001_tables.sql"),
        rls: false,
    },
    Migration {
        version: 2,
        name: "rls",
        sql: include_str!("../../migrations/postgres/0002_rls.sql"),
        rls: true,
    },
    Migration {
        version: 3,
        name: "append_turn",
        sql: include_str!("../../migrations/postgres/0003_append_turn.sql"),
        rls: false,
    },
    Migration {
        version: 4,
        name: "session_summaries",
        sql: include_str!("../../migrations/postgres/0004_session_summaries.sql"),
        rls: false,
    },
    Migration {
        version: 5,
        name: "rls_writes",
        sql: include_str!("../../migrations/postgres/0005_rls_writes.sql"),
        rls: true,
    },
];

pub struct PostgresRecords {
    pool: PgPool,
    names: SchemaNames,
    session_select: String,
}

/// Applies the migrations not yet recorded in `falsafa_schema_migrations` (the RLS ones only
/// `with_rls`), under an advisory lock so two runs do not race. Returns the versions applied
/// now. Run by `falsafa migrate`, never at start. (Hand-written rather than `sqlx::migrate!`:
/// that macro needs sqlx's proc-macro stack, a minute of build for ~30 lines.)
pub async fn migrate(pool: &PgPool, with_rls: bool) -> Result<Vec<i32>, StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(727365)")
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS public.falsafa_schema_migrations (\
           version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .execute(&mut *tx)
    .await?;
    let done: Vec<i32> = sqlx::query_scalar("SELECT version FROM public.falsafa_schema_migrations")
        .fetch_all(&mut *tx)
        .await?;
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| with_rls || !m.rls) {
        let (version, name, sql) = (&m.version, m.name, m.sql);
        if done.contains(version) {
            continue;
        }
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::Invalid(format!("migration {version}_{name} failed: {e}")))?;
        sqlx::query("INSERT INTO public.falsafa_schema_migrations (version, name) VALUES ($1, $2)")
            .bind(version)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        applied.push(*version);
    }
    tx.commit().await?;
    Ok(applied)
}

/// The migrations the backend needs (not the RLS ones) that this database has not had.
pub async fn pending(pool: &PgPool) -> Result<Vec<i32>, StoreError> {
    let done: Vec<i32> = sqlx::query_scalar("SELECT version FROM public.falsafa_schema_migrations")
        .fetch_all(pool)
        .await
        .unwrap_or_default();
    Ok(MIGRATIONS
        .iter()
        .filter(|m| !m.rls && !done.contains(&m.version))
        .map(|m| m.version)
        .collect())
}

impl PostgresRecords {
    pub async fn connect(url: &str, names: SchemaNames) -> Result<Self, StoreError> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Invalid(format!("DATABASE_URL: {e}")))?
            .statement_cache_capacity(0)
            .application_name("falsafa");
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(5))
            .idle_timeout(Duration::from_secs(300))
            .connect_with(opts)
            .await?;
        Ok(Self::from_pool(pool, names))
    }

    pub fn from_pool(pool: PgPool, names: SchemaNames) -> Self {
        let session_select = format!(
            "SELECT {id} AS id, user_id, character_id, book_id, message_count::bigint AS message_count, \
             {pv} AS preview FROM public.chat_sessions WHERE {id} = $1",
            id = names.session_id_column,
            pv = names.session_preview_column
        );
        PostgresRecords {
            pool,
            names,
            session_select,
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn book_from_row(&self, r: &PgRow) -> Result<Book, StoreError> {
        let status: String = r.try_get("processing_status")?;
        Ok(Book {
            id: r.try_get("id")?,
            title: r.try_get("title")?,
            author: r.try_get("author")?,
            description: r.try_get("description")?,
            category: r.try_get("category")?,
            uploader_id: r.try_get("uploader_id")?,
            file_path: r.try_get("file_path")?,
            is_public: r.try_get("is_public")?,
            processing_status: self.names.parse_status(&status).ok_or_else(|| {
                StoreError::Invalid(format!("unknown processing_status {status:?}"))
            })?,
        })
    }
}

fn character_from_row(r: &PgRow) -> Result<Character, StoreError> {
    Ok(Character {
        id: r.try_get("id")?,
        book_id: r.try_get("book_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        aliases: r.try_get("aliases")?,
        role: r.try_get("role")?,
        mention_count: r.try_get::<i32, _>("mention_count")? as i64,
        personality_traits: r.try_get("personality_traits")?,
        system_prompt: r.try_get("system_prompt")?,
        processing_version: r.try_get("processing_version")?,
        is_primary: r.try_get("is_primary")?,
        sort_order: r.try_get("sort_order")?,
    })
}

fn session_from_row(r: &PgRow) -> Result<ChatSession, StoreError> {
    Ok(ChatSession {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        character_id: r.try_get("character_id")?,
        book_id: r.try_get("book_id")?,
        message_count: r.try_get("message_count")?,
        preview: r.try_get("preview")?,
    })
}

fn message_from_row(r: &PgRow) -> Result<Message, StoreError> {
    let role: String = r.try_get("role")?;
    Ok(Message {
        id: r.try_get("id")?,
        session_id: r.try_get("session_id")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Invalid(format!("role {role:?}")))?,
        content: r.try_get("content")?,
        metadata: r.try_get("metadata")?,
        created_at: r.try_get::<DateTime<Utc>, _>("created_at")?,
    })
}

const BOOK_SELECT: &str = "SELECT b.id, b.title, b.author, b.description, c.name AS category, \
     b.uploader_id, b.file_path, b.is_public, b.processing_status \
     FROM public.books b LEFT JOIN public.categories c ON c.id = b.category_id WHERE b.id = $1";

const CHARACTER_COLUMNS: &str = "id, book_id, name, description, aliases, role, mention_count, \
     personality_traits, system_prompt, processing_version, is_primary, sort_order";

#[async_trait]
impl Records for PostgresRecords {
    async fn get_book(&self, id: Uuid) -> Result<Option<Book>, StoreError> {
        let row = sqlx::query(BOOK_SELECT)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| self.book_from_row(&r)).transpose()
    }

    async fn set_book_status(&self, id: Uuid, status: ProcessingStatus) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE public.books SET processing_status = $1, updated_at = now() WHERE id = $2",
        )
        .bind(self.names.status_word(status))
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("book {id}")));
        }
        Ok(())
    }

    async fn upsert_character(&self, c: &NewCharacter) -> Result<Character, StoreError> {
        let sql = format!(
            "INSERT INTO public.characters (book_id, name, description, aliases, role, mention_count, \
               personality_traits, system_prompt, processing_version, is_primary, sort_order) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (book_id, name) DO UPDATE SET description = excluded.description, \
               aliases = excluded.aliases, role = excluded.role, mention_count = excluded.mention_count, \
               personality_traits = excluded.personality_traits, system_prompt = excluded.system_prompt, \
               processing_version = excluded.processing_version, is_primary = excluded.is_primary, \
               sort_order = excluded.sort_order, updated_at = now(), deleted_at = NULL \
             RETURNING {CHARACTER_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(c.book_id)
            .bind(&c.name)
            .bind(&c.description)
            .bind(&c.aliases)
            .bind(&c.role)
            .bind(c.mention_count.min(i32::MAX as i64) as i32)
            .bind(&c.personality_traits)
            .bind(&c.system_prompt)
            .bind(c.processing_version)
            .bind(c.is_primary)
            .bind(c.sort_order)
            .fetch_one(&self.pool)
            .await?;
        character_from_row(&row)
    }

    async fn list_characters(&self, book_id: Uuid) -> Result<Vec<Character>, StoreError> {
        let sql = format!(
            "SELECT {CHARACTER_COLUMNS} FROM public.characters WHERE book_id = $1 AND deleted_at IS NULL \
             ORDER BY sort_order, name"
        );
        let rows = sqlx::query(&sql)
            .bind(book_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(character_from_row).collect()
    }

    async fn get_character(&self, id: Uuid) -> Result<Option<Character>, StoreError> {
        let sql = format!("SELECT {CHARACTER_COLUMNS} FROM public.characters WHERE id = $1 AND deleted_at IS NULL");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(character_from_row).transpose()
    }

    async fn get_session(&self, id: Uuid) -> Result<Option<ChatSession>, StoreError> {
        let row = sqlx::query(&self.session_select)
            .bind(id)
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
            "SELECT id, session_id, role, content, metadata, created_at FROM public.messages \
             WHERE session_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(session_id)
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
            "SELECT id, session_id, role, content, metadata, created_at FROM public.messages \
             WHERE session_id = $1 ORDER BY created_at, id OFFSET $2 LIMIT $3",
        )
        .bind(session_id)
        .bind(offset as i64)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    async fn append_turn(&self, turn: &Turn) -> Result<(ChatSession, Vec<Message>), StoreError> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "INSERT INTO public.messages (session_id, role, content, metadata, created_at) VALUES \
               ($1, 'user', $2, '{}'::jsonb, clock_timestamp()), \
               ($1, 'assistant', $3, $4, clock_timestamp() + interval '1 microsecond') \
             RETURNING id, session_id, role, content, metadata, created_at",
        )
        .bind(turn.session_id)
        .bind(&turn.user_message)
        .bind(&turn.assistant_message)
        .bind(&turn.assistant_metadata)
        .fetch_all(&mut *tx)
        .await?;
        let mut messages = rows
            .iter()
            .map(message_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        messages.sort_by_key(|m| m.created_at);
        let update = format!(
            "UPDATE public.chat_sessions SET message_count = message_count + 2, {pv} = $1, updated_at = now() \
             WHERE {id} = $2 RETURNING {id} AS id, user_id, character_id, book_id, \
             message_count::bigint AS message_count, {pv} AS preview",
            pv = self.names.session_preview_column,
            id = self.names.session_id_column
        );
        let row = sqlx::query(&update)
            .bind(&turn.preview)
            .bind(turn.session_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("session {}", turn.session_id)))?;
        let session = session_from_row(&row)?;
        tx.commit().await?;
        Ok((session, messages))
    }

    async fn get_summary(&self, session_id: Uuid) -> Result<Option<SessionSummary>, StoreError> {
        let row = sqlx::query(
            "SELECT summary, covers::bigint AS covers FROM public.falsafa_session_summaries \
             WHERE session_id = $1",
        )
        .bind(session_id)
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
        let covers = i32::try_from(summary.covers)
            .map_err(|_| StoreError::Invalid(format!("covers {} too large", summary.covers)))?;
        Ok(
            sqlx::query_scalar("SELECT public.falsafa_save_summary($1, $2, $3)")
                .bind(session_id)
                .bind(&summary.text)
                .bind(covers)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn create_book(&self, b: &NewBook) -> Result<Book, StoreError> {
        let id = b.id.unwrap_or_else(Uuid::new_v4);
        sqlx::query(
            "INSERT INTO public.books (id, title, author, description, uploader_id, file_path, is_public, \
               processing_status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(&b.title)
        .bind(&b.author)
        .bind(&b.description)
        .bind(b.uploader_id)
        .bind(&b.file_path)
        .bind(b.is_public)
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
            "INSERT INTO public.chat_sessions ({id_col}, user_id, character_id, book_id) VALUES ($1, $2, $3, $4)",
            id_col = self.names.session_id_column
        );
        sqlx::query(&sql)
            .bind(id)
            .bind(s.user_id)
            .bind(s.character_id)
            .bind(s.book_id)
            .execute(&self.pool)
            .await?;
        self.get_session(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("session {id}")))
    }
}
