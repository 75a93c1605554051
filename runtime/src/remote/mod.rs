//! Remote keys: a JWK set fetched from `jwks_uri`, or from the `jwks_uri` of
//! the issuer's OIDC discovery document, and cached.
//!
//! How the cache behaves, and why:
//!
//! - Requests read a kid-indexed snapshot through an [`ArcSwap`]: no lock,
//!   no await, on the hot path.
//! - A snapshot lives for the response's `Cache-Control: max-age`, clamped to
//!   the validator's bounds (`jwks_cache_secs` when the provider says
//!   nothing). From four fifths of that lifetime on, the next request starts a
//!   refresh in the background and is served from the current keys.
//! - A token whose key is not in the snapshot (an unknown `kid`, or no key
//!   for its algorithm) triggers one refetch, shared by every request waiting
//!   for it (single flight). After that refetch, such tokens are refused
//!   without fetching until `jwks_cooldown_secs` have passed, so a flood of
//!   made-up `kid`s costs the provider at most one request per cooldown.
//! - A failed fetch keeps the last good keys serving, however old
//!   (stale-if-error), and nothing is fetched again before a cooldown has
//!   passed, so an outage costs the provider one request per cooldown.
//! - Without keys (the provider was down since launch, say) a request is
//!   answered 503 at once, or after the one shared fetch it triggers; launch
//!   never waits for, or fails because of, the provider.
//! - At most one fetch per validator is ever in flight.

mod discovery;
mod fetch;
mod introspection;
mod jwks;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use jsonwebtoken::Algorithm;
use reqwest::Url;
use tracing::instrument::WithSubscriber as _;

use crate::clock::{millis, SharedClock};
use crate::config::{KeySetSource, RemoteConfig};
use crate::telemetry;
#[cfg(feature = "fuzzing")]
pub(crate) use discovery::{endpoint as discovery_endpoint, Endpoint as DiscoveryEndpoint};
pub(crate) use fetch::default_client;
pub(crate) use introspection::{Answer, Introspector};
#[cfg(not(feature = "fuzzing"))]
use jwks::KeySet;
pub(crate) use jwks::RemoteKey;
use jwks::Selected;
#[cfg(feature = "fuzzing")]
pub(crate) use jwks::{KeyDescription, KeySet, Picked};

/// Why no key was found for a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// The set is loaded and current, and no key in it fits the token.
    Unknown,
    /// The token has no `kid` and several keys fit.
    Ambiguous,
    /// No key set could be loaded, or the last fetch failed: the answer is
    /// unknown, so the request is answered 503, with the seconds until the
    /// next fetch may run.
    Unavailable { retry_after_secs: u64 },
}

/// Counters of a remote validator's key cache, for the application to read
/// (through `Validator::key_stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct KeyStats {
    /// Fetches started (discovery and key set count as one).
    pub fetches: u64,
    /// Fetches that failed: unreachable, timed out, not 2xx, too large, not a
    /// key set, or a discovery document naming another issuer.
    pub failures: u64,
    /// Refreshes started in the background (ahead of expiry, or at launch).
    pub background_refreshes: u64,
    /// Fetches made because a token's key was not in the cache.
    pub unknown_key_fetches: u64,
    /// Tokens whose key was not in the cache, refused without fetching
    /// during a cooldown.
    pub cooldown_hits: u64,
    /// Usable keys in the current snapshot.
    pub keys: usize,
    /// When the current keys were fetched, in seconds since the Unix epoch.
    pub fetched_at_secs: Option<u64>,
}

/// A fetched key set and its lifetime, in clock milliseconds.
#[derive(Debug, Default)]
struct Snapshot {
    keys: KeySet,
    fetched_ms: Option<u64>,
    refresh_ms: u64,
    expires_ms: u64,
}

#[derive(Debug, Default)]
struct Counters {
    fetches: AtomicU64,
    failures: AtomicU64,
    background_refreshes: AtomicU64,
    unknown_key_fetches: AtomicU64,
    cooldown_hits: AtomicU64,
}

