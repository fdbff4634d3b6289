//! Dev commands standing in for the frontend: add a book, show a book, open a session. They act
//! on whatever records store is configured, so they work beside a running `falsafa serve`.

use std::path::Path;

use anyhow::Context;
use serde_json::{json, Value};
use shared::domain::{NewBook, NewSession};
use shared::ports::Records;
use uuid::Uuid;

/// A book file's text. A file that is not UTF-8 (many older plain-text editions are Latin-1
/// or Windows-1252) is refused with the byte where it stops and how to convert it: offsets
/// such as `all_quotes`' are the file's own, so it is not silently transcoded.
pub fn read_text(file: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not UTF-8 text (from byte offset {}): convert it first, e.g. \
             `iconv -f windows-1252 -t utf-8 {} > book.txt`",
            file.display(),
            e.utf8_error().valid_up_to(),
            file.display()
        )
    })
}

pub async fn book_add(
    records: &dyn Records,
    file: &Path,
    title: Option<String>,
) -> anyhow::Result<Value> {
    let title = title.unwrap_or_else(|| {
        file.file_stem()
            .map(|s| s.to_string_lossy().replace('_', " "))
            .unwrap_or_else(|| "Untitled".into())
    });
    let book = records
        .create_book(&NewBook {
            title,
            file_path: Some(file.to_string_lossy().into_owned()),
            is_public: true,
            ..Default::default()
        })
        .await
        .context("creating the book row")?;
    Ok(serde_json::to_value(book)?)
}

pub async fn book_show(records: &dyn Records, id: Uuid) -> anyhow::Result<Value> {
    let book = records
        .get_book(id)
        .await?
        .with_context(|| format!("book {id} not found"))?;
    let characters = records.list_characters(id).await?;
    let chars: Vec<Value> = characters
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "name": c.name, "aliases": c.aliases, "mentions": c.mention_count,
                "role": c.role, "is_primary": c.is_primary, "description": c.description,
            })
        })
        .collect();
    let mut v = serde_json::to_value(&book)?;
    v["characters"] = Value::Array(chars);
    Ok(v)
}

pub async fn session_new(
    records: &dyn Records,
    book: Uuid,
    character: Uuid,
    user: Uuid,
) -> anyhow::Result<Value> {
    let s = records
        .create_session(&NewSession {
            id: None,
            user_id: user,
            character_id: character,
            book_id: book,
        })
        .await
        .context("creating the session row")?;
    Ok(serde_json::to_value(s)?)
}

/// `falsafa extract`: the characters of a text file, most important first; with `all_quotes`,
/// each also lists every quotation attributed to it, as byte offsets in the file.
pub fn extract(file: &Path, limit: usize, all_quotes: bool) -> anyhow::Result<Value> {
    let text = read_text(file)?;
    let body = shared::ingest::fetch::strip_front_matter(&text);
    let offset = body.as_ptr() as usize - text.as_ptr() as usize;
    let profiles = shared::extract::analyse(body).profiles(limit);
    let mut out = serde_json::to_value(&profiles)?;
    if all_quotes {
        if let Some(list) = out.as_array_mut() {
            for (p, v) in profiles.iter().zip(list) {
                v["all_quotes"] = p
                    .all_quotes
                    .iter()
                    .map(|q| {
                        json!({"text": q.text, "start": q.start + offset, "end": q.end + offset,
                               "confidence": (q.confidence * 100.0).round() / 100.0})
                    })
                    .collect();
            }
        }
    }
    Ok(out)
}
