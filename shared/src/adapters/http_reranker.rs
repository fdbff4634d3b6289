//! Reranker over the Jina/Cohere-compatible `/rerank` API:
//! `{model, query, documents, top_n}` → `{results: [{index, relevance_score}]}`.
//! The chat flow falls back to fusion order on any error.

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;

use crate::adapters::http_model::{client, send_with_retry, with_bearer};
use crate::domain::Passage;
use crate::error::ModelError;
use crate::ports::Reranker;

pub struct HttpReranker {
    http: reqwest::Client,
    url: String,
    key: Option<String>,
    model: String,
}

#[derive(Deserialize)]
struct Answer {
    results: Vec<Scored>,
}

#[derive(Deserialize)]
struct Scored {
    index: usize,
    relevance_score: f32,
}

impl HttpReranker {
    /// `base` is the API root before `/rerank` (`https://api.jina.ai/v1`, `https://api.cohere.com/v2`).
    pub fn new(base: &str, key: Option<&str>, model: &str) -> Result<Self, ModelError> {
        Ok(HttpReranker {
            http: client(Duration::from_secs(10))?,
            url: format!("{}/rerank", base.trim_end_matches('/')),
            key: key.map(str::to_string),
            model: model.to_string(),
        })
    }
}

#[async_trait]
impl Reranker for HttpReranker {
    async fn rerank(
        &self,
        query: &str,
        passages: Vec<Passage>,
        top_n: usize,
    ) -> Result<Vec<Passage>, ModelError> {
        if passages.is_empty() {
            return Ok(passages);
        }
        let docs: Vec<&str> = passages.iter().map(|p| p.text.as_str()).collect();
        let body = json!({"model": self.model, "query": query, "documents": docs, "top_n": top_n.min(passages.len())});
        let resp =
            send_with_retry(|| with_bearer(self.http.post(&self.url).json(&body), &self.key))
                .await?;
        let a: Answer = resp
            .json()
            .await
            .map_err(|e| ModelError::Malformed(e.to_string()))?;
        let mut out = Vec::with_capacity(a.results.len());
        for r in a.results.into_iter().take(top_n) {
            let p = passages
                .get(r.index)
                .ok_or_else(|| ModelError::Malformed(format!("index {} out of range", r.index)))?;
            out.push(Passage {
                score: r.relevance_score,
                ..p.clone()
            });
        }
        Ok(out)
    }
}
