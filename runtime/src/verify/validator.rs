//! [`Validator`]: one configured validator, and how it verifies a token:
//! shape, algorithm allow-list, signature, header and claims.
//!
//! jsonwebtoken checks the signature (see `compact`). This module checks the
//! rest: the compact shape (five parts is an encrypted JWE), the algorithm
//! allow-list, `crit` and `typ` on the header side; the issuer (a single
//! string, exactly the configured one), the presence of required claims (in
//! configuration order, `null` counting as absent) and the time claims (see
//! `times`) on the payload side, against the application's clock. The
//! audience is checked per route, after the request's token is verified once
//! (a route may replace the validator's audiences): see
//! `claims::check_audience`.
//!
//! A token that verified is kept in the validator's validated-token cache
//! (see `cache`), so the next request that carries it costs a digest, a
//! lookup and the time checks.

use std::fmt;
use std::sync::Arc;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Header};
use serde_json::{Map, Value};

use super::cache::{self, Entry, TokenCache, TokenCacheStats};
use super::compact::{check_shape, has_known_alg, Compact};
use super::ecdsa::is_high_s;
use super::payload::Payload;
use super::tenants::{Build, Issuer, Issuers, Keys, TrustHooks};
use super::times::Times;
use super::verified::Verified;
use crate::clock::SharedClock;
use crate::config::{AccessRules, DpopMode, ResourceConfig, ValidatorConfig};
use crate::crypto::VerifyingKey;
use crate::error::{AuthError, TokenError};

/// The refusal of a header whose `b64` (RFC 7797) is not `true`.
const UNENCODED_PAYLOAD: &str = "unencoded payloads (b64) are not accepted";
use crate::remote::{KeyStats, Missing, RemoteKey, RemoteKeys};
use crate::telemetry;

/// The refusal for a jsonwebtoken validation error (key and provider
/// errors are handled before, by [`Validator::explain`]).
fn token_error(error: jsonwebtoken::errors::Error) -> TokenError {
    match error.into_kind() {
        ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::UnsupportedAlgorithm => TokenError::AlgorithmNotAllowed,
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        ErrorKind::InvalidAudience => TokenError::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) => TokenError::MissingClaim(claim.into()),
        ErrorKind::InvalidClaimFormat(claim) => TokenError::MalformedClaim(claim.into()),
        ErrorKind::Base64(_) => TokenError::Malformed("token is not valid base64url"),
        ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
            TokenError::Malformed("token header or claims are not valid JSON")
        }
        // What remains means the signature could not be checked as given.
        _ => TokenError::BadSignature,
    }
}

/// What the validated-token cache said of a token (see [`Validator::lookup`]).
pub(crate) enum Lookup {
    /// The very same bytes verified before: the token, or why it no longer
    /// passes (expired since, say).
    Hit(Result<Arc<Verified>, AuthError>),
    /// Not cached (or cached no more): verify it.
    Miss(Miss),
}

/// A token the cache did not hold, with the digest it is kept under once it
/// verifies: its last 43 characters' for a JWT, the whole token's for an
/// introspected one (`None`: the cache is off, or the token is shorter
/// than any signature, or too large to introspect).
pub(crate) struct Miss {
    pub(super) digest: Option<super::cache::TokenDigest>,
}

/// A token whose signature verified, with whether the key that verified it
/// hides a signature cut short (see
/// [`VerifyingKey::hides_a_signature_cut_short`]).
struct SignatureChecked<'t> {
    compact: Compact<'t>,
    header: Box<Header>,
    hides_cut: bool,
}

/// One configured validator: a key, an algorithm allow-list and the rules a
/// token's claims must meet. Built by the fairing from `jwt.validators.<name>`.
pub struct Validator {
    name: Arc<str>,
    realm: Arc<str>,
    /// Whose tokens it accepts, with the keys of each.
    issuers: Issuers,
    /// The allow-list: a token's `alg` must be one of these.
    algorithms: Box<[Algorithm]>,
    access: Arc<AccessRules>,
    clock: SharedClock,
    leeway: u64,
    /// Claims that must be present: `iss`, then `required_claims` in
    /// configuration order (`aud` is checked with the route's audiences).
    required: Box<[Box<str>]>,
    token_type: Option<Box<str>>,
    /// Refuse ES256/ES384 signatures in high-S form (`require_low_s`).
    require_low_s: bool,
    /// How it takes DPoP proofs; `None`: it does not.
    dpop_mode: Option<DpopMode>,
    /// The protected resource it guards (RFC 9728), if configured.
    resource: Option<ResourceConfig>,
    /// Tokens that verified; `None` with `token_cache_size = 0`.
    cache: Option<TokenCache>,
    /// Its handles to the metrics every request touches.
    series: telemetry::Series,
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validator")
            .field("name", &self.name)
            .field("issuers", &self.issuers)
            .field("algorithms", &self.algorithms)
            .field("audiences", &self.access.audiences)
            .finish_non_exhaustive()
    }
}

