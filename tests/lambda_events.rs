//! Replays every file in `events/` through the code that runs on Lambda: function URL requests are
//! deserialised by lambda_http (`request::from_str`, as its runtime does) and sent to the
//! function's own router; SQS and schedule events go to the `worker` and `poller` handlers.
//! Stores are the embedded defaults; the events' Supabase Storage URL is pointed at a loopback
//! file server serving the same path.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use aws_lambda_events::event::sqs::SqsEvent;
use axum::Router;
use e2e::{file_server, BUNDLED_TEXT};
use http_body_util::BodyExt;
use serde_json::Value;
use shared::domain::{NewBook, NewSession};
use shared::ports::queue::PROCESSING_QUEUE;
use shared::schema::ProcessingStatus;
use shared::{http, App, Config};
use tower::ServiceExt;
use uuid::Uuid;

const EVENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../events");
const KEY: &str = "replace-with-your-backend-api-key";
const STORAGE: &str = "https://yourproject.supabase.co";
const BOOK: &str = "6f1c2f4e-1b7a-4c53-9f0e-5d1f3a9b2c01";
const DEAD_BOOK: &str = "e8a1d3f5-7c2b-4d9e-8f60-1a4b6c8d0e06";
const USER: &str = "0b6d8f3a-2c4e-4f71-8a9d-3e5c7b1a9f02";
const CHARACTER: &str = "9a3e5c71-4b2d-4e8f-a1c6-7d9b0f2e4a03";
const SESSION: &str = "c4f7a2d9-8e1b-4a36-b5d0-2f9e6c3a8b04";
const DLQ_ARN: &str = "arn:aws:sqs:eu-west-1:123456789012:falsafa-processing-dlq";

struct Replay {
    app: std::sync::Arc<App>,
    storage: String,
    character: Uuid,
    _dir: tempfile::TempDir,
}

impl Replay {
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(Path::new(EVENTS).join(name))
            .unwrap_or_else(|e| panic!("events/{name}: {e}"))
            .replace(STORAGE, &self.storage)
            .replace(CHARACTER, &self.character.to_string())
    }

    /// A function URL event through `router`: status and body text.
    async fn url(&self, name: &str, router: Router) -> (u16, String) {
        let req = lambda_http::request::from_str(&self.read(name))
            .unwrap_or_else(|e| panic!("events/{name} is not a function URL request: {e}"));
        let resp = router.oneshot(req).await.expect("router is infallible");
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    async fn sqs(&self, name: &str) -> Value {
        let event: SqsEvent = serde_json::from_str(&self.read(name))
            .unwrap_or_else(|e| panic!("events/{name} is not an SQS event: {e}"));
        serde_json::to_value(functions::lambda::handle_sqs(&self.app, event).await).unwrap()
    }
}

