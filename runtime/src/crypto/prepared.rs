//! Verification keys made ready once, not per signature.
//!
//! jsonwebtoken's `crypto::verify` builds a verifier for every signature it
//! checks: it keys HMAC again (two hash blocks over the secret), parses an RSA,
//! EC or Ed25519 public key again (for RSA, aws-lc also rebuilds its Montgomery
//! context), boxes the verifier and decodes the signature into an allocation.
//! On an HS256 token that setup costs about as much as the MAC itself.
//!
//! When jsonwebtoken's own aws-lc-rs provider is the process's provider, a
//! [`VerifyingKey`] does that setup once per key and algorithm and keeps it,
//! with the aws-lc-rs algorithm jsonwebtoken's provider picks for the same
//! `alg` (the table in `aws_lc_algorithm`), and the same constant-time checks
//! (`hmac::verify`, `ParsedPublicKey::verify_sig`). The crypto stack stays
//! one: aws-lc-rs, the crate jsonwebtoken verifies with. Anything else (the
//! `rust_crypto` feature, a provider the application installed, a key aws-lc
//! does not parse) goes through `jsonwebtoken::crypto::verify` unchanged, so
//! the answer never depends on which path ran.

use std::fmt;

use jsonwebtoken::errors::Error;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind};
use pkcs1::der::Decode as _;

/// The least RSA public exponent (big-endian, 65537) for which a signature
/// with its last 254 bits unknown is as hard to complete as to forge: what
/// FIPS 186-5 §A.1.1 requires of every RSA key (`2^16 < e`), and the least
/// ring accepts. Below it Coppersmith's method may find the unknown low part
/// of `s` from `s^e mod n` (known: it is the padded hash of the signed bytes)
/// when that part is under a `1/e` share of the modulus's bits: 682 bits for
/// `e = 3` and a 2048-bit key, still 264 for `e = 31` and an 8192-bit one.
const LEAST_SAFE_RSA_EXPONENT: [u8; 3] = [0x01, 0x00, 0x01];

/// A key that verifies signatures, prepared for each algorithm at its first use.
pub(crate) struct VerifyingKey {
    key: DecodingKey,
    /// See [`VerifyingKey::hides_a_signature_cut_short`].
    hides_cut: bool,
    #[cfg(feature = "aws_lc_rs")]
    ready: aws_lc::Slots,
}

impl fmt::Debug for VerifyingKey {
    // Neither the secret nor its keyed state belongs in a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("family", &self.key.family())
            .finish_non_exhaustive()
    }
}

impl From<DecodingKey> for VerifyingKey {
    fn from(key: DecodingKey) -> Self {
        Self {
            hides_cut: hides_a_signature_cut_short(&key),
            key,
            #[cfg(feature = "aws_lc_rs")]
            ready: aws_lc::Slots::default(),
        }
    }
}

/// See [`VerifyingKey::hides_a_signature_cut_short`]: every key but an RSA
/// key whose public exponent is under 65537, or that cannot be read (which
/// verifies nothing anyway).
fn hides_a_signature_cut_short(key: &DecodingKey) -> bool {
    if key.family() != AlgorithmFamily::Rsa {
        return true;
    }
    match key.kind() {
        DecodingKeyKind::RsaModulusExponent { e, .. } => is_safe_rsa_exponent(e),
        // jsonwebtoken keeps an RSA key read from PEM or DER as PKCS#1.
        DecodingKeyKind::SecretOrDer(der) => pkcs1::RsaPublicKeyRef::from_der(der)
            .is_ok_and(|key| is_safe_rsa_exponent(key.public_exponent.as_bytes())),
    }
}

/// Whether a big-endian exponent is at least [`LEAST_SAFE_RSA_EXPONENT`].
fn is_safe_rsa_exponent(exponent: &[u8]) -> bool {
    let start = exponent
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(exponent.len());
    let exponent = &exponent[start..];
    let least = &LEAST_SAFE_RSA_EXPONENT[..];
    // Big-endian without leading zeros: longer is larger; as long, bytewise.
    (exponent.len(), exponent) >= (least.len(), least)
}

impl VerifyingKey {
    /// The key as jsonwebtoken holds it.
    pub(crate) fn decoding(&self) -> &DecodingKey {
        &self.key
    }

