//! Every bad request gets its specific answer and changes nothing stored;
//! and the attacks a provider must resist fail.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::header::{CACHE_CONTROL, COOKIE, LOCATION};
use rocket_warden::provider::MemoryStore;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::flows::{answer_consent, approve, param, signed_in_redirect};
use super::{browser, serve, serve_with_store, userinfo, GONE, REDIRECT, SECRET};

pub(crate) const VERIFIER: &str = "a-verifier-of-at-least-forty-three-characters-0123";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// An authorization URL for `client` with `extra` parameters.
fn authorize(issuer: &str, client: &str, extra: &str) -> String {
    let redirect: String = url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect();
    format!(
        "{issuer}/oauth2/authorize?client_id={client}&redirect_uri={redirect}&response_type=code&state=s1{extra}"
    )
}

/// A code for `first` (no consent page), with the PKCE challenge of VERIFIER.
pub(crate) async fn first_party_code(issuer: &str, scope: &str) -> String {
    let url = authorize(
        issuer,
        "first",
        &format!(
            "&scope={scope}&code_challenge={}&code_challenge_method=S256",
            challenge(VERIFIER)
        ),
    );
    let params = signed_in_redirect(&url, "9").await;
    param(&params, "code").expect("a code")
}

/// `POST /oauth2/token` for `first` (secret in the form) with `form`.
pub(crate) async fn token(issuer: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = as_first(issuer, "token", form).await;
    let status = response.status().as_u16();
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
    (status, response.json().await.expect("JSON"))
}

/// `POST /oauth2/{path}` for `first`, its secret in the form with `form`.
async fn as_first(issuer: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let mut all = vec![("client_id", "first"), ("client_secret", SECRET)];
    all.extend_from_slice(form);
    browser()
        .post(format!("{issuer}/oauth2/{path}"))
        .form(&all)
        .send()
        .await
        .expect("an answer")
}

/// `POST /oauth2/{path}` for `first`: the status and the JSON body.
async fn as_first_json(issuer: &str, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = as_first(issuer, path, form).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

pub(crate) fn code_form<'a>(code: &'a str, verifier: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ]
}

#[tokio::test]
async fn an_unknown_client_or_redirect_uri_gets_a_page_never_a_redirect() {
    let issuer = serve("").await;
    for url in [
        authorize(&issuer, "nobody", "&scope=openid"),
        format!("{issuer}/oauth2/authorize?client_id=rp&redirect_uri=https%3A%2F%2Fevil.example%2F&response_type=code&scope=openid"),
        format!("{issuer}/oauth2/authorize?client_id=rp&response_type=code&scope=openid"),
        format!("{}&client_id=spa", authorize(&issuer, "rp", "&scope=openid")),
    ] {
        let response = browser().get(&url).header(COOKIE, "test_user=1").send().await.expect("an answer");
        assert_eq!(response.status(), 400, "{url}");
        assert!(response.headers().get(LOCATION).is_none());
        assert!(response.text().await.expect("a page").contains("cannot be completed"));
    }
}

#[tokio::test]
async fn bad_authorization_requests_go_back_with_their_error_state_and_iss() {
    let issuer = serve("").await;
    let plain = "&scope=openid&code_challenge=abc&code_challenge_method=plain";
    let cases = [
        ("rp", plain, "invalid_request"),
        ("spa", "&scope=openid", "invalid_request"),
        ("rp", "&scope=openid%20admin", "invalid_scope"),
        ("rp", "&scope=openid&prompt=none%20login", "invalid_request"),
        ("rp", "&scope=openid&request=eyJ", "request_not_supported"),
        (
            "rp",
            "&scope=openid&request_uri=urn%3Aexample%3Aobject",
            "request_uri_not_supported",
        ),
        ("rp", "&scope=openid&scope=email", "invalid_request"),
    ];
    for (client, extra, error) in cases {
        let params = signed_in_redirect(&authorize(&issuer, client, extra), "1").await;
        assert_eq!(param(&params, "error").as_deref(), Some(error), "{extra}");
        assert_eq!(param(&params, "state").as_deref(), Some("s1"));
        assert_eq!(param(&params, "iss").as_deref(), Some(issuer.as_str()));
    }
    // The implicit flow is refused.
    let url = authorize(&issuer, "rp", "&scope=openid&nonce=n")
        .replace("response_type=code", "response_type=id_token");
    let params = signed_in_redirect(&url, "1").await;
    assert_eq!(
        param(&params, "error").as_deref(),
        Some("unsupported_response_type")
    );
    // A response_type nobody supports, one the client may not use, and
    // tokens asked for in the query.
    let response_types = [
        ("rp", "code%20device", "", "unsupported_response_type"),
        ("first", "code%20id_token", "", "unauthorized_client"),
        (
            "rp",
            "code%20id_token",
            "&response_mode=query",
            "invalid_request",
        ),
    ];
    for (client, response_type, extra, error) in response_types {
        let url = authorize(&issuer, client, &format!("&scope=openid&nonce=n{extra}")).replace(
            "response_type=code",
            &format!("response_type={response_type}"),
        );
        let params = signed_in_redirect(&url, "1").await;
        assert_eq!(param(&params, "error").as_deref(), Some(error), "{url}");
        assert_eq!(param(&params, "state").as_deref(), Some("s1"));
    }
    // Nobody signed in and prompt=none: login_required.
    let response = browser()
        .get(authorize(&issuer, "first", "&scope=openid&prompt=none"))
        .send()
        .await
        .expect("an answer");
    let location = response.headers()[LOCATION].to_str().expect("text");
    assert!(location.contains("error=login_required"), "{location}");
}

