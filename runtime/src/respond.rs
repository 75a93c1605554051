//! How a refusal reads on the wire: the RFC 6750 `WWW-Authenticate`
//! challenge (and the RFC 9449 `DPoP` one beside it, for validators that
//! take DPoP), the JSON body `{"error": "...", "error_description": "..."}`,
//! and `Retry-After` when keys (or the DPoP replay store) are unavailable.
//!
//! A guard records its refusal on the request ([`Refusal::record`]); the
//! fairing writes it into the response ([`render`]). Nothing else in the
//! crate writes a refusal's headers or body.

use std::fmt::{self, Write as _};
use std::io::Cursor;
use std::sync::Arc;

use rocket::http::{ContentType, Header};
use rocket::{Request, Response};

use crate::error::{AuthError, Denial, StepUp};
use crate::headers;

impl AuthError {
    /// The `WWW-Authenticate` value for this refusal in `realm`.
    ///
    /// ```
    /// use rocket_warden::error::{AuthError, Denial, StepUp, StepUpMiss};
    ///
    /// assert_eq!(AuthError::Missing.challenge("api"), r#"Bearer realm="api""#);
    /// assert_eq!(
    ///     AuthError::MalformedCredentials("bearer token is empty").challenge("api"),
    ///     r#"Bearer realm="api", error="invalid_token", error_description="bearer token is empty""#,
    /// );
    /// assert_eq!(
    ///     AuthError::Forbidden(Denial::MissingScopes("orders:write".into())).challenge("api"),
    ///     r#"Bearer realm="api", error="insufficient_scope", error_description="the token lacks a required scope", scope="orders:write""#,
    /// );
    /// let step_up = StepUp { missed: StepUpMiss::MaxAge, acr_values: &["urn:mfa"], max_age: Some(300) };
    /// assert_eq!(
    ///     AuthError::StepUp(step_up).challenge("api"),
    ///     r#"Bearer realm="api", error="insufficient_user_authentication", error_description="a more recent authentication is required", acr_values="urn:mfa", max_age="300""#,
    /// );
    /// ```
    pub fn challenge(&self, realm: &str) -> String {
        self.challenge_as("Bearer", realm, true, None)
    }

    /// The challenge of `scheme` in `realm`: with this refusal's error (when
    /// `with_error`) and DPoP's `algs` (when given).
    fn challenge_as(
        &self,
        scheme: &str,
        realm: &str,
        with_error: bool,
        algs: Option<&str>,
    ) -> String {
        let mut out = String::with_capacity(96);
        out.push_str(scheme);
        out.push_str(" realm=\"");
        push_quoted(&mut out, realm);
        out.push('"');
        if let Some(algs) = algs {
            out.push_str(", algs=\"");
            push_quoted(&mut out, algs);
            out.push('"');
        }
        if !with_error {
            return out;
        }
        if let Some(code) = self.code() {
            out.push_str(", error=\"");
            out.push_str(code);
            out.push_str("\", error_description=\"");
            // A `String` never fails to take a write.
            let _ = write!(QuotedText(&mut out), "{self}");
            out.push('"');
        }
        if let Self::Forbidden(Denial::MissingScopes(scopes)) = self {
            out.push_str(", scope=\"");
            push_quoted(&mut out, scopes);
            out.push('"');
        }
        if let Self::StepUp(step_up) = self {
            push_step_up(&mut out, step_up);
        }
        out
    }

    /// The `error` member of the JSON body: the RFC 6750 code where there is
    /// one, otherwise a code of our own.
    fn body_code(&self) -> &'static str {
        self.code().unwrap_or(match self {
            Self::NotConfigured => "server_error",
            Self::IdentityUnavailable
            | Self::KeysUnavailable { .. }
            | Self::IntrospectionUnavailable { .. }
            | Self::DpopUnavailable
            | Self::RevocationUnavailable => "temporarily_unavailable",
            Self::SessionCookie => "session_cookie_refused",
            Self::UnsupportedScheme | Self::DpopRequired => "unsupported_scheme",
            _ => "missing_token",
        })
    }

    /// The JSON body: `{"error": "...", "error_description": "..."}`.
    fn body(&self) -> String {
        serde_json::json!({
            "error": self.body_code(),
            "error_description": self.to_string(),
        })
        .to_string()
    }
}

/// A refusal left on the request by a guard, for the fairing to render.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub(crate) error: AuthError,
    pub(crate) realm: Arc<str>,
    /// `Some` when the route takes DPoP: a `DPoP` challenge goes beside (or
    /// instead of) the `Bearer` one.
    pub(crate) dpop: Option<DpopChallenge>,
    /// The URL of the validator's protected resource metadata (RFC 9728),
    /// named by every 401 challenge.
    pub(crate) resource_metadata: Option<Arc<str>>,
}

/// What a route that takes DPoP says in its challenges (RFC 9449 §7.1).
#[derive(Debug, Clone)]
pub(crate) struct DpopChallenge {
    /// The proof algorithms accepted, space-separated.
    pub(crate) algs: Arc<str>,
    /// Whether bearer tokens are accepted too (`dpop = "allowed"`): then a
    /// `Bearer` challenge comes first.
    pub(crate) bearer: bool,
    /// Whether the request sent `Authorization: DPoP`: the error then goes
    /// in the `DPoP` challenge.
    pub(crate) sent_dpop: bool,
}

