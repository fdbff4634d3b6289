//! `falsafa bench …`: benchmark commands that print their numbers as JSON (BENCHMARKS.md).

use std::path::Path;
use std::time::Instant;

use serde_json::{json, Value};
use shared::domain::NewBook;
use shared::{App, Config};

/// Extraction of a whole novel on one thread: best and median of `runs`.
pub fn extract(file: &Path, runs: usize) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(file)?;
    let body = shared::ingest::fetch::strip_front_matter(&text);
    let mut times = Vec::new();
    let mut found = 0;
    let mut top = Vec::new();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let profiles = shared::extract::analyse(body).profiles(10);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        found = profiles.len();
        top = profiles.iter().take(5).map(|p| p.name.clone()).collect();
    }
    times.sort_by(f64::total_cmp);
    Ok(json!({
        "file": file.display().to_string(),
        "words": body.split_whitespace().count(),
        "runs": times.len(),
        "best_ms": times[0],
        "median_ms": times[times.len() / 2],
        "characters": found,
        "top5": top,
    }))
}

/// One ingestion of `file` on the configured stores (offline LLM unless configured).
pub async fn ingest(file: &Path, config: Config) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(file)?;
    let app = App::build(config).await?;
    let book = app
        .records
        .create_book(&NewBook {
            title: file.display().to_string(),
            ..Default::default()
        })
        .await?;
    let t = Instant::now();
    let report = shared::ingest::run_text(&app, book.id, text).await;
    let total = t.elapsed().as_secs_f64() * 1000.0;
    let stage = |k: &str| report.stages_ms.get(k).copied().unwrap_or(0.0);
    Ok(json!({
        "words": report.words,
        "stages_ms": {"extract": stage("extract"), "persona": stage("persona"), "chunk": stage("chunk"), "embed": stage("embed"), "index": stage("index")},
        "total_ms": total,
        "characters": report.characters_saved,
        "chunks": report.chunks,
        "status": report.status,
        "llm": app.llm.model(),
        "embedder": crate::local::describe_embedder(&app),
    }))
}

/// Hits at 1, 5 and 10 for one way of ranking.
#[derive(Default)]
struct Hits([usize; 3]);

impl Hits {
    fn add(
        &mut self,
        ranked: &[shared::domain::Passage],
        answer: &str,
        norm: impl Fn(&str) -> String,
    ) {
        let at = ranked.iter().position(|p| norm(&p.text).contains(answer));
        for (slot, k) in self.0.iter_mut().zip([1, 5, 10]) {
            *slot += at.is_some_and(|i| i < k) as usize;
        }
    }

    fn rates(&self, n: usize) -> Value {
        let r = |x: usize| (x as f64 / n.max(1) as f64 * 1000.0).round() / 1000.0;
        json!({"top1": r(self.0[0]), "top5": r(self.0[1]), "top10": r(self.0[2])})
    }
}

