//! The fairing: builds the validators at ignite and answers refusals.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rocket::fairing::{self, AdHoc, Fairing, Info, Kind};
use rocket::{Build, Data, Orbit, Request, Response, Rocket};

use crate::clock::{self, Clock, SharedClock};
use crate::identity::{PartnerDirectory, PartnerStrategy, Strategies, UserStrategy};
use crate::routes::{self, RoutePolicies};
use crate::validators::{Revocation, Revocations, SharedReplayStore, Validators};
use crate::verify::{ReplayStore, TenantTrust, TrustHooks};
use crate::{authn, crypto, metadata, respond};

/// The name of the fairing that checks the mounted routes at ignite.
const ROUTES_FAIRING: &str = "rocket_warden routes";

/// The rocket_warden fairing. Attach it once:
///
/// ```no_run
/// use rocket_warden::Warden;
///
/// #[rocket::launch]
/// fn rocket() -> _ {
///     rocket::build().attach(Warden::fairing())
/// }
/// ```
///
/// At ignite it reads and checks `jwt.validators` and manages the resulting
/// [`Validators`]; any configuration problem aborts launch, each logged with
/// the validator and key it concerns. It also manages the [`RoutePolicies`]
/// of the routes mounted so far, and with `jwt.require_policy = true` aborts
/// launch if any of them declares no policy. At liftoff it logs the
/// validators and the route table. On every response refused by one of its
/// guards, it writes the `WWW-Authenticate` challenge and the JSON body
/// `{"error": "...", "error_description": "..."}`.
#[derive(Default)]
pub struct Warden {
    clock: Option<SharedClock>,
    http_client: Option<reqwest::Client>,
    strategies: Strategies,
    replay: Option<SharedReplayStore>,
    revocations: Vec<Arc<dyn Revocation>>,
    trust: TrustHooks,
    /// Whether a validator of the application takes DPoP proofs, set at
    /// ignite: without one no guard offers a nonce, and responses skip the
    /// look for one (a header lookup on every response, `/open` included).
    dpop_in_use: AtomicBool,
}

