//! From the reader's message to the passages the reply is grounded in: `rewrite` ∥ `retrieve`,
//! then `fuse`. A self-contained message is searched as it is, with no model call in front. A
//! message that refers back asks the model for a rewrite and, meanwhile, searches the locally
//! resolved query (`rewrite::local`); the rewrite is used if it arrives within
//! `CHAT_REWRITE_BUDGET_MS`, else the search already made serves.

use uuid::Uuid;

use crate::app::App;
use crate::domain::Passage;

use super::{fuse, retrieve, rewrite, TurnContext};

#[tracing::instrument(skip_all, name = "chat.passages", fields(book_id = %book_id))]
pub async fn passages_for(
    app: &App,
    ctx: &TurnContext,
    book_id: Uuid,
    message: &str,
) -> Vec<Passage> {
    let local = rewrite::local(ctx, message);
    if !rewrite::refers_back(ctx, message) {
        let found = retrieve::retrieve(app, book_id, &local).await;
        return fuse::fuse_and_rerank(app, &local, found).await;
    }
    let budget = app.config.chat.rewrite_budget;
    let (speculative, rewritten) = tokio::join!(
        retrieve::retrieve(app, book_id, &local),
        tokio::time::timeout(budget, rewrite::rewrite(app, ctx, message))
    );
    match rewritten {
        Ok(Some(q)) if q != local => {
            let found = retrieve::retrieve(app, book_id, &q).await;
            fuse::fuse_and_rerank(app, &q, found).await
        }
        Ok(_) => fuse::fuse_and_rerank(app, &local, speculative).await,
        Err(_) => {
            tracing::info!(?budget, "rewrite over budget; the local query serves");
            fuse::fuse_and_rerank(app, &local, speculative).await
        }
    }
}
