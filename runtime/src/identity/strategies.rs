//! The strategies an application registered, and how a validator's choice
//! of strategies is resolved against them at ignite.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use rocket::Request;

use super::user::id_from_claim;
use super::{
    Claims, IdentityRules, LookupError, Partner, PartnerDirectory, PartnerStrategy, UserResolver,
    UserStrategy,
};
use crate::config::{AuthnConfig, PartnerChoice, UserChoice};
use crate::error::ConfigError;

/// Names a registered strategy may not take: the built-in ones.
const BUILT_IN_USER: &[&str] = &["static", "claim"];
const BUILT_IN_PARTNER: &[&str] = &["none", "email", "claim"];

/// What the application registered with the fairing.
#[derive(Clone, Default)]
pub(crate) struct Strategies {
    users: BTreeMap<String, Arc<dyn UserStrategy>>,
    partners: BTreeMap<String, Arc<dyn PartnerStrategy>>,
    directory: Option<Arc<dyn PartnerDirectory>>,
    /// Registration mistakes, reported at ignite.
    problems: Vec<ConfigError>,
}

impl fmt::Debug for Strategies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Strategies")
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .field("partners", &self.partners.keys().collect::<Vec<_>>())
            .field("directory", &self.directory.is_some())
            .finish()
    }
}

impl Strategies {
    pub(crate) fn add_user(&mut self, name: &str, strategy: Arc<dyn UserStrategy>) {
        self.record_name_problem(
            "user_strategy",
            name,
            BUILT_IN_USER,
            self.users.contains_key(name),
        );
        self.users.insert(name.to_owned(), strategy);
    }

    pub(crate) fn add_partner(&mut self, name: &str, strategy: Arc<dyn PartnerStrategy>) {
        let taken = self.partners.contains_key(name);
        self.record_name_problem("partner_strategy", name, BUILT_IN_PARTNER, taken);
        self.partners.insert(name.to_owned(), strategy);
    }

    pub(crate) fn set_directory(&mut self, directory: Arc<dyn PartnerDirectory>) {
        self.directory = Some(directory);
    }

    fn record_name_problem(&mut self, kind: &str, name: &str, built_in: &[&str], taken: bool) {
        let problem = if built_in.contains(&name) {
            format!("`{name}` is built in: register yours under another name")
        } else if name.is_empty() {
            "a registered strategy needs a name".to_owned()
        } else if taken {
            format!("`{name}` is registered twice")
        } else {
            return;
        };
        self.problems.push(ConfigError::Table {
            key: kind.to_owned(),
            problem,
        });
    }

    /// Registration mistakes, found when the fairing was built.
    pub(crate) fn problems(&self) -> &[ConfigError] {
        &self.problems
    }

    /// The identity rules of `validator`, or the problems with its choice.
    pub(crate) fn rules(
        &self,
        validator: &str,
        config: &AuthnConfig,
    ) -> Result<IdentityRules, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let mut problem = |key: &str, problem: String| {
            errors.push(ConfigError::Validator {
                validator: validator.to_owned(),
                key: Some(key.to_owned()),
                problem,
            });
        };
        let user = match &config.user {
            UserChoice::Static(user) => Some(UserResolver::Static(user.as_str().into())),
            UserChoice::Claim(claim) => Some(UserResolver::Claim(claim.as_str().into())),
            UserChoice::Custom(name) => match self.users.get(name) {
                Some(strategy) => Some(UserResolver::Custom {
                    name: name.as_str().into(),
                    strategy: strategy.clone(),
                }),
                None => {
                    problem("user_strategy", unknown(name, BUILT_IN_USER, &self.users));
                    None
                }
            },
        };
        let directory = |problem: &mut dyn FnMut(&str, String), strategy: &str| {
            let found = self.directory.clone();
            if found.is_none() {
                problem(
                    "partner_strategy",
                    format!(
                        "`{strategy}` looks partners up in the application's directory, but none \
                         is registered: add `.partner_directory(...)` to `Warden::fairing()`"
                    ),
                );
            }
            found
        };
        let partner = match &config.partner {
            PartnerChoice::None => Some(PartnerResolver::None),
            PartnerChoice::Email(claim) => directory(&mut problem, "email")
                .map(|directory| PartnerResolver::Email(claim.as_str().into(), directory)),
            PartnerChoice::Claim(claim) => directory(&mut problem, "claim")
                .map(|directory| PartnerResolver::Claim(claim.as_str().into(), directory)),
            PartnerChoice::Custom(name) => match self.partners.get(name) {
                Some(strategy) => Some(PartnerResolver::Custom(
                    name.as_str().into(),
                    strategy.clone(),
                )),
                None => {
                    problem(
                        "partner_strategy",
                        unknown(name, BUILT_IN_PARTNER, &self.partners),
                    );
                    None
                }
            },
        };
        match (user, partner) {
            (Some(user), Some(partner)) => Ok(IdentityRules {
                user,
                partner,
                partner_required: config.partner_required,
            }),
            _ => Err(errors),
        }
    }
}

/// "unknown strategy", listing the built-in and registered ones.
fn unknown<T: ?Sized>(
    name: &str,
    built_in: &[&str],
    registered: &BTreeMap<String, Arc<T>>,
) -> String {
    let known: Vec<_> = built_in
        .iter()
        .copied()
        .chain(registered.keys().map(String::as_str))
        .map(|name| format!("`{name}`"))
        .collect();
    format!(
        "unknown strategy `{name}` (known: {}); register it with the fairing",
        known.join(", ")
    )
}

/// A validator's partner strategy, resolved at ignite.
#[derive(Clone)]
pub(crate) enum PartnerResolver {
    None,
    /// The email in a claim, looked up in the directory: exactly one match.
    Email(Arc<str>, Arc<dyn PartnerDirectory>),
    /// A partner id in a claim, looked up in the directory.
    Claim(Arc<str>, Arc<dyn PartnerDirectory>),
    Custom(Arc<str>, Arc<dyn PartnerStrategy>),
}

impl fmt::Debug for PartnerResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("no partner"),
            Self::Email(claim, _) => write!(f, "partner by email in `{claim}`"),
            Self::Claim(claim, _) => write!(f, "partner by id in `{claim}`"),
            Self::Custom(name, _) => write!(f, "partner strategy `{name}`"),
        }
    }
}

impl PartnerResolver {
    /// The partner `claims` act for, by this strategy.
    pub(crate) async fn lookup(
        &self,
        request: &Request<'_>,
        claims: &Claims,
    ) -> Result<Option<Partner>, LookupError> {
        match self {
            Self::None => Ok(None),
            Self::Email(claim, directory) => {
                let Some(email) = claims.get(&**claim).and_then(|v| v.as_str()) else {
                    return Ok(None);
                };
                let mut found = directory.by_email(request, email).await?;
                if found.len() > 1 {
                    // An ambiguous email names no one (OCA `auth_jwt`): say so
                    // without writing the address to the log.
                    tracing::info!(
                        target: "rocket_warden",
                        "{} partners share the token's email: no partner",
                        found.len()
                    );
                }
                Ok(found.pop().filter(|_| found.is_empty()))
            }
            Self::Claim(claim, directory) => {
                let id = id_from_claim(claims.get(&**claim)).and_then(|id| id.parse().ok());
                match id {
                    Some(id) => directory.by_id(request, id).await,
                    None => Ok(None),
                }
            }
            Self::Custom(_, strategy) => strategy.partner(request, claims).await,
        }
    }
}
