//! The token-verification keys of a validator (issuer, algorithms, the one
//! key source, time leeway, required claims, `typ`, realm, cache size),
//! read and checked at launch into a [`ValidatorConfig`].

use std::path::PathBuf;
use std::sync::Arc;

use jsonwebtoken::Algorithm;

use super::access::{AccessRules, AccessSettings};
use super::authn::AuthnConfig;
use super::dpop::DpopMode;
use super::introspection::{IntrospectionConfig, IntrospectionSettings};
use super::problems::Problems;
use super::remote::{KeySetSource, RemoteConfig, RemoteSettings, RemoteTuning};
use super::resource::{self, ResourceConfig};
use super::tenants::{TenantsConfig, TenantsSettings};
use crate::keys::{algorithm_named, KeyKind, StaticKey};

/// The largest `leeway_secs` accepted: a day. More is a misconfiguration, and
/// it keeps time arithmetic far from overflow.
pub const MAX_LEEWAY_SECS: u64 = 86_400;

/// How many verified tokens a validator keeps by default (`token_cache_size`).
pub const DEFAULT_TOKEN_CACHE_SIZE: usize = 10_000;

/// How many bytes a validator's verified tokens may take by default
/// (`token_cache_max_bytes`): 96 MiB. An ordinary access token (about
/// 1.5 KiB, some 7 KB once parsed and kept with the handler's typed claims)
/// fits `DEFAULT_TOKEN_CACHE_SIZE` times, so the count stays the bound that
/// applies; 8 KiB tokens (30 KB or more each) stop at about 3,000 instead
/// of taking 300 MB.
pub const DEFAULT_TOKEN_CACHE_MAX_BYTES: u64 = 96 * 1024 * 1024;

/// The least `token_cache_max_bytes`: 1 MiB, room for a few dozen of the
/// largest tokens. Less is a cache that holds almost nothing; turn it off
/// with `token_cache_size = 0` instead.
pub const MIN_TOKEN_CACHE_MAX_BYTES: u64 = 1024 * 1024;

/// The largest `token_cache_max_bytes`: 1 GiB per validator. More is a
/// misconfiguration (a typo's extra digits), not a cache size.
pub const MAX_TOKEN_CACHE_MAX_BYTES: u64 = 1024 * 1024 * 1024;

/// A validator's checked settings.
#[derive(Debug)]
pub(crate) struct ValidatorConfig {
    pub(crate) name: Arc<str>,
    pub(crate) realm: Arc<str>,
    pub(crate) issuers: IssuersConfig,
    pub(crate) access: AccessRules,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) leeway_secs: u64,
    pub(crate) required_claims: Vec<String>,
    pub(crate) token_type: Option<String>,
    /// How many verified tokens the validator keeps; 0: none.
    pub(crate) token_cache_size: usize,
    /// How many bytes they may take.
    pub(crate) token_cache_max_bytes: u64,
    /// Refuse ES256/ES384 signatures in high-S form.
    pub(crate) require_low_s: bool,
    /// `authn.dpop`'s mode, kept here too: guards read it on every request.
    pub(crate) dpop_mode: Option<DpopMode>,
    /// The protected resource its routes make up (RFC 9728), if named.
    pub(crate) resource: Option<ResourceConfig>,
    pub(crate) authn: AuthnConfig,
}

/// Whose tokens a validator accepts, and the keys that verify them.
#[derive(Debug)]
pub(crate) enum IssuersConfig {
    /// One issuer (`issuer`) and its key.
    One { issuer: String, key: KeyConfig },
    /// Several (`tenants`, `issuer_template`, `trust`), each with its keys.
    Tenants(TenantsConfig),
    /// One issuer that is asked about each token (`introspection = true`);
    /// its key, if given, verifies JWT answers (RFC 9701).
    Introspection {
        issuer: String,
        key: Option<KeyConfig>,
        introspection: IntrospectionConfig,
    },
}

impl IssuersConfig {
    /// Every key configured now (a `trust` hook's come later).
    pub(crate) fn keys(&self) -> Vec<&KeyConfig> {
        match self {
            Self::One { key, .. } => vec![key],
            Self::Introspection { key, .. } => key.iter().collect(),
            Self::Tenants(tenants) => tenants
                .fixed
                .iter()
                .map(|tenant| &tenant.key)
                .chain(tenants.template.as_ref().map(|template| &template.key))
                .collect(),
        }
    }

