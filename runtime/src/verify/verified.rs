//! [`Verified`]: a token that passed verification, as every later step sees it.

use std::any::Any;
use std::convert::Infallible;
use std::sync::{Arc, OnceLock};

use jsonwebtoken::Header;
use serde_json::Value;

use super::claims::Grants;
use super::payload::Payload;
use crate::config::AccessRules;

/// A token that passed validation: its header and its payload, with the
/// accepting validator's rules for what it grants. Shared (in an `Arc`) by
/// the validated-token cache and every request that carries the token.
#[derive(Debug)]
pub(crate) struct Verified {
    pub(crate) validator: Arc<str>,
    /// Boxed: 576 bytes, which every move of a `Verified` would copy.
    pub(crate) header: Box<Header>,
    pub(crate) payload: Payload,
    /// Its `aud`, unless absent or `null`: read once, since every request
    /// with it checks its route's audiences.
    pub(crate) audience: Option<Value>,
    pub(crate) rules: Arc<AccessRules>,
    /// Its roles and scopes, read on first use (once per cached token).
    grants: OnceLock<Grants>,
    /// What its `cnf` binds it to, read once, since every request with it
    /// checks that.
    binding: Binding,
    /// Its claims as the first handler type that asked for them (see
    /// [`Verified::claims_as`]), made once per verified token.
    typed: OnceLock<Arc<dyn Any + Send + Sync>>,
    /// What the layers above worked out from the token alone (the identity
    /// of token-only strategies), once per verified token.
    memo: OnceLock<Arc<dyn Any + Send + Sync>>,
}

/// What a token is bound to (its `cnf` claim, RFC 7800).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Binding {
    /// Nothing: a bearer token.
    None,
    /// A DPoP key (`cnf.jkt`, RFC 9449): its thumbprint, or `None` when
    /// `jkt` is not a string (bound, but to nothing a proof can match).
    Dpop(Option<Box<str>>),
    /// A client certificate (`cnf["x5t#S256"]`, RFC 8705): its SHA-256
    /// thumbprint, or `None` when it is not a string.
    Certificate(Option<Box<str>>),
}

impl Binding {
    fn read(payload: &Payload) -> Self {
        let Some(cnf) = payload.present("cnf") else {
            return Self::None;
        };
        if let Some(x5t) = cnf.get("x5t#S256") {
            return Self::Certificate(x5t.as_str().map(Box::from));
        }
        match cnf.get("jkt") {
            Some(jkt) => Self::Dpop(jkt.as_str().map(Box::from)),
            None => Self::None,
        }
    }
}

impl Verified {
    /// The token `validator` verified (or restored from its cookie), read
    /// with `rules`.
    pub(crate) fn new(
        validator: Arc<str>,
        header: Box<Header>,
        payload: Payload,
        rules: Arc<AccessRules>,
    ) -> Arc<Self> {
        Arc::new(Self {
            validator,
            header,
            binding: Binding::read(&payload),
            audience: payload.present("aud"),
            payload,
            rules,
            grants: OnceLock::new(),
            typed: OnceLock::new(),
            memo: OnceLock::new(),
        })
    }

    /// A `T` worked out from its claims alone, made once per verified token
    /// and shared by every request that carries it. One type per token: the
    /// accepting validator's identity rules are the only user.
    pub(crate) fn memo<T: Any + Send + Sync>(&self, make: impl FnOnce(&Payload) -> T) -> Arc<T> {
        match kept(&self.memo, &self.payload, |claims| {
            Ok::<_, Infallible>(make(claims))
        }) {
            Ok(made) => made,
            Err(never) => match never {},
        }
    }

    /// Its claims as a `C`, made by `make` from the payload. The first type
    /// asked for is kept, so requests that carry a cached token share one
    /// `C` (a handler's `Jwt<C>` holds it in an `Arc`) instead of
    /// deserializing the payload each time; another type is made afresh on
    /// each call (an application whose routes read one validator's tokens as
    /// several types keeps the first). A failure is not kept.
    pub(crate) fn claims_as<C, E>(
        &self,
        make: impl FnOnce(&Payload) -> Result<C, E>,
    ) -> Result<Arc<C>, E>
    where
        C: Any + Send + Sync,
    {
        kept(&self.typed, &self.payload, make)
    }

    /// What its `cnf` binds it to.
    pub(crate) fn binding(&self) -> &Binding {
        &self.binding
    }

    /// Whether it is DPoP-bound (RFC 9449 §6): its `cnf` has a `jkt`.
    pub(crate) fn is_dpop_bound(&self) -> bool {
        matches!(self.binding, Binding::Dpop(_))
    }

    /// The roles and scopes it holds, read once and only when something asks.
    pub(crate) fn grants(&self) -> &Grants {
        self.grants
            .get_or_init(|| Grants::read(&self.rules, &self.payload))
    }
}

/// The `T` kept in `slot`, or one made from `claims` and kept there when
/// the slot is empty: the first type asked for is kept (a slot holding
/// another type makes a fresh `T` each time), a failure never.
fn kept<T: Any + Send + Sync, E>(
    slot: &OnceLock<Arc<dyn Any + Send + Sync>>,
    claims: &Payload,
    make: impl FnOnce(&Payload) -> Result<T, E>,
) -> Result<Arc<T>, E> {
    if let Some(held) = slot.get() {
        return match Arc::clone(held).downcast::<T>() {
            Ok(held) => Ok(held),
            Err(_) => make(claims).map(Arc::new),
        };
    }
    let made = Arc::new(make(claims)?);
    // Another request may have kept its own first: either is the same.
    let _ = slot.set(made.clone());
    Ok(made)
}
