//! Conformance: one test body per port, run against every adapter — embedded and real
//! (PostgreSQL, Redis, Typesense) — so their behaviour cannot drift apart.

use std::time::Duration;

use e2e::services::{self, TestDb};
use serde_json::json;
use shared::adapters::memory_kv::MemoryKv;
use shared::adapters::memory_vector::MemoryVectorIndex;
use shared::adapters::postgres_records::{migrate, PostgresRecords};
use shared::adapters::sqlite_records::SqliteRecords;
use shared::adapters::tantivy_lexical::TantivyLexicalIndex;
use shared::domain::{Chunk, NewBook, NewCharacter, NewSession, Role, SessionSummary, Turn};
use shared::error::StoreError;
use shared::ports::vector_index::VectorPoint;
use shared::ports::{
    Cache, FleetMetrics, JobQueue, LexicalIndex, RateLimiter, Records, SessionLock, VectorIndex,
};
use shared::schema::{ProcessingStatus, SchemaNames};
use uuid::Uuid;

// ---------- records ----------

fn character(book: Uuid, name: &str, rank: i32) -> NewCharacter {
    NewCharacter {
        book_id: book,
        name: name.into(),
        description: Some(format!("{name} is someone")),
        aliases: vec![format!("{name}-alias")],
        role: Some("major".into()),
        mention_count: 10 - rank as i64,
        personality_traits: json!({"voice": "plain", "quotes": ["hello there"]}),
        system_prompt: format!("You are {name}."),
        processing_version: 2,
        is_primary: rank == 0,
        sort_order: rank,
    }
}

