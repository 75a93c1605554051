//! The arguments of `#[jwt_auth(...)]`, parsed into a checked model that
//! keeps every span an error may need.

use std::collections::HashSet;
use std::fmt;

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, Ident, Lit, LitStr, Meta, Token};

use super::errors::Errors;
use super::mirror::{is_identifier, unknown};

/// The arguments `#[jwt_auth]` accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ArgKey {
    Validator,
    Roles,
    Scopes,
    Audiences,
    Acr,
    MaxAge,
    Dpop,
    Optional,
    Public,
    Check,
}

impl ArgKey {
    /// Every argument, in the order error messages list them.
    const ALL: [ArgKey; 10] = [
        ArgKey::Validator,
        ArgKey::Roles,
        ArgKey::Scopes,
        ArgKey::Audiences,
        ArgKey::Acr,
        ArgKey::MaxAge,
        ArgKey::Dpop,
        ArgKey::Optional,
        ArgKey::Public,
        ArgKey::Check,
    ];

    fn name(self) -> &'static str {
        match self {
            ArgKey::Validator => "validator",
            ArgKey::Roles => "roles",
            ArgKey::Scopes => "scopes",
            ArgKey::Audiences => "audiences",
            ArgKey::Acr => "acr",
            ArgKey::MaxAge => "max_age",
            ArgKey::Dpop => "dpop",
            ArgKey::Optional => "optional",
            ArgKey::Public => "public",
            ArgKey::Check => "check",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|key| key.name() == name)
    }

    fn names() -> [&'static str; 10] {
        Self::ALL.map(Self::name)
    }

    /// How the argument is written, for messages about a wrong value.
    fn example(self) -> &'static str {
        match self {
            ArgKey::Validator => "`validator = \"partner_api\"`",
            ArgKey::Roles => "`roles = [\"admin\"]`",
            ArgKey::Scopes => "`scopes = [\"orders:write\"]`",
            ArgKey::Audiences => "`audiences = [\"orders-api\"]`",
            ArgKey::Acr => "`acr = [\"urn:example:mfa\"]`",
            ArgKey::MaxAge => "`max_age = 300`",
            ArgKey::Dpop => "`dpop = \"required\"`",
            ArgKey::Optional => "`optional`",
            ArgKey::Public => "`public`",
            ArgKey::Check => "`check = path::to::function`",
        }
    }
}

impl fmt::Display for ArgKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `#[jwt_auth(...)]`'s arguments, checked one by one and together.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) validator: Option<LitStr>,
    pub(crate) roles: Vec<LitStr>,
    pub(crate) scopes: Vec<LitStr>,
    pub(crate) audiences: Option<Vec<LitStr>>,
    pub(crate) acr: Vec<LitStr>,
    pub(crate) max_age: Option<u64>,
    /// `Required` or `Allowed`, as the runtime's `DpopMode` names them.
    pub(crate) dpop: Option<Ident>,
    pub(crate) optional: Option<Ident>,
    pub(crate) public: Option<Ident>,
    pub(crate) check: Option<syn::Path>,
    /// Every argument given, in order, where it was written, to check
    /// combinations.
    given: Vec<(ArgKey, Span)>,
}

