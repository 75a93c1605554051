//! The provider's routes: one handler type that dispatches to each
//! endpoint's module, so every endpoint gets the managed state and the
//! request's parameters the same way.

mod authorize;
mod consent;
mod discovery;
mod introspect;
mod respond;
mod token;
mod userinfo;

use rocket::data::ToByteUnit;
use rocket::http::{Method, Status};
use rocket::route::{Handler, Outcome};
use rocket::{Data, Request, Response, Route};

use super::params::Params;
use super::reply;
use super::ProviderState;

/// The endpoints' paths below the issuer's.
pub(crate) const DISCOVERY: &str = "/.well-known/openid-configuration";
pub(crate) const JWKS: &str = "/oauth2/jwks";
pub(crate) const AUTHORIZE: &str = "/oauth2/authorize";
pub(crate) const CONSENT: &str = "/oauth2/consent";
pub(crate) const TOKEN: &str = "/oauth2/token";
pub(crate) const USERINFO: &str = "/oauth2/userinfo";
pub(crate) const REVOKE: &str = "/oauth2/revoke";
pub(crate) const INTROSPECT: &str = "/oauth2/introspect";

/// The largest form body read: far above any real request.
const FORM_LIMIT_KIB: u64 = 64;

/// One of the provider's endpoints.
#[derive(Debug, Clone, Copy)]
enum Endpoint {
    Discovery,
    Jwks,
    Authorize,
    Consent,
    Token,
    UserInfo,
    Revoke,
    Introspect,
}

/// Every route the provider mounts, named `rocket_warden::provider::…` so
/// the route table counts them as rocket_warden's own (public by design).
pub(crate) fn routes() -> Vec<Route> {
    use Endpoint::*;
    let table = [
        (Method::Get, DISCOVERY, Discovery, "discovery"),
        (Method::Get, JWKS, Jwks, "jwks"),
        (Method::Get, AUTHORIZE, Authorize, "authorize"),
        (Method::Post, AUTHORIZE, Authorize, "authorize"),
        (Method::Post, CONSENT, Consent, "consent"),
        (Method::Post, TOKEN, Token, "token"),
        (Method::Get, USERINFO, UserInfo, "userinfo"),
        (Method::Post, USERINFO, UserInfo, "userinfo"),
        (Method::Post, REVOKE, Revoke, "revoke"),
        (Method::Post, INTROSPECT, Introspect, "introspect"),
    ];
    table
        .into_iter()
        .map(|(method, path, endpoint, name)| {
            let mut route = Route::new(method, path, endpoint);
            route.name = Some(format!("rocket_warden::provider::{name}").into());
            route
        })
        .collect()
}

#[rocket::async_trait]
impl Handler for Endpoint {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        let Some(state) = request.rocket().state::<ProviderState>() else {
            return Outcome::from(request, Status::NotFound);
        };
        let response = match self {
            Self::Discovery => discovery::discovery(state, request),
            Self::Jwks => discovery::jwks(state).await,
            Self::Authorize => match params(request, data).await {
                Ok(params) => authorize::authorize(state, request, params).await,
                Err(response) => response,
            },
            Self::Consent => match form(request, data).await {
                Ok(params) => consent::consent(state, request, params).await,
                Err(response) => response,
            },
            Self::Token => match form(request, data).await {
                Ok(params) => token::token(state, request, params).await,
                Err(response) => token_form_error(response),
            },
            Self::UserInfo => userinfo::userinfo(state, request).await,
            Self::Revoke => match form(request, data).await {
                Ok(params) => introspect::revoke(state, request, params).await,
                Err(response) => token_form_error(response),
            },
            Self::Introspect => match form(request, data).await {
                Ok(params) => introspect::introspect(state, request, params).await,
                Err(response) => token_form_error(response),
            },
        };
        Outcome::Success(response)
    }
}

/// A request's parameters: the query of a GET, the form of a POST.
async fn params(request: &Request<'_>, data: Data<'_>) -> Result<Params, Response<'static>> {
    if request.method() == Method::Get {
        return Ok(Params::parse(
            request.uri().query().map_or("", |q| q.as_str()),
        ));
    }
    form(request, data).await
}

/// The form-encoded body of a POST (RFC 6749 §3.2), or a page saying what
/// is wrong with it.
async fn form(request: &Request<'_>, data: Data<'_>) -> Result<Params, Response<'static>> {
    let is_form = request
        .content_type()
        .is_some_and(|content_type| content_type.is_form());
    if !is_form {
        return Err(reply::error_page(
            Status::BadRequest,
            "invalid_request",
            "the request body must be application/x-www-form-urlencoded",
        ));
    }
    match data.open(FORM_LIMIT_KIB.kibibytes()).into_string().await {
        Ok(body) if body.is_complete() => Ok(Params::parse(&body)),
        Ok(_) => Err(reply::error_page(
            Status::PayloadTooLarge,
            "invalid_request",
            "the request body is too large",
        )),
        Err(_) => Err(reply::error_page(
            Status::BadRequest,
            "invalid_request",
            "the request body is not UTF-8 text",
        )),
    }
}

/// A body problem at a JSON endpoint, as JSON.
fn token_form_error(page: Response<'static>) -> Response<'static> {
    let description = match page.status() {
        Status::PayloadTooLarge => "the request body is too large",
        _ => "the request body must be application/x-www-form-urlencoded UTF-8 text",
    };
    reply::oauth_error(Status::BadRequest, "invalid_request", description)
}
