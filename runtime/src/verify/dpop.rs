//! DPoP proofs (RFC 9449 §4.3): a JWT the client signs with its own key for
//! each request, naming the method, the URI and the access token it goes
//! with. Checked here without Rocket types; `authn::dpop` reads the headers
//! and ties the proof's key to the token's `cnf.jkt`.
//!
//! Proofs are read with the claims' reader (a member named twice is
//! refused) and verified with jsonwebtoken's primitive, as tokens are. The
//! replay store (`replay`) is consulted last, so only proofs that verified
//! take room in it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use url::{Position, Url};

use super::compact::check_shape;
use super::json::UniqueObject;
use super::nonce::Nonces;
use crate::config::DpopConfig;
use crate::crypto::VerifyingKey;
use crate::error::DpopError;
use crate::keys::algorithm_named;

/// JWK members that only a private (or symmetric) key has: a proof carries
/// the public key, and one that sends more gave its secret away.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The longest `jti` kept: RFC 9449 asks for enough randomness (96 bits is
/// 16 base64url characters); 256 leaves room and bounds the store.
const MAX_JTI_BYTES: usize = 256;

/// How a validator checks proofs: its `dpop_*` settings.
#[derive(Debug)]
pub(crate) struct ProofRules {
    origin: Box<str>,
    algorithms: Box<[Algorithm]>,
    /// The `algs` of the `DPoP` challenge: the allow-list's names.
    algs: Box<str>,
    max_age: u64,
    leeway: u64,
    /// Server nonces, when proofs must carry one.
    nonces: Option<Nonces>,
}

/// What a proof must match: the request it came with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expected<'a> {
    /// The request's method, as `htm` names it (`GET`).
    pub(crate) method: &'a str,
    /// The request's path, without its query; `htu` is the origin and this.
    pub(crate) path: &'a str,
    /// The access token sent with the proof, whose hash `ath` is.
    pub(crate) token: &'a str,
    /// Seconds since the epoch, on the application's clock.
    pub(crate) now: u64,
}

/// A proof that verified: its key's thumbprint, and what the replay store
/// must remember of it, until when.
#[derive(Debug, Clone)]
pub(crate) struct Proof {
    /// The RFC 7638 SHA-256 thumbprint of the proof's key, base64url.
    pub(crate) jkt: String,
    /// A digest of the key's thumbprint and the proof's `jti`.
    pub(crate) replay_key: [u8; 32],
    /// When the proof stops being accepted anyway (seconds since the epoch).
    pub(crate) expires: u64,
}

