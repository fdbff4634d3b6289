//! LLM over Anthropic's Messages API with streaming: `message_start` (input tokens),
//! `content_block_delta` text deltas, `message_delta` (output tokens), `message_stop`, `ping`,
//! and `error` events. System messages go to the `system` field; a stream that ends before
//! `message_stop` is an error. Structured requests send a tool with the schema as its
//! `input_schema` and `tool_choice` forcing it; its `input_json_delta`s are the answer.

use std::time::Duration;

use async_trait::async_trait;
use eventsource_stream::Eventsource;
use futures::StreamExt;
use serde_json::{json, Value};

use crate::adapters::http_model::{client, send_with_retry};
use crate::error::ModelError;
use crate::ports::llm::{LlmEvent, LlmStream, Usage};
use crate::ports::{Llm, LlmRequest};

pub struct AnthropicLlm {
    http: reqwest::Client,
    url: String,
    key: String,
    model: String,
}

impl AnthropicLlm {
    /// `base` is the API root (`https://api.anthropic.com`).
    pub fn new(base: &str, key: &str, model: &str, timeout: Duration) -> Result<Self, ModelError> {
        Ok(AnthropicLlm {
            http: client(timeout)?,
            url: format!("{}/v1/messages", base.trim_end_matches('/')),
            key: key.to_string(),
            model: model.to_string(),
        })
    }
}

#[async_trait]
impl Llm for AnthropicLlm {
    fn model(&self) -> &str {
        &self.model
    }

    async fn stream(&self, req: LlmRequest) -> Result<LlmStream, ModelError> {
        let system: Vec<&str> = req
            .messages
            .iter()
            .filter(|m| m.role == "system")
            .map(|m| m.content.as_str())
            .collect();
        let messages: Vec<Value> = req
            .messages
            .iter()
            .filter(|m| m.role != "system")
            .map(|m| json!({"role": if m.role == "assistant" { "assistant" } else { "user" }, "content": m.content}))
            .collect();
        let mut body = json!({
            "model": self.model,
            "system": system.join("\n\n"),
            "messages": messages,
            "max_tokens": req.max_tokens,
            "temperature": crate::adapters::http_model::wire_temperature(req.temperature),
            "stream": true,
        });
        // Structured output: one tool whose input is the wanted JSON, and the model must call it.
        if let Some(st) = &req.structured {
            body["tools"] = json!([{
                "name": st.name,
                "description": "Record the answer as structured data.",
                "input_schema": st.schema,
            }]);
            body["tool_choice"] = json!({"type": "tool", "name": st.name});
        }
        let resp = send_with_retry(|| {
            self.http
                .post(&self.url)
                .header("x-api-key", &self.key)
                .header("anthropic-version", "2023-06-01")
                .json(&body)
        })
        .await?;
        let events = resp.bytes_stream().eventsource();
        let usage = Usage::default();
        Ok(Box::pin(futures::stream::unfold(
            (events, false, usage),
            |(mut events, done, mut usage)| async move {
                if done {
                    return None;
                }
                loop {
                    let ev = match events.next().await {
                        None => {
                            return Some((
                                Err(ModelError::Transient(
                                    "the stream ended before message_stop".into(),
                                )),
                                (events, true, usage),
                            ))
                        }
                        Some(Err(e)) => {
                            return Some((
                                Err(ModelError::Transient(format!("stream broke: {e}"))),
                                (events, true, usage),
                            ))
                        }
                        Some(Ok(ev)) => ev,
                    };
                    let v: Value = match serde_json::from_str(&ev.data) {
                        Ok(v) => v,
                        Err(_) if ev.data.trim().is_empty() => continue,
                        Err(e) => {
                            return Some((
                                Err(ModelError::Malformed(format!("event: {e}"))),
                                (events, true, usage),
                            ))
                        }
                    };
                    match v["type"].as_str().unwrap_or(ev.event.as_str()) {
                        "message_start" => {
                            usage.prompt_tokens =
                                v["message"]["usage"]["input_tokens"].as_u64().unwrap_or(0) as u32;
                        }
                        "content_block_delta" => {
                            // text, or the forced tool's input as it is written (JSON)
                            let delta = &v["delta"];
                            let piece = delta["text"].as_str().or(delta["partial_json"].as_str());
                            if let Some(t) = piece.filter(|t| !t.is_empty()) {
                                return Some((
                                    Ok(LlmEvent::Token(t.to_string())),
                                    (events, false, usage),
                                ));
                            }
                        }
                        "message_delta" => {
                            usage.completion_tokens =
                                v["usage"]["output_tokens"].as_u64().unwrap_or(0) as u32;
                        }
                        "message_stop" => {
                            return Some((Ok(LlmEvent::Usage(usage)), (events, true, usage)))
                        }
                        "error" => {
                            let kind = v["error"]["type"].as_str().unwrap_or("error");
                            let msg =
                                format!("{kind}: {}", v["error"]["message"].as_str().unwrap_or(""));
                            let err = if kind == "overloaded_error" || kind == "rate_limit_error" {
                                ModelError::RateLimited(msg)
                            } else {
                                ModelError::Transient(msg)
                            };
                            return Some((Err(err), (events, true, usage)));
                        }
                        _ => {} // ping, content_block_start/stop
                    }
                }
            },
        )))
    }
}
