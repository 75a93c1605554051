//! The OpenID Provider (feature `provider`): the application issues the
//! tokens that rocket_warden's validators, and anyone's, check.
//!
//! One fairing, [`Provider`], reads `jwt.provider` from Rocket's
//! configuration, makes or loads the signing keys, and mounts the
//! endpoints below the issuer's path: discovery, the key set, authorize
//! (code and hybrid flows, PKCE S256), token (authorization code, rotating
//! refresh tokens, client credentials), UserInfo, revocation (RFC 7009)
//! and introspection (RFC 7662). The application keeps its users and its
//! login page; it tells the provider who is signed in through [`Users`].
//!
//! ```no_run
//! use rocket::Request;
//! use rocket_warden::provider::{Login, Provider, Users};
//! use serde_json::{Map, Value};
//!
//! struct MyUsers;
//!
//! #[rocket::async_trait]
//! impl Users for MyUsers {
//!     async fn signed_in(&self, request: &Request<'_>) -> Option<Login> {
//!         # let _ = request;
//!         None // read the application's login cookie here
//!     }
//!
//!     async fn claims(
//!         &self,
//!         request: &Request<'_>,
//!         sub: &str,
//!         scopes: &[&str],
//!     ) -> Option<Map<String, Value>> {
//!         # let _ = (request, sub, scopes);
//!         Some(Map::new())
//!     }
//! }
//!
//! #[rocket::launch]
//! fn rocket() -> _ {
//!     rocket::build().attach(Provider::fairing(MyUsers))
//! }
//! ```
//!
//! Layers inside: `config` (settings), `secret`, `keys`, `store`, `users`
//! and `tokens` (the vocabulary), `params`, `clients` and `reply` (one
//! request's parts), then `endpoints`, and this fairing on top.

mod clients;
mod config;
mod endpoints;
mod keys;
mod params;
mod reply;
mod secret;
mod store;
mod tokens;
mod users;

pub use config::SigningAlgorithm;
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
pub use store::{
    CodeEntry, CodeGrant, Family, Issued, MemoryStore, ProviderStore, StoreError, StoreResult,
    StoredKey,
};
pub use users::{Login, Users};

use std::sync::Arc;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::{Build, Rocket};
use serde_json::{Map, Value};
use url::Url;

use crate::clock::{self, Clock, SharedClock};
use crate::crypto;
use crate::validators::{Revocation, RevocationUnavailable, Revocations};
use config::ProviderConfig;
use keys::Keyring;

/// The provider fairing. Attach it with the application's [`Users`]:
/// `rocket::build().attach(Provider::fairing(users))`.
///
/// At ignite it reads `jwt.provider` (any problem aborts launch, naming
/// the key), loads the signing keys from the store or makes the first
/// ones, and mounts the endpoints below the issuer's path.
pub struct Provider {
    users: Arc<dyn Users>,
    store: StoreChoice,
    clock: Option<SharedClock>,
}

/// Where the provider keeps its state.
enum StoreChoice {
    Memory,
    Given(Arc<dyn ProviderStore>),
    /// The pool of a `rocket_db_pools` database, fetched at ignite.
    #[cfg(feature = "sqlite")]
    Sqlite(fn(&Rocket<Build>) -> Option<rocket_db_pools::sqlx::SqlitePool>),
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider").finish_non_exhaustive()
    }
}

impl Provider {
    /// The provider, asking `users` who is signed in and what their claims
    /// are, keeping its state in a [`MemoryStore`] unless told otherwise.
    pub fn fairing(users: impl Users) -> Self {
        Self {
            users: Arc::new(users),
            store: StoreChoice::Memory,
            clock: None,
        }
    }

    /// Keeps codes, refresh tokens, consents, revocations and signing keys
    /// in `store`: a database shared by every instance of the application.
    pub fn store(mut self, store: impl ProviderStore) -> Self {
        self.store = StoreChoice::Given(Arc::new(store));
        self
    }

    /// Keeps the provider's state in the SQLite database `D` of
    /// `rocket_db_pools` (a [`SqliteStore`], its `warden_*` tables created
    /// when missing). Attach `D::init()` before the provider.
    #[cfg(feature = "sqlite")]
    pub fn sqlite<D>(mut self) -> Self
    where
        D: rocket_db_pools::Database<Pool = rocket_db_pools::sqlx::SqlitePool>,
    {
        fn pool<D>(rocket: &Rocket<Build>) -> Option<rocket_db_pools::sqlx::SqlitePool>
        where
            D: rocket_db_pools::Database<Pool = rocket_db_pools::sqlx::SqlitePool>,
        {
            D::fetch(rocket).map(|db| (**db).clone())
        }
        self.store = StoreChoice::Sqlite(pool::<D>);
        self
    }

