//! The JSON API (`/api/v1`): the generic channel any integration can submit through, the report
//! list for scripts, and the OpenAPI document generated from these definitions.

mod follow_up;
mod handling;
mod reports;
mod search;
mod staff;

pub use follow_up::*;
pub use handling::*;
pub use reports::*;
pub use search::*;
pub use staff::*;

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

fn bearer(headers: &HeaderMap) -> Option<&str> {
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

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hotline API",
        description = "Citizens' reports to the police: the generic API channel and staff scripts. Tokens: `hotline token create --user U`."
    ),
    paths(create_report, list_reports, get_report, create_reply, create_triage, create_conduct_mark, create_step, send_notice, search, follow_up, follow_up_add, crate::directory::directory_feed, crate::directory::directory_province_feed, crate::directory::directory_verify_api, list_staff, create_staff, change_staff),
    components(schemas(CreateReport, CreateContact, ReportCreated, ReportItem, DeadlineItem, CreateTriage, CreateConductMark, CreateStep, StepTaken, SendNotice, ReportNotice, crate::directory::DirectoryFeed, crate::directory::FeedProvince, crate::directory::FeedLeader, crate::directory::FeedUnit, crate::directory::FeedContact, crate::directory::VerifyAnswer, crate::directory::VerifiedOwner, hotline_domain::directory::ContactKind, hotline_domain::hints::Hints, hotline_domain::hints::Confidence, hotline_domain::hints::PiiSpan, ReportList, ReportDocument, ReportMessage, ReportAttachment, CreateReply, SearchResults, SearchItem, SnippetPart, AddMessage, FollowUp, FollowUpMessage, Problem, InvalidParam, StaffList, StaffItem, StaffGrantItem, CreateStaff, ChangeStaff, PendingApproval)),
    modifiers(&BearerScheme),
    tags(
        (name = "reports", description = "Reports from any channel"),
        (name = "follow-up", description = "The reporter's view of their report, with the follow-up code"),
        (name = "staff", description = "Staff administration, for administrators' tokens, under the console's rules"),
        (name = "directory", description = "The public hotline directory: published contact points, and checking one")
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
