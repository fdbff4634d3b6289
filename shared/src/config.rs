//! Typed configuration, read once from the environment (and a `.env` file when present) and
//! validated at start. An unset service means its embedded default; a set one means the real one.
//! Every variable is documented in README.md and `.env.example`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::ConfigError;
use crate::ingest::chunk::ChunkParams;
use crate::schema::SchemaNames;

/// Which relational store holds books, characters, sessions and messages.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordsConfig {
    /// Embedded SQLite file (default: `{data_dir}/falsafa.db`).
    Sqlite { path: PathBuf },
    /// Direct PostgreSQL (`DATABASE_URL`).
    Postgres { url: String },
    /// Supabase REST (`SUPABASE_URL` + `SUPABASE_SERVICE_ROLE_KEY`).
    Supabase {
        url: String,
        service_role_key: String,
    },
}

/// Which LLM answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmProvider {
    Offline,
    OpenAi,
    Anthropic,
    Ollama,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LlmConfig {
    pub provider: LlmProvider,
    pub model: String,
    pub base_url: Option<String>,
    pub api_key: Option<String>,
    pub timeout: Duration,
    /// Pause before each streamed token (0: none); paces the offline responder like a model.
    pub token_delay: Duration,
    /// Persona calls in flight at once per job (`LLM_CONCURRENCY`; 1 for single-slot local
    /// servers, which interrupt or queue concurrent requests).
    pub concurrency: usize,
}

/// Which embedder turns text into vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbeddingProvider {
    Hashing,
    /// A BERT-family sentence encoder run in process (`local-embedder` feature).
    Local,
    OpenAi,
    Cohere,
    Jina,
}

/// The in-process embedder's model when `EMBEDDING_MODEL` is unset.
pub const DEFAULT_LOCAL_EMBEDDING_MODEL: &str = "sentence-transformers/all-MiniLM-L6-v2";

#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingConfig {
    pub provider: EmbeddingProvider,
    pub model: String,
    pub base_url: Option<String>,
    pub api_key: Option<String>,
    pub dimension: usize,
    pub batch_size: usize,
    /// The local model's directory (`EMBEDDING_MODEL_PATH`: config.json, tokenizer.json,
    /// model.safetensors); unset, it is fetched on first use into the data directory.
    pub model_path: Option<std::path::PathBuf>,
    /// Words a passage (chunk) holds and how many it repeats from the one before
    /// (`CHUNK_WORDS`, `CHUNK_OVERLAP_WORDS`).
    pub chunk: ChunkParams,
}

/// Tunables of the chat flow.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatSettings {
    pub history_window: usize,
    pub retrieve_k: usize,
    pub context_passages: usize,
    pub context_char_budget: usize,
    pub rrf_k: f32,
    pub vector_weight: f32,
    pub lexical_weight: f32,
    pub lock_ttl: Duration,
    pub cache_ttl: Duration,
    pub max_message_chars: usize,
    /// How long a turn waits for the query rewrite (only asked for when the message refers back
    /// to the conversation); past it the turn goes on with the locally resolved query.
    pub rewrite_budget: Duration,
    /// How long a turn waits for the reranker; past it the fusion order serves.
    pub rerank_budget: Duration,
    /// Keep the reply's stream open after `done` until the summary fold has finished (Lambda:
    /// the instance may be frozen once the response ends, so the fold must happen inside the
    /// invocation). Off for `falsafa serve`, where the fold runs on after the stream closes.
    pub fold_inside_stream: bool,
}

/// Per-user admission limits (0 turns one off).
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Chat requests a user may start per minute (sliding window).
    pub chat_per_minute: u32,
    /// Processing requests a user may submit per hour (sliding window).
    pub processing_per_hour: u32,
    /// Replies a user may have streaming at once, across sessions.
    pub streams_per_user: u32,
}

