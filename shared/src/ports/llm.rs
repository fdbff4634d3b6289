//! LLM port: chat completion as a stream of events.

use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::domain::Passage;
use crate::error::ModelError;

/// Which stage is asking (for logs, metrics and the offline responder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LlmTask {
    PersonaAnalysis,
    PersonaPrompt,
    Rewrite,
    Summary,
    Reply,
}

/// One chat message sent to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: &str, content: impl Into<String>) -> Self {
        ChatMessage {
            role: role.into(),
            content: content.into(),
        }
    }
}

/// Structured inputs the prompt was rendered from. Remote models read only `messages`; the
/// offline responder composes its answer from these.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Grounding {
    pub character: Option<String>,
    pub user_message: Option<String>,
    pub passages: Vec<Passage>,
    pub quotes: Vec<String>,
    /// Evidence or analysis JSON (persona passes).
    pub evidence: Option<serde_json::Value>,
}

/// Asks for a JSON answer of this shape: OpenAI-compatible servers get `response_format`
/// (`json_schema`, else `json_object`), Anthropic a tool with this `input_schema` it must call.
#[derive(Debug, Clone, PartialEq)]
pub struct Structured {
    pub name: &'static str,
    pub schema: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LlmRequest {
    pub task: LlmTask,
    pub messages: Vec<ChatMessage>,
    pub temperature: f32,
    pub max_tokens: u32,
    pub grounding: Grounding,
    /// JSON of a given shape, where the provider can be asked for it.
    pub structured: Option<Structured>,
}

/// Token usage where the provider reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LlmEvent {
    Token(String),
    Usage(Usage),
}

pub type LlmStream = BoxStream<'static, Result<LlmEvent, ModelError>>;

#[async_trait]
pub trait Llm: Send + Sync {
    /// Model name recorded in message metadata.
    fn model(&self) -> &str;
    /// True for the offline deterministic responder (labelled in metadata and logs).
    fn is_offline(&self) -> bool {
        false
    }
    /// Starts a streamed completion. Errors before the first token come back here.
    async fn stream(&self, req: LlmRequest) -> Result<LlmStream, ModelError>;

    /// The whole completion as one string.
    async fn complete(&self, req: LlmRequest) -> Result<String, ModelError> {
        let mut s = self.stream(req).await?;
        let mut out = String::new();
        while let Some(ev) = s.next().await {
            if let LlmEvent::Token(t) = ev? {
                out.push_str(&t);
            }
        }
        Ok(out)
    }
}
