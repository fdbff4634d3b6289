//! A Qdrant stand-in for tests: a real gRPC server built on qdrant-client's own generated
//! `collections_server::Collections` and `points_server::Points` traits, backed by the embedded
//! vector index. So the Qdrant adapter runs the real client and wire format (protobuf over
//! HTTP/2); only the storage engine differs. Methods the adapter does not use answer
//! `UNIMPLEMENTED` (the traits have no default methods).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use qdrant_client::qdrant as q;
use qdrant_client::qdrant::collections_server::{Collections, CollectionsServer};
use qdrant_client::qdrant::points_server::{Points, PointsServer};
use shared::adapters::memory_vector::MemoryVectorIndex;
use shared::ports::vector_index::{VectorIndex, VectorPoint};
use tonic::{Request, Response, Status};
use uuid::Uuid;

#[derive(Clone)]
pub struct FakeQdrant {
    index: Arc<MemoryVectorIndex>,
    /// collection name → dimension
    collections: Arc<Mutex<HashMap<String, u64>>>,
}

impl FakeQdrant {
    fn book(&self, name: &str) -> Result<Uuid, Status> {
        if !self.collections.lock().unwrap().contains_key(name) {
            return Err(Status::not_found(format!(
                "Collection `{name}` doesn't exist!"
            )));
        }
        Uuid::parse_str(name)
            .map_err(|_| Status::invalid_argument("collection names are book ids here"))
    }
}

fn store_err(e: shared::error::StoreError) -> Status {
    Status::internal(e.to_string())
}

/// Serves the stand-in on a loopback port; returns its URL for `QDRANT_URL`.
pub async fn start() -> String {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let svc = FakeQdrant {
        index: Arc::new(MemoryVectorIndex::new(None)),
        collections: Default::default(),
    };
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(CollectionsServer::new(svc.clone()))
            .add_service(PointsServer::new(svc))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    format!("http://{addr}")
}

#[tonic::async_trait]
impl Collections for FakeQdrant {
    async fn create(
        &self,
        r: Request<q::CreateCollection>,
    ) -> Result<Response<q::CollectionOperationResponse>, Status> {
        let r = r.into_inner();
        let dim = match r.vectors_config.and_then(|c| c.config) {
            Some(q::vectors_config::Config::Params(p)) => {
                if p.distance != q::Distance::Cosine as i32 {
                    return Err(Status::invalid_argument(
                        "only cosine collections are expected",
                    ));
                }
                p.size
            }
            _ => {
                return Err(Status::invalid_argument(
                    "a single unnamed dense vector config is expected",
                ))
            }
        };
        {
            let mut c = self.collections.lock().unwrap();
            if c.contains_key(&r.collection_name) {
                return Err(Status::already_exists(format!(
                    "Collection `{}` already exists!",
                    r.collection_name
                )));
            }
            c.insert(r.collection_name.clone(), dim);
        }
        let book = self.book(&r.collection_name)?;
        self.index
            .recreate(book, dim as usize)
            .await
            .map_err(store_err)?;
        Ok(Response::new(q::CollectionOperationResponse {
            result: true,
            time: 0.0,
        }))
    }

    async fn delete(
        &self,
        r: Request<q::DeleteCollection>,
    ) -> Result<Response<q::CollectionOperationResponse>, Status> {
        let removed = self
            .collections
            .lock()
            .unwrap()
            .remove(&r.into_inner().collection_name)
            .is_some();
        Ok(Response::new(q::CollectionOperationResponse {
            result: removed,
            time: 0.0,
        }))
    }

    async fn collection_exists(
        &self,
        r: Request<q::CollectionExistsRequest>,
    ) -> Result<Response<q::CollectionExistsResponse>, Status> {
        let exists = self
            .collections
            .lock()
            .unwrap()
            .contains_key(&r.into_inner().collection_name);
        Ok(Response::new(q::CollectionExistsResponse {
            result: Some(q::CollectionExists { exists }),
            time: 0.0,
        }))
    }

