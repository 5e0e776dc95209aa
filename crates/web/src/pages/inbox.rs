//! The inbox: the reports a member may see, filtered, ordered and paged; search; and the
//! count of newer reports an open inbox polls for.

use crate::AppState;
use crate::error::PageError;
use crate::extract::Ctx;
use crate::pages::inbox_filter::InboxQuery;
use crate::pages::{Chrome, PostedForm, StaffPage, render, vn_time};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use hotline_core::{Actor, CoreError};
use hotline_domain::{Channel, DomainError, LegalType, ReportStatus, Topic, Urgency};
use hotline_store::ReportSummary;
use http::{StatusCode, header};
use serde::Deserialize;
use std::collections::HashMap;

/// One report as a row of the inbox, labelled in the reader's language.
pub struct Row {
    pub case_number: String,
    pub received: String,
    pub received_iso: String,
    pub channel: String,
    pub status: String,
    pub urgency: String,
    pub urgency_code: &'static str,
    pub status_code: &'static str,
    pub unit: String,
    pub summary: String,
    /// For a search by words, the passage that matched, the words marked.
    pub snippet: Vec<(String, bool)>,
    /// The time limit running: when it runs out, as shown and as ISO.
    pub due: Option<(String, String)>,
    pub overdue: bool,
}

pub(crate) fn row(ctx: &Ctx, r: &ReportSummary, now: DateTime<Utc>) -> Row {
    Row {
        due: r
            .deadline
            .map(|d| (super::due_time(d.due_at), d.due_at.to_rfc3339())),
        overdue: r.deadline.is_some_and(|d| d.due_at < now),
        case_number: r.case_number.to_string(),
        received: vn_time(r.created_at),
        received_iso: r.created_at.to_rfc3339(),
        channel: ctx.tr.t(&format!("channel-{}", r.channel)),
        status: ctx.tr.t(&format!("status-{}", r.status)),
        urgency: ctx.tr.t(&format!("urgency-{}", r.urgency)),
        urgency_code: r.urgency.as_str(),
        status_code: r.status.as_str(),
        unit: r.unit_name.clone(),
        summary: r.summary.clone(),
        snippet: Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "inbox.html")]
pub(crate) struct InboxPage {
    c: Chrome,
    can_read: bool,
    rows: Vec<Row>,
    /// The search, when the list answers one.
    query: Option<String>,
    search_error: Option<String>,
    /// What a search by a number or address left waiting for a second approval.
    search_notice: Option<String>,
    /// The reader may search by a phone number or e-mail address (with a reason).
    may_search_contacts: bool,
    filters: InboxQuery,
    choices: FilterChoices,
    /// The next page, when there is one.
    next_href: Option<String>,
    /// The newest report's id when the page opened, for the page's own refresh.
    newest: i64,
    poll_secs: u32,
}

/// The values each filter offers, named in the reader's language, with how many of the
/// reader's reports hold each.
#[derive(Default)]
pub struct FilterChoices {
    pub status: Vec<Choice>,
    pub urgency: Vec<Choice>,
    pub channel: Vec<Choice>,
    pub legal_type: Vec<Choice>,
    pub topic: Vec<Choice>,
    /// The units of the reader's scope, by code, when there is more than one.
    pub units: Vec<(String, String)>,
}

pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub count: i64,
}

/// Reports shown on one page of the inbox.
pub(crate) const INBOX_PAGE: u32 = 50;

pub async fn inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    uri: http::Uri,
) -> Result<Response, PageError> {
    let filters = InboxQuery::from_query(uri.query());
    let filter = filters.filter(actor.0.id, state.hotline.clock.now());
    let (page, counts) = match (
        state.hotline.inbox(&actor, &filter, INBOX_PAGE).await,
        state.hotline.inbox_counts(&actor).await,
    ) {
        (Ok(page), Ok(counts)) => (page, counts),
        (Err(e), _) | (_, Err(e)) => return Err(PageError::from(e)),
    };
    let units = state.hotline.units_in_scope(&actor).await?;
    let now = state.hotline.clock.now();
    let rows = page.reports.iter().map(|r| row(&ctx, r, now)).collect();
    let next_href = page.next.as_ref().map(|cursor| filters.next_href(cursor));
    let newest = match state.hotline.newer_reports(&actor, 0).await {
        Ok(newer) => newer.newest.unwrap_or_default(),
        Err(e) => return Err(PageError::from(e)),
    };
    let page = InboxPage {
        c: Chrome::new(&ctx, Some(&actor)),
        can_read: actor.visibility() != hotline_store::Visibility::Nothing,
        rows,
        query: None,
        search_error: None,
        search_notice: None,
        may_search_contacts: actor.0.role.may_reveal_identity(),
        choices: choices(&ctx, &counts, units),
        filters,
        next_href,
        newest,
        poll_secs: state.config.inbox_poll_secs,
    };
    render(StatusCode::OK, &page)
}

