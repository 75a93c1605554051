//! The in-memory revocation list: revoked `jti`s and signed-out subjects,
//! each remembered only while a token it names could still be accepted.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use serde_json::{Map, Value};

use super::DEFAULT_SUBJECT_HORIZON;
use super::{issued_before, whole_secs, Revocation, RevocationUnavailable};
use crate::clock::{Clock, SystemClock};

/// The built-in revocation list, in memory: one process's own.
///
/// Tokens are revoked one by one by their `jti` ([`DenyList::revoke_token`]),
/// or all the tokens of a subject issued before a time, "sign out
/// everywhere" ([`DenyList::revoke_subject`]). Each entry is forgotten once
/// no token it names could still be accepted (a token past its `exp` is
/// refused anyway), so the list holds only what matters now. Entries are
/// matched by `jti` and `sub` whatever the issuer: two issuers using the
/// same `jti` or `sub` make a revocation refuse both tokens, the safe
/// direction.
///
/// Clones share the same entries: register one with the fairing and keep
/// another (in managed state, say) to revoke with. Instances of an
/// application do not share it; `RedisDenyList` (feature `redis`) is the
/// same list kept in Redis.
///
/// ```
/// use rocket_warden::clock::{Clock, SystemClock};
/// use rocket_warden::revocation::DenyList;
/// use rocket_warden::Warden;
///
/// # rocket::async_test(async {
/// let revoked = DenyList::new();
/// let rocket = rocket::build()
///     .attach(Warden::fairing().revocation(revoked.clone()))
///     .manage(revoked.clone());
///
/// // A handler that has the token's claims (`Jwt`) revokes it until its
/// // `exp`, or signs its subject out of every token issued so far:
/// let now = SystemClock.now_secs();
/// revoked.revoke_token("5f1c…", now + 300).await.ok();
/// revoked.revoke_subject("alice", now + 1).await.ok();
/// assert_eq!(revoked.len(), 2);
/// # let _ = rocket;
/// # });
/// ```
#[derive(Clone)]
pub struct DenyList {
    entries: Arc<RwLock<Entries>>,
    clock: Arc<dyn Clock>,
    horizon_secs: u64,
    leeway_secs: u64,
}

/// What the list holds, behind one lock.
#[derive(Default)]
struct Entries {
    /// Revoked `jti`s, each with the time (seconds since the epoch) after
    /// which it is forgotten.
    tokens: HashMap<Arc<str>, u64>,
    /// Signed-out subjects: their tokens issued before `before` are revoked.
    subjects: HashMap<Arc<str>, Subject>,
    /// Every entry's forget time, soonest first, so that adding an entry
    /// drops the expired ones without scanning the maps. An entry replaced
    /// by a later one leaves its old time here; it is skipped when met.
    expiries: BinaryHeap<Reverse<(u64, Kind, Arc<str>)>>,
}

#[derive(Debug, Clone, Copy)]
struct Subject {
    before: u64,
    forget_at: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Token,
    Subject,
}

impl DenyList {
    /// An empty list on the system clock, remembering a subject's sign-out
    /// for [`DEFAULT_SUBJECT_HORIZON`] (a day) after its `before`.
    pub fn new() -> Self {
        Self {
            entries: Arc::default(),
            clock: Arc::new(SystemClock),
            horizon_secs: whole_secs(DEFAULT_SUBJECT_HORIZON),
            leeway_secs: 0,
        }
    }

    /// Remembers a subject's sign-out for `horizon` after its `before`:
    /// set it to the longest lifetime of the tokens the application
    /// accepts, since a token issued just before the sign-out is accepted
    /// that long, and it is let through again once the entry is forgotten.
    pub fn subject_horizon(mut self, horizon: Duration) -> Self {
        self.horizon_secs = whole_secs(horizon);
        self
    }

