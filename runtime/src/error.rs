//! The vocabulary of refusals and problems: why a request was refused
//! ([`AuthError`], [`Denial`], [`TokenError`]), why a lookup failed
//! ([`LookupError`]), and why launch aborted ([`ConfigError`]).
//!
//! Every refusal is one [`AuthError`]; its status and RFC 6750 error code are
//! decided here and nowhere else. How a refusal reads on the wire (the
//! `WWW-Authenticate` challenge, the JSON body, `Retry-After`) is the `respond`
//! module's. This module imports nothing from the rest of the crate, so every
//! layer can use it.

use std::fmt;

use rocket::http::Status;

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
    /// An `AuthUser` guard found no user for the token:
    /// 401 `invalid_token`.
    #[error("no user for this token")]
    NoUser,
    /// A user or partner lookup failed (the directory is down, say): 503, so
    /// the client may retry; the cause is logged, never sent.
    #[error("identity lookup unavailable, try again later")]
    IdentityUnavailable,
    /// A revocation list could not say whether the token is revoked: 503
    /// (fail closed), with `Retry-After`.
    #[error("the revocation list is unavailable; try again later")]
    RevocationUnavailable,
    /// A DPoP proof (RFC 9449) that does not hold, or a token whose binding
    /// to its proof does not: 401 `invalid_dpop_proof` (or `invalid_token`
    /// for the token's side), with the `DPoP` challenge.
    #[error(transparent)]
    Dpop(DpopError),
    /// The route takes only DPoP-bound tokens with a proof, and the request
    /// sent its credentials another way (`Bearer`, the query, a cookie):
    /// 401 with a bare `DPoP` challenge, body error `unsupported_scheme`.
    #[error("authorization scheme must be DPoP")]
    DpopRequired,
    /// The store of used DPoP proofs could not record this one (full of
    /// proofs that have not expired, or a shared store that is down): 503,
    /// since the proof may well be good. Fails closed: without the record a
    /// proof could be replayed.
    #[error("DPoP proofs cannot be checked for replay now; try again later")]
    DpopUnavailable,
    /// The token is valid, but the route asks for a stronger or more recent
    /// authentication of its user than the token records (RFC 9470 step-up):
    /// 401 `insufficient_user_authentication`, the challenge repeating the
    /// route's `acr_values` and `max_age` for the client to ask its provider.
    #[error(transparent)]
    StepUp(StepUp),
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
    /// The token's issuer could not be asked about it (its introspection
    /// endpoint is down, slow or refused the validator's credentials): 503,
    /// without a challenge, with `Retry-After`.
    #[error("the token cannot be introspected now; try again later")]
    IntrospectionUnavailable {
        /// Seconds before asking again is worth it (at least 1).
        retry_after_secs: u64,
    },
}

