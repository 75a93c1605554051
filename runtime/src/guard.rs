//! The request guards: [`Jwt`], [`OptionalJwt`] and [`Authorized`].
//!
//! Each reads the request's credentials and validates them once per request,
//! however many guards a route has (the result lives in Rocket's request-local
//! cache), then applies its route policy, also once per request. A refusal is
//! recorded on the request so the fairing can answer it with the right
//! challenge and body.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use jsonwebtoken::Header;
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome};
use rocket::{Ignite, Request, Rocket, Sentinel};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::access::AccessToken;
use crate::authenticate::authenticate;
use crate::error::{AuthError, Denial, Refusal};
use crate::identity::{Authenticated, Partner};
use crate::policy::{Access, DefaultPolicy, Policy, RoutePolicy};
use crate::registry::Validators;
use crate::validate::Validator;

/// The realm of a refusal made before any validator was found.
const FALLBACK_REALM: &str = "rocket_warden";

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
    claims: C,
    token: AccessToken,
    policy: PhantomData<fn() -> P>,
}

impl<C, P> Jwt<C, P> {
    /// The claims, deserialized.
    pub fn claims(&self) -> &C {
        &self.claims
    }

    /// Takes the claims out.
    pub fn into_claims(self) -> C {
        self.claims
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
        C: DeserializeOwned,
    {
        let claims = deserialize(token.payload())?;
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

#[rocket::async_trait]
impl<'r, C, P> FromRequest<'r> for Jwt<C, P>
where
    C: DeserializeOwned + Send,
    P: Policy,
{
    type Error = AuthError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthError> {
        guard::<P, _>(request, |token| {
            token.ok_or(AuthError::Missing).and_then(Jwt::from_token)
        })
        .await
    }
}

impl<C, P: Policy> Sentinel for Jwt<C, P> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        guard_aborts::<P>(rocket, "Jwt")
    }
}

/// A request guard for routes open to anonymous callers that still
/// authenticate the ones who send a token (OCA `auth_jwt`'s `public_or_jwt`).
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

#[rocket::async_trait]
impl<'r, C, P> FromRequest<'r> for OptionalJwt<C, P>
where
    C: DeserializeOwned + Send,
    P: Policy,
{
    type Error = AuthError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthError> {
        guard::<P, _>(request, |token| {
            token.map(Jwt::from_token).transpose().map(OptionalJwt)
        })
        .await
    }
}

impl<C, P: Policy> Sentinel for OptionalJwt<C, P> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        guard_aborts::<P>(rocket, "OptionalJwt")
    }
}

/// A request guard that enforces the route policy `P` and hands the handler
/// nothing but the token, if there was one.
///
/// `#[jwt_auth]` adds it, as a hidden parameter, to handlers that take no
/// [`Jwt`] of their own. With an [`optional`](RoutePolicy::optional) policy,
/// a request without credentials passes, anonymous.
pub struct Authorized<P = DefaultPolicy> {
    token: Option<AccessToken>,
    policy: PhantomData<fn() -> P>,
}

impl<P> Authorized<P> {
    /// The verified token, or `None` for an anonymous request.
    pub fn token(&self) -> Option<&AccessToken> {
        self.token.as_ref()
    }
}

impl<P> fmt::Debug for Authorized<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorized")
            .field("token", &self.token)
            .finish()
    }
}

#[rocket::async_trait]
impl<'r, P: Policy> FromRequest<'r> for Authorized<P> {
    type Error = AuthError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthError> {
        guard::<P, _>(request, |token| match token {
            None if P::POLICY.access() != Access::Optional => Err(AuthError::Missing),
            token => Ok(Authorized {
                token,
                policy: PhantomData,
            }),
        })
        .await
    }
}

impl<P: Policy> Sentinel for Authorized<P> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        guard_aborts::<P>(rocket, "Authorized")
    }
}

/// How a guard is made from the request's token (`None`: no credentials).
pub(crate) type MakeGuard<G> = fn(Option<AccessToken>) -> Result<G, AuthError>;

/// The work of every guard: validate the request's credentials and apply
/// policy `P` (both once per request), then `make` the guard.
pub(crate) async fn guard<P: Policy, G>(
    request: &Request<'_>,
    make: MakeGuard<G>,
) -> Outcome<G, AuthError> {
    let validator = match resolve(request, &P::POLICY) {
        Ok(validator) => validator,
        Err(refused) => return refused,
    };
    let result = decide::<P>(request, validator).await.and_then(make);
    conclude::<P, _>(request, validator, result)
}

/// What a request's token came to under policy `P`. Cached on the request
/// per policy type, so guards sharing a policy share one decision (and one
/// run of its custom check).
struct Decision<P> {
    result: Result<Option<AccessToken>, AuthError>,
    policy: PhantomData<fn() -> P>,
}

async fn decide<P: Policy>(
    request: &Request<'_>,
    validator: &Validator,
) -> Result<Option<AccessToken>, AuthError> {
    // Boxed, like the attempt below: Rocket moves the future it is given,
    // and these hold every step of authentication.
    let decision = request.local_cache_async(Box::pin(async {
        let result = match attempt(request, validator).await {
            Ok(Some(verified)) => authorize::<P>(request, AccessToken::new(verified))
                .await
                .map(Some),
            Ok(None) => Ok(None),
            Err(error) => Err(error),
        };
        Decision::<P> {
            result,
            policy: PhantomData,
        }
    }));
    decision.await.result.clone()
}

