//! The demo's API, documented from its own routes: `GET /openapi.json`
//! (rocket_warden's `utoipa` feature: every route with the security its
//! `#[jwt_auth]` says) and `GET /docs`, that document in RapiDoc (the page
//! from `utoipa-rapidoc`; its script loads from RapiDoc's CDN in the
//! browser).

use rocket::response::content::RawHtml;
use rocket::serde::json::Json;
use rocket::State;
use rocket_warden::jwt_auth;
use rocket_warden::openapi;
use rocket_warden::openapi::utoipa::openapi::{Info, OpenApi};
use rocket_warden::state::{RoutePolicies, Validators};
use utoipa_rapidoc::RapiDoc;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// The OpenAPI document of every mounted route.
#[jwt_auth(public)]
#[rocket::get("/openapi.json")]
pub(crate) fn document(
    validators: &State<Validators>,
    routes: &State<RoutePolicies>,
) -> Json<OpenApi> {
    let info = Info::new("rocket_warden demo", env!("CARGO_PKG_VERSION"));
    Json(openapi::document(validators, routes, info))
}

/// The document in RapiDoc.
#[jwt_auth(public)]
#[rocket::get("/docs")]
pub(crate) fn docs() -> RawHtml<String> {
    RawHtml(RapiDoc::new(OPENAPI_PATH).to_html())
}
