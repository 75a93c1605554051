//! The expansion: the handler (with its guards bound), a policy type, its
//! `Policy` impl, and the policy's registration for the route inventory.
//! Every path into the runtime comes from `paths`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use super::args::Args;
use super::params::Guards;
use super::paths::{
    self, ACCESS_TOKEN, AUTHORIZED, BOX_FUTURE, DPOP_MODE, INVENTORY_SUBMIT, ORBIT, POLICY_TRAIT,
    REGISTERED, ROCKET, ROUTE_ID, ROUTE_POLICY, RUN_CHECK, VALIDATOR_SLOT,
};
use super::route::RouteAttr;

/// The handler as written, its guards bound to the policy (or a hidden one
/// added), followed by the policy type, its `Policy` impl and its
/// registration.
pub(crate) fn expand(
    mut item: syn::ItemFn,
    args: &Args,
    route: &RouteAttr,
    guards: Guards,
) -> TokenStream {
    let policy = paths::policy_type(&item);
    let hidden = !guards.own && args.public.is_none();
    if hidden {
        let name = paths::hidden_guard();
        // First, so the token is checked before any other guard does work.
        item.sig
            .inputs
            .insert(0, syn::parse_quote!(#name: #AUTHORIZED<#policy>));
    }
    let vis = &item.vis;
    let value = policy_value(&item, args, route);
    let check = args.check.as_ref().map(check_fn);
    // Each bound type is a guard Rocket runs (`Option<Jwt<…>>` too).
    let one_guard = guards.bound + usize::from(hidden) == 1;
    let mut out = item.to_token_stream();
    out.extend(quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #[derive(::core::fmt::Debug)]
        #vis enum #policy {}

        impl #POLICY_TRAIT for #policy {
            const POLICY: #ROUTE_POLICY = #value;
            #check
            const ONE_GUARD: bool = #one_guard;

            fn validator_slot() -> ::core::option::Option<&'static #VALIDATOR_SLOT> {
                static SLOT: #VALIDATOR_SLOT = #VALIDATOR_SLOT::new();
                ::core::option::Option::Some(&SLOT)
            }
        }

        #INVENTORY_SUBMIT! {
            #REGISTERED(&<#policy as #POLICY_TRAIT>::POLICY)
        }
    });
    out
}

/// The `RoutePolicy` constant, built with its const builder.
fn policy_value(item: &syn::ItemFn, args: &Args, route: &RouteAttr) -> TokenStream {
    let mut value = quote!(#ROUTE_POLICY::new());
    if let Some(name) = &args.validator {
        value.extend(quote!(.validator(#name)));
    }
    if args.optional.is_some() {
        value.extend(quote!(.optional()));
    }
    if args.public.is_some() {
        value.extend(quote!(.public()));
    }
    for (method, list) in [
        ("roles", &args.roles),
        ("scopes", &args.scopes),
        ("acr", &args.acr),
    ] {
        if !list.is_empty() {
            let method = format_ident!("{method}");
            value.extend(quote!(.#method(&[#(#list),*])));
        }
    }
    if let Some(audiences) = &args.audiences {
        value.extend(quote!(.audiences(&[#(#audiences),*])));
    }
    if let Some(secs) = args.max_age {
        value.extend(quote!(.max_age(#secs)));
    }
    if let Some(mode) = &args.dpop {
        value.extend(quote!(.dpop(#DPOP_MODE::#mode)));
    }
    if let Some(check) = &args.check {
        let name = check.to_token_stream().to_string().replace(' ', "");
        value.extend(quote!(.check(#name)));
    }
    // As Rocket names the route: `stringify!` keeps a raw identifier's `r#`.
    let handler = item.sig.ident.to_string();
    let method = optional_str(route.method.as_deref());
    let uri = optional_str(route.uri.as_deref());
    value.extend(quote! {
        .route(#ROUTE_ID::new(
            #handler, ::core::module_path!(), #method, #uri,
        ))
    });
    value
}

fn optional_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

/// `Policy::check`, calling the user's function. The call is spanned on the
/// user's path, so a function of the wrong shape is reported there.
fn check_fn(path: &syn::Path) -> TokenStream {
    let run_check = RUN_CHECK.at(path.span());
    let call = quote_spanned! {path.span()=>
        #run_check(&#path, token, rocket)
    };
    quote! {
        fn check<'a>(
            token: &'a #ACCESS_TOKEN,
            rocket: &'a #ROCKET<#ORBIT>,
        ) -> ::core::option::Option<#BOX_FUTURE<'a, ::core::primitive::bool>> {
            ::core::option::Option::Some(#call)
        }
    }
}
