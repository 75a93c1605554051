//! `jwt.provider`: the provider's settings and its clients, read from
//! Rocket's figment and checked at ignite. Every problem names its key
//! (`jwt.provider.clients.<id>.<key>`), and any problem aborts launch.

use std::collections::BTreeMap;

use rocket::figment::value::{Dict, Value};
use rocket::figment::Figment;
use serde::de::DeserializeOwned;
use url::Url;

use super::secret::ClientSecret;
use crate::config::{check_secure, expected_table, unknown_keys, wrong_value};
use crate::error::ConfigError;

/// Where the provider's settings live in Rocket's figment.
pub(crate) const PROVIDER_KEY: &str = "jwt.provider";

/// The longest an authorization code may live (RFC 6749 §4.1.2 advises ten
/// minutes at most).
const MAX_CODE_TTL_SECS: u64 = 600;

/// The shortest client secret accepted in `secret` or `secret_env`.
const MIN_SECRET_LEN: usize = 16;

/// The algorithms the provider signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 and a 2048-bit key: the default, as
    /// every relying party verifies it.
    Rs256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// EdDSA with an Ed25519 key.
    EdDsa,
}

impl SigningAlgorithm {
    /// Every algorithm, in the order discovery lists them.
    pub const ALL: [Self; 3] = [Self::Rs256, Self::Es256, Self::EdDsa];

    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
        }
    }

    fn named(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(Self::Rs256),
            "ES256" => Some(Self::Es256),
            "EdDSA" | "Ed25519" => Some(Self::EdDsa),
            _ => None,
        }
    }

    /// jsonwebtoken's algorithm.
    pub(crate) fn jose(self) -> jsonwebtoken::Algorithm {
        match self {
            Self::Rs256 => jsonwebtoken::Algorithm::RS256,
            Self::Es256 => jsonwebtoken::Algorithm::ES256,
            Self::EdDsa => jsonwebtoken::Algorithm::EdDSA,
        }
    }
}

/// How a client authenticates at the token, revocation and introspection
/// endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthMethod {
    Basic,
    Post,
    None,
}

/// The grants a client may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
}

impl Grant {
    pub(crate) const ALL: [Self; 3] = [
        Self::AuthorizationCode,
        Self::RefreshToken,
        Self::ClientCredentials,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
        }
    }

    pub(crate) fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|grant| grant.name() == name)
    }
}

/// The response types the authorization endpoint answers: the code flow
/// and the three hybrid flows. The implicit flow's (`token`, `id_token`,
/// `id_token token`) are refused (RFC 9700 §2.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ResponseType {
    pub(crate) id_token: bool,
    pub(crate) token: bool,
}

impl ResponseType {
    /// Every response type, in the order discovery lists them.
    pub(crate) const ALL: [Self; 4] = [
        Self::CODE,
        Self::new(true, false),
        Self::new(false, true),
        Self::new(true, true),
    ];

    /// `code`.
    pub(crate) const CODE: Self = Self::new(false, false);

    const fn new(id_token: bool, token: bool) -> Self {
        Self { id_token, token }
    }

    /// The response type a `response_type` parameter names, whatever the
    /// order of its words (OAuth 2.0 Multiple Response Types); `Err(true)`
    /// for an implicit one, `Err(false)` for anything else.
    pub(crate) fn parse(value: &str) -> Result<Self, bool> {
        let mut words: Vec<&str> = value.split(' ').collect();
        words.sort_unstable();
        match words.as_slice() {
            ["code"] => Ok(Self::CODE),
            ["code", "id_token"] => Ok(Self::new(true, false)),
            ["code", "token"] => Ok(Self::new(false, true)),
            ["code", "id_token", "token"] => Ok(Self::new(true, true)),
            ["id_token"] | ["token"] | ["id_token", "token"] => Err(true),
            _ => Err(false),
        }
    }

    /// Whether the response carries a token, so the query cannot carry it.
    pub(crate) fn is_hybrid(self) -> bool {
        self.id_token || self.token
    }

