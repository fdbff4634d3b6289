//! A scripted stand-in for remote model APIs, speaking their real wire formats: OpenAI chat
//! completions streaming (role chunk, content chunks, finish chunk, usage chunk, `[DONE]`),
//! Anthropic Messages streaming (`message_start` … `message_stop`, with `ping`), OpenAI/Jina
//! `/embeddings`, Cohere v2 `/embed`, and Jina/Cohere `/rerank`. Scriptable failures: 429s before
//! the first token, 5xx, a connection cut mid-stream, a stall before the first token (with the
//! client's disconnect observed), sloppy JSON from pass 1 as small models write it, a server
//! that refuses `response_format: json_schema` with 400, and Anthropic's forced tool streamed
//! as `input_json_delta`s. Every request body is recorded.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Json;
use serde_json::{json, Value};
use shared::adapters::hashing_embedder::HashingEmbedder;

#[derive(Default)]
pub struct Script {
    /// Answer this many requests with 429 first.
    pub rate_limit_first: usize,
    /// Answer every chat request with this status (e.g. 500).
    pub fail_status: Option<u16>,
    /// Cut the connection after this many content chunks of a reply.
    pub break_reply_after: Option<usize>,
    /// The reply text streamed to chat turns.
    pub reply: String,
    /// Dimension of the embeddings served.
    pub dimension: usize,
    /// Recorded request bodies: (path, body).
    pub requests: Vec<(String, Value)>,
    /// Pass 1's first answer, as a sloppy model writes it (instead of clean fenced JSON).
    pub analysis_answer: Option<String>,
    /// The answer to pass 1's repair request (instead of clean JSON).
    pub repair_answer: Option<String>,
    /// Pass 2's answer (instead of the scripted prompt).
    pub prompt_answer: Option<String>,
    /// Refuse `response_format: {"type": "json_schema"}` with this status, as servers without
    /// it do (OpenAI-style servers 400, llama-cpp-python 500).
    pub refuse_json_schema: Option<u16>,
    /// Send a reply's headers and role chunk, then nothing.
    pub stall_reply: bool,
    /// Set when a stalled reply's client hung up.
    pub disconnected: Arc<AtomicBool>,
    /// Hold summary answers back this long (headers at once, content after), as a slow model.
    pub summary_delay: std::time::Duration,
    /// The same for the query rewrite's answers.
    pub rewrite_delay: std::time::Duration,
}

#[derive(Clone)]
pub struct ModelServer {
    pub url: String,
    pub script: Arc<Mutex<Script>>,
}

impl ModelServer {
    pub async fn start() -> ModelServer {
        let script = Arc::new(Mutex::new(Script {
            reply:
                "I remember the portrait, and the painter who loved it, and the night it changed."
                    .into(),
            dimension: 64,
            ..Default::default()
        }));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = axum::Router::new()
            .route("/v1/chat/completions", post(openai_chat))
            .route("/v1/messages", post(anthropic_messages))
            .route("/v1/embeddings", post(openai_embeddings))
            .route("/v2/embed", post(cohere_embed))
            .route("/v1/rerank", post(rerank))
            .with_state(script.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        ModelServer { url, script }
    }

    pub fn requests(&self, path: &str) -> Vec<Value> {
        self.script
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, b)| b.clone())
            .collect()
    }
}

type Shared = Arc<Mutex<Script>>;

/// What the scripted model says, chosen from the stage's system prompt.
fn answer_for(messages: &[Value], reply: &str, sloppy: &Script) -> (String, bool) {
    let system = messages
        .iter()
        .filter(|m| m["role"] == "system")
        .map(|m| m["content"].as_str().unwrap_or(""))
        .collect::<String>();
    let user = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or("");
    let field = |k: &str| {
        user.lines()
            .find_map(|l| l.strip_prefix(k))
            .unwrap_or("")
            .trim()
            .to_string()
    };
    if system.contains("literary analyst") {
        let v = json!({"psychology": "Scripted psychology: restless, proud, tender.", "voice": "Scripted voice: quick and ironic.",
            "motivations": ["to be understood"], "relationships": [{"name": "Basil", "nature": "friend"}], "signature_themes": ["beauty"]});
        let repair = messages.iter().any(|m| m["role"] == "assistant");
        let scripted = if repair {
            &sloppy.repair_answer
        } else {
            &sloppy.analysis_answer
        };
        return match scripted {
            Some(a) => (a.clone(), false),
            None => (format!("```json\n{v}\n```"), false),
        };
    }
    if let (true, Some(a)) = (
        system.contains("system prompts for role-play"),
        &sloppy.prompt_answer,
    ) {
        return (a.clone(), false);
    }
    if system.contains("system prompts for role-play") {
        let name = field("Character:")
            .split(" (also called")
            .next()
            .unwrap_or("")
            .to_string();
        return (
            format!("SCRIPTED PASS-2 PROMPT. You are {name}. Speak as {name} would."),
            false,
        );
    }
    if system.contains("Rewrite a reader's message") {
        let msg = field("Message:");
        return (json!({"narrative": format!("narrative: {msg}"), "keywords": format!("{msg} portrait")}).to_string(), false);
    }
    if system.contains("Summarise") {
        // Names the last question folded in, so a test can tell which fold it is reading.
        let last_question = messages
            .last()
            .and_then(|m| m["content"].as_str())
            .and_then(|t| t.lines().rev().find(|l| l.starts_with("user: ")))
            .unwrap_or("")
            .trim_start_matches("user: ")
            .to_string();
        return (
            format!("Scripted summary; the reader last asked: {last_question}"),
            false,
        );
    }
    (reply.to_string(), true)
}

