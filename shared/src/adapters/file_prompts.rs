//! Prompt archive in a local directory: `{root}/{book_id}/{safe_name}.md`, written atomically.

use std::path::PathBuf;

use async_trait::async_trait;
use uuid::Uuid;

use crate::error::StoreError;
use crate::ports::PromptArchive;

pub struct FilePromptArchive {
    root: PathBuf,
}

impl FilePromptArchive {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FilePromptArchive { root: root.into() }
    }

    fn path(&self, book_id: Uuid, safe_name: &str) -> Result<PathBuf, StoreError> {
        if safe_name.is_empty()
            || !safe_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(StoreError::Invalid(format!(
                "unsafe prompt name {safe_name:?}"
            )));
        }
        Ok(self
            .root
            .join(book_id.to_string())
            .join(format!("{safe_name}.md")))
    }
}

#[async_trait]
impl PromptArchive for FilePromptArchive {
    async fn store(
        &self,
        book_id: Uuid,
        safe_name: &str,
        prompt: &str,
    ) -> Result<String, StoreError> {
        let path = self.path(book_id, safe_name)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let tmp = path.with_extension("md.tmp");
        tokio::fs::write(&tmp, prompt).await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(path.to_string_lossy().into_owned())
    }

    async fn load(&self, book_id: Uuid, safe_name: &str) -> Result<Option<String>, StoreError> {
        match tokio::fs::read_to_string(self.path(book_id, safe_name)?).await {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}
