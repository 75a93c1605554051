//! Shared by the remote key tests (jwks, discovery, vectors): test keys with
//! `kid`s, a Rocket whose fairing reads a manual clock, and counters.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use rocket::figment::providers::{Format, Toml};
use rocket::figment::Figment;
use rocket::local::asynchronous::Client;
use rocket::Route;
use rocket_warden::clock::ManualClock;
use rocket_warden::jsonwebtoken::Algorithm;
use rocket_warden::state::{KeyStats, Validators};
use rocket_warden::testing::TestKey;
use rocket_warden::Warden;
use serde_json::{json, Value};

use crate::support::{keys, ISSUER};

/// The RSA test key (RS256) with `kid`.
pub fn rsa(kid: &str) -> TestKey {
    TestKey::from_pem(Algorithm::RS256, Some(kid), keys::RSA_PRIVATE).expect("the RSA test key")
}

/// The other RSA test key (RS256) with `kid`.
pub fn rsa_other(kid: &str) -> TestKey {
    TestKey::from_pem(Algorithm::RS256, Some(kid), keys::RSA_OTHER_PRIVATE)
        .expect("the other RSA test key")
}

/// The P-256 test key (ES256) with `kid`.
pub fn ec(kid: &str) -> TestKey {
    TestKey::from_pem(Algorithm::ES256, Some(kid), keys::EC_P256_PRIVATE).expect("the EC test key")
}

/// The Ed25519 test key (EdDSA) with `kid`.
pub fn ed(kid: &str) -> TestKey {
    TestKey::from_pem(Algorithm::EdDSA, Some(kid), keys::ED25519_PRIVATE)
        .expect("the Ed25519 test key")
}

/// A manual clock at the system's time.
pub fn clock() -> ManualClock {
    ManualClock::now()
}

/// Claims the remote validators of these tests accept, timed by `clock`.
pub fn claims_at(clock: &ManualClock) -> Value {
    use rocket_warden::clock::Clock as _;
    let now = clock.now_secs();
    json!({ "iss": ISSUER, "sub": "alice", "iat": now, "exp": now + 3600 })
}

/// A validator section named `name` taking `algorithms` from `jwks_uri`,
/// plus `extra` lines.
pub fn remote_validator(name: &str, jwks_uri: &str, algorithms: &str, extra: &str) -> String {
    format!(
        "[jwt.validators.{name}]\nissuer = {ISSUER:?}\nalgorithms = {algorithms}\n\
         jwks_uri = {jwks_uri:?}\n{extra}\n"
    )
}

/// A quiet Rocket configured by `config`, its fairing reading `clock`.
pub fn rocket_with_clock(
    config: &str,
    routes: Vec<Route>,
    clock: &ManualClock,
) -> rocket::Rocket<rocket::Build> {
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(Toml::string(config));
    rocket::custom(figment)
        .attach(Warden::fairing().clock(clock.clone()))
        .mount("/", routes)
}

/// A tracked client for [`rocket_with_clock`], panicking if launch aborts.
pub async fn client_with_clock(config: &str, routes: Vec<Route>, clock: &ManualClock) -> Client {
    Client::tracked(rocket_with_clock(config, routes, clock))
        .await
        .expect("the test rocket launches")
}

/// The key cache counters of validator `name`.
pub fn stats(client: &Client, name: &str) -> KeyStats {
    client
        .rocket()
        .state::<Validators>()
        .and_then(|validators| validators.get(name))
        .and_then(|validator| validator.key_stats())
        .expect("a remote validator")
}

/// Moves `clock` forward by `secs` seconds.
pub fn advance(clock: &ManualClock, secs: u64) {
    clock.advance(Duration::from_secs(secs));
}

/// The P-384 test key (ES384) with `kid`.
pub fn ec384(kid: &str) -> TestKey {
    TestKey::from_pem(
        Algorithm::ES384,
        Some(kid),
        include_str!("../../keys/ec-p384-signing.key"),
    )
    .expect("the P-384 test key")
}
