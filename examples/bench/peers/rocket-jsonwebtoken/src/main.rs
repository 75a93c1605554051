//! A peer of warden-bench for examples/bench/load.sh: the same routes on
//! Rocket, tokens checked by a plain `jsonwebtoken::decode` in a request
//! guard, as an application without rocket_warden would write it.
//!
//! `GET /open` has no guard and `GET /noop` has a guard that does nothing;
//! `GET /hs`, `GET /rs` and `GET /es` each take a guard that reads
//! `Authorization: Bearer <token>` and decodes it with a `DecodingKey` and a
//! `Validation` built once at launch (managed state) from validators
//! `bench_hs`, `bench_rs` and `bench_es` of examples/bench/Rocket.toml
//! (compiled in): one algorithm each, the issuer and audience required and
//! checked, `exp` required and checked (jsonwebtoken's 60 s leeway), so the
//! tokens of `warden-bench tokens` are accepted here as there. Every route
//! answers `ok`; a missing or bad token gets a 401.
//!
//! Usage: `bench-peer-rocket-jsonwebtoken [PORT]`, else the `PORT`
//! environment variable, else 8088; always on 127.0.0.1. Configured in code,
//! not from Rocket.toml or `ROCKET_*` variables: one worker thread and log
//! level `critical` (nothing per request), as warden-bench's release profile.

use std::marker::PhantomData;
use std::net::Ipv4Addr;
use std::process::ExitCode;

use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use rocket::config::LogLevel;
use rocket::figment::providers::{Format, Toml};
use rocket::figment::Figment;
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome};
use rocket::{Build, Request, Rocket};
use serde::Deserialize;

/// What every route answers (warden-bench's `BODY`).
const BODY: &str = "ok";

/// warden-bench's configuration: the validators' issuer, audience, secret
/// and public keys come from it.
const BENCH_CONFIG: &str = include_str!("../../../Rocket.toml");

/// The claims a protected route deserializes, as warden-bench's do.
#[derive(Debug, Deserialize)]
struct Claims {
    #[allow(dead_code)] // deserialized, as a real handler's would be
    sub: String,
}

/// One validator's settings in examples/bench/Rocket.toml.
#[derive(Deserialize)]
struct Settings {
    issuer: String,
    audiences: Vec<String>,
    secret: Option<String>,
    public_key_pem: Option<String>,
}

/// A protected route: which validator of Rocket.toml, which algorithm.
trait Route: Send + Sync + 'static {
    const VALIDATOR: &'static str;
    const ALGORITHM: Algorithm;
}

/// `/hs`.
struct Hs;
impl Route for Hs {
    const VALIDATOR: &'static str = "bench_hs";
    const ALGORITHM: Algorithm = Algorithm::HS256;
}

/// `/rs`.
struct Rs;
impl Route for Rs {
    const VALIDATOR: &'static str = "bench_rs";
    const ALGORITHM: Algorithm = Algorithm::RS256;
}

/// `/es`.
struct Es;
impl Route for Es {
    const VALIDATOR: &'static str = "bench_es";
    const ALGORITHM: Algorithm = Algorithm::ES256;
}

/// The key and validation of route `R`, built once at launch.
struct Verifier<R> {
    key: DecodingKey,
    validation: Validation,
    route: PhantomData<R>,
}

impl<R: Route> Verifier<R> {
    /// From `R::VALIDATOR`'s settings in `config`.
    fn new(config: &Figment) -> Result<Self, String> {
        let name = R::VALIDATOR;
        let settings: Settings = config
            .extract_inner(&format!("jwt.validators.{name}"))
            .map_err(|e| format!("`jwt.validators.{name}`: {e}"))?;
        let key = match R::ALGORITHM {
            Algorithm::HS256 => settings
                .secret
                .as_deref()
                .map(|secret| DecodingKey::from_secret(secret.as_bytes())),
            Algorithm::RS256 => settings
                .public_key_pem
                .as_deref()
                .map(|pem| DecodingKey::from_rsa_pem(pem.as_bytes())),
            _ => settings
                .public_key_pem
                .as_deref()
                .map(|pem| DecodingKey::from_ec_pem(pem.as_bytes())),
        }
        .ok_or_else(|| format!("`{name}` has no key"))?
        .map_err(|e| format!("the key of `{name}` does not load: {e}"))?;

        let mut validation = Validation::new(R::ALGORITHM);
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&settings.audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        Ok(Verifier {
            key,
            validation,
            route: PhantomData,
        })
    }
}

