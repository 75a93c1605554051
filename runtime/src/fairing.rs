//! The fairing: builds the validators at ignite and answers refusals.

use std::sync::Arc;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::{Build, Orbit, Request, Response, Rocket};

use crate::clock::{self, Clock, SharedClock};
use crate::registry::Validators;
use crate::routes::RoutePolicies;
use crate::{backend, config, error};

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
#[derive(Debug, Default)]
pub struct Warden {
    clock: Option<SharedClock>,
    http_client: Option<reqwest::Client>,
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
    /// use rocket_warden::{ManualClock, Warden};
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
}

#[rocket::async_trait]
impl Fairing for Warden {
    fn info(&self) -> Info {
        Info {
            name: "rocket_warden",
            kind: Kind::Ignite | Kind::Liftoff | Kind::Response,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        backend::install();
        let clock = self.clock.clone().unwrap_or_else(clock::system);
        let validators = Validators::build(rocket.figment(), clock, self.http_client.clone());
        let require_policy = config::require_policy(rocket.figment());
        let (validators, require_policy) = match (validators, require_policy) {
            (Ok(validators), Ok(require)) => (validators, require),
            (validators, require) => {
                let errors = validators
                    .err()
                    .map(|errors| errors.iter().cloned().collect());
                for error in errors
                    .unwrap_or_else(Vec::new)
                    .into_iter()
                    .chain(require.err())
                {
                    tracing::error!(target: "rocket_warden", "invalid configuration: {error}");
                }
                return Err(rocket);
            }
        };
        let policies = RoutePolicies::of(&rocket);
        if require_policy && policies.without_policy().next().is_some() {
            for route in policies.without_policy() {
                tracing::error!(
                    target: "rocket_warden",
                    "`jwt.require_policy` is set, and route {route} declares no policy: \
                     add `#[jwt_auth(...)]` above its route attribute, or \
                     `#[jwt_auth(public)]` if it is meant to be open"
                );
            }
            return Err(rocket);
        }
        Ok(rocket.manage(validators).manage(policies))
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
            tracing::info!(target: "rocket_warden", "route policies:");
            for route in policies.iter() {
                match route.policy() {
                    Some(policy) => tracing::info!(target: "rocket_warden", "  {route}: {policy}"),
                    None => tracing::info!(target: "rocket_warden", "  {route}: no policy"),
                }
            }
        }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        error::render(request, response);
    }
}
