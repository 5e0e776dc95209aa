//! Handling a report through the API: answer, triage, mark as police conduct, take a step,
//! send a notice.

use super::reports::{DeadlineItem, ReportMessage, report_item};
use super::staff_command;
use crate::AppState;
use crate::error::{ApiError, Problem};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hotline_core::Actor;
use hotline_domain::{ReportStatus, Urgency};
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An officer's answer to the reporter.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReply {
    /// At most 20,000 characters.
    #[schema(min_length = 1, max_length = 20000, pattern = r"\S")]
    pub text: String,
}

/// Where a report stands after `action` (none for a classification).
pub(super) async fn where_it_stands(
    state: &AppState,
    actor: &Actor,
    case: &str,
    action: Option<hotline_domain::workflow::Action>,
) -> Result<Response, ApiError> {
    let view = state.hotline.report(actor, case).await?;
    Ok(Json(StepTaken {
        action,
        stage: view.detail.procedure.stage,
        status: view.detail.summary.status,
        deadline: report_item(view.detail.summary).deadline,
    })
    .into_response())
}

/// Answer the reporter.
///
/// The answer goes out on the report's channel (the follow-up page for web and API reports),
/// with the console's permission rules. Audited.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{case_number}/replies",
    tag = "reports",
    params(("case_number" = String, Path, description = "e.g. QN-2026-000123")),
    request_body = CreateReply,
    responses(
        (status = 201, description = "Written; where it stands", body = ReportMessage),
        (status = 400, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report within the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_reply(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(case): axum::extract::Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (actor, reply) = staff_command::<CreateReply>(&state, &headers, body).await?;
    let sent = state
        .hotline
        .reply_to_reporter(&actor, &case, &reply.text)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ReportMessage {
            direction: hotline_domain::Direction::Outbound,
            channel: sent.channel,
            text: sent.text,
            created_at: sent.at,
            sent_at: None,
            delivery: Some(sent.delivery),
            send_error: None,
        }),
    )
        .into_response())
}

/// An officer's classification of a report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTriage {
    /// `crime_denunciation`, `crime_information`, `prosecution_request`, `complaint`,
    /// `public_order`, `feedback`, `non_actionable`; absent for "not yet". (A report about
    /// police conduct is marked so in the console, naming the accused's unit.)
    pub legal_type: Option<hotline_domain::LegalType>,
    pub topic: Option<hotline_domain::Topic>,
    pub urgency: Urgency,
    /// A commune of the 2025 list; absent keeps the report's place.
    #[serde(default, deserialize_with = "crate::extract::whole_number")]
    pub commune_code: Option<u32>,
}

/// Classify a report.
///
/// Records its legal type, topic, urgency and place, as the console's triage form does, and
/// starts the procedure its type gives. Audited.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{case_number}/triage",
    tag = "reports",
    params(("case_number" = String, Path, description = "e.g. QN-2026-000123")),
    request_body = CreateTriage,
    responses(
        (status = 200, description = "Classified; where the report stands", body = StepTaken),
        (status = 400, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report within the caller's scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_triage(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(case): axum::extract::Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (actor, triage) = staff_command::<CreateTriage>(&state, &headers, body).await?;
    let commune = triage
        .commune_code
        .map(|c| c.to_string())
        .unwrap_or_default();
    let input = hotline_core::handling::TriageInput {
        legal_type: triage.legal_type.map_or("", |t| t.as_str()),
        topic: triage.topic.map_or("", |t| t.as_str()),
        urgency: triage.urgency.as_str(),
        commune: &commune,
    };
    state.hotline.triage(&actor, &case, &input).await?;
    where_it_stands(&state, &actor, &case, None).await
}

/// The accused's unit of a report about police conduct.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConductMark {
    /// `22` (a province's police), `22/6688` (a commune police), `22-pc02` (a department);
    /// never the ministry, under which every unit stands.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[a-z0-9]+([/-][a-z0-9]+)*$"
    )]
    pub accused_unit: String,
    /// `discipline` (the default: a denunciation under the Law on Denunciations) or
    /// `judicial_crime` (a crime in judicial work by investigation staff: referred to the
    /// Supreme Procuracy's investigation body, R14).
    #[serde(default)]
    #[schema(pattern = r"^(discipline|judicial_crime)?$")]
    pub nature: String,
    /// The accused's post there, which decides who settles (R20): `officer`, `deputy`, `head`
    /// or `unit`. Left out when not known: settled above the accused's unit.
    #[serde(default)]
    pub accused_post: Option<hotline_domain::conduct::AccusedPost>,
}

