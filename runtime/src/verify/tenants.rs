//! Issuers: whose tokens a validator accepts, and the keys that verify each.
//!
//! A validator has one issuer, or several (a tenants validator). With
//! several, a token's issuer is read from its unverified `iss` and looked up
//! exactly, once; only that issuer's keys may verify it (RFC 8725 §3.8: never
//! "try each key until one fits"). An issuer nobody configured or trusted is
//! refused before any key is fetched, so a token never makes the server fetch
//! from a URL it chose.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use quick_cache::sync::Cache;

use crate::clock::SharedClock;
use crate::config::{
    IssuersConfig, KeyConfig, KeySetSource, RemoteConfig, RemoteTuning, TemplateConfig,
    TenantsConfig,
};
use crate::crypto::VerifyingKey;
use crate::error::{AuthError, TokenError};
use crate::keys::KeyKind;
use crate::remote::{Introspector, RemoteKey, RemoteKeys};

use super::introspection::Introspection;
use super::payload::Payload;

/// How long an issuer the `trust` hook refused stays refused without asking
/// the hook again: an attacker sending made-up issuers costs one hook call
/// per issuer per minute at most.
const UNTRUSTED_CACHE: Duration = Duration::from_secs(60);

/// The placeholder of a key's own `issuer` in a multi-tenant key set
/// (Entra ID writes `https://login.microsoftonline.com/{tenantid}/v2.0`).
const KEY_TENANT_PLACEHOLDER: &str = "{tenantid}";

/// The keys that verify one issuer's tokens.
pub(crate) enum Keys {
    Static {
        kind: KeyKind,
        // Boxed: a prepared key is a few hundred bytes, a remote set a pointer.
        key: Box<VerifyingKey>,
    },
    Remote(Arc<RemoteKeys>),
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Static { kind, .. } => write!(f, "{kind}"),
            Self::Remote(remote) => f.write_str(&remote.source_summary()),
        }
    }
}

/// One issuer a validator accepts tokens from.
#[derive(Debug)]
pub(crate) struct Issuer {
    /// The exact `iss` of its tokens.
    pub(crate) iss: Box<str>,
    pub(crate) keys: Arc<Keys>,
    /// For an issuer matched by `issuer_template`: the claim that must hold
    /// the tenant id, and that id.
    pub(crate) tenant: Option<(Box<str>, Box<str>)>,
}

impl Issuer {
    /// What this issuer's token must meet beyond its signature: its tenant
    /// claim, and the issuer its key names, if it names one.
    pub(crate) fn check(
        &self,
        claims: &Payload,
        key: Option<&RemoteKey>,
    ) -> Result<(), TokenError> {
        if let Some((claim, id)) = &self.tenant {
            if claims.str(claim).as_deref() != Some(&**id) {
                return Err(TokenError::WrongIssuer);
            }
        }
        let Some(own) = key.and_then(|key| key.issuer.as_deref()) else {
            return Ok(());
        };
        let matches = match own.split_once(KEY_TENANT_PLACEHOLDER) {
            // A key shared by every tenant (Entra ID's keys name
            // `…/{tenantid}/v2.0`, in tenant-specific sets too): the token's
            // issuer must have that shape, and, for a templated issuer, name
            // the tenant it was matched as. A configured issuer is pinned
            // already; only its shape is checked.
            Some((prefix, suffix)) => {
                let tenant = self
                    .iss
                    .strip_prefix(prefix)
                    .and_then(|rest| rest.strip_suffix(suffix));
                match (tenant, &self.tenant) {
                    (Some(found), Some((_, id))) => found == &**id,
                    (Some(found), None) => !found.is_empty() && !found.contains('/'),
                    (None, _) => false,
                }
            }
            None => own == &*self.iss,
        };
        if matches {
            Ok(())
        } else {
            Err(TokenError::WrongIssuer)
        }
    }
}

