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
pub async fn ingest(file: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(file)?;
    let config = Config::from_env()?;
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
    }))
}
