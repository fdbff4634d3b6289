//! The whole product on real stores: `falsafa serve`'s server configured with PostgreSQL,
//! Redis, Typesense and Qdrant (its gRPC wire format, on the test server of `support`) ingests a novel and answers a chat; then every key and row the contract
//! names is checked on the real servers.

use e2e::services::{self, TestDb};
use e2e::*;
use redis::AsyncCommands;
use serde_json::json;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_postgres_redis_and_typesense() {
    let db = TestDb::migrated().await;
    // (a Redis database of its own: the suite's other pollers would take its job)
    let (redis_url, _redis) = services::own_redis_db(10).await;
    let _ = services::require_typesense().await;
    let (ts_url, ts_key) = services::typesense();
    let qdrant_url = e2e::qdrant_server::start().await;
    let t = TestServer::start(&[
        ("QDRANT_URL", qdrant_url.as_str()),
        ("DATABASE_URL", db.url.as_str()),
        ("REDIS_URL", redis_url.as_str()),
        ("TYPESENSE_URL", ts_url.as_str()),
        ("TYPESENSE_API_KEY", ts_key.as_str()),
        // the follow-up's rewrite must land (and be cached) even on a loaded machine
        ("CHAT_REWRITE_BUDGET_MS", "10000"),
    ])
    .await;
    let base = file_server(vec![("/storage/dorian.txt", BUNDLED_TEXT.to_string())]).await;
    let user = Uuid::new_v4();
    let book = t.add_book(user).await;
    t.ingest(book, user, &format!("{base}/storage/dorian.txt"))
        .await;

    // PostgreSQL: the characters, most important first.
    let pool = db.pool().await;
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM characters WHERE book_id = $1 ORDER BY sort_order")
            .bind(book)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        names.first().map(String::as_str),
        Some("Dorian Gray"),
        "{names:?}"
    );
    let status: String = sqlx::query_scalar("SELECT processing_status FROM books WHERE id = $1")
        .bind(book)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "completed");

    // Typesense: collection {book_id}, ids {book_id}:0..n-1.
    let n = t.app.vectors.count(book).await.unwrap().unwrap();
    let export = reqwest::Client::new()
        .get(format!("{ts_url}/collections/{book}/documents/export"))
        .header("X-TYPESENSE-API-KEY", &ts_key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut ids: Vec<String> = export
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    ids.sort();
    let mut want: Vec<String> = (0..n).map(|i| format!("{book}:{i}")).collect();
    want.sort();
    assert_eq!(ids, want);

    // Chat.
    let top = t.app.records.list_characters(book).await.unwrap().remove(0);
    let session = t.add_session(user, book, top.id).await;
    let body = TestServer::chat_body(user, top.id, book, session, "What did Basil paint?");
    let events = t.stream(&body).await;
    assert_eq!(events.last().unwrap()["done"], json!(true));
    let reply = events.last().unwrap()["full_response"]
        .as_str()
        .unwrap()
        .to_string();

    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT role, content FROM messages WHERE session_id = $1 ORDER BY created_at",
    )
    .bind(session)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![
            ("user".into(), "What did Basil paint?".into()),
            ("assistant".into(), reply)
        ]
    );
    let count: i32 = sqlx::query_scalar("SELECT message_count FROM chat_sessions WHERE id = $1")
        .bind(session)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 2);

    // Redis: the four caches with TTL ≤ 3600, no lock left behind.
    let client = redis::Client::open(redis_url.as_str()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    for key in [
        format!("chat:sess:{session}"),
        format!("chat:char:{}", top.id),
        format!("chat:book:{book}"),
    ] {
        let ttl: i64 = con.ttl(&key).await.unwrap();
        assert!(ttl > 0 && ttl <= 3600, "{key}: ttl {ttl}");
    }
    // A self-contained question is searched as it is; one that refers back is rewritten, and
    // the rewrite cached.
    let qr: Vec<String> = con.keys(format!("chat:qr:{}:*", top.id)).await.unwrap();
    assert!(qr.is_empty(), "{qr:?}");
    let body = TestServer::chat_body(user, top.id, book, session, "Why did he paint it?");
    let events = t.stream(&body).await;
    assert_eq!(events.last().unwrap()["done"], json!(true));
    let qr: Vec<String> = con.keys(format!("chat:qr:{}:*", top.id)).await.unwrap();
    assert_eq!(qr.len(), 1, "{qr:?}");
    let ttl: i64 = con.ttl(&qr[0]).await.unwrap();
    assert!(ttl > 0 && ttl <= 3600);
    let locks: Vec<String> = con.keys(format!("chat:lock:{session}*")).await.unwrap();
    assert!(locks.is_empty(), "{locks:?}");
    let sess: serde_json::Value = serde_json::from_str(
        &con.get::<_, String>(format!("chat:sess:{session}"))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        sess["recent"].as_array().unwrap().len(),
        4,
        "the session cache holds the new turns"
    );
}
