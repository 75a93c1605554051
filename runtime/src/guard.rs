//! The request guards: [`Jwt`] and [`OptionalJwt`].
//!
//! Both read the request's credentials and validate them once per request,
//! however many guards a route has (the result lives in Rocket's request-local
//! cache). A refusal is recorded on the request so the fairing can answer it
//! with the right challenge and body.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use jsonwebtoken::Header;
use rocket::request::{FromRequest, Outcome};
use rocket::{Ignite, Request, Rocket, Sentinel};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{AuthError, Refusal};
use crate::policy::{DefaultPolicy, Policy, RoutePolicy};
use crate::registry::Validators;
use crate::token;
use crate::validate::{Validator, Verified};

/// The realm of a refusal made before any validator was found.
const FALLBACK_REALM: &str = "rocket_warden";

/// A request guard for a valid bearer token, with its claims as a `C`.
///
/// The route answers 401 (with an RFC 6750 challenge) when the request has no
/// token, a malformed one, or one that does not validate, or when its claims do
/// not deserialize into `C`. `P` names the route's [`Policy`]; by default, the
/// only configured validator checks the token.
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
    token: Arc<Verified>,
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

    /// The whole payload as JSON, whatever `C` keeps of it.
    pub fn payload(&self) -> &Map<String, Value> {
        &self.token.payload
    }

    /// The token's JOSE header.
    pub fn header(&self) -> &Header {
        &self.token.header
    }

    /// The name of the validator that accepted the token.
    pub fn validator(&self) -> &str {
        &self.token.validator
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
        guard(request, |jwt| jwt.ok_or(AuthError::Missing)).await
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
        guard(request, |jwt| Ok(OptionalJwt(jwt))).await
    }
}

impl<C, P: Policy> Sentinel for OptionalJwt<C, P> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        guard_aborts::<P>(rocket, "OptionalJwt")
    }
}

/// How a guard is made from the request's token (`None`: no credentials).
type MakeGuard<C, P, G> = fn(Option<Jwt<C, P>>) -> Result<G, AuthError>;

/// The work of both guards: validate the request's credentials for policy
/// `P`, then `make` the guard.
async fn guard<C, P, G>(request: &Request<'_>, make: MakeGuard<C, P, G>) -> Outcome<G, AuthError>
where
    C: DeserializeOwned,
    P: Policy,
{
    let validator = match resolve(request, &P::POLICY) {
        Ok(validator) => validator,
        Err(refused) => return refused,
    };
    let result = attempt(request, validator)
        .await
        .and_then(|token| token.map(deserialize).transpose())
        .and_then(make);
    conclude(request, validator, result)
}

/// What a request's credentials came to with one validator: no credentials,
/// a verified token, or a refusal. Cached on the request.
struct Attempt {
    validator: Arc<str>,
    result: Result<Option<Arc<Verified>>, AuthError>,
}

impl Attempt {
    async fn run(request: &Request<'_>, validator: &Validator) -> Self {
        let result = match token::bearer_token(request) {
            Ok(Some(token)) => validator.verify(token).await.map(|v| Some(Arc::new(v))),
            Ok(None) => Ok(None),
            Err(error) => Err(error),
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
) -> Result<Option<Arc<Verified>>, AuthError> {
    let cached = request
        .local_cache_async(Attempt::run(request, validator))
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
fn conclude<T>(
    request: &Request<'_>,
    validator: &Validator,
    result: Result<T, AuthError>,
) -> Outcome<T, AuthError> {
    match result {
        Ok(value) => Outcome::Success(value),
        Err(error) => {
            tracing::info!(
                target: "rocket_warden",
                "refused {} {}: {}, validator `{}`: {error}",
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
fn deserialize<C: DeserializeOwned, P>(token: Arc<Verified>) -> Result<Jwt<C, P>, AuthError> {
    match C::deserialize(&token.payload) {
        Ok(claims) => Ok(Jwt {
            claims,
            token,
            policy: PhantomData,
        }),
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

/// The sentinel shared by both guards: aborts launch, saying why, when the
/// fairing is missing or the policy's validator cannot be found.
fn guard_aborts<P: Policy>(rocket: &Rocket<Ignite>, guard: &str) -> bool {
    let policy = std::any::type_name::<P>();
    let Some(validators) = rocket.state::<Validators>() else {
        tracing::error!(
            target: "rocket_warden",
            "a `{guard}` guard (policy `{policy}`) is mounted, but the rocket_warden fairing is not \
             attached: add `.attach(rocket_warden::Warden::fairing())`"
        );
        return true;
    };
    match validators.resolve(P::POLICY.validator_name()) {
        Ok(_) => false,
        Err(problem) => {
            tracing::error!(target: "rocket_warden", "a `{guard}` guard (policy `{policy}`) {problem}");
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