    pub(crate) fn name(self) -> &'static str {
        match (self.id_token, self.token) {
            (false, false) => "code",
            (true, false) => "code id_token",
            (false, true) => "code token",
            (true, true) => "code id_token token",
        }
    }
}

/// The provider's checked settings.
#[derive(Debug)]
pub(crate) struct ProviderConfig {
    /// The exact `iss`, without a trailing `/`.
    pub(crate) issuer: String,
    pub(crate) signing_algorithm: SigningAlgorithm,
    pub(crate) login_url: String,
    pub(crate) code_ttl_secs: u64,
    pub(crate) access_token_ttl_secs: u64,
    pub(crate) id_token_ttl_secs: u64,
    pub(crate) refresh_token_ttl_secs: u64,
    /// 0: keys never rotate by age.
    pub(crate) key_rotation_days: u64,
    pub(crate) clients: BTreeMap<String, ClientConfig>,
}

impl ProviderConfig {
    /// Every algorithm some token is signed with: the provider's, and the
    /// ID-token algorithms clients chose.
    pub(crate) fn algorithms(&self) -> Vec<SigningAlgorithm> {
        let mut algorithms = vec![self.signing_algorithm];
        for client in self.clients.values() {
            if let Some(algorithm) = client.id_token_signing_algorithm {
                if !algorithms.contains(&algorithm) {
                    algorithms.push(algorithm);
                }
            }
        }
        algorithms.sort();
        algorithms
    }

    /// The longest any token signed now stays valid: how long a retired key
    /// stays published.
    pub(crate) fn longest_token_secs(&self) -> u64 {
        self.access_token_ttl_secs.max(self.id_token_ttl_secs)
    }
}

/// One client's checked settings.
#[derive(Debug)]
pub(crate) struct ClientConfig {
    pub(crate) id: String,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) secret: ClientSecret,
    pub(crate) auth_method: AuthMethod,
    pub(crate) grant_types: Vec<Grant>,
    pub(crate) response_types: Vec<ResponseType>,
    pub(crate) scopes: Vec<String>,
    pub(crate) name: String,
    pub(crate) first_party: bool,
    pub(crate) audience: String,
    pub(crate) id_token_signing_algorithm: Option<SigningAlgorithm>,
}

impl ClientConfig {
    pub(crate) fn has_grant(&self, grant: Grant) -> bool {
        self.grant_types.contains(&grant)
    }

    pub(crate) fn is_public(&self) -> bool {
        matches!(self.secret, ClientSecret::Public)
    }
}

/// Reads one table's keys, remembering which were read, collecting problems.
struct Table<'a> {
    /// The table, as Rocket's figment merged it. Its keys are read from it
    /// directly, not through figment paths: a client id may hold `.`, which
    /// a path would split, and no key here needs figment's metadata (no
    /// relative paths).
    table: &'a Dict,
    prefix: String,
    known: Vec<&'static str>,
    errors: &'a mut Vec<ConfigError>,
}

impl<'a> Table<'a> {
    /// Reads `table`, found at `prefix`.
    fn new(table: &'a Dict, prefix: String, errors: &'a mut Vec<ConfigError>) -> Self {
        Self {
            table,
            prefix,
            known: Vec::new(),
            errors,
        }
    }

    fn read<T: DeserializeOwned>(&mut self, key: &'static str) -> Option<T> {
        self.known.push(key);
        let value = self.table.get(key)?;
        T::deserialize(value)
            .map_err(|error| self.add(key, wrong_value(&error.kind)))
            .ok()
    }

    fn add(&mut self, key: &str, problem: impl Into<String>) {
        self.errors.push(ConfigError::Table {
            key: format!("{}.{key}", self.prefix),
            problem: problem.into(),
        });
    }

    /// Records the keys of the table nothing read.
    fn finish(self) {
        for (key, problem) in unknown_keys(self.table, &self.known) {
            self.errors.push(ConfigError::Table {
                key: format!("{}.{key}", self.prefix),
                problem,
            });
        }
    }
}

