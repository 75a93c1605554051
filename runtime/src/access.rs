//! What a verified token grants: the audiences it must name, and the roles
//! and scopes it holds, read with its validator's rules.
//!
//! [`AccessToken`] is the view of a verified token that route policies,
//! custom checks and handlers share.

use std::fmt;
use std::sync::Arc;

use jsonwebtoken::Header;
use serde_json::{Map, Value};

use crate::validate::{TokenError, Verified};

/// A validator's rules for what its tokens grant (`audiences`, `roles_claim`,
/// `scope_claim`, `scope_role_prefix`, `read_only_scopes`).
#[derive(Debug)]
pub(crate) struct AccessRules {
    /// The audiences a token must name one of; empty: a token must have no `aud`.
    pub(crate) audiences: Box<[Box<str>]>,
    pub(crate) roles_claim: Box<str>,
    pub(crate) scope_claim: Box<str>,
    pub(crate) scope_role_prefix: Box<str>,
    pub(crate) read_only_scopes: Box<[Box<str>]>,
}

impl Default for AccessRules {
    fn default() -> Self {
        Self {
            audiences: Box::default(),
            roles_claim: DEFAULT_ROLES_CLAIM.into(),
            scope_claim: DEFAULT_SCOPE_CLAIM.into(),
            scope_role_prefix: DEFAULT_SCOPE_ROLE_PREFIX.into(),
            read_only_scopes: Box::default(),
        }
    }
}

/// Where roles are read by default.
pub(crate) const DEFAULT_ROLES_CLAIM: &str = "roles";
/// Where scopes are read by default (RFC 8693 §4.2; `scp` is common too).
pub(crate) const DEFAULT_SCOPE_CLAIM: &str = "scope";
/// What each scope is prefixed with to become a role, as in eve-auth-jwt.
pub(crate) const DEFAULT_SCOPE_ROLE_PREFIX: &str = "scope:";

impl AccessRules {
    /// Checks `aud` against `audiences` (a route's own, or else the
    /// validator's): with none, a token must carry no `aud`; with some, it
    /// must name one of them. `aud` must be a string or an array of strings
    /// (RFC 7519 §4.1.3), and `null` counts as absent.
    pub(crate) fn check_audience(
        &self,
        payload: &Map<String, Value>,
        route_audiences: Option<&[&str]>,
    ) -> Result<(), TokenError> {
        let aud = payload.get("aud").filter(|aud| !aud.is_null());
        let accepted = |name: &str| match route_audiences {
            Some(audiences) => audiences.contains(&name),
            None => self.audiences.iter().any(|a| **a == *name),
        };
        let none_accepted = route_audiences.map_or(self.audiences.is_empty(), <[_]>::is_empty);
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

    /// Reads the roles and scopes of `payload`.
    fn grants(&self, payload: &Map<String, Value>) -> Grants {
        let scopes = words(claim(payload, &self.scope_claim));
        let mut roles = words(claim(payload, &self.roles_claim));
        roles.extend(
            scopes
                .iter()
                .map(|scope| format!("{}{scope}", self.scope_role_prefix).into_boxed_str()),
        );
        Grants { roles, scopes }
    }
}

/// The roles and scopes a token holds.
#[derive(Debug, Default)]
pub(crate) struct Grants {
    roles: Vec<Box<str>>,
    scopes: Vec<Box<str>>,
}

/// The claim called `name`: a top-level claim of that exact name (namespaced
/// claims such as `https://example.com/roles` contain dots), or else the
/// dotted path into nested objects (`realm_access.roles`).
fn claim<'a>(payload: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(value) = payload.get(name) {
        return Some(value);
    }
    let mut parts = name.split('.');
    let first = payload.get(parts.next()?)?;
    parts.try_fold(first, |value, part| value.as_object()?.get(part))
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

/// A verified access token, as route policies, checks and handlers see it:
/// its header, its payload, the validator that accepted it, and the roles and
/// scopes it grants.
///
/// Cloning is cheap: every guard of a request shares one token.
///
/// ```
/// use rocket_warden::AccessToken;
///
/// /// A `check = …` for `#[jwt_auth]`: only tokens of verified emails.
/// fn verified_email(token: &AccessToken) -> bool {
///     token.claim("email_verified") == Some(&serde_json::Value::Bool(true))
/// }
/// ```
#[derive(Clone)]
pub struct AccessToken {
    verified: Arc<Verified>,
}

impl AccessToken {
    pub(crate) fn new(verified: Arc<Verified>) -> Self {
        Self { verified }
    }

    pub(crate) fn rules(&self) -> &AccessRules {
        &self.verified.rules
    }

    /// The whole payload.
    pub fn payload(&self) -> &Map<String, Value> {
        &self.verified.payload
    }

    /// One claim of the payload, by its exact name.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.verified.payload.get(name)
    }

    /// The token's JOSE header.
    pub fn header(&self) -> &Header {
        &self.verified.header
    }

    /// The name of the validator that accepted the token.
    pub fn validator(&self) -> &str {
        &self.verified.validator
    }

    /// The roles the token holds: the words of its roles claim (`roles_claim`),
    /// then each scope with `scope_role_prefix` before it.
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.grants().roles.iter().map(|role| &**role)
    }

    /// The scopes the token holds: the words of its scope claim (`scope_claim`).
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.grants().scopes.iter().map(|scope| &**scope)
    }

    /// Whether the token holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles().any(|held| held == role)
    }

    /// Whether the token holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|held| held == scope)
    }

    /// Whether the token holds one of its validator's `read_only_scopes`.
    pub(crate) fn is_read_only(&self) -> bool {
        let read_only = &self.rules().read_only_scopes;
        !read_only.is_empty()
            && self
                .scopes()
                .any(|held| read_only.iter().any(|r| **r == *held))
    }

    /// Read once per request, and only when something asks.
    fn grants(&self) -> &Grants {
        self.verified
            .grants
            .get_or_init(|| self.verified.rules.grants(&self.verified.payload))
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("validator", &self.validator())
            .field("payload", self.payload())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn claims_are_found_by_exact_name_then_by_dotted_path() {
        let p = payload(json!({
            "realm_access": {"roles": ["a"]},
            "https://example.com/roles": ["b"],
        }));
        assert_eq!(claim(&p, "realm_access.roles"), Some(&json!(["a"])));
        assert_eq!(claim(&p, "https://example.com/roles"), Some(&json!(["b"])));
        assert_eq!(claim(&p, "realm_access.missing"), None);
        assert_eq!(claim(&p, "realm_access.roles.deeper"), None);
    }

    #[test]
    fn words_come_from_arrays_or_space_separated_strings() {
        assert_eq!(words(Some(&json!("a  b"))), vec!["a".into(), "b".into()]);
        assert_eq!(
            words(Some(&json!(["a", "b"]))),
            vec!["a".into(), "b".into()]
        );
        assert!(words(Some(&json!(["a", 1]))).is_empty());
        assert!(words(Some(&json!(42))).is_empty());
        assert!(words(None).is_empty());
    }

    #[test]
    fn scopes_become_prefixed_roles() {
        let rules = AccessRules::default();
        let grants = rules.grants(&payload(json!({"roles": "admin", "scope": "user"})));
        assert_eq!(grants.roles, vec!["admin".into(), "scope:user".into()]);
        assert_eq!(grants.scopes, vec!["user".into()]);
    }
}
