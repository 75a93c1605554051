//! The four measured routes: identical but for authentication.

use rocket::Route;
use rocket_warden::{jwt_auth, Jwt};
use serde::Deserialize;

/// What every route answers.
pub const BODY: &str = "ok";

/// The claims a protected route deserializes, as a real handler would.
#[derive(Debug, Deserialize)]
pub struct Claims {
    /// The token's subject.
    pub sub: String,
}

/// Every route of the bench.
pub(crate) fn all() -> Vec<Route> {
    rocket::routes![open, hs, rs, es]
}

/// The baseline: no token is read.
#[jwt_auth(public)]
#[rocket::get("/open")]
fn open() -> &'static str {
    BODY
}

/// HS256, validator `bench_hs`.
#[jwt_auth(validator = "bench_hs")]
#[rocket::get("/hs")]
fn hs(_auth: Jwt<Claims>) -> &'static str {
    BODY
}

/// RS256, validator `bench_rs`.
#[jwt_auth(validator = "bench_rs")]
#[rocket::get("/rs")]
fn rs(_auth: Jwt<Claims>) -> &'static str {
    BODY
}

/// ES256, validator `bench_es`.
#[jwt_auth(validator = "bench_es")]
#[rocket::get("/es")]
fn es(_auth: Jwt<Claims>) -> &'static str {
    BODY
}
