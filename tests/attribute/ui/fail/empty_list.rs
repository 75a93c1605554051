use rocket_warden::{jwt_auth, Jwt};

// An empty list says nothing: the argument should be removed.
#[jwt_auth(roles = [])]
#[rocket::get("/no-roles")]
fn no_roles(_auth: Jwt) {}

#[jwt_auth(scopes = [])]
#[rocket::get("/no-scopes")]
fn no_scopes(_auth: Jwt) {}

#[jwt_auth(audiences = [])]
#[rocket::get("/no-audiences")]
fn no_audiences(_auth: Jwt) {}

fn main() {}