pub(crate) fn choices(
    ctx: &Ctx,
    counts: &[hotline_store::FacetCount],
    units: Vec<hotline_store::Unit>,
) -> FilterChoices {
    let count = |field: &str, value: &str| {
        counts
            .iter()
            .find(|c| c.field == field && c.value == value)
            .map_or(0, |c| c.count)
    };
    let each = |field: &str, values: Vec<&'static str>| -> Vec<Choice> {
        values
            .into_iter()
            .map(|value| Choice {
                value,
                label: ctx.tr.t(&format!("{field}-{value}")),
                count: count(field, value),
            })
            .collect()
    };
    FilterChoices {
        status: each(
            "status",
            ReportStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        urgency: each("urgency", Urgency::ALL.iter().map(|u| u.as_str()).collect()),
        channel: each(
            "channel",
            Channel::ALL
                .iter()
                .map(|c| c.as_str())
                .filter(|c| count("channel", c) > 0)
                .collect(),
        ),
        legal_type: each(
            "legal_type",
            LegalType::ALL.iter().map(|t| t.as_str()).collect(),
        ),
        topic: each("topic", Topic::ALL.iter().map(|t| t.as_str()).collect()),
        units: if units.len() > 1 {
            units
                .into_iter()
                .map(|u| (u.code.to_string(), u.name))
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// Longest an inbox's question waits for a report to arrive before it is answered anyway.
const LONGEST_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// What an inbox left open asks, again as soon as it is answered: how many reports the officer
/// may see arrived since the newest it shows (`after`), and how many of them are urgent. With
/// `told` (the count it was last told), the answer waits until that count changes, for a report
/// taken by any node, or 20 seconds pass. Only what the officer may see moves the answer: when
/// reports arrive elsewhere says nothing. JSON, for its own script.
pub async fn inbox_updates(
    State(state): State<AppState>,
    StaffPage(actor): StaffPage,
    uri: http::Uri,
) -> Result<Response, PageError> {
    let pairs =
        crate::extract::url_pairs(uri.query().unwrap_or_default().as_bytes()).unwrap_or_default();
    let number = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.parse::<i64>().ok())
    };
    let after = number("after").unwrap_or_default();
    let told = number("told");
    let until = tokio::time::Instant::now() + LONGEST_WAIT;
    let mut seen = state.hotline.newest_arrival();
    let newer = loop {
        let newer = state
            .hotline
            .newer_reports(&actor, after)
            .await
            .map_err(PageError::from)?;
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        if told != Some(newer.count) || left.is_zero() {
            break newer;
        }
        match state.hotline.wait_for_arrival(seen, left).await {
            Some(newest) => seen = newest,
            None => break newer,
        }
    };
    let mut response = axum::Json(serde_json::json!({
        "count": newer.count,
        "urgent": newer.urgent,
        "newest": newer.newest,
    }))
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// The fields of [`search`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SearchForm {
    q: String,
    /// Why, for a search by a phone number or e-mail address (a reveal).
    reason: String,
    /// The inbox's filters, narrowing the search.
    #[serde(flatten)]
    filters: HashMap<String, String>,
}

/// The search form's target. A POST, so that what was searched for (a phone number, a name in
/// the text) stays out of addresses, history and logs.
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<SearchForm>,
) -> Result<Response, PageError> {
    let query = form.q.to_owned();
    let filters = InboxQuery::from_fields(&form.filters);
    let filter = filters.filter(actor.0.id, state.hotline.clock.now());
    let reason = Some(form.reason.as_str()).filter(|r| !r.trim().is_empty());
    match state
        .hotline
        .search_reports(&actor, &query, reason, &filter, 200)
        .await
    {
        Ok(found) => {
            let rows = found
                .hits
                .into_iter()
                .map(|hit| Row {
                    snippet: hit.snippet,
                    ..row(&ctx, &hit.report, state.hotline.clock.now())
                })
                .collect();
            let notice = found
                .by_contact
                .then(|| ctx.tr.t("search-awaiting-approval"));
            inbox_page(
                &ctx,
                &actor,
                rows,
                Some(query),
                (None, notice),
                StatusCode::OK,
                filters,
            )
        }
        Err(e) => {
            let (status, error) = match e {
                CoreError::Forbidden => (StatusCode::FORBIDDEN, "search-phone-needs-clearance"),
                CoreError::Domain(DomainError::Invalid(ref errors))
                    if errors.iter().any(|e| e.field == "reason") =>
                {
                    (StatusCode::BAD_REQUEST, "search-contact-needs-reason")
                }
                e => return Err(PageError::from(e)),
            };
            inbox_page(
                &ctx,
                &actor,
                Vec::new(),
                Some(query),
                (Some(ctx.tr.t(error)), None),
                status,
                filters,
            )
        }
    }
}

pub(crate) fn inbox_page(
    ctx: &Ctx,
    actor: &Actor,
    rows: Vec<Row>,
    query: Option<String>,
    (search_error, search_notice): (Option<String>, Option<String>),
    status: StatusCode,
    filters: InboxQuery,
) -> Result<Response, PageError> {
    let page = InboxPage {
        c: Chrome::new(ctx, Some(actor)),
        can_read: actor.visibility() != hotline_store::Visibility::Nothing,
        rows,
        query,
        search_error,
        search_notice,
        may_search_contacts: actor.0.role.may_reveal_identity(),
        filters,
        choices: FilterChoices::default(),
        next_href: None,
        newest: 0,
        poll_secs: 0,
    };
    render(status, &page)
}

/// This module's pages and the forms they post.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(inbox))
        .route("/console/search", post(search))
        .route("/console/inbox/updates", get(inbox_updates))
}
