//! The Rocket entry points: the request guards [`Jwt`], [`OptionalJwt`],
//! [`AuthUser`] and [`Authorized`], each a [`Sentinel`](rocket::Sentinel).
//!
//! Each reads the request's credentials and validates them once per request,
//! however many guards a route has (the result lives in Rocket's request-local
//! cache), then applies its route policy, also once per request. A refusal is
//! recorded on the request so the fairing can answer it with the right
//! challenge and body.

mod auth_user;
mod authorized;
mod jwt;

use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rocket::http::Status;
use rocket::request::Outcome;
use rocket::{Ignite, Request, Rocket};
use tracing::Instrument as _;

pub use auth_user::AuthUser;
pub use authorized::Authorized;
pub use jwt::{Jwt, OptionalJwt};

use crate::authn::authenticate;
use crate::authz::{AccessToken, Policy, RoutePolicy};
use crate::config::DpopMode;
use crate::error::{AuthError, Denial};
use crate::identity::Authenticated;
use crate::respond::{self, DpopChallenge, Refusal};
use crate::telemetry::{self, Outcome as Reported};
use crate::validators::{DpopRules, Validators};
use crate::verify::Validator;

/// The realm of a refusal made before any validator was found.
const FALLBACK_REALM: &str = "rocket_warden";

/// How a guard is made from the request's token (`None`: no credentials).
type MakeGuard<G> = fn(Option<AccessToken>) -> Result<G, AuthError>;

/// The work of every guard: validate the request's credentials and apply
/// policy `P` (both once per request), then `make` the guard.
pub(crate) async fn guard<P: Policy, G>(
    request: &Request<'_>,
    make: MakeGuard<G>,
) -> Outcome<G, AuthError> {
    let validator = match route_validator(request, &P::POLICY) {
        Ok(validator) => validator,
        Err(refused) => return refused,
    };
    let decision = decide::<P>(request, validator).await;
    let token = decision.result.clone();
    let had_token = matches!(token, Ok(Some(_)));
    let result = token.and_then(make);
    decision.report_once(validator, had_token, result.as_ref().err());
    conclude::<P, _>(request, validator, result)
}

/// What a request's token came to under policy `P`. Cached on the request
/// per policy type, so guards sharing a policy share one decision (and one
/// run of its custom check).
struct Decision<P> {
    result: Result<Option<AccessToken>, AuthError>,
    /// The `authenticate` span, and when the decision began.
    span: tracing::Span,
    started: Instant,
    /// Whether the outcome was reported (by the route's first guard).
    reported: AtomicBool,
    policy: PhantomData<fn() -> P>,
}

impl<P> Decision<P> {
    /// Records the outcome on the `authenticate` span and in the metrics,
    /// once per decision: anonymous when no credentials were sent and the
    /// guard allows it (`OptionalJwt`), refused with the guard's reason
    /// otherwise.
    fn report_once(&self, validator: &Validator, had_token: bool, refused: Option<&AuthError>) {
        if self.reported.swap(true, Ordering::Relaxed) {
            return;
        }
        let took = self.started.elapsed();
        let outcome = match refused {
            Some(error) => Reported::Refused(error.reason()),
            None if had_token => Reported::Accepted,
            None => Reported::Anonymous,
        };
        self.span.record("outcome", outcome.label());
        if let Reported::Refused(reason) = outcome {
            self.span.record("reason", reason);
        }
        self.span.record("duration_us", took.as_micros() as u64);
        telemetry::authentication(validator.name(), outcome, took);
    }
}

async fn decide<'r, P: Policy>(request: &'r Request<'_>, validator: &Validator) -> &'r Decision<P> {
    // Boxed, like the attempt below: Rocket moves the future it is given,
    // and these hold every step of authentication.
    request
        .local_cache_async(Box::pin(async {
            let span = tracing::info_span!(
                target: "rocket_warden",
                "authenticate",
                validator = validator.name(),
                outcome = tracing::field::Empty,
                reason = tracing::field::Empty,
                duration_us = tracing::field::Empty,
            );
            let started = Instant::now();
            let result = async {
                match attempt(request, validator).await {
                    Ok(Some(verified)) => {
                        authorize::<P>(request, validator, AccessToken::new(verified))
                            .await
                            .map(Some)
                    }
                    Ok(None) => Ok(None),
                    Err(error) => Err(error),
                }
            }
            .instrument(span.clone())
            .await;
            Decision::<P> {
                result,
                span,
                started,
                reported: AtomicBool::new(false),
                policy: PhantomData,
            }
        }))
        .await
}

/// Applies policy `P` to a verified token: audience, step-up, read-only
/// scopes, roles and scopes, then the custom check. Times are read on the
/// route's validator's clock, with its leeway.
async fn authorize<P: Policy>(
    request: &Request<'_>,
    validator: &Validator,
    token: AccessToken,
) -> Result<AccessToken, AuthError> {
    // Authentication accepted a DPoP-bound token only with its proof; a
    // route that requires DPoP takes no other.
    if dpop_mode::<P>(validator) == Some(DpopMode::Required) && !token.is_dpop_bound() {
        return Err(AuthError::DpopRequired);
    }
    let clock = || (validator.now_secs(), validator.leeway());
    P::POLICY.authorize(&token, request.method(), clock)?;
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
            validator: validator.shared_name().clone(),
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
    if *cached.validator == *validator.name() {
        cached.result.clone()
    } else {
        Attempt::run(request, validator).await.result
    }
}

