//! BM25 over tantivy, one index directory per book under `{data_dir}/lexical/{book_id}`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, INDEXED, STORED,
    STRING,
};
use tantivy::{doc, Index, IndexReader, TantivyDocument, Term};
use uuid::Uuid;

use crate::domain::{Chunk, Passage};
use crate::error::StoreError;
use crate::ports::LexicalIndex;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    chunk_index: Field,
    text: Field,
}

struct Opened {
    index: Index,
    reader: IndexReader,
}

/// Cheap to clone: blocking work runs on `spawn_blocking` with a clone of the inner state.
#[derive(Clone)]
pub struct TantivyLexicalIndex {
    inner: Arc<Inner>,
}

struct Inner {
    dir: Option<PathBuf>,
    fields: Fields,
    schema: Schema,
    open: Mutex<HashMap<Uuid, Arc<Opened>>>,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("tantivy: {e}"))
}

impl TantivyLexicalIndex {
    /// Indexes live under `dir`, or in RAM when `None`.
    pub fn new(dir: Option<PathBuf>) -> Self {
        let mut b = Schema::builder();
        let id = b.add_text_field("id", STRING | STORED);
        let chunk_index = b.add_u64_field("chunk_index", INDEXED | STORED);
        // English stemming: a reader's "stretching" finds the book's "stretched".
        let stemmed = TextFieldIndexing::default()
            .set_tokenizer("en_stem")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let text = b.add_text_field(
            "text",
            TextOptions::default()
                .set_indexing_options(stemmed)
                .set_stored(),
        );
        TantivyLexicalIndex {
            inner: Arc::new(Inner {
                dir,
                fields: Fields {
                    id,
                    chunk_index,
                    text,
                },
                schema: b.build(),
                open: Mutex::new(HashMap::new()),
            }),
        }
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(StoreError::unavailable)?
    }
}

impl Inner {
    fn book_dir(&self, book_id: Uuid) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(book_id.to_string()))
    }

    fn opened(&self, book_id: Uuid) -> Result<Option<Arc<Opened>>, StoreError> {
        if let Some(o) = self.open.lock().map_err(err)?.get(&book_id) {
            return Ok(Some(o.clone()));
        }
        let Some(dir) = self.book_dir(book_id) else {
            return Ok(None);
        };
        if !dir.join("meta.json").exists() {
            return Ok(None);
        }
        let index = Index::open_in_dir(&dir).map_err(err)?;
        let reader = index.reader().map_err(err)?;
        let o = Arc::new(Opened { index, reader });
        self.open.lock().map_err(err)?.insert(book_id, o.clone());
        Ok(Some(o))
    }

    fn recreate_blocking(&self, book_id: Uuid) -> Result<(), StoreError> {
        self.open.lock().map_err(err)?.remove(&book_id);
        let index = match self.book_dir(book_id) {
            Some(dir) => {
                if dir.exists() {
                    std::fs::remove_dir_all(&dir)?;
                }
                std::fs::create_dir_all(&dir)?;
                Index::create_in_dir(&dir, self.schema.clone()).map_err(err)?
            }
            None => Index::create_in_ram(self.schema.clone()),
        };
        let reader = index.reader().map_err(err)?;
        self.open
            .lock()
            .map_err(err)?
            .insert(book_id, Arc::new(Opened { index, reader }));
        Ok(())
    }

    fn upsert_blocking(&self, book_id: Uuid, chunks: &[Chunk]) -> Result<(), StoreError> {
        let o = self
            .opened(book_id)?
            .ok_or_else(|| StoreError::NotFound(format!("lexical collection {book_id}")))?;
        let mut writer = o.index.writer::<TantivyDocument>(30_000_000).map_err(err)?;
        for c in chunks {
            let id = format!("{book_id}:{}", c.index);
            writer.delete_term(Term::from_field_text(self.fields.id, &id));
            writer
                .add_document(doc!(
                    self.fields.id => id,
                    self.fields.chunk_index => c.index as u64,
                    self.fields.text => c.text.clone(),
                ))
                .map_err(err)?;
        }
        writer.commit().map_err(err)?;
        o.reader.reload().map_err(err)?;
        Ok(())
    }

    fn search_blocking(
        &self,
        book_id: Uuid,
        query: &str,
        k: usize,
    ) -> Result<Vec<Passage>, StoreError> {
        let o = self
            .opened(book_id)?
            .ok_or_else(|| StoreError::NotFound(format!("lexical collection {book_id}")))?;
        // Only words reach the parser: no field syntax, boolean operators or phrase tricks.
        let cleaned: String = query
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        if cleaned.trim().is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let parser = QueryParser::for_index(&o.index, vec![self.fields.text]);
        let (q, _) = parser.parse_query_lenient(&cleaned);
        let searcher = o.reader.searcher();
        let top = searcher.search(&q, &TopDocs::with_limit(k)).map_err(err)?;
        let mut out = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr).map_err(err)?;
            let idx = d
                .get_first(self.fields.chunk_index)
                .and_then(|v| v.as_u64())
                .unwrap_or(0);
            let text = d
                .get_first(self.fields.text)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            out.push(Passage {
                chunk_index: idx as u32,
                text,
                score,
            });
        }
        Ok(out)
    }

    fn ids_blocking(&self, book_id: Uuid) -> Result<Option<Vec<String>>, StoreError> {
        let Some(o) = self.opened(book_id)? else {
            return Ok(None);
        };
        let searcher = o.reader.searcher();
        let mut ids = Vec::new();
        for seg in searcher.segment_readers() {
            let store = seg.get_store_reader(1).map_err(err)?;
            for doc_id in 0..seg.max_doc() {
                if seg.is_deleted(doc_id) {
                    continue;
                }
                let d: TantivyDocument = store.get(doc_id).map_err(err)?;
                if let Some(id) = d.get_first(self.fields.id).and_then(|v| v.as_str()) {
                    ids.push(id.to_string());
                }
            }
        }
        ids.sort();
        Ok(Some(ids))
    }
}

#[async_trait]
impl LexicalIndex for TantivyLexicalIndex {
    async fn recreate(&self, book_id: Uuid) -> Result<(), StoreError> {
        self.blocking(move |i| i.recreate_blocking(book_id)).await
    }

    async fn upsert(&self, book_id: Uuid, chunks: &[Chunk]) -> Result<(), StoreError> {
        let chunks = chunks.to_vec();
        self.blocking(move |i| i.upsert_blocking(book_id, &chunks))
            .await
    }

    async fn search(
        &self,
        book_id: Uuid,
        query: &str,
        k: usize,
    ) -> Result<Vec<Passage>, StoreError> {
        let query = query.to_string();
        self.blocking(move |i| i.search_blocking(book_id, &query, k))
            .await
    }

    async fn document_ids(&self, book_id: Uuid) -> Result<Option<Vec<String>>, StoreError> {
        self.blocking(move |i| i.ids_blocking(book_id)).await
    }
}
