//! Embeddings over HTTP: the OpenAI-compatible `/embeddings` API (OpenAI, Jina, Ollama, vLLM,
//! TEI) and Cohere's v2 `/embed`. Batched by the caller (`EMBEDDING_BATCH_SIZE`), retried on
//! rate limits and transient errors, and every vector's dimension is checked against
//! `EMBEDDING_DIMENSION`: a wrong model is refused on its first answer, not after indexing.

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;

use crate::adapters::http_model::{client, send_with_retry, with_bearer};
use crate::error::ModelError;
use crate::ports::Embedder;

/// Which wire format the endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbeddingApi {
    /// `POST {base}/embeddings {model, input}` → `{data: [{embedding, index}]}`
    OpenAi,
    /// `POST {base}/embed {model, texts, input_type, embedding_types}` → `{embeddings: {float}}`
    Cohere,
}

pub struct HttpEmbedder {
    http: reqwest::Client,
    url: String,
    key: Option<String>,
    model: String,
    dimension: usize,
    api: EmbeddingApi,
}

#[derive(Deserialize)]
struct OpenAiAnswer {
    data: Vec<OpenAiItem>,
}

#[derive(Deserialize)]
struct OpenAiItem {
    embedding: Vec<f32>,
    #[serde(default)]
    index: usize,
}

#[derive(Deserialize)]
struct CohereAnswer {
    embeddings: CohereEmbeddings,
}

#[derive(Deserialize)]
struct CohereEmbeddings {
    float: Vec<Vec<f32>>,
}

impl HttpEmbedder {
    pub fn new(
        api: EmbeddingApi,
        base: &str,
        key: Option<&str>,
        model: &str,
        dimension: usize,
    ) -> Result<Self, ModelError> {
        let path = match api {
            EmbeddingApi::OpenAi => "embeddings",
            EmbeddingApi::Cohere => "embed",
        };
        Ok(HttpEmbedder {
            http: client(Duration::from_secs(60))?,
            url: format!("{}/{path}", base.trim_end_matches('/')),
            key: key.map(str::to_string),
            model: model.to_string(),
            dimension,
            api,
        })
    }
}

#[async_trait]
impl Embedder for HttpEmbedder {
    fn dimension(&self) -> usize {
        self.dimension
    }

    fn model(&self) -> &str {
        &self.model
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, ModelError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let body = match self.api {
            EmbeddingApi::OpenAi => json!({"model": self.model, "input": texts}),
            EmbeddingApi::Cohere => {
                json!({"model": self.model, "texts": texts, "input_type": "search_document", "embedding_types": ["float"]})
            }
        };
        let resp =
            send_with_retry(|| with_bearer(self.http.post(&self.url).json(&body), &self.key))
                .await?;
        let vectors = match self.api {
            EmbeddingApi::OpenAi => {
                let mut a: OpenAiAnswer = resp
                    .json()
                    .await
                    .map_err(|e| ModelError::Malformed(e.to_string()))?;
                a.data.sort_by_key(|d| d.index);
                a.data.into_iter().map(|d| d.embedding).collect::<Vec<_>>()
            }
            EmbeddingApi::Cohere => {
                let a: CohereAnswer = resp
                    .json()
                    .await
                    .map_err(|e| ModelError::Malformed(e.to_string()))?;
                a.embeddings.float
            }
        };
        if vectors.len() != texts.len() {
            return Err(ModelError::Malformed(format!(
                "{} vectors for {} texts",
                vectors.len(),
                texts.len()
            )));
        }
        if let Some(v) = vectors.iter().find(|v| v.len() != self.dimension) {
            return Err(ModelError::Rejected(format!(
                "model {} returns {}-dimensional vectors but EMBEDDING_DIMENSION is {}",
                self.model,
                v.len(),
                self.dimension
            )));
        }
        Ok(vectors)
    }
}
