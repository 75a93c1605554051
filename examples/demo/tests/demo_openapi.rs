//! The demo's OpenAPI document (`GET /openapi.json`, rocket_warden's
//! `utoipa` feature) checked against the demo's own route table, and its
//! RapiDoc page (`GET /docs`).

mod support;

use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket_warden::policy::Access;
use rocket_warden::state::RoutePolicies;
use serde_json::{json, Value};
use support::get;

async fn demo() -> (support::TempDb, Client) {
    let (db, url) = support::temp_db();
    let figment = support::with_db(warden_demo::figment(), &url).merge(("log_level", "off"));
    let client = Client::tracked(warden_demo::rocket_from(figment))
        .await
        .expect("the demo launches");
    (db, client)
}

/// Rocket's `/a/<b>` as `/a/{b}`.
fn openapi_path(uri: &str) -> String {
    uri.split('?')
        .next()
        .unwrap_or(uri)
        .replace('<', "{")
        .replace("..>", "}")
        .replace('>', "}")
}

#[tokio::test]
async fn the_document_gives_every_route_the_security_its_attribute_says() {
    let (_db, client) = demo().await;
    let response = get(&client, warden_demo::OPENAPI_PATH, None).await;
    assert_eq!(response.status(), Status::Ok);
    let document: Value = response.into_json().await.expect("JSON");
    let routes = client
        .rocket()
        .state::<RoutePolicies>()
        .expect("the route table");
    let mut protected = 0;
    for route in routes.iter() {
        let method = route.method().as_str().to_ascii_lowercase();
        let operation = &document["paths"][openapi_path(route.uri())][&method];
        assert!(
            operation.is_object(),
            "{method} {} is documented",
            route.uri()
        );
        let Some(policy) = route.policy().filter(|_| !route.is_public()) else {
            assert!(
                operation.get("security").is_none(),
                "{} is open",
                route.uri()
            );
            continue;
        };
        protected += 1;
        let validator = policy.validator_name().expect("the demo names validators");
        let mut expected = vec![json!({ validator: policy.required_scopes() })];
        if policy.access() == Access::Optional {
            expected.push(json!({}));
        }
        assert_eq!(
            operation["security"],
            Value::from(expected),
            "{}",
            route.uri()
        );
        assert!(operation["responses"]["401"]["headers"]["WWW-Authenticate"].is_object());
        let demands_more =
            !policy.required_roles().is_empty() || !policy.required_scopes().is_empty();
        assert_eq!(
            operation["responses"].get("403").is_some(),
            demands_more,
            "{}",
            route.uri()
        );
    }
    assert!(protected >= 10, "the demo's protected routes: {protected}");
    // Spot checks, written out.
    assert_eq!(
        document["paths"]["/orders"]["post"]["security"],
        json!([{ "demo": ["orders"] }])
    );
    assert_eq!(
        document["paths"]["/whoami-public-or-jwt"]["get"]["security"],
        json!([{ "demo": [] }, {}])
    );
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(
        schemes["demo"],
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    );
    assert_eq!(schemes["demo_oidc"]["type"], "openIdConnect");
    assert!(schemes["demo_oidc"]["openIdConnectUrl"]
        .as_str()
        .is_some_and(|url| url.ends_with("/.well-known/openid-configuration")));
}

#[tokio::test]
async fn the_docs_page_is_rapidoc_on_the_document() {
    let (_db, client) = demo().await;
    let response = get(&client, "/docs", None).await;
    assert_eq!(response.status(), Status::Ok);
    let html = response.into_string().await.expect("HTML");
    assert!(html.contains("<rapi-doc"), "{html}");
    assert!(html.contains(warden_demo::OPENAPI_PATH), "{html}");
}
