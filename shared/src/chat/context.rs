//! Stage `context`: session (+ last messages + rolling summary), character and book, from the
//! cache in one round trip, else from the records store (in parallel) and written back. A
//! missing session or one that belongs to someone else is `NotFound` (HTTP 404 before any SSE).

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::app::App;
use crate::domain::{Book, Character, SessionContext};
use crate::error::StoreError;

use super::{keys, ChatRequest};

#[derive(Debug, Clone)]
pub struct TurnContext {
    pub session: SessionContext,
    pub character: Character,
    pub book: Book,
}

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn decode<T: DeserializeOwned>(raw: Option<&Option<String>>) -> Option<T> {
    raw.and_then(|r| r.as_deref())
        .and_then(|s| serde_json::from_str(s).ok())
}

async fn write_back<T: Serialize>(app: &App, key: String, value: &T) {
    if let Ok(s) = serde_json::to_string(value) {
        if let Err(e) = app.cache.set(&key, &s, app.config.chat.cache_ttl).await {
            tracing::warn!(error = %e, key, "cache write skipped");
        }
    }
}

#[tracing::instrument(skip_all, name = "chat.context")]
pub async fn load(app: &App, req: &ChatRequest) -> Result<TurnContext, ContextError> {
    let k = [
        keys::session(req.session_id),
        keys::character(req.character_id),
        keys::book(req.book_id),
    ];
    let cached = match app.cache.get_many(&k).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "cache unavailable; reading the records store");
            vec![None, None, None]
        }
    };
    let mut session: Option<SessionContext> = decode(cached.first());
    let mut character: Option<Character> = decode(cached.get(1));
    let mut book: Option<Book> = decode(cached.get(2));
    let (from_cache_s, from_cache_c, from_cache_b) =
        (session.is_some(), character.is_some(), book.is_some());

    let window = app.config.chat.history_window;
    let (s, c, b) = tokio::join!(
        async {
            if session.is_some() {
                return Ok(None);
            }
            let Some(row) = app.records.get_session(req.session_id).await? else {
                return Ok(None);
            };
            // The summary lives in the records store too, so memory outlives the cache.
            let (recent, summary) = tokio::join!(
                app.records.recent_messages(row.id, window),
                app.records.get_summary(row.id)
            );
            let summary = summary.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "summary unreadable; this turn goes without it");
                None
            });
            Ok::<_, StoreError>(Some(SessionContext {
                session: row,
                recent: recent?,
                summary_covers: summary.as_ref().map_or(0, |s| s.covers),
                summary: summary.map(|s| s.text),
            }))
        },
        async {
            if character.is_some() {
                return Ok(None);
            }
            app.records.get_character(req.character_id).await
        },
        async {
            if book.is_some() {
                return Ok(None);
            }
            app.records.get_book(req.book_id).await
        }
    );
    session = session.or(s?);
    character = character.or(c?);
    book = book.or(b?);

    let session = session.ok_or(ContextError::NotFound("session"))?;
    let sess = &session.session;
    if sess.user_id != req.user_id
        || sess.character_id != req.character_id
        || sess.book_id != req.book_id
    {
        return Err(ContextError::NotFound("session"));
    }
    let character = character
        .filter(|c| c.book_id == req.book_id)
        .ok_or(ContextError::NotFound("character"))?;
    let book = book.ok_or(ContextError::NotFound("book"))?;

    tokio::join!(
        async {
            if !from_cache_s {
                write_back(app, k[0].clone(), &session).await
            }
        },
        async {
            if !from_cache_c {
                write_back(app, k[1].clone(), &character).await
            }
        },
        async {
            if !from_cache_b {
                write_back(app, k[2].clone(), &book).await
            }
        },
    );
    Ok(TurnContext {
        session,
        character,
        book,
    })
}
