//! The issuers of a tenants validator (`tenants`, `issuer_template`,
//! `tenant_claim`, `trust`, `tenant_cache_size`), read and checked at launch
//! into a [`TenantsConfig`].
//!
//! A tenants validator accepts tokens from several issuers, each with its own
//! keys. Which issuer a token is from is read from its (not yet verified)
//! `iss` and looked up exactly: its keys alone may then verify it (RFC 8725
//! §3.8). Issuers come from three places, asked in this order:
//! - `tenants`: a table per issuer, each with its `issuer` and one key source;
//! - `issuer_template`: issuers that name a tenant id
//!   (`https://login.example.com/{tenant}/v2.0`), all verified with the
//!   validator's own key source, the id checked against `tenant_claim`;
//! - `trust`: an application hook, asked at run time about an issuer the
//!   first two do not know, whose answers are cached (`tenant_cache_size`).

use rocket::figment::value::Dict;

use super::problems::{expected_table, Problems};
use super::remote::{RemoteSettings, RemoteTuning};
use super::validator::{read_sources, refuse_no_source, source_key, KeyConfig, LoadedKey};

/// The placeholder `issuer_template` must hold once.
pub const TENANT_PLACEHOLDER: &str = "{tenant}";

/// How many answers of a `trust` hook a validator keeps by default
/// (`tenant_cache_size`).
pub const DEFAULT_TENANT_CACHE_SIZE: usize = 1_000;

/// The largest `tenant_cache_size`: each tenant kept may hold a key set.
pub const MAX_TENANT_CACHE_SIZE: usize = 1_000_000;

/// The issuers of a tenants validator, checked.
#[derive(Debug)]
pub(crate) struct TenantsConfig {
    /// The issuers named in `tenants`, each with its key.
    pub(crate) fixed: Vec<FixedTenant>,
    pub(crate) template: Option<TemplateConfig>,
    pub(crate) trust: Option<TrustConfig>,
}

/// One table of `tenants`.
#[derive(Debug)]
pub(crate) struct FixedTenant {
    pub(crate) issuer: String,
    pub(crate) key: KeyConfig,
}

/// `issuer_template`, split at its placeholder.
#[derive(Debug)]
pub(crate) struct TemplateConfig {
    pub(crate) prefix: String,
    pub(crate) suffix: String,
    /// The claim that must hold the tenant id the issuer names.
    pub(crate) claim: String,
    /// The validator's own key source, shared by every templated issuer.
    pub(crate) key: KeyConfig,
}

/// `trust`: the hook's name, and how the key sets it names are fetched.
#[derive(Debug)]
pub(crate) struct TrustConfig {
    pub(crate) hook: String,
    pub(crate) cache_size: usize,
    pub(crate) tuning: RemoteTuning,
}

/// The tenant keys of one validator, as written.
#[derive(Debug, Default)]
pub(crate) struct TenantsSettings<'a> {
    /// As figment merged it: its values keep their tags.
    tenants: Option<&'a Dict>,
    issuer_template: Option<String>,
    tenant_claim: Option<String>,
    trust: Option<String>,
    tenant_cache_size: Option<usize>,
}

impl<'a> TenantsSettings<'a> {
    /// Reads the tenant keys of the validator `problems` is about.
    pub(crate) fn read(problems: &mut Problems<'a>) -> Self {
        Self {
            tenants: problems.read_table("tenants"),
            issuer_template: problems.read("issuer_template"),
            tenant_claim: problems.read("tenant_claim"),
            trust: problems.read("trust"),
            tenant_cache_size: problems.read("tenant_cache_size"),
        }
    }

    /// Whether the validator is a tenants validator: it names issuers in
    /// one of the three ways (or tried to: a key of the wrong type counts).
    pub(crate) fn is_set(&self, problems: &Problems<'_>) -> bool {
        self.tenants.is_some()
            || self.issuer_template.is_some()
            || self.trust.is_some()
            || ["tenants", "issuer_template", "trust"]
                .iter()
                .any(|key| problems.has(key))
    }

    /// Reports the keys that apply only to a tenants validator.
    pub(crate) fn refuse_without_tenants(&self, problems: &mut Problems<'_>) {
        if self.tenant_claim.is_some() {
            problems.add("tenant_claim", "applies only with `issuer_template`");
        }
        if self.tenant_cache_size.is_some() {
            problems.add("tenant_cache_size", "applies only with `trust`");
        }
    }

