//! Opaque tokens, verified by asking their issuer (RFC 7662), with a cache.
//!
//! The answer must say `active: true`; its `iss` (when given) must be the
//! validator's issuer, and its `exp`, `nbf`, `iat` and required claims are
//! checked as a JWT's would be. Its members then stand for the token's
//! claims, so audiences, roles, scopes and identity follow the same path as
//! a JWT's. A JWT answer (RFC 9701) is verified with the validator's keys
//! first: `typ` `token-introspection+jwt`, `iss` the issuer, `aud` the client.
//!
//! The cache is keyed by the token's SHA-256 digest (the token itself is
//! never kept), bounded (`introspection_cache_size`), and asks once per token
//! however many requests carry it at once. A fresh answer is read without
//! waiting ([`Introspection::lookup`]), so a request with a remembered token
//! is answered before Rocket polls its guard, as a cached JWT's is. An
//! active answer is kept for `introspection_cache_secs` and never past the
//! token's `exp`; an inactive one for `introspection_negative_cache_secs` (a
//! few seconds). An endpoint that cannot answer is not cached: the request
//! is refused with a 503.

use std::sync::Arc;

use quick_cache::sync::Cache;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::compact::Compact;
use super::json::UniqueObject;
use super::tenants::Keys;
use super::times::Times;
use super::validator::{remote_key, Lookup, Miss, Validator};
use super::verified::Verified;
use crate::clock::{millis, SharedClock};
use crate::error::{AuthError, TokenError};
use crate::remote::{Answer, Introspector};

/// The key of `token` in the cache: the token itself is never kept.
fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// What the cache remembers of one token.
#[derive(Clone)]
enum Known {
    Active {
        verified: Arc<Verified>,
        times: Times,
        until_ms: u64,
    },
    Inactive {
        until_ms: u64,
    },
}

impl Known {
    fn until_ms(&self) -> u64 {
        match self {
            Self::Active { until_ms, .. } | Self::Inactive { until_ms } => *until_ms,
        }
    }
}

/// An introspection validator's client, keys and cache.
pub(crate) struct Introspection {
    client: Introspector,
    /// The keys of JWT answers, if configured (then JWT answers are asked for).
    keys: Option<Arc<Keys>>,
    cache: Cache<[u8; 32], Known>,
    clock: SharedClock,
}

impl std::fmt::Debug for Introspection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.client.summary())
    }
}

impl Introspection {
    pub(crate) fn new(client: Introspector, keys: Option<Arc<Keys>>, clock: SharedClock) -> Self {
        let size = client.config().cache_size.max(1);
        Self {
            client,
            keys,
            cache: Cache::new(size),
            clock,
        }
    }

    /// For the launch log.
    pub(crate) fn summary(&self) -> String {
        match &self.keys {
            Some(keys) => format!(
                "{}, JWT answers verified with {keys:?}",
                self.client.summary()
            ),
            None => self.client.summary(),
        }
    }

    /// The keys of JWT answers, to fetch at liftoff.
    pub(crate) fn keys(&self) -> Option<&Arc<Keys>> {
        self.keys.as_ref()
    }

    /// What the cache says of `token` now, without waiting: a remembered
    /// answer still fresh is a hit (the token, or why it is refused); a
    /// token not asked about yet, being asked about, or remembered past its
    /// time, is a miss for [`Self::verify`], with its digest.
    pub(crate) fn lookup(&self, validator: &Validator, token: &str) -> Lookup {
        if token.len() > super::MAX_TOKEN_BYTES {
            return Lookup::Miss(Miss { digest: None }); // refused by `verify`
        }
        let digest = digest(token);
        let now = self.clock.now_millis();
        match self.cache.get(&digest) {
            Some(known) if known.until_ms() > now => {
                Lookup::Hit(self.answer(validator, known, now / 1000))
            }
            _ => Lookup::Miss(Miss {
                digest: Some(digest),
            }),
        }
    }

    /// The token's claims, as its issuer describes them now (or did lately).
    /// `digest` is the token's, when [`Self::lookup`] made it.
    pub(crate) async fn verify(
        &self,
        validator: &Validator,
        token: &str,
        digest: Option<[u8; 32]>,
    ) -> Result<Arc<Verified>, AuthError> {
        if token.len() > super::MAX_TOKEN_BYTES {
            return Err(TokenError::Malformed("token too large").into());
        }
        let digest = digest.unwrap_or_else(|| self::digest(token));
        loop {
            let now = self.clock.now_millis();
            // One request per token: concurrent first requests wait for it.
            let guard = match self.cache.get_value_or_guard_async(&digest).await {
                Ok(known) if known.until_ms() > now => {
                    return self.answer(validator, known, now / 1000)
                }
                Ok(known) => {
                    self.cache.remove(&digest);
                    // Past its `exp`, a token needs no second opinion.
                    if let Known::Active { times, .. } = known {
                        times.check(now / 1000, validator.leeway())?;
                    }
                    continue;
                }
                Err(guard) => guard,
            };
            let known = self.ask(validator, token).await?;
            let _ = guard.insert(known.clone());
            // Asking took a while: the time is read again.
            return self.answer(validator, known, validator.now_secs());
        }
    }

    /// What `answer` means for a request now, as if the endpoint had just
    /// given it (nothing is remembered): the fuzz targets' entry point.
    #[cfg(feature = "fuzzing")]
    pub(crate) async fn read_answer(
        &self,
        validator: &Validator,
        answer: Answer,
    ) -> Result<Arc<Verified>, AuthError> {
        let known = self.read(validator, answer).await?;
        self.answer(validator, known, validator.now_secs())
    }