/// The guard of route `R`: a bearer token that `Verifier<R>` accepts.
struct Bearer<R> {
    #[allow(dead_code)] // handed to the handler, as a real guard's would be
    claims: Claims,
    route: PhantomData<R>,
}

#[rocket::async_trait]
impl<'r, R: Route> FromRequest<'r> for Bearer<R> {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(verifier) = request.rocket().state::<Verifier<R>>() else {
            return Outcome::Error((Status::InternalServerError, ()));
        };
        let token = request
            .headers()
            .get_one("Authorization")
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token);
        let Some(token) = token else {
            return Outcome::Error((Status::Unauthorized, ()));
        };
        match decode::<Claims>(token, &verifier.key, &verifier.validation) {
            Ok(data) => Outcome::Success(Bearer {
                claims: data.claims,
                route: PhantomData,
            }),
            Err(_) => Outcome::Error((Status::Unauthorized, ())),
        }
    }
}

/// A request guard that does nothing: what any request guard costs in Rocket.
struct Noop;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Noop {
    type Error = std::convert::Infallible;

    async fn from_request(_request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Noop)
    }
}

#[rocket::get("/open")]
fn open() -> &'static str {
    BODY
}

#[rocket::get("/noop")]
fn noop(_guard: Noop) -> &'static str {
    BODY
}

/// Reads the bearer token and checks nothing else: the floor of any token
/// guard (`/floor`).
struct BearerOnly;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for BearerOnly {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let header = request
            .headers()
            .get_one("Authorization")
            .unwrap_or_default();
        match header.get(..7) {
            Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") && header.len() > 7 => {
                Outcome::Success(BearerOnly)
            }
            _ => Outcome::Error((Status::Unauthorized, ())),
        }
    }
}

#[rocket::get("/floor")]
fn floor(_guard: BearerOnly) -> &'static str {
    BODY
}

#[rocket::get("/hs")]
fn hs(_auth: Bearer<Hs>) -> &'static str {
    BODY
}

#[rocket::get("/rs")]
fn rs(_auth: Bearer<Rs>) -> &'static str {
    BODY
}

#[rocket::get("/es")]
fn es(_auth: Bearer<Es>) -> &'static str {
    BODY
}

/// The port: the first argument, else `PORT`, else 8088.
fn port() -> Result<u16, String> {
    let given = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("PORT").ok());
    match given {
        None => Ok(8088),
        Some(port) => port
            .parse()
            .map_err(|_| format!("the port must be a number from 0 to 65535, not '{port}'")),
    }
}

/// The server on 127.0.0.1:`port`, its verifiers in managed state.
fn rocket(port: u16) -> Result<Rocket<Build>, String> {
    let bench = Figment::from(Toml::string(BENCH_CONFIG).nested());
    let config = rocket::Config {
        address: Ipv4Addr::LOCALHOST.into(),
        port,
        workers: 1,
        log_level: LogLevel::Critical,
        ..rocket::Config::release_default()
    };
    Ok(rocket::custom(config)
        .manage(Verifier::<Hs>::new(&bench)?)
        .manage(Verifier::<Rs>::new(&bench)?)
        .manage(Verifier::<Es>::new(&bench)?)
        .mount("/", rocket::routes![open, noop, floor, hs, rs, es]))
}

fn main() -> ExitCode {
    let port = match port() {
        Ok(port) => port,
        Err(e) => {
            eprintln!("usage: bench-peer-rocket-jsonwebtoken [PORT]: {e}");
            return ExitCode::from(2);
        }
    };
    let rocket = match rocket(port) {
        Ok(rocket) => rocket,
        Err(e) => {
            eprintln!("bench-peer-rocket-jsonwebtoken: {e}");
            return ExitCode::FAILURE;
        }
    };
    // One worker, as warden-bench's runtime is sized from `workers = 1`.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("rocket-worker-thread")
        .enable_all()
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("bench-peer-rocket-jsonwebtoken: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(rocket.launch()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            // Logs the details (at `critical`, too) and marks the error handled.
            eprintln!(
                "bench-peer-rocket-jsonwebtoken: launch failed: {}",
                e.pretty_print()
            );
            ExitCode::FAILURE
        }
    }
}