/// One remote validator's key cache.
pub(crate) struct RemoteKeys {
    validator: Arc<str>,
    config: RemoteConfig,
    client: reqwest::Client,
    clock: SharedClock,
    snapshot: ArcSwap<Snapshot>,
    /// Held for the duration of a fetch, so at most one is in flight. Holds
    /// the key set's URL once known (found by discovery).
    flight: Arc<tokio::sync::Mutex<Option<Url>>>,
    /// Fetches finished: a request that waited for the flight and finds this
    /// moved knows another request fetched for it.
    completed: AtomicU64,
    /// Until when (clock ms) a missing key does not trigger a fetch.
    cooldown_until: AtomicU64,
    /// Until when (clock ms) no background refresh starts, after a failure.
    retry_after: AtomicU64,
    /// Whether the last fetch succeeded.
    healthy: AtomicBool,
    counters: Counters,
}

impl fmt::Debug for RemoteKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteKeys")
            .field("validator", &self.validator)
            .field("source", &self.config.source)
            .finish_non_exhaustive()
    }
}

/// Why a fetch was made, for the logs.
#[derive(Debug, Clone, Copy)]
enum Reason {
    Background,
    UnknownKey,
}

impl RemoteKeys {
    pub(crate) fn new(
        validator: Arc<str>,
        config: RemoteConfig,
        client: reqwest::Client,
        clock: SharedClock,
    ) -> Self {
        let url = match &config.source {
            KeySetSource::JwksUri(url) => Some(url.clone()),
            KeySetSource::Discovery { .. } => None,
        };
        Self {
            validator,
            config,
            client,
            clock,
            snapshot: ArcSwap::default(),
            flight: Arc::new(tokio::sync::Mutex::new(url)),
            completed: AtomicU64::new(0),
            cooldown_until: AtomicU64::new(0),
            retry_after: AtomicU64::new(0),
            healthy: AtomicBool::new(false),
            counters: Counters::default(),
        }
    }

    /// The issuer's discovery document, when the keys are found through it.
    pub(crate) fn discovery_document(&self) -> Option<&Url> {
        match &self.config.source {
            KeySetSource::Discovery { document, .. } => Some(document),
            KeySetSource::JwksUri(_) => None,
        }
    }

    /// Where the keys come from, for the launch log.
    pub(crate) fn source_summary(&self) -> String {
        match &self.config.source {
            KeySetSource::JwksUri(url) => format!("keys from {url}"),
            KeySetSource::Discovery { document, .. } => format!("keys found through {document}"),
        }
    }

    /// Starts the first fetch in the background (at liftoff). The flight is
    /// taken before this returns, so the first requests wait for this fetch
    /// instead of starting their own.
    pub(crate) fn start(self: &Arc<Self>) {
        self.spawn_refresh();
    }

    /// The counters, read now.
    pub(crate) fn stats(&self) -> KeyStats {
        let snapshot = self.snapshot.load();
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        KeyStats {
            fetches: read(&self.counters.fetches),
            failures: read(&self.counters.failures),
            background_refreshes: read(&self.counters.background_refreshes),
            unknown_key_fetches: read(&self.counters.unknown_key_fetches),
            cooldown_hits: read(&self.counters.cooldown_hits),
            keys: snapshot.keys.len(),
            fetched_at_secs: snapshot.fetched_ms.map(|ms| ms / 1000),
        }
    }