    async fn get(
        &self,
        _: Request<q::GetCollectionInfoRequest>,
    ) -> Result<Response<q::GetCollectionInfoResponse>, Status> {
        Err(Status::unimplemented("get"))
    }
    async fn list(
        &self,
        _: Request<q::ListCollectionsRequest>,
    ) -> Result<Response<q::ListCollectionsResponse>, Status> {
        Err(Status::unimplemented("list"))
    }
    async fn update(
        &self,
        _: Request<q::UpdateCollection>,
    ) -> Result<Response<q::CollectionOperationResponse>, Status> {
        Err(Status::unimplemented("update"))
    }
    async fn update_aliases(
        &self,
        _: Request<q::ChangeAliases>,
    ) -> Result<Response<q::CollectionOperationResponse>, Status> {
        Err(Status::unimplemented("update_aliases"))
    }
    async fn list_collection_aliases(
        &self,
        _: Request<q::ListCollectionAliasesRequest>,
    ) -> Result<Response<q::ListAliasesResponse>, Status> {
        Err(Status::unimplemented("list_collection_aliases"))
    }
    async fn list_aliases(
        &self,
        _: Request<q::ListAliasesRequest>,
    ) -> Result<Response<q::ListAliasesResponse>, Status> {
        Err(Status::unimplemented("list_aliases"))
    }
    async fn collection_cluster_info(
        &self,
        _: Request<q::CollectionClusterInfoRequest>,
    ) -> Result<Response<q::CollectionClusterInfoResponse>, Status> {
        Err(Status::unimplemented("collection_cluster_info"))
    }
    async fn update_collection_cluster_setup(
        &self,
        _: Request<q::UpdateCollectionClusterSetupRequest>,
    ) -> Result<Response<q::UpdateCollectionClusterSetupResponse>, Status> {
        Err(Status::unimplemented("update_collection_cluster_setup"))
    }
    async fn create_shard_key(
        &self,
        _: Request<q::CreateShardKeyRequest>,
    ) -> Result<Response<q::CreateShardKeyResponse>, Status> {
        Err(Status::unimplemented("create_shard_key"))
    }
    async fn delete_shard_key(
        &self,
        _: Request<q::DeleteShardKeyRequest>,
    ) -> Result<Response<q::DeleteShardKeyResponse>, Status> {
        Err(Status::unimplemented("delete_shard_key"))
    }
    async fn list_shard_keys(
        &self,
        _: Request<q::ListShardKeysRequest>,
    ) -> Result<Response<q::ListShardKeysResponse>, Status> {
        Err(Status::unimplemented("list_shard_keys"))
    }
}

#[tonic::async_trait]
impl Points for FakeQdrant {
    async fn upsert(
        &self,
        r: Request<q::UpsertPoints>,
    ) -> Result<Response<q::PointsOperationResponse>, Status> {
        let r = r.into_inner();
        let book = self.book(&r.collection_name)?;
        let mut points = Vec::with_capacity(r.points.len());
        for p in r.points {
            let id = match p.id.and_then(|i| i.point_id_options) {
                Some(q::point_id::PointIdOptions::Num(n)) => n as u32,
                _ => return Err(Status::invalid_argument("numeric point ids are expected")),
            };
            #[allow(deprecated)]
            let vector = match p.vectors.and_then(|v| v.vectors_options) {
                Some(q::vectors::VectorsOptions::Vector(v)) => match v.vector {
                    Some(q::vector::Vector::Dense(d)) => d.data,
                    _ => v.data,
                },
                _ => return Err(Status::invalid_argument("a dense vector is expected")),
            };
            let text = match p.payload.get("text").and_then(|v| v.kind.clone()) {
                Some(q::value::Kind::StringValue(s)) => s,
                _ => return Err(Status::invalid_argument("payload.text is expected")),
            };
            points.push(VectorPoint {
                chunk_index: id,
                vector,
                text,
            });
        }
        self.index
            .upsert(book, points)
            .await
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        Ok(Response::new(q::PointsOperationResponse {
            result: Some(q::UpdateResult {
                operation_id: Some(0),
                status: q::UpdateStatus::Completed as i32,
            }),
            time: 0.0,
            usage: None,
        }))
    }

