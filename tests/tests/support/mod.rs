//! Shared by the integration tests: real keys, token minting, Rocket instances
//! built from a TOML snippet, and assertions on refusals.
//!
//! Each test binary uses a part of this module.
#![allow(dead_code, unreachable_pub)]

pub mod ignite;

use std::future::Future;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rocket::error::ErrorKind;
use rocket::figment::providers::{Format, Toml};
use rocket::figment::Figment;
use rocket::local::asynchronous::Client;
use rocket::serde::json::Json;
use rocket::{Build, Ignite, Rocket, Route};
use rocket_warden::{Jwt, OptionalJwt, Warden};
use serde_json::{json, Value};

/// A route's one guard, as `#[jwt_auth]` marks a handler's only guard:
/// a cache hit is then answered before Rocket polls the guard's future.
pub struct OneGuard;

impl rocket_warden::policy::Policy for OneGuard {
    const POLICY: rocket_warden::policy::RoutePolicy = rocket_warden::policy::RoutePolicy::new();
    const ONE_GUARD: bool = true;
}

/// The size of the future a route's one guard hands Rocket for a request
/// with `token` (as a bearer token), and the outcome it comes to.
pub async fn one_guard(
    client: &Client,
    token: &str,
) -> (
    usize,
    rocket::request::Outcome<Jwt<Value, OneGuard>, rocket_warden::AuthError>,
) {
    use rocket::request::FromRequest as _;
    let request = client.get("/").header(bearer(token));
    let future = Jwt::<Value, OneGuard>::from_request(&request);
    let size = size_of_val(&*future);
    (size, future.await)
}

/// What a route's one guard hands Rocket when it has nothing left to do:
/// a future no larger than its outcome.
pub fn settled_size() -> usize {
    size_of::<Option<rocket::request::Outcome<Jwt<Value, OneGuard>, rocket_warden::AuthError>>>()
}

/// The issuer every test validator expects.
pub const ISSUER: &str = "https://issuer.test";

/// An HS256 secret of 34 bytes.
pub const SECRET: &str = "rocket-warden-test-secret-0123456";

/// Test keys, generated once with openssl and kept in `tests/keys`.
pub mod keys {
    pub const RSA_PRIVATE: &str = include_str!("../../keys/rsa.key");
    pub const RSA_PUBLIC: &str = include_str!("../../keys/rsa.pub");
    /// The same RSA public key as `RSA_PUBLIC`, in PKCS#1 (`RSA PUBLIC KEY`) form.
    pub const RSA_PUBLIC_PKCS1: &str = include_str!("../../keys/rsa-pkcs1.pub");
    pub const RSA_OTHER_PRIVATE: &str = include_str!("../../keys/rsa-other.key");
    pub const RSA_OTHER_PUBLIC: &str = include_str!("../../keys/rsa-other.pub");
    /// A 1024-bit RSA public key: too small to configure.
    pub const RSA_1024_PUBLIC: &str = include_str!("../../keys/rsa1024.pub");
    /// A 2048-bit RSA key whose public exponent is 3, which RFC 8017
    /// allows and FIPS 186-5 does not.
    pub const RSA_E3_PRIVATE: &str = include_str!("../../keys/rsa-e3.key");
    pub const RSA_E3_PUBLIC: &str = include_str!("../../keys/rsa-e3.pub");
    pub const EC_P256_PRIVATE: &str = include_str!("../../keys/ec-p256.key");
    pub const EC_P256_PUBLIC: &str = include_str!("../../keys/ec-p256.pub");
    pub const EC_P384_PUBLIC: &str = include_str!("../../keys/ec-p384.pub");
    pub const ED25519_PRIVATE: &str = include_str!("../../keys/ed25519.key");
    pub const ED25519_PUBLIC: &str = include_str!("../../keys/ed25519.pub");
}

/// Claims that a validator configured by [`validator`] accepts.
pub fn claims() -> Value {
    json!({ "iss": ISSUER, "sub": "alice", "iat": now(), "exp": now() + 300 })
}

/// `claims()` with the given members replaced (a `null` removes one).
pub fn claims_with(changes: Value) -> Value {
    let mut claims = claims();
    let (Value::Object(base), Value::Object(changes)) = (&mut claims, changes) else {
        panic!("claims are objects");
    };
    for (name, value) in changes {
        if value.is_null() {
            base.remove(&name);
        } else {
            base.insert(name, value);
        }
    }
    claims
}

/// The private key that signs tokens for `algorithm` in these tests.
pub fn signing_key(algorithm: Algorithm) -> EncodingKey {
    use Algorithm::*;
    let key = match algorithm {
        HS256 | HS384 | HS512 => {
            return EncodingKey::from_secret(SECRET.as_bytes()).expect("a usable HMAC secret")
        }
        RS256 | RS384 | RS512 | PS256 | PS384 | PS512 => {
            EncodingKey::from_rsa_pem(keys::RSA_PRIVATE.as_bytes())
        }
        ES256 => EncodingKey::from_ec_pem(keys::EC_P256_PRIVATE.as_bytes()),
        EdDSA => EncodingKey::from_ed_pem(keys::ED25519_PRIVATE.as_bytes()),
        other => panic!("no test key for {other:?}"),
    };
    key.expect("test keys parse")
}

/// The `Rocket.toml` lines giving a validator the public key (or secret) that
/// verifies what [`signing_key`] signs for `algorithm`.
pub fn key_setting(algorithm: Algorithm) -> String {
    use Algorithm::*;
    let pem = match algorithm {
        HS256 | HS384 | HS512 => return format!("secret = {SECRET:?}"),
        RS256 | RS384 | RS512 | PS256 | PS384 | PS512 => keys::RSA_PUBLIC,
        ES256 => keys::EC_P256_PUBLIC,
        EdDSA => keys::ED25519_PUBLIC,
        other => panic!("no test key for {other:?}"),
    };
    format!("public_key_pem = '''\n{pem}'''")
}

