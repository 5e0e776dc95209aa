//! The JSON API (`/api/v1`): the generic channel any integration can submit through, the report
//! list for scripts, and the OpenAPI document generated from these definitions.

mod follow_up;
mod handling;
mod reports;
mod search;
mod staff;
mod statistics;

pub use follow_up::*;
pub use handling::*;
pub use reports::*;
pub use search::*;
pub use staff::*;
pub use statistics::*;

use crate::AppState;
use crate::error::{ApiError, InvalidParam, Problem};
use crate::extract::{parse_json, read_body, require_content_type, url_pairs};
use axum::Json;
use axum::Router;
use axum::extract::rejection::BytesRejection;
use axum::routing::{get, patch, post};
use bytes::Bytes;
use hotline_core::reports::MAX_LIST_LIMIT;
use hotline_core::{Actor, CoreError};
use http::{HeaderMap, StatusCode, header};
use utoipa::OpenApi;

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn api_actor(state: &AppState, headers: &HeaderMap) -> Result<Option<Actor>, ApiError> {
    match bearer(headers) {
        None => Ok(None),
        Some(token) => Ok(Some(state.hotline.api_actor(token).await?)),
    }
}

/// The staff member behind the bearer token; a request without one is refused.
async fn staff_actor(state: &AppState, headers: &HeaderMap) -> Result<Actor, ApiError> {
    api_actor(state, headers)
        .await?
        .ok_or_else(|| CoreError::Unauthenticated.into())
}

/// A staff member's JSON command: the member behind the token and the parsed body, or the
/// answer that refuses it.
async fn staff_command<T: serde::de::DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Actor, T), ApiError> {
    let actor = staff_actor(state, headers).await?;
    require_content_type(headers, "application/json")?;
    let command = parse_json::<T>(&read_body(body)?)?;
    Ok((actor, command))
}

fn bad_limit() -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "Invalid query")
        .detail(format!(
            "limit must be a whole number from 1 to {MAX_LIST_LIMIT}"
        ))
        .field("limit", "invalid", format!("1..={MAX_LIST_LIMIT}"))
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

/// The answers every operation can give besides its own, added where the operation does not
/// name them itself: 503 when its lane is full or the store away (`lanes`), 400 for what
/// takes input, 408, 413 and 415 for what takes a body, 401 and 403 behind a token, 404 for
/// what names a record. Each is a problem document; 429 and 503 say when to try again.
struct CommonAnswers;

impl utoipa::Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let parameters = operation.parameters.as_deref().unwrap_or_default();
                let takes_query = parameters
                    .iter()
                    .any(|p| !matches!(p.parameter_in, ParameterIn::Path));
                let names_record = parameters
                    .iter()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Path));
                let takes_body = operation.request_body.is_some();
                let behind_token = operation.security.as_ref().is_some_and(|security| {
                    serde_json::to_string(security).is_ok_and(|s| s.contains("bearer"))
                });
                let mut answers = Vec::new();
                if takes_query || takes_body || names_record {
                    answers.push((
                        "400",
                        "Invalid or malformed input; `errors` names each field",
                    ));
                }
                if behind_token {
                    answers.push(("401", "Missing or invalid token"));
                    answers.push(("403", "The token's staff member may not do this"));
                }
                if names_record {
                    answers.push(("404", "No such record within the caller's scope"));
                }
                if takes_query || takes_body || names_record {
                    answers.push((
                        "409",
                        "Not possible in the record's present state (a step out of turn, sent already, changed meanwhile); `errors` names why",
                    ));
                    answers.push((
                        "422",
                        "Well-formed, but naming what does not exist or does not fit (an unknown unit or commune, a commune outside the province); `errors` names each field and why",
                    ));
                }
                if takes_body {
                    answers.push(("408", "The body stopped arriving; nothing was done"));
                    answers.push(("413", "Body too large"));
                    answers.push(("415", "Not `application/json`"));
                }
                answers.push((
                    "503",
                    "Too many requests at once, or the store is away; nothing was done. Try again after `Retry-After` seconds",
                ));
                for (status, description) in answers {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem_answer(description).into());
                }
                for status in ["429", "503"] {
                    if let Some(utoipa::openapi::RefOr::T(answer)) =
                        operation.responses.responses.get_mut(status)
                    {
                        answer
                            .headers
                            .entry("Retry-After".to_owned())
                            .or_insert_with(retry_after_header);
                    }
                }
            }
        }
    }
}

