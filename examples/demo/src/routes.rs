//! The demo's routes and the JSON shape of their answers.

use rocket::serde::json::Json;
use rocket::Route;
use rocket_warden::{Jwt, OptionalJwt};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// What every protected route answers: who the request runs as.
///
/// `user` and `partner` stay `null` and `roles` empty until user and partner
/// strategies and roles arrive; `claims` is the decoded payload, or `null` for
/// an anonymous request.
#[derive(Debug, Serialize)]
pub struct WhoAmI {
    /// The resolved user id.
    pub user: Option<String>,
    /// The partner the request acts for: `{"id", "name", "email"}`.
    pub partner: Option<Value>,
    /// The token's decoded payload.
    pub claims: Option<Map<String, Value>>,
    /// The roles the token grants.
    pub roles: Vec<String>,
}

impl WhoAmI {
    fn authenticated(auth: &Jwt) -> Self {
        Self {
            user: None,
            partner: None,
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
}

/// Every route of the demo.
pub(crate) fn all() -> Vec<Route> {
    rocket::routes![health, whoami, whoami_public_or_jwt]
}

/// Open to everyone.
#[rocket::get("/health")]
fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Validator `demo`: a valid token is required.
#[rocket::get("/whoami")]
fn whoami(auth: Jwt) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo`, optional: anonymous without credentials, a 401 for bad ones.
#[rocket::get("/whoami-public-or-jwt")]
fn whoami_public_or_jwt(auth: OptionalJwt) -> Json<WhoAmI> {
    Json(
        auth.as_ref()
            .map_or_else(WhoAmI::anonymous, WhoAmI::authenticated),
    )
}
