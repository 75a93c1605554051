//! The validated-token cache: one per validator, so a token that verified
//! once is not verified again on each request that carries it.
//!
//! - **Key:** the SHA-256 digest of the token's last [`HASHED_TAIL`] bytes
//!   (43 base64url characters: the whole of an HS256 signature, the last 254
//!   bits or more of any longer one); the entry keeps the rest of the token,
//!   as sent, and a hit must match it byte for byte. A digest cannot be made
//!   to collide, so a hit means the very same token, yet the cache never
//!   holds a usable credential: what it keeps lacks the end of the
//!   signature, which only the signer can make (see
//!   `VerifyingKey::hides_a_signature_cut_short`; a token signed with an RSA
//!   key whose public exponent is under 65537 is not cached at all). Hashing
//!   one SHA-256 block whatever the algorithm, rather than a 342-byte RS256
//!   signature (six blocks) or the whole token (about 700 bytes), is what
//!   keeps a hit cheap; SHA-256 is the largest cost on the hit path.
//! - **Value:** the verified header and payload, the time claims read from
//!   them, and, for a remote key set, the key that verified the signature.
//! - **A hit is checked again:** the time claims against the clock (an entry
//!   is never served past `exp`, nor before `nbf`), and a remote key must
//!   still be in the key set. An entry that fails is dropped; an expired
//!   token is refused as expired, a token whose key rotated out is verified
//!   again from scratch.
//! - **Bounded twice:** `token_cache_size` entries per validator (default
//!   `limits::DEFAULT_TOKEN_CACHE_SIZE`; `0` turns the cache off) and
//!   `token_cache_max_bytes` bytes (default
//!   `limits::DEFAULT_TOKEN_CACHE_MAX_BYTES`), evicted by quick_cache's
//!   S3-FIFO policy. A count alone let 10,000 entries of 8 KiB tokens take
//!   some 200 MB once parsed. quick_cache has one weight budget, so each entry weighs its
//!   estimated bytes but never less than a slot (`max_bytes / size`): the
//!   weights fit the byte budget, hence the bytes do, and no more than `size`
//!   slots fit, hence the count does. Only tokens that verified are cached,
//!   so junk tokens cannot flush it.
//!
//! Lookups take a shard's read lock for a moment and never across an await.

use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::mem::size_of;
use std::sync::Arc;

use jsonwebtoken::Header;
use quick_cache::sync::Cache;
use quick_cache::{OptionsBuilder, Weighter};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::tenants::Issuer;
use super::times::Times;
use super::verified::Verified;
use crate::remote::RemoteKey;

/// The cache key: the SHA-256 digest of the token's last [`HASHED_TAIL`]
/// bytes.
pub(crate) type TokenDigest = [u8; 32];

/// How many bytes at the end of a token make its cache key: 43 base64url
/// characters, the length of an HS256 signature (256 bits) and the least of
/// any algorithm's, so that the cut always falls within the signature and
/// leaves out at least 254 of its bits (a 256- or 64-byte signature's last
/// character carries 2).
pub(crate) const HASHED_TAIL: usize = 43;

/// A token cut where the cache cuts it: the bytes an entry keeps, and the
/// last [`HASHED_TAIL`], hashed into its key. `None` for anything shorter,
/// which is no verified token.
pub(crate) fn cut(token: &str) -> Option<(&[u8], &[u8])> {
    let bytes = token.as_bytes();
    let at = bytes.len().checked_sub(HASHED_TAIL)?;
    Some(bytes.split_at(at))
}

/// A verified token, as the cache keeps it.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The token as it was sent, but for its last [`HASHED_TAIL`] bytes;
    /// `None` when it is not to be cached (the cache is off, or the key that
    /// verified it does not hide a signature cut short).
    pub(crate) kept: Option<Box<[u8]>>,
    pub(crate) verified: Arc<Verified>,
    pub(crate) times: Times,
    /// The key of a remote key set that verified it; `None` for a
    /// validator's configured key or secret, which never rotates.
    pub(crate) key: Option<Arc<RemoteKey>>,
    /// The issuer whose keys verified it, for a tenants validator (`None`:
    /// the validator's one issuer).
    pub(crate) issuer: Option<Arc<Issuer>>,
}

