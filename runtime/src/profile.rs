//! What each validator does besides validating a token, resolved at ignite:
//! its identity rules, its chain, where it takes tokens from, its cookie.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::ConfigError;
use crate::cookie::CookieSettings;
use crate::identity::{IdentityRules, Strategies};
use crate::options::Options;

/// A validator's resolved settings beyond token validation.
#[derive(Debug)]
pub(crate) struct Profile {
    pub(crate) identity: IdentityRules,
    /// The validators tried after this one when it refuses a token, in
    /// order (`next`, then its `next`, …). Launch refuses cycles.
    pub(crate) chain: Box<[Arc<str>]>,
    pub(crate) query_param: Option<Box<str>>,
    pub(crate) cookie: Option<CookieSettings>,
    pub(crate) reject_session_cookies: Box<[Box<str>]>,
}

/// Resolves every validator's options: strategies by name, and `next` into
/// a chain. All problems are reported, each naming the validator and key.
pub(crate) fn build(
    options: &BTreeMap<Arc<str>, Options>,
    strategies: &Strategies,
) -> Result<BTreeMap<Arc<str>, Profile>, Vec<ConfigError>> {
    let mut errors = strategies.problems().to_vec();
    let mut profiles = BTreeMap::new();
    for (name, own) in options {
        let chain = match chain(name, options) {
            Ok(chain) => chain,
            Err(problem) => {
                errors.extend(problem);
                continue;
            }
        };
        let options = own;
        match strategies.rules(name, options) {
            Ok(identity) => {
                profiles.insert(
                    name.clone(),
                    Profile {
                        identity,
                        chain,
                        query_param: options.query_param.as_deref().map(Into::into),
                        cookie: options.cookie.clone(),
                        reject_session_cookies: options
                            .reject_session_cookies
                            .iter()
                            .map(|name| name.as_str().into())
                            .collect(),
                    },
                );
            }
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    if errors.is_empty() {
        Ok(profiles)
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
    options: &BTreeMap<Arc<str>, Options>,
) -> Result<Box<[Arc<str>]>, Option<ConfigError>> {
    let problem = |problem: String| ConfigError::Validator {
        validator: start.to_string(),
        key: Some("next".to_owned()),
        problem,
    };
    let mut path = vec![start.clone()];
    let mut current = start;
    while let Some(next) = options[current].next.as_deref() {
        let Some((next, _)) = options.get_key_value(next) else {
            let known: Vec<_> = options.keys().map(|name| format!("`{name}`")).collect();
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