fn words(text: &str) -> Vec<String> {
    shared::adapters::offline_llm::tokens(text)
}

fn sse(data: &Value) -> Bytes {
    Bytes::from(format!("data: {data}\n\n"))
}

fn gate(s: &mut Script) -> Option<Response> {
    if s.rate_limit_first > 0 {
        s.rate_limit_first -= 1;
        let body = json!({"error": {"message": "Rate limit reached", "type": "requests", "param": null, "code": "rate_limit_exceeded"}});
        return Some(
            (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "0")],
                Json(body),
            )
                .into_response(),
        );
    }
    if let Some(code) = s.fail_status {
        let body = json!({"error": {"message": "The server had an error", "type": "server_error", "param": null, "code": null}});
        return Some((StatusCode::from_u16(code).unwrap(), Json(body)).into_response());
    }
    None
}

/// Sets its flag when dropped: the response body was dropped because the client hung up.
struct HangUp(Arc<AtomicBool>);

impl Drop for HangUp {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// The first chunks, then silence until the client goes away.
fn stalled_response(chunks: Vec<Bytes>, flag: Arc<AtomicBool>) -> Response {
    use futures::StreamExt;
    let guard = HangUp(flag);
    let sent = futures::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
    let never = futures::stream::once(async move {
        let _guard = guard;
        futures::future::pending::<()>().await;
        Ok(Bytes::new())
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(sent.chain(never)))
        .unwrap()
}

fn stream_response(chunks: Vec<Bytes>, cut: bool) -> Response {
    delayed_stream_response(chunks, cut, std::time::Duration::ZERO)
}

/// The chunks after `delay` (the headers go at once), then, if `cut`, a reset.
fn delayed_stream_response(chunks: Vec<Bytes>, cut: bool, delay: std::time::Duration) -> Response {
    use futures::StreamExt;
    let wait = futures::stream::once(tokio::time::sleep(delay)).filter_map(|_| async { None });
    let sent = wait.chain(futures::stream::iter(
        chunks.into_iter().map(Ok::<_, std::io::Error>),
    ));
    // The cut comes after a pause, so the chunks before it reach the client first.
    let tail = futures::stream::once(async move {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "scripted cut",
        ))
    })
    .filter(move |_| futures::future::ready(cut));
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(sent.chain(tail)))
        .unwrap()
}

async fn openai_chat(State(s): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut s = s.lock().unwrap();
    s.requests
        .push(("/v1/chat/completions".into(), body.clone()));
    if let Some(r) = gate(&mut s) {
        return r;
    }
    if let (Some(code), "json_schema") = (
        s.refuse_json_schema,
        body["response_format"]["type"].as_str().unwrap_or(""),
    ) {
        let err = json!({"error": {"message": "1 validation error: ('body', 'response_format', 'type'): Input should be 'text' or 'json_object'", "type": "invalid_request_error", "param": "response_format", "code": null}});
        return (StatusCode::from_u16(code).unwrap(), Json(err)).into_response();
    }
    let (text, is_reply) = answer_for(
        body["messages"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]),
        &s.reply,
        &s,
    );
    let model = body["model"].clone();
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model, "system_fingerprint": null,
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}], "usage": null})
    };
    let mut out = vec![sse(&chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    ))];
    if is_reply && s.stall_reply {
        return stalled_response(out, s.disconnected.clone());
    }
    let toks = words(&text);
    let cut_at = if is_reply { s.break_reply_after } else { None };
    for (i, t) in toks.iter().enumerate() {
        if cut_at == Some(i) {
            return stream_response(out, true);
        }
        out.push(sse(&chunk(json!({"content": t}), Value::Null)));
    }
    out.push(sse(&chunk(json!({}), json!("stop"))));
    out.push(sse(&json!({"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model, "choices": [],
        "usage": {"prompt_tokens": 42, "completion_tokens": toks.len(), "total_tokens": 42 + toks.len()}})));
    out.push(Bytes::from("data: [DONE]\n\n"));
    let system = body["messages"][0]["content"].as_str().unwrap_or("");
    let delay = if system.contains("Summarise") {
        s.summary_delay
    } else if system.contains("Rewrite a reader's message") {
        s.rewrite_delay
    } else {
        std::time::Duration::ZERO
    };
    delayed_stream_response(out, false, delay)
}

