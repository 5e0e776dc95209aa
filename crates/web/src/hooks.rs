//! Platform webhooks at `/hooks/<platform>/<account>`: the platform's check of its webhook
//! (GET: Meta's subscription, X's CRC) and deliveries (POST). A delivery is answered 200 only
//! once it is journalled; a bad or missing signature (or a stale one) is 401 and nothing is
//! kept; an unknown account is 404. Bodies are never logged.

use crate::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hotline_core::CoreError;
use hotline_core::channels::{DeliveryHeaders, HandshakeAnswer};
use std::collections::BTreeMap;

fn plain(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn refused(error: &CoreError) -> Response {
    let status = match error {
        CoreError::NotFound => StatusCode::NOT_FOUND,
        CoreError::Forbidden => StatusCode::FORBIDDEN,
        CoreError::Unauthenticated => StatusCode::UNAUTHORIZED,
        // Nothing was kept: the platform will deliver again.
        CoreError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %error, "a delivery could not be kept");
    }
    plain(status, status.canonical_reason().unwrap_or("").to_owned())
}

/// The platform's check: Meta's `hub.mode`, `hub.verify_token`, `hub.challenge`; X's
/// `crc_token`.
pub async fn handshake(
    State(state): State<AppState>,
    Path((platform, account)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    match state
        .hotline
        .channel_handshake(&platform, &account, &query)
        .await
    {
        Ok(HandshakeAnswer::Text(challenge)) => plain(StatusCode::OK, challenge),
        Ok(HandshakeAnswer::Json(document)) => {
            let mut response = (StatusCode::OK, document).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(e) => refused(&e),
    }
}

/// A delivery: verified on its raw bytes, journalled, then acknowledged.
pub async fn delivery(
    State(state): State<AppState>,
    Path((platform, account)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let headers = DeliveryHeaders::from_lookup(|name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    match state
        .hotline
        .receive_delivery(&platform, &account, &headers, &body)
        .await
    {
        // The generic CTI contract reads a JSON answer: `{}` lets the call through.
        Ok(_) if platform == "cti" => {
            let mut response = (StatusCode::OK, "{}").into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Ok(_) => plain(StatusCode::OK, "EVENT_RECEIVED".to_owned()),
        Err(e) => refused(&e),
    }
}

/// Platforms' webhooks: the handshake and deliveries.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/hooks/{platform}/{account}", get(handshake).post(delivery))
}
