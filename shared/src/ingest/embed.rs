//! Stage `embed`: batched embeddings with retries on rate-limit and transient errors. A batch
//! that still fails leaves its chunks unembedded (counted by `index`), the rest go on.

use std::time::Duration;

use crate::app::App;
use crate::domain::Chunk;

const ATTEMPTS: u32 = 4;

/// One vector per chunk, `None` where embedding failed.
#[tracing::instrument(skip_all, name = "ingest.embed", fields(chunks = chunks.len()))]
pub async fn embed(app: &App, chunks: &[Chunk]) -> Vec<Option<Vec<f32>>> {
    let mut out = Vec::with_capacity(chunks.len());
    for batch in chunks.chunks(app.config.embedding.batch_size) {
        let texts: Vec<String> = batch.iter().map(|c| c.text.clone()).collect();
        let mut attempt = 0;
        loop {
            attempt += 1;
            match app.embedder.embed(&texts).await {
                Ok(vs)
                    if vs.len() == texts.len()
                        && vs.iter().all(|v| v.len() == app.embedder.dimension()) =>
                {
                    out.extend(vs.into_iter().map(Some));
                    break;
                }
                Ok(vs) => {
                    tracing::warn!(
                        got = vs.len(),
                        want = texts.len(),
                        "embedding batch of the wrong shape"
                    );
                    out.extend(std::iter::repeat_n(None, texts.len()));
                    break;
                }
                Err(e) if e.is_retryable() && attempt < ATTEMPTS => {
                    let wait = Duration::from_millis(250 * 2u64.pow(attempt - 1));
                    tracing::warn!(error = %e, attempt, ?wait, "embedding retry");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "embedding batch failed");
                    out.extend(std::iter::repeat_n(None, texts.len()));
                    break;
                }
            }
        }
    }
    out
}
