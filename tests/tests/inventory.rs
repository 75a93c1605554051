//! The route policy inventory: `RoutePolicies` lists every mounted route with
//! the policy `#[jwt_auth]` declared for it, liftoff logs it as a table,
//! `jwt.require_policy = true` refuses to launch with undeclared routes, and
//! sentinels refuse routes naming a validator that is not configured.

mod support;

use jsonwebtoken::Algorithm::{HS256, RS256};
use rocket::error::ErrorKind;
use rocket::fairing::AdHoc;
use rocket::http::{Method, Status};
use rocket::local::asynchronous::Client;
use rocket::{get, post, routes, Build, Rocket, Route};
use rocket_warden::policy::Access;
use rocket_warden::state::RoutePolicies;
use rocket_warden::{jwt_auth, AccessToken, Jwt, OptionalJwt};
use serde_json::json;
use support::*;

// ---------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------

/// The check of `/api/reports`.
fn auditor(token: &AccessToken) -> bool {
    token.has_role("auditor")
}

#[jwt_auth(validator = "main", roles = ["admin"])]
#[get("/admin")]
fn admin(_auth: Jwt) -> &'static str {
    "admin"
}

#[jwt_auth(scopes = ["orders:read", "orders:write"])]
#[post("/orders/<id>?<page>")]
fn update_order(id: u32, page: Option<u32>) -> String {
    format!("{id} {page:?}")
}

#[jwt_auth(validator = "main", optional, audiences = ["aud2"], check = auditor)]
#[get("/reports")]
fn reports(_auth: OptionalJwt) -> &'static str {
    "reports"
}

#[jwt_auth]
#[rocket::route(PATCH, uri = "/items/<id>")]
fn patch_item(id: u32) -> String {
    id.to_string()
}

#[jwt_auth(public)]
#[get("/health")]
fn health() -> &'static str {
    "ok"
}

#[jwt_auth(public)]
#[get("/")]
fn index() -> &'static str {
    "index"
}

#[get("/open")]
fn open() -> &'static str {
    "open"
}

#[post("/open")]
fn open_post() -> &'static str {
    "open post"
}

/// Two handlers of the same name and URI in two modules, each with its own
/// policy (a versioned API, say).
mod v1 {
    use super::*;

    #[jwt_auth(roles = ["v1"])]
    #[get("/orders")]
    pub(super) fn orders() -> &'static str {
        "v1"
    }
}

mod v2 {
    use super::*;

    #[jwt_auth(roles = ["v2"])]
    #[get("/orders")]
    pub(super) fn orders() -> &'static str {
        "v2"
    }
}

/// A handler with a raw identifier as its name.
#[jwt_auth(roles = ["typist"])]
#[get("/type")]
fn r#type() -> &'static str {
    "type"
}

#[jwt_auth(validator = "nope")]
#[get("/nope")]
fn nope(_auth: Jwt) -> &'static str {
    "nope"
}

#[jwt_auth(validator = "nope", optional)]
#[get("/nope-optional")]
fn nope_optional(_auth: OptionalJwt) -> &'static str {
    "nope"
}

#[jwt_auth(validator = "nope")]
#[get("/nope-hidden")]
fn nope_hidden() -> &'static str {
    "nope"
}

#[jwt_auth]
#[get("/unnamed")]
fn unnamed(_auth: Jwt) -> &'static str {
    "unnamed"
}

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

fn main_validator() -> String {
    validator("main", HS256, "")
}

/// The routes of the `/api` base.
fn api_routes() -> Vec<Route> {
    routes![
        admin,
        update_order,
        reports,
        patch_item,
        health,
        index,
        open,
        open_post
    ]
}

/// A rocket with `config`, `routes` mounted under `/api`.
fn api_rocket(config: &str, routes: Vec<Route>) -> Rocket<Build> {
    rocket(config, Vec::new()).mount("/api", routes)
}

fn policies<P: rocket::Phase>(rocket: &Rocket<P>) -> &RoutePolicies {
    rocket
        .state::<RoutePolicies>()
        .expect("the fairing manages the route policies")
}

/// Ignites `rocket`, expecting a rocket_warden fairing (the validators' or
/// the routes' check) to abort it; returns the log.
async fn assert_fairing_aborts(rocket: Rocket<Build>) -> String {
    let (log, result) = logged(rocket.ignite()).await;
    let error = match result {
        Ok(_) => panic!("launch should abort; log:\n{log}"),
        Err(error) => error,
    };
    match error.kind() {
        ErrorKind::FailedFairings(fairings) => assert!(
            fairings
                .iter()
                .any(|info| info.name.starts_with("rocket_warden")),
            "the failed fairings {:?} should include a rocket_warden one",
            fairings.iter().map(|info| info.name).collect::<Vec<_>>()
        ),
        other => panic!("expected FailedFairings, got {other:?}"),
    }
    log
}