/// What the validators of one application share: the clock, the HTTP
/// client (built only when a validator makes requests), and the
/// trust hooks of tenants validators.
#[derive(Clone)]
pub(crate) struct Context {
    pub(crate) clock: SharedClock,
    pub(crate) client: Option<reqwest::Client>,
    pub(crate) hooks: TrustHooks,
}

impl Validator {
    pub(crate) fn new(config: ValidatorConfig, context: &Context) -> Self {
        let mut required = vec!["iss".to_owned()];
        for claim in config.required_claims {
            if !required.contains(&claim) {
                required.push(claim);
            }
        }
        let build = Build {
            validator: &config.name,
            client: context.client.as_ref(),
            clock: &context.clock,
            hooks: &context.hooks,
        };
        let issuers = Issuers::new(config.issuers, &build);
        Self {
            name: config.name,
            realm: config.realm,
            issuers,
            algorithms: config.algorithms.into(),
            access: Arc::new(config.access),
            clock: context.clock.clone(),
            leeway: config.leeway_secs,
            required: required.into_iter().map(Into::into).collect(),
            token_type: config.token_type.map(Into::into),
            require_low_s: config.require_low_s,
            dpop_mode: config.dpop_mode,
            resource: config.resource,
            cache: TokenCache::new(config.token_cache_size, config.token_cache_max_bytes),
            series: telemetry::Series::default(),
        }
    }

    /// Its handles to the metrics every request touches.
    pub(crate) fn series(&self) -> &telemetry::Series {
        &self.series
    }

    /// The validator's name, its key under `jwt.validators`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its name, shared: what refusals and verified tokens keep.
    pub(crate) fn shared_name(&self) -> &Arc<str> {
        &self.name
    }

    /// The realm its challenges name.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The realm, shared: what a recorded refusal keeps.
    pub(crate) fn shared_realm(&self) -> &Arc<str> {
        &self.realm
    }

    /// The algorithms it accepts.
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// The counters of its remote key cache; `None` for a validator with a
    /// configured key or secret, or with several issuers.
    pub fn key_stats(&self) -> Option<KeyStats> {
        match &self.issuers {
            Issuers::One(issuer) => match &*issuer.keys {
                Keys::Static { .. } => None,
                Keys::Remote(remote) => Some(remote.stats()),
            },
            Issuers::Tenants(_) | Issuers::Introspected { .. } => None,
        }
    }

