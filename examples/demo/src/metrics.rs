//! `GET /metrics`: what rocket_warden counted (feature `metrics`), in
//! Prometheus text, for a scraper. Public, as metrics endpoints usually are
//! on an internal port; it holds no token, subject or client-chosen URL.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use rocket::http::ContentType;
use rocket::State;
use rocket_warden::jwt_auth;

/// The process's recorder: the `metrics` facade takes one per process, and
/// several demos may run in one (the tests'). `None` if another recorder was
/// installed first.
pub(crate) fn recorder() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .clone()
}

/// Every metric, in the Prometheus text format (version 0.0.4).
#[jwt_auth(public)]
#[rocket::get("/metrics")]
pub(crate) fn metrics(handle: &State<Metrics>) -> (ContentType, String) {
    let text = handle
        .0
        .as_ref()
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    (
        ContentType::new("text", "plain").with_params(("version", "0.0.4")),
        text,
    )
}

/// The recorder's handle, in managed state.
pub(crate) struct Metrics(pub(crate) Option<PrometheusHandle>);
