//! `falsafa demo`: the whole product on loopback. It stands in for the frontend (creates the book
//! row, serves the file on a loopback URL, creates the session) and drives the real HTTP routes:
//! POST /character/processing, waits for ingestion, lists the characters, then streams one
//! POST /character/chat reply.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use axum::routing::get;
use serde_json::{json, Value};
use shared::schema::ProcessingStatus;
use shared::{App, Config};
use uuid::Uuid;

use crate::local::LocalServer;
use crate::sse_client::{self, ChatOutcome};

/// The public-domain novel the demo ingests when given no file.
pub const BUNDLED_NAME: &str = "174_the_picture_of_dorian_gray.txt";
pub const BUNDLED_TEXT: &str = include_str!("../../data/books/174_the_picture_of_dorian_gray.txt");

pub struct DemoOptions {
    pub book: Option<PathBuf>,
    pub json: bool,
    pub data_dir: Option<PathBuf>,
    pub question: String,
}

fn ms(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 10_000.0).round() / 10.0
}

/// Serves one file at `/books/{name}` on a loopback port; returns the file's URL.
async fn serve_file(name: String, text: String) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let path = format!("/books/{name}");
    let router = axum::Router::new().route(&path, get(move || async move { text }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(format!("http://{addr}{path}"))
}

pub async fn run(opts: DemoOptions) -> anyhow::Result<Value> {
    let started = Instant::now();
    let mut config = Config::from_env()?;
    // Looks for the local model in the reader's own data directory, before the demo's own.
    crate::local::prefer_local_embedder(&mut config);
    let _tmp;
    match &opts.data_dir {
        Some(d) => config = with_data_dir(config, d.clone())?,
        None if std::env::var_os("FALSAFA_DATA_DIR").is_none() => {
            let t = std::env::temp_dir().join(format!("falsafa-demo-{}", Uuid::new_v4()));
            config = with_data_dir(config, t.clone())?;
            _tmp = TempDir(t);
        }
        None => {}
    }
    config.allow_loopback_urls = true; // the demo's own file server is on loopback
                                       // The demo authenticates like the frontend does: with the backend key in X-API-Key.
    let api_key = config
        .backend_api_key
        .get_or_insert_with(shared::adapters::memory_kv::random_token)
        .clone();
    let app = App::build(config).await?;
    let embedder = crate::local::describe_embedder(&app);
    say(
        &opts,
        &format!(
            "embedder: {} ({}, {} dimensions){}",
            app.embedder.model(),
            embedder["provider"].as_str().unwrap_or("?"),
            app.embedder.dimension(),
            if app.config.embedding.provider == shared::config::EmbeddingProvider::Hashing {
                "; set EMBEDDING_MODEL_PATH for the in-process sentence embedder"
            } else {
                ""
            }
        ),
    );
    let server = LocalServer::start(app.clone(), SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-api-key",
        reqwest::header::HeaderValue::from_str(&api_key)?,
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .default_headers(headers)
        .build()?;

    let (name, text) = match &opts.book {
        Some(p) => (
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "book.txt".into()),
            crate::dev::read_text(p)?,
        ),
        None => (BUNDLED_NAME.to_string(), BUNDLED_TEXT.to_string()),
    };
    let file_url = serve_file(name.clone(), text).await?;
    let user = Uuid::new_v4();
    let title = name
        .trim_end_matches(".txt")
        .trim_end_matches(".md")
        .replace('_', " ");
    let book = app
        .records
        .create_book(&shared::domain::NewBook {
            title,
            uploader_id: Some(user),
            file_path: Some(name.clone()),
            is_public: true,
            ..Default::default()
        })
        .await?;
    say(
        &opts,
        &format!("book {} created; submitting {file_url}", book.id),
    );

    let t = Instant::now();
    let resp = client
        .post(server.url("/character/processing"))
        .json(&json!({"book_id": book.id, "file_url": file_url, "user_id": user}))
        .send()
        .await?;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    if status.as_u16() != 202 {
        bail!("POST /character/processing answered {status}: {body}");
    }
    say(
        &opts,
        &format!(
            "job {} accepted; ingesting…",
            body["job_id"].as_str().unwrap_or("?")
        ),
    );
    let final_status = wait_for_ingestion(&app, book.id, Duration::from_secs(900)).await?;
    let ingest_ms = ms(t);
    if final_status != ProcessingStatus::Completed {
        bail!("ingestion ended {final_status:?}");
    }
    let characters = app.records.list_characters(book.id).await?;
    if characters.is_empty() {
        bail!("no characters were found");
    }
    if !opts.json {
        println!(
            "\nCharacters of \"{}\" ({} found, ingestion {:.1} s):",
            book.title,
            characters.len(),
            ingest_ms / 1000.0
        );
        for c in &characters {
            println!(
                "  {:<24} {:>5} mentions   {}",
                c.name,
                c.mention_count,
                c.aliases.join(", ")
            );
        }
    }

    let top = &characters[0];
    let session = app
        .records
        .create_session(&shared::domain::NewSession {
            id: None,
            user_id: user,
            character_id: top.id,
            book_id: book.id,
        })
        .await?;
    if !opts.json {
        println!("\nYou → {}: {}\n{}: ", top.name, opts.question, top.name);
    }
    let t = Instant::now();
    let mut first_token_ms = None;
    let json_mode = opts.json;
    let outcome = sse_client::chat(
        &client,
        &server.url("/character/chat"),
        &json!({"user_id": user, "character_id": top.id, "book_id": book.id, "session_id": session.id, "user_message": opts.question}),
        |ev| {
            if let Some(tok) = ev.get("token").and_then(|t| t.as_str()) {
                first_token_ms.get_or_insert_with(|| ms(t));
                if !json_mode {
                    print!("{tok}");
                    let _ = std::io::stdout().flush();
                }
            }
        },
    )
    .await?;
    let chat_ms = ms(t);
    let events = match outcome {
        ChatOutcome::Streamed(evs) => evs,
        ChatOutcome::Rejected(code, body) => bail!("chat answered {code}: {body}"),
    };
    let done = events
        .last()
        .filter(|e| e["done"] == json!(true))
        .context("the stream did not end with a done event")?;
    if let Some(err) = events.iter().find(|e| e.get("error").is_some()) {
        bail!("chat stream error: {err}");
    }
    let reply = done["full_response"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if !opts.json {
        println!(
            "\n\n[done: {} tokens, model {}{}]",
            events.len() - 1,
            done["model"].as_str().unwrap_or("?"),
            if done["offline"] == json!(true) {
                ", offline deterministic responder"
            } else {
                ""
            }
        );
    }
    server.stop().await;
    Ok(json!({
        "book_id": book.id,
        "characters": characters.iter().map(|c| json!({"id": c.id, "name": c.name, "aliases": c.aliases, "mentions": c.mention_count})).collect::<Vec<_>>(),
        "reply": reply,
        "done": done,
        "embedder": embedder,
        "timings_ms": {"ingest": ingest_ms, "first_token": first_token_ms, "chat": chat_ms, "total": ms(started)},
    }))
}

fn say(opts: &DemoOptions, line: &str) {
    if !opts.json {
        println!("{line}");
    }
}

fn with_data_dir(mut c: Config, dir: PathBuf) -> anyhow::Result<Config> {
    // Re-derive the paths that default under the data dir.
    let mut vars: std::collections::HashMap<String, String> = std::env::vars().collect();
    vars.insert(
        "FALSAFA_DATA_DIR".into(),
        dir.to_string_lossy().into_owned(),
    );
    let fresh = Config::from_map(&vars)?;
    c.data_dir = fresh.data_dir;
    c.records = fresh.records;
    c.prompt_storage = fresh.prompt_storage;
    Ok(c)
}

/// Waits until the book leaves `pending`/`processing`.
pub async fn wait_for_ingestion(
    app: &App,
    book_id: Uuid,
    limit: Duration,
) -> anyhow::Result<ProcessingStatus> {
    let deadline = Instant::now() + limit;
    loop {
        let book = app
            .records
            .get_book(book_id)
            .await?
            .context("the book vanished")?;
        if matches!(
            book.processing_status,
            ProcessingStatus::Completed | ProcessingStatus::Failed
        ) {
            return Ok(book.processing_status);
        }
        if Instant::now() > deadline {
            bail!("ingestion did not finish within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Removes the demo's temporary data directory when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
