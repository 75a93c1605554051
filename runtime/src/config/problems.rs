//! The problems found with one validator's settings, and the small readers
//! every part of the configuration shares.
//!
//! [`Problems::read`] is the only way a validator key is read, and it
//! remembers each key it was asked for. Once every part has read its keys,
//! [`Problems::finish`] reports the keys that are present but were never
//! asked for: the unknown keys are the keys present minus the keys read, so
//! adding a key is one `read` call and nothing else.
//!
//! Keys are read from the validator's table as figment merged it, once:
//! figment merges every source again on each lookup (and copies all of them
//! to focus on one table), so reading each key through the figment made
//! launch grow with the square of the validators (or tenants) configured.
//! Each value keeps figment's tag, which says where it came from: a relative
//! file path is resolved with it ([`Problems::read_file`]).

use std::path::PathBuf;

use rocket::figment::value::{Dict, Value};
use rocket::figment::{self, Figment};
use serde::de::DeserializeOwned;

use crate::error::ConfigError;

/// Where the settings of all validators live in Rocket's figment.
pub(crate) const VALIDATORS_KEY: &str = "jwt.validators";

/// The problems found with one validator, and the keys read so far.
#[derive(Debug)]
pub(crate) struct Problems<'a> {
    validator: &'a str,
    /// The validator's table (a tenant's, for a tenant), which its keys are
    /// read from.
    table: &'a Dict,
    /// Rocket's figment, which knows where each value of `table` came from.
    figment: &'a Figment,
    errors: Vec<ConfigError>,
    /// Every key asked for, present or not, in the order first asked.
    known: Vec<&'static str>,
}

/// The table of a validator whose settings are not a table.
static NO_TABLE: Dict = Dict::new();

impl<'a> Problems<'a> {
    /// No problems yet with the validator called `validator`, whose
    /// settings are `table` (`None`: not a table), read from `figment`.
    pub(crate) fn new(validator: &'a str, figment: &'a Figment, table: Option<&'a Dict>) -> Self {
        Self {
            validator,
            table: table.unwrap_or(&NO_TABLE),
            figment,
            errors: Vec::new(),
            known: Vec::new(),
        }
    }

    /// No problems yet with `table`, a table inside this one (a tenant's),
    /// named `validator` in its problems.
    pub(crate) fn nested<'b>(&self, validator: &'b str, table: &'b Dict) -> Problems<'b>
    where
        'a: 'b,
    {
        Problems::new(validator, self.figment, Some(table))
    }

    /// The name of the validator these problems are about.
    pub(crate) fn validator(&self) -> &'a str {
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

    /// Adds the problems found with a table inside this validator's (a
    /// tenant's, say), each already naming its own path.
    pub(crate) fn absorb(&mut self, errors: Vec<ConfigError>) {
        self.errors.extend(errors);
    }

    /// Records a problem with the validator as a whole.
    pub(crate) fn whole(&mut self, problem: impl Into<String>) {
        self.errors.push(ConfigError::Validator {
            validator: self.validator.to_owned(),
            key: None,
            problem: problem.into(),
        });
    }

