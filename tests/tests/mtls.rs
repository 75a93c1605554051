//! Certificate-bound tokens (RFC 8705) over Rocket's own mutual TLS
//! (`certificate_from_tls`, feature `mtls`): a real TLS server on
//! 127.0.0.1 that asks for client certificates from a CA made for the run
//! (rcgen, on aws-lc-rs), and a client that presents one, another, or none.

mod support;

use std::path::PathBuf;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use jsonwebtoken::Algorithm;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use reqwest::{Certificate, Identity, StatusCode};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use support::{claims_with, mint, validator};

/// A CA, a server certificate for 127.0.0.1 and two client certificates
/// (`client`, `other`), made for this test run, written as PEM files into
/// a temporary directory (Rocket reads its TLS settings from files).
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a directory");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "rocket_warden test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("a CA key"))
            .expect("a CA");
        let write = |name: &str, text: String| {
            std::fs::write(dir.path().join(name), text).expect("a PEM file");
        };
        write("ca.pem", ca.pem());
        let leaf = |name: &str, sans: Vec<String>, usage: ExtendedKeyUsagePurpose| {
            let mut params = CertificateParams::new(sans).expect("parameters");
            params.distinguished_name.push(DnType::CommonName, name);
            params.extended_key_usages = vec![usage];
            let key = KeyPair::generate().expect("a key");
            let certificate = params.signed_by(&key, &ca).expect("a certificate");
            write(&format!("{name}.pem"), certificate.pem());
            write(&format!("{name}.pk8.pem"), key.serialize_pem());
        };
        let here = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        leaf("server", here, ExtendedKeyUsagePurpose::ServerAuth);
        leaf("client", Vec::new(), ExtendedKeyUsagePurpose::ClientAuth);
        leaf("other", Vec::new(), ExtendedKeyUsagePurpose::ClientAuth);
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("a PEM file")
    }
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
fn tls_config(pki: &Pki) -> String {
    format!(
        "[tls]\ncerts = {:?}\nkey = {:?}\n[tls.mutual]\nca_certs = {:?}\nmandatory = false\n",
        pki.path("server.pem"),
        pki.path("server.pk8.pem"),
        pki.path("ca.pem"),
    )
}

/// A client trusting the test CA, presenting the certificate `name` (or none).
fn client(pki: &Pki, name: Option<&str>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .add_root_certificate(Certificate::from_pem(&pki.read("ca.pem")).expect("the CA"));
    if let Some(name) = name {
        let mut pem = pki.read(&format!("{name}.pem"));
        pem.extend(pki.read(&format!("{name}.pk8.pem")));
        builder = builder.identity(Identity::from_pem(&pem).expect("a client identity"));
    }
    builder.build().expect("a TLS client")
}

#[tokio::test]
async fn a_certificate_bound_token_needs_the_certificate_rocket_verified() {
    let pki = Pki::new();
    let config = format!(
        "{}{}",
        validator(
            "api",
            Algorithm::HS256,
            "certificate_from_tls = true\nresource = \"https://127.0.0.1\"\n"
        ),
        tls_config(&pki)
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
    let to_client = bound(&pki.read("client.pem"));
    let get = |who: Option<&str>, token: &str| {
        client(&pki, who)
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
    let to_other = bound(&pki.read("other.pem"));
    assert_eq!(
        get(Some("other"), &to_other)
            .await
            .expect("an answer")
            .status(),
        StatusCode::OK
    );
    // The RFC 9728 document says certificate-bound tokens are taken.
    let metadata: serde_json::Value = client(&pki, None)
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
