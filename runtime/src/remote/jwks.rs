//! A JWK set (RFC 7517) read into the keys a validator can verify with.
//!
//! Each key is checked on its own and a key that cannot be used is skipped,
//! with a log line saying why, never failing the whole set: a provider that
//! publishes an encryption key or a curve we do not support beside its
//! signing keys must keep working.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

use crate::crypto::VerifyingKey;
use crate::keys::{algorithm_named, KeyKind, MIN_RSA_BITS};

/// One usable public key of a set.
pub(crate) struct RemoteKey {
    pub(crate) kid: Option<Box<str>>,
    pub(crate) kind: KeyKind,
    /// The JWK's `alg`, when it names one: then only that algorithm verifies.
    pub(crate) alg: Option<Algorithm>,
    pub(crate) key: VerifyingKey,
    /// The JWK's `issuer`, which multi-tenant providers (Entra ID) publish
    /// beside each key: only that issuer's tokens may be verified with it.
    /// It may hold a `{tenantid}` placeholder.
    pub(crate) issuer: Option<Box<str>>,
}

impl fmt::Debug for RemoteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteKey")
            .field("kid", &self.kid)
            .field("kind", &self.kind)
            .field("alg", &self.alg)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl RemoteKey {
    /// Whether this key may verify a token signed with `alg`.
    fn fits(&self, alg: Algorithm) -> bool {
        self.kind.fits(alg) && self.alg.is_none_or(|own| own == alg)
    }

    /// Whether `other` is this key: the same `kid`, kind, `alg`, `issuer` and key
    /// material. A refetched set holds new copies of the keys it kept.
    pub(crate) fn same_key(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
            || (self.kid == other.kid
                && self.kind == other.kind
                && self.alg == other.alg
                && self.issuer == other.issuer
                && same_material(self.key.decoding(), other.key.decoding()))
    }
}

fn same_material(a: &DecodingKey, b: &DecodingKey) -> bool {
    use jsonwebtoken::DecodingKeyKind::{RsaModulusExponent, SecretOrDer};
    match (a.kind(), b.kind()) {
        (SecretOrDer(a), SecretOrDer(b)) => a == b,
        (RsaModulusExponent { n, e }, RsaModulusExponent { n: n2, e: e2 }) => n == n2 && e == e2,
        _ => false,
    }
}

/// A usable key as the fuzz targets see it: its `kid`, `alg` and kind.
#[cfg(feature = "fuzzing")]
pub(crate) type KeyDescription = (Option<String>, Option<Algorithm>, String);

/// What a selection picked, for the fuzz targets: the key's position,
/// none, or `Err(())` for an ambiguous choice.
#[cfg(feature = "fuzzing")]
pub(crate) type Picked = Result<Option<usize>, ()>;

/// The usable keys of one fetched set, indexed by `kid`.
#[derive(Debug, Default)]
pub(crate) struct KeySet {
    keys: Vec<Arc<RemoteKey>>,
    by_kid: HashMap<Box<str>, Vec<Arc<RemoteKey>>>,
}

/// What a token's `kid` and `alg` select in a set.
#[derive(Debug)]
pub(crate) enum Selected {
    /// The key to verify with.
    One(Arc<RemoteKey>),
    /// No key fits: an unknown `kid`, or none for this algorithm.
    None,
    /// The token has no `kid` and several keys fit its algorithm.
    Ambiguous,
}

impl KeySet {
    /// How many usable keys the set holds.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The key for a token with this `kid` (if any) and `alg`.
    ///
    /// With a `kid`, the first key of that id which fits `alg`. Without one,
    /// the only key that fits `alg`; several are ambiguous, since trying each
    /// would let a token pick among keys it does not name.
    pub(crate) fn select(&self, kid: Option<&str>, alg: Algorithm) -> Selected {
        match kid {
            Some(kid) => self
                .by_kid
                .get(kid)
                .and_then(|keys| keys.iter().find(|key| key.fits(alg)))
                .map_or(Selected::None, |key| Selected::One(key.clone())),
            None => {
                let mut fitting = self.keys.iter().filter(|key| key.fits(alg));
                match (fitting.next(), fitting.next()) {
                    (Some(only), None) => Selected::One(only.clone()),
                    (None, _) => Selected::None,
                    (Some(_), Some(_)) => Selected::Ambiguous,
                }
            }
        }
    }

