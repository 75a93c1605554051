//! Certificate-bound tokens (RFC 8705) over Rocket's own mutual TLS
//! (`certificate_from_tls`, feature `mtls`): a real TLS server on
//! 127.0.0.1 that asks for client certificates from a test CA, and a
//! client that presents one, another, or none.

mod support;

use std::path::PathBuf;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use jsonwebtoken::Algorithm;
use reqwest::{Certificate, Identity, StatusCode};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use support::{claims_with, mint, validator};

fn key_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("keys/mtls")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(key_file(name)).expect("a test certificate")
}

/// The RFC 8705 thumbprint of a PEM certificate: base64url SHA-256 of its DER.
fn thumbprint(pem: &[u8]) -> String {
    let text = String::from_utf8(pem.to_vec()).expect("PEM text");
    let body: String = text
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let der = STANDARD.decode(body).expect("base64 DER");
    URL_SAFE_NO_PAD.encode(Sha256::digest(der))
}

/// The TLS settings: the server's certificate, and client certificates
/// verified against the test CA, optional (`mandatory = false`).
fn tls_config() -> String {
    format!(
        "[tls]\ncerts = {:?}\nkey = {:?}\n[tls.mutual]\nca_certs = {:?}\nmandatory = false\n",
        key_file("server.pem"),
        key_file("server.pk8.pem"),
        key_file("ca.pem"),
    )
}

/// A client trusting the test CA, presenting the certificate `name` (or none).
fn client(name: Option<&str>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .add_root_certificate(Certificate::from_pem(&read("ca.pem")).expect("the CA"));
    if let Some(name) = name {
        let mut pem = read(&format!("{name}.pem"));
        pem.extend(read(&format!("{name}.pk8.pem")));
        builder = builder.identity(Identity::from_pem(&pem).expect("a client identity"));
    }
    builder.build().expect("a TLS client")
}

#[tokio::test]
async fn a_certificate_bound_token_needs_the_certificate_rocket_verified() {
    let config = format!(
        "{}{}",
        validator(
            "api",
            Algorithm::HS256,
            "certificate_from_tls = true\nresource = \"https://127.0.0.1\"\n"
        ),
        tls_config()
    );
    let base = support::serve(support::rocket(&config, rocket::routes![support::jwt]))
        .await
        .replace("http://", "https://");
    let bound = |pem: &[u8]| {
        mint(
            Algorithm::HS256,
            &claims_with(json!({"cnf": {"x5t#S256": thumbprint(pem)}})),
        )
    };
    let to_client = bound(&read("client.pem"));
    let get = |who: Option<&str>, token: &str| {
        client(who)
            .get(format!("{base}/jwt"))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(
        get(Some("client"), &to_client)
            .await
            .expect("an answer")
            .status(),
        StatusCode::OK
    );
    let without = get(None, &to_client).await.expect("an answer");
    assert_eq!(without.status(), StatusCode::UNAUTHORIZED, "no certificate");
    let challenge = without.headers()["www-authenticate"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let other = get(Some("other"), &to_client).await.expect("an answer");
    assert_eq!(
        other.status(),
        StatusCode::UNAUTHORIZED,
        "another certificate of the same CA"
    );
    let to_other = bound(&read("other.pem"));
    assert_eq!(
        get(Some("other"), &to_other)
            .await
            .expect("an answer")
            .status(),
        StatusCode::OK
    );
    // The RFC 9728 document says certificate-bound tokens are taken.
    let metadata: serde_json::Value = client(None)
        .get(format!("{base}/.well-known/oauth-protected-resource"))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("a document");
    assert_eq!(metadata["tls_client_certificate_bound_access_tokens"], true);
    // A token bound to nothing needs no certificate.
    let plain = mint(Algorithm::HS256, &claims_with(json!({})));
    assert_eq!(
        get(None, &plain).await.expect("an answer").status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn certificate_from_tls_without_rockets_mutual_tls_aborts_launch() {
    let config = validator("api", Algorithm::HS256, "certificate_from_tls = true\n");
    support::ignite::assert_aborts(
        support::rocket(&config, rocket::routes![support::jwt]),
        &["`jwt.validators.api.certificate_from_tls`: Rocket's `tls.mutual` is not configured"],
    )
    .await;
}
