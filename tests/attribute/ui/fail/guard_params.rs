use rocket_warden::{jwt_auth, Jwt, OptionalJwt};

// An optional route also runs without a token, so its guard is `OptionalJwt`.
#[jwt_auth(optional)]
#[rocket::get("/optional-jwt")]
fn optional_jwt(_auth: Jwt) {}

// `OptionalJwt` lets anonymous requests in, so the policy must say `optional`.
#[jwt_auth(roles = ["admin"])]
#[rocket::get("/required-optional-jwt")]
fn required_optional_jwt(_auth: OptionalJwt) {}

// A public route reads no token.
#[jwt_auth(public)]
#[rocket::get("/public-jwt")]
fn public_jwt(_auth: Jwt) {}

// The policy comes from the attribute, not from a second type argument.
#[jwt_auth(roles = ["admin"])]
#[rocket::get("/explicit-policy")]
fn explicit_policy(_auth: Jwt<serde_json::Value, rocket_warden::policy::DefaultPolicy>) {}

// `AuthUser` takes its policy from the attribute too.
#[jwt_auth(roles = ["admin"])]
#[rocket::get("/explicit-user-policy")]
fn explicit_user_policy(_user: rocket_warden::AuthUser<rocket_warden::policy::DefaultPolicy>) {}

// An optional route may have no user.
#[jwt_auth(optional)]
#[rocket::get("/optional-user")]
fn optional_user(_user: rocket_warden::AuthUser) {}

fn main() {}
