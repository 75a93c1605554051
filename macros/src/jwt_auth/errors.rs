//! Errors accumulated while reading one attribute, reported together.

use proc_macro2::{Span, TokenStream};

/// Every error found, in the order found.
#[derive(Default)]
pub(crate) struct Errors(Vec<syn::Error>);

impl Errors {
    pub(crate) fn add(&mut self, span: Span, message: impl std::fmt::Display) {
        self.0.push(syn::Error::new(span, message));
    }

    /// An error spanning all of `tokens` (on stable, `Spanned::span` would
    /// give only their first token).
    pub(crate) fn add_spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl std::fmt::Display,
    ) {
        self.0.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        self.0.push(error);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.0.into_iter().map(|e| e.into_compile_error()).collect()
    }
}
