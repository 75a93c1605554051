use rocket_warden::{jwt_auth, Jwt};

// `max_age` is a whole number of seconds, not a string.
#[jwt_auth(max_age = "300")]
#[rocket::get("/max-age-string")]
fn max_age_string(_auth: Jwt) {}

// ... nor a negative one.
#[jwt_auth(max_age = -1)]
#[rocket::get("/max-age-negative")]
fn max_age_negative(_auth: Jwt) {}

// ... nor one too large for a u64.
#[jwt_auth(max_age = 18446744073709551616)]
#[rocket::get("/max-age-huge")]
fn max_age_huge(_auth: Jwt) {}

// `acr` takes a list of strings.
#[jwt_auth(acr = "urn:example:mfa")]
#[rocket::get("/acr-string")]
fn acr_string(_auth: Jwt) {}

// An empty list would demand nothing: it is refused.
#[jwt_auth(acr = [])]
#[rocket::get("/acr-empty")]
fn acr_empty(_auth: Jwt) {}

// Values go space-separated into the challenge: no spaces, quotes or duplicates.
#[jwt_auth(acr = ["urn:example:mfa", "two words", "say \"hi\"", "urn:example:mfa"])]
#[rocket::get("/acr-values")]
fn acr_values(_auth: Jwt) {}

// A public route reads no token, so it cannot ask for a step-up.
#[jwt_auth(public, max_age = 300)]
#[rocket::get("/public-step-up")]
fn public_step_up() {}

fn main() {}
