//! The administrators' pages: the staff list, new members, and changes to a member; the units,
//! new departments, and names.

use super::{Chrome, PostedForm, StaffPage, render, vn_time};
use crate::AppState;
use crate::error::{PageError, field_message};
use crate::extract::Ctx;
use crate::extract::checked;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use hotline_core::admin::{Granted, StaffChange};
use hotline_core::{Actor, CoreError};
use hotline_domain::{DomainError, Role, UnitKind};
use http::StatusCode;
use serde::Deserialize;

pub struct StaffLine {
    pub username: String,
    pub name: String,
    pub role: &'static str,
    pub role_label: String,
    pub unit: String,
    pub unit_name: String,
    pub disabled: bool,
    pub second_factor: bool,
    pub rank: &'static str,
    /// Rank and post in words, as the register shows them; empty when not recorded.
    pub title: String,
    pub post: String,
}

/// A role given that waits for a second administrator.
pub struct GrantLine {
    pub id: i64,
    pub username: String,
    /// The grant creates the member.
    pub new_member: bool,
    pub role_label: String,
    pub unit: String,
    pub unit_name: String,
    pub disabled: bool,
    pub requester: String,
    pub requested_at: String,
    pub expires_at: String,
    /// Asked for by the reader (or about them): they may withdraw it, not approve it.
    pub own: bool,
}

pub struct RoleOption {
    pub value: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "admin_staff.html")]
struct AdminStaffPage {
    c: Chrome,
    staff: Vec<StaffLine>,
    grants: Vec<GrantLine>,
    roles: Vec<RoleOption>,
    /// The ranks, as (value, label), "not recorded" first.
    ranks: Vec<(&'static str, String)>,
    /// The one-click changes, as (action, label).
    actions: Vec<(&'static str, String)>,
    notice: Option<String>,
    /// A first password the approval of a grant just gave, for the approver to hand over:
    /// (username, password), shown this once.
    issued: Option<(String, String)>,
    error: Option<String>,
}

async fn staff_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    status: StatusCode,
    (notice, issued): (Option<String>, Option<(String, String)>),
    error: Option<String>,
) -> Result<Response, PageError> {
    let rows = state.hotline.staff_list(actor).await?;
    let grants = state.hotline.staff_grants(actor).await?;
    let page = AdminStaffPage {
        c: Chrome::new(ctx, Some(actor)),
        grants: grants
            .into_iter()
            .map(|g| GrantLine {
                id: g.id,
                new_member: g.staff.is_none(),
                own: g.requested_by == actor.0.id || g.staff == Some(actor.0.id),
                role_label: ctx.tr.t(&format!("role-{}", g.role)),
                username: g.username,
                unit: g.unit.to_string(),
                unit_name: g.unit_name,
                disabled: g.disabled,
                requester: g.requester,
                requested_at: vn_time(g.requested_at),
                expires_at: vn_time(g.expires_at),
            })
            .collect(),
        staff: rows
            .into_iter()
            .map(|row| StaffLine {
                role: row.member.role.as_str(),
                role_label: ctx.tr.t(&format!("role-{}", row.member.role)),
                username: row.member.username,
                name: row.member.display_name,
                unit: row.member.unit.to_string(),
                unit_name: row.member.unit_name,
                disabled: row.member.disabled,
                second_factor: row.second_factor,
                rank: row.member.rank.map_or("", |r| r.as_str()),
                title: crate::pages::officer_title(
                    ctx,
                    row.member.rank,
                    row.member.post.as_deref(),
                ),
                post: row.member.post.unwrap_or_default(),
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| RoleOption {
                value: r.as_str(),
                label: ctx.tr.t(&format!("role-{r}")),
            })
            .collect(),
        ranks: std::iter::once(("", ctx.tr.t("rank-none")))
            .chain(
                hotline_domain::receipt::PoliceRank::ALL
                    .iter()
                    .map(|r| (r.as_str(), ctx.tr.t(&format!("rank-{r}")))),
            )
            .collect(),
        actions: [
            "reset-second-factor",
            "end-sessions",
            "revoke-tokens",
            "unlock-sign-in",
        ]
        .into_iter()
        .map(|action| (action, ctx.tr.t(&format!("admin-{action}"))))
        .collect(),
        notice,
        issued,
        error,
    };
    render(status, &page)
}

/// The staff list, for administrators.
pub async fn admin_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Result<Response, PageError> {
    staff_page(&state, &ctx, &actor, StatusCode::OK, (None, None), None).await
}

/// What a change on an administration page shows with the list again (status, notice,
/// error), or the error page. Field errors are worded from `field-{prefix}{field}-{code}`.
type Shown = Result<(StatusCode, Option<String>, Option<String>), PageError>;

fn shown(ctx: &Ctx, done: Result<String, CoreError>, prefix: &str) -> Shown {
    match done {
        Ok(notice) => Ok((StatusCode::OK, Some(notice), None)),
        Err(CoreError::Domain(DomainError::Invalid(errors))) => Ok((
            StatusCode::BAD_REQUEST,
            None,
            errors
                .first()
                .map(|e| field_message(&ctx.tr, &format!("{prefix}{}", e.field), e.code)),
        )),
        Err(CoreError::Conflict(_)) => Ok((
            StatusCode::CONFLICT,
            None,
            Some(ctx.tr.t("admin-username-taken")),
        )),
        // After the administrator check, what is refused is acting on oneself.
        Err(CoreError::Forbidden) => Ok((
            StatusCode::FORBIDDEN,
            None,
            Some(ctx.tr.t("admin-not-yourself")),
        )),
        Err(e) => Err(e.into()),
    }
}

/// After a change: the list again, with what happened or why not.
async fn after_change(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    done: Result<String, CoreError>,
) -> Result<Response, PageError> {
    let (status, notice, error) = shown(ctx, done, "")?;
    staff_page(state, ctx, actor, status, (notice, None), error).await
}

/// The fields of [`admin_create_staff`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminCreateStaffForm {
    role: String,
    username: String,
    name: String,
    unit: String,
    password: String,
}

/// Creates a member.
pub async fn admin_create_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<AdminCreateStaffForm>,
) -> Result<Response, PageError> {
    let done = match form.role.parse::<Role>() {
        Ok(role) => state
            .hotline
            .create_staff(
                &actor,
                &form.username,
                &form.name,
                role,
                &form.unit,
                &form.password,
            )
            .await
            .map(|granted| match granted {
                Granted::Done(member) => ctx.tr.t1("admin-created", "username", member.username),
                Granted::AwaitingApproval(_) => ctx.tr.t1(
                    "admin-awaiting",
                    "username",
                    form.username.trim().to_lowercase(),
                ),
            }),
        Err(_) => Err(DomainError::field("role", "unknown").into()),
    };
    after_change(&state, &ctx, &actor, done).await
}

