//! The application's validators, built once at ignite: each verifier with
//! the rules it authenticates requests by (identity, chain, token sources,
//! cookie), and the lookup of a route's validator.

mod revocation;
mod rules;

use std::collections::BTreeMap;
use std::fmt;
use std::mem::size_of;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use rocket::figment::Figment;

use crate::clock::{self, SharedClock};
use crate::config::{self, IssuersConfig};
use crate::error::{ConfigError, ConfigErrors};
use crate::identity::Strategies;
use crate::remote;
use crate::verify::{Context, TrustHooks, Validator};
pub(crate) use revocation::Revocations;
pub use revocation::{DenyList, Revocation, RevocationUnavailable, DEFAULT_SUBJECT_HORIZON};
#[cfg(feature = "redis")]
pub use revocation::{RedisDenyList, RedisUrlError};
pub(crate) use rules::{AuthnRules, DpopRules, SharedReplayStore};

/// Every validator configured under `jwt.validators`, by name.
///
/// The fairing builds this at ignite and puts it in managed state; guards
/// look their validator up in it. Applications may read it too, for instance
/// to list what is configured.
#[derive(Debug, Default)]
pub struct Validators {
    /// Every validator, in name order.
    list: Box<[Validator]>,
    /// Each validator's place in `list`, by name.
    by_name: BTreeMap<Box<str>, usize>,
    /// This set's identity in the process, which route policies' slots
    /// remember (see [`ValidatorSlot`]).
    id: u32,
    /// Each validator's identity rules, chain, token sources and cookie, by
    /// its place in `list`.
    rules: Box<[AuthnRules]>,
    /// Each validator's chain by place: itself, then its `next` and theirs,
    /// resolved once so a request follows places, not names.
    chains: Box<[Box<[usize]>]>,
}

impl Validators {
    /// Reads and checks `jwt.validators` from `figment`, as the fairing does at
    /// ignite. Every problem found is returned, each naming the validator and key.
    /// Times are read from the system clock, and remote keys fetched with
    /// the default HTTP client (the fairing, `Warden`, can change either).
    /// Only the built-in user and partner strategies are known here; a
    /// validator naming a strategy registered with the fairing is refused.
    pub fn from_figment(figment: &Figment) -> Result<Self, ConfigErrors> {
        let hooks = TrustHooks::default();
        Self::build(
            figment,
            clock::system(),
            None,
            &Strategies::default(),
            None,
            &hooks,
        )
    }

    /// [`Validators::from_figment`] with this clock, this HTTP client if
    /// given, these registered strategies, and this DPoP replay store if
    /// given (otherwise each validator keeps its own in memory), and these
    /// tenant trust hooks; `next` is resolved into chains.
    pub(crate) fn build(
        figment: &Figment,
        clock: SharedClock,
        client: Option<reqwest::Client>,
        strategies: &Strategies,
        replay: Option<&SharedReplayStore>,
        hooks: &TrustHooks,
    ) -> Result<Self, ConfigErrors> {
        let mut configs = config::read(figment)?;
        check_hooks(&configs, hooks)?;
        // Built only when a validator makes requests: building one reads
        // the system's root certificates, milliseconds of a launch.
        let remote = configs.iter().any(|config| config.issuers.uses_http());
        let client = match client {
            Some(client) => Some(client),
            None if remote => {
                Some(remote::default_client().map_err(|e| ConfigErrors::table("jwt", e))?)
            }
            None => None,
        };
        let authn = configs
            .iter_mut()
            .map(|config| (config.name.clone(), std::mem::take(&mut config.authn)))
            .collect();
        let rules = rules::build(&authn, strategies, replay).map_err(ConfigErrors)?;
        let context = Context {
            clock,
            client,
            hooks: hooks.clone(),
        };
        let mut rules = rules;
        // Every validator has rules (`rules::build` fails otherwise): the
        // two lists are kept in step, in name order.
        let mut placed: Vec<_> = configs
            .into_iter()
            .filter_map(|config| Some((rules.remove(&config.name)?, config)))
            .collect();
        placed.sort_by(|(_, a), (_, b)| a.name.cmp(&b.name));
        let by_name: BTreeMap<Box<str>, usize> = placed
            .iter()
            .enumerate()
            .map(|(at, (_, config))| (Box::from(&*config.name), at))
            .collect();
        let chains = placed
            .iter()
            .enumerate()
            .map(|(at, (rules, _))| {
                let rest = rules.chain.iter().filter_map(|name| by_name.get(&**name));
                std::iter::once(at).chain(rest.copied()).collect()
            })
            .collect();
        let (rules, list) = placed
            .into_iter()
            .map(|(rules, config)| (rules, Validator::new(config, &context)))
            .unzip::<_, _, Vec<_>, Vec<_>>();
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Ok(Self {
            list: list.into(),
            by_name,
            id,
            rules: rules.into(),
            chains,
        })
    }

    /// Whether any validator takes tokens from the query (`query_param`).
    pub(crate) fn takes_query_tokens(&self) -> bool {
        self.query_params().next().is_some()
    }

    /// The query parameters validators take tokens from.
    pub(crate) fn query_params(&self) -> impl Iterator<Item = &str> + Clone {
        self.rules
            .iter()
            .filter_map(|rules| rules.query_param.as_deref())
    }

    /// The rules of `validator` beyond token validation.
    pub(crate) fn rules(&self, validator: &Validator) -> Option<&AuthnRules> {
        self.rules.get(self.place_of(validator)?)
    }