impl Entry {
    /// About how many bytes the entry holds: its own structures, the
    /// `header.payload` it keeps, the parsed header, the payload's JSON and
    /// the places of its members, what may be parsed from them later (the
    /// whole `Map`, if something asks for it, and the handler's typed
    /// claims, at most a parsed copy, which is what `Jwt<serde_json::Value>`
    /// keeps), and the roles and scopes read on first use (at most the
    /// JSON's strings again). An estimate of what the allocator hands out,
    /// made once, when the entry is inserted, without parsing anything: the
    /// weight of an entry must never change.
    fn estimated_bytes(&self) -> u64 {
        let kept = self.kept.as_deref().unwrap_or_default();
        // The parsed header's strings take no more than its JSON.
        let header_json = memchr::memchr(b'.', kept).unwrap_or(kept.len()) * 3 / 4;
        let payload = &self.verified.payload;
        let json = JsonCounts::of(payload.json());
        let bytes = size_of::<Held>()
            + size_of::<Entry>()
            + size_of::<Verified>()
            + kept.len()
            + size_of::<Header>()
            + header_json
            + payload.held_bytes()
            + 2 * json.parsed_bytes()
            + json.string_bytes
            + json.strings * size_of::<Box<str>>();
        u64::try_from(bytes).unwrap_or(u64::MAX)
    }
}

/// What a payload's JSON holds, counted without parsing it.
struct JsonCounts {
    /// Values, at most: each follows a `[`, `:` or `,` outside strings (a
    /// `,` between members counts one too many), or is the whole text.
    values: usize,
    /// Member names: a `:` outside strings each.
    names: usize,
    /// Strings (member names too), and their bytes: the roles and scopes
    /// read on first use copy at most these, a boxed `str` each.
    strings: usize,
    string_bytes: usize,
}

impl JsonCounts {
    fn of(json: &str) -> Self {
        let mut counts = Self {
            values: 1,
            names: 0,
            strings: 0,
            string_bytes: 0,
        };
        let (mut in_string, mut escaped) = (false, false);
        for b in json.bytes() {
            if in_string {
                counts.string_bytes += 1;
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => {
                    in_string = true;
                    counts.strings += 1;
                }
                b'[' | b',' => counts.values += 1,
                b':' => {
                    counts.values += 1;
                    counts.names += 1;
                }
                _ => {}
            }
        }
        counts
    }

    /// At most what the JSON takes once parsed into a `serde_json::Value`:
    /// a `Value` each value, a `String` and a B-tree's two words each name,
    /// and the strings' bytes.
    fn parsed_bytes(&self) -> usize {
        self.values * size_of::<Value>()
            + self.names * (size_of::<String>() + 2 * size_of::<usize>())
            + self.string_bytes
    }
}

/// An entry as the cache holds it, with its weight worked out once.
#[derive(Debug, Clone)]
struct Held {
    entry: Arc<Entry>,
    bytes: u64,
}

/// Weighs an entry by its bytes, and at least by one slot of the count
/// bound (`max_bytes / size`), so the one weight budget bounds both.
#[derive(Debug, Clone, Copy)]
struct BySize {
    slot: u64,
}

impl Weighter<TokenDigest, Held> for BySize {
    fn weight(&self, _: &TokenDigest, held: &Held) -> u64 {
        // Never 0: quick_cache never evicts an entry that weighs nothing.
        held.bytes.max(self.slot).max(1)
    }
}