async fn setup() -> Replay {
    let dir = tempfile::tempdir().unwrap();
    let vars: HashMap<String, String> = [
        ("FALSAFA_DATA_DIR", dir.path().to_str().unwrap()),
        ("FALSAFA_ALLOW_LOOPBACK_URLS", "1"),
        ("BACKEND_API_KEY", KEY),
        ("PROCESSING_DLQ_ARN", DLQ_ARN),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let app = App::build(Config::from_map(&vars).unwrap()).await.unwrap();
    let storage = file_server(vec![(
        "/storage/v1/object/public/books/dorian-gray.txt",
        BUNDLED_TEXT.to_string(),
    )])
    .await;
    let book = |id: &str, title: &str| NewBook {
        id: Some(id.parse().unwrap()),
        title: title.into(),
        author: None,
        description: None,
        uploader_id: Some(USER.parse().unwrap()),
        file_path: None,
        is_public: false,
    };
    let records = &app.records;
    records
        .create_book(&book(BOOK, "The Picture of Dorian Gray"))
        .await
        .unwrap();
    records
        .create_book(&book(DEAD_BOOK, "A book whose job died"))
        .await
        .unwrap();
    let report = shared::ingest::run_text(&app, BOOK.parse().unwrap(), BUNDLED_TEXT.into()).await;
    assert_eq!(report.status, "completed", "{report:?}");
    let character = records
        .list_characters(BOOK.parse().unwrap())
        .await
        .unwrap()[0]
        .id;
    records
        .create_session(&NewSession {
            id: Some(SESSION.parse().unwrap()),
            user_id: USER.parse().unwrap(),
            character_id: character,
            book_id: BOOK.parse().unwrap(),
        })
        .await
        .unwrap();
    Replay {
        app,
        storage: storage.trim_end_matches('/').to_string(),
        character,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_replays_through_the_lambda_handlers() {
    let r = setup().await;
    let app = &r.app;
    let mut seen = BTreeSet::new();
    let mut check = |name: &'static str| {
        seen.insert(name);
        name
    };

    let ops = || http::ops_router(app.clone());
    let processing = || http::processing_router(app.clone());
    let chat = || http::chat_router(app.clone());

    let (s, b) = r.url(check("health.json"), ops()).await;
    assert_eq!((s, b.as_str()), (200, "ok"));

    for (name, want) in [
        ("processing-no-key.json", 401),
        ("processing-malformed.json", 400),
        ("processing-bad-uuid.json", 400),
        ("processing-metadata-url.json", 422),
    ] {
        let (s, b) = r.url(check(name), processing()).await;
        assert_eq!(s, want, "{name}: {b}");
        let err: Value =
            serde_json::from_str(&b).unwrap_or_else(|_| panic!("{name}: not JSON: {b}"));
        assert!(
            err["detail"].is_string() || err["error"].is_string(),
            "{name}: {b}"
        );
    }
    assert_eq!(
        app.queue.len(PROCESSING_QUEUE).await.unwrap(),
        0,
        "a rejected request queued a job"
    );

    let (s, b) = r.url(check("processing-valid.json"), processing()).await;
    assert_eq!(s, 202, "{b}");
    let accepted: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(accepted["status"], "accepted");
    assert!(accepted["job_id"].as_str().unwrap().parse::<Uuid>().is_ok());
    assert_eq!(app.queue.len(PROCESSING_QUEUE).await.unwrap(), 1);

    // The schedule moves the queued job to the dispatcher.
    let report = functions::lambda::handle_schedule(app).await.unwrap();
    check("schedule.json");
    let _: Value = serde_json::from_str(&r.read("schedule.json")).expect("schedule event is JSON");
    assert_eq!(report.dispatched, 1, "{report:?}");
    assert_eq!(app.queue.len(PROCESSING_QUEUE).await.unwrap(), 0);

    for (name, want, needle) in [
        ("chat-no-key.json", 401, "X-API-Key"),
        ("chat-empty-message.json", 400, "empty"),
        ("chat-unknown-session.json", 404, "not found"),
    ] {
        let (s, b) = r.url(check(name), chat()).await;
        assert_eq!(s, want, "{name}: {b}");
        assert!(b.contains(needle), "{name}: {b}");
    }
    let (s, b) = r.url(check("chat-valid.json"), chat()).await;
    assert_eq!(s, 200, "{b}");
    assert!(b.contains("\"token\""), "no token event: {b}");
    let done = b
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("data: "))
        .unwrap();
    let done: Value = serde_json::from_str(done).unwrap();
    assert_eq!(done["done"], true, "{b}");
    assert!(!done["full_response"].as_str().unwrap().is_empty());

    // A job delivered by SQS runs once; the same delivery again changes nothing.
    let book: Uuid = BOOK.parse().unwrap();
    let before = app.records.list_characters(book).await.unwrap().len();
    let resp = r.sqs(check("sqs-job.json")).await;
    assert_eq!(resp["batchItemFailures"], serde_json::json!([]), "{resp}");
    let book_row = app.records.get_book(book).await.unwrap().unwrap();
    assert_eq!(book_row.processing_status, ProcessingStatus::Completed);
    let after = app.records.list_characters(book).await.unwrap().len();
    assert_eq!(before, after, "a redelivered job duplicated characters");
    let resp = r.sqs("sqs-job.json").await;
    assert_eq!(resp["batchItemFailures"], serde_json::json!([]), "{resp}");

    // A record from the dead-letter queue ends its book `failed`.
    let resp = r.sqs(check("sqs-dead-letter.json")).await;
    assert_eq!(resp["batchItemFailures"], serde_json::json!([]), "{resp}");
    let dead = app
        .records
        .get_book(DEAD_BOOK.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dead.processing_status, ProcessingStatus::Failed);

    let (s, b) = r.url(check("metrics.json"), ops()).await;
    assert_eq!(s, 200);
    assert!(b.contains("processing_jobs_queued_total 1"), "{b}");
    assert!(
        b.contains("http_requests_total{endpoint=\"/character/chat\""),
        "{b}"
    );
    assert!(
        b.contains("processing_jobs_processed_total{status=\"failed\"} 1"),
        "{b}"
    );

    let on_disk: BTreeSet<String> = std::fs::read_dir(EVENTS)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    let replayed: BTreeSet<String> = seen.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        on_disk, replayed,
        "every file in events/ must be replayed here"
    );
}

