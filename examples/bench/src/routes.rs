//! The four measured routes: identical but for authentication.

use rocket::request::{FromRequest, Outcome};
use rocket::{Request, Route};
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
    rocket::routes![open, noop, floor, hs, rs, es]
}

/// The baseline: no token is read.
#[jwt_auth(public)]
#[rocket::get("/open")]
fn open() -> &'static str {
    BODY
}

/// A request guard that does nothing: what any request guard costs in
/// Rocket, apart from the guard's own work.
#[derive(Debug)]
pub(crate) struct Noop;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Noop {
    type Error = std::convert::Infallible;

    async fn from_request(_request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Noop)
    }
}

/// `/open` behind [`Noop`]: no token is read either.
#[jwt_auth(public)]
#[rocket::get("/noop")]
fn noop(_guard: Noop) -> &'static str {
    BODY
}

/// A request guard that reads the bearer token and checks nothing else:
/// the floor of what any token guard costs (finding the header, taking the
/// token out of it), which the load benchmark measures as `/floor`. It finds
/// the header as rocket_warden does, walking the headers (cheaper than
/// Rocket's lookup by name, which hashes the name byte by byte), so that it
/// stays a floor.
#[derive(Debug)]
pub(crate) struct BearerOnly;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for BearerOnly {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let header = request
            .headers()
            .iter()
            .find(|header| header.name.as_str().eq_ignore_ascii_case("authorization"))
            .map(|header| header.value)
            .unwrap_or_default();
        match header.get(..7) {
            Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") && header.len() > 7 => {
                Outcome::Success(BearerOnly)
            }
            _ => Outcome::Error((rocket::http::Status::Unauthorized, ())),
        }
    }
}

/// `/open` behind [`BearerOnly`].
#[jwt_auth(public)]
#[rocket::get("/floor")]
fn floor(_guard: BearerOnly) -> &'static str {
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
