//! The service container: every port bound to an adapter chosen by `Config`, plus the shared
//! HTTP client, metrics and the poller's wake-up. Built once per process (or per Lambda
//! instance) and shared behind an `Arc` by the routers, the poller and the workers.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, Notify};

use crate::adapters::anthropic_llm::AnthropicLlm;
use crate::adapters::hashing_embedder::HashingEmbedder;
use crate::adapters::http_embedder::{EmbeddingApi, HttpEmbedder};
use crate::adapters::http_reranker::HttpReranker;
use crate::adapters::local_dispatch::{LocalDispatch, SlottedJob};
use crate::adapters::memory_kv::MemoryKv;
use crate::adapters::no_reranker::NoReranker;
use crate::adapters::object_prompts::ObjectPromptArchive;
use crate::adapters::offline_llm::OfflineLlm;
use crate::adapters::openai_llm::OpenAiLlm;
use crate::adapters::paced_llm::PacedLlm;
use crate::adapters::postgres_records::{pending, PostgresRecords};
use crate::adapters::qdrant_vector::QdrantVectorIndex;
use crate::adapters::redis_kv::RedisKv;
use crate::adapters::sqs_dispatch::SqsDispatch;
use crate::adapters::supabase_records::SupabaseRecords;
use crate::adapters::typesense_lexical::TypesenseLexicalIndex;
use crate::adapters::unconfigured::Unconfigured;
use crate::config::{Config, EmbeddingProvider, LlmProvider, RecordsConfig};
use crate::error::{ConfigError, StoreError};
use crate::ingest::url_guard::UrlPolicy;
use crate::ports::*;
use crate::telemetry::Metrics;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("could not open a store: {0}")]
    Store(#[from] StoreError),
}

pub struct App {
    pub config: Config,
    pub records: Arc<dyn Records>,
    pub vectors: Arc<dyn VectorIndex>,
    pub lexical: Arc<dyn LexicalIndex>,
    pub cache: Arc<dyn Cache>,
    pub lock: Arc<dyn SessionLock>,
    pub queue: Arc<dyn JobQueue>,
    pub dispatch: Arc<dyn JobDispatch>,
    pub prompts: Arc<dyn PromptArchive>,
    /// The intake's copies of checked files, when `INTAKE_STORAGE_PATH` is set.
    pub intake: Option<Arc<dyn IntakeStore>>,
    pub llm: Arc<dyn Llm>,
    pub embedder: Arc<dyn Embedder>,
    pub reranker: Arc<dyn Reranker>,
    /// The events of each session's current reply, for resumption.
    pub journal: Arc<dyn StreamJournal>,
    /// Per-user rate limits and stream slots, shared by every instance.
    pub limiter: Arc<dyn RateLimiter>,
    /// Where every instance adds its metric deltas (`/metrics` reports the sums).
    pub fleet: Arc<dyn FleetMetrics>,
    /// One pooled client for downloads (no per-request construction), guarded by `url_policy`.
    pub http: reqwest::Client,
    /// Where a `file_url` may point.
    pub url_policy: UrlPolicy,
    /// The project's signing keys for user tokens, when `SUPABASE_JWKS_URL` is set.
    pub jwks: Option<crate::http::jwks::JwksCache>,
    pub metrics: Metrics,
    /// Wakes the poller right after an enqueue, so a job starts in milliseconds.
    pub poller_kick: Notify,
    local_jobs: Mutex<Option<mpsc::UnboundedReceiver<SlottedJob>>>,
}

/// Which of the configurable ports a process uses. The others are bound to `Unconfigured` (or,
/// for the models, to the offline responder and hashing embedder), so a function starts with
/// only its own settings and secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Uses {
    /// Books, characters, sessions and messages.
    pub records: bool,
    /// The lexical and vector indexes of a book's passages.
    pub indexes: bool,
    /// The LLM, embedder and reranker.
    pub models: bool,
    /// The system prompt archive.
    pub prompts: bool,
    /// The intake's copies of checked files.
    pub intake: bool,
}

impl Uses {
    /// Everything: the local runner and the tests.
    pub const ALL: Uses = Uses {
        records: true,
        indexes: true,
        models: true,
        prompts: true,
        intake: true,
    };
}