async fn records_conformance(r: &dyn Records) {
    let user = Uuid::new_v4();
    assert!(r.get_book(Uuid::new_v4()).await.unwrap().is_none());
    let book = r
        .create_book(&NewBook {
            title: "Middlemarch".into(),
            author: Some("George Eliot".into()),
            uploader_id: Some(user),
            is_public: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(book.processing_status, ProcessingStatus::Pending);
    assert_eq!(r.get_book(book.id).await.unwrap().unwrap(), book);
    r.set_book_status(book.id, ProcessingStatus::Processing)
        .await
        .unwrap();
    assert_eq!(
        r.get_book(book.id)
            .await
            .unwrap()
            .unwrap()
            .processing_status,
        ProcessingStatus::Processing
    );
    assert!(matches!(
        r.set_book_status(Uuid::new_v4(), ProcessingStatus::Failed)
            .await,
        Err(StoreError::NotFound(_))
    ));

    let b = r
        .upsert_character(&character(book.id, "Dorothea", 1))
        .await
        .unwrap();
    let a = r
        .upsert_character(&character(book.id, "Casaubon", 0))
        .await
        .unwrap();
    assert_eq!(a.aliases, vec!["Casaubon-alias".to_string()]);
    assert_eq!(a.personality_traits["quotes"][0], "hello there");
    // Upsert on (book_id, name): same id, new values, no duplicate.
    let mut again = character(book.id, "Dorothea", 1);
    again.system_prompt = "You are Dorothea Brooke.".into();
    let b2 = r.upsert_character(&again).await.unwrap();
    assert_eq!(b2.id, b.id);
    assert_eq!(b2.system_prompt, "You are Dorothea Brooke.");
    let list = r.list_characters(book.id).await.unwrap();
    assert_eq!(
        list.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        vec!["Casaubon", "Dorothea"]
    );
    assert_eq!(r.get_character(a.id).await.unwrap().unwrap(), a);
    assert!(r.get_character(Uuid::new_v4()).await.unwrap().is_none());

    let s = r
        .create_session(&NewSession {
            id: None,
            user_id: user,
            character_id: b.id,
            book_id: book.id,
        })
        .await
        .unwrap();
    assert_eq!((s.message_count, s.preview.clone()), (0, None));
    assert!(r.get_session(Uuid::new_v4()).await.unwrap().is_none());
    assert!(r.recent_messages(s.id, 10).await.unwrap().is_empty());
    for i in 0..6 {
        let (sess, written) = r
            .append_turn(&Turn {
                session_id: s.id,
                user_message: format!("question {i}"),
                assistant_message: format!("answer {i}"),
                assistant_metadata: json!({"model": "m", "turn": i}),
                preview: format!("answer {i}"),
            })
            .await
            .unwrap();
        assert_eq!(sess.message_count, 2 * (i + 1));
        assert_eq!(
            sess.preview.as_deref(),
            Some(format!("answer {i}").as_str())
        );
        assert_eq!(written.len(), 2);
        assert_eq!(written[0].role, Role::User);
        assert_eq!(written[1].role, Role::Assistant);
    }
    let recent = r.recent_messages(s.id, 3).await.unwrap();
    assert_eq!(
        recent
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>(),
        vec!["answer 4", "question 5", "answer 5"]
    );
    assert_eq!(recent[2].metadata["turn"], 5);
    assert!(recent
        .windows(2)
        .all(|w| w[0].created_at <= w[1].created_at));
    // A range from the start, in order, and the rolling summary kept by coverage.
    let range = r.messages_range(s.id, 2, 3).await.unwrap();
    assert_eq!(
        range.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(),
        vec!["question 1", "answer 1", "question 2"]
    );
    assert!(r.messages_range(s.id, 12, 5).await.unwrap().is_empty());
    assert!(r.get_summary(s.id).await.unwrap().is_none());
    let summary = |text: &str, covers| SessionSummary {
        text: text.into(),
        covers,
    };
    assert!(r
        .save_summary(s.id, &summary("first four", 4))
        .await
        .unwrap());
    assert_eq!(
        r.get_summary(s.id).await.unwrap(),
        Some(summary("first four", 4))
    );
    assert!(r
        .save_summary(s.id, &summary("first six", 6))
        .await
        .unwrap());
    assert!(
        !r.save_summary(s.id, &summary("a late fold", 4))
            .await
            .unwrap(),
        "an older fold never overwrites a newer one"
    );
    assert!(!r
        .save_summary(s.id, &summary("same span", 6))
        .await
        .unwrap());
    assert_eq!(
        r.get_summary(s.id).await.unwrap(),
        Some(summary("first six", 6))
    );
    assert!(r.get_summary(Uuid::new_v4()).await.unwrap().is_none());
    let missing = Turn {
        session_id: Uuid::new_v4(),
        user_message: "x".into(),
        assistant_message: "y".into(),
        assistant_metadata: json!({}),
        preview: "y".into(),
    };
    assert!(r.append_turn(&missing).await.is_err());
    assert_eq!(
        r.recent_messages(missing.session_id, 10)
            .await
            .unwrap()
            .len(),
        0,
        "a failed turn writes nothing"
    );
}

#[tokio::test]
async fn records_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let r = SqliteRecords::open(&dir.path().join("t.db"), SchemaNames::default())
        .await
        .unwrap();
    records_conformance(&r).await;
}

#[tokio::test]
async fn records_sqlite_older_schema_names() {
    let dir = tempfile::tempdir().unwrap();
    let names = SchemaNames {
        session_id_column: "session_id".into(),
        session_preview_column: "last_message_preview".into(),
        status_completed: "success".into(),
        ..Default::default()
    };
    let r = SqliteRecords::open(&dir.path().join("t.db"), names)
        .await
        .unwrap();
    records_conformance(&r).await;
}

#[tokio::test]
async fn records_postgres() {
    let db = TestDb::create().await;
    let r = PostgresRecords::connect(&db.url, SchemaNames::default())
        .await
        .unwrap();
    // What the backend needs, and nothing touching the frontend's tables' security…
    assert_eq!(migrate(r.pool(), false).await.unwrap(), vec![1, 3, 4]);
    let rls: bool =
        sqlx::query_scalar("SELECT relrowsecurity FROM pg_class WHERE relname = 'books'")
            .fetch_one(r.pool())
            .await
            .unwrap();
    assert!(!rls, "RLS only on request");
    assert!(shared::adapters::postgres_records::pending(r.pool())
        .await
        .unwrap()
        .is_empty());
    // …until asked for.
    assert_eq!(migrate(r.pool(), true).await.unwrap(), vec![2, 5]);
    assert!(
        migrate(r.pool(), true).await.unwrap().is_empty(),
        "migrations apply once"
    );
    records_conformance(&r).await;
}

/// RLS on the real schema: a signed-in user reads their own sessions and messages and the
/// characters of public books, nothing else; the atomic turn function works as PostgREST calls it.
#[tokio::test]
async fn postgres_row_level_security_and_turn_function() {
    let db = TestDb::create().await;
    let r = PostgresRecords::connect(&db.url, SchemaNames::default())
        .await
        .unwrap();
    migrate(r.pool(), true).await.unwrap();
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let public = r
        .create_book(&NewBook {
            title: "Public".into(),
            uploader_id: Some(bob),
            is_public: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let private = r
        .create_book(&NewBook {
            title: "Private".into(),
            uploader_id: Some(bob),
            is_public: false,
            ..Default::default()
        })
        .await
        .unwrap();
    let c_pub = r
        .upsert_character(&character(public.id, "Pip", 0))
        .await
        .unwrap();
    let c_priv = r
        .upsert_character(&character(private.id, "Estella", 0))
        .await
        .unwrap();
    let s_alice = r
        .create_session(&NewSession {
            id: None,
            user_id: alice,
            character_id: c_pub.id,
            book_id: public.id,
        })
        .await
        .unwrap();
    let s_bob = r
        .create_session(&NewSession {
            id: None,
            user_id: bob,
            character_id: c_pub.id,
            book_id: public.id,
        })
        .await
        .unwrap();
    let pool = db.pool().await;
    // The turn function, as service_role over PostgREST's rpc/.
    let mut tx = pool.begin().await.unwrap();
    sqlx::raw_sql("SET LOCAL ROLE service_role")
        .execute(&mut *tx)
        .await
        .unwrap();
    let count: i32 = sqlx::query_scalar("SELECT (falsafa_append_turn($1, 'hi', 'hello', '{\"model\":\"m\"}'::jsonb, 'hello') -> 'session' ->> 'message_count')::int")
        .bind(s_alice.id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(count, 2);
    tx.commit().await.unwrap();
    r.append_turn(&Turn {
        session_id: s_bob.id,
        user_message: "b".into(),
        assistant_message: "b".into(),
        assistant_metadata: json!({}),
        preview: "b".into(),
    })
    .await
    .unwrap();

    let as_user = |user: Option<Uuid>, sql: &'static str| {
        let pool = pool.clone();
        async move {
            let mut tx = pool.begin().await.unwrap();
            let role = if user.is_some() {
                "authenticated"
            } else {
                "anon"
            };
            sqlx::raw_sql(&format!("SET LOCAL ROLE {role}"))
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query("SELECT set_config('request.jwt.claim.sub', $1, true)")
                .bind(user.map(|u| u.to_string()).unwrap_or_default())
                .execute(&mut *tx)
                .await
                .unwrap();
            let ids: Vec<Uuid> = sqlx::query_scalar(sql).fetch_all(&mut *tx).await.unwrap();
            tx.rollback().await.unwrap();
            ids
        }
    };
    assert_eq!(
        as_user(Some(alice), "SELECT id FROM chat_sessions").await,
        vec![s_alice.id]
    );
    assert_eq!(
        as_user(Some(alice), "SELECT DISTINCT session_id FROM messages").await,
        vec![s_alice.id]
    );
    assert_eq!(
        as_user(Some(alice), "SELECT id FROM characters").await,
        vec![c_pub.id]
    );
    let mut bobs = as_user(Some(bob), "SELECT id FROM characters").await;
    bobs.sort();
    let mut want = vec![c_pub.id, c_priv.id];
    want.sort();
    assert_eq!(
        bobs, want,
        "an uploader sees the characters of their private book"
    );
    assert_eq!(
        as_user(None, "SELECT id FROM characters").await,
        vec![c_pub.id]
    );
    assert!(as_user(None, "SELECT id FROM books WHERE NOT is_public")
        .await
        .is_empty());
    // anon cannot read sessions at all (no grant): the query errors
    let mut tx = pool.begin().await.unwrap();
    sqlx::raw_sql("SET LOCAL ROLE anon")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert!(sqlx::query("SELECT id FROM chat_sessions")
        .fetch_all(&mut *tx)
        .await
        .is_err());
    tx.rollback().await.unwrap();
    // authenticated users cannot call the turn function
    let mut tx = pool.begin().await.unwrap();
    sqlx::raw_sql("SET LOCAL ROLE authenticated")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert!(
        sqlx::query("SELECT falsafa_append_turn($1, 'x', 'y', '{}'::jsonb, 'y')")
            .bind(s_alice.id)
            .fetch_all(&mut *tx)
            .await
            .is_err()
    );
    tx.rollback().await.unwrap();

    // The frontend's own writes with a reader's token: allowed on what is theirs, no more.
    let write_as = |user: Uuid, sql: String| {
        let pool = pool.clone();
        async move {
            let mut tx = pool.begin().await.unwrap();
            sqlx::raw_sql("SET LOCAL ROLE authenticated")
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query("SELECT set_config('request.jwt.claim.sub', $1, true)")
                .bind(user.to_string())
                .execute(&mut *tx)
                .await
                .unwrap();
            let rows = sqlx::raw_sql(&sql)
                .execute(&mut *tx)
                .await
                .ok()
                .map(|r| r.rows_affected());
            tx.rollback().await.unwrap();
            rows == Some(1)
        }
    };
    let (cp, pb) = (c_pub.id, public.id);
    assert!(
        write_as(
            alice,
            format!("INSERT INTO books (title, uploader_id) VALUES ('Mine', '{alice}')")
        )
        .await
    );
    assert!(
        !write_as(
            alice,
            format!("INSERT INTO books (title, uploader_id) VALUES ('Bob''s', '{bob}')")
        )
        .await
    );
    assert!(write_as(alice, format!("INSERT INTO chat_sessions (user_id, character_id, book_id) VALUES ('{alice}', '{cp}', '{pb}')")).await);
    assert!(!write_as(alice, format!("INSERT INTO chat_sessions (user_id, character_id, book_id) VALUES ('{bob}', '{cp}', '{pb}')")).await);
    let (sa, sb) = (s_alice.id, s_bob.id);
    assert!(
        write_as(
            alice,
            format!(
                "INSERT INTO messages (session_id, role, content) VALUES ('{sa}', 'user', 'hi')"
            )
        )
        .await
    );
    assert!(
        !write_as(
            alice,
            format!(
                "INSERT INTO messages (session_id, role, content) VALUES ('{sb}', 'user', 'hi')"
            )
        )
        .await
    );
    assert!(
        write_as(
            bob,
            format!("UPDATE characters SET avatar_url = 'x' WHERE id = '{cp}'")
        )
        .await
    );
    assert!(
        !write_as(
            alice,
            format!("UPDATE characters SET avatar_url = 'x' WHERE id = '{cp}'")
        )
        .await
    );
}

// ---------- cache, lock, queue ----------

async fn cache_conformance(c: &dyn Cache) {
    let p = format!("t:{}", Uuid::new_v4());
    let (a, b, missing) = (format!("{p}:a"), format!("{p}:b"), format!("{p}:none"));
    c.set(&a, "alpha", Duration::from_secs(3600)).await.unwrap();
    c.set(&b, "{\"json\":true}", Duration::from_secs(1))
        .await
        .unwrap();
    let got = c
        .get_many(&[a.clone(), missing.clone(), b.clone()])
        .await
        .unwrap();
    assert_eq!(
        got,
        vec![Some("alpha".into()), None, Some("{\"json\":true}".into())]
    );
    assert!(c.get_many(&[]).await.unwrap().is_empty());
    let ttl = c.ttl(&a).await.unwrap().expect("ttl");
    assert!(
        ttl <= Duration::from_secs(3600) && ttl > Duration::from_secs(3590),
        "{ttl:?}"
    );
    assert!(c.ttl(&missing).await.unwrap().is_none());
    c.delete(&a).await.unwrap();
    assert_eq!(
        c.get_many(std::slice::from_ref(&a)).await.unwrap(),
        vec![None]
    );
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(
        c.get_many(std::slice::from_ref(&b)).await.unwrap(),
        vec![None],
        "expired after its TTL"
    );
}

async fn lock_conformance(l: &dyn SessionLock) {
    let key = format!("chat:lock:{}", Uuid::new_v4());
    let token = l
        .acquire(&key, Duration::from_secs(1))
        .await
        .unwrap()
        .expect("first holder");
    assert_eq!(token.len(), 32);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(
        l.acquire(&key, Duration::from_secs(30))
            .await
            .unwrap()
            .is_none(),
        "second holder refused"
    );
    assert!(
        !l.release(&key, "not-the-owner").await.unwrap(),
        "a non-owner deletes nothing"
    );
    assert!(
        l.acquire(&key, Duration::from_secs(30))
            .await
            .unwrap()
            .is_none(),
        "still held"
    );
    assert!(!l
        .extend(&key, "not-the-owner", Duration::from_secs(30))
        .await
        .unwrap());
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let t2 = l
        .acquire(&key, Duration::from_secs(30))
        .await
        .unwrap()
        .expect("free once the TTL ran out");
    assert_ne!(t2, token);
    assert!(
        !l.release(&key, &token).await.unwrap(),
        "the old owner cannot release the new lock"
    );
    assert!(l.extend(&key, &t2, Duration::from_secs(30)).await.unwrap());
    assert!(l.release(&key, &t2).await.unwrap());
    assert!(l
        .acquire(&key, Duration::from_secs(30))
        .await
        .unwrap()
        .is_some());
}

async fn queue_conformance(q: &dyn JobQueue) {
    let name = format!("t:queue:{}", Uuid::new_v4());
    assert_eq!(q.len(&name).await.unwrap(), 0);
    assert!(q.pop(&name).await.unwrap().is_none());
    for i in 0..5 {
        assert_eq!(
            q.push(&name, &format!("{{\"job\":{i}}}")).await.unwrap(),
            i + 1
        );
    }
    assert_eq!(q.len(&name).await.unwrap(), 5);
    for i in 0..5 {
        assert_eq!(
            q.pop(&name).await.unwrap(),
            Some(format!("{{\"job\":{i}}}")),
            "FIFO"
        );
    }
    assert!(q.pop(&name).await.unwrap().is_none());

    // The poller's hand-over: claim moves head → in-flight, ack removes exactly that entry.
    let in_flight = format!("{name}:in_flight");
    for i in 0..3 {
        q.push(&name, &format!("j{i}")).await.unwrap();
    }
    assert_eq!(
        q.claim(&name, &in_flight).await.unwrap().as_deref(),
        Some("j0")
    );
    assert_eq!(
        q.claim(&name, &in_flight).await.unwrap().as_deref(),
        Some("j1")
    );
    assert_eq!(q.in_flight(&in_flight).await.unwrap(), vec!["j0", "j1"]);
    assert_eq!(q.len(&name).await.unwrap(), 1);
    assert!(q.ack(&in_flight, "j0").await.unwrap());
    assert!(!q.ack(&in_flight, "j0").await.unwrap(), "acked twice");
    assert_eq!(q.in_flight(&in_flight).await.unwrap(), vec!["j1"]);
    assert!(q.ack(&in_flight, "j1").await.unwrap());
    assert_eq!(
        q.claim(&name, &in_flight).await.unwrap().as_deref(),
        Some("j2")
    );
    assert!(q.claim(&name, &in_flight).await.unwrap().is_none());
}

async fn limiter_conformance(l: &dyn RateLimiter) {
    let key = format!("t:rate:{}", Uuid::new_v4());
    let window = Duration::from_millis(600);
    for _ in 0..3 {
        assert!(l.hit(&key, 3, window).await.unwrap().allowed);
    }
    let over = l.hit(&key, 3, window).await.unwrap();
    assert!(
        !over.allowed,
        "the fourth hit within the window must be refused"
    );
    assert!(
        over.retry_after > Duration::ZERO && over.retry_after <= window,
        "{over:?}"
    );
    tokio::time::sleep(over.retry_after + Duration::from_millis(50)).await;
    assert!(
        l.hit(&key, 3, window).await.unwrap().allowed,
        "the window slides"
    );

    let slots = format!("t:slots:{}", Uuid::new_v4());
    let ttl = Duration::from_millis(500);
    let a = l
        .take_slot(&slots, 2, ttl)
        .await
        .unwrap()
        .expect("first slot");
    let _b = l
        .take_slot(&slots, 2, ttl)
        .await
        .unwrap()
        .expect("second slot");
    assert!(
        l.take_slot(&slots, 2, ttl).await.unwrap().is_none(),
        "cap of 2"
    );
    l.free_slot(&slots, &a).await.unwrap();
    assert!(
        l.take_slot(&slots, 2, ttl).await.unwrap().is_some(),
        "a freed slot is free"
    );
    tokio::time::sleep(ttl + Duration::from_millis(50)).await;
    assert!(
        l.take_slot(&slots, 2, ttl).await.unwrap().is_some(),
        "slots of a dead holder expire"
    );
}

async fn fleet_conformance(f: &dyn FleetMetrics) {
    let series = format!("t_total{{case=\"{}\"}}", Uuid::new_v4());
    f.add(&[(series.clone(), 2.0)]).await.unwrap();
    f.add(&[(series.clone(), 0.5)]).await.unwrap();
    let totals = f.totals().await.unwrap();
    let got = totals.iter().find(|(k, _)| *k == series).map(|(_, v)| *v);
    assert_eq!(got, Some(2.5));
}

#[tokio::test]
async fn cache_lock_queue_memory() {
    let m = MemoryKv::new();
    cache_conformance(&m).await;
    lock_conformance(&m).await;
    queue_conformance(&m).await;
    limiter_conformance(&m).await;
    fleet_conformance(&m).await;
}

#[tokio::test]
async fn cache_lock_queue_redis() {
    let r = services::require_redis().await;
    cache_conformance(&r).await;
    lock_conformance(&r).await;
    queue_conformance(&r).await;
    limiter_conformance(&r).await;
    fleet_conformance(&r).await;
}

// ---------- indexes ----------

fn chunks() -> Vec<Chunk> {
    [
        "The governess walked across the moor at night, cold and alone.",
        "Mr. Rochester rode a black horse that slipped on the ice of the lane.",
        "The portrait in the attic grew older while its owner stayed young.",
        "Bertha laughed in the third storey, and the sound chilled the house.",
    ]
    .iter()
    .enumerate()
    .map(|(i, t)| Chunk {
        index: i as u32,
        text: t.to_string(),
    })
    .collect()
}

async fn lexical_conformance(ix: &dyn LexicalIndex) {
    let book = Uuid::new_v4();
    assert!(ix.document_ids(book).await.unwrap().is_none());
    ix.recreate(book).await.unwrap();
    assert_eq!(ix.document_ids(book).await.unwrap(), Some(vec![]));
    ix.upsert(book, &chunks()).await.unwrap();
    let ids = ix.document_ids(book).await.unwrap().unwrap();
    assert_eq!(
        ids,
        (0..4).map(|i| format!("{book}:{i}")).collect::<Vec<_>>()
    );
    let hits = ix.search(book, "black horse", 3).await.unwrap();
    assert_eq!(hits.first().map(|h| h.chunk_index), Some(1), "{hits:?}");
    assert!(hits[0].text.contains("black horse"));
    let hits = ix.search(book, "portrait attic", 5).await.unwrap();
    assert_eq!(hits.first().map(|h| h.chunk_index), Some(2), "{hits:?}");
    assert!(ix.search(book, "  !!  ", 5).await.unwrap().is_empty());
    assert!(
        ix.search(book, "text:horse OR title:x AND \"", 5)
            .await
            .is_ok(),
        "query syntax is neutralised"
    );
    // Upsert replaces by id.
    ix.upsert(
        book,
        &[Chunk {
            index: 1,
            text: "A grey mare now.".into(),
        }],
    )
    .await
    .unwrap();
    assert_eq!(ix.document_ids(book).await.unwrap().unwrap().len(), 4);
    assert!(ix
        .search(book, "mare", 5)
        .await
        .unwrap()
        .iter()
        .any(|h| h.chunk_index == 1));
    // Recreate empties the collection.
    ix.recreate(book).await.unwrap();
    assert_eq!(ix.document_ids(book).await.unwrap(), Some(vec![]));
    reader_questions_rank_by_rare_words(ix).await;
}

/// A reader's question whose decisive words come last and whose first words are everywhere:
/// ranked by how rare the words are (BM25), not by how many match from the left (Typesense's
/// own ranking dropped "screamed" and "parrot" first and found nothing, or the wrong passage).
async fn reader_questions_rank_by_rare_words(ix: &dyn LexicalIndex) {
    let book = Uuid::new_v4();
    ix.recreate(book).await.unwrap();
    let texts = [
        "The house was cold and the house was dark.",
        "The house stood on a hill above the house of the vicar.",
        "A cold wind blew through the house all winter.",
        "Somewhere in the house a parrot screamed in French.",
    ];
    let chunks: Vec<Chunk> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Chunk {
            index: i as u32,
            text: t.to_string(),
        })
        .collect();
    ix.upsert(book, &chunks).await.unwrap();
    let q = "Inside the cold, dark house, what creature screamed like a parrot?";
    let hits = ix.search(book, q, 4).await.unwrap();
    assert_eq!(hits.first().map(|h| h.chunk_index), Some(3), "{hits:?}");
    assert!(
        hits.len() >= 3,
        "passages sharing any word are ranked too: {hits:?}"
    );
    assert!(
        hits.windows(2).all(|w| w[0].score >= w[1].score),
        "{hits:?}"
    );
    // a search deeper than the passages there are answers them all, best first
    let deep = ix.search(book, q, 100).await.unwrap();
    assert_eq!(deep.first().map(|h| h.chunk_index), Some(3), "{deep:?}");
    ix.recreate(book).await.unwrap();
}

#[tokio::test]
async fn lexical_tantivy() {
    let dir = tempfile::tempdir().unwrap();
    lexical_conformance(&TantivyLexicalIndex::new(Some(dir.path().to_path_buf()))).await;
    lexical_conformance(&TantivyLexicalIndex::new(None)).await;
}

#[tokio::test]
async fn lexical_typesense() {
    lexical_conformance(&services::require_typesense().await).await;
}

async fn vector_conformance(ix: &dyn VectorIndex) {
    let book = Uuid::new_v4();
    assert!(ix.count(book).await.unwrap().is_none());
    ix.recreate(book, 3).await.unwrap();
    let pts = vec![
        VectorPoint {
            chunk_index: 0,
            vector: vec![1.0, 0.0, 0.0],
            text: "x".into(),
        },
        VectorPoint {
            chunk_index: 1,
            vector: vec![0.0, 2.0, 0.0],
            text: "y".into(),
        },
        VectorPoint {
            chunk_index: 2,
            vector: vec![0.7, 0.7, 0.0],
            text: "xy".into(),
        },
    ];
    ix.upsert(book, pts).await.unwrap();
    assert_eq!(ix.count(book).await.unwrap(), Some(3));
    let hits = ix.search(book, &[0.0, 1.0, 0.0], 2).await.unwrap();
    assert_eq!(
        hits.iter().map(|h| h.chunk_index).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(
        (hits[0].score - 1.0).abs() < 1e-4,
        "cosine, not dot product: {}",
        hits[0].score
    );
    assert!(ix
        .upsert(
            book,
            vec![VectorPoint {
                chunk_index: 9,
                vector: vec![1.0],
                text: "bad".into()
            }]
        )
        .await
        .is_err());
    ix.upsert(
        book,
        vec![VectorPoint {
            chunk_index: 1,
            vector: vec![0.0, 0.0, 1.0],
            text: "z".into(),
        }],
    )
    .await
    .unwrap();
    assert_eq!(ix.count(book).await.unwrap(), Some(3));
    ix.recreate(book, 3).await.unwrap();
    assert_eq!(ix.count(book).await.unwrap(), Some(0));
}

#[tokio::test]
async fn vector_memory_and_file_backed() {
    vector_conformance(&MemoryVectorIndex::new(None)).await;
    let dir = tempfile::tempdir().unwrap();
    vector_conformance(&MemoryVectorIndex::new(Some(dir.path().to_path_buf()))).await;
    // A second instance on the same directory reads what the first wrote.
    let book = Uuid::new_v4();
    let a = MemoryVectorIndex::new(Some(dir.path().to_path_buf()));
    a.recreate(book, 2).await.unwrap();
    a.upsert(
        book,
        vec![VectorPoint {
            chunk_index: 7,
            vector: vec![0.6, 0.8],
            text: "seven".into(),
        }],
    )
    .await
    .unwrap();
    let b = MemoryVectorIndex::new(Some(dir.path().to_path_buf()));
    let hits = b.search(book, &[0.6, 0.8], 1).await.unwrap();
    assert_eq!((hits[0].chunk_index, hits[0].text.as_str()), (7, "seven"));
}

// ---------- prompt archive ----------

use shared::adapters::local_dispatch::LocalDispatch;
use shared::adapters::object_prompts::ObjectPromptArchive;
use shared::adapters::sqs_dispatch::SqsDispatch;
use shared::domain::Job;
use shared::ports::{JobDispatch, PromptArchive};

async fn archive_conformance(a: &dyn PromptArchive) {
    let book = Uuid::new_v4();
    assert!(a.load(book, "jane_eyre").await.unwrap().is_none());
    let at = a
        .store(book, "jane_eyre", "You are Jane Eyre.")
        .await
        .unwrap();
    assert!(at.ends_with(&format!("/{book}/jane_eyre.md")), "{at}");
    assert_eq!(
        a.load(book, "jane_eyre").await.unwrap().as_deref(),
        Some("You are Jane Eyre.")
    );
    a.store(book, "jane_eyre", "You are Jane.").await.unwrap();
    assert_eq!(
        a.load(book, "jane_eyre").await.unwrap().as_deref(),
        Some("You are Jane.")
    );
    for bad in ["../escape", "a/b", "", "x.md"] {
        assert!(a.store(book, bad, "no").await.is_err(), "{bad:?} accepted");
    }
}

#[tokio::test]
async fn prompt_archive_local_directory() {
    let dir = tempfile::tempdir().unwrap();
    let a = ObjectPromptArchive::open(&dir.path().to_string_lossy()).unwrap();
    archive_conformance(&a).await;
    let book = Uuid::new_v4();
    a.store(book, "rochester", "You are Edward Rochester.")
        .await
        .unwrap();
    let on_disk =
        std::fs::read_to_string(dir.path().join(book.to_string()).join("rochester.md")).unwrap();
    assert_eq!(on_disk, "You are Edward Rochester.");
}

#[tokio::test]
async fn prompt_archive_s3_on_moto() {
    let url = services::require_moto().await;
    let bucket = format!("falsafa-{}", Uuid::new_v4().simple());
    let created = reqwest::Client::new()
        .put(format!("{url}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(
        created.status().is_success(),
        "create bucket: {}",
        created.status()
    );
    let s3 = || {
        object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&bucket)
            .with_endpoint(&url)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .build()
            .unwrap()
    };
    let store = s3();
    let a = ObjectPromptArchive::new(
        std::sync::Arc::new(store),
        "prompts",
        &format!("s3://{bucket}/prompts"),
    );
    archive_conformance(&a).await;
    // The object is where the contract says, read back by an independent S3 client.
    let book = Uuid::new_v4();
    a.store(book, "jo_march", "You are Jo.").await.unwrap();
    use object_store::ObjectStore;
    let key = object_store::path::Path::from(format!("prompts/{book}/jo_march.md"));
    let body = s3().get(&key).await.unwrap().bytes().await.unwrap();
    assert_eq!(&body[..], b"You are Jo.");
}

// ---------- job dispatch ----------

fn job(i: usize) -> Job {
    Job {
        job_id: format!("job-{i}-{}", Uuid::new_v4()),
        book_id: Uuid::new_v4(),
        file_url: format!("https://x.supabase.co/storage/v1/object/books/{i}.txt"),
        user_id: Uuid::new_v4(),
        enqueued_at: chrono::Utc::now(),
        intake_copy: None,
    }
}

/// Dispatches three jobs and checks the consumer side receives exactly those.
async fn dispatch_conformance(d: &dyn JobDispatch, mut received: impl AsyncFnMut() -> Vec<Job>) {
    assert!(d.capacity() >= 3);
    let sent: Vec<Job> = (0..3).map(job).collect();
    for j in &sent {
        d.dispatch(j.clone()).await.unwrap();
    }
    let mut got = Vec::new();
    for _ in 0..10 {
        got.extend(received().await);
        if got.len() >= sent.len() {
            break;
        }
    }
    let mut want: Vec<String> = sent.iter().map(|j| j.job_id.clone()).collect();
    let mut have: Vec<String> = got.iter().map(|j| j.job_id.clone()).collect();
    want.sort();
    have.sort();
    assert_eq!(have, want);
    assert_eq!(
        got.iter().find(|j| j.job_id == sent[0].job_id).unwrap(),
        &sent[0]
    );
}

#[tokio::test]
async fn dispatch_in_process_respects_capacity() {
    let (d, mut rx) = LocalDispatch::new(3);
    let mut held = Vec::new();
    dispatch_conformance(&d, async || {
        let mut v = Vec::new();
        while let Ok((j, slot)) = rx.try_recv() {
            v.push(j);
            held.push(slot);
        }
        v
    })
    .await;
    assert_eq!(d.capacity(), 0, "each running job holds a slot");
    assert!(
        d.dispatch(job(9)).await.is_err(),
        "at capacity a job is refused (it stays queued)"
    );
    held.pop();
    assert_eq!(d.capacity(), 1);
}

#[tokio::test]
async fn dispatch_sqs_on_moto() {
    let client = services::sqs_client().await;
    let name = format!("falsafa-jobs-{}", Uuid::new_v4().simple());
    let url = client
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let d = SqsDispatch::new(client.clone(), &url);
    dispatch_conformance(&d, async || {
        let out = client
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        out.messages
            .unwrap_or_default()
            .iter()
            .map(|m| serde_json::from_str(m.body().unwrap()).unwrap())
            .collect()
    })
    .await;
}

// ---------- Supabase REST (PostgREST grammar over the real schema) ----------

use shared::adapters::supabase_records::SupabaseRecords;

#[tokio::test]
async fn records_supabase_rest() {
    let db = TestDb::create().await;
    let pool = db.pool().await;
    migrate(&pool, true).await.unwrap(); // a Supabase project has the roles and RLS
    let url = e2e::postgrest::start(pool, "service-role-key").await;
    let r = SupabaseRecords::new(&url, "service-role-key", SchemaNames::default()).unwrap();
    records_conformance(&r).await;
    // A wrong key is refused by the REST layer and surfaces as a store error.
    let bad = SupabaseRecords::new(&url, "anon-key", SchemaNames::default()).unwrap();
    assert!(matches!(
        bad.get_book(Uuid::new_v4()).await,
        Err(StoreError::Unavailable(_))
    ));
}

#[tokio::test]
async fn vector_qdrant_over_grpc() {
    let url = e2e::qdrant_server::start().await;
    let ix = shared::adapters::qdrant_vector::QdrantVectorIndex::new(&url, None).unwrap();
    vector_conformance(&ix).await;
}
