//! The job pipeline on real Redis and SQS (moto): the poller is killed at random points while it
//! moves 200 jobs, rerun until the queue is empty, and then every job has reached SQS and the
//! worker's effects happen once per job however many copies arrive.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use e2e::services::{new_queue, own_redis_db, redis_url, require_redis, sqs_client};
use e2e::{file_server, BUNDLED_TEXT};
use futures::StreamExt;
use rand::Rng;
use serde_json::json;
use shared::adapters::sqs_dispatch::SqsDispatch;
use shared::domain::{Job, NewBook};
use shared::ports::queue::{PROCESSING_IN_FLIGHT, PROCESSING_QUEUE};
use shared::schema::ProcessingStatus;
use shared::{jobs, App, Config};
use uuid::Uuid;

const JOBS: usize = 200;

/// A new book and the job that ingests it from `files`/book.txt.
async fn new_book_job(app: &App, title: &str, files: &str) -> Job {
    let book = app
        .records
        .create_book(&NewBook {
            title: title.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    Job {
        job_id: Uuid::new_v4().to_string(),
        book_id: book.id,
        file_url: format!("{}/book.txt", files.trim_end_matches('/')),
        user_id: Uuid::new_v4(),
        enqueued_at: chrono::Utc::now(),
        intake_copy: None,
    }
}

/// The book is `completed` with characters, none twice; returns their names.
async fn completed_without_duplicates(app: &App, book: Uuid) -> Vec<String> {
    let row = app.records.get_book(book).await.unwrap().unwrap();
    assert_eq!(row.processing_status, ProcessingStatus::Completed);
    let names: Vec<String> = app
        .records
        .list_characters(book)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    let unique: HashSet<&String> = names.iter().collect();
    assert!(
        !names.is_empty() && unique.len() == names.len(),
        "duplicate characters: {names:?}"
    );
    names
}

/// The first part of the bundled novel: enough for real characters, quick to ingest.
fn short_book() -> String {
    let mut end = 12_000;
    while !BUNDLED_TEXT.is_char_boundary(end) {
        end += 1;
    }
    BUNDLED_TEXT[..end].to_string()
}

async fn app_on(redis: &str, dir: &std::path::Path, queue_url: &str) -> Arc<App> {
    let vars: HashMap<String, String> = [
        ("FALSAFA_DATA_DIR", dir.to_str().unwrap()),
        ("FALSAFA_ALLOW_LOOPBACK_URLS", "1"),
        ("REDIS_URL", redis),
        ("POLLER_LOCK_TTL_MS", "250"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut app = App::build(Config::from_map(&vars).unwrap()).await.unwrap();
    Arc::get_mut(&mut app).expect("sole owner").dispatch =
        Arc::new(SqsDispatch::new(sqs_client().await, queue_url));
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poller_killed_at_random_points_loses_nothing_and_the_worker_runs_each_job_once() {
    // A database of its own: nothing else in the suite touches `processing_queue` there.
    let (redis, _conn) = own_redis_db(7).await;

    let sqs = sqs_client().await;
    let queue_url = new_queue(&sqs, "falsafa-pipeline").await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_on(&redis, dir.path(), &queue_url).await;
    let files = file_server(vec![("/book.txt", short_book())]).await;

    let mut expected = HashSet::new();
    for i in 0..JOBS {
        let job = new_book_job(&app, &format!("Book {i}"), &files).await;
        app.queue
            .push(PROCESSING_QUEUE, &serde_json::to_string(&job).unwrap())
            .await
            .unwrap();
        expected.insert(job.job_id);
    }

    // Kill the poller at random moments: the task is dropped wherever it is awaiting (before a
    // claim, between the claim and the send, between the send and the removal, …), exactly what
    // a killed process leaves behind in Redis and SQS.
    let mut kills = 0;
    while kills < 25 {
        let running = tokio::spawn({
            let app = app.clone();
            async move { jobs::poll_once(&app).await }
        });
        let after = Duration::from_micros(rand::rng().random_range(0..120_000));
        tokio::time::sleep(after).await;
        if running.is_finished() {
            running.await.unwrap().unwrap();
        } else {
            running.abort();
            kills += 1;
        }
        if app.queue.len(PROCESSING_QUEUE).await.unwrap() == 0 {
            break;
        }
    }
    // Then let it run: after the dead poller's lock expires, the rest (in flight too) moves.
    let mut rounds = 0;
    loop {
        let report = jobs::poll_once(&app).await.unwrap();
        let left = app.queue.len(PROCESSING_QUEUE).await.unwrap()
            + app
                .queue
                .in_flight(PROCESSING_IN_FLIGHT)
                .await
                .unwrap()
                .len();
        if !report.skipped && left == 0 {
            break;
        }
        rounds += 1;
        assert!(rounds < 200, "the poller never finished: {left} jobs left");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        kills > 0,
        "the test must have killed the poller at least once"
    );

    // Everything that reached SQS.
    let mut messages = Vec::new();
    let mut empty = 0;
    while empty < 2 {
        let got = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .send()
            .await
            .unwrap();
        let batch = got.messages.unwrap_or_default();
        if batch.is_empty() {
            empty += 1;
        }
        messages.extend(batch);
    }
    let arrived: Vec<Job> = messages
        .iter()
        .map(|m| serde_json::from_str(m.body().unwrap()).unwrap())
        .collect();
    let arrived_ids: HashSet<String> = arrived.iter().map(|j| j.job_id.clone()).collect();
    let lost: Vec<&String> = expected.difference(&arrived_ids).collect();
    assert!(
        lost.is_empty(),
        "{} of {JOBS} jobs never reached SQS: {lost:?}",
        lost.len()
    );
    assert!(
        arrived_ids.is_subset(&expected),
        "SQS holds jobs nobody queued"
    );
    println!("{kills} kills; {} messages for {JOBS} jobs", messages.len());

    // The worker gets every message (copies included, several at once).
    let events = messages.iter().map(|m| {
        let record = json!({
            "messageId": m.message_id(),
            "body": m.body(),
            "attributes": {"ApproximateReceiveCount": "1"},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:pipeline",
        });
        serde_json::from_value::<SqsEvent>(json!({ "Records": [record] })).unwrap()
    });
    let failures: Vec<_> = futures::stream::iter(events)
        .map(|e| {
            let app = app.clone();
            async move { functions::lambda::handle_sqs(&app, e).await }
        })
        .buffer_unordered(8)
        .filter(|r| std::future::ready(!r.batch_item_failures.is_empty()))
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "deliveries asked for a retry: {failures:?}"
    );

    let ran = app
        .metrics
        .processing_jobs_processed_total
        .with_label_values(&["success"])
        .get();
    assert_eq!(
        ran as usize, JOBS,
        "each job's ingestion must run exactly once"
    );
    for job in &arrived {
        completed_without_duplicates(&app, job.book_id).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_job_is_redelivered_and_completes_without_duplicates() {
    require_redis().await;
    let redis = format!("{}/8", redis_url().trim_end_matches('/'));
    let dir = tempfile::tempdir().unwrap();
    let vars: HashMap<String, String> = [
        ("FALSAFA_DATA_DIR", dir.path().to_str().unwrap()),
        ("FALSAFA_ALLOW_LOOPBACK_URLS", "1"),
        ("REDIS_URL", redis.as_str()),
        ("JOB_RUN_LOCK_TTL_SECS", "1"),
        ("LLM_TOKEN_DELAY_MS", "2"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let app = App::build(Config::from_map(&vars).unwrap()).await.unwrap();
    let files = file_server(vec![("/book.txt", BUNDLED_TEXT.to_string())]).await;
    let job = new_book_job(&app, "Dorian Gray", &files).await;
    let book = app.records.get_book(job.book_id).await.unwrap().unwrap();
    let event = |receive_count: u32| -> SqsEvent {
        serde_json::from_value(json!({"Records": [{
            "messageId": "m-1",
            "body": serde_json::to_string(&job).unwrap(),
            "attributes": {"ApproximateReceiveCount": receive_count.to_string()},
            "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:jobs",
        }]}))
        .unwrap()
    };

    // First delivery: killed once it has written part of its work.
    let first = tokio::spawn({
        let (app, e) = (app.clone(), event(1));
        async move { functions::lambda::handle_sqs(&app, e).await }
    });
    let mut waited = 0;
    while app
        .records
        .list_characters(book.id)
        .await
        .unwrap()
        .is_empty()
    {
        assert!(
            !first.is_finished(),
            "the job finished before it could be killed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += 1;
        assert!(waited < 3_000, "the job never wrote a character");
    }
    first.abort();
    let _ = first.await;
    let after_kill = app.records.get_book(book.id).await.unwrap().unwrap();
    assert_eq!(after_kill.processing_status, ProcessingStatus::Processing);

    // SQS redelivers after the visibility timeout; by then the dead run's lock has expired.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let resp = functions::lambda::handle_sqs(&app, event(2)).await;
    assert!(resp.batch_item_failures.is_empty(), "{resp:?}");
    let names = completed_without_duplicates(&app, book.id).await;
    let n = app.vectors.count(book.id).await.unwrap().expect("vectors");
    let mut ids = app
        .lexical
        .document_ids(book.id)
        .await
        .unwrap()
        .expect("documents");
    ids.sort();
    let mut want: Vec<String> = (0..n).map(|i| format!("{}:{i}", book.id)).collect();
    want.sort();
    assert_eq!(
        ids, want,
        "documents and points must match one run's chunks exactly"
    );

    // A third copy of the message (SQS is at-least-once) changes nothing.
    let resp = functions::lambda::handle_sqs(&app, event(3)).await;
    assert!(resp.batch_item_failures.is_empty());
    assert_eq!(
        app.records.list_characters(book.id).await.unwrap().len(),
        names.len()
    );
}

/// Dead letters wait for an operator: the poller marks their books `failed` and leaves the
/// messages in the dead-letter queue (visible, so its depth alarm fires), instead of a consumer
/// deleting them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_fail_their_books_and_stay_for_an_operator() {
    use shared::adapters::sqs_dead_letters::SqsDeadLetters;
    let redis = redis_url();
    let _ = require_redis().await;
    let sqs = sqs_client().await;
    let dlq_url = new_queue(&sqs, "falsafa-dlq").await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_on(&redis, dir.path(), &dlq_url).await;
    let job = new_book_job(&app, "Dead", "http://127.0.0.1:9").await;
    app.records
        .set_book_status(job.book_id, ProcessingStatus::Processing)
        .await
        .unwrap();
    sqs.send_message()
        .queue_url(&dlq_url)
        .message_body(serde_json::to_string(&job).unwrap())
        .send()
        .await
        .unwrap();

    let dlq = SqsDeadLetters::new(sqs.clone(), &dlq_url);
    assert_eq!(functions::lambda::sweep_dead_letters(&app, &dlq).await, 1);
    let book = app.records.get_book(job.book_id).await.unwrap().unwrap();
    assert_eq!(book.processing_status, ProcessingStatus::Failed);
    // Still there, and visible, for the operator; a second sweep changes nothing.
    assert_eq!(functions::lambda::sweep_dead_letters(&app, &dlq).await, 1);
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .unwrap();
    let visible = attrs
        .attributes
        .unwrap()
        .get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .cloned();
    assert_eq!(visible.as_deref(), Some("1"));
}
