//! How each validator authenticates a request besides verifying its token,
//! resolved at ignite: its identity rules, its chain, where it takes tokens
//! from, its cookie, its DPoP proofs.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::{AuthnConfig, CertificateConfig, CookieConfig, DpopConfig};
use crate::error::ConfigError;
use crate::identity::{IdentityRules, Strategies};
use crate::verify::{MemoryReplayStore, ProofRules, ReplayStore};

/// The replay store an application registered, shared by its validators.
pub(crate) type SharedReplayStore = Arc<dyn ReplayStore>;

/// A validator's resolved rules beyond token validation.
#[derive(Debug)]
pub(crate) struct AuthnRules {
    pub(crate) identity: IdentityRules,
    /// The validators tried after this one when it refuses a token, in
    /// order (`next`, then its `next`, …). Launch refuses cycles.
    pub(crate) chain: Box<[Arc<str>]>,
    pub(crate) query_param: Option<Box<str>>,
    pub(crate) cookie: Option<CookieConfig>,
    pub(crate) reject_session_cookies: Box<[Box<str>]>,
    /// `None` with `dpop = "disabled"`.
    pub(crate) dpop: Option<DpopRules>,
    /// Where client certificates come from (`certificate_header`).
    pub(crate) certificate: Option<CertificateConfig>,
}

/// How a validator checks DPoP proofs, and where it remembers used ones
/// (its mode is the `Validator`'s, read on every request).
#[derive(Debug)]
pub(crate) struct DpopRules {
    pub(crate) proofs: ProofRules,
    pub(crate) replay: SharedReplayStore,
}

impl DpopRules {
    /// The rules of validator `name`'s DPoP settings, or the problem that
    /// keeps them from being made.
    fn new(
        name: &str,
        config: &DpopConfig,
        shared: Option<&SharedReplayStore>,
    ) -> Result<Self, ConfigError> {
        let replay = match shared {
            Some(store) => store.clone(),
            None => Arc::new(MemoryReplayStore::new(config.replay_cache_size)),
        };
        let proofs = ProofRules::new(config).map_err(|problem| ConfigError::Validator {
            validator: name.to_owned(),
            key: Some("dpop_nonce_secs".to_owned()),
            problem: problem.to_owned(),
        })?;
        Ok(Self { proofs, replay })
    }
}

/// Resolves every validator's authentication settings: strategies by name,
/// and `next` into a chain. All problems are reported, each naming the
/// validator and key.
pub(crate) fn build(
    configs: &BTreeMap<Arc<str>, AuthnConfig>,
    strategies: &Strategies,
    replay: Option<&SharedReplayStore>,
) -> Result<BTreeMap<Arc<str>, AuthnRules>, Vec<ConfigError>> {
    let mut errors = strategies.problems().to_vec();
    let mut all = BTreeMap::new();
    for (name, config) in configs {
        let chain = match chain(name, configs) {
            Ok(chain) => chain,
            Err(problem) => {
                errors.extend(problem);
                continue;
            }
        };
        let dpop = match config
            .dpop
            .as_ref()
            .map(|dpop| DpopRules::new(name, dpop, replay))
        {
            Some(Err(problem)) => {
                errors.push(problem);
                continue;
            }
            Some(Ok(dpop)) => Some(dpop),
            None => None,
        };
        match strategies.rules(name, config) {
            Ok(identity) => {
                let rules = AuthnRules {
                    identity,
                    chain,
                    query_param: config.query_param.as_deref().map(Into::into),
                    cookie: config.cookie.clone(),
                    reject_session_cookies: config
                        .reject_session_cookies
                        .iter()
                        .map(|cookie| cookie.as_str().into())
                        .collect(),
                    dpop,
                    certificate: config.certificate.clone(),
                };
                all.insert(name.clone(), rules);
            }
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    if errors.is_empty() {
        Ok(all)
    } else {
        Err(errors)
    }
}

/// The validators after `start` in its chain, or why `next` is wrong: it
/// names an unknown validator, or the chain comes back on itself. Each
/// problem is reported once: by the validator whose `next` is unknown, and by
/// the first (by name) validator of a cycle; `Err(None)` means another
/// validator reports it.
fn chain(
    start: &Arc<str>,
    configs: &BTreeMap<Arc<str>, AuthnConfig>,
) -> Result<Box<[Arc<str>]>, Option<ConfigError>> {
    let problem = |problem: String| ConfigError::Validator {
        validator: start.to_string(),
        key: Some("next".to_owned()),
        problem,
    };
    let mut path = vec![start.clone()];
    let mut current = start;
    while let Some(next) = configs[current].next.as_deref() {
        let Some((next, _)) = configs.get_key_value(next) else {
            let known: Vec<_> = configs.keys().map(|name| format!("`{name}`")).collect();
            return Err((current == start).then(|| {
                problem(format!(
                    "names validator `{next}`, which is not configured (configured: {})",
                    known.join(", ")
                ))
            }));
        };
        if let Some(at) = path.iter().position(|name| name == next) {
            let cycle = &path[at..];
            let first = cycle.iter().min();
            return Err((at == 0 && first == Some(start)).then(|| {
                let names: Vec<_> = cycle
                    .iter()
                    .chain([next])
                    .map(|n| format!("`{n}`"))
                    .collect();
                problem(format!("the chain is a cycle: {}", names.join(" -> ")))
            }));
        }
        path.push(next.clone());
        current = next;
    }
    path.remove(0);
    Ok(path.into())
}
