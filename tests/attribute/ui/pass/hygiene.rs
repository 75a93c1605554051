//! Every form of `#[jwt_auth]` compiles without a warning in a crate that
//! shadows the prelude names and `rocket`, and the routes launch and answer.
#![deny(warnings)]

// Shadows of what generated code must not rely on: the prelude's `Result`,
// `Option`, `Ok`, `Err`, `Some` and `None`, and the `rocket` crate.
#[allow(dead_code, non_snake_case, non_upper_case_globals)]
mod shadows {
    use ::core::any::TypeId;

    pub struct Result;
    pub struct Option;
    pub enum Outcome {
        Ok,
        Err,
    }
    // Rocket's own sentinel macro names `None` and `Some` bare, taking them
    // from the call site, so these shadows keep the one type it uses. Any
    // other use of a bare `Some` or `None` in generated code fails to compile.
    pub const None: ::core::option::Option<TypeId> = ::core::option::Option::None;
    pub fn Some(id: TypeId) -> ::core::option::Option<TypeId> {
        ::core::option::Option::Some(id)
    }
}
#[allow(unused_imports)]
use shadows::Outcome::{Err, Ok};
#[allow(unused_imports)]
use shadows::{None, Option, Result, Some};
#[allow(dead_code)]
mod rocket {}

use ::rocket::figment::providers::{Format, Toml};
use ::rocket::http::Status;
use ::rocket::local::blocking::Client;
use ::rocket::{Orbit, Rocket};
use rocket_warden::{jwt_auth, AccessToken, Jwt, OptionalJwt, Warden};

fn is_alice(token: &AccessToken) -> bool {
    token.claim("sub").and_then(|sub| sub.as_str()) == ::core::option::Option::Some("alice")
}

async fn is_alice_async(token: &AccessToken) -> bool {
    is_alice(token)
}

fn managed(_token: &AccessToken, rocket: &Rocket<Orbit>) -> bool {
    rocket.state::<Status>().is_some()
}

async fn managed_async(_token: &AccessToken, rocket: &Rocket<Orbit>) -> bool {
    rocket.state::<Status>().is_some()
}

mod checks {
    pub(crate) fn always(_token: &rocket_warden::AccessToken) -> bool {
        true
    }
}

#[derive(serde::Deserialize)]
struct Claims {
    sub: String,
}

#[jwt_auth]
#[::rocket::get("/bare")]
fn bare(auth: Jwt<Claims>) -> String {
    auth.sub.clone()
}

#[jwt_auth(validator = "api")]
#[::rocket::get("/named")]
fn named(auth: Jwt) -> String {
    auth.validator().to_owned()
}

#[jwt_auth(roles = ["admin", "ops"], scopes = ["orders:write", "orders:read"])]
#[::rocket::post("/grants")]
async fn grants() -> &'static str {
    "ok"
}

#[jwt_auth(audiences = ["other"])]
#[::rocket::get("/audiences")]
fn audiences(_auth: Jwt) {}

#[jwt_auth(optional)]
#[::rocket::get("/optional")]
fn optional(auth: OptionalJwt<Claims>) -> String {
    auth.as_ref().map_or_else(String::new, |jwt| jwt.sub.clone())
}

#[jwt_auth(optional, roles = ["admin"])]
#[::rocket::get("/optional-hidden")]
fn optional_hidden() {}

#[jwt_auth(public)]
#[::rocket::get("/public")]
fn public() -> &'static str {
    "open"
}

#[jwt_auth(check = is_alice)]
#[::rocket::get("/check")]
fn check(_auth: Jwt) {}

#[jwt_auth(check = is_alice_async)]
#[::rocket::get("/check-async")]
async fn check_async() {}

#[jwt_auth(check = managed)]
#[::rocket::get("/check-managed")]
fn check_managed() {}

#[jwt_auth(check = managed_async)]
#[::rocket::get("/check-managed-async")]
fn check_managed_async() {}

#[jwt_auth(check = checks::always)]
#[::rocket::get("/check-path")]
fn check_path() {}

#[jwt_auth(acr = ["urn:example:mfa"], max_age = 300)]
#[::rocket::get("/step-up")]
fn step_up() {}

#[jwt_auth(validator = "api", dpop = "allowed")]
#[::rocket::get("/dpop")]
fn dpop(_auth: Jwt) {}

#[jwt_auth(validator = "api", roles = ["admin"], scopes = ["orders"], audiences = ["other"], acr = ["mfa"], max_age = 60, check = is_alice)]
#[::rocket::route(GET, uri = "/everything/<id>")]
async fn everything(id: u32, auth: Jwt<Claims>) -> String {
    format!("{id} {}", auth.sub)
}

#[jwt_auth(validator = "api", roles = ["admin"])]
#[::rocket::get("/nested")]
fn nested(auth: ::core::option::Option<Jwt<Claims>>) -> String {
    auth.map_or_else(String::new, |jwt| jwt.sub.clone())
}

#[jwt_auth(validator = "api", roles = ["admin"])]
#[::rocket::get("/user")]
fn user(user: rocket_warden::AuthUser) -> String {
    user.id().to_owned()
}

#[jwt_auth(validator = "api")]
#[::rocket::get("/raw")]
fn r#raw(_auth: Jwt) {}

fn main() {
    let config = r#"
        [jwt]
        require_policy = true
        [jwt.validators.api]
        issuer = "https://issuer.example"
        algorithms = ["HS256"]
        secret = "a hygiene test secret of at least thirty-two bytes"
        dpop = "allowed"
        dpop_origin = "https://api.example"
    "#;
    let figment = ::rocket::Config::figment()
        .merge(Toml::string(config))
        .merge(("log_level", "off"));
    let app = ::rocket::custom(figment)
        .attach(Warden::fairing())
        .manage(Status::Ok)
        .mount(
            "/",
            ::rocket::routes![
                bare,
                named,
                grants,
                audiences,
                optional,
                optional_hidden,
                public,
                check,
                check_async,
                check_managed,
                check_managed_async,
                check_path,
                step_up,
                dpop,
                everything,
                nested,
                user,
                r#raw,
            ],
        );
    let client = Client::tracked(app).expect("every route launches");
    assert_eq!(client.get("/public").dispatch().status(), Status::Ok);
    assert_eq!(client.get("/optional").dispatch().status(), Status::Ok);
    assert_eq!(client.get("/bare").dispatch().status(), Status::Unauthorized);
}
