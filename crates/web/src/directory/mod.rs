//! The public hotline directory: the list of provinces with search, each province's page (with
//! its QR codes and vCards), the widget a provincial portal frames, the "is this really the
//! police?" check (`pages`), and the JSON feed with its ETag (`feed`).

mod feed;
mod pages;

pub use feed::*;
pub use pages::*;

use crate::AppState;
use crate::extract::url_pairs;
use axum::Router;
use axum::routing::get;
use chrono::NaiveDate;

/// Longest query a search or a check reads.
const MAX_QUERY: usize = 300;

/// The value of `name` in a page's query, at most `MAX_QUERY` characters (empty when absent).
pub(crate) fn query_value(query: Option<&str>, name: &str) -> String {
    query
        .and_then(|q| url_pairs(q.as_bytes()).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == name))
        .map(|(_, v)| v.chars().take(MAX_QUERY).collect::<String>())
        .unwrap_or_default()
}

pub(crate) fn vn_day(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// The public directory's pages, cards and codes.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/danh-ba", get(directory_index))
        .route("/danh-ba/kiem-tra", get(directory_verify))
        .route("/danh-ba/{province}", get(directory_province))
        .route("/danh-ba/{province}/widget", get(directory_widget))
        .route("/danh-ba/{province}/qr/{file}", get(directory_qr))
        .route("/danh-ba/{province}/vcard/{file}", get(directory_vcard))
}

/// The directory's feed for other sites and apps.
pub(crate) fn feed_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/directory", get(directory_feed))
        .route("/api/v1/directory/verify", get(directory_verify_api))
        .route("/api/v1/directory/{province}", get(directory_province_feed))
}
