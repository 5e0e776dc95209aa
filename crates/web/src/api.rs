//! The JSON API (`/api/v1`): the generic channel any integration can submit through, the report
//! list for scripts, and the OpenAPI document generated from these definitions.

use crate::AppState;
use crate::error::{ApiError, InvalidParam, Problem};
use crate::extract::{Ctx, parse_json, read_body, require_content_type, url_pairs};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hotline_core::reports::MAX_LIST_LIMIT;
use hotline_core::{Actor, CoreError, Submission};
use hotline_domain::{Channel, ContactInput, ReportInput, ReportStatus, Urgency};
use http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// A citizen's report sent by an integration or an app.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReport {
    /// What happened, in the reporter's words. Required; at most 20,000 characters.
    pub text: String,
    /// GSO code of the province (2025 list), e.g. 22 for Quảng Ninh.
    pub province_code: Option<u32>,
    /// GSO code of the commune, ward or special zone (2025 list).
    pub commune_code: Option<u32>,
    /// Address details as given.
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
    pub name: Option<String>,
    /// Any common Vietnamese notation: `0912 345 678`, `+84 912 345 678`, `84912345678`.
    pub phone: Option<String>,
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

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn api_actor(
    state: &AppState,
    headers: &HeaderMap,
    ctx: &Ctx,
) -> Result<Option<Actor>, ApiError> {
    match bearer(headers) {
        None => Ok(None),
        Some(token) => state
            .hotline
            .api_actor(token)
            .await
            .map(Some)
            .map_err(|e| ApiError::from_core(e, ctx)),
    }
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
) -> Response {
    let integration = match api_actor(&state, &headers, &ctx).await {
        Ok(actor) => actor,
        Err(e) => return e.into_response(),
    };
    // Without a token, the API is a form without its proof of work: the stricter limit too.
    if integration.is_none()
        && let Err(wait) = state
            .check_submission(ctx.client_ip)
            .and_then(|()| state.check_unproven_submission(ctx.client_ip))
    {
        let mut err = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests", &ctx);
        err.retry_after = Some(wait);
        return err.into_response();
    }
    let parsed = require_content_type(&headers, "application/json")
        .and_then(|()| read_body(body))
        .and_then(|b| parse_json::<CreateReport>(&b));
    let request = match parsed {
        Ok(r) => r,
        Err(e) => return ApiError::from_body(e, &ctx).into_response(),
    };
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
    match state
        .hotline
        .submit(Submission::new(input, Channel::Api))
        .await
    {
        Ok(done) => (
            StatusCode::CREATED,
            Json(ReportCreated {
                case_number: done.case_number.to_string(),
                follow_up_code: done.follow_up_code.map(|c| c.grouped()).unwrap_or_default(),
            }),
        )
            .into_response(),
        Err(e) => ApiError::from_core(e, &ctx).into_response(),
    }
}

/// List reports.
///
/// The reports the token's staff member may see, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/reports",
    tag = "reports",
    params(("limit" = Option<u32>, Query, description = "How many, 1 to 500; default 50")),
    responses(
        (status = 200, body = ReportList),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_reports(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    uri: http::Uri,
) -> Response {
    let actor = match staff_actor(&state, &headers, &ctx).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let Ok(limit) = list_limit(uri.query()) else {
        return bad_limit(&ctx);
    };
    match state.hotline.list_reports(&actor, limit).await {
        Ok(reports) => Json(ReportList {
            items: reports.into_iter().map(report_item).collect(),
        })
        .into_response(),
        Err(e) => ApiError::from_core(e, &ctx).into_response(),
    }
}

/// The staff member behind the bearer token; a request without one is refused.
async fn staff_actor(state: &AppState, headers: &HeaderMap, ctx: &Ctx) -> Result<Actor, Response> {
    match api_actor(state, headers, ctx).await {
        Ok(Some(actor)) => Ok(actor),
        Ok(None) => Err(ApiError::from_core(CoreError::Unauthenticated, ctx).into_response()),
        Err(e) => Err(e.into_response()),
    }
}

fn report_item(r: hotline_store::ReportSummary) -> ReportItem {
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
    pub created_at: DateTime<Utc>,
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
    ctx: Ctx,
    headers: HeaderMap,
    axum::extract::Path(case): axum::extract::Path<String>,
) -> Response {
    let actor = match staff_actor(&state, &headers, &ctx).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let (view, notices) = match (
        state.hotline.report(&actor, &case).await,
        state.hotline.notices(&actor, &case).await,
    ) {
        (Ok(view), Ok(notices)) => (view, notices),
        (Err(e), _) | (_, Err(e)) => return ApiError::from_core(e, &ctx).into_response(),
    };
    let detail = view.detail;
    Json(ReportDocument {
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
    })
    .into_response()
}

/// An officer's answer to the reporter.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReply {
    /// At most 20,000 characters.
    pub text: String,
}

