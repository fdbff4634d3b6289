//! Stage `extract`: runs the native character extractor (CPU-bound, off the async threads) and
//! records the `booknlp` (analysis) and `extract` (profiles) phases.

use std::sync::Arc;
use std::time::Instant;

use crate::app::App;
use crate::extract::{self as extractor, CharacterProfile};

#[tracing::instrument(skip_all, name = "ingest.extract")]
pub async fn extract(app: &App, text: Arc<String>) -> Result<Vec<CharacterProfile>, String> {
    let limit = app.config.max_characters;
    let (profiles, analyse_s, profile_s) = tokio::task::spawn_blocking(move || {
        let t = Instant::now();
        let analysis = extractor::analyse(&text);
        let analyse_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let profiles = analysis.profiles(limit);
        (profiles, analyse_s, t.elapsed().as_secs_f64())
    })
    .await
    .map_err(|e| format!("extraction crashed: {e}"))?;
    app.metrics.phase("booknlp", analyse_s);
    app.metrics.phase("extract", profile_s);
    app.metrics
        .processing_characters_extracted_total
        .inc_by(profiles.len() as f64);
    tracing::info!(
        characters = profiles.len(),
        analyse_s,
        profile_s,
        "characters extracted"
    );
    Ok(profiles)
}
