//! The route policy inventory: every mounted route with the policy
//! `#[jwt_auth]` declared for it.
//!
//! Each `#[jwt_auth]` registers its policy, with the handler's name and what
//! its route attribute says, in a link-time list (the `inventory` crate). At
//! ignite, after every other ignite fairing attached before launch, the
//! fairing matches the mounted routes against that list by handler name,
//! method and unmounted URI: Rocket 0.5 keeps nothing else of a route's
//! handler in public view.

use std::fmt;

use rocket::fairing;
use rocket::http::uri::Origin;
use rocket::http::Method;
use rocket::{Build, Phase, Rocket, Route};

use crate::authz::{Access, RouteId, RoutePolicy};
use crate::config;

/// The name of the routes rocket_warden mounts itself (the RFC 9728
/// metadata documents): open by design, so the route table counts them as
/// public and `require_policy` accepts them.
pub(crate) const OWN_ROUTE: &str = "rocket_warden::oauth_protected_resource";

/// Whether rocket_warden mounted `route` itself: a metadata document, or
/// one of the provider's endpoints (`rocket_warden::provider::…`).
fn is_own(route: &Route) -> bool {
    route
        .name
        .as_deref()
        .is_some_and(|name| name == OWN_ROUTE || name.starts_with("rocket_warden::provider::"))
}

/// The policy of [`OWN_ROUTE`]s.
static OWN_ROUTE_POLICY: RoutePolicy = RoutePolicy::new().public();

/// A policy registered by `#[jwt_auth]`. Not a public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct Registered(pub &'static RoutePolicy);

inventory::collect!(Registered);

/// Every mounted route with its declared policy, in mount order.
///
/// The fairing builds it at ignite, logs it as a table at liftoff, and puts
/// it in managed state, so an application (or a test) can ask for it:
///
/// ```no_run
/// use rocket::{Orbit, Rocket};
/// use rocket_warden::state::RoutePolicies;
///
/// fn unprotected(rocket: &Rocket<Orbit>) -> Vec<String> {
///     let policies = rocket.state::<RoutePolicies>().expect("the fairing is attached");
///     policies.without_policy().map(|route| route.to_string()).collect()
/// }
/// ```
#[derive(Debug, Default)]
pub struct RoutePolicies {
    routes: Vec<MountedRoute>,
}

impl RoutePolicies {
    /// The routes mounted on `rocket` so far, each with its policy.
    pub fn of<P: Phase>(rocket: &Rocket<P>) -> Self {
        let registered: Vec<_> = inventory::iter::<Registered>
            .into_iter()
            .filter_map(|registered| Some((registered.0.route_id()?, registered.0)))
            .collect();
        let routes = rocket
            .routes()
            .map(|route| MountedRoute::new(route, &registered))
            .collect();
        Self { routes }
    }

    /// Every mounted route.
    pub fn iter(&self) -> impl Iterator<Item = &MountedRoute> {
        self.routes.iter()
    }

    /// The mounted routes that declare no policy (neither a `#[jwt_auth]`
    /// policy nor `public`).
    pub fn without_policy(&self) -> impl Iterator<Item = &MountedRoute> {
        self.routes
            .iter()
            .filter(|route| matches!(route.policy, Match::None))
    }

    /// The mounted routes whose policy cannot be told: handlers in different
    /// modules share their name, method and URI, and declare different
    /// policies.
    pub fn ambiguous(&self) -> impl Iterator<Item = &MountedRoute> {
        self.routes
            .iter()
            .filter(|route| matches!(route.policy, Match::Ambiguous(_)))
    }

    /// The route mounted with `method` at `uri` (as Rocket prints it, with
    /// its mount point: `/api/orders/<id>`).
    pub fn get(&self, method: Method, uri: &str) -> Option<&MountedRoute> {
        self.routes
            .iter()
            .find(|route| route.method == method && route.uri == uri)
    }
}

/// One mounted route and its policy.
#[derive(Debug, Clone)]
pub struct MountedRoute {
    method: Method,
    uri: String,
    name: Option<String>,
    policy: Match,
}

