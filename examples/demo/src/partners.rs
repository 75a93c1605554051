//! The demo's partners: a SQLite table behind `rocket_db_pools`, and the
//! [`PartnerDirectory`] the `email` partner strategy looks them up in.

use std::path::Path;

use rocket::fairing::{AdHoc, Fairing};
use rocket::figment::providers::Serialized;
use rocket::figment::Figment;
use rocket::{Build, Request, Rocket};
use rocket_db_pools::sqlx::{self, SqlitePool};
use rocket_db_pools::Database;
use rocket_warden::identity::{LookupError, PartnerDirectory};
use rocket_warden::Partner;

/// Where the database's URL is configured.
pub const URL_KEY: &str = "databases.partners.url";

/// The partners database (`databases.partners` in `Rocket.toml`).
#[derive(Debug, Database)]
#[database("partners")]
pub struct PartnersDb(SqlitePool);

/// The rows a new, empty table is seeded with. Two partners share an email
/// on purpose: a token with that email has no partner.
const SEED: &str = "INSERT INTO partners (id, name, email)
    SELECT * FROM (VALUES
        (1, 'Alice & Co', 'alice@example.com'),
        (2, 'Bob Trading', 'bob@example.com'),
        (3, 'Shared Desk North', 'desk@example.com'),
        (4, 'Shared Desk South', 'desk@example.com'),
        (5, 'No Email Ltd', NULL))
    WHERE NOT EXISTS (SELECT 1 FROM partners)";

/// Creates the `partners` table when it is missing and seeds it when it is
/// empty, at ignite, after the pool is up. One statement each, so two demos
/// starting on the same file cannot seed twice.
pub fn schema() -> impl Fairing {
    AdHoc::try_on_ignite("partners table", |rocket| async move {
        match prepare(&rocket).await {
            Ok(()) => Ok(rocket),
            Err(error) => {
                rocket::error!("cannot prepare the partners table: {error}");
                Err(rocket)
            }
        }
    })
}

async fn prepare(rocket: &Rocket<Build>) -> Result<(), sqlx::Error> {
    let Some(db) = PartnersDb::fetch(rocket) else {
        return Err(sqlx::Error::PoolClosed);
    };
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS partners (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)",
    )
    .execute(&**db)
    .await?;
    sqlx::query(SEED).execute(&**db).await?;
    Ok(())
}

/// The partners table as a [`PartnerDirectory`]: emails match regardless of
/// ASCII letter case.
#[derive(Debug)]
pub struct SqlDirectory;

type Row = (i64, String, Option<String>);

fn partner((id, name, email): Row) -> Partner {
    Partner { id, name, email }
}

fn pool<'r>(request: &'r Request<'_>) -> Result<&'r PartnersDb, LookupError> {
    PartnersDb::fetch(request.rocket())
        .ok_or_else(|| LookupError::new("the partners database is not attached"))
}

#[rocket::async_trait]
impl PartnerDirectory for SqlDirectory {
    async fn by_email(
        &self,
        request: &Request<'_>,
        email: &str,
    ) -> Result<Vec<Partner>, LookupError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, email FROM partners WHERE email = ?1 COLLATE NOCASE ORDER BY id",
        )
        .bind(email)
        .fetch_all(&**pool(request)?)
        .await
        .map_err(LookupError::new)?;
        Ok(rows.into_iter().map(partner).collect())
    }

    async fn by_id(&self, request: &Request<'_>, id: i64) -> Result<Option<Partner>, LookupError> {
        let row: Option<Row> = sqlx::query_as("SELECT id, name, email FROM partners WHERE id = ?1")
            .bind(id)
            .fetch_optional(&**pool(request)?)
            .await
            .map_err(LookupError::new)?;
        Ok(row.map(partner))
    }
}

/// `figment` with a relative SQLite path in [`URL_KEY`] made relative to the
/// configuration file that set it (as Rocket does for its own paths), so the
/// demo finds the same database wherever it is started from.
pub fn anchor_database(figment: Figment) -> Figment {
    let Ok(url) = figment.extract_inner::<String>(URL_KEY) else {
        return figment;
    };
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(&url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path.starts_with(':') || Path::new(path).is_absolute() {
        return figment;
    }
    let base = figment
        .find_metadata(URL_KEY)
        .and_then(|metadata| metadata.source.as_ref()?.file_path()?.parent());
    let Some(base) = base else {
        return figment;
    };
    let path = base.join(path);
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    let anchored = format!("sqlite://{}{query}", path.display());
    figment.merge(Serialized::global(URL_KEY, anchored))
}
