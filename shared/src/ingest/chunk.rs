//! Stage `chunk`: splits the book into overlapping passages of about `target_words` words,
//! breaking at paragraph ends where possible. The default, 300 words with 40 repeated, won on
//! the retrieval dev set (BENCHMARKS.md) over 100–250 and 400: a passage holds a whole scene
//! beat for BM25 and for the reply, while a sentence embedder reads its first 256 tokens
//! (about 190 words), the window it was trained on; longer windows embedded worse.

use crate::domain::Chunk;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChunkParams {
    pub target_words: usize,
    pub overlap_words: usize,
}

impl Default for ChunkParams {
    fn default() -> Self {
        ChunkParams {
            target_words: 300,
            overlap_words: 40,
        }
    }
}

pub fn chunk(text: &str, p: ChunkParams) -> Vec<Chunk> {
    let paragraphs: Vec<Vec<&str>> = text
        .split("\n\n")
        .map(|para| para.split_whitespace().collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
        .collect();
    let mut chunks = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let mut fresh = 0usize; // words in `cur` not carried over from the previous chunk
    let flush = |cur: &mut Vec<&str>, fresh: &mut usize, chunks: &mut Vec<Chunk>| {
        if *fresh == 0 {
            return;
        }
        chunks.push(Chunk {
            index: chunks.len() as u32,
            text: cur.join(" "),
        });
        let keep = cur.len().saturating_sub(p.overlap_words);
        cur.drain(..keep);
        *fresh = 0;
    };
    for para in paragraphs {
        for piece in para.chunks(p.target_words.max(1)) {
            if fresh > 0 && cur.len() + piece.len() > p.target_words + p.target_words / 4 {
                flush(&mut cur, &mut fresh, &mut chunks);
            }
            cur.extend_from_slice(piece);
            fresh += piece.len();
            if cur.len() >= p.target_words {
                flush(&mut cur, &mut fresh, &mut chunks);
            }
        }
    }
    flush(&mut cur, &mut fresh, &mut chunks);
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_text_in_order() {
        let text: String = (0..1000).map(|i| format!("w{i} ")).collect::<String>()
            + "\n\n"
            + &(1000..1050).map(|i| format!("w{i} ")).collect::<String>();
        let c = chunk(
            &text,
            ChunkParams {
                target_words: 100,
                overlap_words: 10,
            },
        );
        assert!(c.len() >= 10);
        assert!(c.iter().enumerate().all(|(i, ch)| ch.index as usize == i));
        assert!(c[0].text.starts_with("w0 "));
        assert!(c.last().unwrap().text.ends_with("w1049"));
        // overlap: the second chunk starts with the tail of the first
        assert!(c[1].text.starts_with("w90 "), "{}", &c[1].text[..20]);
        for i in 0..1050 {
            let w = format!("w{i}");
            assert!(
                c.iter().any(|ch| ch.text.split(' ').any(|x| x == w)),
                "{w} missing"
            );
        }
    }

    #[test]
    fn empty_text_has_no_chunks() {
        assert!(chunk("  \n\n ", ChunkParams::default()).is_empty());
    }
}
