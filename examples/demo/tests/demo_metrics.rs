//! The demo's `GET /metrics` (rocket_warden's `metrics` feature, exported by
//! `metrics-exporter-prometheus`), scraped after known traffic. The only
//! test of its binary: the recorder is one per process, so no other test's
//! requests are counted.

mod support;

use reqwest::{Client, StatusCode};
use support::launch;

/// The value of the sample of `name` whose labels include all of `labels`
/// (`key="value"`), in Prometheus text; 0 when there is none.
fn sample(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .filter(|(series, _)| {
            series.starts_with(&format!("{name}{{")) && labels.iter().all(|l| series.contains(l))
        })
        .filter_map(|(_, value)| value.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn metrics_count_known_traffic_by_validator_outcome_and_reason() {
    let figment = warden_demo::figment();
    let token = warden_demo::mint_dev_token(&figment).expect("a development token");
    let demo = launch(figment).await;
    let client = Client::new();
    let get = |path: &str, token: Option<&str>| {
        let request = client.get(format!("{}{path}", demo.url));
        match token {
            Some(token) => request.bearer_auth(token).send(),
            None => request.send(),
        }
    };
    for _ in 0..3 {
        let response = get("/whoami", Some(&token)).await.expect("an answer");
        assert_eq!(response.status(), StatusCode::OK);
    }
    let missing = get("/whoami", None).await.expect("an answer");
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    let (header, rest) = token.split_once('.').expect("a JWT");
    let tampered = format!("{header}.{}x", rest.trim_end_matches('x'));
    for _ in 0..2 {
        let bad = get("/whoami", Some(&tampered)).await.expect("an answer");
        assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    }
    let anonymous = get("/whoami-public-or-jwt", None).await.expect("an answer");
    assert_eq!(anonymous.status(), StatusCode::OK);

    let issued = client
        .post(format!("{}/oauth2/token", demo.url))
        .basic_auth(warden_demo::DEMO_API, Some(warden_demo::DEMO_API_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("an answer");
    assert_eq!(issued.status(), StatusCode::OK);
    let provider_token: serde_json::Value = issued.json().await.expect("tokens");
    let provider_token = provider_token["access_token"].as_str().expect("a token");
    // `demo_oidc` fetches the provider's keys to check it.
    let oidc = get("/oidc/whoami", Some(provider_token))
        .await
        .expect("an answer");
    assert_eq!(oidc.status(), StatusCode::OK);

    let scraped = get("/metrics", None).await.expect("an answer");
    assert_eq!(scraped.status(), StatusCode::OK);
    assert!(scraped.headers()["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("text/plain")));
    let text = scraped.text().await.expect("text");
    let total = "rocket_warden_authentications_total";
    let demo_label = "validator=\"demo\"";
    assert_eq!(
        sample(&text, total, &[demo_label, "outcome=\"accepted\""]),
        3.0,
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            total,
            &[demo_label, "outcome=\"refused\"", "reason=\"missing\""]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            total,
            &[demo_label, "outcome=\"refused\"", "reason=\"signature\""]
        ),
        2.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, total, &[demo_label, "outcome=\"anonymous\""]),
        1.0
    );
    // The first good request verified the token; the next two were hits.
    let cache = "rocket_warden_token_cache_total";
    assert_eq!(
        sample(&text, cache, &[demo_label, "result=\"hit\""]),
        2.0,
        "{text}"
    );
    assert!(
        text.contains("rocket_warden_authentication_seconds"),
        "{text}"
    );
    let issued = "rocket_warden_provider_tokens_issued_total";
    assert_eq!(
        sample(&text, issued, &["grant_type=\"client_credentials\""]),
        1.0
    );
    let oidc = "validator=\"demo_oidc\"";
    let fetches = "rocket_warden_key_fetches_total";
    assert!(
        sample(&text, fetches, &[oidc, "result=\"ok\""]) >= 1.0,
        "{text}"
    );
    let fetched_at = sample(&text, "rocket_warden_key_set_fetched_seconds", &[oidc]);
    let now = jsonwebtoken::get_current_timestamp() as f64;
    assert!(
        (now - 600.0..=now).contains(&fetched_at),
        "{fetched_at} {now}"
    );
    // Labels never carry the token.
    assert!(!text.contains(&token[..20]));
}
