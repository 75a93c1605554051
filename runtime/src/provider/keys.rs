//! The provider's signing keys: made on first launch, published before
//! they sign, kept published after they stop until the last token they
//! signed has expired.
//!
//! Each algorithm in use (the provider's, and any ID-token algorithm a
//! client chose) has one signing key at a time. With rotation on, the next
//! key is made [`lead`] before the current one has signed for
//! `key_rotation_days`, so relying parties that cache the key set for up to
//! that long have it before its first token. `kid` is the RFC 7638
//! thumbprint of the public key.

use std::collections::BTreeMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{EcdsaKeyPair, Ed25519KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{DecodingKey, EncodingKey};
use pkcs8::der::Decode as _;
use tokio::sync::Mutex;

use super::config::{ProviderConfig, SigningAlgorithm};
use super::store::{ProviderStore, StoreError, StoreResult, StoredKey};

/// One day: how long a new key is published before it signs, unless
/// rotation is faster than two days.
const LEAD_SECS: u64 = 86_400;

/// How long after its last token expires a retired key stays published: a
/// margin for relying parties' clock skew.
const RETIRE_MARGIN_SECS: u64 = 300;

/// A signing key, ready to sign and to verify.
pub(crate) struct SigningKey {
    pub(crate) kid: String,
    pub(crate) algorithm: SigningAlgorithm,
    pub(crate) encoding: EncodingKey,
    pub(crate) decoding: DecodingKey,
    jwk: Jwk,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The key a stored one stands for, or why it cannot be used.
    fn load(stored: &StoredKey) -> Result<Self, String> {
        let algorithm = match stored.alg.as_str() {
            "RS256" => SigningAlgorithm::Rs256,
            "ES256" => SigningAlgorithm::Es256,
            "EdDSA" => SigningAlgorithm::EdDsa,
            other => return Err(format!("key `{}` has an unknown alg `{other}`", stored.kid)),
        };
        let encoding = encoding_key(algorithm, &stored.pkcs8)
            .ok_or_else(|| format!("key `{}` is not a {} key", stored.kid, stored.alg))?;
        let mut jwk = Jwk::from_encoding_key(&encoding, algorithm.jose())
            .map_err(|e| format!("key `{}`: {e}", stored.kid))?;
        jwk.common.key_id = Some(stored.kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        let decoding =
            DecodingKey::from_jwk(&jwk).map_err(|e| format!("key `{}`: {e}", stored.kid))?;
        Ok(Self {
            kid: stored.kid.clone(),
            algorithm,
            encoding,
            decoding,
            jwk,
        })
    }
}

/// jsonwebtoken's key for a PKCS#8 private key: PKCS#1 inside it for RSA,
/// the PKCS#8 document itself for EC and Ed25519.
fn encoding_key(algorithm: SigningAlgorithm, pkcs8: &[u8]) -> Option<EncodingKey> {
    match algorithm {
        SigningAlgorithm::Rs256 => {
            let info = pkcs8::PrivateKeyInfoRef::from_der(pkcs8).ok()?;
            Some(EncodingKey::from_rsa_der(info.private_key.as_bytes()))
        }
        SigningAlgorithm::Es256 => Some(EncodingKey::from_ec_der(pkcs8)),
        SigningAlgorithm::EdDsa => Some(EncodingKey::from_ed_der(pkcs8)),
    }
}

/// A new private key for `algorithm`, PKCS#8 DER.
fn generate(algorithm: SigningAlgorithm) -> Result<Vec<u8>, String> {
    let failed = |_| format!("aws-lc-rs could not make a {} key", algorithm.name());
    match algorithm {
        SigningAlgorithm::Rs256 => {
            let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(failed)?;
            let der = pair.as_der().map_err(failed)?;
            Ok(der.as_ref().to_vec())
        }
        SigningAlgorithm::Es256 => {
            let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).map_err(failed)?;
            Ok(pair.to_pkcs8v1().map_err(failed)?.as_ref().to_vec())
        }
        SigningAlgorithm::EdDsa => {
            let pair = Ed25519KeyPair::generate().map_err(failed)?;
            // jsonwebtoken reads the 48-byte PKCS#8 v1 form only.
            Ok(pair.to_pkcs8v1().map_err(failed)?.as_ref().to_vec())
        }
    }
}

/// A new key for `algorithm` made `now`, with its thumbprint as `kid`.
fn new_key(algorithm: SigningAlgorithm, now: u64, first: bool) -> Result<StoredKey, String> {
    let pkcs8 = generate(algorithm)?;
    let encoding = encoding_key(algorithm, &pkcs8).ok_or("a fresh key does not load")?;
    let jwk = Jwk::from_encoding_key(&encoding, algorithm.jose()).map_err(|e| e.to_string())?;
    let kid = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|e| e.to_string())?;
    Ok(StoredKey {
        kid,
        alg: algorithm.name().to_owned(),
        pkcs8,
        created_at: now,
        first,
    })
}