/// The route's validator, or the refusal to answer with when there is none
/// (which sentinels make impossible in an application that launched).
fn route_validator<'r, T>(
    request: &'r Request<'_>,
    policy: &RoutePolicy,
) -> Result<&'r Validator, Outcome<T, AuthError>> {
    let found = request.rocket().state::<Validators>().map(|validators| {
        validators
            .for_route(policy.validator_name())
            .map_err(|e| e.to_string())
    });
    match found {
        Some(Ok(validator)) => Ok(validator),
        Some(Err(problem)) => Err(unconfigured(request, &problem)),
        None => Err(unconfigured(
            request,
            "the rocket_warden fairing is not attached",
        )),
    }
}

fn unconfigured<T>(request: &Request<'_>, problem: &str) -> Outcome<T, AuthError> {
    tracing::error!(target: "rocket_warden", "route {}: {problem}", route_name(request));
    record_refusal(
        request,
        FALLBACK_REALM.into(),
        None,
        None,
        AuthError::NotConfigured,
    )
}

/// How policy `P` takes DPoP with `validator`: the route's own mode, or the
/// validator's `dpop`; `None` when the validator has DPoP disabled. Two
/// field reads: it runs on every request.
fn dpop_mode<P: Policy>(validator: &Validator) -> Option<DpopMode> {
    let validator_mode = validator.dpop_mode()?;
    Some(P::POLICY.dpop_mode().unwrap_or(validator_mode))
}

/// What the `DPoP` challenge of a refusal under policy `P` says, if the
/// route takes DPoP.
fn dpop_challenge<P: Policy>(
    request: &Request<'_>,
    validator: &Validator,
) -> Option<DpopChallenge> {
    let mode = dpop_mode::<P>(validator)?;
    let rules = dpop_rules(request, validator)?;
    let sent_dpop = request.headers().get("Authorization").any(|value| {
        let scheme = value.split(' ').next().unwrap_or_default();
        scheme.eq_ignore_ascii_case("dpop")
    });
    Some(DpopChallenge {
        algs: rules.proofs.algs().into(),
        bearer: mode != DpopMode::Required,
        sent_dpop,
    })
}

/// Leaves the nonce of `validator` on a request with a DPoP proof, when it
/// hands nonces out, for the fairing to send (`DPoP-Nonce`).
fn offer_nonce(request: &Request<'_>, validator: &Validator) {
    let rules = dpop_rules(request, validator);
    if let Some(nonce) = rules.and_then(|dpop| dpop.proofs.current_nonce(validator.now_secs())) {
        respond::offer_nonce(request, nonce);
    }
}

/// `validator`'s DPoP rules, from the application's validators.
fn dpop_rules<'r>(request: &'r Request<'_>, validator: &Validator) -> Option<&'r DpopRules> {
    let validators = request.rocket().state::<Validators>()?;
    validators.rules(validator)?.dpop.as_ref()
}

/// Records `error` on the request for the fairing to render, and fails the guard.
fn record_refusal<T>(
    request: &Request<'_>,
    realm: Arc<str>,
    dpop: Option<DpopChallenge>,
    resource_metadata: Option<Arc<str>>,
    error: AuthError,
) -> Outcome<T, AuthError> {
    let status = error.status();
    Refusal {
        error: error.clone(),
        realm,
        dpop,
        resource_metadata,
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
    if validator.dpop_mode().is_some() && request.headers().contains("DPoP") {
        offer_nonce(request, validator);
    }
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
                validator.name(),
            );
            let dpop = dpop_challenge::<P>(request, validator);
            let metadata = validator.resource().map(|r| r.metadata_url.clone());
            let realm = validator.shared_realm().clone();
            record_refusal(request, realm, dpop, metadata, error)
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
    match validators.for_route(P::POLICY.validator_name()) {
        Ok(validator) => dpop_aborts(validators, validator, P::POLICY.dpop_mode(), &user),
        Err(problem) => {
            tracing::error!(target: "rocket_warden", "{user} {problem}");
            true
        }
    }
}

/// Whether a route's `dpop = …` names a validator without DPoP configured,
/// logging why: the proof settings (`dpop_origin` first) are the
/// validator's, so the route cannot turn DPoP on by itself.
fn dpop_aborts(
    validators: &Validators,
    validator: &Validator,
    mode: Option<DpopMode>,
    user: &str,
) -> bool {
    let Some(mode) = mode else {
        return false;
    };
    if validators
        .rules(validator)
        .is_some_and(|rules| rules.dpop.is_some())
    {
        return false;
    }
    tracing::error!(
        target: "rocket_warden",
        "{user} asks for `dpop = \"{}\"`, but validator `{}` has DPoP disabled: set its \
         `dpop = \"allowed\"` (or \"required\") and `dpop_origin`",
        mode.name(),
        validator.name(),
    );
    true
}

fn route_name(request: &Request<'_>) -> String {
    match request.route() {
        Some(route) => format!("{} {}", route.method, route.uri),
        None => format!("{} {}", request.method(), request.uri().path()),
    }
}
