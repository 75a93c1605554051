//! Protected Resource Metadata (RFC 9728): for each validator with a
//! `resource`, a JSON document at `/.well-known/oauth-protected-resource`
//! (plus the resource's path) that tells a client which authorization
//! servers issue tokens for it, how to send them, whether DPoP is required,
//! and which scopes its routes ask for, taken from the route inventory:
//! the scopes are what mounted `#[jwt_auth]` routes require, never a list
//! kept by hand. Every 401 of such a validator points to it
//! (`resource_metadata` in the challenge).
//!
//! The fairing mounts one route per document at ignite; each document is
//! built on its first request, once every route is mounted, and kept.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use rocket::http::{ContentType, Method};
use rocket::route::{Handler, Outcome};
use rocket::{Data, Request, Route};
use serde_json::{json, Value};

use crate::authz::Access;
use crate::config::DpopMode;
use crate::routes::{RoutePolicies, OWN_ROUTE};
use crate::validators::Validators;
use crate::verify::Validator;

/// The metadata routes of `validators`, one per validator with a
/// `resource`, or the pair of validators whose documents would share a path.
pub(crate) fn routes(validators: &Validators) -> Result<Vec<Route>, (String, String)> {
    let mut routes: Vec<(Arc<str>, Route)> = Vec::new();
    for validator in validators.iter() {
        let Some(resource) = validator.resource() else {
            continue;
        };
        if let Some((other, _)) = routes
            .iter()
            .find(|(_, route)| route.uri.path() == resource.metadata_path.as_str())
        {
            return Err((other.to_string(), validator.name().to_owned()));
        }
        let handler = Document {
            validator: validator.shared_name().clone(),
            json: Arc::default(),
        };
        let mut route = Route::new(Method::Get, &resource.metadata_path, handler);
        route.name = Some(OWN_ROUTE.into());
        routes.push((validator.shared_name().clone(), route));
    }
    Ok(routes.into_iter().map(|(_, route)| route).collect())
}

/// The handler of one validator's document, built once.
#[derive(Clone)]
struct Document {
    validator: Arc<str>,
    json: Arc<OnceLock<String>>,
}

#[rocket::async_trait]
impl Handler for Document {
    async fn handle<'r>(&self, request: &'r Request<'_>, _: Data<'r>) -> Outcome<'r> {
        let rocket = request.rocket();
        let (Some(validators), Some(routes)) = (
            rocket.state::<Validators>(),
            rocket.state::<RoutePolicies>(),
        ) else {
            return Outcome::from(request, rocket::http::Status::NotFound);
        };
        let json = self
            .json
            .get_or_init(|| document(validators, routes, &self.validator).to_string());
        Outcome::from(request, (ContentType::JSON, json.clone()))
    }
}

/// The document of the validator named `name` (RFC 9728 §2).
fn document(validators: &Validators, routes: &RoutePolicies, name: &str) -> Value {
    let Some(entry) = validators.iter().find(|v| v.name() == name) else {
        return Value::Null;
    };
    let chain: Vec<_> = validators.chain(entry).collect();
    let mut servers: Vec<&str> = Vec::new();
    for issuer in chain.iter().flat_map(|(validator, _)| validator.issuers()) {
        if !servers.contains(&issuer) {
            servers.push(issuer);
        }
    }
    let mut methods = vec!["header"];
    if chain.iter().any(|(_, rules)| rules.query_param.is_some()) {
        methods.push("query");
    }
    let mut document = json!({
        "resource": entry.resource().map(|resource| resource.id.as_str()),
        "authorization_servers": servers,
        "bearer_methods_supported": methods,
        "scopes_supported": scopes(validators, routes, entry),
        "tls_client_certificate_bound_access_tokens": validators
            .rules(entry)
            .is_some_and(|rules| rules.certificate.is_some()),
        "dpop_bound_access_tokens_required": entry.dpop_mode() == Some(DpopMode::Required),
    });
    let algs = validators
        .rules(entry)
        .and_then(|rules| rules.dpop.as_ref())
        .map(|dpop| dpop.proofs.algs().split(' ').collect::<Vec<_>>());
    if let Some(algs) = algs {
        document["dpop_signing_alg_values_supported"] = json!(algs);
    }
    document
}

/// The scopes the mounted routes of `entry` require, sorted.
fn scopes<'a>(
    validators: &Validators,
    routes: &'a RoutePolicies,
    entry: &Validator,
) -> Vec<&'a str> {
    let uses_entry = |route_validator: Option<&str>| match route_validator {
        Some(name) => name == entry.name(),
        None => validators.len() == 1,
    };
    let scopes: BTreeSet<&str> = routes
        .iter()
        .filter_map(|route| route.policy())
        .filter(|policy| policy.access() != Access::Public && uses_entry(policy.validator_name()))
        .flat_map(|policy| policy.required_scopes().iter().copied())
        .collect();
    scopes.into_iter().collect()
}
