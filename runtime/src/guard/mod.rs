//! The Rocket entry points: the request guards [`Jwt`], [`OptionalJwt`],
//! [`AuthUser`] and [`Authorized`], each a [`Sentinel`](rocket::Sentinel).
//!
//! Each reads the request's credentials and validates them once per request,
//! however many guards a route has (the result lives in Rocket's request-local
//! cache, unless the route's one guard finished it without waiting), then
//! applies its route policy, also once per request. A refusal is
//! recorded on the request so the fairing can answer it with the right
//! challenge and body.

/// `FromRequest::from_request` for a guard made by `make` under policy
/// `policy`: [`guard`], with the signature `#[async_trait]` gives the
/// trait. Written out rather than through `#[async_trait]`, which would put
/// the whole guard in the future Rocket boxes, so that what needs no
/// waiting is done before Rocket polls (see [`guard`]).
macro_rules! from_request {
    ($policy:ty, $make:expr) => {
        fn from_request<'life0, 'async_trait>(
            request: &'r ::rocket::Request<'life0>,
        ) -> $crate::guard::GuardFuture<'async_trait, Self>
        where
            'r: 'async_trait,
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            $crate::guard::guard::<$policy, _>(request, $make)
        }
    };
}

mod auth_user;
mod authorized;
mod jwt;

use std::any::TypeId;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Instant;

use rocket::futures::future::BoxFuture;
use rocket::http::Status;
use rocket::request::Outcome;
use rocket::{Ignite, Request, Rocket};
use tracing::Instrument as _;

pub use auth_user::AuthUser;
pub use authorized::Authorized;
pub use jwt::{Jwt, OptionalJwt};

use crate::authn::{self, Rest, Start};
use crate::authz::{AccessToken, Policy};
use crate::config::DpopMode;
use crate::error::{AuthError, Denial};
use crate::headers;
use crate::identity::Authenticated;
use crate::respond::{self, DpopChallenge, Refusal};
use crate::telemetry::{self, Outcome as Reported};
use crate::validators::{DpopRules, Validators};
use crate::verify::Validator;

/// The realm of a refusal made before any validator was found.
const FALLBACK_REALM: &str = "rocket_warden";

/// How a guard is made from the request's token (`None`: no credentials).
type MakeGuard<G> = fn(Option<AccessToken>) -> Result<G, AuthError>;

/// What a request's token came to under one policy: no credentials, a
/// token that met the policy, or a refusal.
type Decided = Result<Option<AccessToken>, AuthError>;

/// The decisions of the policies a request's guards applied: a route's
/// guards share one policy, so the first is kept without allocating (a
/// mutex, not a `OnceLock`: setting one runs `Once`'s slow path on every
/// request).
#[derive(Default)]
struct Decisions {
    first: Option<(TypeId, Decided)>,
    others: Vec<(TypeId, Decided)>,
}

/// A guard's future, as Rocket's `FromRequest` asks for it.
pub(crate) type GuardFuture<'r, G> = BoxFuture<'r, Outcome<G, AuthError>>;

/// The work of every guard: validate the request's credentials (once per
/// request) and apply policy `P` (once per request and policy), then `make`
/// the guard.
///
/// What needs no waiting is done now, before Rocket polls anything: the
/// route's one guard, with an authentication finished without waiting (a
/// plain cache hit, a request without credentials) and no custom check to
/// run, hands back a future that holds only the outcome, a few words.
/// Rocket boxes a guard's future on every request, and the whole guard's
/// future is hundreds of bytes, which a plain hit would allocate, move and
/// free for nothing. No other guard of the route would look for that
/// authentication, so it also stays out of Rocket's request-local cache
/// (its map, its entry, two allocations), is decided without a copy, and
/// its decision is not kept. What has to wait is a future of its own per
/// kind of wait, so that neither carries the other's state, and a miss's
/// stays within the allocator's per-thread cache (1 032 bytes for glibc).
pub(crate) fn guard<'r, P: Policy, G: Send + 'r>(
    request: &'r Request<'_>,
    make: MakeGuard<G>,
) -> GuardFuture<'r, G> {
    let (validators, validator) = match route_validator::<P, _>(request) {
        Ok(found) => found,
        Err(refused) => return Box::pin(std::future::ready(refused)),
    };
    let shared = |begun: Option<Later<'r>>| -> GuardFuture<'r, G> {
        Box::pin(finish_shared::<P, G>(
            request, validators, validator, begun, make,
        ))
    };
    if !P::ONE_GUARD {
        return shared(None);
    }
    let Finished {
        result,
        span,
        started,
    } = match Authentication::begin(request, validators, validator) {
        Begun::Done(finished) => finished,
        Begun::Later(later) => return shared(Some(later)),
    };
    let decided = match admit::<P>(request, validator, &span, result) {
        Ok(Some(token)) if has_check::<P>(&token, request) => {
            return Box::pin(finish_check::<P, G>(
                request, validator, token, span, started, make,
            ))
        }
        decided => decided,
    };
    let outcome = settled::<P, G>(request, validator, &span, started, decided, make);
    Box::pin(std::future::ready(outcome))
}

