//! Every path the generated code names in `rocket_warden`, and every
//! identifier it introduces: the one place to look when the runtime's hidden
//! module changes.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote_spanned, ToTokens};
use syn::ext::IdentExt;

/// A path into the runtime's hidden module,
/// `::rocket_warden::__private_v{VERSION}::<path>`.
#[derive(Clone, Copy)]
pub(crate) struct Private(&'static str);

pub(crate) const ACCESS_TOKEN: Private = Private("AccessToken");
pub(crate) const AUTHORIZED: Private = Private("Authorized");
pub(crate) const BOX_FUTURE: Private = Private("BoxFuture");
pub(crate) const DPOP_MODE: Private = Private("DpopMode");
pub(crate) const INVENTORY_SUBMIT: Private = Private("inventory::submit");
pub(crate) const ORBIT: Private = Private("Orbit");
pub(crate) const POLICY_TRAIT: Private = Private("Policy");
pub(crate) const REGISTERED: Private = Private("Registered");
pub(crate) const ROCKET: Private = Private("Rocket");
pub(crate) const ROUTE_ID: Private = Private("RouteId");
pub(crate) const ROUTE_POLICY: Private = Private("RoutePolicy");
pub(crate) const RUN_CHECK: Private = Private("run_check");
pub(crate) const VALIDATOR_SLOT: Private = Private("ValidatorSlot");
pub(crate) const VALUE: Private = Private("Value");

impl Private {
    /// The path with every token at `span`, so that an error about it (a
    /// check of the wrong shape) points at the user's code.
    pub(crate) fn at(self, span: Span) -> TokenStream {
        let module = Ident::new(&module_name(), span);
        let segments = self.0.split("::").map(|segment| Ident::new(segment, span));
        let mut path = quote_spanned!(span=> ::rocket_warden::#module);
        for segment in segments {
            path.extend(quote_spanned!(span=> ::#segment));
        }
        path
    }
}

impl ToTokens for Private {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(self.at(Span::call_site()));
    }
}

/// `__private_v0_1_0` for version 0.1.0: the name of `rocket_warden`'s
/// hidden module, which carries the version so that generated code only ever
/// compiles against the runtime it was written for. Both crates take the
/// workspace's version, and are released together; the runtime names the
/// module by hand in its `lib.rs`, so the two must change together.
fn module_name() -> String {
    module_for(env!("CARGO_PKG_VERSION"))
}

/// `.` (and a pre-release's `-`) become `_`, so any version makes an identifier.
fn module_for(version: &str) -> String {
    let version = version.replace(|c: char| !c.is_ascii_alphanumeric(), "_");
    format!("__private_v{version}")
}

/// The hidden type that carries the policy of the handler `item`.
pub(crate) fn policy_type(item: &syn::ItemFn) -> Ident {
    format_ident!("__warden_policy_{}", item.sig.ident.unraw())
}

/// The hidden `Authorized` parameter added to a handler that takes no guard.
pub(crate) fn hidden_guard() -> Ident {
    format_ident!("__warden_auth")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_name_is_the_version_with_underscores() {
        assert_eq!(module_for("0.1.0"), "__private_v0_1_0");
        assert_eq!(module_for("1.2.0-rc.1"), "__private_v1_2_0_rc_1");
    }

    #[test]
    fn a_nested_path_becomes_one_segment_per_name() {
        let tokens = INVENTORY_SUBMIT.to_token_stream().to_string();
        assert_eq!(
            tokens.replace(' ', ""),
            format!("::rocket_warden::{}::inventory::submit", module_name())
        );
    }
}
