//! Revocation (RFC 7009) and introspection (RFC 7662), both for
//! authenticated clients only.

use rocket::http::Status;
use rocket::{Request, Response};
use serde_json::{json, Value};

use super::token::Refusal;
use super::userinfo::{verify_access, Rejected};
use crate::provider::clients;
use crate::provider::config::ClientConfig;
use crate::provider::params::Params;
use crate::provider::store::{Family, StoreError};
use crate::provider::{reply, tokens, ProviderState};

/// The client and the `token` parameter of a request.
fn client_and_token<'s, 'p>(
    state: &'s ProviderState,
    request: &Request<'_>,
    params: &'p Params,
) -> Result<(&'s ClientConfig, &'p str), Refusal> {
    let client =
        clients::authenticate(&state.config, request.headers(), params).map_err(Refusal::client)?;
    if client.is_public() {
        return Err(Refusal::client(clients::ClientRefusal::Missing));
    }
    if let Some(name) = params.repeated() {
        return Err(Refusal(
            Status::BadRequest,
            "invalid_request",
            format!("the parameter `{name}` was given more than once"),
        ));
    }
    let token = params.get("token").ok_or_else(|| {
        Refusal(
            Status::BadRequest,
            "invalid_request",
            "the request has no token".to_owned(),
        )
    })?;
    Ok((client, token))
}

/// The family a current refresh token belongs to, if it is live.
async fn live_family(state: &ProviderState, token: &str) -> Result<Option<Family>, StoreError> {
    let digest = tokens::digest(token);
    let family = state.store.family_of(&digest).await?;
    Ok(family.filter(|family| {
        !family.revoked && family.current == digest && family.expires_at > state.now()
    }))
}

/// `POST /oauth2/revoke`: a refresh token revokes its family (and the
/// access tokens issued from it), an access token itself. Unknown tokens
/// are a 200 too (RFC 7009 §2.2).
pub(super) async fn revoke(
    state: &ProviderState,
    request: &Request<'_>,
    params: Params,
) -> Response<'static> {
    match revoke_token(state, request, &params).await {
        Ok(()) => reply::no_store(Status::Ok, &json!({})),
        Err(refusal) => refusal.response("revoke"),
    }
}

async fn revoke_token(
    state: &ProviderState,
    request: &Request<'_>,
    params: &Params,
) -> Result<(), Refusal> {
    let (client, token) = client_and_token(state, request, params)?;
    let not_yours = || {
        Refusal(
            Status::BadRequest,
            "invalid_request",
            "the token was not issued to this client".to_owned(),
        )
    };
    if let Some(family) = state.store.family_of(&tokens::digest(token)).await? {
        if family.client_id != client.id {
            return Err(not_yours());
        }
        state.store.revoke_family(&family.id).await?;
        tracing::info!(target: "rocket_warden::provider", client = %client.id, "refresh token family revoked");
        return Ok(());
    }
    match verify_access(state, token).await {
        Ok(claims) => {
            if claims.get("client_id").and_then(Value::as_str) != Some(client.id.as_str()) {
                return Err(not_yours());
            }
            let jti = claims
                .get("jti")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let exp = claims
                .get("exp")
                .and_then(Value::as_u64)
                .unwrap_or_default();
            state.store.revoke_access(jti, exp, state.now()).await?;
            tracing::info!(target: "rocket_warden::provider", client = %client.id, "access token revoked");
            Ok(())
        }
        Err(Rejected::Unavailable) => {
            Err(StoreError("revocation list unavailable".to_owned()).into())
        }
        Err(Rejected::Invalid) => Ok(()),
    }
}

/// `POST /oauth2/introspect`: whether a token is active, and what it says.
/// Any confidential client may introspect an access token (resource
/// servers do); a refresh token only its own client.
pub(super) async fn introspect(
    state: &ProviderState,
    request: &Request<'_>,
    params: Params,
) -> Response<'static> {
    match describe(state, request, &params).await {
        Ok(body) => reply::no_store(Status::Ok, &body),
        Err(refusal) => refusal.response("introspect"),
    }
}

async fn describe(
    state: &ProviderState,
    request: &Request<'_>,
    params: &Params,
) -> Result<Value, Refusal> {
    let (client, token) = client_and_token(state, request, params)?;
    if let Some(family) = live_family(state, token).await? {
        if family.client_id != client.id {
            return Ok(json!({"active": false}));
        }
        return Ok(json!({
            "active": true,
            "token_type": "refresh_token",
            "client_id": family.client_id,
            "sub": family.sub,
            "scope": family.scope,
            "exp": family.expires_at,
            "iss": state.config.issuer,
        }));
    }
    match verify_access(state, token).await {
        Ok(claims) => {
            let mut body = json!({"active": true, "token_type": "Bearer"});
            for name in [
                "scope",
                "client_id",
                "sub",
                "exp",
                "iat",
                "iss",
                "aud",
                "jti",
                "auth_time",
                "acr",
            ] {
                if let Some(value) = claims.get(name) {
                    body[name] = value.clone();
                }
            }
            Ok(body)
        }
        Err(Rejected::Unavailable) => {
            Err(StoreError("revocation list unavailable".to_owned()).into())
        }
        Err(Rejected::Invalid) => Ok(json!({"active": false})),
    }
}
