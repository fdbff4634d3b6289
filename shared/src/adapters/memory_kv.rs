//! In-process cache, session lock and job queue with Redis semantics (TTL expiry, `SET NX`,
//! compare-and-delete, FIFO list): the embedded default when `REDIS_URL` is unset.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::error::StoreError;
use crate::ports::{
    Admission, Cache, FleetMetrics, JobQueue, JournalWatch, RateLimiter, SessionLock, StreamJournal,
};

#[derive(Default)]
pub struct MemoryKv {
    values: Mutex<HashMap<String, (String, Option<Instant>)>>,
    lists: Mutex<HashMap<String, VecDeque<String>>>,
    fleet: Mutex<HashMap<String, f64>>,
    /// Sliding windows (event times) and slots (token → expiry), by key.
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
    slots: Mutex<HashMap<String, HashMap<String, Instant>>>,
    /// Append counters of the journals, for their followers.
    appends: Mutex<HashMap<String, tokio::sync::watch::Sender<u64>>>,
}

impl MemoryKv {
    pub fn new() -> Self {
        Self::default()
    }

    fn with_values<T>(
        &self,
        f: impl FnOnce(&mut HashMap<String, (String, Option<Instant>)>) -> T,
    ) -> Result<T, StoreError> {
        let mut map = self
            .values
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned".into()))?;
        let now = Instant::now();
        // Expire lazily, like Redis on access; the map stays small (sessions, characters, books).
        map.retain(|_, (_, exp)| exp.is_none_or(|e| e > now));
        Ok(f(&mut map))
    }
}

impl MemoryKv {
    fn with_lists<T>(
        &self,
        f: impl FnOnce(&mut HashMap<String, VecDeque<String>>) -> T,
    ) -> Result<T, StoreError> {
        let mut lists = self
            .lists
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned".into()))?;
        Ok(f(&mut lists))
    }
}

/// A random 128-bit hex token (the lock owner's proof).
pub fn random_token() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

#[async_trait]
impl Cache for MemoryKv {
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        self.with_values(|m| {
            keys.iter()
                .map(|k| m.get(k).map(|(v, _)| v.clone()))
                .collect()
        })
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        self.with_values(|m| {
            m.insert(
                key.to_string(),
                (value.to_string(), Some(Instant::now() + ttl)),
            );
        })
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.with_values(|m| {
            m.remove(key);
        })
    }

    async fn ttl(&self, key: &str) -> Result<Option<Duration>, StoreError> {
        self.with_values(|m| {
            m.get(key)
                .and_then(|(_, exp)| *exp)
                .map(|e| e.saturating_duration_since(Instant::now()))
        })
    }
}

#[async_trait]
impl SessionLock for MemoryKv {
    async fn acquire(&self, key: &str, ttl: Duration) -> Result<Option<String>, StoreError> {
        self.with_values(|m| {
            if m.contains_key(key) {
                return None;
            }
            let token = random_token();
            m.insert(key.to_string(), (token.clone(), Some(Instant::now() + ttl)));
            Some(token)
        })
    }

    async fn release(&self, key: &str, token: &str) -> Result<bool, StoreError> {
        self.with_values(|m| {
            if m.get(key).is_some_and(|(v, _)| v == token) {
                m.remove(key);
                true
            } else {
                false
            }
        })
    }

    async fn extend(&self, key: &str, token: &str, ttl: Duration) -> Result<bool, StoreError> {
        self.with_values(|m| match m.get_mut(key) {
            Some((v, exp)) if v == token => {
                *exp = Some(Instant::now() + ttl);
                true
            }
            _ => false,
        })
    }
}

#[async_trait]
impl JobQueue for MemoryKv {
    async fn push(&self, queue: &str, item: &str) -> Result<usize, StoreError> {
        let mut lists = self
            .lists
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned".into()))?;
        let list = lists.entry(queue.to_string()).or_default();
        list.push_back(item.to_string());
        Ok(list.len())
    }

    async fn pop(&self, queue: &str) -> Result<Option<String>, StoreError> {
        let mut lists = self
            .lists
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned".into()))?;
        Ok(lists.get_mut(queue).and_then(|l| l.pop_front()))
    }

    async fn len(&self, queue: &str) -> Result<usize, StoreError> {
        self.with_lists(|lists| lists.get(queue).map_or(0, |l| l.len()))
    }

    async fn claim(&self, queue: &str, in_flight: &str) -> Result<Option<String>, StoreError> {
        self.with_lists(|lists| {
            let item = lists.get_mut(queue).and_then(|l| l.pop_front())?;
            lists
                .entry(in_flight.to_string())
                .or_default()
                .push_back(item.clone());
            Some(item)
        })
    }

