//! Where credentials come from: the `Authorization` header, the opt-in
//! `query_param`, both at once (400), and session cookies refused before any
//! token is looked at (`reject_session_cookies`).

mod support;

use jsonwebtoken::Algorithm::HS256;
use rocket::http::uri::Origin;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket_warden::Jwt;
use serde_json::{json, Value};
use support::ignite::assert_aborts;
use support::*;

/// `GET /uri`: the URI the handler sees (and Rocket logs).
#[rocket::get("/uri?<page>")]
fn uri(_auth: Jwt, origin: &Origin<'_>, page: Option<u32>) -> String {
    format!("{origin} page={page:?}")
}

async fn client_with(extra: &str) -> Client {
    client(
        &validator("main", HS256, extra),
        rocket::routes![jwt, optional, uri],
    )
    .await
}

// ---------------------------------------------------------------------------
// Query parameter
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn a_token_in_the_configured_query_parameter_is_accepted() {
    let client = client_with("query_param = \"access_token\"").await;
    let token = mint(HS256, &claims());
    let response = client
        .get(format!("/jwt?access_token={token}"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    let body: Value = response.into_json().await.expect("json");
    assert_eq!(body["sub"], "alice");
}

#[rocket::async_test]
async fn query_tokens_are_ignored_unless_configured() {
    let client = client_with("").await;
    let token = mint(HS256, &claims());
    let response = client
        .get(format!("/jwt?access_token={token}"))
        .dispatch()
        .await;
    Refusal::of(response)
        .await
        .assert(Status::Unauthorized, "main", None, "bearer token required");
}

#[rocket::async_test]
async fn a_token_in_header_and_query_is_400_invalid_request() {
    let client = client_with("query_param = \"access_token\"").await;
    let token = mint(HS256, &claims());
    for path in ["/jwt", "/optional"] {
        let response = client
            .get(format!("{path}?access_token={token}"))
            .header(bearer(&token))
            .dispatch()
            .await;
        Refusal::of(response).await.assert(
            Status::BadRequest,
            "main",
            Some("invalid_request"),
            "token in both the Authorization header and the query",
        );
    }
}

#[rocket::async_test]
async fn a_repeated_query_parameter_is_400_invalid_request() {
    let client = client_with("query_param = \"access_token\"").await;
    let token = mint(HS256, &claims());
    let response = client
        .get(format!("/jwt?access_token={token}&access_token={token}"))
        .dispatch()
        .await;
    Refusal::of(response).await.assert(
        Status::BadRequest,
        "main",
        Some("invalid_request"),
        "more than one access token in the query",
    );
}

#[rocket::async_test]
async fn a_bad_query_token_is_401_never_anonymous() {
    let client = client_with("query_param = \"access_token\"").await;
    for path in ["/jwt", "/optional"] {
        let response = client
            .get(format!("{path}?access_token=not-a-jwt"))
            .dispatch()
            .await;
        Refusal::of(response)
            .await
            .assert_invalid_token("main", "a token has three parts");
        let response = client
            .get(format!("{path}?access_token=a%20b"))
            .dispatch()
            .await;
        Refusal::of(response)
            .await
            .assert_invalid_token("main", "query token has invalid characters");
        // Over 8 KiB: refused on its size, before its characters are read.
        let large = "a%20".repeat(4 * 1024 + 1);
        let response = client
            .get(format!("{path}?access_token={large}"))
            .dispatch()
            .await;
        Refusal::of(response)
            .await
            .assert_invalid_token("main", "token too large");
    }
}

#[rocket::async_test]
async fn query_tokens_never_reach_the_log() {
    let client = client_with("query_param = \"access_token\"").await;
    let expired = mint(HS256, &claims_with(json!({ "exp": now() - 60 })));
    let good = mint(HS256, &claims());
    let (log, statuses) = logged(async {
        let mut statuses = Vec::new();
        for token in [&expired, &good] {
            let path = format!("/jwt?access_token={token}");
            statuses.push(client.get(path).dispatch().await.status());
        }
        statuses
    })
    .await;
    assert_eq!(statuses, [Status::Unauthorized, Status::Ok]);
    assert!(
        log.contains("refused GET /jwt: 401 Unauthorized, validator `main`: token expired"),
        "log: {log}"
    );
    for token in [&expired, &good] {
        assert!(!log.contains("access_token="), "log: {log}");
        assert!(
            token.split('.').all(|part| !log.contains(part)),
            "log: {log}"
        );
    }
}

#[rocket::async_test]
async fn the_query_token_is_taken_out_of_the_uri_before_it_is_logged() {
    let client = client_with("query_param = \"access_token\"").await;
    let token = mint(HS256, &claims());
    for (path, seen) in [
        (
            format!("/uri?page=2&access_token={token}"),
            "/uri?page=2 page=Some(2)",
        ),
        (format!("/uri?access_token={token}"), "/uri page=None"),
    ] {
        let response = client.get(path).dispatch().await;
        assert_eq!(response.status(), Status::Ok);
        assert_eq!(response.into_string().await.as_deref(), Some(seen));
    }
}

// ---------------------------------------------------------------------------
// Session refusal
// ---------------------------------------------------------------------------

#[rocket::async_test]
async fn a_session_cookie_is_refused_before_the_token_is_read() {
    let client = client_with("reject_session_cookies = [\"session\", \"sid\"]").await;
    let token = mint(HS256, &claims());
    for cookie in ["session", "sid"] {
        let (log, response) = logged(async {
            let response = client
                .get("/jwt")
                .header(bearer(&token))
                .cookie((cookie, "abc"))
                .dispatch()
                .await;
            Refusal::of(response).await
        })
        .await;
        response.assert(
            Status::Unauthorized,
            "main",
            None,
            "session cookies are not accepted here",
        );
        assert_eq!(response.body["error"], "session_cookie_refused");
        // A warning, inside the request's `authenticate` span.
        let warning = format!(
            "WARN authenticate{{validator=\"main\"}}: rocket_warden: refused GET /jwt: \
             session cookie `{cookie}` on a token route"
        );
        assert!(log.contains(&warning), "log: {log}");
        assert!(!log.contains("abc"), "the cookie's value stays out: {log}");
    }
}

#[rocket::async_test]
async fn a_session_cookie_is_refused_on_optional_routes_too() {
    let client = client_with("reject_session_cookies = [\"session\"]").await;
    let response = client
        .get("/optional")
        .cookie(("session", "abc"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Unauthorized);
}

#[rocket::async_test]
async fn other_cookies_do_not_matter() {
    let client = client_with("reject_session_cookies = [\"session\"]").await;
    let response = client
        .get("/optional")
        .cookies([("theme", "dark"), ("sessionish", "1")])
        .dispatch()
        .await;
    assert_eq!(
        response.into_json::<Value>().await,
        Some(json!({ "anonymous": true }))
    );
    let token = mint(HS256, &claims());
    let response = client
        .get("/jwt")
        .header(bearer(&token))
        .cookie(("theme", "dark"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
}

#[rocket::async_test]
async fn bad_source_settings_abort_launch() {
    let config = validator(
        "main",
        HS256,
        "query_param = \"access token\"\nreject_session_cookies = [\"\"]",
    );
    assert_aborts(
        rocket(&config, rocket::routes![jwt]),
        &[
            "`jwt.validators.main.query_param`: a parameter name: letters, digits, `-`, `_`, `.`",
            "`jwt.validators.main.reject_session_cookies`: cookie names: letters, digits, `-`, \
             `_`, `.`",
        ],
    )
    .await;
}
