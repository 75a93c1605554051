//! The keys of a validator whose keys come from a remote key set
//! (`jwks_uri`, `discovery = true` and the `jwks_*` tuning keys), read and
//! checked at launch into a [`RemoteConfig`].

use std::time::Duration;

use reqwest::Url;

use super::origin::is_loopback;
use super::problems::Problems;

/// Where a validator's remote keys come from.
#[derive(Debug, Clone)]
pub(crate) enum KeySetSource {
    /// `jwks_uri`.
    JwksUri(Url),
    /// `discovery = true`: the issuer's discovery document names the key set.
    Discovery { issuer: String, document: Url },
}

/// A remote validator's settings, checked at launch.
#[derive(Debug, Clone)]
pub(crate) struct RemoteConfig {
    pub(crate) source: KeySetSource,
    pub(crate) tuning: RemoteTuning,
}

/// How a remote key set is cached and fetched (the `jwks_*` keys): one
/// validator's settings, shared by every key set it has (a tenants
/// validator has one per issuer).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RemoteTuning {
    /// The lifetime of a key set whose response gives no `max-age`.
    pub(crate) cache: Duration,
    pub(crate) min_cache: Duration,
    pub(crate) max_cache: Duration,
    pub(crate) cooldown: Duration,
    pub(crate) limits: Limits,
}

/// The tuning keys' defaults.
const CACHE_SECS: u64 = 600;
const MIN_CACHE_SECS: u64 = 60;
const MAX_CACHE_SECS: u64 = 86_400;
const COOLDOWN_SECS: u64 = 30;
const TIMEOUT_MS: u64 = 5_000;
const MAX_BYTES: u64 = 256 * 1024;

/// The largest `jwks_timeout_ms`: a minute. A request may wait this long.
const MAX_TIMEOUT_MS: u64 = 60_000;
/// The largest `jwks_max_bytes`: 16 MiB.
const MAX_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The keys that tune a remote key set, as written.
#[derive(Debug, Default)]
pub(crate) struct RemoteSettings {
    cache_secs: Option<u64>,
    min_cache_secs: Option<u64>,
    max_cache_secs: Option<u64>,
    cooldown_secs: Option<u64>,
    timeout_ms: Option<u64>,
    max_bytes: Option<u64>,
}

/// Each tuning key with its name, in documentation order.
macro_rules! tuning_keys {
    ($tuning:expr) => {
        [
            ("jwks_cache_secs", $tuning.cache_secs),
            ("jwks_min_cache_secs", $tuning.min_cache_secs),
            ("jwks_max_cache_secs", $tuning.max_cache_secs),
            ("jwks_cooldown_secs", $tuning.cooldown_secs),
            ("jwks_timeout_ms", $tuning.timeout_ms),
            ("jwks_max_bytes", $tuning.max_bytes),
        ]
    };
}

impl RemoteSettings {
    /// Reads the tuning keys of the validator `problems` is about.
    pub(crate) fn read(problems: &mut Problems<'_>) -> Self {
        Self {
            cache_secs: problems.read("jwks_cache_secs"),
            min_cache_secs: problems.read("jwks_min_cache_secs"),
            max_cache_secs: problems.read("jwks_max_cache_secs"),
            cooldown_secs: problems.read("jwks_cooldown_secs"),
            timeout_ms: problems.read("jwks_timeout_ms"),
            max_bytes: problems.read("jwks_max_bytes"),
        }
    }

    /// Reports every tuning key set on a validator without remote keys.
    pub(crate) fn refuse_without_source(&self, problems: &mut Problems<'_>) {
        for (key, value) in tuning_keys!(self) {
            if value.is_some() {
                problems.add(key, "applies only with `jwks_uri` or `discovery = true`");
            }
        }
    }

    /// The checked settings of a validator whose keys come from `source`.
    pub(crate) fn into_config(
        self,
        problems: &mut Problems<'_>,
        source: KeySetSource,
    ) -> Option<RemoteConfig> {
        let tuning = self.into_tuning(problems)?;
        Some(RemoteConfig { source, tuning })
    }

