//! Adapters: the embedded defaults (no services needed) beside the production ones.

pub mod file_prompts;
pub mod hashing_embedder;
pub mod local_dispatch;
pub mod memory_kv;
pub mod memory_vector;
pub mod no_reranker;
pub mod offline_llm;
pub mod paced_llm;
pub mod sqlite_records;
pub mod tantivy_lexical;