impl Args {
    /// Parses and checks the arguments; `None` if they cannot be read at all.
    pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Option<Self> {
        let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
            Ok(metas) => metas,
            Err(error) => {
                errors.push(error);
                return None;
            }
        };
        let mut args = Args::default();
        for meta in &metas {
            args.read(meta, errors);
        }
        args.check_combinations(errors);
        Some(args)
    }

    fn read(&mut self, meta: &Meta, errors: &mut Errors) {
        let Some(ident) = meta.path().get_ident() else {
            let name = path_text(meta.path());
            errors.add_spanned(meta.path(), unknown_argument(&name));
            return;
        };
        let Some(key) = ArgKey::parse(&ident.to_string()) else {
            errors.add(ident.span(), unknown_argument(&ident.to_string()));
            return;
        };
        if self.given.iter().any(|(given, _)| *given == key) {
            errors.add(ident.span(), format!("duplicate argument `{key}`"));
            return;
        }
        self.given.push((key, ident.span()));
        match key {
            ArgKey::Optional => self.optional = flag(meta, ident, errors),
            ArgKey::Public => self.public = flag(meta, ident, errors),
            ArgKey::Validator => {
                self.validator = value(meta, key, errors).and_then(|v| validator(v, errors))
            }
            ArgKey::Check => self.check = value(meta, key, errors).and_then(|v| check(v, errors)),
            ArgKey::Roles => self.roles = list(meta, key, "role", errors).unwrap_or_default(),
            ArgKey::Scopes => self.scopes = list(meta, key, "scope", errors).unwrap_or_default(),
            ArgKey::Audiences => self.audiences = list(meta, key, "audience", errors),
            ArgKey::Acr => self.acr = list(meta, key, "acr value", errors).unwrap_or_default(),
            ArgKey::MaxAge => {
                self.max_age = value(meta, key, errors).and_then(|v| seconds(v, errors))
            }
            ArgKey::Dpop => self.dpop = value(meta, key, errors).and_then(|v| dpop(v, errors)),
        }
    }

    /// `public` stands alone: a public route reads no token. Each clash is
    /// reported on the argument written second.
    fn check_combinations(&self, errors: &mut Errors) {
        let Some(public_at) = self
            .given
            .iter()
            .position(|(given, _)| *given == ArgKey::Public)
        else {
            return;
        };
        for (at, (other, _)) in self
            .given
            .iter()
            .enumerate()
            .filter(|(at, _)| *at != public_at)
        {
            let (_, span) = self.given[at.max(public_at)];
            if *other == ArgKey::Optional {
                errors.add(
                    span,
                    "`optional` and `public` cannot be combined: an `optional` route checks a \
                     token when one is sent, a `public` route never reads one",
                );
            } else {
                errors.add(
                    span,
                    format!(
                        "`public` cannot be combined with `{other}`: a public route reads no token"
                    ),
                );
            }
        }
    }
}

fn unknown_argument(name: &str) -> String {
    unknown("argument", name, &ArgKey::names())
}

fn path_text(path: &syn::Path) -> String {
    let segments: Vec<_> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
}

/// A bare flag: `optional`. Given a value, it is reported and still counts
/// as set, so the rest of the attribute is checked as the user meant it.
fn flag(meta: &Meta, key: &Ident, errors: &mut Errors) -> Option<Ident> {
    match meta {
        Meta::Path(_) => {}
        Meta::NameValue(name_value) => errors.add_spanned(
            &name_value.value,
            format!("`{key}` takes no value: write `{key}` alone"),
        ),
        Meta::List(list) => errors.add_spanned(
            &list.tokens,
            format!("`{key}` takes no value: write `{key}` alone"),
        ),
    }
    Some(key.clone())
}

/// The value of `key = value`.
fn value<'a>(meta: &'a Meta, key: ArgKey, errors: &mut Errors) -> Option<&'a Expr> {
    match meta {
        Meta::NameValue(name_value) => Some(&name_value.value),
        _ => {
            errors.add_spanned(meta, format!("expected {}", key.example()));
            None
        }
    }
}

/// `validator = "name"`: a string holding a Rust identifier, as validator
/// names in the configuration are.
fn validator(value: &Expr, errors: &mut Errors) -> Option<LitStr> {
    let Some(name) = string(value) else {
        errors.add_spanned(
            value,
            "expected a string literal, like `validator = \"partner_api\"`",
        );
        return None;
    };
    if name.value().is_empty() {
        errors.add(name.span(), "a validator name cannot be empty");
        return None;
    }
    if !is_identifier(&name.value()) {
        errors.add(
            name.span(),
            format!(
                "`{}` is not a validator name: validator names are Rust identifiers \
                 (letters, digits and `_`, not starting with a digit)",
                name.value()
            ),
        );
        return None;
    }
    Some(name.clone())
}

