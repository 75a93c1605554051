//! Shared by the demo's tests: requests and refusals (from the `warden-tests`
//! library, which the integration tests use too), and partners in a real
//! SQLite file per test, through the demo's own pool (as `warden-tests`'
//! `partners` module does: that crate cannot link the demo into its library
//! without adding the demo's routes to every test binary's route inventory).
//! Each test binary uses a part of this module.
#![allow(dead_code, unreachable_pub)]

use rocket::figment::providers::Serialized;
use rocket::figment::Figment;
use rocket::local::asynchronous::Client;
use rocket_db_pools::sqlx;
use rocket_db_pools::Database;
use tempfile::TempDir;
use warden_demo::PartnersDb;

// Each test binary uses a part of these.
#[allow(unused_imports)]
pub use warden_tests::{bearer, get, now, Refusal};

/// A temporary directory kept in a Rocket's managed state, so its database
/// file lives exactly as long as the Rocket.
#[derive(Debug)]
pub struct TempDb(pub TempDir);

/// A fresh directory and the SQLite URL of a database file in it.
pub fn temp_db() -> (TempDb, String) {
    let dir = TempDir::new().expect("a temporary directory");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("partners.db").display()
    );
    (TempDb(dir), url)
}

/// `figment` with `databases.partners.url` set to `url`.
pub fn with_db(figment: Figment, url: &str) -> Figment {
    figment.merge(Serialized::global(warden_demo::URL_KEY, url))
}

/// Runs `sql` on the partners database of `client`'s Rocket.
pub async fn execute(client: &Client, sql: &str) {
    let db = PartnersDb::fetch(client.rocket()).expect("the partners pool is attached");
    sqlx::query(sql)
        .execute(&**db)
        .await
        .expect("the statement runs");
}

/// A demo running on 127.0.0.1: its URL, and its database (kept alive as
/// long as the value).
#[derive(Debug)]
pub struct Demo {
    pub url: String,
    pub db_url: String,
    _db: TempDb,
}

/// The demo launched for real on a free port of 127.0.0.1 from `figment`
/// (its own configuration unless a test gives another), quiet, with a
/// database file of its own; returns once it has lifted off.
pub async fn launch(figment: Figment) -> Demo {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let (db, db_url) = temp_db();
    let figment = with_db(figment, &db_url)
        .merge(("log_level", "off"))
        .merge(("address", "127.0.0.1"))
        .merge(("port", port));
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = std::sync::Mutex::new(Some(tx));
    let lifted = rocket::fairing::AdHoc::on_liftoff("lifted off", move |_| {
        if let Some(tx) = tx.lock().ok().and_then(|mut tx| tx.take()) {
            let _ = tx.send(());
        }
        Box::pin(async {})
    });
    tokio::spawn(warden_demo::rocket_from(figment).attach(lifted).launch());
    rx.await.expect("the demo lifts off");
    Demo {
        url: format!("http://127.0.0.1:{port}"),
        db_url,
        _db: db,
    }
}
