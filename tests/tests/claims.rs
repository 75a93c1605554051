//! Claim and header rules through real requests: `exp`, `nbf`, `iat`, leeway,
//! `iss`, `aud`, `required_claims`, `token_type` and the configured realm.

mod support;

use jsonwebtoken::Algorithm::HS256;
use jsonwebtoken::Header;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::routes;
use serde_json::{json, Value};
use support::*;

/// A client whose only validator is `main`, with `extra` configuration lines.
async fn main_client(extra: &str) -> Client {
    client(&validator("main", HS256, extra), routes![jwt]).await
}

/// Asserts that `token` reaches the handler, which echoes exactly `claims`.
async fn assert_accepted(client: &Client, token: &str, claims: &Value) {
    let response = get(client, "/jwt", Some(token)).await;
    assert_eq!(response.status(), Status::Ok, "status for claims {claims}");
    let body: Value = response.into_json().await.expect("a JSON payload");
    assert_eq!(&body, claims, "the handler echoes the payload");
}

/// Mints `claims` with HS256 and asserts they are accepted by `client`.
async fn assert_claims_accepted(client: &Client, claims: &Value) {
    assert_accepted(client, &mint(HS256, claims), claims).await;
}

/// Mints `claims` with HS256 and asserts that `client` refuses them as an
/// `invalid_token` in `realm` with `description`.
async fn assert_claims_refused(client: &Client, claims: &Value, realm: &str, description: &str) {
    let token = mint(HS256, claims);
    Refusal::of(get(client, "/jwt", Some(&token)).await)
        .await
        .assert_invalid_token(realm, description);
}

/// A token signed with an HS256 header whose `typ` is `typ` (absent for `None`).
fn mint_typ(typ: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(HS256);
    header.typ = typ.map(str::to_owned);
    mint_with(&header, claims, &signing_key(HS256))
}

/// Seconds since the epoch, as a signed number for relative timestamps.
fn at(offset: i64) -> i64 {
    i64::try_from(now()).expect("the clock fits in i64") + offset
}

// exp

#[rocket::async_test]
async fn expired_token_is_401() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "iat": at(-7200), "exp": at(-3600) }));
    assert_claims_refused(&client, &claims, "main", "token expired").await;
}

#[rocket::async_test]
async fn exp_is_required_by_default() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "exp": null }));
    assert_claims_refused(&client, &claims, "main", "missing required claim `exp`").await;
}

#[rocket::async_test]
async fn exp_given_as_a_string_is_malformed() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "exp": at(300).to_string() }));
    assert_claims_refused(&client, &claims, "main", "claim `exp` is malformed").await;
}

#[rocket::async_test]
async fn exp_given_as_a_string_is_malformed_even_when_not_required() {
    let client = main_client("required_claims = []").await;
    let claims = claims_with(json!({ "exp": at(300).to_string() }));
    assert_claims_refused(&client, &claims, "main", "claim `exp` is malformed").await;
}

#[rocket::async_test]
async fn exp_out_of_range_is_malformed() {
    let client = main_client("").await;
    // 2^64 and beyond do not fit in 64-bit seconds; -1 is before the epoch.
    for exp in [json!(18_446_744_073_709_551_616.0), json!(1e300), json!(-1)] {
        let claims = claims_with(json!({ "exp": exp }));
        assert_claims_refused(&client, &claims, "main", "claim `exp` is malformed").await;
    }
}

#[rocket::async_test]
async fn exp_given_as_a_float_in_the_future_is_accepted() {
    let client = main_client("").await;
    let exp = at(300) as f64 + 0.5;
    assert_claims_accepted(&client, &claims_with(json!({ "exp": exp }))).await;
}

// leeway

#[rocket::async_test]
async fn default_leeway_is_zero() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "iat": at(-600), "exp": at(-30) }));
    assert_claims_refused(&client, &claims, "main", "token expired").await;
}

#[rocket::async_test]
async fn leeway_accepts_a_token_expired_within_it() {
    let client = main_client("leeway_secs = 60").await;
    let claims = claims_with(json!({ "iat": at(-600), "exp": at(-30) }));
    assert_claims_accepted(&client, &claims).await;
}

#[rocket::async_test]
async fn leeway_refuses_a_token_expired_beyond_it() {
    let client = main_client("leeway_secs = 60").await;
    let claims = claims_with(json!({ "iat": at(-600), "exp": at(-120) }));
    assert_claims_refused(&client, &claims, "main", "token expired").await;
}