    /// What a remembered answer means for this request.
    /// `now_secs` is the time by the application's clock (the validator's
    /// and this cache's), read once by the caller.
    fn answer(
        &self,
        validator: &Validator,
        known: Known,
        now_secs: u64,
    ) -> Result<Arc<Verified>, AuthError> {
        match known {
            Known::Active {
                verified, times, ..
            } => {
                times.check(now_secs, validator.leeway())?;
                Ok(verified)
            }
            Known::Inactive { .. } => Err(TokenError::Inactive.into()),
        }
    }

    /// Asks the endpoint, and reads its answer into what is remembered.
    async fn ask(&self, validator: &Validator, token: &str) -> Result<Known, AuthError> {
        let answer = match self.client.ask(token, self.keys.is_some()).await {
            Ok(answer) => answer,
            Err(problem) => {
                tracing::error!(
                    target: "rocket_warden",
                    validator = validator.name(),
                    "introspection failed: {problem}"
                );
                return Err(AuthError::IntrospectionUnavailable {
                    retry_after_secs: 1,
                });
            }
        };
        self.read(validator, answer).await
    }

    /// Reads an answer into what is remembered: the token's claims, checked
    /// as a JWT's are, or that it is not active.
    async fn read(&self, validator: &Validator, answer: Answer) -> Result<Known, AuthError> {
        let now = self.clock.now_millis();
        let config = self.client.config();
        let members = match self.members(validator, answer).await {
            Ok(members) => members,
            Err(AuthError::InvalidToken(TokenError::Inactive)) => {
                return Ok(Known::Inactive {
                    until_ms: now.saturating_add(millis(config.negative_cache)),
                })
            }
            Err(other) => return Err(other),
        };
        let (payload, times) = validator.check_introspected(members)?;
        let longest = now.saturating_add(millis(config.cache));
        let until_ms = match times.exp() {
            Some(exp) => longest.min(exp.saturating_mul(1000)),
            None => longest,
        };
        Ok(Known::Active {
            verified: validator.restore(Box::default(), payload),
            times,
            until_ms,
        })
    }

    /// The answer's members, once it is known to be genuine and active.
    async fn members(
        &self,
        validator: &Validator,
        answer: Answer,
    ) -> Result<Map<String, Value>, AuthError> {
        let members = match answer {
            // Members named once at every depth, as in a token's claims
            // (`verify::json`): the last of two `roles` is not the only
            // reading (found by the `introspection` fuzz target).
            Answer::Json(body) => serde_json::from_slice::<UniqueObject>(&body)
                .map(|object| object.0)
                .map_err(|_| {
                    self.lying(validator, "is not a JSON object naming each member once")
                })?,
            Answer::Jwt(jwt) => self.jwt_members(validator, &jwt).await?,
        };
        match members.get("active") {
            Some(Value::Bool(true)) => Ok(members),
            Some(Value::Bool(false)) => Err(TokenError::Inactive.into()),
            _ => Err(self.lying(validator, "has no boolean `active`")),
        }
    }

    /// The `token_introspection` claim of a JWT answer (RFC 9701 §5), once
    /// its signature, `typ`, `iss` and `aud` hold.
    async fn jwt_members(
        &self,
        validator: &Validator,
        jwt: &str,
    ) -> Result<Map<String, Value>, AuthError> {
        let keys = self.keys.as_ref().ok_or_else(|| {
            self.lying(validator, "is a JWT, which this validator has no keys for")
        })?;
        let compact = Compact::split(jwt).ok_or_else(|| self.lying(validator, "is not a JWT"))?;
        let header = compact
            .header()
            .map_err(|_| self.lying(validator, "has an unreadable header"))?;
        let typed = header
            .typ
            .as_deref()
            .is_some_and(|typ| typ.eq_ignore_ascii_case("token-introspection+jwt"));
        if !typed || !validator.algorithms().contains(&header.alg) {
            return Err(self.lying(validator, "has the wrong `typ` or algorithm"));
        }
        let verified = match &**keys {
            Keys::Static { key, .. } => compact.verify(key, header.alg).is_ok(),
            Keys::Remote(remote) => {
                let key = remote_key(remote, &header).await?;
                compact.verify(&key.key, header.alg).is_ok()
            }
        };
        if !verified {
            return Err(self.lying(validator, "has a bad signature"));
        }
        let mut claims = compact
            .payload()
            .map_err(|_| self.lying(validator, "has unreadable claims"))?
            .into_map();
        let client_id = &self.client.config().client_id;
        let aud_ok = match claims.get("aud") {
            Some(Value::String(aud)) => aud == client_id,
            Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(client_id)),
            _ => false,
        };
        if claims.get("iss").and_then(Value::as_str) != validator.issuer() || !aud_ok {
            return Err(self.lying(validator, "names another issuer or audience"));
        }
        match claims.remove("token_introspection") {
            Some(Value::Object(members)) => Ok(members),
            _ => Err(self.lying(validator, "has no `token_introspection` object")),
        }
    }

    /// An answer that cannot be trusted: the token is refused (the endpoint
    /// answered, so this is not an outage), and the operator told why.
    fn lying(&self, validator: &Validator, why: &str) -> AuthError {
        tracing::error!(
            target: "rocket_warden",
            validator = validator.name(),
            "the introspection answer {why}: refusing the token"
        );
        TokenError::UntrustedIntrospection.into()
    }
}