/// A staff member's JSON command: the member behind the token and the parsed body, or the
/// answer that refuses it.
async fn staff_command<T: serde::de::DeserializeOwned>(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Actor, T), Response> {
    let actor = staff_actor(state, headers, ctx).await?;
    require_content_type(headers, "application/json")
        .and_then(|()| read_body(body))
        .and_then(|bytes| parse_json::<T>(&bytes))
        .map(|command| (actor, command))
        .map_err(|e| ApiError::from_body(e, ctx).into_response())
}

/// Where a report stands after `action` (none for a classification).
async fn where_it_stands(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    case: &str,
    action: Option<hotline_domain::workflow::Action>,
) -> Response {
    match state.hotline.report(actor, case).await {
        Ok(view) => Json(StepTaken {
            action,
            stage: view.detail.procedure.stage,
            status: view.detail.summary.status,
            deadline: report_item(view.detail.summary).deadline,
        })
        .into_response(),
        Err(e) => ApiError::from_core(e, ctx).into_response(),
    }
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
    ctx: Ctx,
    headers: HeaderMap,
    axum::extract::Path(case): axum::extract::Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (actor, reply) = match staff_command::<CreateReply>(&state, &ctx, &headers, body).await {
        Ok(command) => command,
        Err(response) => return response,
    };
    match state
        .hotline
        .reply_to_reporter(&actor, &case, &reply.text)
        .await
    {
        Ok(sent) => (
            StatusCode::CREATED,
            Json(ReportMessage {
                direction: hotline_domain::Direction::Outbound,
                channel: sent.channel,
                text: sent.text,
                created_at: sent.at,
                delivery: Some(sent.delivery),
                send_error: None,
            }),
        )
            .into_response(),
        Err(e) => ApiError::from_core(e, &ctx).into_response(),
    }
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
    ctx: Ctx,
    headers: HeaderMap,
    axum::extract::Path(case): axum::extract::Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (actor, triage) = match staff_command::<CreateTriage>(&state, &ctx, &headers, body).await {
        Ok(command) => command,
        Err(response) => return response,
    };
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
    match state.hotline.triage(&actor, &case, &input).await {
        Ok(()) => where_it_stands(&state, &ctx, &actor, &case, None).await,
        Err(e) => ApiError::from_core(e, &ctx).into_response(),
    }
}

/// The accused's unit of a report about police conduct.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConductMark {
    /// `22` (a province's police), `22/6688` (a commune police), `22-pc02` (a department);
    /// never the ministry, under which every unit stands.
    pub accused_unit: String,
    /// `discipline` (the default: a denunciation under the Law on Denunciations) or
    /// `judicial_crime` (a crime in judicial work by investigation staff: referred to the
    /// Supreme Procuracy's investigation body, R14).
    #[serde(default)]
    pub nature: String,
}