/// `check = path::to::function`.
fn check(value: &Expr, errors: &mut Errors) -> Option<syn::Path> {
    match value {
        Expr::Path(path) if path.qself.is_none() => Some(path.path.clone()),
        _ => {
            errors.add_spanned(
                value,
                "expected a path to a function, like `check = path::to::function`",
            );
            None
        }
    }
}

/// `dpop = "required"` or `dpop = "allowed"`: the `DpopMode` variant.
fn dpop(value: &Expr, errors: &mut Errors) -> Option<Ident> {
    let variant = string(value).and_then(|mode| match mode.value().as_str() {
        "required" => Some(Ident::new("Required", mode.span())),
        "allowed" => Some(Ident::new("Allowed", mode.span())),
        _ => None,
    });
    if variant.is_none() {
        errors.add_spanned(
            value,
            "expected `dpop = \"required\"` (only DPoP-bound tokens with a proof) or \
             `dpop = \"allowed\"` (bearer tokens too)",
        );
    }
    variant
}

/// `max_age = 300`: whole seconds, an integer literal.
fn seconds(value: &Expr, errors: &mut Errors) -> Option<u64> {
    let Expr::Lit(ExprLit {
        lit: Lit::Int(int), ..
    }) = value
    else {
        errors.add_spanned(
            value,
            "expected a whole number of seconds, like `max_age = 300`",
        );
        return None;
    };
    match int.base10_parse::<u64>() {
        Ok(secs) => Some(secs),
        Err(_) if int.base10_digits().starts_with('-') => {
            errors.add(int.span(), "`max_age` cannot be negative");
            None
        }
        Err(_) => {
            errors.add(int.span(), "`max_age` must fit in a u64 number of seconds");
            None
        }
    }
}

/// `key = ["a", "b"]`: a non-empty list of distinct, non-empty strings.
fn list(meta: &Meta, key: ArgKey, item: &str, errors: &mut Errors) -> Option<Vec<LitStr>> {
    let value = value(meta, key, errors)?;
    let Expr::Array(ExprArray { elems, .. }) = value else {
        errors.add_spanned(
            value,
            format!("expected a list of strings, like {}", key.example()),
        );
        return None;
    };
    if elems.is_empty() {
        errors.add_spanned(
            value,
            format!("`{key}` cannot be empty: remove the argument to require no {item}"),
        );
        return None;
    }
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    for elem in elems {
        match string(elem) {
            None => errors.add(
                elem.span(),
                format!("expected a string literal, like {}", key.example()),
            ),
            Some(lit) if lit.value().is_empty() => errors.add(lit.span(), format!("empty {item}")),
            Some(lit) if key == ArgKey::Scopes && !is_scope_token(&lit.value()) => errors.add(
                lit.span(),
                "a scope is printable ASCII without spaces, `\"` or `\\` (RFC 6750 scope-token)",
            ),
            // They are repeated, space-separated, in a challenge's quoted `acr_values`.
            Some(lit) if key == ArgKey::Acr && !is_scope_token(&lit.value()) => errors.add(
                lit.span(),
                "an acr value is printable ASCII without spaces, `\"` or `\\` \
                 (it goes into a challenge's `acr_values`, RFC 9470)",
            ),
            Some(lit) if lit.value().chars().any(char::is_whitespace) => {
                errors.add(lit.span(), format!("a {item} cannot contain whitespace"))
            }
            Some(lit) if !seen.insert(lit.value()) => {
                errors.add(lit.span(), format!("duplicate {item} `{}`", lit.value()))
            }
            Some(lit) => items.push(lit.clone()),
        }
    }
    Some(items)
}

fn string(expr: &Expr) -> Option<&LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Some(lit),
        _ => None,
    }
}

/// RFC 6750 §3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
fn is_scope_token(scope: &str) -> bool {
    scope
        .bytes()
        .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_argument_is_read_back_from_its_name() {
        for key in ArgKey::ALL {
            assert!(ArgKey::parse(key.name()) == Some(key), "{key}");
        }
        assert!(ArgKey::parse("Roles").is_none());
        assert!(ArgKey::parse("r#roles").is_none());
    }
}
