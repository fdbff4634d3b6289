//! Hostile processing input: `file_url`s aimed at cloud metadata, loopback services, hosts off
//! the allowlist (directly or through a redirect), bodies over the size cap, and books that are
//! not the caller's. Each is a 422 with a JSON error, nothing is queued, and a loopback listener
//! standing in for the forbidden service proves no request reached it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use e2e::TestServer;
use serde_json::json;
use shared::ports::queue::PROCESSING_QUEUE;
use shared::schema::ProcessingStatus;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_forms_of_private_addresses_are_refused_before_any_connection() {
    let (port, hits) = tripwire().await;
    let t = TestServer::start(&[]).await; // development mode: http and loopback allowed
    let user = Uuid::new_v4();
    let book = t.add_book(user).await;
    for host in [
        "[::ffff:127.0.0.1]",
        "[::127.0.0.1]",
        "[::ffff:0:127.0.0.1]",
        "[64:ff9b::127.0.0.1]",
        "[64:ff9b::a9fe:a9fe]",
        "[64:ff9b:1::7f00:1]",
        "[2002:7f00:1::1]",
        "[2002:a9fe:a9fe::1]",
        "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
    ] {
        let url = format!("http://{host}:{port}/book.txt");
        let (status, body) = submit(&t, book, user, &url).await;
        assert_eq!(status, 422, "{url}: {body}");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains("not public"), "{url}: {error}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    assert_eq!(t.app.queue.len(PROCESSING_QUEUE).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_in_the_environment_is_not_used_for_downloads() {
    // (nextest runs each test in a process of its own: these variables reach no other test)
    let (port, hits) = tripwire().await;
    let proxy = format!("http://127.0.0.1:{port}");
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
    ] {
        std::env::set_var(var, &proxy);
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");
    let base = storage(port).await;
    let t = TestServer::start(&[]).await;
    let user = Uuid::new_v4();
    let book = t.add_book(user).await;
    let (status, body) = submit(&t, book, user, &format!("{base}/book.txt")).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the download went through the proxy"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_book_without_an_owner_is_processed_only_by_the_service_on_purpose() {
    let (port, _) = tripwire().await;
    let base = storage(port).await;
    let t = TestServer::start(&[
        ("BACKEND_API_KEY", "frontend-key"),
        ("SERVICE_API_KEY", "service-key"),
    ])
    .await;
    let book = t
        .app
        .records
        .create_book(&shared::domain::NewBook {
            title: "Nobody's".into(),
            uploader_id: None,
            ..Default::default()
        })
        .await
        .unwrap()
        .id;
    let send = |key: &'static str, allow: bool| {
        let body = json!({"book_id": book, "user_id": Uuid::new_v4(),
            "file_url": format!("{base}/book.txt"), "allow_unowned": allow});
        let req = t
            .client
            .post(t.url("/character/processing"))
            .header("X-API-Key", key)
            .json(&body);
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<serde_json::Value>().await.unwrap())
        }
    };
    for (key, allow) in [
        ("frontend-key", false),
        ("frontend-key", true),
        ("service-key", false),
    ] {
        let (status, body) = send(key, allow).await;
        assert_eq!(status, 422, "{key} allow_unowned={allow}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("has no owner"),
            "{body}"
        );
    }
    assert_eq!(t.app.queue.len(PROCESSING_QUEUE).await.unwrap(), 0);
    let (status, body) = send("wrong-key", true).await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = send("service-key", true).await;
    assert_eq!(status, 202, "the service, on purpose: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_intake_answers_in_bounded_time_and_reads_only_the_head_of_the_file() {
    use std::sync::Mutex;
    // A file server that stalls after its headers, and one that records the Range it was asked.
    let ranges: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = ranges.clone();
    let router = axum::Router::new()
        .route(
            "/stall.txt",
            get(|| async {
                let body = futures::stream::pending::<Result<axum::body::Bytes, std::io::Error>>();
                axum::body::Body::from_stream(body)
            }),
        )
        .route(
            "/big.txt",
            get(move |headers: axum::http::HeaderMap| {
                let seen = seen.clone();
                async move {
                    let range = headers
                        .get(header::RANGE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    seen.lock().unwrap().push(range);
                    // 2 MB, honouring the range as a storage service does
                    let whole = "All work and no play. ".repeat(100_000);
                    let head = &whole[..64 * 1024];
                    (
                        StatusCode::PARTIAL_CONTENT,
                        [(
                            header::CONTENT_RANGE,
                            format!("bytes 0-{}/{}", head.len() - 1, whole.len()),
                        )],
                        head.to_string(),
                    )
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let t = TestServer::start(&[("INTAKE_CHECK_TIMEOUT_MS", "300")]).await;
    let user = Uuid::new_v4();
    let book = t.add_book(user).await;
    let (status, body) = submit(&t, book, user, &format!("{base}/stall.txt")).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("no answer within"),
        "{body}"
    );

    let (status, body) = submit(&t, book, user, &format!("{base}/big.txt")).await;
    assert_eq!(status, 202, "{body}");
    // The intake's read comes first and asks for the head only. The in-process worker may
    // already have picked up the job and fetched the whole file (no Range) before we look.
    {
        let seen = ranges.lock().unwrap();
        assert_eq!(
            seen.first().map(String::as_str),
            Some("bytes=0-65535"),
            "only the head is asked for: {seen:?}"
        );
        assert!(
            seen.len() <= 2 && seen[1..].iter().all(String::is_empty),
            "after the intake, only the worker's download: {seen:?}"
        );
    }

    // The size the ranged read reports is held against the cap.
    let t = TestServer::start(&[("MAX_FILE_BYTES", "1000000")]).await;
    let book = t.add_book(user).await;
    let (status, body) = submit(&t, book, user, &format!("{base}/big.txt")).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("larger than"),
        "{body}"
    );
}

/// Generated hostile bodies: broken JSON, wrong types, missing and extra fields, bad UUIDs,
/// empty, huge and strange strings, deep nesting, raw bytes. Deterministic (seeded).
mod bodies {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use serde_json::{json, Map, Value};
    use uuid::Uuid;

    fn odd_string(rng: &mut StdRng) -> Value {
        let s = match rng.random_range(0..9) {
            0 => String::new(),
            1 => "   \t\n".into(),
            2 => "x".repeat(rng.random_range(4_001..70_000)),
            3 => "\u{0}\u{202e}\u{feff}💥ß́".into(),
            4 => "not-a-uuid".into(),
            5 => format!("{}", Uuid::new_v4()).to_uppercase() + "0",
            6 => "https://169.254.169.254/latest/meta-data/a.txt".into(),
            7 => "file:///etc/passwd".into(),
            _ => (0..rng.random_range(1..40))
                .map(|_| char::from_u32(rng.random_range(1..0x2FFFF)).unwrap_or('?'))
                .collect(),
        };
        Value::String(s)
    }

    fn odd_value(rng: &mut StdRng, depth: u32) -> Value {
        match rng.random_range(0..8) {
            0 => Value::Null,
            1 => json!(rng.random::<i64>()),
            2 => json!(rng.random::<f64>() * 1e300),
            3 => json!(rng.random::<bool>()),
            4 if depth < 40 => json!([odd_value(rng, depth + 1)]),
            5 if depth < 40 => json!({ "k": odd_value(rng, depth + 1) }),
            6 => json!(Uuid::new_v4()),
            _ => odd_string(rng),
        }
    }

    /// A plausible body for `fields` with at least one thing wrong.
    fn mangled(rng: &mut StdRng, fields: &[(&str, Value)]) -> Vec<u8> {
        let mut map = Map::new();
        for (k, v) in fields {
            map.insert(k.to_string(), v.clone());
        }
        let n = rng.random_range(1..4);
        for _ in 0..n {
            let (k, _) = &fields[rng.random_range(0..fields.len())];
            match rng.random_range(0..4) {
                0 => {
                    map.remove(*k);
                }
                1 => {
                    map.insert(k.to_string(), odd_value(rng, 0));
                }
                2 => {
                    map.insert(format!("extra_{}", rng.random::<u16>()), odd_value(rng, 0));
                }
                _ => {
                    map.insert(k.to_string(), odd_string(rng));
                }
            }
        }
        let text = Value::Object(map).to_string();
        match rng.random_range(0..10) {
            0 => text.as_bytes()[..rng.random_range(0..text.len())].to_vec(),
            1 => (0..rng.random_range(0..300))
                .map(|_| rng.random())
                .collect(),
            2 => format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)).into_bytes(),
            3 => text.replace('"', "'").into_bytes(),
            _ => text.into_bytes(),
        }
    }

    pub fn chat(rng: &mut StdRng) -> Vec<u8> {
        mangled(
            rng,
            &[
                ("user_id", json!(Uuid::new_v4())),
                ("character_id", json!(Uuid::new_v4())),
                ("book_id", json!(Uuid::new_v4())),
                ("session_id", json!(Uuid::new_v4())),
                ("user_message", json!("Hello there")),
            ],
        )
    }

    pub fn processing(rng: &mut StdRng) -> Vec<u8> {
        mangled(
            rng,
            &[
                ("book_id", json!(Uuid::new_v4())),
                ("user_id", json!(Uuid::new_v4())),
                ("file_url", json!("https://books.example/b.txt")),
            ],
        )
    }

    pub fn rng() -> StdRng {
        StdRng::seed_from_u64(0x0fa1_5afa)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_generated_bad_bodies_get_only_4xx() {
    use tower::ServiceExt;
    let t = TestServer::start(&[("FILE_URL_ALLOWED_HOSTS", "127.0.0.1")]).await;
    let router = shared::http::router(t.app.clone());
    let mut rng = bodies::rng();
    let mut by_status = std::collections::BTreeMap::new();
    for i in 0..10_000 {
        let (path, body) = if i % 2 == 0 {
            ("/character/chat", bodies::chat(&mut rng))
        } else {
            ("/character/processing", bodies::processing(&mut rng))
        };
        let req = axum::http::Request::post(path)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.clone()))
            .unwrap();
        let resp = router.clone().oneshot(req).await.unwrap();
        let status = resp.status().as_u16();
        assert!(
            (400..500).contains(&status),
            "{path} answered {status} to {:?}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        );
        *by_status.entry(status).or_insert(0) += 1;
    }
    println!("statuses: {by_status:?}");
    assert_eq!(t.app.queue.len(PROCESSING_QUEUE).await.unwrap(), 0);
}

#[test]
fn the_book_text_parser_survives_generated_text() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let pieces = [
        "Mr. ",
        "Mrs. ",
        "Dr. ",
        "“",
        "”",
        "\"",
        "'",
        " said ",
        "Dorian",
        "Gray",
        " Basil",
        ".",
        "!",
        "?",
        "\n\n",
        "CHAPTER I\n",
        "*** START OF THE PROJECT GUTENBERG EBOOK X ***\n",
        "*** END OF",
        "ſ",
        "\u{0301}",
        "İ",
        "ǅ",
        "💥",
        "\u{feff}",
        "\r\n",
        "—",
        "St.",
        " ",
    ];
    for _ in 0..3_000 {
        let mut text = String::new();
        for _ in 0..rng.random_range(0..400) {
            if rng.random_range(0..5) == 0 {
                text.push(char::from_u32(rng.random_range(1..0x2FFFF)).unwrap_or('x'));
            } else {
                text.push_str(pieces[rng.random_range(0..pieces.len())]);
            }
        }
        let body = shared::ingest::fetch::strip_front_matter(&text);
        let analysis = shared::extract::analyse(body);
        let profiles = analysis.profiles(12);
        assert!(profiles.len() <= 12);
        let chunks =
            shared::ingest::chunk::chunk(body, shared::ingest::chunk::ChunkParams::default());
        for c in &chunks {
            assert!(!c.text.is_empty());
        }
        let _ = shared::ingest::fetch::decode(text.into_bytes());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_intake_keeps_a_checked_copy_refuses_a_bad_tail_and_never_waits_past_its_budget() {
    // Each file answers a ranged read with a clean 64 KiB head; the whole file differs.
    let head = "It was a bright cold day in April. ".repeat(2000);
    let whole = |tail: &[u8]| {
        let mut body = head.clone().into_bytes();
        body.extend_from_slice(tail);
        body
    };
    let ranged = |body: Vec<u8>, stall: bool| {
        move |headers: axum::http::HeaderMap| {
            let body = body.clone();
            async move {
                if headers.contains_key(header::RANGE) {
                    let end = 64 * 1024;
                    return (
                        StatusCode::PARTIAL_CONTENT,
                        [(
                            header::CONTENT_RANGE,
                            format!("bytes 0-{}/{}", end - 1, body.len()),
                        )],
                        body[..end].to_vec(),
                    )
                        .into_response();
                }
                if stall {
                    // the head, then nothing: a download that would not end in time
                    let first = futures::stream::once(async move {
                        Ok::<_, std::io::Error>(axum::body::Bytes::from(body[..1024].to_vec()))
                    });
                    let stream = futures::StreamExt::chain(first, futures::stream::pending());
                    return axum::body::Body::from_stream(stream).into_response();
                }
                body.into_response()
            }
        }
    };
    let good = whole(b" The end.");
    let router = axum::Router::new()
        .route("/good.txt", get(ranged(good.clone(), false)))
        .route(
            "/binary-tail.txt",
            get(ranged(whole(&[0xff, 0xfe, 0x00]), false)),
        )
        .route("/stalls.txt", get(ranged(good.clone(), true)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let copies = tempfile::tempdir().unwrap();
    let t = TestServer::start(&[
        ("INTAKE_STORAGE_PATH", copies.path().to_str().unwrap()),
        ("INTAKE_COPY_TIMEOUT_MS", "500"),
    ])
    .await;
    let user = Uuid::new_v4();

    // A good file: accepted, and the copy the job names holds the whole text.
    let book = t.add_book(user).await;
    let (status, body) = submit(&t, book, user, &format!("{base}/good.txt")).await;
    assert_eq!(status, 202, "{body}");
    let job_id = body["job_id"].as_str().unwrap();
    let copy = std::fs::read(copies.path().join(format!("{job_id}.txt"))).unwrap();
    assert_eq!(copy, good, "the intake's copy is the whole file");

    // Binary past the head passes the ranged check but not the copy: 422, nothing queued.
    let book = t.add_book(user).await;
    let (status, body) = submit(&t, book, user, &format!("{base}/binary-tail.txt")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().unwrap().contains("UTF-8"), "{body}");
    let stored = t.app.records.get_book(book).await.unwrap().unwrap();
    assert_eq!(stored.processing_status, ProcessingStatus::Pending);

    // A copy that cannot finish in its budget: accepted without one, in bounded time.
    let book = t.add_book(user).await;
    let started = std::time::Instant::now();
    let (status, body) = submit(&t, book, user, &format!("{base}/stalls.txt")).await;
    assert_eq!(status, 202, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "answered within its budgets"
    );
    let job_id = body["job_id"].as_str().unwrap();
    assert!(!copies.path().join(format!("{job_id}.txt")).exists());
}
