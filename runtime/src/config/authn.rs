//! How a validator authenticates a request, beyond verifying its token: the
//! identity strategies, the chain (`next`), the query parameter it takes
//! tokens from, cookie mode, session refusal and DPoP.
//!
//! These keys are read and checked here; names that point elsewhere
//! (strategies registered in code, the `next` validator) are resolved by
//! `validators` once every validator is known.

use rocket::figment::Figment;

use super::certificate::{self, CertificateConfig};
use super::cookie::{self, CookieConfig};
use super::dpop::{self, DpopConfig};
use super::problems::{is_token, Problems};

/// The user strategy a validator names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UserChoice {
    /// `static`, with `static_user`.
    Static(String),
    /// `claim`, with `user_claim`.
    Claim(String),
    /// A strategy registered in code.
    Custom(String),
}

/// The partner strategy a validator names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PartnerChoice {
    None,
    /// `email`: the claim holding the email address.
    Email(String),
    /// `claim`: the claim holding the partner's id.
    Claim(String),
    /// A strategy registered in code.
    Custom(String),
}

/// The settings read here, checked but not yet resolved.
#[derive(Debug, Clone)]
pub(crate) struct AuthnConfig {
    pub(crate) user: UserChoice,
    pub(crate) partner: PartnerChoice,
    pub(crate) partner_required: bool,
    pub(crate) next: Option<String>,
    pub(crate) query_param: Option<String>,
    pub(crate) cookie: Option<CookieConfig>,
    pub(crate) reject_session_cookies: Vec<String>,
    /// `None` with `dpop = "disabled"`.
    pub(crate) dpop: Option<DpopConfig>,
    /// Where client certificates come from, for certificate-bound tokens.
    pub(crate) certificate: Option<CertificateConfig>,
}

impl Default for AuthnConfig {
    fn default() -> Self {
        Self {
            user: UserChoice::Claim("sub".to_owned()),
            partner: PartnerChoice::None,
            partner_required: false,
            next: None,
            query_param: None,
            cookie: None,
            reject_session_cookies: Vec::new(),
            dpop: None,
            certificate: None,
        }
    }
}

/// Reads this module's keys of the validator `problems` is about.
pub(crate) fn read(problems: &mut Problems<'_>, figment: &Figment) -> AuthnConfig {
    let user = user_choice(problems);
    let partner = partner_choice(problems);
    let partner_required = problems.read("partner_required").unwrap_or(false);
    if partner_required && partner == PartnerChoice::None {
        problems.add(
            "partner_required",
            "needs a `partner_strategy` other than `none`",
        );
    }
    let next: Option<String> = problems.read("next");
    if next.as_deref() == Some("") {
        problems.add("next", "cannot be empty; remove the key to end the chain");
    }
    let query_param: Option<String> = problems.read("query_param");
    if let Some(name) = &query_param {
        if !is_token(name) {
            problems.add(
                "query_param",
                "a parameter name: letters, digits, `-`, `_`, `.`",
            );
        }
    }
    let reject_session_cookies: Vec<String> =
        problems.read("reject_session_cookies").unwrap_or_default();
    if !reject_session_cookies.iter().all(|name| is_token(name)) {
        problems.add(
            "reject_session_cookies",
            "cookie names: letters, digits, `-`, `_`, `.`",
        );
    }
    let cookie = cookie::read(problems);
    if let Some(cookie) = &cookie {
        if reject_session_cookies
            .iter()
            .any(|name| **name == *cookie.name)
        {
            problems.add(
                "reject_session_cookies",
                format!("names `{}`, this validator's own cookie", cookie.name),
            );
        }
    }
    let dpop = dpop::read(problems);
    let certificate = certificate::read(problems, figment);
    AuthnConfig {
        user,
        partner,
        partner_required,
        next,
        query_param,
        cookie,
        reject_session_cookies,
        dpop,
        certificate,
    }
}

/// `user_strategy` and the key that goes with it. Without `user_strategy`,
/// `static_user` alone selects `static`; otherwise the user is the `sub` claim.
fn user_choice(problems: &mut Problems<'_>) -> UserChoice {
    let strategy: Option<String> = problems.read("user_strategy");
    let static_user: Option<String> = problems.read("static_user");
    let user_claim: Option<String> = problems.read("user_claim");
    let strategy = strategy.unwrap_or_else(|| match static_user {
        Some(_) => "static".to_owned(),
        None => "claim".to_owned(),
    });
    let unused = |problems: &mut Problems<'_>, key: &str, set: bool| {
        if set {
            problems.add(
                key,
                format!("is not used by `user_strategy = \"{strategy}\"`"),
            );
        }
    };
    match strategy.as_str() {
        "static" => {
            unused(problems, "user_claim", user_claim.is_some());
            match static_user {
                Some(user) if !user.is_empty() => UserChoice::Static(user),
                _ => {
                    problems.add("static_user", "required by `user_strategy = \"static\"`");
                    UserChoice::Static(String::new())
                }
            }
        }
        "claim" => {
            unused(problems, "static_user", static_user.is_some());
            let claim = user_claim.unwrap_or_else(|| "sub".to_owned());
            if claim.is_empty() {
                problems.add("user_claim", "a claim name cannot be empty");
            }
            UserChoice::Claim(claim)
        }
        "" => {
            problems.add("user_strategy", "cannot be empty");
            UserChoice::Custom(strategy)
        }
        _ => {
            unused(problems, "static_user", static_user.is_some());
            unused(problems, "user_claim", user_claim.is_some());
            UserChoice::Custom(strategy)
        }
    }
}

/// `partner_strategy` and `partner_claim`, which defaults to `email` for the
/// `email` strategy and to `partner_id` for the `claim` strategy.
fn partner_choice(problems: &mut Problems<'_>) -> PartnerChoice {
    let strategy: Option<String> = problems.read("partner_strategy");
    let claim: Option<String> = problems.read("partner_claim");
    let strategy = strategy.unwrap_or_else(|| "none".to_owned());
    if claim.as_deref() == Some("") {
        problems.add("partner_claim", "a claim name cannot be empty");
    }
    let uses_claim = matches!(strategy.as_str(), "email" | "claim");
    if claim.is_some() && !uses_claim {
        problems.add(
            "partner_claim",
            format!("is not used by `partner_strategy = \"{strategy}\"`"),
        );
    }
    match strategy.as_str() {
        "none" => PartnerChoice::None,
        "email" => PartnerChoice::Email(claim.unwrap_or_else(|| "email".to_owned())),
        "claim" => PartnerChoice::Claim(claim.unwrap_or_else(|| "partner_id".to_owned())),
        "" => {
            problems.add("partner_strategy", "cannot be empty; use \"none\"");
            PartnerChoice::None
        }
        _ => PartnerChoice::Custom(strategy),
    }
}