/// On Lambda every invocation pushes its metrics before it ends (a frozen or reaped instance
/// would otherwise keep its last window): two requests, well inside one flush interval, are
/// both in the fleet totals as soon as their responses are back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_lambda_invocation_flushes_its_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let vars: HashMap<String, String> = [
        ("FALSAFA_DATA_DIR", dir.path().to_str().unwrap()),
        ("METRICS_FLUSH_MS", "600000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut config = Config::from_map(&vars).unwrap();
    config.metrics_flush_each_request = true; // what `functions::lambda::start` sets
    let app = App::build(config).await.unwrap();
    for _ in 0..2 {
        let req = axum::http::Request::get("/health")
            .body(axum::body::Body::empty())
            .unwrap();
        let resp = http::ops_router(app.clone()).oneshot(req).await.unwrap();
        assert_eq!(resp.status(), 200);
    }
    let requests: f64 = app
        .fleet
        .totals()
        .await
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("http_requests_total"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(requests, 2.0, "both invocations flushed");
}

/// Everything in a database a start could change: relations (with their RLS flag), policies,
/// functions and the migration log.
async fn schema_snapshot(pool: &sqlx::PgPool) -> String {
    sqlx::query_scalar(
        "SELECT coalesce(string_agg(x, E'\\n' ORDER BY x), '') FROM ( \
           SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || c.relrowsecurity::text AS x \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
              AND n.nspname NOT LIKE 'pg_toast%' \
           UNION ALL SELECT 'policy:' || schemaname || '.' || tablename || '.' || policyname \
             FROM pg_policies \
           UNION ALL SELECT 'function:' || p.proname FROM pg_proc p \
             JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' \
         ) s",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_any_function_against_a_database_changes_nothing_in_it() {
    use e2e::services::{require_redis, TestDb};
    use functions::lambda::Role;
    require_redis().await;
    for migrated in [false, true] {
        let db = if migrated {
            TestDb::migrated().await
        } else {
            TestDb::create().await
        };
        let pool = db.pool().await;
        let before = schema_snapshot(&pool).await;
        let migrations: Option<i64> = if migrated {
            sqlx::query_scalar("SELECT count(*) FROM falsafa_schema_migrations")
                .fetch_one(&pool)
                .await
                .ok()
        } else {
            None
        };
        let dir = tempfile::tempdir().unwrap();
        let vars: HashMap<String, String> = [
            ("DATABASE_URL", db.url.as_str()),
            ("REDIS_URL", &e2e::services::redis_url()),
            ("FALSAFA_DATA_DIR", dir.path().to_str().unwrap()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for role in [
            Role::Processing,
            Role::Chat,
            Role::Poller,
            Role::Worker,
            Role::Ops,
        ] {
            let config = Config::from_map(&vars).unwrap();
            let app = App::build_for(config, role.uses()).await;
            assert!(app.is_ok(), "{role:?} starts on this database");
        }
        assert_eq!(schema_snapshot(&pool).await, before, "migrated: {migrated}");
        if migrated {
            let after: Option<i64> =
                sqlx::query_scalar("SELECT count(*) FROM falsafa_schema_migrations")
                    .fetch_one(&pool)
                    .await
                    .ok();
            assert_eq!(after, migrations);
            assert!(before.contains("falsafa_schema_migrations"), "{before}");
        } else {
            assert_eq!(before, "", "a fresh database stays empty");
        }
    }
}
