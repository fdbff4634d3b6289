//! Redis stopped in the middle of a session (a private `redis-server`, killed and restarted on
//! the same port): chat ends with a clear error event instead of streaming without its session
//! lock, processing answers 503 and queues nothing, nothing already saved is lost, and both work
//! again once Redis is back. And Redis stalled (the same server paused with SIGSTOP, so it
//! accepts and queues commands but answers nothing): the turn that gave up leaves no ghost lock
//! or stream slot behind when Redis resumes and runs what was queued.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use e2e::{chat, file_server, ChatOutcome, TestServer, BUNDLED_TEXT};
use serde_json::json;
use uuid::Uuid;

struct PrivateRedis {
    port: u16,
    child: Child,
}

impl PrivateRedis {
    fn start(port: u16) -> PrivateRedis {
        let redis = PrivateRedis {
            port,
            child: Command::new("redis-server")
                .args([
                    "--port",
                    &port.to_string(),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .stdout(Stdio::null())
                .spawn()
                .expect("redis-server must be installed (scripts/services.sh installs it)"),
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return redis;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not start on port {port}");
    }

    /// Pauses (`true`) or resumes the server process: a stall, not an outage.
    fn pause(&self, paused: bool) {
        let signal = if paused { "-STOP" } else { "-CONT" };
        let ok = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {signal}");
    }

    fn kill(mut self) -> u16 {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.port
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_mid_session_fails_clearly_and_loses_nothing() {
    let redis = PrivateRedis::start(free_port());
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let t = TestServer::start(&[("REDIS_URL", url.as_str())]).await;
    let files = file_server(vec![("/dorian.txt", BUNDLED_TEXT.to_string())]).await;
    let user = Uuid::new_v4();
    let book = t.add_book(user).await;
    t.ingest(book, user, &format!("{files}/dorian.txt")).await;
    let top = t.app.records.list_characters(book).await.unwrap().remove(0);
    let session = t.add_session(user, book, top.id).await;
    let body = TestServer::chat_body(user, top.id, book, session, "What is the portrait?");
    let first = t.stream(&body).await;
    assert_eq!(first.last().unwrap()["done"], json!(true));
    assert_eq!(t.message_count(session).await, 2);

    let port = redis.kill();

    // Chat: a clear error event, then `done`; nothing half-written.
    match chat(&t.client, &t.url("/character/chat"), &body, |_| {})
        .await
        .unwrap()
    {
        ChatOutcome::Streamed(events) => {
            let err = events
                .iter()
                .find(|e| e.get("error").is_some())
                .expect("an error event");
            assert_eq!(err["code"], json!(503), "{events:?}");
            assert!(
                err["error"].as_str().unwrap().contains("unavailable"),
                "{err}"
            );
            assert_eq!(events.last().unwrap()["done"], json!(true));
            assert!(
                events.iter().all(|e| e.get("token").is_none()),
                "streamed without a lock"
            );
        }
        ChatOutcome::Rejected(code, b) => panic!("expected a stream, got {code}: {b}"),
    }
    assert_eq!(
        t.message_count(session).await,
        2,
        "saved messages are intact, none half-written"
    );

    // Processing: 503, nothing queued anywhere.
    let (status, resp) = t
        .post(
            "/character/processing",
            &json!({"book_id": book, "user_id": user, "file_url": format!("{files}/dorian.txt")})
                .to_string(),
        )
        .await;
    assert_eq!(status, 503, "{resp}");

    // Redis returns (empty, as after a restart): both flows work again.
    let _back = PrivateRedis::start(port);
    let mut events = Vec::new();
    for _ in 0..50 {
        events = t.stream(&body).await;
        if events.iter().any(|e| e.get("token").is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(events.last().unwrap()["done"], json!(true), "{events:?}");
    assert!(
        events.iter().any(|e| e.get("token").is_some()),
        "{events:?}"
    );
    assert_eq!(t.message_count(session).await, 4);
    let messages = t.app.records.recent_messages(session, 10).await.unwrap();
    assert_eq!(messages.len(), 4, "{messages:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_redis_costs_one_turn_not_thirty_seconds_of_refusals() {
    let redis = PrivateRedis::start(free_port());
    let url = format!("redis://127.0.0.1:{}", redis.port);
    // One stream per user: a ghost stream slot would refuse the next turn as surely as a ghost
    // session lock.
    let t = TestServer::start(&[("REDIS_URL", url.as_str()), ("MAX_STREAMS_PER_USER", "1")]).await;
    let files = file_server(vec![("/dorian.txt", BUNDLED_TEXT.to_string())]).await;
    let user = Uuid::new_v4();
    let book = t.add_book(user).await;
    t.ingest(book, user, &format!("{files}/dorian.txt")).await;
    let top = t.app.records.list_characters(book).await.unwrap().remove(0);
    let session = t.add_session(user, book, top.id).await;
    let body = TestServer::chat_body(user, top.id, book, session, "What is the portrait?");
    assert_eq!(t.stream(&body).await.last().unwrap()["done"], json!(true));

    // Redis stalls for 3 s during the next turn.
    redis.pause(true);
    let resume = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        redis.pause(false);
        (redis, std::time::Instant::now())
    });
    let stalled = match chat(&t.client, &t.url("/character/chat"), &body, |_| {})
        .await
        .unwrap()
    {
        ChatOutcome::Streamed(events) => events,
        ChatOutcome::Rejected(code, b) => panic!("expected a stream, got {code}: {b}"),
    };
    assert_eq!(stalled.last().unwrap()["done"], json!(true), "{stalled:?}");
    let (_redis, answering_again) = resume.await.unwrap();

    // Redis has run the stalled commands, and their undos right after: the next turn streams.
    let asked = std::time::Instant::now();
    let mut first_token = None;
    let events = match chat(&t.client, &t.url("/character/chat"), &body, |ev| {
        if ev.get("token").is_some() {
            first_token.get_or_insert_with(std::time::Instant::now);
        }
    })
    .await
    .unwrap()
    {
        ChatOutcome::Streamed(events) => events,
        ChatOutcome::Rejected(code, b) => {
            panic!("the turn after the stall was refused: {code}: {b}")
        }
    };
    assert!(
        events.iter().all(|e| e.get("error").is_none()),
        "no ghost lock or slot refuses it: {events:?}"
    );
    assert_eq!(events.last().unwrap()["done"], json!(true));
    let first_token = first_token.expect("tokens streamed");
    let since = first_token.saturating_duration_since(answering_again.max(asked));
    assert!(
        since < Duration::from_secs(1),
        "streamed {since:?} after Redis answered again"
    );
    // Nothing lost: the first turn, whatever the stalled one saved, and this one.
    let stalled_saved = stalled.iter().any(|e| e.get("token").is_some());
    assert_eq!(
        t.message_count(session).await,
        if stalled_saved { 6 } else { 4 },
        "{stalled:?}"
    );
}