/// Reads `jwt.provider`: `Ok(None)` when absent.
pub(crate) fn read(figment: &Figment) -> Result<Option<ProviderConfig>, Vec<ConfigError>> {
    let Ok(value) = figment.find_value(PROVIDER_KEY) else {
        return Ok(None);
    };
    let mut errors = Vec::new();
    let Some(table) = value.as_dict() else {
        errors.push(ConfigError::Table {
            key: PROVIDER_KEY.to_owned(),
            problem: expected_table(&value),
        });
        return Err(errors);
    };
    let config = read_provider(table, &mut errors);
    match config {
        Some(config) if errors.is_empty() => Ok(Some(config)),
        _ => Err(errors),
    }
}

fn read_provider(table: &Dict, errors: &mut Vec<ConfigError>) -> Option<ProviderConfig> {
    let mut settings = Table::new(table, PROVIDER_KEY.to_owned(), errors);
    let issuer: Option<String> = settings.read("issuer");
    let algorithm: Option<String> = settings.read("signing_algorithm");
    let login_url: Option<String> = settings.read("login_url");
    let ttl = |settings: &mut Table<'_>, key, default| {
        let secs: u64 = settings.read(key).unwrap_or(default);
        if secs == 0 {
            settings.add(key, "must be at least 1");
        }
        secs
    };
    let code_ttl_secs = ttl(&mut settings, "code_ttl_secs", 60);
    let access_token_ttl_secs = ttl(&mut settings, "access_token_ttl_secs", 3600);
    let id_token_ttl_secs = ttl(&mut settings, "id_token_ttl_secs", 3600);
    let refresh_token_ttl_secs = ttl(&mut settings, "refresh_token_ttl_secs", 30 * 86_400);
    let key_rotation_days: u64 = settings.read("key_rotation_days").unwrap_or(90);
    let clients: Option<Dict> = settings.read("clients");
    if code_ttl_secs > MAX_CODE_TTL_SECS {
        settings.add(
            "code_ttl_secs",
            format!("must be at most {MAX_CODE_TTL_SECS} (RFC 6749 §4.1.2)"),
        );
    }
    if key_rotation_days > 3650 {
        settings.add(
            "key_rotation_days",
            "must be at most 3650 (0: never rotate)",
        );
    }
    let issuer = match issuer {
        None => {
            settings.add(
                "issuer",
                "is required: the exact `iss` of the tokens issued",
            );
            None
        }
        Some(issuer) => check_issuer(&issuer)
            .map_err(|p| settings.add("issuer", p))
            .ok(),
    };
    let signing_algorithm = match algorithm.as_deref() {
        None => Some(SigningAlgorithm::Rs256),
        Some(name) => SigningAlgorithm::named(name).or_else(|| {
            settings.add("signing_algorithm", algorithm_problem(name));
            None
        }),
    };
    let login_url = login_url.unwrap_or_else(|| "/login".to_owned());
    if !login_url.starts_with('/') || login_url.starts_with("//") {
        settings.add(
            "login_url",
            "must be a path on this server, starting with `/`",
        );
    }
    settings.finish();

    let mut configs = BTreeMap::new();
    for (id, client) in clients.iter().flatten() {
        if let Some(config) = read_client(id, client, errors) {
            configs.insert(id.clone(), config);
        }
    }
    Some(ProviderConfig {
        issuer: issuer?,
        signing_algorithm: signing_algorithm?,
        login_url,
        code_ttl_secs,
        access_token_ttl_secs,
        id_token_ttl_secs,
        refresh_token_ttl_secs,
        key_rotation_days,
        clients: configs,
    })
}

fn algorithm_problem(name: &str) -> String {
    format!("`{name}` is not one of \"RS256\", \"ES256\", \"EdDSA\"")
}

/// An issuer: an absolute `https` URL (plain `http` on a loopback host),
/// with no query or fragment; kept without a trailing `/`.
fn check_issuer(issuer: &str) -> Result<String, String> {
    let url = Url::parse(issuer).map_err(|e| format!("`{issuer}` is not a URL: {e}"))?;
    check_secure(&url)?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("must have no query, fragment or user name (OIDC Discovery §3)".to_owned());
    }
    Ok(issuer.trim_end_matches('/').to_owned())
}

