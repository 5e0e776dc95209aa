//! The reporter's follow-up: their report's answers, read and added to with the follow-up code.

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{Ctx, parse_json, read_body, require_content_type};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hotline_domain::ReportStatus;
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A message added by the reporter.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMessage {
    /// More information, in the reporter's words; at most 20,000 characters.
    #[schema(min_length = 1, max_length = 20000, pattern = r"\S")]
    pub text: String,
}

/// Where a report stands, for its reporter.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUp {
    pub case_number: String,
    pub status: ReportStatus,
    /// The status in plain Vietnamese, as the follow-up page says it.
    pub status_text: String,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The reporter's messages (`inbound`) and officers' answers (`outbound`), oldest first.
    pub messages: Vec<FollowUpMessage>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpMessage {
    pub direction: hotline_domain::Direction,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// The header that carries the follow-up code (never the URL).
pub(super) const FOLLOW_UP_CODE: &str = "x-follow-up-code";

/// The follow-up code the request carries; a request without one is refused before it
/// counts against the look-up limits.
pub(super) fn follow_up_code(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers
        .get(FOLLOW_UP_CODE)
        .and_then(|v| v.to_str().ok())
        .filter(|code| !code.trim().is_empty())
        .ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "Invalid input")
                .detail("The follow-up code goes in the X-Follow-Up-Code header.")
                .field(
                    "X-Follow-Up-Code",
                    "required",
                    "The follow-up code given at submission is required.",
                )
        })
}

pub(super) fn follow_up_body(ctx: &Ctx, view: hotline_core::follow_up::FollowUpView) -> FollowUp {
    FollowUp {
        case_number: view.case_number.to_string(),
        status: view.status,
        status_text: crate::pages::citizen_status(ctx, &view),
        received_at: view.received_at,
        updated_at: view.updated_at,
        messages: view
            .messages
            .into_iter()
            .map(|m| FollowUpMessage {
                direction: m.direction,
                text: m.text,
                at: m.at,
            })
            .collect(),
    }
}

/// Follow a report up.
///
/// With the follow-up code given at submission. A wrong code and an unknown case number get
/// the same answer; look-ups are limited per address and overall.
#[utoipa::path(
    get,
    path = "/api/v1/reports/{case_number}/follow-up",
    tag = "follow-up",
    params(
        ("case_number" = String, Path, description = "e.g. QN-2026-000123"),
        ("X-Follow-Up-Code" = String, Header, description = "The secret follow-up code", min_length = 1, pattern = r"\S"),
    ),
    responses(
        (status = 200, body = FollowUp),
        (status = 404, description = "No report with this case number and code", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many look-ups; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn follow_up(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    axum::extract::Path(case): axum::extract::Path<String>,
) -> Result<Json<FollowUp>, ApiError> {
    let code = follow_up_code(&headers)?;
    state.check_follow_up(ctx.client_ip).await?;
    let view = state.hotline.follow_up(&case, code).await?;
    Ok(Json(follow_up_body(&ctx, view)))
}

/// Add information to a report.
///
/// The reporter's message joins the report's conversation; officers see it at once.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{case_number}/follow-up",
    tag = "follow-up",
    params(
        ("case_number" = String, Path, description = "e.g. QN-2026-000123"),
        ("X-Follow-Up-Code" = String, Header, description = "The secret follow-up code", min_length = 1, pattern = r"\S"),
    ),
    request_body = AddMessage,
    responses(
        (status = 201, description = "Added; the report as it stands now", body = FollowUp),
        (status = 400, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No report with this case number and code", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many look-ups; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn follow_up_add(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    axum::extract::Path(case): axum::extract::Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let code = follow_up_code(&headers)?;
    state.check_follow_up(ctx.client_ip).await?;
    require_content_type(&headers, "application/json")?;
    let added = parse_json::<AddMessage>(&read_body(body)?)?;
    state
        .hotline
        .add_reporter_message(&case, code, &added.text, &[])
        .await?;
    let view = state.hotline.follow_up(&case, code).await?;
    Ok((StatusCode::CREATED, Json(follow_up_body(&ctx, view))).into_response())
}
