use rocket_warden::{jwt_auth, Jwt};

// `dpop` is "required" or "allowed": a validator's "disabled" is not a route's.
#[jwt_auth(dpop = "disabled")]
#[rocket::get("/dpop-disabled")]
fn dpop_disabled(_auth: Jwt) {}

// The names are lower case, as in the configuration.
#[jwt_auth(dpop = "Required")]
#[rocket::get("/dpop-case")]
fn dpop_case(_auth: Jwt) {}

// A string, not a flag or a boolean.
#[jwt_auth(dpop = true)]
#[rocket::get("/dpop-bool")]
fn dpop_bool(_auth: Jwt) {}

#[jwt_auth(dpop)]
#[rocket::get("/dpop-bare")]
fn dpop_bare(_auth: Jwt) {}

// A public route reads no token, so it cannot ask for a proof.
#[jwt_auth(public, dpop = "required")]
#[rocket::get("/public-dpop")]
fn public_dpop() {}

fn main() {}
