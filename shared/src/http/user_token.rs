//! Optional end-user check: when `SUPABASE_JWT_SECRET` or `SUPABASE_JWKS_URL` is set, each
//! business request must carry the reader's Supabase access token (`Authorization: Bearer …`,
//! unexpired, audience `SUPABASE_JWT_AUDIENCE`), and its `sub` must be the body's `user_id`: a
//! caller holding the backend key still cannot act for another reader. HS256 tokens are checked
//! with the project's secret; ES256 and RS256 tokens (projects on asymmetric signing keys) with
//! the key their `kid` names in the project's JWKS (`http::jwks`). 401 when the token is missing
//! or invalid, 403 when it names someone else, 503 when the keys cannot be fetched; all before
//! any work.

use axum::http::{header, HeaderMap, StatusCode};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use uuid::Uuid;

use crate::app::App;

use super::error::ApiError;
use super::jwks::JwksError;

#[derive(Deserialize)]
struct Claims {
    sub: String,
}

/// Checks the bearer token against `user_id` when user tokens are configured.
pub async fn require_user(app: &App, headers: &HeaderMap, user_id: Uuid) -> Result<(), ApiError> {
    let secret = app.config.supabase_jwt_secret.as_deref();
    if secret.is_none() && app.jwks.is_none() {
        return Ok(());
    }
    let unauthorized = |why: &str| ApiError::new(StatusCode::UNAUTHORIZED, why.to_string());
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| unauthorized("missing Authorization: Bearer <Supabase access token>"))?;
    let head = decode_header(token).map_err(|_| unauthorized("malformed user token"))?;
    let key = match (head.alg, secret, &app.jwks) {
        (Algorithm::HS256, Some(secret), _) => DecodingKey::from_secret(secret.as_bytes()),
        (Algorithm::ES256 | Algorithm::RS256, _, Some(jwks)) => jwks
            .key_for(head.kid.as_deref(), head.alg)
            .await
            .map_err(|e| match e {
                JwksError::Unavailable(_) => {
                    tracing::error!(error = %e, "user token keys unavailable");
                    ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "user tokens cannot be verified right now; try again",
                    )
                }
                other => {
                    tracing::warn!(error = %other, "rejected a user token");
                    unauthorized("invalid or expired user token")
                }
            })?,
        (alg, ..) => {
            tracing::warn!(
                ?alg,
                "rejected a user token signed with an algorithm not configured"
            );
            return Err(unauthorized("invalid or expired user token"));
        }
    };
    let mut validation = Validation::new(head.alg);
    validation.set_audience(&[app.config.supabase_jwt_audience.as_str()]);
    validation.set_required_spec_claims(&["exp", "sub", "aud"]);
    let claims = decode::<Claims>(token, &key, &validation)
        .map_err(|e| {
            tracing::warn!(error = %e, "rejected a user token");
            unauthorized("invalid or expired user token")
        })?
        .claims;
    if claims.sub != user_id.to_string() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "the user token does not belong to user_id",
        ));
    }
    Ok(())
}