/// Whether policy `P` has a custom check to run on `token`. `#[jwt_auth]`
/// names the check it generates; a hand-written policy may not, so then
/// asking for the check decides (the future it makes is dropped unpolled,
/// and made again where it is awaited).
fn has_check<P: Policy>(token: &AccessToken, request: &Request<'_>) -> bool {
    P::POLICY.check_name().is_some() || P::check(token, request.rocket()).is_some()
}

/// The guard's outcome after authenticating (or finding what another guard
/// of the route did, see [`authenticate`]) and deciding once per policy:
/// for any guard but a route's one guard, and for that one when
/// authenticating has to wait (`begun`).
async fn finish_shared<'a, P: Policy, G>(
    request: &'a Request<'_>,
    validators: &'a Validators,
    validator: &'a Validator,
    begun: Option<Later<'a>>,
    make: MakeGuard<G>,
) -> Outcome<G, AuthError> {
    let mut own = None;
    let authentication = authenticate(request, validators, validator, begun, &mut own).await;
    let decided = authentication.decide::<P>(request, validator).await;
    let record = |had_token, refused: Option<&AuthError>| {
        authentication.report_once(validator, had_token, refused);
    };
    outcome::<P, G>(request, validator, decided, make, record)
}

/// The outcome of a route's one guard once the custom check has run on a
/// `token` that met the rest of its policy (in the authentication's `span`).
async fn finish_check<P: Policy, G>(
    request: &Request<'_>,
    validator: &Validator,
    token: AccessToken,
    span: tracing::Span,
    started: Option<Instant>,
    make: MakeGuard<G>,
) -> Outcome<G, AuthError> {
    let decided = check::<P>(request, &span, token).await;
    settled::<P, G>(request, validator, &span, started, decided, make)
}

/// The outcome of a route's one guard, once decided: reported on its own
/// `span`, since no other guard shares its authentication.
fn settled<P: Policy, G>(
    request: &Request<'_>,
    validator: &Validator,
    span: &tracing::Span,
    started: Option<Instant>,
    decided: Decided,
    make: MakeGuard<G>,
) -> Outcome<G, AuthError> {
    let record = |had_token, refused: Option<&AuthError>| {
        report(span, started, validator, had_token, refused);
    };
    outcome::<P, G>(request, validator, decided, make, record)
}

/// Makes the guard from what policy `P` decided, has `record` report the
/// outcome (whether a token met the policy, and the refusal), and turns it
/// into the guard's outcome.
fn outcome<P: Policy, G>(
    request: &Request<'_>,
    validator: &Validator,
    decided: Decided,
    make: MakeGuard<G>,
    record: impl FnOnce(bool, Option<&AuthError>),
) -> Outcome<G, AuthError> {
    let had_token = matches!(decided, Ok(Some(_)));
    let result = decided.and_then(make);
    record(had_token, result.as_ref().err());
    conclude::<P, _>(request, validator, result)
}

