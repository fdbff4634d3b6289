//! Records over Supabase's REST layer (PostgREST) with the service-role key: the production
//! default. A small typed client on the workspace's reqwest rather than `postgrest` 1.6
//! (postgrest-rs): that crate pulls reqwest 0.11 and hyper 0.14 beside our reqwest 0.12 (a second
//! HTTP and TLS stack in every Lambda, more binary and cold start) and hands back raw strings;
//! the dozen requests here are typed end to end. The chat turn is one `rpc/falsafa_append_turn`
//! call, atomic in the database.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::domain::{
    Book, Character, ChatSession, Message, NewBook, NewCharacter, NewSession, Role, SessionSummary,
    Turn,
};
use crate::error::StoreError;
use crate::ports::Records;
use crate::schema::{ProcessingStatus, SchemaNames};

pub struct SupabaseRecords {
    rest: String,
    key: String,
    http: reqwest::Client,
    names: SchemaNames,
}

const BOOK_SELECT: &str =
    "id,title,author,description,uploader_id,file_path,is_public,processing_status,category:categories(name)";
const CHARACTER_SELECT: &str =
    "id,book_id,name,description,aliases,role,mention_count,personality_traits,\
     system_prompt,processing_version,is_primary,sort_order";
const MESSAGE_SELECT: &str = "id,session_id,role,content,metadata,created_at";

#[derive(Deserialize)]
struct BookRow {
    id: Uuid,
    title: String,
    author: Option<String>,
    description: Option<String>,
    uploader_id: Option<Uuid>,
    file_path: Option<String>,
    #[serde(default)]
    is_public: bool,
    processing_status: String,
    category: Option<Value>,
}

#[derive(Deserialize)]
struct CharacterRow {
    id: Uuid,
    book_id: Uuid,
    name: String,
    description: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    role: Option<String>,
    #[serde(default)]
    mention_count: i64,
    #[serde(default)]
    personality_traits: Value,
    #[serde(default)]
    system_prompt: String,
    #[serde(default)]
    processing_version: i32,
    #[serde(default)]
    is_primary: bool,
    #[serde(default)]
    sort_order: i32,
}

impl From<CharacterRow> for Character {
    fn from(r: CharacterRow) -> Self {
        Character {
            id: r.id,
            book_id: r.book_id,
            name: r.name,
            description: r.description,
            aliases: r.aliases,
            role: r.role,
            mention_count: r.mention_count,
            personality_traits: r.personality_traits,
            system_prompt: r.system_prompt,
            processing_version: r.processing_version,
            is_primary: r.is_primary,
            sort_order: r.sort_order,
        }
    }
}

#[derive(Deserialize)]
struct MessageRow {
    id: Uuid,
    session_id: Uuid,
    role: String,
    content: String,
    #[serde(default)]
    metadata: Value,
    created_at: DateTime<Utc>,
}

impl TryFrom<MessageRow> for Message {
    type Error = StoreError;
    fn try_from(r: MessageRow) -> Result<Self, StoreError> {
        Ok(Message {
            id: r.id,
            session_id: r.session_id,
            role: Role::parse(&r.role)
                .ok_or_else(|| StoreError::Invalid(format!("role {:?}", r.role)))?,
            content: r.content,
            metadata: r.metadata,
            created_at: r.created_at,
        })
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("supabase: {e}"))
}

