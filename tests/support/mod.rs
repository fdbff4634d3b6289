//! Test support: a real `falsafa` server on loopback over a temporary data directory, a loopback
//! file server standing in for Supabase Storage, and small HTTP helpers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use functions::local::LocalServer;
use serde_json::{json, Value};
use shared::domain::{NewBook, NewSession};
use shared::{App, Config};
use uuid::Uuid;

pub mod model_server;
pub mod postgrest;
pub mod qdrant_server;
pub mod services;

pub use functions::demo::BUNDLED_TEXT;
pub use functions::sse_client::{chat, ChatOutcome};

pub struct TestServer {
    pub server: LocalServer,
    pub app: Arc<App>,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    /// Embedded stores in a fresh directory, loopback file URLs allowed, plus `extra` variables.
    pub async fn start(extra: &[(&str, &str)]) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut vars: HashMap<String, String> = HashMap::new();
        vars.insert(
            "FALSAFA_DATA_DIR".into(),
            dir.path().to_string_lossy().into_owned(),
        );
        vars.insert("FALSAFA_ALLOW_LOOPBACK_URLS".into(), "1".into());
        vars.insert("POLL_INTERVAL_MS".into(), "200".into());
        for (k, v) in extra {
            vars.insert(k.to_string(), v.to_string());
        }
        let config = Config::from_map(&vars).expect("config");
        let app = App::build(config).await.expect("app");
        let server = LocalServer::start(app.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("server");
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        TestServer {
            server,
            app,
            client,
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    pub async fn post(&self, path: &str, body: &str) -> (u16, Value) {
        let resp = self
            .client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A `pending` book row, as the frontend creates it.
    pub async fn add_book(&self, user: Uuid) -> Uuid {
        self.app
            .records
            .create_book(&NewBook {
                title: "The Picture of Dorian Gray".into(),
                author: Some("Oscar Wilde".into()),
                uploader_id: Some(user),
                is_public: true,
                ..Default::default()
            })
            .await
            .expect("book")
            .id
    }

    pub async fn add_session(&self, user: Uuid, book: Uuid, character: Uuid) -> Uuid {
        self.app
            .records
            .create_session(&NewSession {
                id: None,
                user_id: user,
                character_id: character,
                book_id: book,
            })
            .await
            .expect("session")
            .id
    }

    /// Submits `file_url` for `book` and waits for the book to finish.
    pub async fn ingest(&self, book: Uuid, user: Uuid, file_url: &str) -> String {
        let (status, body) = self
            .post(
                "/character/processing",
                &json!({"book_id": book, "file_url": file_url, "user_id": user}).to_string(),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        functions::demo::wait_for_ingestion(&self.app, book, Duration::from_secs(300))
            .await
            .expect("ingestion");
        body["job_id"].as_str().expect("job_id").to_string()
    }

    /// Posts a chat message and returns its SSE events; a pre-stream rejection fails the test.
    pub async fn stream(&self, body: &Value) -> Vec<Value> {
        match chat(&self.client, &self.url("/character/chat"), body, |_| {})
            .await
            .expect("chat request")
        {
            ChatOutcome::Streamed(events) => events,
            ChatOutcome::Rejected(code, body) => panic!("chat rejected with {code}: {body}"),
        }
    }

    /// The session row's `message_count`.
    pub async fn message_count(&self, session: Uuid) -> i64 {
        self.app
            .records
            .get_session(session)
            .await
            .unwrap()
            .expect("session")
            .message_count
    }

    pub fn chat_body(user: Uuid, character: Uuid, book: Uuid, session: Uuid, msg: &str) -> Value {
        json!({"user_id": user, "character_id": character, "book_id": book, "session_id": session, "user_message": msg})
    }
}

/// Serves `files` (path → body) on a loopback port; returns its base URL.
pub async fn file_server(files: Vec<(&'static str, String)>) -> String {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let mut router = axum::Router::new();
    for (path, body) in files {
        router = router.route(path, axum::routing::get(move || async move { body }));
    }
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// A server with the bundled novel ingested and a session opened with its top character.
pub struct Ingested {
    pub t: TestServer,
    pub user: Uuid,
    pub book: Uuid,
    pub top: shared::domain::Character,
    pub session: Uuid,
}

impl Ingested {
    pub async fn start(extra: &[(&str, &str)]) -> Ingested {
        let t = TestServer::start(extra).await;
        Self::on(t).await
    }

    pub async fn on(t: TestServer) -> Ingested {
        let base = file_server(vec![("/dorian.txt", BUNDLED_TEXT.to_string())]).await;
        let user = Uuid::new_v4();
        let book = t.add_book(user).await;
        t.ingest(book, user, &format!("{base}/dorian.txt")).await;
        let top = t.app.records.list_characters(book).await.unwrap().remove(0);
        let session = t.add_session(user, book, top.id).await;
        Ingested {
            t,
            user,
            book,
            top,
            session,
        }
    }
}
