//! Fetching key sets and discovery documents over HTTP.
//!
//! One `reqwest` client (rustls, no OpenSSL) serves every validator of an
//! application that makes requests (key sets, discovery, introspection), and
//! is made only when one does; the fairing's `Warden::http_client` replaces
//! it. Each fetch has a total timeout and a body size cap, and never follows
//! redirects with the default client. Nothing from a token (its `kid` least
//! of all) is ever part of a request: the URL is the configured one.

use std::time::Duration;

use reqwest::header::{ACCEPT, CACHE_CONTROL};
use reqwest::Url;

use crate::config::Limits;

/// How long the default client waits for a TCP (and TLS) connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The HTTP client the application's remote validators share.
pub(crate) fn default_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("rocket_warden/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client for remote keys: {e}"))
}

/// A fetched document: its body and the lifetime its `Cache-Control` gives.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) body: Vec<u8>,
    /// `max-age`, or zero for `no-cache`/`no-store`; `None` when not given.
    pub(crate) max_age: Option<Duration>,
}

/// `GET url`, reading at most `limits.max_bytes` within `limits.timeout`.
pub(crate) async fn get(
    client: &reqwest::Client,
    url: &Url,
    limits: Limits,
) -> Result<Fetched, String> {
    let response = client
        .get(url.clone())
        .header(ACCEPT, "application/json")
        .timeout(limits.timeout)
        .send()
        .await
        .map_err(http_problem)?;
    let max_age = response
        .headers()
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(max_age);
    let body = read_body(response, url, limits).await?;
    Ok(Fetched { body, max_age })
}

/// The body of a successful `response` from `url`, at most
/// `limits.max_bytes` of it.
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    url: &Url,
    limits: Limits,
) -> Result<Vec<u8>, String> {
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{url} answered HTTP {status}"));
    }
    let too_large = || format!("{url} sent more than {} bytes", limits.max_bytes);
    if response
        .content_length()
        .is_some_and(|len| len > limits.max_bytes)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(http_problem)? {
        if body.len() as u64 + chunk.len() as u64 > limits.max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The lifetime a `Cache-Control` value gives: `max-age=N`, or zero for
/// `no-cache` / `no-store` (then the configured minimum applies).
fn max_age(value: &str) -> Option<Duration> {
    value.split(',').map(str::trim).find_map(|directive| {
        let (name, argument) = directive.split_once('=').unwrap_or((directive, ""));
        let name = name.trim();
        if name.eq_ignore_ascii_case("max-age") {
            argument
                .trim()
                .trim_matches('"')
                .parse()
                .ok()
                .map(Duration::from_secs)
        } else if name.eq_ignore_ascii_case("no-cache") || name.eq_ignore_ascii_case("no-store") {
            Some(Duration::ZERO)
        } else {
            None
        }
    })
}

/// A short reason for a failed request, without the body or headers.
pub(crate) fn http_problem(error: reqwest::Error) -> String {
    let url = error
        .url()
        .map(|url| url.to_string())
        .unwrap_or_else(|| "the provider".to_owned());
    if error.is_timeout() {
        format!("{url} did not answer in time")
    } else if error.is_connect() {
        format!("cannot connect to {url}")
    } else if error.is_redirect() || error.status().is_some_and(|s| s.is_redirection()) {
        format!("{url} redirected; redirects are not followed")
    } else {
        format!("request to {url} failed: {error}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_read_from_cache_control() {
        assert_eq!(
            max_age("public, max-age=300"),
            Some(Duration::from_secs(300))
        );
        assert_eq!(max_age("MAX-AGE = \"60\""), Some(Duration::from_secs(60)));
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }
}
