//! JWT bearer authentication for [Rocket](https://rocket.rs).
//!
//! Configure validators in `Rocket.toml`, attach the fairing, and declare
//! each route's policy with `#[jwt_auth]`, above Rocket's route attribute:
//!
//! ```toml
//! [default.jwt.validators.api]
//! issuer = "https://id.example.com"
//! audiences = ["orders"]
//! algorithms = ["RS256"]
//! public_key_file = "keys/idp.pem"
//! ```
//!
//! ```no_run
//! use rocket::serde::json::{Json, Value};
//! use rocket_warden::{jwt_auth, Jwt, OptionalJwt, Warden};
//!
//! #[jwt_auth]
//! #[rocket::get("/me")]
//! fn me(auth: Jwt) -> Json<Value> {
//!     Json(Value::Object(auth.payload().clone()))
//! }
//!
//! #[jwt_auth(roles = ["admin"], scopes = ["orders:write"])]
//! #[rocket::post("/orders")]
//! async fn create_order(auth: Jwt) -> String {
//!     format!("placed by {}", auth["sub"])
//! }
//!
//! #[jwt_auth(optional)]
//! #[rocket::get("/greeting")]
//! fn greeting(auth: OptionalJwt) -> String {
//!     match auth.as_ref() {
//!         Some(jwt) => format!("hello, {}", jwt["sub"]),
//!         None => "hello, stranger".into(),
//!     }
//! }
//!
//! #[jwt_auth(public)]
//! #[rocket::get("/health")]
//! fn health() -> &'static str {
//!     "ok"
//! }
//!
//! #[rocket::launch]
//! fn rocket() -> _ {
//!     rocket::build()
//!         .attach(Warden::fairing())
//!         .mount("/", rocket::routes![me, create_order, greeting, health])
//! }
//! ```
//!
//! # The attribute
//!
//! `#[jwt_auth(...)]` takes, each at most once: `validator = "name"` (omitted:
//! the only configured validator), `roles = [..]` (the token holds any of
//! them), `scopes = [..]` (all of them), `audiences = [..]` (replacing the
//! validator's for this route), `optional` (no credentials: anonymous),
//! `public` (no token read; alone), and `check = path` (a [`Check`] over the
//! [`AccessToken`], sync or async). The handler's [`Jwt`] or [`OptionalJwt`]
//! parameter is bound to the policy; a handler with neither gets a hidden
//! [`Authorized`] guard. Mistakes in the attribute are compile errors on the
//! offending token. Roles come from `roles_claim`, scopes from `scope_claim`
//! (each also a role `scope:<name>`), and a token with one of
//! `read_only_scopes` may only read. [`RoutePolicies`] lists every mounted
//! route with its policy; `jwt.require_policy = true` refuses to launch an
//! application with an undeclared route.
//!
//! # What is checked
//!
//! Credentials come from `Authorization: Bearer <token>` (the scheme in any
//! letter case). A token is refused unless it has three base64url parts, fits
//! in [`MAX_TOKEN_BYTES`], has an `alg` on the validator's allow-list (never
//! `none`, never one from another key family), no `crit` header, the expected
//! `typ` if one is configured, a valid signature, an `exp` in the future (by
//! default `exp` is required), no `nbf` or `iat` in the future, exactly the
//! configured `iss` (a single string), an `aud` naming one of the configured
//! audiences — or no `aud` at all when none are configured — and every claim
//! in `required_claims` (a `null` counts as absent). `leeway_secs` (default 0)
//! relaxes the time checks. Keys come only from configuration: headers that
//! name keys (`jwk`, `jku`, `x5u`, `x5c`) are ignored.
//!
//! # Validated-token cache
//!
//! Each validator keeps the tokens it verified (`token_cache_size`, default
//! [`DEFAULT_TOKEN_CACHE_SIZE`]; `0` is off), keyed by the SHA-256 digest of
//! their signature (the rest must match byte for byte), so a client that
//! sends the same token again costs a digest and a lookup
//! instead of a signature check. Every hit has its `exp`, `nbf` and `iat`
//! checked against the clock again, and a token whose remote key left the key
//! set is verified from scratch. [`Validator::token_cache_stats`] counts hits
//! and misses.
//!
//! # Remote keys
//!
//! With `jwks_uri = "https://…"` (or `discovery = true`, which reads the
//! issuer's `/.well-known/openid-configuration`), a validator verifies with
//! the keys of a JWK set, picked by the token's `kid` and `alg`. The set is
//! fetched in the background at liftoff, cached for the response's
//! `max-age` (clamped), refreshed ahead of expiry, refetched once (shared by
//! all waiting requests) when a token names an unknown `kid`, then not again
//! for a cooldown; the last good keys keep serving while the provider fails.
//! Without keys, requests get a 503 ([`AuthError::KeysUnavailable`]) and other
//! validators keep serving. Counters: [`Validator::key_stats`]. The HTTP
//! client can be replaced with [`Warden::http_client`], the clock with
//! [`Warden::clock`]; the `testing` feature adds `rocket_warden::testing`, a key set
//! server and token minting for tests.
//!
//! # Refusals
//!
//! Every refusal is an [`AuthError`] answered with its status, an RFC 6750
//! `WWW-Authenticate` challenge and a JSON body, and logged on the
//! `rocket_warden` target. Descriptions never contain the token.
//!
//! | case | answer |
//! |---|---|
//! | no credentials | 401, `Bearer realm="…"` |
//! | another scheme (`Basic …`) | 401, `Bearer realm="…"` (RFC 6750 §3.1) |
//! | malformed header or token, failed validation, claims not fitting `C` | 401 `invalid_token` |
//! | two `Authorization` headers, or a token in the header and the query | 400 `invalid_request` |
//! | a cookie named in `reject_session_cookies` | 401, `Bearer realm="…"`, logged as a warning |
//! | `partner_required` and no partner; a tampered or expired authentication cookie | 401 `invalid_token` |
//! | a user or partner lookup that fails | 503, no challenge |
//! | valid token lacking a role, a scope, or a passing check; read-only token writing | 403 `insufficient_scope` |
//!
//! An [`OptionalJwt`] route runs anonymous only when no `Authorization`
//! header was sent; any header that does not authenticate is refused.
//!
//! # Who the request runs as
//!
//! Each validator resolves a user (`user_strategy`: `static`, `claim` on
//! `sub` by default, or a [`UserStrategy`] registered with
//! [`Warden::user_strategy`]) and a partner (`partner_strategy`: `none`,
//! `email` or `claim` through a [`PartnerDirectory`], or a registered
//! [`PartnerStrategy`]); [`Jwt::user`] and [`Jwt::partner`] give them, and
//! [`AuthUser`] is a guard for just the user. A lookup that fails is a 503,
//! and `partner_required` turns "no partner" into a 401.
//!
//! A validator may name a `next` one, tried when it refuses a token; the
//! settings of the validator that accepted the token apply, and
//! [`Jwt::validator`] names it. Tokens may also come from an opt-in
//! `query_param` (a token in the header and the query is a 400), cookies
//! listed in `reject_session_cookies` are refused before any token is read,
//! and with the `cookies` feature, `cookie_enabled` keeps the identity in a
//! Rocket private cookie that browsers send instead of a header.
//!
//! # Launch checks
//!
//! The fairing checks every validator at ignite, and each guard is a
//! [`Sentinel`](rocket::Sentinel): an application whose routes use a
//! validator that is not configured, or that forgot the fairing, does not
//! launch. See [`ConfigError`] for the configuration problems reported.
//!
//! # Crypto backend
//!
//! Signatures are checked by aws-lc-rs (feature `aws_lc_rs`, the default).
//! For a build without a C toolchain, use `default-features = false,
//! features = ["rust_crypto"]`, which is several times slower for RSA.

