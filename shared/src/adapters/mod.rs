//! Adapters: the embedded defaults (no services needed) beside the production ones.

pub mod anthropic_llm;
pub mod hashing_embedder;
pub mod http_embedder;
pub mod http_model;
pub mod http_reranker;
pub mod local_dispatch;
pub mod memory_kv;
pub mod memory_vector;
pub mod no_reranker;
pub mod object_prompts;
pub mod offline_llm;
pub mod openai_llm;
pub mod paced_llm;
pub mod postgres_records;
pub mod qdrant_vector;
pub mod redis_kv;
pub mod remote_latency;
pub mod sqlite_records;
pub mod sqs_dead_letters;
pub mod sqs_dispatch;
pub mod supabase_records;
pub mod tantivy_lexical;
pub mod typesense_lexical;
