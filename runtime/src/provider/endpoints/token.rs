//! The token endpoint (RFC 6749 §3.2): authorization codes with PKCE,
//! rotating refresh tokens, client credentials. A refused request changes
//! nothing stored, except that a replayed code or a reused refresh token
//! revokes what it issued (RFC 6749 §4.1.2, RFC 9700 §4.14.2).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rocket::http::Status;
use rocket::{Request, Response};
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

use crate::provider::clients::{self, ClientRefusal};
use crate::provider::config::{ClientConfig, Grant};
use crate::provider::params::Params;
use crate::provider::store::{CodeGrant, Family, Issued, StoreError};
use crate::provider::tokens::{self, AccessToken, IdToken, Subject};
use crate::provider::{reply, ProviderState};
use crate::telemetry;

/// A refusal: status, RFC 6749 error code, description.
pub(super) struct Refusal(
    pub(super) Status,
    pub(super) &'static str,
    pub(super) String,
);

impl Refusal {
    fn invalid_request(description: impl Into<String>) -> Self {
        Self(Status::BadRequest, "invalid_request", description.into())
    }

    fn invalid_grant(description: impl Into<String>) -> Self {
        Self(Status::BadRequest, "invalid_grant", description.into())
    }

    pub(super) fn client(refusal: ClientRefusal) -> Self {
        match refusal {
            ClientRefusal::TwoMethods | ClientRefusal::TwoHeaders => {
                Self::invalid_request(refusal.description())
            }
            _ => Self(
                Status::Unauthorized,
                "invalid_client",
                refusal.description().to_owned(),
            ),
        }
    }

    pub(super) fn response(self, endpoint: &str) -> Response<'static> {
        let Self(status, error, description) = self;
        if status == Status::ServiceUnavailable {
            tracing::error!(target: "rocket_warden::provider", endpoint, "{description}");
            let description = "the provider cannot answer now; try again";
            return reply::oauth_error(status, error, description);
        }
        tracing::info!(target: "rocket_warden::provider", endpoint, error, "refused: {description}");
        reply::oauth_error(status, error, &description)
    }
}

impl From<StoreError> for Refusal {
    fn from(error: StoreError) -> Self {
        Self(
            Status::ServiceUnavailable,
            "temporarily_unavailable",
            error.to_string(),
        )
    }
}

/// `POST /oauth2/token`.
pub(super) async fn token(
    state: &ProviderState,
    request: &Request<'_>,
    params: Params,
) -> Response<'static> {
    match grant(state, request, &params).await {
        Ok(body) => reply::no_store(Status::Ok, &Value::Object(body)),
        Err(refusal) => refusal.response("token"),
    }
}

async fn grant(
    state: &ProviderState,
    request: &Request<'_>,
    params: &Params,
) -> Result<Map<String, Value>, Refusal> {
    if let Some(name) = params.repeated() {
        return Err(Refusal::invalid_request(format!(
            "the parameter `{name}` was given more than once"
        )));
    }
    let client =
        clients::authenticate(&state.config, request.headers(), params).map_err(Refusal::client)?;
    let Some(grant_type) = params.get("grant_type") else {
        return Err(Refusal::invalid_request("the request has no grant_type"));
    };
    let Some(grant) = Grant::named(grant_type) else {
        return Err(Refusal(
            Status::BadRequest,
            "unsupported_grant_type",
            format!("`{grant_type}` is not supported"),
        ));
    };
    if !client.has_grant(grant) {
        return Err(Refusal(
            Status::BadRequest,
            "unauthorized_client",
            format!("the client may not use `{grant_type}`"),
        ));
    }
    let issued = match grant {
        Grant::AuthorizationCode => code(state, client, params).await,
        Grant::RefreshToken => refresh(state, client, params).await,
        Grant::ClientCredentials => client_credentials(state, client, params).await,
    }?;
    telemetry::token_issued(grant.name());
    Ok(issued)
}

