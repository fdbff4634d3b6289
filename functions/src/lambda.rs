//! What the five Lambda entry points share: start-up (JSON logs, typed configuration, a caller
//! key required on every business function) and the two non-HTTP handlers, the SQS batch of the
//! `worker` and the schedule of the `poller`. The HTTP functions hand their routers to
//! lambda_http unchanged. Tests replay `events/` through exactly these functions and routers.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use shared::app::Uses;
use shared::config::RecordsConfig;
use shared::domain::Job;
use shared::error::StoreError;
use shared::jobs::{self, Delivery, PollReport};
use shared::{App, Config};

/// Why a function could not start (reported to Lambda as an init error).
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("configuration: {0}")]
    Config(#[from] shared::error::ConfigError),
    #[error(transparent)]
    Start(#[from] shared::app::StartError),
    #[error("{0} must be set for the {1:?} function on Lambda")]
    Missing(&'static str, Role),
}

/// Which function is starting; decides what it must have configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Processing,
    Chat,
    Poller,
    Worker,
    Ops,
}

impl Role {
    /// The stores and models this function uses; the rest are left unbound, so it starts with
    /// only its own settings and secrets (the template gives each function just those).
    pub fn uses(self) -> Uses {
        use Role::*;
        Uses {
            // processing confirms the book; the poller fails dead-lettered books.
            records: matches!(self, Processing | Chat | Poller | Worker),
            indexes: matches!(self, Chat | Worker),
            models: matches!(self, Chat | Worker),
            // only the worker writes system prompts
            prompts: self == Worker,
            // processing keeps the file it checked; the worker reads it
            intake: matches!(self, Processing | Worker),
        }
    }
}

/// What a function cannot run without on Lambda, where instances share nothing but the network:
/// a public function needs the caller key; everyone needs Redis (queue, locks, fleet metrics);
/// functions that read or write books need shared records and indexes, not per-instance files;
/// whoever hands jobs over needs the SQS queue.
pub fn check(role: Role, config: &Config) -> Result<(), InitError> {
    use Role::*;
    let missing = |what| Err(InitError::Missing(what, role));
    let uses = role.uses();
    if matches!(role, Processing | Chat) && config.backend_api_key.is_none() {
        return missing("BACKEND_API_KEY");
    }
    if config.redis_url.is_none() {
        return missing("REDIS_URL");
    }
    if uses.records && matches!(config.records, RecordsConfig::Sqlite { .. }) {
        return missing("SUPABASE_URL (or DATABASE_URL)");
    }
    if uses.indexes {
        if config.typesense_url.is_none() {
            return missing("TYPESENSE_URL");
        }
        if config.qdrant_url.is_none() {
            return missing("QDRANT_URL");
        }
    }
    if matches!(role, Processing | Poller) && config.sqs_queue_url.is_none() {
        return missing("SQS_QUEUE_URL");
    }
    // Readers would get the offline responder's canned words for a character's.
    if uses.models
        && config.llm.provider == shared::config::LlmProvider::Offline
        && !config.allow_offline_model
    {
        return missing(
            "LLM_PROVIDER (a real model; ALLOW_OFFLINE_MODEL=1 allows the offline one)",
        );
    }
    Ok(())
}

/// Logs as JSON (unless `LOG_FORMAT` says otherwise), reads and checks the configuration for
/// `role`, and opens the stores.
pub async fn start(role: Role) -> Result<Arc<App>, InitError> {
    crate::memory::limit_arenas();
    shared::telemetry::init_tracing_as("info", true);
    let mut config = Config::from_env()?;
    check(role, &config)?;
    // A frozen instance runs nothing: the summary fold must finish inside the invocation.
    config.chat.fold_inside_stream = true;
    // Nor does it flush metrics later: every invocation pushes its own.
    config.metrics_flush_each_request = true;
    Ok(App::build_for(config, role.uses()).await?)
}

/// Pushes this instance's metric deltas to the fleet totals (and EMF) before the instance
/// freezes; a failure is logged and carried to the next flush.
pub async fn flush_metrics(app: &App) {
    if let Err(e) = app.metrics.flush(app.fleet.as_ref()).await {
        tracing::warn!(error = %e, "metrics flush failed");
    }
}

/// The `poller` function: one loss-free poll per scheduled (or direct) invocation.
pub async fn handle_schedule(app: &App) -> Result<PollReport, StoreError> {
    let report = jobs::poll_once(app).await;
    flush_metrics(app).await;
    let report = report?;
    tracing::info!(?report, "poll finished");
    Ok(report)
}

/// The dead-letter queue as the `poller` reads it, when `PROCESSING_DLQ_URL` is set.
pub async fn dead_letters(app: &App) -> Option<shared::adapters::sqs_dead_letters::SqsDeadLetters> {
    let url = app.config.jobs.dlq_url.as_deref()?;
    let endpoint = std::env::var("AWS_ENDPOINT_URL").ok();
    Some(
        shared::adapters::sqs_dead_letters::SqsDeadLetters::from_env(url, endpoint.as_deref())
            .await,
    )
}

/// Marks the book of every job waiting in the dead-letter queue `failed` (idempotent), leaving
/// the messages there for an operator (and the depth alarm). Returns how many it looked at.
pub async fn sweep_dead_letters(
    app: &App,
    dlq: &shared::adapters::sqs_dead_letters::SqsDeadLetters,
) -> usize {
    let bodies = match dlq.peek().await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "dead-letter queue unreadable; next run retries");
            return 0;
        }
    };
    for body in &bodies {
        match serde_json::from_str::<shared::domain::Job>(body) {
            Ok(job) => {
                if let Err(e) = jobs::mark_dead(app, &job).await {
                    tracing::error!(error = %e, job_id = %job.job_id, "could not mark a dead-lettered book failed");
                }
            }
            Err(_) => tracing::error!("a dead letter is not a job; left for the operator"),
        }
    }
    bodies.len()
}

