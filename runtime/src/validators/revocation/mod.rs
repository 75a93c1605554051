//! Revocation lists: tokens refused before their `exp`. Every list the
//! application registers (with `Warden::revocation`, or
//! the provider's own) is asked about every verified token, the ones the
//! validated-token cache returns included, so a revocation counts from the
//! next request on.
//!
//! Two lists are built in: [`DenyList`] in memory, and `RedisDenyList`
//! (feature `redis`) for instances that share one Redis.

mod deny_list;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use arc_swap::ArcSwap;
use rocket::{Build, Rocket};
use serde_json::{Map, Value};

#[cfg(feature = "redis")]
pub use self::redis::{RedisDenyList, RedisUrlError};
use crate::error::{AuthError, TokenError};
pub use deny_list::DenyList;

/// How long a subject's sign-out (`revoke_subject`) is remembered after its
/// `before` unless a list is told otherwise: a day, which must be at least
/// the longest lifetime of the tokens the application accepts, since a token
/// issued just before the sign-out lives that long.
pub const DEFAULT_SUBJECT_HORIZON: Duration = Duration::from_secs(86_400);

/// A list of revoked tokens, asked about each verified token.
///
/// A list whose answer is ready when its future is first polled (one held
/// in memory, as [`DenyList`] and the example below) is asked before Rocket
/// polls the guard, so a cached token's request has nothing to wait for. A
/// list whose first answer waits (one that asks a store, as
/// `RedisDenyList`) is awaited, on that request and every later one: the
/// future of that first poll is dropped, so a check must not rely on being
/// polled to the end (reading a store is fine).
///
/// ```
/// use rocket_warden::revocation::{Revocation, RevocationUnavailable};
/// use serde_json::{Map, Value};
///
/// /// Refuses the tokens of one subject.
/// struct Banned(&'static str);
///
/// #[rocket::async_trait]
/// impl Revocation for Banned {
///     async fn is_revoked(&self, claims: &Map<String, Value>) -> Result<bool, RevocationUnavailable> {
///         Ok(claims.get("sub").and_then(Value::as_str) == Some(self.0))
///     }
/// }
/// ```
#[rocket::async_trait]
pub trait Revocation: Send + Sync + 'static {
    /// Whether the token with these (verified) claims is revoked. An error
    /// means the list cannot tell now: the request is refused with a 503
    /// (fail closed), never let through.
    async fn is_revoked(&self, claims: &Map<String, Value>) -> Result<bool, RevocationUnavailable>;
}

/// A revocation list could not be read (its store is down, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RevocationUnavailable;

impl fmt::Display for RevocationUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the revocation list is unavailable")
    }
}

impl std::error::Error for RevocationUnavailable {}

/// Whether a token with these claims was issued before `before` (seconds
/// since the epoch): its `iat` is earlier, or it has no numeric `iat`, so
/// when it was issued cannot be told and it is refused (fail closed).
fn issued_before(claims: &Map<String, Value>, before: u64) -> bool {
    let iat = claims.get("iat");
    // Exact for the usual whole seconds; a fraction compares as a float.
    if let Some(iat) = iat.and_then(Value::as_u64) {
        return iat < before;
    }
    iat.and_then(Value::as_f64)
        .is_none_or(|iat| iat < before as f64)
}

/// `duration` in whole seconds, rounded up: a list keeps an entry at least
/// as long as it was told.
fn whole_secs(duration: Duration) -> u64 {
    duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0))
}

/// The registered lists, in Rocket's managed state.
pub(crate) struct Revocations {
    lists: ArcSwap<Vec<Arc<Listed>>>,
}

/// A registered list, the issuer whose tokens it is about (`None`: every
/// token), and whether it has always answered without waiting (see
/// [`Revocations::check_now`]).
struct Listed {
    list: Arc<dyn Revocation>,
    issuer: Option<String>,
    answers_now: AtomicBool,
}

impl Listed {
    fn new(list: Arc<dyn Revocation>, issuer: Option<String>) -> Arc<Self> {
        let answers_now = AtomicBool::new(true);
        Arc::new(Self {
            list,
            issuer,
            answers_now,
        })
    }

    /// Whether it is asked about a token with these claims: one of its
    /// issuer's, or any token when it names none.
    fn concerns(&self, claims: &Map<String, Value>) -> bool {
        self.issuer
            .as_deref()
            .is_none_or(|issuer| claims.get("iss").and_then(Value::as_str) == Some(issuer))
    }
}

impl fmt::Debug for Revocations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Revocations({} lists)", self.lists.load().len())
    }
}

impl Revocations {
    /// Adds `list` to `rocket`'s lists, asked about every token.
    pub(crate) fn register(rocket: Rocket<Build>, list: Arc<dyn Revocation>) -> Rocket<Build> {
        Self::add(rocket, Listed::new(list, None))
    }