    /// `entry` and the validators of its chain, in the order they are tried,
    /// each with its rules.
    pub(crate) fn chain<'a>(
        &'a self,
        entry: &'a Validator,
    ) -> impl Iterator<Item = (&'a Validator, &'a AuthnRules)> + Clone + 'a {
        let places = self
            .place_of(entry)
            .and_then(|at| self.chains.get(at))
            .map(|chain| &chain[..])
            .unwrap_or_default();
        places
            .iter()
            .filter_map(|&at| Some((self.list.get(at)?, self.rules.get(at)?)))
    }

    /// Where `validator` is in `list`, from its address (one of this set's
    /// validators is found without comparing names); `None` for a validator
    /// of another set.
    fn place_of(&self, validator: &Validator) -> Option<usize> {
        let offset =
            (validator as *const Validator as usize).checked_sub(self.list.as_ptr() as usize)?;
        let at = offset / size_of::<Validator>().max(1);
        let found = self.list.get(at)?;
        std::ptr::eq(found, validator).then_some(at)
    }

    /// The validator called `name`.
    pub fn get(&self, name: &str) -> Option<&Validator> {
        self.list.get(*self.by_name.get(name)?)
    }

    /// All validators, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Validator> {
        self.list.iter()
    }

    /// How many validators are configured.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether no validator is configured.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The validator a route uses: the one named, or else the only one.
    pub(crate) fn for_route<'a>(
        &'a self,
        name: Option<&'a str>,
    ) -> Result<&'a Validator, Unresolved<'a>> {
        self.place(name).map(|at| &self.list[at])
    }

    /// [`Self::for_route`], remembered in the route policy's `slot`: the
    /// policy's sentinel resolves it at ignite, and each request reads the
    /// slot (one atomic load) instead of looking the name up. A slot filled
    /// by another application's validators (tests launch many in one
    /// process) is resolved again.
    pub(crate) fn for_policy<'a>(
        &'a self,
        name: Option<&'a str>,
        slot: Option<&ValidatorSlot>,
    ) -> Result<&'a Validator, Unresolved<'a>> {
        let Some(slot) = slot else {
            return self.for_route(name);
        };
        if let Some(found) = slot.get(self.id).and_then(|at| self.list.get(at)) {
            return Ok(found);
        }
        let at = self.place(name)?;
        slot.set(self.id, at);
        Ok(&self.list[at])
    }

    /// Where in `list` the validator a route uses is.
    fn place<'a>(&'a self, name: Option<&'a str>) -> Result<usize, Unresolved<'a>> {
        let Some(name) = name else {
            return match self.list.len() {
                1 => Ok(0),
                0 => Err(Unresolved::NoneConfigured),
                _ => Err(Unresolved::Ambiguous { known: self }),
            };
        };
        self.by_name
            .get(name)
            .copied()
            .ok_or(Unresolved::Unknown { name, known: self })
    }

    fn names(&self) -> String {
        let names: Vec<_> = self
            .by_name
            .keys()
            .map(|name| format!("`{name}`"))
            .collect();
        names.join(", ")
    }
}

/// The next [`Validators::id`]; 0 is no set's, so an empty slot matches none.
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// Where a route policy's validator is in the application's [`Validators`]:
/// one per `#[jwt_auth]` policy (a `static` the macro generates), so a
/// request finds its validator without looking up its name. Holds the
/// validators' id and the validator's place, packed in one atomic word.
#[derive(Debug, Default)]
pub struct ValidatorSlot(AtomicU64);

impl ValidatorSlot {
    /// An empty slot.
    pub const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// The place it holds for the validators whose id is `id`.
    fn get(&self, id: u32) -> Option<usize> {
        let packed = self.0.load(Ordering::Relaxed);
        let (held, at) = ((packed >> 32) as u32, packed as u32);
        (held == id && id != 0).then_some(at as usize)
    }

    fn set(&self, id: u32, at: usize) {
        // More than 2^32 validators cannot be configured; refuse to store
        // what would not read back.
        if let Ok(at) = u32::try_from(at) {
            self.0
                .store(u64::from(id) << 32 | u64::from(at), Ordering::Relaxed);
        }
    }
}

/// Refuses a `trust` that names no hook registered with the fairing.
fn check_hooks(
    configs: &[config::ValidatorConfig],
    hooks: &TrustHooks,
) -> Result<(), ConfigErrors> {
    let errors: Vec<_> = configs
        .iter()
        .filter_map(|config| match &config.issuers {
            IssuersConfig::Tenants(tenants) => Some((&config.name, tenants.trust.as_ref()?)),
            IssuersConfig::One { .. } | IssuersConfig::Introspection { .. } => None,
        })
        .filter(|(_, trust)| !hooks.contains_key(&trust.hook))
        .map(|(name, trust)| ConfigError::Validator {
            validator: name.to_string(),
            key: Some("trust".to_owned()),
            problem: format!(
                "names the trust hook `{}`, which is not registered: register it with \
                 `Warden::fairing().tenant_trust(\"{}\", hook)`",
                trust.hook, trust.hook
            ),
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ConfigErrors(errors))
    }
}

/// Why a route's validator could not be found.
#[derive(Debug)]
pub(crate) enum Unresolved<'a> {
    Unknown {
        name: &'a str,
        known: &'a Validators,
    },
    NoneConfigured,
    Ambiguous {
        known: &'a Validators,
    },
}

impl fmt::Display for Unresolved<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown { name, known } if known.is_empty() => write!(
                f,
                "names validator `{name}`, but no validator is configured under `jwt.validators`"
            ),
            Self::Unknown { name, known } => write!(
                f,
                "names validator `{name}`, which is not configured (configured: {})",
                known.names()
            ),
            Self::NoneConfigured => f.write_str(
                "needs a validator, but none is configured under `jwt.validators`",
            ),
            Self::Ambiguous { known } => write!(
                f,
                "names no validator, and several are configured ({}): name one in the route's policy",
                known.names()
            ),
        }
    }
}
