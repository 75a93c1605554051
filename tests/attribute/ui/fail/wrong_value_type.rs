use rocket_warden::{jwt_auth, Jwt};

// `validator` takes a string literal.
#[jwt_auth(validator = partner_api)]
#[rocket::get("/validator-path")]
fn validator_path(_auth: Jwt) {}

// `roles` takes a list, not one string.
#[jwt_auth(roles = "admin")]
#[rocket::get("/roles-string")]
fn roles_string(_auth: Jwt) {}

// The items of a list are string literals.
#[jwt_auth(scopes = [orders])]
#[rocket::get("/scopes-path")]
fn scopes_path(_auth: Jwt) {}

// `optional` is a flag: it takes no value.
#[jwt_auth(optional = true)]
#[rocket::get("/optional-value")]
fn optional_value(_auth: rocket_warden::OptionalJwt) {}

// `check` takes a path to a function, not a string.
#[jwt_auth(check = "is_owner")]
#[rocket::get("/check-string")]
fn check_string(_auth: Jwt) {}

// `audiences` needs a value.
#[jwt_auth(audiences)]
#[rocket::get("/audiences-bare")]
fn audiences_bare(_auth: Jwt) {}

// A list in call syntax is not the grammar.
#[jwt_auth(roles("admin"))]
#[rocket::get("/roles-call")]
fn roles_call(_auth: Jwt) {}

fn main() {}