/// The `authorization_code` grant.
async fn code(
    state: &ProviderState,
    client: &ClientConfig,
    params: &Params,
) -> Result<Map<String, Value>, Refusal> {
    let now = state.now();
    let code = params
        .get("code")
        .ok_or_else(|| Refusal::invalid_request("the request has no code"))?;
    let digest = tokens::digest(code);
    let Some(entry) = state.store.code(&digest, now).await? else {
        return Err(Refusal::invalid_grant("the code is invalid or has expired"));
    };
    if let Some(issued) = entry.redeemed {
        revoke_issued(state, &issued, now).await?;
        return Err(Refusal::invalid_grant(
            "the code was already used: what it issued is revoked",
        ));
    }
    let grant = entry.grant;
    if grant.client_id != client.id {
        return Err(Refusal::invalid_grant(
            "the code was issued to another client",
        ));
    }
    if params.get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return Err(Refusal::invalid_grant(
            "the redirect_uri is not the one of the authorization request",
        ));
    }
    check_verifier(&grant, params.get("code_verifier"))?;

    let subject = Subject::from(&grant);
    let mut tokens = Tokens::new(state, client, Some(&subject), &grant.scope, now).await?;
    let refresh = (client.has_grant(Grant::RefreshToken)
        && has_scope(&grant.scope, "offline_access"))
    .then(tokens::random);
    let family = refresh.as_ref().map(|refresh| Family {
        id: tokens::random(),
        client_id: client.id.clone(),
        sub: grant.sub.clone(),
        scope: grant.scope.clone(),
        auth_time: grant.auth_time,
        acr: grant.acr.clone(),
        amr: grant.amr.clone(),
        current: tokens::digest(refresh),
        expires_at: now + state.config.refresh_token_ttl_secs,
        revoked: false,
        access: vec![(tokens.jti.clone(), tokens.exp)],
    });
    let issued = Issued {
        access: Some((tokens.jti.clone(), tokens.exp)),
        family: family.as_ref().map(|family| family.id.clone()),
    };
    // The family is stored before the code is marked redeemed, so that a
    // redemption racing this one and losing finds it to revoke.
    if let Some(family) = family {
        state.store.put_family(family, now).await?;
    }
    if !state.store.redeem_code(&digest, issued.clone()).await? {
        return Err(lost_redemption(state, &digest, &issued, now).await?);
    }
    if has_scope(&grant.scope, "openid") {
        tokens.add_id_token(state, client, &subject, grant.nonce.as_deref())?;
    }
    if let Some(refresh) = refresh {
        tokens.body.insert("refresh_token".into(), json!(refresh));
    }
    log_issued(client, "authorization_code");
    Ok(tokens.body)
}

/// The refusal of a redemption that found the code redeemed by another
/// one running at the same time: a code used twice, so, as for a replay
/// (RFC 6749 §4.1.2), what the other issued is revoked, and what this one
/// stored too (nobody has its tokens).
async fn lost_redemption(
    state: &ProviderState,
    digest: &str,
    issued: &Issued,
    now: u64,
) -> Result<Refusal, StoreError> {
    if let Some(won) = state
        .store
        .code(digest, now)
        .await?
        .and_then(|entry| entry.redeemed)
    {
        revoke_issued(state, &won, now).await?;
    }
    revoke(state, issued, now).await?;
    Ok(Refusal::invalid_grant(
        "the code was already used: what it issued is revoked",
    ))
}

/// PKCE (RFC 7636 §4.6), and no verifier for a code issued without a
/// challenge (a downgrade, RFC 9700 §2.1.1).
fn check_verifier(grant: &CodeGrant, verifier: Option<&str>) -> Result<(), Refusal> {
    match (&grant.code_challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(Refusal::invalid_grant(
            "a code_verifier was sent for a code issued without PKCE",
        )),
        (Some(_), None) => Err(Refusal::invalid_grant("the code_verifier is missing")),
        (Some(challenge), Some(verifier)) => {
            let well_formed = (43..=128).contains(&verifier.len())
                && verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if well_formed && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
                Ok(())
            } else {
                Err(Refusal::invalid_grant(
                    "the code_verifier does not match the code_challenge",
                ))
            }
        }
    }
}

/// Revokes what a replayed code issued.
async fn revoke_issued(state: &ProviderState, issued: &Issued, now: u64) -> Result<(), StoreError> {
    revoke(state, issued, now).await?;
    tracing::warn!(target: "rocket_warden::provider", "a code was replayed: the tokens it issued are revoked");
    Ok(())
}

/// Revokes the access token and the refresh-token family in `issued`.
async fn revoke(state: &ProviderState, issued: &Issued, now: u64) -> Result<(), StoreError> {
    if let Some((jti, exp)) = &issued.access {
        state.store.revoke_access(jti, *exp, now).await?;
    }
    if let Some(family) = &issued.family {
        state.store.revoke_family(family).await?;
    }
    Ok(())
}