/// The request's authentication with `validator`, shared by the guards of
/// the route through Rocket's request-local cache: the one `begun` (by the
/// route's one guard) or a new one. A request another validator
/// authenticated first (unusual) is authenticated again, into `own`: boxed,
/// since the guard's future holds it, and that future (which Rocket boxes
/// on every request) must stay within the allocator's per-thread cache
/// (1 032 bytes for glibc).
async fn authenticate<'a>(
    request: &'a Request<'_>,
    validators: &'a Validators,
    validator: &'a Validator,
    begun: Option<Later<'a>>,
    own: &'a mut Option<Box<Authentication>>,
) -> &'a Authentication {
    // Not `local_cache_async`: its future keeps the future it is handed
    // twice over, which would take the guard's future (which Rocket boxes)
    // past the allocator's small sizes.
    let slot = &request.local_cache(Shared::default).0;
    if let Some(kept) = slot.get().filter(|kept| kept.is_with(validator)) {
        return kept;
    }
    let finished = Finished::complete(begun, request, validators, validator).await;
    let authentication = Authentication::of(validator, finished);
    // Asked again: a guard run beside this one (joined by the application)
    // may have filled the entry meanwhile; the first to finish is shared.
    match slot.get() {
        None => slot.get_or_init(|| authentication),
        Some(_) => own.insert(Box::new(authentication)),
    }
}

/// The request-local entry of a request's shared authentication.
#[derive(Default)]
struct Shared(OnceLock<Authentication>);

/// A request's authentication with one validator (and its chain), and the
/// decisions of the policies its guards applied to it: the one entry a
/// request keeps in Rocket's request-local cache, where every guard of a
/// route shares the first guard's work (see [`authenticate`]).
struct Authentication {
    /// The route's validator, whichever validator of its chain accepted.
    validator: Arc<str>,
    finished: Finished,
    /// Each policy's decision, kept for the route's other guards.
    decisions: Mutex<Decisions>,
    /// Whether the outcome was reported (by the route's first guard).
    reported: AtomicBool,
}

/// What authenticating a request came to: the identity (`None`: no
/// credentials), or the refusal.
struct Finished {
    result: Result<Option<Authenticated>, AuthError>,
    /// The `authenticate` span, and when the work began (read only when a
    /// subscriber or the metrics want the duration).
    span: tracing::Span,
    started: Option<Instant>,
}

/// How far [`Authentication::begin`] got.
enum Begun<'r> {
    /// All the way.
    Done(Finished),
    /// What is left has to wait.
    Later(Later<'r>),
}

/// An authentication [`Authentication::begin`] could not finish without
/// waiting.
struct Later<'r> {
    rest: Rest<'r>,
    span: tracing::Span,
    started: Option<Instant>,
}

impl Finished {
    /// The authentication `begun` left for later, or the whole of it.
    async fn complete(
        begun: Option<Later<'_>>,
        request: &Request<'_>,
        validators: &Validators,
        validator: &Validator,
    ) -> Self {
        let begun = match begun {
            Some(later) => Begun::Later(later),
            None => Authentication::begin(request, validators, validator),
        };
        match begun {
            Begun::Done(done) => done,
            Begun::Later(later) => Box::pin(later.finish(request, validators, validator)).await,
        }
    }
}

impl Authentication {
    /// The authentication with `validator` that `finished`, to be shared.
    fn of(validator: &Validator, finished: Finished) -> Self {
        Self {
            validator: validator.shared_name().clone(),
            finished,
            decisions: Mutex::default(),
            reported: AtomicBool::new(false),
        }
    }

    /// Whether this is the authentication with `validator`.
    fn is_with(&self, validator: &Validator) -> bool {
        Arc::ptr_eq(&self.validator, validator.shared_name())
            || *self.validator == *validator.name()
    }