fn problem_answer(description: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

fn retry_after_header() -> utoipa::openapi::header::Header {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    utoipa::openapi::header::HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1)),
        )
        .description(Some("Seconds to wait before trying again"))
        .build()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hotline API",
        description = "Citizens' reports to the police: the generic API channel and staff scripts. Tokens: `hotline token create --user U`."
    ),
    paths(create_report, list_reports, get_report, create_reply, create_triage, create_conduct_mark, create_step, send_notice, search, follow_up, follow_up_add, crate::directory::directory_feed, crate::directory::directory_province_feed, crate::directory::directory_verify_api, list_staff, create_staff, change_staff, stats),
    components(schemas(CreateReport, CreateContact, ReportCreated, ReportItem, DeadlineItem, CreateTriage, CreateConductMark, CreateStep, StepTaken, SendNotice, ReportNotice, crate::directory::DirectoryFeed, crate::directory::FeedProvince, crate::directory::FeedLeader, crate::directory::FeedUnit, crate::directory::FeedContact, crate::directory::VerifyAnswer, crate::directory::VerifiedOwner, hotline_domain::directory::ContactKind, hotline_domain::hints::Hints, hotline_domain::hints::Confidence, hotline_domain::hints::PiiSpan, ReportList, ReportDocument, ReportMessage, ReportAttachment, CreateReply, SearchResults, SearchItem, SnippetPart, AddMessage, FollowUp, FollowUpMessage, Problem, InvalidParam, StaffList, StaffItem, StaffGrantItem, CreateStaff, ChangeStaff, PendingApproval, StatsSeries, StatsPoint, StatsPrevious, hotline_domain::statistics::Figures, hotline_domain::statistics::Timing, hotline_domain::statistics::GroupBy)),
    modifiers(&BearerScheme, &CommonAnswers),
    tags(
        (name = "reports", description = "Reports from any channel"),
        (name = "follow-up", description = "The reporter's view of their report, with the follow-up code"),
        (name = "staff", description = "Staff administration, for administrators' tokens, under the console's rules"),
        (name = "directory", description = "The public hotline directory: published contact points, and checking one"),
        (name = "statistics", description = "Figures for leaders and dashboards, from reports' metadata only")
    )
)]
pub struct ApiDoc;

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The JSON API's routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports", get(list_reports).post(create_report))
        .route("/api/v1/reports/{case}", get(get_report))
        .route("/api/v1/reports/{case}/replies", post(create_reply))
        .route("/api/v1/reports/{case}/triage", post(create_triage))
        .route(
            "/api/v1/reports/{case}/police-conduct",
            post(create_conduct_mark),
        )
        .route("/api/v1/reports/{case}/steps", post(create_step))
        .route("/api/v1/reports/{case}/notices/{notice}", post(send_notice))
        .route("/api/v1/search", get(search))
        .route("/api/v1/staff", get(list_staff).post(create_staff))
        .route("/api/v1/staff/{username}", patch(change_staff))
        .route(
            "/api/v1/reports/{case}/follow-up",
            get(follow_up).post(follow_up_add),
        )
        .route("/api/v1/stats", get(stats))
        .route("/api/v1/openapi.json", get(openapi))
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

    /// The document outside tools check the API against: a change to it is deliberate, made
    /// by running this test with `HOTLINE_UPDATE_OPENAPI=1` and committing `docs/openapi.json`.
    #[test]
    fn the_openapi_document_is_the_one_in_docs() {
        #![allow(clippy::expect_used)]
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
        let current = ApiDoc::openapi()
            .to_pretty_json()
            .expect("the document serialises")
            + "\n";
        if std::env::var_os("HOTLINE_UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, &current).expect("docs/openapi.json is writable");
        }
        let kept = std::fs::read_to_string(&path).expect("docs/openapi.json is readable");
        assert!(
            kept == current,
            "the API's OpenAPI document changed: if that is meant, run this test with \
             HOTLINE_UPDATE_OPENAPI=1 and commit docs/openapi.json"
        );
    }
}
