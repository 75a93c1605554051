//! The demo's routes and the JSON shape of their answers.

use rocket::serde::json::Json;
use rocket::Route;
use rocket_warden::{Jwt, OptionalJwt, Partner, Policy, RoutePolicy};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Routes whose tokens the `demo` validator checks.
#[derive(Debug)]
pub enum Demo {}

impl Policy for Demo {
    const POLICY: RoutePolicy = RoutePolicy::new().validator("demo");
}

/// Routes whose tokens (or cookie) the `demo_cookie` validator checks.
#[derive(Debug)]
pub enum DemoCookie {}

impl Policy for DemoCookie {
    const POLICY: RoutePolicy = RoutePolicy::new().validator("demo_cookie");
}

/// What every protected route answers: who the request runs as.
///
/// `roles` stays empty until roles arrive; `claims` is the decoded payload,
/// and everything is `null` for an anonymous request.
#[derive(Debug, Serialize)]
pub struct WhoAmI {
    /// The resolved user id.
    pub user: Option<String>,
    /// The partner the request acts for: `{"id", "name", "email"}`.
    pub partner: Option<Partner>,
    /// The token's decoded payload.
    pub claims: Option<Map<String, Value>>,
    /// The roles the token grants.
    pub roles: Vec<String>,
}

impl WhoAmI {
    fn authenticated<P>(auth: &Jwt<Value, P>) -> Self {
        Self {
            user: auth.user().map(str::to_owned),
            partner: auth.partner().cloned(),
            claims: Some(auth.payload().clone()),
            roles: Vec::new(),
        }
    }

    fn anonymous() -> Self {
        Self {
            user: None,
            partner: None,
            claims: None,
            roles: Vec::new(),
        }
    }

    fn optional<P>(auth: &OptionalJwt<Value, P>) -> Self {
        auth.as_ref()
            .map_or_else(Self::anonymous, Self::authenticated)
    }
}

/// Every route of the demo.
pub(crate) fn all() -> Vec<Route> {
    rocket::routes![
        health,
        whoami,
        whoami_public_or_jwt,
        cookie_whoami,
        cookie_whoami_public_or_jwt
    ]
}

/// Open to everyone.
#[rocket::get("/health")]
fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Validator `demo`: a valid token is required.
#[rocket::get("/whoami")]
fn whoami(auth: Jwt<Value, Demo>) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo`, optional: anonymous without credentials, a 401 for bad ones.
#[rocket::get("/whoami-public-or-jwt")]
fn whoami_public_or_jwt(auth: OptionalJwt<Value, Demo>) -> Json<WhoAmI> {
    Json(WhoAmI::optional(&auth))
}

/// Validator `demo_cookie`: a token (header or `?access_token=`) or its cookie.
#[rocket::get("/cookie/whoami")]
fn cookie_whoami(auth: Jwt<Value, DemoCookie>) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo_cookie`, optional: anonymous with neither token nor cookie.
#[rocket::get("/cookie/whoami-public-or-jwt")]
fn cookie_whoami_public_or_jwt(auth: OptionalJwt<Value, DemoCookie>) -> Json<WhoAmI> {
    Json(WhoAmI::optional(&auth))
}