impl SupabaseRecords {
    pub fn new(url: &str, service_role_key: &str, names: SchemaNames) -> Result<Self, StoreError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(unavailable)?;
        Ok(SupabaseRecords {
            rest: format!("{}/rest/v1", url.trim_end_matches('/')),
            key: service_role_key.to_string(),
            http,
            names,
        })
    }

    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}/{path}", self.rest))
            .header("apikey", &self.key)
            .bearer_auth(&self.key)
            .header("Accept", "application/json")
    }

    async fn send<T: DeserializeOwned>(&self, rb: RequestBuilder) -> Result<T, StoreError> {
        let resp = rb.send().await.map_err(unavailable)?;
        let status = resp.status();
        let body = resp.text().await.map_err(unavailable)?;
        if status.is_success() {
            return serde_json::from_str(&body)
                .map_err(|e| StoreError::Invalid(format!("supabase answer: {e}: {body}")));
        }
        let message = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or(body);
        Err(match status {
            StatusCode::NOT_FOUND => StoreError::NotFound(message),
            s if s.is_client_error()
                && s != StatusCode::UNAUTHORIZED
                && s != StatusCode::FORBIDDEN =>
            {
                StoreError::Invalid(format!("supabase {s}: {message}"))
            }
            s => StoreError::Unavailable(format!("supabase {s}: {message}")),
        })
    }

    fn session_select(&self) -> String {
        format!(
            "id:{},user_id,character_id,book_id,message_count,preview:{}",
            self.names.session_id_column, self.names.session_preview_column
        )
    }

    fn book(&self, r: BookRow) -> Result<Book, StoreError> {
        Ok(Book {
            id: r.id,
            title: r.title,
            author: r.author,
            description: r.description,
            category: r
                .category
                .and_then(|c| c.get("name").and_then(|n| n.as_str()).map(str::to_string)),
            uploader_id: r.uploader_id,
            file_path: r.file_path,
            is_public: r.is_public,
            processing_status: self
                .names
                .parse_status(&r.processing_status)
                .ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "unknown processing_status {:?}",
                        r.processing_status
                    ))
                })?,
        })
    }
}

#[async_trait]
impl Records for SupabaseRecords {
    async fn get_book(&self, id: Uuid) -> Result<Option<Book>, StoreError> {
        let rows: Vec<BookRow> = self
            .send(
                self.req(Method::GET, "books")
                    .query(&[("id", format!("eq.{id}")), ("select", BOOK_SELECT.into())]),
            )
            .await?;
        rows.into_iter().next().map(|r| self.book(r)).transpose()
    }

