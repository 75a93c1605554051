//! Where used DPoP proofs are remembered until they expire, so that none is
//! accepted twice (RFC 9449 §11.1).
//!
//! The default store is in memory, one per validator, bounded by
//! `dpop_replay_cache_size`. Several instances of an application behind one
//! name share a store of their own ([`ReplayStore`], registered with
//! `Warden::replay_store`), or a proof used at one is good at the others.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use rocket::futures::future::{self, BoxFuture};

/// Remembers used proofs. Keys are digests naming a proof's key and `jti`;
/// a store may keep them as long as it likes past `expires`, never less.
pub trait ReplayStore: fmt::Debug + Send + Sync + 'static {
    /// Records `proof` as used until `expires` (seconds since the epoch; it
    /// is `now` on the application's clock). `Ok(true)` the first time,
    /// `Ok(false)` when it was recorded before and has not expired, `Err`
    /// when the store cannot tell (full, or unreachable): the request is
    /// then refused with a 503, never let through.
    fn first_use(
        &self,
        proof: [u8; 32],
        expires: u64,
        now: u64,
    ) -> BoxFuture<'_, Result<bool, StoreUnavailable>>;
}

/// A store that could not record a proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StoreUnavailable(pub String);

/// The default store: proofs in a map, each until it expires, at most
/// `capacity` at a time. When full of proofs that have not expired, a new
/// one is refused (a 503) rather than an old one forgotten, since
/// forgetting would let it be replayed.
pub struct MemoryReplayStore {
    capacity: usize,
    used: Mutex<HashMap<[u8; 32], u64>>,
}

impl MemoryReplayStore {
    /// A store for at most `capacity` proofs at a time.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            used: Mutex::new(HashMap::new()),
        }
    }

    fn record(&self, proof: [u8; 32], expires: u64, now: u64) -> Result<bool, StoreUnavailable> {
        // A panic elsewhere while holding the lock leaves the map as it was
        // between two whole operations, so it is still usable.
        let mut used = self
            .used
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if let Some(&until) = used.get(&proof) {
            if until >= now {
                return Ok(false);
            }
        }
        if used.len() >= self.capacity && !used.contains_key(&proof) {
            used.retain(|_, until| *until >= now);
            if used.len() >= self.capacity {
                return Err(StoreUnavailable(format!(
                    "{} unexpired DPoP proofs fill the replay store (dpop_replay_cache_size)",
                    used.len()
                )));
            }
        }
        used.insert(proof, expires);
        Ok(true)
    }
}

impl ReplayStore for MemoryReplayStore {
    fn first_use(
        &self,
        proof: [u8; 32],
        expires: u64,
        now: u64,
    ) -> BoxFuture<'_, Result<bool, StoreUnavailable>> {
        Box::pin(future::ready(self.record(proof, expires, now)))
    }
}

impl fmt::Debug for MemoryReplayStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryReplayStore")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_is_new_once_until_it_expires() {
        let store = MemoryReplayStore::new(10);
        assert_eq!(store.record([1; 32], 100, 50), Ok(true));
        assert_eq!(store.record([1; 32], 100, 100), Ok(false));
        assert_eq!(store.record([2; 32], 100, 100), Ok(true));
        // Past its expiry it may be recorded again: its `iat` check refuses it anyway.
        assert_eq!(store.record([1; 32], 200, 101), Ok(true));
    }

    #[test]
    fn a_full_store_forgets_only_expired_proofs_and_otherwise_refuses() {
        let store = MemoryReplayStore::new(2);
        assert_eq!(store.record([1; 32], 10, 0), Ok(true));
        assert_eq!(store.record([2; 32], 100, 0), Ok(true));
        assert!(
            store.record([3; 32], 100, 5).is_err(),
            "full of live proofs"
        );
        assert_eq!(store.record([2; 32], 100, 5), Ok(false), "still a replay");
        assert_eq!(
            store.record([3; 32], 100, 11),
            Ok(true),
            "[1] expired at 10"
        );
        assert_eq!(store.record([2; 32], 100, 11), Ok(false));
    }
}