#[tokio::test]
async fn prompt_none_answers_consent_required_until_the_user_has_approved() {
    let issuer = serve("").await;
    let url = authorize(&issuer, "rp", "&scope=openid%20email");
    let silent = format!("{url}&prompt=none");
    // Signed in, but never asked about `rp`: no page may be shown.
    let params = signed_in_redirect(&silent, "7").await;
    assert_eq!(param(&params, "error").as_deref(), Some("consent_required"));
    assert_eq!(param(&params, "state").as_deref(), Some("s1"));
    assert_eq!(param(&params, "iss").as_deref(), Some(issuer.as_str()));
    assert!(param(&params, "code").is_none());
    // Once approved, the same silent request gets its code.
    let location = approve(&issuer, &url, "7").await;
    assert!(location.contains("code="), "{location}");
    let params = signed_in_redirect(&silent, "7").await;
    assert!(param(&params, "code").is_some(), "{params:?}");
    // Another user has approved nothing.
    let params = signed_in_redirect(&silent, "8").await;
    assert_eq!(param(&params, "error").as_deref(), Some("consent_required"));
}

#[tokio::test]
async fn nobody_signed_in_is_sent_to_the_login_page_and_back() {
    let issuer = serve("").await;
    let url = authorize(
        &issuer,
        "first",
        "&scope=openid&prompt=login&login_hint=alice",
    );
    let response = browser().get(&url).send().await.expect("an answer");
    assert_eq!(response.status(), 303);
    let location = response.headers()[LOCATION]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        location.starts_with("/login?return_to=%2Foauth2%2Fauthorize%3F"),
        "{location}"
    );
    assert!(location.ends_with("&login_hint=alice"), "{location}");
    let back = super::flows::return_to(&location);
    assert!(!back.contains("prompt=login"), "{back}");
    // Signed in before the redirect: still too old for prompt=login.
    let after: u64 = back
        .rsplit("warden_login_after=")
        .next()
        .expect("a time")
        .parse()
        .expect("a number");
    let stale = browser()
        .get(format!("{issuer}{back}"))
        .header(COOKIE, format!("test_user=3:{}", after - 10))
        .send()
        .await
        .expect("an answer");
    assert!(stale.headers()[LOCATION]
        .to_str()
        .expect("text")
        .starts_with("/login?"));
    // Signed in again: the code comes.
    let params = signed_in_redirect(&format!("{issuer}{back}"), &format!("3:{after}")).await;
    assert!(param(&params, "code").is_some());
}

