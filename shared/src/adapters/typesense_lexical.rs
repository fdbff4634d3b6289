//! Lexical index on Typesense over its HTTP API: collection named exactly `{book_id}`, document
//! id `{book_id}:{chunk_index}`, bulk `import?action=upsert`, `search` with `query_by=text`, drop
//! and recreate on re-ingestion. Plain HTTP on the workspace's reqwest: five endpoints do not
//! justify a second HTTP stack (the official crate's generated client brings its own).

use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::domain::{Chunk, Passage};
use crate::error::StoreError;
use crate::ports::LexicalIndex;

const IMPORT_BATCH: usize = 500;

pub struct TypesenseLexicalIndex {
    base: String,
    key: String,
    http: reqwest::Client,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("typesense: {e}"))
}

#[derive(Deserialize)]
struct SearchResult {
    #[serde(default)]
    hits: Vec<Hit>,
}

#[derive(Deserialize)]
struct Hit {
    document: Value,
    #[serde(default)]
    text_match: f64,
}

impl TypesenseLexicalIndex {
    pub fn new(base: &str, api_key: &str) -> Result<Self, StoreError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(err)?;
        Ok(TypesenseLexicalIndex {
            base: base.trim_end_matches('/').to_string(),
            key: api_key.to_string(),
            http,
        })
    }

    fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("X-TYPESENSE-API-KEY", &self.key)
    }

    async fn check(resp: reqwest::Response) -> Result<reqwest::Response, StoreError> {
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        Err(if status == StatusCode::NOT_FOUND {
            StoreError::NotFound(format!("typesense: {body}"))
        } else {
            StoreError::Unavailable(format!("typesense {status}: {body}"))
        })
    }
}

#[async_trait]
impl LexicalIndex for TypesenseLexicalIndex {
    async fn recreate(&self, book_id: Uuid) -> Result<(), StoreError> {
        let resp = self
            .req(Method::DELETE, &format!("/collections/{book_id}"))
            .send()
            .await
            .map_err(err)?;
        if resp.status() != StatusCode::NOT_FOUND {
            Self::check(resp).await?;
        }
        let schema = json!({
            "name": book_id.to_string(),
            "fields": [
                {"name": "text", "type": "string"},
                {"name": "chunk_index", "type": "int32"}
            ],
            "default_sorting_field": "chunk_index"
        });
        Self::check(
            self.req(Method::POST, "/collections")
                .json(&schema)
                .send()
                .await
                .map_err(err)?,
        )
        .await?;
        Ok(())
    }

    async fn upsert(&self, book_id: Uuid, chunks: &[Chunk]) -> Result<(), StoreError> {
        for batch in chunks.chunks(IMPORT_BATCH) {
            let mut body = String::new();
            for c in batch {
                body.push_str(&json!({"id": format!("{book_id}:{}", c.index), "chunk_index": c.index, "text": c.text}).to_string());
                body.push('\n');
            }
            let resp = self
                .req(
                    Method::POST,
                    &format!("/collections/{book_id}/documents/import?action=upsert"),
                )
                .header("content-type", "text/plain")
                .body(body)
                .send()
                .await
                .map_err(err)?;
            let text = Self::check(resp).await?.text().await.map_err(err)?;
            // One JSON line per document; any failure fails the batch.
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let v: Value = serde_json::from_str(line).map_err(err)?;
                if v["success"] != json!(true) {
                    return Err(StoreError::Invalid(format!("typesense import: {line}")));
                }
            }
        }
        Ok(())
    }

    async fn search(
        &self,
        book_id: Uuid,
        query: &str,
        k: usize,
    ) -> Result<Vec<Passage>, StoreError> {
        let q: String = query
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '\'' {
                    c
                } else {
                    ' '
                }
            })
            .collect();
        // Stopwords go: Typesense has no IDF to discount them, and when too few documents match
        // every word it drops words from the right, which would shed "portrait" before "what".
        let words: Vec<&str> = q.split_whitespace().collect();
        let content: Vec<&str> = words
            .iter()
            .copied()
            .filter(|w| !crate::text::is_stopword(&w.to_lowercase()))
            .collect();
        let kept = if content.is_empty() { words } else { content };
        let q = kept.into_iter().take(32).collect::<Vec<_>>().join(" ");
        if q.is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let per_page = k.min(250).to_string();
        let resp = self
            .req(
                Method::GET,
                &format!("/collections/{book_id}/documents/search"),
            )
            .query(&[
                ("q", q.as_str()),
                ("query_by", "text"),
                ("per_page", per_page.as_str()),
                ("prefix", "false"),
                ("drop_tokens_threshold", per_page.as_str()),
                ("include_fields", "chunk_index,text"),
                // No highlight markup: a quarter of the response, unused.
                ("highlight_fields", "none"),
                ("enable_highlight_v1", "false"),
            ])
            .send()
            .await
            .map_err(err)?;
        let result: SearchResult = Self::check(resp).await?.json().await.map_err(err)?;
        Ok(result
            .hits
            .into_iter()
            .filter_map(|h| {
                Some(Passage {
                    chunk_index: h.document.get("chunk_index")?.as_u64()? as u32,
                    text: h.document.get("text")?.as_str()?.to_string(),
                    score: h.text_match as f32,
                })
            })
            .collect())
    }

    async fn document_ids(&self, book_id: Uuid) -> Result<Option<Vec<String>>, StoreError> {
        let resp = self
            .req(
                Method::GET,
                &format!("/collections/{book_id}/documents/export"),
            )
            .query(&[("include_fields", "id")])
            .send()
            .await
            .map_err(err)?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let text = Self::check(resp).await?.text().await.map_err(err)?;
        let mut ids = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).map_err(err)?;
            if let Some(id) = v["id"].as_str() {
                ids.push(id.to_string());
            }
        }
        ids.sort();
        Ok(Some(ids))
    }
}