    /// The key for a token with this `kid` and `alg`, fetching the set again
    /// (once, shared) when it is not there.
    pub(crate) async fn key(
        self: &Arc<Self>,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Arc<RemoteKey>, Missing> {
        // Read before the snapshot: a fetch that finishes after this read
        // moves the count, so this request will not fetch again.
        let seen = self.completed.load(Ordering::Acquire);
        {
            let snapshot = self.snapshot.load();
            self.refresh_if_due(&snapshot);
            match snapshot.keys.select(kid, alg) {
                Selected::One(key) => return Ok(key),
                Selected::Ambiguous => return Err(Missing::Ambiguous),
                Selected::None => {}
            }
        }
        self.refetch(seen).await;
        let snapshot = self.snapshot.load();
        match snapshot.keys.select(kid, alg) {
            Selected::One(key) => Ok(key),
            Selected::Ambiguous => Err(Missing::Ambiguous),
            Selected::None
                if snapshot.fetched_ms.is_some() && self.healthy.load(Ordering::Acquire) =>
            {
                Err(Missing::Unknown)
            }
            Selected::None => Err(Missing::Unavailable {
                retry_after_secs: self.retry_after_secs(),
            }),
        }
    }

    /// Whether the current set still selects `key` for a token with this
    /// `kid` and `alg`: asked when the validated-token cache serves a token
    /// this key verified. Like [`key`](Self::key), it starts a background
    /// refresh when one is due, and never waits.
    pub(crate) fn still_selects(
        self: &Arc<Self>,
        key: &RemoteKey,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> bool {
        let snapshot = self.snapshot.load();
        self.refresh_if_due(&snapshot);
        match snapshot.keys.select(kid, alg) {
            Selected::One(current) => current.same_key(key),
            Selected::None | Selected::Ambiguous => false,
        }
    }

    /// Whole seconds until a fetch may run again (the cooldown after a
    /// refetch or a failure), at least 1: a client retrying sooner would
    /// only meet the same answer.
    fn retry_after_secs(&self) -> u64 {
        let now = self.clock.now_millis();
        let until = self.cooldown_until.load(Ordering::Acquire);
        until.saturating_sub(now).div_ceil(1000).max(1)
    }

    /// Starts a background refresh when the snapshot is due for one, unless
    /// backing off after a failure.
    fn refresh_if_due(self: &Arc<Self>, snapshot: &Snapshot) {
        let now = self.clock.now_millis();
        if now >= snapshot.refresh_ms && now >= self.retry_after.load(Ordering::Acquire) {
            self.spawn_refresh();
        }
    }

    /// Fetches in a spawned task, unless a fetch is in flight already (which
    /// refreshes the snapshot just as well). Never waits.
    fn spawn_refresh(self: &Arc<Self>) {
        let Ok(mut url) = self.flight.clone().try_lock_owned() else {
            return;
        };
        self.counters
            .background_refreshes
            .fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            target: "rocket_warden",
            validator = &*self.validator,
            event = "refresh",
            "refreshing keys in the background"
        );
        let this = self.clone();
        let refresh = async move {
            this.fetch(&mut url, Reason::Background).await;
        };
        // The task logs where the request (or liftoff) that started it logs.
        // Without any subscriber, tracing's events go to `log` (Rocket's
        // logger), which setting even an empty one would turn off for good.
        if tracing::dispatcher::has_been_set() {
            tokio::spawn(refresh.with_current_subscriber());
        } else {
            tokio::spawn(refresh);
        }
    }

    /// The one shared fetch for keys that are not in the snapshot, unless a
    /// cooldown is running.
    async fn refetch(&self, seen: u64) {
        if self.cooling_down() {
            return;
        }
        let mut url = self.flight.lock().await;
        if self.completed.load(Ordering::Acquire) != seen || self.cooling_down() {
            return;
        }
        self.counters
            .unknown_key_fetches
            .fetch_add(1, Ordering::Relaxed);
        self.fetch(&mut url, Reason::UnknownKey).await;
    }

    /// Whether a missing key must be refused without fetching; counts and
    /// logs the hit.
    fn cooling_down(&self) -> bool {
        let until = self.cooldown_until.load(Ordering::Acquire);
        if self.clock.now_millis() >= until {
            return false;
        }
        self.counters.cooldown_hits.fetch_add(1, Ordering::Relaxed);
        telemetry::cooldown_hit(&self.validator);
        tracing::debug!(
            target: "rocket_warden",
            validator = &*self.validator,
            event = "cooldown",
            "no key for the token, and the key set was fetched less than {}s ago: not fetching",
            self.config.tuning.cooldown.as_secs()
        );
        true
    }

    /// Fetches the key set (discovering its URL first if needed) and stores
    /// the new snapshot, or keeps the old one on failure. Runs under the
    /// flight lock, whose content is `url`.
    async fn fetch(&self, url: &mut Option<Url>, reason: Reason) {
        self.counters.fetches.fetch_add(1, Ordering::Relaxed);
        let result = self.load(url).await;
        let now = self.clock.now_millis();
        match result {
            Ok((keys, max_age)) => {
                telemetry::key_fetch(&self.validator, Some(now / 1000));
                self.store(keys, max_age, now, reason);
            }
            Err(problem) => {
                telemetry::key_fetch(&self.validator, None);
                self.fail(&problem, now);
            }
        }
        if matches!(reason, Reason::UnknownKey) {
            let cooldown = millis(self.config.tuning.cooldown);
            self.cooldown_until
                .store(now.saturating_add(cooldown), Ordering::Release);
        }
        self.completed.fetch_add(1, Ordering::Release);
    }

    async fn load(&self, url: &mut Option<Url>) -> Result<(KeySet, Option<Duration>), String> {
        let jwks_uri = match (&*url, &self.config.source) {
            (Some(known), _) => known.clone(),
            (None, KeySetSource::Discovery { issuer, document }) => {
                let found = fetch::get(&self.client, document, self.config.tuning.limits).await?;
                let jwks_uri =
                    discovery::endpoint(issuer, &found.body, discovery::Endpoint::JwksUri)?;
                tracing::info!(
                    target: "rocket_warden",
                    validator = &*self.validator,
                    event = "discovery",
                    "discovery: keys are at {jwks_uri}"
                );
                url.insert(jwks_uri).clone()
            }
            (None, KeySetSource::JwksUri(configured)) => configured.clone(),
        };
        let fetched = fetch::get(&self.client, &jwks_uri, self.config.tuning.limits).await?;
        let keys = KeySet::parse(&self.validator, &fetched.body)?;
        Ok((keys, fetched.max_age))
    }

    fn store(&self, keys: KeySet, max_age: Option<Duration>, now: u64, reason: Reason) {
        let lifetime = max_age
            .unwrap_or(self.config.tuning.cache)
            .clamp(self.config.tuning.min_cache, self.config.tuning.max_cache);
        let lifetime = millis(lifetime);
        tracing::info!(
            target: "rocket_warden",
            validator = &*self.validator,
            event = "fetch",
            "fetched {} usable keys ({}), cached for {}s",
            keys.len(),
            match reason {
                Reason::Background => "launch or refresh",
                Reason::UnknownKey => "a token's key was not cached",
            },
            lifetime / 1000
        );
        if keys.len() == 0 {
            tracing::warn!(
                target: "rocket_warden",
                validator = &*self.validator,
                "the key set holds no usable key: every token will be refused"
            );
        }
        self.snapshot.store(Arc::new(Snapshot {
            keys,
            fetched_ms: Some(now),
            refresh_ms: now.saturating_add(lifetime - lifetime / 5),
            expires_ms: now.saturating_add(lifetime),
        }));
        self.healthy.store(true, Ordering::Release);
        self.retry_after.store(0, Ordering::Release);
    }

    /// Records a failed fetch: logged first, so that a request refused
    /// because of it (during the cooldown it starts) is never answered
    /// before the reason is in the log.
    fn fail(&self, problem: &str, now: u64) {
        self.log_failure(problem, now);
        self.counters.failures.fetch_add(1, Ordering::Relaxed);
        self.healthy.store(false, Ordering::Release);
        // Neither a refresh nor a missing key fetches again before a cooldown.
        let retry = now.saturating_add(millis(self.config.tuning.cooldown));
        self.retry_after.store(retry, Ordering::Release);
        self.cooldown_until.fetch_max(retry, Ordering::AcqRel);
    }

    fn log_failure(&self, problem: &str, now: u64) {
        let snapshot = self.snapshot.load();
        match snapshot.fetched_ms {
            Some(fetched) => tracing::warn!(
                target: "rocket_warden",
                validator = &*self.validator,
                event = "failure",
                "fetching keys failed: {problem}; still serving the {} keys fetched {}s ago{}",
                snapshot.keys.len(),
                now.saturating_sub(fetched) / 1000,
                if now >= snapshot.expires_ms { " (past their lifetime)" } else { "" },
            ),
            None => tracing::error!(
                target: "rocket_warden",
                validator = &*self.validator,
                event = "failure",
                "fetching keys failed: {problem}; no keys yet, its routes answer 503"
            ),
        }
    }
}
