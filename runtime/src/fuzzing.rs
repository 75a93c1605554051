//! Entry points for the fuzz targets in `fuzz/`: each reader of untrusted
//! input, called exactly as a request calls it, with nothing added. Not a
//! public API: it exists behind the hidden `fuzzing` feature so that the
//! targets can reach readers that are private to this crate, and it changes
//! whenever they do.
//!
//! What a request reads and where it is read:
//!
//! | input | reader | entry point |
//! |---|---|---|
//! | the `Authorization` header | `authn::credentials` | [`bearer`] |
//! | a compact JWS, its header and claims JSON | `verify` | [`verify`] |
//! | a JWK set document | `remote::jwks` | [`jwk_set`] |
//! | an OIDC discovery document | `remote::fetch` | [`discovery`] |
//! | a DPoP proof | `verify::dpop` | [`dpop_proof`] |
//! | an introspection answer (JSON, or an RFC 9701 JWT) | `verify::introspection` | [`introspection_answer`] |
//!
//! Query tokens and cookies, DPoP proofs with their token's binding, and
//! the provider's forms and query parameters are read from a whole Rocket
//! request; the `request`, `dpop_request` and `provider` targets send those
//! through a local Rocket client instead.

use jsonwebtoken::{Algorithm, Header};
use serde_json::{Map, Value};

use crate::authn::parse_bearer;
use crate::config::{DpopConfig, DpopMode};
use crate::error::{AuthError, DpopError};
use crate::remote::{
    discovery_endpoint, Answer, DiscoveryEndpoint, KeyDescription, KeySet, Picked,
};
use crate::verify::{check_audience, Expected, ProofRules, Validator, Verified};

/// The token of an `Authorization` header value, as the guards read it.
pub fn bearer(value: &str) -> Result<&str, AuthError> {
    parse_bearer(value)
}

/// What a verified token hands to a route.
#[derive(Debug)]
pub struct Accepted {
    /// The token's JOSE header.
    pub header: Header,
    /// Its claims.
    pub payload: Map<String, Value>,
    /// The roles it grants, scopes included (as `scope:<name>`).
    pub roles: Vec<String>,
}

/// Verifies `token` as a guard does, the validated-token cache included,
/// then checks its audience against the validator's own audiences and reads
/// the roles it grants.
pub async fn verify(validator: &Validator, token: &str) -> Result<Accepted, AuthError> {
    let verified = validator.verify(token).await?;
    accept(&verified)
}

/// What a route is handed of `verified`, once its audience is checked
/// against the validator's own audiences.
fn accept(verified: &Verified) -> Result<Accepted, AuthError> {
    check_audience(&verified.rules, verified.audience.as_ref(), None)?;
    Ok(Accepted {
        header: (*verified.header).clone(),
        payload: verified.payload.map().clone(),
        roles: verified
            .grants()
            .roles
            .iter()
            .map(|role| role.to_string())
            .collect(),
    })
}

/// Reads an introspection endpoint's answer about a token, as
/// `validator` (an introspection validator) reads one it has just received:
/// `body` is the JSON answer, or, when `jwt`, the text of a JWT answer (RFC
/// 9701). Then, as [`verify`] does, the audience and the roles. Nothing is
/// remembered.
pub async fn introspection_answer(
    validator: &Validator,
    body: &[u8],
    jwt: bool,
) -> Result<Accepted, AuthError> {
    let introspection = validator
        .introspection()
        .unwrap_or_else(|| panic!("validator `{}` does not introspect", validator.name()));
    let answer = match jwt {
        // As the client reads a JWT answer; one that is not text is no
        // answer, which `ask` turns into this refusal.
        true => match std::str::from_utf8(body) {
            Ok(text) => Answer::Jwt(text.trim().to_owned()),
            Err(_) => {
                return Err(AuthError::IntrospectionUnavailable {
                    retry_after_secs: 1,
                })
            }
        },
        false => Answer::Json(body.to_vec()),
    };
    let verified = introspection.read_answer(validator, answer).await?;
    accept(&verified)
}

/// A JWK set document as a remote key source reads it: each usable key's
/// `kid`, `alg` and kind (keys that cannot be used are skipped), and the key
/// the set selects for each `(kid, alg)` of `picks`: `Ok(Some(position))`,
/// `Ok(None)` for no key, `Err(())` when the choice is ambiguous.
pub fn jwk_set(body: &[u8], picks: &[(Option<&str>, Algorithm)]) -> Result<KeySetView, String> {
    let set = KeySet::parse("fuzz", body)?;
    let (keys, picked) = set.describe(picks);
    Ok(KeySetView { keys, picked })
}

/// What [`jwk_set`] read.
#[derive(Debug)]
pub struct KeySetView {
    /// Each usable key's `kid`, `alg` and kind (as launch logs name it).
    pub keys: Vec<KeyDescription>,
    /// The selection for each pick, in order.
    pub picked: Vec<Picked>,
}

/// The `jwks_uri` a discovery document names for `issuer`.
pub fn discovery(issuer: &str, body: &[u8]) -> Result<String, String> {
    discovery_endpoint(issuer, body, DiscoveryEndpoint::JwksUri).map(String::from)
}

/// The DPoP settings [`dpop_proof`] checks proofs with: `dpop_origin`
/// [`DPOP_ORIGIN`], the default algorithms, proofs good for 60 s, no leeway.
pub const DPOP_ORIGIN: &str = "https://api.fuzz.example";

/// Checks a DPoP proof as a request with `method`, `path` and `token` at
/// `now` would (without the replay store): the thumbprint of its key.
pub fn dpop_proof(
    proof: &str,
    method: &str,
    path: &str,
    token: &str,
    now: u64,
) -> Result<String, DpopError> {
    thread_local! {
        static RULES: ProofRules = ProofRules::new(&DpopConfig {
            mode: DpopMode::Allowed,
            origin: DPOP_ORIGIN.to_owned(),
            algorithms: vec![
                Algorithm::ES256,
                Algorithm::ES384,
                Algorithm::EdDSA,
                Algorithm::PS256,
                Algorithm::RS256,
            ],
            proof_max_age_secs: 60,
            replay_cache_size: 1,
            nonce_secs: None,
            nonce_secret: None,
            leeway_secs: 0,
        })
        .unwrap_or_else(|problem| panic!("the fuzz DPoP rules: {problem}"));
    }
    let expected = Expected {
        method,
        path,
        token,
        now,
    };
    RULES.with(|rules| rules.check(proof, &expected).map(|proof| proof.jkt))
}