    /// Whether the validator makes HTTP requests: to fetch a key set, or to
    /// ask an introspection endpoint.
    pub(crate) fn uses_http(&self) -> bool {
        let trusted = matches!(self, Self::Tenants(tenants) if tenants.trust.is_some());
        trusted
            || matches!(self, Self::Introspection { .. })
            || self
                .keys()
                .iter()
                .any(|key| matches!(key, KeyConfig::Remote(_)))
    }
}

/// A validator's key: loaded now, or fetched from a key set later.
#[derive(Debug)]
pub(crate) enum KeyConfig {
    Static(StaticKey),
    Remote(RemoteConfig),
}

/// The verification keys of a validator, as written. Each key was read on
/// its own, so a key of the wrong type is reported and left `None` without
/// hiding the others.
#[derive(Debug)]
pub(crate) struct ValidatorSettings<'a> {
    issuer: Option<String>,
    algorithms: Option<Vec<String>>,
    sources: Vec<KeySource>,
    leeway_secs: Option<u64>,
    required_claims: Option<Vec<String>>,
    token_type: Option<String>,
    realm: Option<String>,
    token_cache_size: Option<usize>,
    token_cache_max_bytes: Option<u64>,
    require_low_s: Option<bool>,
    resource: Option<ResourceConfig>,
    remote: RemoteSettings,
    access: AccessSettings,
    tenants: TenantsSettings<'a>,
    introspection: IntrospectionSettings,
}

impl<'a> ValidatorSettings<'a> {
    /// Reads the verification keys of the validator `problems` is about.
    pub(crate) fn read(problems: &mut Problems<'a>) -> Self {
        Self {
            issuer: problems.read("issuer"),
            algorithms: problems.read("algorithms"),
            sources: read_sources(problems),
            leeway_secs: problems.read("leeway_secs"),
            required_claims: problems.read("required_claims"),
            token_type: problems.read("token_type"),
            realm: problems.read("realm"),
            token_cache_size: problems.read("token_cache_size"),
            token_cache_max_bytes: problems.read("token_cache_max_bytes"),
            require_low_s: problems.read("require_low_s"),
            resource: resource::read(problems),
            remote: RemoteSettings::read(problems),
            access: AccessSettings::read(problems),
            tenants: TenantsSettings::read(problems),
            introspection: IntrospectionSettings::read(problems),
        }
    }

    /// Checks every setting, recording each problem; `None` if any was found
    /// (by this or any other part of the validator's settings).
    pub(crate) fn into_config(
        self,
        problems: &mut Problems<'_>,
        mut authn: AuthnConfig,
    ) -> Option<ValidatorConfig> {
        let tenants = self.tenants.is_set(problems);
        // The issuer first, then the algorithms: problems read in the order
        // of the keys in the documentation.
        let issuer = if tenants {
            self.issuer
        } else {
            issuer_named(problems, self.issuer)
        };
        let algorithms = algorithms(problems, self.algorithms);
        let issuers = if tenants {
            self.introspection.refuse_without_introspection(problems);
            let (tenants, remote) = (self.tenants, self.remote);
            tenant_issuers(problems, issuer, self.sources, tenants, remote)
        } else if self.introspection.is_set() {
            self.tenants.refuse_without_tenants(problems);
            for (key, set) in [
                ("token_type", self.token_type.is_some()),
                ("require_low_s", self.require_low_s.is_some()),
            ] {
                if set {
                    problems.add(key, "applies to JWTs, not to introspected tokens");
                }
            }
            let (sources, remote) = (self.sources, self.remote);
            introspected_issuer(problems, issuer, sources, remote, self.introspection)
        } else {
            self.tenants.refuse_without_tenants(problems);
            self.introspection.refuse_without_introspection(problems);
            one_issuer(problems, issuer, self.sources, self.remote)
        };
        if let (Some(algorithms), Some(issuers)) = (&algorithms, &issuers) {
            for key in issuers.keys() {
                check_fit(problems, algorithms, key);
            }
        }
        let access = self.access.into_rules(problems);
        let leeway_secs = self.leeway_secs.unwrap_or(0);
        if leeway_secs > MAX_LEEWAY_SECS {
            problems.add("leeway_secs", format!("at most {MAX_LEEWAY_SECS} seconds"));
        }
        if let Some(dpop) = &mut authn.dpop {
            dpop.leeway_secs = leeway_secs;
        }
        let required_claims = self
            .required_claims
            .unwrap_or_else(|| vec!["exp".to_owned()]);
        if required_claims.iter().any(String::is_empty) {
            problems.add("required_claims", "a claim name cannot be empty");
        }
        if self.token_type.as_deref() == Some("") {
            problems.add(
                "token_type",
                "cannot be empty; remove the key to accept any `typ`",
            );
        }
        let token_cache_max_bytes = self
            .token_cache_max_bytes
            .unwrap_or(DEFAULT_TOKEN_CACHE_MAX_BYTES);
        if !(MIN_TOKEN_CACHE_MAX_BYTES..=MAX_TOKEN_CACHE_MAX_BYTES).contains(&token_cache_max_bytes)
        {
            problems.add(
                "token_cache_max_bytes",
                format!(
                    "between {MIN_TOKEN_CACHE_MAX_BYTES} (1 MiB) and {MAX_TOKEN_CACHE_MAX_BYTES} \
                     (1 GiB) bytes; `token_cache_size = 0` turns the cache off"
                ),
            );
        }
        let realm = self
            .realm
            .unwrap_or_else(|| problems.validator().to_owned());
        if realm.is_empty()
            || !realm
                .chars()
                .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
        {
            problems.add("realm", "printable ASCII without spaces, `\"` or `\\`");
        }
        if !problems.is_empty() {
            return None;
        }
        Some(ValidatorConfig {
            name: problems.validator().into(),
            realm: realm.into(),
            issuers: issuers?,
            access,
            algorithms: algorithms?,
            leeway_secs,
            required_claims,
            token_type: self.token_type,
            token_cache_size: self.token_cache_size.unwrap_or(DEFAULT_TOKEN_CACHE_SIZE),
            token_cache_max_bytes,
            require_low_s: self.require_low_s.unwrap_or(false),
            dpop_mode: authn.dpop.as_ref().map(|dpop| dpop.mode),
            resource: self.resource,
            authn,
        })
    }
}

