//! LLM over the OpenAI-compatible chat completions API with streaming (OpenAI, Ollama, vLLM,
//! llama.cpp, LiteLLM…): parses the SSE chunk format including `[DONE]`, the final usage chunk
//! (`stream_options.include_usage`) and error objects sent mid-stream. A stream that ends
//! without `[DONE]` is an error, so a cut connection is never taken for a finished answer.
//! Structured requests carry `response_format` with the JSON schema; a server that refuses that
//! form (a 400 naming `response_format`, or as llama-cpp-python does, a 500) gets `json_object`
//! (with the schema beside it, which llama-cpp-python turns into a grammar) instead, and one
//! that refuses both gets neither — remembered for the life of the process, so each refusal
//! costs one request once.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use eventsource_stream::Eventsource;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::json;

use crate::adapters::http_model::{client, send_with_retry_unless, with_bearer};
use crate::error::ModelError;
use crate::ports::llm::{LlmEvent, LlmStream, Usage};
use crate::ports::{Llm, LlmRequest};

pub struct OpenAiLlm {
    http: reqwest::Client,
    url: String,
    key: Option<String>,
    model: String,
    /// The structured-output form this server takes: `JSON_SCHEMA`, `JSON_OBJECT` or `PLAIN`.
    format: AtomicU8,
}

const JSON_SCHEMA: u8 = 0;
const JSON_OBJECT: u8 = 1;
const PLAIN: u8 = 2;

impl OpenAiLlm {
    /// `base` ends in `/v1` (e.g. `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`).
    pub fn new(
        base: &str,
        key: Option<&str>,
        model: &str,
        timeout: Duration,
    ) -> Result<Self, ModelError> {
        Ok(OpenAiLlm {
            http: client(timeout)?,
            url: format!("{}/chat/completions", base.trim_end_matches('/')),
            key: key.map(str::to_string),
            model: model.to_string(),
            format: AtomicU8::new(JSON_SCHEMA),
        })
    }
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<ChunkUsage>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Delta,
}

#[derive(Deserialize, Default)]
struct Delta {
    content: Option<String>,
}

#[derive(Deserialize)]
struct ChunkUsage {
    #[serde(default)]
    prompt_tokens: u32,
    #[serde(default)]
    completion_tokens: u32,
}

#[async_trait]
impl Llm for OpenAiLlm {
    fn model(&self) -> &str {
        &self.model
    }

    async fn stream(&self, req: LlmRequest) -> Result<LlmStream, ModelError> {
        let mut body = json!({
            "model": self.model,
            "messages": req.messages,
            "temperature": crate::adapters::http_model::wire_temperature(req.temperature),
            "max_tokens": req.max_tokens,
            "stream": true,
            "stream_options": {"include_usage": true},
        });
        tracing::debug!(task = ?req.task, model = %self.model, "openai-compatible request");
        let resp = loop {
            let level = self.format.load(Ordering::Relaxed);
            match (&req.structured, level) {
                (Some(st), JSON_SCHEMA) => {
                    body["response_format"] = json!({"type": "json_schema",
                        "json_schema": {"name": st.name, "schema": st.schema, "strict": true}});
                }
                (Some(st), JSON_OBJECT) => {
                    body["response_format"] = json!({"type": "json_object", "schema": st.schema});
                }
                _ => {
                    body.as_object_mut().map(|b| b.remove("response_format"));
                }
            }
            let structured = req.structured.is_some() && level < PLAIN;
            let sent = send_with_retry_unless(
                || with_bearer(self.http.post(&self.url).json(&body), &self.key),
                |e| structured && refuses_format(e),
            )
            .await;
            match sent {
                Err(e) if structured && refuses_format(&e) => {
                    let msg = e.to_string();
                    tracing::warn!(model = %self.model, level, error = %msg,
                        "the server refused this structured-output form; trying a simpler one");
                    self.format.store(level + 1, Ordering::Relaxed);
                }
                other => break other?,
            }
        };
        let events = resp.bytes_stream().eventsource();
        let out = chunk_events(events);
        Ok(Box::pin(out))
    }
}

/// A server refusing the structured-output form: a rejection or a server error whose message
/// names `response_format` (OpenAI and vLLM answer 400, llama-cpp-python 500).
fn refuses_format(e: &ModelError) -> bool {
    match e {
        ModelError::Rejected(msg) | ModelError::Transient(msg) => {
            ["response_format", "json_schema", "json_object"]
                .iter()
                .any(|k| msg.contains(k))
        }
        _ => false,
    }
}

/// Turns SSE events into LLM events; ends with an error unless `[DONE]` arrived.
fn chunk_events<S, E>(
    events: S,
) -> impl futures::Stream<Item = Result<LlmEvent, ModelError>> + Send + 'static
where
    S: futures::Stream<Item = Result<eventsource_stream::Event, E>> + Send + Unpin + 'static,
    E: std::fmt::Display + Send + 'static,
{
    futures::stream::unfold(
        (events, false, std::collections::VecDeque::new()),
        |(mut events, done, mut queued)| async move {
            loop {
                if let Some(ev) = queued.pop_front() {
                    return Some((ev, (events, done, queued)));
                }
                if done {
                    return None;
                }
                match events.next().await {
                    None => {
                        return Some((
                            Err(ModelError::Transient(
                                "the stream ended before [DONE]".into(),
                            )),
                            (events, true, queued),
                        ));
                    }
                    Some(Err(e)) => {
                        return Some((
                            Err(ModelError::Transient(format!("stream broke: {e}"))),
                            (events, true, queued),
                        ));
                    }
                    Some(Ok(ev)) => {
                        let data = ev.data.trim();
                        if data == "[DONE]" {
                            return None;
                        }
                        if data.is_empty() {
                            continue;
                        }
                        let chunk: Chunk = match serde_json::from_str(data) {
                            Ok(c) => c,
                            Err(e) => {
                                return Some((
                                    Err(ModelError::Malformed(format!("chunk: {e}"))),
                                    (events, true, queued),
                                ));
                            }
                        };
                        if let Some(err) = chunk.error {
                            return Some((
                                Err(ModelError::Transient(format!("error mid-stream: {err}"))),
                                (events, true, queued),
                            ));
                        }
                        for c in chunk.choices {
                            if let Some(t) = c.delta.content.filter(|t| !t.is_empty()) {
                                queued.push_back(Ok(LlmEvent::Token(t)));
                            }
                        }
                        if let Some(u) = chunk.usage {
                            queued.push_back(Ok(LlmEvent::Usage(Usage {
                                prompt_tokens: u.prompt_tokens,
                                completion_tokens: u.completion_tokens,
                            })));
                        }
                    }
                }
            }
        },
    )
}
