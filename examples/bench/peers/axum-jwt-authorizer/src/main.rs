//! A peer of warden-bench for examples/bench/load.sh: the same routes on axum
//! 0.7, tokens checked by jwt-authorizer 0.15.
//!
//! `GET /open` reads no token and `GET /noop` has an extractor that does
//! nothing; `GET /hs`, `GET /rs` and `GET /es` each sit behind their own
//! jwt-authorizer layer (HS256 secret, RSA PEM, EC PEM) whose validation
//! holds the issuer, the audience and the one algorithm of validators
//! `bench_hs`, `bench_rs` and `bench_es` in examples/bench/Rocket.toml
//! (compiled in), so the tokens of `warden-bench tokens` are accepted here
//! as there. `exp` is required and checked (60 s leeway, jwt-authorizer's
//! default). Every route answers `ok`; a missing or bad token gets a 401.
//!
//! jwt-authorizer checks `iss` and `aud` when the token has them but, unlike
//! warden-bench and the rocket-jsonwebtoken peer, accepts a token without
//! them (its `Validation` requires `exp` only, and offers no switch): that is
//! how the library is used, so it is measured as it is. The bench's tokens
//! carry both.
//!
//! Usage: `bench-peer-axum-jwt-authorizer [PORT]`, else the `PORT`
//! environment variable, else 8088; always on 127.0.0.1. One Tokio worker
//! thread, as warden-bench's `workers = 1`; nothing is logged per request
//! (no tracing subscriber is installed).

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::get;
use axum::Router;
use jsonwebtoken::Algorithm;
use jwt_authorizer::{IntoLayer, JwtAuthorizer, JwtClaims, Validation};
use serde::Deserialize;

/// What every route answers (warden-bench's `BODY`).
const BODY: &str = "ok";

/// warden-bench's configuration: the validators' issuer, audience, secret
/// and public keys come from it.
const BENCH_CONFIG: &str = include_str!("../../../Rocket.toml");

/// The claims a protected route deserializes, as warden-bench's do.
#[derive(Debug, Clone, Deserialize)]
struct Claims {
    #[allow(dead_code)] // deserialized, as a real handler's would be
    sub: String,
}

/// The part of examples/bench/Rocket.toml that is read here.
#[derive(Deserialize)]
struct BenchConfig {
    default: Profile,
}

#[derive(Deserialize)]
struct Profile {
    jwt: Jwt,
}

#[derive(Deserialize)]
struct Jwt {
    validators: Validators,
}

#[derive(Deserialize)]
struct Validators {
    bench_hs: Settings,
    bench_rs: Settings,
    bench_es: Settings,
}

/// One validator's settings.
#[derive(Deserialize)]
struct Settings {
    issuer: String,
    audiences: Vec<String>,
    secret: Option<String>,
    public_key_pem: Option<String>,
}

impl Settings {
    /// jwt-authorizer's validation: this issuer, these audiences, `alg` only.
    fn validation(&self, alg: Algorithm) -> Validation {
        Validation::new()
            .iss(&[self.issuer.as_str()])
            .aud(&self.audiences)
            .algs(vec![alg])
    }
}

/// An extractor that does nothing: what any extractor costs in axum.
struct Noop;

#[axum::async_trait]
impl<S: Send + Sync> FromRequestParts<S> for Noop {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Noop)
    }
}

/// Reads the bearer token and checks nothing else: the floor of any token
/// extractor (`/floor`).
struct BearerOnly;

#[axum::async_trait]
impl<S: Send + Sync> FromRequestParts<S> for BearerOnly {
    type Rejection = axum::http::StatusCode;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        match header.get(..7) {
            Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") && header.len() > 7 => {
                Ok(BearerOnly)
            }
            _ => Err(axum::http::StatusCode::UNAUTHORIZED),
        }
    }
}

async fn floor(_guard: BearerOnly) -> &'static str {
    BODY
}

async fn open() -> &'static str {
    BODY
}

async fn noop(_guard: Noop) -> &'static str {
    BODY
}

async fn protected(JwtClaims(_claims): JwtClaims<Claims>) -> &'static str {
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

/// The router: one authorizer layer per protected route.
async fn app() -> Result<Router, String> {
    let config: BenchConfig = toml::from_str(BENCH_CONFIG)
        .map_err(|e| format!("examples/bench/Rocket.toml does not parse: {e}"))?;
    let v = config.default.jwt.validators;
    let secret = v
        .bench_hs
        .secret
        .as_deref()
        .ok_or("bench_hs has no secret")?;
    let rsa = v
        .bench_rs
        .public_key_pem
        .as_deref()
        .ok_or("bench_rs has no public_key_pem")?;
    let ec = v
        .bench_es
        .public_key_pem
        .as_deref()
        .ok_or("bench_es has no public_key_pem")?;

    let hs = JwtAuthorizer::<Claims>::from_secret(secret)
        .validation(v.bench_hs.validation(Algorithm::HS256))
        .build()
        .await
        .map_err(|e| format!("the HS256 authorizer: {e}"))?;
    let rs = JwtAuthorizer::<Claims>::from_rsa_pem_text(rsa)
        .validation(v.bench_rs.validation(Algorithm::RS256))
        .build()
        .await
        .map_err(|e| format!("the RS256 authorizer: {e}"))?;
    let es = JwtAuthorizer::<Claims>::from_ec_pem_text(ec)
        .validation(v.bench_es.validation(Algorithm::ES256))
        .build()
        .await
        .map_err(|e| format!("the ES256 authorizer: {e}"))?;

    Ok(Router::new()
        .route("/open", get(open))
        .route("/noop", get(noop))
        .route("/floor", get(floor))
        .route("/hs", get(protected).layer(hs.into_layer()))
        .route("/rs", get(protected).layer(rs.into_layer()))
        .route("/es", get(protected).layer(es.into_layer())))
}

/// Builds the router and serves it until the process is stopped.
async fn serve(port: u16) -> Result<(), String> {
    let app = app().await?;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    // Rocket sets TCP_NODELAY on its connections too.
    axum::serve(listener, app)
        .tcp_nodelay(true)
        .await
        .map_err(|e| format!("serving failed: {e}"))
}

fn main() -> ExitCode {
    let port = match port() {
        Ok(port) => port,
        Err(e) => {
            eprintln!("usage: bench-peer-axum-jwt-authorizer [PORT]: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(serve(port)),
        Err(e) => Err(format!("cannot start the runtime: {e}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-peer-axum-jwt-authorizer: {e}");
            ExitCode::FAILURE
        }
    }
}