fn assert_logged(log: &str, line: &str) {
    assert!(
        log.contains(line),
        "the log should contain {line:?}; it was:\n{log}"
    );
}

// ---------------------------------------------------------------------------
// RoutePolicies
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn every_mounted_route_is_listed_with_its_mount_point() {
    let rocket = assert_ignites(api_rocket(&main_validator(), api_routes())).await;
    let listed: Vec<_> = policies(&rocket)
        .iter()
        .map(|route| {
            (
                route.method(),
                route.uri().to_owned(),
                route.name().map(str::to_owned),
            )
        })
        .collect();
    let expected = [
        (Method::Get, "/api/admin", "admin"),
        (Method::Post, "/api/orders/<id>?<page>", "update_order"),
        (Method::Get, "/api/reports", "reports"),
        (Method::Patch, "/api/items/<id>", "patch_item"),
        (Method::Get, "/api/health", "health"),
        (Method::Get, "/api", "index"),
        (Method::Get, "/api/open", "open"),
        (Method::Post, "/api/open", "open_post"),
    ];
    assert_eq!(listed.len(), expected.len(), "listed: {listed:?}");
    for (method, uri, name) in expected {
        assert!(
            listed.contains(&(method, uri.to_owned(), Some(name.to_owned()))),
            "{method} {uri} ({name}) should be listed: {listed:?}"
        );
    }
}

#[rocket::async_test]
async fn a_routes_policy_says_what_the_attribute_declared() {
    let rocket = assert_ignites(api_rocket(&main_validator(), api_routes())).await;
    let policies = policies(&rocket);

    let admin = policies
        .get(Method::Get, "/api/admin")
        .expect("GET /api/admin");
    assert_eq!(admin.to_string(), "GET /api/admin (admin)");
    assert!(!admin.is_public());
    let policy = admin.policy().expect("a policy");
    assert_eq!(policy.validator_name(), Some("main"));
    assert_eq!(policy.access(), Access::Required);
    assert_eq!(policy.required_roles(), ["admin"]);
    assert!(policy.required_scopes().is_empty());
    assert_eq!(policy.route_audiences(), None);
    assert_eq!(policy.check_name(), None);
    let id = policy.route_id().expect("declared by #[jwt_auth]");
    assert_eq!(id.handler(), "admin");
    assert_eq!(id.module(), "inventory");
    assert_eq!(id.method(), Some("GET"));
    assert_eq!(id.uri(), Some("/admin"));

    let update = policies
        .get(Method::Post, "/api/orders/<id>?<page>")
        .and_then(|route| route.policy())
        .expect("POST /api/orders/<id>?<page> has a policy");
    assert_eq!(update.validator_name(), None);
    assert_eq!(update.required_scopes(), ["orders:read", "orders:write"]);
    assert!(update.required_roles().is_empty());

    let reports = policies
        .get(Method::Get, "/api/reports")
        .and_then(|route| route.policy())
        .expect("GET /api/reports has a policy");
    assert_eq!(reports.access(), Access::Optional);
    assert_eq!(reports.route_audiences(), Some(&["aud2"][..]));
    assert_eq!(reports.check_name(), Some("auditor"));

    let patch = policies
        .get(Method::Patch, "/api/items/<id>")
        .and_then(|route| route.policy())
        .expect("PATCH /api/items/<id> has a policy");
    assert_eq!(
        patch.route_id().and_then(|id| id.uri()),
        Some("/items/<id>")
    );

    for uri in ["/api/health", "/api"] {
        let route = policies.get(Method::Get, uri).expect(uri);
        assert!(route.is_public(), "{uri} is public");
        assert_eq!(route.policy().map(|p| p.access()), Some(Access::Public));
    }
}

#[rocket::async_test]
async fn a_route_without_the_attribute_has_no_policy() {
    let client = Client::tracked(api_rocket(&main_validator(), api_routes()))
        .await
        .expect("launches");
    let policies = policies(client.rocket());
    let open = policies
        .get(Method::Get, "/api/open")
        .expect("GET /api/open");
    assert!(open.policy().is_none());
    assert!(!open.is_public());
    let without: Vec<_> = policies.without_policy().map(ToString::to_string).collect();
    assert_eq!(
        without,
        ["GET /api/open (open)", "POST /api/open (open_post)"]
    );
    assert!(
        policies.get(Method::Get, "/admin").is_none(),
        "unmounted URIs are not routes"
    );
}

#[rocket::async_test]
async fn a_route_mounted_twice_is_listed_twice_with_its_policy() {
    let rocket = rocket(&main_validator(), routes![admin]).mount("/v2", routes![admin]);
    let rocket = assert_ignites(rocket).await;
    let policies = policies(&rocket);
    for uri in ["/admin", "/v2/admin"] {
        let roles = policies
            .get(Method::Get, uri)
            .and_then(|route| route.policy())
            .map(|policy| policy.required_roles());
        assert_eq!(roles, Some(&["admin"][..]), "{uri}");
    }
}

