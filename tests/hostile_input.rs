//! Hostile processing input: `file_url`s aimed at cloud metadata, loopback services, hosts off
//! the allowlist (directly or through a redirect), bodies over the size cap, and books that are
//! not the caller's. Each is a 422 with a JSON error, nothing is queued, and a loopback listener
//! standing in for the forbidden service proves no request reached it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use e2e::TestServer;
use serde_json::json;
use shared::ports::queue::PROCESSING_QUEUE;
use uuid::Uuid;

/// A TCP listener that counts the connections it accepts (and closes them).
async fn tripwire() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(conn);
        }
    });
    (port, hits)
}

/// The allowlisted storage stand-in: a book, an oversized book, and redirects elsewhere.
async fn storage(tripwire_port: u16) -> String {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let redirect = |to: String| {
        move || async move { (StatusCode::FOUND, [(header::LOCATION, to)]).into_response() }
    };
    let router = axum::Router::new()
        .route(
            "/book.txt",
            get(|| async { "Call me Ishmael. Ishmael went to sea." }),
        )
        .route("/huge.txt", get(|| async { "word ".repeat(4_000) }))
        .route(
            "/to-metadata.txt",
            get(redirect(
                "http://169.254.169.254/latest/meta-data/iam.txt".into(),
            )),
        )
        .route(
            "/to-localhost.txt",
            get(redirect(format!(
                "http://localhost:{tripwire_port}/secret.txt"
            ))),
        )
        .route(
            "/to-elsewhere.txt",
            get(redirect(format!(
                "http://127.0.0.2:{tripwire_port}/book.txt"
            ))),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

async fn submit(t: &TestServer, book: Uuid, user: Uuid, url: &str) -> (u16, serde_json::Value) {
    t.post(
        "/character/processing",
        &json!({"book_id": book, "user_id": user, "file_url": url}).to_string(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_file_urls_are_422_and_never_fetched() {
    let (port, hits) = tripwire().await;
    let base = storage(port).await;
    // Development mode (http and loopback allowed) with the storage host as the only allowed
    // host: even here metadata, other hosts and redirects off the list are refused.
    let t = TestServer::start(&[
        ("FILE_URL_ALLOWED_HOSTS", "127.0.0.1,169.254.169.254"),
        ("MAX_FILE_BYTES", "10000"),
    ])
    .await;
    let user = Uuid::new_v4();
    let book = t.add_book(user).await;

    for (url, why) in [
        (
            "http://169.254.169.254/latest/meta-data/iam.txt".to_string(),
            "not public",
        ),
        (format!("http://localhost:{port}/book.txt"), "allowlist"),
        (format!("http://127.0.0.2:{port}/book.txt"), "allowlist"),
        (format!("{base}/to-metadata.txt"), "not public"),
        (format!("{base}/to-localhost.txt"), "allowlist"),
        (format!("{base}/to-elsewhere.txt"), "allowlist"),
        (format!("{base}/huge.txt"), "larger than"),
        (format!("https://books.example/{port}.txt"), "allowlist"),
    ] {
        let (status, body) = submit(&t, book, user, &url).await;
        assert_eq!(status, 422, "{url}: {body}");
        let error = body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{url}: no JSON error: {body}"));
        assert!(error.contains(why), "{url}: {error}");
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "a forbidden address was contacted"
    );
    assert_eq!(
        t.app.queue.len(PROCESSING_QUEUE).await.unwrap(),
        0,
        "a rejected request queued a job"
    );

    // Someone else's book: refused before anything is downloaded.
    let (status, body) = submit(&t, book, Uuid::new_v4(), &format!("{base}/book.txt")).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("does not belong"),
        "{body}"
    );

    // The control: the owner, an allowed host, a small text file.
    let (status, body) = submit(&t, book, user, &format!("{base}/book.txt")).await;
    assert_eq!(status, 202, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_resolve_to_loopback_are_refused_after_dns() {
    let (port, hits) = tripwire().await;
    // Production mode (https only, no loopback), with `localhost` wrongly allowlisted: the name
    // passes the allowlist, its addresses do not, and no connection is made.
    let t = TestServer::start(&[
        ("FALSAFA_ALLOW_LOOPBACK_URLS", "0"),
        ("FILE_URL_ALLOWED_HOSTS", "localhost"),
    ])
    .await;
    let user = Uuid::new_v4();
    let book = t.add_book(user).await;
    let (status, body) = submit(
        &t,
        book,
        user,
        &format!("https://localhost:{port}/book.txt"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("no public address"),
        "{body}"
    );
    let (status, body) = submit(&t, book, user, &format!("http://localhost:{port}/book.txt")).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("https only"),
        "{body}"
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "a loopback address was contacted"
    );
}
