//! The authorization endpoint (OIDC Core §3.1.2, §3.3.2): checks the
//! request, sends the browser to the application's login page when nobody
//! (or nobody recent enough) is signed in, asks for consent when it is
//! needed, and answers with a code (and, in the hybrid flows, tokens).
//!
//! Until the client and its `redirect_uri` are known to match, every
//! problem is an error page: redirecting to an unchecked URI would make
//! the provider an open redirector (RFC 6749 §4.1.2.1). After that, errors
//! go back to the client, `state` and `iss` included.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rocket::http::Status;
use rocket::{Request, Response};

use super::respond::{self, ResponseMode, Target};
use super::{consent, AUTHORIZE};
use crate::provider::config::{ClientConfig, Grant, ResponseType};
use crate::provider::params::Params;
use crate::provider::users::Login;
use crate::provider::{reply, ProviderState};

/// The parameter the provider adds to the return address of a login
/// redirect: the time from which a login counts as fresh. It can only make
/// a request stricter (a sign-in after it), so a client may not weaken
/// anything by setting it.
pub(super) const LOGIN_AFTER: &str = "warden_login_after";

/// `prompt`, as a set.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Prompt {
    pub(super) none: bool,
    pub(super) login: bool,
    pub(super) consent: bool,
}

/// A checked authorization request.
#[derive(Debug)]
pub(super) struct AuthRequest<'s> {
    pub(super) client: &'s ClientConfig,
    pub(super) target: Target,
    pub(super) response_type: ResponseType,
    pub(super) scopes: Vec<String>,
    pub(super) nonce: Option<String>,
    pub(super) code_challenge: Option<String>,
    pub(super) prompt: Prompt,
    pub(super) max_age: Option<u64>,
    pub(super) login_after: Option<u64>,
    /// `acr_values`: the authentication the client would like.
    pub(super) acr_values: Vec<String>,
    pub(super) params: Params,
}

impl AuthRequest<'_> {
    /// Whether `login` is recent enough for this request.
    fn is_fresh(&self, login: &Login, now: u64) -> bool {
        if self.prompt.login {
            return false;
        }
        if let Some(after) = self.login_after {
            return login.auth_time >= after.min(now);
        }
        self.max_age
            .is_none_or(|max_age| now.saturating_sub(login.auth_time) <= max_age)
    }

    /// Whether to ask for a sign-in again because the login's `acr` is not
    /// one the client asked for. `acr_values` is a wish (OIDC Core
    /// §3.1.2.1), so this asks once: after a sign-in that this request
    /// sent the browser to (`warden_login_after`), or with `prompt=none`,
    /// the login is taken as it is, and its `acr` says what it was.
    fn wants_stronger(&self, login: &Login) -> bool {
        let satisfied = login
            .acr
            .as_ref()
            .is_some_and(|acr| self.acr_values.contains(acr));
        !self.acr_values.is_empty() && !satisfied && self.login_after.is_none() && !self.prompt.none
    }

    /// The scopes granted if the user agrees: `offline_access` only with
    /// `prompt=consent` or for a first-party client (OIDC Core §11), and
    /// only for a client that may use refresh tokens.
    pub(super) fn grantable_scopes(&self) -> Vec<String> {
        let offline_ok = (self.prompt.consent || self.client.first_party)
            && self.client.has_grant(Grant::RefreshToken);
        self.scopes
            .iter()
            .filter(|scope| offline_ok || scope.as_str() != "offline_access")
            .cloned()
            .collect()
    }
}

/// `GET` and `POST /oauth2/authorize`.
pub(super) async fn authorize(
    state: &ProviderState,
    request: &Request<'_>,
    params: Params,
) -> Response<'static> {
    match check(state, params) {
        Ok(auth) => proceed(state, request, auth, None).await,
        Err(refused) => refused.response(state),
    }
}

