//! [`Verified`]: a token that passed verification, as every later step sees it.

use std::sync::{Arc, OnceLock};

use jsonwebtoken::Header;
use serde_json::{Map, Value};

use super::claims::Grants;
use crate::config::AccessRules;

/// A token that passed validation: its header and its payload, with the
/// accepting validator's rules for what it grants. Shared (in an `Arc`) by
/// the validated-token cache and every request that carries the token.
#[derive(Debug)]
pub(crate) struct Verified {
    pub(crate) validator: Arc<str>,
    pub(crate) header: Header,
    pub(crate) payload: Map<String, Value>,
    pub(crate) rules: Arc<AccessRules>,
    /// Its roles and scopes, read on first use (once per cached token).
    grants: OnceLock<Grants>,
}

impl Verified {
    /// The token `validator` verified (or restored from its cookie), read
    /// with `rules`.
    pub(crate) fn new(
        validator: Arc<str>,
        header: Header,
        payload: Map<String, Value>,
        rules: Arc<AccessRules>,
    ) -> Arc<Self> {
        Arc::new(Self {
            validator,
            header,
            payload,
            rules,
            grants: OnceLock::new(),
        })
    }

    /// Whether it is DPoP-bound (RFC 9449 §6): its `cnf` has a `jkt`.
    pub(crate) fn is_dpop_bound(&self) -> bool {
        self.payload
            .get("cnf")
            .is_some_and(|cnf| cnf.get("jkt").is_some())
    }

    /// The roles and scopes it holds, read once and only when something asks.
    pub(crate) fn grants(&self) -> &Grants {
        self.grants
            .get_or_init(|| Grants::read(&self.rules, &self.payload))
    }
}