impl std::fmt::Debug for Warden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Warden")
            .field("clock", &self.clock)
            .field("strategies", &self.strategies)
            .field("replay", &self.replay)
            .field("revocations", &self.revocations.len())
            .field("trust", &self.trust.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Warden {
    /// The fairing, with the built-in behaviour.
    pub fn fairing() -> Self {
        Self::default()
    }

    /// Reads token times (`exp`, `nbf`, `iat`) and key cache lifetimes from
    /// `clock` instead of the system clock: for tests, mostly.
    ///
    /// ```
    /// use rocket_warden::clock::ManualClock;
    /// use rocket_warden::Warden;
    ///
    /// let clock = ManualClock::at_secs(1_311_280_970);
    /// let fairing = Warden::fairing().clock(clock.clone());
    /// ```
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Fetches remote keys (`jwks_uri`, `discovery`) with `client` instead of
    /// the default one (rustls, a 3 s connect timeout, no redirects): to add
    /// a proxy, a root certificate or other timeouts. Each fetch still has
    /// its validator's `jwks_timeout_ms` and `jwks_max_bytes`.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Registers a user strategy under `name`, for validators that set
    /// `user_strategy = "<name>"`. The built-in names (`static`, `claim`)
    /// cannot be taken; a mistake here aborts launch.
    pub fn user_strategy(mut self, name: &str, strategy: impl UserStrategy) -> Self {
        self.strategies.add_user(name, Arc::new(strategy));
        self
    }

    /// Registers a partner strategy under `name`, for validators that set
    /// `partner_strategy = "<name>"`. The built-in names (`none`, `email`,
    /// `claim`) cannot be taken; a mistake here aborts launch.
    pub fn partner_strategy(mut self, name: &str, strategy: impl PartnerStrategy) -> Self {
        self.strategies.add_partner(name, Arc::new(strategy));
        self
    }

    /// Remembers used DPoP proofs in `store` instead of in each validator's
    /// memory: for several instances of one application, which must refuse
    /// a proof any of them accepted before (RFC 9449 §11.1).
    pub fn replay_store(mut self, store: impl ReplayStore) -> Self {
        self.replay = Some(Arc::new(store));
        self
    }

    /// Asks `list` about every verified token (cached ones included) and
    /// refuses those it says are revoked: 401 `invalid_token`, or 503 while
    /// it cannot tell. Several lists may be added; each is asked in turn.
    pub fn revocation(mut self, list: impl Revocation) -> Self {
        self.revocations.push(Arc::new(list));
        self
    }

    /// Registers a tenant trust hook under `name`, for tenants validators
    /// that set `trust = "<name>"`: it decides at run time which issuers
    /// they accept, and where each one's keys are.
    pub fn tenant_trust(mut self, name: &str, hook: impl TenantTrust) -> Self {
        self.trust.insert(name.to_owned(), Arc::new(hook));
        self
    }

    /// The directory the built-in `email` and `claim` partner strategies
    /// look partners up in.
    pub fn partner_directory(mut self, directory: impl PartnerDirectory) -> Self {
        self.strategies.set_directory(Arc::new(directory));
        self
    }
}

#[rocket::async_trait]
impl Fairing for Warden {
    fn info(&self) -> Info {
        Info {
            name: "rocket_warden",
            kind: Kind::Ignite | Kind::Liftoff | Kind::Request | Kind::Response,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        crypto::install();
        let clock = self.clock.clone().unwrap_or_else(clock::system);
        let client = self.http_client.clone();
        let replay = self.replay.as_ref();
        let built = Validators::build(
            rocket.figment(),
            clock,
            client,
            &self.strategies,
            replay,
            &self.trust,
        );
        let documents = built.as_ref().ok().map(metadata::routes);
        match (built, documents) {
            (Ok(_), Some(Err((first, second)))) => {
                tracing::error!(
                    target: "rocket_warden",
                    "invalid configuration: validators `{first}` and `{second}` name resources \
                     whose metadata documents would share one path: give them different \
                     `resource` paths, or one validator"
                );
                Err(rocket)
            }
            (Ok(validators), documents) => {
                let dpop = validators.iter().any(|v| v.dpop_mode().is_some());
                self.dpop_in_use.store(dpop, Ordering::Relaxed);
                Ok(self
                    .revocations
                    .iter()
                    .fold(rocket, |rocket, list| {
                        Revocations::register(rocket, list.clone())
                    })
                    .manage(validators)
                    .mount("/", documents.and_then(Result::ok).unwrap_or_default())
                    // Attached now, it runs after every ignite fairing attached
                    // before launch, so it sees the routes those mount too.
                    .attach(AdHoc::try_on_ignite(
                        ROUTES_FAIRING,
                        routes::build_route_table,
                    )))
            }
            (Err(errors), _) => {
                for error in errors.iter() {
                    tracing::error!(target: "rocket_warden", "invalid configuration: {error}");
                }
                Err(rocket)
            }
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        if let Some(validators) = rocket.state::<Validators>() {
            for validator in validators.iter() {
                tracing::info!(target: "rocket_warden", "{}", validator.summary());
                // In the background: launch never waits for a key provider.
                validator.start();
            }
        }
        if let Some(policies) = rocket.state::<RoutePolicies>() {
            routes::log(policies);
        }
    }

    async fn on_request(&self, request: &mut Request<'_>, _data: &mut Data<'_>) {
        // Query tokens leave the URI before Rocket logs the request line.
        if request.uri().query().is_none() {
            return;
        }
        let Some(validators) = request.rocket().state::<Validators>() else {
            return;
        };
        if validators.takes_query_tokens() {
            authn::take_query_tokens(request, validators.query_params());
        }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        respond::render(request, response);
        if self.dpop_in_use.load(Ordering::Relaxed) {
            respond::write_nonce(request, response);
        }
    }
}