/// The keys a client's table may hold.
fn read_client(id: &str, value: &Value, errors: &mut Vec<ConfigError>) -> Option<ClientConfig> {
    let prefix = format!("{PROVIDER_KEY}.clients.{id}");
    let Some(table) = value.as_dict() else {
        errors.push(ConfigError::Table {
            key: prefix,
            problem: expected_table(value),
        });
        return None;
    };
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_graphic()) {
        errors.push(ConfigError::Table {
            key: prefix,
            problem: "a client_id must be printable ASCII without spaces".to_owned(),
        });
        return None;
    }
    let before = errors.len();
    let mut client = Table::new(table, prefix, errors);
    let redirect_uris: Vec<String> = client.read("redirect_uris").unwrap_or_default();
    let secret = read_secret(&mut client);
    let auth_method: Option<String> = client.read("token_endpoint_auth_method");
    let grant_types: Vec<String> = client
        .read("grant_types")
        .unwrap_or_else(|| vec!["authorization_code".to_owned()]);
    let response_types: Option<Vec<String>> = client.read("response_types");
    let scopes: Vec<String> = client
        .read("scopes")
        .unwrap_or_else(|| vec!["openid".to_owned()]);
    let name: String = client.read("name").unwrap_or_else(|| id.to_owned());
    let first_party: bool = client.read("first_party").unwrap_or(false);
    let audience: String = client.read("audience").unwrap_or_else(|| id.to_owned());
    let id_token_algorithm: Option<String> = client.read("id_token_signing_algorithm");

    let grant_types = read_grants(&mut client, &grant_types);
    let auth_method = read_auth_method(&mut client, auth_method.as_deref(), secret.as_ref());
    let code_flow = grant_types.contains(&Grant::AuthorizationCode);
    let response_types = read_response_types(&mut client, response_types, code_flow);
    if code_flow && redirect_uris.is_empty() {
        client.add(
            "redirect_uris",
            "is required for the `authorization_code` grant",
        );
    }
    for uri in &redirect_uris {
        if let Err(problem) = check_redirect_uri(uri) {
            client.add("redirect_uris", format!("`{uri}` {problem}"));
        }
    }
    if matches!(secret, Some(ClientSecret::Public))
        && grant_types.contains(&Grant::ClientCredentials)
    {
        client.add(
            "grant_types",
            "a public client cannot use `client_credentials`",
        );
    }
    for scope in &scopes {
        if scope.is_empty()
            || !scope
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        {
            client.add(
                "scopes",
                format!("`{scope}` is not a scope token (RFC 6749 §3.3)"),
            );
        }
    }
    let id_token_signing_algorithm = id_token_algorithm.and_then(|name| {
        SigningAlgorithm::named(&name).or_else(|| {
            client.add("id_token_signing_algorithm", algorithm_problem(&name));
            None
        })
    });
    client.finish();
    if errors.len() > before {
        return None;
    }
    Some(ClientConfig {
        id: id.to_owned(),
        redirect_uris,
        secret: secret?,
        auth_method: auth_method?,
        grant_types,
        response_types,
        scopes,
        name,
        first_party,
        audience,
        id_token_signing_algorithm,
    })
}

