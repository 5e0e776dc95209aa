//! Platform webhooks at `/hooks/<platform>/<account>`: the platform's check of its webhook
//! (GET: Meta's subscription, X's CRC) and deliveries (POST). A delivery is answered 200 only
//! once it is journalled; a bad or missing signature (or a stale one) is 401 and nothing is
//! kept; an unknown account is 404. Bodies are never logged.

use crate::AppState;
use crate::error::HookRefusal;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hotline_core::channels::{DeliveryHeaders, HandshakeAnswer};
use std::collections::BTreeMap;

fn plain(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The platform's check: Meta's `hub.mode`, `hub.verify_token`, `hub.challenge`; X's
/// `crc_token`.
pub async fn handshake(
    State(state): State<AppState>,
    Path((platform, account)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, HookRefusal> {
    let answer = state
        .hotline
        .channel_handshake(&platform, &account, &query)
        .await?;
    Ok(match answer {
        HandshakeAnswer::Text(challenge) => plain(challenge),
        HandshakeAnswer::Json(document) => json(document),
    })
}

/// A delivery's body as it arrived. One that stopped arriving or came too slowly is answered
/// 503, which platforms deliver again after; axum's 400 would read as a delivery refused for
/// good.
fn delivered(body: Result<Bytes, BytesRejection>) -> Result<Bytes, HookRefusal> {
    body.map_err(|rejection| {
        if crate::extract::timed_out(&rejection) {
            HookRefusal::from(hotline_core::CoreError::Unavailable)
        } else {
            HookRefusal::status(rejection.status())
        }
    })
}

/// A delivery: verified on its raw bytes, journalled, then acknowledged.
pub async fn delivery(
    State(state): State<AppState>,
    Path((platform, account)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, HookRefusal> {
    let body = delivered(body)?;
    let headers = DeliveryHeaders::from_lookup(|name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    state
        .hotline
        .receive_delivery(&platform, &account, &headers, &body)
        .await?;
    // The generic CTI contract reads a JSON answer: `{}` lets the call through.
    Ok(if platform == "cti" {
        json("{}".to_owned())
    } else {
        plain("EVENT_RECEIVED".to_owned())
    })
}

/// A PBX's call event with its token in `Authorization: Bearer …`, out of the address and so
/// out of reverse proxies' access logs (`/hooks/cti/<token>` still works for PBXs that cannot
/// set a header). No token, or one of no line: 401, nothing kept.
pub async fn cti_delivery(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, HookRefusal> {
    let body = delivered(body)?;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| HookRefusal::from(hotline_core::CoreError::Unauthenticated))?;
    state
        .hotline
        .receive_delivery("cti", token, &DeliveryHeaders::default(), &body)
        .await
        .map_err(|e| match e {
            hotline_core::CoreError::NotFound => hotline_core::CoreError::Unauthenticated,
            other => other,
        })?;
    Ok(json("{}".to_owned()))
}

/// Platforms' webhooks: the handshake and deliveries.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/hooks/cti", axum::routing::post(cti_delivery))
        .route("/hooks/{platform}/{account}", get(handshake).post(delivery))
}