    /// Its introspection client, for an introspection validator: the fuzz
    /// targets read answers through it.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn introspection(&self) -> Option<&super::introspection::Introspection> {
        match &self.issuers {
            Issuers::Introspected { introspection, .. } => Some(introspection),
            _ => None,
        }
    }

    /// The counters of its validated-token cache; `None` when the cache is
    /// off (`token_cache_size = 0`).
    pub fn token_cache_stats(&self) -> Option<TokenCacheStats> {
        self.cache.as_ref().map(TokenCache::stats)
    }

    /// Starts fetching remote keys in the background (at liftoff).
    pub(crate) fn start(&self) {
        for remote in self.issuers.remote_sets() {
            remote.start();
        }
    }

    /// A one-line summary for the launch log; never includes key material.
    pub(crate) fn summary(&self) -> String {
        let algorithms: Vec<_> = self.algorithms().iter().map(|a| format!("{a:?}")).collect();
        format!(
            "validator `{}`: {} with {}, audiences {:?}",
            self.name,
            algorithms.join("/"),
            self.issuers.summary(),
            self.access.audiences,
        )
    }

    /// Validates `token` completely: shape, algorithm, signature, header,
    /// claims, from the cache when it holds the token (see [`Self::lookup`]).
    /// For the fuzz targets' own validators only: it caches a token without
    /// the header's syntax check, where authentication checks the syntax of
    /// every miss and relies on every cached token having passed it.
    #[cfg(feature = "fuzzing")]
    pub(crate) async fn verify(&self, token: &str) -> Result<Arc<Verified>, AuthError> {
        match self.lookup(token) {
            Lookup::Hit(result) => result,
            Lookup::Miss(miss) => self.verify_missed(token, miss).await,
        }
    }

    /// What the validated-token cache says of `token`: the verified token
    /// (its time claims and remote key checked again) or why it no longer
    /// passes, or a miss to hand to [`Self::verify_missed`]. No await, no
    /// parsing: a digest, one lookup and a byte comparison.
    pub(crate) fn lookup(&self, token: &str) -> Lookup {
        if let Issuers::Introspected { introspection, .. } = &self.issuers {
            return introspection.lookup(self, token);
        }
        let miss = Lookup::Miss(Miss { digest: None });
        // Only the signature and what it signs are needed: a hit is compared
        // byte for byte with a token that was split and checked in full.
        let Some(cache) = &self.cache else {
            return miss;
        };
        let Some((kept, tail)) = cache::cut(token) else {
            return miss;
        };
        let digest = TokenCache::digest(tail);
        let cached = cache.get(&digest, kept);
        telemetry::token_cache(&self.series, &self.name, cached.is_some());
        if let Some(entry) = cached {
            match self.recheck(&entry) {
                Ok(true) => return Lookup::Hit(Ok(entry.verified.clone())),
                // Its key left the key set: verify from scratch.
                Ok(false) => cache.remove(&digest),
                Err(refused) => {
                    cache.remove(&digest);
                    return Lookup::Hit(Err(refused.into()));
                }
            }
        }
        Lookup::Miss(Miss {
            digest: Some(digest),
        })
    }

    /// Validates a token the cache did not hold, and caches it when it
    /// passes. Remote keys may be fetched first (see [`crate::remote`]).
    pub(crate) async fn verify_missed(
        &self,
        token: &str,
        miss: Miss,
    ) -> Result<Arc<Verified>, AuthError> {
        // Each boxed: verifying may fetch keys or ask the introspection
        // endpoint, futures of kilobytes that would otherwise make every
        // request's authentication that large, cache hits included.
        if let Issuers::Introspected { introspection, .. } = &self.issuers {
            return Box::pin(introspection.verify(self, token, miss.digest)).await;
        }
        let entry = match self.static_key() {
            Some((issuer, key)) => self.verify_with_static_key(token, issuer, key)?,
            None => Box::pin(self.verify_fully(token)).await?,
        };
        let verified = entry.verified.clone();
        if let (Some(cache), Some(digest)) = (&self.cache, miss.digest) {
            cache.insert(digest, entry);
        }
        Ok(verified)
    }

    /// What a cached token must still meet: its time claims, now, and (for a
    /// remote key set) its key still in the set. `Ok(false)`: the key is gone.
    fn recheck(&self, entry: &Entry) -> Result<bool, TokenError> {
        entry.times.check(self.clock.now_secs(), self.leeway)?;
        let issuer = match (&entry.issuer, &self.issuers) {
            (Some(issuer), _) | (None, Issuers::One(issuer)) => issuer,
            (None, Issuers::Tenants(_) | Issuers::Introspected { .. }) => return Ok(false),
        };
        Ok(match (&*issuer.keys, &entry.key) {
            (Keys::Remote(remote), Some(key)) => {
                let header = &entry.verified.header;
                remote.still_selects(key, header.kid.as_deref(), header.alg)
            }
            _ => true,
        })
    }

    /// Validates `token` with no help from the cache.
    async fn verify_fully(&self, token: &str) -> Result<Entry, AuthError> {
        let (compact, header) = self.read(token)?;
        // A tenants validator reads the issuer before the signature: the
        // issuer says whose keys may verify it. Nothing else is trusted yet.
        let (issuer, payload) = match &self.issuers {
            Issuers::One(issuer) => (issuer.clone(), None),
            // Answered by `verify` before any of this.
            Issuers::Introspected { .. } => return Err(TokenError::UntrustedIntrospection.into()),
            Issuers::Tenants(tenants) => {
                let payload = compact.payload().map_err(|e| self.explain(token, e))?;
                let issuer = match payload.raw("iss") {
                    None => return Err(TokenError::MissingClaim("iss".into()).into()),
                    Some(_) => match payload.str("iss") {
                        Some(iss) => tenants.lookup(&iss).await?,
                        None => return Err(TokenError::WrongIssuer.into()),
                    },
                };
                (issuer, Some(payload))
            }
        };
        let (remote_key, hides_cut) = match &*issuer.keys {
            Keys::Static { key, .. } => {
                self.check_signature(token, &compact, key, &header)?;
                (None, key.hides_a_signature_cut_short())
            }
            Keys::Remote(remote) => {
                let key = remote_key(remote, &header).await?;
                self.check_signature(token, &compact, &key.key, &header)?;
                let hides_cut = key.key.hides_a_signature_cut_short();
                (Some(key), hides_cut)
            }
        };
        let signed = SignatureChecked {
            compact,
            header,
            hides_cut,
        };
        self.conclude(token, signed, issuer, payload, remote_key)
    }

    /// [`Self::verify_fully`] for a validator of one issuer whose key is
    /// configured: nothing in it waits, so it runs without a future (one of
    /// over a kilobyte, allocated per token, that glibc serves outside its
    /// thread cache).
    fn verify_with_static_key(
        &self,
        token: &str,
        issuer: &Arc<Issuer>,
        key: &VerifyingKey,
    ) -> Result<Entry, AuthError> {
        let (compact, header) = self.read(token)?;
        self.check_signature(token, &compact, key, &header)?;
        let signed = SignatureChecked {
            compact,
            header,
            hides_cut: key.hides_a_signature_cut_short(),
        };
        self.conclude(token, signed, issuer.clone(), None, None)
    }

    /// The signature over `compact`, checked with `key` for the header's
    /// algorithm.
    fn check_signature(
        &self,
        token: &str,
        compact: &Compact<'_>,
        key: &VerifyingKey,
        header: &Header,
    ) -> Result<(), TokenError> {
        compact
            .verify(key, header.alg)
            .map_err(|e| self.explain(token, e))
    }

    /// The one issuer and its configured key, when that is how this
    /// validator verifies.
    fn static_key(&self) -> Option<(&Arc<Issuer>, &VerifyingKey)> {
        match &self.issuers {
            Issuers::One(issuer) => match &*issuer.keys {
                Keys::Static { key, .. } => Some((issuer, key)),
                Keys::Remote(_) => None,
            },
            _ => None,
        }
    }

    /// What comes before any key: the shape, the header, the algorithm
    /// allowed, a high-S signature refused.
    fn read<'t>(&self, token: &'t str) -> Result<(Compact<'t>, Box<Header>), AuthError> {
        let compact = check_shape(token)?;
        let header = compact.header().map_err(|e| self.explain(token, e))?;
        if !self.algorithms.contains(&header.alg) {
            return Err(TokenError::AlgorithmNotAllowed.into());
        }
        // Before the signature: a high-S signature is refused whether or not
        // it verifies, and the check costs less than verifying.
        if self.require_low_s && is_high_s(header.alg, compact.signature()) {
            return Err(TokenError::HighS.into());
        }
        Ok((compact, header))
    }

    /// What comes after the signature verified: the claims read and checked,
    /// the token made ready to share and to cache.
    fn conclude(
        &self,
        token: &str,
        signed: SignatureChecked<'_>,
        issuer: Arc<Issuer>,
        payload: Option<Payload>,
        remote_key: Option<Arc<RemoteKey>>,
    ) -> Result<Entry, AuthError> {
        let SignatureChecked {
            compact,
            header,
            hides_cut,
        } = signed;
        let payload = match payload {
            Some(payload) => payload,
            None => compact.payload().map_err(|e| self.explain(token, e))?,
        };
        check_issuer(&payload, &issuer.iss)?;
        issuer.check(&payload, remote_key.as_deref())?;
        let times = Times::read(&payload)?;
        times.check(self.clock.now_secs(), self.leeway)?;
        self.check_header(&header)?;
        self.check_claims(&payload)?;
        // Kept for the cache to compare a hit with: only when there is a
        // cache, and when what it keeps of the signature is of no use.
        let cached = self.cache.is_some() && hides_cut;
        let kept = match cache::cut(token) {
            Some((kept, _)) if cached && compact.signature().len() >= cache::HASHED_TAIL => {
                Some(kept.into())
            }
            _ => None,
        };
        Ok(Entry {
            kept,
            verified: Verified::new(self.name.clone(), header, payload, self.access.clone()),
            times,
            key: remote_key,
            issuer: matches!(self.issuers, Issuers::Tenants(_)).then_some(issuer),
        })
    }

    /// Seconds since the epoch by the application's clock.
    pub(crate) fn now_secs(&self) -> u64 {
        self.clock.now_secs()
    }

    /// The issuer its tokens must name (`issuer`); `None` for a tenants
    /// validator.
    pub fn issuer(&self) -> Option<&str> {
        match &self.issuers {
            Issuers::One(issuer) => Some(&issuer.iss),
            Issuers::Introspected { iss, .. } => Some(iss),
            Issuers::Tenants(_) => None,
        }
    }

    /// The issuers configured by name: `issuer`, or each of `tenants`
    /// (templated and trusted issuers are not listed).
    pub fn issuers(&self) -> Vec<&str> {
        match &self.issuers {
            Issuers::One(issuer) => vec![&issuer.iss],
            Issuers::Introspected { iss, .. } => vec![iss],
            Issuers::Tenants(tenants) => tenants.fixed_issuers(),
        }
    }

    /// The discovery document of its one issuer, when it finds its keys
    /// through it (`discovery = true`): what an OpenAPI `openIdConnect`
    /// scheme names.
    pub fn discovery_document(&self) -> Option<String> {
        let keys = match &self.issuers {
            Issuers::One(issuer) => Some(&issuer.keys),
            Issuers::Introspected { introspection, .. } => introspection.keys(),
            Issuers::Tenants(_) => None,
        };
        match keys.map(|keys| &**keys) {
            Some(Keys::Remote(remote)) => remote.discovery_document().map(ToString::to_string),
            _ => None,
        }
    }

    /// Whether it introspects tokens (`introspection = true`) instead of
    /// verifying them as JWTs.
    pub fn introspects(&self) -> bool {
        matches!(self.issuers, Issuers::Introspected { .. })
    }

    /// The protected resource it guards (`resource`, RFC 9728).
    pub(crate) fn resource(&self) -> Option<&ResourceConfig> {
        self.resource.as_ref()
    }

    /// How it takes DPoP proofs (`dpop`); `None` when disabled.
    pub(crate) fn dpop_mode(&self) -> Option<DpopMode> {
        self.dpop_mode
    }

    /// Seconds of clock skew allowed either way (`leeway_secs`).
    pub(crate) fn leeway(&self) -> u64 {
        self.leeway
    }

    /// A token this validator verified on an earlier request, restored from
    /// the authentication cookie that kept it (cookie mode).
    pub(crate) fn restore(&self, header: Box<Header>, payload: Payload) -> Arc<Verified> {
        Verified::new(self.name.clone(), header, payload, self.access.clone())
    }

    /// Turns a jsonwebtoken error into the refusal to give. Runs only on the
    /// failure path, so it may look at the token again.
    fn explain(&self, token: &str, error: jsonwebtoken::errors::Error) -> TokenError {
        match error.kind() {
            // jsonwebtoken cannot parse a header whose `alg` it does not know
            // (`none` among them): say so rather than "not valid JSON".
            ErrorKind::Json(_) if !has_known_alg(token) => TokenError::AlgorithmNotAllowed,
            ErrorKind::InvalidEcdsaKey
            | ErrorKind::InvalidEddsaKey
            | ErrorKind::InvalidRsaKey(_)
            | ErrorKind::InvalidKeyFormat
            | ErrorKind::Provider(_) => {
                // The server's key failed, not the client's token.
                tracing::error!(
                    target: "rocket_warden",
                    "validator `{}`: the configured key cannot verify signatures: {error}",
                    self.name
                );
                TokenError::BadSignature
            }
            _ => token_error(error),
        }
    }

    fn check_header(&self, header: &Header) -> Result<(), TokenError> {
        if header.crit.is_some() {
            return Err(TokenError::CriticalHeader);
        }
        // RFC 7797's `b64`: `false` says the payload is not base64url, which
        // a JWT's always is (and RFC 7797 §6 wants `crit` with it, refused
        // above); any value but `true` is not the boolean it must be. Either
        // way the token is not read as if the member were absent, as
        // jsonwebtoken's own `decode` does not.
        match header.extras.get::<bool>("b64") {
            Ok(None | Some(true)) => {}
            Ok(Some(false)) | Err(_) => return Err(TokenError::Malformed(UNENCODED_PAYLOAD)),
        }
        match (&self.token_type, &header.typ) {
            (None, _) => Ok(()),
            (Some(expected), Some(actual)) if same_media_type(expected, actual) => Ok(()),
            (Some(_), _) => Err(TokenError::WrongType),
        }
    }

    /// The members of an active introspection answer, checked as a JWT's
    /// claims would be: `iss` (the validator's when absent: the answer
    /// came from its endpoint), the time claims, the required claims.
    pub(super) fn check_introspected(
        &self,
        mut members: Map<String, Value>,
    ) -> Result<(Payload, Times), TokenError> {
        let issuer = self.issuer().unwrap_or_default();
        members
            .entry("iss")
            .or_insert_with(|| Value::String(issuer.to_owned()));
        // A provider may describe refresh tokens to the client they belong
        // to: never one to accept as an access token.
        if members
            .get("token_type")
            .and_then(Value::as_str)
            .is_some_and(|kind| kind.eq_ignore_ascii_case("refresh_token"))
        {
            return Err(TokenError::WrongType);
        }
        let members = Payload::from_map(members);
        check_issuer(&members, issuer)?;
        let times = Times::read(&members)?;
        times.check(self.clock.now_secs(), self.leeway)?;
        self.check_claims(&members)?;
        Ok((members, times))
    }

    /// The presence of required claims, then the type of `iss`.
    fn check_claims(&self, claims: &Payload) -> Result<(), TokenError> {
        if let Some(missing) = self.required.iter().find(|claim| !claims.has(claim)) {
            return Err(TokenError::MissingClaim(missing.clone()));
        }
        // RFC 7519 §4.1.1: `iss` is a single StringOrURI.
        if claims.str("iss").is_none() {
            return Err(TokenError::WrongIssuer);
        }
        Ok(())
    }
}

