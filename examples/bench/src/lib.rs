//! The load benchmark's server (`examples/bench/load.sh` drives it).
//!
//! `GET /open` reads no token and `GET /noop` has a guard that does nothing;
//! `GET /hs`, `GET /rs` and `GET /es` take a
//! `Jwt<Claims>` checked by validators `bench_hs` (HS256), `bench_rs` (RS256)
//! and `bench_es` (ES256) from the crate's own `Rocket.toml`. Every route
//! answers the same short body, so the routes differ only by authentication.
//! [`mint_tokens`] signs one token per protected route with the committed
//! development keys.

mod routes;
mod tokens;

use rocket::figment::providers::{Env, Format, Toml};
use rocket::figment::{Figment, Profile};
use rocket::{Build, Rocket};
use rocket_warden::Warden;

pub use routes::{Claims, BODY};
pub use tokens::{mint_tokens, RouteToken, TOKEN_BYTES, TOKEN_SECS};

/// The configuration file used when `ROCKET_CONFIG` is not set: the bench's
/// own, wherever the binary is started from.
pub const DEFAULT_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/Rocket.toml");

/// Rocket's usual configuration sources, with the bench's `Rocket.toml` as
/// the default file.
pub fn figment() -> Figment {
    let file = Env::var("ROCKET_CONFIG").unwrap_or_else(|| DEFAULT_CONFIG.to_owned());
    Figment::from(rocket::Config::default())
        .merge(Toml::file(file).nested())
        .merge(Env::prefixed("ROCKET_").ignore(&["PROFILE"]).global())
        .select(Profile::from_env_or(
            "ROCKET_PROFILE",
            rocket::Config::DEFAULT_PROFILE,
        ))
}

/// The bench server, configured from [`figment`].
pub fn rocket() -> Rocket<Build> {
    rocket_from(figment())
}

/// The bench server, configured from `figment` (tests pass their own).
pub fn rocket_from(figment: Figment) -> Rocket<Build> {
    rocket::custom(figment)
        .attach(Warden::fairing())
        .mount("/", routes::all())
}