/// A trust hook's answer: where the keys of an issuer it trusts are.
///
/// ```
/// use rocket_warden::tenants::TrustedIssuer;
///
/// let keys = TrustedIssuer::jwks_uri("https://id.example.com/acme/jwks").unwrap();
/// assert!(TrustedIssuer::jwks_uri("http://id.example.com/jwks").is_err());
/// ```
#[derive(Debug, Clone)]
pub struct TrustedIssuer {
    source: KeySetSource,
}

impl TrustedIssuer {
    /// The issuer's keys are at `uri`: `https`, or `http` to a loopback host.
    pub fn jwks_uri(uri: &str) -> Result<Self, String> {
        KeySetSource::jwks_uri(uri).map(|source| Self { source })
    }

    /// The issuer's keys are named by its discovery document
    /// (`<issuer>/.well-known/openid-configuration`), whose `issuer` must be
    /// `issuer`.
    pub fn discovery(issuer: &str) -> Result<Self, String> {
        KeySetSource::discovery(issuer).map(|source| Self { source })
    }
}

/// The trust hook could not answer now (its database is down, say): the
/// request is refused with a 503, and nothing is remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrustUnavailable;

impl fmt::Display for TrustUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the tenant trust hook cannot answer")
    }
}

impl std::error::Error for TrustUnavailable {}

/// Decides at run time which issuers a tenants validator trusts
/// (`trust = "<name>"`, registered with `Warden::tenant_trust`), for issuers
/// its `tenants` and `issuer_template` do not name.
///
/// Answers are cached per validator (`tenant_cache_size` trusted issuers,
/// LRU; a refusal for a minute), so the hook runs once per issuer, not per
/// request, and once for concurrent first requests.
///
/// ```
/// use rocket_warden::tenants::{TenantTrust, TrustUnavailable, TrustedIssuer};
///
/// /// Trusts the realms of one Keycloak whose names are listed.
/// struct Realms(Vec<&'static str>);
///
/// #[rocket::async_trait]
/// impl TenantTrust for Realms {
///     async fn trust(&self, issuer: &str) -> Result<Option<TrustedIssuer>, TrustUnavailable> {
///         let Some(realm) = issuer.strip_prefix("https://sso.example.com/realms/") else {
///             return Ok(None);
///         };
///         if !self.0.contains(&realm) {
///             return Ok(None);
///         }
///         Ok(TrustedIssuer::discovery(issuer).ok())
///     }
/// }
/// ```
#[rocket::async_trait]
pub trait TenantTrust: Send + Sync + 'static {
    /// Where the keys of `issuer` are, if its tokens are accepted;
    /// `Ok(None)`: they are not (401 "unknown issuer").
    async fn trust(&self, issuer: &str) -> Result<Option<TrustedIssuer>, TrustUnavailable>;
}

/// The trust hooks registered with the fairing, by name.
pub(crate) type TrustHooks = HashMap<String, Arc<dyn TenantTrust>>;

/// Whose tokens a validator accepts.
#[derive(Debug)]
pub(crate) enum Issuers {
    One(Arc<Issuer>),
    Tenants(Box<Tenants>),
    /// One issuer, asked about each token (its introspection endpoint).
    Introspected {
        iss: Box<str>,
        introspection: Box<Introspection>,
    },
}

/// What building a validator's issuers needs.
pub(crate) struct Build<'a> {
    pub(crate) validator: &'a Arc<str>,
    /// The application's HTTP client; `None` when no validator uses HTTP.
    pub(crate) client: Option<&'a reqwest::Client>,
    pub(crate) clock: &'a SharedClock,
    pub(crate) hooks: &'a TrustHooks,
}

impl Build<'_> {
    /// The application's HTTP client. `Validators::build` makes one whenever
    /// a validator uses HTTP (`IssuersConfig::uses_http`); the fallback, the
    /// same default client, only guards against a use forgotten there.
    fn client(&self) -> reqwest::Client {
        self.client
            .cloned()
            .unwrap_or_else(|| crate::remote::default_client().unwrap_or_default())
    }

    fn keys(&self, key: KeyConfig) -> Arc<Keys> {
        Arc::new(match key {
            KeyConfig::Static(key) => Keys::Static {
                kind: key.kind,
                key: Box::new(key.key.into()),
            },
            KeyConfig::Remote(remote) => Keys::Remote(self.remote(remote)),
        })
    }

    fn remote(&self, config: RemoteConfig) -> Arc<RemoteKeys> {
        Arc::new(RemoteKeys::new(
            self.validator.clone(),
            config,
            self.client(),
            self.clock.clone(),
        ))
    }
}