    /// The store chosen, opened: `None` (logged) when it cannot be.
    async fn open_store(&self, rocket: &Rocket<Build>) -> Option<Arc<dyn ProviderStore>> {
        let _ = rocket;
        match &self.store {
            StoreChoice::Memory => Some(Arc::new(MemoryStore::new())),
            StoreChoice::Given(store) => Some(store.clone()),
            #[cfg(feature = "sqlite")]
            StoreChoice::Sqlite(pool) => {
                let Some(pool) = pool(rocket) else {
                    tracing::error!(
                        target: "rocket_warden",
                        "invalid configuration: the provider's SQLite database is not up: attach \
                         its `init()` fairing before the provider's"
                    );
                    return None;
                };
                match SqliteStore::new(pool).await {
                    Ok(store) => Some(Arc::new(store)),
                    Err(error) => {
                        tracing::error!(target: "rocket_warden", "the provider's store: {error}");
                        None
                    }
                }
            }
        }
    }

    /// Reads the time from `clock` (tests, mostly).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }
}

/// What the endpoints share, managed by Rocket.
pub(crate) struct ProviderState {
    pub(crate) config: ProviderConfig,
    pub(crate) keys: Keyring,
    pub(crate) store: Arc<dyn ProviderStore>,
    pub(crate) users: Arc<dyn Users>,
    pub(crate) clock: SharedClock,
    /// The issuer's path, where the endpoints are mounted (`` for `/`).
    pub(crate) base_path: String,
}

impl ProviderState {
    pub(crate) fn now(&self) -> u64 {
        self.clock.now_secs()
    }

    /// The absolute URL of an endpoint path.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.issuer)
    }
}

#[rocket::async_trait]
impl Fairing for Provider {
    fn info(&self) -> Info {
        Info {
            name: "rocket_warden provider",
            kind: Kind::Ignite,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        crypto::install();
        let config = match config::read(rocket.figment()) {
            Ok(Some(config)) => config,
            Ok(None) => {
                tracing::error!(
                    target: "rocket_warden",
                    "invalid configuration: `jwt.provider` is missing: the provider fairing \
                     needs at least its `issuer`"
                );
                return Err(rocket);
            }
            Err(errors) => {
                for error in errors {
                    tracing::error!(target: "rocket_warden", "invalid configuration: {error}");
                }
                return Err(rocket);
            }
        };
        let base_path = Url::parse(&config.issuer)
            .map(|url| url.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let Some(store) = self.open_store(&rocket).await else {
            return Err(rocket);
        };
        let state = ProviderState {
            keys: Keyring::new(&config),
            config,
            store,
            users: self.users.clone(),
            clock: self.clock.clone().unwrap_or_else(clock::system),
            base_path,
        };
        if let Err(error) = state.keys.maintain(&*state.store, state.now()).await {
            tracing::error!(
                target: "rocket_warden",
                "the provider's signing keys could not be loaded or made: {error}"
            );
            return Err(rocket);
        }
        tracing::info!(
            target: "rocket_warden",
            issuer = %state.config.issuer,
            clients = state.config.clients.len(),
            "OpenID Provider ready"
        );
        let mount = if state.base_path.is_empty() {
            "/".to_owned()
        } else {
            state.base_path.clone()
        };
        let revoked = Revoked {
            store: state.store.clone(),
        };
        let rocket = Revocations::register_for(rocket, &state.config.issuer, Arc::new(revoked));
        Ok(rocket.mount(mount, endpoints::routes()).manage(state))
    }
}

/// The provider's revocations, as the validators of the same application
/// see them: an access token of this issuer whose `jti` was revoked here
/// (by the revocation endpoint, a replayed code, a reused refresh token) is
/// refused on its next request. Registered for this issuer's tokens only
/// (`Revocations::register_for`): another issuer's are never looked up.
struct Revoked {
    store: Arc<dyn ProviderStore>,
}

#[rocket::async_trait]
impl Revocation for Revoked {
    async fn is_revoked(&self, claims: &Map<String, Value>) -> Result<bool, RevocationUnavailable> {
        let Some(jti) = claims.get("jti").and_then(Value::as_str) else {
            return Ok(false);
        };
        self.store.is_revoked(jti).await.map_err(|error| {
            tracing::error!(target: "rocket_warden::provider", "revocation lookup failed: {error}");
            RevocationUnavailable
        })
    }
}
