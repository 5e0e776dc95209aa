//! Staff administration for scripts, under exactly the console's rules: an administrator's
//! token, members of the administrator's unit and below, nobody acting on themselves, and
//! roles that see identities or administer given only by two administrators.

use super::{staff_actor, staff_command};
use crate::AppState;
use crate::error::{ApiError, Problem};
use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hotline_core::CoreError;
use hotline_core::admin::{Granted, StaffChange, StaffRow};
use hotline_domain::Role;
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A staff member as administrators see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffItem {
    pub username: String,
    pub name: String,
    pub role: Role,
    /// The unit's code (`bca`, `22`, `22/6805`, `22-pc02`).
    pub unit: String,
    pub unit_name: String,
    pub disabled: bool,
    /// Whether they have enrolled a second factor.
    pub second_factor: bool,
}

impl From<StaffRow> for StaffItem {
    fn from(row: StaffRow) -> Self {
        StaffItem {
            username: row.member.username,
            name: row.member.display_name,
            role: row.member.role,
            unit: row.member.unit.to_string(),
            unit_name: row.member.unit_name,
            disabled: row.member.disabled,
            second_factor: row.second_factor,
        }
    }
}

/// A role grant waiting for a second administrator.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffGrantItem {
    pub id: i64,
    pub username: String,
    /// The grant creates the member.
    pub new_member: bool,
    pub role: Role,
    pub unit: String,
    pub disabled: bool,
    pub requested_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffList {
    /// By username.
    pub staff: Vec<StaffItem>,
    /// Oldest first.
    pub pending_approvals: Vec<StaffGrantItem>,
}

/// A new member.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStaff {
    /// Lower-case letters without diacritics, digits, dots or dashes; 3 to 64 characters.
    #[schema(pattern = r"^[a-z0-9.-]{3,64}$")]
    pub username: String,
    pub role: Role,
    /// A unit the administrator manages.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[a-z0-9]+([/-][a-z0-9]+)*$"
    )]
    pub unit: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub name: String,
    /// The first password, at least 10 characters, which the member changes at their first
    /// sign-in. For a role taking two administrators it is checked and not kept: the approval
    /// gives the member a password the approver hands over.
    #[schema(min_length = 10)]
    pub password: String,
}

/// A change to a member; what is absent stays as it is.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeStaff {
    pub role: Option<Role>,
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[a-z0-9]+([/-][a-z0-9]+)*$"
    )]
    pub unit: Option<String>,
    pub disabled: Option<bool>,
}

/// A change that waits for a second administrator's approval.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingApproval {
    /// Always true.
    pub pending_approval: bool,
    /// The grant's id, as the console's approval list shows it.
    pub grant: i64,
}

fn pending(grant: i64) -> Response {
    (
        StatusCode::ACCEPTED,
        Json(PendingApproval {
            pending_approval: true,
            grant,
        }),
    )
        .into_response()
}

/// List staff.
///
/// The members of the administrator's unit and of the units below it, and the role grants
/// there waiting for a second administrator.
#[utoipa::path(
    get,
    path = "/api/v1/staff",
    tag = "staff",
    responses(
        (status = 200, body = StaffList),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_staff(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<StaffList>, ApiError> {
    let actor = staff_actor(&state, &headers).await?;
    let staff = state.hotline.staff_list(&actor).await?;
    let grants = state.hotline.staff_grants(&actor).await?;
    Ok(Json(StaffList {
        staff: staff.into_iter().map(StaffItem::from).collect(),
        pending_approvals: grants
            .into_iter()
            .map(|g| StaffGrantItem {
                id: g.id,
                new_member: g.staff.is_none(),
                username: g.username,
                role: g.role,
                unit: g.unit.to_string(),
                disabled: g.disabled,
                requested_at: g.requested_at,
                expires_at: g.expires_at,
            })
            .collect(),
    }))
}

/// Create a member.
///
/// In a unit the administrator manages. A role that sees identities, reads every unit's
/// reveal log or administers (director, unit_leader, inspector, auditor, administrator)
/// waits for a second administrator's approval: 202. Audited.
#[utoipa::path(
    post,
    path = "/api/v1/staff",
    tag = "staff",
    request_body = CreateStaff,
    responses(
        (status = 201, description = "Created", body = StaffItem),
        (status = 202, description = "Waiting for a second administrator", body = PendingApproval),
        (status = 400, description = "Invalid input, or a unit the administrator does not manage", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The username is taken", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_staff(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (actor, new) = staff_command::<CreateStaff>(&state, &headers, body).await?;
    let granted = state
        .hotline
        .create_staff(
            &actor,
            &new.username,
            &new.name,
            new.role,
            &new.unit,
            &new.password,
        )
        .await?;
    match granted {
        Granted::Done(member) => {
            let second_factor = false;
            let row = StaffRow {
                member,
                second_factor,
            };
            Ok((StatusCode::CREATED, Json(StaffItem::from(row))).into_response())
        }
        Granted::AwaitingApproval(grant) => Ok(pending(grant)),
    }
}

/// Change a member.
///
/// Role, unit, or whether the account is disabled, for a member of a unit the administrator
/// manages (404 otherwise; 403 for oneself). The member's sessions and API tokens end. A
/// change that gives a role taking two administrators waits for the second one: 202. Audited.
#[utoipa::path(
    patch,
    path = "/api/v1/staff/{username}",
    tag = "staff",
    params(("username" = String, Path, description = "e.g. qn.trucban")),
    request_body = ChangeStaff,
    responses(
        (status = 200, description = "Changed", body = StaffItem),
        (status = 202, description = "Waiting for a second administrator", body = PendingApproval),
        (status = 400, description = "Invalid input, or a unit the administrator does not manage", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator, or the caller themselves", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member within the caller's units", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn change_staff(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(username): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (actor, change) = staff_command::<ChangeStaff>(&state, &headers, body).await?;
    let username = username.trim().to_lowercase();
    let member_of = async || -> Result<StaffItem, ApiError> {
        state
            .hotline
            .staff_list(&actor)
            .await?
            .into_iter()
            .find(|row| row.member.username == username)
            .map(StaffItem::from)
            .ok_or_else(|| CoreError::NotFound.into())
    };
    let now = member_of().await?;
    let update = StaffChange::Update {
        role: change.role.unwrap_or(now.role),
        unit: change.unit.unwrap_or(now.unit),
        disabled: change.disabled.unwrap_or(now.disabled),
    };
    match state
        .hotline
        .change_staff(&actor, &username, update)
        .await?
    {
        Granted::Done(()) => Ok(Json(member_of().await?).into_response()),
        Granted::AwaitingApproval(grant) => Ok(pending(grant)),
    }
}
