//! Hotline's HTTP face: public pages, the staff console, the JSON API and its OpenAPI document,
//! health and metrics. Handlers translate HTTP to use cases and back; they hold no SQL and no
//! policy.

pub mod api;
mod charts;
mod directory;
pub mod error;
pub mod extract;
mod hooks;
pub mod i18n;

pub mod lanes;
mod middleware;
pub mod moved;
pub mod notify_words;
pub mod pages;
pub mod rate;
pub mod report_files;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hotline_core::Hotline;
use http::{HeaderValue, StatusCode, header};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetRequestHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Citizens' submissions per minute per client address (0: unlimited).
    pub public_submissions_per_minute: u32,
    pub public_submissions_burst: u32,
    /// Citizens' submissions per minute from everyone together (0: unlimited): a flood from
    /// many addresses must not bury the reports that matter. Generous by default.
    pub public_submissions_global_per_minute: u32,
    /// Citizens' submissions per hour per client address without the form's proof of work
    /// (JavaScript off, or not through the form), on top of the limits above (0: unlimited).
    pub unproven_submissions_per_hour: u32,
    pub unproven_submissions_burst: u32,
    /// Header carrying the client address from a trusted reverse proxy (e.g.
    /// `x-forwarded-for`); `None` trusts only the socket's peer address.
    pub trusted_proxy_header: Option<String>,
    /// Mark cookies `Secure` (when served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Follow-up look-ups (page and API) per minute per client address, and for everyone
    /// together: a follow-up code cannot be guessed, and these make sure nobody tries for long.
    pub follow_up_per_minute: u32,
    pub follow_up_global_per_minute: u32,
    /// How often an open inbox asks for new reports, in seconds.
    pub inbox_poll_secs: u32,
    /// Where citizens reach the server (`https://hotline.congan.gov.vn`), for addresses given
    /// to others: the directory widget's snippet for a portal.
    pub public_url: String,
    /// How many requests of each lane run at once and wait for a turn (`lanes`).
    pub lanes: lanes::LaneConfig,
    /// Longest a request body may pause between two pieces before the request is answered
    /// 408: a client that sends a byte a minute holds nothing for long.
    pub body_read_timeout: std::time::Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            public_submissions_per_minute: 10,
            public_submissions_burst: 5,
            public_submissions_global_per_minute: 6000,
            // A family behind one address still sends a few at once, and one every six minutes.
            unproven_submissions_per_hour: 10,
            unproven_submissions_burst: 3,
            trusted_proxy_header: None,
            secure_cookies: false,
            follow_up_per_minute: 30,
            follow_up_global_per_minute: 1200,
            inbox_poll_secs: 20,
            public_url: "http://127.0.0.1:8080".into(),
            lanes: lanes::LaneConfig::default(),
            body_read_timeout: std::time::Duration::from_secs(30),
        }
    }
}

/// What every handler shares. Each layer of every request clones it, so it is one reference
/// count (cloning the fields one by one cost a few per cent of intake's CPU).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub hotline: Hotline,
    pub config: Arc<WebConfig>,
    pub catalogues: Arc<i18n::Catalogues>,
    submissions: Arc<rate::ClientAndOverall>,
    follow_ups: Arc<rate::ClientAndOverall>,
    unproven_submissions: Arc<rate::RateLimiter>,
    /// Set once migrations and any demo load are done.
    pub ready: Arc<AtomicBool>,
    metrics: PrometheusHandle,
    lanes: lanes::Lanes,
}

impl Shared {
    /// Whether a citizen at `client` may submit now: within their address's limit and
    /// everyone's. `Err` holds the seconds to wait.
    pub async fn check_submission(&self, client: std::net::IpAddr) -> Result<(), u64> {
        self.submissions.check(&self.hotline, client).await
    }

    /// Whether a citizen at `client` may submit now without having shown the form's proof of
    /// work. `Err` holds the seconds to wait.
    pub async fn check_unproven_submission(&self, client: std::net::IpAddr) -> Result<(), u64> {
        self.unproven_submissions
            .check_with(&self.hotline, client)
            .await
    }

    /// Whether `client` may try a follow-up look-up now: within its own limit and everyone's.
    pub async fn check_follow_up(
        &self,
        client: std::net::IpAddr,
    ) -> Result<(), hotline_core::CoreError> {
        self.follow_ups
            .check(&self.hotline, client)
            .await
            .map_err(|retry_after_secs| hotline_core::CoreError::Throttled { retry_after_secs })
    }
}

