//! What rocket_warden reports about its work through the `metrics` facade
//! (feature `metrics`); without the feature every function here is empty
//! and compiled away.
//!
//! Labels come from a small fixed set: the validator's name (configured),
//! an outcome, a reason (a fixed word per refusal kind), a cache or fetch
//! result, a grant type. Never a token, a subject, an issuer or a URL that
//! a client chose, so a client cannot grow the number of series.
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `rocket_warden_authentications_total` | counter | `validator`, `outcome` (`accepted`, `anonymous`, `refused`), `reason` |
//! | `rocket_warden_authentication_seconds` | histogram | `validator` |
//! | `rocket_warden_token_cache_total` | counter | `validator`, `result` (`hit`, `miss`) |
//! | `rocket_warden_key_fetches_total` | counter | `validator`, `result` (`ok`, `failure`) |
//! | `rocket_warden_key_set_fetched_seconds` | gauge | `validator`: when its key set was last fetched (Unix seconds) |
//! | `rocket_warden_key_cooldown_hits_total` | counter | `validator` |
//! | `rocket_warden_provider_tokens_issued_total` | counter | `grant_type` |

use std::fmt;
#[cfg(feature = "metrics")]
use std::sync::OnceLock;
use std::time::Duration;

#[cfg(feature = "metrics")]
use metrics::{Counter, Histogram};

/// Whether metrics are recorded (feature `metrics`): without them, nothing
/// here needs a duration, and guards do not read the clock for one.
pub(crate) const ENABLED: bool = cfg!(feature = "metrics");

/// How one authentication ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Accepted,
    Anonymous,
    /// Refused, for this reason (see `AuthError::reason`).
    Refused(&'static str),
}

impl Outcome {
    /// The `outcome` label.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Anonymous => "anonymous",
            Self::Refused(_) => "refused",
        }
    }

    /// The `reason` label: empty unless refused.
    #[cfg(feature = "metrics")]
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::Refused(reason) => reason,
            Self::Accepted | Self::Anonymous => "",
        }
    }
}

/// One validator's handles to the series that every request it accepts
/// touches: an accepted or anonymous authentication, its duration, a cache
/// hit or miss. Each is registered with the recorder on first use and kept:
/// registering on every request would copy the validator's name into a new
/// key and look the series up each time, several allocations per request.
/// So the recorder must be installed before the first request (as it
/// usually is, in `main`). Refusals, each with its reason, are registered
/// as they happen. Without feature `metrics` it holds nothing.
#[derive(Default)]
pub(crate) struct Series {
    #[cfg(feature = "metrics")]
    accepted: OnceLock<Counter>,
    #[cfg(feature = "metrics")]
    anonymous: OnceLock<Counter>,
    #[cfg(feature = "metrics")]
    seconds: OnceLock<Histogram>,
    /// Misses, then hits.
    #[cfg(feature = "metrics")]
    cache: [OnceLock<Counter>; 2],
}

impl fmt::Debug for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Series")
    }
}

/// One request's authentication under `validator` (the route's), whose
/// series are `series`, and how long it took.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn authentication(
    series: &Series,
    validator: &str,
    outcome: Outcome,
    elapsed: Duration,
) {
    #[cfg(feature = "metrics")]
    {
        let counter = || {
            metrics::counter!(
                "rocket_warden_authentications_total",
                "validator" => validator.to_owned(),
                "outcome" => outcome.label(),
                "reason" => outcome.reason(),
            )
        };
        match outcome {
            Outcome::Accepted => series.accepted.get_or_init(counter).increment(1),
            Outcome::Anonymous => series.anonymous.get_or_init(counter).increment(1),
            Outcome::Refused(_) => counter().increment(1),
        }
        series
            .seconds
            .get_or_init(|| {
                metrics::histogram!(
                    "rocket_warden_authentication_seconds",
                    "validator" => validator.to_owned(),
                )
            })
            .record(elapsed.as_secs_f64());
    }
}

/// A lookup in `validator`'s validated-token cache, whose series are
/// `series`.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn token_cache(series: &Series, validator: &str, hit: bool) {
    #[cfg(feature = "metrics")]
    series.cache[usize::from(hit)]
        .get_or_init(|| {
            metrics::counter!(
                "rocket_warden_token_cache_total",
                "validator" => validator.to_owned(),
                "result" => if hit { "hit" } else { "miss" },
            )
        })
        .increment(1);
}

/// A fetch of `validator`'s key set (or discovery document), finished;
/// `fetched_at_secs` is when, on success.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn key_fetch(validator: &str, fetched_at_secs: Option<u64>) {
    #[cfg(feature = "metrics")]
    {
        let result = if fetched_at_secs.is_some() {
            "ok"
        } else {
            "failure"
        };
        metrics::counter!(
            "rocket_warden_key_fetches_total",
            "validator" => validator.to_owned(),
            "result" => result,
        )
        .increment(1);
        if let Some(at) = fetched_at_secs {
            metrics::gauge!("rocket_warden_key_set_fetched_seconds", "validator" => validator.to_owned())
                .set(at as f64);
        }
    }
}

/// A token with an unknown key refused without a fetch (cooldown).
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn cooldown_hit(validator: &str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("rocket_warden_key_cooldown_hits_total", "validator" => validator.to_owned())
        .increment(1);
}

/// The provider issued tokens for a request of this grant type.
#[cfg(feature = "provider")]
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn token_issued(grant_type: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("rocket_warden_provider_tokens_issued_total", "grant_type" => grant_type)
        .increment(1);
}
