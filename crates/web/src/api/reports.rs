//! Reports: submitted by an integration or an app, listed for scripts, read whole.

use super::{api_actor, bad_limit, list_limit, staff_actor};
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{Ctx, parse_json, read_body, require_content_type};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hotline_core::Submission;
use hotline_domain::{Channel, ContactInput, ReportInput, ReportStatus, Urgency};
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A citizen's report sent by an integration or an app.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReport {
    /// What happened, in the reporter's words. Required; at most 20,000 characters.
    #[schema(min_length = 1, max_length = 20000, pattern = r"\S")]
    pub text: String,
    /// GSO code of the province (2025 list), e.g. 22 for Quảng Ninh; a code of no province
    /// is refused (422).
    #[schema(minimum = 1, maximum = 99)]
    #[serde(default, deserialize_with = "crate::extract::whole_number")]
    pub province_code: Option<u32>,
    /// GSO code of the commune, ward or special zone (2025 list); one of no commune, or of
    /// another province than `province_code`, is refused (422).
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "crate::extract::whole_number")]
    pub commune_code: Option<u32>,
    /// Address details as given; at most 500 characters.
    #[schema(max_length = 500)]
    pub address: Option<String>,
    pub contact: Option<CreateContact>,
    /// `true` asks that no identity be kept; contact details must then be absent.
    pub anonymous: Option<bool>,
    /// When it happened (RFC 3339), if known; not in the future.
    pub occurred_at: Option<DateTime<Utc>>,
    /// The reporter asks to be protected: they are under threat.
    #[serde(default)]
    pub protection_requested: bool,
}

/// How to reach the reporter. Every field is optional; all are kept confidential.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContact {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// Any common Vietnamese notation: `0912 345 678`, `+84 912 345 678`, `84912345678`.
    pub phone: Option<String>,
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportCreated {
    /// Public case number, e.g. `QN-2026-000123`.
    pub case_number: String,
    /// Secret follow-up code for the reporter, in groups of four. Shown once.
    pub follow_up_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportItem {
    pub case_number: String,
    pub channel: Channel,
    pub status: ReportStatus,
    pub urgency: Urgency,
    /// Code of the unit the report belongs to.
    pub unit: String,
    pub unit_name: String,
    pub province_code: Option<u32>,
    pub commune_code: Option<u32>,
    /// The start of the report text.
    pub summary: String,
    pub anonymous: bool,
    pub created_at: DateTime<Utc>,
    /// The legal type once classified, e.g. `crime_denunciation`.
    pub legal_type: Option<hotline_domain::LegalType>,
    /// The time limit of the law running for it, if any.
    pub deadline: Option<DeadlineItem>,
}

/// A time limit running for a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineItem {
    /// The rule, as `hotline deadline --rule` names it.
    pub rule: hotline_domain::deadline::DeadlineRule,
    /// When the time runs out.
    pub due_at: DateTime<Utc>,
    /// The texts and articles it comes from.
    pub basis: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportList {
    /// Newest first.
    pub items: Vec<ReportItem>,
}

/// Submit a report.
///
/// Without a token this is a citizen's submission, limited per client address; with a bearer
/// token it is an integration's. Answers only once the report is durably stored.
#[utoipa::path(
    post,
    path = "/api/v1/reports",
    tag = "reports",
    request_body = CreateReport,
    responses(
        (status = 201, description = "Stored", body = ReportCreated),
        (status = 400, description = "Invalid or malformed input; `errors` names each field", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A bearer token was given but is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many submissions from this address", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
pub async fn create_report(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let integration = api_actor(&state, &headers).await?;
    // Without a token, the API is a form without its proof of work: the stricter limit too.
    let limited = match integration {
        Some(_) => Ok(()),
        None => match state.check_submission(ctx.client_ip).await {
            Ok(()) => state.check_unproven_submission(ctx.client_ip).await,
            Err(wait) => Err(wait),
        },
    };
    if let Err(wait) = limited {
        return Err(
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests").retry_after(wait),
        );
    }
    require_content_type(&headers, "application/json")?;
    let request = parse_json::<CreateReport>(&read_body(body)?)?;
    let input = ReportInput {
        text: request.text,
        province_code: request.province_code,
        commune_code: request.commune_code,
        address: request.address,
        contact: request.contact.map(|c| ContactInput {
            name: c.name,
            phone: c.phone,
            email: c.email,
        }),
        anonymous: request.anonymous,
        occurred_at: request.occurred_at,
        protection_requested: request.protection_requested,
    };
    let done = state
        .hotline
        .submit(Submission::new(input, Channel::Api))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ReportCreated {
            case_number: done.case_number.to_string(),
            follow_up_code: done.follow_up_code.map(|c| c.grouped()).unwrap_or_default(),
        }),
    )
        .into_response())
}

