//! Validator settings read from Rocket's configuration and checked at ignite.
//!
//! Settings live under `jwt.validators.<name>` in Rocket's figment, so they
//! come from `Rocket.toml`, the file `ROCKET_CONFIG` names, or `ROCKET_JWT`.
//! Every problem is reported at once, each naming the validator and the key,
//! and launch aborts.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use jsonwebtoken::Algorithm;
use rocket::figment::value::magic::RelativePathBuf;
use rocket::figment::value::{Dict, Value};
use rocket::figment::{self, Figment};
use serde::de::DeserializeOwned;

use crate::access::{
    AccessRules, DEFAULT_ROLES_CLAIM, DEFAULT_SCOPE_CLAIM, DEFAULT_SCOPE_ROLE_PREFIX,
};
use crate::cache::DEFAULT_TOKEN_CACHE_SIZE;
use crate::keys::{KeyKind, StaticKey};
use crate::options::{self, Options};
use crate::remote::{self, RemoteConfig};

/// The largest `leeway_secs` accepted: a day. More is a misconfiguration, and
/// it keeps time arithmetic far from overflow.
pub const MAX_LEEWAY_SECS: u64 = 86_400;

/// Where the settings of all validators live in Rocket's figment.
const VALIDATORS_KEY: &str = "jwt.validators";

/// A launch-time configuration problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The `jwt` table, or its `validators` table, is wrong.
    #[error("`{key}`: {problem}")]
    Table {
        /// The offending key: `jwt`, `jwt.validators`, or `jwt.<unknown>`.
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// A validator's name or one of its keys is wrong.
    #[error("`jwt.validators.{validator}{}`: {problem}", key_suffix(key))]
    Validator {
        /// The validator's name, as written.
        validator: String,
        /// The offending key, when the problem is with one key.
        key: Option<String>,
        /// What is wrong, and what to write instead.
        problem: String,
    },
}

fn key_suffix(key: &Option<String>) -> String {
    key.as_ref()
        .map(|key| format!(".{key}"))
        .unwrap_or_default()
}

/// All the configuration problems found at ignite, one a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub(crate) Vec<ConfigError>);

impl ConfigErrors {
    /// One problem with a table (`jwt`, say).
    pub(crate) fn table(key: &str, problem: String) -> Self {
        Self(vec![ConfigError::Table {
            key: key.to_owned(),
            problem,
        }])
    }