    /// Keeps every entry `leeway` longer: set it to the largest
    /// `leeway_secs` of the validators, which accept a token that long past
    /// its `exp` (the default, 0, matches their default).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway_secs = whole_secs(leeway);
        self
    }

    /// Reads the time from `clock` instead of the system clock, to decide
    /// what is forgotten: for tests, with a `ManualClock`.
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Revokes the token whose `jti` this is, until `expires_at` (its `exp`,
    /// seconds since the epoch) has passed: it is refused for expiry from
    /// then on, so the entry is forgotten. An `expires_at` already past
    /// adds nothing. Revoking a `jti` again keeps the later time.
    ///
    /// Always `Ok`: the result has the shape `RedisDenyList`'s has, whose
    /// store may be down.
    pub async fn revoke_token(
        &self,
        jti: &str,
        expires_at: u64,
    ) -> Result<(), RevocationUnavailable> {
        self.add(Kind::Token, jti, expires_at, expires_at);
        Ok(())
    }

    /// Signs `sub` out everywhere: its tokens issued before `before`
    /// (seconds since the epoch) are revoked, and so are its tokens without
    /// a numeric `iat`, whose issue time cannot be told. Tokens issued at
    /// `before` or later are accepted (JWT times are whole seconds: pass
    /// the current time plus one to also refuse a token issued in the same
    /// second). Remembered until the subject horizon has passed after
    /// `before`; a later `before` for the same subject replaces an earlier
    /// one, never the reverse.
    ///
    /// Always `Ok`, as [`DenyList::revoke_token`].
    pub async fn revoke_subject(
        &self,
        sub: &str,
        before: u64,
    ) -> Result<(), RevocationUnavailable> {
        self.add(
            Kind::Subject,
            sub,
            before,
            before.saturating_add(self.horizon_secs),
        );
        Ok(())
    }

    /// How many entries (revoked tokens and signed-out subjects) the list
    /// holds. Expired entries are forgotten whenever an entry is added, so
    /// this counts them until the next revocation.
    pub fn len(&self) -> usize {
        let entries = self.read();
        entries.tokens.len() + entries.subjects.len()
    }

    /// Whether the list holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds an entry of `kind` for `key` that is kept until `until` (plus
    /// the leeway), after dropping the entries that expired; `value` is the
    /// token's `exp` or the subject's `before`, and the larger one is kept.
    fn add(&self, kind: Kind, key: &str, value: u64, until: u64) {
        let now = self.clock.now_secs();
        let forget_at = until.saturating_add(self.leeway_secs);
        let mut entries = self.write();
        // Sweeping here costs each entry one heap pop over its life, so
        // memory follows the live entries and reads never pay for it.
        entries.sweep(now);
        // Valid while `now <= exp + leeway` (the validators' rule).
        if forget_at < now {
            return;
        }
        let key: Arc<str> = Arc::from(key);
        let added = match kind {
            Kind::Token => match entries.tokens.get(&*key) {
                Some(&kept) if kept >= forget_at => false,
                _ => {
                    entries.tokens.insert(key.clone(), forget_at);
                    true
                }
            },
            Kind::Subject => match entries.subjects.get(&*key) {
                Some(kept) if kept.before >= value => false,
                _ => {
                    let subject = Subject {
                        before: value,
                        forget_at,
                    };
                    entries.subjects.insert(key.clone(), subject);
                    true
                }
            },
        };
        if added {
            entries.expiries.push(Reverse((forget_at, kind, key)));
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Entries> {
        // Every write leaves the maps whole between statements, so a panic
        // elsewhere while the lock was held leaves them usable.
        self.entries.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Entries> {
        self.entries.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether these claims name a revoked token: one read lock, at most two
    /// hash lookups, no clock (an entry past its time names a token that is
    /// refused for expiry before the lists are asked).
    fn holds(&self, claims: &Map<String, Value>) -> bool {
        let entries = self.read();
        let by_jti = || {
            let jti = claims.get("jti").and_then(Value::as_str)?;
            entries.tokens.get(jti)
        };
        if by_jti().is_some() {
            return true;
        }
        claims
            .get("sub")
            .and_then(Value::as_str)
            .and_then(|sub| entries.subjects.get(sub))
            .is_some_and(|subject| issued_before(claims, subject.before))
    }
}

impl Entries {
    /// Drops the entries whose forget time is before `now`.
    fn sweep(&mut self, now: u64) {
        while self
            .expiries
            .peek()
            .is_some_and(|Reverse((at, _, _))| *at < now)
        {
            let Some(Reverse((at, kind, key))) = self.expiries.pop() else {
                break;
            };
            // Only if the entry still has this time: a later revocation of
            // the same key replaced it, and pushed its own time.
            match kind {
                Kind::Token => {
                    if self.tokens.get(&key) == Some(&at) {
                        self.tokens.remove(&key);
                    }
                }
                Kind::Subject => {
                    if self.subjects.get(&key).is_some_and(|s| s.forget_at == at) {
                        self.subjects.remove(&key);
                    }
                }
            }
        }
    }
}

impl Default for DenyList {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for DenyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self.read();
        f.debug_struct("DenyList")
            .field("tokens", &entries.tokens.len())
            .field("subjects", &entries.subjects.len())
            .field("subject_horizon_secs", &self.horizon_secs)
            .field("leeway_secs", &self.leeway_secs)
            .field("clock", &self.clock)
            .finish()
    }
}

#[rocket::async_trait]
impl Revocation for DenyList {
    async fn is_revoked(&self, claims: &Map<String, Value>) -> Result<bool, RevocationUnavailable> {
        Ok(self.holds(claims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use serde_json::json;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[rocket::async_test]
    async fn a_replaced_subject_is_not_swept_at_its_old_time() {
        let clock = ManualClock::at_secs(1_000);
        let list = DenyList::new()
            .subject_horizon(Duration::from_secs(100))
            .with_clock(clock.clone());
        list.revoke_subject("alice", 1_000).await.ok();
        list.revoke_subject("alice", 1_050).await.ok();
        // An earlier `before` never moves the sign-out back.
        list.revoke_subject("alice", 900).await.ok();
        clock.set_secs(1_120);
        list.revoke_token("other", 2_000).await.ok();
        assert_eq!(list.len(), 2, "alice's sign-out at 1050 lasts until 1150");
        assert!(list.holds(&claims(json!({"sub": "alice", "iat": 1_049}))));
        assert!(!list.holds(&claims(json!({"sub": "alice", "iat": 1_050}))));
        clock.set_secs(1_151);
        list.revoke_token("another", 2_000).await.ok();
        assert_eq!(list.len(), 2, "only the two tokens are left");
    }

    #[rocket::async_test]
    async fn leeway_keeps_a_token_past_its_exp() {
        let clock = ManualClock::at_secs(1_000);
        let list = DenyList::new()
            .leeway(Duration::from_secs(30))
            .with_clock(clock.clone());
        list.revoke_token("t", 1_010).await.ok();
        clock.set_secs(1_040);
        list.revoke_token("u", 2_000).await.ok();
        assert!(list.holds(&claims(json!({"jti": "t"}))), "valid until 1040");
        clock.set_secs(1_041);
        list.revoke_token("u", 2_000).await.ok();
        assert!(!list.holds(&claims(json!({"jti": "t"}))));
        // Already past its exp plus leeway: nothing to remember.
        list.revoke_token("old", 1_000).await.ok();
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn a_fractional_or_missing_iat_compares_safely() {
        let before = 1_000;
        assert!(issued_before(&claims(json!({"iat": 999.5})), before));
        assert!(!issued_before(&claims(json!({"iat": 1_000.0})), before));
        assert!(issued_before(&claims(json!({"iat": "999"})), before));
        assert!(issued_before(&claims(json!({})), before));
        assert!(!issued_before(&claims(json!({"iat": 1_000})), before));
    }
}
