//! The administrators' pages: the staff list, new members, and changes to a member; the units,
//! new departments, and names.

use super::{Chrome, PostedForm, StaffPage, render};
use crate::AppState;
use crate::error::{PageError, field_message};
use crate::extract::Ctx;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hotline_core::admin::StaffChange;
use hotline_core::{Actor, CoreError};
use hotline_domain::{DomainError, Role, UnitKind};
use http::StatusCode;

pub struct StaffLine {
    pub username: String,
    pub name: String,
    pub role: &'static str,
    pub role_label: String,
    pub unit: String,
    pub unit_name: String,
    pub disabled: bool,
    pub second_factor: bool,
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
    roles: Vec<RoleOption>,
    /// The one-click changes, as (action, label).
    actions: Vec<(&'static str, String)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn staff_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let rows = match state.hotline.staff_list(actor).await {
        Ok(rows) => rows,
        Err(e) => return PageError::from_core(e, ctx).into_response(),
    };
    let page = AdminStaffPage {
        c: Chrome::new(ctx, Some(actor)),
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
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| RoleOption {
                value: r.as_str(),
                label: ctx.tr.t(&format!("role-{r}")),
            })
            .collect(),
        actions: ["reset-second-factor", "end-sessions", "revoke-tokens"]
            .into_iter()
            .map(|action| (action, ctx.tr.t(&format!("admin-{action}"))))
            .collect(),
        notice,
        error,
    };
    render(status, &page, ctx)
}

/// The staff list, for administrators.
pub async fn admin_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Response {
    staff_page(&state, &ctx, &actor, StatusCode::OK, None, None).await
}

/// What a change on an administration page shows with the list again (status, notice,
/// error), or the error page. Field errors are worded from `field-{prefix}{field}-{code}`.
type Shown = Result<(StatusCode, Option<String>, Option<String>), Box<Response>>;

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
        Err(e) => Err(Box::new(PageError::from_core(e, ctx).into_response())),
    }
}

/// After a change: the list again, with what happened or why not.
async fn after_change(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    done: Result<String, CoreError>,
) -> Response {
    match shown(ctx, done, "") {
        Ok((status, notice, error)) => staff_page(state, ctx, actor, status, notice, error).await,
        Err(page) => *page,
    }
}

/// Creates a member.
pub async fn admin_create_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm,
) -> Response {
    let done = match form.get("role").parse::<Role>() {
        Ok(role) => state
            .hotline
            .create_staff(
                &actor,
                form.get("username"),
                form.get("name"),
                role,
                form.get("unit"),
                form.get("password"),
            )
            .await
            .map(|member| ctx.tr.t1("admin-created", "username", member.username)),
        Err(_) => Err(DomainError::field("role", "unknown").into()),
    };
    after_change(&state, &ctx, &actor, done).await
}

/// Changes a member: role, unit, disabled; or resets their second factor, ends their
/// sessions, revokes their tokens.
pub async fn admin_change_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(username): Path<String>,
    PostedForm(form): PostedForm,
) -> Response {
    let change = match form.get("action") {
        "update" => match form.get("role").parse::<Role>() {
            Ok(role) => Some(StaffChange::Update {
                role,
                unit: form.get("unit").to_owned(),
                disabled: form.get("disabled") == "1",
            }),
            Err(_) => None,
        },
        "reset-second-factor" => Some(StaffChange::ResetSecondFactor),
        "end-sessions" => Some(StaffChange::EndSessions),
        "revoke-tokens" => Some(StaffChange::RevokeTokens),
        _ => None,
    };
    let Some(change) = change else {
        return PageError::new(StatusCode::BAD_REQUEST, "error-bad-request", &ctx).into_response();
    };
    let done = state
        .hotline
        .change_staff(&actor, &username, change)
        .await
        .map(|()| ctx.tr.t1("admin-changed", "username", username.clone()));
    after_change(&state, &ctx, &actor, done).await
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
) -> Response {
    let units = match state.hotline.units_list(actor).await {
        Ok(units) => units,
        Err(e) => return PageError::from_core(e, ctx).into_response(),
    };
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
    render(status, &page, ctx)
}

/// The units an administrator manages.
pub async fn admin_units(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Response {
    units_page(&state, &ctx, &actor, StatusCode::OK, None, None).await
}

/// After a change to units: the list again, with what happened or why not.
async fn after_unit_change(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    done: Result<String, CoreError>,
) -> Response {
    match shown(ctx, done, "unit_") {
        Ok((status, notice, error)) => units_page(state, ctx, actor, status, notice, error).await,
        Err(page) => *page,
    }
}

/// Creates a department.
pub async fn admin_create_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm,
) -> Response {
    let done = state
        .hotline
        .create_department(
            &actor,
            form.get("parent"),
            form.get("suffix"),
            form.get("name"),
        )
        .await
        .map(|unit| ctx.tr.t1("units-created", "name", unit.name));
    after_unit_change(&state, &ctx, &actor, done).await
}

/// Renames a unit below the province.
pub async fn admin_rename_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm,
) -> Response {
    let done = state
        .hotline
        .rename_unit(&actor, form.get("code"), form.get("name"))
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
}