    /// Reads a JWK set document, skipping (and logging) each key that cannot
    /// be used. Fails only when the document is not a JWK set at all.
    pub(crate) fn parse(validator: &str, body: &[u8]) -> Result<Self, String> {
        let document: Value = serde_json::from_slice(body)
            .map_err(|e| format!("the key set is not valid JSON ({e})"))?;
        let Some(keys) = document.get("keys").and_then(Value::as_array) else {
            return Err("the key set has no `keys` list".to_owned());
        };
        let mut set = Self::default();
        for (index, jwk) in keys.iter().enumerate() {
            match read_jwk(jwk) {
                Ok(key) => set.insert(key),
                Err(reason) => {
                    let kid = jwk.get("kid").and_then(|kid| kid.as_str()).unwrap_or("");
                    tracing::warn!(
                        target: "rocket_warden",
                        validator,
                        kid,
                        "skipping key {index} of the key set: {reason}"
                    );
                }
            }
        }
        Ok(set)
    }

    /// Each usable key's `kid`, `alg` and kind, in set order, and the
    /// position of the key [`KeySet::select`] picks: what the fuzz targets
    /// check a parsed set against.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn describe(
        &self,
        picks: &[(Option<&str>, Algorithm)],
    ) -> (Vec<KeyDescription>, Vec<Picked>) {
        let keys = self
            .keys
            .iter()
            .map(|key| {
                (
                    key.kid.as_deref().map(str::to_owned),
                    key.alg,
                    key.kind.to_string(),
                )
            })
            .collect();
        let picked = picks
            .iter()
            .map(|&(kid, alg)| match self.select(kid, alg) {
                Selected::One(key) => Ok(self.keys.iter().position(|k| Arc::ptr_eq(k, &key))),
                Selected::None => Ok(None),
                Selected::Ambiguous => Err(()),
            })
            .collect();
        (keys, picked)
    }

    fn insert(&mut self, key: RemoteKey) {
        let key = Arc::new(key);
        if let Some(kid) = &key.kid {
            self.by_kid
                .entry(kid.clone())
                .or_default()
                .push(key.clone());
        }
        self.keys.push(key);
    }
}

/// Reads one JWK, or says why it cannot verify signatures here.
fn read_jwk(jwk: &Value) -> Result<RemoteKey, String> {
    let Some(jwk) = jwk.as_object() else {
        return Err("not a JSON object".to_owned());
    };
    let text = |name: &str| jwk.get(name).and_then(Value::as_str);
    if jwk.contains_key("d") {
        return Err("a private key has no place in a public key set".to_owned());
    }
    match text("use") {
        None | Some("sig") => {}
        Some(other) => return Err(format!("`use` is {other:?}, not \"sig\"")),
    }
    if let Some(ops) = jwk.get("key_ops") {
        let verifies = ops
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op.as_str() == Some("verify")));
        if !verifies {
            return Err("`key_ops` does not include \"verify\"".to_owned());
        }
    }
    let alg = match jwk.get("alg") {
        None => None,
        Some(Value::String(name)) => Some(
            algorithm_named(name)
                .ok_or_else(|| format!("`alg` {name:?} is not a supported signature algorithm"))?,
        ),
        Some(_) => return Err("`alg` is not a string".to_owned()),
    };
    let (kind, key) = match text("kty") {
        Some("RSA") => rsa(jwk)?,
        Some("EC") => ec(jwk)?,
        Some("OKP") => okp(jwk)?,
        Some("oct") => return Err("a symmetric key has no place in a public key set".to_owned()),
        Some(other) => return Err(format!("unsupported key type {other:?}")),
        None => return Err("no `kty`".to_owned()),
    };
    if let Some(alg) = alg {
        if !kind.fits(alg) {
            return Err(format!("`alg` {alg:?} does not fit {kind}"));
        }
    }
    let kid = match jwk.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.as_str().into()),
        Some(_) => return Err("`kid` is not a string".to_owned()),
    };
    let issuer = match jwk.get("issuer") {
        None => None,
        Some(Value::String(issuer)) => Some(issuer.as_str().into()),
        Some(_) => return Err("`issuer` is not a string".to_owned()),
    };
    Ok(RemoteKey {
        kid,
        kind,
        alg,
        key: key.into(),
        issuer,
    })
}

/// A base64url member of a JWK, decoded.
fn member(jwk: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    let text = jwk
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no `{name}`"))?;
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| format!("`{name}` is not base64url"))
}

fn rsa(jwk: &Map<String, Value>) -> Result<(KeyKind, DecodingKey), String> {
    let n = member(jwk, "n")?;
    let e = member(jwk, "e")?;
    let n = n.strip_prefix(&[0][..]).unwrap_or(&n);
    let bits = n.len() * 8 - n.first().map_or(0, |b| b.leading_zeros() as usize);
    if bits < MIN_RSA_BITS {
        return Err(format!(
            "the RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"
        ));
    }
    if e.is_empty() {
        return Err("`e` is empty".to_owned());
    }
    Ok((
        KeyKind::Rsa { bits },
        DecodingKey::from_rsa_raw_components(n, &e),
    ))
}