    async fn ack(&self, in_flight: &str, item: &str) -> Result<bool, StoreError> {
        self.with_lists(|lists| {
            let Some(list) = lists.get_mut(in_flight) else {
                return false;
            };
            match list.iter().position(|i| i == item) {
                Some(at) => list.remove(at).is_some(),
                None => false,
            }
        })
    }

    async fn in_flight(&self, in_flight: &str) -> Result<Vec<String>, StoreError> {
        self.with_lists(|lists| {
            lists
                .get(in_flight)
                .map(|l| l.iter().cloned().collect())
                .unwrap_or_default()
        })
    }
}

#[async_trait]
impl FleetMetrics for MemoryKv {
    async fn add(&self, deltas: &[(String, f64)]) -> Result<(), StoreError> {
        let mut fleet = self
            .fleet
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned".into()))?;
        for (series, delta) in deltas {
            *fleet.entry(series.clone()).or_default() += delta;
        }
        Ok(())
    }

    async fn totals(&self) -> Result<Vec<(String, f64)>, StoreError> {
        let fleet = self
            .fleet
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned".into()))?;
        Ok(fleet.iter().map(|(k, v)| (k.clone(), *v)).collect())
    }
}

#[async_trait]
impl RateLimiter for MemoryKv {
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<Admission, StoreError> {
        let mut windows = self
            .windows
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned".into()))?;
        let now = Instant::now();
        let events = windows.entry(key.to_string()).or_default();
        while events
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            events.pop_front();
        }
        if events.len() < limit as usize {
            events.push_back(now);
            return Ok(Admission {
                allowed: true,
                retry_after: Duration::ZERO,
            });
        }
        let oldest = events.front().copied().unwrap_or(now);
        Ok(Admission {
            allowed: false,
            retry_after: window.saturating_sub(now.duration_since(oldest)),
        })
    }

    async fn take_slot(
        &self,
        key: &str,
        cap: u32,
        ttl: Duration,
    ) -> Result<Option<String>, StoreError> {
        let mut slots = self
            .slots
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned".into()))?;
        let now = Instant::now();
        let held = slots.entry(key.to_string()).or_default();
        held.retain(|_, expiry| *expiry > now);
        if held.len() >= cap as usize {
            return Ok(None);
        }
        let token = random_token();
        held.insert(token.clone(), now + ttl);
        Ok(Some(token))
    }

    async fn free_slot(&self, key: &str, token: &str) -> Result<(), StoreError> {
        let mut slots = self
            .slots
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned".into()))?;
        if let Some(held) = slots.get_mut(key) {
            held.remove(token);
        }
        Ok(())
    }
}

/// Journals live in the list map (their TTL is not enforced in memory: one process, few keys).
#[async_trait]
impl StreamJournal for MemoryKv {
    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        self.with_lists(|lists| {
            lists.remove(key);
        })
    }

    async fn append(
        &self,
        key: &str,
        entries: &[String],
        _ttl: Duration,
    ) -> Result<(), StoreError> {
        self.with_lists(|lists| {
            lists
                .entry(key.to_string())
                .or_default()
                .extend(entries.iter().cloned())
        })?;
        if let Some(tx) = self.appends.lock().ok().and_then(|a| a.get(key).cloned()) {
            tx.send_modify(|n| *n += 1);
        }
        Ok(())
    }

    async fn read_from(&self, key: &str, from: usize) -> Result<Vec<String>, StoreError> {
        self.with_lists(|lists| {
            lists
                .get(key)
                .map(|l| l.iter().skip(from).cloned().collect())
                .unwrap_or_default()
        })
    }

    async fn watch(&self, key: &str) -> Result<Box<dyn JournalWatch>, StoreError> {
        let mut appends = self
            .appends
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned".into()))?;
        let rx = appends
            .entry(key.to_string())
            .or_insert_with(|| tokio::sync::watch::channel(0).0)
            .subscribe();
        Ok(Box::new(MemoryWatch(rx)))
    }
}

/// Follows a memory journal's append counter.
struct MemoryWatch(tokio::sync::watch::Receiver<u64>);

#[async_trait]
impl JournalWatch for MemoryWatch {
    async fn changed(&mut self, max_wait: Duration) -> bool {
        matches!(
            tokio::time::timeout(max_wait, self.0.changed()).await,
            Ok(Ok(()))
        )
    }
}
