//! The two flows through the real HTTP routes on embedded stores: processing → ingestion →
//! characters, indexes and prompt files; chat → tokens, done, persisted turn; every error status.

use std::time::Duration;

use e2e::*;
use serde_json::{json, Value};
use shared::ports::queue::PROCESSING_QUEUE;
use shared::text::{preview, safe_name};
use uuid::Uuid;

async fn ingested() -> (TestServer, Uuid, Uuid) {
    let t = TestServer::start(&[]).await;
    let base = file_server(vec![("/storage/dorian.txt", BUNDLED_TEXT.to_string())]).await;
    let user = Uuid::new_v4();
    let book = t.add_book(user).await;
    let job_id = t
        .ingest(book, user, &format!("{base}/storage/dorian.txt"))
        .await;
    assert!(Uuid::parse_str(&job_id).is_ok(), "{job_id}");
    (t, user, book)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processing_builds_characters_indexes_and_prompt_files() {
    let (t, user, book) = ingested().await;
    let b = t.app.records.get_book(book).await.unwrap().unwrap();
    assert_eq!(
        b.processing_status,
        shared::schema::ProcessingStatus::Completed
    );

    let chars = t.app.records.list_characters(book).await.unwrap();
    assert!(chars.len() >= 3, "{chars:?}");
    assert_eq!(chars[0].name, "Dorian Gray");
    let names: Vec<&str> = chars.iter().map(|c| c.name.as_str()).collect();
    for main in ["Henry Wotton", "Basil Hallward", "Sibyl Vane"] {
        assert!(names.contains(&main), "{main} missing from {names:?}");
    }
    assert!(chars[0].is_primary && chars[0].sort_order == 0);
    for c in &chars {
        assert!(!c.system_prompt.is_empty());
        // written by the offline responder, and marked so where a reader would see it
        assert_eq!(c.personality_traits["source"], "offline", "{c:?}");
        let path = t
            .dir
            .path()
            .join("prompts")
            .join(book.to_string())
            .join(format!("{}.md", safe_name(&c.name)));
        let file =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(file, c.system_prompt);
        assert!(file.contains(&c.name));
    }

    let n = t
        .app
        .vectors
        .count(book)
        .await
        .unwrap()
        .expect("vector collection");
    assert!(n > 100, "{n} chunks");
    let ids = t
        .app
        .lexical
        .document_ids(book)
        .await
        .unwrap()
        .expect("lexical collection");
    let mut want: Vec<String> = (0..n).map(|i| format!("{book}:{i}")).collect();
    want.sort();
    assert_eq!(ids, want);

    // A re-run of the same book recreates, not duplicates.
    let base = file_server(vec![("/again.txt", BUNDLED_TEXT.to_string())]).await;
    t.ingest(book, user, &format!("{base}/again.txt")).await;
    assert_eq!(
        t.app.records.list_characters(book).await.unwrap().len(),
        chars.len()
    );
    assert_eq!(t.app.vectors.count(book).await.unwrap(), Some(n));
    assert_eq!(
        t.app
            .lexical
            .document_ids(book)
            .await
            .unwrap()
            .map(|v| v.len()),
        Some(n)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_streams_tokens_then_done_and_persists_the_turn() {
    let (t, user, book) = ingested().await;
    let top = t.app.records.list_characters(book).await.unwrap().remove(0);
    let session = t.add_session(user, book, top.id).await;

    let body = TestServer::chat_body(
        user,
        top.id,
        book,
        session,
        "What did Basil paint, and why did it frighten you?",
    );
    let events = t.stream(&body).await;
    let (done, tokens) = events.split_last().expect("events");
    assert!(tokens.len() > 5, "{events:?}");
    assert!(
        tokens.iter().all(|e| e.get("token").is_some()),
        "{events:?}"
    );
    assert_eq!(done["done"], json!(true));
    let streamed: String = tokens
        .iter()
        .map(|e| e["token"].as_str().unwrap())
        .collect();
    assert_eq!(done["full_response"].as_str().unwrap(), streamed);
    assert_eq!(done["model"], json!("falsafa-offline"));
    assert!(!done["citations"].as_array().unwrap().is_empty());
    assert!(
        streamed.contains("Basil") || streamed.to_lowercase().contains("paint"),
        "{streamed}"
    );

    let msgs = t.app.records.recent_messages(session, 10).await.unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].role, shared::domain::Role::User);
    assert_eq!(
        msgs[0].content,
        "What did Basil paint, and why did it frighten you?"
    );
    assert_eq!(msgs[1].content, streamed);
    assert_eq!(msgs[1].metadata["offline"], json!(true));
    let s = t.app.records.get_session(session).await.unwrap().unwrap();
    assert_eq!(s.message_count, 2);
    assert_eq!(s.preview.as_deref(), Some(preview(&streamed, 120).as_str()));

    // A second turn sees the first in its history and bumps the count again.
    let body = TestServer::chat_body(user, top.id, book, session, "And Lord Henry?");
    let events = t.stream(&body).await;
    assert_eq!(events.last().unwrap()["done"], json!(true));
    assert_eq!(t.message_count(session).await, 4);
    assert_eq!(
        t.app
            .records
            .recent_messages(session, 10)
            .await
            .unwrap()
            .len(),
        4
    );

    // The lock was released and the metrics saw both routes.
    assert!(t
        .app
        .cache
        .ttl(&format!("chat:lock:{session}"))
        .await
        .unwrap()
        .is_none());
    let metrics = t
        .client
        .get(t.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            r#"http_requests_total{endpoint="/character/chat",method="POST",status_code="200"} 2"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"processing_jobs_processed_total{status="success"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("processing_pipeline_duration_seconds_count{phase=\"booknlp\"} 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processing_rejects_bad_input_and_queues_nothing() {
    let t = TestServer::start(&[]).await;
    let user = Uuid::new_v4();
    let book = t.add_book(user).await;
    let base = file_server(vec![
        ("/b.txt", "Some text.".into()),
        ("/b.pdf", "%PDF".into()),
    ])
    .await;
    let ok_url = format!("{base}/b.txt");

    for bad in [
        "{",
        "[]",
        "{\"book_id\": 1}",
        &json!({"book_id": "nope", "file_url": ok_url, "user_id": user}).to_string(),
        &json!({"book_id": book, "user_id": user}).to_string(),
    ] {
        let (status, body) = t.post("/character/processing", bad).await;
        assert_eq!(status, 400, "{bad} → {body}");
        assert!(body["error"].as_str().is_some(), "{body}");
    }
    let missing =
        json!({"book_id": Uuid::new_v4(), "file_url": ok_url, "user_id": user}).to_string();
    let (status, body) = t.post("/character/processing", &missing).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().unwrap().contains("not found"));
    let pdf =
        json!({"book_id": book, "file_url": format!("{base}/b.pdf"), "user_id": user}).to_string();
    let (status, body) = t.post("/character/processing", &pdf).await;
    assert_eq!(status, 422, "{body}");
    let gone = json!({"book_id": book, "file_url": format!("{base}/missing.txt"), "user_id": user})
        .to_string();
    assert_eq!(t.post("/character/processing", &gone).await.0, 422);
    assert_eq!(t.app.queue.len(PROCESSING_QUEUE).await.unwrap(), 0);
    let b = t.app.records.get_book(book).await.unwrap().unwrap();
    assert_eq!(
        b.processing_status,
        shared::schema::ProcessingStatus::Pending
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_answers_404_before_the_stream_and_400_for_bad_bodies() {
    let (t, user, book) = ingested().await;
    let top = t.app.records.list_characters(book).await.unwrap().remove(0);
    let session = t.add_session(user, book, top.id).await;

    let unknown = TestServer::chat_body(user, top.id, book, Uuid::new_v4(), "hello");
    let (status, body) = t.post("/character/chat", &unknown.to_string()).await;
    assert_eq!(status, 404, "{body}");
    let stranger = TestServer::chat_body(Uuid::new_v4(), top.id, book, session, "hello");
    assert_eq!(
        t.post("/character/chat", &stranger.to_string()).await.0,
        404
    );
    let other_book = TestServer::chat_body(user, top.id, Uuid::new_v4(), session, "hello");
    assert_eq!(
        t.post("/character/chat", &other_book.to_string()).await.0,
        404
    );

    let mut empty = TestServer::chat_body(user, top.id, book, session, "   ");
    assert_eq!(t.post("/character/chat", &empty.to_string()).await.0, 400);
    empty["user_message"] = Value::String("x".repeat(5000));
    assert_eq!(t.post("/character/chat", &empty.to_string()).await.0, 400);
    assert_eq!(t.post("/character/chat", "{\"user_id\": 5}").await.0, 400);
    assert_eq!(t.post("/character/chat", "not json").await.0, 400);
    let huge = format!("{{\"user_message\": \"{}\"}}", "y".repeat(200_000));
    assert_eq!(t.post("/character/chat", &huge).await.0, 413);
    assert_eq!(t.message_count(session).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_simultaneous_chats_on_one_session_give_one_stream_and_49_refusals() {
    // Per-user limits off: this is about the session lock alone.
    let Ingested {
        t,
        user,
        book,
        top,
        session,
    } = Ingested::start(&[
        ("LLM_TOKEN_DELAY_MS", "10"),
        ("CHAT_RATE_PER_MINUTE", "0"),
        ("MAX_STREAMS_PER_USER", "0"),
    ])
    .await;
    let body = TestServer::chat_body(user, top.id, book, session, "Tell me about the portrait.");

    let url = t.url("/character/chat");
    let outcomes =
        futures::future::join_all((0..50).map(|_| chat(&t.client, &url, &body, |_| {}))).await;
    let streams: Vec<Vec<Value>> = outcomes
        .into_iter()
        .map(|o| match o.unwrap() {
            ChatOutcome::Streamed(e) => e,
            ChatOutcome::Rejected(c, b) => panic!("{c} {b}"),
        })
        .collect();
    let refused: Vec<&Vec<Value>> = streams
        .iter()
        .filter(|s| s.iter().any(|e| e["code"] == json!(429)))
        .collect();
    let served: Vec<&Vec<Value>> = streams
        .iter()
        .filter(|s| s.iter().any(|e| e.get("token").is_some()))
        .collect();
    assert_eq!(refused.len(), 49, "{streams:?}");
    assert_eq!(served.len(), 1, "{streams:?}");
    for r in &refused {
        assert_eq!(r.len(), 2, "429 then done: {r:?}");
        assert_eq!(r[1]["done"], json!(true));
    }
    let done = served[0].last().unwrap();
    let messages = t.app.records.recent_messages(session, 10).await.unwrap();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[0].content, "Tell me about the portrait.");
    assert_eq!(messages[1].content, done["full_response"].as_str().unwrap());
    assert_eq!(t.message_count(session).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_user_limits_answer_429_with_retry_after() {
    let Ingested {
        t,
        user,
        book,
        top,
        session,
    } = Ingested::start(&[
        ("LLM_TOKEN_DELAY_MS", "20"),
        ("CHAT_RATE_PER_MINUTE", "3"),
        ("MAX_STREAMS_PER_USER", "1"),
        ("PROCESSING_RATE_PER_HOUR", "1"),
    ])
    .await;
    let body = TestServer::chat_body(user, top.id, book, session, "Who painted you?");
    let url = t.url("/character/chat");

    // One live stream per user: a second, on another session, waits its turn.
    let other = t.add_session(user, book, top.id).await;
    let second = TestServer::chat_body(user, top.id, book, other, "And you?");
    let (first, refused) = tokio::join!(chat(&t.client, &url, &body, |_| {}), async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        t.client.post(&url).json(&second).send().await.unwrap()
    });
    assert!(matches!(first.unwrap(), ChatOutcome::Streamed(_)));
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(
        t.message_count(other).await,
        0,
        "a refused chat wrote nothing"
    );

    // Three chats a minute: the third passes, the fourth is refused with Retry-After.
    t.stream(&body).await;
    let over = t.client.post(&url).json(&body).send().await.unwrap();
    assert_eq!(over.status(), 429);
    let wait: u64 = over.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let err: Value = over.json().await.unwrap();
    assert!(
        err["error"].as_str().unwrap().contains("rate limit"),
        "{err}"
    );
    assert_eq!(
        t.message_count(session).await,
        4,
        "two turns, nothing from the refusal"
    );

    // Processing: the fixture's ingestion used this user's one request of the hour.
    let (status, body) = t
        .post(
            "/character/processing",
            &json!({"book_id": book, "user_id": user, "file_url": "https://x.example/b.txt"})
                .to_string(),
        )
        .await;
    assert_eq!(status, 429, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_leaves_mid_stream_still_gets_its_turn_saved() {
    let Ingested {
        t,
        user,
        book,
        top,
        session,
    } = Ingested::start(&[("LLM_TOKEN_DELAY_MS", "5")]).await;
    let body = TestServer::chat_body(user, top.id, book, session, "Tell me about the portrait.");
    let resp = t
        .client
        .post(t.url("/character/chat"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    drop(resp); // hang up before reading the stream
    let mut saved = 0;
    for _ in 0..200 {
        saved = t
            .app
            .records
            .recent_messages(session, 10)
            .await
            .unwrap()
            .len();
        if saved == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(saved, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_plain_ok_without_cache_headers() {
    let t = TestServer::start(&[]).await;
    let resp = t.client.get(t.url("/health")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/plain");
    assert!(resp.headers().get("cache-control").is_none());
    assert_eq!(resp.text().await.unwrap(), "ok");
    let resp = t.client.get(t.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("cache-control").is_none());
    let text = resp.text().await.unwrap();
    assert!(text.contains("processing_active_workers"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_turns_fold_into_a_rolling_summary() {
    let Ingested {
        t,
        user,
        book,
        top,
        session,
    } = Ingested::start(&[("CHAT_HISTORY_WINDOW", "2")]).await;
    for msg in [
        "My name is Ada and I paint roses.",
        "Do you remember Basil?",
    ] {
        let body = TestServer::chat_body(user, top.id, book, session, msg);
        let ev = t.stream(&body).await;
        assert_eq!(ev.last().unwrap()["done"], json!(true));
    }
    // The fold runs after `done`, off the reply's path: wait for it (bounded).
    let mut ctx = Value::Null;
    for _ in 0..100 {
        let cached = t
            .app
            .cache
            .get_many(&[format!("chat:sess:{session}")])
            .await
            .unwrap()
            .remove(0)
            .expect("session cache");
        ctx = serde_json::from_str(&cached).unwrap();
        if ctx["summary"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        ctx["recent"].as_array().unwrap().len(),
        2,
        "only the window is kept verbatim"
    );
    assert_eq!(ctx["recent"][0]["content"], "Do you remember Basil?");
    let summary = ctx["summary"]
        .as_str()
        .expect("a summary of the turns that left the window");
    assert!(summary.contains("Ada"), "{summary}");
    assert_eq!(ctx["session"]["message_count"], 4);
    assert_eq!(ctx["summary_covers"], 2);
    let stored = t.app.records.get_summary(session).await.unwrap().unwrap();
    assert_eq!(
        (stored.text.as_str(), stored.covers),
        (summary, 2),
        "the records store keeps it too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumed_streams_follow_on_redis_and_count_against_the_rate_limit() {
    // (a Redis database of its own: the suite's other pollers would take its job)
    let (redis_url, _redis) = e2e::services::own_redis_db(11).await;
    let Ingested {
        t,
        user,
        book,
        top,
        session,
    } = Ingested::start(&[
        ("REDIS_URL", redis_url.as_str()),
        ("LLM_TOKEN_DELAY_MS", "15"),
        ("CHAT_RATE_PER_MINUTE", "2"),
    ])
    .await;
    let body = TestServer::chat_body(user, top.id, book, session, "Tell me about the portrait.");
    let (_, head) = events_with_ids(&t, &body, None, Some(3)).await;
    let last_id = head.last().unwrap().0.clone();
    // The rest arrives through the Redis journal, woken by its append notifications.
    let (status, tail) = events_with_ids(&t, &body, Some(&last_id), None).await;
    assert_eq!(status, 200);
    let done = &tail.last().unwrap().1;
    assert_eq!(done["done"], json!(true), "{tail:?}");
    let text: String = head
        .iter()
        .chain(tail.iter())
        .filter_map(|(_, v)| v["token"].as_str())
        .collect();
    assert_eq!(text, done["full_response"].as_str().unwrap());
    // Two requests in this minute: a third, even a resume, is over the limit.
    let (status, _) = events_with_ids(&t, &body, Some(&last_id), None).await;
    assert_eq!(status, 429, "a resume counts like any chat request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_endpoints_require_the_backend_key() {
    let t = TestServer::start(&[("BACKEND_API_KEY", "k3y-for-tests")]).await;
    let user = Uuid::new_v4();
    let book = t.add_book(user).await;
    let base = file_server(vec![("/b.txt", "Jo laughed. Jo ran.".into())]).await;
    let body = json!({"book_id": book, "file_url": format!("{base}/b.txt"), "user_id": user});
    let post = |key: Option<&'static str>, path: &'static str, body: Value| {
        let rb = t.client.post(t.url(path)).json(&body);
        let rb = match key {
            Some(k) => rb.header("X-API-Key", k),
            None => rb,
        };
        async move { rb.send().await.unwrap() }
    };
    for key in [None, Some("wrong"), Some("k3y-for-test"), Some("")] {
        let r = post(key, "/character/processing", body.clone()).await;
        assert_eq!(r.status(), 401, "{key:?}");
        let v: Value = r.json().await.unwrap();
        assert!(v["error"].as_str().unwrap().contains("X-API-Key"));
        let chat = TestServer::chat_body(user, Uuid::new_v4(), book, Uuid::new_v4(), "hi");
        assert_eq!(
            post(key, "/character/chat", chat).await.status(),
            401,
            "401 before the 404 lookup"
        );
    }
    assert_eq!(
        t.app.queue.len(PROCESSING_QUEUE).await.unwrap(),
        0,
        "nothing queued without the key"
    );
    assert_eq!(
        post(Some("k3y-for-tests"), "/character/processing", body)
            .await
            .status(),
        202
    );
    let health = t.client.get(t.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), 200, "/health stays open");
}

/// One index down (nothing listening where it should be): the other serves the chat alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_index_down_the_other_serves() {
    use shared::adapters::qdrant_vector::QdrantVectorIndex;
    use shared::adapters::typesense_lexical::TypesenseLexicalIndex;
    for dead in ["lexical", "vector"] {
        let dir = tempfile::tempdir().unwrap();
        let vars: std::collections::HashMap<String, String> = [(
            "FALSAFA_DATA_DIR".to_string(),
            dir.path().to_string_lossy().into_owned(),
        )]
        .into();
        let mut app = shared::App::build(shared::Config::from_map(&vars).unwrap())
            .await
            .unwrap();
        let user = Uuid::new_v4();
        let book = app
            .records
            .create_book(&shared::domain::NewBook {
                title: "Dorian Gray".into(),
                uploader_id: Some(user),
                ..Default::default()
            })
            .await
            .unwrap();
        let report = shared::ingest::run_text(&app, book.id, BUNDLED_TEXT.into()).await;
        assert_eq!(report.status, "completed");
        let a = std::sync::Arc::get_mut(&mut app).expect("sole owner");
        if dead == "lexical" {
            a.lexical =
                std::sync::Arc::new(TypesenseLexicalIndex::new("http://127.0.0.1:1", "k").unwrap());
        } else {
            a.vectors =
                std::sync::Arc::new(QdrantVectorIndex::new("http://127.0.0.1:1", None).unwrap());
        }
        let top = app
            .records
            .list_characters(book.id)
            .await
            .unwrap()
            .remove(0);
        let session = app
            .records
            .create_session(&shared::domain::NewSession {
                id: None,
                user_id: user,
                character_id: top.id,
                book_id: book.id,
            })
            .await
            .unwrap()
            .id;
        let server = functions::local::LocalServer::start(app.clone(), ([127, 0, 0, 1], 0).into())
            .await
            .unwrap();
        let body = TestServer::chat_body(
            user,
            top.id,
            book.id,
            session,
            "Tell me about the portrait Basil painted.",
        );
        let events = match chat(
            &reqwest::Client::new(),
            &server.url("/character/chat"),
            &body,
            |_| {},
        )
        .await
        .unwrap()
        {
            ChatOutcome::Streamed(e) => e,
            ChatOutcome::Rejected(c, b) => panic!("{c} {b}"),
        };
        let done = events.last().unwrap();
        assert_eq!(done["done"], json!(true), "{dead} down: {events:?}");
        let cited = done["citations"].as_array().unwrap();
        assert!(
            !cited.is_empty(),
            "{dead} down: the other index found nothing: {done}"
        );
    }
}

/// Reads up to `stop_after` events (all when `None`) of a chat request, with their ids.
async fn events_with_ids(
    t: &TestServer,
    body: &Value,
    last_event_id: Option<&str>,
    stop_after: Option<usize>,
) -> (u16, Vec<(String, Value)>) {
    use eventsource_stream::Eventsource;
    use futures::StreamExt;
    let mut req = t.client.post(t.url("/character/chat")).json(body);
    if let Some(id) = last_event_id {
        req = req.header("Last-Event-ID", id);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    if status != 200 {
        return (status, vec![]);
    }
    let mut stream = resp.bytes_stream().eventsource();
    let mut out = Vec::new();
    while let Some(ev) = stream.next().await {
        let ev = ev.unwrap();
        out.push((ev.id.clone(), serde_json::from_str(&ev.data).unwrap()));
        if stop_after.is_some_and(|n| out.len() >= n) {
            break;
        }
    }
    (status, out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_stream_resumes_from_last_event_id_without_a_new_generation() {
    let Ingested {
        t,
        user,
        book,
        top,
        session,
    } = Ingested::start(&[("LLM_TOKEN_DELAY_MS", "15")]).await;
    let body = TestServer::chat_body(user, top.id, book, session, "Tell me about the portrait.");

    // The connection drops after five events, mid-reply.
    let (_, head) = events_with_ids(&t, &body, None, Some(5)).await;
    assert_eq!(head.len(), 5);
    let last_id = head.last().unwrap().0.clone();
    let (turn, seq) = last_id.split_once(':').expect("ids look like turn:seq");
    assert_eq!(seq, "5");

    // Reconnecting with Last-Event-ID gets the rest of the same reply, following it live.
    let (status, tail) = events_with_ids(&t, &body, Some(&last_id), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        tail[0].0,
        format!("{turn}:6"),
        "resumes right after the last seen event"
    );
    let done = &tail.last().unwrap().1;
    assert_eq!(done["done"], json!(true), "{tail:?}");
    let text: String = head
        .iter()
        .chain(tail.iter())
        .filter_map(|(_, v)| v["token"].as_str())
        .collect();
    assert_eq!(
        text,
        done["full_response"].as_str().unwrap(),
        "nothing lost, nothing doubled"
    );
    assert_eq!(
        t.message_count(session).await,
        2,
        "one turn, not a second generation"
    );

    // The reply just finished: resuming from its start replays it whole, at once.
    let (_, again) = events_with_ids(&t, &body, Some(&format!("{turn}:0")), None).await;
    assert_eq!(again.len(), head.len() + tail.len());
    assert_eq!(t.message_count(session).await, 2);

    // Unknown or malformed ids.
    let (status, _) = events_with_ids(&t, &body, Some("0123abcd:3"), None).await;
    assert_eq!(status, 404);
    let (status, _) = events_with_ids(&t, &body, Some("garbage"), None).await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supabase_user_tokens_must_name_the_user() {
    use jsonwebtoken::{encode, EncodingKey, Header};
    const SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters";
    let t = TestServer::start(&[("SUPABASE_JWT_SECRET", SECRET)]).await;
    let user = Uuid::new_v4();
    let token = |sub: Uuid, secret: &str, exp_from_now: i64| {
        let claims = json!({
            "sub": sub.to_string(),
            "aud": "authenticated",
            "role": "authenticated",
            "exp": chrono::Utc::now().timestamp() + exp_from_now,
        });
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    // Ingest as the user (their own token).
    let files = file_server(vec![("/d.txt", BUNDLED_TEXT.to_string())]).await;
    let book = t.add_book(user).await;
    let submit = |bearer: Option<String>| {
        let mut req = t
            .client
            .post(t.url("/character/processing"))
            .json(&json!({"book_id": book, "user_id": user, "file_url": format!("{files}/d.txt")}));
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        req.send()
    };
    assert_eq!(submit(None).await.unwrap().status(), 401);
    assert_eq!(
        submit(Some(token(
            user,
            "wrong-secret-wrong-secret-wrong-secret",
            600
        )))
        .await
        .unwrap()
        .status(),
        401
    );
    assert_eq!(
        submit(Some(token(user, SECRET, -600)))
            .await
            .unwrap()
            .status(),
        401,
        "expired"
    );
    assert_eq!(
        submit(Some(token(Uuid::new_v4(), SECRET, 600)))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        t.app.queue.len(PROCESSING_QUEUE).await.unwrap(),
        0,
        "refusals queued nothing"
    );
    assert_eq!(
        submit(Some(token(user, SECRET, 600)))
            .await
            .unwrap()
            .status(),
        202
    );
    functions::demo::wait_for_ingestion(&t.app, book, Duration::from_secs(120))
        .await
        .unwrap();

    let top = t.app.records.list_characters(book).await.unwrap().remove(0);
    let session = t.add_session(user, book, top.id).await;
    let body = TestServer::chat_body(user, top.id, book, session, "Hello?");
    let post = |bearer: String| {
        t.client
            .post(t.url("/character/chat"))
            .bearer_auth(bearer)
            .json(&body)
            .send()
    };
    assert_eq!(
        post(token(Uuid::new_v4(), SECRET, 600))
            .await
            .unwrap()
            .status(),
        403
    );
    let ok = post(token(user, SECRET, 600)).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("\"done\":true"));
    assert_eq!(
        t.message_count(session).await,
        2,
        "only the authorised chat wrote"
    );
}

/// A key pair made here with the `openssl` CLI: the private key as DER for signing, the public
/// half as a JWK.
struct LocalKey {
    der: Vec<u8>,
    jwk: Value,
}

fn openssl(args: &[&str], input: Option<&[u8]>) -> Vec<u8> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the openssl CLI (Debian package openssl; scripts/services.sh installs it)");
    if let Some(input) = input {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl LocalKey {
    /// P-256 for ES256: PKCS#8 DER; x and y from the uncompressed point ending the public DER.
    fn ec(kid: &str) -> LocalKey {
        let pem = openssl(
            &["ecparam", "-name", "prime256v1", "-genkey", "-noout"],
            None,
        );
        let der = openssl(
            &["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"],
            Some(&pem),
        );
        let public = openssl(&["ec", "-pubout", "-outform", "DER"], Some(&pem));
        let point = &public[public.len() - 64..];
        LocalKey {
            der,
            jwk: json!({"kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig",
                "x": b64url(&point[..32]), "y": b64url(&point[32..])}),
        }
    }

    /// RSA 2048 for RS256: PKCS#1 DER; n from `-modulus`, e = 65537.
    fn rsa(kid: &str) -> LocalKey {
        let pem = openssl(&["genrsa", "2048"], None);
        let der = openssl(&["rsa", "-traditional", "-outform", "DER"], Some(&pem));
        let modulus =
            String::from_utf8(openssl(&["rsa", "-noout", "-modulus"], Some(&pem))).unwrap();
        let n = hex::decode(modulus.trim().trim_start_matches("Modulus=")).unwrap();
        LocalKey {
            der,
            jwk: json!({"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
                "n": b64url(&n), "e": "AQAB"}),
        }
    }

    fn sign(&self, alg: jsonwebtoken::Algorithm, kid: Option<&str>, sub: Uuid) -> String {
        use jsonwebtoken::{encode, EncodingKey, Header};
        let key = match alg {
            jsonwebtoken::Algorithm::ES256 => EncodingKey::from_ec_der(&self.der),
            _ => EncodingKey::from_rsa_der(&self.der),
        };
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_string);
        let claims = json!({"sub": sub.to_string(), "aud": "authenticated",
            "role": "authenticated", "exp": chrono::Utc::now().timestamp() + 600});
        encode(&header, &claims, &key).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_tokens_signed_with_the_projects_jwks_keys_are_verified() {
    use jsonwebtoken::Algorithm::{ES256, HS256, RS256};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    const SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters";
    let (ec, rsa, rotated, stranger) = (
        LocalKey::ec("ec-1"),
        LocalKey::rsa("rsa-1"),
        LocalKey::ec("ec-2"),
        LocalKey::ec("ec-1"),
    );
    // The project's JWKS endpoint, as Supabase serves it, counting its fetches.
    let published = Arc::new(Mutex::new(json!({"keys": [ec.jwk, rsa.jwk]})));
    let fetches = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_url = format!(
        "http://{}/auth/v1/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    let (p, f) = (published.clone(), fetches.clone());
    let router = axum::Router::new().route(
        "/auth/v1/.well-known/jwks.json",
        axum::routing::get(move || {
            let (p, f) = (p.clone(), f.clone());
            async move {
                f.fetch_add(1, Ordering::SeqCst);
                let body = p.lock().unwrap().to_string();
                (
                    [
                        ("content-type", "application/json"),
                        ("cache-control", "public, max-age=600"),
                    ],
                    body,
                )
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let t = TestServer::start(&[
        ("SUPABASE_JWT_SECRET", SECRET),
        ("SUPABASE_JWKS_URL", jwks_url.as_str()),
    ])
    .await;
    let user = Uuid::new_v4();
    // A session that does not exist: a token that passes gets 404, one that does not 401/403.
    let body = TestServer::chat_body(user, Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), "hi");
    let status = |token: String| {
        let req = t
            .client
            .post(t.url("/character/chat"))
            .bearer_auth(token)
            .json(&body);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    let hs256 = |sub: Uuid| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(HS256),
            &json!({"sub": sub.to_string(), "aud": "authenticated", "exp": chrono::Utc::now().timestamp() + 600}),
            &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    };

    assert_eq!(
        status(ec.sign(ES256, Some("ec-1"), user)).await,
        404,
        "ES256 accepted"
    );
    assert_eq!(
        status(rsa.sign(RS256, Some("rsa-1"), user)).await,
        404,
        "RS256 accepted"
    );
    assert_eq!(status(hs256(user)).await, 404, "HS256 still accepted");
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "the JWKS is fetched once and cached"
    );

    assert_eq!(
        status(ec.sign(ES256, Some("ec-1"), Uuid::new_v4())).await,
        403
    );
    assert_eq!(
        status(stranger.sign(ES256, Some("ec-1"), user)).await,
        401,
        "a key the project never published"
    );
    assert_eq!(
        status(rsa.sign(RS256, Some("ec-1"), user)).await,
        401,
        "a key of another kind"
    );

    // The project rotates to a new key: a token naming it makes the service fetch again.
    published.lock().unwrap()["keys"] = json!([ec.jwk, rsa.jwk, rotated.jwk]);
    assert_eq!(
        status(rotated.sign(ES256, Some("ec-2"), user)).await,
        404,
        "rotated key accepted"
    );
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        2,
        "refreshed on an unknown kid"
    );
    // Unknown kids right after cannot make it fetch again and again.
    for i in 0..5 {
        let kid = format!("random-{i}");
        assert_eq!(status(stranger.sign(ES256, Some(&kid), user)).await, 401);
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 2, "no refetch storm");
}