/// The policies registered for a mounted route.
#[derive(Debug, Clone)]
enum Match {
    None,
    One(&'static RoutePolicy),
    /// Several that differ: same-named handlers in different modules.
    Ambiguous(Vec<&'static RoutePolicy>),
}

impl MountedRoute {
    fn new(route: &Route, registered: &[(&RouteId, &'static RoutePolicy)]) -> Self {
        let unmounted = route.uri.unmounted_origin.to_string();
        let found: Vec<_> = registered
            .iter()
            .filter(|(id, _)| declares(id, route, &unmounted))
            .map(|(_, policy)| *policy)
            .collect();
        // Policies that read the same are the same rules, whichever module.
        let policy = match found.as_slice() {
            [] if is_own(route) => Match::One(&OWN_ROUTE_POLICY),
            [] => Match::None,
            [first, rest @ ..] if rest.iter().all(|p| p.to_string() == first.to_string()) => {
                Match::One(first)
            }
            _ => Match::Ambiguous(found),
        };
        Self {
            method: route.method,
            uri: route.uri.to_string(),
            name: route.name.as_deref().map(str::to_owned),
            policy,
        }
    }

    /// The route's method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The route's URI, with its mount point.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The route's name (its handler function's name), if it has one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The policy `#[jwt_auth]` declared for the route: `None` when it
    /// declares none, or when that cannot be told (see
    /// [`RoutePolicies::ambiguous`]).
    pub fn policy(&self) -> Option<&'static RoutePolicy> {
        match self.policy {
            Match::One(policy) => Some(policy),
            _ => None,
        }
    }

    /// Whether the route is declared intentionally open.
    pub fn is_public(&self) -> bool {
        self.policy()
            .is_some_and(|policy| policy.access() == Access::Public)
    }

    /// What the route table says of the route's policy.
    fn describe(&self) -> String {
        match &self.policy {
            Match::None => "no policy".to_owned(),
            Match::One(policy) => policy.to_string(),
            Match::Ambiguous(policies) => {
                let mut handlers: Vec<_> = policies
                    .iter()
                    .filter_map(|policy| policy.route_id())
                    .map(|id| format!("`{}::{}`", id.module(), id.handler()))
                    .collect();
                // The link-time list has no fixed order; the message should.
                handlers.sort();
                format!(
                    "ambiguous: handlers {} share its name, method and URI; give them distinct names",
                    handlers.join(", ")
                )
            }
        }
    }
}

/// The route table, built at ignite after the other ignite fairings: builds
/// the route table, manages it, and with `jwt.require_policy` aborts launch
/// if a mounted route declares no policy, or cannot be told.
pub(crate) async fn build_route_table(rocket: Rocket<Build>) -> fairing::Result {
    let require_policy = match config::require_policy(rocket.figment()) {
        Ok(require) => require,
        Err(error) => {
            tracing::error!(target: "rocket_warden", "invalid configuration: {error}");
            return Err(rocket);
        }
    };
    let policies = RoutePolicies::of(&rocket);
    let refused: Vec<_> = policies
        .without_policy()
        .chain(policies.ambiguous())
        .filter(|_| require_policy)
        .collect();
    if refused.is_empty() {
        return Ok(rocket.manage(policies));
    }
    for route in refused {
        let fix = match route.policy {
            Match::Ambiguous(_) => format!(" that can be told: {}", route.describe()),
            _ => ": add `#[jwt_auth(...)]` above its route attribute, or \
                  `#[jwt_auth(public)]` if it is meant to be open"
                .to_owned(),
        };
        tracing::error!(
            target: "rocket_warden",
            "`jwt.require_policy` is set, and route {route} declares no policy{fix}"
        );
    }
    Err(rocket)
}

/// Logs the route table.
pub(crate) fn log(policies: &RoutePolicies) {
    tracing::info!(target: "rocket_warden", "route policies:");
    for route in policies.iter() {
        tracing::info!(target: "rocket_warden", "  {route}: {}", route.describe());
    }
}

impl fmt::Display for MountedRoute {
    /// `GET /admin (admin)`, as the route table and launch errors name routes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.uri)?;
        if let Some(name) = &self.name {
            write!(f, " ({name})")?;
        }
        Ok(())
    }
}

/// Whether `id` (what `#[jwt_auth]` saw) declares the mounted `route`.
fn declares(id: &RouteId, route: &Route, unmounted: &str) -> bool {
    route.name.as_deref() == Some(id.handler())
        && id
            .method()
            .is_none_or(|method| method.eq_ignore_ascii_case(route.method.as_str()))
        && id
            .uri()
            .is_none_or(|uri| normalized(uri).as_deref() == Some(unmounted))
}

/// A route URI as Rocket stores it once parsed (`/a//b/` is `/a/b`).
fn normalized(uri: &str) -> Option<String> {
    Origin::parse_route(uri)
        .ok()
        .map(|origin| origin.into_normalized().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_uris_are_compared_as_rocket_normalizes_them() {
        assert_eq!(normalized("/a//b/").as_deref(), Some("/a/b"));
        assert_eq!(
            normalized("/orders/<id>?<page>").as_deref(),
            Some("/orders/<id>?<page>")
        );
    }
}
