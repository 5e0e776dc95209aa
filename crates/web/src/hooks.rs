//! Platform webhooks at `/hooks/<platform>/<account>`: the platform's check of its webhook
//! (GET: Meta's subscription, X's CRC) and deliveries (POST). A delivery is answered 200 only
//! once it is journalled; a bad or missing signature (or a stale one) is 401 and nothing is
//! kept; an unknown account is 404. Bodies are never logged.

use crate::AppState;
use crate::error::HookRefusal;
use axum::Router;
use axum::body::Bytes;
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

/// A delivery: verified on its raw bytes, journalled, then acknowledged.
pub async fn delivery(
    State(state): State<AppState>,
    Path((platform, account)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HookRefusal> {
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

/// Platforms' webhooks: the handshake and deliveries.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/hooks/{platform}/{account}", get(handshake).post(delivery))
}