    /// The checked tuning keys, whatever the key sets they will tune.
    pub(crate) fn into_tuning(self, problems: &mut Problems<'_>) -> Option<RemoteTuning> {
        let min_cache = self.min_cache_secs.unwrap_or(MIN_CACHE_SECS);
        let max_cache = self.max_cache_secs.unwrap_or(MAX_CACHE_SECS);
        let timeout_ms = self.timeout_ms.unwrap_or(TIMEOUT_MS);
        let max_bytes = self.max_bytes.unwrap_or(MAX_BYTES);
        let cooldown = self.cooldown_secs.unwrap_or(COOLDOWN_SECS);
        let mut ok = true;
        let mut refuse = |key: &str, problem: String| {
            problems.add(key, problem);
            ok = false;
        };
        if min_cache > max_cache {
            refuse(
                "jwks_min_cache_secs",
                format!("is more than `jwks_max_cache_secs` ({max_cache})"),
            );
        }
        if max_cache > MAX_CACHE_SECS * 7 {
            refuse(
                "jwks_max_cache_secs",
                format!("at most {} seconds (a week)", MAX_CACHE_SECS * 7),
            );
        }
        if cooldown > MAX_CACHE_SECS {
            refuse(
                "jwks_cooldown_secs",
                format!("at most {MAX_CACHE_SECS} seconds"),
            );
        }
        if !(1..=MAX_TIMEOUT_MS).contains(&timeout_ms) {
            refuse(
                "jwks_timeout_ms",
                format!("between 1 and {MAX_TIMEOUT_MS} milliseconds"),
            );
        }
        if !(1..=MAX_MAX_BYTES).contains(&max_bytes) {
            refuse(
                "jwks_max_bytes",
                format!("between 1 and {MAX_MAX_BYTES} bytes"),
            );
        }
        ok.then(|| RemoteTuning {
            cache: Duration::from_secs(self.cache_secs.unwrap_or(CACHE_SECS)),
            min_cache: Duration::from_secs(min_cache),
            max_cache: Duration::from_secs(max_cache),
            cooldown: Duration::from_secs(cooldown),
            limits: Limits {
                timeout: Duration::from_millis(timeout_ms),
                max_bytes,
            },
        })
    }
}

impl KeySetSource {
    /// `jwks_uri = "…"`: an absolute `https` URL, or `http` to a loopback host.
    pub(crate) fn jwks_uri(uri: &str) -> Result<Self, String> {
        let url = Url::parse(uri).map_err(|e| format!("not a URL: {e}"))?;
        check_secure(&url)?;
        Ok(Self::JwksUri(url))
    }

    /// `discovery = true`: the issuer's discovery document, which must be
    /// `https` (or `http` to a loopback host) like a `jwks_uri`.
    pub(crate) fn discovery(issuer: &str) -> Result<Self, String> {
        let document = discovery_url(issuer)
            .map_err(|problem| format!("the issuer cannot be discovered: {problem}"))?;
        check_secure(&document).map_err(|problem| format!("the issuer {problem}"))?;
        Ok(Self::Discovery {
            issuer: issuer.to_owned(),
            document,
        })
    }
}

/// The limits one fetch runs under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) timeout: Duration,
    pub(crate) max_bytes: u64,
}

/// Where the discovery document of `issuer` lives (OIDC Discovery §4).
pub(crate) fn discovery_url(issuer: &str) -> Result<Url, String> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    Url::parse(&url).map_err(|e| format!("`{url}` is not a URL: {e}"))
}

/// Refuses a URL that is not `https`, unless it points at this machine
/// (a loopback address or `localhost`), where plain `http` cannot be
/// intercepted on the network.
pub(crate) fn check_secure(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "https" if cfg!(feature = "aws_lc_rs") => Ok(()),
        "https" => Err("needs TLS, which this build lacks: enable rocket_warden's \
                        `aws_lc_rs` feature"
            .to_owned()),
        "http" => {
            if is_loopback(url) {
                Ok(())
            } else {
                Err("must use https (plain http is accepted only for a loopback host)".to_owned())
            }
        }
        other => Err(format!("must use https, not `{other}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_is_accepted_only_for_loopback_hosts() {
        let check = |url: &str| check_secure(&Url::parse(url).expect("a URL"));
        assert!(check("https://id.example.com/jwks").is_ok());
        assert!(check("http://127.0.0.1:8000/jwks").is_ok());
        assert!(check("http://[::1]/jwks").is_ok());
        assert!(check("http://localhost/jwks").is_ok());
        assert!(check("http://id.example.com/jwks").is_err());
        assert!(check("ftp://127.0.0.1/jwks").is_err());
    }

    #[test]
    fn discovery_url_appends_the_well_known_path() {
        let url = discovery_url("https://id.example.com/realms/a/").expect("a URL");
        assert_eq!(
            url.as_str(),
            "https://id.example.com/realms/a/.well-known/openid-configuration"
        );
    }
}
