use rocket_warden::{jwt_auth, Jwt};

// An argument given twice: the second one is the error.
#[jwt_auth(roles = ["admin"], roles = ["ops"])]
#[rocket::get("/twice")]
fn twice(_auth: Jwt) {}

// Flags too.
#[jwt_auth(optional, optional)]
#[rocket::get("/flag-twice")]
fn flag_twice(_auth: rocket_warden::OptionalJwt) {}

fn main() {}
