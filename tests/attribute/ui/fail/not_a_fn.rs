use rocket_warden::jwt_auth;

// The attribute belongs on route handlers only.
#[jwt_auth]
struct Orders;

#[jwt_auth(roles = ["admin"])]
mod admin {}

#[jwt_auth]
const LIMIT: u32 = 3;

fn main() {}
