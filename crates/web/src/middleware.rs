//! Middleware: language choice, metrics, readiness, the writing of errors handlers return,
//! the same-origin check and the session's form token on form posts, and security headers.

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::extract::{Ctx, session_token};
use crate::i18n::Lang;
use crate::lanes::{Lane, PacedBody, RETRY_BUSY_SECS};
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use http::{HeaderValue, Method, StatusCode, header};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tower_http::request_id::RequestId;

const LANG_COOKIE: &str = "lang";

/// `?lang=en` switches language and remembers it in a cookie; otherwise the cookie decides;
/// Vietnamese by default.
pub async fn language(mut request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let chosen = parts.uri.query().and_then(|q| {
        q.split('&')
            .find_map(|p| p.strip_prefix("lang="))
            .and_then(Lang::parse)
    });
    let remembered = CookieJar::from_headers(&parts.headers)
        .get(LANG_COOKIE)
        .and_then(|c| Lang::parse(c.value()));
    let lang = chosen.or(remembered).unwrap_or_default();
    request = Request::from_parts(parts, body);
    request.extensions_mut().insert(lang);
    let response = next.run(request).await;
    match chosen {
        Some(lang) => {
            let remember = Cookie::build((LANG_COOKIE, lang.code()))
                .path("/")
                .max_age(cookie::time::Duration::days(365))
                .same_site(SameSite::Lax);
            (CookieJar::new().add(remember), response).into_response()
        }
        None => response,
    }
}

/// Counts requests and their latency per route and status.
pub async fn metrics(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("hotline_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("hotline_http_request_duration_seconds", "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Until migrations and any demo load are done, only health and metrics answer.
pub async fn readiness(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.ready.load(Ordering::Acquire) {
        return next.run(request).await;
    }
    PageError {
        retry_after: Some(5),
        ..PageError::new(StatusCode::SERVICE_UNAVAILABLE, "error-unavailable")
    }
    .into_response()
}

/// Takes a turn in the request's lane (`lanes`), or turns it away with 503 and `Retry-After`
/// when the lane is full: a page in the reader's language (with 113 for emergencies) for
/// people, a problem document for the API, a bare status for platforms.
pub async fn shed_load(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(asked) = Lane::of(&request) else {
        return next.run(request).await;
    };
    // The staff lane is for staff: a session or token that is not good waits with the public,
    // and so does one that cannot be looked up now, when a flood of forged ones is.
    let lane = if asked == Lane::Staff {
        let good = match state.lanes.check_credentials() {
            Some(_checking) => staff_credentials(&state, request.headers()).await,
            None => false,
        };
        if good { Lane::Staff } else { Lane::Public }
    } else {
        asked
    };
    // A turn is held while the body arrives: a body too slow fails rather than hold it.
    let request = request.map(|body| axum::body::Body::new(PacedBody::new(body)));
    if let Some(turn) = state.lanes.enter(lane).await {
        let response = next.run(request).await;
        drop(turn);
        return response;
    }
    metrics::counter!("hotline_http_shed_total", "lane" => lane.name()).increment(1);
    let path = request.uri().path();
    if lane == Lane::Hooks {
        let mut response = (
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable: try again later",
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_BUSY_SECS));
        response
    } else if path.starts_with("/api/") {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "Service busy")
            .detail("Too many requests at once; nothing was done. Try again after Retry-After seconds. In an emergency, call 113.")
            .retry_after(RETRY_BUSY_SECS)
            .into_response()
    } else {
        PageError {
            retry_after: Some(RETRY_BUSY_SECS),
            ..PageError::new(StatusCode::SERVICE_UNAVAILABLE, "error-busy")
        }
        .into_response()
    }
}

/// Whether the request carries a good staff token or a complete staff session (an indexed
/// read; a session is marked used at most once a minute).
async fn staff_credentials(state: &AppState, headers: &http::HeaderMap) -> bool {
    if let Some(token) = crate::api::bearer(headers) {
        return state.hotline.api_actor(token).await.is_ok();
    }
    let jar = CookieJar::from_headers(headers);
    let token = session_token(&jar, state).map(str::to_owned);
    match token {
        Some(token) => state.hotline.session(&token).await.is_ok(),
        None => false,
    }
}

/// Writes the body of an error a handler returned (`ApiError`, `PageError`): they carry only
/// what went wrong, and the answer needs the request's language, id and session, which this
/// layer keeps aside while the request runs.
pub async fn render_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let asked = Asked::of(&request, &state);
    let mut response = next.run(request).await;
    if let Some(problem) = response.extensions_mut().remove::<ApiError>() {
        problem.render(&asked.ctx(&state).await, &mut response);
    } else if let Some(page) = response.extensions_mut().remove::<PageError>() {
        page.render(&asked.ctx(&state).await, &mut response);
    }
    response
}

/// What an error's answer needs of the request: what `Ctx` reads (cheap to keep: shared
/// buffers, and nothing allocated for a request without cookies).
struct Asked {
    uri: http::Uri,
    /// The cookies, and the trusted proxy's header when one is configured.
    headers: Vec<(http::HeaderName, HeaderValue)>,
    lang: Option<Lang>,
    id: Option<RequestId>,
    peer: Option<ConnectInfo<SocketAddr>>,
}

