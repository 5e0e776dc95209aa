//! Search over the reports a member may see.

use super::reports::{ReportItem, report_item};
use super::{bad_limit, list_limit, staff_actor};
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::url_pairs;
use axum::Json;
use axum::extract::State;
use http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;

/// Search reports.
///
/// Reports within the caller's scope holding every word of `q`, with or without diacritics
/// and in any case; a case number finds that report; a phone number finds its owner's reports
/// (only for roles with clearance: 403 otherwise). A query holding a phone number or e-mail
/// address is a reveal: it needs a `reason` (400 naming it otherwise), each match is in the
/// reveal log, and matches about police conduct wait for a second approval. Newest first.
/// Audited, without the terms.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "reports",
    params(
        ("q" = String, Query, description = "Words, a case number or a phone number", min_length = 1, pattern = r"\S"),
        ("reason" = Option<String>, Query, description = "Why, 10 to 500 characters: required for a search holding a phone number or e-mail address, which is a reveal", min_length = 10, max_length = 500, pattern = r"^\s*\S[\s\S]{8,}\S\s*$"),
        ("status" = Option<hotline_domain::ReportStatus>, Query, description = "Only reports in this status"),
        ("urgency" = Option<hotline_domain::Urgency>, Query, description = "Only reports of this urgency"),
        ("channel" = Option<hotline_domain::Channel>, Query, description = "Only reports from this channel"),
        ("from" = Option<chrono::NaiveDate>, Query, description = "Received on or after this day (Vietnam)"),
        ("to" = Option<chrono::NaiveDate>, Query, description = "Received on or before this day (Vietnam)"),
        ("limit" = Option<u32>, Query, description = "How many; default 50", minimum = 1, maximum = 500),
    ),
    responses(
        (status = 200, body = SearchResults),
        (status = 400, description = "Bad query, or a search by phone number or e-mail without a reason", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A query holding a phone, ID or account number or an e-mail address, from a member without clearance", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: http::Uri,
) -> Result<Json<SearchResults>, ApiError> {
    let actor = staff_actor(&state, &headers).await?;
    let (Ok(limit), Ok(pairs)) = (
        list_limit(uri.query()),
        url_pairs(uri.query().unwrap_or_default().as_bytes()),
    ) else {
        return Err(bad_limit());
    };
    let query = pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    if query.trim().is_empty() {
        return Err(
            ApiError::new(http::StatusCode::BAD_REQUEST, "Invalid query")
                .detail("q must hold a word, a case number or a phone number")
                .field("q", "required", "What to search for is required."),
        );
    }
    if let Some(refused) = bad_filter(&pairs) {
        return Err(refused);
    }
    let reason = pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v.as_str());
    // The console's filters narrow the search here too (`status`, `urgency`, `channel`, …).
    let filter = crate::pages::InboxQuery::from_query(uri.query())
        .filter(actor.0.id, state.hotline.clock.now());
    let found = state
        .hotline
        .search_reports(&actor, query, reason, &filter, limit)
        .await?;
    Ok(Json(SearchResults {
        by_contact: found.by_contact,
        items: found
            .hits
            .into_iter()
            .map(|hit| SearchItem {
                snippet: hit
                    .snippet
                    .into_iter()
                    .map(|(text, matched)| SnippetPart { text, matched })
                    .collect(),
                report: report_item(hit.report),
            })
            .collect(),
    }))
}

/// The first filter whose value is not one the document allows, refused: the console's
/// filters pass over a value they do not know, a script is told.
fn bad_filter(pairs: &[(String, String)]) -> Option<ApiError> {
    use std::str::FromStr;
    pairs.iter().find_map(|(key, value)| {
        let valid = match key.as_str() {
            "status" => hotline_domain::ReportStatus::from_str(value).is_ok(),
            "urgency" => hotline_domain::Urgency::from_str(value).is_ok(),
            "channel" => hotline_domain::Channel::from_str(value).is_ok(),
            "from" | "to" => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
            // As the document's pattern reads it: 10 to 500 characters, the first and last
            // not white space (Python's, which counts U+001C to U+001F as white space too).
            "reason" => {
                let trimmed = value.trim_matches(|c: char| {
                    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
                });
                trimmed.chars().count() >= 10 && value.chars().count() <= 500
            }
            _ => true,
        };
        // A reason too short once its invisible characters are dropped is refused by the
        // search itself, with 422 like any field too short to be taken.
        (!valid).then(|| {
            ApiError::new(http::StatusCode::BAD_REQUEST, "Invalid query")
                .detail(format!("{key} does not take this value"))
                .field(
                    key,
                    "invalid",
                    "This value is not one the API document allows.",
                )
        })
    })
}

/// Reports found by a search, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<SearchItem>,
    /// A search by phone number or e-mail (a reveal): any match about police conduct is
    /// kept behind a second approval (a request now waits; the same search shows it once
    /// approved); whether there is one is not told.
    pub by_contact: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchItem {
    #[serde(flatten)]
    pub report: ReportItem,
    /// For a search by words, the passage that matched (personal items masked), in pieces:
    /// `matched` marks the words searched for. Empty for a case or phone number.
    pub snippet: Vec<SnippetPart>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SnippetPart {
    pub text: String,
    pub matched: bool,
}
