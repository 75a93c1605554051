//! `#[jwt_auth(...)]`: parse the arguments, find the route attribute and the
//! guard parameters, check them together, then expand.

mod args;
mod errors;
mod expand;
mod mirror;
mod params;
mod paths;
mod route;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::spanned::Spanned;

use self::args::Args;
use self::errors::Errors;

/// The name this attribute is known by, in any path (`rocket_warden::jwt_auth`).
const NAME: &str = "jwt_auth";

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(function)) => function,
        Ok(other) => return not_a_fn(&other, item),
        // Not an item at all: rustc reports what is wrong with it.
        Err(_) => return item,
    };
    let mut errors = Errors::default();
    let args = Args::parse(args, &mut errors);
    let mut item = item;
    strip_duplicates(&mut item, &mut errors);
    let route = route::find(&item, &mut errors);
    let (Some(args), Some(route)) = (args, route) else {
        return errors.beside(item);
    };
    let guards = params::bind(&mut item, &args, &mut errors);
    if !errors.is_empty() {
        return errors.beside(item);
    }
    expand::expand(item, &args, &route, guards)
}

/// The error for `#[jwt_auth]` on something other than a function, spanned
/// on the item's keyword.
fn not_a_fn(item: &syn::Item, tokens: TokenStream) -> TokenStream {
    let span = match item {
        syn::Item::Struct(item) => item.struct_token.span,
        syn::Item::Enum(item) => item.enum_token.span,
        syn::Item::Impl(item) => item.impl_token.span,
        syn::Item::Mod(item) => item.mod_token.span,
        syn::Item::Const(item) => item.const_token.span,
        syn::Item::Static(item) => item.static_token.span,
        syn::Item::Trait(item) => item.trait_token.span,
        syn::Item::Type(item) => item.type_token.span,
        syn::Item::Use(item) => item.use_token.span,
        other => other.span(),
    };
    let error = syn::Error::new(
        span,
        "`#[jwt_auth]` can only be used on route handler functions",
    );
    let mut out = error.into_compile_error();
    out.extend(tokens);
    out
}

/// Reports, and removes, any further `#[jwt_auth]` on the function: a route
/// has one policy.
fn strip_duplicates(item: &mut syn::ItemFn, errors: &mut Errors) {
    item.attrs.retain(|attr| {
        let duplicate = is_jwt_auth(attr);
        if duplicate {
            errors.add_spanned(
                attr,
                "a route has one `#[jwt_auth]`: merge the two into one",
            );
        }
        !duplicate
    });
}

/// Whether `attr` is a `#[jwt_auth]`, however it is spelled.
fn is_jwt_auth(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == NAME)
}

impl Errors {
    /// The errors, followed by the item as written (minus duplicate
    /// `#[jwt_auth]`s), so that one mistake is one error.
    fn beside(self, item: syn::ItemFn) -> TokenStream {
        let mut out = self.into_compile_errors();
        item.to_tokens(&mut out);
        out
    }
}
