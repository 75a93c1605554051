//! Authorization responses: where they go (query, fragment, `form_post`),
//! what they always carry (`state`, and `iss` per RFC 9207), and what a
//! successful one issues.

use rocket::Response;

use super::authorize::AuthRequest;
use crate::provider::store::{CodeGrant, StoreError};
use crate::provider::tokens::{self, AccessToken, IdToken, Subject};
use crate::provider::users::Login;
use crate::provider::{reply, ProviderState};

/// How the response reaches the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

impl ResponseMode {
    pub(super) fn named(name: &str) -> Option<Self> {
        match name {
            "query" => Some(Self::Query),
            "fragment" => Some(Self::Fragment),
            "form_post" => Some(Self::FormPost),
            _ => None,
        }
    }
}

/// Where an authorization response goes: a checked `redirect_uri`.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub(super) redirect_uri: String,
    pub(super) mode: ResponseMode,
    pub(super) state: Option<String>,
}

/// Sends `params` to the client, with `state` and `iss`.
fn deliver(
    state: &ProviderState,
    target: &Target,
    mut params: Vec<(&str, String)>,
) -> Response<'static> {
    if let Some(value) = &target.state {
        params.push(("state", value.clone()));
    }
    params.push(("iss", state.config.issuer.clone()));
    match target.mode {
        ResponseMode::FormPost => {
            let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            reply::form_post(&target.redirect_uri, &pairs)
        }
        mode => {
            let mut encoded = url::form_urlencoded::Serializer::new(String::new());
            for (name, value) in &params {
                encoded.append_pair(name, value);
            }
            let encoded = encoded.finish();
            let uri = &target.redirect_uri;
            let location = match mode {
                ResponseMode::Fragment => format!("{uri}#{encoded}"),
                _ if uri.contains('?') => format!("{uri}&{encoded}"),
                _ => format!("{uri}?{encoded}"),
            };
            reply::see_other(&location)
        }
    }
}

/// An error response to the client (RFC 6749 §4.1.2.1), logged.
pub(super) fn error(
    state: &ProviderState,
    target: &Target,
    error: &str,
    description: &str,
) -> Response<'static> {
    tracing::info!(target: "rocket_warden::provider", error, "authorization refused: {description}");
    let params = vec![
        ("error", error.to_owned()),
        ("error_description", description.to_owned()),
    ];
    deliver(state, target, params)
}

/// The store or the keys failed: `temporarily_unavailable`, nothing issued.
pub(super) fn unavailable(
    state: &ProviderState,
    target: &Target,
    cause: &StoreError,
) -> Response<'static> {
    tracing::error!(target: "rocket_warden::provider", "authorization failed: {cause}");
    error(
        state,
        target,
        "temporarily_unavailable",
        "the provider cannot answer now; try again",
    )
}

/// A successful response: the code, and the tokens the hybrid response
/// type asks for, each ID token with `c_hash` (and `at_hash` beside an
/// access token).
pub(super) async fn issue(
    state: &ProviderState,
    auth: &AuthRequest<'_>,
    login: &Login,
    scopes: &[String],
) -> Response<'static> {
    let now = state.now();
    let snapshot = match state.keys.current(&*state.store, now).await {
        Ok(snapshot) => snapshot,
        Err(cause) => return unavailable(state, &auth.target, &cause),
    };
    let config = &state.config;
    let client = auth.client;
    let subject = Subject {
        sub: login.sub.clone(),
        auth_time: login.auth_time,
        acr: login.acr.clone(),
        amr: (!login.amr.is_empty()).then(|| login.amr.join(" ")),
    };
    let scope = scopes.join(" ");
    let code = tokens::random();
    let mut params = vec![("code", code.clone())];
    let mut access_token = None;
    if auth.response_type.token {
        let Some(key) = snapshot.signing(config.signing_algorithm) else {
            return unavailable(state, &auth.target, &no_key());
        };
        let (claims, _, _) = AccessToken {
            issuer: &config.issuer,
            client,
            subject: Some(&subject),
            scope: &scope,
            now,
            ttl_secs: config.access_token_ttl_secs,
        }
        .claims();
        match tokens::sign(key, "at+jwt", &claims) {
            Ok(token) => access_token = Some(token),
            Err(cause) => return unavailable(state, &auth.target, &StoreError(cause)),
        }
    }
    if auth.response_type.id_token {
        let algorithm = client
            .id_token_signing_algorithm
            .unwrap_or(config.signing_algorithm);
        let Some(key) = snapshot.signing(algorithm) else {
            return unavailable(state, &auth.target, &no_key());
        };
        let claims = IdToken {
            issuer: &config.issuer,
            client,
            subject: &subject,
            nonce: auth.nonce.as_deref(),
            access_token: access_token.as_deref(),
            code: Some(&code),
            now,
            ttl_secs: config.id_token_ttl_secs,
        }
        .claims(algorithm);
        match tokens::sign(key, "JWT", &claims) {
            Ok(token) => params.push(("id_token", token)),
            Err(cause) => return unavailable(state, &auth.target, &StoreError(cause)),
        }
    }
    if let Some(token) = access_token {
        params.push(("access_token", token));
        params.push(("token_type", "Bearer".to_owned()));
        params.push(("expires_in", config.access_token_ttl_secs.to_string()));
    }
    let grant = CodeGrant {
        client_id: client.id.clone(),
        redirect_uri: auth.target.redirect_uri.clone(),
        sub: subject.sub,
        scope,
        nonce: auth.nonce.clone(),
        auth_time: subject.auth_time,
        acr: subject.acr,
        amr: subject.amr,
        code_challenge: auth.code_challenge.clone(),
        expires_at: now + config.code_ttl_secs,
    };
    if let Err(cause) = state
        .store
        .put_code(&tokens::digest(&code), grant, now)
        .await
    {
        return unavailable(state, &auth.target, &cause);
    }
    tracing::info!(
        target: "rocket_warden::provider",
        client = %client.id,
        response_type = auth.response_type.name(),
        "authorization granted"
    );
    deliver(state, &auth.target, params)
}

fn no_key() -> StoreError {
    StoreError("no signing key for the algorithm".to_owned())
}
