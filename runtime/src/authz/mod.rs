//! Authorization of one request: what a route's policy demands of an
//! authenticated token (audience, step-up, read-only scopes, roles, scopes,
//! a custom check), and the [`AccessToken`] view that policies, checks and handlers
//! share.

mod check;
mod policy;
mod step_up;
mod token;

pub use check::Check;
#[doc(hidden)]
pub use check::{form, run_check};
pub use policy::{Access, DefaultPolicy, Policy, RouteId, RoutePolicy};
pub use token::AccessToken;
