//! The ports: one trait a file. Flows depend only on these; adapters implement them.

pub mod cache;
pub mod dispatch;
pub mod embedder;
pub mod fleet_metrics;
pub mod intake_store;
pub mod lexical_index;
pub mod llm;
pub mod lock;
pub mod prompt_archive;
pub mod queue;
pub mod rate_limiter;
pub mod records;
pub mod reranker;
pub mod stream_journal;
pub mod vector_index;

pub use cache::Cache;
pub use dispatch::JobDispatch;
pub use embedder::Embedder;
pub use fleet_metrics::FleetMetrics;
pub use intake_store::IntakeStore;
pub use lexical_index::LexicalIndex;
pub use llm::{Llm, LlmEvent, LlmRequest, LlmTask};
pub use lock::SessionLock;
pub use prompt_archive::PromptArchive;
pub use queue::JobQueue;
pub use rate_limiter::{Admission, RateLimiter};
pub use records::Records;
pub use reranker::Reranker;
pub use stream_journal::{JournalWatch, StreamJournal};
pub use vector_index::VectorIndex;
