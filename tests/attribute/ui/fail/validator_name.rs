use rocket_warden::{jwt_auth, Jwt};

// Validator names are Rust identifiers, as in the configuration.
#[jwt_auth(validator = "partner-api")]
#[rocket::get("/dash")]
fn dash(_auth: Jwt) {}

#[jwt_auth(validator = "1st")]
#[rocket::get("/digit")]
fn digit(_auth: Jwt) {}

#[jwt_auth(validator = "")]
#[rocket::get("/empty")]
fn empty(_auth: Jwt) {}

fn main() {}