/// The configured LLM, paced when `LLM_TOKEN_DELAY_MS` is set.
fn build_llm(config: &Config) -> Result<Arc<dyn Llm>, ConfigError> {
    let c = &config.llm;
    let bad = |e: crate::error::ModelError| ConfigError(format!("LLM_PROVIDER: {e}"));
    let llm: Arc<dyn Llm> = match c.provider {
        LlmProvider::Offline => Arc::new(OfflineLlm),
        LlmProvider::OpenAi | LlmProvider::Ollama => {
            let default = if c.provider == LlmProvider::Ollama {
                "http://127.0.0.1:11434/v1"
            } else {
                "https://api.openai.com/v1"
            };
            let base = c.base_url.as_deref().unwrap_or(default);
            if c.provider == LlmProvider::OpenAi && c.api_key.is_none() && c.base_url.is_none() {
                return Err(ConfigError(
                    "LLM_PROVIDER=openai needs LLM_API_KEY (or LLM_BASE_URL for a local server)"
                        .into(),
                ));
            }
            Arc::new(OpenAiLlm::new(base, c.api_key.as_deref(), &c.model, c.timeout).map_err(bad)?)
        }
        LlmProvider::Anthropic => {
            let key = c
                .api_key
                .as_deref()
                .ok_or_else(|| ConfigError("LLM_PROVIDER=anthropic needs LLM_API_KEY".into()))?;
            let base = c.base_url.as_deref().unwrap_or("https://api.anthropic.com");
            Arc::new(AnthropicLlm::new(base, key, &c.model, c.timeout).map_err(bad)?)
        }
    };
    Ok(if c.token_delay.is_zero() {
        llm
    } else {
        Arc::new(PacedLlm::new(llm, c.token_delay))
    })
}

async fn build_embedder(config: &Config) -> Result<Arc<dyn Embedder>, ConfigError> {
    let c = &config.embedding;
    let (api, default_base) = match c.provider {
        EmbeddingProvider::Hashing => return Ok(Arc::new(HashingEmbedder::new(c.dimension))),
        #[cfg(feature = "local-embedder")]
        EmbeddingProvider::Local => {
            let e = crate::adapters::local_embedder::LocalEmbedder::open(
                &c.model,
                c.model_path.as_deref(),
                &config.data_dir,
            )
            .await
            .map_err(|e| ConfigError(format!("EMBEDDING_PROVIDER=local: {e}")))?;
            return Ok(Arc::new(e));
        }
        #[cfg(not(feature = "local-embedder"))]
        EmbeddingProvider::Local => return Err(ConfigError(
            "EMBEDDING_PROVIDER=local: this binary was built without the local-embedder feature"
                .into(),
        )),
        EmbeddingProvider::OpenAi => (EmbeddingApi::OpenAi, "https://api.openai.com/v1"),
        EmbeddingProvider::Jina => (EmbeddingApi::OpenAi, "https://api.jina.ai/v1"),
        EmbeddingProvider::Cohere => (EmbeddingApi::Cohere, "https://api.cohere.com/v2"),
    };
    let base = c.base_url.as_deref().unwrap_or(default_base);
    Ok(Arc::new(
        HttpEmbedder::new(api, base, c.api_key.as_deref(), &c.model, c.dimension)
            .map_err(|e| ConfigError(format!("EMBEDDING_PROVIDER: {e}")))?,
    ))
}

/// The records store `config` names (migrations are only checked, never applied here).
async fn build_records(config: &Config) -> Result<Arc<dyn Records>, StartError> {
    Ok(match &config.records {
        #[cfg(feature = "embedded")]
        RecordsConfig::Sqlite { path } => Arc::new(
            crate::adapters::sqlite_records::SqliteRecords::open(path, config.schema.clone())
                .await?,
        ),
        #[cfg(not(feature = "embedded"))]
        RecordsConfig::Sqlite { .. } => {
            return Err(embedded_missing("SUPABASE_URL or DATABASE_URL").into())
        }
        RecordsConfig::Postgres { url } => {
            let pg = PostgresRecords::connect(url, config.schema.clone()).await?;
            // Migrations run only on request (`falsafa migrate`): say so if some are due.
            let due = pending(pg.pool()).await?;
            if !due.is_empty() {
                tracing::error!(
                    ?due,
                    "database migrations not applied: run `falsafa migrate` against DATABASE_URL"
                );
            }
            Arc::new(pg)
        }
        RecordsConfig::Supabase {
            url,
            service_role_key,
        } => Arc::new(SupabaseRecords::new(
            url,
            service_role_key,
            config.schema.clone(),
        )?),
    })
}

