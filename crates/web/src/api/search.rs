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
        ("q" = String, Query, description = "Words, a case number or a phone number"),
        ("reason" = Option<String>, Query, description = "Why, 10 to 500 characters: required for a search holding a phone number or e-mail address, which is a reveal"),
        ("status" = Option<String>, Query, description = "Only reports in this status"),
        ("urgency" = Option<String>, Query, description = "Only reports of this urgency"),
        ("channel" = Option<String>, Query, description = "Only reports from this channel"),
        ("from" = Option<String>, Query, description = "Received on or after this day (YYYY-MM-DD, Vietnam)"),
        ("to" = Option<String>, Query, description = "Received on or before this day (YYYY-MM-DD, Vietnam)"),
        ("limit" = Option<u32>, Query, description = "How many, 1 to 500; default 50"),
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
