//! `falsafa`: the local all-in-one runner (serve, demo, extract, dev commands).
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use functions::{bench, demo, dev, local};
use shared::{App, Config};
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "falsafa",
    version,
    about = "Falsafa backend: ingest a book, chat with its characters"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve every route with the worker in-process.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8001")]
        addr: SocketAddr,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// The in-process sentence embedder behind an OpenAI-compatible POST /v1/embeddings
    /// (`EMBEDDING_MODEL_PATH`, or `EMBEDDING_MODEL` fetched into the data directory).
    ServeEmbeddings {
        #[arg(long, default_value = "127.0.0.1:8002")]
        addr: SocketAddr,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Ingest a novel (the bundled one by default) and chat with its top character.
    Demo {
        book: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(
            long,
            default_value = "Who matters most to you, and what happened between you?"
        )]
        question: String,
    },
    /// Print the characters of a text file.
    Extract {
        file: PathBuf,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 200)]
        limit: usize,
        /// Add every attributed quotation per character: {"text","start","end","confidence"}.
        #[arg(long)]
        all_quotes: bool,
    },
    /// Apply the PostgreSQL migrations the backend needs (its tables and columns, the
    /// `(book_id, name)` unique index, the turn and summary functions) to DATABASE_URL.
    Migrate {
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        /// Also turn on row level security on the frontend's tables, with policies for the
        /// reads and writes a frontend makes with a reader's token.
        #[arg(long)]
        rls: bool,
    },
    /// Benchmarks that print their figures as JSON.
    Bench {
        #[command(subcommand)]
        cmd: BenchCmd,
    },
    /// Books, standing in for the frontend.
    Book {
        #[command(subcommand)]
        cmd: BookCmd,
        #[arg(long, global = true)]
        data_dir: Option<PathBuf>,
    },
    /// Chat sessions, standing in for the frontend.
    Session {
        #[command(subcommand)]
        cmd: SessionCmd,
        #[arg(long, global = true)]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BookCmd {
    /// Create a `pending` book row.
    Add {
        file: PathBuf,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show a book and its characters, most important first.
    Show {
        id: Uuid,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BenchCmd {
    /// Character extraction of a whole novel on one thread.
    Extract {
        file: PathBuf,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        #[arg(long)]
        json: bool,
    },
    /// Chat load on the real HTTP route: overhead to first token, turn time, throughput, RSS.
    Chat {
        #[arg(long, default_value_t = 10)]
        sessions: usize,
        #[arg(long, default_value_t = 10)]
        requests: usize,
        /// Pause between streamed tokens (the first comes at once): a model's pace, so the
        /// streams overlap as real ones do.
        #[arg(long, default_value_t = 20)]
        token_delay_ms: u64,
        /// Sessions start at random moments within this span instead of all at once.
        #[arg(long, default_value_t = 0)]
        ramp_ms: u64,
        /// Simulated remote model: wait before the reply's first token.
        #[arg(long, default_value_t = 0)]
        model_ttft_ms: u64,
        /// Simulated remote model: wait before the rewrite's (and summary's) answer.
        #[arg(long, default_value_t = 0)]
        rewrite_ms: u64,
        /// An embedder stand-in that waits this long per query embedding (0: none).
        #[arg(long, default_value_t = 0)]
        embed_ms: u64,
        /// A reranker stand-in that waits this long (0: the configured reranker).
        #[arg(long, default_value_t = 0)]
        rerank_ms: u64,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Retrieval quality on the configured embedder, stores and reranker: vector, BM25, hybrid
    /// and reranked hits at 1, 5 and 10; indexing speed; query-embedding latency.
    Retrieval {
        #[arg(long, default_value = "data/retrieval/novels.jsonl")]
        questions: PathBuf,
        #[arg(long, default_value = "data/books")]
        books: PathBuf,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// `falsafa serve` from exec to its first 200 on /health.
    Startup {
        #[arg(long, default_value_t = 20)]
        runs: usize,
        #[arg(long)]
        json: bool,
    },
    /// One ingestion of a novel on the configured stores.
    Ingest {
        file: PathBuf,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SessionCmd {
    /// Create a chat session row.
    New {
        #[arg(long)]
        book: Uuid,
        #[arg(long)]
        character: Uuid,
        #[arg(long)]
        user: Uuid,
        #[arg(long)]
        json: bool,
    },
}

fn config(data_dir: Option<PathBuf>) -> anyhow::Result<Config> {
    if let Some(d) = data_dir {
        std::env::set_var("FALSAFA_DATA_DIR", d);
    }
    let mut config = Config::from_env()?;
    local::prefer_local_embedder(&mut config);
    Ok(config)
}

#[cfg(feature = "local-embedder")]
async fn serve_embeddings(config: Config, addr: SocketAddr) -> anyhow::Result<()> {
    functions::embeddings_server::run(&config, addr).await
}

#[cfg(not(feature = "local-embedder"))]
async fn serve_embeddings(_config: Config, _addr: SocketAddr) -> anyhow::Result<()> {
    anyhow::bail!("this falsafa was built without the local-embedder feature")
}

/// Prints a result; a reader that closed the pipe early (`falsafa extract … | head`) ends the
/// output quietly rather than with a panic.
fn print(v: &serde_json::Value, json: bool) {
    use std::io::Write;
    let text = if json {
        v.to_string()
    } else {
        serde_json::to_string_pretty(v).unwrap_or_default()
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("falsafa: cannot write the result: {e}");
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    functions::memory::limit_arenas();
    let cli = Cli::parse();
    let quiet = !matches!(cli.cmd, Cmd::Serve { .. });
    shared::telemetry::init_tracing(if quiet {
        "warn,tantivy=error"
    } else {
        "info,tantivy=warn"
    });
    match cli.cmd {
        Cmd::Serve { addr, data_dir } => {
            let config = config(data_dir)?;
            local::warn_about_stand_ins(&config);
            let app = App::build(config).await?;
            let server = local::LocalServer::start(app, addr).await?;
            tracing::info!(addr = %server.addr, "falsafa serving");
            local::shutdown_signal().await;
            server.stop().await;
        }
        Cmd::ServeEmbeddings { addr, data_dir } => {
            serve_embeddings(config(data_dir)?, addr).await?
        }
        Cmd::Demo {
            book,
            json,
            data_dir,
            question,
        } => {
            let out = demo::run(demo::DemoOptions {
                book,
                json,
                data_dir,
                question,
            })
            .await?;
            if json {
                println!("{out}");
            }
        }
        Cmd::Extract {
            file,
            json,
            limit,
            all_quotes,
        } => print(&dev::extract(&file, limit, all_quotes)?, json),
        Cmd::Bench {
            cmd: BenchCmd::Extract { file, runs, json },
        } => print(&bench::extract(&file, runs)?, json),
        Cmd::Bench {
            cmd:
                BenchCmd::Ingest {
                    file,
                    json,
                    data_dir,
                },
        } => print(&bench::ingest(&file, config(data_dir)?).await?, json),
        Cmd::Bench {
            cmd:
                BenchCmd::Retrieval {
                    questions,
                    books,
                    json,
                    data_dir,
                },
        } => {
            let config = config(data_dir)?;
            print(&bench::retrieval(&questions, &books, config).await?, json)
        }
        Cmd::Bench {
            cmd:
                BenchCmd::Chat {
                    sessions,
                    requests,
                    token_delay_ms,
                    ramp_ms,
                    model_ttft_ms,
                    rewrite_ms,
                    embed_ms,
                    rerank_ms,
                    json,
                    data_dir,
                },
        } => {
            let config = config(data_dir)?;
            let ms = Duration::from_millis;
            let load = bench::ChatLoad {
                sessions,
                requests,
                token_delay: ms(token_delay_ms),
                ramp: ms(ramp_ms),
                remote: bench::RemoteLatency {
                    model_ttft: ms(model_ttft_ms),
                    rewrite: ms(rewrite_ms),
                    embed: ms(embed_ms),
                    rerank: ms(rerank_ms),
                },
            };
            print(&bench::chat(load, config).await?, json)
        }
        Cmd::Bench {
            cmd: BenchCmd::Startup { runs, json },
        } => print(&bench::startup(runs).await?, json),
        Cmd::Migrate { database_url, rls } => {
            use shared::adapters::postgres_records::{migrate, PostgresRecords};
            let pg = PostgresRecords::connect(&database_url, Default::default()).await?;
            println!(
                "{}",
                serde_json::json!({ "applied": migrate(pg.pool(), rls).await? })
            );
        }
        Cmd::Book { cmd, data_dir } => {
            let app = App::build(config(data_dir)?).await?;
            match cmd {
                BookCmd::Add { file, title, json } => print(
                    &dev::book_add(app.records.as_ref(), &file, title).await?,
                    json,
                ),
                BookCmd::Show { id, json } => {
                    print(&dev::book_show(app.records.as_ref(), id).await?, json)
                }
            }
        }
        Cmd::Session {
            cmd:
                SessionCmd::New {
                    book,
                    character,
                    user,
                    json,
                },
            data_dir,
        } => {
            let app = App::build(config(data_dir)?).await?;
            print(
                &dev::session_new(app.records.as_ref(), book, character, user).await?,
                json,
            );
        }
    }
    Ok(())
}
