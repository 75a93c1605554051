//! The keys of an introspection validator (`introspection = true`, RFC 7662):
//! where the endpoint is, how the validator authenticates to it, and how its
//! answers are cached; read and checked at launch into an
//! [`IntrospectionConfig`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey};
use reqwest::Url;

use super::problems::Problems;
use super::remote::{check_secure, discovery_url};
use crate::keys::algorithm_named;

/// How many introspection answers a validator keeps by default
/// (`introspection_cache_size`).
pub const DEFAULT_INTROSPECTION_CACHE_SIZE: usize = 10_000;

/// The longest an active answer is kept by default
/// (`introspection_cache_secs`); never past the token's `exp` either.
pub const DEFAULT_INTROSPECTION_CACHE_SECS: u64 = 300;

/// The longest an inactive answer is kept by default
/// (`introspection_negative_cache_secs`): a few seconds, so a token just
/// issued, or an endpoint that erred, is asked again soon.
pub const DEFAULT_INTROSPECTION_NEGATIVE_CACHE_SECS: u64 = 5;

/// The largest `introspection_negative_cache_secs`.
const MAX_NEGATIVE_CACHE_SECS: u64 = 60;

/// The largest `introspection_cache_secs`: an hour. A revocation at the
/// provider counts after at most this long.
const MAX_CACHE_SECS: u64 = 3_600;

/// The timeout of one introspection request (`introspection_timeout_ms`).
const DEFAULT_TIMEOUT_MS: u64 = 3_000;

/// An introspection validator's checked settings.
#[derive(Debug)]
pub(crate) struct IntrospectionConfig {
    pub(crate) endpoint: Endpoint,
    pub(crate) client_id: String,
    pub(crate) auth: ClientAuth,
    pub(crate) cache_size: usize,
    pub(crate) cache: Duration,
    pub(crate) negative_cache: Duration,
    pub(crate) timeout: Duration,
}

/// Where the introspection endpoint is.
#[derive(Debug, Clone)]
pub(crate) enum Endpoint {
    /// `introspection_endpoint`.
    At(Url),
    /// Named by the issuer's discovery document (`discovery = true`).
    Discovered { issuer: String, document: Url },
}

/// How the validator authenticates to the endpoint (RFC 7662 §2.1).
pub(crate) enum ClientAuth {
    /// `client_secret_basic`: HTTP Basic, both parts form-urlencoded first.
    Basic(String),
    /// `client_secret_post`: in the form body.
    Post(String),
    /// `private_key_jwt` (RFC 7523): a signed assertion per request.
    PrivateKeyJwt { key: EncodingKey, alg: Algorithm },
}

impl std::fmt::Debug for ClientAuth {
    // Secrets and keys stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Basic(_) => "client_secret_basic",
            Self::Post(_) => "client_secret_post",
            Self::PrivateKeyJwt { .. } => "private_key_jwt",
        })
    }
}

/// The introspection keys, as written.
#[derive(Debug, Default)]
pub(crate) struct IntrospectionSettings {
    introspection: Option<bool>,
    endpoint: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    client_secret_env: Option<String>,
    /// Resolved already: a relative path is beside its configuration file.
    client_private_key_file: Option<PathBuf>,
    client_assertion_algorithm: Option<String>,
    client_auth: Option<String>,
    cache_size: Option<usize>,
    cache_secs: Option<u64>,
    negative_cache_secs: Option<u64>,
    timeout_ms: Option<u64>,
}

impl IntrospectionSettings {
    /// Reads the introspection keys of the validator `problems` is about.
    pub(crate) fn read(problems: &mut Problems<'_>) -> Self {
        Self {
            introspection: problems.read("introspection"),
            endpoint: problems.read("introspection_endpoint"),
            client_id: problems.read("client_id"),
            client_secret: problems.read("client_secret"),
            client_secret_env: problems.read("client_secret_env"),
            client_private_key_file: problems.read_file("client_private_key_file"),
            client_assertion_algorithm: problems.read("client_assertion_algorithm"),
            client_auth: problems.read("client_auth"),
            cache_size: problems.read("introspection_cache_size"),
            cache_secs: problems.read("introspection_cache_secs"),
            negative_cache_secs: problems.read("introspection_negative_cache_secs"),
            timeout_ms: problems.read("introspection_timeout_ms"),
        }
    }

    /// Whether the validator introspects (`introspection = true`).
    pub(crate) fn is_set(&self) -> bool {
        self.introspection == Some(true)
    }

    /// Reports every introspection key set on a validator that does not
    /// introspect.
    pub(crate) fn refuse_without_introspection(&self, problems: &mut Problems<'_>) {
        let set = [
            ("introspection_endpoint", self.endpoint.is_some()),
            ("client_id", self.client_id.is_some()),
            ("client_secret", self.client_secret.is_some()),
            ("client_secret_env", self.client_secret_env.is_some()),
            (
                "client_private_key_file",
                self.client_private_key_file.is_some(),
            ),
            (
                "client_assertion_algorithm",
                self.client_assertion_algorithm.is_some(),
            ),
            ("client_auth", self.client_auth.is_some()),
            ("introspection_cache_size", self.cache_size.is_some()),
            ("introspection_cache_secs", self.cache_secs.is_some()),
            (
                "introspection_negative_cache_secs",
                self.negative_cache_secs.is_some(),
            ),
            ("introspection_timeout_ms", self.timeout_ms.is_some()),
        ];
        for (key, _) in set.iter().filter(|(_, set)| *set) {
            problems.add(key, "applies only with `introspection = true`");
        }
    }

