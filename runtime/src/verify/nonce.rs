//! Server-provided DPoP nonces (RFC 9449 §9): a value the server hands out
//! (`DPoP-Nonce`) that proofs must carry, so that a proof cannot be made in
//! advance for later use.
//!
//! Stateless: a nonce names a time window and carries a keyed digest of it,
//! so any nonce of the current or the previous window is accepted without
//! remembering any. The key is drawn from the operating system at launch,
//! so nonces are good at the instance that issued them only, unless the
//! instances share a secret (`dpop_nonce_secret_env`) that the key is
//! derived from.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// How bytes of a nonce prove the server made it.
const TAG_BYTES: usize = 16;

/// What a shared secret is hashed with to make the nonce key: the secret
/// may serve elsewhere too, and this key should be good for nonces only.
const SHARED_KEY_CONTEXT: &[u8] = b"rocket_warden DPoP nonce key\0";

/// The nonces of one validator.
pub(crate) struct Nonces {
    key: [u8; 32],
    /// Seconds a window lasts; a nonce is good for one to two windows.
    lifetime: u64,
}

impl std::fmt::Debug for Nonces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nonces")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl Nonces {
    /// Nonces good for `lifetime` to twice `lifetime` seconds, keyed with
    /// the `shared` secret of every instance, or else with fresh random
    /// bytes; `None` when the operating system gives none.
    pub(crate) fn new(lifetime: u64, shared: Option<&[u8]>) -> Option<Self> {
        let key = match shared {
            Some(secret) => Sha256::new()
                .chain_update(SHARED_KEY_CONTEXT)
                .chain_update(secret)
                .finalize()
                .into(),
            None => {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).ok()?;
                key
            }
        };
        Some(Self {
            key,
            lifetime: lifetime.max(1),
        })
    }

    /// The nonce to hand out at `now`.
    pub(crate) fn current(&self, now: u64) -> String {
        self.for_window(now / self.lifetime)
    }

    /// Whether `nonce` is one this server handed out in the current or the
    /// previous window.
    pub(crate) fn accepts(&self, nonce: &str, now: u64) -> bool {
        let window = now / self.lifetime;
        nonce == self.for_window(window)
            || window
                .checked_sub(1)
                .is_some_and(|previous| nonce == self.for_window(previous))
    }

    /// `base64url(window ‖ SHA-256(key ‖ window)[..16])`: the window a
    /// nonce was made in, and a tag only the key can make (the input is of
    /// fixed length, so the prefix key is a sound MAC here).
    fn for_window(&self, window: u64) -> String {
        let window = window.to_be_bytes();
        let tag = Sha256::new()
            .chain_update(self.key)
            .chain_update(window)
            .finalize();
        let mut nonce = [0u8; 8 + TAG_BYTES];
        nonce[..8].copy_from_slice(&window);
        nonce[8..].copy_from_slice(&tag[..TAG_BYTES]);
        URL_SAFE_NO_PAD.encode(nonce)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_good_in_its_window_and_the_next_only() {
        let nonces = Nonces::new(60, None).expect("random bytes");
        let nonce = nonces.current(1_000);
        for now in [1_000, 1_019, 1_020, 1_079] {
            assert!(nonces.accepts(&nonce, now), "at {now}");
        }
        assert!(!nonces.accepts(&nonce, 1_080), "two windows on");
        assert!(!nonces.accepts(&nonce, 959), "before it was made");
    }

    #[test]
    fn another_key_or_a_changed_byte_is_refused() {
        let (one, two) = (Nonces::new(60, None), Nonces::new(60, None));
        let (one, two) = (one.expect("random bytes"), two.expect("random bytes"));
        let nonce = one.current(1_000);
        assert!(!two.accepts(&nonce, 1_000));
        let mut forged = nonce.into_bytes();
        forged[20] = if forged[20] == b'A' { b'B' } else { b'A' };
        let forged = String::from_utf8(forged).expect("base64url is ASCII");
        assert!(!one.accepts(&forged, 1_000));
    }

    #[test]
    fn instances_sharing_a_secret_accept_each_others_nonces() {
        let secret = b"a secret every instance of the application is given";
        let one = Nonces::new(60, Some(secret)).expect("a key");
        let two = Nonces::new(60, Some(secret)).expect("a key");
        let other =
            Nonces::new(60, Some(b"another secret, of another application")).expect("a key");
        let nonce = one.current(1_000);
        assert!(two.accepts(&nonce, 1_000));
        assert!(!other.accepts(&nonce, 1_000));
        let random = Nonces::new(60, None).expect("random bytes");
        assert!(!random.accepts(&nonce, 1_000));
    }
}