    /// The authentication, when it needs no waiting (see [`authn::start`]).
    fn begin<'r>(
        request: &'r Request<'_>,
        validators: &'r Validators,
        validator: &'r Validator,
    ) -> Begun<'r> {
        let span = match span_observed() {
            true => tracing::info_span!(
                target: "rocket_warden",
                "authenticate",
                validator = validator.name(),
                outcome = tracing::field::Empty,
                reason = tracing::field::Empty,
                duration_us = tracing::field::Empty,
            ),
            false => tracing::Span::none(),
        };
        // Without a subscriber for the span, entering and leaving it on each
        // poll is work for nothing (and, with tracing's `log` feature, a
        // check of the logger each time).
        let traced = !span.is_disabled();
        let started = (telemetry::ENABLED || traced).then(Instant::now);
        let start = || authn::start(request, validators, validator);
        let begun = match traced {
            true => span.in_scope(start),
            false => start(),
        };
        match begun {
            Start::Done(result) => Begun::Done(Finished {
                result,
                span,
                started,
            }),
            Start::Later(rest) => Begun::Later(Later {
                rest,
                span,
                started,
            }),
        }
    }

    /// What the token comes to under policy `P`, decided once per request.
    async fn decide<P: Policy>(&self, request: &Request<'_>, validator: &Validator) -> Decided {
        let policy = TypeId::of::<P>();
        // The one guard of a policy decides once without keeping it.
        if !P::ONE_GUARD {
            if let Some(decided) = self.decided(policy) {
                return decided;
            }
        }
        let Finished { result, span, .. } = &self.finished;
        let decided = decide::<P>(request, validator, span, result.clone()).await;
        if !P::ONE_GUARD {
            self.remember(policy, &decided);
        }
        decided
    }

    /// The decision policy `policy` came to on this request, if it ran.
    fn decided(&self, policy: TypeId) -> Option<Decided> {
        let decisions = self
            .decisions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut all = decisions.first.iter().chain(&decisions.others);
        let found = all.find(|(other, _)| *other == policy);
        found.map(|(_, decided)| decided.clone())
    }

    fn remember(&self, policy: TypeId, decided: &Decided) {
        let mut decisions = self
            .decisions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let kept = (policy, decided.clone());
        match decisions.first {
            None => decisions.first = Some(kept),
            Some(_) => decisions.others.push(kept),
        }
    }

    /// [`report`]s the outcome once per request, for the route's first
    /// guard.
    fn report_once(&self, validator: &Validator, had_token: bool, refused: Option<&AuthError>) {
        if self.reported.swap(true, Ordering::Relaxed) {
            return;
        }
        let Finished { span, started, .. } = &self.finished;
        report(span, *started, validator, had_token, refused);
    }
}

impl Later<'_> {
    /// The rest of the authentication, with the validators it began with.
    /// Boxed where it is awaited: it may verify a signature, fetch keys or
    /// ask a directory, a future of kilobytes that a cache hit, finished
    /// without it, should neither carry nor allocate.
    async fn finish(
        self,
        request: &Request<'_>,
        validators: &Validators,
        validator: &Validator,
    ) -> Finished {
        let finishing = self.rest.finish(request, validators, validator);
        let result = match self.span.is_disabled() {
            true => finishing.await,
            false => finishing.instrument(self.span.clone()).await,
        };
        Finished {
            result,
            span: self.span,
            started: self.started,
        }
    }
}

/// What an authentication's `result` comes to under policy `P`: the
/// identity's token, once it meets the policy (in `span`), the route's
/// custom check last.
async fn decide<P: Policy>(
    request: &Request<'_>,
    validator: &Validator,
    span: &tracing::Span,
    result: Result<Option<Authenticated>, AuthError>,
) -> Decided {
    match admit::<P>(request, validator, span, result)? {
        Some(token) => check::<P>(request, span, token).await,
        None => Ok(None),
    }
}

/// What an authentication's `result` comes to under policy `P`, as far as
/// needs no waiting: the identity's token once [`permit`]ted (in `span`),
/// before the route's custom check.
fn admit<P: Policy>(
    request: &Request<'_>,
    validator: &Validator,
    span: &tracing::Span,
    result: Result<Option<Authenticated>, AuthError>,
) -> Decided {
    let identity = match result {
        Ok(Some(identity)) => identity,
        Ok(None) => return Ok(None),
        Err(error) => return Err(error),
    };
    let token = AccessToken::new(identity);
    match span.is_disabled() {
        true => permit::<P>(request, validator, &token),
        false => span.in_scope(|| permit::<P>(request, validator, &token)),
    }?;
    Ok(Some(token))
}