    /// The checked settings; `discovery` says whether `discovery = true`
    /// may name the endpoint.
    pub(crate) fn into_config(
        self,
        problems: &mut Problems<'_>,
        issuer: Option<&str>,
        discovery: bool,
    ) -> Option<IntrospectionConfig> {
        let endpoint = self.endpoint(problems, issuer, discovery);
        let auth = self.auth(problems);
        let client_id = match self.client_id {
            Some(id) if !id.is_empty() => Some(id),
            _ => {
                if !problems.has("client_id") {
                    problems.add("client_id", "required: the client the endpoint knows");
                }
                None
            }
        };
        let cache_size = self.cache_size.unwrap_or(DEFAULT_INTROSPECTION_CACHE_SIZE);
        let cache_secs = self.cache_secs.unwrap_or(DEFAULT_INTROSPECTION_CACHE_SECS);
        if cache_secs > MAX_CACHE_SECS {
            problems.add(
                "introspection_cache_secs",
                format!("at most {MAX_CACHE_SECS} seconds"),
            );
        }
        let negative = self
            .negative_cache_secs
            .unwrap_or(DEFAULT_INTROSPECTION_NEGATIVE_CACHE_SECS);
        if negative > MAX_NEGATIVE_CACHE_SECS {
            problems.add(
                "introspection_negative_cache_secs",
                format!("at most {MAX_NEGATIVE_CACHE_SECS} seconds: a refusal is not kept long"),
            );
        }
        let timeout_ms = self.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if !(1..=60_000).contains(&timeout_ms) {
            problems.add(
                "introspection_timeout_ms",
                "between 1 and 60000 milliseconds",
            );
        }
        Some(IntrospectionConfig {
            endpoint: endpoint?,
            client_id: client_id?,
            auth: auth?,
            cache_size,
            cache: Duration::from_secs(cache_secs),
            negative_cache: Duration::from_secs(negative),
            timeout: Duration::from_millis(timeout_ms),
        })
    }

    fn endpoint(
        &self,
        problems: &mut Problems<'_>,
        issuer: Option<&str>,
        discovery: bool,
    ) -> Option<Endpoint> {
        match (&self.endpoint, issuer) {
            (Some(uri), _) => {
                let url = Url::parse(uri)
                    .map_err(|e| format!("not a URL: {e}"))
                    .and_then(|url| check_secure(&url).map(|()| url));
                url.map(Endpoint::At)
                    .map_err(|problem| problems.add("introspection_endpoint", problem))
                    .ok()
            }
            (None, Some(issuer)) if discovery => Some(Endpoint::Discovered {
                issuer: issuer.to_owned(),
                document: discovery_url(issuer).ok()?,
            }),
            (None, _) => {
                problems.add(
                    "introspection_endpoint",
                    "required, unless `discovery = true` finds it in the issuer's document",
                );
                None
            }
        }
    }

    fn auth(&self, problems: &mut Problems<'_>) -> Option<ClientAuth> {
        let secret = match (&self.client_secret, &self.client_secret_env) {
            (Some(secret), None) => Some(secret.clone()),
            (None, Some(var)) => match std::env::var(var) {
                Ok(secret) => Some(secret),
                Err(_) => {
                    problems.add(
                        "client_secret_env",
                        format!("environment variable `{var}` is not set or not UTF-8"),
                    );
                    return None;
                }
            },
            (Some(_), Some(_)) => {
                problems.add(
                    "client_secret_env",
                    "conflicts with `client_secret`: set one",
                );
                return None;
            }
            (None, None) => None,
        };
        let method = self.client_auth.as_deref();
        match (method, secret, &self.client_private_key_file) {
            (None | Some("client_secret_basic"), Some(secret), None) => {
                Some(ClientAuth::Basic(secret))
            }
            (Some("client_secret_post"), Some(secret), None) => Some(ClientAuth::Post(secret)),
            (None | Some("private_key_jwt"), None, Some(file)) => self.private_key(problems, file),
            (Some(method), _, _)
                if ![
                    "client_secret_basic",
                    "client_secret_post",
                    "private_key_jwt",
                ]
                .contains(&method) =>
            {
                problems.add(
                    "client_auth",
                    "one of `client_secret_basic`, `client_secret_post`, `private_key_jwt`",
                );
                None
            }
            (_, None, None) => {
                problems.add(
                    "client_secret",
                    "required: `client_secret`, `client_secret_env` or \
                     `client_private_key_file` (`private_key_jwt`)",
                );
                None
            }
            (_, Some(_), Some(_)) => {
                problems.add(
                    "client_private_key_file",
                    "conflicts with the client secret: set one",
                );
                None
            }
            (Some(method), _, _) => {
                problems.add(
                    "client_auth",
                    format!("`{method}` does not fit the credentials given"),
                );
                None
            }
        }
    }

    fn private_key(&self, problems: &mut Problems<'_>, path: &Path) -> Option<ClientAuth> {
        let name = self
            .client_assertion_algorithm
            .as_deref()
            .unwrap_or("RS256");
        let Some(alg) = algorithm_named(name)
            .filter(|alg| !matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
        else {
            problems.add(
                "client_assertion_algorithm",
                "an asymmetric algorithm, e.g. RS256, ES256 or EdDSA",
            );
            return None;
        };
        let pem = match std::fs::read(path) {
            Ok(pem) => pem,
            Err(e) => {
                problems.add(
                    "client_private_key_file",
                    format!("cannot read `{}`: {e}", path.display()),
                );
                return None;
            }
        };
        let key = match alg {
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(&pem),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem),
            _ => EncodingKey::from_rsa_pem(&pem),
        };
        match key {
            Ok(key) => Some(ClientAuth::PrivateKeyJwt { key, alg }),
            Err(_) => {
                problems.add(
                    "client_private_key_file",
                    format!("not a PEM private key for {alg:?}"),
                );
                None
            }
        }
    }
}
