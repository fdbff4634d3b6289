//! Prompt archive on `object_store`: `SYSTEM_PROMPT_STORAGE_PATH` may be a local path or
//! `file:///…` or `s3://bucket/prefix` (see `object_location`). Objects are
//! `{prefix}/{book_id}/{safe_name}.md`.

use std::sync::Arc;

use async_trait::async_trait;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use uuid::Uuid;

use crate::error::StoreError;
use crate::ports::PromptArchive;

pub struct ObjectPromptArchive {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    display: String,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("prompt archive: {e}"))
}

impl ObjectPromptArchive {
    /// Opens the archive a `SYSTEM_PROMPT_STORAGE_PATH` names.
    pub fn open(location: &str) -> Result<Self, StoreError> {
        let (store, prefix) = crate::adapters::object_location::open(location)?;
        Ok(Self::new(store, prefix.as_ref(), location))
    }

    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str, display: &str) -> Self {
        ObjectPromptArchive {
            store,
            prefix: Path::from(prefix.trim_matches('/')),
            display: display.trim_end_matches('/').to_string(),
        }
    }

    fn path(&self, book_id: Uuid, safe_name: &str) -> Result<Path, StoreError> {
        if safe_name.is_empty()
            || !safe_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(StoreError::Invalid(format!(
                "unsafe prompt name {safe_name:?}"
            )));
        }
        let file = format!("{safe_name}.md");
        let book = book_id.to_string();
        Ok(crate::adapters::object_location::under(
            &self.prefix,
            &[&book, &file],
        ))
    }
}

#[async_trait]
impl PromptArchive for ObjectPromptArchive {
    async fn store(
        &self,
        book_id: Uuid,
        safe_name: &str,
        prompt: &str,
    ) -> Result<String, StoreError> {
        let path = self.path(book_id, safe_name)?;
        let put = self
            .store
            .put(&path, PutPayload::from(prompt.as_bytes().to_vec()));
        tokio::time::timeout(std::time::Duration::from_secs(30), put)
            .await
            .map_err(|_| err("write timed out"))?
            .map_err(err)?;
        Ok(format!("{}/{book_id}/{safe_name}.md", self.display))
    }

    async fn load(&self, book_id: Uuid, safe_name: &str) -> Result<Option<String>, StoreError> {
        let path = self.path(book_id, safe_name)?;
        match self.store.get(&path).await {
            Ok(got) => {
                let bytes = got.bytes().await.map_err(err)?;
                Ok(Some(
                    String::from_utf8(bytes.to_vec())
                        .map_err(|e| StoreError::Invalid(e.to_string()))?,
                ))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(err(e)),
        }
    }
}
