//! Procedural macros for [rocket_warden](https://docs.rs/rocket_warden).
//!
//! Users depend on `rocket_warden`, which re-exports what this crate defines.
//! The macros parse, check and expand; every rule they declare is enforced by
//! runtime code in `rocket_warden`, and they do no I/O.

mod jwt_auth;

use proc_macro::TokenStream;

/// Declares a route's authentication policy. Placed above Rocket's route
/// attribute; see `rocket_warden`'s documentation for the grammar.
#[proc_macro_attribute]
pub fn jwt_auth(args: TokenStream, item: TokenStream) -> TokenStream {
    jwt_auth::expand(args.into(), item.into()).into()
}