fn issuer_named(problems: &mut Problems<'_>, issuer: Option<String>) -> Option<String> {
    match issuer {
        Some(issuer) if !issuer.is_empty() => Some(issuer),
        _ if problems.has("issuer") => None,
        _ => {
            problems.add(
                "issuer",
                "required: the exact `iss` value accepted tokens carry",
            );
            None
        }
    }
}

/// The algorithms jsonwebtoken knows, by the names `algorithms` takes
/// (`Ed25519` is RFC 9864's name for EdDSA with an Ed25519 key).
const ALGORITHM_NAMES: &str =
    "HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA, Ed25519";

fn algorithms(problems: &mut Problems<'_>, names: Option<Vec<String>>) -> Option<Vec<Algorithm>> {
    let names = match names {
        Some(names) if !names.is_empty() => names,
        _ if problems.has("algorithms") => return None,
        _ => {
            problems.add(
                "algorithms",
                "required: the list of accepted algorithms, e.g. [\"RS256\"]",
            );
            return None;
        }
    };
    let mut algorithms = Vec::with_capacity(names.len());
    for name in &names {
        match algorithm_named(name) {
            Some(algorithm) => algorithms.push(algorithm),
            None if name.eq_ignore_ascii_case("none") => {
                problems.add(
                    "algorithms",
                    "`none` is never accepted: tokens must be signed",
                );
            }
            None => problems.add(
                "algorithms",
                format!("unknown algorithm `{name}`, expected one of {ALGORITHM_NAMES}"),
            ),
        }
    }
    (algorithms.len() == names.len()).then_some(algorithms)
}

/// Refuses the algorithms that cannot verify with the validator's key.
fn check_fit(problems: &mut Problems<'_>, algorithms: &[Algorithm], key: &KeyConfig) {
    for algorithm in algorithms {
        match key {
            KeyConfig::Static(key) if !key.kind.fits(*algorithm) => problems.add(
                "algorithms",
                format!("`{algorithm:?}` cannot verify with {}", key.kind),
            ),
            KeyConfig::Remote(_) if KeyKind::Hmac.fits(*algorithm) => problems.add(
                "algorithms",
                format!("`{algorithm:?}` needs a shared secret; a key set holds only public keys"),
            ),
            _ => {}
        }
    }
}

/// How a key source's key is read: `None` when it is absent (or off).
type ReadSource = fn(&mut Problems<'_>, &'static str) -> Option<SourceKind>;

