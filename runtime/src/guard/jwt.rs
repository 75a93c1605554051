//! [`Jwt`] and [`OptionalJwt`]: the guards that hand a handler the token's
//! claims.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use jsonwebtoken::Header;
use rocket::request::FromRequest;
use rocket::{Ignite, Rocket, Sentinel};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::guard_aborts;
use crate::authz::{AccessToken, DefaultPolicy, Policy};
use crate::error::AuthError;
use crate::identity::Partner;
use crate::verify::Payload;

/// A request guard for a valid bearer token, with its claims as a `C`.
///
/// The route answers 401 (with an RFC 6750 challenge) when the request has no
/// token, a malformed one, or one that does not validate, or when its claims do
/// not deserialize into `C`, and 403 when the token does not meet the route's
/// [`Policy`] `P` (roles, scopes, a custom check). By default, the only
/// configured validator checks the token and any valid token passes;
/// `#[jwt_auth]` sets `P` from the route's attribute.
///
/// `Jwt` dereferences to `C`:
///
/// ```
/// use rocket_warden::Jwt;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Claims {
///     sub: String,
/// }
///
/// #[rocket::get("/hello")]
/// fn hello(auth: Jwt<Claims>) -> String {
///     format!("hello, {}", auth.sub)
/// }
/// ```
pub struct Jwt<C = Value, P = DefaultPolicy> {
    /// Shared with the validated-token cache: a cached token's claims are
    /// deserialized once, not on each request.
    claims: Arc<C>,
    token: AccessToken,
    policy: PhantomData<fn() -> P>,
}

impl<C, P> Jwt<C, P> {
    /// The claims, deserialized.
    pub fn claims(&self) -> &C {
        &self.claims
    }

    /// Takes the claims out: a clone when the validated-token cache still
    /// shares them with other requests (see [`Jwt::shared_claims`]).
    pub fn into_claims(self) -> C
    where
        C: Clone,
    {
        Arc::unwrap_or_clone(self.claims)
    }

    /// The claims as the `Arc` the guard holds, shared with every request
    /// that carried the same token while it stayed in the validated-token
    /// cache: what to keep past the handler without a copy.
    pub fn shared_claims(&self) -> Arc<C> {
        Arc::clone(&self.claims)
    }

    /// The verified token: payload, header, roles and scopes.
    pub fn token(&self) -> &AccessToken {
        &self.token
    }

    /// The whole payload as JSON, whatever `C` keeps of it.
    pub fn payload(&self) -> &Map<String, Value> {
        self.token.payload()
    }

    /// The token's JOSE header.
    pub fn header(&self) -> &Header {
        self.token.header()
    }

    /// The name of the validator that accepted the token: the route's, or
    /// one further down its chain (`next`).
    pub fn validator(&self) -> &str {
        self.token.validator()
    }

    /// The user the request runs as, by the accepting validator's
    /// `user_strategy`; `None` when the token names no user.
    pub fn user(&self) -> Option<&str> {
        self.token.user()
    }

    /// The partner the request acts for, by the accepting validator's
    /// `partner_strategy`; `None` when there is none.
    pub fn partner(&self) -> Option<&Partner> {
        self.token.partner()
    }

    /// The roles the token holds (see [`AccessToken::roles`]).
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.token.roles()
    }

    /// The scopes the token holds (see [`AccessToken::scopes`]).
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.token.scopes()
    }

    /// Makes the guard from a token that met the route's policy.
    fn from_token(token: AccessToken) -> Result<Self, AuthError>
    where
        C: DeserializeOwned + Send + Sync + 'static,
    {
        let claims = token.claims_as(deserialize)?;
        Ok(Self {
            claims,
            token,
            policy: PhantomData,
        })
    }
}

impl<C, P> Deref for Jwt<C, P> {
    type Target = C;

    fn deref(&self) -> &C {
        &self.claims
    }
}

impl<C, P> fmt::Debug for Jwt<C, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwt")
            .field("validator", &self.validator())
            .field("payload", self.payload())
            .finish_non_exhaustive()
    }
}

impl<'r, C, P> FromRequest<'r> for Jwt<C, P>
where
    C: DeserializeOwned + Send + Sync + 'static,
    P: Policy,
{
    type Error = AuthError;

    from_request!(P, |token| {
        token.ok_or(AuthError::Missing).and_then(Jwt::from_token)
    });
}

impl<C, P: Policy> Sentinel for Jwt<C, P> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        guard_aborts::<P>(rocket, "Jwt")
    }
}

/// A request guard for routes open to anonymous callers that still
/// authenticate the ones who send a token (what Odoo's `auth_jwt` calls
/// `public_or_jwt`).
///
/// No `Authorization` header: the route runs, anonymous. A header: the token is
/// validated fully, and a bad one is a 401 — never a silent fall back to
/// anonymous.
///
/// ```
/// use rocket_warden::OptionalJwt;
///
/// #[rocket::get("/greeting")]
/// fn greeting(auth: OptionalJwt) -> String {
///     match auth.as_ref() {
///         Some(jwt) => format!("hello, {}", jwt["sub"]),
///         None => "hello, stranger".to_owned(),
///     }
/// }
/// ```
pub struct OptionalJwt<C = Value, P = DefaultPolicy>(Option<Jwt<C, P>>);

impl<C, P> OptionalJwt<C, P> {
    /// The authenticated token, or `None` for an anonymous request.
    pub fn into_inner(self) -> Option<Jwt<C, P>> {
        self.0
    }

    /// Whether the request came without credentials.
    pub fn is_anonymous(&self) -> bool {
        self.0.is_none()
    }
}

impl<C, P> Deref for OptionalJwt<C, P> {
    type Target = Option<Jwt<C, P>>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<C, P> fmt::Debug for OptionalJwt<C, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OptionalJwt").field(&self.0).finish()
    }
}

impl<'r, C, P> FromRequest<'r> for OptionalJwt<C, P>
where
    C: DeserializeOwned + Send + Sync + 'static,
    P: Policy,
{
    type Error = AuthError;

    from_request!(P, |token| {
        token.map(Jwt::from_token).transpose().map(OptionalJwt)
    });
}

impl<C, P: Policy> Sentinel for OptionalJwt<C, P> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        guard_aborts::<P>(rocket, "OptionalJwt")
    }
}

/// Deserializes a verified token's claims into the handler's type.
fn deserialize<C: DeserializeOwned>(payload: &Payload) -> Result<C, AuthError> {
    match payload.deserialize::<C>() {
        Ok(claims) => Ok(claims),
        Err(error) => {
            // The serde message can quote claim values, so it stays at debug level.
            tracing::debug!(
                target: "rocket_warden",
                "claims do not fit `{}`: {error}",
                std::any::type_name::<C>()
            );
            Err(AuthError::ClaimsShape)
        }
    }
}