/// Retrieval quality on the app's configured embedder, stores and reranker: each book is
/// chunked, embedded and indexed by the ingestion stages, each question goes through the chat
/// path's query for a first message (`rewrite::standalone`), `retrieve` and fusion; a hit is the answer's text inside a
/// returned passage. Also reports indexing speed and the query embedding's latency.
pub async fn retrieval(questions: &Path, books: &Path, config: Config) -> anyhow::Result<Value> {
    use shared::chat::{fuse, retrieve, rewrite};

    #[derive(serde::Deserialize)]
    struct Question {
        book: String,
        question: String,
        answer: String,
    }
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let qs: Vec<Question> = std::fs::read_to_string(questions)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let app = App::build(config).await?;
    let mut indexed: std::collections::HashMap<String, (uuid::Uuid, Vec<shared::domain::Chunk>)> =
        Default::default();
    let (mut words, mut embed_s) = (0usize, 0f64);
    let (mut vector, mut bm25, mut hybrid, mut reranked) = (
        Hits::default(),
        Hits::default(),
        Hits::default(),
        Hits::default(),
    );
    let mut query_ms = Vec::new();
    for q in &qs {
        if !indexed.contains_key(&q.book) {
            let text = std::fs::read_to_string(books.join(&q.book))?;
            let body = shared::ingest::fetch::strip_front_matter(&text);
            words += body.split_whitespace().count();
            let chunks = shared::ingest::chunk::chunk(body, app.config.embedding.chunk);
            let t = Instant::now();
            let vectors = shared::ingest::embed::embed(&app, &chunks).await;
            embed_s += t.elapsed().as_secs_f64();
            anyhow::ensure!(
                vectors.iter().all(Option::is_some),
                "embedding {} failed",
                q.book
            );
            let id = uuid::Uuid::new_v4();
            shared::ingest::index::index(&app, id, &chunks, vectors)
                .await
                .map_err(anyhow::Error::msg)?;
            indexed.insert(q.book.clone(), (id, chunks));
        }
        let (id, chunks) = &indexed[&q.book];
        let answer = norm(&q.answer);
        anyhow::ensure!(
            chunks.iter().any(|c| norm(&c.text).contains(&answer)),
            "answer of {:?} is not in {}",
            q.question,
            q.book
        );
        let t = Instant::now();
        app.embedder
            .embed(std::slice::from_ref(&q.question))
            .await?;
        query_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let query = rewrite::standalone(&q.question);
        let found = retrieve::retrieve(&app, *id, &query).await;
        let fused = fuse::fuse(&app, &found);
        let top = fuse::rerank(&app, &query, fused.clone(), 10).await;
        vector.add(&found.vector, &answer, norm);
        bm25.add(&found.lexical, &answer, norm);
        hybrid.add(&fused, &answer, norm);
        reranked.add(&top, &answer, norm);
    }
    query_ms.sort_by(f64::total_cmp);
    let chunks: usize = indexed.values().map(|(_, c)| c.len()).sum();
    let n = qs.len();
    Ok(json!({
        "questions": n,
        "books": indexed.len(),
        "vector": vector.rates(n),
        "bm25": bm25.rates(n),
        "hybrid": hybrid.rates(n),
        "reranked": reranked.rates(n),
        "embedder": crate::local::describe_embedder(&app),
        "reranker": app.config.reranker_url.as_ref().map_or("none".to_string(), |_| app.config.reranker_model.clone()),
        "stores": app.describe_stores(),
        "indexing": {
            "words": words,
            "chunks": chunks,
            "chunk_words": app.config.embedding.chunk.target_words,
            "overlap_words": app.config.embedding.chunk.overlap_words,
            "embed_s": (embed_s * 10.0).round() / 10.0,
            "chunks_per_s": (chunks as f64 / embed_s * 10.0).round() / 10.0,
            "s_per_120k_words": (embed_s / words.max(1) as f64 * 120_000.0).round(),
        },
        "query_embed_ms": {
            "p50": percentile(&query_ms, 0.5),
            "p95": percentile(&query_ms, 0.95),
        },
        "peak_rss_mb": peak_rss_mb(),
    }))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    (sorted[i] * 100.0).round() / 100.0
}

/// Peak resident set of this process (Linux `VmHWM`), in MB.
pub fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// Resident memory now (Linux), in MB.
pub fn rss_mb() -> f64 {
    status_mb("VmRSS:")
}

fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| (kb / 1024.0 * 10.0).round() / 10.0)
}

/// One turn as the load generator saw it, in ms from sending the request.
struct Sample {
    follow_up: bool,
    ttft: f64,
    turn: f64,
    done_after_last_token: f64,
}

/// The shape of a chat load.
pub struct ChatLoad {
    pub sessions: usize,
    pub requests: usize,
    /// Pause between tokens after the first (the offline responder's first token is immediate).
    pub token_delay: std::time::Duration,
    /// Sessions start at random moments within this span (0: all at once, a burst).
    pub ramp: std::time::Duration,
    /// Simulated remote latencies (zero: none): the model's time to its first reply token, the
    /// rewrite (and summary) call's, the query embedding's and the reranker's. An embedder or
    /// reranker stand-in is put in front of the configured one only when its latency is set.
    pub remote: RemoteLatency,
}

/// `bench chat --model-ttft-ms --rewrite-ms --embed-ms --rerank-ms`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RemoteLatency {
    pub model_ttft: std::time::Duration,
    pub rewrite: std::time::Duration,
    pub embed: std::time::Duration,
    pub rerank: std::time::Duration,
}

