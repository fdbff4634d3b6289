//! The local all-in-one server: every route on one socket, the poller and in-process workers
//! beside it, graceful shutdown in one place.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use shared::{http, jobs, App};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running server; dropping `shutdown` (or calling `stop`) ends it.
pub struct LocalServer {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    shutdown: watch::Sender<bool>,
    background: Vec<JoinHandle<()>>,
    server: JoinHandle<()>,
}

impl LocalServer {
    /// Binds `addr` (port 0 picks one) and starts serving and working.
    pub async fn start(app: Arc<App>, addr: SocketAddr) -> anyhow::Result<LocalServer> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let addr = listener.local_addr()?;
        // SSE writes are small: without TCP_NODELAY, Nagle's algorithm meets the client's
        // delayed ACK and every stream starts ~40 ms late.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!(error = %e, "TCP_NODELAY not set");
            }
        });
        let (tx, rx) = watch::channel(false);
        let background = jobs::start_background(&app, rx.clone());
        let router = http::router(app.clone());
        let mut stop = rx;
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
                let _ = stop.changed().await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "server stopped");
            }
        });
        Ok(LocalServer {
            addr,
            app,
            shutdown: tx,
            background,
            server,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops accepting, lets in-flight requests finish (5 s at most), stops the background.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), self.server).await;
        for t in self.background {
            t.abort();
        }
    }
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// An HTTP client that authenticates like the frontend: `X-API-Key` on every request.
pub fn keyed_client(api_key: &str, idle_per_host: usize) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-api-key",
        reqwest::header::HeaderValue::from_str(api_key)?,
    );
    Ok(reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(600))
        .pool_max_idle_per_host(idle_per_host)
        .default_headers(headers)
        .build()?)
}

/// The runner's embedded default embedder: with `EMBEDDING_PROVIDER` unset, the in-process
/// sentence embedder when its weights are already here (`EMBEDDING_MODEL_PATH`, or fetched
/// earlier into the data directory's `models/`), else the hashing embedder. Nothing is fetched.
#[cfg(feature = "local-embedder")]
pub fn prefer_local_embedder(config: &mut shared::config::Config) {
    if std::env::var_os("EMBEDDING_PROVIDER").is_none() {
        use_local_embedder_if_present(config, local_model_name());
    }
}

/// Switches `config` to the in-process embedder (model `name`) when its weights are present
/// without fetching.
#[cfg(feature = "local-embedder")]
fn use_local_embedder_if_present(config: &mut shared::config::Config, name: String) {
    use shared::config::EmbeddingProvider;
    let e = &mut config.embedding;
    if let Some(dir) =
        shared::adapters::local_embedder::present(&name, e.model_path.as_deref(), &config.data_dir)
    {
        e.provider = EmbeddingProvider::Local;
        e.model = name;
        e.model_path = Some(dir);
    }
}

/// The in-process embedder's model: `EMBEDDING_MODEL`, default all-MiniLM-L6-v2.
#[cfg(feature = "local-embedder")]
pub fn local_model_name() -> String {
    std::env::var("EMBEDDING_MODEL")
        .unwrap_or_else(|_| shared::config::DEFAULT_LOCAL_EMBEDDING_MODEL.into())
}

/// Without the local-embedder feature the configured embedder stays.
#[cfg(not(feature = "local-embedder"))]
pub fn prefer_local_embedder(_config: &mut shared::config::Config) {}

/// What served the embeddings, for the runner's reports.
pub fn describe_embedder(app: &shared::App) -> serde_json::Value {
    serde_json::json!({
        "provider": format!("{:?}", app.config.embedding.provider).to_lowercase(),
        "model": app.embedder.model(),
        "dimension": app.embedder.dimension(),
    })
}

/// Says at start when stand-ins would answer readers: the offline responder instead of a model,
/// the hashing embedder instead of an embedding model (fine for a demo, not for a deployment).
pub fn warn_about_stand_ins(config: &shared::config::Config) {
    use shared::config::{EmbeddingProvider, LlmProvider};
    if config.llm.provider == LlmProvider::Offline {
        tracing::warn!(
            "LLM_PROVIDER=offline: the offline deterministic responder writes prompts and replies \
             (marked offline); set LLM_PROVIDER for a deployment"
        );
    }
    if config.embedding.provider == EmbeddingProvider::Hashing {
        tracing::warn!(
            "EMBEDDING_PROVIDER=hashing: retrieval uses the hashing embedder, not a semantic \
             model; set EMBEDDING_MODEL_PATH (see README) for the in-process one, or \
             EMBEDDING_PROVIDER for a deployment"
        );
    }
}

#[cfg(all(test, feature = "local-embedder"))]
mod tests {
    use super::*;
    use shared::config::{Config, EmbeddingProvider, DEFAULT_LOCAL_EMBEDDING_MODEL};

    #[test]
    fn the_local_embedder_is_the_default_only_when_its_weights_are_here() {
        let data = tempfile::tempdir().unwrap();
        let mut c = Config::embedded(data.path());
        use_local_embedder_if_present(&mut c, DEFAULT_LOCAL_EMBEDDING_MODEL.into());
        assert_eq!(
            c.embedding.provider,
            EmbeddingProvider::Hashing,
            "nothing to load"
        );

        // weights fetched earlier into the data directory's cache
        let name = "org/model";
        let dir = shared::adapters::local_embedder::cached_dir(data.path(), name);
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["config.json", "tokenizer.json"] {
            std::fs::write(dir.join(f), "{}").unwrap();
        }
        use_local_embedder_if_present(&mut c, name.into());
        assert_eq!(
            c.embedding.provider,
            EmbeddingProvider::Hashing,
            "incomplete"
        );
        std::fs::write(dir.join("model.safetensors"), "").unwrap();
        use_local_embedder_if_present(&mut c, name.into());
        assert_eq!(c.embedding.provider, EmbeddingProvider::Local);
        assert_eq!(c.embedding.model, name);
        assert_eq!(c.embedding.model_path.as_deref(), Some(dir.as_path()));

        // a named directory that lacks the files is not used, nor is the cache then
        let mut c = Config::embedded(data.path());
        c.embedding.model_path = Some(data.path().join("nowhere"));
        use_local_embedder_if_present(&mut c, name.into());
        assert_eq!(c.embedding.provider, EmbeddingProvider::Hashing);
    }
}
