use rocket_warden::jwt_auth;

// A public route reads no token, so nothing else applies to it.
#[jwt_auth(public, roles = ["admin"])]
#[rocket::get("/public-roles")]
fn public_roles() {}

#[jwt_auth(validator = "api", public)]
#[rocket::get("/public-validator")]
fn public_validator() {}

// `optional` and `public` contradict each other.
#[jwt_auth(optional, public)]
#[rocket::get("/optional-public")]
fn optional_public() {}

fn main() {}
