//! Two requests for one grant at the same moment. The store holds each
//! request back, once it has read the grant, until the other has read it
//! too: the race happens every time, so the loser's path is what is tested.
//! Each race runs on the memory store and on SQLite, whose conditional
//! updates are what instances sharing a database rely on.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rocket_db_pools::sqlx::SqlitePool;
use rocket_warden::provider::{
    CodeEntry, CodeGrant, Family, Issued, MemoryStore, ProviderStore, SqliteStore, StoreResult,
    StoredKey,
};
use serde_json::Value;
use tokio::sync::Barrier;

use super::refusals::{code_form, first_party_code, token, VERIFIER};
use super::userinfo;

/// The read a [`Gate`] holds back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Read {
    Code,
    Family,
}

/// Holds the next two reads of one kind until both have happened.
struct Gate {
    read: Read,
    /// How many more reads wait at the barrier (2 once armed).
    waiting: AtomicUsize,
    barrier: Barrier,
}

impl Gate {
    fn new(read: Read) -> Arc<Self> {
        Arc::new(Self {
            read,
            waiting: AtomicUsize::new(0),
            barrier: Barrier::new(2),
        })
    }

    fn arm(&self) {
        self.waiting.store(2, Ordering::SeqCst);
    }

    async fn pass(&self, read: Read) {
        if read != self.read {
            return;
        }
        let armed = self
            .waiting
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if armed.is_ok() {
            self.barrier.wait().await;
        }
    }
}

/// A store whose reads of codes or refresh tokens go through a [`Gate`].
struct Gated<S> {
    inner: S,
    gate: Arc<Gate>,
}

#[rocket::async_trait]
impl<S: ProviderStore> ProviderStore for Gated<S> {
    async fn keys(&self) -> StoreResult<Vec<StoredKey>> {
        self.inner.keys().await
    }
    async fn add_key(&self, key: StoredKey) -> StoreResult<()> {
        self.inner.add_key(key).await
    }
    async fn remove_key(&self, kid: &str) -> StoreResult<()> {
        self.inner.remove_key(kid).await
    }
    async fn put_code(&self, digest: &str, grant: CodeGrant, now: u64) -> StoreResult<()> {
        self.inner.put_code(digest, grant, now).await
    }
    async fn code(&self, digest: &str, now: u64) -> StoreResult<Option<CodeEntry>> {
        let entry = self.inner.code(digest, now).await;
        self.gate.pass(Read::Code).await;
        entry
    }
    async fn redeem_code(&self, digest: &str, issued: Issued) -> StoreResult<bool> {
        self.inner.redeem_code(digest, issued).await
    }
    async fn put_family(&self, family: Family, now: u64) -> StoreResult<()> {
        self.inner.put_family(family, now).await
    }
    async fn family_of(&self, digest: &str) -> StoreResult<Option<Family>> {
        let family = self.inner.family_of(digest).await;
        self.gate.pass(Read::Family).await;
        family
    }
    async fn rotate(
        &self,
        family: &str,
        old: &str,
        new: &str,
        access: (String, u64),
    ) -> StoreResult<bool> {
        self.inner.rotate(family, old, new, access).await
    }
    async fn revoke_family(&self, family: &str) -> StoreResult<()> {
        self.inner.revoke_family(family).await
    }
    async fn revoke_access(&self, jti: &str, exp: u64, now: u64) -> StoreResult<()> {
        self.inner.revoke_access(jti, exp, now).await
    }
    async fn is_revoked(&self, jti: &str) -> StoreResult<bool> {
        self.inner.is_revoked(jti).await
    }
    async fn consent(&self, sub: &str, client_id: &str) -> StoreResult<Option<String>> {
        self.inner.consent(sub, client_id).await
    }
    async fn put_consent(&self, sub: &str, client_id: &str, scope: &str) -> StoreResult<()> {
        self.inner.put_consent(sub, client_id, scope).await
    }
}

/// Where a provider keeps its state in these tests.
#[derive(Clone, Copy, Debug)]
enum Kept {
    InMemory,
    InSqlite,
}

