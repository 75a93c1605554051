//! The arguments of `#[jwt_auth(...)]`, parsed into a checked model that
//! keeps every span an error may need.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, Ident, Lit, LitStr, Meta, Token};

use super::errors::Errors;

/// The arguments `#[jwt_auth]` accepts.
const ARGUMENTS: &[&str] = &[
    "validator",
    "roles",
    "scopes",
    "audiences",
    "optional",
    "public",
    "check",
];

/// `#[jwt_auth(...)]`'s arguments, checked one by one and together.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) validator: Option<LitStr>,
    pub(crate) roles: Vec<LitStr>,
    pub(crate) scopes: Vec<LitStr>,
    pub(crate) audiences: Option<Vec<LitStr>>,
    pub(crate) optional: Option<Ident>,
    pub(crate) public: Option<Ident>,
    pub(crate) check: Option<syn::Path>,
    /// Every argument given, in order, to check combinations.
    given: Vec<Ident>,
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
        let Some(key) = meta.path().get_ident().cloned() else {
            errors.add_spanned(meta.path(), unknown(&path_text(meta.path())));
            return;
        };
        let name = key.to_string();
        if !ARGUMENTS.contains(&name.as_str()) {
            errors.add(key.span(), unknown(&name));
            return;
        }
        if self.given.contains(&key) {
            errors.add(key.span(), format!("duplicate argument `{name}`"));
            return;
        }
        self.given.push(key.clone());
        match name.as_str() {
            "optional" => self.optional = flag(meta, &key, errors),
            "public" => self.public = flag(meta, &key, errors),
            "validator" => {
                self.validator = value(meta, &key, errors).and_then(|v| validator(v, errors))
            }
            "check" => self.check = value(meta, &key, errors).and_then(|v| check(v, errors)),
            "roles" => self.roles = list(meta, &key, "role", errors).unwrap_or_default(),
            "scopes" => self.scopes = list(meta, &key, "scope", errors).unwrap_or_default(),
            _ => self.audiences = list(meta, &key, "audience", errors),
        }
    }

    /// `public` stands alone: a public route reads no token. Each clash is
    /// reported on the argument written second.
    fn check_combinations(&self, errors: &mut Errors) {
        let Some(public_at) = self.given.iter().position(|given| given == "public") else {
            return;
        };
        for (at, other) in self
            .given
            .iter()
            .enumerate()
            .filter(|(at, _)| *at != public_at)
        {
            let span = self.given[at.max(public_at)].span();
            if other == "optional" {
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

fn unknown(name: &str) -> String {
    let closest = ARGUMENTS
        .iter()
        .map(|known| (strsim::levenshtein(name, known), *known))
        .min()
        .filter(|(distance, _)| *distance <= 2);
    match closest {
        Some((_, known)) => format!("unknown argument `{name}`, expected `{known}`"),
        None => {
            let all: Vec<_> = ARGUMENTS.iter().map(|a| format!("`{a}`")).collect();
            format!(
                "unknown argument `{name}`, expected one of {}",
                all.join(", ")
            )
        }
    }
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
fn value<'a>(meta: &'a Meta, key: &Ident, errors: &mut Errors) -> Option<&'a Expr> {
    match meta {
        Meta::NameValue(name_value) => Some(&name_value.value),
        _ => {
            errors.add_spanned(meta, format!("expected {}", example(key)));
            None
        }
    }
}

fn example(key: &Ident) -> &'static str {
    match key.to_string().as_str() {
        "validator" => "`validator = \"partner_api\"`",
        "check" => "`check = path::to::function`",
        "roles" => "`roles = [\"admin\"]`",
        "scopes" => "`scopes = [\"orders:write\"]`",
        _ => "`audiences = [\"orders-api\"]`",
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

/// `key = ["a", "b"]`: a non-empty list of distinct, non-empty strings.
fn list(meta: &Meta, key: &Ident, item: &str, errors: &mut Errors) -> Option<Vec<LitStr>> {
    let value = value(meta, key, errors)?;
    let Expr::Array(ExprArray { elems, .. }) = value else {
        errors.add_spanned(
            value,
            format!("expected a list of strings, like {}", example(key)),
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
                format!("expected a string literal, like {}", example(key)),
            ),
            Some(lit) if lit.value().is_empty() => errors.add(lit.span(), format!("empty {item}")),
            Some(lit) if item == "scope" && !is_scope_token(&lit.value()) => errors.add(
                lit.span(),
                "a scope is printable ASCII without spaces, `\"` or `\\` (RFC 6750 scope-token)",
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

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_"
}

/// RFC 6750 §3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
fn is_scope_token(scope: &str) -> bool {
    scope
        .bytes()
        .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}