/// Applies policy `P` to a verified token: audience, read-only scopes, roles
/// and scopes, then the custom check.
async fn authorize<P: Policy>(
    request: &Request<'_>,
    token: AccessToken,
) -> Result<AccessToken, AuthError> {
    P::POLICY.authorize(&token, request.method())?;
    if let Some(check) = P::check(&token, request.rocket()) {
        if !check.await {
            return Err(AuthError::Forbidden(Denial::CheckFailed));
        }
    }
    Ok(token)
}

/// What a request's credentials came to with one validator (and its chain):
/// no credentials, an identity, or a refusal. Cached on the request, keyed
/// by the route's validator, whichever validator of its chain accepted.
struct Attempt {
    validator: Arc<str>,
    result: Result<Option<Arc<Authenticated>>, AuthError>,
}

impl Attempt {
    async fn run(request: &Request<'_>, validator: &Validator) -> Self {
        let result = match request.rocket().state::<Validators>() {
            Some(validators) => authenticate(request, validators, validator).await,
            None => Err(AuthError::NotConfigured),
        };
        Self {
            validator: validator.name.clone(),
            result,
        }
    }
}

/// Validates the request's credentials with `validator`, once per request:
/// every guard of the route shares the first guard's work. A second validator
/// on the same request (unusual) validates again.
async fn attempt(
    request: &Request<'_>,
    validator: &Validator,
) -> Result<Option<Arc<Authenticated>>, AuthError> {
    let cached = request
        .local_cache_async(Box::pin(Attempt::run(request, validator)))
        .await;
    if cached.validator == validator.name {
        cached.result.clone()
    } else {
        Attempt::run(request, validator).await.result
    }
}

/// The route's validator, or the refusal to answer with when there is none
/// (which sentinels make impossible in an application that launched).
fn resolve<'r, T>(
    request: &'r Request<'_>,
    policy: &RoutePolicy,
) -> Result<&'r Validator, Outcome<T, AuthError>> {
    let found = request.rocket().state::<Validators>().map(|validators| {
        validators
            .resolve(policy.validator_name())
            .map_err(|e| e.to_string())
    });
    match found {
        Some(Ok(validator)) => Ok(validator),
        Some(Err(problem)) => Err(refuse_unconfigured(request, &problem)),
        None => Err(refuse_unconfigured(
            request,
            "the rocket_warden fairing is not attached",
        )),
    }
}

fn refuse_unconfigured<T>(request: &Request<'_>, problem: &str) -> Outcome<T, AuthError> {
    tracing::error!(target: "rocket_warden", "route {}: {problem}", route_name(request));
    refuse(request, FALLBACK_REALM.into(), AuthError::NotConfigured)
}

/// Records `error` on the request for the fairing to render, and fails the guard.
fn refuse<T>(request: &Request<'_>, realm: Arc<str>, error: AuthError) -> Outcome<T, AuthError> {
    let status = error.status();
    Refusal {
        error: error.clone(),
        realm,
    }
    .record(request);
    Outcome::Error((status, error))
}

/// Turns a guard's result into its outcome, recording and logging a refusal.
fn conclude<P: Policy, T>(
    request: &Request<'_>,
    validator: &Validator,
    result: Result<T, AuthError>,
) -> Outcome<T, AuthError> {
    match result {
        Ok(value) => Outcome::Success(value),
        Err(error) => {
            // A 403 says what the route wanted; a 401 has nothing to add.
            let policy = match error.status() {
                Status::Forbidden => format!(" (policy: {})", P::POLICY),
                _ => String::new(),
            };
            tracing::info!(
                target: "rocket_warden",
                "refused {} {}: {}, validator `{}`: {error}{policy}",
                request.method(),
                request.uri().path(),
                error.status(),
                validator.name,
            );
            refuse(request, validator.realm.clone(), error)
        }
    }
}

/// Deserializes a verified token's claims into the handler's type.
fn deserialize<C: DeserializeOwned>(payload: &Map<String, Value>) -> Result<C, AuthError> {
    match C::deserialize(payload) {
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

/// The sentinel shared by the guards: aborts launch, saying why, when the
/// fairing is missing or the policy's validator cannot be found.
pub(crate) fn guard_aborts<P: Policy>(rocket: &Rocket<Ignite>, guard: &str) -> bool {
    // `#[jwt_auth]` policies know their route; hand-written ones are named by type.
    let user = match P::POLICY.route_id() {
        Some(route) => route.to_string(),
        None => format!(
            "a `{guard}` guard (policy `{}`)",
            std::any::type_name::<P>()
        ),
    };
    let Some(validators) = rocket.state::<Validators>() else {
        tracing::error!(
            target: "rocket_warden",
            "{user} is mounted, but the rocket_warden fairing is not attached: \
             add `.attach(rocket_warden::Warden::fairing())`"
        );
        return true;
    };
    match validators.resolve(P::POLICY.validator_name()) {
        Ok(_) => false,
        Err(problem) => {
            tracing::error!(target: "rocket_warden", "{user} {problem}");
            true
        }
    }
}

fn route_name(request: &Request<'_>) -> String {
    match request.route() {
        Some(route) => format!("{} {}", route.method, route.uri),
        None => format!("{} {}", request.method(), request.uri().path()),
    }
}