/// Why a binary built without the embedded stores cannot start without `setting`.
#[cfg(not(feature = "embedded"))]
fn embedded_missing(setting: &str) -> ConfigError {
    ConfigError(format!(
        "{setting} must be set: this binary was built without the embedded stores"
    ))
}

type Indexes = (Arc<dyn LexicalIndex>, Arc<dyn VectorIndex>);

/// Typesense and Qdrant when configured, else the embedded tantivy and file-backed indexes.
fn build_indexes(config: &Config) -> Result<Indexes, StartError> {
    let lexical: Arc<dyn LexicalIndex> = match &config.typesense_url {
        Some(url) => Arc::new(TypesenseLexicalIndex::new(
            url,
            config.typesense_api_key.as_deref().ok_or_else(|| {
                ConfigError("TYPESENSE_URL is set but TYPESENSE_API_KEY is not".into())
            })?,
        )?),
        #[cfg(feature = "embedded")]
        None => Arc::new(crate::adapters::tantivy_lexical::TantivyLexicalIndex::new(
            Some(config.data_dir.join("lexical")),
        )),
        #[cfg(not(feature = "embedded"))]
        None => return Err(embedded_missing("TYPESENSE_URL").into()),
    };
    let vectors: Arc<dyn VectorIndex> = match &config.qdrant_url {
        Some(url) => Arc::new(QdrantVectorIndex::new(
            url,
            config.qdrant_api_key.as_deref(),
        )?),
        #[cfg(feature = "embedded")]
        None => Arc::new(crate::adapters::memory_vector::MemoryVectorIndex::new(
            Some(config.data_dir.join("vectors")),
        )),
        #[cfg(not(feature = "embedded"))]
        None => return Err(embedded_missing("QDRANT_URL").into()),
    };
    Ok((lexical, vectors))
}

impl App {
    /// Which store serves each port, as configured (for reports and benchmarks).
    pub fn describe_stores(&self) -> serde_json::Value {
        let c = &self.config;
        let or = |set: bool, yes: &str, no: &str| if set { yes } else { no }.to_string();
        serde_json::json!({
            "records": match &c.records {
                RecordsConfig::Sqlite { .. } => "sqlite",
                RecordsConfig::Postgres { .. } => "postgres",
                RecordsConfig::Supabase { .. } => "supabase-rest",
            },
            "cache_locks_journal": or(c.redis_url.is_some(), "redis", "memory"),
            "lexical": or(c.typesense_url.is_some(), "typesense", "tantivy (embedded)"),
            "vectors": or(c.qdrant_url.is_some(), "qdrant", "file-backed (embedded)"),
        })
    }

    /// Binds every port as `config` says and opens the stores.
    pub async fn build(config: Config) -> Result<Arc<App>, StartError> {
        Self::build_for(config, Uses::ALL).await
    }