impl AppState {
    pub fn new(
        hotline: Hotline,
        config: WebConfig,
        ready: Arc<AtomicBool>,
    ) -> Result<Self, i18n::CatalogueError> {
        Ok(Self(Arc::new(Shared {
            hotline,
            submissions: Arc::new(rate::ClientAndOverall::new(
                rate::RateLimiter::per_minute(
                    "submit",
                    config.public_submissions_per_minute,
                    config.public_submissions_burst,
                ),
                config.public_submissions_global_per_minute,
            )),
            follow_ups: Arc::new(rate::ClientAndOverall::new(
                rate::RateLimiter::per_minute(
                    "follow-up",
                    config.follow_up_per_minute,
                    config.follow_up_per_minute.div_ceil(3).max(1),
                ),
                config.follow_up_global_per_minute,
            )),
            unproven_submissions: Arc::new(rate::RateLimiter::per_hour(
                "submit-unproven",
                config.unproven_submissions_per_hour,
                config.unproven_submissions_burst,
            )),
            lanes: lanes::Lanes::new(&config.lanes),
            config: Arc::new(config),
            catalogues: i18n::Catalogues::load()?,
            ready,
            metrics: prometheus(),
        })))
    }
}

/// How often histogram samples are folded into their buckets.
const METRICS_UPKEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// The process-wide metrics recorder, installed on first use.
fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ])
                .and_then(|b| {
                    // Batch sizes are counts, not seconds: up to the writers' ceiling of 256.
                    b.set_buckets_for_metric(
                        Matcher::Suffix("_batch_size".into()),
                        &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
                    )
                })
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed");
            }
            // Histogram samples wait in the recorder until upkeep folds them into their
            // buckets, which a scrape also does: where nothing scrapes `/metrics`, without
            // this each request's samples were kept, and memory grew with every request
            // (the soak in docs/benchmarks.md). A thread of its own, as the exporter's own
            // installer does: the recorder is made wherever the first state is.
            let kept = handle.clone();
            let upkeep = std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(METRICS_UPKEEP);
                        kept.run_upkeep();
                    }
                });
            if let Err(e) = upkeep {
                tracing::warn!(error = %e, "no thread for the metrics' upkeep: histograms are folded only when scraped");
            }
            handle
        })
        .clone()
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    if !state.ready.load(Ordering::Acquire) {
        return (StatusCode::SERVICE_UNAVAILABLE, "starting").into_response();
    }
    if let Some(writer) = state.hotline.stopped_writer() {
        return (StatusCode::SERVICE_UNAVAILABLE, format!("{writer} stopped")).into_response();
    }
    // What the node's watch on the store last found (every half second, on a connection of
    // its own): a pool busy with work does not make the node look dead to the balancer.
    if state.hotline.store_answers() {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "store unreachable").into_response()
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    metrics::gauge!("hotline_intake_queue_depth").set(state.hotline.intake_queue_depth() as f64);
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

async fn receipt_script() -> Response {
    script(include_str!("../static/receipt.js"))
}

async fn form_script() -> Response {
    script(include_str!("../static/form.js"))
}

async fn work_script() -> Response {
    script(include_str!("../static/work.js"))
}

async fn inbox_script() -> Response {
    script(include_str!("../static/inbox.js"))
}

async fn sms_script() -> Response {
    script(include_str!("../static/sms.js"))
}

/// One of our own scripts; pages work without them.
fn script(source: &'static str) -> Response {
    let mut response = source.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

async fn stylesheet() -> Response {
    let mut response = include_str!("../static/app.css").into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

fn trace_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |p| p.as_str());
    let id = extract::request_id_of(request.extensions());
    tracing::info_span!("request", request_id = %id, method = %request.method(), route = %route)
}

/// `/metrics` (Prometheus text), served on its own address (see the server's `metrics_bind`),
/// never beside the public pages.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics_text))
        .with_state(state)
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let pages = pages::routes(&state)
        .merge(directory::page_routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::staff_form_token,
        ))
        .route_layer(axum::middleware::from_fn(middleware::same_origin));
    let api = api::routes()
        .merge(directory::feed_routes())
        .merge(hooks::routes());
    let gated = pages
        .merge(api)
        .merge(moved::routes())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::readiness,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/static/app.css", get(stylesheet))
        .route("/static/receipt.js", get(receipt_script))
        .route("/static/form.js", get(form_script))
        .route("/static/work.js", get(work_script))
        .route("/static/inbox.js", get(inbox_script))
        .route("/static/sms.js", get(sms_script))
        .merge(gated)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(RequestBodyTimeoutLayer::new(state.config.body_read_timeout))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::shed_load,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::render_errors,
        ))
        .layer(axum::middleware::from_fn(middleware::metrics))
        .layer(axum::middleware::from_fn(middleware::language))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(trace_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
                // Each answer is logged once above with its status; a failure worth an error
                // line is logged where it happens (`error`). A flood shed with 503s must not
                // write an error line each.
                .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        // Every request gets a fresh id: an inbound `x-request-id` is not trusted, as it
        // would let a client write into our logs or pass as another request.
        .layer(SetRequestHeaderLayer::overriding(
            http::HeaderName::from_static("x-request-id"),
            |_: &Request| HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).ok(),
        ))
        .with_state(state)
}
