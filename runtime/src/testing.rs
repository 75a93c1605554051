//! A test kit for applications that use rocket_warden (feature `testing`).
//!
//! - [`TestKey`]: a private key that mints tokens with chosen claims and
//!   headers, and publishes its public half as a JWK.
//! - [`JwksServer`]: a real HTTP server on 127.0.0.1 serving a JWK set at
//!   `/jwks` and an OIDC discovery document at
//!   `/.well-known/openid-configuration`, which a test can rotate, break,
//!   slow down or take down.
//!
//! ```no_run
//! use rocket_warden::testing::{JwksServer, TestKey};
//! use rocket_warden::jsonwebtoken::Algorithm;
//!
//! # async fn example() {
//! let key = TestKey::from_pem(Algorithm::ES256, Some("k1"), "-----BEGIN PRIVATE KEY-----…")
//!     .expect("a key");
//! let server = JwksServer::start(&[&key]).await;
//! // Configure a validator with `jwks_uri = server.jwks_uri()`, then:
//! let token = key.mint(&serde_json::json!({ "iss": "…", "exp": 4_000_000_000u64 }));
//! # }
//! ```
//!
//! Not for production builds: enable the feature in `[dev-dependencies]`.

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// A signing key for tests, with an optional `kid`.
pub struct TestKey {
    alg: Algorithm,
    kid: Option<String>,
    key: EncodingKey,
    jwk: Value,
}

impl fmt::Debug for TestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl TestKey {
    /// A key from a private key in PEM (PKCS#8, or PKCS#1 for RSA) signing
    /// with `alg` (RS*, PS*, ES256, ES384 or EdDSA).
    pub fn from_pem(alg: Algorithm, kid: Option<&str>, pem: &str) -> Result<Self, String> {
        use Algorithm::*;
        crate::crypto::install();
        let key = match alg {
            RS256 | RS384 | RS512 | PS256 | PS384 | PS512 => {
                EncodingKey::from_rsa_pem(pem.as_bytes())
            }
            ES256 | ES384 => EncodingKey::from_ec_pem(pem.as_bytes()),
            EdDSA => EncodingKey::from_ed_pem(pem.as_bytes()),
            other => return Err(format!("a key set holds no {other:?} key")),
        }
        .map_err(|e| format!("not a {alg:?} private key: {e}"))?;
        let jwk = Jwk::from_encoding_key(&key, alg)
            .map_err(|e| format!("cannot derive the public key: {e}"))?;
        let mut jwk = serde_json::to_value(jwk).map_err(|e| e.to_string())?;
        jwk["use"] = json!("sig");
        if let Some(kid) = kid {
            jwk["kid"] = json!(kid);
        }
        Ok(Self {
            alg,
            kid: kid.map(str::to_owned),
            key,
            jwk,
        })
    }

    /// The algorithm it signs with.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// Its `kid`, if it has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Its public JWK (`kty`, key parameters, `alg`, `use: sig`, `kid`).
    pub fn jwk(&self) -> Value {
        self.jwk.clone()
    }

    /// The header its tokens carry by default: `alg`, `typ: JWT` and the `kid`.
    pub fn header(&self) -> Header {
        let mut header = Header::new(self.alg);
        header.kid = self.kid.clone();
        header
    }

    /// A token with `claims`, signed with this key under [`TestKey::header`].
    pub fn mint(&self, claims: &Value) -> String {
        self.mint_with(&self.header(), claims)
    }

    /// A token with `claims`, signed with this key under `header` (which
    /// may name another `kid`, or none).
    pub fn mint_with(&self, header: &Header, claims: &Value) -> String {
        mint(header, claims, &self.key)
    }
}

/// A token with `claims` under `header`, signed with `key`.
///
/// # Panics
///
/// When the header's algorithm does not fit the key: a mistake in the test.
pub fn mint(header: &Header, claims: &Value, key: &EncodingKey) -> String {
    crate::crypto::install();
    match jsonwebtoken::encode(header, claims, key) {
        Ok(token) => token,
        Err(error) => panic!("cannot sign a test token: {error}"),
    }
}

/// A JWK set document holding the public halves of `keys`.
pub fn jwk_set(keys: &[&TestKey]) -> Value {
    json!({ "keys": keys.iter().map(|key| key.jwk()).collect::<Vec<_>>() })
}

