//! URLs that name this server as clients reach it (`dpop_origin`,
//! `resource`): `https`, or plain `http` only on this machine, where it
//! cannot be intercepted on the network (as for key set URLs, `remote`).

use url::{Host, Url};

use super::problems::Problems;

/// Whether `url`'s host is this machine: a loopback address or `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Checks that `url`, the value of `key`, is `https` (or `http` on a
/// loopback host), recording the problem otherwise.
pub(crate) fn check_https(problems: &mut Problems<'_>, key: &'static str, url: &Url) -> bool {
    let secure = url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url));
    if !secure {
        problems.add(
            key,
            "must be `https` (`http` only on a loopback host: localhost, 127.0.0.0/8 or [::1])",
        );
    }
    secure
}
