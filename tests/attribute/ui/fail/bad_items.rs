use rocket_warden::{jwt_auth, Jwt};

// An empty role names nothing.
#[jwt_auth(roles = ["admin", ""])]
#[rocket::get("/empty-role")]
fn empty_role(_auth: Jwt) {}

// A role listed twice is a mistake.
#[jwt_auth(roles = ["admin", "ops", "admin"])]
#[rocket::get("/repeated-role")]
fn repeated_role(_auth: Jwt) {}

// An empty scope names nothing.
#[jwt_auth(scopes = [""])]
#[rocket::get("/empty-scope")]
fn empty_scope(_auth: Jwt) {}

// A scope listed twice is a mistake.
#[jwt_auth(scopes = ["orders:read", "orders:read"])]
#[rocket::get("/repeated-scope")]
fn repeated_scope(_auth: Jwt) {}

// Scopes are space-separated on the wire, so one cannot hold a space.
#[jwt_auth(scopes = ["orders read"])]
#[rocket::get("/spaced-scope")]
fn spaced_scope(_auth: Jwt) {}

// A scope cannot hold a quote either: it would break the challenge.
#[jwt_auth(scopes = ["orders\"read"])]
#[rocket::get("/quoted-scope")]
fn quoted_scope(_auth: Jwt) {}

// A role cannot hold white space (a roles claim may be space-separated).
#[jwt_auth(roles = ["super user"])]
#[rocket::get("/spaced-role")]
fn spaced_role(_auth: Jwt) {}

fn main() {}