/// Mark a report as about police conduct.
///
/// Names the accused's unit: from then on nobody in that unit or below it can read the report,
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
    ctx: Ctx,
    headers: HeaderMap,
    axum::extract::Path(case): axum::extract::Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (actor, mark) = match staff_command::<CreateConductMark>(&state, &ctx, &headers, body).await
    {
        Ok(command) => command,
        Err(response) => return response,
    };
    let nature = match mark.nature.parse() {
        Ok(nature) => nature,
        Err(e) => return ApiError::from_core(CoreError::Domain(e), &ctx).into_response(),
    };
    match state
        .hotline
        .mark_police_conduct(&actor, &case, &mark.accused_unit, nature)
        .await
    {
        Ok(_) => where_it_stands(&state, &ctx, &actor, &case, None).await,
        Err(e) => ApiError::from_core(e, &ctx).into_response(),
    }
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
    pub number: String,
    #[serde(default)]
    pub decided_on: String,
    #[serde(default)]
    pub signer: String,
    /// The grounds of a decision, or what was done; 10 to 4,000 characters.
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
    ctx: Ctx,
    headers: HeaderMap,
    axum::extract::Path(case): axum::extract::Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (actor, step) = match staff_command::<CreateStep>(&state, &ctx, &headers, body).await {
        Ok(command) => command,
        Err(response) => return response,
    };
    let input = hotline_core::procedure::StepInput {
        action: step.action.as_str(),
        number: &step.number,
        decided_on: &step.decided_on,
        signer: &step.signer,
        grounds: &step.grounds,
    };
    match state.hotline.take_step(&actor, &case, &input).await {
        Ok(taken) => where_it_stands(&state, &ctx, &actor, &case, Some(taken.action)).await,
        Err(e) => ApiError::from_core(e, &ctx).into_response(),
    }
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
        ("notice" = i64, Path, description = "The notice's id in the report document"),
    ),
    request_body = SendNotice,
    responses(
        (status = 204, description = "Sent"),
        (status = 400, description = "Unknown, sent already, or how it went is missing", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report within the caller's scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn send_notice(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    axum::extract::Path((case, notice)): axum::extract::Path<(String, i64)>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (actor, send) = match staff_command::<SendNotice>(&state, &ctx, &headers, body).await {
        Ok(command) => command,
        Err(response) => return response,
    };
    match state
        .hotline
        .send_notice(&actor, &case, notice, &send.via)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from_core(e, &ctx).into_response(),
    }
}

/// Search reports.
///
/// Reports within the caller's scope holding every word of `q`, with or without diacritics
/// and in any case; a case number finds that report; a phone number finds its owner's reports
/// (only for roles with clearance: 403 otherwise). Newest first. Audited, without the terms.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "reports",
    params(
        ("q" = String, Query, description = "Words, a case number or a phone number"),
        ("status" = Option<String>, Query, description = "Only reports in this status"),
        ("urgency" = Option<String>, Query, description = "Only reports of this urgency"),
        ("channel" = Option<String>, Query, description = "Only reports from this channel"),
        ("from" = Option<String>, Query, description = "Received on or after this day (YYYY-MM-DD, Vietnam)"),
        ("to" = Option<String>, Query, description = "Received on or before this day (YYYY-MM-DD, Vietnam)"),
        ("limit" = Option<u32>, Query, description = "How many, 1 to 500; default 50"),
    ),
    responses(
        (status = 200, body = SearchResults),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A phone-number search without clearance", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    uri: http::Uri,
) -> Response {
    let actor = match staff_actor(&state, &headers, &ctx).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let (Ok(limit), Ok(pairs)) = (
        list_limit(uri.query()),
        url_pairs(uri.query().unwrap_or_default().as_bytes()),
    ) else {
        return bad_limit(&ctx);
    };
    let query = pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    // The console's filters narrow the search here too (`status`, `urgency`, `channel`, …).
    let filter = crate::pages::InboxQuery::from_query(uri.query())
        .filter(actor.0.id, state.hotline.clock.now());
    match state
        .hotline
        .search_reports(&actor, query, &filter, limit)
        .await
    {
        Ok(hits) => Json(SearchResults {
            items: hits
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
        })
        .into_response(),
        Err(e) => ApiError::from_core(e, &ctx).into_response(),
    }
}

/// Reports found by a search, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<SearchItem>,
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

fn bad_limit(ctx: &Ctx) -> Response {
    let mut err = ApiError::new(StatusCode::BAD_REQUEST, "Invalid query", ctx).detail(format!(
        "limit must be a whole number from 1 to {MAX_LIST_LIMIT}"
    ));
    err.errors.push(InvalidParam {
        field: "limit".into(),
        code: "invalid".into(),
        message: format!("1..={MAX_LIST_LIMIT}"),
    });
    err.into_response()
}

