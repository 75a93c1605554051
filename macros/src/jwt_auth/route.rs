//! The route attribute below `#[jwt_auth]`: what it says of the route.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, Token};

use super::errors::Errors;

/// Rocket's route attributes, by the last segment of their path.
const ROUTE_ATTRIBUTES: &[&str] = &[
    "route", "get", "put", "post", "delete", "head", "patch", "options",
];

/// What the route attribute states: its method (upper case) and URI, when
/// written in a form this macro reads.
pub(crate) struct RouteAttr {
    pub(crate) method: Option<String>,
    pub(crate) uri: Option<String>,
}

/// Finds the route attribute among the function's attributes. A route
/// attribute above `#[jwt_auth]` has already expanded, so it is not seen:
/// both mistakes get the same error.
pub(crate) fn find(item: &syn::ItemFn, errors: &mut Errors) -> Option<RouteAttr> {
    let found = item.attrs.iter().find_map(|attr| {
        let name = attr.path().segments.last()?.ident.to_string();
        ROUTE_ATTRIBUTES
            .contains(&name.as_str())
            .then(|| read(&name, attr))
    });
    if found.is_none() {
        errors.add(
            Span::call_site(),
            "`#[jwt_auth]` must be placed above a route attribute such as `#[get(\"/\")]`, \
             and none was found below it",
        );
    }
    found
}

fn read(name: &str, attr: &syn::Attribute) -> RouteAttr {
    let args = attr
        .parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .unwrap_or_default();
    let mut args = args.iter();
    let method = match name {
        "route" => args.next().and_then(method),
        other => Some(other.to_ascii_uppercase()),
    };
    let uri = args.find_map(uri);
    RouteAttr { method, uri }
}

/// `GET` in `#[route(GET, uri = "/")]`.
fn method(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(path) => Some(path.path.get_ident()?.to_string().to_ascii_uppercase()),
        _ => None,
    }
}

/// `"/path"` or `uri = "/path"`.
fn uri(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(uri), ..
        }) => Some(uri.value()),
        Expr::Assign(assign) if matches!(&*assign.left, Expr::Path(p) if p.path.is_ident("uri")) => {
            uri(&assign.right)
        }
        _ => None,
    }
}
