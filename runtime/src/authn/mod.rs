//! Authentication of one request, with the validator a route names: its
//! session cookies refused, its credential read (header, query, cookie), the
//! validator chain tried in order, the token's binding (to a DPoP proof or
//! a client certificate) checked, the user and partner resolved, the cookie
//! issued. Guards run this once per request (see `guard`): [`start`] does
//! what needs no waiting and answers a plain cache hit there, and
//! [`Rest::finish`] does the rest.

mod binding;
mod certificate;
mod cookie;
mod credentials;

use std::sync::Arc;

use rocket::Request;

#[cfg(feature = "provider")]
pub(crate) use credentials::bearer_token;
#[cfg(feature = "fuzzing")]
pub(crate) use credentials::parse_bearer;
pub(crate) use credentials::take_query_tokens;
use credentials::{Credential, SentIn};

use crate::error::AuthError;
use crate::identity::Authenticated;
use crate::validators::{AuthnRules, Revocations, Validators};
use crate::verify::{Binding, Lookup, Validator, Verified};

/// How far a request's authentication got without waiting (see [`start`]).
pub(crate) enum Start<'r> {
    /// The whole answer: the identity (`None`: no credentials at all), or
    /// the refusal.
    Done(Result<Option<Authenticated>, AuthError>),
    /// What is left has to wait (a signature to verify, keys to fetch, a
    /// proof, a revocation list, a directory): [`Rest::finish`] it.
    Later(Rest<'r>),
}

/// What is left of a request's authentication after [`start`]: its
/// credential (`None`: maybe an authentication cookie, which is what the
/// default looks for), and what the validated-token cache said to the first
/// validator that takes it.
#[derive(Default)]
pub(crate) struct Rest<'r> {
    credential: Option<Credential<'r>>,
    first: Option<Lookup>,
}

/// Starts authenticating `request` with `entry` and its chain, and finishes
/// without waiting when it can: the common request, a cached bearer token
/// whose identity the token alone gives, needs no future of its own (and no
/// allocation for one), and neither does a request without credentials
/// where no cookie can stand for them. Everything else is [`Start::Later`].
pub(crate) fn start<'r>(
    request: &'r Request<'_>,
    validators: &'r Validators,
    entry: &'r Validator,
) -> Start<'r> {
    let mut chain = validators.chain(entry);
    // Checked before anything else: a request riding on a session must not
    // reach a token route at all (as Odoo's `auth_jwt` refuses it).
    let refused = chain
        .clone()
        .flat_map(|(_, rules)| rules.reject_session_cookies.iter().map(|name| &**name));
    if let Some(cookie) = credentials::session_cookie(request, refused) {
        return Start::Done(Err(session_cookie_refused(request, entry, cookie)));
    }
    let query_params = chain
        .clone()
        .filter_map(|(_, rules)| rules.query_param.as_deref());
    let dpop = entry.dpop_mode().is_some();
    let credential = match credentials::credential(request, query_params, dpop) {
        Ok(Some(credential)) => credential,
        // Anonymous, unless a validator of the chain keeps identities in
        // cookies, which the rest looks for.
        Ok(None) if chain.clone().all(|(_, rules)| rules.cookie.is_none()) => {
            return Start::Done(Ok(None))
        }
        Ok(None) => return Start::Later(Rest::default()),
        Err(refused) => return Start::Done(Err(refused)),
    };
    let Some((validator, rules)) = chain.find(|(_, rules)| takes(rules, credential.sent_in)) else {
        return Start::Later(Rest::of(credential, None));
    };
    let first = match validator.lookup(credential.token) {
        Lookup::Hit(Ok(token)) if !needs_binding(&credential, &token) => {
            match identify_now(request, validator, rules, token) {
                Ok(answer) => return Start::Done(answer.map(Some)),
                Err(token) => Lookup::Hit(Ok(token)),
            }
        }
        other => other,
    };
    Start::Later(Rest::of(credential, Some(first)))
}