    /// The problems, in the order found (validators by name).
    pub fn iter(&self) -> impl Iterator<Item = &ConfigError> {
        self.0.iter()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The keys the `jwt` table may hold.
const JWT_KEYS: &[&str] = &["validators", "require_policy"];

/// The keys a validator's table may hold.
const VALIDATOR_KEYS: &[&str] = &[
    "issuer",
    "audiences",
    "algorithms",
    "secret",
    "secret_env",
    "public_key_pem",
    "public_key_file",
    "leeway_secs",
    "required_claims",
    "token_type",
    "realm",
    "token_cache_size",
    "roles_claim",
    "scope_claim",
    "scope_role_prefix",
    "read_only_scopes",
    "jwks_uri",
    "discovery",
    "jwks_cache_secs",
    "jwks_min_cache_secs",
    "jwks_max_cache_secs",
    "jwks_cooldown_secs",
    "jwks_timeout_ms",
    "jwks_max_bytes",
    // Identity, chains, token sources, cookie mode: read by `options`.
    "user_strategy",
    "static_user",
    "user_claim",
    "partner_strategy",
    "partner_claim",
    "partner_required",
    "next",
    "query_param",
    "cookie_enabled",
    "cookie_name",
    "cookie_max_age_secs",
    "cookie_secure",
    "cookie_path",
    "reject_session_cookies",
];

/// `jwt.validators.<name>`, as written. Each key was read on its own, so a
/// key of the wrong type is reported and left `None` without hiding others.
struct Settings {
    issuer: Option<String>,
    audiences: Option<Vec<String>>,
    algorithms: Option<Vec<String>>,
    secret: Option<String>,
    secret_env: Option<String>,
    public_key_pem: Option<String>,
    public_key_file: Option<RelativePathBuf>,
    leeway_secs: Option<u64>,
    required_claims: Option<Vec<String>>,
    token_type: Option<String>,
    realm: Option<String>,
    token_cache_size: Option<usize>,
    jwks_uri: Option<String>,
    discovery: Option<bool>,
    remote: remote::Tuning,
    access: AccessSettings,
}

/// A validator's key: loaded now, or fetched from a key set later.
#[derive(Debug)]
pub(crate) enum KeyConfig {
    Static(StaticKey),
    Remote(RemoteConfig),
}

/// The settings of what a validator's tokens grant, as written.
struct AccessSettings {
    roles_claim: Option<String>,
    scope_claim: Option<String>,
    scope_role_prefix: Option<String>,
    read_only_scopes: Option<Vec<String>>,
}

/// A validator's checked settings.
#[derive(Debug)]
pub(crate) struct ValidatorConfig {
    pub(crate) name: Arc<str>,
    pub(crate) realm: Arc<str>,
    pub(crate) issuer: String,
    pub(crate) access: AccessRules,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) key: KeyConfig,
    pub(crate) leeway_secs: u64,
    pub(crate) required_claims: Vec<String>,
    pub(crate) token_type: Option<String>,
    /// How many verified tokens the validator keeps; 0: none.
    pub(crate) token_cache_size: usize,
    pub(crate) options: Options,
}

/// Reads `jwt.require_policy` (default `false`): whether every mounted route
/// must declare a policy with `#[jwt_auth]`.
pub(crate) fn require_policy(figment: &Figment) -> Result<bool, ConfigError> {
    let key = "jwt.require_policy";
    if !figment.contains(key) {
        return Ok(false);
    }
    figment
        .extract_inner(key)
        .map_err(|error| ConfigError::Table {
            key: key.to_owned(),
            problem: describe(&error.kind),
        })
}

/// Reads and checks every validator under `jwt.validators`.
pub(crate) fn read(figment: &Figment) -> Result<Vec<ValidatorConfig>, ConfigErrors> {
    let table_error = |key: &str, problem: String| ConfigError::Table {
        key: key.to_owned(),
        problem,
    };
    let jwt = match figment.find_value("jwt") {
        Ok(jwt) => jwt,
        Err(error) if matches!(error.kind, figment::error::Kind::MissingField(_)) => {
            return Ok(Vec::new())
        }
        // A configuration source that cannot be read at all (a TOML syntax error, say).
        Err(error) => return Err(ConfigErrors(vec![table_error("jwt", error.to_string())])),
    };
    let Some(jwt) = jwt.as_dict() else {
        return Err(ConfigErrors(vec![table_error("jwt", expected_table(&jwt))]));
    };
    let mut errors: Vec<_> = unknown_keys(jwt, JWT_KEYS)
        .map(|(key, problem)| table_error(&format!("jwt.{key}"), problem))
        .collect();
    let validators = match jwt.get("validators") {
        None => None,
        Some(Value::Dict(_, validators)) => Some(validators),
        Some(other) => {
            errors.push(table_error(VALIDATORS_KEY, expected_table(other)));
            None
        }
    };

    let mut configs = Vec::new();
    for (name, settings) in validators.into_iter().flatten() {
        match read_validator(figment, name, settings) {
            Ok(config) => configs.push(config),
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    if errors.is_empty() {
        Ok(configs)
    } else {
        Err(ConfigErrors(errors))
    }
}

fn read_validator(
    figment: &Figment,
    name: &str,
    table: &Value,
) -> Result<ValidatorConfig, Vec<ConfigError>> {
    let mut problems = Problems {
        validator: name,
        errors: Vec::new(),
    };
    if !is_identifier(name) {
        problems.whole(
            "a validator name must be a Rust identifier (letters, digits and `_`, \
             not starting with a digit), so routes can name it",
        );
        return Err(problems.errors);
    }
    let Some(table) = table.as_dict() else {
        problems.whole(expected_table(table));
        return Err(problems.errors);
    };
    for (key, problem) in unknown_keys(table, VALIDATOR_KEYS) {
        problems.add(key, problem);
    }
    let settings = Settings {
        issuer: problems.read(figment, "issuer"),
        audiences: problems.read(figment, "audiences"),
        algorithms: problems.read(figment, "algorithms"),
        secret: problems.read(figment, "secret"),
        secret_env: problems.read(figment, "secret_env"),
        public_key_pem: problems.read(figment, "public_key_pem"),
        public_key_file: problems.read(figment, "public_key_file"),
        leeway_secs: problems.read(figment, "leeway_secs"),
        required_claims: problems.read(figment, "required_claims"),
        token_type: problems.read(figment, "token_type"),
        realm: problems.read(figment, "realm"),
        token_cache_size: problems.read(figment, "token_cache_size"),
        jwks_uri: problems.read(figment, "jwks_uri"),
        discovery: problems.read(figment, "discovery"),
        remote: remote::Tuning::read(&mut problems, figment),
        access: AccessSettings {
            roles_claim: problems.read(figment, "roles_claim"),
            scope_claim: problems.read(figment, "scope_claim"),
            scope_role_prefix: problems.read(figment, "scope_role_prefix"),
            read_only_scopes: problems.read(figment, "read_only_scopes"),
        },
    };
    let options = options::read(&mut problems, figment);
    let config = problems.check(settings).ok_or(problems.errors)?;
    Ok(ValidatorConfig { options, ..config })
}

/// The problems found with one validator.
pub(crate) struct Problems<'a> {
    validator: &'a str,
    errors: Vec<ConfigError>,
}

impl<'a> Problems<'a> {
    /// No problems yet with the validator called `validator`.
    #[cfg(test)]
    pub(crate) fn new(validator: &'a str) -> Self {
        Self {
            validator,
            errors: Vec::new(),
        }
    }

    /// Whether no problem was found.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The problems found.
    #[cfg(test)]
    pub(crate) fn into_errors(self) -> Vec<ConfigError> {
        self.errors
    }

    /// The name of the validator these problems are about.
    pub(crate) fn validator(&self) -> &str {
        self.validator
    }

    /// Records a problem with `key`.
    pub(crate) fn add(&mut self, key: &str, problem: impl Into<String>) {
        self.errors.push(ConfigError::Validator {
            validator: self.validator.to_owned(),
            key: Some(key.to_owned()),
            problem: problem.into(),
        });
    }

    fn whole(&mut self, problem: impl Into<String>) {
        self.errors.push(ConfigError::Validator {
            validator: self.validator.to_owned(),
            key: None,
            problem: problem.into(),
        });
    }

    /// Whether a problem was already recorded for `key`.
    fn has(&self, key: &str) -> bool {
        self.errors.iter().any(|error| match error {
            ConfigError::Validator {
                key: Some(found), ..
            } => found == key,
            _ => false,
        })
    }

    /// Reads `key` of this validator: `None` when absent, or when of the
    /// wrong type (then recorded, naming the key and the types, never the value).
    pub(crate) fn read<T: DeserializeOwned>(&mut self, figment: &Figment, key: &str) -> Option<T> {
        let path = format!("{VALIDATORS_KEY}.{}.{key}", self.validator);
        if !figment.contains(&path) {
            return None;
        }
        figment
            .extract_inner(&path)
            .map_err(|error| self.add(key, describe(&error.kind)))
            .ok()
    }

    /// Checks every setting, recording each problem; `None` if any was found.
    fn check(&mut self, settings: Settings) -> Option<ValidatorConfig> {
        let issuer = self.issuer(settings.issuer);
        let algorithms = self.algorithms(settings.algorithms);
        let mut sources = KeySource::all_set(
            settings.secret,
            settings.secret_env,
            settings.public_key_pem,
            settings.public_key_file,
        );
        sources.extend(settings.jwks_uri.map(KeySource::JwksUri));
        sources.extend((settings.discovery == Some(true)).then_some(KeySource::Discovery));
        let key = self.key(sources, issuer.as_deref(), settings.remote);
        match (&algorithms, &key) {
            (Some(algorithms), Some(KeyConfig::Static(key))) => {
                for algorithm in algorithms.iter().filter(|a| !key.kind.fits(**a)) {
                    self.add(
                        "algorithms",
                        format!("`{algorithm:?}` cannot verify with {}", key.kind),
                    );
                }
            }
            (Some(algorithms), Some(KeyConfig::Remote(_))) => {
                for algorithm in algorithms.iter().filter(|a| KeyKind::Hmac.fits(**a)) {
                    self.add(
                        "algorithms",
                        format!(
                            "`{algorithm:?}` needs a shared secret; a key set holds only \
                             public keys"
                        ),
                    );
                }
            }
            _ => {}
        }
        let access = self.access(settings.audiences, settings.access);
        let leeway_secs = settings.leeway_secs.unwrap_or(0);
        if leeway_secs > MAX_LEEWAY_SECS {
            self.add("leeway_secs", format!("at most {MAX_LEEWAY_SECS} seconds"));
        }
        let required_claims = settings
            .required_claims
            .unwrap_or_else(|| vec!["exp".to_owned()]);
        if required_claims.iter().any(String::is_empty) {
            self.add("required_claims", "a claim name cannot be empty");
        }
        if settings.token_type.as_deref() == Some("") {
            self.add(
                "token_type",
                "cannot be empty; remove the key to accept any `typ`",
            );
        }
        let realm = settings.realm.unwrap_or_else(|| self.validator.to_owned());
        if realm.is_empty()
            || !realm
                .chars()
                .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
        {
            self.add("realm", "printable ASCII without spaces, `\"` or `\\`");
        }

        if !self.errors.is_empty() {
            return None;
        }
        Some(ValidatorConfig {
            name: self.validator.into(),
            realm: realm.into(),
            issuer: issuer?,
            access,
            algorithms: algorithms?,
            key: key?,
            leeway_secs,
            required_claims,
            token_type: settings.token_type,
            token_cache_size: settings
                .token_cache_size
                .unwrap_or(DEFAULT_TOKEN_CACHE_SIZE),
            options: Options::default(),
        })
    }

    /// Checks the audiences and the settings of roles and scopes.
    fn access(&mut self, audiences: Option<Vec<String>>, settings: AccessSettings) -> AccessRules {
        let mut words = |key: &str, words: Option<Vec<String>>, what: &str| {
            let words = words.unwrap_or_default();
            if words.iter().any(String::is_empty) {
                self.add(key, format!("{what} cannot be empty"));
            }
            words.into_iter().map(Into::into).collect()
        };
        let audiences = words("audiences", audiences, "an audience");
        let read_only_scopes = words("read_only_scopes", settings.read_only_scopes, "a scope");
        let mut claim = |key: &str, name: Option<String>, default: &str| match name {
            Some(name) if name.is_empty() => {
                self.add(key, "cannot be empty; remove the key for the default");
                Box::from(default)
            }
            name => name.map_or_else(|| default.into(), Into::into),
        };
        AccessRules {
            audiences,
            roles_claim: claim("roles_claim", settings.roles_claim, DEFAULT_ROLES_CLAIM),
            scope_claim: claim("scope_claim", settings.scope_claim, DEFAULT_SCOPE_CLAIM),
            scope_role_prefix: settings
                .scope_role_prefix
                .map_or_else(|| DEFAULT_SCOPE_ROLE_PREFIX.into(), Into::into),
            read_only_scopes,
        }
    }

    fn issuer(&mut self, issuer: Option<String>) -> Option<String> {
        match issuer {
            Some(issuer) if !issuer.is_empty() => Some(issuer),
            _ if self.has("issuer") => None,
            _ => {
                self.add(
                    "issuer",
                    "required: the exact `iss` value accepted tokens carry",
                );
                None
            }
        }
    }

    fn algorithms(&mut self, names: Option<Vec<String>>) -> Option<Vec<Algorithm>> {
        let names = match names {
            Some(names) if !names.is_empty() => names,
            _ if self.has("algorithms") => return None,
            _ => {
                self.add(
                    "algorithms",
                    "required: the list of accepted algorithms, e.g. [\"RS256\"]",
                );
                return None;
            }
        };
        let mut algorithms = Vec::with_capacity(names.len());
        for name in &names {
            match Algorithm::from_str(name) {
                Ok(algorithm) => algorithms.push(algorithm),
                Err(_) if name.eq_ignore_ascii_case("none") => {
                    self.add(
                        "algorithms",
                        "`none` is never accepted: tokens must be signed",
                    );
                }
                Err(_) => self.add(
                    "algorithms",
                    format!(
                        "unknown algorithm `{name}`, expected one of HS256, HS384, HS512, \
                         RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA"
                    ),
                ),
            }
        }
        (algorithms.len() == names.len()).then_some(algorithms)
    }

    /// Loads the one key source that must be set (remote ones with their
    /// tuning keys, which are refused without them).
    fn key(
        &mut self,
        sources: Vec<KeySource>,
        issuer: Option<&str>,
        tuning: remote::Tuning,
    ) -> Option<KeyConfig> {
        let remote = match (sources.as_slice(), issuer) {
            ([KeySource::JwksUri(uri)], _) => Some(remote::Source::jwks_uri(uri)),
            ([KeySource::Discovery], Some(issuer)) => Some(remote::Source::discovery(issuer)),
            // The missing issuer is reported already.
            ([KeySource::Discovery], None) => return None,
            _ => {
                let remote = |source: &KeySource| {
                    matches!(source, KeySource::JwksUri(_) | KeySource::Discovery)
                };
                if !sources.iter().any(remote) {
                    tuning.refuse_without_source(self);
                }
                None
            }
        };
        if let Some(source) = remote {
            let key = sources[0].key();
            let source = source.map_err(|problem| self.add(key, problem)).ok()?;
            return tuning.check(self, source).map(KeyConfig::Remote);
        }
        match sources.as_slice() {
            [] if KEY_SOURCES.iter().any(|key| self.has(key)) => None,
            [] => {
                self.whole(
                    "no key source: set exactly one of `secret`, `secret_env`, \
                     `public_key_pem`, `public_key_file`, `jwks_uri` or `discovery = true`",
                );
                None
            }
            [source] => source
                .load()
                .map(KeyConfig::Static)
                .map_err(|problem| self.add(source.key(), problem))
                .ok(),
            [first, second, ..] => {
                let problem = format!(
                    "conflicts with `{}`: set exactly one key source",
                    first.key()
                );
                self.add(second.key(), problem);
                None
            }
        }
    }
}

/// The configuration keys that give a validator its key; exactly one must be set.
pub const KEY_SOURCES: [&str; 6] = [
    "secret",
    "secret_env",
    "public_key_pem",
    "public_key_file",
    "jwks_uri",
    "discovery",
];

/// One of the ways to give a validator its key.
enum KeySource {
    Secret(String),
    SecretEnv(String),
    PublicKeyPem(String),
    PublicKeyFile(RelativePathBuf),
    JwksUri(String),
    Discovery,
}

impl KeySource {
    /// The sources that are set, in the order the keys are documented.
    fn all_set(
        secret: Option<String>,
        secret_env: Option<String>,
        public_key_pem: Option<String>,
        public_key_file: Option<RelativePathBuf>,
    ) -> Vec<Self> {
        [
            secret.map(Self::Secret),
            secret_env.map(Self::SecretEnv),
            public_key_pem.map(Self::PublicKeyPem),
            public_key_file.map(Self::PublicKeyFile),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The configuration key this source is written under.
    fn key(&self) -> &'static str {
        match self {
            Self::Secret(_) => "secret",
            Self::SecretEnv(_) => "secret_env",
            Self::PublicKeyPem(_) => "public_key_pem",
            Self::PublicKeyFile(_) => "public_key_file",
            Self::JwksUri(_) => "jwks_uri",
            Self::Discovery => "discovery",
        }
    }

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
            Self::PublicKeyFile(file) => {
                let path = file.relative();
                let pem = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
                StaticKey::public_pem(&pem)
            }
            // Remote sources are checked in `Problems::key`; they load later.
            Self::JwksUri(_) | Self::Discovery => Err("a remote key source".to_owned()),
        }
    }
}

/// Whether `name` is a Rust identifier, as `#[jwt_auth(validator = "...")]` needs.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && name != "_"
}