    async fn search(
        &self,
        r: Request<q::SearchPoints>,
    ) -> Result<Response<q::SearchResponse>, Status> {
        let r = r.into_inner();
        let book = self.book(&r.collection_name)?;
        let hits = self
            .index
            .search(book, &r.vector, r.limit as usize)
            .await
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let with_payload = r.with_payload.is_some();
        let result = hits
            .into_iter()
            .map(|h| q::ScoredPoint {
                id: Some(q::PointId::from(h.chunk_index as u64)),
                payload: if with_payload {
                    HashMap::from([
                        ("text".to_string(), q::Value::from(h.text)),
                        (
                            "chunk_index".to_string(),
                            q::Value::from(h.chunk_index as i64),
                        ),
                    ])
                } else {
                    HashMap::new()
                },
                score: h.score,
                ..Default::default()
            })
            .collect();
        Ok(Response::new(q::SearchResponse {
            result,
            time: 0.0,
            usage: None,
        }))
    }

    async fn count(
        &self,
        r: Request<q::CountPoints>,
    ) -> Result<Response<q::CountResponse>, Status> {
        let book = self.book(&r.into_inner().collection_name)?;
        let n = self
            .index
            .count(book)
            .await
            .map_err(store_err)?
            .unwrap_or(0);
        Ok(Response::new(q::CountResponse {
            result: Some(q::CountResult { count: n as u64 }),
            time: 0.0,
            usage: None,
        }))
    }