/// Logs the refusal of a request that rides on session cookie `cookie`.
/// Out of line: [`start`] runs on every request.
#[cold]
#[inline(never)]
fn session_cookie_refused(request: &Request<'_>, entry: &Validator, cookie: &str) -> AuthError {
    tracing::warn!(
        target: "rocket_warden",
        "refused {} {}: session cookie `{cookie}` on a token route, validator `{}`",
        request.method(),
        request.uri().path(),
        entry.name(),
    );
    AuthError::SessionCookie
}

impl<'r> Rest<'r> {
    fn of(credential: Credential<'r>, first: Option<Lookup>) -> Self {
        let credential = Some(credential);
        Self { credential, first }
    }

    /// The rest of the authentication [`start`] began, with the same
    /// `validators` and `entry`.
    pub(crate) async fn finish(
        self,
        request: &Request<'_>,
        validators: &Validators,
        entry: &Validator,
    ) -> Result<Option<Authenticated>, AuthError> {
        let chain = validators.chain(entry);
        // Looked up only for a bound token or a DPoP request, not on every one.
        let entry_rules = || validators.rules(entry);
        match self.credential {
            Some(credential) => bearer(request, chain, credential, self.first, entry_rules)
                .await
                .map(Some),
            None => from_cookie(request, chain).await,
        }
    }
}

/// Tries the token with each validator of the chain that takes tokens from
/// where it was sent; the first to accept it decides the identity, once the
/// token's binding holds (with `entry`, which gives the route validator's
/// rules). A failure after acceptance (the binding, the partner) is final.
/// `first` is the cache's answer to the first of them, when [`start`] asked.
async fn bearer<'a>(
    request: &Request<'_>,
    chain: impl Iterator<Item = (&'a Validator, &'a AuthnRules)>,
    credential: Credential<'_>,
    first: Option<Lookup>,
    entry: impl FnOnce() -> Option<&'a AuthnRules>,
) -> Result<Authenticated, AuthError> {
    let mut refusals: Vec<(&str, AuthError)> = Vec::new();
    let mut syntax_checked = credential.syntax_checked;
    let mut first = first;
    for (validator, rules) in chain {
        if !takes(rules, credential.sent_in) {
            continue;
        }
        // A cache hit is the very bytes of a token that passed the syntax
        // check. A miss is checked once, before introspection sends it on.
        // A JWT validator checks the compact shape before it decodes
        // anything, and base64url is within b64token: only a token it
        // refused can fail the syntax check (which then answers, as if first).
        let lookup = first
            .take()
            .unwrap_or_else(|| validator.lookup(credential.token));
        let verified = match lookup {
            Lookup::Hit(result) => result,
            Lookup::Miss(miss) => {
                if !syntax_checked && validator.introspects() {
                    credentials::check_syntax(credential.token)?;
                    syntax_checked = true;
                }
                let verified = validator.verify_missed(credential.token, miss).await;
                if verified.is_err() && !syntax_checked {
                    credentials::check_syntax(credential.token)?;
                }
                // Accepted, or checked just now: either way it passes.
                syntax_checked = true;
                verified
            }
        };
        match verified {
            Ok(token) => {
                if needs_binding(&credential, &token) {
                    let now = validator.now_secs();
                    binding::check_binding(request, &credential, &token, entry(), now).await?;
                }
                return identify(request, validator, rules, token).await;
            }
            Err(error) => refusals.push((validator.name(), error)),
        }
    }
    Err(chain_refusal(request, refusals))
}

/// Whether the token needs its binding checked: a bearer token sent as one
/// needs nothing more (the common case).
fn needs_binding(credential: &Credential<'_>, token: &Verified) -> bool {
    credential.dpop || *token.binding() != Binding::None
}

/// The identity of a token `validator` accepted, with the authentication
/// cookie issued (again) when the validator is in cookie mode.
async fn identify(
    request: &Request<'_>,
    validator: &Validator,
    rules: &AuthnRules,
    token: Arc<Verified>,
) -> Result<Authenticated, AuthError> {
    // Asked on every request, cached tokens included: a revocation counts
    // from the next request on.
    if let Some(revocations) = request.rocket().state::<Revocations>() {
        revocations.check(token.payload.map()).await?;
    }
    let identity = rules.identity.identify(request, token).await?;
    Ok(with_cookie(request, validator, rules, identity))
}

