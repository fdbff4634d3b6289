//! Where an object-store setting points: a local path or `file:///…` (a mounted EFS path on
//! Lambda), or `s3://bucket/prefix` (`AWS_ENDPOINT_URL` points it at moto locally). Shared by
//! the prompt archive and the intake store.

use std::sync::Arc;

use object_store::path::Path;
use object_store::ObjectStore;

use crate::error::StoreError;

/// Opens the store `location` names; returns it with the prefix objects go under.
pub fn open(location: &str) -> Result<(Arc<dyn ObjectStore>, Path), StoreError> {
    let err = |e: &dyn std::fmt::Display| StoreError::Unavailable(format!("{location}: {e}"));
    if let Some(rest) = location.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let mut b = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL") {
            b = b
                .with_endpoint(&endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let store = b.build().map_err(|e| err(&e))?;
        return Ok((Arc::new(store), Path::from(prefix.trim_matches('/'))));
    }
    let dir = location.strip_prefix("file://").unwrap_or(location);
    std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
    let store = object_store::local::LocalFileSystem::new_with_prefix(dir).map_err(|e| err(&e))?;
    Ok((Arc::new(store), Path::from("")))
}

/// `prefix` followed by `parts`.
pub fn under(prefix: &Path, parts: &[&str]) -> Path {
    let mut all: Vec<String> = prefix.parts().map(|p| p.as_ref().to_string()).collect();
    all.extend(parts.iter().map(|p| p.to_string()));
    Path::from_iter(all)
}
