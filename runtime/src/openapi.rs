//! OpenAPI (feature `utoipa`): the security of every mounted route, from
//! the route table and the validators, so no scope or validator is written
//! twice.
//!
//! Each validator is a security scheme under its own name: `openIdConnect`
//! (its issuer's discovery document) when it finds its keys by discovery,
//! `http` bearer otherwise (`bearerFormat` `JWT`, or `opaque` for an
//! introspection validator). Each route protected by `#[jwt_auth]` requires
//! its validator with the route's own scopes (and, when `optional`, also
//! nothing), and answers 401 with its `WWW-Authenticate` challenge, and 403
//! when it asks for roles, scopes or a check. Public routes require nothing.

use rocket::http::Method;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder};
use utoipa::openapi::schema::{Object, Type};
use utoipa::openapi::security::{
    Http, HttpAuthScheme, OpenIdConnect, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, Info, OpenApi, OpenApiBuilder, Paths, Response, ResponseBuilder,
};

use crate::authz::{Access, RoutePolicy};
use crate::routes::RoutePolicies;
use crate::validators::Validators;
use crate::verify::Validator;

/// The `utoipa` crate this module builds with, for its `OpenApi` and `Info`.
pub use utoipa;

/// The OpenAPI document of the mounted `routes` (the route table the fairing
/// manages) and the `validators`: every route with its method and path, and
/// its security as its `#[jwt_auth]` policy says. Merge it into a document of your own (`utoipa`'s
/// `OpenApi::merge`) to add request and response bodies.
///
/// ```no_run
/// use rocket::serde::json::Json;
/// use rocket::State;
/// use rocket_warden::openapi::{self, utoipa::openapi::{Info, OpenApi}};
/// use rocket_warden::state::{RoutePolicies, Validators};
///
/// #[rocket_warden::jwt_auth(public)]
/// #[rocket::get("/openapi.json")]
/// fn spec(validators: &State<Validators>, routes: &State<RoutePolicies>) -> Json<OpenApi> {
///     Json(openapi::document(validators, routes, Info::new("Orders", "1.0")))
/// }
/// ```
pub fn document(validators: &Validators, routes: &RoutePolicies, info: Info) -> OpenApi {
    let mut components = ComponentsBuilder::new();
    for validator in validators.iter() {
        components = components.security_scheme(validator.name(), scheme(validator));
    }
    let mut paths = Paths::new();
    for route in routes.iter() {
        let Some(method) = http_method(route.method()) else {
            continue;
        };
        let mut operation = OperationBuilder::new().operation_id(route.name());
        if let Some(policy) = route.policy().filter(|_| !route.is_public()) {
            let validator = route_validator(validators, policy);
            for requirement in requirements(policy, validator) {
                operation = operation.security(requirement);
            }
            operation = operation.response("401", unauthorized(validator));
            if demands_more(policy) {
                operation = operation.response("403", forbidden());
            }
        }
        paths.add_path_operation(openapi_path(route.uri()), vec![method], operation.build());
    }
    OpenApiBuilder::new()
        .info(info)
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

/// A validator's security scheme.
fn scheme(validator: &Validator) -> SecurityScheme {
    if let Some(document) = validator.discovery_document() {
        return SecurityScheme::OpenIdConnect(OpenIdConnect::new(document));
    }
    let format = if validator.introspects() {
        "opaque"
    } else {
        "JWT"
    };
    let mut http = Http::new(HttpAuthScheme::Bearer);
    http.bearer_format = Some(format.to_owned());
    SecurityScheme::Http(http)
}

/// The validator a route's policy names, or the only one.
fn route_validator<'v>(validators: &'v Validators, policy: &RoutePolicy) -> Option<&'v Validator> {
    match policy.validator_name() {
        Some(name) => validators.get(name),
        None if validators.len() == 1 => validators.iter().next(),
        None => None,
    }
}

/// What a route requires: its validator with its scopes, or (optional)
/// that or nothing.
fn requirements(policy: &RoutePolicy, validator: Option<&Validator>) -> Vec<SecurityRequirement> {
    let Some(validator) = validator else {
        return Vec::new();
    };
    let scopes = policy.required_scopes().iter().copied();
    let mut all = vec![SecurityRequirement::new(validator.name(), scopes)];
    if policy.access() == Access::Optional {
        all.push(SecurityRequirement::default());
    }
    all
}

/// Whether a valid token may still be refused with a 403.
fn demands_more(policy: &RoutePolicy) -> bool {
    !policy.required_roles().is_empty()
        || !policy.required_scopes().is_empty()
        || policy.check_name().is_some()
}

fn unauthorized(validator: Option<&Validator>) -> Response {
    let realm = validator.map_or("rocket_warden", Validator::realm);
    challenge(
        "No token, or one that is malformed, invalid, expired or revoked \
         (RFC 6750 `invalid_token`); the body is `{\"error\", \"error_description\"}`",
        &format!("Bearer realm=\"{realm}\", error=\"invalid_token\""),
    )
}

fn forbidden() -> Response {
    challenge(
        "A valid token that lacks a role or scope the route asks for \
         (RFC 6750 `insufficient_scope`)",
        "Bearer error=\"insufficient_scope\", scope=\"…\"",
    )
}

/// A refusal with its `WWW-Authenticate` header.
fn challenge(description: &str, example: &str) -> Response {
    let header = HeaderBuilder::new()
        .schema(Object::with_type(Type::String))
        .description(Some(format!("The challenge, e.g. `{example}`")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .header("WWW-Authenticate", header)
        .build()
}

fn http_method(method: Method) -> Option<HttpMethod> {
    Some(match method {
        Method::Get => HttpMethod::Get,
        Method::Post => HttpMethod::Post,
        Method::Put => HttpMethod::Put,
        Method::Delete => HttpMethod::Delete,
        Method::Patch => HttpMethod::Patch,
        Method::Head => HttpMethod::Head,
        Method::Options => HttpMethod::Options,
        Method::Trace => HttpMethod::Trace,
        _ => return None,
    })
}

/// Rocket's `/orders/<id>?<page>` as OpenAPI's `/orders/{id}`.
fn openapi_path(uri: &str) -> String {
    let path = uri.split('?').next().unwrap_or(uri);
    path.split('/')
        .map(
            |segment| match segment.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
                Some(name) => format!("{{{}}}", name.trim_end_matches("..")),
                None => segment.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rocket_paths_become_openapi_paths() {
        assert_eq!(openapi_path("/orders/<id>?<page>"), "/orders/{id}");
        assert_eq!(openapi_path("/files/<path..>"), "/files/{path}");
        assert_eq!(openapi_path("/"), "/");
    }
}
