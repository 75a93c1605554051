//! What the provider keeps between requests, behind one trait: signing
//! keys, authorization codes, refresh-token families, consents and revoked
//! access tokens. Codes and refresh tokens are kept as SHA-256 digests
//! only, so a copy of the store gives nobody a usable credential.
//!
//! Every method that changes something does it atomically, so several
//! instances sharing one store cannot both redeem a code or both rotate a
//! refresh token.

mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::MemoryStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

use std::fmt;

use serde::{Deserialize, Serialize};

/// The store could not answer (a lost database connection, say). The
/// request is answered 503 / `temporarily_unavailable` and changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the provider's store failed: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// The result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A signing key, private part included: the store holds the provider's
/// private keys, so it needs the protection a password database has.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// The RFC 7638 thumbprint of its public key.
    pub kid: String,
    /// `RS256`, `ES256` or `EdDSA`.
    pub alg: String,
    /// The private key, PKCS#8 DER.
    pub pkcs8: Vec<u8>,
    /// When it was made (Unix seconds). It is published from then on and
    /// signs from `created_at` plus the rotation lead, or at once when it
    /// is the first key of its algorithm.
    pub created_at: u64,
    /// Whether it signed from the moment it was made.
    pub first: bool,
}

impl fmt::Debug for StoredKey {
    // Never the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("created_at", &self.created_at)
            .field("first", &self.first)
            .finish_non_exhaustive()
    }
}

/// What an authorization code stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeGrant {
    /// The client the code was issued to.
    pub client_id: String,
    /// The `redirect_uri` of the request, which the token request repeats.
    pub redirect_uri: String,
    /// The user's `sub`.
    pub sub: String,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// The request's `nonce`, echoed in the ID token.
    pub nonce: Option<String>,
    /// When the user signed in (Unix seconds).
    pub auth_time: u64,
    /// The login's `acr`.
    pub acr: Option<String>,
    /// The login's `amr`, space-separated.
    pub amr: Option<String>,
    /// The PKCE S256 challenge.
    pub code_challenge: Option<String>,
    /// When the code expires (Unix seconds).
    pub expires_at: u64,
}

/// A code in the store: what it grants, and what its redemption issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeEntry {
    /// What the code stands for.
    pub grant: CodeGrant,
    /// `None` until redeemed.
    pub redeemed: Option<Issued>,
}

/// What one grant issued, so that a replayed code can revoke it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issued {
    /// The access token's `jti` and `exp`.
    pub access: Option<(String, u64)>,
    /// The refresh-token family started.
    pub family: Option<String>,
}

/// A refresh-token family: every token rotated from one grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Family {
    /// Its id (random).
    pub id: String,
    /// The client it belongs to.
    pub client_id: String,
    /// The user's `sub`.
    pub sub: String,
    /// The scopes granted, space-separated.
    pub scope: String,
    /// When the user signed in.
    pub auth_time: u64,
    /// The login's `acr`.
    pub acr: Option<String>,
    /// The login's `amr`, space-separated.
    pub amr: Option<String>,
    /// The digest of the one refresh token that is current.
    pub current: String,
    /// When the family ends, whatever the rotations (Unix seconds).
    pub expires_at: u64,
    /// Revoked: every token of the family is refused.
    pub revoked: bool,
    /// The access tokens issued from the family (`jti`, `exp`), revoked
    /// with it.
    pub access: Vec<(String, u64)>,
}

/// Where the provider keeps its state. Methods that add something take
/// `now` (Unix seconds, from the provider's clock), so a store may forget
/// what has expired by then.
/// [`MemoryStore`] keeps it in the
/// process; a store shared by several instances makes them one provider.
#[rocket::async_trait]
pub trait ProviderStore: Send + Sync + 'static {
    /// Every signing key, oldest first.
    async fn keys(&self) -> StoreResult<Vec<StoredKey>>;
    /// Adds a key.
    async fn add_key(&self, key: StoredKey) -> StoreResult<()>;
    /// Removes the key `kid` (retired, no token it signed still valid).
    async fn remove_key(&self, kid: &str) -> StoreResult<()>;

    /// Keeps a new code under its digest.
    async fn put_code(&self, digest: &str, grant: CodeGrant, now: u64) -> StoreResult<()>;
    /// The code with this digest, redeemed or not, unless it has expired.
    async fn code(&self, digest: &str, now: u64) -> StoreResult<Option<CodeEntry>>;
    /// Marks the code redeemed with what it issued: `false` when it already
    /// was (another request won), and then nothing changes.
    async fn redeem_code(&self, digest: &str, issued: Issued) -> StoreResult<bool>;

    /// Starts a family.
    async fn put_family(&self, family: Family, now: u64) -> StoreResult<()>;
    /// The family a refresh token (by digest) belongs to, current or an
    /// earlier token of it.
    async fn family_of(&self, digest: &str) -> StoreResult<Option<Family>>;
    /// Makes `new` the family's current token if `old` still is, adding the
    /// access token issued: `false` when `old` was no longer current.
    async fn rotate(
        &self,
        family: &str,
        old: &str,
        new: &str,
        access: (String, u64),
    ) -> StoreResult<bool>;
    /// Revokes a family; its access tokens are revoked too.
    async fn revoke_family(&self, family: &str) -> StoreResult<()>;

    /// Revokes one access token until it expires.
    async fn revoke_access(&self, jti: &str, exp: u64, now: u64) -> StoreResult<()>;
    /// Whether an access token was revoked.
    async fn is_revoked(&self, jti: &str) -> StoreResult<bool>;

    /// The scopes a user approved for a client (space-separated), if any.
    async fn consent(&self, sub: &str, client_id: &str) -> StoreResult<Option<String>>;
    /// Remembers an approval (replacing an earlier one).
    async fn put_consent(&self, sub: &str, client_id: &str, scope: &str) -> StoreResult<()>;
}