#![deny(missing_docs)]

mod access;
mod auth_user;
mod authenticate;
mod backend;
mod cache;
mod check;
mod clock;
mod config;
mod cookie;
mod error;
mod fairing;
mod guard;
mod identity;
mod jws;
mod keys;
mod options;
mod policy;
mod profile;
mod registry;
mod remote;
mod routes;
#[cfg(feature = "testing")]
pub mod testing;
mod times;
mod token;
mod validate;

pub use access::AccessToken;
pub use auth_user::AuthUser;
pub use cache::{TokenCacheStats, DEFAULT_TOKEN_CACHE_SIZE};
pub use check::Check;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{ConfigError, ConfigErrors, KEY_SOURCES, MAX_LEEWAY_SECS};
pub use error::{AuthError, Denial};
pub use fairing::Warden;
pub use guard::{Authorized, Jwt, OptionalJwt};
pub use identity::{Claims, LookupError, Partner, PartnerDirectory, PartnerStrategy, UserStrategy};
pub use jsonwebtoken::{Algorithm, Header};
pub use keys::{MIN_RSA_BITS, MIN_SECRET_BYTES};
pub use policy::{Access, DefaultPolicy, Policy, RouteId, RoutePolicy};
pub use registry::Validators;
pub use remote::KeyStats;
pub use rocket_warden_codegen::jwt_auth;
pub use routes::{MountedRoute, RoutePolicies};
pub use token::MAX_TOKEN_BYTES;
pub use validate::{TokenError, Validator};

/// What code generated by `rocket_warden_codegen` names. Not a public API.
// The name carries the version and must match `rocket_warden_codegen`'s `jwt_auth/paths.rs`.
#[doc(hidden)]
pub mod __private_v0_1_0 {
    pub use crate::check::{form, run_check};
    pub use crate::routes::Registered;
    pub use crate::{AccessToken, Authorized, Jwt, OptionalJwt, Policy, RouteId, RoutePolicy};
    pub use inventory;
    pub use rocket;
    pub use rocket::futures::future::BoxFuture;
    pub use rocket::{Orbit, Rocket};
    pub use serde_json::Value;
}