/// [`identify`], when nothing in it has to wait: strategies that read only
/// the token, and revocation lists (if any) that answer at once. Otherwise
/// the token back, for [`identify`].
fn identify_now(
    request: &Request<'_>,
    validator: &Validator,
    rules: &AuthnRules,
    token: Arc<Verified>,
) -> Result<Result<Authenticated, AuthError>, Arc<Verified>> {
    let identity = rules.identity.identify_now(token)?;
    if let Some(revocations) = request.rocket().state::<Revocations>() {
        match revocations.check_now(identity.token.payload.map()) {
            Some(Ok(())) => {}
            Some(Err(refused)) => return Ok(Err(refused)),
            None => return Err(identity.token),
        }
    }
    Ok(Ok(with_cookie(request, validator, rules, identity)))
}

/// `identity`, with the authentication cookie issued (again) when the
/// validator is in cookie mode, unless its token is DPoP-bound: a cookie
/// would carry it without its proof.
fn with_cookie(
    request: &Request<'_>,
    validator: &Validator,
    rules: &AuthnRules,
    identity: Authenticated,
) -> Authenticated {
    if let Some(settings) = &rules.cookie {
        if !identity.token.is_dpop_bound() {
            cookie::issue(request, settings, &identity.token, validator.now_secs());
        }
    }
    identity
}

/// Whether a validator takes tokens sent this way: every validator reads the
/// header; a query token only the validators whose `query_param` it is.
fn takes(rules: &AuthnRules, sent_in: SentIn<'_>) -> bool {
    match sent_in {
        SentIn::Header => true,
        SentIn::Query(name) => rules.query_param.as_deref() == Some(name),
    }
}

/// The one refusal for a token every validator refused, after logging each
/// validator's reason. A server-side failure (5xx) wins, since the token may
/// be good; otherwise the first validator's reason answers.
fn chain_refusal(request: &Request<'_>, refusals: Vec<(&str, AuthError)>) -> AuthError {
    if refusals.len() > 1 {
        let reasons: Vec<_> = refusals
            .iter()
            .map(|(name, error)| format!("`{name}`: {error}"))
            .collect();
        tracing::info!(
            target: "rocket_warden",
            "{} {}: every validator of the chain refused the token: {}",
            request.method(),
            request.uri().path(),
            reasons.join("; "),
        );
    }
    let server_fault = refusals
        .iter()
        .position(|(_, error)| error.status().code >= 500);
    let mut refusals = refusals.into_iter().map(|(_, error)| error);
    match server_fault {
        Some(at) => refusals.nth(at),
        None => refusals.next(),
    }
    .unwrap_or(AuthError::Missing)
}

/// The identity kept in a cookie of the chain, resolved again and re-issued
/// with a fresh expiry: `Ok(None)` when there is no such cookie.
async fn from_cookie<'a>(
    request: &Request<'_>,
    chain: impl Iterator<Item = (&'a Validator, &'a AuthnRules)> + Clone,
) -> Result<Option<Authenticated>, AuthError> {
    let candidates = chain
        .clone()
        .filter_map(|(validator, rules)| Some((validator.name(), rules.cookie.as_ref()?)));
    // Every validator reads the application's one clock.
    let now = chain
        .clone()
        .next()
        .map_or(0, |(validator, _)| validator.now_secs());
    let Some(restored) = cookie::restore(request, candidates, now)? else {
        return Ok(None);
    };
    let mut chain = chain;
    let found = chain.find(|(validator, _)| validator.name() == restored.validator);
    let Some((validator, rules)) = found else {
        return Err(AuthError::InvalidCookie);
    };
    let token = validator.restore(restored.header, restored.payload);
    identify(request, validator, rules, token).await.map(Some)
}