/// The `refresh_token` grant: the token is replaced by a new one; an old
/// one coming back means it leaked, and the whole family is revoked.
async fn refresh(
    state: &ProviderState,
    client: &ClientConfig,
    params: &Params,
) -> Result<Map<String, Value>, Refusal> {
    let now = state.now();
    let token = params
        .get("refresh_token")
        .ok_or_else(|| Refusal::invalid_request("the request has no refresh_token"))?;
    let digest = tokens::digest(token);
    let Some(family) = state.store.family_of(&digest).await? else {
        return Err(Refusal::invalid_grant("the refresh token is invalid"));
    };
    if family.client_id != client.id {
        return Err(Refusal::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    if family.revoked || family.expires_at <= now {
        return Err(Refusal::invalid_grant(
            "the refresh token is revoked or has expired",
        ));
    }
    if family.current != digest {
        state.store.revoke_family(&family.id).await?;
        tracing::warn!(target: "rocket_warden::provider", client = %client.id, "a refresh token was reused: its family is revoked");
        return Err(Refusal::invalid_grant(
            "the refresh token was already used: its family is revoked",
        ));
    }
    let scope = narrowed_scope(&family.scope, params.get("scope"))?;
    let subject = Subject::from(&family);
    let mut tokens = Tokens::new(state, client, Some(&subject), &scope, now).await?;
    let next = tokens::random();
    let access = (tokens.jti.clone(), tokens.exp);
    if !state
        .store
        .rotate(&family.id, &digest, &tokens::digest(&next), access)
        .await?
    {
        state.store.revoke_family(&family.id).await?;
        return Err(Refusal::invalid_grant(
            "the refresh token was already used: its family is revoked",
        ));
    }
    if has_scope(&scope, "openid") {
        tokens.add_id_token(state, client, &subject, None)?;
    }
    tokens.body.insert("refresh_token".into(), json!(next));
    log_issued(client, "refresh_token");
    Ok(tokens.body)
}

/// A `scope` parameter may narrow the grant, never widen it (RFC 6749 §6).
fn narrowed_scope(granted: &str, asked: Option<&str>) -> Result<String, Refusal> {
    let Some(asked) = asked else {
        return Ok(granted.to_owned());
    };
    let words: Vec<&str> = asked.split(' ').filter(|s| !s.is_empty()).collect();
    if let Some(extra) = words.iter().find(|scope| !has_scope(granted, scope)) {
        return Err(Refusal(
            Status::BadRequest,
            "invalid_scope",
            format!("the scope `{extra}` was not granted"),
        ));
    }
    Ok(words.join(" "))
}

/// The `client_credentials` grant: a token for the client itself, for the
/// API scopes it may have (never `openid` or `offline_access`).
async fn client_credentials(
    state: &ProviderState,
    client: &ClientConfig,
    params: &Params,
) -> Result<Map<String, Value>, Refusal> {
    let allowed: Vec<&str> = client
        .scopes
        .iter()
        .map(String::as_str)
        .filter(|scope| !matches!(*scope, "openid" | "offline_access"))
        .collect();
    let scope = match params.get("scope") {
        None => allowed.join(" "),
        Some(asked) => {
            let words: Vec<&str> = asked.split(' ').filter(|s| !s.is_empty()).collect();
            if let Some(extra) = words.iter().find(|scope| !allowed.contains(scope)) {
                return Err(Refusal(
                    Status::BadRequest,
                    "invalid_scope",
                    format!("the client may not have the scope `{extra}`"),
                ));
            }
            words.join(" ")
        }
    };
    let tokens = Tokens::new(state, client, None, &scope, state.now()).await?;
    log_issued(client, "client_credentials");
    Ok(tokens.body)
}

fn has_scope(scope: &str, wanted: &str) -> bool {
    scope.split(' ').any(|s| s == wanted)
}

fn log_issued(client: &ClientConfig, grant: &str) {
    tracing::info!(target: "rocket_warden::provider", client = %client.id, grant, "tokens issued");
}

/// A token response being built: the access token first.
struct Tokens {
    body: Map<String, Value>,
    jti: String,
    exp: u64,
    access_token: String,
    now: u64,
}

impl Tokens {
    async fn new(
        state: &ProviderState,
        client: &ClientConfig,
        subject: Option<&Subject>,
        scope: &str,
        now: u64,
    ) -> Result<Self, Refusal> {
        let config = &state.config;
        let snapshot = state.keys.current(&*state.store, now).await?;
        let key = snapshot
            .signing(config.signing_algorithm)
            .ok_or_else(|| StoreError("no signing key".to_owned()))?;
        let (claims, jti, exp) = AccessToken {
            issuer: &config.issuer,
            client,
            subject,
            scope,
            now,
            ttl_secs: config.access_token_ttl_secs,
        }
        .claims();
        let access_token = tokens::sign(key, "at+jwt", &claims).map_err(StoreError)?;
        let mut body = Map::new();
        body.insert("access_token".into(), json!(access_token));
        body.insert("token_type".into(), json!("Bearer"));
        body.insert("expires_in".into(), json!(config.access_token_ttl_secs));
        body.insert("scope".into(), json!(scope));
        Ok(Self {
            body,
            jti,
            exp,
            access_token,
            now,
        })
    }

    /// Adds the ID token, with `at_hash` for the access token beside it.
    fn add_id_token(
        &mut self,
        state: &ProviderState,
        client: &ClientConfig,
        subject: &Subject,
        nonce: Option<&str>,
    ) -> Result<(), Refusal> {
        let config = &state.config;
        let algorithm = client
            .id_token_signing_algorithm
            .unwrap_or(config.signing_algorithm);
        let snapshot = state.keys.loaded();
        let key = snapshot
            .signing(algorithm)
            .ok_or_else(|| StoreError("no signing key".to_owned()))?;
        let claims = IdToken {
            issuer: &config.issuer,
            client,
            subject,
            nonce,
            access_token: Some(&self.access_token),
            code: None,
            now: self.now,
            ttl_secs: config.id_token_ttl_secs,
        }
        .claims(algorithm);
        let token = tokens::sign(key, "JWT", &claims).map_err(StoreError)?;
        self.body.insert("id_token".into(), json!(token));
        Ok(())
    }
}
