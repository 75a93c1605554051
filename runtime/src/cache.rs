//! The validated-token cache: one per validator, so a token that verified
//! once is not verified again on each request that carries it.
//!
//! - **Key:** the SHA-256 digest of the token. The cache never holds the
//!   token itself (a usable credential), and a digest cannot be forged to
//!   collide with another token's, so a hit means the very same token.
//! - **Value:** the verified header and payload, the time claims read from
//!   them, and, for a remote key set, the key that verified the signature.
//! - **A hit is checked again:** the time claims against the clock (an entry
//!   is never served past `exp`, nor before `nbf`), and a remote key must
//!   still be in the key set. An entry that fails is dropped; an expired
//!   token is refused as expired, a token whose key rotated out is verified
//!   again from scratch.
//! - **Bounded:** `token_cache_size` entries per validator (default
//!   [`DEFAULT_TOKEN_CACHE_SIZE`]; `0` turns the cache off), evicted by
//!   quick_cache's S3-FIFO policy. Only tokens that verified are cached, so
//!   junk tokens cannot flush it.
//!
//! Lookups take a shard's read lock for a moment and never across an await.

use std::fmt;
use std::sync::Arc;

use quick_cache::sync::Cache;
use sha2::{Digest as _, Sha256};

use crate::remote::RemoteKey;
use crate::times::Times;
use crate::validate::Verified;

/// How many verified tokens a validator keeps by default.
pub const DEFAULT_TOKEN_CACHE_SIZE: usize = 10_000;

/// The cache key: the token's SHA-256 digest.
pub(crate) type TokenDigest = [u8; 32];

/// A verified token, as the cache keeps it.
#[derive(Debug)]
pub(crate) struct Entry {
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

    /// The key `token` is cached under.
    pub(crate) fn digest(token: &str) -> TokenDigest {
        Sha256::digest(token.as_bytes()).into()
    }

    pub(crate) fn get(&self, digest: &TokenDigest) -> Option<Arc<Entry>> {
        self.entries.get(digest)
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
/// [`Validator::token_cache_stats`](crate::Validator::token_cache_stats)).
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