async fn anthropic_messages(State(s): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut s = s.lock().unwrap();
    s.requests.push(("/v1/messages".into(), body.clone()));
    if let Some(r) = gate(&mut s) {
        return r;
    }
    let mut messages = vec![json!({"role": "system", "content": body["system"]})];
    messages.extend(body["messages"].as_array().cloned().unwrap_or_default());
    let (text, is_reply) = answer_for(&messages, &s.reply, &s);
    let ev = |name: &str, data: Value| Bytes::from(format!("event: {name}\ndata: {data}\n\n"));
    // A forced tool: the answer is the tool's input, streamed as partial JSON.
    let tool = body["tool_choice"]["name"].as_str().map(str::to_string);
    let block = match &tool {
        Some(name) => {
            json!({"type": "tool_use", "id": "toolu_scripted", "name": name, "input": {}})
        }
        None => json!({"type": "text", "text": ""}),
    };
    let mut out = vec![
        ev(
            "message_start",
            json!({"type": "message_start", "message": {"id": "msg_scripted", "type": "message", "role": "assistant", "content": [], "model": body["model"], "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 37, "output_tokens": 1}}}),
        ),
        ev(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": block}),
        ),
        ev("ping", json!({"type": "ping"})),
    ];
    let toks = words(&text);
    let cut_at = if is_reply { s.break_reply_after } else { None };
    for (i, t) in toks.iter().enumerate() {
        if cut_at == Some(i) {
            return stream_response(out, true);
        }
        let delta = if tool.is_some() {
            json!({"type": "input_json_delta", "partial_json": t})
        } else {
            json!({"type": "text_delta", "text": t})
        };
        out.push(ev(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": delta}),
        ));
    }
    out.push(ev(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    ));
    out.push(ev("message_delta", json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": toks.len()}})));
    out.push(ev("message_stop", json!({"type": "message_stop"})));
    stream_response(out, false)
}

fn embed_all(dim: usize, texts: &[Value]) -> Vec<Vec<f32>> {
    let e = HashingEmbedder::new(dim);
    texts
        .iter()
        .map(|t| e.embed_one(t.as_str().unwrap_or("")))
        .collect()
}

async fn openai_embeddings(State(s): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut s = s.lock().unwrap();
    s.requests.push(("/v1/embeddings".into(), body.clone()));
    if let Some(r) = gate(&mut s) {
        return r;
    }
    let input = body["input"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| vec![body["input"].clone()]);
    let data: Vec<Value> = embed_all(s.dimension, &input)
        .into_iter()
        .enumerate()
        .rev() // out of order on purpose: clients must use `index`
        .map(|(i, v)| json!({"object": "embedding", "index": i, "embedding": v}))
        .collect();
    Json(json!({"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": input.len(), "total_tokens": input.len()}})).into_response()
}

async fn cohere_embed(State(s): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut s = s.lock().unwrap();
    s.requests.push(("/v2/embed".into(), body.clone()));
    let texts = body["texts"].as_array().cloned().unwrap_or_default();
    Json(json!({"id": "scripted", "embeddings": {"float": embed_all(s.dimension, &texts)}, "texts": texts, "meta": {"api_version": {"version": "2"}}})).into_response()
}

async fn rerank(State(s): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut s = s.lock().unwrap();
    s.requests.push(("/v1/rerank".into(), body.clone()));
    if let Some(r) = gate(&mut s) {
        return r;
    }
    let q: std::collections::HashSet<String> =
        shared::text::words(body["query"].as_str().unwrap_or("")).collect();
    let docs = body["documents"].as_array().cloned().unwrap_or_default();
    let mut scored: Vec<(usize, f32)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                i,
                shared::text::words(d.as_str().unwrap_or(""))
                    .filter(|w| q.contains(w))
                    .count() as f32
                    / 10.0,
            )
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let top = body["top_n"].as_u64().unwrap_or(docs.len() as u64) as usize;
    let results: Vec<Value> = scored
        .into_iter()
        .take(top)
        .map(|(i, s)| json!({"index": i, "relevance_score": s}))
        .collect();
    Json(json!({"model": body["model"], "usage": {"total_tokens": 10}, "results": results}))
        .into_response()
}
