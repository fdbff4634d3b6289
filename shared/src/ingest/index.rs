//! Stage `index`: recreates the book's vector and lexical collections and fills them in
//! parallel. A chunk that could not be embedded or written is counted; good chunks stay indexed.

use uuid::Uuid;

use crate::app::App;
use crate::domain::Chunk;
use crate::ports::vector_index::VectorPoint;

const VECTOR_BATCH: usize = 256;

pub struct Indexed {
    pub failed_chunks: usize,
}

#[tracing::instrument(skip_all, name = "ingest.index", fields(book_id = %book_id, chunks = chunks.len()))]
pub async fn index(
    app: &App,
    book_id: Uuid,
    chunks: &[Chunk],
    vectors: Vec<Option<Vec<f32>>>,
) -> Result<Indexed, String> {
    let (v, l) = tokio::join!(
        app.vectors.recreate(book_id, app.embedder.dimension()),
        app.lexical.recreate(book_id)
    );
    v.map_err(|e| format!("creating the vector collection: {e}"))?;
    l.map_err(|e| format!("creating the lexical collection: {e}"))?;

    let mut failed: Vec<bool> = vectors.iter().map(|v| v.is_none()).collect();
    let points: Vec<VectorPoint> = chunks
        .iter()
        .zip(vectors)
        .filter_map(|(c, v)| {
            v.map(|vector| VectorPoint {
                chunk_index: c.index,
                vector,
                text: c.text.clone(),
            })
        })
        .collect();

    let vector_writes = async {
        let mut bad = Vec::new();
        for batch in points.chunks(VECTOR_BATCH) {
            if let Err(e) = app.vectors.upsert(book_id, batch.to_vec()).await {
                tracing::warn!(error = %e, "vector batch failed");
                bad.extend(batch.iter().map(|p| p.chunk_index));
            }
        }
        bad
    };
    let lexical_writes = async {
        match app.lexical.upsert(book_id, chunks).await {
            Ok(()) => Vec::new(),
            Err(e) => {
                tracing::warn!(error = %e, "lexical upsert failed");
                chunks.iter().map(|c| c.index).collect()
            }
        }
    };
    let (bad_v, bad_l) = tokio::join!(vector_writes, lexical_writes);
    for i in bad_v.into_iter().chain(bad_l) {
        if let Some(f) = failed.get_mut(i as usize) {
            *f = true;
        }
    }
    Ok(Indexed {
        failed_chunks: failed.iter().filter(|f| **f).count(),
    })
}