#[rocket::async_test]
async fn leeway_accepts_nbf_in_the_future_within_it() {
    let client = main_client("leeway_secs = 60").await;
    assert_claims_accepted(&client, &claims_with(json!({ "nbf": at(30) }))).await;
}

#[rocket::async_test]
async fn leeway_refuses_nbf_in_the_future_beyond_it() {
    let client = main_client("leeway_secs = 60").await;
    let claims = claims_with(json!({ "nbf": at(180) }));
    assert_claims_refused(&client, &claims, "main", "token not yet valid").await;
}

#[rocket::async_test]
async fn leeway_accepts_iat_in_the_future_within_it() {
    let client = main_client("leeway_secs = 60").await;
    assert_claims_accepted(&client, &claims_with(json!({ "iat": at(30) }))).await;
}

#[rocket::async_test]
async fn leeway_refuses_iat_in_the_future_beyond_it() {
    let client = main_client("leeway_secs = 60").await;
    let claims = claims_with(json!({ "iat": at(180) }));
    assert_claims_refused(&client, &claims, "main", "token issued in the future").await;
}

// nbf

#[rocket::async_test]
async fn nbf_in_the_future_is_refused() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "nbf": at(120) }));
    assert_claims_refused(&client, &claims, "main", "token not yet valid").await;
}

#[rocket::async_test]
async fn nbf_in_the_past_is_accepted() {
    let client = main_client("").await;
    assert_claims_accepted(&client, &claims_with(json!({ "nbf": at(-120) }))).await;
}

#[rocket::async_test]
async fn nbf_given_as_a_string_is_malformed() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "nbf": at(-120).to_string() }));
    assert_claims_refused(&client, &claims, "main", "claim `nbf` is malformed").await;
}

// iat

#[rocket::async_test]
async fn iat_in_the_future_is_refused() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "iat": at(120) }));
    assert_claims_refused(&client, &claims, "main", "token issued in the future").await;
}

#[rocket::async_test]
async fn iat_given_as_a_string_is_malformed() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "iat": at(-60).to_string() }));
    assert_claims_refused(&client, &claims, "main", "claim `iat` is malformed").await;
}

#[rocket::async_test]
async fn token_without_iat_is_accepted() {
    let client = main_client("").await;
    assert_claims_accepted(&client, &claims_with(json!({ "iat": null }))).await;
}

// iss

#[rocket::async_test]
async fn wrong_issuer_is_refused() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "iss": "https://other.test" }));
    assert_claims_refused(&client, &claims, "main", "wrong issuer").await;
}

#[rocket::async_test]
async fn token_without_iss_is_refused() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "iss": null }));
    assert_claims_refused(&client, &claims, "main", "missing required claim `iss`").await;
}

#[rocket::async_test]
async fn iss_array_containing_the_issuer_is_refused() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "iss": [ISSUER, "https://other.test"] }));
    assert_claims_refused(&client, &claims, "main", "wrong issuer").await;
    let claims = claims_with(json!({ "iss": [ISSUER] }));
    assert_claims_refused(&client, &claims, "main", "wrong issuer").await;
}

#[rocket::async_test]
async fn iss_differing_only_in_case_is_refused() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "iss": ISSUER.to_uppercase() }));
    assert_claims_refused(&client, &claims, "main", "wrong issuer").await;
}

#[rocket::async_test]
async fn iss_with_a_trailing_slash_is_refused() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "iss": format!("{ISSUER}/") }));
    assert_claims_refused(&client, &claims, "main", "wrong issuer").await;
}

#[rocket::async_test]
async fn iss_that_is_not_a_string_is_a_wrong_issuer() {
    // `iss` is present, so "missing" would mislead; `TokenError::WrongIssuer`
    // covers an `iss` that "is not a single string".
    let client = main_client("").await;
    let claims = claims_with(json!({ "iss": 42 }));
    assert_claims_refused(&client, &claims, "main", "wrong issuer").await;
}

// aud, with audiences configured

const AUDIENCES: &str = r#"audiences = ["a", "b"]"#;

#[rocket::async_test]
async fn aud_naming_a_configured_audience_is_accepted() {
    let client = main_client(AUDIENCES).await;
    assert_claims_accepted(&client, &claims_with(json!({ "aud": "b" }))).await;
}