/// Chat load on the real HTTP route over loopback, on the configured stores and LLM (the
/// offline responder emits its first token at once unless `--model-ttft-ms` delays it):
/// `sessions` concurrent sessions each send `requests` messages one after another.
/// ttft = request sent → first token received; overhead = ttft − the model's own latency;
/// turn = request sent → stream closed; done_after_last_token = last token → `done`.
pub async fn chat(load: ChatLoad, mut config: Config) -> anyhow::Result<Value> {
    let ChatLoad {
        sessions,
        requests,
        token_delay,
        ramp,
        remote,
    } = load;
    use crate::local::LocalServer;
    use crate::sse_client;
    let key = config
        .backend_api_key
        .get_or_insert_with(shared::adapters::memory_kv::random_token)
        .clone();
    // The load generator is one user on purpose: per-user limits would measure themselves.
    config.limits = shared::config::Limits {
        chat_per_minute: 0,
        processing_per_hour: 0,
        streams_per_user: 0,
    };
    let mut app = App::build(config).await?;
    let book = app
        .records
        .create_book(&NewBook {
            title: "bench".into(),
            is_public: true,
            ..Default::default()
        })
        .await?;
    let report =
        shared::ingest::run_text(&app, book.id, crate::demo::BUNDLED_TEXT.to_string()).await;
    anyhow::ensure!(
        report.error.is_none(),
        "ingestion failed: {:?}",
        report.error
    );
    let top = app.records.list_characters(book.id).await?.remove(0);
    // The book is in; from here on the model, embedder and reranker answer at a remote pace.
    {
        use shared::adapters::remote_latency::{SlowEmbedder, SlowReranker};
        let a = std::sync::Arc::get_mut(&mut app).expect("not shared yet");
        let paced = shared::adapters::paced_llm::PacedLlm::new(a.llm.clone(), token_delay)
            .replies_only()
            .first_token_after(remote.model_ttft, remote.rewrite);
        a.llm = std::sync::Arc::new(paced);
        if !remote.embed.is_zero() {
            a.embedder = std::sync::Arc::new(SlowEmbedder {
                inner: a.embedder.clone(),
                latency: remote.embed,
            });
        }
        if !remote.rerank.is_zero() {
            a.reranker = std::sync::Arc::new(SlowReranker {
                latency: remote.rerank,
            });
        }
    }
    let server =
        LocalServer::start(app.clone(), std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let client = crate::local::keyed_client(&key, sessions)?;
    let url = server.url("/character/chat");
    let rss_before_load = rss_mb();
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = tokio::spawn({
        let sampling = sampling.clone();
        async move {
            let mut max = 0.0f64;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                max = max.max(rss_mb());
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            max
        }
    });
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..sessions {
        let user = uuid::Uuid::new_v4();
        let s = app
            .records
            .create_session(&shared::domain::NewSession {
                id: None,
                user_id: user,
                character_id: top.id,
                book_id: book.id,
            })
            .await?;
        let (client, url, top_id, book_id) = (client.clone(), url.clone(), top.id, book.id);
        let start_after = ramp.mul_f64(rand::random::<f64>());
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(start_after).await;
            let mut samples = Vec::new();
            for i in 0..requests {
                // Readers alternate questions that stand alone with follow-ups that refer back
                // (these ask for the query rewrite).
                let follow_up = i % 2 == 1;
                let message = if follow_up {
                    "And what did he say about it then?".to_string()
                } else {
                    format!("Question {i}: what do you remember of the portrait?")
                };
                let body = json!({"user_id": user, "character_id": top_id, "book_id": book_id, "session_id": s.id,
                    "user_message": message});
                let t = Instant::now();
                let mut first = None;
                let mut last_token = None;
                let mut done = None;
                let out = sse_client::chat(&client, &url, &body, |ev| {
                    let now = t.elapsed().as_secs_f64() * 1000.0;
                    if ev.get("token").is_some() {
                        first.get_or_insert(now);
                        last_token = Some(now);
                    } else if ev.get("done").is_some() {
                        done = Some(now);
                    }
                })
                .await;
                let turn = t.elapsed().as_secs_f64() * 1000.0;
                if let (Ok(sse_client::ChatOutcome::Streamed(_)), Some(f), Some(l), Some(d)) =
                    (out, first, last_token, done)
                {
                    samples.push(Sample {
                        follow_up,
                        ttft: f,
                        turn,
                        done_after_last_token: d - l,
                    });
                }
            }
            samples
        }));
    }
    // The part of the time to first token that is the backend's own: what the simulated
    // remote stages would add if run one after another is not it (they may overlap), so the
    // overhead is measured against the model's latency alone.
    let model_ms = remote.model_ttft.as_secs_f64() * 1000.0;
    let (mut ttft, mut overhead, mut turn, mut done_gap) = (vec![], vec![], vec![], vec![]);
    let (mut ttft_alone, mut ttft_follow) = (vec![], vec![]);
    for t in tasks {
        for s in t.await? {
            ttft.push(s.ttft);
            if s.follow_up {
                ttft_follow.push(s.ttft);
            } else {
                ttft_alone.push(s.ttft);
            }
            overhead.push(s.ttft - model_ms);
            turn.push(s.turn);
            done_gap.push(s.done_after_last_token);
        }
    }
    let wall = started.elapsed().as_secs_f64();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let rss_under_load = sampler.await?;
    server.stop().await;
    for v in [
        &mut ttft,
        &mut ttft_alone,
        &mut ttft_follow,
        &mut overhead,
        &mut turn,
        &mut done_gap,
    ] {
        v.sort_by(f64::total_cmp);
    }
    let stat = |v: &[f64]| json!({"p50": percentile(v, 0.5), "p90": percentile(v, 0.9), "p99": percentile(v, 0.99)});
    Ok(json!({
        "sessions": sessions,
        "requests": sessions * requests,
        "completed": turn.len(),
        "ttft_ms": stat(&ttft),
        "ttft_self_contained_ms": stat(&ttft_alone),
        "ttft_follow_up_ms": stat(&ttft_follow),
        "overhead_ms": stat(&overhead),
        "done_after_last_token_ms": stat(&done_gap),
        "turn_ms": stat(&turn),
        "throughput_rps": ((turn.len() as f64 / wall) * 10.0).round() / 10.0,
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_load_mb": rss_before_load,
        "rss_under_load_mb": rss_under_load,
        "llm": app.llm.model(),
        "embedder": app.embedder.model(),
        "stores": app.describe_stores(),
        "remote_ms": {
            "model_ttft": remote.model_ttft.as_millis() as u64,
            "rewrite": remote.rewrite.as_millis() as u64,
            "embed": remote.embed.as_millis() as u64,
            "rerank": remote.rerank.as_millis() as u64,
        },
        "token_delay_ms": token_delay.as_millis() as u64,
        "ramp_ms": ramp.as_millis() as u64,
    }))
}