/// A signed token with a `typ: JWT` header.
pub fn mint(algorithm: Algorithm, claims: &Value) -> String {
    mint_with(&Header::new(algorithm), claims, &signing_key(algorithm))
}

/// A signed token with the given header and key.
pub fn mint_with(header: &Header, claims: &Value, key: &EncodingKey) -> String {
    jsonwebtoken::encode(header, claims, key).expect("test tokens encode")
}

/// A validator section: `[jwt.validators.<name>]` accepting `algorithm` from
/// [`ISSUER`] with the test key, plus `extra` lines.
pub fn validator(name: &str, algorithm: Algorithm, extra: &str) -> String {
    format!(
        "[jwt.validators.{name}]\nissuer = {ISSUER:?}\nalgorithms = [\"{algorithm:?}\"]\n{}\n{extra}\n",
        key_setting(algorithm)
    )
}

/// A Rocket configured by the TOML `config` (global keys, no profiles) and
/// nothing else from the environment, with the fairing attached.
pub fn rocket(config: &str, routes: Vec<Route>) -> Rocket<Build> {
    rocket_with(Warden::fairing(), config, routes)
}

/// [`rocket`] with the given fairing (one with registered strategies, say).
pub fn rocket_with(warden: Warden, config: &str, routes: Vec<Route>) -> Rocket<Build> {
    let figment = Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(Toml::string(config));
    rocket::custom(figment).attach(warden).mount("/", routes)
}

/// A tracked client for [`rocket`], panicking if launch aborts.
pub async fn client(config: &str, routes: Vec<Route>) -> Client {
    Client::tracked(rocket(config, routes))
        .await
        .expect("the test rocket launches")
}

// Each test binary uses a part of these.
#[allow(unused_imports)]
pub use warden_tests::{bearer, get, now, Refusal};

/// `GET /jwt`: the payload of a valid token from the only validator.
#[rocket::get("/jwt")]
pub fn jwt(auth: Jwt) -> Json<Value> {
    Json(Value::Object(auth.payload().clone()))
}

/// `GET /optional`: `{"anonymous": true}` or the token's `sub`.
#[rocket::get("/optional")]
pub fn optional(auth: OptionalJwt) -> Json<Value> {
    match auth.as_ref() {
        Some(jwt) => Json(json!({ "anonymous": false, "sub": jwt["sub"] })),
        None => Json(json!({ "anonymous": true })),
    }
}

/// A `tracing` writer appending to a shared buffer.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `future` with a fmt subscriber writing into a buffer as this thread's
/// default (`rocket::async_test` polls the test's future on the test thread),
/// and returns what it logged with the future's output.
pub async fn logged<F: Future>(future: F) -> (String, F::Output) {
    // With a single live subscriber, tracing computes a callsite's interest
    // from the default of whichever thread reaches it first: a callsite first
    // reached by a thread without one (a test running beside this one) would
    // be muted everywhere. A second, permanent subscriber that wants every
    // event keeps interest computed over all subscribers.
    static ALWAYS_INTERESTED: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    ALWAYS_INTERESTED.get_or_init(|| {
        tracing::Dispatch::new(
            tracing_subscriber::fmt()
                .with_writer(io::sink)
                .with_max_level(tracing::Level::TRACE)
                .finish(),
        )
    });
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .without_time()
        .finish();
    let output = {
        let _guard = tracing::subscriber::set_default(subscriber);
        future.await
    };
    (captured.text(), output)
}

/// Asserts that `rocket` ignites.
pub async fn assert_ignites(rocket: Rocket<Build>) -> Rocket<Ignite> {
    match rocket.ignite().await {
        Ok(rocket) => rocket,
        Err(error) => panic!("launch should succeed: {:?}", error.kind()),
    }
}

/// Ignites `rocket`, expecting sentinels to abort it, one of them a guard
/// whose type name contains `guard`; returns the log.
pub async fn assert_sentinel_aborts(rocket: Rocket<Build>, guard: &str) -> String {
    let (log, result) = logged(rocket.ignite()).await;
    let error = match result {
        Ok(_) => panic!("launch should abort because of the `{guard}` sentinel"),
        Err(error) => error,
    };
    match error.kind() {
        ErrorKind::SentinelAborts(sentries) => assert!(
            sentries.iter().any(|s| s.type_name.contains(guard)),
            "the sentries {:?} should include a `{guard}`",
            sentries.iter().map(|s| s.type_name).collect::<Vec<_>>()
        ),
        other => panic!("expected SentinelAborts, got {other:?}"),
    }
    log
}

/// `rocket` launched for real on 127.0.0.1 (a free port), for requests that
/// must cross hyper and Rocket's own request parsing; its base URL. The
/// server runs until the test's runtime ends.
pub async fn serve(rocket: Rocket<Build>) -> String {
    let (port_tx, port_rx) = tokio::sync::oneshot::channel();
    let port_tx = Mutex::new(Some(port_tx));
    let figment = rocket
        .figment()
        .clone()
        .merge(("address", "127.0.0.1"))
        .merge(("port", 0));
    let rocket = rocket
        .configure(figment)
        .attach(rocket::fairing::AdHoc::on_liftoff("port", move |rocket| {
            let port = rocket.config().port;
            if let Some(tx) = port_tx.lock().ok().and_then(|mut tx| tx.take()) {
                let _ = tx.send(port);
            }
            Box::pin(async {})
        }));
    tokio::spawn(rocket.launch());
    let port = port_rx.await.expect("the server lifts off");
    format!("http://127.0.0.1:{port}")
}
