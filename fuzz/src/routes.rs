//! The fuzz application's routes: one per kind of policy, each answering the
//! subject it ran as, as JSON text (`-` when anonymous), so the `request`
//! target can tell which credential a handler saw.

use rocket::Route;
use rocket_warden::{jwt_auth, AuthUser, Jwt, OptionalJwt};

/// The paths of [`all`], for the target to pick from.
pub const PATHS: [&str; 5] = ["/required", "/optional", "/roles", "/write", "/user"];

/// Every route.
pub fn all() -> Vec<Route> {
    rocket::routes![required, optional, roles, write, user]
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