    /// Adds `list`, asked only about the tokens of `issuer` (the provider's
    /// own list: another issuer's tokens need no lookup in its store).
    #[cfg(feature = "provider")]
    pub(crate) fn register_for(
        rocket: Rocket<Build>,
        issuer: &str,
        list: Arc<dyn Revocation>,
    ) -> Rocket<Build> {
        Self::add(rocket, Listed::new(list, Some(issuer.to_owned())))
    }

    /// Adds `listed` to `rocket`'s lists, managing them on first use (the
    /// Warden and the provider fairings each may, in either order).
    fn add(rocket: Rocket<Build>, listed: Arc<Listed>) -> Rocket<Build> {
        match rocket.state::<Self>() {
            Some(existing) => {
                existing.lists.rcu(|lists| {
                    let mut lists = Vec::clone(lists);
                    lists.push(listed.clone());
                    lists
                });
                rocket
            }
            None => rocket.manage(Self {
                lists: ArcSwap::from_pointee(vec![listed]),
            }),
        }
    }

    /// `Ok` unless a list says the token is revoked (401 `invalid_token`)
    /// or cannot tell (503).
    pub(crate) async fn check(&self, claims: &Map<String, Value>) -> Result<(), AuthError> {
        for listed in self.lists.load().iter() {
            if listed.concerns(claims) {
                verdict(listed.list.is_revoked(claims).await)?;
            }
        }
        Ok(())
    }

    /// [`Self::check`] without waiting, when every list answers on its first
    /// poll (a list in memory, such as [`DenyList`], always does): then a
    /// cached token's request is answered before Rocket polls anything, with
    /// no future of its own. `None` when a list has to wait; the caller then
    /// awaits [`Self::check`]. A list that waited once is not polled here
    /// again: the future of that first poll is dropped (a revocation check
    /// only reads), and a list that waits on a store would otherwise start
    /// and drop a lookup on every request.
    pub(crate) fn check_now(&self, claims: &Map<String, Value>) -> Option<Result<(), AuthError>> {
        let mut context = Context::from_waker(Waker::noop());
        for listed in self.lists.load().iter() {
            if !listed.concerns(claims) {
                continue;
            }
            if !listed.answers_now.load(Ordering::Relaxed) {
                return None;
            }
            match listed.list.is_revoked(claims).as_mut().poll(&mut context) {
                Poll::Ready(answer) => {
                    if let Err(refused) = verdict(answer) {
                        return Some(Err(refused));
                    }
                }
                Poll::Pending => {
                    listed.answers_now.store(false, Ordering::Relaxed);
                    return None;
                }
            }
        }
        Some(Ok(()))
    }
}

/// What one list's answer means for the token: revoked is a 401
/// `invalid_token`, unavailable a 503 (fail closed).
fn verdict(answer: Result<bool, RevocationUnavailable>) -> Result<(), AuthError> {
    match answer {
        Ok(false) => Ok(()),
        Ok(true) => Err(AuthError::InvalidToken(TokenError::Revoked)),
        Err(RevocationUnavailable) => {
            tracing::error!(target: "rocket_warden", "a revocation list is unavailable: refusing the token");
            Err(AuthError::RevocationUnavailable)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// Says no token is revoked, after waiting once, as a list that asks a
    /// store does; counts how often it is asked.
    #[derive(Default)]
    struct Waiting(AtomicUsize);

    #[rocket::async_trait]
    impl Revocation for Waiting {
        async fn is_revoked(&self, _: &Map<String, Value>) -> Result<bool, RevocationUnavailable> {
            self.0.fetch_add(1, Ordering::SeqCst);
            rocket::tokio::task::yield_now().await;
            Ok(false)
        }
    }

    fn claims(iss: &str) -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert("iss".into(), iss.into());
        claims.insert("jti".into(), "j-1".into());
        claims
    }

    /// A list registered for one issuer (the provider's) is never asked
    /// about another issuer's tokens, so they need not wait for it, even
    /// once its own issuer's tokens have had to.
    #[rocket::async_test]
    async fn a_list_for_one_issuer_is_asked_about_its_tokens_only() {
        let waiting = Arc::new(Waiting::default());
        let listed = Listed::new(waiting.clone(), Some("https://provider.test".into()));
        let revocations = Revocations {
            lists: ArcSwap::from_pointee(vec![listed]),
        };
        let (own, other) = (
            claims("https://provider.test"),
            claims("https://other.test"),
        );
        let asked = || waiting.0.load(Ordering::SeqCst);
        assert!(matches!(revocations.check_now(&other), Some(Ok(()))));
        assert_eq!(asked(), 0);
        assert!(
            revocations.check_now(&own).is_none(),
            "its issuer's token waits"
        );
        assert_eq!(asked(), 1);
        assert!(revocations.check(&own).await.is_ok());
        assert_eq!(asked(), 2);
        assert!(revocations.check_now(&own).is_none());
        assert_eq!(asked(), 2, "not polled again without waiting");
        assert!(matches!(revocations.check_now(&other), Some(Ok(()))));
        assert!(revocations.check(&other).await.is_ok());
        assert_eq!(asked(), 2);
    }
}
