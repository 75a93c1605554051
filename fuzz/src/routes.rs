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

/// Every route.
pub fn all() -> Vec<Route> {
    rocket::routes![required, optional, roles, write, user, step_up]
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
