//! The OIDC discovery document reader.

use rocket_warden::__fuzz;
use serde_json::Value;

use crate::fixtures::ISSUER;

/// A discovery document: a `jwks_uri` is taken only from a document whose
/// `issuer` is exactly the configured one, and only when it is `https` or
/// `http` to a loopback host.
pub fn discovery(data: &[u8]) -> super::Outcome {
    let Ok(uri) = __fuzz::discovery(ISSUER, data) else {
        return "refused".into();
    };
    // Read as the crate reads it: the two members, whatever the others hold.
    #[derive(serde::Deserialize)]
    struct Document {
        issuer: Option<Value>,
        jwks_uri: Option<Value>,
    }
    let document: Document = serde_json::from_slice(data)
        .unwrap_or_else(|e| panic!("a jwks_uri taken from a document that is not JSON: {e}"));
    assert_eq!(
        document.issuer,
        Some(Value::from(ISSUER)),
        "a jwks_uri taken for another issuer"
    );
    let named = document
        .jwks_uri
        .as_ref()
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("a jwks_uri taken from a document without one"));
    let url = url::Url::parse(named).unwrap_or_else(|e| panic!("{named:?} taken: {e}"));
    assert_eq!(url.as_str(), uri, "a jwks_uri other than the one named");
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    assert!(
        url.scheme() == "https" || (url.scheme() == "http" && loopback),
        "an insecure jwks_uri taken: {url}"
    );
    "taken".into()
}
