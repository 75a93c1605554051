//! The provider's answers: JSON that no cache keeps, RFC 6749 errors,
//! redirects, and the few HTML pages (an error page, the `form_post`
//! page), all built here so every endpoint answers alike.

use std::io::Cursor;

use rocket::http::{ContentType, Header, Status};
use rocket::Response;
use serde_json::{json, Value};

/// A response body that is a string.
fn with_body(status: Status, content_type: ContentType, body: String) -> Response<'static> {
    Response::build()
        .status(status)
        .header(content_type)
        .sized_body(body.len(), Cursor::new(body))
        .finalize()
}

/// JSON with `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749
/// §5.1): tokens, token errors, introspection.
pub(crate) fn no_store(status: Status, value: &Value) -> Response<'static> {
    let mut response = with_body(status, ContentType::JSON, value.to_string());
    response.set_header(Header::new("Cache-Control", "no-store"));
    response.set_header(Header::new("Pragma", "no-cache"));
    response
}

/// Public JSON: discovery and the key set.
pub(crate) fn public_json(body: String) -> Response<'static> {
    let mut response = with_body(Status::Ok, ContentType::JSON, body);
    response.set_header(Header::new("Cache-Control", "public, max-age=300"));
    response
}

/// An RFC 6749 §5.2 error. `invalid_client` is 401 with a `Basic`
/// challenge when the client tried (or should have tried) HTTP Basic.
pub(crate) fn oauth_error(status: Status, error: &str, description: &str) -> Response<'static> {
    let mut response = no_store(
        status,
        &json!({"error": error, "error_description": description}),
    );
    if status == Status::Unauthorized {
        response.set_header(Header::new(
            "WWW-Authenticate",
            "Basic realm=\"rocket_warden provider\", charset=\"UTF-8\"",
        ));
    }
    response
}

/// An RFC 6750 refusal at UserInfo.
pub(crate) fn bearer_error(
    status: Status,
    error: Option<&str>,
    description: &str,
) -> Response<'static> {
    let challenge = match error {
        Some(error) => format!(
            "Bearer realm=\"userinfo\", error=\"{error}\", error_description=\"{description}\""
        ),
        None => "Bearer realm=\"userinfo\"".to_owned(),
    };
    let body = match error {
        Some(error) => json!({"error": error, "error_description": description}),
        None => json!({"error_description": description}),
    };
    let mut response = no_store(status, &body);
    response.set_header(Header::new("WWW-Authenticate", challenge));
    response
}

/// A 303 to `location`.
pub(crate) fn see_other(location: &str) -> Response<'static> {
    let mut response = Response::build().status(Status::SeeOther).finalize();
    response.set_header(Header::new("Location", location.to_owned()));
    response.set_header(Header::new("Cache-Control", "no-store"));
    response
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Hidden form fields carrying `params`, escaped.
pub(crate) fn hidden_fields<'a>(params: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    params
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(name),
                escape(value)
            )
        })
        .collect()
}

/// An HTML page: no caching, no framing, no script but the page's own.
pub(crate) fn page(status: Status, title: &str, body: &str) -> Response<'static> {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><main>{body}</main></body></html>\n",
        title = escape(title),
    );
    let mut response = with_body(status, ContentType::HTML, html);
    response.set_header(Header::new("Cache-Control", "no-store"));
    response.set_header(Header::new("X-Frame-Options", "DENY"));
    response.set_header(Header::new(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'",
    ));
    response.set_header(Header::new("Referrer-Policy", "no-referrer"));
    response
}

/// The pages' look: small, readable, no external resources.
const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}\
main{max-width:28rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;\
box-shadow:0 1px 4px #0002}h1{font-size:1.3rem;margin-top:0}ul{padding-left:1.2rem}\
button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem;border-radius:4px;\
border:1px solid #888;background:#fff;cursor:pointer}button.primary{background:#1f5fbf;\
color:#fff;border-color:#1f5fbf}.muted{color:#555}";

/// The page for a request that cannot be answered by redirect: an unknown
/// client or `redirect_uri` (RFC 6749 §4.1.2.1), a bad CSRF token.
pub(crate) fn error_page(status: Status, error: &str, description: &str) -> Response<'static> {
    let body = format!(
        "<h1>This request cannot be completed</h1><p>{}</p><p class=\"muted\">{}</p>",
        escape(description),
        escape(error)
    );
    page(status, "Authorization error", &body)
}

/// The `form_post` response mode: a page that posts `params` to
/// `redirect_uri` at once (script) or on a click (no script).
pub(crate) fn form_post(redirect_uri: &str, params: &[(&str, &str)]) -> Response<'static> {
    let fields = hidden_fields(params.iter().copied());
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Submitting…</title></head>\
         <body onload=\"document.forms[0].submit()\">\
         <form method=\"post\" action=\"{}\">{fields}\
         <noscript><button type=\"submit\">Continue</button></noscript></form></body></html>\n",
        escape(redirect_uri)
    );
    let mut response = with_body(Status::Ok, ContentType::HTML, html);
    response.set_header(Header::new("Cache-Control", "no-store"));
    response.set_header(Header::new(
        "Content-Security-Policy",
        "default-src 'none'; script-src 'unsafe-inline'; form-action *; frame-ancestors 'none'",
    ));
    response
}