/// Mark a report as about police conduct.
///
/// Names the accused's unit and post: from then on nobody in that unit or below it can read the
/// report (except, for a denunciation about an officer of a commune police, which its head
/// settles, that unit's leaders), it goes to the competent unit,
/// and it follows the Law on Denunciations (information only, with the offer of a signed
/// petition, when it came by chat or call), or, for a crime in judicial work, goes to the
/// procuracy with its referral drafted. Audited. Answers 404 when the caller is in the
/// accused unit or below it and so can no longer read it.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{case_number}/police-conduct",
    tag = "reports",
    params(("case_number" = String, Path, description = "e.g. QN-2026-000123")),
    request_body = CreateConductMark,
    responses(
        (status = 200, description = "Marked; where the report stands", body = StepTaken),
        (status = 400, description = "Unknown unit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report within the caller's scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_conduct_mark(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(case): axum::extract::Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (actor, mark) = staff_command::<CreateConductMark>(&state, &headers, body).await?;
    let nature = mark.nature.parse().map_err(ApiError::from)?;
    state
        .hotline
        .mark_police_conduct(
            &actor,
            &case,
            &mark.accused_unit,
            mark.accused_post.map_or("", |post| post.as_str()),
            nature,
        )
        .await?;
    where_it_stands(&state, &actor, &case, None).await
}

/// A step of a report's legal procedure.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStep {
    /// `accept`, `begin_verification`, `extend`, `suspend`, `resume`, `decide_prosecute`,
    /// `decide_no_prosecute`, `close`, … (docs/legal-workflow.md).
    pub action: hotline_domain::workflow::Action,
    /// For a decision: its number, date (`YYYY-MM-DD`) and signer.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub number: String,
    #[serde(default)]
    #[schema(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub decided_on: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub signer: String,
    /// The grounds of a decision, or what was done; 10 to 4,000 characters.
    #[schema(
        min_length = 10,
        max_length = 4000,
        pattern = r"^\s*\S[\s\S]{8,}\S\s*$"
    )]
    pub grounds: String,
}

/// Where a report stands after a step.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepTaken {
    /// The step taken; absent after a classification.
    pub action: Option<hotline_domain::workflow::Action>,
    pub stage: hotline_domain::workflow::Stage,
    pub status: ReportStatus,
    pub deadline: Option<DeadlineItem>,
}

/// Take a procedure step.
///
/// Moves the report through its procedure (LEGAL-VN §3) with the decision or note the step
/// records, with the console's rules: the role the law names, from the stage the step starts
/// at. Audited.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{case_number}/steps",
    tag = "reports",
    params(("case_number" = String, Path, description = "e.g. QN-2026-000123")),
    request_body = CreateStep,
    responses(
        (status = 200, description = "Taken; where the report stands", body = StepTaken),
        (status = 400, description = "Not a step from here, or its record incomplete", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another role takes this step", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report within the caller's scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_step(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(case): axum::extract::Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (actor, step) = staff_command::<CreateStep>(&state, &headers, body).await?;
    let input = hotline_core::procedure::StepInput {
        action: step.action.as_str(),
        number: &step.number,
        decided_on: &step.decided_on,
        signer: &step.signer,
        grounds: &step.grounds,
    };
    let taken = state.hotline.take_step(&actor, &case, &input).await?;
    where_it_stands(&state, &actor, &case, Some(taken.action)).await
}

/// How a notice went out.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendNotice {
    /// For a notice to the procuracy: how it was sent (dispatch number, post, by hand).
    /// Ignored for one to the reporter, which goes out on the report's channel.
    #[serde(default)]
    pub via: String,
}

/// Send a notice.
///
/// A notice to the reporter goes out on the report's channel (the follow-up page for web and
/// API reports); one to the procuracy is recorded as sent with how. Once only; audited.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{case_number}/notices/{notice}",
    tag = "reports",
    params(
        ("case_number" = String, Path, description = "e.g. QN-2026-000123"),
        ("notice" = i64, Path, description = "The notice's id in the report document", minimum = 1),
    ),
    request_body = SendNotice,
    responses(
        (status = 204, description = "Sent"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report within the caller's scope, or no such notice of it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Sent already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A notice to the procuracy without how it was sent (`via`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn send_notice(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path((case, notice)): axum::extract::Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (actor, send) = staff_command::<SendNotice>(&state, &headers, body).await?;
    // A notice is named by its id: anything else names no notice.
    let notice = notice
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found"))?;
    let sent = state
        .hotline
        .send_notice(&actor, &case, notice, &send.via)
        .await;
    match sent {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(hotline_core::CoreError::Domain(hotline_domain::DomainError::Invalid(fields)))
            if fields
                .iter()
                .any(|f| f.field == "notice" && f.code == "unknown") =>
        {
            Err(ApiError::new(StatusCode::NOT_FOUND, "Not found"))
        }
        // `via` is asked only of a notice to the procuracy: the document cannot require it.
        Err(hotline_core::CoreError::Domain(hotline_domain::DomainError::Invalid(fields)))
            if fields.iter().all(|f| f.field == "via") =>
        {
            let mut refused = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Cannot be taken");
            for field in &fields {
                refused = refused.field(
                    &field.field,
                    field.code,
                    "How it was sent is required for a notice to the procuracy.",
                );
            }
            Err(refused)
        }
        Err(e) => Err(e.into()),
    }
}
