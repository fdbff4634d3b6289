//! Lexical index on Typesense over its HTTP API: collection named exactly `{book_id}`, document
//! id `{book_id}:{chunk_index}`, bulk `import?action=upsert`, drop and recreate on re-ingestion.
//! Search is BM25 computed here over Typesense's postings: Typesense 0.24 ranks by matched
//! tokens without IDF, and drops a long question's words from the right until enough passages
//! match, so a reader's question scored 0.40 top-5 against tantivy's 0.75 (BENCHMARKS.md). One
//! `multi_search` lists, per query word, the passages holding it and how many do; the passages
//! with the rarest words are then fetched whole and ranked. Plain HTTP on the workspace's
//! reqwest: five endpoints do not justify a second HTTP stack (the official crate's generated
//! client brings its own).

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

/// Query words searched (one posting list each).
const MAX_TERMS: usize = 32;
/// Passages listed per query word: all of them for the rare words that decide BM25, the first
/// ones for common words, whose weight is small.
const POSTINGS_PER_TERM: usize = 100;
/// Passages fetched whole and ranked by BM25 (at least; three times the answer's size).
const MIN_CANDIDATES: usize = 40;
/// Typesense's largest page.
const MAX_PAGE: usize = 250;

#[derive(Deserialize)]
struct MultiSearch {
    results: Vec<SearchResult>,
}

#[derive(Deserialize)]
struct SearchResult {
    #[serde(default)]
    hits: Vec<Hit>,
    /// Documents matching (for `*`: the collection's size).
    #[serde(default)]
    found: usize,
    error: Option<String>,
    code: Option<u16>,
}

#[derive(Deserialize)]
struct Hit {
    document: Value,
}

/// A word as Typesense indexes it: lower case, symbols removed ("Waistcoat-pocket," →
/// "waistcoatpocket").
fn index_token(w: &str) -> String {
    w.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The query's words as Typesense indexes them (lower case, symbols removed), each once, at most
/// `MAX_TERMS`; stopwords go, their postings being most of the book, unless nothing else is left.
fn query_terms(query: &str) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for t in query.split_whitespace().map(index_token) {
        if !t.is_empty() && !all.contains(&t) {
            all.push(t);
        }
    }
    let content: Vec<String> = all
        .iter()
        .filter(|t| !crate::text::is_stopword(t))
        .cloned()
        .collect();
    let mut terms = if content.is_empty() { all } else { content };
    terms.truncate(MAX_TERMS);
    terms
}

/// The `n` passages holding the rarest query words (summed IDF over the words' postings), best
/// first: the ones worth fetching whole and ranking by BM25 with their term counts.
fn rarest(postings: &[SearchResult], idf: &[f64], n: usize) -> Vec<u64> {
    let mut weight: std::collections::HashMap<u64, f64> = Default::default();
    for (p, w) in postings.iter().zip(idf) {
        for h in &p.hits {
            if let Some(i) = h.document.get("chunk_index").and_then(Value::as_u64) {
                *weight.entry(i).or_default() += w;
            }
        }
    }
    let mut ranked: Vec<(f64, u64)> = weight.into_iter().map(|(i, w)| (w, i)).collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.into_iter().take(n).map(|(_, i)| i).collect()
}

/// Okapi BM25 (k1 1.2, b 0.75) of the passages in `hits` for `terms` weighted by `idf`; the
/// best `k`, ties by chunk index.
fn bm25(terms: &[String], idf: &[f64], hits: Vec<Hit>, k: usize) -> Vec<Passage> {
    use std::collections::HashMap;
    let mut texts: HashMap<u32, String> = HashMap::new();
    for h in hits {
        let idx = h.document.get("chunk_index").and_then(Value::as_u64);
        let text = h.document.get("text").and_then(Value::as_str);
        if let (Some(i), Some(t)) = (idx, text) {
            texts.entry(i as u32).or_insert_with(|| t.to_string());
        }
    }
    let tokens: HashMap<u32, Vec<String>> = texts
        .iter()
        .map(|(&i, t)| (i, t.split_whitespace().map(index_token).collect()))
        .collect();
    let avg = tokens.values().map(Vec::len).sum::<usize>() as f64 / tokens.len().max(1) as f64;
    let mut scored: Vec<(f64, u32)> = tokens
        .iter()
        .map(|(&i, toks)| {
            let norm = 1.2 * (0.25 + 0.75 * toks.len() as f64 / avg.max(1.0));
            let score = terms
                .iter()
                .zip(idf)
                .map(|(t, idf)| {
                    let tf = toks.iter().filter(|x| *x == t).count() as f64;
                    idf * tf * 2.2 / (tf + norm)
                })
                .sum::<f64>();
            (score, i)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(k)
        .filter_map(|(score, i)| {
            Some(Passage {
                chunk_index: i,
                text: texts.remove(&i)?,
                score: score as f32,
            })
        })
        .collect()
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
        let terms = query_terms(query);
        if terms.is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let collection = book_id.to_string();
        let mut searches: Vec<Value> = terms
            .iter()
            .map(|t| {
                json!({"collection": collection, "q": t, "query_by": "text",
                    "per_page": POSTINGS_PER_TERM, "prefix": false, "num_typos": 0,
                    "include_fields": "chunk_index", "highlight_fields": "none",
                    "enable_highlight_v1": false})
            })
            .collect();
        searches.push(json!({"collection": collection, "q": "*", "per_page": 0}));
        let resp = self
            .req(Method::POST, "/multi_search")
            .json(&json!({ "searches": searches }))
            .send()
            .await
            .map_err(err)?;
        let results: MultiSearch = Self::check(resp).await?.json().await.map_err(err)?;
        let mut postings = Vec::with_capacity(results.results.len());
        for r in results.results {
            match (&r.error, r.code) {
                (Some(e), Some(404)) => {
                    return Err(StoreError::NotFound(format!("typesense: {e}")))
                }
                (Some(e), _) => return Err(err(e)),
                _ => postings.push(r),
            }
        }
        let Some(all) = postings.pop() else {
            return Err(err("multi_search answered no results"));
        };
        let n = all.found as f64;
        let idf: Vec<f64> = postings
            .iter()
            .map(|p| ((n - p.found as f64 + 0.5) / (p.found as f64 + 0.5)).ln_1p())
            .collect();
        let candidates = rarest(&postings, &idf, (3 * k).clamp(MIN_CANDIDATES, MAX_PAGE));
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let ids = candidates
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let per_page = candidates.len().to_string();
        let resp = self
            .req(
                Method::GET,
                &format!("/collections/{book_id}/documents/search"),
            )
            .query(&[
                ("q", "*"),
                ("filter_by", &format!("chunk_index:[{ids}]")),
                ("per_page", &per_page),
                ("include_fields", "chunk_index,text"),
            ])
            .send()
            .await
            .map_err(err)?;
        let found: SearchResult = Self::check(resp).await?.json().await.map_err(err)?;
        Ok(bm25(&terms, &idf, found.hits, k))
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