    /// Binds the ports a process `uses` as `config` says (the rest to `Unconfigured`) and opens
    /// those stores.
    pub async fn build_for(config: Config, uses: Uses) -> Result<Arc<App>, StartError> {
        if config.backend_api_key.is_none() {
            tracing::warn!("BACKEND_API_KEY is not set: the business endpoints accept any caller (local development only)");
        }
        let (llm, embedder): (Arc<dyn Llm>, Arc<dyn Embedder>) = if uses.models {
            (build_llm(&config)?, build_embedder(&config).await?)
        } else {
            let hashing = HashingEmbedder::new(config.embedding.dimension);
            (Arc::new(OfflineLlm), Arc::new(hashing))
        };
        let reranker: Arc<dyn Reranker> = match &config.reranker_url {
            Some(url) if uses.models => Arc::new(
                HttpReranker::new(
                    url,
                    config.reranker_api_key.as_deref(),
                    &config.reranker_model,
                )
                .map_err(|e| ConfigError(format!("RERANKER_URL: {e}")))?,
            ),
            _ => Arc::new(NoReranker),
        };
        let records: Arc<dyn Records> = if uses.records {
            build_records(&config).await?
        } else {
            Arc::new(Unconfigured {
                what: "records (SUPABASE_URL or DATABASE_URL)",
            })
        };
        type Kv = (
            Arc<dyn Cache>,
            Arc<dyn SessionLock>,
            Arc<dyn JobQueue>,
            Arc<dyn FleetMetrics>,
            Arc<dyn RateLimiter>,
            Arc<dyn StreamJournal>,
        );
        let (cache, lock, queue, fleet, limiter, journal): Kv = match &config.redis_url {
            Some(url) => {
                let r = Arc::new(RedisKv::connect(url).await?);
                (r.clone(), r.clone(), r.clone(), r.clone(), r.clone(), r)
            }
            None => {
                let m = Arc::new(MemoryKv::new());
                (m.clone(), m.clone(), m.clone(), m.clone(), m.clone(), m)
            }
        };
        let (local, rx) = LocalDispatch::new(config.max_processing_workers);
        let dispatch: Arc<dyn JobDispatch> = match &config.sqs_queue_url {
            Some(url) => Arc::new(
                SqsDispatch::from_env(url, std::env::var("AWS_ENDPOINT_URL").ok().as_deref()).await,
            ),
            None => Arc::new(local),
        };
        let url_policy = UrlPolicy {
            allow_loopback: config.allow_loopback_urls,
            allowed_hosts: config.allowed_file_hosts.clone(),
        };
        if url_policy.allowed_hosts.is_none() && !url_policy.allow_loopback {
            tracing::warn!(
                "file_url may name any public host: set FILE_URL_ALLOWED_HOSTS (or SUPABASE_URL)"
            );
        }
        let http = url_policy
            .client(config.download_timeout)
            .map_err(|e| ConfigError(format!("HTTP client: {e}")))?;
        let (lexical, vectors) = if uses.indexes {
            build_indexes(&config)?
        } else {
            let none = Arc::new(Unconfigured {
                what: "the passage indexes (TYPESENSE_URL, QDRANT_URL)",
            });
            (
                none.clone() as Arc<dyn LexicalIndex>,
                none as Arc<dyn VectorIndex>,
            )
        };
        let prompts: Arc<dyn PromptArchive> = if uses.prompts {
            Arc::new(ObjectPromptArchive::open(&config.prompt_storage)?)
        } else {
            Arc::new(Unconfigured {
                what: "the prompt archive (SYSTEM_PROMPT_STORAGE_PATH)",
            })
        };
        Ok(Arc::new(App {
            vectors,
            lexical,
            cache,
            lock,
            queue,
            dispatch,
            prompts,
            intake: match &config.intake_storage {
                Some(location) if uses.intake => Some(Arc::new(
                    crate::adapters::object_intake::ObjectIntakeStore::open(location)?,
                )),
                _ => None,
            },
            llm,
            embedder,
            reranker,
            records,
            http,
            url_policy,
            jwks: match &config.supabase_jwks_url {
                Some(url) => Some(
                    crate::http::jwks::JwksCache::new(url)
                        .map_err(|e| ConfigError(format!("SUPABASE_JWKS_URL: {e}")))?,
                ),
                None => None,
            },
            metrics: Metrics::new().with_emf(config.metrics_emf),
            fleet,
            limiter,
            journal,
            poller_kick: Notify::new(),
            local_jobs: Mutex::new(Some(rx)),
            config,
        }))
    }

    /// Takes the in-process job receiver (once) for `jobs::spawn_local_workers`.
    pub fn take_local_jobs(&self) -> Option<mpsc::UnboundedReceiver<SlottedJob>> {
        self.local_jobs.lock().ok().and_then(|mut g| g.take())
    }
}
