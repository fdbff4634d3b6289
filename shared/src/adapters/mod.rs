//! Adapters: the embedded defaults (no services needed) beside the production ones.

pub mod hashing_embedder;
pub mod local_dispatch;
pub mod memory_kv;
pub mod memory_vector;
pub mod no_reranker;
pub mod object_prompts;
pub mod offline_llm;
pub mod paced_llm;
pub mod postgres_records;
pub mod qdrant_vector;
pub mod redis_kv;
pub mod sqlite_records;
pub mod sqs_dispatch;
pub mod supabase_records;
pub mod tantivy_lexical;
pub mod typesense_lexical;