/// How the server answers `/jwks`.
#[derive(Debug, Clone)]
enum Answer {
    /// The current key set.
    Keys,
    /// This body, as JSON.
    Body(Bytes),
    /// This body, as JSON, in chunked encoding (no `Content-Length`).
    Chunked(Bytes),
    /// This status, with an empty body.
    Status(StatusCode),
    /// Nothing, until [`JwksServer::release`] or the server is taken down.
    Hang,
    /// The key set, after this delay.
    Slow(Duration),
}

#[derive(Debug)]
struct State {
    jwks: Value,
    cache_control: Option<String>,
    answer: Answer,
    discovery: Value,
    requests: Vec<String>,
}

#[derive(Debug)]
struct ServerState {
    state: Mutex<State>,
    /// The number of `/jwks` requests received, for tests to wait on.
    fetches: watch::Sender<usize>,
    /// `true` while requests hang.
    hanging: watch::Sender<bool>,
}

impl ServerState {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A JWK set and discovery server on 127.0.0.1, for tests.
///
/// It serves `GET /jwks` (the key set, with the `Cache-Control` header set by
/// [`JwksServer::cache_control`]) and `GET /.well-known/openid-configuration`
/// (`{"issuer": <base>, "jwks_uri": <base>/jwks}` unless replaced). Every
/// other path is a 404. The server stops when dropped.
#[derive(Debug)]
pub struct JwksServer {
    addr: SocketAddr,
    shared: Arc<ServerState>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl JwksServer {
    /// Starts a server on a free port of 127.0.0.1 serving `keys`.
    ///
    /// # Panics
    ///
    /// When no port can be bound.
    pub async fn start(keys: &[&TestKey]) -> Self {
        Self::start_with(jwk_set(keys)).await
    }

    /// Starts a server serving this JWK set document as is.
    ///
    /// # Panics
    ///
    /// When no port can be bound.
    pub async fn start_with(jwks: Value) -> Self {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(error) => panic!("cannot bind a test server on 127.0.0.1: {error}"),
        };
        let addr = match listener.local_addr() {
            Ok(addr) => addr,
            Err(error) => panic!("the test server has no address: {error}"),
        };
        let base = format!("http://{addr}");
        let discovery = json!({ "issuer": &base, "jwks_uri": format!("{base}/jwks") });
        let shared = Arc::new(ServerState {
            state: Mutex::new(State {
                jwks,
                cache_control: None,
                answer: Answer::Keys,
                discovery,
                requests: Vec::new(),
            }),
            fetches: watch::channel(0).0,
            hanging: watch::channel(false).0,
        });
        let task = tokio::spawn(serve(listener, shared.clone()));
        Self {
            addr,
            shared,
            task: Mutex::new(Some(task)),
        }
    }

    /// `http://127.0.0.1:<port>`: the issuer its discovery document names.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:<port>/jwks`.
    pub fn jwks_uri(&self) -> String {
        format!("{}/jwks", self.base_url())
    }

    /// Serves `keys` from now on (a rotation), answering normally again.
    pub fn rotate(&self, keys: &[&TestKey]) {
        self.set_jwks(jwk_set(keys));
    }

    /// Serves this JWK set document from now on, answering normally again.
    pub fn set_jwks(&self, jwks: Value) {
        let mut state = self.shared.state();
        state.jwks = jwks;
        state.answer = Answer::Keys;
    }

    /// Sends `Cache-Control: <value>` with the key set (`None`: no header).
    pub fn cache_control(&self, value: Option<&str>) {
        self.shared.state().cache_control = value.map(str::to_owned);
    }

    /// Replaces the discovery document.
    pub fn set_discovery(&self, document: Value) {
        self.shared.state().discovery = document;
    }

    /// Answers `/jwks` with this body (garbage, say) and status 200.
    pub fn serve_body(&self, body: impl Into<Bytes>) {
        self.shared.state().answer = Answer::Body(body.into());
    }

    /// Answers `/jwks` with a well-formed key set padded to about `bytes`
    /// bytes, announced by its `Content-Length`.
    pub fn serve_oversized(&self, bytes: usize) {
        let body = self.padded(bytes);
        self.shared.state().answer = Answer::Body(body);
    }

    /// Like [`JwksServer::serve_oversized`], but in chunked encoding, so the
    /// size is known only by reading.
    pub fn serve_oversized_chunked(&self, bytes: usize) {
        let body = self.padded(bytes);
        self.shared.state().answer = Answer::Chunked(body);
    }

    fn padded(&self, bytes: usize) -> Bytes {
        let mut jwks = self.shared.state().jwks.clone();
        jwks["padding"] = json!("x".repeat(bytes));
        Bytes::from(jwks.to_string())
    }