/// The `worker` function: each record is one job delivery (batch size 1 in the template, but any
/// size works). Records to retry are reported as batch item failures, so SQS redelivers only
/// those and, after `maxReceiveCount`, moves them to the dead-letter queue; records from that
/// queue mark their book `failed`.
pub async fn handle_sqs(app: &App, event: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for record in event.records {
        if let Some(id) = handle_record(app, &record).await {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    flush_metrics(app).await;
    response
}

/// Handles one record; returns its message id when it must be delivered again.
async fn handle_record(app: &App, record: &SqsMessage) -> Option<String> {
    let id = record.message_id.clone().unwrap_or_default();
    let job: Job = match record.body.as_deref().map(serde_json::from_str) {
        Some(Ok(job)) => job,
        _ => {
            tracing::error!(message_id = %id, "SQS record is not a job; dropped");
            return None;
        }
    };
    let dead =
        app.config.jobs.dlq_arn.is_some() && record.event_source_arn == app.config.jobs.dlq_arn;
    if dead {
        return match jobs::dead_letter(app, &job).await {
            Ok(()) => None,
            Err(e) => {
                tracing::error!(error = %e, job_id = %job.job_id, "could not mark a dead-lettered book failed");
                Some(id)
            }
        };
    }
    let receive_count = record
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    match jobs::deliver(app, &job, receive_count).await {
        Delivery::Retry(why) => {
            tracing::warn!(job_id = %job.job_id, receive_count, why, "job will be delivered again");
            Some(id)
        }
        other => {
            tracing::info!(job_id = %job.job_id, outcome = ?other, "job delivery handled");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Config {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_map(&map).unwrap()
    }

    const FULL: &[(&str, &str)] = &[
        ("BACKEND_API_KEY", "k"),
        ("REDIS_URL", "redis://r"),
        ("SUPABASE_URL", "https://p.supabase.co"),
        ("SUPABASE_SERVICE_ROLE_KEY", "s"),
        ("TYPESENSE_URL", "https://t"),
        ("TYPESENSE_API_KEY", "t"),
        ("QDRANT_URL", "https://q:6334"),
        ("SQS_QUEUE_URL", "https://sqs/q"),
        ("LLM_PROVIDER", "openai"),
        ("LLM_API_KEY", "sk"),
    ];

    #[test]
    fn every_role_starts_on_a_full_configuration() {
        for role in [
            Role::Processing,
            Role::Chat,
            Role::Poller,
            Role::Worker,
            Role::Ops,
        ] {
            check(role, &config(FULL)).unwrap();
        }
    }

    #[test]
    fn public_functions_refuse_to_start_without_a_caller_key() {
        let without: Vec<_> = FULL
            .iter()
            .copied()
            .filter(|(k, _)| *k != "BACKEND_API_KEY")
            .collect();
        let c = config(&without);
        for role in [Role::Processing, Role::Chat] {
            let e = check(role, &c).unwrap_err().to_string();
            assert!(e.contains("BACKEND_API_KEY"), "{e}");
        }
        check(Role::Worker, &c).unwrap();
    }

    #[test]
    fn the_offline_responder_is_refused_unless_allowed() {
        let offline: Vec<_> = FULL
            .iter()
            .copied()
            .filter(|(k, _)| !k.starts_with("LLM_"))
            .collect();
        for role in [Role::Chat, Role::Worker] {
            let e = check(role, &config(&offline)).unwrap_err().to_string();
            assert!(e.contains("ALLOW_OFFLINE_MODEL"), "{e}");
        }
        check(Role::Ops, &config(&offline)).unwrap();
        let mut allowed = offline.clone();
        allowed.push(("ALLOW_OFFLINE_MODEL", "1"));
        check(Role::Chat, &config(&allowed)).unwrap();
    }

    #[test]
    fn per_instance_stores_are_refused_where_books_are_read() {
        let c = config(&[("BACKEND_API_KEY", "k"), ("REDIS_URL", "redis://r")]);
        let e = check(Role::Chat, &c).unwrap_err().to_string();
        assert!(e.contains("SUPABASE_URL"), "{e}");
        check(Role::Ops, &c).unwrap();
        let e = check(Role::Poller, &c).unwrap_err().to_string();
        assert!(e.contains("SUPABASE_URL"), "{e}");
    }

    #[test]
    fn each_function_needs_only_its_own_settings() {
        // Ops: the caller key for /metrics is optional, Redis is all it needs.
        check(Role::Ops, &config(&[("REDIS_URL", "redis://r")])).unwrap();
        // The poller and processing: records and the queue, no indexes, no model.
        let base = [
            ("REDIS_URL", "redis://r"),
            ("SUPABASE_URL", "https://p.supabase.co"),
            ("SUPABASE_SERVICE_ROLE_KEY", "s"),
            ("SQS_QUEUE_URL", "https://sqs/q"),
        ];
        check(Role::Poller, &config(&base)).unwrap();
        let mut processing = base.to_vec();
        processing.push(("BACKEND_API_KEY", "k"));
        check(Role::Processing, &config(&processing)).unwrap();
        // The worker needs the indexes and a model.
        let e = check(Role::Worker, &config(&base)).unwrap_err().to_string();
        assert!(e.contains("TYPESENSE_URL"), "{e}");
        assert_eq!(Role::Ops.uses(), Uses::default());
        let chat = Role::Chat.uses();
        assert!(chat.records && chat.indexes && chat.models && !chat.prompts && !chat.intake);
    }

    /// The template's environment of `resource` (Globals included): name → whether it is a
    /// secret, and a stand-in value for `Config` (template references become plausible values).
    fn template_env(resource: &str) -> Vec<(String, bool, String)> {
        let template = include_str!("../../template.yaml");
        let mut out = Vec::new();
        let mut section = "";
        let mut in_vars = false;
        for line in template.lines() {
            let indent = line.len() - line.trim_start().len();
            let t = line.trim();
            if indent == 0 && !t.is_empty() {
                section = if t == "Globals:" { "globals" } else { "" };
            }
            if indent == 2 && t.ends_with(':') {
                section = if t.trim_end_matches(':') == resource {
                    "resource"
                } else if section == "globals" {
                    "globals"
                } else {
                    ""
                };
            }
            if section.is_empty() {
                continue;
            }
            let var_indent = if section == "globals" { 8 } else { 10 };
            if t == "Variables:" {
                in_vars = true;
                continue;
            }
            if in_vars && indent == var_indent && !t.starts_with('#') {
                let (k, v) = t.split_once(':').expect("KEY: value");
                let v = v.trim();
                let secret = v.contains("resolve:secretsmanager");
                let value = if !v.starts_with('!') {
                    v.trim_matches('"').to_string()
                } else if k == "REDIS_URL" {
                    "redis://r".into()
                } else if k == "METRICS_REQUIRE_KEY" {
                    "1".into()
                } else if k.ends_with("_PROVIDER") {
                    "openai".into()
                } else if k.ends_with("_URL") {
                    "https://h.example:6334".into()
                } else if k.ends_with("_PATH") {
                    "s3://bucket/prefix".into()
                } else if k.contains("RATE")
                    || k.contains("MAX_")
                    || k.ends_with("DIMENSION")
                    || k.ends_with("COUNT")
                {
                    "2".into()
                } else {
                    "x".into()
                };
                out.push((k.to_string(), secret, value));
            } else if indent <= var_indent - 2 {
                in_vars = false;
            }
        }
        out
    }

    #[test]
    fn the_template_gives_each_function_what_it_needs_and_only_its_own_secrets() {
        for (resource, role) in [
            ("ProcessingFunction", Role::Processing),
            ("ChatFunction", Role::Chat),
            ("PollerFunction", Role::Poller),
            ("WorkerFunction", Role::Worker),
            ("OpsFunction", Role::Ops),
        ] {
            let env = template_env(resource);
            let vars: HashMap<String, String> =
                env.iter().map(|(k, _, v)| (k.clone(), v.clone())).collect();
            let c = Config::from_map(&vars).unwrap_or_else(|e| panic!("{resource}: {e}"));
            check(role, &c).unwrap_or_else(|e| panic!("{resource}: {e}"));
            let uses = role.uses();
            for (name, secret, _) in env.iter().filter(|(_, s, _)| *s) {
                let needed = match name.as_str() {
                    "REDIS_URL" => true,
                    "SUPABASE_SERVICE_ROLE_KEY" => uses.records,
                    "TYPESENSE_API_KEY" | "QDRANT_API_KEY" => uses.indexes,
                    "LLM_API_KEY" | "EMBEDDING_API_KEY" | "RERANKER_API_KEY" => uses.models,
                    // the caller keys and user-token secret guard the HTTP functions
                    "BACKEND_API_KEY" => matches!(role, Role::Processing | Role::Chat | Role::Ops),
                    "SUPABASE_JWT_SECRET" | "SERVICE_API_KEY" => {
                        matches!(role, Role::Processing | Role::Chat)
                    }
                    other => panic!("{resource}: unexpected secret {other}"),
                };
                assert!(
                    needed && *secret,
                    "{resource} is given {name}, which it does not use"
                );
            }
        }
    }
}
