//! Vector index on Qdrant over gRPC (qdrant-client): collection `{book_id}`, cosine distance,
//! `EMBEDDING_DIMENSION`, point id = chunk index, payload `{text, chunk_index}`, batched upserts
//! waiting for the write, drop and recreate on re-ingestion.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use qdrant_client::qdrant::point_id::PointIdOptions;
use qdrant_client::qdrant::value::Kind;
use qdrant_client::qdrant::{
    CountPointsBuilder, CreateCollectionBuilder, Distance, PointStruct, SearchPointsBuilder,
    UpsertPointsBuilder, Value, VectorParamsBuilder,
};
use qdrant_client::Qdrant;
use uuid::Uuid;

use crate::domain::Passage;
use crate::error::StoreError;
use crate::ports::vector_index::{VectorIndex, VectorPoint};

const UPSERT_BATCH: usize = 256;

pub struct QdrantVectorIndex {
    client: Qdrant,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("qdrant: {e}"))
}

impl QdrantVectorIndex {
    /// `url` is the gRPC endpoint (port 6334); `api_key` for Qdrant Cloud.
    pub fn new(url: &str, api_key: Option<&str>) -> Result<Self, StoreError> {
        let mut b = Qdrant::from_url(url)
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(3))
            .skip_compatibility_check();
        if let Some(k) = api_key {
            b = b.api_key(k.to_string());
        }
        Ok(QdrantVectorIndex {
            client: b.build().map_err(err)?,
        })
    }
}

fn text_of(payload: &HashMap<String, Value>) -> String {
    match payload.get("text").and_then(|v| v.kind.as_ref()) {
        Some(Kind::StringValue(s)) => s.clone(),
        _ => String::new(),
    }
}

#[async_trait]
impl VectorIndex for QdrantVectorIndex {
    async fn recreate(&self, book_id: Uuid, dimension: usize) -> Result<(), StoreError> {
        let name = book_id.to_string();
        if self.client.collection_exists(&name).await.map_err(err)? {
            self.client.delete_collection(&name).await.map_err(err)?;
        }
        self.client
            .create_collection(
                CreateCollectionBuilder::new(&name)
                    .vectors_config(VectorParamsBuilder::new(dimension as u64, Distance::Cosine)),
            )
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn upsert(&self, book_id: Uuid, points: Vec<VectorPoint>) -> Result<(), StoreError> {
        let name = book_id.to_string();
        for batch in points.chunks(UPSERT_BATCH) {
            let structs: Vec<PointStruct> = batch
                .iter()
                .map(|p| {
                    let payload: HashMap<&str, Value> = HashMap::from([
                        ("text", Value::from(p.text.clone())),
                        ("chunk_index", Value::from(p.chunk_index as i64)),
                    ]);
                    PointStruct::new(p.chunk_index as u64, p.vector.clone(), payload)
                })
                .collect();
            self.client
                .upsert_points(UpsertPointsBuilder::new(&name, structs).wait(true))
                .await
                .map_err(err)?;
        }
        Ok(())
    }

    async fn search(
        &self,
        book_id: Uuid,
        vector: &[f32],
        k: usize,
    ) -> Result<Vec<Passage>, StoreError> {
        let res = self
            .client
            .search_points(
                SearchPointsBuilder::new(book_id.to_string(), vector.to_vec(), k as u64)
                    .with_payload(true),
            )
            .await
            .map_err(err)?;
        Ok(res
            .result
            .into_iter()
            .filter_map(|p| {
                let idx = match p.id.and_then(|id| id.point_id_options) {
                    Some(PointIdOptions::Num(n)) => n as u32,
                    _ => return None,
                };
                Some(Passage {
                    chunk_index: idx,
                    text: text_of(&p.payload),
                    score: p.score,
                })
            })
            .collect())
    }

    async fn count(&self, book_id: Uuid) -> Result<Option<usize>, StoreError> {
        let name = book_id.to_string();
        if !self.client.collection_exists(&name).await.map_err(err)? {
            return Ok(None);
        }
        let res = self
            .client
            .count(CountPointsBuilder::new(&name).exact(true))
            .await
            .map_err(err)?;
        Ok(Some(res.result.map_or(0, |r| r.count as usize)))
    }
}