#[rocket::async_test]
async fn aud_array_naming_one_configured_audience_is_accepted() {
    let client = main_client(AUDIENCES).await;
    assert_claims_accepted(&client, &claims_with(json!({ "aud": ["x", "a"] }))).await;
}

#[rocket::async_test]
async fn aud_naming_another_audience_is_refused() {
    let client = main_client(AUDIENCES).await;
    let claims = claims_with(json!({ "aud": "c" }));
    assert_claims_refused(&client, &claims, "main", "wrong audience").await;
}

#[rocket::async_test]
async fn aud_array_naming_no_configured_audience_is_refused() {
    let client = main_client(AUDIENCES).await;
    let claims = claims_with(json!({ "aud": ["x", "y"] }));
    assert_claims_refused(&client, &claims, "main", "wrong audience").await;
}

#[rocket::async_test]
async fn token_without_aud_is_refused_when_audiences_are_configured() {
    let client = main_client(AUDIENCES).await;
    let claims = claims_with(json!({ "aud": null }));
    assert_claims_refused(&client, &claims, "main", "missing required claim `aud`").await;
}

#[rocket::async_test]
async fn aud_that_is_not_a_string_is_a_wrong_audience() {
    // `aud` is present but names none of the configured audiences.
    let client = main_client(AUDIENCES).await;
    let claims = claims_with(json!({ "aud": 42 }));
    assert_claims_refused(&client, &claims, "main", "wrong audience").await;
}

// aud, with no audiences configured

#[rocket::async_test]
async fn without_audiences_a_token_without_aud_is_accepted() {
    let client = main_client("").await;
    assert_claims_accepted(&client, &claims()).await;
}

#[rocket::async_test]
async fn without_audiences_a_token_with_aud_is_refused() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "aud": "a" }));
    assert_claims_refused(&client, &claims, "main", "wrong audience").await;
    let claims = claims_with(json!({ "aud": ["a"] }));
    assert_claims_refused(&client, &claims, "main", "wrong audience").await;
}

#[rocket::async_test]
async fn with_empty_audiences_a_token_without_aud_is_accepted() {
    let client = main_client("audiences = []").await;
    assert_claims_accepted(&client, &claims()).await;
}

#[rocket::async_test]
async fn with_empty_audiences_a_token_with_aud_is_refused() {
    let client = main_client("audiences = []").await;
    let claims = claims_with(json!({ "aud": "a" }));
    assert_claims_refused(&client, &claims, "main", "wrong audience").await;
}

#[rocket::async_test]
async fn without_audiences_an_empty_aud_array_is_refused() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "aud": [] }));
    assert_claims_refused(&client, &claims, "main", "wrong audience").await;
}

#[rocket::async_test]
async fn without_audiences_a_non_string_aud_is_refused() {
    // DESIGN.md: with no audiences configured, "a token that has `aud` is
    // refused" — whatever its type.
    let client = main_client("").await;
    for aud in [json!(42), json!({ "a": 1 }), json!([1, 2]), json!(true)] {
        let claims = claims_with(json!({ "aud": aud }));
        assert_claims_refused(&client, &claims, "main", "wrong audience").await;
    }
}

// required_claims

