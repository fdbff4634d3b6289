//! Redis (or Upstash over `rediss://`) as cache, session lock and job queue, on one multiplexed,
//! auto-reconnecting connection (`ConnectionManager`): no per-request connection set-up. Every
//! call has a timeout, so a Redis outage degrades fast instead of hanging a request.
//!
//! A timed-out call is not a call that did not happen: a Redis that stalls (paused, swapping, a
//! long script) runs the queued command when it resumes. A lock or a stream slot taken that way
//! would belong to a turn that already gave up, and refuse the reader for its whole TTL. So a
//! taking write whose reply does not come is followed by its owner-token undo (compare-and-
//! delete), sent at once on the same connection: Redis runs it right after the stalled write.

use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};

use crate::adapters::memory_kv::random_token;
use crate::error::StoreError;
use crate::ports::{
    Admission, Cache, FleetMetrics, JobQueue, JournalWatch, RateLimiter, SessionLock, StreamJournal,
};

/// The hash holding the fleet's metric totals.
pub const FLEET_METRICS_KEY: &str = "metrics:fleet";

const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// Deletes the key only while it still holds the caller's token.
const RELEASE: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end"#;
/// Extends the key's TTL only while it still holds the caller's token.
const EXTEND: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end"#;

/// Sliding window on a sorted set of event times (server clock, so every instance agrees):
/// returns {1, 0} when counted, {0, ms until the oldest event leaves} when over the limit.
const HIT: &str = r#"
local t = redis.call("TIME")
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local window = tonumber(ARGV[1])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now - window)
if redis.call("ZCARD", KEYS[1]) < tonumber(ARGV[2]) then
  redis.call("ZADD", KEYS[1], now, ARGV[3])
  redis.call("PEXPIRE", KEYS[1], window)
  return {1, 0}
