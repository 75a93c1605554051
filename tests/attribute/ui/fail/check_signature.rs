use rocket_warden::{jwt_auth, AccessToken, Jwt};

// A check takes the token, not a string.
fn takes_str(_sub: &str) -> bool {
    true
}

#[jwt_auth(check = takes_str)]
#[rocket::get("/takes-str")]
fn route_takes_str(_auth: Jwt) {}

// A check answers yes or no.
fn returns_string(_token: &AccessToken) -> String {
    String::new()
}

#[jwt_auth(check = returns_string)]
#[rocket::get("/returns-string")]
fn route_returns_string(_auth: Jwt) {}

// An async check's future must be Send, like a handler's.
async fn not_send(_token: &AccessToken) -> bool {
    let held = std::rc::Rc::new(());
    std::future::ready(()).await;
    drop(held);
    true
}

#[jwt_auth(check = not_send)]
#[rocket::get("/not-send")]
fn route_not_send(_auth: Jwt) {}

fn main() {}
