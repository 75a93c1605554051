//! The DPoP keys of a validator (`dpop`, `dpop_origin`, `dpop_algorithms`,
//! `dpop_proof_max_age_secs`, `dpop_replay_cache_size`, `dpop_nonce_secs`,
//! `dpop_nonce_secret_env`), read and checked at
//! launch. How a proof is checked is `verify::dpop`'s; where it is read,
//! `authn`'s.

use jsonwebtoken::Algorithm;
use url::Url;

use super::origin::check_https;
use super::problems::Problems;
use crate::keys::algorithm_named;

/// Whether tokens may, or must, come with a DPoP proof (RFC 9449).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DpopMode {
    /// The `DPoP` scheme is not accepted; a DPoP-bound token (one with
    /// `cnf.jkt`) is refused however it is sent.
    Disabled,
    /// `Authorization: DPoP` with a proof, or `Bearer` for tokens that are
    /// not DPoP-bound.
    Allowed,
    /// Only `Authorization: DPoP` with a proof.
    Required,
}

impl DpopMode {
    /// The name configuration and `#[jwt_auth(dpop = …)]` use.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Disabled => "disabled",
            Self::Allowed => "allowed",
            Self::Required => "required",
        }
    }
}

/// The proof algorithms accepted by default: asymmetric ones only (RFC
/// 9449 §4.2: the proof is signed by a key the client holds alone).
const DEFAULT_ALGORITHMS: [Algorithm; 5] = [
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
    Algorithm::PS256,
    Algorithm::RS256,
];

/// The default `dpop_proof_max_age_secs`: a proof is good for a minute.
const DEFAULT_PROOF_MAX_AGE_SECS: u64 = 60;

/// The largest `dpop_proof_max_age_secs`: an hour. The replay cache keeps
/// every proof that long, so more is a memory problem as much as a risk.
const MAX_PROOF_MAX_AGE_SECS: u64 = 3_600;

/// The default `dpop_replay_cache_size`: proofs remembered at once, enough
/// for 1,600 requests a second with one-minute proofs.
const DEFAULT_REPLAY_CACHE_SIZE: usize = 100_000;

/// The fewest bytes of a shared nonce secret: 256 bits, as many as the
/// random key it stands in for.
const MIN_NONCE_SECRET_BYTES: usize = 32;

/// The secret every instance makes its server nonces with
/// (`dpop_nonce_secret_env`), so that a nonce one instance handed out is
/// good at the others. Never printed.
#[derive(Clone)]
pub(crate) struct NonceSecret(Box<[u8]>);

impl NonceSecret {
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for NonceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NonceSecret(..)")
    }
}

/// A validator's checked DPoP settings, present unless `dpop = "disabled"`.
#[derive(Debug, Clone)]
pub(crate) struct DpopConfig {
    pub(crate) mode: DpopMode,
    /// `scheme://host[:port]` as clients reach the application, which a
    /// proof's `htu` must start with.
    pub(crate) origin: String,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) proof_max_age_secs: u64,
    pub(crate) replay_cache_size: usize,
    /// How long a server nonce is good for, when proofs must carry one.
    pub(crate) nonce_secs: Option<u64>,
    /// The secret nonces are made with, shared by every instance; `None`:
    /// a random key of this process's own.
    pub(crate) nonce_secret: Option<NonceSecret>,
    /// The validator's `leeway_secs`, which applies to a proof's `iat` too
    /// (set with the validator's other settings).
    pub(crate) leeway_secs: u64,
}

