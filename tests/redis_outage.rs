//! Redis stopped in the middle of a session (a private `redis-server`, killed and restarted on
//! the same port): chat ends with a clear error event instead of streaming without its session
//! lock, processing answers 503 and queues nothing, nothing already saved is lost, and both work
//! again once Redis is back.

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
