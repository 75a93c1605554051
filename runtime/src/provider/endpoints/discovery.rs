//! The discovery document (OIDC Discovery 1.0 §3, RFC 8414) and the key
//! set: what relying parties read before anything else.

use std::collections::BTreeSet;

use rocket::http::Status;
use rocket::{Request, Response};
use serde_json::json;

use super::{AUTHORIZE, INTROSPECT, JWKS, REVOKE, TOKEN, USERINFO};
use crate::authz::Access;
use crate::provider::config::{ResponseType, SigningAlgorithm};
use crate::provider::reply;
use crate::provider::users::SCOPE_CLAIMS;
use crate::provider::ProviderState;
use crate::routes::RoutePolicies;

/// The scopes every OpenID Provider knows.
const OIDC_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
];

/// `GET /.well-known/openid-configuration`: only what is true of this
/// provider.
pub(super) fn discovery(state: &ProviderState, request: &Request<'_>) -> Response<'static> {
    let mut scopes: BTreeSet<&str> = OIDC_SCOPES.iter().copied().collect();
    let routes = request.rocket().state::<RoutePolicies>();
    scopes.extend(route_scopes(routes));
    for client in state.config.clients.values() {
        scopes.extend(client.scopes.iter().map(String::as_str));
    }
    let mut claims: Vec<&str> = vec![
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "acr",
        "amr",
        "azp",
    ];
    claims.extend(
        SCOPE_CLAIMS
            .iter()
            .flat_map(|(_, claims)| claims.iter().copied()),
    );
    let id_token_algs: Vec<&str> = SigningAlgorithm::ALL
        .into_iter()
        .filter(|alg| state.config.algorithms().contains(alg))
        .map(SigningAlgorithm::name)
        .collect();
    let response_types: Vec<&str> = ResponseType::ALL.iter().map(|t| t.name()).collect();
    let auth_methods = ["client_secret_basic", "client_secret_post", "none"];
    let client_auth = ["client_secret_basic", "client_secret_post"];
    let document = json!({
        "issuer": state.config.issuer,
        "authorization_endpoint": state.url(AUTHORIZE),
        "token_endpoint": state.url(TOKEN),
        "userinfo_endpoint": state.url(USERINFO),
        "jwks_uri": state.url(JWKS),
        "revocation_endpoint": state.url(REVOKE),
        "introspection_endpoint": state.url(INTROSPECT),
        "scopes_supported": scopes,
        "response_types_supported": response_types,
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": id_token_algs,
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": client_auth,
        "introspection_endpoint_auth_methods_supported": client_auth,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": claims,
        "acr_values_supported": state.users.acr_values_supported(),
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
    });
    reply::public_json(document.to_string())
}

/// The scopes mounted `#[jwt_auth]` routes require.
fn route_scopes(routes: Option<&RoutePolicies>) -> Vec<&'static str> {
    routes
        .into_iter()
        .flat_map(RoutePolicies::iter)
        .filter_map(|route| route.policy())
        .filter(|policy| policy.access() != Access::Public)
        .flat_map(|policy| policy.required_scopes().iter().copied())
        .collect()
}

/// `GET /oauth2/jwks`: the public keys, current, next and retiring.
pub(super) async fn jwks(state: &ProviderState) -> Response<'static> {
    match state.keys.current(&*state.store, state.now()).await {
        Ok(snapshot) => reply::public_json(snapshot.jwks.clone()),
        Err(error) => {
            tracing::error!(target: "rocket_warden::provider", "key set unavailable: {error}");
            reply::oauth_error(
                Status::ServiceUnavailable,
                "temporarily_unavailable",
                "the key set is unavailable",
            )
        }
    }
}
