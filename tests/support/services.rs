//! Real services for tests, on loopback (started by `scripts/services.sh`). A missing service
//! fails the test loudly with the command that starts it; nothing is skipped.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use uuid::Uuid;

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

pub fn redis_url() -> String {
    env_or("TEST_REDIS_URL", "redis://127.0.0.1:6379")
}

pub fn typesense() -> (String, String) {
    (
        env_or("TEST_TYPESENSE_URL", "http://127.0.0.1:8108"),
        env_or("TEST_TYPESENSE_API_KEY", "falsafa-test-key"),
    )
}

fn admin_url() -> String {
    env_or(
        "TEST_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    )
}

const HINT: &str = "start the test services with `bash scripts/services.sh`";

/// A fresh database for one test, dropped when the value goes away.
pub struct TestDb {
    pub url: String,
    name: String,
}

impl TestDb {
    pub async fn create() -> TestDb {
        let admin = admin_url();
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is required: {e}; {HINT}"));
        let name = format!("falsafa_t_{}", Uuid::new_v4().simple());
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .expect("create database");
        pool.close().await;
        let (base, _) = admin.rsplit_once('/').expect("database URL with a path");
        TestDb {
            url: format!("{base}/{name}"),
            name,
        }
    }

    /// A fresh database with the backend's migrations applied, as `falsafa migrate` does.
    pub async fn migrated() -> TestDb {
        let db = TestDb::create().await;
        let pool = db.pool().await;
        shared::adapters::postgres_records::migrate(&pool, false)
            .await
            .expect("migrations");
        pool.close().await;
        db
    }

    pub async fn pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(4)
            .connect(&self.url)
            .await
            .expect("connect test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = admin_url();
        let name = self.name.clone();
        // A runtime of its own: Drop cannot await, and the test's runtime may be shutting down.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&admin)
                    .await
                    .ok()?;
                sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&pool)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

/// Fails loudly unless Redis answers.
pub async fn require_redis() -> shared::adapters::redis_kv::RedisKv {
    let url = redis_url();
    shared::adapters::redis_kv::RedisKv::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("Redis at {url} is required: {e}; {HINT}"))
}

/// Fails loudly unless Typesense answers.
pub async fn require_typesense() -> shared::adapters::typesense_lexical::TypesenseLexicalIndex {
    let (url, key) = typesense();
    let ok = reqwest::Client::new()
        .get(format!("{url}/health"))
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .map(|r| r.status().is_success())
        .unwrap_or(false);
    assert!(ok, "Typesense 0.24.1 at {url} is required; {HINT}");
    shared::adapters::typesense_lexical::TypesenseLexicalIndex::new(&url, &key)
        .expect("typesense client")
}

pub fn moto_url() -> String {
    env_or("TEST_MOTO_URL", "http://127.0.0.1:5000")
}

/// Fails loudly unless moto answers.
pub async fn require_moto() -> String {
    let url = moto_url();
    let ok = reqwest::Client::new()
        .get(format!("{url}/moto-api/"))
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .map(|r| r.status().is_success())
        .unwrap_or(false);
    assert!(ok, "moto at {url} is required; {HINT}");
    url
}

/// An SQS client for moto.
pub async fn sqs_client() -> aws_sdk_sqs::Client {
    let url = require_moto().await;
    let conf = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .region(aws_sdk_sqs::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "test", "test", None, None, "moto",
        ))
        .endpoint_url(url)
        .http_client(shared::adapters::sqs_dispatch::https_client())
        .build();
    aws_sdk_sqs::Client::from_conf(conf)
}

/// A fresh queue on moto; returns its URL.
pub async fn new_queue(sqs: &aws_sdk_sqs::Client, prefix: &str) -> String {
    sqs.create_queue()
        .queue_name(format!("{prefix}-{}", Uuid::new_v4().simple()))
        .send()
        .await
        .expect("create queue on moto")
        .queue_url
        .expect("queue url")
}

/// The URL of Redis database `db` on the test server.
pub fn redis_db_url(db: u32) -> String {
    format!("{}/{db}", redis_url().trim_end_matches('/'))
}

/// Redis database `db`, emptied, for a test that owns names shared by the whole suite
/// (`processing_queue`): its URL and a connection to it. Every test whose app runs the job
/// poller needs one of its own: on a shared database one app's poller takes another's job,
/// its worker finds no such book in its own store, and the other test waits forever.
/// Taken so far: 7 and 8 (job_pipeline), 9 (lambda_runtime), 10 (real_stores),
/// 11 (http_flow), 12 and 13 (providers).
pub async fn own_redis_db(db: u32) -> (String, redis::aio::MultiplexedConnection) {
    require_redis().await;
    let url = redis_db_url(db);
    let mut conn = redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    redis::cmd("FLUSHDB")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    (url, conn)
}
