//! From the reader's message to the passages the reply is grounded in: `rewrite` ∥ `retrieve`,
//! then `fuse`. A self-contained message is searched as it is, with no model call in front. A
//! message that refers back asks the model for a rewrite and, meanwhile, searches and reranks
//! the locally resolved query (`rewrite::local`). A rewrite that arrives within
//! `CHAT_REWRITE_BUDGET_MS` is searched in its place; a later one is dropped and the local
//! passages, by then ready or nearly, serve.

use uuid::Uuid;

use crate::app::App;
use crate::domain::{Passage, RewrittenQuery};

use super::{fuse, retrieve, rewrite, TurnContext};

async fn search(app: &App, book_id: Uuid, q: &RewrittenQuery) -> Vec<Passage> {
    let found = retrieve::retrieve(app, book_id, q).await;
    fuse::fuse_and_rerank(app, q, found).await
}

#[tracing::instrument(skip_all, name = "chat.passages", fields(book_id = %book_id))]
pub async fn passages_for(
    app: &App,
    ctx: &TurnContext,
    book_id: Uuid,
    message: &str,
) -> Vec<Passage> {
    let local = rewrite::local(ctx, message);
    if !rewrite::refers_back(ctx, message) {
        return search(app, book_id, &local).await;
    }
    let budget = app.config.chat.rewrite_budget;
    let speculative = search(app, book_id, &local);
    tokio::pin!(speculative);
    let rewrite = tokio::time::timeout(budget, rewrite::rewrite(app, ctx, message));
    tokio::pin!(rewrite);
    let mut ready = None;
    let rewritten = loop {
        tokio::select! {
            r = &mut rewrite => break r,
            p = &mut speculative, if ready.is_none() => ready = Some(p),
        }
    };
    match rewritten {
        Ok(Some(q)) if q != local => search(app, book_id, &q).await,
        other => {
            if other.is_err() {
                tracing::info!(?budget, "rewrite over budget; the local query serves");
            }
            match ready {
                Some(p) => p,
                None => speculative.await,
            }
        }
    }
}
