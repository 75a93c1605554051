//! Twins of helpers in `rocket_warden`'s `config::problems`
//! (`runtime/src/config/problems.rs`), so that the attribute and the
//! configuration judge names alike and word their suggestions alike. A
//! proc-macro crate can export only macros, so the code cannot be shared:
//! each function here and its twin there must change together.

/// The candidate closest to `name` by Damerau–Levenshtein distance, if within 2 edits.
///
/// Mirrors `rocket_warden`'s `config::problems::did_you_mean`; both must
/// change together.
pub(crate) fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), *c))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| c)
}

/// ``unknown argument `rols`, did you mean `roles`?`` when a candidate is
/// close, else ``unknown argument `x`, expected one of: `a`, `b` ``.
///
/// The runtime words unknown configuration keys the same way, with `key`
/// for `what`.
pub(crate) fn unknown(what: &str, name: &str, candidates: &[&str]) -> String {
    match did_you_mean(name, candidates) {
        Some(known) => format!("unknown {what} `{name}`, did you mean `{known}`?"),
        None => {
            let all: Vec<_> = candidates.iter().map(|c| format!("`{c}`")).collect();
            format!(
                "unknown {what} `{name}`, expected one of: {}",
                all.join(", ")
            )
        }
    }
}

/// Whether `name` is a Rust identifier (ASCII letters, digits and `_`, not
/// starting with a digit, not `_` alone): what a validator name must be, so
/// that a route can name it.
///
/// Mirrors `rocket_warden`'s check of validator names in
/// `config::problems`; both must change together.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_"
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &["roles", "scopes", "audiences"];

    #[test]
    fn a_close_name_gets_a_suggestion() {
        assert_eq!(
            unknown("argument", "rols", KEYS),
            "unknown argument `rols`, did you mean `roles`?"
        );
    }

    #[test]
    fn a_transposition_is_one_edit() {
        // Two swapped pairs: two edits for Damerau–Levenshtein, four for
        // plain Levenshtein, which would suggest nothing.
        assert_eq!(did_you_mean("csopse", KEYS), Some("scopes"));
        assert_eq!(strsim::levenshtein("csopse", "scopes"), 4);
    }

    #[test]
    fn a_far_name_gets_the_whole_list() {
        assert_eq!(
            unknown("argument", "colour", KEYS),
            "unknown argument `colour`, expected one of: `roles`, `scopes`, `audiences`"
        );
    }

    #[test]
    fn a_tie_goes_to_the_alphabetically_first_name() {
        assert_eq!(did_you_mean("ab", &["b", "a"]), Some("a"));
    }

    #[test]
    fn identifiers_are_ascii_and_not_a_lone_underscore() {
        for name in ["api", "_api", "partner_api2", "__"] {
            assert!(is_identifier(name), "{name}");
        }
        for name in ["", "_", "1st", "my-api", "naïve", "a b"] {
            assert!(!is_identifier(name), "{name}");
        }
    }
}
