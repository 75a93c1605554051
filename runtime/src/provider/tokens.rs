//! The tokens the provider issues: RFC 9068 access tokens, OIDC ID tokens,
//! and the random strings behind codes and refresh tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::Header;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256, Sha512};

use super::config::{ClientConfig, SigningAlgorithm};
use super::keys::SigningKey;
use super::store::{CodeGrant, Family};

/// Who a token is about, as the login established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subject {
    pub(crate) sub: String,
    pub(crate) auth_time: u64,
    pub(crate) acr: Option<String>,
    /// Space-separated, as stored.
    pub(crate) amr: Option<String>,
}

impl From<&CodeGrant> for Subject {
    fn from(grant: &CodeGrant) -> Self {
        Self {
            sub: grant.sub.clone(),
            auth_time: grant.auth_time,
            acr: grant.acr.clone(),
            amr: grant.amr.clone(),
        }
    }
}

impl From<&Family> for Subject {
    fn from(family: &Family) -> Self {
        Self {
            sub: family.sub.clone(),
            auth_time: family.auth_time,
            acr: family.acr.clone(),
            amr: family.amr.clone(),
        }
    }
}

/// 256 random bits, base64url: codes, refresh tokens, `jti`s, CSRF tokens.
pub(crate) fn random() -> String {
    let mut bytes = [0_u8; 32];
    // The operating system's generator failing is not something to serve
    // through: no credential is ever made from anything weaker.
    getrandom::fill(&mut bytes).expect("the operating system's random generator");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 digest a code or refresh token is stored under.
pub(crate) fn digest(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

/// `at_hash` / `c_hash`: the left half of the hash the signing algorithm
/// uses (OIDC Core §3.3.2.11), SHA-512 for EdDSA with Ed25519.
pub(crate) fn half_hash(algorithm: SigningAlgorithm, value: &str) -> String {
    let full = match algorithm {
        SigningAlgorithm::Rs256 | SigningAlgorithm::Es256 => {
            Sha256::digest(value.as_bytes()).to_vec()
        }
        SigningAlgorithm::EdDsa => Sha512::digest(value.as_bytes()).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&full[..full.len() / 2])
}

/// Signs `claims` with `key`, `typ` as given.
pub(crate) fn sign(key: &SigningKey, typ: &str, claims: &Value) -> Result<String, String> {
    let mut header = Header::new(key.algorithm.jose());
    header.kid = Some(key.kid.clone());
    header.typ = Some(typ.to_owned());
    jsonwebtoken::encode(&header, claims, &key.encoding).map_err(|e| e.to_string())
}

/// An access token's claims (RFC 9068 §2.2): for a user, or for the client
/// itself (client credentials, `subject` `None`).
pub(crate) struct AccessToken<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) client: &'a ClientConfig,
    pub(crate) subject: Option<&'a Subject>,
    pub(crate) scope: &'a str,
    pub(crate) now: u64,
    pub(crate) ttl_secs: u64,
}

impl AccessToken<'_> {
    /// The claims, with a fresh `jti`; returns them with the `jti` and `exp`.
    pub(crate) fn claims(&self) -> (Value, String, u64) {
        let jti = random();
        let exp = self.now + self.ttl_secs;
        let sub = self
            .subject
            .map_or(self.client.id.as_str(), |s| s.sub.as_str());
        let mut claims = json!({
            "iss": self.issuer,
            "sub": sub,
            "aud": self.client.audience,
            "client_id": self.client.id,
            "iat": self.now,
            "exp": exp,
            "jti": jti,
            "scope": self.scope,
        });
        if let Some(subject) = self.subject {
            add_authentication(claims.as_object_mut(), subject);
        }
        (claims, jti, exp)
    }
}

/// `auth_time`, `acr` and `amr` as the login gave them.
fn add_authentication(claims: Option<&mut Map<String, Value>>, subject: &Subject) {
    let Some(claims) = claims else { return };
    claims.insert("auth_time".into(), json!(subject.auth_time));
    if let Some(acr) = &subject.acr {
        claims.insert("acr".into(), json!(acr));
    }
    if let Some(amr) = subject.amr.as_deref().filter(|amr| !amr.is_empty()) {
        claims.insert("amr".into(), json!(amr.split(' ').collect::<Vec<_>>()));
    }
}

/// An ID token's claims (OIDC Core §2).
pub(crate) struct IdToken<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) client: &'a ClientConfig,
    pub(crate) subject: &'a Subject,
    pub(crate) nonce: Option<&'a str>,
    pub(crate) access_token: Option<&'a str>,
    pub(crate) code: Option<&'a str>,
    pub(crate) now: u64,
    pub(crate) ttl_secs: u64,
}

impl IdToken<'_> {
    /// The claims, with the half-hashes for `algorithm`.
    pub(crate) fn claims(&self, algorithm: SigningAlgorithm) -> Value {
        let mut claims = json!({
            "iss": self.issuer,
            "sub": self.subject.sub,
            "aud": self.client.id,
            "azp": self.client.id,
            "iat": self.now,
            "exp": self.now + self.ttl_secs,
        });
        let object = claims.as_object_mut();
        add_authentication(object, self.subject);
        if let Some(object) = claims.as_object_mut() {
            if let Some(nonce) = self.nonce {
                object.insert("nonce".into(), json!(nonce));
            }
            if let Some(token) = self.access_token {
                object.insert("at_hash".into(), json!(half_hash(algorithm, token)));
            }
            if let Some(code) = self.code {
                object.insert("c_hash".into(), json!(half_hash(algorithm, code)));
            }
        }
        claims
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_hashes_follow_the_signing_algorithm() {
        // OIDC Core §A.3 and §A.4 (shared/vectors): at_hash and c_hash
        // under RS256.
        assert_eq!(
            half_hash(
                SigningAlgorithm::Rs256,
                "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
            ),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        let code = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk";
        assert_eq!(
            half_hash(SigningAlgorithm::Es256, code),
            "LDktKdoQak3Pk0cnXxCltA"
        );
        assert_eq!(half_hash(SigningAlgorithm::EdDsa, "x").len(), 43);
    }
}