/// How long a new key is published before it signs, for a rotation period.
fn lead(rotation_secs: u64) -> u64 {
    LEAD_SECS.min(rotation_secs / 2)
}

/// The keys as they stand: which signs for each algorithm, which are
/// published, and when the next change is due.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    signing: BTreeMap<SigningAlgorithm, Arc<SigningKey>>,
    published: Vec<Arc<SigningKey>>,
    /// The JWKS document.
    pub(crate) jwks: String,
    /// When [`Keyring::maintain`] has something to do (Unix seconds).
    next_change: u64,
}

impl Snapshot {
    /// The key that signs with `algorithm` now.
    pub(crate) fn signing(&self, algorithm: SigningAlgorithm) -> Option<&Arc<SigningKey>> {
        self.signing.get(&algorithm)
    }

    /// A published key by `kid`: what a token of this provider may be
    /// signed with.
    pub(crate) fn published(&self, kid: &str) -> Option<&Arc<SigningKey>> {
        self.published.iter().find(|key| key.kid == kid)
    }
}

/// The provider's keys, rotated as they age.
#[derive(Debug)]
pub(crate) struct Keyring {
    snapshot: ArcSwap<Snapshot>,
    /// One maintenance at a time.
    maintaining: Mutex<()>,
    algorithms: Vec<SigningAlgorithm>,
    rotation_secs: u64,
    longest_token_secs: u64,
}

impl Keyring {
    pub(crate) fn new(config: &ProviderConfig) -> Self {
        Self {
            snapshot: ArcSwap::default(),
            maintaining: Mutex::new(()),
            algorithms: config.algorithms(),
            rotation_secs: config.key_rotation_days * 86_400,
            longest_token_secs: config.longest_token_secs(),
        }
    }

    /// The keys as last loaded, without checking for changes.
    pub(crate) fn loaded(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// The keys now, after any change that is due.
    pub(crate) async fn current(
        &self,
        store: &dyn ProviderStore,
        now: u64,
    ) -> StoreResult<Arc<Snapshot>> {
        let snapshot = self.snapshot.load_full();
        if now < snapshot.next_change && !snapshot.signing.is_empty() {
            return Ok(snapshot);
        }
        self.maintain(store, now).await
    }

    /// Makes, activates and retires keys as their times come, then reloads
    /// the snapshot from the store (which other instances may share).
    pub(crate) async fn maintain(
        &self,
        store: &dyn ProviderStore,
        now: u64,
    ) -> StoreResult<Arc<Snapshot>> {
        let _one = self.maintaining.lock().await;
        let snapshot = self.snapshot.load_full();
        if now < snapshot.next_change && !snapshot.signing.is_empty() {
            return Ok(snapshot);
        }
        // Instances sharing a store may both find a key due at the same
        // moment and both make one: each is published, the newer signs,
        // and the other retires like any older key. Harmless, so no lock
        // across instances.
        let mut keys = store.keys().await?;
        for &algorithm in &self.algorithms {
            let plan = self.plan(&keys, algorithm, now);
            for kid in &plan.remove {
                store.remove_key(kid).await?;
                tracing::info!(target: "rocket_warden::provider", kid = %kid, "signing key retired");
            }
            if let Some(first) = plan.make {
                let key = new_key(algorithm, now, first).map_err(StoreError)?;
                tracing::info!(
                    target: "rocket_warden::provider",
                    kid = %key.kid,
                    alg = algorithm.name(),
                    "signing key made; {}",
                    if first { "it signs from now" } else { "it is published, and signs from the next rotation" }
                );
                store.add_key(key).await?;
            }
            if !plan.remove.is_empty() || plan.make.is_some() {
                keys = store.keys().await?;
            }
        }
        let snapshot = Arc::new(self.snapshot_of(&keys, now)?);
        self.snapshot.store(snapshot.clone());
        Ok(snapshot)
    }

    /// The keys of `keys` for `algorithm`, oldest first, each with the time
    /// it signs from.
    fn schedule<'k>(
        &self,
        keys: &'k [StoredKey],
        algorithm: SigningAlgorithm,
    ) -> Vec<(&'k StoredKey, u64)> {
        let lead = lead(self.rotation_secs);
        let mut of_algorithm: Vec<_> = keys
            .iter()
            .filter(|key| key.alg == algorithm.name())
            .map(|key| {
                (
                    key,
                    if key.first {
                        key.created_at
                    } else {
                        key.created_at + lead
                    },
                )
            })
            .collect();
        of_algorithm.sort_by_key(|(key, signs_from)| (*signs_from, key.created_at));
        of_algorithm
    }