impl Issuers {
    /// The issuers of `config`. A `trust` hook name was checked to be
    /// registered before.
    pub(crate) fn new(config: IssuersConfig, build: &Build<'_>) -> Self {
        match config {
            IssuersConfig::One { issuer, key } => Self::One(Arc::new(Issuer {
                iss: issuer.into(),
                keys: build.keys(key),
                tenant: None,
            })),
            IssuersConfig::Tenants(tenants) => {
                Self::Tenants(Box::new(Tenants::new(tenants, build)))
            }
            IssuersConfig::Introspection {
                issuer,
                key,
                introspection,
            } => {
                let client = Introspector::new(
                    build.validator.clone(),
                    introspection,
                    build.client(),
                    build.clock.clone(),
                );
                let keys = key.map(|key| build.keys(key));
                Self::Introspected {
                    iss: issuer.into(),
                    introspection: Box::new(Introspection::new(client, keys, build.clock.clone())),
                }
            }
        }
    }

    /// Every key set known now, to start fetching at liftoff.
    pub(crate) fn remote_sets(&self) -> Vec<&Arc<RemoteKeys>> {
        let keys: Vec<&Keys> = match self {
            Self::One(issuer) => vec![&issuer.keys],
            Self::Tenants(tenants) => tenants
                .fixed
                .values()
                .map(|issuer| &*issuer.keys)
                .chain(tenants.template.as_ref().map(|t| &*t.keys))
                .collect(),
            Self::Introspected { introspection, .. } => introspection
                .keys()
                .map(|keys| &**keys)
                .into_iter()
                .collect(),
        };
        keys.into_iter()
            .filter_map(|keys| match keys {
                Keys::Remote(remote) => Some(remote),
                Keys::Static { .. } => None,
            })
            .collect()
    }

    /// For the launch log.
    pub(crate) fn summary(&self) -> String {
        match self {
            Self::One(issuer) => format!("{:?}, issuer {:?}", issuer.keys, issuer.iss),
            Self::Tenants(tenants) => tenants.summary(),
            Self::Introspected { iss, introspection } => {
                format!("{}, issuer {iss:?}", introspection.summary())
            }
        }
    }
}

/// The issuers of a tenants validator.
pub(crate) struct Tenants {
    fixed: HashMap<Box<str>, Arc<Issuer>>,
    template: Option<Template>,
    trust: Option<Trust>,
}

impl fmt::Debug for Tenants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

/// `issuer_template`, ready.
struct Template {
    prefix: Box<str>,
    suffix: Box<str>,
    claim: Box<str>,
    keys: Arc<Keys>,
}

/// A `trust` hook with its answers.
struct Trust {
    name: String,
    hook: Arc<dyn TenantTrust>,
    /// The issuers it trusted, with their key sets (LRU-bounded).
    trusted: Cache<String, Arc<Issuer>>,
    /// The issuers it refused, until when (clock ms). Apart from `trusted`,
    /// so made-up issuers never push a trusted one (and its keys) out.
    refused: Cache<String, u64>,
    validator: Arc<str>,
    client: reqwest::Client,
    clock: SharedClock,
    tuning: RemoteTuning,
}

