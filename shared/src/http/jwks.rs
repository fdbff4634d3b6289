//! The Supabase project's signing keys (`SUPABASE_JWKS_URL`, e.g.
//! `https://<project>.supabase.co/auth/v1/.well-known/jwks.json`), for user tokens signed with
//! asymmetric keys (ES256, RS256). Fetched on first use, kept as long as its `Cache-Control:
//! max-age` says (10 s to a day; 5 minutes when unsaid), fetched again at once when a token
//! names a key it does not hold (a rotation), but such early fetches at most every 10 s, so
//! random `kid`s cannot make the service hammer the project. When a refresh fails the keys already held keep serving.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};
use tokio::sync::RwLock;

const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);
const MIN_MAX_AGE: Duration = Duration::from_secs(10);
const MAX_MAX_AGE: Duration = Duration::from_secs(86_400);
/// The shortest interval between two early fetches caused by unknown key ids.
const MIN_REFETCH: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    #[error("the token names no key this project publishes")]
    UnknownKey,
    #[error("the project's signing key does not fit the token: {0}")]
    BadKey(String),
    #[error("the project's signing keys could not be fetched: {0}")]
    Unavailable(String),
}

struct Held {
    keys: JwkSet,
    fresh_until: Instant,
    /// When an unknown key id last caused a fetch.
    early_fetch_at: Option<Instant>,
}

pub struct JwksCache {
    url: String,
    http: reqwest::Client,
    held: RwLock<Option<Held>>,
}

/// `max-age` of a `Cache-Control` value, bounded.
fn max_age(cache_control: Option<&str>) -> Duration {
    let secs = cache_control.and_then(|v| {
        v.split(',')
            .filter_map(|d| d.trim().strip_prefix("max-age="))
            .find_map(|n| n.trim().parse::<u64>().ok())
    });
    secs.map_or(DEFAULT_MAX_AGE, Duration::from_secs)
        .clamp(MIN_MAX_AGE, MAX_MAX_AGE)
}

impl JwksCache {
    pub fn new(url: &str) -> Result<JwksCache, reqwest::Error> {
        Ok(JwksCache {
            url: url.to_string(),
            http: reqwest::Client::builder().timeout(FETCH_TIMEOUT).build()?,
            held: RwLock::new(None),
        })
    }

    /// The key `kid` names, for a token signed with `alg`.
    pub async fn key_for(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<DecodingKey, JwksError> {
        let early_fetch_allowed = |h: &Held| {
            h.early_fetch_at
                .is_none_or(|at| at.elapsed() >= MIN_REFETCH)
        };
        {
            let held = self.held.read().await;
            if let Some(h) = held.as_ref().filter(|h| Instant::now() < h.fresh_until) {
                if let Some(key) = pick(&h.keys, kid, alg)? {
                    return Ok(key);
                }
                if !early_fetch_allowed(h) {
                    return Err(JwksError::UnknownKey);
                }
            }
        }
        let mut held = self.held.write().await;
        // Decide again under the write lock: another request may have fetched meanwhile.
        let (fresh, known) = match held.as_ref() {
            Some(h) => (
                Instant::now() < h.fresh_until,
                pick(&h.keys, kid, alg)?.is_some(),
            ),
            None => (false, false),
        };
        if !fresh || (!known && held.as_ref().is_some_and(early_fetch_allowed)) {
            let early = fresh;
            match self.fetch().await {
                Ok(mut new) => {
                    new.early_fetch_at = if early {
                        Some(Instant::now())
                    } else {
                        held.as_ref().and_then(|h| h.early_fetch_at)
                    };
                    *held = Some(new);
                }
                Err(e) if held.is_some() => {
                    tracing::warn!(error = %e, "JWKS refresh failed; keeping the keys held");
                    // Not again for a while: every request would wait out the timeout.
                    if let Some(h) = held.as_mut() {
                        h.early_fetch_at = Some(Instant::now());
                        h.fresh_until = h.fresh_until.max(Instant::now() + MIN_REFETCH);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        let h = held.as_ref().ok_or(JwksError::UnknownKey)?;
        pick(&h.keys, kid, alg)?.ok_or(JwksError::UnknownKey)
    }

    async fn fetch(&self) -> Result<Held, JwksError> {
        let unavailable = |e: reqwest::Error| JwksError::Unavailable(e.to_string());
        let resp = self
            .http
            .get(&self.url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(unavailable)?;
        let age = max_age(
            resp.headers()
                .get(reqwest::header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
        );
        let keys: JwkSet = resp.json().await.map_err(unavailable)?;
        tracing::info!(
            keys = keys.keys.len(),
            ?age,
            "fetched the project's signing keys"
        );
        Ok(Held {
            keys,
            fresh_until: Instant::now() + age,
            early_fetch_at: None,
        })
    }
}

/// The key named `kid` (or the only key when the token names none), if its algorithm, when
/// published, is the token's.
fn pick(
    keys: &JwkSet,
    kid: Option<&str>,
    alg: Algorithm,
) -> Result<Option<DecodingKey>, JwksError> {
    let jwk = match kid {
        Some(kid) => keys.find(kid),
        None if keys.keys.len() == 1 => keys.keys.first(),
        None => None,
    };
    let Some(jwk) = jwk else {
        return Ok(None);
    };
    if let Some(key_alg) = jwk.common.key_algorithm {
        if key_alg.to_string() != format!("{alg:?}") {
            return Err(JwksError::BadKey(format!(
                "key is for {key_alg}, token is {alg:?}"
            )));
        }
    }
    DecodingKey::from_jwk(jwk)
        .map(Some)
        .map_err(|e| JwksError::BadKey(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_read_and_bounded() {
        assert_eq!(
            max_age(Some("public, max-age=600")),
            Duration::from_secs(600)
        );
        assert_eq!(max_age(Some("max-age=0, must-revalidate")), MIN_MAX_AGE);
        assert_eq!(max_age(Some("max-age=99999999")), MAX_MAX_AGE);
        assert_eq!(max_age(Some("no-cache")), DEFAULT_MAX_AGE);
        assert_eq!(max_age(None), DEFAULT_MAX_AGE);
    }
}