impl AuthError {
    /// A word for the kind of refusal, from a fixed set: the `reason` of
    /// metrics and of the authentication span. Never derived from the
    /// request.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::UnsupportedScheme => "unsupported_scheme",
            Self::MalformedCredentials(_) => "malformed",
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidToken(error) => error.reason(),
            Self::ClaimsShape => "claims_shape",
            Self::SessionCookie => "session_cookie",
            Self::InvalidCookie | Self::CookieExpired => "cookie",
            Self::NoPartner | Self::NoUser => "identity",
            Self::Dpop(_) | Self::DpopRequired => "dpop",
            Self::StepUp(_) => "step_up",
            Self::Forbidden(_) => "forbidden",
            Self::NotConfigured => "not_configured",
            Self::IdentityUnavailable
            | Self::RevocationUnavailable
            | Self::DpopUnavailable
            | Self::KeysUnavailable { .. }
            | Self::IntrospectionUnavailable { .. } => "unavailable",
        }
    }

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
            | Self::NoUser
            | Self::StepUp(_)
            | Self::Dpop(_)
            | Self::DpopRequired => Status::Unauthorized,
            Self::InvalidRequest(_) => Status::BadRequest,
            Self::Forbidden(_) => Status::Forbidden,
            Self::NotConfigured => Status::InternalServerError,
            Self::IdentityUnavailable
            | Self::KeysUnavailable { .. }
            | Self::IntrospectionUnavailable { .. }
            | Self::DpopUnavailable
            | Self::RevocationUnavailable => Status::ServiceUnavailable,
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
            | Self::KeysUnavailable { .. }
            | Self::IntrospectionUnavailable { .. }
            | Self::DpopRequired
            | Self::DpopUnavailable
            | Self::RevocationUnavailable => None,
            Self::MalformedCredentials(_)
            | Self::InvalidToken(_)
            | Self::ClaimsShape
            | Self::InvalidCookie
            | Self::CookieExpired
            | Self::NoPartner
            | Self::NoUser => Some("invalid_token"),
            Self::InvalidRequest(_) => Some("invalid_request"),
            Self::StepUp(_) => Some("insufficient_user_authentication"),
            Self::Dpop(error) => Some(error.code()),
            Self::Forbidden(_) => Some("insufficient_scope"),
        }
    }
}

/// Why a DPoP proof (RFC 9449) was refused, or the token's binding to it.
/// Each description is short, fixed, and never contains the proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DpopError {
    /// `Authorization: DPoP` without a `DPoP` header.
    #[error("DPoP proof missing")]
    Missing,
    /// More than one `DPoP` header (RFC 9449 §4.3 allows exactly one).
    #[error("more than one DPoP proof")]
    SeveralProofs,
    /// Not a compact JWS, JSON that does not parse (or names a member
    /// twice), a `crit` header, or a claim missing or of the wrong type.
    #[error("DPoP proof is malformed")]
    Malformed,
    /// The header's `typ` is not `dpop+jwt`.
    #[error("DPoP proof type must be dpop+jwt")]
    WrongType,
    /// The header's `alg` is not on the validator's `dpop_algorithms`.
    #[error("DPoP proof algorithm not allowed")]
    AlgorithmNotAllowed,
    /// The header's `jwk` is missing, not a key jsonwebtoken reads, a
    /// symmetric key, or holds private members.
    #[error("DPoP proof key must be a public JWK")]
    BadKey,
    /// The signature does not verify with the header's `jwk`.
    #[error("DPoP proof signature is invalid")]
    BadSignature,
    /// `htm` is not the request's method.
    #[error("DPoP proof is for another method")]
    WrongMethod,
    /// `htu` is not the request's URI (`dpop_origin` and the path).
    #[error("DPoP proof is for another URI")]
    WrongUri,
    /// `iat` is older than `dpop_proof_max_age_secs`, or in the future
    /// (each beyond `leeway_secs`).
    #[error("DPoP proof is too old or issued in the future")]
    Stale,
    /// A proof with the same key and `jti` was accepted before.
    #[error("DPoP proof was already used")]
    Replayed,
    /// `ath` is not the hash of the access token sent with it.
    #[error("DPoP proof is for another access token")]
    WrongToken,
    /// The validator hands out nonces (`dpop_nonce_secs`), and the proof
    /// carries none, or one that is not current: the answer's `DPoP-Nonce`
    /// header has one to retry with (RFC 9449 §9).
    #[error("DPoP proof needs a nonce from this server")]
    UseNonce,
    /// The token's `cnf.jkt` is not the thumbprint of the proof's key.
    #[error("the token is bound to another key")]
    KeyMismatch,
    /// `Authorization: DPoP` with a token that has no `cnf.jkt`.
    #[error("the token is not DPoP-bound")]
    NotBound,
    /// A DPoP-bound token sent as a bearer token (RFC 9449 §7.2: accepting
    /// it would drop the binding).
    #[error("a DPoP-bound token must be sent with a DPoP proof")]
    BoundAsBearer,
}

