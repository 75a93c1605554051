//! The demo's few HTML pages share one frame and one escape.

use rocket::response::content::RawHtml;

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

/// A page with `title` and `body` (already HTML).
pub(crate) fn page(title: &str, body: &str) -> RawHtml<String> {
    RawHtml(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><main>{body}</main></body></html>\n",
        title = escape(title)
    ))
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}\
main{max-width:40rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;\
box-shadow:0 1px 4px #0002}h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem}\
input[type=text],input[type=password]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}\
button{margin-top:1rem;font-size:1rem;padding:.5rem 1.2rem;border-radius:4px;border:1px solid #1f5fbf;\
background:#1f5fbf;color:#fff;cursor:pointer}pre{background:#f4f5f7;padding:1rem;overflow:auto}\
.error{color:#a00}.muted{color:#555}";
