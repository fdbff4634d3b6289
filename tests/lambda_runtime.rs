//! The five functions as they run on AWS: their release binaries, each started with
//! `AWS_LAMBDA_RUNTIME_API` pointing at cargo-lambda's Lambda Runtime API emulator
//! (`cargo lambda watch --only-lambda-apis`, PyPI `cargo-lambda` 1.9.2), over real Redis,
//! PostgreSQL, Typesense, moto (SQS and S3) and the Qdrant test server. Requests go through the
//! emulator's function URLs and invoke API, so `lambda_runtime`, `lambda_http`'s streaming and
//! the functions' start-up are the ones that ship.
//!
//! The binaries come from `FALSAFA_LAMBDA_BIN_DIR` (`scripts/test.sh` builds them without the
//! embedded stores, as they ship) or, unset, from this build's own target directory.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use e2e::services::{self, TestDb};
use e2e::{chat, qdrant_server, ChatOutcome, BUNDLED_TEXT};
use serde_json::{json, Value};
use shared::adapters::postgres_records::PostgresRecords;
use shared::domain::{Job, NewBook, NewSession};
use shared::ports::queue::PROCESSING_QUEUE;
use shared::ports::Records;
use shared::schema::{ProcessingStatus, SchemaNames};
use tokio::process::{Child, Command};
use uuid::Uuid;

const FUNCTIONS: [&str; 5] = ["processing", "chat", "poller", "worker", "ops"];
const KEY: &str = "lambda-e2e-key";
/// A Redis database of its own: `processing_queue` is shared by name.
const REDIS_DB: u32 = 9;

fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FALSAFA_LAMBDA_BIN_DIR") {
        return PathBuf::from(dir);
    }
    // target/<profile>/deps/<this test> → target/<profile>
    let exe = std::env::current_exe().expect("test executable");
    exe.parent()
        .and_then(Path::parent)
        .expect("target directory")
        .to_path_buf()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The emulator and the five functions, killed when dropped; their logs under `dir`.
struct Fleet {
    port: u16,
    dir: tempfile::TempDir,
    procs: Vec<Child>,
}

