//! In-process exact cosine index, one file per book under `{data_dir}/vectors/`. A book is a few
//! thousand chunks, so brute force over normalised vectors is well under a millisecond; a
//! hand-written scan beats pulling in an ANN crate for this size.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::domain::Passage;
use crate::error::StoreError;
use crate::ports::vector_index::{VectorIndex, VectorPoint};

#[derive(Default, Clone)]
struct Collection {
    dimension: usize,
    /// chunk index → (unit vector, text)
    points: HashMap<u32, (Vec<f32>, String)>,
}

pub struct MemoryVectorIndex {
    dir: Option<PathBuf>,
    collections: RwLock<HashMap<Uuid, Arc<Collection>>>,
}

impl MemoryVectorIndex {
    /// Persists collections under `dir` (loaded lazily), or keeps them in memory when `None`.
    pub fn new(dir: Option<PathBuf>) -> Self {
        MemoryVectorIndex {
            dir,
            collections: RwLock::new(HashMap::new()),
        }
    }

    fn path(&self, book_id: Uuid) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(format!("{book_id}.vec")))
    }

    async fn collection(&self, book_id: Uuid) -> Result<Option<Arc<Collection>>, StoreError> {
        if let Some(c) = self.collections.read().await.get(&book_id) {
            return Ok(Some(c.clone()));
        }
        let Some(path) = self.path(book_id) else {
            return Ok(None);
        };
        let loaded = tokio::task::spawn_blocking(move || load(&path))
            .await
            .map_err(StoreError::unavailable)??;
        let Some(c) = loaded else { return Ok(None) };
        let c = Arc::new(c);
        self.collections.write().await.insert(book_id, c.clone());
        Ok(Some(c))
    }

    async fn save(&self, book_id: Uuid, c: Arc<Collection>) -> Result<(), StoreError> {
        if let Some(path) = self.path(book_id) {
            tokio::task::spawn_blocking(move || save(&path, &c))
                .await
                .map_err(StoreError::unavailable)??;
        }
        Ok(())
    }
}

fn normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

/// File layout: `dim:u32 count:u32` then per point `index:u32 len:u32 text[len] f32[dim]` (LE).
fn save(path: &Path, c: &Collection) -> Result<(), StoreError> {
    let mut buf = Vec::with_capacity(8 + c.points.len() * (c.dimension * 4 + 256));
    buf.extend_from_slice(&(c.dimension as u32).to_le_bytes());
    buf.extend_from_slice(&(c.points.len() as u32).to_le_bytes());
    let mut keys: Vec<_> = c.points.keys().copied().collect();
    keys.sort_unstable();
    for k in keys {
        let (v, text) = &c.points[&k];
        buf.extend_from_slice(&k.to_le_bytes());
        buf.extend_from_slice(&(text.len() as u32).to_le_bytes());
        buf.extend_from_slice(text.as_bytes());
        for x in v {
            buf.extend_from_slice(&x.to_le_bytes());
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, buf)?;
    std::fs::rename(tmp, path)?;
    Ok(())
}

fn load(path: &Path) -> Result<Option<Collection>, StoreError> {
    let buf = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let bad = || StoreError::Invalid(format!("corrupt vector file {}", path.display()));
    let mut pos = 0usize;
    let u32_at = |pos: &mut usize| -> Result<u32, StoreError> {
        let b = buf.get(*pos..*pos + 4).ok_or_else(bad)?;
        *pos += 4;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let dimension = u32_at(&mut pos)? as usize;
    let count = u32_at(&mut pos)? as usize;
    let mut points = HashMap::with_capacity(count);
    for _ in 0..count {
        let k = u32_at(&mut pos)?;
        let len = u32_at(&mut pos)? as usize;
        let text = std::str::from_utf8(buf.get(pos..pos + len).ok_or_else(bad)?)
            .map_err(|_| bad())?
            .to_string();
        pos += len;
        let mut v = Vec::with_capacity(dimension);
        for _ in 0..dimension {
            v.push(f32::from_bits(u32_at(&mut pos)?));
        }
        points.insert(k, (v, text));
    }
    Ok(Some(Collection { dimension, points }))
}

#[async_trait]
impl VectorIndex for MemoryVectorIndex {
    async fn recreate(&self, book_id: Uuid, dimension: usize) -> Result<(), StoreError> {
        let c = Arc::new(Collection {
            dimension,
            points: HashMap::new(),
        });
        self.collections.write().await.insert(book_id, c.clone());
        self.save(book_id, c).await
    }

    async fn upsert(&self, book_id: Uuid, points: Vec<VectorPoint>) -> Result<(), StoreError> {
        let mut c = (*self
            .collection(book_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("vector collection {book_id}")))?)
        .clone();
        for mut p in points {
            if p.vector.len() != c.dimension {
                return Err(StoreError::Invalid(format!(
                    "vector of dimension {} in a collection of dimension {}",
                    p.vector.len(),
                    c.dimension
                )));
            }
            normalise(&mut p.vector);
            c.points.insert(p.chunk_index, (p.vector, p.text));
        }
        let c = Arc::new(c);
        self.collections.write().await.insert(book_id, c.clone());
        self.save(book_id, c).await
    }

    async fn search(
        &self,
        book_id: Uuid,
        vector: &[f32],
        k: usize,
    ) -> Result<Vec<Passage>, StoreError> {
        let Some(c) = self.collection(book_id).await? else {
            return Err(StoreError::NotFound(format!("vector collection {book_id}")));
        };
        if vector.len() != c.dimension {
            return Err(StoreError::Invalid(format!(
                "query of dimension {} against dimension {}",
                vector.len(),
                c.dimension
            )));
        }
        let mut q = vector.to_vec();
        normalise(&mut q);
        let mut scored: Vec<(f32, u32)> = c
            .points
            .iter()
            .map(|(k, (v, _))| (v.iter().zip(&q).map(|(a, b)| a * b).sum::<f32>(), *k))
            .collect();
        scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(scored
            .into_iter()
            .take(k)
            .map(|(score, idx)| Passage {
                chunk_index: idx,
                text: c.points[&idx].1.clone(),
                score,
            })
            .collect())
    }

    async fn count(&self, book_id: Uuid) -> Result<Option<usize>, StoreError> {
        Ok(self.collection(book_id).await?.map(|c| c.points.len()))
    }
}
