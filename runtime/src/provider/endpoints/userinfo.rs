//! UserInfo (OIDC Core §5.3): the claims the granted scopes release, for
//! this provider's own access tokens only (never an ID token), with RFC
//! 6750 challenges for everything else.

use jsonwebtoken::{decode, decode_header, Validation};
use rocket::http::Status;
use rocket::{Request, Response};
use serde_json::{Map, Value};

use crate::authn::bearer_token;
use crate::error::AuthError;
use crate::provider::users::releasable;
use crate::provider::{reply, ProviderState};
use crate::verify::UniqueObject;

/// Why an access token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rejected {
    /// Not a valid access token of this provider: bad signature, another
    /// issuer, expired, an ID token, revoked.
    Invalid,
    /// The store could not say whether it was revoked.
    Unavailable,
}

/// The claims of `token` if it is a valid, unrevoked access token issued
/// here (RFC 9068: `typ` `at+jwt`, signed with a published key, this
/// issuer, not expired).
pub(super) async fn verify_access(
    state: &ProviderState,
    token: &str,
) -> Result<Map<String, Value>, Rejected> {
    let header = decode_header(token).map_err(|_| Rejected::Invalid)?;
    let typ = header.typ.as_deref().unwrap_or("").to_ascii_lowercase();
    if typ != "at+jwt" && typ != "application/at+jwt" {
        return Err(Rejected::Invalid);
    }
    let now = state.now();
    let snapshot = state
        .keys
        .current(&*state.store, now)
        .await
        .map_err(|_| Rejected::Unavailable)?;
    let kid = header.kid.as_deref().ok_or(Rejected::Invalid)?;
    let key = snapshot.published(kid).ok_or(Rejected::Invalid)?;
    let mut validation = Validation::new(key.algorithm.jose());
    validation.set_issuer(&[&state.config.issuer]);
    validation.validate_aud = false;
    validation.leeway = 0;
    // `exp` is checked below on the provider's clock, not jsonwebtoken's
    // system clock (they differ under a test clock).
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    // Read as the guards read claims: a member named twice, at any depth,
    // is refused rather than kept once (`verify::json`).
    let UniqueObject(claims) = decode(token, &key.decoding, &validation)
        .map_err(|_| Rejected::Invalid)?
        .claims;
    // jsonwebtoken reads `exp` on the system clock; the provider's clock
    // decides (the same one that stamped `iat`).
    let exp = claims
        .get("exp")
        .and_then(Value::as_u64)
        .ok_or(Rejected::Invalid)?;
    if exp <= now {
        return Err(Rejected::Invalid);
    }
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .ok_or(Rejected::Invalid)?;
    match state.store.is_revoked(jti).await {
        Ok(false) => Ok(claims),
        Ok(true) => Err(Rejected::Invalid),
        Err(_) => Err(Rejected::Unavailable),
    }
}

/// `GET` and `POST /oauth2/userinfo`.
pub(super) async fn userinfo(state: &ProviderState, request: &Request<'_>) -> Response<'static> {
    // The header is read as the guards read it: one header, scheme `Bearer`
    // in any case, the token's `b64token` syntax checked.
    let token = match bearer_token(request) {
        Ok(Some(token)) => token,
        Ok(None) => {
            return reply::bearer_error(Status::Unauthorized, None, "an access token is required")
        }
        Err(refused) => return refused_credentials(&refused),
    };
    let claims = match verify_access(state, token).await {
        Ok(claims) => claims,
        Err(Rejected::Invalid) => {
            tracing::info!(target: "rocket_warden::provider", "userinfo refused: invalid access token");
            return reply::bearer_error(
                Status::Unauthorized,
                Some("invalid_token"),
                "the access token is invalid, expired or revoked",
            );
        }
        Err(Rejected::Unavailable) => {
            return reply::oauth_error(
                Status::ServiceUnavailable,
                "temporarily_unavailable",
                "the provider cannot answer now; try again",
            )
        }
    };
    let scope = claims.get("scope").and_then(Value::as_str).unwrap_or("");
    let scopes: Vec<&str> = scope.split(' ').collect();
    if !scopes.contains(&"openid") {
        return reply::bearer_error(
            Status::Forbidden,
            Some("insufficient_scope"),
            "the access token was not granted the openid scope",
        );
    }
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
    let Some(user) = state.users.claims(request, sub, &scopes).await else {
        return reply::bearer_error(
            Status::Unauthorized,
            Some("invalid_token"),
            "the user no longer exists",
        );
    };
    let mut body: Map<String, Value> = user
        .into_iter()
        .filter(|(claim, _)| releasable(claim, &scopes))
        .collect();
    body.insert("sub".into(), Value::String(sub.to_owned()));
    reply::no_store(Status::Ok, &Value::Object(body))
}

/// The answer to an `Authorization` header the guards would refuse too, in
/// their terms: another scheme gets a bare challenge (RFC 6750 §3.1), two
/// headers a 400 `invalid_request`, a malformed token a 401
/// `invalid_token`.
fn refused_credentials(refused: &AuthError) -> Response<'static> {
    tracing::info!(target: "rocket_warden::provider", reason = %refused, "userinfo refused: credentials");
    let description = refused.to_string();
    match refused {
        AuthError::UnsupportedScheme => {
            reply::bearer_error(Status::Unauthorized, None, &description)
        }
        AuthError::InvalidRequest(_) => {
            reply::bearer_error(Status::BadRequest, Some("invalid_request"), &description)
        }
        _ => reply::bearer_error(Status::Unauthorized, Some("invalid_token"), &description),
    }
}