/// The keys that give a validator its key, in documentation order, each with
/// how it is read: the one place that names them. Exactly one must be set.
const KEY_SOURCES: [(&str, ReadSource); 6] = [
    ("secret", |p, key| p.read(key).map(SourceKind::Secret)),
    ("secret_env", |p, key| {
        p.read(key).map(SourceKind::SecretEnv)
    }),
    ("public_key_pem", |p, key| {
        p.read(key).map(SourceKind::PublicKeyPem)
    }),
    ("public_key_file", |p, key| {
        p.read_file(key).map(SourceKind::PublicKeyFile)
    }),
    ("jwks_uri", |p, key| p.read(key).map(SourceKind::JwksUri)),
    ("discovery", |p, key| {
        p.read(key)
            .filter(|on: &bool| *on)
            .map(|_| SourceKind::Discovery)
    }),
];

/// "set exactly one of `secret`, …, `jwks_uri` or `discovery = true`".
fn exactly_one_source() -> String {
    let keys: Vec<_> = KEY_SOURCES
        .iter()
        .map(|(key, _)| match *key {
            "discovery" => "`discovery = true`".to_owned(),
            key => format!("`{key}`"),
        })
        .collect();
    let last = keys.len() - 1;
    format!(
        "set exactly one of {} or {}",
        keys[..last].join(", "),
        keys[last]
    )
}

/// A key source that is set, with the key it was written under.
#[derive(Debug)]
pub(super) struct KeySource {
    key: &'static str,
    kind: SourceKind,
}

/// One of the ways to give a validator its key.
#[derive(Debug)]
enum SourceKind {
    Secret(String),
    SecretEnv(String),
    PublicKeyPem(String),
    /// Resolved already: a relative path is beside its configuration file.
    PublicKeyFile(PathBuf),
    JwksUri(String),
    Discovery,
}

/// One issuer (checked already), and its one key source (remote ones with
/// their tuning keys, which are refused without them).
fn one_issuer(
    problems: &mut Problems<'_>,
    issuer: Option<String>,
    sources: Vec<KeySource>,
    remote: RemoteSettings,
) -> Option<IssuersConfig> {
    if sources.is_empty() {
        refuse_no_source(problems);
    }
    let key = issuer_key(problems, sources, issuer.as_deref(), remote);
    Some(IssuersConfig::One {
        issuer: issuer?,
        key: key?,
    })
}

/// The key of one issuer: the one key source set, with its tuning keys.
fn issuer_key(
    problems: &mut Problems<'_>,
    sources: Vec<KeySource>,
    issuer: Option<&str>,
    remote: RemoteSettings,
) -> Option<KeyConfig> {
    match source_key(problems, sources, issuer) {
        Some((_, LoadedKey::Remote(source))) => {
            remote.into_config(problems, source).map(KeyConfig::Remote)
        }
        Some((_, LoadedKey::Static(key))) => {
            remote.refuse_without_source(problems);
            Some(KeyConfig::Static(key))
        }
        None => {
            remote.refuse_without_source(problems);
            None
        }
    }
}

/// An introspection validator's issuer (checked already), with the key that verifies JWT
/// answers if one is set (none is needed for JSON answers).
fn introspected_issuer(
    problems: &mut Problems<'_>,
    issuer: Option<String>,
    sources: Vec<KeySource>,
    remote: RemoteSettings,
    introspection: IntrospectionSettings,
) -> Option<IssuersConfig> {
    let discovery = sources
        .iter()
        .any(|source| matches!(source.kind, SourceKind::Discovery));
    let key = if sources.is_empty() {
        remote.refuse_without_source(problems);
        None
    } else {
        Some(issuer_key(problems, sources, issuer.as_deref(), remote)?)
    };
    let introspection = introspection.into_config(problems, issuer.as_deref(), discovery);
    Some(IssuersConfig::Introspection {
        issuer: issuer?,
        key,
        introspection: introspection?,
    })
}

/// The issuers of a tenants validator; its own key source, if any, serves
/// `issuer_template`.
fn tenant_issuers(
    problems: &mut Problems<'_>,
    issuer: Option<String>,
    sources: Vec<KeySource>,
    tenants: TenantsSettings<'_>,
    remote: RemoteSettings,
) -> Option<IssuersConfig> {
    if issuer.is_some() {
        problems.add(
            "issuer",
            "a tenants validator takes its issuers from `tenants`, `issuer_template` or \
             `trust`: remove `issuer`",
        );
    }
    if let Some(source) = sources
        .iter()
        .find(|s| matches!(s.kind, SourceKind::Discovery))
    {
        problems.add(
            source.key,
            "needs one issuer to discover; give `issuer_template` a `jwks_uri`, or each \
             tenant its own `discovery = true`",
        );
        return None;
    }
    let key = if sources.is_empty() {
        None
    } else {
        source_key(problems, sources, None)
    };
    tenants
        .into_config(problems, key, remote)
        .map(IssuersConfig::Tenants)
}