/// Tunables of the job pipeline (poller, SQS worker, dead letters).
#[derive(Debug, Clone, PartialEq)]
pub struct JobSettings {
    /// How long one poller run may hold `processing:poller:lock` before another may take over.
    pub poller_lock_ttl: Duration,
    /// How long a worker holds `processing:run:{job_id}`; the worker function's timeout.
    pub run_lock_ttl: Duration,
    /// Deliveries before SQS moves a job to the dead-letter queue (the template's
    /// `maxReceiveCount`); the last one marks the book `failed` on any error.
    pub max_receive_count: u32,
    /// ARN of the dead-letter queue: records from it mark their book `failed`.
    pub dlq_arn: Option<String>,
    /// URL of the dead-letter queue: the poller marks the books of what waits there `failed`,
    /// leaving the messages for an operator.
    pub dlq_url: Option<String>,
    /// Run the poller inline right after an enqueue (Lambda: no in-process poller to kick).
    pub poll_after_enqueue: bool,
}

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub records: RecordsConfig,
    pub redis_url: Option<String>,
    pub typesense_url: Option<String>,
    pub typesense_api_key: Option<String>,
    pub qdrant_url: Option<String>,
    pub qdrant_api_key: Option<String>,
    pub sqs_queue_url: Option<String>,
    pub prompt_storage: String,
    /// Where the intake keeps the file it checked for the worker (`INTAKE_STORAGE_PATH`); unset,
    /// the worker downloads `file_url` itself.
    pub intake_storage: Option<String>,
    /// How long the intake may spend copying the file before it answers without a copy.
    pub intake_copy_timeout: Duration,
    pub llm: LlmConfig,
    pub embedding: EmbeddingConfig,
    pub reranker_url: Option<String>,
    pub reranker_api_key: Option<String>,
    pub reranker_model: String,
    pub max_processing_workers: usize,
    pub max_characters: usize,
    pub poll_interval: Duration,
    pub download_timeout: Duration,
    /// How long the intake's check of a `file_url` may take (well inside the processing
    /// function's timeout).
    pub intake_check_timeout: Duration,
    pub max_file_bytes: u64,
    pub allow_loopback_urls: bool,
    /// Let a Lambda function answer with the offline responder (`ALLOW_OFFLINE_MODEL=1`).
    pub allow_offline_model: bool,
    /// Hosts `file_url` may name (`FILE_URL_ALLOWED_HOSTS`; default the Supabase project's host;
    /// `*` or neither set: any public host).
    pub allowed_file_hosts: Option<Vec<String>>,
    pub backend_api_key: Option<String>,
    /// The service's own caller key (operators, back-office jobs): accepted like
    /// `BACKEND_API_KEY`, and the only key that may process a book without an owner.
    pub service_api_key: Option<String>,
    /// Supabase JWT secret: business requests must carry the reader's token (`sub` = `user_id`).
    pub supabase_jwt_secret: Option<String>,
    /// The project's JWKS (`…/auth/v1/.well-known/jwks.json`): user tokens signed with its
    /// asymmetric keys (ES256, RS256) are verified against it.
    pub supabase_jwks_url: Option<String>,
    pub supabase_jwt_audience: String,
    pub schema: SchemaNames,
    pub chat: ChatSettings,
    pub jobs: JobSettings,
    pub limits: Limits,
    /// Also write metrics as CloudWatch EMF lines on stdout.
    pub metrics_emf: bool,
    /// `/metrics` asks for `X-API-Key` like the business endpoints.
    pub metrics_require_key: bool,
    /// How often request paths push their metric deltas to the fleet totals.
    pub metrics_flush_interval: Duration,
    /// Push the metric deltas (and EMF) at the end of every request instead of every
    /// `metrics_flush_interval` (Lambda: an instance may be frozen or reaped after any
    /// invocation, and its last window would be lost). Set by the Lambda entry points.
    pub metrics_flush_each_request: bool,
}

