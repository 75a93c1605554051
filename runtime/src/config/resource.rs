//! A validator's `resource` key: the identifier of the protected resource
//! its routes make up (RFC 9728), from which the metadata document's URL
//! follows. Read and checked at launch.

use std::sync::Arc;

use url::Url;

use super::origin::check_https;
use super::problems::Problems;

/// Where the metadata document lives, after the host: RFC 9728 §3.
const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// A validator's protected resource: its identifier and where its
/// metadata document is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceConfig {
    /// The resource identifier, as configured (`resource` in the document).
    pub(crate) id: String,
    /// The document's URL (`resource_metadata` in challenges), shared by
    /// every refusal that names it.
    pub(crate) metadata_url: Arc<str>,
    /// The document's path on this server.
    pub(crate) metadata_path: String,
}

/// Reads `resource` of the validator `problems` is about: an `https` URL
/// (`http` only on a loopback host) without query or fragment.
pub(crate) fn read(problems: &mut Problems<'_>) -> Option<ResourceConfig> {
    let id: String = problems.read("resource")?;
    let url = Url::parse(&id)
        .ok()
        .filter(|url| url.query().is_none() && url.fragment().is_none() && url.host().is_some());
    let Some(url) = url else {
        problems.add(
            "resource",
            "a URL without query or fragment, e.g. \"https://api.example.com\"",
        );
        return None;
    };
    if !check_https(problems, "resource", &url) {
        return None;
    }
    // RFC 9728 §3.1: the well-known segment goes between the host and the
    // resource's path (`https://host/.well-known/oauth-protected-resource/v1`).
    let path = url.path().trim_end_matches('/');
    let metadata_path = format!("{WELL_KNOWN}{path}");
    let metadata_url = format!("{}{metadata_path}", url.origin().ascii_serialization()).into();
    Some(ResourceConfig {
        id,
        metadata_url,
        metadata_path,
    })
}

#[cfg(test)]
mod tests {
    use rocket::figment::providers::{Format, Toml};
    use rocket::figment::Figment;

    use super::*;
    use crate::config::problems::validator_table;

    fn read_resource(value: &str) -> (Option<ResourceConfig>, bool) {
        let toml = format!("[jwt.validators.api]\nresource = {value:?}");
        let figment = Figment::from(Toml::string(&toml));
        let table = validator_table(&figment, "api");
        let mut problems = Problems::new("api", &figment, Some(&table));
        let resource = read(&mut problems);
        (resource, problems.is_empty())
    }

    #[test]
    fn the_document_sits_between_the_host_and_the_resource_path() {
        let (resource, ok) = read_resource("https://api.example.com/v1/");
        assert!(ok);
        let resource = resource.expect("a resource");
        assert_eq!(
            resource.metadata_path,
            "/.well-known/oauth-protected-resource/v1"
        );
        assert_eq!(
            &*resource.metadata_url,
            "https://api.example.com/.well-known/oauth-protected-resource/v1"
        );
        let (resource, _) = read_resource("https://API.example.com:443");
        let resource = resource.expect("a resource");
        assert_eq!(
            resource.id, "https://API.example.com:443",
            "kept as configured"
        );
        assert_eq!(
            &*resource.metadata_url,
            "https://api.example.com/.well-known/oauth-protected-resource"
        );
    }

    #[test]
    fn only_https_or_loopback_http_without_query_or_fragment() {
        for bad in [
            "http://api.example.com",
            "https://api.example.com/?a=1",
            "https://a/#x",
            "api",
        ] {
            assert_eq!(read_resource(bad), (None, false), "{bad}");
        }
        assert!(read_resource("http://127.0.0.1:8000").1);
    }
}