/// Exactly one of `secret`, `secret_env`, `secret_hash`, `public = true`.
fn read_secret(client: &mut Table<'_>) -> Option<ClientSecret> {
    let secret: Option<String> = client.read("secret");
    let secret_env: Option<String> = client.read("secret_env");
    let secret_hash: Option<String> = client.read("secret_hash");
    let public: bool = client.read("public").unwrap_or(false);
    let given = [
        secret.is_some(),
        secret_env.is_some(),
        secret_hash.is_some(),
        public,
    ];
    if given.iter().filter(|given| **given).count() != 1 {
        client.add(
            "secret",
            "give exactly one of `secret`, `secret_env`, `secret_hash` or `public = true`",
        );
        return None;
    }
    let plain = |client: &mut Table<'_>, key, secret: String| {
        if secret.len() < MIN_SECRET_LEN {
            client.add(key, format!("must be at least {MIN_SECRET_LEN} characters"));
            return None;
        }
        Some(ClientSecret::plain(secret))
    };
    if let Some(secret) = secret {
        return plain(client, "secret", secret);
    }
    if let Some(variable) = secret_env {
        return match std::env::var(&variable) {
            Ok(secret) => plain(client, "secret_env", secret),
            Err(_) => {
                client.add(
                    "secret_env",
                    format!("the environment variable `{variable}` is not set"),
                );
                None
            }
        };
    }
    if let Some(hash) = secret_hash {
        return ClientSecret::hashed(&hash)
            .map_err(|problem| client.add("secret_hash", problem))
            .ok();
    }
    Some(ClientSecret::Public)
}

fn read_grants(client: &mut Table<'_>, names: &[String]) -> Vec<Grant> {
    let mut grants = Vec::new();
    for name in names {
        match Grant::named(name) {
            Some(grant) if !grants.contains(&grant) => grants.push(grant),
            Some(_) => {}
            None if name == "implicit" => client.add(
                "grant_types",
                "the implicit grant is refused (RFC 9700 §2.1.2): use `authorization_code`",
            ),
            None => client.add(
                "grant_types",
                format!(
                    "`{name}` is not one of \"authorization_code\", \"refresh_token\", \
                     \"client_credentials\""
                ),
            ),
        }
    }
    if grants.is_empty() && names.is_empty() {
        client.add("grant_types", "must name at least one grant");
    }
    grants
}

fn read_auth_method(
    client: &mut Table<'_>,
    name: Option<&str>,
    secret: Option<&ClientSecret>,
) -> Option<AuthMethod> {
    let public = matches!(secret, Some(ClientSecret::Public));
    let method = match name {
        None if public => AuthMethod::None,
        None => AuthMethod::Basic,
        Some("client_secret_basic") => AuthMethod::Basic,
        Some("client_secret_post") => AuthMethod::Post,
        Some("none") => AuthMethod::None,
        Some(other) => {
            client.add(
                "token_endpoint_auth_method",
                format!(
                    "`{other}` is not one of \"client_secret_basic\", \"client_secret_post\", \
                     \"none\""
                ),
            );
            return None;
        }
    };
    if secret.is_some() && public != (method == AuthMethod::None) {
        client.add(
            "token_endpoint_auth_method",
            "must be \"none\" exactly when the client is public (`public = true`)",
        );
        return None;
    }
    Some(method)
}

fn read_response_types(
    client: &mut Table<'_>,
    names: Option<Vec<String>>,
    code_flow: bool,
) -> Vec<ResponseType> {
    let Some(names) = names else {
        return if code_flow {
            vec![ResponseType::CODE]
        } else {
            Vec::new()
        };
    };
    if !code_flow && !names.is_empty() {
        client.add("response_types", "need the `authorization_code` grant");
    }
    let mut types = Vec::new();
    for name in names {
        match ResponseType::parse(&name) {
            Ok(kind) if !types.contains(&kind) => types.push(kind),
            Ok(_) => {}
            Err(true) => client.add(
                "response_types",
                format!("`{name}` is the implicit flow, which is refused (RFC 9700 §2.1.2)"),
            ),
            Err(false) => client.add(
                "response_types",
                format!(
                    "`{name}` is not one of \"code\", \"code id_token\", \"code token\", \
                     \"code id_token token\""
                ),
            ),
        }
    }
    types
}

/// A redirect URI: absolute, no fragment (RFC 6749 §3.1.2), `https` or
/// plain `http` on a loopback host.
fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let url = Url::parse(uri).map_err(|e| format!("is not a URL: {e}"))?;
    if url.fragment().is_some() {
        return Err("must have no fragment (RFC 6749 §3.1.2)".to_owned());
    }
    check_secure(&url)
}