#[rocket::async_test]
async fn same_named_handlers_with_different_policies_are_ambiguous_not_guessed() {
    // Rocket 0.5 shows nothing of a mounted route's handler but its name, so
    // `v1::orders` and `v2::orders` (both `GET /orders`) cannot be told apart:
    // the table says so rather than give one the other's policy.
    let rocket = assert_ignites(
        rocket(&main_validator(), Vec::new())
            .mount("/v1", routes![v1::orders])
            .mount("/v2", routes![v2::orders]),
    )
    .await;
    let policies = policies(&rocket);
    for uri in ["/v1/orders", "/v2/orders"] {
        let route = policies.get(Method::Get, uri).expect("mounted");
        assert_eq!(route.policy(), None, "{uri}");
    }
    let ambiguous: Vec<_> = policies
        .ambiguous()
        .map(|route| route.uri().to_owned())
        .collect();
    assert_eq!(ambiguous, ["/v1/orders", "/v2/orders"]);
    assert_eq!(policies.without_policy().count(), 0);
}

#[rocket::async_test]
async fn require_policy_refuses_routes_whose_policy_cannot_be_told() {
    let rocket = rocket(&requiring("true"), Vec::new())
        .mount("/v1", routes![v1::orders])
        .mount("/v2", routes![v2::orders]);
    let log = assert_fairing_aborts(rocket).await;
    assert_logged(
        &log,
        "`jwt.require_policy` is set, and route GET /v1/orders (orders) declares no policy \
         that can be told: ambiguous: handlers `inventory::v1::orders`, `inventory::v2::orders` \
         share its name, method and URI; give them distinct names",
    );
}

#[rocket::async_test]
async fn same_named_handlers_in_two_modules_enforce_their_own_roles() {
    // The requests themselves are guarded by each handler's own policy type.
    let rocket = rocket(&main_validator(), Vec::new())
        .mount("/v1", routes![v1::orders])
        .mount("/v2", routes![v2::orders]);
    let client = Client::tracked(rocket).await.expect("launches");
    let v1 = mint(HS256, &claims_with(json!({ "roles": ["v1"] })));
    assert_eq!(
        get(&client, "/v1/orders", Some(&v1)).await.status(),
        Status::Ok
    );
    assert_eq!(
        get(&client, "/v2/orders", Some(&v1)).await.status(),
        Status::Forbidden
    );
}

#[rocket::async_test]
async fn require_policy_sees_routes_mounted_by_a_later_ignite_fairing() {
    let rocket = rocket(&requiring("true"), routes![health])
        .attach(AdHoc::on_ignite("mounts late", |rocket| async {
            rocket.mount("/late", routes![open])
        }));
    let log = assert_fairing_aborts(rocket).await;
    assert_logged(
        &log,
        "`jwt.require_policy` is set, and route GET /late/open (open) declares no policy",
    );
}

#[rocket::async_test]
async fn routes_mounted_by_a_later_ignite_fairing_are_listed() {
    let rocket = rocket(&main_validator(), routes![health])
        .attach(AdHoc::on_ignite("mounts late", |rocket| async {
            rocket.mount("/late", routes![admin])
        }));
    let rocket = assert_ignites(rocket).await;
    let roles = policies(&rocket)
        .get(Method::Get, "/late/admin")
        .and_then(|route| route.policy())
        .map(|policy| policy.required_roles());
    assert_eq!(roles, Some(&["admin"][..]));
}