    async fn delete(
        &self,
        _: Request<q::DeletePoints>,
    ) -> Result<Response<q::PointsOperationResponse>, Status> {
        Err(Status::unimplemented("delete"))
    }
    async fn get(&self, _: Request<q::GetPoints>) -> Result<Response<q::GetResponse>, Status> {
        Err(Status::unimplemented("get"))
    }
    async fn update_vectors(
        &self,
        _: Request<q::UpdatePointVectors>,
    ) -> Result<Response<q::PointsOperationResponse>, Status> {
        Err(Status::unimplemented("update_vectors"))
    }
    async fn delete_vectors(
        &self,
        _: Request<q::DeletePointVectors>,
    ) -> Result<Response<q::PointsOperationResponse>, Status> {
        Err(Status::unimplemented("delete_vectors"))
    }
    async fn set_payload(
        &self,
        _: Request<q::SetPayloadPoints>,
    ) -> Result<Response<q::PointsOperationResponse>, Status> {
        Err(Status::unimplemented("set_payload"))
    }
    async fn overwrite_payload(
        &self,
        _: Request<q::SetPayloadPoints>,
    ) -> Result<Response<q::PointsOperationResponse>, Status> {
        Err(Status::unimplemented("overwrite_payload"))
    }
    async fn delete_payload(
        &self,
        _: Request<q::DeletePayloadPoints>,
    ) -> Result<Response<q::PointsOperationResponse>, Status> {
        Err(Status::unimplemented("delete_payload"))
    }
    async fn clear_payload(
        &self,
        _: Request<q::ClearPayloadPoints>,
    ) -> Result<Response<q::PointsOperationResponse>, Status> {
        Err(Status::unimplemented("clear_payload"))
    }
    async fn create_field_index(
        &self,
        _: Request<q::CreateFieldIndexCollection>,
    ) -> Result<Response<q::PointsOperationResponse>, Status> {
        Err(Status::unimplemented("create_field_index"))
    }
    async fn delete_field_index(
        &self,
        _: Request<q::DeleteFieldIndexCollection>,
    ) -> Result<Response<q::PointsOperationResponse>, Status> {
        Err(Status::unimplemented("delete_field_index"))
    }
    async fn create_vector_name(
        &self,
        _: Request<q::CreateVectorNameRequest>,
    ) -> Result<Response<q::PointsOperationResponse>, Status> {
        Err(Status::unimplemented("create_vector_name"))
    }
    async fn delete_vector_name(
        &self,
        _: Request<q::DeleteVectorNameRequest>,
    ) -> Result<Response<q::PointsOperationResponse>, Status> {
        Err(Status::unimplemented("delete_vector_name"))
    }
    async fn search_batch(
        &self,
        _: Request<q::SearchBatchPoints>,
    ) -> Result<Response<q::SearchBatchResponse>, Status> {
        Err(Status::unimplemented("search_batch"))
    }
    async fn search_groups(
        &self,
        _: Request<q::SearchPointGroups>,
    ) -> Result<Response<q::SearchGroupsResponse>, Status> {
        Err(Status::unimplemented("search_groups"))
    }
    async fn scroll(
        &self,
        _: Request<q::ScrollPoints>,
    ) -> Result<Response<q::ScrollResponse>, Status> {
        Err(Status::unimplemented("scroll"))
    }
    async fn recommend(
        &self,
        _: Request<q::RecommendPoints>,
    ) -> Result<Response<q::RecommendResponse>, Status> {
        Err(Status::unimplemented("recommend"))
    }
    async fn recommend_batch(
        &self,
        _: Request<q::RecommendBatchPoints>,
    ) -> Result<Response<q::RecommendBatchResponse>, Status> {
        Err(Status::unimplemented("recommend_batch"))
    }
    async fn recommend_groups(
        &self,
        _: Request<q::RecommendPointGroups>,
    ) -> Result<Response<q::RecommendGroupsResponse>, Status> {
        Err(Status::unimplemented("recommend_groups"))
    }
    async fn discover(
        &self,
        _: Request<q::DiscoverPoints>,
    ) -> Result<Response<q::DiscoverResponse>, Status> {
        Err(Status::unimplemented("discover"))
    }
    async fn discover_batch(
        &self,
        _: Request<q::DiscoverBatchPoints>,
    ) -> Result<Response<q::DiscoverBatchResponse>, Status> {
        Err(Status::unimplemented("discover_batch"))
    }
    async fn update_batch(
        &self,
        _: Request<q::UpdateBatchPoints>,
    ) -> Result<Response<q::UpdateBatchResponse>, Status> {
        Err(Status::unimplemented("update_batch"))
    }
    async fn query(
        &self,
        _: Request<q::QueryPoints>,
    ) -> Result<Response<q::QueryResponse>, Status> {
        Err(Status::unimplemented("query"))
    }
    async fn query_batch(
        &self,
        _: Request<q::QueryBatchPoints>,
    ) -> Result<Response<q::QueryBatchResponse>, Status> {
        Err(Status::unimplemented("query_batch"))
    }
    async fn query_groups(
        &self,
        _: Request<q::QueryPointGroups>,
    ) -> Result<Response<q::QueryGroupsResponse>, Status> {
        Err(Status::unimplemented("query_groups"))
    }
    async fn facet(
        &self,
        _: Request<q::FacetCounts>,
    ) -> Result<Response<q::FacetResponse>, Status> {
        Err(Status::unimplemented("facet"))
    }
    async fn search_matrix_pairs(
        &self,
        _: Request<q::SearchMatrixPoints>,
    ) -> Result<Response<q::SearchMatrixPairsResponse>, Status> {
        Err(Status::unimplemented("search_matrix_pairs"))
    }
    async fn search_matrix_offsets(
        &self,
        _: Request<q::SearchMatrixPoints>,
    ) -> Result<Response<q::SearchMatrixOffsetsResponse>, Status> {
        Err(Status::unimplemented("search_matrix_offsets"))
    }
}
