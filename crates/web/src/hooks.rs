//! Platform webhooks at `/hooks/<platform>/<account>`: Meta's subscription check (GET) and
//! deliveries (POST). A delivery is answered 200 only once it is journalled; a bad or missing
//! signature is 401 and nothing is kept; an unknown account is 404. Bodies are never logged.

use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hotline_core::CoreError;
use std::collections::HashMap;

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

/// Meta's subscription check: `hub.mode`, `hub.verify_token`, `hub.challenge`.
pub async fn handshake(
    State(state): State<AppState>,
    Path((platform, account)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let get = |key: &str| query.get(key).map(String::as_str);
    match state
        .hotline
        .channel_handshake(
            &platform,
            &account,
            (
                get("hub.mode"),
                get("hub.verify_token"),
                get("hub.challenge"),
            ),
        )
        .await
    {
        Ok(challenge) => plain(StatusCode::OK, challenge),
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
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    match state
        .hotline
        .receive_delivery(&platform, &account, signature, &body)
        .await
    {
        Ok(_) => plain(StatusCode::OK, "EVENT_RECEIVED".to_owned()),
        Err(e) => refused(&e),
    }
}
