use rocket_warden::{jwt_auth, Jwt};

// Below the route attribute, `#[jwt_auth]` would come too late to shape the
// route's guards.
#[rocket::get("/below")]
#[jwt_auth(roles = ["admin"])]
fn below(_auth: Jwt) {}

// A function with no route attribute is not a route.
#[jwt_auth(roles = ["admin"])]
fn not_a_route(_auth: Jwt) {}

fn main() {}
