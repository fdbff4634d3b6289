//! Deterministic hashing embedder: signed feature hashing of word unigrams and bigrams with
//! sublinear term frequency, L2-normalised. Offline, stable across runs and machines, and good
//! enough for lexical-semantic recall on a single book; a real model replaces it via config.

use async_trait::async_trait;

use crate::error::ModelError;
use crate::ports::Embedder;
use crate::text::{is_stopword, words};

pub struct HashingEmbedder {
    dimension: usize,
}

impl HashingEmbedder {
    pub fn new(dimension: usize) -> Self {
        HashingEmbedder {
            dimension: dimension.max(1),
        }
    }

    pub fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut v = vec![0f32; self.dimension];
        let toks: Vec<String> = words(text)
            .filter(|w| !is_stopword(w))
            .map(|w| stem(&w))
            .collect();
        let mut counts: std::collections::HashMap<u64, f32> = std::collections::HashMap::new();
        for t in &toks {
            *counts.entry(fnv1a(t.as_bytes())).or_default() += 1.0;
        }
        for pair in toks.windows(2) {
            let h = fnv1a(format!("{} {}", pair[0], pair[1]).as_bytes());
            *counts.entry(h).or_default() += 0.5;
        }
        // Character 4-grams of each word (with boundary marks) let related forms share
        // features: "painter" and "painted", "sailor" and "sail".
        for t in &toks {
            let padded: Vec<char> = format!("<{t}>").chars().collect();
            for g in padded.windows(4) {
                let gram: String = g.iter().collect();
                *counts
                    .entry(fnv1a(format!("#{gram}").as_bytes()))
                    .or_default() += 0.25;
            }
        }
        for (h, tf) in counts {
            let slot = (h % self.dimension as u64) as usize;
            let sign = if (h >> 63) & 1 == 1 { -1.0 } else { 1.0 };
            v[slot] += sign * (1.0 + tf.ln());
        }
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if n > 0.0 {
            v.iter_mut().for_each(|x| *x /= n);
        }
        v
    }
}

/// A light suffix stripper so "walked" and "walking" share a feature.
fn stem(w: &str) -> String {
    for suf in ["ingly", "ing", "edly", "ed", "es", "ly", "s"] {
        if w.len() > suf.len() + 3 && w.ends_with(suf) {
            return w[..w.len() - suf.len()].to_string();
        }
    }
    w.to_string()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[async_trait]
impl Embedder for HashingEmbedder {
    fn dimension(&self) -> usize {
        self.dimension
    }

    fn model(&self) -> &str {
        "hashing-v1"
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, ModelError> {
        Ok(texts.iter().map(|t| self.embed_one(t)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cos(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn deterministic_and_similar_texts_are_closer() {
        let e = HashingEmbedder::new(256);
        let a = e.embed_one("The governess walked across the moor at night");
        assert_eq!(
            a,
            e.embed_one("The governess walked across the moor at night")
        );
        let b = e.embed_one("a governess walking on the moor");
        let c = e.embed_one("the bank raised interest rates in London");
        assert!(
            cos(&a, &b) > cos(&a, &c) + 0.2,
            "{} vs {}",
            cos(&a, &b),
            cos(&a, &c)
        );
        assert!((cos(&a, &a) - 1.0).abs() < 1e-4);
    }
}