/// Hashes a [`TokenDigest`] by taking eight of its bytes. It is a SHA-256
/// digest already, evenly spread, and only tokens that verified are cached,
/// so nobody without the signing key chooses where an entry lands:
/// quick_cache's default hasher would only hash its 32 bytes again.
#[derive(Debug, Clone, Copy, Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn write(&mut self, bytes: &[u8]) {
        // A digest's `Hash` writes its length, then its bytes.
        self.0 = match bytes.first_chunk::<8>() {
            Some(word) => u64::from_le_bytes(*word),
            None => bytes
                .iter()
                .fold(self.0, |hash, &b| hash.rotate_left(8) ^ u64::from(b)),
        };
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The least weight budget of a shard: the largest entries (an 8 KiB token
/// with its parsed claims, tens of KiB) must fit in one, or they would never
/// be cached.
const MIN_SHARD_BYTES: u64 = 256 * 1024;

/// One validator's cache of verified tokens.
pub(crate) struct TokenCache {
    entries: Cache<TokenDigest, Held, BySize, BuildHasherDefault<DigestHasher>>,
    /// `token_cache_size`.
    capacity: u64,
    /// `token_cache_max_bytes`.
    max_bytes: u64,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("entries", &self.entries.len())
            .field("capacity", &self.capacity)
            .field("weight", &self.entries.weight())
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

impl TokenCache {
    /// A cache of at most `capacity` tokens and `max_bytes` bytes; `None`
    /// when `capacity` is 0 (off). `max_bytes` is at least
    /// `limits::MIN_TOKEN_CACHE_MAX_BYTES` (checked at launch).
    pub(crate) fn new(capacity: usize, max_bytes: u64) -> Option<Self> {
        if capacity == 0 || max_bytes == 0 {
            return None;
        }
        let size = u64::try_from(capacity).unwrap_or(u64::MAX);
        // quick_cache admits nothing heavier than its main queue (97% of a
        // shard): a slot of the whole budget (`token_cache_size = 1`) would
        // never be cached, so a slot is at most 96% of it (still one entry).
        let slot = max_bytes.div_ceil(size).min(max_bytes / 25 * 24).max(1);
        // quick_cache splits the budget evenly between its shards (by default
        // four per core); fewer shards keep each big enough for large entries.
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let by_bytes = usize::try_from(max_bytes / MIN_SHARD_BYTES).unwrap_or(usize::MAX);
        let shards = (cores * 4).min(by_bytes).max(1);
        // A power of two, rounded down (quick_cache would round up).
        let shards = 1 << shards.ilog2();
        // Each shard gets the budget divided up, rounded up: a multiple of
        // the shard count (quick_cache may halve it, never add) makes the
        // shards' budgets add up to no more than `max_bytes`.
        let budget = max_bytes - max_bytes % shards as u64;
        let options = OptionsBuilder::new()
            .estimated_items_capacity(capacity)
            .weight_capacity(budget)
            .shards(shards)
            .build()
            // Cannot fail with both capacities set; if it did, no cache
            // rather than a failed launch.
            .ok()?;
        Some(Self {
            entries: Cache::with_options(
                options,
                BySize { slot },
                Default::default(),
                Default::default(),
            ),
            capacity: size,
            max_bytes,
        })
    }

    /// The key of a token whose [`cut`] left this `tail`.
    pub(crate) fn digest(tail: &[u8]) -> TokenDigest {
        Sha256::digest(tail).into()
    }

    /// The entry of the token whose tail has this digest and the rest of
    /// which is `kept` (see [`cut`]).
    pub(crate) fn get(&self, digest: &TokenDigest, kept: &[u8]) -> Option<Arc<Entry>> {
        // Not secret: whoever can reach this comparison sent the token.
        self.entries
            .get(digest)
            .map(|held| held.entry)
            .filter(|entry| entry.kept.as_deref() == Some(kept))
    }

    /// Keeps `entry`, evicting others as the bounds require. An entry too
    /// big for a shard is not kept: that token is verified every time; nor
    /// is one that keeps nothing to compare (see [`Entry::kept`]).
    pub(crate) fn insert(&self, digest: TokenDigest, entry: Entry) {
        if entry.kept.is_none() {
            return;
        }
        let bytes = entry.estimated_bytes();
        let entry = Arc::new(entry);
        self.entries.insert(digest, Held { entry, bytes });
    }

    pub(crate) fn remove(&self, digest: &TokenDigest) {
        self.entries.remove(digest);
    }

    /// The counters, read now.
    pub(crate) fn stats(&self) -> TokenCacheStats {
        TokenCacheStats {
            hits: self.entries.hits(),
            misses: self.entries.misses(),
            entries: self.entries.len(),
            capacity: self.capacity,
            weight: self.entries.weight(),
            max_bytes: self.max_bytes,
        }
    }
}

/// Counters of a validator's validated-token cache (through
/// [`Validator::token_cache_stats`](super::Validator::token_cache_stats)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TokenCacheStats {
    /// Lookups that found the token (then checked again: time claims, key).
    pub hits: u64,
    /// Lookups that did not: the token was verified in full.
    pub misses: u64,
    /// Tokens held now.
    pub entries: usize,
    /// The most tokens it holds (`token_cache_size`).
    pub capacity: u64,
    /// The bytes charged for the tokens held now: each entry's estimated
    /// size, or one slot (`max_bytes / capacity`) if that is more. Never
    /// more than `max_bytes`, and never less than the estimated bytes held.
    pub weight: u64,
    /// The most bytes it holds (`token_cache_max_bytes`).
    pub max_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AccessRules;
    use crate::verify::Payload;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use jsonwebtoken::Algorithm;
    use std::hash::BuildHasher as _;

    /// A token with these claims and an RS256-sized signature (342
    /// characters) made of `signature_byte`.
    fn token(claims: &Value, signature_byte: u8) -> String {
        let header = Header::new(Algorithm::RS256);
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).expect("JSON")),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            URL_SAFE_NO_PAD.encode([signature_byte; 256])
        )
    }

    /// An entry for a token with these claims, as the validator stores it.
    fn entry(claims: &Value) -> Entry {
        entry_of(&token(claims, 7), claims)
    }

    /// The entry of `token`, whose claims are `claims`.
    fn entry_of(token: &str, claims: &Value) -> Entry {
        let header = Header::new(Algorithm::RS256);
        let payload = Payload::parse(claims.to_string().into_bytes()).expect("an object");
        Entry {
            kept: cut(token).map(|(kept, _)| kept.into()),
            times: Times::read(&payload).expect("times"),
            verified: Verified::new(
                "v".into(),
                Box::new(header),
                payload,
                Arc::new(AccessRules::default()),
            ),
            key: None,
            issuer: None,
        }
    }

    /// What the README promises: an ordinary access token (here about
    /// 1.5 KiB once signed with RS256) weighs less than a slot of the
    /// default bounds, so the default count bound is the one that applies.
    #[test]
    fn an_ordinary_token_weighs_less_than_a_default_slot() {
        let claims = serde_json::json!({
            "iss": "https://login.example.com/tenant/v2.0",
            "sub": "d1f8c3a2-5b7e-4c9d-8e2f-1a3b5c7d9e0f",
            "aud": ["api://orders", "api://billing"],
            "exp": 1_900_000_000u64, "iat": 1_800_000_000u64, "nbf": 1_800_000_000u64,
            "jti": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "email": "alice@example.com", "name": "Alice Example",
            "scope": "orders:read orders:write billing:read profile email openid",
            "roles": ["admin", "auditor", "orders.manager", "billing.viewer"],
            "realm_access": {"roles": ["offline_access", "uma_authorization", "default-roles"]},
            "azp": "web-frontend", "sid": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
            "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "ver": "2.0",
        });
        let token = token(&claims, 7);
        assert!(token.len() <= 1536, "{}", token.len());
        let entry = entry_of(&token, &claims);
        let slot = crate::config::DEFAULT_TOKEN_CACHE_MAX_BYTES
            .div_ceil(crate::config::DEFAULT_TOKEN_CACHE_SIZE as u64);
        assert!(
            entry.estimated_bytes() < slot,
            "{} ≥ {slot}",
            entry.estimated_bytes()
        );
    }

    /// Digests alike in the eight bytes the cache hashes are kept apart:
    /// the whole digest is the key.
    #[test]
    fn digests_that_hash_alike_are_told_apart() {
        let cache = TokenCache::new(16, crate::config::MIN_TOKEN_CACHE_MAX_BYTES).expect("on");
        let (mut first, mut second) = ([7u8; 32], [7u8; 32]);
        first[31] = 1;
        second[31] = 2;
        let hasher = BuildHasherDefault::<DigestHasher>::default();
        let hash = |digest: &TokenDigest| hasher.hash_one(digest);
        assert_eq!(hash(&first), hash(&second));
        let (alice, bob) = (
            entry(&serde_json::json!({ "sub": "alice" })),
            entry(&serde_json::json!({ "sub": "bob" })),
        );
        let (alice_kept, bob_kept) = (
            alice.kept.clone().expect("kept"),
            bob.kept.clone().expect("kept"),
        );
        cache.insert(first, alice);
        cache.insert(second, bob);
        let sub = |digest, kept: &[u8]| {
            let entry = cache.get(digest, kept).expect("cached");
            entry
                .verified
                .payload
                .str("sub")
                .map(|sub| sub.into_owned())
        };
        assert_eq!(sub(&first, &alice_kept).as_deref(), Some("alice"));
        assert_eq!(sub(&second, &bob_kept).as_deref(), Some("bob"));
        assert!(cache.get(&first, &bob_kept).is_none());
    }

    /// A hit is the very token that was kept: one byte changed anywhere, in
    /// what the entry keeps or in the tail its key is made from, is a miss.
    /// And what the entry keeps is no token: the signature's last 256 bits
    /// are not in it.
    #[test]
    fn only_the_same_bytes_hit_and_the_signatures_end_is_not_kept() {
        let cache = TokenCache::new(16, crate::config::MIN_TOKEN_CACHE_MAX_BYTES).expect("on");
        let claims = serde_json::json!({ "sub": "alice" });
        let token = token(&claims, 7);
        let (kept, tail) = cut(&token).expect("long enough");
        let signature = token.rsplit('.').next().expect("three parts").as_bytes();
        assert!(signature.ends_with(tail) && tail.len() == 32 * 8 / 6 + 1);
        assert!(!kept.ends_with(signature) && token.as_bytes().starts_with(kept));
        cache.insert(TokenCache::digest(tail), entry_of(&token, &claims));
        let hits = |token: &str| {
            let (kept, tail) = cut(token).expect("long enough");
            cache.get(&TokenCache::digest(tail), kept).is_some()
        };
        assert!(hits(&token));
        let changed_at = |at: usize| {
            let mut bytes = token.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            String::from_utf8(bytes).expect("ASCII")
        };
        let last = token.len() - 1;
        for at in [0, kept.len() - 1, kept.len(), last] {
            assert!(!hits(&changed_at(at)), "changed at {at}");
        }
        // Shorter than a tail: never a hit, never a panic.
        assert!(cut(&token[..HASHED_TAIL - 1]).is_none());
    }

    /// A large token weighs at least its bytes, so the byte bound counts it.
    #[test]
    fn a_large_token_weighs_at_least_what_it_holds() {
        let pad = "x".repeat(6000);
        let entry = entry(&serde_json::json!({ "iss": "i", "pad": pad }));
        // The kept `header.payload` (8 KiB) and the parsed string (6000).
        let kept = entry.kept.as_deref().expect("kept").len();
        assert!(entry.estimated_bytes() as usize > kept + 6000);
    }
}
