//! The reply's event stream, as ready-to-send SSE frames (`id: {turn}:{seq}\ndata: {json}\n\n`)
//! written into one growing buffer and split off it, so a token costs no allocation of its own
//! here (the buffer grows in blocks; frames share it). Once the turn holds its session lock,
//! every frame is also journalled (`chat:stream:{session_id}`, batched by a writer
//! task so the token path never waits on Redis), and a client that reconnects with
//! `Last-Event-ID` is served the rest of that reply from the journal (`resume`) instead of a new
//! generation: while the turn is still going it follows the journal until the final event.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use serde_json::Value;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::app::App;

use super::ChatEvent;

/// One complete SSE frame.
pub type Sent = Bytes;

/// How much frame buffer is reserved at a time.
const FRAME_BLOCK: usize = 16 * 1024;

/// How long a finished reply stays resumable.
pub const JOURNAL_TTL: Duration = Duration::from_secs(600);
/// How often a resumed stream looks for new events of a reply still being generated.
const FOLLOW_EVERY: Duration = Duration::from_millis(40);
/// How long a resumed stream follows a reply at most.
const FOLLOW_FOR: Duration = Duration::from_secs(300);

pub fn journal_key(session: Uuid) -> String {
    format!("chat:stream:{session}")
}

/// Numbers, sends and (once started) journals the events of one turn.
pub struct Emitter {
    tx: mpsc::Sender<Sent>,
    turn: String,
    seq: u64,
    frames: BytesMut,
    journal: Option<mpsc::UnboundedSender<Bytes>>,
}

impl Emitter {
    pub fn new(tx: mpsc::Sender<Sent>) -> Emitter {
        Emitter {
            tx,
            turn: Uuid::new_v4().simple().to_string(),
            seq: 0,
            frames: BytesMut::with_capacity(FRAME_BLOCK),
            journal: None,
        }
    }

    /// Starts journalling this turn's events for `session` (call while holding its lock). If the
    /// journal store fails the reply still streams; it just cannot be resumed.
    pub async fn start_journal(&mut self, app: Arc<App>, session: Uuid) {
        let key = journal_key(session);
        if let Err(e) = app.journal.reset(&key).await {
            tracing::warn!(error = %e, "stream journal unavailable; this reply cannot be resumed");
            return;
        }
        let (tx, mut rx) = mpsc::unbounded_channel::<Bytes>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while let Ok(more) = rx.try_recv() {
                    batch.push(more);
                }
                let batch: Vec<String> = batch
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                if let Err(e) = app.journal.append(&key, &batch, JOURNAL_TTL).await {
                    tracing::warn!(error = %e, "stream journal write failed");
                }
            }
        });
        self.journal = Some(tx);
    }

    /// Sends one event; a client that has gone away is not an error (the turn goes on).
    pub async fn emit(&mut self, ev: ChatEvent) {
        use std::fmt::Write as _;
        self.seq += 1;
        if self.frames.capacity() - self.frames.len() < 512 {
            self.frames.reserve(FRAME_BLOCK);
        }
        let _ = write!(self.frames, "id: {}:{}\ndata: ", self.turn, self.seq);
        if ev.write_data((&mut self.frames).writer()).is_err() {
            self.frames
                .extend_from_slice(br#"{"error":"unserialisable event","code":500}"#);
        }
        self.frames.extend_from_slice(b"\n\n");
        let frame = self.frames.split().freeze();
        if let Some(journal) = &self.journal {
            let _ = journal.send(frame.clone());
        }
        let _ = self.tx.send(frame).await;
    }
}

/// Why a reply cannot be resumed.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error("Last-Event-ID must look like <turn>:<number>")]
    BadId,
    #[error(
        "there is no reply to resume for this session (it finished long ago or another began)"
    )]
    Gone,
}

/// The id and `data` JSON of a journalled frame.
fn parse(frame: &str) -> Option<(String, Value)> {
    let mut id = None;
    let mut data = None;
    for line in frame.lines() {
        if let Some(v) = line.strip_prefix("id: ") {
            id = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("data: ") {
            data = serde_json::from_str(v).ok();
        }
    }
    Some((id?, data?))
}

fn split_id(id: &str) -> Option<(&str, u64)> {
    let (turn, seq) = id.split_once(':')?;
    Some((turn, seq.parse().ok()?))
}

fn is_final(data: &Value) -> bool {
    data.get("done").is_some() || data.get("error").is_some()
}

/// The events of `session`'s reply after `last_event_id`, then, while the reply is still being
/// generated, the rest as it is journalled.
pub async fn resume(
    app: Arc<App>,
    session: Uuid,
    last_event_id: &str,
) -> Result<mpsc::Receiver<Sent>, ResumeError> {
    let (turn, last_seq) = split_id(last_event_id).ok_or(ResumeError::BadId)?;
    let turn = turn.to_string();
    let key = journal_key(session);
    let first = app
        .journal
        .read_from(&key, 0)
        .await
        .map_err(|_| ResumeError::Gone)?;
    let same_turn = first
        .first()
        .and_then(|e| parse(e))
        .is_some_and(|(id, _)| split_id(&id).is_some_and(|(t, _)| t == turn));
    if !same_turn {
        return Err(ResumeError::Gone);
    }
    let (tx, rx) = mpsc::channel(256);
    tokio::spawn(async move {
        let started = Instant::now();
        let mut batch = first;
        let mut read = 0;
        loop {
            read += batch.len();
            for frame in batch {
                let Some((id, data)) = parse(&frame) else {
                    continue;
                };
                let seq = split_id(&id).map_or(0, |(_, s)| s);
                if seq <= last_seq {
                    continue;
                }
                let last = is_final(&data);
                if tx.send(Bytes::from(frame)).await.is_err() || last {
                    return;
                }
            }
            if started.elapsed() > FOLLOW_FOR {
                return;
            }
            tokio::time::sleep(FOLLOW_EVERY).await;
            batch = match app.journal.read_from(&key, read).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "stream journal unavailable while resuming");
                    return;
                }
            };
        }
    });
    Ok(rx)
}