/// Runs the route's custom check (in `span`) on a token that met the rest
/// of policy `P`: the one part of a policy that may wait.
async fn check<P: Policy>(
    request: &Request<'_>,
    span: &tracing::Span,
    token: AccessToken,
) -> Decided {
    if let Some(check) = P::check(&token, request.rocket()) {
        let passed = match span.is_disabled() {
            true => check.await,
            false => check.instrument(span.clone()).await,
        };
        if !passed {
            return Err(AuthError::Forbidden(Denial::CheckFailed));
        }
    }
    Ok(Some(token))
}

/// Records a request's outcome on its `authenticate` span and in the
/// metrics: anonymous when no credentials were sent and the guard allows
/// it (`OptionalJwt`), refused with the guard's reason otherwise.
fn report(
    span: &tracing::Span,
    started: Option<Instant>,
    validator: &Validator,
    had_token: bool,
    refused: Option<&AuthError>,
) {
    let outcome = match refused {
        Some(error) => Reported::Refused(error.reason()),
        None if had_token => Reported::Accepted,
        None => Reported::Anonymous,
    };
    let took = started.map(|started| started.elapsed());
    if !span.is_disabled() {
        span.record("outcome", outcome.label());
        if let Reported::Refused(reason) = outcome {
            span.record("reason", reason);
        }
        if let Some(took) = took {
            span.record("duration_us", took.as_micros() as u64);
        }
    }
    telemetry::authentication(
        validator.series(),
        validator.name(),
        outcome,
        took.unwrap_or_default(),
    );
}

/// Applies policy `P` to a verified token, as far as needs no waiting:
/// DPoP, audience, step-up, read-only scopes, roles and scopes. Times are
/// read on the route's validator's clock, with its leeway.
fn permit<P: Policy>(
    request: &Request<'_>,
    validator: &Validator,
    token: &AccessToken,
) -> Result<(), AuthError> {
    // Authentication accepted a DPoP-bound token only with its proof; a
    // route that requires DPoP takes no other.
    if dpop_mode::<P>(validator) == Some(DpopMode::Required) && !token.is_dpop_bound() {
        return Err(AuthError::DpopRequired);
    }
    let clock = || (validator.now_secs(), validator.leeway());
    P::POLICY.authorize(token, request.method(), clock)
}

/// Whether anything could see the `authenticate` span: a tracing
/// subscriber, or (through tracing's `log` feature, when none is set) a
/// logger at `info`. Without either, the span would still be made disabled,
/// record its fields for `log` and ask the logger again when dropped, work
/// nobody sees on every request; `Span::none()` does none of it.
fn span_observed() -> bool {
    tracing::dispatcher::has_been_set() || log::max_level() >= log::LevelFilter::Info
}

/// The application's validators and the route's, or the refusal to answer
/// with when there is none (which sentinels make impossible in an
/// application that launched).
fn route_validator<'r, P: Policy, T>(
    request: &'r Request<'_>,
) -> Result<(&'r Validators, &'r Validator), Outcome<T, AuthError>> {
    let policy = &P::POLICY;
    let Some(validators) = request.rocket().state::<Validators>() else {
        return Err(unconfigured(
            request,
            "the rocket_warden fairing is not attached",
        ));
    };
    match validators.for_policy(policy.validator_name(), P::validator_slot()) {
        Ok(validator) => Ok((validators, validator)),
        Err(problem) => Err(unconfigured(request, &problem.to_string())),
    }
}

#[cold]
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
    if validator.dpop_mode().is_some() && headers::has(request.headers(), "dpop") {
        offer_nonce(request, validator);
    }
    match result {
        Ok(value) => Outcome::Success(value),
        Err(error) => refuse::<P, T>(request, validator, error),
    }
}

/// Logs and records a refusal under policy `P`, and fails the guard. Out
/// of line: the code that accepts a request stays together, and smaller.
#[cold]
#[inline(never)]
fn refuse<P: Policy, T>(
    request: &Request<'_>,
    validator: &Validator,
    error: AuthError,
) -> Outcome<T, AuthError> {
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
    // Resolved here, at ignite, into the policy's slot.
    match validators.for_policy(P::POLICY.validator_name(), P::validator_slot()) {
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
