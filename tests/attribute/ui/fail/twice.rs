use rocket_warden::{jwt_auth, Jwt};

// A route has one policy: two attributes are one too many.
#[jwt_auth(roles = ["admin"])]
#[jwt_auth(scopes = ["orders"])]
#[rocket::get("/twice")]
fn twice(_auth: Jwt) {}

// However the second is spelled.
#[jwt_auth(roles = ["admin"])]
#[rocket::get("/twice-below")]
#[rocket_warden::jwt_auth]
fn twice_below(_auth: Jwt) {}

fn main() {}
