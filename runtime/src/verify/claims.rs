//! What a verified token's claims say, read with its validator's
//! [`AccessRules`]: whether it names an accepted audience, and which roles
//! and scopes it holds.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::payload::Payload;
use crate::config::AccessRules;
use crate::error::TokenError;

/// Claims read by name: a verified token's [`Payload`], or a JSON object
/// parsed whole (an introspection answer).
pub(crate) trait ClaimSet {
    /// The claim `name`, unless absent or `null` (RFC 7519 gives `null` no
    /// meaning; jsonwebtoken and this crate treat it as absent).
    fn claim(&self, name: &str) -> Option<Cow<'_, Value>>;

    /// The claim `name` when it is a whole number that fits a `u64` (what
    /// time claims are), read without building a `Value`.
    fn whole_number(&self, name: &str) -> Option<u64> {
        self.claim(name)?.as_u64()
    }
}

impl ClaimSet for Map<String, Value> {
    fn claim(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.get(name)
            .filter(|value| !value.is_null())
            .map(Cow::Borrowed)
    }
}

impl ClaimSet for Payload {
    fn claim(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.present(name).map(Cow::Owned)
    }

    fn whole_number(&self, name: &str) -> Option<u64> {
        // The value is valid JSON: digits alone are a whole number, and
        // read as serde_json reads them.
        self.raw(name)?.parse().ok()
    }
}

/// Checks a token's `aud` (absent or `null`: `None`) against `audiences`
/// (a route's own, or else the validator's in `rules`): with none, a token
/// must carry no `aud`; with some, it must name one of them. `aud` must be
/// a string or an array of strings (RFC 7519 §4.1.3).
pub(crate) fn check_audience(
    rules: &AccessRules,
    aud: Option<&Value>,
    route_audiences: Option<&[&str]>,
) -> Result<(), TokenError> {
    let accepted = |name: &str| match route_audiences {
        Some(audiences) => audiences.contains(&name),
        None => rules.audiences.iter().any(|a| **a == *name),
    };
    let none_accepted = route_audiences.map_or(rules.audiences.is_empty(), <[_]>::is_empty);
    match aud {
        None if none_accepted => Ok(()),
        None => Err(TokenError::MissingClaim("aud".into())),
        Some(_) if none_accepted => Err(TokenError::WrongAudience),
        Some(Value::String(name)) if accepted(name) => Ok(()),
        Some(Value::Array(names))
            if names.iter().all(Value::is_string)
                && names.iter().filter_map(Value::as_str).any(accepted) =>
        {
            Ok(())
        }
        Some(_) => Err(TokenError::WrongAudience),
    }
}

/// The roles and scopes a token holds.
#[derive(Debug, Default)]
pub(crate) struct Grants {
    pub(crate) roles: Vec<Box<str>>,
    pub(crate) scopes: Vec<Box<str>>,
}

impl Grants {
    /// Reads the roles and scopes of `payload` by `rules`: the roles claim's
    /// words, then each scope with the role prefix before it.
    pub(crate) fn read(rules: &AccessRules, payload: &Payload) -> Self {
        let scopes = words(claim(payload, &rules.scope_claim).as_ref());
        let mut roles = words(claim(payload, &rules.roles_claim).as_ref());
        roles.extend(
            scopes
                .iter()
                .map(|scope| format!("{}{scope}", rules.scope_role_prefix).into_boxed_str()),
        );
        Self { roles, scopes }
    }

    /// Whether these scopes include one of `rules`' read-only scopes.
    pub(crate) fn is_read_only(&self, rules: &AccessRules) -> bool {
        let read_only = &rules.read_only_scopes;
        !read_only.is_empty() && self.scopes.iter().any(|held| read_only.contains(held))
    }
}

/// The claim called `name`: a top-level claim of that exact name (namespaced
/// claims such as `https://example.com/roles` contain dots), or else the
/// dotted path into nested objects (`realm_access.roles`).
fn claim(payload: &Payload, name: &str) -> Option<Value> {
    if payload.raw(name).is_some() {
        return payload.present(name);
    }
    let mut parts = name.split('.');
    let first = payload.present(parts.next()?)?;
    let found = parts.try_fold(&first, |value, part| value.as_object()?.get(part))?;
    Some(found.clone())
}

/// The words of a roles or scope claim: an array of strings, or one
/// space-separated string. Anything else holds no words: a malformed claim
/// grants nothing rather than failing open.
fn words(value: Option<&Value>) -> Vec<Box<str>> {
    match value {
        Some(Value::String(text)) => text.split_ascii_whitespace().map(Box::from).collect(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .filter(|word| !word.is_empty())
            .map(Box::from)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(value: Value) -> Payload {
        Payload::parse(value.to_string().into_bytes()).expect("an object")
    }

    #[test]
    fn claims_are_found_by_exact_name_then_by_dotted_path() {
        let p = payload(json!({
            "realm_access": {"roles": ["a"]},
            "https://example.com/roles": ["b"],
        }));
        assert_eq!(claim(&p, "realm_access.roles"), Some(json!(["a"])));
        assert_eq!(claim(&p, "https://example.com/roles"), Some(json!(["b"])));
        assert_eq!(claim(&p, "realm_access.missing"), None);
        assert_eq!(claim(&p, "realm_access.roles.deeper"), None);
    }

    #[test]
    fn words_come_from_arrays_or_space_separated_strings() {
        // Typed: a dependency's `PartialEq` impls for `Box<str>` (arcstr's,
        // through the `redis` feature) leave `.into()` ambiguous.
        let a_b: Vec<Box<str>> = vec!["a".into(), "b".into()];
        assert_eq!(words(Some(&json!("a  b"))), a_b);
        assert_eq!(words(Some(&json!(["a", "b"]))), a_b);
        assert!(words(Some(&json!(["a", 1]))).is_empty());
        assert!(words(Some(&json!(42))).is_empty());
        assert!(words(None).is_empty());
    }

    #[test]
    fn scopes_become_prefixed_roles() {
        let rules = AccessRules::default();
        let grants = Grants::read(&rules, &payload(json!({"roles": "admin", "scope": "user"})));
        let roles: Vec<Box<str>> = vec!["admin".into(), "scope:user".into()];
        let scopes: Vec<Box<str>> = vec!["user".into()];
        assert_eq!(grants.roles, roles);
        assert_eq!(grants.scopes, scopes);
    }
}