/// Signs in, asks for consent, or issues: what comes after the checks, for
/// a first request (`decision` `None`) or a consent form's answer.
pub(super) async fn proceed(
    state: &ProviderState,
    request: &Request<'_>,
    auth: AuthRequest<'_>,
    decision: Option<bool>,
) -> Response<'static> {
    let now = state.now();
    let login = state.users.signed_in(request).await;
    let Some(login) = login.filter(|login| auth.is_fresh(login, now)) else {
        if auth.prompt.none {
            return respond::error(
                state,
                &auth.target,
                "login_required",
                "the user must sign in",
            );
        }
        return login_redirect(state, &auth, now);
    };
    if auth.wants_stronger(&login) {
        return login_redirect(state, &auth, now);
    }
    let scopes = auth.grantable_scopes();
    match decision {
        Some(false) => respond::error(
            state,
            &auth.target,
            "access_denied",
            "the user denied the request",
        ),
        Some(true) => {
            let scope = scopes.join(" ");
            if let Err(error) = state
                .store
                .put_consent(&login.sub, &auth.client.id, &scope)
                .await
            {
                return respond::unavailable(state, &auth.target, &error);
            }
            respond::issue(state, &auth, &login, &scopes).await
        }
        None => match needs_consent(state, &auth, &login, &scopes).await {
            Err(error) => respond::unavailable(state, &auth.target, &error),
            Ok(false) => respond::issue(state, &auth, &login, &scopes).await,
            Ok(true) if auth.prompt.none => respond::error(
                state,
                &auth.target,
                "consent_required",
                "the user must approve this client",
            ),
            Ok(true) => consent::page(state, request, &auth, &scopes),
        },
    }
}

/// Whether the user must approve: never for a first-party client unless
/// `prompt=consent`; otherwise unless an earlier approval covers `scopes`.
async fn needs_consent(
    state: &ProviderState,
    auth: &AuthRequest<'_>,
    login: &Login,
    scopes: &[String],
) -> Result<bool, crate::provider::StoreError> {
    if auth.prompt.consent {
        return Ok(true);
    }
    if auth.client.first_party {
        return Ok(false);
    }
    let approved = state.store.consent(&login.sub, &auth.client.id).await?;
    let approved: Vec<&str> = approved.as_deref().unwrap_or("").split(' ').collect();
    Ok(!scopes
        .iter()
        .all(|scope| approved.contains(&scope.as_str())))
}

