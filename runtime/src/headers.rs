//! A request's headers found by walking them, not by Rocket's lookup by name.
//!
//! `HeaderMap::get` and `contains` hash the name with SipHash, one
//! lowercased byte per call (`uncased`'s `Hash`): about 1 070 instructions
//! for `Authorization` and 250 for `DPoP` under callgrind, where a request
//! has a handful of headers (hyper parses at most 100) and a name of another
//! length is passed over on its length. These run on every authenticated
//! request, and `DPoP`'s on every response of an application that takes
//! DPoP proofs (docs/PERFORMANCE.md has the counts).

use std::borrow::Cow;

use rocket::http::HeaderMap;

/// A header a request may carry once only came more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MoreThanOne;

/// Whether `headers` has a header named `name`, in any letter case.
#[inline]
pub(crate) fn has(headers: &HeaderMap<'_>, name: &str) -> bool {
    headers
        .iter()
        .any(|header| same_ignoring_case(header.name.as_str(), name))
}

/// Whether `sent` is `expected` in any ASCII letter case (header names,
/// RFC 9110 §5.1; authorization schemes, §11.1), compared as written first:
/// hyper hands Rocket every header name in lower case, and clients write
/// `Bearer` as the RFCs do, so the exact comparison nearly always decides
/// and the byte-by-byte case-insensitive one runs only when it fails.
#[inline]
pub(crate) fn same_ignoring_case(sent: &str, expected: &str) -> bool {
    sent == expected || sent.eq_ignore_ascii_case(expected)
}

/// The value of the header named `name` (in any letter case), `Ok(None)`
/// without one, `Err` when there are more. Inlined where it is called with
/// a constant name, which the exact comparison then reads a word at a time.
#[inline]
pub(crate) fn only<'r>(
    headers: &'r HeaderMap<'_>,
    name: &str,
) -> Result<Option<&'r str>, MoreThanOne> {
    let mut found = None;
    for header in headers.iter() {
        if !same_ignoring_case(header.name.as_str(), name) {
            continue;
        }
        // Rocket's headers lend their values; should one ever come owned,
        // it cannot outlive this loop, so the map is asked by name instead.
        let Cow::Borrowed(value) = header.value else {
            return only_by_name(headers, name);
        };
        if found.replace(value).is_some() {
            return Err(MoreThanOne);
        }
    }
    Ok(found)
}

/// [`only`], asking the map by name.
fn only_by_name<'r>(
    headers: &'r HeaderMap<'_>,
    name: &str,
) -> Result<Option<&'r str>, MoreThanOne> {
    let mut values = headers.get(name);
    let value = values.next();
    match values.next() {
        Some(_) => Err(MoreThanOne),
        None => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A map with these headers, in this order, as Rocket keeps them.
    fn headers(sent: &[(&'static str, &'static str)]) -> HeaderMap<'static> {
        let mut headers = HeaderMap::new();
        for (name, value) in sent {
            headers.add_raw(*name, *value);
        }
        headers
    }

    #[test]
    fn a_header_is_found_among_others_in_any_case() {
        for name in ["Authorization", "authorization", "AUTHORIZATION"] {
            // `Cache-Control` and `If-None-Match` have its length, not its name.
            let sent = headers(&[
                ("Host", "api.example.com"),
                ("Cache-Control", "no-cache"),
                (name, "Bearer a.b.c"),
                ("If-None-Match", "\"x\""),
            ]);
            let found = only(&sent, "authorization");
            assert_eq!(found, Ok(Some("Bearer a.b.c")), "{name}");
            assert_eq!(found, only_by_name(&sent, "authorization"), "{name}");
            assert!(has(&sent, "authorization"), "{name}");
        }
    }

    #[test]
    fn a_missing_header_is_none() {
        let sent = headers(&[("Host", "api.example.com"), ("Cache-Control", "no-cache")]);
        assert_eq!(only(&sent, "authorization"), Ok(None));
        assert_eq!(only(&HeaderMap::new(), "authorization"), Ok(None));
        assert!(!has(&sent, "dpop"));
        assert!(!has(&HeaderMap::new(), "dpop"));
    }

    #[test]
    fn a_second_header_of_the_name_is_refused_whatever_its_case() {
        let sent = headers(&[
            ("Authorization", "Bearer a.b.c"),
            ("Host", "api.example.com"),
            ("authorization", "Bearer d.e.f"),
        ]);
        assert_eq!(only(&sent, "authorization"), Err(MoreThanOne));
        assert_eq!(only_by_name(&sent, "authorization"), Err(MoreThanOne));
    }

    #[test]
    fn presence_is_told_in_any_case() {
        let sent = headers(&[("Host", "api.example.com"), ("dpop", "eyJ.x.y")]);
        assert!(has(&sent, "DPoP"));
        assert!(has(&sent, "dpop"));
        assert!(!has(&sent, "DPoP-Nonce"));
    }
}
