//! Optional end-user check: when `SUPABASE_JWT_SECRET` is set, each business request must carry
//! the reader's Supabase access token (`Authorization: Bearer …`, HS256, unexpired, audience
//! `SUPABASE_JWT_AUDIENCE`), and its `sub` must be the body's `user_id`: a caller holding the
//! backend key still cannot act for another reader. 401 when the token is missing or invalid,
//! 403 when it names someone else; both before any work.

use axum::http::{header, HeaderMap, StatusCode};
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use uuid::Uuid;

use crate::app::App;

use super::error::ApiError;

#[derive(Deserialize)]
struct Claims {
    sub: String,
}

/// Checks the bearer token against `user_id` when user tokens are configured.
pub fn require_user(app: &App, headers: &HeaderMap, user_id: Uuid) -> Result<(), ApiError> {
    let Some(secret) = app.config.supabase_jwt_secret.as_deref() else {
        return Ok(());
    };
    let unauthorized = |why: &str| ApiError::new(StatusCode::UNAUTHORIZED, why.to_string());
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| unauthorized("missing Authorization: Bearer <Supabase access token>"))?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[app.config.supabase_jwt_audience.as_str()]);
    validation.set_required_spec_claims(&["exp", "sub", "aud"]);
    let claims = decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
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
