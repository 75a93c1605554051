//! Without a tracing subscriber, rocket_warden's `authenticate` span reaches
//! the `log` crate's logger (Rocket's, in most applications) through
//! tracing's `log` feature. The guard skips the span when neither would see
//! it; this test holds it to making the span whenever the logger would.
//!
//! A binary of its own: a process has one logger, and no subscriber may be
//! set here.

mod support;

use std::sync::{Mutex, Once};

use jsonwebtoken::Algorithm;
use log::{Level, LevelFilter, Log, Metadata, Record};
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket_warden::{jwt_auth, Jwt};

use support::{claims, get, jwt, mint, rocket, validator};

/// The records the logger was handed: level, target and message.
static RECORDS: Mutex<Vec<(Level, String, String)>> = Mutex::new(Vec::new());

struct Capture;

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &Record<'_>) {
        let kept = (
            record.level(),
            record.target().to_owned(),
            record.args().to_string(),
        );
        RECORDS.lock().expect("not poisoned").push(kept);
    }

    fn flush(&self) {}
}

/// Installs [`Capture`] as the process's logger at `level`, and forgets
/// what it caught so far. Rocket leaves an installed logger's level alone.
fn capture(level: LevelFilter) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| log::set_logger(&Capture).expect("no other logger"));
    log::set_max_level(level);
    RECORDS.lock().expect("not poisoned").clear();
}

/// rocket_warden's records at `info` that mention `authenticate`.
fn authenticate_records() -> Vec<String> {
    let records = RECORDS.lock().expect("not poisoned");
    let ours = records.iter().filter(|(level, target, message)| {
        *level == Level::Info && target == "rocket_warden" && message.starts_with("authenticate")
    });
    ours.map(|(_, _, message)| message.clone()).collect()
}

/// `GET /alone`: the route's one guard (which keeps a cache hit to itself).
#[jwt_auth(validator = "api")]
#[rocket::get("/alone")]
fn alone(_auth: Jwt) -> &'static str {
    "ok"
}

#[rocket::async_test]
async fn the_authenticate_span_reaches_a_logger_at_info_and_nothing_below() {
    // Before launch, which would install Rocket's logger.
    capture(LevelFilter::Info);
    let config = validator("api", Algorithm::HS256, "");
    let routes = rocket::routes![jwt, alone];
    let client = Client::tracked(rocket(&config, routes))
        .await
        .expect("launch");
    let token = mint(Algorithm::HS256, &claims());
    // The first request caches the token; each path then serves a hit.
    for path in ["/jwt", "/alone", "/jwt", "/alone"] {
        capture(LevelFilter::Info);
        let response = get(&client, path, Some(&token)).await;
        assert_eq!(response.status(), Status::Ok, "{path}");
        let records = authenticate_records();
        assert_eq!(records.len(), 1, "{path}: one span a request: {records:?}");
        assert!(
            records[0].contains("validator=\"api\""),
            "{path}: the span names its validator: {records:?}"
        );
    }
    // At `warn`, the logger is asked for nothing at `info`.
    capture(LevelFilter::Warn);
    let response = get(&client, "/alone", Some(&token)).await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(authenticate_records(), Vec::<String>::new());
}
