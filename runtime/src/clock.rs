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
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, millis)
    }
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