/// Reports that no key source is set, unless one was set wrongly.
pub(super) fn refuse_no_source(problems: &mut Problems<'_>) {
    if !KEY_SOURCES.iter().any(|(key, _)| problems.has(key)) {
        problems.whole(format!("no key source: {}", exactly_one_source()));
    }
}

/// A key source loaded: a static key now, or where a key set is.
#[derive(Debug)]
pub(super) enum LoadedKey {
    Static(StaticKey),
    Remote(KeySetSource),
}

impl LoadedKey {
    /// The key, tuned by the validator's `jwks_*` keys if remote (`None`:
    /// the tuning has problems, reported already).
    pub(super) fn into_config(self, tuning: Option<RemoteTuning>) -> Option<KeyConfig> {
        match self {
            Self::Static(key) => Some(KeyConfig::Static(key)),
            Self::Remote(source) => Some(KeyConfig::Remote(RemoteConfig {
                source,
                tuning: tuning?,
            })),
        }
    }
}

/// Reads every key source of the table `problems` is about.
pub(super) fn read_sources(problems: &mut Problems<'_>) -> Vec<KeySource> {
    KEY_SOURCES
        .iter()
        .filter_map(|(key, read)| {
            Some(KeySource {
                key,
                kind: read(problems, key)?,
            })
        })
        .collect()
}

/// Loads the one key source set in `sources`, with the key it was written
/// under; none set is for the caller to report (see [`refuse_no_source`]).
pub(super) fn source_key(
    problems: &mut Problems<'_>,
    sources: Vec<KeySource>,
    issuer: Option<&str>,
) -> Option<(&'static str, LoadedKey)> {
    match sources.as_slice() {
        [] => None,
        [source] => {
            let loaded = match (&source.kind, issuer) {
                (SourceKind::JwksUri(uri), _) => KeySetSource::jwks_uri(uri).map(LoadedKey::Remote),
                (SourceKind::Discovery, Some(issuer)) => {
                    KeySetSource::discovery(issuer).map(LoadedKey::Remote)
                }
                // The missing issuer is reported already.
                (SourceKind::Discovery, None) => return None,
                (kind, _) => kind.load().map(LoadedKey::Static),
            };
            loaded
                .map_err(|problem| problems.add(source.key, problem))
                .ok()
                .map(|loaded| (source.key, loaded))
        }
        [first, second, ..] => {
            let problem = format!("conflicts with `{}`: set exactly one key source", first.key);
            problems.add(second.key, problem);
            None
        }
    }
}

impl SourceKind {
    /// The static key this source gives.
    fn load(&self) -> Result<StaticKey, String> {
        match self {
            Self::Secret(secret) => StaticKey::secret(secret.as_bytes()),
            Self::SecretEnv(var) => match std::env::var(var) {
                Ok(secret) => StaticKey::secret(secret.as_bytes()),
                Err(_) => Err(format!(
                    "environment variable `{var}` is not set or not UTF-8"
                )),
            },
            Self::PublicKeyPem(pem) => StaticKey::public_pem(pem),
            Self::PublicKeyFile(path) => {
                let pem = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
                StaticKey::public_pem(&pem)
            }
            // Remote sources become a `RemoteConfig` in `key`, never a static key.
            Self::JwksUri(_) | Self::Discovery => Err("a remote key source".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_source_message_names_every_source_once() {
        assert_eq!(
            exactly_one_source(),
            "set exactly one of `secret`, `secret_env`, `public_key_pem`, \
             `public_key_file`, `jwks_uri` or `discovery = true`"
        );
    }

    #[test]
    fn every_algorithm_name_listed_is_one_jsonwebtoken_knows() {
        for name in ALGORITHM_NAMES.split(", ") {
            let algorithm = algorithm_named(name).expect("a known algorithm");
            let expected = if name == "Ed25519" { "EdDSA" } else { name };
            assert_eq!(format!("{algorithm:?}"), expected);
        }
    }
}