/// A 303 to the application's login page, whose `return_to` is this
/// request as a GET, without `prompt=login` and with the time from which a
/// sign-in counts.
fn login_redirect(state: &ProviderState, auth: &AuthRequest<'_>, now: u64) -> Response<'static> {
    let mut query = auth.params.encode_without(&["prompt", LOGIN_AFTER]);
    let prompt: Vec<&str> = auth
        .params
        .get("prompt")
        .unwrap_or("")
        .split(' ')
        .filter(|value| !value.is_empty() && *value != "login")
        .collect();
    let mut extra = url::form_urlencoded::Serializer::new(String::new());
    if !prompt.is_empty() {
        extra.append_pair("prompt", &prompt.join(" "));
    }
    extra.append_pair(LOGIN_AFTER, &now.to_string());
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str(&extra.finish());
    let return_to = format!("{}{AUTHORIZE}?{query}", state.base_path);
    let mut login = url::form_urlencoded::Serializer::new(String::new());
    login.append_pair("return_to", &return_to);
    for name in ["login_hint", "acr_values"] {
        if let Some(value) = auth.params.get(name) {
            login.append_pair(name, value);
        }
    }
    let url = &state.config.login_url;
    let separator = if url.contains('?') { '&' } else { '?' };
    reply::see_other(&format!("{url}{separator}{}", login.finish()))
}

/// Why an authorization request is refused, and where the answer goes.
#[derive(Debug)]
pub(super) enum Refused {
    /// Before the client and `redirect_uri` are known to match: a page.
    Page(String),
    /// After: an error response to the client.
    Client(Target, &'static str, String),
}

impl Refused {
    pub(super) fn response(self, state: &ProviderState) -> Response<'static> {
        match self {
            Self::Page(description) => {
                tracing::info!(
                    target: "rocket_warden::provider",
                    "authorization request refused: {description}"
                );
                reply::error_page(Status::BadRequest, "invalid_request", &description)
            }
            Self::Client(target, error, description) => {
                respond::error(state, &target, error, &description)
            }
        }
    }
}

/// Checks an authorization request: an error page until the client and
/// `redirect_uri` are known, an error response to the client after.
pub(super) fn check(state: &ProviderState, params: Params) -> Result<AuthRequest<'_>, Refused> {
    let (client, target) = check_client(state, &params)?;
    let refuse =
        |error, description: &str| Refused::Client(target.clone(), error, description.to_owned());
    if let Some(name) = params.repeated() {
        let description = format!("the parameter `{name}` was given more than once");
        return Err(refuse("invalid_request", &description));
    }
    if params.get("request").is_some() {
        return Err(refuse(
            "request_not_supported",
            "request objects are not supported",
        ));
    }
    if params.get("request_uri").is_some() {
        return Err(refuse(
            "request_uri_not_supported",
            "request_uri is not supported",
        ));
    }
    let response_type = check_response_type(client, &params, target.mode)
        .map_err(|(error, description)| refuse(error, description))?;
    let scopes = check_scopes(client, &params, response_type)
        .map_err(|description| refuse("invalid_scope", &description))?;
    let nonce = params.get("nonce").map(str::to_owned);
    if response_type.id_token && nonce.is_none() {
        return Err(refuse(
            "invalid_request",
            "a nonce is required when an ID token is returned",
        ));
    }
    let code_challenge = check_pkce(client, &params).map_err(|d| refuse("invalid_request", d))?;
    let prompt = check_prompt(params.get("prompt")).map_err(|d| refuse("invalid_request", d))?;
    let max_age = match params.get("max_age").map(str::parse::<u64>) {
        None => None,
        Some(Ok(max_age)) => Some(max_age),
        Some(Err(_)) => {
            return Err(refuse(
                "invalid_request",
                "max_age must be a whole number of seconds",
            ))
        }
    };
    let login_after = params.get(LOGIN_AFTER).and_then(|value| value.parse().ok());
    let acr_values = params
        .get("acr_values")
        .map(|values| {
            values
                .split(' ')
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(AuthRequest {
        client,
        target,
        response_type,
        scopes,
        nonce,
        code_challenge,
        prompt,
        max_age,
        login_after,
        acr_values,
        params,
    })
}

/// The client and where its answers go: `client_id` and `redirect_uri`,
/// each once, registered together; then the response mode.
fn check_client<'s>(
    state: &'s ProviderState,
    params: &Params,
) -> Result<(&'s ClientConfig, Target), Refused> {
    let page = |description: &str| Refused::Page(description.to_owned());
    if let Some(name @ ("client_id" | "redirect_uri")) = params.repeated() {
        return Err(page(&format!(
            "the parameter `{name}` was given more than once"
        )));
    }
    let client_id = params
        .get("client_id")
        .ok_or_else(|| page("the request has no client_id"))?;
    let client = state
        .config
        .clients
        .get(client_id)
        .ok_or_else(|| page("the client is unknown"))?;
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| page("the request has no redirect_uri"))?;
    if !client.redirect_uris.iter().any(|uri| uri == redirect_uri) {
        return Err(page("the redirect_uri is not registered for this client"));
    }
    let hybrid = params
        .get("response_type")
        .and_then(|value| ResponseType::parse(value).ok())
        .is_some_and(ResponseType::is_hybrid);
    let mut target = Target {
        redirect_uri: redirect_uri.to_owned(),
        mode: if hybrid {
            ResponseMode::Fragment
        } else {
            ResponseMode::Query
        },
        state: params.get("state").map(str::to_owned),
    };
    match params.get("response_mode").map(ResponseMode::named) {
        None => Ok((client, target)),
        Some(Some(mode)) => {
            target.mode = mode;
            Ok((client, target))
        }
        Some(None) => Err(Refused::Client(
            target,
            "invalid_request",
            "the response_mode is not supported".to_owned(),
        )),
    }
}

