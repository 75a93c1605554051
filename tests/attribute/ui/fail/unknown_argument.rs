use rocket_warden::{jwt_auth, Jwt};

// A misspelt argument gets the closest known one as a suggestion.
#[jwt_auth(rols = ["admin"])]
#[rocket::get("/misspelt")]
fn misspelt(_auth: Jwt) {}

// An argument far from any known one gets the whole list.
#[jwt_auth(colour = "blue")]
#[rocket::get("/unknown")]
fn unknown(_auth: Jwt) {}

// A path is not an argument name.
#[jwt_auth(policy::roles = ["admin"])]
#[rocket::get("/path")]
fn path(_auth: Jwt) {}

fn main() {}