/// The fields of [`admin_change_staff`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminChangeStaffForm {
    action: String,
    role: String,
    unit: String,
    rank: String,
    post: String,
    #[serde(deserialize_with = "checked")]
    disabled: bool,
}

/// Changes a member: role, unit, disabled; or resets their second factor, ends their
/// sessions, revokes their tokens.
pub async fn admin_change_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(username): Path<String>,
    PostedForm(form): PostedForm<AdminChangeStaffForm>,
) -> Result<Response, PageError> {
    let change = match form.action.as_str() {
        "update" => match form.role.parse::<Role>() {
            Ok(role) => Some(StaffChange::Update {
                role,
                unit: form.unit.to_owned(),
                disabled: form.disabled,
            }),
            Err(_) => None,
        },
        "reset-second-factor" => Some(StaffChange::ResetSecondFactor),
        "end-sessions" => Some(StaffChange::EndSessions),
        "revoke-tokens" => Some(StaffChange::RevokeTokens),
        "unlock-sign-in" => Some(StaffChange::UnlockSignIn),
        "title" => Some(StaffChange::Title {
            rank: form.rank.clone(),
            post: form.post.clone(),
        }),
        _ => None,
    };
    let Some(change) = change else {
        return Err(PageError::new(StatusCode::BAD_REQUEST, "error-bad-request"));
    };
    let done = state
        .hotline
        .change_staff(&actor, &username, change)
        .await
        .map(|granted| match granted {
            Granted::Done(()) => ctx.tr.t1("admin-changed", "username", username.clone()),
            Granted::AwaitingApproval(_) => {
                ctx.tr.t1("admin-awaiting", "username", username.clone())
            }
        });
    after_change(&state, &ctx, &actor, done).await
}

/// The fields of [`admin_decide_grant`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminDecideGrantForm {
    decision: String,
}