impl Tenants {
    fn new(config: TenantsConfig, build: &Build<'_>) -> Self {
        let fixed = config
            .fixed
            .into_iter()
            .map(|tenant| {
                let issuer = Issuer {
                    iss: tenant.issuer.into(),
                    keys: build.keys(tenant.key),
                    tenant: None,
                };
                (issuer.iss.clone(), Arc::new(issuer))
            })
            .collect();
        let template = config.template.map(
            |TemplateConfig {
                 prefix,
                 suffix,
                 claim,
                 key,
             }| {
                Template {
                    prefix: prefix.into(),
                    suffix: suffix.into(),
                    claim: claim.into(),
                    keys: build.keys(key),
                }
            },
        );
        let trust = config.trust.and_then(|trust| {
            Some(Trust {
                hook: build.hooks.get(&trust.hook)?.clone(),
                name: trust.hook,
                trusted: Cache::new(trust.cache_size),
                refused: Cache::new(trust.cache_size),
                validator: build.validator.clone(),
                client: build.client(),
                clock: build.clock.clone(),
                tuning: trust.tuning,
            })
        });
        Self {
            fixed,
            template,
            trust,
        }
    }

    /// The issuers of `tenants`, sorted.
    pub(crate) fn fixed_issuers(&self) -> Vec<&str> {
        let mut issuers: Vec<&str> = self.fixed.keys().map(|iss| &**iss).collect();
        issuers.sort_unstable();
        issuers
    }

    fn summary(&self) -> String {
        let mut parts = Vec::new();
        // A launch log line, not a listing: a few issuers, or their count.
        match self.fixed.len() {
            0 => {}
            1..=5 => {
                let issuers: Vec<_> = self
                    .fixed_issuers()
                    .iter()
                    .map(|iss| format!("{iss:?}"))
                    .collect();
                parts.push(format!("issuers {}", issuers.join(", ")));
            }
            many => parts.push(format!("{many} issuers")),
        }
        if let Some(template) = &self.template {
            parts.push(format!(
                "issuers {}{{tenant}}{} ({:?})",
                template.prefix, template.suffix, template.keys
            ));
        }
        if let Some(trust) = &self.trust {
            parts.push(format!("issuers trusted by `{}`", trust.name));
        }
        format!("tenants: {}", parts.join("; "))
    }

    /// The issuer `iss` names: one exact lookup in the configured tenants,
    /// then the template, then the trust hook.
    pub(crate) async fn lookup(&self, iss: &str) -> Result<Arc<Issuer>, AuthError> {
        if let Some(issuer) = self.fixed.get(iss) {
            return Ok(issuer.clone());
        }
        if let Some(issuer) = self.template.as_ref().and_then(|t| t.issuer(iss)) {
            return Ok(issuer);
        }
        match &self.trust {
            Some(trust) => trust.lookup(iss).await,
            None => Err(TokenError::UnknownIssuer.into()),
        }
    }
}

impl Template {
    /// The issuer `iss` is, if it fits the template with a plausible tenant
    /// id (letters, digits, `-`, `_` and `.`, at most 128 of them).
    fn issuer(&self, iss: &str) -> Option<Arc<Issuer>> {
        let id = iss
            .strip_prefix(&*self.prefix)?
            .strip_suffix(&*self.suffix)?;
        let plausible = !id.is_empty()
            && id.len() <= 128
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        plausible.then(|| {
            Arc::new(Issuer {
                iss: iss.into(),
                keys: self.keys.clone(),
                tenant: Some((self.claim.clone(), id.into())),
            })
        })
    }
}

