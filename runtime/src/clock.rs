//! The time validators and key caches read.
//!
//! Token times (`exp`, `nbf`, `iat`) and key cache lifetimes are checked
//! against one [`Clock`], the system's by default. Tests replace it to check
//! old tokens (OIDC Core's examples expired in 2011) or to move a cache past
//! its lifetime without waiting: the fairing's `Warden::clock` sets it.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time, as milliseconds since the Unix epoch.
///
/// ```
/// use rocket_warden::clock::Clock;
///
/// /// A clock stopped at a fixed instant.
/// #[derive(Debug)]
/// struct Stopped(u64);
///
/// impl Clock for Stopped {
///     fn now_millis(&self) -> u64 {
///         self.0
///     }
/// }
///
/// assert_eq!(Stopped(1_500).now_secs(), 1);
/// ```
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> u64;

    /// Whole seconds since the Unix epoch, as JWT times count them.
    fn now_secs(&self) -> u64 {
        self.now_millis() / 1000
    }
}

/// The system clock, the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> u64 {
        since_epoch().map_or(0, millis)
    }

    /// Read on every request: whole seconds straight from the clock, not
    /// through milliseconds.
    fn now_secs(&self) -> u64 {
        since_epoch().map_or(0, |since| since.as_secs())
    }
}

/// The system clock's time since the Unix epoch (`None` before it).
fn since_epoch() -> Option<Duration> {
    SystemTime::now().duration_since(UNIX_EPOCH).ok()
}

/// A clock that moves only when told: for tests.
///
/// Clones share the same time, so a test keeps one and gives another to the
/// fairing.
///
/// ```
/// use std::time::Duration;
/// use rocket_warden::clock::{Clock, ManualClock};
///
/// let clock = ManualClock::at_secs(1_311_280_970);
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now_secs(), 1_311_281_030);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock showing `secs` seconds after the Unix epoch.
    pub fn at_secs(secs: u64) -> Self {
        Self(Arc::new(AtomicU64::new(secs.saturating_mul(1000))))
    }

    /// A clock showing the system's current time, then moving only when told.
    pub fn now() -> Self {
        Self(Arc::new(AtomicU64::new(SystemClock.now_millis())))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(millis(by), Ordering::SeqCst);
    }

    /// Sets the clock to `secs` seconds after the Unix epoch.
    pub fn set_secs(&self, secs: u64) {
        self.0.store(secs.saturating_mul(1000), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The clock the validators of one application share.
pub(crate) type SharedClock = Arc<dyn Clock>;

/// The default clock.
pub(crate) fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// `duration` in whole milliseconds, saturating: the unit every clock and
/// key-cache time in this crate is kept in.
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The system clock's seconds, read its own way, agree with its
    /// milliseconds read just before and just after.
    #[test]
    fn the_system_clocks_seconds_agree_with_its_milliseconds() {
        let before = SystemClock.now_millis() / 1000;
        let secs = SystemClock.now_secs();
        let after = SystemClock.now_millis() / 1000;
        assert!(
            before <= secs && secs <= after,
            "{before} ≤ {secs} ≤ {after}"
        );
        assert!(secs > 1_700_000_000, "{secs} is a time after 2023");
    }
}