/// A present `iss` must be `expected`, as one string. Checked before the
/// other claims, as jsonwebtoken's `decode` would.
fn check_issuer(claims: &Payload, expected: &str) -> Result<(), TokenError> {
    let Some(raw) = claims.raw("iss") else {
        return Ok(());
    };
    match claims.str("iss") {
        Some(iss) if iss != expected => Err(TokenError::WrongIssuer),
        // jsonwebtoken would accept an array that holds the issuer.
        None if raw.starts_with('[') => Err(TokenError::WrongIssuer),
        _ => Ok(()),
    }
}

/// The key of `remote` that may verify a token with this header.
pub(super) async fn remote_key(
    remote: &Arc<RemoteKeys>,
    header: &Header,
) -> Result<Arc<RemoteKey>, AuthError> {
    match remote.key(header.kid.as_deref(), header.alg).await {
        Ok(key) => Ok(key),
        Err(Missing::Unknown) => Err(TokenError::UnknownKey.into()),
        Err(Missing::Ambiguous) => Err(TokenError::AmbiguousKey.into()),
        Err(Missing::Unavailable { retry_after_secs }) => {
            Err(AuthError::KeysUnavailable { retry_after_secs })
        }
    }
}

/// Compares `typ` values as media types (RFC 7515 §4.1.9): case-insensitive,
/// with the `application/` prefix optional.
fn same_media_type(expected: &str, actual: &str) -> bool {
    fn bare(media_type: &str) -> &str {
        match media_type.get(..12) {
            Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &media_type[12..],
            _ => media_type,
        }
    }
    bare(expected).eq_ignore_ascii_case(bare(actual))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_compare_without_prefix_and_case() {
        assert!(same_media_type("at+jwt", "at+jwt"));
        assert!(same_media_type("at+jwt", "application/AT+JWT"));
        assert!(same_media_type("application/at+jwt", "AT+JWT"));
        assert!(!same_media_type("at+jwt", "JWT"));
        assert!(!same_media_type("at+jwt", "application/"));
    }
}
