//! The bench's configuration, keys and routes fit together: what load.sh
//! measures are 200s, and a protected route really refuses a missing token.

use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use rocket_warden::state::{TokenCacheStats, Validators};
use warden_bench::{mint_tokens, BODY, TOKEN_BYTES};

const VALIDATORS: [&str; 3] = ["bench_hs", "bench_rs", "bench_es"];

async fn client() -> Client {
    Client::tracked(warden_bench::rocket())
        .await
        .expect("the bench launches from its own Rocket.toml")
}

/// The validated-token cache counters of `validator`; `None` when it is off.
fn cache_stats(client: &Client, validator: &str) -> Option<TokenCacheStats> {
    client
        .rocket()
        .state::<Validators>()
        .and_then(|validators| validators.get(validator))
        .expect("a configured validator")
        .token_cache_stats()
}

/// GET `route` with `token` as the bearer.
async fn get_with(client: &Client, route: &str, token: &str) -> Status {
    client
        .get(route.to_owned())
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await
        .status()
}

fn tokens() -> Vec<(String, String)> {
    mint_tokens(&warden_bench::figment())
        .expect("tokens mint from the bench's Rocket.toml")
        .into_iter()
        .map(|t| (format!("/{}", t.route), t.token))
        .collect()
}

#[rocket::async_test]
async fn noop_route_answers_200_without_a_token() {
    let client = client().await;
    let response = client.get("/noop").dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_string().await.as_deref(), Some(BODY));
}

#[rocket::async_test]
async fn floor_route_takes_any_bearer_token_and_refuses_none() {
    let client = client().await;
    for (header, status) in [
        (Some("Bearer anything"), Status::Ok),
        (Some("bearer x"), Status::Ok),
        (Some("Basic dXNlcjpwYXNz"), Status::Unauthorized),
        (Some("Bearer "), Status::Unauthorized),
        (None, Status::Unauthorized),
    ] {
        let mut request = client.get("/floor");
        if let Some(value) = header {
            request = request.header(Header::new("Authorization", value));
        }
        assert_eq!(request.dispatch().await.status(), status, "{header:?}");
    }
}

#[rocket::async_test]
async fn open_route_answers_200_without_a_token() {
    let client = client().await;
    let response = client.get("/open").dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.into_string().await.as_deref(), Some(BODY));
}

#[rocket::async_test]
async fn each_protected_route_answers_200_with_its_minted_token() {
    let client = client().await;
    let tokens = tokens();
    let routes: Vec<_> = tokens.iter().map(|(route, _)| route.as_str()).collect();
    assert_eq!(routes, ["/hs", "/rs", "/es"]);
    for (route, token) in &tokens {
        let response = client
            .get(route.as_str())
            .header(Header::new("Authorization", format!("Bearer {token}")))
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::Ok, "{route}");
        assert_eq!(
            response.into_string().await.as_deref(),
            Some(BODY),
            "{route}"
        );
    }
}

#[rocket::async_test]
async fn by_default_a_repeated_token_is_served_from_the_cache() {
    let client = client().await;
    for ((route, token), validator) in tokens().iter().zip(VALIDATORS) {
        for _ in 0..2 {
            assert_eq!(get_with(&client, route, token).await, Status::Ok, "{route}");
        }
        let stats = cache_stats(&client, validator).expect("the cache is on by default");
        assert_eq!((stats.misses, stats.hits), (1, 1), "{validator}");
    }
}

#[rocket::async_test]
async fn each_protected_route_answers_401_without_a_token() {
    let client = client().await;
    for route in ["/hs", "/rs", "/es"] {
        let response = client.get(route).dispatch().await;
        assert_eq!(response.status(), Status::Unauthorized, "{route}");
        let challenge = response.headers().get_one("WWW-Authenticate");
        assert!(
            challenge.is_some_and(|c| c.starts_with("Bearer")),
            "{route}: {challenge:?}"
        );
    }
}

#[rocket::async_test]
async fn a_token_for_one_route_is_refused_by_the_others() {
    // The validators hold different keys: a route cannot pass on another's token.
    let client = client().await;
    let tokens = tokens();
    for (route, _) in &tokens {
        for (other, token) in tokens.iter().filter(|(r, _)| r != route) {
            let response = client
                .get(route.as_str())
                .header(Header::new("Authorization", format!("Bearer {token}")))
                .dispatch()
                .await;
            assert_eq!(
                response.status(),
                Status::Unauthorized,
                "{other}'s token on {route}"
            );
        }
    }
}

#[rocket::async_test]
async fn with_the_token_cache_off_the_bench_launches_and_accepts_its_tokens() {
    // What `WARDEN_BENCH_CACHE=off` in load.sh sets through ROCKET_JWT.
    let figment = ["bench_hs", "bench_rs", "bench_es"].into_iter().fold(
        warden_bench::figment(),
        |figment, validator| {
            figment.merge((format!("jwt.validators.{validator}.token_cache_size"), 0))
        },
    );
    let client = Client::tracked(warden_bench::rocket_from(figment))
        .await
        .expect("token_cache_size = 0 is accepted");
    for validator in VALIDATORS {
        assert_eq!(cache_stats(&client, validator), None, "{validator}");
    }
    for (route, token) in &tokens() {
        for _ in 0..2 {
            assert_eq!(get_with(&client, route, token).await, Status::Ok, "{route}");
        }
    }
}

#[test]
fn tokens_command_prints_one_route_token_line_per_protected_route() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_warden-bench"))
        .arg("tokens")
        .env_remove("ROCKET_CONFIG")
        .output()
        .expect("warden-bench runs");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let routes: Vec<_> = stdout
        .lines()
        .map(|line| {
            line.split_once('=')
                .map(|(route, token)| (route, token.split('.').count()))
        })
        .collect();
    // Each line is `route=<header>.<payload>.<signature>`.
    assert_eq!(routes, [Some(("hs", 3)), Some(("rs", 3)), Some(("es", 3))]);
}

#[test]
fn every_token_has_the_same_size_so_requests_differ_only_by_route() {
    for (route, token) in tokens() {
        assert!(
            (TOKEN_BYTES..=TOKEN_BYTES + 1).contains(&token.len()),
            "{route}: {} bytes",
            token.len()
        );
    }
}
