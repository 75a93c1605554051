//! Verification keys: what a validator checks signatures with.
//!
//! A key is classified when it is loaded (HMAC secret, RSA with its size, EC
//! with its curve, Ed25519), so that an algorithm which does not fit the key is
//! refused at launch instead of failing every request.

use std::fmt;

use jsonwebtoken::{Algorithm, DecodingKey};
use pkcs1::der::Decode as _;
use spki::ObjectIdentifier;

/// The shortest HMAC secret accepted: RFC 7518 §3.2 asks for a key at least as
/// long as the hash output, 32 bytes for HS256.
pub const MIN_SECRET_BYTES: usize = 32;

/// The smallest RSA modulus accepted (RFC 7518 §3.3: 2048 bits or larger).
pub const MIN_RSA_BITS: usize = 2048;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// The algorithm a JOSE `alg` name stands for: jsonwebtoken's names, and
/// `Ed25519`, the fully specified name RFC 9864 gives EdDSA with an Ed25519
/// key (jsonwebtoken 12 has no such variant; the only EdDSA curve it verifies
/// is Ed25519, so the two names mean the same key family here). Names are
/// case-sensitive, as RFC 7515 §4.1.1 says; `none` is no algorithm.
pub(crate) fn algorithm_named(name: &str) -> Option<Algorithm> {
    match name {
        "Ed25519" => Some(Algorithm::EdDSA),
        name => name.parse().ok(),
    }
}

/// What kind of key a validator holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Hmac,
    Rsa { bits: usize },
    EcP256,
    EcP384,
    Ed25519,
}

impl KeyKind {
    /// Whether `algorithm` can verify with a key of this kind. An HMAC secret
    /// never verifies an RS/ES/PS token and the reverse, which is what stops
    /// the classic "HS256 signed with the RSA public key" attack.
    pub(crate) fn fits(self, algorithm: Algorithm) -> bool {
        use Algorithm::*;
        match self {
            Self::Hmac => matches!(algorithm, HS256 | HS384 | HS512),
            Self::Rsa { .. } => matches!(algorithm, RS256 | RS384 | RS512 | PS256 | PS384 | PS512),
            Self::EcP256 => algorithm == ES256,
            Self::EcP384 => algorithm == ES384,
            Self::Ed25519 => algorithm == EdDSA,
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hmac => f.write_str("an HMAC secret"),
            Self::Rsa { bits } => write!(f, "a {bits}-bit RSA public key"),
            Self::EcP256 => f.write_str("a P-256 EC public key"),
            Self::EcP384 => f.write_str("a P-384 EC public key"),
            Self::Ed25519 => f.write_str("an Ed25519 public key"),
        }
    }
}

/// A loaded verification key and its kind.
pub(crate) struct StaticKey {
    pub(crate) kind: KeyKind,
    pub(crate) key: DecodingKey,
}

impl fmt::Debug for StaticKey {
    // The key itself stays out of logs, even a public one: its kind says enough.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticKey")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl StaticKey {
    /// An HMAC secret of at least [`MIN_SECRET_BYTES`].
    pub(crate) fn secret(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "the HMAC secret is {} bytes; at least {MIN_SECRET_BYTES} are required",
                secret.len()
            ));
        }
        Ok(Self {
            kind: KeyKind::Hmac,
            key: DecodingKey::from_secret(secret)
                .map_err(|e| format!("the HMAC secret cannot be used: {e}"))?,
        })
    }

    /// A public key in PEM: `PUBLIC KEY` (SPKI: RSA, EC P-256/P-384, Ed25519)
    /// or `RSA PUBLIC KEY` (PKCS#1).
    pub(crate) fn public_pem(text: &str) -> Result<Self, String> {
        let pem = pem::parse(text).map_err(|e| format!("not a PEM document: {e}"))?;
        let kind = match pem.tag() {
            "PUBLIC KEY" => classify_spki(pem.contents())?,
            "RSA PUBLIC KEY" => KeyKind::Rsa {
                bits: rsa_bits(pem.contents())?,
            },
            tag if tag.contains("PRIVATE KEY") => {
                return Err(format!(
                    "found a private key (`{tag}`); configure the public key instead"
                ))
            }
            tag => {
                return Err(format!(
                    "expected a `PUBLIC KEY` or `RSA PUBLIC KEY` PEM, found `{tag}`"
                ))
            }
        };
        if let KeyKind::Rsa { bits } = kind {
            if bits < MIN_RSA_BITS {
                return Err(format!(
                    "the RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"
                ));
            }
        }
        // Classification above never yields `Hmac`, so EC is the remaining case.
        let load = match kind {
            KeyKind::Rsa { .. } => DecodingKey::from_rsa_pem,
            KeyKind::Ed25519 => DecodingKey::from_ed_pem,
            _ => DecodingKey::from_ec_pem,
        };
        let key =
            load(text.as_bytes()).map_err(|e| format!("the public key cannot be used: {e}"))?;
        Ok(Self { kind, key })
    }
}

/// Classifies a DER `SubjectPublicKeyInfo`.
fn classify_spki(der: &[u8]) -> Result<KeyKind, String> {
    let spki = spki::SubjectPublicKeyInfoRef::try_from(der)
        .map_err(|e| format!("not a public key: {e}"))?;
    match spki.algorithm.oid {
        RSA_ENCRYPTION => Ok(KeyKind::Rsa {
            bits: rsa_bits(spki.subject_public_key.raw_bytes())?,
        }),
        EC_PUBLIC_KEY => match spki.algorithm.parameters_oid() {
            Ok(P256) => Ok(KeyKind::EcP256),
            Ok(P384) => Ok(KeyKind::EcP384),
            _ => Err("unsupported EC curve: use P-256 (ES256) or P-384 (ES384)".to_owned()),
        },
        ED25519 => Ok(KeyKind::Ed25519),
        oid => Err(format!("unsupported public key algorithm {oid}")),
    }
}

/// The modulus size of a DER PKCS#1 `RSAPublicKey`.
fn rsa_bits(der: &[u8]) -> Result<usize, String> {
    let key =
        pkcs1::RsaPublicKeyRef::from_der(der).map_err(|e| format!("not an RSA public key: {e}"))?;
    let modulus = key.modulus.as_bytes();
    let leading_zeros = modulus.first().map_or(0, |b| b.leading_zeros() as usize);
    Ok(modulus.len() * 8 - leading_zeros)
}
