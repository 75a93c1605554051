//! The fairing: builds the validators at ignite and answers refusals.

use std::sync::Arc;

use rocket::fairing::{self, AdHoc, Fairing, Info, Kind};
use rocket::{Build, Data, Orbit, Request, Response, Rocket};

use crate::identity::{PartnerDirectory, PartnerStrategy, Strategies, UserStrategy};
use crate::registry::Validators;
use crate::routes::{self, RoutePolicies};
use crate::{backend, error, token};

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
#[derive(Debug, Default)]
pub struct Warden {
    strategies: Strategies,
}

impl Warden {
    /// The fairing, with the built-in behaviour.
    pub fn fairing() -> Self {
        Self::default()
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
        backend::install();
        match Validators::build(rocket.figment(), &self.strategies) {
            Ok(validators) => Ok(rocket
                .manage(validators)
                // Attached now, it runs after every ignite fairing attached
                // before launch, so it sees the routes those mount too.
                .attach(AdHoc::try_on_ignite(
                    ROUTES_FAIRING,
                    routes::check_at_ignite,
                ))),
            Err(errors) => {
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
            token::take_query_tokens(request, validators.query_params());
        }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        error::render(request, response);
    }
}