    /// Whether `signature` (base64url, as in the token) signs `message` under
    /// `alg`: what `jsonwebtoken::crypto::verify` answers, errors included.
    pub(crate) fn verify(
        &self,
        signature: &str,
        message: &[u8],
        alg: Algorithm,
    ) -> Result<bool, Error> {
        #[cfg(feature = "aws_lc_rs")]
        if let Some(ready) = self.ready.get(&self.key, alg) {
            return ready.verify(signature, message);
        }
        jsonwebtoken::crypto::verify(signature, message, &self.key, alg)
    }

    /// Whether a signature this key verified is still of no use to anyone
    /// who learns all of it but its last 43 base64url characters (at least
    /// 254 bits): what the validated-token cache keeps of a token (see
    /// `verify::cache`). True of HMAC, ECDSA and
    /// EdDSA keys (the rest of the MAC needs the secret; the rest of `s`
    /// needs a discrete logarithm) and of RSA keys with a public exponent of
    /// at least 65537; false for smaller exponents, which RFC 8017 allows
    /// (see [`LEAST_SAFE_RSA_EXPONENT`]).
    pub(crate) fn hides_a_signature_cut_short(&self) -> bool {
        self.hides_cut
    }

    /// Whether `alg` verifies on a key prepared here.
    #[cfg(all(test, feature = "aws_lc_rs"))]
    fn is_prepared(&self, alg: Algorithm) -> bool {
        self.ready.get(&self.key, alg).is_some()
    }
}

#[cfg(feature = "aws_lc_rs")]
mod aws_lc {
    use std::sync::OnceLock;

