//! Header bytes that are not UTF-8, sent over a real connection.
//!
//! hyper accepts any byte from 0x80 to 0xFF in a header value (RFC 9110's
//! `obs-text`), but Rocket 0.5 keeps only header values that are UTF-8: it
//! drops the others while building its `Request` (`Request::from_hyp`, with a
//! warning in its log), before any fairing or guard runs, and keeps no trace
//! of them. So rocket_warden cannot tell such a header from an absent one;
//! these tests pin what that means, and fail if a Rocket upgrade changes it
//! (the README's "Security notes" must then change too).
//!
//! HTTP client libraries refuse to send such bytes, so the requests are
//! written by hand on a TCP stream.

mod support;

use jsonwebtoken::Algorithm::HS256;
use rocket::routes;
use serde_json::Value;
use support::*;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// An answer read off the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// The header lines, as sent.
    head: String,
    body: Value,
}

impl Answer {
    /// The value of header `name` (any case), if sent.
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// `GET path` on `base` with `headers` (raw bytes, one `\r\n`-ended line
/// each) and `Connection: close`; the answer once the server closes.
async fn raw_get(base: &str, path: &str, headers: &[&[u8]]) -> Answer {
    let address = base.strip_prefix("http://").expect("an http URL");
    let mut stream = TcpStream::connect(address).await.expect("connects");
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n").into_bytes();
    for header in headers {
        request.extend_from_slice(header);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    stream.write_all(&request).await.expect("sends");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("reads");
    let response = String::from_utf8(response).expect("a UTF-8 answer");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Answer {
        status,
        head: head.to_owned(),
        body: serde_json::from_str(&body).expect("a JSON body"),
    }
}

/// The body of a chunked transfer.
fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").expect("a chunk size");
        let size = usize::from_str_radix(size.trim(), 16).expect("hex");
        if size == 0 {
            return body;
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
}

async fn served(extra: &str) -> String {
    serve(rocket(
        &validator("main", HS256, extra),
        routes![jwt, optional],
    ))
    .await
}

/// `Authorization: Bearer ` followed by bytes that are not UTF-8.
const NOT_UTF8: &[u8] = b"Authorization: Bearer \xff\xfe\xfd.e30.c2ln";

#[rocket::async_test]
async fn a_non_utf8_authorization_header_is_seen_as_no_credentials() {
    let base = served("").await;
    let answer = raw_get(&base, "/jwt", &[NOT_UTF8]).await;
    // Refused, but as a request without credentials: Rocket dropped the header.
    assert_eq!(answer.status, 401, "{answer:?}");
    assert_eq!(answer.body["error"], "missing_token");
    assert_eq!(
        answer.header("WWW-Authenticate"),
        Some("Bearer realm=\"main\"")
    );
}

/// The known gap: an optional route cannot refuse what it never sees.
#[rocket::async_test]
async fn a_non_utf8_authorization_header_leaves_an_optional_route_anonymous() {
    let base = served("").await;
    let answer = raw_get(&base, "/optional", &[NOT_UTF8]).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["anonymous"], true);
}

/// UTF-8 that is not ASCII does reach the guard, and is refused as a token.
#[rocket::async_test]
async fn a_utf8_non_ascii_authorization_header_is_refused_as_invalid() {
    let base = served("").await;
    for path in ["/jwt", "/optional"] {
        let answer = raw_get(&base, path, &[b"Authorization: Bearer caf\xc3\xa9"]).await;
        assert_eq!(answer.status, 401, "{path} {answer:?}");
        assert_eq!(answer.body["error"], "invalid_token", "{path}");
    }
}

/// A second `Authorization` header is a 400 when Rocket keeps it; one that is
/// not UTF-8 is dropped, and the valid one is used alone.
#[rocket::async_test]
async fn a_second_non_utf8_authorization_header_does_not_make_two() {
    let base = served("").await;
    let token = mint(HS256, &claims());
    let valid = format!("Authorization: Bearer {token}");
    let second = b"Authorization: Bearer other";
    let answer = raw_get(&base, "/jwt", &[valid.as_bytes(), second]).await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.body["error"], "invalid_request");

    let answer = raw_get(&base, "/jwt", &[valid.as_bytes(), NOT_UTF8]).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["sub"], "alice");
}

/// A `Cookie` header that is not UTF-8 is dropped whole, a refused session
/// cookie in it too; the same cookie in a UTF-8 header is refused.
#[rocket::async_test]
async fn a_non_utf8_cookie_header_hides_a_session_cookie() {
    let base = served("reject_session_cookies = [\"session_id\"]").await;
    let answer = raw_get(&base, "/optional", &[b"Cookie: session_id=1; other=\xff"]).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["anonymous"], true);

    let answer = raw_get(
        &base,
        "/optional",
        &[b"Cookie: session_id=1; other=caf\xc3\xa9"],
    )
    .await;
    assert_eq!(answer.status, 401, "{answer:?}");
    assert_eq!(answer.body["error"], "session_cookie_refused");
}