fn ec(jwk: &Map<String, Value>) -> Result<(KeyKind, DecodingKey), String> {
    let (kind, size) = match jwk.get("crv").and_then(Value::as_str) {
        Some("P-256") => (KeyKind::EcP256, 32),
        Some("P-384") => (KeyKind::EcP384, 48),
        Some(other) => return Err(format!("unsupported curve {other:?}")),
        None => return Err("no `crv`".to_owned()),
    };
    let x = member(jwk, "x")?;
    let y = member(jwk, "y")?;
    if x.len() != size || y.len() != size {
        return Err("the coordinates do not fit the curve".to_owned());
    }
    // An uncompressed SEC1 point, as `DecodingKey::from_ec_components` builds.
    let point = [&[4][..], &x, &y].concat();
    Ok((kind, DecodingKey::from_ec_der(&point)))
}

fn okp(jwk: &Map<String, Value>) -> Result<(KeyKind, DecodingKey), String> {
    match jwk.get("crv").and_then(Value::as_str) {
        Some("Ed25519") => {}
        Some(other) => return Err(format!("unsupported curve {other:?}")),
        None => return Err("no `crv`".to_owned()),
    }
    let x = member(jwk, "x")?;
    if x.len() != 32 {
        return Err("`x` is not an Ed25519 public key".to_owned());
    }
    Ok((KeyKind::Ed25519, DecodingKey::from_ed_der(&x)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const P256: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const P256_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    fn ec_key(kid: &str) -> Value {
        json!({ "kty": "EC", "crv": "P-256", "x": P256, "y": P256_Y, "kid": kid })
    }

    fn parse(keys: Value) -> KeySet {
        let body = json!({ "keys": keys }).to_string();
        KeySet::parse("test", body.as_bytes()).expect("a key set")
    }

    #[test]
    fn unusable_keys_are_skipped_one_by_one() {
        let set = parse(json!([
            { "kty": "oct", "k": "c2VjcmV0", "kid": "sym" },
            { "kty": "EC", "crv": "P-521", "x": P256, "y": P256_Y, "kid": "p521" },
            { "kty": "EC", "crv": "P-256", "x": P256, "y": P256_Y, "d": P256, "kid": "private" },
            { "kty": "EC", "crv": "P-256", "x": P256, "y": P256_Y, "use": "enc", "kid": "enc" },
            { "kty": "EC", "crv": "P-256", "x": P256, "y": P256_Y, "key_ops": ["encrypt"] },
            { "kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "tiny" },
            { "kty": "EC", "crv": "P-256", "x": P256, "y": P256_Y, "alg": "RS256" },
            "not an object",
            ec_key("good"),
        ]));
        assert_eq!(set.len(), 1);
        assert!(matches!(
            set.select(Some("good"), Algorithm::ES256),
            Selected::One(_)
        ));
        assert!(matches!(
            set.select(Some("sym"), Algorithm::ES256),
            Selected::None
        ));
    }

    #[test]
    fn a_kid_selects_only_a_key_fitting_the_algorithm() {
        let set = parse(json!([ec_key("a")]));
        assert!(matches!(
            set.select(Some("a"), Algorithm::ES384),
            Selected::None
        ));
        assert!(matches!(
            set.select(Some("b"), Algorithm::ES256),
            Selected::None
        ));
    }

    #[test]
    fn without_kid_only_a_single_fitting_key_is_selected() {
        let one = parse(json!([ec_key("a")]));
        assert!(matches!(
            one.select(None, Algorithm::ES256),
            Selected::One(_)
        ));
        let two = parse(json!([ec_key("a"), ec_key("b")]));
        assert!(matches!(
            two.select(None, Algorithm::ES256),
            Selected::Ambiguous
        ));
    }

    /// RFC 9864 lets a JWK name its algorithm `Ed25519`: EdDSA, for an
    /// Ed25519 key only; names are case-sensitive.
    #[test]
    fn a_jwk_may_name_its_algorithm_ed25519() {
        const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"; // RFC 8037 A.2
        let okp = |kid: &str, alg: &str| json!({ "kty": "OKP", "crv": "Ed25519", "x": X, "kid": kid, "alg": alg });
        let set = parse(json!([
            okp("ed", "Ed25519"),
            okp("lower", "ed25519"),
            { "kty": "EC", "crv": "P-256", "x": P256, "y": P256_Y, "kid": "ec", "alg": "Ed25519" },
        ]));
        assert_eq!(set.len(), 1);
        assert!(matches!(
            set.select(Some("ed"), Algorithm::EdDSA),
            Selected::One(_)
        ));
    }

    #[test]
    fn a_document_without_keys_is_refused() {
        assert!(KeySet::parse("test", b"{}").is_err());
        assert!(KeySet::parse("test", b"garbage").is_err());
    }
}
