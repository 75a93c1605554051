//! The demo's routes and the JSON shape of their answers.

use rocket::serde::json::Json;
use rocket::Route;
use rocket_warden::{jwt_auth, Jwt, OptionalJwt, Partner};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// What every protected route answers: who the request runs as.
///
/// `user` and `partner` are what the validator's strategies resolved;
/// `claims` is the decoded payload; all are `null` for an anonymous request.
/// `roles` are the roles the token grants, scopes included as `scope:<name>`.
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
    pub(crate) fn authenticated<P>(auth: &Jwt<Value, P>) -> Self {
        Self {
            user: auth.user().map(str::to_owned),
            partner: auth.partner().cloned(),
            claims: Some(auth.payload().clone()),
            roles: auth.roles().map(str::to_owned).collect(),
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
        admin,
        orders,
        create_order,
        aud_override,
        cookie_whoami,
        cookie_whoami_public_or_jwt,
        jwks_whoami,
        oidc_whoami,
        dpop_whoami,
        stepup_whoami,
        tenants_whoami,
        introspect_whoami,
        crate::revoke::revoke,
        crate::metrics::metrics,
        crate::openapi::document,
        crate::openapi::docs,
        crate::own_jwks::jwks,
    ]
}

/// Open to everyone, on purpose.
#[jwt_auth(public)]
#[rocket::get("/health")]
fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Validator `demo`: a valid token is required.
#[jwt_auth(validator = "demo")]
#[rocket::get("/whoami")]
fn whoami(auth: Jwt) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo`, optional: anonymous without credentials, a 401 for bad ones.
#[jwt_auth(validator = "demo", optional)]
#[rocket::get("/whoami-public-or-jwt")]
fn whoami_public_or_jwt(auth: OptionalJwt) -> Json<WhoAmI> {
    Json(WhoAmI::optional(&auth))
}

/// Validator `demo`, role `admin`.
#[jwt_auth(validator = "demo", roles = ["admin"])]
#[rocket::get("/admin")]
fn admin(auth: Jwt) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo`, scope `orders`; a `viewer` token may read.
#[jwt_auth(validator = "demo", scopes = ["orders"])]
#[rocket::get("/orders")]
fn orders(auth: Jwt) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo`, scope `orders`; a `viewer` token may not write.
#[jwt_auth(validator = "demo", scopes = ["orders"])]
#[rocket::post("/orders")]
fn create_order(auth: Jwt) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo`, but tokens must be meant for `aud2` instead of `me`.
#[jwt_auth(validator = "demo", audiences = ["aud2"])]
#[rocket::get("/aud-override")]
fn aud_override(auth: Jwt) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo_cookie`: a token (header or `?access_token=`) or its cookie.
#[jwt_auth(validator = "demo_cookie")]
#[rocket::get("/cookie/whoami")]
fn cookie_whoami(auth: Jwt) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo_cookie`, optional: anonymous with neither token nor cookie.
#[jwt_auth(validator = "demo_cookie", optional)]
#[rocket::get("/cookie/whoami-public-or-jwt")]
fn cookie_whoami_public_or_jwt(auth: OptionalJwt) -> Json<WhoAmI> {
    Json(WhoAmI::optional(&auth))
}

/// Validator `demo_jwks`: keys from a JWK set (by default the demo's own).
#[jwt_auth(validator = "demo_jwks")]
#[rocket::get("/jwks/whoami")]
fn jwks_whoami(auth: Jwt) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo_oidc`: access tokens of the demo's own provider.
#[jwt_auth(validator = "demo_oidc")]
#[rocket::get("/oidc/whoami")]
fn oidc_whoami(auth: Jwt) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo_oidc`, DPoP required (RFC 9449): a DPoP-bound token and
/// its proof, never a bearer token.
#[jwt_auth(validator = "demo_oidc", dpop = "required")]
#[rocket::get("/dpop/whoami")]
fn dpop_whoami(auth: Jwt) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo_oidc`, step-up (RFC 9470): a multi-factor login
/// (`acr` `urn:demo:mfa`) within the last five minutes.
#[jwt_auth(validator = "demo_oidc", acr = ["urn:demo:mfa"], max_age = 300)]
#[rocket::get("/stepup/whoami")]
fn stepup_whoami(auth: Jwt) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo_tenants`: tokens of several issuers (the demo's provider,
/// and the development issuer of `demo_jwks`), each verified with its own
/// keys, chosen by the token's `iss`.
#[jwt_auth(validator = "demo_tenants")]
#[rocket::get("/tenants/whoami")]
fn tenants_whoami(auth: Jwt) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}

/// Validator `demo_introspect`: any token the demo's provider says is
/// active (RFC 7662), opaque or not; the answer's members are the claims.
#[jwt_auth(validator = "demo_introspect")]
#[rocket::get("/introspect/whoami")]
fn introspect_whoami(auth: Jwt) -> Json<WhoAmI> {
    Json(WhoAmI::authenticated(&auth))
}
