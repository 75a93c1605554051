//! Certificate-bound tokens (RFC 8705) behind a proxy that terminates TLS:
//! the client's certificate comes in a header, believed only from the
//! validator's trusted proxies, and the token's `cnf["x5t#S256"]` must be
//! its SHA-256 thumbprint. The certificates are real (tests/keys, made with
//! openssl); the thumbprints are computed here from their DER bytes.

mod support;

use std::net::SocketAddr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::Algorithm::RS256;
use rocket::http::{Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{get, routes};
use rocket_warden::{jwt_auth, Jwt};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use support::ignite::assert_aborts;
use support::*;

const CERT: &str = include_str!("../keys/client-cert.pem");
const OTHER_CERT: &str = include_str!("../keys/client-cert-other.pem");
const HEADER: &str = "X-Client-Cert";
const PROXY: &str = "10.1.2.3:44321";
const STRANGER: &str = "192.0.2.7:5555";

#[jwt_auth(validator = "api")]
#[get("/whoami")]
fn whoami(auth: Jwt) -> String {
    auth["sub"].as_str().unwrap_or_default().to_owned()
}

#[jwt_auth(validator = "plain")]
#[get("/plain")]
fn plain(auth: Jwt) -> String {
    auth["sub"].as_str().unwrap_or_default().to_owned()
}

async fn client() -> Client {
    let api = validator(
        "api",
        RS256,
        &format!("certificate_header = {HEADER:?}\ncertificate_trusted_proxies = [\"10.0.0.0/8\", \"127.0.0.1\"]"),
    );
    let config = format!("{api}\n{}", validator("plain", RS256, ""));
    Client::untracked(rocket(&config, routes![whoami, plain]))
        .await
        .expect("launches")
}

/// The DER bytes of a PEM certificate.
fn der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("a PEM certificate")
}

/// RFC 8705 §3.1: base64url SHA-256 of the DER certificate.
fn x5t(pem: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(der(pem)))
}

fn bound_token(pem: &str) -> String {
    mint(
        RS256,
        &claims_with(json!({ "cnf": { "x5t#S256": x5t(pem) } })),
    )
}

/// nginx's `$ssl_client_escaped_cert`: the PEM, percent-encoded.
fn escaped(pem: &str) -> String {
    pem.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

async fn send<'c>(
    client: &'c Client,
    path: &'c str,
    token: &str,
    from: &str,
    certificates: &[String],
) -> LocalResponse<'c> {
    let mut request = client
        .get(path)
        .header(bearer(token))
        .remote(from.parse::<SocketAddr>().expect("an address"));
    for certificate in certificates {
        request.add_header(Header::new(HEADER, certificate.clone()));
    }
    request.dispatch().await
}

#[rocket::async_test]
async fn a_bound_token_with_its_certificate_from_a_trusted_proxy_is_accepted() {
    let client = client().await;
    let token = bound_token(CERT);
    let der_base64 = base64::engine::general_purpose::STANDARD.encode(der(CERT));
    for (from, form) in [(PROXY, escaped(CERT)), ("127.0.0.1:9", der_base64)] {
        let response = send(&client, "/whoami", &token, from, &[form]).await;
        assert_eq!(response.status(), Status::Ok, "from {from}");
        assert_eq!(response.into_string().await.as_deref(), Some("alice"));
    }
}

#[rocket::async_test]
async fn another_certificate_is_refused() {
    let client = client().await;
    let response = send(
        &client,
        "/whoami",
        &bound_token(CERT),
        PROXY,
        &[escaped(OTHER_CERT)],
    )
    .await;
    Refusal::of(response)
        .await
        .assert_invalid_token("api", "the token is bound to another certificate");
}

#[rocket::async_test]
async fn no_certificate_is_refused() {
    let client = client().await;
    let response = send(&client, "/whoami", &bound_token(CERT), PROXY, &[]).await;
    Refusal::of(response)
        .await
        .assert_invalid_token("api", "the token needs its client certificate");
}

#[rocket::async_test]
async fn a_certificate_header_from_an_untrusted_peer_is_not_believed() {
    let client = client().await;
    let response = send(
        &client,
        "/whoami",
        &bound_token(CERT),
        STRANGER,
        &[escaped(CERT)],
    )
    .await;
    Refusal::of(response)
        .await
        .assert_invalid_token("api", "the token needs its client certificate");
}

#[rocket::async_test]
async fn two_certificate_headers_or_a_malformed_one_are_a_bad_request() {
    let client = client().await;
    let token = bound_token(CERT);
    let two = [escaped(CERT), escaped(CERT)];
    let refusal = Refusal::of(send(&client, "/whoami", &token, PROXY, &two).await).await;
    assert_eq!(refusal.status, Status::BadRequest);
    assert_eq!(
        refusal.body["error_description"],
        "more than one client certificate header"
    );
    for bad in [
        "%ZZ",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        "not base64!",
    ] {
        let refusal =
            Refusal::of(send(&client, "/whoami", &token, PROXY, &[bad.to_owned()]).await).await;
        assert_eq!(refusal.status, Status::BadRequest, "{bad}");
        assert_eq!(
            refusal.body["error_description"],
            "client certificate header is malformed"
        );
    }
}

#[rocket::async_test]
async fn an_x5t_that_is_not_a_string_binds_to_nothing() {
    let client = client().await;
    let token = mint(
        RS256,
        &claims_with(json!({ "cnf": { "x5t#S256": [x5t(CERT)] } })),
    );
    let response = send(&client, "/whoami", &token, PROXY, &[escaped(CERT)]).await;
    Refusal::of(response)
        .await
        .assert_invalid_token("api", "the token is bound to another certificate");
}

#[rocket::async_test]
async fn unbound_tokens_need_no_certificate() {
    let client = client().await;
    let token = mint(RS256, &claims());
    assert_eq!(
        send(&client, "/whoami", &token, STRANGER, &[])
            .await
            .status(),
        Status::Ok
    );
}

#[rocket::async_test]
async fn a_validator_that_reads_no_certificates_refuses_bound_tokens() {
    let client = client().await;
    let response = send(
        &client,
        "/plain",
        &bound_token(CERT),
        PROXY,
        &[escaped(CERT)],
    )
    .await;
    Refusal::of(response)
        .await
        .assert_invalid_token("plain", "certificate-bound tokens are not accepted here");
}

#[rocket::async_test]
async fn certificate_settings_are_checked_at_launch() {
    for (lines, message) in [
        (
            "certificate_header = \"X-Client-Cert\"",
            "`jwt.validators.main.certificate_trusted_proxies`: required with `certificate_header`",
        ),
        (
            "certificate_trusted_proxies = [\"10.0.0.1\"]",
            "`jwt.validators.main.certificate_trusted_proxies`: is not used without `certificate_header`",
        ),
        (
            "certificate_header = \"X-Client-Cert\"\ncertificate_trusted_proxies = [\"proxy.internal\"]",
            "`jwt.validators.main.certificate_trusted_proxies`: `proxy.internal` is not an IP address or network",
        ),
        (
            "certificate_header = \"X Client Cert\"\ncertificate_trusted_proxies = [\"10.0.0.1\"]",
            "`jwt.validators.main.certificate_header`: a header name",
        ),
    ] {
        let config = validator("main", RS256, lines);
        assert_aborts(rocket(&config, routes![]), &[message]).await;
    }
}