/// The response type: one the client may use, never the implicit flow,
/// never tokens in a query.
fn check_response_type(
    client: &ClientConfig,
    params: &Params,
    mode: ResponseMode,
) -> Result<ResponseType, (&'static str, &'static str)> {
    if !client.has_grant(Grant::AuthorizationCode) {
        return Err((
            "unauthorized_client",
            "the client may not use the authorization code grant",
        ));
    }
    let kind = match params.get("response_type").map(ResponseType::parse) {
        None => return Err(("invalid_request", "the request has no response_type")),
        Some(Err(true)) => {
            return Err((
                "unsupported_response_type",
                "the implicit flow is not supported (RFC 9700)",
            ))
        }
        Some(Err(false)) => {
            return Err((
                "unsupported_response_type",
                "the response_type is not supported",
            ))
        }
        Some(Ok(kind)) => kind,
    };
    if !client.response_types.contains(&kind) {
        return Err((
            "unauthorized_client",
            "the client may not use this response_type",
        ));
    }
    if kind.is_hybrid() && mode == ResponseMode::Query {
        return Err((
            "invalid_request",
            "tokens are never returned in the query: use fragment or form_post",
        ));
    }
    Ok(kind)
}

/// The requested scopes, each one the client may ask for; `openid` when an
/// ID token is returned.
fn check_scopes(
    client: &ClientConfig,
    params: &Params,
    response_type: ResponseType,
) -> Result<Vec<String>, String> {
    let mut scopes: Vec<String> = Vec::new();
    for scope in params
        .get("scope")
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
    {
        if !client.scopes.iter().any(|allowed| allowed == scope) {
            return Err(format!("the client may not ask for the scope `{scope}`"));
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    if response_type.id_token && !scopes.iter().any(|s| s == "openid") {
        return Err("an ID token needs the `openid` scope".to_owned());
    }
    if scopes.is_empty() {
        return Err("the request asks for no scope".to_owned());
    }
    Ok(scopes)
}

/// PKCE (RFC 7636): S256 only; required of public clients.
fn check_pkce(client: &ClientConfig, params: &Params) -> Result<Option<String>, &'static str> {
    let challenge = params.get("code_challenge");
    match (challenge, params.get("code_challenge_method")) {
        (None, None) if client.is_public() => {
            Err("PKCE (code_challenge, S256) is required of public clients")
        }
        (None, None) => Ok(None),
        (None, Some(_)) => Err("code_challenge_method without a code_challenge"),
        (Some(_), None | Some("plain")) => {
            Err("code_challenge_method must be S256: plain is refused")
        }
        (Some(_), Some(method)) if method != "S256" => Err("code_challenge_method must be S256"),
        (Some(challenge), Some(_)) => {
            let decoded = URL_SAFE_NO_PAD.decode(challenge);
            if challenge.len() == 43 && decoded.is_ok_and(|bytes| bytes.len() == 32) {
                Ok(Some(challenge.to_owned()))
            } else {
                Err("code_challenge is not a base64url SHA-256 digest")
            }
        }
    }
}

/// `prompt`: `none`, `login`, `consent`, `select_account` (one account per
/// browser here, so nothing to select); `none` alone.
fn check_prompt(value: Option<&str>) -> Result<Prompt, &'static str> {
    let mut prompt = Prompt::default();
    let Some(value) = value else {
        return Ok(prompt);
    };
    let mut count = 0;
    for word in value.split(' ').filter(|word| !word.is_empty()) {
        count += 1;
        match word {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            "select_account" => {}
            _ => {
                return Err(
                    "prompt holds a value that is not none, login, consent or select_account",
                )
            }
        }
    }
    if prompt.none && count > 1 {
        return Err("prompt=none cannot be combined with other values");
    }
    Ok(prompt)
}