/// "unknown key", with the closest expected key when one is close.
fn unknown_key(field: &str, expected: &[&str]) -> String {
    let closest = expected
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(field, candidate), candidate))
        .filter(|(distance, _)| *distance <= 2)
        .min();
    match closest {
        Some((_, candidate)) => format!("unknown key `{field}`, did you mean `{candidate}`?"),
        None => format!(
            "unknown key `{field}`, expected one of: {}",
            expected.join(", ")
        ),
    }
}

/// The keys of `table` that are not in `known`, each with its problem.
fn unknown_keys<'a>(table: &'a Dict, known: &'a [&str]) -> impl Iterator<Item = (&'a str, String)> {
    table
        .keys()
        .filter(|key| !known.contains(&key.as_str()))
        .map(|key| (key.as_str(), unknown_key(key, known)))
}

/// "expected a table, found …" for a value that should have been a table.
fn expected_table(found: &Value) -> String {
    format!("expected a table, found {}", value_kind(found))
}

/// What kind of TOML value `value` is, in TOML's words.
fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::String(..) | Value::Char(..) => "a string",
        Value::Bool(..) => "a boolean",
        Value::Num(..) => "a number",
        Value::Empty(..) => "nothing",
        Value::Dict(..) => "a table",
        Value::Array(..) => "a list",
    }
}

/// A figment problem with one key, in TOML's words. The value found is named
/// by its type only: the key might be a secret.
fn describe(kind: &figment::error::Kind) -> String {
    use figment::error::{Actual, Kind};
    let found = |actual: &Actual| match actual {
        Actual::Str(_) | Actual::Char(_) => "a string",
        Actual::Bool(_) => "a boolean",
        Actual::Signed(v) if *v < 0 => "a negative number",
        Actual::Unsigned(_) | Actual::Signed(_) | Actual::Float(_) => "a number",
        Actual::Seq => "a list",
        Actual::Map => "a table",
        _ => "another kind of value",
    };
    let expected = |expected: &str| match expected {
        "u64" => "a whole number of 0 or more".to_owned(),
        "a sequence" => "a list".to_owned(),
        "a map" => "a table".to_owned(),
        other => other.to_owned(),
    };
    match kind {
        Kind::InvalidType(actual, wanted) | Kind::InvalidValue(actual, wanted) => {
            format!("expected {}, found {}", expected(wanted), found(actual))
        }
        _ => "cannot be read".to_owned(),
    }
}
