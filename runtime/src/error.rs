//! Why a request was refused, and how that refusal reads on the wire.
//!
//! Every refusal is one [`AuthError`]. Its status, RFC 6750 error code and
//! description are decided here and nowhere else; the fairing turns the error
//! that a guard left on the request into the `WWW-Authenticate` challenge and
//! the JSON body (see [`render`]).

use std::fmt::{self, Write as _};
use std::io::Cursor;
use std::sync::Arc;

use rocket::http::{ContentType, Header, Status};
use rocket::{Request, Response};

use crate::validate::TokenError;

/// Why a request was refused.
///
/// Each variant knows its HTTP status ([`AuthError::status`]), its RFC 6750
/// error code ([`AuthError::code`]) and a short description safe to show a
/// client: descriptions never contain the token or any part of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The request carries no credentials: 401 with a bare challenge (RFC 6750 §3.1
    /// says a challenge for a request without credentials names no error code).
    #[error("bearer token required")]
    Missing,
    /// The `Authorization` header uses another scheme (`Basic`, say): 401 with
    /// a bare challenge, since RFC 6750 §3.1 gives no error code to a request
    /// that "attempted using an unsupported authentication method". On an
    /// optional route it is still a 401: a header was sent.
    #[error("authorization scheme must be Bearer")]
    UnsupportedScheme,
    /// The `Authorization` header is a malformed `Bearer` credential: 401 `invalid_token`.
    #[error("{0}")]
    MalformedCredentials(&'static str),
    /// The request carries credentials more than once (two `Authorization`
    /// headers): 400 `invalid_request`.
    #[error("{0}")]
    InvalidRequest(&'static str),
    /// The token was read but did not validate: 401 `invalid_token`.
    #[error(transparent)]
    InvalidToken(#[from] TokenError),
    /// The token validated, but its claims do not deserialize into the claims
    /// type the handler asked for: 401 `invalid_token`.
    #[error("token claims do not have the expected shape")]
    ClaimsShape,
    /// The request carries a cookie named in `reject_session_cookies`: a
    /// session-authenticated request must not reach a token route. 401 with
    /// a bare challenge, logged as a warning.
    #[error("session cookies are not accepted here")]
    SessionCookie,
    /// The authentication cookie (cookie mode) does not decrypt or does not
    /// hold an identity: forged or tampered with. 401 `invalid_token`.
    #[error("authentication cookie is invalid")]
    InvalidCookie,
    /// The authentication cookie (cookie mode) is past its expiry: 401
    /// `invalid_token`, never anonymous.
    #[error("authentication cookie expired")]
    CookieExpired,
    /// The validator requires a partner (`partner_required`) and the token's
    /// partner strategy found none: 401 `invalid_token`.
    #[error("no partner for this token")]
    NoPartner,
    /// An [`AuthUser`](crate::AuthUser) guard found no user for the token:
    /// 401 `invalid_token`.
    #[error("no user for this token")]
    NoUser,
    /// A user or partner lookup failed (the directory is down, say): 503, so
    /// the client may retry; the cause is logged, never sent.
    #[error("identity lookup unavailable, try again later")]
    IdentityUnavailable,
    /// The token is valid, but the route's policy wants more than it grants
    /// (a role, a scope, a write with a read-only scope, a custom check):
    /// 403 `insufficient_scope`, the challenge naming any missing scopes.
    #[error(transparent)]
    Forbidden(Denial),
    /// The route's guard could not find its validator. Sentinels abort launch
    /// before this can happen, so it means the application was assembled in an
    /// unusual way: 500, since the fault is the server's.
    #[error("authentication is not configured for this route")]
    NotConfigured,
    /// The validator's keys come from a remote key set that could not be
    /// fetched (the provider is down, slow or broken) and no cached key fits
    /// the token: 503, without a challenge, since the token may well be good.
    /// The body's `error` is `temporarily_unavailable` (RFC 6749 §4.1.2.1).
    /// `Retry-After` says when the key set will next be fetched.
    #[error("the keys to verify the token are unavailable; try again later")]
    KeysUnavailable {
        /// Seconds until the key set may be fetched again (at least 1).
        retry_after_secs: u64,
    },
}

impl AuthError {
    /// The HTTP status of this refusal.
    pub fn status(&self) -> Status {
        match self {
            Self::Missing
            | Self::UnsupportedScheme
            | Self::MalformedCredentials(_)
            | Self::InvalidToken(_)
            | Self::ClaimsShape
            | Self::SessionCookie
            | Self::InvalidCookie
            | Self::CookieExpired
            | Self::NoPartner
            | Self::NoUser => Status::Unauthorized,
            Self::InvalidRequest(_) => Status::BadRequest,
            Self::Forbidden(_) => Status::Forbidden,
            Self::NotConfigured => Status::InternalServerError,
            Self::IdentityUnavailable | Self::KeysUnavailable { .. } => Status::ServiceUnavailable,
        }
    }

    /// The RFC 6750 error code, or `None` where the challenge carries none.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Self::Missing
            | Self::UnsupportedScheme
            | Self::NotConfigured
            | Self::SessionCookie
            | Self::IdentityUnavailable
            | Self::KeysUnavailable { .. } => None,
            Self::MalformedCredentials(_)
            | Self::InvalidToken(_)
            | Self::ClaimsShape
            | Self::InvalidCookie
            | Self::CookieExpired
            | Self::NoPartner
            | Self::NoUser => Some("invalid_token"),
            Self::InvalidRequest(_) => Some("invalid_request"),
            Self::Forbidden(_) => Some("insufficient_scope"),
        }
    }

    /// The `error` member of the JSON body: the RFC 6750 code where there is
    /// one, otherwise a code of our own.
    fn body_code(&self) -> &'static str {
        self.code().unwrap_or(match self {
            Self::NotConfigured => "server_error",
            Self::IdentityUnavailable | Self::KeysUnavailable { .. } => "temporarily_unavailable",
            Self::SessionCookie => "session_cookie_refused",
            Self::UnsupportedScheme => "unsupported_scheme",
            _ => "missing_token",
        })
    }

    /// The `WWW-Authenticate` value for this refusal in `realm`.
    ///
    /// ```
    /// use rocket_warden::{AuthError, Denial};
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
    /// ```
    pub fn challenge(&self, realm: &str) -> String {
        let mut out = String::with_capacity(96);
        out.push_str("Bearer realm=\"");
        push_quoted(&mut out, realm);
        out.push('"');
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
        out
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

/// Why a valid token was not enough for a route (a 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denial {
    /// The route wants one of its roles, and the token holds none of them
    /// (or has no roles claim at all).
    #[error("the token lacks a required role")]
    MissingRole,
    /// The route wants scopes the token does not hold: these, space-separated.
    #[error("the token lacks a required scope")]
    MissingScopes(Box<str>),
    /// The token holds a read-only scope, and the request is not a GET, HEAD
    /// or OPTIONS.
    #[error("a read-only token cannot make this request")]
    ReadOnly,
    /// The route's custom check refused the token.
    #[error("the token is not allowed on this route")]
    CheckFailed,
}

/// A refusal left on the request by a guard, for the fairing to render.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub(crate) error: AuthError,
    pub(crate) realm: Arc<str>,
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
        let challenge = refusal.error.challenge(&refusal.realm);
        response.set_header(Header::new("WWW-Authenticate", challenge));
    }
    if let AuthError::KeysUnavailable { retry_after_secs } = refusal.error {
        response.set_header(Header::new("Retry-After", retry_after_secs.to_string()));
    }
    let body = refusal.error.body();
    response.set_header(ContentType::JSON);
    response.set_sized_body(body.len(), Cursor::new(body));
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
