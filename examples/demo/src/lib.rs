//! The rocket_warden demo: the routes and JSON answers of the demo contract
//! in DESIGN.md, built from the demo's own `Rocket.toml`.
//!
//! In the debug profile it prints, at liftoff, `curl` lines with a freshly
//! minted token, so a newcomer sees a 200 and a 401 in a minute.

mod dev_token;
mod login;
mod metrics;
mod openapi;
mod own_jwks;
mod pages;
mod partners;
mod provider;
mod revoke;
mod routes;
mod rp;
mod users;

use rocket::figment::providers::{Env, Format, Toml};
use rocket::figment::{Figment, Profile};
use rocket::{Build, Rocket};
use rocket_db_pools::Database;
use rocket_warden::provider::Provider;
use rocket_warden::revocation::DenyList;
use rocket_warden::Warden;

pub use dev_token::{mint_dev_jwks_token, mint_dev_token, DevToken};
pub use openapi::OPENAPI_PATH;
pub use own_jwks::{DEV_KEY_PEM, DEV_KID, JWKS_PATH};
pub use partners::{anchor_database, schema, PartnersDb, SqlDirectory, URL_KEY};
pub use provider::{
    own_url, with_defaults, DEMO_API, DEMO_API_SECRET, DEMO_RP, DEMO_RP_SECRET, DEV_ISSUER,
};
pub use routes::WhoAmI;
pub use rp::RpSettings;
pub use users::{DemoUsers, LOGIN_COOKIE, MFA_ACR};

/// The configuration file used when `ROCKET_CONFIG` is not set: the demo's
/// own, wherever `cargo run` is started from.
pub const DEFAULT_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/Rocket.toml");

/// Rocket's usual configuration sources, with the demo's `Rocket.toml` as
/// the default file. Validator `demo_jwks`, when it has no key source of its
/// own, fetches the JWK set this demo serves at [`JWKS_PATH`].
pub fn figment() -> Figment {
    let file = Env::var("ROCKET_CONFIG").unwrap_or_else(|| DEFAULT_CONFIG.to_owned());
    let figment = Figment::from(rocket::Config::default())
        .merge(Toml::file(file).nested())
        .merge(Env::prefixed("ROCKET_").ignore(&["PROFILE"]).global())
        .select(Profile::from_env_or(
            "ROCKET_PROFILE",
            rocket::Config::DEFAULT_PROFILE,
        ));
    anchor_database(own_jwks::point_at_own_jwks(figment))
}

/// The demo, configured from [`figment`].
pub fn rocket() -> Rocket<Build> {
    rocket_from(figment())
}

/// The demo, configured from `figment` (tests pass their own), with the
/// provider's development defaults joined in where it sets nothing.
pub fn rocket_from(figment: Figment) -> Rocket<Build> {
    let figment = with_defaults(figment);
    let rp = RpSettings::from_figment(&figment);
    // Revocations by `POST /admin/revoke`, asked about every token.
    let revoked = DenyList::new();
    let warden = Warden::fairing()
        .partner_directory(SqlDirectory)
        .revocation(revoked.clone());
    rocket::custom(figment)
        .attach(PartnersDb::init())
        .attach(schema())
        .attach(users::schema())
        .attach(warden)
        .attach(Provider::fairing(DemoUsers).sqlite::<PartnersDb>())
        .attach(DevToken)
        .manage(rp)
        .manage(revoked)
        .manage(metrics::Metrics(metrics::recorder()))
        .mount("/", routes::all())
        .mount("/", login::routes())
        .mount("/", rp::routes())
}
