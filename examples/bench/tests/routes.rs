//! The bench's configuration, keys and routes fit together: what load.sh
//! measures are 200s, and a protected route really refuses a missing token.

use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;
use warden_bench::{mint_tokens, BODY};

async fn client() -> Client {
    Client::tracked(warden_bench::rocket())
        .await
        .expect("the bench launches from its own Rocket.toml")
}

fn tokens() -> Vec<(String, String)> {
    mint_tokens(&warden_bench::figment())
        .expect("tokens mint from the bench's Rocket.toml")
        .into_iter()
        .map(|t| (format!("/{}", t.route), t.token))
        .collect()
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