impl ProofRules {
    /// The rules of a validator's `dpop_*` settings. With server nonces and
    /// no random bytes for their key, `Err`: launch cannot go on safely.
    pub(crate) fn new(config: &DpopConfig) -> Result<Self, &'static str> {
        let names: Vec<String> = config.algorithms.iter().map(|a| format!("{a:?}")).collect();
        let nonces = match config.nonce_secs {
            Some(secs) => {
                let shared = config.nonce_secret.as_ref().map(|secret| secret.bytes());
                Some(Nonces::new(secs, shared).ok_or("no random bytes for the nonce key")?)
            }
            None => None,
        };
        Ok(Self {
            origin: config.origin.as_str().into(),
            algorithms: config.algorithms.clone().into(),
            algs: names.join(" ").into(),
            max_age: config.proof_max_age_secs,
            leeway: config.leeway_secs,
            nonces,
        })
    }

    /// The nonce to hand out at `now`, when proofs must carry one.
    pub(crate) fn current_nonce(&self, now: u64) -> Option<String> {
        self.nonces.as_ref().map(|nonces| nonces.current(now))
    }

    /// The `algs` parameter of the `DPoP` challenge (RFC 9449 §7.1).
    pub(crate) fn algs(&self) -> &str {
        &self.algs
    }

    /// Checks `proof` against the request it came with.
    pub(crate) fn check(&self, proof: &str, expected: &Expected<'_>) -> Result<Proof, DpopError> {
        let compact = check_shape(proof).map_err(|_| DpopError::Malformed)?;
        let header = object(compact_part(proof, 0))?;
        let (alg, jwk) = self.header(&header)?;
        let key: VerifyingKey = DecodingKey::from_jwk(&jwk)
            .map_err(|_| DpopError::BadKey)?
            .into();
        // A key of another family than `alg` is an error, not a mismatch.
        compact
            .verify(&key, alg)
            .map_err(|_| DpopError::BadSignature)?;
        let claims = object(compact_part(proof, 1))?;
        let (jti, iat) = self.claims(&claims, expected)?;
        let jkt = jwk
            .thumbprint(ThumbprintHash::SHA256)
            .map_err(|_| DpopError::BadKey)?;
        let mut digest = Sha256::new();
        digest.update(jkt.as_bytes());
        digest.update([0]);
        digest.update(jti.as_bytes());
        Ok(Proof {
            jkt,
            replay_key: digest.finalize().into(),
            expires: iat.saturating_add(self.max_age).saturating_add(self.leeway),
        })
    }

    /// The proof's header: `typ`, `alg` on the allow-list, a public `jwk`,
    /// no `crit`, and no `b64` (RFC 7797) but `true`, as a token's.
    fn header(&self, header: &Map<String, Value>) -> Result<(Algorithm, Jwk), DpopError> {
        let b64 = header.get("b64");
        if header.contains_key("crit") || b64.is_some_and(|b64| *b64 != Value::Bool(true)) {
            return Err(DpopError::Malformed);
        }
        // Media types compare without regard to case (RFC 7515 §4.1.9).
        let typ = header.get("typ").and_then(Value::as_str);
        if !typ.is_some_and(|typ| typ.eq_ignore_ascii_case("dpop+jwt")) {
            return Err(DpopError::WrongType);
        }
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .and_then(algorithm_named)
            .filter(|alg| self.algorithms.contains(alg))
            .ok_or(DpopError::AlgorithmNotAllowed)?;
        let Some(Value::Object(jwk)) = header.get("jwk") else {
            return Err(DpopError::BadKey);
        };
        if PRIVATE_MEMBERS
            .iter()
            .any(|member| jwk.contains_key(*member))
        {
            return Err(DpopError::BadKey);
        }
        let jwk: Jwk =
            serde_json::from_value(Value::Object(jwk.clone())).map_err(|_| DpopError::BadKey)?;
        Ok((alg, jwk))
    }

    /// The proof's claims against the request: `jti`, `htm`, `htu`, `iat`
    /// and `ath`. Returns the `jti` and `iat`.
    fn claims<'c>(
        &self,
        claims: &'c Map<String, Value>,
        expected: &Expected<'_>,
    ) -> Result<(&'c str, u64), DpopError> {
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        let jti = text("jti")
            .filter(|jti| !jti.is_empty() && jti.len() <= MAX_JTI_BYTES)
            .ok_or(DpopError::Malformed)?;
        let (Some(htm), Some(htu), Some(ath)) = (text("htm"), text("htu"), text("ath")) else {
            return Err(DpopError::Malformed);
        };
        let iat = claims
            .get("iat")
            .and_then(Value::as_f64)
            .filter(|iat| (0.0..u64::MAX as f64).contains(iat))
            .ok_or(DpopError::Malformed)?
            .round() as u64;
        if htm != expected.method {
            return Err(DpopError::WrongMethod);
        }
        if !self.is_this_uri(htu, expected.path) {
            return Err(DpopError::WrongUri);
        }
        let latest = expected.now.saturating_add(self.leeway);
        let earliest = expected
            .now
            .saturating_sub(self.max_age.saturating_add(self.leeway));
        if !(earliest..=latest).contains(&iat) {
            return Err(DpopError::Stale);
        }
        if ath != URL_SAFE_NO_PAD.encode(Sha256::digest(expected.token.as_bytes())) {
            return Err(DpopError::WrongToken);
        }
        if let Some(nonces) = &self.nonces {
            if !text("nonce").is_some_and(|nonce| nonces.accepts(nonce, expected.now)) {
                return Err(DpopError::UseNonce);
            }
        }
        Ok((jti, iat))
    }

    /// Whether `htu` names the origin and `path`, ignoring its query and
    /// fragment, after the syntax-based normalisation RFC 9449 §4.3 asks
    /// for, as the WHATWG URL parser does it: the case of scheme and host,
    /// the default port, dot segments. Percent-encoding is compared as sent.
    fn is_this_uri(&self, htu: &str, path: &str) -> bool {
        let (Ok(sent), Ok(this)) = (
            Url::parse(htu),
            Url::parse(&format!("{}{path}", self.origin)),
        ) else {
            return false;
        };
        sent[..Position::AfterPath] == this[..Position::AfterPath]
    }
}

/// The `index`th dot-separated part of a compact JWS.
fn compact_part(token: &str, index: usize) -> &str {
    token.split('.').nth(index).unwrap_or_default()
}

/// A base64url part holding a JSON object that names each member once.
fn object(part: &str) -> Result<Map<String, Value>, DpopError> {
    let json = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| DpopError::Malformed)?;
    let UniqueObject(object) = serde_json::from_slice(&json).map_err(|_| DpopError::Malformed)?;
    Ok(object)
}