/// A provider whose store (`kept` so) holds back reads of kind `read`; its
/// issuer and the gate, to arm. The SQLite database lives as long as the
/// directory returned with them.
async fn serve_gated(kept: Kept, read: Read) -> (String, Arc<Gate>, tempfile::TempDir) {
    let gate = Gate::new(read);
    let dir = tempfile::tempdir().expect("a directory");
    let issuer = match kept {
        Kept::InMemory => {
            let inner = MemoryStore::new();
            super::serve_with_store(
                "",
                Gated {
                    inner,
                    gate: gate.clone(),
                },
            )
            .await
        }
        Kept::InSqlite => {
            let path = dir.path().join("provider.sqlite");
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let pool = SqlitePool::connect(&url).await.expect("a database");
            let inner = SqliteStore::new(pool).await.expect("the tables");
            super::serve_with_store(
                "",
                Gated {
                    inner,
                    gate: gate.clone(),
                },
            )
            .await
        }
    };
    (issuer, gate, dir)
}

/// Sends two token requests with `form` at once: the one answered 200 and
/// the other, in that order.
async fn race(issuer: &str, form: &[(&str, &str)]) -> (Value, Value) {
    let (first, second) = tokio::join!(token(issuer, form), token(issuer, form));
    match (first, second) {
        ((200, won), (_, lost)) | ((_, lost), (200, won)) => (won, lost),
        (first, second) => panic!("neither request won: {first:?}, {second:?}"),
    }
}

/// The status UserInfo answers `access` with.
async fn userinfo_status(issuer: &str, access: &Value) -> u16 {
    let access = access.as_str().expect("an access token");
    userinfo(issuer, access).await.status().as_u16()
}

/// What a refresh with `refresh` gets: its `error`, or `None` when it works.
async fn refresh_error(issuer: &str, refresh: &Value) -> Option<String> {
    let refresh = refresh.as_str().expect("a refresh token");
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let (_, body) = token(issuer, &form).await;
    body["error"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn two_redemptions_of_one_code_at_once_leave_no_usable_token() {
    for kept in [Kept::InMemory, Kept::InSqlite] {
        code_race(kept).await;
    }
}

/// Two redemptions of one code at once, on a provider whose state is `kept`
/// so: a code used twice revokes what it issued (RFC 6749 §4.1.2), even
/// when both uses came at once.
async fn code_race(kept: Kept) {
    let (issuer, gate, _dir) = serve_gated(kept, Read::Code).await;
    let code = first_party_code(&issuer, "openid%20offline_access").await;
    gate.arm();
    let outcome = race(&issuer, &code_form(&code, VERIFIER)).await;
    let refusal = "the code was already used: what it issued is revoked";
    assert_nothing_usable(&issuer, outcome, refusal, kept).await;
}

#[tokio::test]
async fn two_refreshes_of_one_token_at_once_revoke_its_family() {
    for kept in [Kept::InMemory, Kept::InSqlite] {
        refresh_race(kept).await;
    }
}

/// Two refreshes with one token at once, on a provider whose state is
/// `kept` so: the loser revokes the family, the winner's tokens with it.
async fn refresh_race(kept: Kept) {
    let (issuer, gate, _dir) = serve_gated(kept, Read::Family).await;
    let code = first_party_code(&issuer, "openid%20offline_access").await;
    let (status, first) = token(&issuer, &code_form(&code, VERIFIER)).await;
    assert_eq!(status, 200, "{first}");
    let refresh = first["refresh_token"].as_str().expect("a refresh token");
    gate.arm();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let outcome = race(&issuer, &form).await;
    let refusal = "the refresh token was already used: its family is revoked";
    assert_nothing_usable(&issuer, outcome, refusal, kept).await;
}

/// The race's loser was refused with `refusal`, and the winner's access
/// and refresh tokens are revoked: neither caller keeps a usable token.
async fn assert_nothing_usable(
    issuer: &str,
    (won, lost): (Value, Value),
    refusal: &str,
    kept: Kept,
) {
    assert_eq!(lost["error"], "invalid_grant", "{kept:?}");
    assert_eq!(lost["error_description"], refusal, "{kept:?}");
    let access = userinfo_status(issuer, &won["access_token"]).await;
    assert_eq!(access, 401, "the winner's access token, {kept:?}");
    let refreshed = refresh_error(issuer, &won["refresh_token"]).await;
    assert_eq!(refreshed.as_deref(), Some("invalid_grant"), "{kept:?}");
}