    /// Answers `/jwks` with `status` and an empty body (a 404, a 500).
    pub fn serve_status(&self, status: u16) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        self.shared.state().answer = Answer::Status(status);
    }

    /// Answers `/jwks` after `delay`.
    pub fn slow_down(&self, delay: Duration) {
        self.shared.state().answer = Answer::Slow(delay);
    }

    /// Holds every `/jwks` request unanswered until [`JwksServer::release`].
    pub fn hang(&self) {
        self.shared.state().answer = Answer::Hang;
        self.shared.hanging.send_replace(true);
    }

    /// Answers held requests, and every request from now on, with the keys.
    pub fn release(&self) {
        self.shared.state().answer = Answer::Keys;
        self.shared.hanging.send_replace(false);
    }

    /// Stops listening and drops every connection: connections are refused
    /// until [`JwksServer::bring_up`].
    pub async fn take_down(&self) {
        let task = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            task.abort();
            // Wait until the listener is dropped, so the port is free.
            let _ = task.await;
        }
    }

    /// Listens again on the same port, answering normally.
    ///
    /// # Panics
    ///
    /// When the port cannot be bound again.
    pub async fn bring_up(&self) {
        self.take_down().await;
        let listener = match TcpListener::bind(self.addr).await {
            Ok(listener) => listener,
            Err(error) => panic!("cannot bind {} again: {error}", self.addr),
        };
        self.release();
        let task = tokio::spawn(serve(listener, self.shared.clone()));
        *self.task.lock().unwrap_or_else(PoisonError::into_inner) = Some(task);
    }

    /// How many `/jwks` requests arrived so far.
    pub fn fetches(&self) -> usize {
        *self.shared.fetches.borrow()
    }

    /// Waits until at least `count` `/jwks` requests arrived.
    pub async fn wait_for_fetches(&self, count: usize) {
        let mut fetches = self.shared.fetches.subscribe();
        // The sender lives as long as `self`, so this only ends by the count.
        let _ = fetches.wait_for(|&fetches| fetches >= count).await;
    }

    /// Every request target received (path and query), in order.
    pub fn requests(&self) -> Vec<String> {
        self.shared.state().requests.clone()
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        if let Some(task) = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            task.abort();
        }
    }
}

/// Accepts connections until aborted; aborting drops every connection too.
async fn serve(listener: TcpListener, shared: Arc<ServerState>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        connections.spawn(async move {
            let service = service_fn(move |request| answer(shared.clone(), request));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
}

async fn answer(
    shared: Arc<ServerState>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let target = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_owned(), |pq| pq.to_string());
    let (answer, jwks, cache_control, discovery) = {
        let mut state = shared.state();
        state.requests.push(target.clone());
        (
            state.answer.clone(),
            state.jwks.to_string(),
            state.cache_control.clone(),
            state.discovery.to_string(),
        )
    };
    let path = request.uri().path();
    if path == "/.well-known/openid-configuration" {
        return Ok(json_response(StatusCode::OK, discovery, None));
    }
    if path != "/jwks" {
        return Ok(json_response(StatusCode::NOT_FOUND, String::new(), None));
    }
    shared.fetches.send_modify(|fetches| *fetches += 1);
    Ok(match answer {
        Answer::Keys => json_response(StatusCode::OK, jwks, cache_control),
        Answer::Body(body) => json_response(StatusCode::OK, body, cache_control),
        Answer::Chunked(body) => {
            let mut response = json_response(StatusCode::OK, body, cache_control);
            // hyper then sends the body chunked, without a length.
            response.headers_mut().insert(
                "transfer-encoding",
                hyper::header::HeaderValue::from_static("chunked"),
            );
            response
        }
        Answer::Status(status) => json_response(status, String::new(), None),
        Answer::Slow(delay) => {
            tokio::time::sleep(delay).await;
            json_response(StatusCode::OK, jwks, cache_control)
        }
        Answer::Hang => {
            let mut hanging = shared.hanging.subscribe();
            let _ = hanging.wait_for(|hanging| !hanging).await;
            json_response(StatusCode::OK, jwks, cache_control)
        }
    })
}

fn json_response(
    status: StatusCode,
    body: impl Into<Bytes>,
    cache_control: Option<String>,
) -> Response<Full<Bytes>> {
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(value) = cache_control {
        response = response.header("cache-control", value);
    }
    response
        .body(Full::new(body.into()))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}
