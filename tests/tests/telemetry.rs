//! The `authenticate` span: one per authentication, with the validator,
//! the outcome (and a refusal's reason) and the duration as fields, so a
//! `tracing-opentelemetry` layer turns each into a trace span.

mod support;

use jsonwebtoken::Algorithm;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use tracing_subscriber::fmt::format::FmtSpan;

use support::{claims, get, jwt, mint, optional, rocket, validator, Captured};

#[tokio::test]
async fn each_authentication_is_a_span_with_its_validator_outcome_and_duration() {
    let config = validator("api", Algorithm::HS256, "");
    let client = Client::tracked(rocket(&config, rocket::routes![jwt, optional]))
        .await
        .expect("launch");
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::INFO)
        .with_span_events(FmtSpan::CLOSE)
        .without_time()
        .finish();
    let token = mint(Algorithm::HS256, &claims());
    {
        let _guard = tracing::subscriber::set_default(subscriber);
        assert_eq!(
            get(&client, "/jwt", Some(&token)).await.status(),
            Status::Ok
        );
        let refused = get(&client, "/jwt", Some("not.a.token")).await;
        assert_eq!(refused.status(), Status::Unauthorized);
        assert_eq!(
            get(&client, "/jwt", None).await.status(),
            Status::Unauthorized
        );
        assert_eq!(get(&client, "/optional", None).await.status(), Status::Ok);
    }
    let log = captured.text();
    let spans: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("authenticate{"))
        .collect();
    assert_eq!(spans.len(), 4, "one span per authentication:\n{log}");
    let expected = [
        "validator=\"api\" outcome=\"accepted\" duration_us=",
        "validator=\"api\" outcome=\"refused\" reason=\"malformed\" duration_us=",
        "validator=\"api\" outcome=\"refused\" reason=\"missing\" duration_us=",
        "validator=\"api\" outcome=\"anonymous\" duration_us=",
    ];
    // A span closes with its request, so the order of the lines is the order
    // the requests were dropped in.
    for fields in expected {
        let found = spans.iter().filter(|span| span.contains(fields)).count();
        assert_eq!(found, 1, "one span with {fields}:\n{log}");
    }
    assert!(!log.contains(&token), "the token is never a field");
}
