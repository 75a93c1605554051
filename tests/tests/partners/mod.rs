//! Partners in a real SQLite file per test, through the demo's own pool,
//! schema and directory.
//!
//! Kept apart from `support` so that only the test binaries that use it link
//! the demo (whose `#[jwt_auth]` routes would join every binary's route
//! inventory).
#![allow(dead_code, unreachable_pub)]

use rocket::figment::providers::Serialized;
use rocket::figment::Figment;
use rocket::local::asynchronous::Client;
use rocket::{Build, Rocket};
use rocket_db_pools::sqlx;
use rocket_db_pools::Database;
use tempfile::TempDir;
use warden_demo::{schema, PartnersDb};

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

/// `rocket` with the demo's partners pool and schema on a fresh database
/// file, which is removed when the Rocket is dropped.
pub fn with_partners(rocket: Rocket<Build>) -> Rocket<Build> {
    let (dir, url) = temp_db();
    let figment = with_db(rocket.figment().clone(), &url);
    rocket
        .configure(figment)
        .attach(PartnersDb::init())
        .attach(schema())
        .manage(dir)
}

/// Runs `sql` on the partners database of `client`'s Rocket.
pub async fn execute(client: &Client, sql: &str) {
    let db = PartnersDb::fetch(client.rocket()).expect("the partners pool is attached");
    sqlx::query(sql)
        .execute(&**db)
        .await
        .expect("the statement runs");
}