/// Cold start of `falsafa serve`: spawns this binary `runs` times on a fresh data directory and
/// a free port and times exec → first `200` on `/health` (polled over raw TCP every 0.5 ms).
pub async fn startup(runs: usize) -> anyhow::Result<Value> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let exe = std::env::current_exe()?;
    let mut samples = Vec::new();
    for _ in 0..runs {
        let dir = tempfile_dir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr = format!("127.0.0.1:{port}");
        let t = Instant::now();
        let mut child = tokio::process::Command::new(&exe)
            .args(["serve", "--addr", &addr, "--data-dir"])
            .arg(&dir)
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let ready = loop {
            anyhow::ensure!(t.elapsed().as_secs() < 10, "serve did not answer /health");
            if let Ok(mut conn) = tokio::net::TcpStream::connect(&addr).await {
                conn.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                    .await?;
                let mut buf = Vec::new();
                conn.read_to_end(&mut buf).await?;
                if buf.starts_with(b"HTTP/1.1 200") {
                    break t.elapsed().as_secs_f64() * 1000.0;
                }
            }
            tokio::time::sleep(std::time::Duration::from_micros(500)).await;
        };
        child.kill().await?;
        let _ = std::fs::remove_dir_all(&dir);
        samples.push(ready);
    }
    samples.sort_by(f64::total_cmp);
    Ok(json!({
        "runs": runs,
        "exec_to_health_ms": {"p50": percentile(&samples, 0.5), "max": samples.last().copied().unwrap_or(0.0)},
    }))
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir =
        std::env::temp_dir().join(format!("falsafa-startup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