#[rocket::async_test]
async fn required_claim_missing_is_refused() {
    let client = main_client(r#"required_claims = ["exp", "email"]"#).await;
    let claims = claims();
    assert_claims_refused(&client, &claims, "main", "missing required claim `email`").await;
}

#[rocket::async_test]
async fn required_claim_present_is_accepted() {
    let client = main_client(r#"required_claims = ["exp", "email"]"#).await;
    let claims = claims_with(json!({ "email": "alice@example.com" }));
    assert_claims_accepted(&client, &claims).await;
}

#[rocket::async_test]
async fn required_claim_that_is_null_counts_as_missing() {
    let client = main_client(r#"required_claims = ["exp", "email"]"#).await;
    let mut claims = claims();
    claims["email"] = Value::Null;
    assert_claims_refused(&client, &claims, "main", "missing required claim `email`").await;
}

#[rocket::async_test]
async fn missing_claims_are_reported_in_configuration_order() {
    let client = main_client(r#"required_claims = ["email", "tenant", "exp"]"#).await;
    let without_iss = claims_with(json!({ "iss": null }));
    assert_claims_refused(
        &client,
        &without_iss,
        "main",
        "missing required claim `iss`",
    )
    .await;
    let without_email_and_tenant = claims();
    assert_claims_refused(
        &client,
        &without_email_and_tenant,
        "main",
        "missing required claim `email`",
    )
    .await;
    let without_tenant = claims_with(json!({ "email": "alice@example.com" }));
    assert_claims_refused(
        &client,
        &without_tenant,
        "main",
        "missing required claim `tenant`",
    )
    .await;
}

#[rocket::async_test]
async fn iat_is_rounded_to_the_second_like_exp_and_nbf() {
    let client = main_client("").await;
    let claims = claims_with(json!({ "iat": now() as f64 + 0.4 }));
    assert_claims_accepted(&client, &claims).await;
}

#[rocket::async_test]
async fn required_claims_still_require_exp_when_listed() {
    let client = main_client(r#"required_claims = ["exp", "email"]"#).await;
    let claims = claims_with(json!({ "exp": null, "email": "alice@example.com" }));
    assert_claims_refused(&client, &claims, "main", "missing required claim `exp`").await;
}

#[rocket::async_test]
async fn empty_required_claims_accept_a_token_without_exp() {
    let client = main_client("required_claims = []").await;
    assert_claims_accepted(&client, &claims_with(json!({ "exp": null }))).await;
}

#[rocket::async_test]
async fn empty_required_claims_still_refuse_an_expired_token() {
    let client = main_client("required_claims = []").await;
    let claims = claims_with(json!({ "iat": at(-7200), "exp": at(-3600) }));
    assert_claims_refused(&client, &claims, "main", "token expired").await;
}

#[rocket::async_test]
async fn empty_required_claims_still_require_iss() {
    let client = main_client("required_claims = []").await;
    let claims = claims_with(json!({ "iss": null }));
    assert_claims_refused(&client, &claims, "main", "missing required claim `iss`").await;
}

// token_type

const AT_JWT: &str = r#"token_type = "at+jwt""#;

#[rocket::async_test]
async fn token_type_matching_typ_is_accepted() {
    let client = main_client(AT_JWT).await;
    let claims = claims();
    assert_accepted(&client, &mint_typ(Some("at+jwt"), &claims), &claims).await;
}

#[rocket::async_test]
async fn token_type_accepts_typ_with_the_application_prefix() {
    let client = main_client(AT_JWT).await;
    let claims = claims();
    let token = mint_typ(Some("application/at+jwt"), &claims);
    assert_accepted(&client, &token, &claims).await;
}

#[rocket::async_test]
async fn token_type_accepts_typ_in_another_letter_case() {
    let client = main_client(AT_JWT).await;
    let claims = claims();
    assert_accepted(&client, &mint_typ(Some("AT+JWT"), &claims), &claims).await;
    let token = mint_typ(Some("Application/At+Jwt"), &claims);
    assert_accepted(&client, &token, &claims).await;
}

#[rocket::async_test]
async fn token_type_refuses_another_typ() {
    let client = main_client(AT_JWT).await;
    for typ in ["JWT", "application/jwt", "text/at+jwt", "at+jwt2"] {
        let token = mint_typ(Some(typ), &claims());
        Refusal::of(get(&client, "/jwt", Some(&token)).await)
            .await
            .assert_invalid_token("main", "wrong token type");
    }
}

#[rocket::async_test]
async fn token_type_refuses_a_token_without_typ() {
    let client = main_client(AT_JWT).await;
    let token = mint_typ(None, &claims());
    Refusal::of(get(&client, "/jwt", Some(&token)).await)
        .await
        .assert_invalid_token("main", "wrong token type");
}

#[rocket::async_test]
async fn without_token_type_any_typ_is_accepted() {
    let client = main_client("").await;
    let claims = claims();
    for typ in [Some("JWT"), Some("at+jwt"), Some("anything"), None] {
        assert_accepted(&client, &mint_typ(typ, &claims), &claims).await;
    }
}

// realm

#[rocket::async_test]
async fn configured_realm_names_the_challenge() {
    let client = main_client(r#"realm = "shop""#).await;
    let claims = claims_with(json!({ "iat": at(-7200), "exp": at(-3600) }));
    assert_claims_refused(&client, &claims, "shop", "token expired").await;
    let refusal = Refusal::of(get(&client, "/jwt", None).await).await;
    refusal.assert(Status::Unauthorized, "shop", None, "bearer token required");
}