/// Reads the DPoP keys of the validator `problems` is about.
pub(crate) fn read(problems: &mut Problems<'_>) -> Option<DpopConfig> {
    let mode: Option<String> = problems.read("dpop");
    let origin: Option<String> = problems.read("dpop_origin");
    let algorithms: Option<Vec<String>> = problems.read("dpop_algorithms");
    let max_age: Option<u64> = problems.read("dpop_proof_max_age_secs");
    let replay: Option<usize> = problems.read("dpop_replay_cache_size");
    let nonce_secs: Option<u64> = problems.read("dpop_nonce_secs");
    let nonce_secret_env: Option<String> = problems.read("dpop_nonce_secret_env");
    let mode = match mode.as_deref() {
        None | Some("disabled") => DpopMode::Disabled,
        Some("allowed") => DpopMode::Allowed,
        Some("required") => DpopMode::Required,
        Some(other) => {
            problems.add(
                "dpop",
                format!("`{other}` is not one of \"disabled\", \"allowed\", \"required\""),
            );
            return None;
        }
    };
    if mode == DpopMode::Disabled {
        let set = [
            ("dpop_origin", origin.is_some()),
            ("dpop_algorithms", algorithms.is_some()),
            ("dpop_proof_max_age_secs", max_age.is_some()),
            ("dpop_replay_cache_size", replay.is_some()),
            ("dpop_nonce_secs", nonce_secs.is_some()),
            ("dpop_nonce_secret_env", nonce_secret_env.is_some()),
        ];
        for (key, _) in set.iter().filter(|(_, set)| *set) {
            problems.add(
                key,
                "is not used unless `dpop` is \"allowed\" or \"required\"",
            );
        }
        return None;
    }
    let origin = checked_origin(problems, origin);
    let algorithms = proof_algorithms(problems, algorithms);
    let proof_max_age_secs = max_age.unwrap_or(DEFAULT_PROOF_MAX_AGE_SECS);
    if !(1..=MAX_PROOF_MAX_AGE_SECS).contains(&proof_max_age_secs) {
        problems.add(
            "dpop_proof_max_age_secs",
            format!("from 1 to {MAX_PROOF_MAX_AGE_SECS} seconds"),
        );
    }
    let replay_cache_size = replay.unwrap_or(DEFAULT_REPLAY_CACHE_SIZE);
    if replay_cache_size == 0 {
        problems.add(
            "dpop_replay_cache_size",
            "at least 1: without it a proof could be replayed",
        );
    }
    if nonce_secs.is_some_and(|secs| !(1..=MAX_PROOF_MAX_AGE_SECS).contains(&secs)) {
        problems.add(
            "dpop_nonce_secs",
            format!("from 1 to {MAX_PROOF_MAX_AGE_SECS} seconds"),
        );
    }
    let nonce_secret = nonce_secret_env.and_then(|var| nonce_secret(problems, &var, nonce_secs));
    Some(DpopConfig {
        mode,
        origin: origin?,
        algorithms,
        proof_max_age_secs,
        replay_cache_size,
        nonce_secs,
        nonce_secret,
        leeway_secs: 0,
    })
}

/// `dpop_nonce_secret_env`: the environment variable `var` holds the
/// secret, at least [`MIN_NONCE_SECRET_BYTES`] long; only with server
/// nonces. Its value is never named in a problem.
fn nonce_secret(
    problems: &mut Problems<'_>,
    var: &str,
    nonce_secs: Option<u64>,
) -> Option<NonceSecret> {
    const KEY: &str = "dpop_nonce_secret_env";
    if nonce_secs.is_none() {
        problems.add(KEY, "applies only with `dpop_nonce_secs`");
        return None;
    }
    match std::env::var(var) {
        Ok(secret) if secret.len() >= MIN_NONCE_SECRET_BYTES => {
            Some(NonceSecret(secret.into_bytes().into_boxed_slice()))
        }
        Ok(_) => {
            problems.add(
                KEY,
                format!(
                    "environment variable `{var}` holds fewer than {MIN_NONCE_SECRET_BYTES} \
                     bytes: nonces made with it could be guessed"
                ),
            );
            None
        }
        Err(_) => {
            problems.add(
                KEY,
                format!("environment variable `{var}` is not set or not UTF-8"),
            );
            None
        }
    }
}

/// `dpop_origin`: required, an `https` origin (or `http` on a loopback
/// host, for development), nothing after the port. Behind a proxy Rocket
/// sees neither the scheme nor the host the client used, so it is
/// configured rather than taken from the request's `Host`, which the client
/// writes.
fn checked_origin(problems: &mut Problems<'_>, origin: Option<String>) -> Option<String> {
    let Some(origin) = origin else {
        problems.add(
            "dpop_origin",
            "required with DPoP: the scheme, host and port clients use, e.g. \
             \"https://api.example.com\" (a proof's `htu` must match it)",
        );
        return None;
    };
    let parsed = Url::parse(&origin).ok().filter(|url| {
        url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none()
            && url.host().is_some()
    });
    let Some(url) = parsed else {
        problems.add(
            "dpop_origin",
            "an origin: `https://host` or `https://host:port`, without a path",
        );
        return None;
    };
    if !check_https(problems, "dpop_origin", &url) {
        return None;
    }
    // The serialized origin: lower-case scheme and host, no default port.
    Some(url.origin().ascii_serialization())
}

/// `dpop_algorithms`: asymmetric algorithms only; the default when absent.
fn proof_algorithms(problems: &mut Problems<'_>, names: Option<Vec<String>>) -> Vec<Algorithm> {
    let Some(names) = names else {
        return DEFAULT_ALGORITHMS.to_vec();
    };
    if names.is_empty() {
        problems.add("dpop_algorithms", "cannot be empty");
    }
    let mut algorithms = Vec::with_capacity(names.len());
    for name in &names {
        match algorithm_named(name) {
            Some(Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) => problems.add(
                "dpop_algorithms",
                format!("`{name}` is symmetric: a proof is signed with the client's private key"),
            ),
            Some(algorithm) => algorithms.push(algorithm),
            None => problems.add(
                "dpop_algorithms",
                format!(
                    "unknown algorithm `{name}`, expected some of \
                     ES256, ES384, EdDSA, Ed25519, PS256, PS384, PS512, RS256, RS384, RS512"
                ),
            ),
        }
    }
    algorithms
}
