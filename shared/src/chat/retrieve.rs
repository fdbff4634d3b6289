//! Stage `retrieve`: vector search on the narrative query and BM25 on the keyword query, in
//! parallel. Either side failing leaves the other to serve; both failing gives empty context.

use std::time::Duration;

use uuid::Uuid;

use crate::app::App;
use crate::domain::{Passage, RewrittenQuery};

const TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
pub struct Found {
    pub vector: Vec<Passage>,
    pub lexical: Vec<Passage>,
}

#[tracing::instrument(skip_all, name = "chat.retrieve", fields(book_id = %book_id))]
pub async fn retrieve(app: &App, book_id: Uuid, q: &RewrittenQuery) -> Found {
    let k = app.config.chat.retrieve_k;
    let vector = async {
        let v = app
            .embedder
            .embed(std::slice::from_ref(&q.narrative))
            .await
            .map_err(|e| e.to_string())?;
        let v = v.into_iter().next().ok_or("no embedding returned")?;
        app.vectors
            .search(book_id, &v, k)
            .await
            .map_err(|e| e.to_string())
    };
    let lexical = async {
        app.lexical
            .search(book_id, &q.keywords, k)
            .await
            .map_err(|e| e.to_string())
    };
    let (v, l) = tokio::join!(
        tokio::time::timeout(TIMEOUT, vector),
        tokio::time::timeout(TIMEOUT, lexical)
    );
    let settle =
        |side: &str, r: Result<Result<Vec<Passage>, String>, tokio::time::error::Elapsed>| match r {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                tracing::warn!(side, error = %e, "retrieval side failed");
                Vec::new()
            }
            Err(_) => {
                tracing::warn!(side, "retrieval side timed out");
                Vec::new()
            }
        };
    Found {
        vector: settle("vector", v),
        lexical: settle("lexical", l),
    }
}