end
local oldest = redis.call("ZRANGE", KEYS[1], 0, 0, "WITHSCORES")
return {0, tonumber(oldest[2]) + window - now}
"#;
/// Slots on a sorted set scored by expiry: expired slots are dropped, then one is taken if free.
const TAKE_SLOT: &str = r#"
local t = redis.call("TIME")
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now)
if redis.call("ZCARD", KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call("ZADD", KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call("PEXPIRE", KEYS[1], ARGV[2])
return 1
"#;

#[derive(Clone)]
pub struct RedisKv {
    /// For the dedicated connections of journal followers (pub/sub needs its own).
    client: redis::Client,
    conn: ConnectionManager,
    release: Script,
    extend: Script,
    hit: Script,
    take_slot: Script,
}

fn err(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable(format!("redis: {e}"))
}

impl RedisKv {
    /// Connects (with a timeout) to `redis://` or `rediss://`.
    pub async fn connect(url: &str) -> Result<RedisKv, StoreError> {
        // rustls needs a process-wide crypto provider for rediss://; installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = redis::Client::open(url).map_err(err)?;
        let conn = tokio::time::timeout(Duration::from_secs(5), client.get_connection_manager())
            .await
            .map_err(|_| StoreError::Unavailable("redis: connect timed out".into()))?
            .map_err(err)?;
        Ok(RedisKv {
            client,
            conn,
            release: Script::new(RELEASE),
            extend: Script::new(EXTEND),
            hit: Script::new(HIT),
            take_slot: Script::new(TAKE_SLOT),
        })
    }

    async fn call<T, F>(&self, f: impl FnOnce(ConnectionManager) -> F) -> Result<T, StoreError>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        tokio::time::timeout(CALL_TIMEOUT, f(self.conn.clone()))
            .await
            .map_err(|_| StoreError::Unavailable("redis: call timed out".into()))?
            .map_err(err)
    }
}

impl RedisKv {
    /// Sends `undo` now and, until Redis answers it or `for_up_to` passes, again; on the same
    /// connection as the write it undoes, so Redis runs it after that write whenever it resumes.
    fn undo_when_back<F, Fut>(&self, what: &'static str, for_up_to: Duration, undo: F)
    where
        F: Fn(ConnectionManager) -> Fut + Send + 'static,
        Fut: Future<Output = redis::RedisResult<()>> + Send,
    {
        let conn = self.conn.clone();
        tokio::spawn(async move {
            let deadline = tokio::time::Instant::now() + for_up_to;
            loop {
                match tokio::time::timeout(CALL_TIMEOUT, undo(conn.clone())).await {
                    Ok(Ok(())) => {
                        tracing::info!(what, "a write whose reply was lost is undone");
                        return;
                    }
                    _ if tokio::time::Instant::now() >= deadline => {
                        tracing::warn!(
                            what,
                            "could not undo a write whose reply was lost; it expires by itself"
                        );
                        return;
                    }
                    _ => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
    }
}

fn ttl_secs(ttl: Duration) -> u64 {
    ttl.as_secs().max(1)
}

#[async_trait]
impl Cache for RedisKv {
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys = keys.to_vec();
        self.call(|mut c| async move { redis::cmd("MGET").arg(&keys).query_async(&mut c).await })
            .await
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        self.call(|mut c| async move { c.set_ex::<_, _, ()>(key, value, ttl_secs(ttl)).await })
            .await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.call(|mut c| async move { c.del::<_, ()>(key).await })
            .await
    }

    async fn ttl(&self, key: &str) -> Result<Option<Duration>, StoreError> {
        let ms: i64 = self.call(|mut c| async move { c.pttl(key).await }).await?;
        Ok((ms >= 0).then(|| Duration::from_millis(ms as u64)))
    }
}

#[async_trait]
impl SessionLock for RedisKv {
    async fn acquire(&self, key: &str, ttl: Duration) -> Result<Option<String>, StoreError> {
        let token = random_token();
        let set: Option<String> = self
            .call(|mut c| {
                let token = token.clone();
                async move {
                    redis::cmd("SET")
                        .arg(key)
                        .arg(token)
                        .arg("NX")
                        .arg("EX")
                        .arg(ttl_secs(ttl))
                        .query_async(&mut c)
                        .await
                }
            })
            .await
            .inspect_err(|_| {
                let (key, token, release) = (key.to_string(), token.clone(), self.release.clone());
                self.undo_when_back("session lock", ttl, move |mut c| {
                    let (key, token, release) = (key.clone(), token.clone(), release.clone());
                    async move { release.key(key).arg(token).invoke_async(&mut c).await }
                });
            })?;
        Ok(set.map(|_| token))
    }

    async fn release(&self, key: &str, token: &str) -> Result<bool, StoreError> {
        let n: i64 = self
            .call(
                |mut c| async move { self.release.key(key).arg(token).invoke_async(&mut c).await },
            )
            .await?;
        Ok(n == 1)
    }

    async fn extend(&self, key: &str, token: &str, ttl: Duration) -> Result<bool, StoreError> {
        let ms = ttl.as_millis() as u64;
        let n: i64 = self
            .call(|mut c| async move {
                self.extend
                    .key(key)
                    .arg(token)
                    .arg(ms)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(n == 1)
    }
}

#[async_trait]
impl JobQueue for RedisKv {
    async fn push(&self, queue: &str, item: &str) -> Result<usize, StoreError> {
        self.call(|mut c| async move { c.rpush(queue, item).await })
            .await
    }

    async fn pop(&self, queue: &str) -> Result<Option<String>, StoreError> {
        self.call(|mut c| async move { c.lpop(queue, None).await })
            .await
    }

    async fn len(&self, queue: &str) -> Result<usize, StoreError> {
        self.call(|mut c| async move { c.llen(queue).await }).await
    }

    async fn claim(&self, queue: &str, in_flight: &str) -> Result<Option<String>, StoreError> {
        self.call(|mut c| async move {
            c.lmove(
                queue,
                in_flight,
                redis::Direction::Left,
                redis::Direction::Right,
            )
            .await
        })
        .await
    }

    async fn ack(&self, in_flight: &str, item: &str) -> Result<bool, StoreError> {
        let removed: usize = self
            .call(|mut c| async move { c.lrem(in_flight, 1, item).await })
            .await?;
        Ok(removed > 0)
    }

    async fn in_flight(&self, in_flight: &str) -> Result<Vec<String>, StoreError> {
        self.call(|mut c| async move { c.lrange(in_flight, 0, -1).await })
            .await
    }
}

#[async_trait]
impl FleetMetrics for RedisKv {
    async fn add(&self, deltas: &[(String, f64)]) -> Result<(), StoreError> {
        if deltas.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for (series, delta) in deltas {
            pipe.hincr(FLEET_METRICS_KEY, series, *delta).ignore();
        }
        self.call(|mut c| async move { pipe.query_async::<()>(&mut c).await })
            .await
    }

    async fn totals(&self) -> Result<Vec<(String, f64)>, StoreError> {
        let all: std::collections::HashMap<String, f64> = self
            .call(|mut c| async move { c.hgetall(FLEET_METRICS_KEY).await })
            .await?;
        Ok(all.into_iter().collect())
    }
}

#[async_trait]
impl RateLimiter for RedisKv {
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<Admission, StoreError> {
        let member = crate::adapters::memory_kv::random_token();
        let (allowed, wait_ms): (i64, i64) = self
            .call(|mut c| async move {
                self.hit
                    .key(key)
                    .arg(window.as_millis() as u64)
                    .arg(limit)
                    .arg(member)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(Admission {
            allowed: allowed == 1,
            retry_after: Duration::from_millis(wait_ms.max(0) as u64),
        })
    }

    async fn take_slot(
        &self,
        key: &str,
        cap: u32,
        ttl: Duration,
    ) -> Result<Option<String>, StoreError> {
        let token = crate::adapters::memory_kv::random_token();
        let taken: i64 = self
            .call(|mut c| {
                let token = token.clone();
                async move {
                    self.take_slot
                        .key(key)
                        .arg(cap)
                        .arg(ttl.as_millis() as u64)
                        .arg(token)
                        .invoke_async(&mut c)
                        .await
                }
            })
            .await
            .inspect_err(|_| {
                let (key, token) = (key.to_string(), token.clone());
                self.undo_when_back("stream slot", ttl, move |mut c| {
                    let (key, token) = (key.clone(), token.clone());
                    async move { c.zrem(key, token).await }
                });
            })?;
        Ok((taken == 1).then_some(token))
    }

    async fn free_slot(&self, key: &str, token: &str) -> Result<(), StoreError> {
        self.call(|mut c| async move { c.zrem(key, token).await })
            .await
    }
}

#[async_trait]
impl StreamJournal for RedisKv {
    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        self.call(|mut c| async move { c.del(key).await }).await
    }

    async fn append(&self, key: &str, entries: &[String], ttl: Duration) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        pipe.rpush(key, entries).ignore();
        pipe.pexpire(key, ttl.as_millis() as i64).ignore();
        pipe.publish(appended_channel(key), entries.len()).ignore();
        self.call(|mut c| async move { pipe.query_async::<()>(&mut c).await })
            .await
    }

    async fn read_from(&self, key: &str, from: usize) -> Result<Vec<String>, StoreError> {
        self.call(|mut c| async move { c.lrange(key, from as isize, -1).await })
            .await
    }

    async fn watch(&self, key: &str) -> Result<Box<dyn JournalWatch>, StoreError> {
        let channel = appended_channel(key);
        let stream = tokio::time::timeout(CALL_TIMEOUT, async {
            let mut pubsub = self.client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(pubsub.into_on_message())
        })
        .await
        .map_err(|_| StoreError::Unavailable("redis: subscribe timed out".into()))?
        .map_err(err)?;
        Ok(Box::new(RedisWatch {
            stream: Some(stream),
        }))
    }
}

/// The channel a journal's appends are announced on.
fn appended_channel(key: &str) -> String {
    format!("{key}:appended")
}

/// Follows a journal through its pub/sub channel, on a connection of its own.
struct RedisWatch {
    stream: Option<redis::aio::PubSubStream>,
}

#[async_trait]
impl JournalWatch for RedisWatch {
    async fn changed(&mut self, max_wait: Duration) -> bool {
        use futures::StreamExt;
        let Some(stream) = self.stream.as_mut() else {
            tokio::time::sleep(max_wait).await;
            return false;
        };
        match tokio::time::timeout(max_wait, stream.next()).await {
            Ok(Some(_)) => true,
            Ok(None) => {
                tracing::warn!("journal subscription lost; following at a slower pace");
                self.stream = None;
                false
            }
            Err(_) => false,
        }
    }
}