/// List reports.
///
/// The reports the token's staff member may see, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/reports",
    tag = "reports",
    params(("limit" = Option<u32>, Query, description = "How many; default 50", minimum = 1, maximum = 500)),
    responses(
        (status = 200, body = ReportList),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_reports(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: http::Uri,
) -> Result<Json<ReportList>, ApiError> {
    let actor = staff_actor(&state, &headers).await?;
    let limit = list_limit(uri.query()).map_err(|()| bad_limit())?;
    let reports = state.hotline.list_reports(&actor, limit).await?;
    Ok(Json(ReportList {
        items: reports.into_iter().map(report_item).collect(),
    }))
}

pub(super) fn report_item(r: hotline_store::ReportSummary) -> ReportItem {
    ReportItem {
        case_number: r.case_number.to_string(),
        channel: r.channel,
        status: r.status,
        urgency: r.urgency,
        unit: r.unit.to_string(),
        unit_name: r.unit_name,
        province_code: r.province_code,
        commune_code: r.commune_code,
        summary: r.summary,
        anonymous: r.anonymous,
        created_at: r.created_at,
        legal_type: r.legal_type,
        deadline: r.deadline.map(|due| DeadlineItem {
            rule: due.rule,
            due_at: due.due_at,
            basis: due.rule.text().basis.to_owned(),
        }),
    }
}

/// One report as staff see it: personal items in text masked, the reporter as a pseudonym.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDocument {
    #[serde(flatten)]
    pub report: ReportItem,
    pub updated_at: DateTime<Utc>,
    /// What it is about once classified, e.g. `drugs`.
    pub topic: Option<hotline_domain::Topic>,
    /// Where it stands in its legal procedure, e.g. `verifying`.
    pub stage: hotline_domain::workflow::Stage,
    /// The report this one was joined to as a duplicate; its conversation continues there.
    pub merged_into: Option<String>,
    /// When it happened, as the reporter said.
    pub occurred_at: Option<DateTime<Utc>>,
    /// The reporter asked to be protected: they are under threat.
    pub protection_requested: bool,
    /// Kept from any purge while set.
    pub legal_hold: bool,
    /// Address details, personal items masked.
    pub address: Option<String>,
    /// What staff call the reporter (`NBT-…`), the same on every report by the same phone
    /// number; `null` when they left no contact.
    pub reporter: Option<String>,
    /// The whole conversation, oldest first.
    pub messages: Vec<ReportMessage>,
    pub attachments: Vec<ReportAttachment>,
    /// The notices the law requires of the steps taken, and whether they went out.
    pub notices: Vec<ReportNotice>,
    /// What the first message's text suggests, as `hotline triage` prints it.
    pub triage: Option<hotline_domain::hints::Hints>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportNotice {
    pub id: i64,
    pub kind: hotline_domain::workflow::NoticeKind,
    pub recipient: hotline_domain::workflow::Recipient,
    pub due_at: DateTime<Utc>,
    /// The drafted text (it never names the reporter).
    pub text: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub sent_via: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportMessage {
    /// `inbound` from the reporter, `outbound` to them.
    pub direction: hotline_domain::Direction,
    pub channel: Channel,
    /// The text, with phone, ID and account numbers and e-mail addresses masked (`▒▒▒`).
    pub text: String,
    /// When the hotline received or wrote it.
    pub created_at: DateTime<Utc>,
    /// When the citizen sent it, as their platform says. Messages are listed by this time,
    /// or by `created_at` for those without it (answers, the web form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
    /// Where an outbound message stands: `queued`, `sent`, `delivered`, `read` or `failed`;
    /// absent for inbound ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<hotline_domain::Delivery>,
    /// Why the platform did not take an answer, or said it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportAttachment {
    pub id: i64,
    pub content_type: String,
    pub size_bytes: i64,
    /// Whether identifying metadata (location, device) was removed before it was stored.
    pub metadata_removed: bool,
    pub created_at: DateTime<Utc>,
}

/// Read one report.
///
/// The report when the token's staff member may see it; 404 otherwise, the same whether it
/// exists or not. Opening it is audited.
#[utoipa::path(
    get,
    path = "/api/v1/reports/{case_number}",
    tag = "reports",
    params(("case_number" = String, Path, description = "e.g. QN-2026-000123")),
    responses(
        (status = 200, body = ReportDocument),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report within the caller's scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(case): axum::extract::Path<String>,
) -> Result<Json<ReportDocument>, ApiError> {
    let actor = staff_actor(&state, &headers).await?;
    let view = state.hotline.report(&actor, &case).await?;
    let notices = state.hotline.notices(&actor, &case).await?;
    let detail = view.detail;
    Ok(Json(ReportDocument {
        triage: view.hints,
        notices: notices
            .into_iter()
            .map(|n| ReportNotice {
                id: n.id,
                kind: n.kind,
                recipient: n.recipient,
                due_at: n.due_at,
                text: n.text,
                sent_at: n.sent_at,
                sent_via: n.sent_via,
            })
            .collect(),
        updated_at: detail.updated_at,
        topic: detail.topic,
        stage: detail.procedure.stage,
        merged_into: detail.merged_into.map(|case| case.to_string()),
        occurred_at: detail.occurred_at,
        protection_requested: detail.protection_requested,
        legal_hold: detail.legal_hold,
        address: detail.address,
        reporter: view.reporter.map(|p| p.to_string()),
        messages: view
            .messages
            .into_iter()
            .map(|m| ReportMessage {
                direction: m.message.direction,
                channel: m.message.channel,
                text: m.message.body,
                created_at: m.message.created_at,
                sent_at: m.message.sent_at,
                delivery: m.message.delivery,
                send_error: m.message.send_error.clone(),
            })
            .collect(),
        attachments: view
            .attachments
            .into_iter()
            .map(|a| ReportAttachment {
                id: a.id,
                content_type: a.content_type,
                size_bytes: a.size_bytes,
                metadata_removed: a.metadata_removed,
                created_at: a.created_at,
            })
            .collect(),
        report: report_item(detail.summary),
    }))
}