impl Config {
    /// Reads `.env` (if present) and the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        let _ = dotenvy::dotenv();
        let vars: HashMap<String, String> = std::env::vars().collect();
        Config::from_map(&vars)
    }

    /// Embedded defaults everywhere, data kept under `data_dir`.
    pub fn embedded(data_dir: impl Into<PathBuf>) -> Config {
        let mut vars = HashMap::new();
        vars.insert(
            "FALSAFA_DATA_DIR".to_string(),
            data_dir.into().to_string_lossy().into_owned(),
        );
        Config::from_map(&vars).expect("embedded defaults are valid")
    }

    /// Builds and validates a configuration from a variable map (tests pass their own).
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let env = Env(vars);
        let data_dir = PathBuf::from(env.get("FALSAFA_DATA_DIR").unwrap_or(".falsafa"));

        let records =
            match (
                env.get("DATABASE_URL"),
                env.get("SUPABASE_URL"),
                env.get("SUPABASE_SERVICE_ROLE_KEY"),
            ) {
                (Some(_), Some(_), _) => return Err(ConfigError(
                    "set either DATABASE_URL (direct PostgreSQL) or SUPABASE_URL (REST), not both"
                        .into(),
                )),
                (Some(url), None, _) => {
                    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                        return Err(ConfigError(
                            "DATABASE_URL must start with postgres:// or postgresql://".into(),
                        ));
                    }
                    RecordsConfig::Postgres { url: url.into() }
                }
                (None, Some(url), Some(key)) => RecordsConfig::Supabase {
                    url: url.trim_end_matches('/').into(),
                    service_role_key: key.into(),
                },
                (None, Some(_), None) => {
                    return Err(ConfigError(
                        "SUPABASE_URL is set but SUPABASE_SERVICE_ROLE_KEY is not".into(),
                    ))
                }
                (None, None, _) => RecordsConfig::Sqlite {
                    path: env
                        .get("SQLITE_PATH")
                        .map(PathBuf::from)
                        .unwrap_or_else(|| data_dir.join("falsafa.db")),
                },
            };

        let llm_provider = match env.get("LLM_PROVIDER").unwrap_or("offline") {
            "offline" => LlmProvider::Offline,
            "openai" => LlmProvider::OpenAi,
            "anthropic" => LlmProvider::Anthropic,
            "ollama" => LlmProvider::Ollama,
            other => {
                return Err(ConfigError(format!(
                    "LLM_PROVIDER={other:?}: expected offline, openai, anthropic or ollama"
                )))
            }
        };
        let llm = LlmConfig {
            provider: llm_provider,
            model: env
                .get("LLM_MODEL")
                .unwrap_or(match llm_provider {
                    LlmProvider::Offline => "falsafa-offline",
                    LlmProvider::OpenAi => "gpt-4o-mini",
                    LlmProvider::Anthropic => "claude-3-5-haiku-latest",
                    LlmProvider::Ollama => "llama3.1",
                })
                .into(),
            base_url: env.get("LLM_BASE_URL").map(Into::into),
            api_key: env.get("LLM_API_KEY").map(Into::into),
            timeout: Duration::from_secs(env.parse("LLM_TIMEOUT_SECS", 60)?),
            token_delay: Duration::from_millis(env.parse("LLM_TOKEN_DELAY_MS", 0)?),
            concurrency: env.parse::<usize>("LLM_CONCURRENCY", 4)?.max(1),
        };

        let embedding_provider = match env.get("EMBEDDING_PROVIDER").unwrap_or("hashing") {
            "hashing" => EmbeddingProvider::Hashing,
            "local" => EmbeddingProvider::Local,
            "openai" => EmbeddingProvider::OpenAi,
            "cohere" => EmbeddingProvider::Cohere,
            "jina" => EmbeddingProvider::Jina,
            other => {
                return Err(ConfigError(format!(
                    "EMBEDDING_PROVIDER={other:?}: expected hashing, local, openai, cohere or jina"
                )))
            }
        };
        let embedding = EmbeddingConfig {
            provider: embedding_provider,
            model: env
                .get("EMBEDDING_MODEL")
                .unwrap_or(match embedding_provider {
                    EmbeddingProvider::Hashing => "hashing-v1",
                    EmbeddingProvider::Local => DEFAULT_LOCAL_EMBEDDING_MODEL,
                    EmbeddingProvider::OpenAi => "text-embedding-3-small",
                    EmbeddingProvider::Cohere => "embed-english-v3.0",
                    EmbeddingProvider::Jina => "jina-embeddings-v3",
                })
                .into(),
            base_url: env.get("EMBEDDING_BASE_URL").map(Into::into),
            api_key: env.get("EMBEDDING_API_KEY").map(Into::into),
            dimension: env.parse(
                "EMBEDDING_DIMENSION",
                if embedding_provider == EmbeddingProvider::Hashing {
                    1024
                } else {
                    1536
                },
            )?,
            batch_size: env.parse("EMBEDDING_BATCH_SIZE", 64)?,
            model_path: env.get("EMBEDDING_MODEL_PATH").map(Into::into),
            chunk: ChunkParams {
                target_words: env.parse("CHUNK_WORDS", ChunkParams::default().target_words)?,
                overlap_words: env
                    .parse("CHUNK_OVERLAP_WORDS", ChunkParams::default().overlap_words)?,
            },
        };
        if embedding.chunk.target_words < 20
            || embedding.chunk.overlap_words >= embedding.chunk.target_words
        {
            return Err(ConfigError(
                "CHUNK_WORDS must be at least 20 and CHUNK_OVERLAP_WORDS below it".into(),
            ));
        }
        if embedding.dimension == 0 || embedding.dimension > 8192 {
            return Err(ConfigError(
                "EMBEDDING_DIMENSION must be in 1..=8192".into(),
            ));
        }
        if embedding.batch_size == 0 {
            return Err(ConfigError(
                "EMBEDDING_BATCH_SIZE must be at least 1".into(),
            ));
        }

        let schema = SchemaNames {
            status_pending: env.get("STATUS_PENDING").unwrap_or("pending").into(),
            status_processing: env.get("STATUS_PROCESSING").unwrap_or("processing").into(),
            status_completed: env.get("STATUS_COMPLETED").unwrap_or("completed").into(),
            status_failed: env.get("STATUS_FAILED").unwrap_or("failed").into(),
            session_id_column: env.get("SESSION_ID_COLUMN").unwrap_or("id").into(),
            session_preview_column: env
                .get("SESSION_PREVIEW_COLUMN")
                .unwrap_or("preview")
                .into(),
        };
        schema.validate().map_err(ConfigError)?;

        let chat = ChatSettings {
            history_window: env.parse("CHAT_HISTORY_WINDOW", 10)?,
            retrieve_k: env.parse("RETRIEVE_K", 20)?,
            context_passages: env.parse("CONTEXT_PASSAGES", 5)?,
            context_char_budget: env.parse("CONTEXT_CHAR_BUDGET", 9000)?,
            rrf_k: env.parse("RRF_K", 60.0)?,
            vector_weight: env.parse("RRF_VECTOR_WEIGHT", 1.0)?,
            lexical_weight: env.parse("RRF_LEXICAL_WEIGHT", 1.0)?,
            lock_ttl: Duration::from_secs(30),
            cache_ttl: Duration::from_secs(3600),
            max_message_chars: env.parse("MAX_MESSAGE_CHARS", 4000)?,
            rewrite_budget: Duration::from_millis(env.parse("CHAT_REWRITE_BUDGET_MS", 200)?),
            rerank_budget: Duration::from_millis(env.parse("RERANK_BUDGET_MS", 400)?),
            fold_inside_stream: false,
        };

        let jobs = JobSettings {
            poller_lock_ttl: Duration::from_millis(env.parse("POLLER_LOCK_TTL_MS", 60_000)?),
            run_lock_ttl: Duration::from_secs(env.parse("JOB_RUN_LOCK_TTL_SECS", 900)?),
            max_receive_count: env.parse("MAX_RECEIVE_COUNT", 3)?,
            dlq_arn: env.get("PROCESSING_DLQ_ARN").map(Into::into),
            dlq_url: env.get("PROCESSING_DLQ_URL").map(Into::into),
            poll_after_enqueue: env.flag("POLL_AFTER_ENQUEUE")?,
        };
        if jobs.max_receive_count == 0 || jobs.poller_lock_ttl.is_zero() {
            return Err(ConfigError(
                "MAX_RECEIVE_COUNT and POLLER_LOCK_TTL_MS must be positive".into(),
            ));
        }

        let max_processing_workers: usize = env.parse("MAX_PROCESSING_WORKERS", 2)?;
        if max_processing_workers == 0 {
            return Err(ConfigError(
                "MAX_PROCESSING_WORKERS must be at least 1".into(),
            ));
        }

        Ok(Config {
            prompt_storage: env
                .get("SYSTEM_PROMPT_STORAGE_PATH")
                .map(Into::into)
                .unwrap_or_else(|| data_dir.join("prompts").to_string_lossy().into_owned()),
            intake_storage: env.get("INTAKE_STORAGE_PATH").map(Into::into),
            intake_copy_timeout: Duration::from_millis(
                env.parse("INTAKE_COPY_TIMEOUT_MS", 15_000)?,
            ),
            data_dir,
            records,
            redis_url: env.get("REDIS_URL").map(Into::into),
            typesense_url: env.get("TYPESENSE_URL").map(Into::into),
            typesense_api_key: env.get("TYPESENSE_API_KEY").map(Into::into),
            qdrant_url: env.get("QDRANT_URL").map(Into::into),
            qdrant_api_key: env.get("QDRANT_API_KEY").map(Into::into),
            sqs_queue_url: env.get("SQS_QUEUE_URL").map(Into::into),
            llm,
            embedding,
            reranker_url: env.get("RERANKER_URL").map(Into::into),
            reranker_api_key: env.get("RERANKER_API_KEY").map(Into::into),
            reranker_model: env
                .get("RERANKER_MODEL")
                .unwrap_or("jina-reranker-v2-base-multilingual")
                .into(),
            max_processing_workers,
            max_characters: env.parse("MAX_CHARACTERS", 12)?,
            poll_interval: Duration::from_millis(env.parse("POLL_INTERVAL_MS", 10_000)?),
            download_timeout: Duration::from_secs(env.parse("DOWNLOAD_TIMEOUT_SECS", 120)?),
            intake_check_timeout: Duration::from_millis(
                env.parse("INTAKE_CHECK_TIMEOUT_MS", 10_000)?,
            ),
            max_file_bytes: env.parse("MAX_FILE_BYTES", 100 * 1024 * 1024)?,
            allow_loopback_urls: env.flag("FALSAFA_ALLOW_LOOPBACK_URLS")?,
            allow_offline_model: env.flag("ALLOW_OFFLINE_MODEL")?,
            allowed_file_hosts: allowed_file_hosts(&env)?,
            backend_api_key: env.get("BACKEND_API_KEY").map(Into::into),
            service_api_key: env.get("SERVICE_API_KEY").map(Into::into),
            supabase_jwt_secret: env.get("SUPABASE_JWT_SECRET").map(Into::into),
            supabase_jwks_url: env.get("SUPABASE_JWKS_URL").map(Into::into),
            supabase_jwt_audience: env
                .get("SUPABASE_JWT_AUDIENCE")
                .unwrap_or("authenticated")
                .into(),
            schema,
            chat,
            jobs,
            limits: Limits {
                chat_per_minute: env.parse("CHAT_RATE_PER_MINUTE", 30)?,
                processing_per_hour: env.parse("PROCESSING_RATE_PER_HOUR", 20)?,
                streams_per_user: env.parse("MAX_STREAMS_PER_USER", 3)?,
            },
            metrics_emf: env.flag("METRICS_EMF")?,
            metrics_require_key: env.flag("METRICS_REQUIRE_KEY")?,
            metrics_flush_interval: Duration::from_millis(env.parse("METRICS_FLUSH_MS", 5_000)?),
            metrics_flush_each_request: false,
        })
    }
}