    use aws_lc_rs::hmac;
    use aws_lc_rs::signature::{
        self, ParsedPublicKey, RsaParameters, RsaPublicKeyComponents, VerificationAlgorithm,
    };
    use jsonwebtoken::errors::Error;
    use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind};

    use crate::crypto::{aws_lc_verifies, decode_base64url};

    /// One slot per algorithm jsonwebtoken knows. `None` in a filled slot
    /// means "not prepared here": jsonwebtoken verifies instead (and refuses,
    /// for a key of another family or one aws-lc does not parse).
    #[derive(Default)]
    pub(super) struct Slots([OnceLock<Option<Box<Ready>>>; 12]);

    impl Slots {
        /// What verifies `alg` with `key`, prepared on the first call; `None`
        /// when jsonwebtoken's aws-lc-rs provider is not the one installed,
        /// or when this key cannot serve `alg` (jsonwebtoken then refuses).
        pub(super) fn get(&self, key: &DecodingKey, alg: Algorithm) -> Option<&Ready> {
            if !aws_lc_verifies() {
                return None;
            }
            let (slot, verifier) = aws_lc_algorithm(alg)?;
            self.0[slot]
                .get_or_init(|| Ready::prepare(key, alg, verifier).map(Box::new))
                .as_deref()
        }
    }

    /// A key made ready for one algorithm.
    // Always boxed in its slot, so the keyed HMAC state's size costs nothing
    // to the other variant.
    #[allow(clippy::large_enum_variant)]
    pub(super) enum Ready {
        Hmac(hmac::Key),
        Public(ParsedPublicKey),
    }

    impl Ready {
        fn prepare(key: &DecodingKey, alg: Algorithm, verifier: Verifier) -> Option<Self> {
            // jsonwebtoken refuses a key of another family (`InvalidKeyFormat`):
            // leave that answer to it.
            if key.family() != alg.family() {
                return None;
            }
            match (verifier, key.kind()) {
                (Verifier::Hmac(mac), DecodingKeyKind::SecretOrDer(secret)) => {
                    Some(Self::Hmac(hmac::Key::new(mac, secret)))
                }
                (Verifier::Public(algorithm), DecodingKeyKind::SecretOrDer(der)) => {
                    ParsedPublicKey::new(algorithm, der).ok().map(Self::Public)
                }
                (Verifier::Rsa(params), DecodingKeyKind::SecretOrDer(der)) => {
                    ParsedPublicKey::new(params, der).ok().map(Self::Public)
                }
                (Verifier::Rsa(params), DecodingKeyKind::RsaModulusExponent { n, e }) => {
                    RsaPublicKeyComponents { n, e }
                        .to_parsed_public_key(params)
                        .ok()
                        .map(Self::Public)
                }
                _ => None,
            }
        }

        pub(super) fn verify(&self, signature: &str, message: &[u8]) -> Result<bool, Error> {
            // Up to an RSA-8192 signature on the stack; jsonwebtoken decodes
            // any longer one too, and then it fails to verify, as here.
            let mut buffer = [0u8; 1024];
            let signature = decode_base64url(signature, &mut buffer)?;
            Ok(match self {
                Self::Hmac(key) => hmac::verify(key, message, &signature).is_ok(),
                Self::Public(key) => key.verify_sig(message, &signature).is_ok(),
            })
        }
    }

    /// The aws-lc-rs algorithm for `alg`.
    enum Verifier {
        Hmac(hmac::Algorithm),
        Rsa(&'static RsaParameters),
        Public(&'static dyn VerificationAlgorithm),
    }

    /// The slot and the aws-lc-rs algorithm for `alg`: the same table as
    /// jsonwebtoken's aws-lc-rs provider (its `crypto::aws_lc` verifiers),
    /// RSA keys of 2048 to 8192 bits, fixed-size ECDSA signatures, Ed25519
    /// for EdDSA. An algorithm added to jsonwebtoken later is not prepared.
    fn aws_lc_algorithm(alg: Algorithm) -> Option<(usize, Verifier)> {
        use signature::*;
        use Algorithm::*;
        Some(match alg {
            HS256 => (0, Verifier::Hmac(hmac::HMAC_SHA256)),
            HS384 => (1, Verifier::Hmac(hmac::HMAC_SHA384)),
            HS512 => (2, Verifier::Hmac(hmac::HMAC_SHA512)),
            RS256 => (3, Verifier::Rsa(&RSA_PKCS1_2048_8192_SHA256)),
            RS384 => (4, Verifier::Rsa(&RSA_PKCS1_2048_8192_SHA384)),
            RS512 => (5, Verifier::Rsa(&RSA_PKCS1_2048_8192_SHA512)),
            PS256 => (6, Verifier::Rsa(&RSA_PSS_2048_8192_SHA256)),
            PS384 => (7, Verifier::Rsa(&RSA_PSS_2048_8192_SHA384)),
            PS512 => (8, Verifier::Rsa(&RSA_PSS_2048_8192_SHA512)),
            ES256 => (9, Verifier::Public(&ECDSA_P256_SHA256_FIXED)),
            ES384 => (10, Verifier::Public(&ECDSA_P384_SHA384_FIXED)),
            EdDSA => (11, Verifier::Public(&ED25519)),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod cut_tests {
    use jsonwebtoken::DecodingKey;

    use super::{is_safe_rsa_exponent, VerifyingKey};

    const RSA_PUBLIC: &str = include_str!("../../../tests/keys/rsa.pub");
    const RSA_PKCS1: &str = include_str!("../../../tests/keys/rsa-pkcs1.pub");
    const RSA_E3_PUBLIC: &str = include_str!("../../../tests/keys/rsa-e3.pub");
    const EC_PUBLIC: &str = include_str!("../../../tests/keys/ec-p256.pub");
    const ED_PUBLIC: &str = include_str!("../../../tests/keys/ed25519.pub");

    fn hides(key: DecodingKey) -> bool {
        VerifyingKey::from(key).hides_a_signature_cut_short()
    }

    /// Every key form's exponent is read: 65537 hides a signature cut short,
    /// 3 does not, in PEM (SPKI and PKCS#1) and as JWK `n` and `e`; HMAC,
    /// EC and Ed25519 keys always do.
    #[test]
    fn an_rsa_key_hides_a_cut_signature_only_with_a_large_exponent() {
        let pem = |text: &str| DecodingKey::from_rsa_pem(text.as_bytes()).expect("RSA");
        assert!(hides(pem(RSA_PUBLIC)));
        assert!(hides(pem(RSA_PKCS1)));
        assert!(!hides(pem(RSA_E3_PUBLIC)));
        let modulus = [0xc5; 256];
        assert!(hides(DecodingKey::from_rsa_raw_components(
            &modulus,
            &[1, 0, 1]
        )));
        assert!(!hides(DecodingKey::from_rsa_raw_components(&modulus, &[3])));
        // Not a key at all: nothing verifies with it, nothing is kept either.
        assert!(!hides(DecodingKey::from_rsa_der(b"not DER")));
        assert!(hides(DecodingKey::from_secret(&[7; 32]).expect("a secret")));
        assert!(hides(
            DecodingKey::from_ec_pem(EC_PUBLIC.as_bytes()).expect("EC")
        ));
        assert!(hides(
            DecodingKey::from_ed_pem(ED_PUBLIC.as_bytes()).expect("Ed25519")
        ));
    }

    #[test]
    fn exponents_from_65537_up_are_safe() {
        for safe in [
            &[1, 0, 1][..],
            &[0, 1, 0, 1],
            &[1, 0, 3],
            &[2, 0, 0],
            &[1, 0, 0, 0, 0],
        ] {
            assert!(is_safe_rsa_exponent(safe), "{safe:?}");
        }
        for unsafe_ in [
            &[][..],
            &[0],
            &[3],
            &[0, 0, 3],
            &[1, 0, 0],
            &[0, 0xff, 0xff],
        ] {
            assert!(!is_safe_rsa_exponent(unsafe_), "{unsafe_:?}");
        }
    }
}

#[cfg(all(test, feature = "aws_lc_rs"))]
mod tests {
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};

    use super::VerifyingKey;

    const RSA: &str = include_str!("../../../tests/keys/rsa.key");
    const RSA_PUBLIC: &str = include_str!("../../../tests/keys/rsa.pub");
    const RSA_PKCS1: &str = include_str!("../../../tests/keys/rsa-pkcs1.pub");
    const RSA_1024: &str = include_str!("../../../tests/keys/rsa1024.pub");
    const P256: &str = include_str!("../../../tests/keys/ec-p256.key");
    const P256_PUBLIC: &str = include_str!("../../../tests/keys/ec-p256.pub");
    const P384: &str = include_str!("../../../tests/keys/ec-p384-signing.key");
    const P384_PUBLIC: &str = include_str!("../../../tests/keys/ec-p384-signing.pub");
    const ED25519: &str = include_str!("../../../tests/keys/ed25519.key");
    const ED25519_PUBLIC: &str = include_str!("../../../tests/keys/ed25519.pub");
    const SECRET: &[u8] = b"a-secret-of-at-least-thirty-two-bytes";

    /// Every algorithm with a key that signs it and the public keys that
    /// verify it, in each form a validator loads (PEM, and RSA's JWK `n`/`e`).
    fn cases() -> Vec<(Algorithm, EncodingKey, Vec<DecodingKey>)> {
        use Algorithm::*;
        let rsa = || EncodingKey::from_rsa_pem(RSA.as_bytes()).expect("the RSA key");
        let rsa_public = || {
            let pem = DecodingKey::from_rsa_pem(RSA_PUBLIC.as_bytes()).expect("SPKI");
            let pkcs1 = DecodingKey::from_rsa_pem(RSA_PKCS1.as_bytes()).expect("PKCS#1");
            let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&rsa(), RS256).expect("a JWK");
            vec![pem, pkcs1, DecodingKey::from_jwk(&jwk).expect("n and e")]
        };
        let secret = || vec![DecodingKey::from_secret(SECRET).expect("a secret")];
        let hmac = || EncodingKey::from_secret(SECRET).expect("a secret");
        let mut cases = vec![
            (HS256, hmac(), secret()),
            (HS384, hmac(), secret()),
            (HS512, hmac(), secret()),
        ];
        for alg in [RS256, RS384, RS512, PS256, PS384, PS512] {
            cases.push((alg, rsa(), rsa_public()));
        }
        let pem = |text: &str, load: fn(&[u8]) -> jsonwebtoken::errors::Result<DecodingKey>| {
            vec![load(text.as_bytes()).expect("a public key")]
        };
        let ec = |text: &str| EncodingKey::from_ec_pem(text.as_bytes()).expect("an EC key");
        cases.push((ES256, ec(P256), pem(P256_PUBLIC, DecodingKey::from_ec_pem)));
        cases.push((ES384, ec(P384), pem(P384_PUBLIC, DecodingKey::from_ec_pem)));
        let ed = EncodingKey::from_ed_pem(ED25519.as_bytes()).expect("an Ed25519 key");
        cases.push((EdDSA, ed, pem(ED25519_PUBLIC, DecodingKey::from_ed_pem)));
        cases
    }

    /// `header.payload` and the signature of a token signed with `key`.
    fn signed(alg: Algorithm, key: &EncodingKey) -> (String, String) {
        let claims = serde_json::json!({"sub": "alice", "aud": "orders"});
        let token = jsonwebtoken::encode(&Header::new(alg), &claims, key).expect("signs");
        let (message, signature) = token.rsplit_once('.').expect("a compact JWS");
        (message.to_owned(), signature.to_owned())
    }

    /// What jsonwebtoken's own provider answers, as comparable values.
    fn answer(result: jsonwebtoken::errors::Result<bool>) -> Result<bool, String> {
        result.map_err(|error| format!("{:?}", error.kind()))
    }

    /// The inputs both paths must answer alike: the signature, the message
    /// changed, the signature changed, cut short, lengthened past any
    /// signature, not base64url, and empty.
    fn inputs(message: &str, signature: &str) -> Vec<(String, String)> {
        let flipped = {
            let mut bytes = signature.as_bytes().to_vec();
            bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
            String::from_utf8(bytes).expect("ASCII")
        };
        vec![
            (message.to_owned(), signature.to_owned()),
            (format!("{message}x"), signature.to_owned()),
            (message.to_owned(), flipped),
            (
                message.to_owned(),
                signature[..signature.len() - 4].to_owned(),
            ),
            (
                message.to_owned(),
                format!("{signature}{}", "A".repeat(1400)),
            ),
            (message.to_owned(), format!("{}*", &signature[1..])),
            (message.to_owned(), String::new()),
        ]
    }

    #[test]
    fn a_prepared_key_answers_as_jsonwebtoken_does_for_every_algorithm() {
        crate::crypto::install();
        for (alg, signing, keys) in cases() {
            let (message, signature) = signed(alg, &signing);
            for key in keys {
                let expected: Vec<_> = inputs(&message, &signature)
                    .iter()
                    .map(|(m, s)| answer(jsonwebtoken::crypto::verify(s, m.as_bytes(), &key, alg)))
                    .collect();
                assert_eq!(expected[0], Ok(true), "{alg:?}: jsonwebtoken verifies");
                assert!(expected[1..].iter().all(|a| a != &Ok(true)), "{alg:?}");
                let prepared = VerifyingKey::from(key);
                // Twice: once preparing the key, once with it ready.
                for round in 0..2 {
                    let got: Vec<_> = inputs(&message, &signature)
                        .iter()
                        .map(|(m, s)| answer(prepared.verify(s, m.as_bytes(), alg)))
                        .collect();
                    assert_eq!(got, expected, "{alg:?}, round {round}");
                }
                assert!(prepared.is_prepared(alg), "{alg:?} ran on the prepared key");
            }
        }
    }

    #[test]
    fn a_key_of_another_family_or_too_small_is_left_to_jsonwebtoken() {
        crate::crypto::install();
        let rsa = EncodingKey::from_rsa_pem(RSA.as_bytes()).expect("the RSA key");
        let (message, signature) = signed(Algorithm::RS256, &rsa);
        // An HMAC "secret" made of the RSA public key: the classic confusion.
        let confused = VerifyingKey::from(
            DecodingKey::from_secret(RSA_PUBLIC.as_bytes()).expect("bytes as a secret"),
        );
        let refused = confused.verify(&signature, message.as_bytes(), Algorithm::RS256);
        assert_eq!(
            answer(refused),
            Err("InvalidKeyFormat".to_owned()),
            "a secret never verifies RS256"
        );
        assert!(!confused.is_prepared(Algorithm::RS256));
        // RSA below 2048 bits: parsed, and refused at every signature.
        let small = VerifyingKey::from(
            DecodingKey::from_rsa_pem(RSA_1024.as_bytes()).expect("a 1024-bit key"),
        );
        let answer_small = small.verify(&signature, message.as_bytes(), Algorithm::RS256);
        assert_eq!(answer(answer_small), Ok(false));
    }

    #[test]
    fn its_debug_output_names_the_family_only() {
        let key = VerifyingKey::from(DecodingKey::from_secret(SECRET).expect("a secret"));
        let shown = format!("{key:?}");
        assert_eq!(shown, "VerifyingKey { family: Hmac, .. }");
    }
}