impl Asked {
    fn of(request: &Request, state: &AppState) -> Self {
        let proxy = state
            .config
            .trusted_proxy_header
            .as_deref()
            .and_then(|name| http::HeaderName::try_from(name).ok());
        let mut headers = Vec::new();
        for name in [Some(header::COOKIE), proxy].into_iter().flatten() {
            for value in request.headers().get_all(&name) {
                headers.push((name.clone(), value.clone()));
            }
        }
        let extensions = request.extensions();
        Self {
            uri: request.uri().clone(),
            headers,
            lang: extensions.get::<Lang>().copied(),
            id: extensions.get::<RequestId>().cloned(),
            peer: extensions.get::<ConnectInfo<SocketAddr>>().copied(),
        }
    }

    async fn ctx(self, state: &AppState) -> Ctx {
        let mut request = Request::new(axum::body::Body::empty());
        *request.uri_mut() = self.uri;
        for (name, value) in self.headers {
            request.headers_mut().append(name, value);
        }
        let extensions = request.extensions_mut();
        if let Some(lang) = self.lang {
            extensions.insert(lang);
        }
        if let Some(id) = self.id {
            extensions.insert(id);
        }
        if let Some(peer) = self.peer {
            extensions.insert(peer);
        }
        let (mut parts, _) = request.into_parts();
        Ctx::from_request_parts(&mut parts, state)
            .await
            .unwrap_or_else(|never| match never {})
    }
}

/// Refuses a form post that a browser says came from another site: a baseline against
/// cross-site request forgery, on top of `SameSite=Strict` session cookies.
pub async fn same_origin(request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let headers = request.headers();
    let value_of = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    // Fetch metadata is the browser's own statement of where the form came from; older
    // browsers send only `Origin` (`null` under our `no-referrer` policy, which is refused as
    // any opaque origin is), non-browser clients neither.
    let allowed = match (
        value_of("sec-fetch-site"),
        value_of(header::ORIGIN.as_str()),
    ) {
        (Some(site), _) => site == "same-origin" || site == "none",
        (None, Some(origin)) => {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            value_of(header::HOST.as_str())
                .is_some_and(|host| origin_host.eq_ignore_ascii_case(host))
        }
        (None, None) => true,
    };
    if !allowed {
        tracing::warn!(target: "audit", "cross-site form post refused");
        return PageError::forbidden("error-forbidden").into_response();
    }
    next.run(request).await
}

/// Refuses a staff form post (anything posted under `/console/` in a session, but the sign-in)
/// without the session's form token, before any handler runs: a forged post changes nothing.
/// URL-encoded forms carry it as a field; forms with files carry it in their address (`?csrf=`),
/// so that the files need not be read first. Anything else posted there is refused.
pub async fn staff_form_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if request.method() != Method::POST
        || !path.starts_with("/console/")
        || path == "/console/sign-in"
    {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Some(session) =
        session_token(&CookieJar::from_headers(&parts.headers), &state).map(str::to_owned)
    else {
        // Without a session the handler sends the browser to the sign-in page.
        return next.run(Request::from_parts(parts, body)).await;
    };
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let in_address =
            crate::extract::url_pairs(parts.uri.query().unwrap_or_default().as_bytes())
                .ok()
                .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf"))
                .is_some_and(|(_, token)| state.hotline.csrf_matches(&session, &token));
        if in_address {
            return next.run(Request::from_parts(parts, body)).await;
        }
        tracing::warn!(target: "audit", "staff form post without its session's token refused");
        return PageError::forbidden("error-form-token").into_response();
    }
    let bytes = axum::body::to_bytes(body, state.config.max_body_bytes).await;
    let token_ok = bytes.as_ref().ok().and_then(|bytes| {
        crate::extract::Form::parse(bytes)
            .ok()
            .map(|form| state.hotline.csrf_matches(&session, form.get("csrf")))
    });
    match (token_ok, bytes) {
        (Some(true), Ok(bytes)) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        _ => {
            tracing::warn!(target: "audit", "staff form post without its session's token refused");
            PageError::forbidden("error-form-token").into_response()
        }
    }
}

/// Strict content security policy and friends. Pages load only our own CSS and script.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // Served over TLS (the same setting that marks cookies `Secure`): browsers must not fall
    // back to plain HTTP, where a report could be read or altered on the way.
    if state.config.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000"),
        );
    }
    // A handler may bring its own policy (an evidence file's sandbox, the directory widget's
    // origins allowed to frame it). Only a policy that names who may frame a response lets
    // it be framed; every other response may be framed by none.
    let own = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let framed_by_none = match own {
        None => Some(HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        )),
        Some(policy) if !policy.contains("frame-ancestors") => {
            HeaderValue::from_str(&format!("{policy}; frame-ancestors 'none'")).ok()
        }
        Some(_) => None,
    };
    if let Some(policy) = framed_by_none {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    }
    let fixed = [
        ("x-content-type-options", "nosniff"),
        // A case number in a staff page's address must not reach another site, nor our own
        // logs. Browsers then send `Origin: null` on our forms; `same_origin` decides on
        // `Sec-Fetch-Site`, which every current browser sends.
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        (
            "permissions-policy",
            "geolocation=(), camera=(), microphone=()",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    // Receipts carry secrets and staff pages carry reports: nothing is cached unless a
    // handler says so.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
