//! The fuzz application's routes: one per kind of policy, each answering the
//! subject it ran as, as JSON text (`-` when anonymous), so the `request`
//! target can tell which credential a handler saw.

use rocket::Route;
use rocket_warden::{jwt_auth, AuthUser, Jwt, OptionalJwt};

/// The paths of [`all`], for the target to pick from.
pub const PATHS: [&str; 6] = [
    "/required",
    "/optional",
    "/roles",
    "/write",
    "/user",
    "/stepup",
];

/// The path of the DPoP route (the `dpop_request` target's; not in
/// [`PATHS`], whose routes are the `hs` chain's).
pub const DPOP_PATH: &str = "/dpop";
/// The path of the DPoP route whose validator asks for server nonces.
pub const DPOP_NONCE_PATH: &str = "/dpop-nonce";

/// Every route.
pub fn all() -> Vec<Route> {
    rocket::routes![required, optional, roles, write, user, step_up, dpop, dpop_nonce]
}

fn subject<P>(auth: &Jwt<serde_json::Value, P>) -> String {
    auth.payload()
        .get("sub")
        .map_or_else(|| "null".to_owned(), ToString::to_string)
}

#[jwt_auth(validator = "hs")]
#[rocket::get("/required")]
fn required(auth: Jwt) -> String {
    subject(&auth)
}

#[jwt_auth(validator = "hs", optional)]
#[rocket::get("/optional")]
fn optional(auth: OptionalJwt) -> String {
    auth.as_ref().map_or_else(|| "-".to_owned(), subject)
}

#[jwt_auth(validator = "hs", roles = ["reader"], scopes = ["orders:read"])]
#[rocket::get("/roles")]
fn roles(auth: Jwt) -> String {
    subject(&auth)
}

#[jwt_auth(validator = "hs")]
#[rocket::post("/write")]
fn write(auth: Jwt) -> String {
    subject(&auth)
}

#[jwt_auth(validator = "hs")]
#[rocket::get("/user")]
fn user(user: AuthUser) -> String {
    serde_json::Value::String(user.into_id()).to_string()
}

/// Step-up (RFC 9470): the `acr` and `max_age` of `reference::meets_step_up`.
#[jwt_auth(validator = "hs", acr = ["urn:fuzz:mfa"], max_age = 300)]
#[rocket::get("/stepup")]
fn step_up(auth: Jwt) -> String {
    subject(&auth)
}

/// DPoP (RFC 9449) allowed: bearer tokens that are not bound, or a token
/// with its proof.
#[jwt_auth(validator = "dp")]
#[rocket::get("/dpop")]
fn dpop(auth: Jwt) -> String {
    subject(&auth)
}

/// DPoP allowed, and proofs must carry the server's nonce (RFC 9449 §8).
#[jwt_auth(validator = "dn")]
#[rocket::get("/dpop-nonce")]
fn dpop_nonce(auth: Jwt) -> String {
    subject(&auth)
}
