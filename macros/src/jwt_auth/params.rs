//! The handler's guard parameters: each `Jwt<…>` or `OptionalJwt<…>` gets the
//! route's policy as its second type argument, an `AuthUser` as its only
//! one; a handler with none of them gets a hidden `Authorized<…>` guard.

use syn::{FnArg, GenericArgument, PathArguments, Type};

use super::args::Args;
use super::errors::Errors;
use super::paths::{self, VALUE};

/// How the handler takes the token.
pub(crate) struct Guards {
    /// Whether through a `Jwt`/`OptionalJwt`/`AuthUser` parameter of its
    /// own; if not, a hidden guard must be added (unless the route is public).
    pub(crate) own: bool,
    /// How many guard types were bound to the policy, nested ones included.
    pub(crate) bound: usize,
}

/// The guard types a handler may take, by their last path segment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Jwt,
    OptionalJwt,
    AuthUser,
}

impl Kind {
    /// How many type arguments the guard takes before its policy.
    fn leading(self) -> usize {
        match self {
            Kind::Jwt | Kind::OptionalJwt => 1,
            Kind::AuthUser => 0,
        }
    }
}

/// Binds every `Jwt`/`OptionalJwt` parameter to the policy type, and those
/// nested in another guard's type arguments (`Option<Jwt<C>>`) too, so that
/// no guard of the route falls back to the default policy.
pub(crate) fn bind(item: &mut syn::ItemFn, args: &Args, errors: &mut Errors) -> Guards {
    let policy = paths::policy_type(item);
    let mut guards = Guards {
        own: false,
        bound: 0,
    };
    for input in &mut item.sig.inputs {
        let FnArg::Typed(param) = input else { continue };
        if let Some((kind, ident)) = guard_kind(&param.ty) {
            guards.own = true;
            check_kind(kind, &ident, args, errors);
        }
        guards.bound += bind_type(&mut param.ty, &policy, errors);
    }
    guards
}

/// Whether `ty` is itself a `Jwt` or an `OptionalJwt`.
fn guard_kind(ty: &Type) -> Option<(Kind, syn::Ident)> {
    let Type::Path(ty) = ty else { return None };
    let last = ty.path.segments.last()?;
    match last.ident.to_string().as_str() {
        "Jwt" => Some((Kind::Jwt, last.ident.clone())),
        "OptionalJwt" => Some((Kind::OptionalJwt, last.ident.clone())),
        "AuthUser" => Some((Kind::AuthUser, last.ident.clone())),
        _ => None,
    }
}

/// Adds the policy to `ty` if it is a guard, else to any guard among its
/// type arguments: how many guards that was.
fn bind_type(ty: &mut Type, policy: &syn::Ident, errors: &mut Errors) -> usize {
    let kind = guard_kind(ty).map(|(kind, _)| kind);
    let Type::Path(ty) = ty else { return 0 };
    let Some(last) = ty.path.segments.last_mut() else {
        return 0;
    };
    if let Some(kind) = kind {
        add_policy(kind, &mut last.arguments, policy, errors);
        return 1;
    }
    let PathArguments::AngleBracketed(generics) = &mut last.arguments else {
        return 0;
    };
    let inner = generics.args.iter_mut().filter_map(|arg| match arg {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    });
    inner.map(|inner| bind_type(inner, policy, errors)).sum()
}

/// A guard must fit the route's access: `OptionalJwt` exactly on `optional`
/// routes, no guard at all on `public` ones.
fn check_kind(kind: Kind, ident: &syn::Ident, args: &Args, errors: &mut Errors) {
    if args.public.is_some() {
        errors.add(
            ident.span(),
            format!(
                "a `public` route reads no token: remove this `{ident}` parameter, or `public`"
            ),
        );
    } else if kind == Kind::Jwt && args.optional.is_some() {
        errors.add(
            ident.span(),
            "an `optional` route also runs without a token: take `OptionalJwt<…>` here",
        );
    } else if kind == Kind::AuthUser && args.optional.is_some() {
        errors.add(
            ident.span(),
            "an `optional` route also runs without a token, so without a user: \
             take `OptionalJwt<…>` and its `user()` here",
        );
    } else if kind == Kind::OptionalJwt && args.optional.is_none() {
        errors.add(
            ident.span(),
            "`OptionalJwt` lets requests without a token through: add `optional` to \
             `#[jwt_auth]`, or take `Jwt<…>`",
        );
    }
}

/// `Jwt` becomes `Jwt<Value, Policy>`, `Jwt<C>` becomes `Jwt<C, Policy>`,
/// `AuthUser` becomes `AuthUser<Policy>`.
fn add_policy(kind: Kind, arguments: &mut PathArguments, policy: &syn::Ident, errors: &mut Errors) {
    match arguments {
        PathArguments::None if kind.leading() == 0 => {
            *arguments = PathArguments::AngleBracketed(syn::parse_quote!(<#policy>));
        }
        PathArguments::None => {
            *arguments = PathArguments::AngleBracketed(syn::parse_quote!(<#VALUE, #policy>));
        }
        PathArguments::AngleBracketed(generics) => {
            let types = generics
                .args
                .iter()
                .filter(|arg| matches!(arg, GenericArgument::Type(_)));
            if let Some(extra) = types.clone().nth(kind.leading()) {
                errors.add_spanned(
                    extra,
                    "the policy of this guard comes from `#[jwt_auth]`: remove this type argument",
                );
                return;
            }
            generics.args.push(syn::parse_quote!(#policy));
        }
        PathArguments::Parenthesized(_) => {}
    }
}
