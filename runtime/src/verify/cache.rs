//! The validated-token cache: one per validator, so a token that verified
//! once is not verified again on each request that carries it.
//!
//! - **Key:** the SHA-256 digest of the token's signature; the entry keeps
//!   the rest (`header.payload`, as sent), and a hit must match it byte for
//!   byte. A digest cannot be made to collide, so a hit means the very same
//!   token, yet the cache never holds a usable credential: without its
//!   signature a token is worthless. Hashing the signature alone (43 bytes for
//!   HS256, 342 for RS256) rather than the whole token (about 700 bytes) is
//!   what keeps a hit cheap; SHA-256 is the largest cost on the hit path.
//! - **Value:** the verified header and payload, the time claims read from
//!   them, and, for a remote key set, the key that verified the signature.
//! - **A hit is checked again:** the time claims against the clock (an entry
//!   is never served past `exp`, nor before `nbf`), and a remote key must
//!   still be in the key set. An entry that fails is dropped; an expired
//!   token is refused as expired, a token whose key rotated out is verified
//!   again from scratch.
//! - **Bounded:** `token_cache_size` entries per validator (default
//!   `limits::DEFAULT_TOKEN_CACHE_SIZE`; `0` turns the cache off), evicted by
//!   quick_cache's S3-FIFO policy. Only tokens that verified are cached, so
//!   junk tokens cannot flush it.
//!
//! Lookups take a shard's read lock for a moment and never across an await.

use std::fmt;
use std::sync::Arc;

use quick_cache::sync::Cache;
use sha2::{Digest as _, Sha256};

use super::times::Times;
use super::verified::Verified;
use crate::remote::RemoteKey;

/// The cache key: the SHA-256 digest of the token's signature.
pub(crate) type TokenDigest = [u8; 32];

/// A verified token, as the cache keeps it.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The token's `header.payload`, as it was sent.
    pub(crate) signed: Box<str>,
    pub(crate) verified: Arc<Verified>,
    pub(crate) times: Times,
    /// The key of a remote key set that verified it; `None` for a
    /// validator's configured key or secret, which never rotates.
    pub(crate) key: Option<Arc<RemoteKey>>,
}

/// One validator's cache of verified tokens.
pub(crate) struct TokenCache {
    entries: Cache<TokenDigest, Arc<Entry>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("entries", &self.entries.len())
            .field("capacity", &self.entries.capacity())
            .finish()
    }
}

impl TokenCache {
    /// A cache of `capacity` tokens; `None` when `capacity` is 0 (off).
    pub(crate) fn new(capacity: usize) -> Option<Self> {
        (capacity > 0).then(|| Self {
            entries: Cache::new(capacity),
        })
    }

    /// The key a token with this (encoded) signature is cached under.
    pub(crate) fn digest(signature: &str) -> TokenDigest {
        Sha256::digest(signature.as_bytes()).into()
    }

    /// The entry of the token whose signature has this digest and whose
    /// `header.payload` is `signed`.
    pub(crate) fn get(&self, digest: &TokenDigest, signed: &str) -> Option<Arc<Entry>> {
        // Not secret: whoever can reach this comparison sent the signature.
        self.entries
            .get(digest)
            .filter(|entry| *entry.signed == *signed)
    }

    pub(crate) fn insert(&self, digest: TokenDigest, entry: Entry) {
        self.entries.insert(digest, Arc::new(entry));
    }

    pub(crate) fn remove(&self, digest: &TokenDigest) {
        self.entries.remove(digest);
    }

    /// The counters, read now.
    pub(crate) fn stats(&self) -> TokenCacheStats {
        TokenCacheStats {
            hits: self.entries.hits(),
            misses: self.entries.misses(),
            entries: self.entries.len(),
            capacity: self.entries.capacity(),
        }
    }
}

/// Counters of a validator's validated-token cache (through
/// [`Validator::token_cache_stats`](super::Validator::token_cache_stats)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TokenCacheStats {
    /// Lookups that found the token (then checked again: time claims, key).
    pub hits: u64,
    /// Lookups that did not: the token was verified in full.
    pub misses: u64,
    /// Tokens held now.
    pub entries: usize,
    /// The most tokens it holds (`token_cache_size`).
    pub capacity: u64,
}