/// Approves or refuses (withdraws) a role waiting for a second administrator.
pub async fn admin_decide_grant(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(id): Path<i64>,
    PostedForm(form): PostedForm<AdminDecideGrantForm>,
) -> Result<Response, PageError> {
    let approve = match form.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(PageError::new(StatusCode::BAD_REQUEST, "error-bad-request")),
    };
    let decided = state.hotline.decide_staff_grant(&actor, id, approve).await;
    let issued = decided.as_ref().ok().cloned().flatten();
    let done = decided.map(|_| {
        ctx.tr.t(if approve {
            "admin-grant-approved"
        } else {
            "admin-grant-refused"
        })
    });
    let (status, notice, error) = shown(&ctx, done, "")?;
    staff_page(&state, &ctx, &actor, status, (notice, issued), error).await
}

pub struct UnitLine {
    pub code: String,
    pub name: String,
    pub kind_label: String,
    /// How far below the administrator's own unit, for indenting.
    pub depth: usize,
    /// Below the province: its name is the administrator's to keep right.
    pub renamable: bool,
}

#[derive(Template)]
#[template(path = "admin_units.html")]
struct AdminUnitsPage {
    c: Chrome,
    units: Vec<UnitLine>,
    /// Units a department can be created under (code, name).
    parents: Vec<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn units_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let units = state.hotline.units_list(actor).await?;
    // By path, a parent comes before its children.
    let mut depths: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for u in &units {
        let depth = u
            .parent
            .as_ref()
            .and_then(|p| depths.get(p.as_str()))
            .map_or(0, |d| d + 1);
        depths.insert(u.code.to_string(), depth);
    }
    let page = AdminUnitsPage {
        c: Chrome::new(ctx, Some(actor)),
        parents: units
            .iter()
            .filter(|u| u.kind != UnitKind::CommunePolice)
            .map(|u| (u.code.to_string(), u.name.clone()))
            .collect(),
        units: units
            .into_iter()
            .map(|u| UnitLine {
                depth: depths.get(u.code.as_str()).copied().unwrap_or_default(),
                renamable: matches!(u.kind, UnitKind::Department | UnitKind::CommunePolice),
                kind_label: ctx.tr.t(&format!("unit-kind-{}", u.kind)),
                code: u.code.to_string(),
                name: u.name,
            })
            .collect(),
        notice,
        error,
    };
    render(status, &page)
}

/// The units an administrator manages.
pub async fn admin_units(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Result<Response, PageError> {
    units_page(&state, &ctx, &actor, StatusCode::OK, None, None).await
}

/// After a change to units: the list again, with what happened or why not.
async fn after_unit_change(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    done: Result<String, CoreError>,
) -> Result<Response, PageError> {
    let (status, notice, error) = shown(ctx, done, "unit_")?;
    units_page(state, ctx, actor, status, notice, error).await
}

/// The fields of [`admin_create_unit`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminCreateUnitForm {
    parent: String,
    suffix: String,
    name: String,
}

/// Creates a department.
pub async fn admin_create_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<AdminCreateUnitForm>,
) -> Result<Response, PageError> {
    let done = state
        .hotline
        .create_department(&actor, &form.parent, &form.suffix, &form.name)
        .await
        .map(|unit| ctx.tr.t1("units-created", "name", unit.name));
    after_unit_change(&state, &ctx, &actor, done).await
}

/// The fields of [`admin_rename_unit`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminRenameUnitForm {
    code: String,
    name: String,
}

/// Renames a unit below the province.
pub async fn admin_rename_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<AdminRenameUnitForm>,
) -> Result<Response, PageError> {
    let done = state
        .hotline
        .rename_unit(&actor, &form.code, &form.name)
        .await
        .map(|unit| ctx.tr.t1("units-renamed", "name", unit.name));
    after_unit_change(&state, &ctx, &actor, done).await
}

/// This module's pages and the forms they post.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/console/admin/staff",
            get(admin_staff).post(admin_create_staff),
        )
        .route(
            "/console/admin/units",
            get(admin_units).post(admin_create_unit),
        )
        .route("/console/admin/units/rename", post(admin_rename_unit))
        .route("/console/admin/staff/{username}", post(admin_change_staff))
        .route("/console/admin/staff-grants/{id}", post(admin_decide_grant))
}
