//! Intake store on `object_store` (`INTAKE_STORAGE_PATH`: a local path, `file:///…` or
//! `s3://bucket/prefix`). Objects are `{prefix}/{job_id}.txt`; on S3 a lifecycle rule expires
//! them (the template keeps them 7 days), since a finished job never reads its copy again.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};

use crate::adapters::object_location;
use crate::error::StoreError;
use crate::ports::IntakeStore;

/// How long one read or write of a copy may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

pub struct ObjectIntakeStore {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("intake store: {e}"))
}

impl ObjectIntakeStore {
    pub fn open(location: &str) -> Result<Self, StoreError> {
        let (store, prefix) = object_location::open(location)?;
        Ok(ObjectIntakeStore { store, prefix })
    }

    /// A copy's name is a job id (letters, digits, `-`) and `.txt`: nothing else is read.
    fn path(&self, name: &str) -> Result<Path, StoreError> {
        let stem = name.strip_suffix(".txt").unwrap_or("");
        if stem.is_empty() || !stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(StoreError::Invalid(format!(
                "not an intake copy name: {name:?}"
            )));
        }
        Ok(object_location::under(&self.prefix, &[name]))
    }
}

#[async_trait]
impl IntakeStore for ObjectIntakeStore {
    async fn put(&self, job_id: &str, text: &str) -> Result<String, StoreError> {
        let name = format!("{job_id}.txt");
        let path = self.path(&name)?;
        let put = self
            .store
            .put(&path, PutPayload::from(text.as_bytes().to_vec()));
        tokio::time::timeout(CALL_TIMEOUT, put)
            .await
            .map_err(|_| err("write timed out"))?
            .map_err(err)?;
        Ok(name)
    }

    async fn get(&self, name: &str) -> Result<Option<String>, StoreError> {
        let path = self.path(name)?;
        let read = async {
            match self.store.get(&path).await {
                Ok(got) => got.bytes().await.map(Some),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        };
        let bytes = tokio::time::timeout(CALL_TIMEOUT, read)
            .await
            .map_err(|_| err("read timed out"))?
            .map_err(err)?;
        bytes
            .map(|b| String::from_utf8(b.to_vec()).map_err(|e| StoreError::Invalid(e.to_string())))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_copy_is_read_back_by_its_name_and_only_names_are_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let s = ObjectIntakeStore::open(dir.path().to_str().unwrap()).unwrap();
        let name = s.put("5f0c-aa", "Call me Ishmael.").await.unwrap();
        assert_eq!(name, "5f0c-aa.txt");
        assert_eq!(
            s.get(&name).await.unwrap().as_deref(),
            Some("Call me Ishmael.")
        );
        assert_eq!(s.get("gone.txt").await.unwrap(), None);
        for bad in ["../etc/passwd.txt", "a/b.txt", "x.md", ".txt"] {
            assert!(s.get(bad).await.is_err(), "{bad}");
        }
    }
}
