//! The expansion: the handler (with its guards bound), a policy type, its
//! `Policy` impl, and the policy's registration for the route inventory.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::args::Args;
use super::params::Guards;
use super::route::RouteAttr;

/// The hidden type that carries this handler's policy.
pub(crate) fn policy_type(item: &syn::ItemFn) -> syn::Ident {
    format_ident!("__warden_policy_{}", item.sig.ident.unraw())
}

pub(crate) fn policy(
    mut item: syn::ItemFn,
    args: &Args,
    route: &RouteAttr,
    guards: Guards,
) -> TokenStream {
    let policy = policy_type(&item);
    if matches!(guards, Guards::Hidden) && args.public.is_none() {
        // First, so the token is checked before any other guard does work.
        item.sig.inputs.insert(
            0,
            syn::parse_quote!(__warden_auth: ::rocket_warden::__private::Authorized<#policy>),
        );
    }
    let vis = &item.vis;
    let value = policy_value(&item, args, route);
    let check = args.check.as_ref().map(check_fn);
    let mut out = item.to_token_stream();
    out.extend(quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #[derive(::core::fmt::Debug)]
        #vis enum #policy {}

        impl ::rocket_warden::__private::Policy for #policy {
            const POLICY: ::rocket_warden::__private::RoutePolicy = #value;
            #check
        }

        ::rocket_warden::__private::inventory::submit! {
            ::rocket_warden::__private::Registered(
                &<#policy as ::rocket_warden::__private::Policy>::POLICY
            )
        }
    });
    out
}

/// The `RoutePolicy` constant, built with its const builder.
fn policy_value(item: &syn::ItemFn, args: &Args, route: &RouteAttr) -> TokenStream {
    let mut value = quote!(::rocket_warden::__private::RoutePolicy::new());
    if let Some(name) = &args.validator {
        value.extend(quote!(.validator(#name)));
    }
    if args.optional.is_some() {
        value.extend(quote!(.optional()));
    }
    if args.public.is_some() {
        value.extend(quote!(.public()));
    }
    for (method, list) in [("roles", &args.roles), ("scopes", &args.scopes)] {
        if !list.is_empty() {
            let method = format_ident!("{method}");
            value.extend(quote!(.#method(&[#(#list),*])));
        }
    }
    if let Some(audiences) = &args.audiences {
        value.extend(quote!(.audiences(&[#(#audiences),*])));
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
        .route(::rocket_warden::__private::RouteId::new(
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
    let call = quote_spanned! {path.span()=>
        ::rocket_warden::__private::run_check(&#path, token, rocket)
    };
    quote! {
        fn check<'a>(
            token: &'a ::rocket_warden::__private::AccessToken,
            rocket: &'a ::rocket_warden::__private::Rocket<::rocket_warden::__private::Orbit>,
        ) -> ::core::option::Option<::rocket_warden::__private::BoxFuture<'a, ::core::primitive::bool>> {
            ::core::option::Option::Some(#call)
        }
    }
}