/// A message added by the reporter.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMessage {
    /// More information, in the reporter's words; at most 20,000 characters.
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
const FOLLOW_UP_CODE: &str = "x-follow-up-code";

fn follow_up_code(headers: &HeaderMap) -> &str {
    headers
        .get(FOLLOW_UP_CODE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn follow_up_body(ctx: &Ctx, view: hotline_core::follow_up::FollowUpView) -> FollowUp {
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
        ("X-Follow-Up-Code" = String, Header, description = "The secret follow-up code"),
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
) -> Response {
    if let Err(e) = state.check_follow_up(ctx.client_ip) {
        return ApiError::from_core(e, &ctx).into_response();
    }
    let code = follow_up_code(&headers);
    match state.hotline.follow_up(&case, code).await {
        Ok(view) => Json(follow_up_body(&ctx, view)).into_response(),
        Err(e) => ApiError::from_core(e, &ctx).into_response(),
    }
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
        ("X-Follow-Up-Code" = String, Header, description = "The secret follow-up code"),
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
) -> Response {
    if let Err(e) = state.check_follow_up(ctx.client_ip) {
        return ApiError::from_core(e, &ctx).into_response();
    }
    let parsed = require_content_type(&headers, "application/json")
        .and_then(|()| read_body(body))
        .and_then(|bytes| parse_json::<AddMessage>(&bytes));
    let added = match parsed {
        Ok(added) => added,
        Err(e) => return ApiError::from_body(e, &ctx).into_response(),
    };
    let code = follow_up_code(&headers);
    let result = match state
        .hotline
        .add_reporter_message(&case, code, &added.text, &[])
        .await
    {
        Ok(()) => state.hotline.follow_up(&case, code).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(view) => (StatusCode::CREATED, Json(follow_up_body(&ctx, view))).into_response(),
        Err(e) => ApiError::from_core(e, &ctx).into_response(),
    }
}

fn list_limit(query: Option<&str>) -> Result<u32, ()> {
    let pairs = url_pairs(query.unwrap_or_default().as_bytes()).map_err(|_| ())?;
    match pairs.iter().rev().find(|(k, _)| k == "limit") {
        None => Ok(50),
        Some((_, v)) => match v.parse::<u32>() {
            Ok(n) if (1..=MAX_LIST_LIMIT).contains(&n) => Ok(n),
            _ => Err(()),
        },
    }
}

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hotline API",
        description = "Citizens' reports to the police: the generic API channel and staff scripts. Tokens: `hotline token create --user U`."
    ),
    paths(create_report, list_reports, get_report, create_reply, create_triage, create_conduct_mark, create_step, send_notice, search, follow_up, follow_up_add, crate::directory::directory_feed, crate::directory::directory_province_feed, crate::directory::directory_verify_api),
    components(schemas(CreateReport, CreateContact, ReportCreated, ReportItem, DeadlineItem, CreateTriage, CreateConductMark, CreateStep, StepTaken, SendNotice, ReportNotice, crate::directory::DirectoryFeed, crate::directory::FeedProvince, crate::directory::FeedLeader, crate::directory::FeedUnit, crate::directory::FeedContact, crate::directory::VerifyAnswer, crate::directory::VerifiedOwner, hotline_domain::directory::ContactKind, hotline_domain::hints::Hints, hotline_domain::hints::Confidence, hotline_domain::hints::PiiSpan, ReportList, ReportDocument, ReportMessage, ReportAttachment, CreateReply, SearchResults, SearchItem, SnippetPart, AddMessage, FollowUp, FollowUpMessage, Problem, InvalidParam)),
    modifiers(&BearerScheme),
    tags(
        (name = "reports", description = "Reports from any channel"),
        (name = "follow-up", description = "The reporter's view of their report, with the follow-up code"),
        (name = "directory", description = "The public hotline directory: published contact points, and checking one")
    )
)]
pub struct ApiDoc;

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_bounded() {
        assert_eq!(list_limit(None), Ok(50));
        assert_eq!(list_limit(Some("limit=500")), Ok(500));
        assert_eq!(list_limit(Some("limit=0")), Err(()));
        assert_eq!(list_limit(Some("limit=501")), Err(()));
        assert_eq!(list_limit(Some("limit=x")), Err(()));
    }
}
