//! What a validator's tokens grant: the audiences they must name, and where
//! their roles and scopes are read (`audiences`, `roles_claim`,
//! `scope_claim`, `scope_role_prefix`, `read_only_scopes`).

use super::problems::Problems;

/// Where roles are read by default.
pub(crate) const DEFAULT_ROLES_CLAIM: &str = "roles";
/// Where scopes are read by default (RFC 8693 §4.2; `scp` is common too).
pub(crate) const DEFAULT_SCOPE_CLAIM: &str = "scope";
/// What each scope is prefixed with to become a role, as in eve-auth-jwt
/// (where a token's scopes count as roles too).
pub(crate) const DEFAULT_SCOPE_ROLE_PREFIX: &str = "scope:";

/// A validator's checked rules for what its tokens grant.
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

/// The access keys of a validator, as written.
#[derive(Debug)]
pub(crate) struct AccessSettings {
    audiences: Option<Vec<String>>,
    roles_claim: Option<String>,
    scope_claim: Option<String>,
    scope_role_prefix: Option<String>,
    read_only_scopes: Option<Vec<String>>,
}

impl AccessSettings {
    /// Reads the access keys of the validator `problems` is about.
    pub(crate) fn read(problems: &mut Problems<'_>) -> Self {
        Self {
            audiences: problems.read("audiences"),
            roles_claim: problems.read("roles_claim"),
            scope_claim: problems.read("scope_claim"),
            scope_role_prefix: problems.read("scope_role_prefix"),
            read_only_scopes: problems.read("read_only_scopes"),
        }
    }

    /// The checked rules; each problem is recorded.
    pub(crate) fn into_rules(self, problems: &mut Problems<'_>) -> AccessRules {
        let mut words = |key: &str, words: Option<Vec<String>>, what: &str| {
            let words = words.unwrap_or_default();
            if words.iter().any(String::is_empty) {
                problems.add(key, format!("{what} cannot be empty"));
            }
            words.into_iter().map(Into::into).collect()
        };
        let audiences = words("audiences", self.audiences, "an audience");
        let read_only_scopes = words("read_only_scopes", self.read_only_scopes, "a scope");
        let mut claim = |key: &str, name: Option<String>, default: &str| match name {
            Some(name) if name.is_empty() => {
                problems.add(key, "cannot be empty; remove the key for the default");
                Box::from(default)
            }
            name => name.map_or_else(|| default.into(), Into::into),
        };
        AccessRules {
            audiences,
            roles_claim: claim("roles_claim", self.roles_claim, DEFAULT_ROLES_CLAIM),
            scope_claim: claim("scope_claim", self.scope_claim, DEFAULT_SCOPE_CLAIM),
            scope_role_prefix: self
                .scope_role_prefix
                .map_or_else(|| DEFAULT_SCOPE_ROLE_PREFIX.into(), Into::into),
            read_only_scopes,
        }
    }
}