    /// Whether a problem was already recorded for `key`.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.errors.iter().any(|error| match error {
            ConfigError::Validator {
                key: Some(found), ..
            } => found == key,
            _ => false,
        })
    }

    /// Whether no problem was found.
    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Reads `key` of this validator: `None` when absent, or when of the
    /// wrong type (then recorded, naming the key and the types, never the
    /// value). Either way `key` becomes a known key.
    pub(crate) fn read<T: DeserializeOwned>(&mut self, key: &'static str) -> Option<T> {
        let value = self.value(key)?;
        T::deserialize(value)
            .map_err(|error| self.add(key, wrong_value(&error.kind)))
            .ok()
    }

    /// Reads the table `key` of this validator (`tenants`), as [`read`]
    /// does, without copying it: its values keep their tags.
    ///
    /// [`read`]: Problems::read
    pub(crate) fn read_table(&mut self, key: &'static str) -> Option<&'a Dict> {
        let value = self.value(key)?;
        let table = value.as_dict();
        if table.is_none() {
            self.add(key, expected_table(value));
        }
        table
    }

    /// Reads the file path `key` of this validator, as [`read`] does. A
    /// relative path is resolved beside the configuration file that gave
    /// it, as figment's `RelativePathBuf` does (in the working directory
    /// when it came from elsewhere: the environment, code).
    ///
    /// [`read`]: Problems::read
    pub(crate) fn read_file(&mut self, key: &'static str) -> Option<PathBuf> {
        let path: PathBuf = self.read(key)?;
        if path.has_root() {
            return Some(path);
        }
        // A value whose source is no file (or unknown) stays as written.
        let beside = self
            .table
            .get(key)
            .and_then(|value| self.figment.get_metadata(value.tag()))
            .and_then(|metadata| metadata.source.as_ref()?.file_path())
            .and_then(|file| match file.is_dir() {
                true => Some(file),
                false => file.parent(),
            });
        Some(match beside {
            Some(dir) => dir.join(path),
            None => path,
        })
    }

    /// The value of `key`, now a known key.
    fn value(&mut self, key: &'static str) -> Option<&'a Value> {
        if !self.known.contains(&key) {
            self.known.push(key);
        }
        self.table.get(key)
    }

    /// The problems found, with the keys of the table that nothing read
    /// put first (a misspelt key explains the problems it causes further
    /// on).
    pub(crate) fn finish(self) -> Vec<ConfigError> {
        let validator = self.validator;
        unknown_keys(self.table, &self.known)
            .map(|(key, problem)| ConfigError::Validator {
                validator: validator.to_owned(),
                key: Some(key.to_owned()),
                problem,
            })
            .chain(self.errors)
            .collect()
    }

    /// The problems recorded, without the unknown keys: for a test of one
    /// part of the settings.
    #[cfg(test)]
    pub(crate) fn recorded(self) -> Vec<ConfigError> {
        self.errors
    }
}

/// The candidate closest to `name` by Damerau–Levenshtein distance, if it is
/// within two edits.
///
/// `rocket_warden_codegen` has a copy of this function for `#[jwt_auth]`'s
/// arguments (a proc-macro crate cannot share code with its runtime): change
/// both together, so a misspelt key reads the same in `Rocket.toml` and in
/// an attribute.
pub(crate) fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), *candidate))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, candidate)| candidate)
}

/// "unknown key", with the closest known key when one is close, or else
/// every known key.
pub(crate) fn unknown_key(key: &str, known: &[&str]) -> String {
    match did_you_mean(key, known) {
        Some(candidate) => format!("unknown key `{key}`, did you mean `{candidate}`?"),
        None => {
            let all: Vec<_> = known.iter().map(|key| format!("`{key}`")).collect();
            format!("unknown key `{key}`, expected one of: {}", all.join(", "))
        }
    }
}

/// The keys of `table` that are not in `known`, each with its problem.
pub(crate) fn unknown_keys<'a>(
    table: &'a Dict,
    known: &'a [&str],
) -> impl Iterator<Item = (&'a str, String)> {
    table
        .keys()
        .filter(|key| !known.contains(&key.as_str()))
        .map(|key| (key.as_str(), unknown_key(key, known)))
}

/// Whether `name` is a Rust identifier, as `#[jwt_auth(validator = "...")]`
/// needs. `rocket_warden_codegen` checks the attribute's side with a copy of
/// this function: change both together.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && name != "_"
}

/// Whether `name` is a plain cookie or query parameter name.
pub(crate) fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// "expected a table, found …" for a value that should have been a table.
pub(crate) fn expected_table(found: &Value) -> String {
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
pub(crate) fn wrong_value(kind: &figment::error::Kind) -> String {
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

/// The table of the validator `name` in `figment`, as `config::read` finds
/// it (empty when there is none): for tests of one part of the settings.
#[cfg(test)]
pub(crate) fn validator_table(figment: &Figment, name: &str) -> Dict {
    figment
        .find_value(&format!("{VALIDATORS_KEY}.{name}"))
        .ok()
        .and_then(Value::into_dict)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closest_candidate_within_two_edits_is_suggested() {
        let known = ["issuer", "audiences", "secret"];
        assert_eq!(did_you_mean("isuer", &known), Some("issuer"));
        assert_eq!(did_you_mean("secrte", &known), Some("secret"));
        assert_eq!(did_you_mean("colour", &known), None);
    }

    #[test]
    fn an_unknown_key_far_from_any_lists_them_all() {
        assert_eq!(
            unknown_key("colour", &["issuer", "secret"]),
            "unknown key `colour`, expected one of: `issuer`, `secret`"
        );
    }

    #[test]
    fn keys_present_but_never_read_are_unknown_and_come_first() {
        let figment = Figment::from(rocket::figment::providers::Serialized::default(
            "jwt.validators.api",
            serde_json::json!({"issuer": 7, "isuer": "x"}),
        ));
        let table = validator_table(&figment, "api");
        let mut problems = Problems::new("api", &figment, Some(&table));
        let issuer: Option<String> = problems.read("issuer");
        assert_eq!(issuer, None);
        let messages: Vec<_> = problems.finish().iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "`jwt.validators.api.isuer`: unknown key `isuer`, did you mean `issuer`?",
                "`jwt.validators.api.issuer`: expected a string, found a number",
            ]
        );
    }
}
