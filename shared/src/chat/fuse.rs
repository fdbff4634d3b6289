//! Stage `fuse`/`rerank`: reciprocal rank fusion of the two lists (deduplicated by chunk,
//! weighted), then the reranker over the top candidates, then a character budget for the prompt.
//! A reranker that fails or misses its budget (`RERANK_BUDGET_MS`) leaves the fusion order.

use crate::app::App;
use crate::domain::{Passage, RewrittenQuery};
use std::collections::HashMap;

use super::retrieve::Found;

/// RRF: `score(d) = Σ weight / (k + rank(d))`, rank from 1; the first-seen text wins.
pub fn rrf(lists: &[(&[Passage], f32)], k: f32) -> Vec<Passage> {
    let mut by_chunk: HashMap<u32, Passage> = HashMap::new();
    let mut order = Vec::new();
    for (list, weight) in lists {
        for (rank, p) in list.iter().enumerate() {
            let add = weight / (k + rank as f32 + 1.0);
            by_chunk
                .entry(p.chunk_index)
                .and_modify(|e| e.score += add)
                .or_insert_with(|| {
                    order.push(p.chunk_index);
                    Passage {
                        score: add,
                        ..p.clone()
                    }
                });
        }
    }
    let mut out: Vec<Passage> = order
        .into_iter()
        .filter_map(|c| by_chunk.remove(&c))
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.chunk_index.cmp(&b.chunk_index))
    });
    out
}

/// Keeps passages, best first, while their text fits in `budget` characters (at least one).
pub fn within_budget(passages: Vec<Passage>, budget: usize) -> Vec<Passage> {
    let mut used = 0;
    let mut out = Vec::new();
    for p in passages {
        if !out.is_empty() && used + p.text.len() > budget {
            break;
        }
        used += p.text.len();
        out.push(p);
    }
    out
}

/// The two lists fused with the configured weights and RRF constant.
pub fn fuse(app: &App, found: &Found) -> Vec<Passage> {
    let s = &app.config.chat;
    rrf(
        &[
            (&found.vector, s.vector_weight),
            (&found.lexical, s.lexical_weight),
        ],
        s.rrf_k,
    )
}

/// The best `n` of `fused` as the reranker orders its top `3n`; the fusion order when the
/// reranker fails or misses its budget.
#[tracing::instrument(skip_all, name = "chat.rerank", fields(n))]
pub async fn rerank(app: &App, q: &RewrittenQuery, fused: Vec<Passage>, n: usize) -> Vec<Passage> {
    let s = &app.config.chat;
    let candidates: Vec<Passage> = fused.iter().take(n * 3).cloned().collect();
    match tokio::time::timeout(
        s.rerank_budget,
        app.reranker.rerank(&q.narrative, candidates, n),
    )
    .await
    {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "rerank failed; keeping fusion order");
            fused.into_iter().take(n).collect()
        }
        Err(_) => {
            tracing::warn!(budget = ?s.rerank_budget, "rerank over budget; keeping fusion order");
            fused.into_iter().take(n).collect()
        }
    }
}

#[tracing::instrument(skip_all, name = "chat.fuse")]
pub async fn fuse_and_rerank(app: &App, q: &RewrittenQuery, found: Found) -> Vec<Passage> {
    let s = &app.config.chat;
    let ranked = rerank(app, q, fuse(app, &found), s.context_passages).await;
    within_budget(ranked, s.context_char_budget)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(i: u32) -> Passage {
        Passage {
            chunk_index: i,
            text: format!("chunk {i}"),
            score: 0.0,
        }
    }

    #[test]
    fn rrf_rewards_agreement_and_dedupes() {
        let v = vec![p(1), p(2), p(3)];
        let l = vec![p(3), p(4), p(1)];
        let f = rrf(&[(&v, 1.0), (&l, 1.0)], 60.0);
        let ids: Vec<u32> = f.iter().map(|x| x.chunk_index).collect();
        assert_eq!(ids.len(), 4);
        assert_eq!(&ids[..2], &[1, 3]); // in both lists
                                        // weights move the balance
        let f = rrf(&[(&v, 0.1), (&l, 1.0)], 60.0);
        assert_eq!(f[0].chunk_index, 3);
    }

    #[test]
    fn budget_keeps_at_least_one() {
        let long = Passage {
            chunk_index: 0,
            text: "x".repeat(100),
            score: 1.0,
        };
        assert_eq!(within_budget(vec![long.clone(), long.clone()], 10).len(), 1);
        assert_eq!(within_budget(vec![long.clone(), long], 250).len(), 2);
    }
}