impl Trust {
    async fn lookup(&self, iss: &str) -> Result<Arc<Issuer>, AuthError> {
        let now = self.clock.now_millis();
        if let Some(until) = self.refused.get(iss) {
            if until > now {
                return Err(TokenError::UnknownIssuer.into());
            }
            self.refused.remove(iss);
        }
        // One hook call per issuer: concurrent first requests wait for it.
        let guard = match self.trusted.get_value_or_guard_async(iss).await {
            Ok(issuer) => return Ok(issuer),
            Err(guard) => guard,
        };
        // A request that waited for a call that refused the issuer.
        if self.refused.get(iss).is_some_and(|until| until > now) {
            return Err(TokenError::UnknownIssuer.into());
        }
        match self.hook.trust(iss).await {
            Ok(Some(trusted)) => {
                let issuer = Arc::new(Issuer {
                    iss: iss.into(),
                    keys: Arc::new(Keys::Remote(Arc::new(RemoteKeys::new(
                        self.validator.clone(),
                        RemoteConfig {
                            source: trusted.source,
                            tuning: self.tuning,
                        },
                        self.client.clone(),
                        self.clock.clone(),
                    )))),
                    tenant: None,
                });
                let _ = guard.insert(issuer.clone());
                Ok(issuer)
            }
            Ok(None) => {
                let until = now.saturating_add(crate::clock::millis(UNTRUSTED_CACHE));
                self.refused.insert(iss.to_owned(), until);
                tracing::info!(
                    target: "rocket_warden",
                    validator = &*self.validator,
                    "the trust hook `{}` does not trust the token's issuer",
                    self.name
                );
                Err(TokenError::UnknownIssuer.into())
            }
            Err(TrustUnavailable) => {
                tracing::error!(
                    target: "rocket_warden",
                    validator = &*self.validator,
                    "the trust hook `{}` cannot answer: refusing the token",
                    self.name
                );
                Err(AuthError::KeysUnavailable {
                    retry_after_secs: 1,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> VerifyingKey {
        jsonwebtoken::DecodingKey::from_secret(b"k")
            .expect("a secret")
            .into()
    }

    fn issuer(iss: &str, tenant: Option<(&str, &str)>) -> Issuer {
        Issuer {
            iss: iss.into(),
            keys: Arc::new(Keys::Static {
                kind: KeyKind::Hmac,
                key: Box::new(secret()),
            }),
            tenant: tenant.map(|(claim, id)| (claim.into(), id.into())),
        }
    }

    fn claims(json: serde_json::Value) -> Payload {
        Payload::from_map(json.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn a_templated_issuer_needs_its_tenant_in_the_claim() {
        let acme = issuer("https://id.example.com/acme/v2", Some(("tid", "acme")));
        assert!(acme
            .check(&claims(serde_json::json!({"tid": "acme"})), None)
            .is_ok());
        assert_eq!(
            acme.check(&claims(serde_json::json!({"tid": "other"})), None),
            Err(TokenError::WrongIssuer)
        );
        assert_eq!(
            acme.check(&claims(serde_json::json!({})), None),
            Err(TokenError::WrongIssuer)
        );
    }

    #[test]
    fn a_key_shared_by_every_tenant_verifies_a_configured_issuer_of_its_shape() {
        let key = |issuer: &str| RemoteKey {
            kid: None,
            kind: KeyKind::Hmac,
            alg: None,
            key: secret(),
            issuer: Some(issuer.into()),
        };
        let shared = key("https://login.example.com/{tenantid}/v2.0");
        let acme = issuer("https://login.example.com/acme/v2.0", None);
        assert_eq!(
            acme.check(&claims(serde_json::json!({})), Some(&shared)),
            Ok(())
        );
        let elsewhere = issuer("https://other.example.com/acme/v2.0", None);
        assert_eq!(
            elsewhere.check(&claims(serde_json::json!({})), Some(&shared)),
            Err(TokenError::WrongIssuer)
        );
        let pinned = key("https://login.example.com/contoso/v2.0");
        assert_eq!(
            acme.check(&claims(serde_json::json!({})), Some(&pinned)),
            Err(TokenError::WrongIssuer)
        );
    }

    #[test]
    fn the_template_takes_plausible_tenant_ids_only() {
        let template = Template {
            prefix: "https://id.example.com/".into(),
            suffix: "/v2".into(),
            claim: "tid".into(),
            keys: issuer("x", None).keys,
        };
        let found = template.issuer("https://id.example.com/acme-1/v2");
        assert_eq!(
            found.and_then(|i| i.tenant.clone()).map(|(_, id)| id),
            Some("acme-1".into())
        );
        for iss in [
            "https://id.example.com//v2",
            "https://id.example.com/a/b/v2",
            "https://id.example.com/acme/v3",
            "https://evil.example.com/acme/v2",
        ] {
            assert!(template.issuer(iss).is_none(), "{iss}");
        }
    }
}