    /// What is due for one algorithm.
    fn plan(&self, keys: &[StoredKey], algorithm: SigningAlgorithm, now: u64) -> Plan {
        let schedule = self.schedule(keys, algorithm);
        let Some(active) = schedule.iter().rposition(|(_, from)| *from <= now) else {
            // No key signs yet: the first one does at once.
            return Plan {
                make: schedule.is_empty().then_some(true),
                remove: Vec::new(),
            };
        };
        let mut plan = Plan::default();
        // Keys before the active one stopped signing when their successor
        // started; they go once their last token has expired.
        for pair in schedule[..=active].windows(2) {
            let stopped = pair[1].1;
            if now >= stopped + self.longest_token_secs + RETIRE_MARGIN_SECS {
                plan.remove.push(pair[0].0.kid.clone());
            }
        }
        let has_next = active + 1 < schedule.len();
        let (_, active_from) = schedule[active];
        let rotation_due = active_from + self.rotation_secs - lead(self.rotation_secs);
        if self.rotation_secs > 0 && !has_next && now >= rotation_due {
            plan.make = Some(false);
        }
        plan
    }

    /// When the next key event after `now` is due for one algorithm.
    fn next_change(&self, keys: &[StoredKey], algorithm: SigningAlgorithm, now: u64) -> u64 {
        let schedule = self.schedule(keys, algorithm);
        let lead = lead(self.rotation_secs);
        let mut times = Vec::new();
        for pair in schedule.windows(2) {
            times.push(pair[1].1);
            times.push(pair[1].1 + self.longest_token_secs + RETIRE_MARGIN_SECS);
        }
        if let Some((_, from)) = schedule.last() {
            if self.rotation_secs > 0 {
                times.push(from + self.rotation_secs - lead);
            }
        }
        times
            .into_iter()
            .filter(|time| *time > now)
            .min()
            .unwrap_or(u64::MAX)
    }

    fn snapshot_of(&self, keys: &[StoredKey], now: u64) -> StoreResult<Snapshot> {
        let mut snapshot = Snapshot {
            next_change: u64::MAX,
            ..Snapshot::default()
        };
        for &algorithm in &self.algorithms {
            let schedule = self.schedule(keys, algorithm);
            for (stored, from) in &schedule {
                let key = Arc::new(SigningKey::load(stored).map_err(StoreError)?);
                if *from <= now {
                    snapshot.signing.insert(algorithm, key.clone());
                }
                snapshot.published.push(key);
            }
            snapshot.next_change = snapshot
                .next_change
                .min(self.next_change(keys, algorithm, now));
        }
        let set = JwkSet {
            keys: snapshot
                .published
                .iter()
                .map(|key| key.jwk.clone())
                .collect(),
        };
        snapshot.jwks = serde_json::to_string(&set).map_err(|e| StoreError(e.to_string()))?;
        Ok(snapshot)
    }
}

/// What one maintenance does for one algorithm.
#[derive(Debug, Default)]
struct Plan {
    /// Make a key: `Some(true)` the first, signing at once.
    make: Option<bool>,
    /// Retired keys to forget.
    remove: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_makes_a_key_that_signs_and_verifies() {
        crate::crypto::install();
        for algorithm in SigningAlgorithm::ALL {
            let stored = new_key(algorithm, 0, true).expect("a key");
            let key = SigningKey::load(&stored).expect("a usable key");
            let mut header = jsonwebtoken::Header::new(algorithm.jose());
            header.kid = Some(key.kid.clone());
            let token = jsonwebtoken::encode(&header, &serde_json::json!({"a": 1}), &key.encoding)
                .expect("a signature");
            let mut validation = jsonwebtoken::Validation::new(algorithm.jose());
            validation.required_spec_claims.clear();
            validation.validate_exp = false;
            let decoded =
                jsonwebtoken::decode::<serde_json::Value>(&token, &key.decoding, &validation);
            assert!(decoded.is_ok(), "{algorithm:?}: {decoded:?}");
            assert!(!format!("{stored:?}").contains("pkcs8"));
        }
    }
}
