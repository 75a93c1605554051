//! Configuration: Rocket's figment in, checked plain data out; nothing here
//! runs.
//!
//! Settings live under `jwt.validators.<name>` in Rocket's figment, so they
//! come from `Rocket.toml`, the file `ROCKET_CONFIG` names, or `ROCKET_JWT`.
//! Each part of a validator's settings reads its own keys (`validator`,
//! `access`, `remote`, `authn`, `cookie`, `dpop`) through one [`Problems`]
//! accumulator; every problem is reported at once, each naming the validator
//! and the key, and launch aborts. Raw input is `*Settings`, checked output
//! `*Config` (or `*Rules` once ready to use).

mod access;
mod authn;
mod certificate;
mod cookie;
mod dpop;
mod introspection;
mod origin;
mod problems;
mod remote;
mod resource;
mod tenants;
mod validator;

use rocket::figment::value::Value;
use rocket::figment::{self, Figment};

pub(crate) use access::AccessRules;
pub(crate) use authn::{AuthnConfig, PartnerChoice, UserChoice};
pub(crate) use certificate::{CertificateConfig, ProxyHeader};
pub(crate) use cookie::CookieConfig;
pub(crate) use dpop::DpopConfig;
pub use dpop::DpopMode;
pub(crate) use introspection::{ClientAuth, Endpoint, IntrospectionConfig};
pub use introspection::{
    DEFAULT_INTROSPECTION_CACHE_SECS, DEFAULT_INTROSPECTION_CACHE_SIZE,
    DEFAULT_INTROSPECTION_NEGATIVE_CACHE_SECS,
};
pub(crate) use problems::{expected_table, unknown_keys, wrong_value};
pub(crate) use remote::RemoteTuning;
pub(crate) use remote::{check_secure, KeySetSource, Limits, RemoteConfig};
pub(crate) use resource::ResourceConfig;
pub(crate) use tenants::{TemplateConfig, TenantsConfig};
pub use tenants::{DEFAULT_TENANT_CACHE_SIZE, MAX_TENANT_CACHE_SIZE, TENANT_PLACEHOLDER};
pub(crate) use validator::{IssuersConfig, KeyConfig, ValidatorConfig};
pub use validator::{
    DEFAULT_TOKEN_CACHE_MAX_BYTES, DEFAULT_TOKEN_CACHE_SIZE, MAX_LEEWAY_SECS,
    MAX_TOKEN_CACHE_MAX_BYTES, MIN_TOKEN_CACHE_MAX_BYTES,
};

use crate::error::{ConfigError, ConfigErrors};
use problems::{is_identifier, Problems, VALIDATORS_KEY};
use validator::ValidatorSettings;

/// The keys the `jwt` table may hold (`require_policy` is read by the route
/// check, after the validators).
const JWT_KEYS: &[&str] = &["validators", "require_policy", "provider"];

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
            problem: wrong_value(&error.kind),
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

/// Reads every part of one validator's settings, then checks them.
fn read_validator(
    figment: &Figment,
    name: &str,
    table: &Value,
) -> Result<ValidatorConfig, Vec<ConfigError>> {
    // Not a table, or no name to read it under: only that problem.
    let mut problems = Problems::new(name, figment, None);
    if !is_identifier(name) {
        problems.whole(
            "a validator name must be a Rust identifier (letters, digits and `_`, \
             not starting with a digit), so routes can name it",
        );
        return Err(problems.finish());
    }
    let Some(table) = table.as_dict() else {
        problems.whole(expected_table(table));
        return Err(problems.finish());
    };
    let mut problems = Problems::new(name, figment, Some(table));
    let settings = ValidatorSettings::read(&mut problems);
    let authn = authn::read(&mut problems, figment);
    let config = settings.into_config(&mut problems, authn);
    let errors = problems.finish();
    match config {
        Some(config) if errors.is_empty() => Ok(config),
        _ => Err(errors),
    }
}