impl DpopError {
    /// The error code: `invalid_dpop_proof` for the proof, `use_dpop_nonce`
    /// for a missing or stale nonce, `invalid_token` for the token's binding
    /// (RFC 9449 §7.1, §9).
    pub fn code(&self) -> &'static str {
        match self {
            Self::KeyMismatch | Self::NotBound | Self::BoundAsBearer => "invalid_token",
            Self::UseNonce => "use_dpop_nonce",
            _ => "invalid_dpop_proof",
        }
    }
}

/// A route's step-up demands (RFC 9470), and which of them a token missed:
/// the content of an [`AuthError::StepUp`] refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{missed}")]
pub struct StepUp {
    /// The demand the token missed.
    pub missed: StepUpMiss,
    /// The authentication context classes the route accepts, any one of
    /// them; empty when it names none.
    pub acr_values: &'static [&'static str],
    /// The most seconds that may have passed since the user authenticated,
    /// when the route sets a limit.
    pub max_age: Option<u64>,
}

/// The step-up demand a token missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StepUpMiss {
    /// Its `acr` is absent, not a string, or not one the route accepts.
    #[error("a different authentication level is required")]
    Acr,
    /// Its `auth_time` is absent, older than the route's `max_age`, or in
    /// the future.
    #[error("a more recent authentication is required")]
    MaxAge,
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

/// Why a token did not validate. Each description is short, fixed, and never
/// contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Longer than `limits::MAX_TOKEN_BYTES`.
    #[error("token too large")]
    TooLarge,
    /// Five parts: an encrypted token (JWE), which a resource server does not accept.
    #[error("encrypted tokens (JWE) are not supported")]
    Encrypted,
    /// Not three base64url parts, or a part that is not the JSON it should be.
    #[error("{0}")]
    Malformed(&'static str),
    /// The signature part is empty: an unsecured token (`alg: none`).
    #[error("unsigned tokens are not accepted")]
    Unsigned,
    /// The header's `alg` is missing, unknown, or not on the validator's
    /// allow-list (`none` never is).
    #[error("algorithm not allowed")]
    AlgorithmNotAllowed,
    /// The header has a `crit` parameter; none of its extensions are understood here
    /// (RFC 7515 §4.1.11).
    #[error("unsupported critical header parameter")]
    CriticalHeader,
    /// The header's `typ` is absent or not the validator's `token_type`.
    #[error("wrong token type")]
    WrongType,
    /// The signature does not verify with the validator's key.
    #[error("invalid signature")]
    BadSignature,
    /// An ES256/ES384 signature whose `s` is above half the group order,
    /// refused by a validator with `require_low_s` (its mirror, with the
    /// same content, would be accepted).
    #[error("ECDSA signature not in low-S form")]
    HighS,
    /// `exp` is in the past.
    #[error("token expired")]
    Expired,
    /// A revocation list holds it (revoked before its `exp`).
    #[error("token revoked")]
    Revoked,
    /// `nbf` is in the future.
    #[error("token not yet valid")]
    NotYetValid,
    /// `iat` is in the future.
    #[error("token issued in the future")]
    IssuedInFuture,
    /// `iss` is not the configured issuer (or is not a single string), or
    /// (tenants) not the issuer its tenant claim or its key names.
    #[error("wrong issuer")]
    WrongIssuer,
    /// Its issuer's introspection endpoint says it is not active (RFC 7662).
    #[error("token inactive")]
    Inactive,
    /// Its issuer's introspection answer could not be trusted (not JSON, no
    /// `active`, a JWT answer that does not verify): refused, fail closed.
    #[error("token not confirmed by its issuer")]
    UntrustedIntrospection,
    /// A tenants validator knows no tenant with the token's `iss`.
    #[error("unknown issuer")]
    UnknownIssuer,
    /// `aud` names none of the configured audiences, is present while none are
    /// configured, or is neither a string nor an array of strings.
    #[error("wrong audience")]
    WrongAudience,
    /// A required claim is absent.
    #[error("missing required claim `{0}`")]
    MissingClaim(Box<str>),
    /// A time claim is present but not a number.
    #[error("claim `{0}` is malformed")]
    MalformedClaim(Box<str>),
    /// No key of the validator's remote key set fits the token: its `kid` is
    /// unknown (after the one refetch allowed per cooldown), or no key with
    /// that `kid` verifies its `alg`.
    #[error("no key matches the token")]
    UnknownKey,
    /// The token names no key (`kid`) and several keys of the validator's
    /// remote key set fit its `alg`: which one signed it is not guessed.
    #[error("the token has no `kid` and several keys fit")]
    AmbiguousKey,
    /// The token is bound to a client certificate (`cnf["x5t#S256"]`, RFC
    /// 8705), and the validator reads no client certificates
    /// (`certificate_header`): refused rather than accepted without its
    /// binding.
    #[error("certificate-bound tokens are not accepted here")]
    CertificateBound,
    /// The token is bound to a client certificate, and the request came
    /// without one (from a trusted proxy).
    #[error("the token needs its client certificate")]
    CertificateMissing,
    /// The client certificate is not the one the token is bound to (or the
    /// token's `x5t#S256` is not a string).
    #[error("the token is bound to another certificate")]
    CertificateMismatch,
}