/// `FILE_URL_ALLOWED_HOSTS` (comma-separated, `*` for any), else the host of `SUPABASE_URL`.
fn allowed_file_hosts(env: &Env) -> Result<Option<Vec<String>>, ConfigError> {
    if let Some(list) = env.get("FILE_URL_ALLOWED_HOSTS") {
        if list == "*" {
            return Ok(None);
        }
        let hosts: Vec<String> = list
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        return Ok(Some(hosts));
    }
    match env.get("SUPABASE_URL") {
        Some(url) => {
            let host = reqwest::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
                .ok_or_else(|| ConfigError(format!("SUPABASE_URL={url:?} has no host")))?;
            Ok(Some(vec![host]))
        }
        None => Ok(None),
    }
}

/// Variable lookup where an empty value counts as unset.
struct Env<'a>(&'a HashMap<String, String>);

impl Env<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    fn parse<T: std::str::FromStr>(&self, key: &str, default: T) -> Result<T, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| ConfigError(format!("{key}={v:?} is not a valid value"))),
        }
    }

    fn flag(&self, key: &str) -> Result<bool, ConfigError> {
        match self.get(key) {
            None | Some("0") | Some("false") => Ok(false),
            Some("1") | Some("true") => Ok(true),
            Some(v) => Err(ConfigError(format!("{key}={v:?}: expected 1 or 0"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_embedded() {
        let c = Config::from_map(&map(&[])).unwrap();
        assert!(matches!(c.records, RecordsConfig::Sqlite { .. }));
        assert_eq!(c.llm.provider, LlmProvider::Offline);
        assert_eq!(c.embedding.provider, EmbeddingProvider::Hashing);
        assert!(!c.allow_loopback_urls);
        assert_eq!(c.chat.lock_ttl, Duration::from_secs(30));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = Config::from_map(&map(&[("MAX_PROCESSING_WORKERS", "many")])).unwrap_err();
        assert!(e.to_string().contains("MAX_PROCESSING_WORKERS"), "{e}");
        let e = Config::from_map(&map(&[("LLM_PROVIDER", "gpt")])).unwrap_err();
        assert!(e.to_string().contains("LLM_PROVIDER"), "{e}");
        let e = Config::from_map(&map(&[("SUPABASE_URL", "https://x.supabase.co")])).unwrap_err();
        assert!(e.to_string().contains("SUPABASE_SERVICE_ROLE_KEY"), "{e}");
        let e = Config::from_map(&map(&[("SESSION_ID_COLUMN", "id; drop")])).unwrap_err();
        assert!(e.to_string().contains("column name"), "{e}");
        let e = Config::from_map(&map(&[("FALSAFA_ALLOW_LOOPBACK_URLS", "yes")])).unwrap_err();
        assert!(e.to_string().contains("FALSAFA_ALLOW_LOOPBACK_URLS"), "{e}");
    }

    #[test]
    fn older_schema_is_configuration() {
        let c = Config::from_map(&map(&[
            ("SESSION_ID_COLUMN", "session_id"),
            ("SESSION_PREVIEW_COLUMN", "last_message_preview"),
            ("STATUS_COMPLETED", "success"),
        ]))
        .unwrap();
        assert_eq!(c.schema.session_id_column, "session_id");
        assert_eq!(
            c.schema.parse_status("success"),
            Some(crate::schema::ProcessingStatus::Completed)
        );
    }
}
