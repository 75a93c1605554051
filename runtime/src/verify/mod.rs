//! Verification: from a compact token to a [`Verified`] one, with no Rocket
//! types. The compact JWS and its shape (`compact`), the validator that
//! checks the algorithm, signature, header and claims (`validator`), the
//! time claims (`times`), the low-S form of ECDSA signatures (`ecdsa`),
//! claims JSON that names each member once (`json`), what the claims grant
//! (`claims`), the validated-token cache (`cache`), and DPoP proofs
//! (`dpop`) with the store that refuses their replay (`replay`), and the
//! issuers a validator accepts with their keys (`tenants`).

mod cache;
mod claims;
mod compact;
mod dpop;
mod ecdsa;
mod introspection;
mod json;
mod nonce;
mod payload;
mod replay;
mod tenants;
mod times;
mod validator;
mod verified;

pub use cache::TokenCacheStats;
pub(crate) use claims::{check_audience, ClaimSet};
pub(crate) use compact::is_base64url;
pub use compact::MAX_TOKEN_BYTES;
pub(crate) use dpop::{Expected, ProofRules};
#[cfg(feature = "provider")]
pub(crate) use json::UniqueObject;
pub(crate) use payload::Payload;
pub use replay::{MemoryReplayStore, ReplayStore, StoreUnavailable};
pub(crate) use tenants::TrustHooks;
pub use tenants::{TenantTrust, TrustUnavailable, TrustedIssuer};
pub(crate) use times::numeric_date;
pub use validator::Validator;
pub(crate) use validator::{Context, Lookup};
pub(crate) use verified::{Binding, Verified};