impl TokenError {
    /// A word for the kind of invalid token (see [`AuthError::reason`]).
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Self::Expired | Self::NotYetValid | Self::IssuedInFuture => "time",
            Self::Revoked => "revoked",
            Self::Inactive | Self::UntrustedIntrospection => "introspection",
            Self::BadSignature | Self::HighS => "signature",
            Self::AlgorithmNotAllowed | Self::Unsigned => "algorithm",
            Self::WrongIssuer | Self::UnknownIssuer => "issuer",
            Self::WrongAudience => "audience",
            Self::UnknownKey | Self::AmbiguousKey => "key",
            Self::CertificateBound | Self::CertificateMissing | Self::CertificateMismatch => {
                "certificate"
            }
            Self::MissingClaim(_) | Self::MalformedClaim(_) => "claims",
            Self::TooLarge
            | Self::Encrypted
            | Self::Malformed(_)
            | Self::CriticalHeader
            | Self::WrongType => "malformed",
        }
    }
}

/// A launch-time configuration problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The `jwt` table, or its `validators` table, is wrong.
    #[error("`{key}`: {problem}")]
    Table {
        /// The offending key: `jwt`, `jwt.validators`, or `jwt.<unknown>`.
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// A validator's name or one of its keys is wrong.
    #[error("`jwt.validators.{validator}{}`: {problem}", key_suffix(key))]
    Validator {
        /// The validator's name, as written.
        validator: String,
        /// The offending key, when the problem is with one key.
        key: Option<String>,
        /// What is wrong, and what to write instead.
        problem: String,
    },
}

fn key_suffix(key: &Option<String>) -> String {
    key.as_ref()
        .map(|key| format!(".{key}"))
        .unwrap_or_default()
}

/// All the configuration problems found at ignite, one a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub(crate) Vec<ConfigError>);

impl ConfigErrors {
    /// One problem with a table (`jwt`, say).
    pub(crate) fn table(key: &str, problem: String) -> Self {
        Self(vec![ConfigError::Table {
            key: key.to_owned(),
            problem,
        }])
    }

    /// The problems, in the order found (validators by name).
    pub fn iter(&self) -> impl Iterator<Item = &ConfigError> {
        self.0.iter()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// A lookup that could not be answered: the directory or database is
/// unreachable, say. The request is refused with a 503, never treated as
/// "no user" or "no partner".
///
/// The message is logged on the server and never sent to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LookupError(String);

impl LookupError {
    /// A lookup failure, described for the server's log.
    pub fn new(problem: impl fmt::Display) -> Self {
        Self(problem.to_string())
    }
}
