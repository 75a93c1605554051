//! The sign-in pages in a real browser: headless Chromium, driven through
//! its WebDriver (chromedriver) from Rust. A newcomer's path: open
//! `/rp/login`, sign in as Alice on the login page, approve on the consent
//! page, land on the relying party with the verified claims and a 200 from
//! `/oidc/whoami`.
//!
//! Debian's `chromium` and `chromium-driver` are installed by
//! `tests/browser/install-chromium` when missing. The screenshots of the
//! login and consent pages go to `target/screenshots/`, and to the folder
//! `WARDEN_SCREENSHOTS` names, if set (`docs/screenshots` keeps the
//! committed ones).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Map, Value};

/// chromedriver, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn install_chromium() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/install-chromium");
    let status = Command::new(&script)
        .status()
        .expect("the install script runs");
    assert!(
        status.success(),
        "Chromium and chromedriver could not be installed by {}",
        script.display()
    );
}

/// chromedriver on a free port; its URL.
async fn start_driver() -> (Driver, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    // chromedriver answers /status once it listens: wait for that, not for a time.
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{url}/status")).send().await.is_ok() {
            return (driver, url);
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not start listening");
}

async fn browser(driver: &str, profile: &Path) -> Client {
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=900,760",
        &format!("--user-data-dir={}", profile.display()),
    ];
    let mut capabilities = Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({"binary": "/usr/bin/chromium", "args": args}),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(driver)
        .await
        .expect("a browser session")
}

/// Saves a screenshot of the page as `name`.png.
async fn screenshot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG image");
    let mut folders =
        vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots")];
    if let Some(folder) = std::env::var_os("WARDEN_SCREENSHOTS") {
        folders.push(PathBuf::from(folder));
    }
    for folder in folders {
        std::fs::create_dir_all(&folder).expect("a screenshot folder");
        std::fs::write(folder.join(format!("{name}.png")), &png)
            .expect("the screenshot is written");
    }
}

#[tokio::test]
async fn alice_signs_in_approves_and_lands_on_the_relying_party_in_chromium() {
    install_chromium();
    let demo = support::launch(warden_demo::figment()).await;
    let (_driver, driver_url) = start_driver().await;
    let profile = tempfile::tempdir().expect("a browser profile");
    let browser = browser(&driver_url, profile.path()).await;

    browser
        .goto(&format!("{}/rp/login", demo.url))
        .await
        .expect("the relying party");
    let username = browser
        .wait()
        .for_element(Locator::Css("#username"))
        .await
        .expect("the login form");
    assert!(browser
        .source()
        .await
        .expect("the page")
        .contains("Sign in to the rocket_warden demo"));
    username.send_keys("alice").await.expect("typed");
    browser
        .find(Locator::Css("#password"))
        .await
        .expect("a password field")
        .send_keys("alice-password")
        .await
        .expect("typed");
    screenshot(&browser, "login").await;
    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .expect("a button")
        .click()
        .await
        .expect("clicked");

    let approve = browser
        .wait()
        .for_element(Locator::Css("button[value=approve]"))
        .await
        .expect("the consent page");
    let consent = browser.source().await.expect("the page");
    assert!(
        consent.contains("Demo RP asks to use your account"),
        "{consent}"
    );
    assert!(consent.contains("Your email address"), "{consent}");
    screenshot(&browser, "consent").await;
    approve.click().await.expect("clicked");

    let claims = browser
        .wait()
        .for_element(Locator::Css("#claims"))
        .await
        .expect("the result page");
    let claims: Value =
        serde_json::from_str(&claims.text().await.expect("the claims")).expect("JSON claims");
    assert_eq!(claims["sub"], "1");
    assert_eq!(claims["acr"], "urn:demo:mfa");
    assert_eq!(claims["iss"], demo.url.as_str());
    let page = browser.source().await.expect("the page");
    assert!(page.contains("Signed in as Alice Liddell"), "{page}");
    assert!(
        page.contains("GET /oidc/whoami with the access token: 200"),
        "{page}"
    );
    let url = browser.current_url().await.expect("a URL");
    assert!(
        url.as_str()
            .starts_with(&format!("{}/rp/callback?code=", demo.url)),
        "{url}"
    );
    browser.close().await.expect("the browser closes");
}
