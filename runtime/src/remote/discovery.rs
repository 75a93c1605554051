//! Reading an issuer's OIDC discovery document (OIDC Discovery §4): the one
//! endpoint a validator wants from it, once the document has been checked to
//! be that issuer's.

use reqwest::Url;
use serde::Deserialize;

use crate::config::check_secure;

/// An endpoint a validator reads from a discovery document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `jwks_uri`: where the issuer's keys are.
    JwksUri,
    /// `introspection_endpoint` (RFC 8414 §2): where tokens are introspected.
    Introspection,
}

/// The members read. serde refuses a document that names one of them twice,
/// so no repeated member decides by position.
#[derive(Deserialize)]
struct Document {
    issuer: Option<String>,
    jwks_uri: Option<String>,
    introspection_endpoint: Option<String>,
}

/// The URL `endpoint` has in the discovery document `body`, after checking
/// that the document's `issuer` is exactly `issuer` (OIDC Discovery §4.3)
/// and that the URL is one remote calls may use (`https`, or a loopback
/// host). The error says what was wrong, for the validator's log line.
pub(crate) fn endpoint(issuer: &str, body: &[u8], endpoint: Endpoint) -> Result<Url, String> {
    let document: Document = serde_json::from_slice(body)
        .map_err(|e| format!("the discovery document is not valid JSON ({e})"))?;
    match document.issuer {
        Some(found) if found == issuer => {}
        Some(found) => {
            return Err(format!(
                "the discovery document names issuer {found:?}, not the configured {issuer:?}"
            ))
        }
        None => return Err("the discovery document has no `issuer`".to_owned()),
    }
    let (member, uri) = match endpoint {
        Endpoint::JwksUri => ("jwks_uri", document.jwks_uri),
        Endpoint::Introspection => ("introspection_endpoint", document.introspection_endpoint),
    };
    let uri = uri.ok_or_else(|| format!("the discovery document has no `{member}`"))?;
    let url = Url::parse(&uri).map_err(|e| format!("its `{member}` is not a URL: {e}"))?;
    check_secure(&url).map_err(|problem| format!("its `{member}` {problem}"))?;
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://id.example.com";

    fn read(body: &str, wanted: Endpoint) -> Result<String, String> {
        endpoint(ISSUER, body.as_bytes(), wanted).map(String::from)
    }

    #[test]
    fn each_endpoint_is_read_from_its_own_member() {
        let body = r#"{"issuer": "https://id.example.com",
            "jwks_uri": "https://id.example.com/keys",
            "introspection_endpoint": "https://id.example.com/introspect"}"#;
        assert_eq!(
            read(body, Endpoint::JwksUri).as_deref(),
            Ok("https://id.example.com/keys")
        );
        assert_eq!(
            read(body, Endpoint::Introspection).as_deref(),
            Ok("https://id.example.com/introspect")
        );
    }

    #[test]
    fn a_document_of_another_issuer_or_of_none_is_refused() {
        let other =
            r#"{"issuer": "https://id.example.com/", "jwks_uri": "https://id.example.com/k"}"#;
        let error = read(other, Endpoint::JwksUri).expect_err("refused");
        assert!(
            error.contains("names issuer \"https://id.example.com/\""),
            "{error}"
        );
        let none = r#"{"jwks_uri": "https://id.example.com/k"}"#;
        assert_eq!(
            read(none, Endpoint::JwksUri).expect_err("refused"),
            "the discovery document has no `issuer`"
        );
    }

    #[test]
    fn a_missing_insecure_or_repeated_member_is_refused() {
        let missing =
            r#"{"issuer": "https://id.example.com", "jwks_uri": "https://id.example.com/k"}"#;
        assert_eq!(
            read(missing, Endpoint::Introspection).expect_err("refused"),
            "the discovery document has no `introspection_endpoint`"
        );
        let insecure =
            r#"{"issuer": "https://id.example.com", "jwks_uri": "http://id.example.com/k"}"#;
        let error = read(insecure, Endpoint::JwksUri).expect_err("refused");
        assert!(error.starts_with("its `jwks_uri` "), "{error}");
        let twice = r#"{"issuer": "https://id.example.com", "jwks_uri": "https://a.example.com/k",
            "jwks_uri": "https://b.example.com/k"}"#;
        let error = read(twice, Endpoint::JwksUri).expect_err("refused");
        assert!(error.contains("duplicate field `jwks_uri`"), "{error}");
    }
}