    /// The checked issuers. `key` is the validator's own key source, if
    /// one is set: the template's keys, refused without a template.
    pub(crate) fn into_config(
        self,
        problems: &mut Problems<'_>,
        key: Option<(&'static str, LoadedKey)>,
        remote: RemoteSettings,
    ) -> Option<TenantsConfig> {
        let tuning = remote.into_tuning(problems);
        let fixed = self
            .tenants
            .map(|tenants| fixed_tenants(problems, tenants, tuning))
            .unwrap_or_default();
        let template = match (self.issuer_template, key) {
            // A tuning problem is reported already, by `into_tuning`.
            (Some(template), Some((_, key))) => key
                .into_config(tuning)
                .and_then(|key| template_config(problems, &template, self.tenant_claim, key)),
            (Some(_), None) => {
                problems.add(
                    "issuer_template",
                    "needs the validator's own key source (`jwks_uri`, `public_key_pem`, …): \
                     the templated issuers' tokens are verified with it",
                );
                None
            }
            (None, key) => {
                if let Some((key_name, _)) = key {
                    problems.add(
                        key_name,
                        "a tenants validator takes each issuer's key from its table under \
                         `tenants`; a key source here applies only with `issuer_template`",
                    );
                }
                if self.tenant_claim.is_some() {
                    problems.add("tenant_claim", "applies only with `issuer_template`");
                }
                None
            }
        };
        let trust = match (self.trust, tuning) {
            (Some(hook), Some(tuning)) => {
                trust_config(problems, hook, self.tenant_cache_size, tuning)
            }
            (None, _) => {
                if self.tenant_cache_size.is_some() {
                    problems.add("tenant_cache_size", "applies only with `trust`");
                }
                None
            }
            (Some(_), None) => None,
        };
        if problems.is_empty() && fixed.is_empty() && template.is_none() && trust.is_none() {
            problems.add(
                "tenants",
                "names no issuer: add a table per issuer, `issuer_template` or `trust`",
            );
        }
        problems.is_empty().then_some(TenantsConfig {
            fixed,
            template,
            trust,
        })
    }
}

/// Reads each table of `tenants`: its `issuer` and its one key source.
fn fixed_tenants(
    problems: &mut Problems<'_>,
    tenants: &Dict,
    tuning: Option<RemoteTuning>,
) -> Vec<FixedTenant> {
    let mut fixed: Vec<FixedTenant> = Vec::with_capacity(tenants.len());
    for (name, table) in tenants {
        let path = format!("tenants.{name}");
        let Some(table) = table.as_dict() else {
            problems.add(&path, expected_table(table));
            continue;
        };
        if name.contains('.') || name.is_empty() {
            problems.add(&path, "a tenant's name cannot be empty or hold `.`");
            continue;
        }
        let validator = format!("{}.{path}", problems.validator());
        let mut tenant = problems.nested(&validator, table);
        let issuer: Option<String> = tenant.read("issuer");
        let sources = read_sources(&mut tenant);
        if sources.is_empty() {
            refuse_no_source(&mut tenant);
        }
        let key = source_key(&mut tenant, sources, issuer.as_deref());
        if issuer.as_deref().is_none_or(str::is_empty) && !tenant.has("issuer") {
            tenant.add(
                "issuer",
                "required: the exact `iss` of this tenant's tokens",
            );
        }
        let key = key.and_then(|(_, key)| key.into_config(tuning));
        let found = tenant.finish();
        let ok = found.is_empty();
        problems.absorb(found);
        let (Some(issuer), Some(key), true) = (issuer, key, ok) else {
            continue;
        };
        if fixed.iter().any(|other| other.issuer == issuer) {
            problems.add(
                &format!("{path}.issuer"),
                "another tenant has this issuer: each issuer is one tenant",
            );
            continue;
        }
        fixed.push(FixedTenant { issuer, key });
    }
    fixed
}

/// Checks `issuer_template` and splits it at its placeholder.
fn template_config(
    problems: &mut Problems<'_>,
    template: &str,
    claim: Option<String>,
    key: KeyConfig,
) -> Option<TemplateConfig> {
    let Some((prefix, suffix)) = template.split_once(TENANT_PLACEHOLDER) else {
        problems.add(
            "issuer_template",
            format!("must hold `{TENANT_PLACEHOLDER}` where the issuer names the tenant"),
        );
        return None;
    };
    if suffix.contains(TENANT_PLACEHOLDER) {
        problems.add(
            "issuer_template",
            format!("must hold `{TENANT_PLACEHOLDER}` once"),
        );
        return None;
    }
    // Without a fixed part before the tenant, any issuer would match.
    if !(prefix.starts_with("https://") || prefix.starts_with("http://")) || prefix.len() < 10 {
        problems.add(
            "issuer_template",
            "must start with the issuer's scheme and host, before the placeholder",
        );
        return None;
    }
    let claim = claim.unwrap_or_else(|| "tid".to_owned());
    if claim.is_empty() {
        problems.add("tenant_claim", "cannot be empty");
        return None;
    }
    Some(TemplateConfig {
        prefix: prefix.to_owned(),
        suffix: suffix.to_owned(),
        claim,
        key,
    })
}

/// Checks `trust` and `tenant_cache_size`.
fn trust_config(
    problems: &mut Problems<'_>,
    hook: String,
    cache_size: Option<usize>,
    tuning: RemoteTuning,
) -> Option<TrustConfig> {
    if hook.is_empty() {
        problems.add(
            "trust",
            "names the hook registered with `Warden::tenant_trust`",
        );
        return None;
    }
    let cache_size = cache_size.unwrap_or(DEFAULT_TENANT_CACHE_SIZE);
    if !(1..=MAX_TENANT_CACHE_SIZE).contains(&cache_size) {
        problems.add(
            "tenant_cache_size",
            format!("between 1 and {MAX_TENANT_CACHE_SIZE}"),
        );
        return None;
    }
    Some(TrustConfig {
        hook,
        cache_size,
        tuning,
    })
}