impl Fleet {
    async fn start(env: &[(String, String)]) -> Fleet {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let log = |name: &str| std::fs::File::create(dir.path().join(name)).unwrap();
        let emulator = Command::new("cargo")
            .args(["lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1"])
            .args(["-P", &port.to_string()])
            .current_dir(root)
            .stdout(log("emulator.out"))
            .stderr(log("emulator.err"))
            .kill_on_drop(true)
            .spawn()
            .expect("cargo lambda (pip install cargo-lambda==1.9.2; scripts/services.sh does)");
        let mut procs = vec![emulator];
        let up = async {
            while tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err()
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        if tokio::time::timeout(Duration::from_secs(60), up)
            .await
            .is_err()
        {
            let err = std::fs::read_to_string(dir.path().join("emulator.err")).unwrap_or_default();
            panic!("the Lambda emulator did not listen on {port}: {err}");
        }
        let bins = bin_dir();
        for name in FUNCTIONS {
            let bin = bins.join(name);
            assert!(
                bin.exists(),
                "{} is missing: build the functions first (scripts/test.sh does)",
                bin.display()
            );
            let child = Command::new(&bin)
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .env(
                    "AWS_LAMBDA_RUNTIME_API",
                    format!("http://127.0.0.1:{port}/.rt/{name}"),
                )
                .env("AWS_LAMBDA_FUNCTION_NAME", name)
                .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
                .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
                .stdout(log(&format!("{name}.log")))
                .stderr(log(&format!("{name}.err")))
                .kill_on_drop(true)
                .spawn()
                .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
            procs.push(child);
        }
        let mut fleet = Fleet { port, dir, procs };
        // A function that cannot start exits at once; its requests would wait forever.
        tokio::time::sleep(Duration::from_millis(500)).await;
        fleet.all_running();
        fleet
    }

    fn all_running(&mut self) {
        for (name, p) in ["emulator"]
            .iter()
            .chain(FUNCTIONS.iter())
            .zip(&mut self.procs)
        {
            if let Ok(Some(status)) = p.try_wait() {
                panic!("{name} exited ({status})\n{}", self.logs());
            }
        }
    }

    fn url(&self, function: &str, path: &str) -> String {
        format!("http://127.0.0.1:{}/lambda-url/{function}{path}", self.port)
    }

    fn invoke_url(&self, function: &str) -> String {
        format!(
            "http://127.0.0.1:{}/2015-03-31/functions/{function}/invocations",
            self.port
        )
    }

    /// Every function's log, for a failure message.
    fn logs(&self) -> String {
        let mut out = String::new();
        for name in FUNCTIONS.iter().chain(["emulator"].iter()) {
            for ext in ["log", "err", "out"] {
                let p = self.dir.path().join(format!("{name}.{ext}"));
                if let Ok(text) = std::fs::read_to_string(&p) {
                    let tail: String = text.lines().rev().take(15).collect::<Vec<_>>().join("\n");
                    if !tail.is_empty() {
                        out.push_str(&format!(
                            "--- {name}.{ext} (last lines, newest first)\n{tail}\n"
                        ));
                    }
                }
            }
        }
        out
    }
}

/// A loopback file server whose URL stops working when `expired` is set, as a signed URL does.
async fn expiring_file(body: &'static str, expired: Arc<AtomicBool>) -> String {
    use axum::http::{header, HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serve = move |headers: HeaderMap| {
        let expired = expired.clone();
        async move {
            if expired.load(Ordering::SeqCst) {
                return (StatusCode::FORBIDDEN, "signature expired").into_response();
            }
            // The intake's check reads a range first.
            let range = headers
                .get(header::RANGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|r| r.strip_prefix("bytes=0-"))
                .and_then(|end| end.parse::<usize>().ok());
            match range {
                Some(end) if end + 1 < body.len() => (
                    StatusCode::PARTIAL_CONTENT,
                    [(
                        header::CONTENT_RANGE,
                        format!("bytes 0-{end}/{}", body.len()),
                    )],
                    body.as_bytes()[..=end].to_vec(),
                )
                    .into_response(),
                _ => body.into_response(),
            }
        }
    };
    let router = axum::Router::new().route("/book.txt", axum::routing::get(serve));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}/book.txt")
}

/// A `pending` book of `user`'s, as the frontend creates it.
async fn new_book(records: &PostgresRecords, user: Uuid, title: &str) -> shared::domain::Book {
    records
        .create_book(&NewBook {
            id: None,
            title: title.into(),
            author: None,
            description: None,
            uploader_id: Some(user),
            file_path: None,
            is_public: false,
        })
        .await
        .unwrap()
}

async fn create_bucket(moto: &str) -> String {
    let bucket = format!("falsafa-{}", Uuid::new_v4().simple());
    let r = reqwest::Client::new()
        .put(format!("{moto}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "create bucket: {}", r.status());
    bucket
}

/// The next message on `queue` (waits up to 10 s); left in flight, not deleted.
async fn receive(sqs: &aws_sdk_sqs::Client, queue: &str) -> aws_sdk_sqs::types::Message {
    for _ in 0..10 {
        let got = sqs
            .receive_message()
            .queue_url(queue)
            .wait_time_seconds(1)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .send()
            .await
            .unwrap();
        if let Some(m) = got.messages.and_then(|m| m.into_iter().next()) {
            return m;
        }
    }
    panic!("no message on {queue}");
}

/// The SQS event Lambda's event source mapping would hand the worker for `m`.
fn sqs_event(m: &aws_sdk_sqs::types::Message, queue_arn: &str) -> Value {
    json!({"Records": [{
        "messageId": m.message_id(),
        "receiptHandle": m.receipt_handle(),
        "body": m.body(),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795262400000"},
        "messageAttributes": {},
        "md5OfBody": m.md5_of_body(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1"
    }]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_release_functions_run_a_book_end_to_end_under_the_lambda_runtime() {
    // Real services (each fails loudly when missing).
    let moto = services::require_moto().await;
    services::require_typesense().await;
    let db = TestDb::migrated().await;
    let (redis, mut conn) = services::own_redis_db(REDIS_DB).await;
    let qdrant = qdrant_server::start().await;
    let sqs = services::sqs_client().await;
    let queue = services::new_queue(&sqs, "falsafa-lambda-jobs").await;
    let dlq = services::new_queue(&sqs, "falsafa-lambda-dlq").await;
    let bucket = create_bucket(&moto).await;
    let (typesense, typesense_key) = services::typesense();
    let data = tempfile::tempdir().unwrap();
    let env: Vec<(String, String)> = [
        ("RUST_LOG", "info"),
        ("LOG_FORMAT", "json"),
        ("BACKEND_API_KEY", KEY),
        ("REDIS_URL", &redis),
        ("DATABASE_URL", &db.url),
        ("TYPESENSE_URL", &typesense),
        ("TYPESENSE_API_KEY", &typesense_key),
        ("QDRANT_URL", &qdrant),
        ("SQS_QUEUE_URL", &queue),
        ("PROCESSING_DLQ_URL", &dlq),
        ("POLL_AFTER_ENQUEUE", "1"),
        ("AWS_ENDPOINT_URL", &moto),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("INTAKE_STORAGE_PATH", &format!("s3://{bucket}/intake")),
        (
            "SYSTEM_PROMPT_STORAGE_PATH",
            &format!("s3://{bucket}/prompts"),
        ),
        ("ALLOW_OFFLINE_MODEL", "1"),
        ("FALSAFA_ALLOW_LOOPBACK_URLS", "1"),
        ("FALSAFA_DATA_DIR", data.path().to_str().unwrap()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let fleet = Fleet::start(&env).await;
    let logs = || fleet.logs();
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let records = PostgresRecords::connect(&db.url, SchemaNames::default())
        .await
        .unwrap();

    // ops: the health check through its function URL.
    let health = http.get(fleet.url("ops", "/health")).send().await;
    let health = health.unwrap_or_else(|e| panic!("ops: {e}\n{}", logs()));
    assert_eq!(health.status(), 200, "{}", logs());

    // processing through its function URL: checked, copied to S3, handed to SQS; then the
    // "signed URL" expires.
    let user = Uuid::new_v4();
    let book = new_book(&records, user, "Dorian").await;
    let expired = Arc::new(AtomicBool::new(false));
    let file_url = expiring_file(BUNDLED_TEXT, expired.clone()).await;
    let resp = http
        .post(fleet.url("processing", "/character/processing"))
        .header("X-API-Key", KEY)
        .json(&json!({"book_id": book.id, "file_url": file_url, "user_id": user}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("processing: {e}\n{}", logs()));
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 202, "{body}\n{}", logs());
    expired.store(true, Ordering::SeqCst);

    // SQS → the worker invoked with that record, as the event source mapping does.
    let message = receive(&sqs, &queue).await;
    let job: Job = serde_json::from_str(message.body().unwrap()).unwrap();
    assert_eq!(job.job_id, body["job_id"].as_str().unwrap());
    assert!(job.intake_copy.is_some(), "the job names the intake's copy");
    let queue_arn = "arn:aws:sqs:us-east-1:123456789012:falsafa-lambda-jobs";
    let resp = http
        .post(fleet.invoke_url("worker"))
        .json(&sqs_event(&message, queue_arn))
        .send()
        .await
        .unwrap_or_else(|e| panic!("worker: {e}\n{}", logs()));
    let status = resp.status();
    let answer: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "{answer}\n{}", logs());
    assert_eq!(answer["batchItemFailures"], json!([]), "{}", logs());
    let done = records.get_book(book.id).await.unwrap().unwrap();
    assert_eq!(
        done.processing_status,
        ProcessingStatus::Completed,
        "the book completed from the intake's copy although its URL expired\n{}",
        logs()
    );

    // chat through its streaming function URL, parsed as SSE.
    let top = records.list_characters(book.id).await.unwrap().remove(0);
    let session = records
        .create_session(&NewSession {
            id: None,
            user_id: user,
            character_id: top.id,
            book_id: book.id,
        })
        .await
        .unwrap();
    let chat_body = json!({"user_id": user, "character_id": top.id, "book_id": book.id,
        "session_id": session.id, "user_message": "Who are you?"});
    let client = reqwest::Client::builder()
        .no_proxy()
        .default_headers(
            [(
                reqwest::header::HeaderName::from_static("x-api-key"),
                reqwest::header::HeaderValue::from_static(KEY),
            )]
            .into_iter()
            .collect(),
        )
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let outcome = chat(
        &client,
        &fleet.url("chat", "/character/chat"),
        &chat_body,
        |_| {},
    )
    .await
    .unwrap_or_else(|e| panic!("chat: {e}\n{}", logs()));
    let events = match outcome {
        ChatOutcome::Streamed(events) => events,
        ChatOutcome::Rejected(code, body) => panic!("chat rejected {code}: {body}\n{}", logs()),
    };
    assert!(
        events.iter().any(|e| e.get("token").is_some()),
        "tokens streamed: {events:?}"
    );
    assert_eq!(events.last().unwrap()["done"], json!(true), "{events:?}");
    let stored = records.get_session(session.id).await.unwrap().unwrap();
    assert_eq!(stored.message_count, 2, "the turn was persisted");

    // The poller on its schedule event moves a queued job to SQS.
    let queued = Job {
        job_id: Uuid::new_v4().to_string(),
        book_id: book.id,
        file_url: file_url.clone(),
        user_id: user,
        enqueued_at: chrono::Utc::now(),
        intake_copy: None,
    };
    redis::cmd("RPUSH")
        .arg(PROCESSING_QUEUE)
        .arg(serde_json::to_string(&queued).unwrap())
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    let schedule = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../events/schedule.json"
    ))
    .unwrap();
    let resp = http
        .post(fleet.invoke_url("poller"))
        .body(schedule.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", logs());
    let moved = receive(&sqs, &queue).await;
    let moved: Job = serde_json::from_str(moved.body().unwrap()).unwrap();
    assert_eq!(
        moved.job_id, queued.job_id,
        "the scheduled poll handed the job over"
    );

    // A dead letter: the poller fails its book and leaves the message for an operator.
    let dead = new_book(&records, user, "Dead").await;
    let dead_job = Job {
        book_id: dead.id,
        job_id: Uuid::new_v4().to_string(),
        ..queued
    };
    sqs.send_message()
        .queue_url(&dlq)
        .message_body(serde_json::to_string(&dead_job).unwrap())
        .send()
        .await
        .unwrap();
    let resp = http
        .post(fleet.invoke_url("poller"))
        .body(schedule)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", logs());
    let failed = records.get_book(dead.id).await.unwrap().unwrap();
    assert_eq!(
        failed.processing_status,
        ProcessingStatus::Failed,
        "{}",
        logs()
    );
    let waiting = sqs
        .get_queue_attributes()
        .queue_url(&dlq)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .unwrap();
    let visible = waiting
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages))
        .cloned();
    assert_eq!(
        visible.as_deref(),
        Some("1"),
        "the dead letter stays for an operator"
    );
}
