//! The reply's event stream, as ready-to-send SSE frames (`id: {turn}:{seq}\ndata: {json}\n\n`)
//! written into one growing buffer and split off it, so a token costs no allocation of its own
//! here (the buffer grows in blocks; frames share it). Once the turn holds its session lock,
//! every frame is also journalled (`chat:stream:{session_id}`, batched by a writer
//! task so the token path never waits on Redis), and a client that reconnects with
//! `Last-Event-ID` is served the rest of that reply from the journal (`resume`) instead of a new
//! generation: while the turn is still going it follows the journal until the final event,
//! woken by the journal's append notifications (Redis pub/sub), not by polling.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use serde_json::Value;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::app::App;
use crate::http::limits::StreamSlot;

use super::ChatEvent;

/// One complete SSE frame.
pub type Sent = Bytes;

/// How much frame buffer is reserved at a time.
const FRAME_BLOCK: usize = 16 * 1024;

/// How long a finished reply stays resumable.
pub const JOURNAL_TTL: Duration = Duration::from_secs(600);
/// How long a follower waits for an append notification before reading anyway (a safety net:
/// notifications are not stored, and a lost subscription degrades to reading at this pace).
const FOLLOW_RECHECK: Duration = Duration::from_secs(1);
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
/// generated, the rest as it is journalled. `slot` (the resumed stream counts against the
/// user's live streams) is given back when the follow ends.
pub async fn resume(
    app: Arc<App>,
    session: Uuid,
    last_event_id: &str,
    slot: Option<StreamSlot>,
) -> Result<mpsc::Receiver<Sent>, ResumeError> {
    let slot_back = |app: Arc<App>, slot: Option<StreamSlot>| async move {
        if let Some(slot) = slot {
            slot.free(&app).await;
        }
    };
    let Some((turn, last_seq)) = split_id(last_event_id) else {
        slot_back(app, slot).await;
        return Err(ResumeError::BadId);
    };
    let turn = turn.to_string();
    let key = journal_key(session);
    // Subscribed before the first read, so no append between the two goes unnoticed.
    let mut watch = match app.journal.watch(&key).await {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(error = %e, "journal notifications unavailable; following by reading");
            None
        }
    };
    let first = app.journal.read_from(&key, 0).await.unwrap_or_default();
    let same_turn = first
        .first()
        .and_then(|e| parse(e))
        .is_some_and(|(id, _)| split_id(&id).is_some_and(|(t, _)| t == turn));
    if !same_turn {
        slot_back(app, slot).await;
        return Err(ResumeError::Gone);
    }
    let (tx, rx) = mpsc::channel(256);
    tokio::spawn(async move {
        follow(&app, &key, first, last_seq, &tx, watch.as_deref_mut()).await;
        if let Some(slot) = slot {
            slot.free(&app).await;
        }
    });
    Ok(rx)
}

/// Sends the frames after `last_seq`, reading on after each append notification until the
/// final event, the client leaving, or `FOLLOW_FOR`.
async fn follow(
    app: &App,
    key: &str,
    first: Vec<String>,
    last_seq: u64,
    tx: &mpsc::Sender<Sent>,
    mut watch: Option<&mut (dyn crate::ports::JournalWatch + 'static)>,
) {
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
        match watch.as_deref_mut() {
            Some(w) => {
                w.changed(FOLLOW_RECHECK).await;
            }
            None => tokio::time::sleep(FOLLOW_RECHECK / 10).await,
        }
        batch = match app.journal.read_from(key, read).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "stream journal unavailable while resuming");
                return;
            }
        };
    }
}