impl Refusal {
    /// Records this refusal on `request`. Rocket stops at the first failing
    /// guard, so the first refusal recorded is the one that answers.
    pub(crate) fn record(self, request: &Request<'_>) {
        request.local_cache(|| Some(self));
    }
}

/// Writes the challenge and JSON body of the refusal a guard recorded on
/// `request`, if the response still has that refusal's status (an application
/// catcher that changed the status keeps its own answer).
pub(crate) fn render<'r>(request: &'r Request<'_>, response: &mut Response<'r>) {
    // Refusals are 4xx or 5xx. Checking first keeps every other response from
    // touching (and so filling) the request-local cache.
    if response.status().code < 400 {
        return;
    }
    let Some(refusal) = request.local_cache(|| None::<Refusal>) else {
        return;
    };
    if response.status() != refusal.error.status() {
        return;
    }
    // A challenge invites the client to retry with credentials; a server
    // fault (500) or missing keys (503) carry none: the credentials may be fine.
    if refusal.error.status().code < 500 {
        for challenge in challenges(refusal) {
            response.adjoin_header(Header::new("WWW-Authenticate", challenge));
        }
    }
    match refusal.error {
        AuthError::KeysUnavailable { retry_after_secs }
        | AuthError::IntrospectionUnavailable { retry_after_secs } => {
            response.set_header(Header::new("Retry-After", retry_after_secs.to_string()));
        }
        // A store that is full frees room as proofs expire, within seconds.
        AuthError::DpopUnavailable | AuthError::RevocationUnavailable => {
            response.set_header(Header::new("Retry-After", "1"));
        }
        _ => {}
    }
    let body = refusal.error.body();
    response.set_header(ContentType::JSON);
    response.set_sized_body(body.len(), Cursor::new(body));
}

/// The challenges of a refusal: `Bearer`, and for a route that takes DPoP,
/// `DPoP` with its `algs` (only `DPoP` when it requires it). The error goes
/// in the challenge of the scheme the client used, or in `DPoP` when the
/// refusal is about a proof. A 401 of a validator with a `resource` names
/// its metadata document in each (RFC 9728 §5.1).
fn challenges(refusal: &Refusal) -> Vec<String> {
    let mut challenges = scheme_challenges(refusal);
    if let (Some(url), 401) = (&refusal.resource_metadata, refusal.error.status().code) {
        for challenge in &mut challenges {
            challenge.push_str(", resource_metadata=\"");
            push_quoted(challenge, url);
            challenge.push('"');
        }
    }
    challenges
}

/// [`challenges`] without the resource metadata.
fn scheme_challenges(refusal: &Refusal) -> Vec<String> {
    let (error, realm) = (&refusal.error, &*refusal.realm);
    let Some(dpop) = &refusal.dpop else {
        return vec![error.challenge(realm)];
    };
    let about_dpop = dpop.sent_dpop
        || !dpop.bearer
        || matches!(error, AuthError::Dpop(_) | AuthError::DpopRequired);
    let mut out = Vec::with_capacity(2);
    if dpop.bearer {
        out.push(error.challenge_as("Bearer", realm, !about_dpop, None));
    }
    out.push(error.challenge_as("DPoP", realm, about_dpop, Some(&dpop.algs)));
    out
}

/// Appends what a step-up challenge asks for (RFC 9470 §3): the route's
/// `acr_values`, space-separated, and its `max_age`, both quoted as the
/// RFC's examples are.
fn push_step_up(out: &mut String, step_up: &StepUp) {
    if let Some((first, rest)) = step_up.acr_values.split_first() {
        out.push_str(", acr_values=\"");
        push_quoted(out, first);
        for value in rest {
            out.push(' ');
            push_quoted(out, value);
        }
        out.push('"');
    }
    if let Some(max_age) = step_up.max_age {
        // A `String` never fails to take a write.
        let _ = write!(out, ", max_age=\"{max_age}\"");
    }
}

/// A DPoP nonce to hand out with the response (RFC 9449 §9).
struct DpopNonce(String);

/// Leaves `nonce` on `request` for the fairing to send as `DPoP-Nonce`.
pub(crate) fn offer_nonce(request: &Request<'_>, nonce: String) {
    request.local_cache(|| Some(DpopNonce(nonce)));
}

/// Writes the nonce a guard offered, if any, as `DPoP-Nonce`, on any
/// response: a refusal asking for it (`use_dpop_nonce`) or a success, so
/// the client always holds a fresh one.
pub(crate) fn write_nonce<'r>(request: &'r Request<'_>, response: &mut Response<'r>) {
    // Guards offer one only to requests with a proof; checking first keeps
    // every other response from touching the request-local cache.
    if !headers::has(request.headers(), "dpop") {
        return;
    }
    if let Some(DpopNonce(nonce)) = request.local_cache(|| None::<DpopNonce>) {
        response.set_header(Header::new("DPoP-Nonce", nonce.clone()));
    }
}

/// Appends `text` to a quoted-string, replacing the characters RFC 6750 does
/// not allow there (`"`, `\` and controls) so a configured value can never
/// break the header.
fn push_quoted(out: &mut String, text: &str) {
    out.extend(text.chars().map(|c| match c {
        '"' | '\\' => '\'',
        c if c.is_ascii_graphic() || c == ' ' => c,
        _ => '?',
    }));
}

/// A `fmt::Write` adapter that quotes what is written through it.
struct QuotedText<'a>(&'a mut String);

impl fmt::Write for QuotedText<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        push_quoted(self.0, s);
        Ok(())
    }
}