#[tokio::test]
async fn a_refused_token_request_leaves_the_code_usable() {
    let issuer = serve("").await;
    let code = first_party_code(&issuer, "openid").await;
    let wrong_verifier = "b-verifier-of-at-least-forty-three-characters-0123";
    let (status, body) = token(&issuer, &code_form(&code, wrong_verifier)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let mut other_redirect = code_form(&code, VERIFIER);
    other_redirect[2] = ("redirect_uri", "http://127.0.0.1:9/other");
    let (status, body) = token(&issuer, &other_redirect).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let mut no_verifier = code_form(&code, VERIFIER);
    no_verifier.pop();
    let (_, body) = token(&issuer, &no_verifier).await;
    assert_eq!(body["error"], "invalid_grant");
    // A wrong secret: 401 invalid_client.
    let response = browser()
        .post(format!("{issuer}/oauth2/token"))
        .form(&[
            ("client_id", "first"),
            ("client_secret", "wrong-secret-0123456789"),
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 401);
    let (status, body) = token(&issuer, &code_form(&code, VERIFIER)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["id_token"].is_string() && body["access_token"].is_string());
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_what_it_issued() {
    let issuer = serve("").await;
    let code = first_party_code(&issuer, "openid%20offline_access").await;
    let (status, body) = token(&issuer, &code_form(&code, VERIFIER)).await;
    assert_eq!(status, 200);
    let access = body["access_token"].as_str().expect("a token").to_owned();
    let refresh = body["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    assert_eq!(userinfo(&issuer, &access).await.status(), 200);
    let (status, body) = token(&issuer, &code_form(&code, VERIFIER)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let refused = userinfo(&issuer, &access).await;
    assert_eq!(refused.status(), 401);
    assert!(challenge_of(&refused).contains("error=\"invalid_token\""));
    let (_, body) = token(
        &issuer,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn another_clients_code_is_refused_and_stays_usable_for_its_own() {
    let issuer = serve("").await;
    let code = first_party_code(&issuer, "openid").await;
    let response = browser()
        .post(format!("{issuer}/oauth2/token"))
        .basic_auth("rp", Some(SECRET))
        .form(&code_form(&code, VERIFIER))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 400);
    let (status, _) = token(&issuer, &code_form(&code, VERIFIER)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn client_credentials_revocation_and_introspection() {
    let issuer = serve("").await;
    let grant = |scope| [("grant_type", "client_credentials"), ("scope", scope)];
    let (status, body) = as_service(&issuer, "token", &grant("orders")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    let access = body["access_token"].as_str().expect("a token").to_owned();
    let (_, wide) = as_service(&issuer, "token", &grant("openid")).await;
    assert_eq!(wide["error"], "invalid_scope");

    let (_, active) = as_service(&issuer, "introspect", &[("token", &access)]).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["client_id"], "service");
    assert_eq!(active["scope"], "orders");
    let (status, _) = as_service(&issuer, "revoke", &[("token", &access)]).await;
    assert_eq!(status, 200);
    let (_, inactive) = as_service(&issuer, "introspect", &[("token", &access)]).await;
    assert_eq!(inactive, serde_json::json!({"active": false}));
    let (status, _) = as_service(&issuer, "revoke", &[("token", "not-a-token")]).await;
    assert_eq!(status, 200, "unknown tokens are a 200 (RFC 7009 §2.2)");

    let anonymous = browser()
        .post(format!("{issuer}/oauth2/introspect"))
        .form(&[("token", "x")])
        .send()
        .await
        .expect("an answer");
    assert_eq!(anonymous.status(), 401);
}

/// The `WWW-Authenticate` challenge of a refusal.
fn challenge_of(response: &reqwest::Response) -> String {
    let challenge = response.headers()["www-authenticate"].to_str();
    challenge.expect("text").to_owned()
}

/// `POST /oauth2/{path}` as `service` (HTTP Basic), with `form`.
async fn as_service(issuer: &str, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = browser()
        .post(format!("{issuer}/oauth2/{path}"))
        .basic_auth("service", Some(SECRET))
        .form(form)
        .send()
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

#[tokio::test]
async fn a_refresh_token_is_described_and_revoked_for_its_own_client_only() {
    let issuer = serve("").await;
    let code = first_party_code(&issuer, "openid%20offline_access").await;
    let (status, tokens) = token(&issuer, &code_form(&code, VERIFIER)).await;
    assert_eq!(status, 200, "{tokens}");
    let refresh = tokens["refresh_token"].as_str().expect("a refresh token");

    let (status, described) = as_first_json(&issuer, "introspect", &[("token", refresh)]).await;
    assert_eq!(status, 200);
    assert_eq!(described["active"], true, "{described}");
    assert_eq!(described["token_type"], "refresh_token");
    assert_eq!(described["client_id"], "first");
    assert_eq!(described["sub"], "9");
    assert_eq!(described["scope"], "openid offline_access");
    assert_eq!(described["iss"], issuer.as_str());
    assert!(described["exp"].as_u64().is_some(), "{described}");
    // Another client learns nothing of it, and cannot revoke it.
    let (_, foreign) = as_service(&issuer, "introspect", &[("token", refresh)]).await;
    assert_eq!(foreign, serde_json::json!({"active": false}));
    let (status, refused) = as_service(&issuer, "revoke", &[("token", refresh)]).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"], "invalid_request");
    let (_, still) = as_first_json(&issuer, "introspect", &[("token", refresh)]).await;
    assert_eq!(
        still["active"], true,
        "a refused revocation changes nothing"
    );
    // Its own client revokes it: inactive, and it refreshes no more.
    let (status, _) = as_first_json(&issuer, "revoke", &[("token", refresh)]).await;
    assert_eq!(status, 200);
    let (_, gone) = as_first_json(&issuer, "introspect", &[("token", refresh)]).await;
    assert_eq!(gone, serde_json::json!({"active": false}));
    let refreshing = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let (status, body) = token(&issuer, &refreshing).await;
    assert_eq!(
        (status, &body["error"]),
        (400, &Value::from("invalid_grant"))
    );
}

#[tokio::test]
async fn a_body_that_is_not_a_small_utf8_form_is_a_json_invalid_request() {
    let issuer = serve("").await;
    let post = |content_type: &'static str, body: Vec<u8>| {
        let issuer = issuer.clone();
        async move {
            let response = browser()
                .post(format!("{issuer}/oauth2/token"))
                .basic_auth("service", Some(SECRET))
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body)
                .send()
                .await
                .expect("an answer");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("JSON"))
        }
    };
    let form = "application/x-www-form-urlencoded";
    let mut large = b"grant_type=client_credentials&scope=orders&padding=".to_vec();
    large.resize(65 * 1024, b'a');
    let cases = [
        (
            "application/json",
            br#"{"grant_type":"client_credentials"}"#.to_vec(),
            "the request body must be application/x-www-form-urlencoded UTF-8 text",
        ),
        (
            form,
            b"grant_type=client_credentials&scope=\xff".to_vec(),
            "the request body must be application/x-www-form-urlencoded UTF-8 text",
        ),
        (form, large, "the request body is too large"),
    ];
    for (content_type, body, description) in cases {
        let (status, answer) = post(content_type, body).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["error"], "invalid_request", "{answer}");
        assert_eq!(answer["error_description"], description, "{answer}");
        assert!(answer.get("access_token").is_none());
    }
    // The same request as a small form is fine.
    let body = b"grant_type=client_credentials&scope=orders".to_vec();
    let (status, answer) = post(form, body).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn userinfo_needs_a_token_granted_openid() {
    let issuer = serve("").await;
    let grant = [("grant_type", "client_credentials"), ("scope", "orders")];
    let (_, body) = as_service(&issuer, "token", &grant).await;
    let access = body["access_token"].as_str().expect("a token");
    let response = userinfo(&issuer, access).await;
    assert_eq!(response.status(), 403);
    let challenge = challenge_of(&response);
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
}

#[tokio::test]
async fn userinfo_with_two_authorization_headers_is_invalid_request() {
    let issuer = serve("").await;
    let code = first_party_code(&issuer, "openid").await;
    let (status, body) = token(&issuer, &code_form(&code, VERIFIER)).await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().expect("a token");
    // The first would pass alone; the second is not even a bearer token.
    let response = browser()
        .get(format!("{issuer}/oauth2/userinfo"))
        .header("Authorization", format!("Bearer {access}"))
        .header("Authorization", "Basic c2VydmljZTpzZWNyZXQ=")
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 400);
    let challenge = challenge_of(&response);
    assert!(
        challenge.contains("error=\"invalid_request\""),
        "{challenge}"
    );
    assert!(
        challenge.contains("more than one Authorization header"),
        "{challenge}"
    );
    // The token alone still works: the refusal changed nothing.
    assert_eq!(userinfo(&issuer, access).await.status(), 200);
}

/// UserInfo reads `Authorization` as the guards do (README, Behaviour):
/// `Bearer` alone or a token outside RFC 6750's `b64token` is a 401
/// `invalid_token`, another scheme a bare challenge.
#[tokio::test]
async fn userinfo_reads_the_authorization_header_as_the_guards_do() {
    let issuer = serve("").await;
    let code = first_party_code(&issuer, "openid").await;
    let (status, body) = token(&issuer, &code_form(&code, VERIFIER)).await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().expect("a token");
    let sent = |value: String| {
        let issuer = issuer.clone();
        async move {
            browser()
                .get(format!("{issuer}/oauth2/userinfo"))
                .header("Authorization", value)
                .send()
                .await
                .expect("an answer")
        }
    };
    // A tab is not a separator, and not a `b64token` character: the token
    // itself would verify, but the header does not carry it as the RFC says.
    for (value, description) in [
        (
            format!("Bearer \t{access}"),
            "bearer token has invalid characters",
        ),
        ("Bearer".to_owned(), "bearer token is empty"),
    ] {
        let response = sent(value).await;
        assert_eq!(response.status(), 401, "{description}");
        let challenge = challenge_of(&response);
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        assert!(challenge.contains(description), "{challenge}");
    }
    let response = sent("Basic c2VydmljZTpzZWNyZXQ=".to_owned()).await;
    assert_eq!(response.status(), 401);
    assert_eq!(challenge_of(&response), "Bearer realm=\"userinfo\"");
    // The scheme in another case, and the token alone, are fine.
    assert_eq!(sent(format!("bEaReR {access}")).await.status(), 200);
    assert_eq!(userinfo(&issuer, access).await.status(), 200);
}

/// An access token written by hand with the provider's own RS256 key
/// (read from its store), its claims JSON as given.
async fn signed_here(store: &MemoryStore, claims: &str) -> String {
    use base64::engine::general_purpose::STANDARD;
    use rocket_warden::provider::ProviderStore as _;
    let keys = store.keys().await.expect("the provider's keys");
    let key = keys
        .iter()
        .find(|key| key.alg == "RS256")
        .expect("an RS256 key");
    let lines: Vec<String> = STANDARD
        .encode(&key.pkcs8)
        .as_bytes()
        .chunks(64)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).expect("the key");
    let header = serde_json::json!({"alg": "RS256", "typ": "at+jwt", "kid": key.kid});
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature =
        jsonwebtoken::crypto::sign(signed.as_bytes(), &encoding, jsonwebtoken::Algorithm::RS256)
            .expect("signed");
    format!("{signed}.{signature}")
}

/// UserInfo and introspection read a token's claims as the guards do
/// (README, Behaviour): a member named twice is refused, even in a token
/// signed with the provider's own key, where another reader might keep
/// the other value.
#[tokio::test]
async fn an_access_token_naming_a_member_twice_is_refused_even_signed_here() {
    let store = MemoryStore::default();
    let issuer = serve_with_store("", store.clone()).await;
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        + 600;
    // jsonwebtoken refuses a registered claim named twice (`sub`, `exp`…)
    // on its own; `scope` is read by the provider alone.
    let claims = |scopes: &str| {
        format!(
            r#"{{"iss":"{issuer}","sub":"8","aud":"orders-api","exp":{exp},"jti":"j1",{scopes}}}"#
        )
    };
    let once = signed_here(&store, &claims(r#""scope":"openid""#)).await;
    let twice = signed_here(&store, &claims(r#""scope":"profile","scope":"openid""#)).await;
    assert_eq!(
        userinfo(&issuer, &once).await.status(),
        200,
        "written right"
    );
    let response = userinfo(&issuer, &twice).await;
    assert_eq!(response.status(), 401);
    assert!(challenge_of(&response).contains("error=\"invalid_token\""));
    for (token, active) in [(&once, true), (&twice, false)] {
        let (status, answer) = as_service(&issuer, "introspect", &[("token", token)]).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["active"], active, "{answer}");
    }
}

#[tokio::test]
async fn userinfo_for_a_user_who_is_gone_is_invalid_token() {
    let issuer = serve("").await;
    let url = authorize(
        &issuer,
        "first",
        &format!(
            "&scope=openid&code_challenge={}&code_challenge_method=S256",
            challenge(VERIFIER)
        ),
    );
    let code = param(&signed_in_redirect(&url, GONE).await, "code").expect("a code");
    let (status, body) = token(&issuer, &code_form(&code, VERIFIER)).await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().expect("a token");
    let response = userinfo(&issuer, access).await;
    assert_eq!(response.status(), 401);
    let challenge = challenge_of(&response);
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(
        challenge.contains("the user no longer exists"),
        "{challenge}"
    );
}

#[tokio::test]
async fn markup_in_the_request_is_text_on_the_consent_page_and_comes_back_unchanged() {
    let issuer = serve("").await;
    let hostile = "\"><script>alert(1)</script><a href='x'>&amp;";
    let encode =
        |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    let url = format!(
        "{issuer}/oauth2/authorize?client_id=rp&redirect_uri={}&response_type=code&scope=openid\
         &state={}&nonce={}",
        encode(REDIRECT),
        encode(hostile),
        encode(hostile),
    );
    let page = super::flows::open_as(&url, "1").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("a page");
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains(hostile), "{html}");
    assert!(html.contains("&quot;&gt;&lt;script&gt;"), "{html}");
    let fields = super::flows::hidden_fields(&html);
    assert_eq!(param(&fields, "state").as_deref(), Some(hostile));
    assert_eq!(param(&fields, "nonce").as_deref(), Some(hostile));
    // Approved, the client gets its state back byte for byte.
    let location = approve(&issuer, &url, "1").await;
    let params = super::flows::redirect_params(&location);
    assert_eq!(param(&params, "state").as_deref(), Some(hostile));
    assert!(param(&params, "code").is_some(), "{location}");
}

#[tokio::test]
async fn a_consent_answer_without_the_csrf_cookie_or_with_a_parameter_twice_is_refused() {
    let issuer = serve("").await;
    let url = authorize(&issuer, "rp", "&scope=openid");
    let page = super::flows::open_as(&url, "1").await;
    let page_cookie = page.headers()["set-cookie"]
        .to_str()
        .expect("text")
        .to_owned();
    let html = page.text().await.expect("a page");
    let mut form = super::flows::hidden_fields(&html);
    form.push(("decision".into(), "approve".into()));
    let forged = answer_consent(&issuer, "test_user=1", &form).await;
    assert_eq!(forged.status(), 403);
    assert!(forged.headers().get(LOCATION).is_none());
    // With the cookie, but a parameter twice: refused with a page, as the
    // authorization endpoint refuses it, not read from its first value.
    let cookie = page_cookie.split(';').next().expect("a cookie");
    let cookies = format!("test_user=1; {cookie}");
    for (name, value) in [
        ("client_id", "first"),
        ("redirect_uri", "https://evil.example/"),
    ] {
        let mut twice = form.clone();
        twice.push((name.into(), value.into()));
        let answer = answer_consent(&issuer, &cookies, &twice).await;
        assert_eq!(answer.status(), 400, "{name} twice");
        assert!(answer.headers().get(LOCATION).is_none(), "{name} twice");
        let html = answer.text().await.expect("a page");
        assert!(html.contains("given more than once"), "{html}");
    }
    // The same form once each: the approval goes through.
    let answer = answer_consent(&issuer, &cookies, &form).await;
    assert_eq!(answer.status(), 303);
    let location = answer.headers()[LOCATION].to_str().expect("text");
    assert!(
        location.starts_with(REDIRECT) && location.contains("code="),
        "{location}"
    );
    // Denied through the page: access_denied to the client.
    let mut deny = url.clone();
    deny.push_str("&prompt=consent");
    let location = super::flows::decide(&issuer, &deny, "1", "deny").await;
    assert!(location.contains("error=access_denied"), "{location}");
}

#[tokio::test]
async fn a_revoked_access_token_is_refused_by_the_same_applications_validators() {
    let issuer = serve("").await;
    let url = authorize(&issuer, "rp", "&scope=openid%20orders");
    let location = approve(&issuer, &url, "11").await;
    let code = param(&super::flows::redirect_params(&location), "code").expect("a code");
    let response = browser()
        .post(format!("{issuer}/oauth2/token"))
        .basic_auth("rp", Some(SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .expect("an answer");
    let body: Value = response.json().await.expect("JSON");
    let access = body["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();
    let api = || {
        browser()
            .get(format!("{issuer}/api/orders"))
            .bearer_auth(&access)
            .send()
    };
    // Twice: the second answer comes from the validated-token cache.
    assert_eq!(api().await.expect("an answer").status(), 200);
    assert_eq!(api().await.expect("an answer").status(), 200);
    // Another client may not revoke it: refused, and nothing changes.
    let foreign = browser()
        .post(format!("{issuer}/oauth2/revoke"))
        .basic_auth("service", Some(SECRET))
        .form(&[("token", access.as_str())])
        .send()
        .await
        .expect("an answer");
    assert_eq!(foreign.status(), 400);
    assert_eq!(api().await.expect("an answer").status(), 200);
    let revoked = browser()
        .post(format!("{issuer}/oauth2/revoke"))
        .basic_auth("rp", Some(SECRET))
        .form(&[
            ("token", access.as_str()),
            ("token_type_hint", "access_token"),
        ])
        .send()
        .await
        .expect("an answer");
    assert_eq!(revoked.status(), 200);
    let refused = api().await.expect("an answer");
    assert_eq!(refused.status(), 401);
    let challenge = challenge_of(&refused);
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert_eq!(
        refused.json::<Value>().await.expect("JSON")["error_description"],
        "token revoked"
    );
}