    async fn set_book_status(&self, id: Uuid, status: ProcessingStatus) -> Result<(), StoreError> {
        let rows: Vec<Value> = self
            .send(
                self.req(Method::PATCH, "books")
                    .query(&[("id", format!("eq.{id}")), ("select", "id".into())])
                    .header("Prefer", "return=representation")
                    .json(&json!({"processing_status": self.names.status_word(status)})),
            )
            .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound(format!("book {id}")));
        }
        Ok(())
    }

    async fn upsert_character(&self, c: &NewCharacter) -> Result<Character, StoreError> {
        let rows: Vec<CharacterRow> = self
            .send(
                self.req(Method::POST, "characters")
                    .query(&[("on_conflict", "book_id,name"), ("select", CHARACTER_SELECT)])
                    .header("Prefer", "resolution=merge-duplicates,return=representation")
                    .json(&json!([{
                        "book_id": c.book_id, "name": c.name, "description": c.description,
                        "aliases": c.aliases, "role": c.role, "mention_count": c.mention_count,
                        "personality_traits": c.personality_traits, "system_prompt": c.system_prompt,
                        "processing_version": c.processing_version, "is_primary": c.is_primary,
                        "sort_order": c.sort_order, "deleted_at": null,
                    }])),
            )
            .await?;
        rows.into_iter()
            .next()
            .map(Into::into)
            .ok_or_else(|| StoreError::Invalid("upsert returned no row".into()))
    }

    async fn list_characters(&self, book_id: Uuid) -> Result<Vec<Character>, StoreError> {
        let rows: Vec<CharacterRow> = self
            .send(self.req(Method::GET, "characters").query(&[
                ("book_id", format!("eq.{book_id}")),
                ("deleted_at", "is.null".into()),
                ("order", "sort_order.asc,name.asc".into()),
                ("select", CHARACTER_SELECT.into()),
            ]))
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn get_character(&self, id: Uuid) -> Result<Option<Character>, StoreError> {
        let rows: Vec<CharacterRow> = self
            .send(self.req(Method::GET, "characters").query(&[
                ("id", format!("eq.{id}")),
                ("deleted_at", "is.null".into()),
                ("select", CHARACTER_SELECT.into()),
            ]))
            .await?;
        Ok(rows.into_iter().next().map(Into::into))
    }

    async fn get_session(&self, id: Uuid) -> Result<Option<ChatSession>, StoreError> {
        let rows: Vec<ChatSession> = self
            .send(self.req(Method::GET, "chat_sessions").query(&[
                (self.names.session_id_column.as_str(), format!("eq.{id}")),
                ("select", self.session_select()),
            ]))
            .await?;
        Ok(rows.into_iter().next())
    }

    async fn recent_messages(
        &self,
        session_id: Uuid,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let rows: Vec<MessageRow> = self
            .send(self.req(Method::GET, "messages").query(&[
                ("session_id", format!("eq.{session_id}")),
                ("order", "created_at.desc,id.desc".into()),
                ("limit", limit.to_string()),
                ("select", MESSAGE_SELECT.into()),
            ]))
            .await?;
        let mut out = rows
            .into_iter()
            .map(Message::try_from)
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
        let rows: Vec<MessageRow> = self
            .send(self.req(Method::GET, "messages").query(&[
                ("session_id", format!("eq.{session_id}")),
                ("order", "created_at.asc,id.asc".into()),
                ("offset", offset.to_string()),
                ("limit", limit.to_string()),
                ("select", MESSAGE_SELECT.into()),
            ]))
            .await?;
        rows.into_iter().map(Message::try_from).collect()
    }

    async fn append_turn(&self, turn: &Turn) -> Result<(ChatSession, Vec<Message>), StoreError> {
        #[derive(Deserialize)]
        struct Written {
            session: Value,
            messages: Vec<MessageRow>,
        }
        let w: Written = self
            .send(
                self.req(Method::POST, "rpc/falsafa_append_turn")
                    .json(&json!({
                        "p_session_id": turn.session_id,
                        "p_user_message": turn.user_message,
                        "p_assistant_message": turn.assistant_message,
                        "p_metadata": turn.assistant_metadata,
                        "p_preview": turn.preview,
                    })),
            )
            .await?;
        let s = &w.session;
        let session = ChatSession {
            id: serde_json::from_value(s["id"].clone())?,
            user_id: serde_json::from_value(s["user_id"].clone())?,
            character_id: serde_json::from_value(s["character_id"].clone())?,
            book_id: serde_json::from_value(s["book_id"].clone())?,
            message_count: s["message_count"].as_i64().unwrap_or(0),
            preview: s["preview"].as_str().map(str::to_string),
        };
        let messages = w
            .messages
            .into_iter()
            .map(Message::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((session, messages))
    }

    async fn get_summary(&self, session_id: Uuid) -> Result<Option<SessionSummary>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            summary: String,
            covers: i64,
        }
        let rows: Vec<Row> = self
            .send(self.req(Method::GET, "falsafa_session_summaries").query(&[
                ("session_id", format!("eq.{session_id}")),
                ("select", "summary,covers".into()),
            ]))
            .await?;
        Ok(rows.into_iter().next().map(|r| SessionSummary {
            text: r.summary,
            covers: r.covers,
        }))
    }

    async fn save_summary(
        &self,
        session_id: Uuid,
        summary: &SessionSummary,
    ) -> Result<bool, StoreError> {
        self.send(
            self.req(Method::POST, "rpc/falsafa_save_summary")
                .json(&json!({
                    "p_session_id": session_id,
                    "p_summary": summary.text,
                    "p_covers": summary.covers,
                })),
        )
        .await
    }

    async fn create_book(&self, b: &NewBook) -> Result<Book, StoreError> {
        let id = b.id.unwrap_or_else(Uuid::new_v4);
        let _: Vec<Value> = self
            .send(self.req(Method::POST, "books").query(&[("select", "id")]).header("Prefer", "return=representation").json(&json!([{
                "id": id, "title": b.title, "author": b.author, "description": b.description,
                "uploader_id": b.uploader_id, "file_path": b.file_path, "is_public": b.is_public,
                "processing_status": self.names.status_word(ProcessingStatus::Pending),
            }])))
            .await?;
        self.get_book(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("book {id}")))
    }

    async fn create_session(&self, s: &NewSession) -> Result<ChatSession, StoreError> {
        let id = s.id.unwrap_or_else(Uuid::new_v4);
        let mut row =
            json!({"user_id": s.user_id, "character_id": s.character_id, "book_id": s.book_id});
        row[self.names.session_id_column.as_str()] = json!(id);
        let _: Vec<Value> = self
            .send(
                self.req(Method::POST, "chat_sessions")
                    .query(&[("select", "user_id")])
                    .header("Prefer", "return=representation")
                    .json(&json!([row])),
            )
            .await?;
        self.get_session(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("session {id}")))
    }
}