#[rocket::async_test]
async fn a_handler_with_a_raw_identifier_gets_its_policy() {
    let rocket = assert_ignites(rocket(&main_validator(), routes![r#type])).await;
    let route = policies(&rocket)
        .get(Method::Get, "/type")
        .expect("GET /type");
    assert_eq!(
        route.policy().map(|policy| policy.required_roles()),
        Some(&["typist"][..]),
        "route {route} (name {:?}) should have its policy",
        route.name()
    );
}

// ---------------------------------------------------------------------------
// The liftoff table
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn liftoff_logs_the_route_table() {
    let (log, client) = logged(Client::tracked(api_rocket(&main_validator(), api_routes()))).await;
    client.expect("launches");
    assert_logged(&log, "route policies:");
    for line in [
        "  GET /api/admin (admin): validator `main`, roles any of [admin]",
        "  POST /api/orders/<id>?<page> (update_order): the only validator, \
         scopes all of [orders:read, orders:write]",
        "  GET /api/reports (reports): validator `main`, optional, audiences [aud2], \
         check `auditor`",
        "  PATCH /api/items/<id> (patch_item): the only validator",
        "  GET /api/health (health): public",
        "  GET /api (index): public",
        "  GET /api/open (open): no policy",
        "  POST /api/open (open_post): no policy",
    ] {
        assert_logged(&log, line);
    }
    let table = log
        .split_once("route policies:")
        .map_or("", |(_, table)| table);
    assert_eq!(
        table.lines().filter(|line| line.contains("/api")).count(),
        8,
        "one line a route:\n{table}"
    );
}

// ---------------------------------------------------------------------------
// `jwt.require_policy`
// ---------------------------------------------------------------------------

fn requiring(value: &str) -> String {
    format!("[jwt]\nrequire_policy = {value}\n{}", main_validator())
}

#[rocket::async_test]
async fn require_policy_aborts_launch_naming_every_undeclared_route() {
    let log = assert_fairing_aborts(api_rocket(&requiring("true"), api_routes())).await;
    for route in ["GET /api/open (open)", "POST /api/open (open_post)"] {
        assert_logged(
            &log,
            &format!(
                "`jwt.require_policy` is set, and route {route} declares no policy: \
                 add `#[jwt_auth(...)]` above its route attribute, or \
                 `#[jwt_auth(public)]` if it is meant to be open"
            ),
        );
    }
    assert_eq!(
        log.matches("declares no policy").count(),
        2,
        "only the undeclared routes are named:\n{log}"
    );
}

#[rocket::async_test]
async fn require_policy_launches_when_every_route_is_declared() {
    let declared = routes![admin, update_order, reports, patch_item, health, index];
    let client = Client::tracked(api_rocket(&requiring("true"), declared))
        .await
        .expect("every route declares a policy");
    assert_eq!(
        client.get("/api/health").dispatch().await.status(),
        Status::Ok
    );
    assert_eq!(
        client.get("/api/admin").dispatch().await.status(),
        Status::Unauthorized
    );
}

#[rocket::async_test]
async fn require_policy_false_launches_with_undeclared_routes() {
    let client = Client::tracked(api_rocket(&requiring("false"), api_routes()))
        .await
        .expect("launches");
    assert_eq!(
        client.get("/api/open").dispatch().await.status(),
        Status::Ok
    );
}

#[rocket::async_test]
async fn require_policy_of_the_wrong_type_aborts_launch_naming_the_key() {
    let log = assert_fairing_aborts(api_rocket(&requiring("\"yes\""), api_routes())).await;
    assert_logged(
        &log,
        "invalid configuration: `jwt.require_policy`: expected a boolean, found a string",
    );
}

// ---------------------------------------------------------------------------
// Sentinels
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn a_route_naming_an_unknown_validator_aborts_launch() {
    let log = assert_sentinel_aborts(rocket(&main_validator(), routes![nope]), "Jwt").await;
    assert_logged(
        &log,
        "route `GET /nope` (`inventory::nope`) names validator `nope`, \
         which is not configured (configured: `main`)",
    );
}

#[rocket::async_test]
async fn optional_and_hidden_guards_naming_an_unknown_validator_abort_launch() {
    let log = assert_sentinel_aborts(
        rocket(&main_validator(), routes![nope_optional]),
        "OptionalJwt",
    )
    .await;
    assert_logged(
        &log,
        "route `GET /nope-optional` (`inventory::nope_optional`) names validator `nope`, \
         which is not configured (configured: `main`)",
    );
    let log = assert_sentinel_aborts(
        rocket(&main_validator(), routes![nope_hidden]),
        "Authorized",
    )
    .await;
    assert_logged(
        &log,
        "route `GET /nope-hidden` (`inventory::nope_hidden`) names validator `nope`, \
         which is not configured (configured: `main`)",
    );
}

#[rocket::async_test]
async fn an_unnamed_route_with_two_validators_aborts_launch() {
    let config = format!("{}{}", main_validator(), validator("other", RS256, ""));
    let log = assert_sentinel_aborts(rocket(&config, routes![unnamed]), "Jwt").await;
    assert_logged(
        &log,
        "route `GET /unnamed` (`inventory::unnamed`) names no validator, and several are \
         configured (`main`, `other`): name one in the route's policy",
    );
}

#[rocket::async_test]
async fn a_named_route_with_no_validators_configured_aborts_launch() {
    let log = assert_sentinel_aborts(rocket("", routes![admin]), "Jwt").await;
    assert_logged(
        &log,
        "route `GET /admin` (`inventory::admin`) names validator `main`, but no validator \
         is configured under `jwt.validators`",
    );
}

#[rocket::async_test]
async fn public_routes_launch_without_any_validator() {
    let rocket = assert_ignites(rocket("", routes![health, index])).await;
    assert!(policies(&rocket).iter().all(|route| route.is_public()));
}
