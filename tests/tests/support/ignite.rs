//! Asserting that a Rocket does not launch, and why.

use rocket::error::ErrorKind;
use rocket::{Build, Rocket};

use super::logged;

/// Asserts that `rocket` fails to ignite because of the rocket_warden
/// fairing, and that its log has `invalid configuration: <message>` for each
/// of `messages`. Returns the log.
pub async fn assert_aborts(rocket: Rocket<Build>, messages: &[&str]) -> String {
    let (log, result) = logged(rocket.ignite()).await;
    let Err(error) = result else {
        panic!("launch should abort; the log was:\n{log}");
    };
    // Inspecting the kind also defuses `rocket::Error`'s panic on drop.
    match error.kind() {
        ErrorKind::FailedFairings(fairings) => assert!(
            fairings.iter().any(|info| info.name == "rocket_warden"),
            "rocket_warden should be among the failed fairings"
        ),
        other => panic!("expected FailedFairings, got {other:?}"),
    }
    for message in messages {
        assert!(
            log.contains(&format!("invalid configuration: {message}")),
            "the log should contain {message:?}; it was:\n{log}"
        );
    }
    log
}
