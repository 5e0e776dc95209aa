//! The directory's administration (`/console/admin/directory`): a province's leaders, lines,
//! past positions and allowed frame origins, with a form for each change. Every change is
//! audited and counted in the province's public "last updated" line.

use super::{Chrome, PostedForm, StaffPage, render};
use crate::AppState;
use crate::directory::vn_day;
use crate::error::{PageError, field_message};
use crate::extract::{Ctx, checked};
use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::{get, post};
use hotline_core::directory::{ContactInput, ContactView, LeaderView, PositionInput};
use hotline_core::{Actor, CoreError};
use hotline_domain::directory::ContactKind;
use hotline_domain::{DomainError, UnitCode};
use http::StatusCode;
use serde::Deserialize;

pub struct AdminContact {
    pub id: i64,
    pub kind: &'static str,
    pub kind_name: String,
    pub display: String,
    pub address: String,
    pub label: String,
    pub public: bool,
    pub hours: String,
    pub verified_on: String,
    pub verified: String,
    pub listening: String,
    pub listening_id: String,
    pub sort: i32,
    pub unit: String,
    pub position: String,
}

pub struct AdminLeader {
    pub position_id: i64,
    pub name: String,
    pub title: String,
    pub unit_name: String,
    pub since: String,
    pub until: String,
    pub contacts: Vec<AdminContact>,
}

pub struct AdminUnitLines {
    pub unit_name: String,
    pub lines: Vec<AdminContact>,
}

#[derive(Template)]
#[template(path = "admin_directory.html")]
pub struct AdminDirectoryPage {
    pub c: Chrome,
    pub slug: String,
    pub police_name: String,
    pub provinces: Vec<(String, String)>,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub updated: String,
    pub leaders: Vec<AdminLeader>,
    pub units: Vec<AdminUnitLines>,
    pub past: Vec<AdminLeader>,
    pub unit_choices: Vec<(String, String)>,
    pub people: Vec<(String, String)>,
    pub accounts: Vec<(i64, String)>,
    pub owners: Vec<(i64, String)>,
    pub kinds: Vec<(&'static str, String)>,
    pub origins: String,
    pub widget_snippet: String,
}

fn admin_contact(
    ctx: &Ctx,
    c: &ContactView,
    unit: &UnitCode,
    position: Option<i64>,
) -> AdminContact {
    AdminContact {
        id: c.id,
        kind: c.address.kind.as_str(),
        kind_name: ctx
            .tr
            .t(&format!("contact-kind-{}", c.address.kind.as_str())),
        display: c.display.clone(),
        address: c.address.address.clone(),
        label: c.label.clone().unwrap_or_default(),
        public: c.public,
        hours: c.hours.clone().unwrap_or_default(),
        verified_on: c.verified_on.map(|d| d.to_string()).unwrap_or_default(),
        verified: c.verified_on.map(vn_day).unwrap_or_default(),
        listening: c.listening.clone().unwrap_or_default(),
        listening_id: c.listening_id.map(|id| id.to_string()).unwrap_or_default(),
        sort: c.sort,
        unit: unit.to_string(),
        position: position.map(|p| p.to_string()).unwrap_or_default(),
    }
}

fn admin_leader(ctx: &Ctx, l: &LeaderView) -> AdminLeader {
    AdminLeader {
        position_id: l.position_id,
        name: l.name_with_rank(),
        title: l.title.clone(),
        unit_name: l.unit_name.clone(),
        since: vn_day(l.started_on),
        until: l.ended_on.map(vn_day).unwrap_or_default(),
        contacts: l
            .contacts
            .iter()
            .map(|c| admin_contact(ctx, c, &l.unit, Some(l.position_id)))
            .collect(),
    }
}

/// Text as it must be written inside a double-quoted HTML attribute of the portal's page.
fn attribute_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The province an administrator works on: the one asked for, else their own, else the first.
fn chosen_province(state: &AppState, actor: &Actor, asked: &str) -> Option<(u32, String)> {
    let places = &state.hotline.places;
    places
        .province_by_slug(asked)
        .or_else(|| match actor.0.unit.shape() {
            hotline_domain::unit::UnitShape::Province(p)
            | hotline_domain::unit::UnitShape::Commune(p, _) => places.province(p),
            _ => None,
        })
        .or_else(|| places.provinces().first())
        .map(|p| (p.code, p.slug.clone()))
}

async fn directory_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    slug: &str,
    (status, notice, error): (StatusCode, Option<String>, Option<String>),
) -> Result<Response, PageError> {
    let Some((code, slug)) = chosen_province(state, actor, slug) else {
        return Err(PageError::new(StatusCode::NOT_FOUND, "error-not-found"));
    };
    let admin = state.hotline.directory_for_admin(actor, code).await?;
    let d = &admin.directory;
    let leaders: Vec<AdminLeader> = d.leaders.iter().map(|l| admin_leader(ctx, l)).collect();
    let owners = leaders
        .iter()
        .map(|l| (l.position_id, format!("{} · {}", l.name, l.title)))
        .collect();
    let page = AdminDirectoryPage {
        c: Chrome::new(ctx, Some(actor)),
        police_name: d.police_name.clone(),
        provinces: state
            .hotline
            .places
            .provinces()
            .iter()
            .map(|p| (p.slug.clone(), p.name.clone()))
            .collect(),
        notice,
        error,
        updated: d
            .updated_at
            .map(|at| ctx.tr.t1("directory-updated", "at", super::vn_time(at)))
            .unwrap_or_default(),
        units: d
            .units
            .iter()
            .map(|u| AdminUnitLines {
                unit_name: u.unit_name.clone(),
                lines: u
                    .lines
                    .iter()
                    .map(|c| admin_contact(ctx, c, &u.unit, None))
                    .collect(),
            })
            .collect(),
        past: d.past.iter().map(|l| admin_leader(ctx, l)).collect(),
        leaders,
        unit_choices: admin
            .units
            .iter()
            .map(|(code, name)| (code.to_string(), name.clone()))
            .collect(),
        people: admin.people.clone(),
        accounts: admin.accounts.clone(),
        owners,
        kinds: ContactKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str(),
                    ctx.tr.t(&format!("contact-kind-{}", k.as_str())),
                )
            })
            .collect(),
        origins: d.frame_origins.join("\n"),
        widget_snippet: format!(
            "<iframe src=\"{}/danh-ba/{slug}/widget\" title=\"{}\" width=\"360\" height=\"480\" loading=\"lazy\"></iframe>",
            attribute_text(state.config.public_url.trim_end_matches('/')),
            attribute_text(&d.police_name)
        ),
        slug,
    };
    render(status, &page)
}

/// `/console/admin/directory[?tinh=<province>]`.
pub async fn admin_directory(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let asked = crate::directory::query_value(query.as_deref(), "tinh");
    directory_page(&state, &ctx, &actor, &asked, (StatusCode::OK, None, None)).await
}

/// The page again after a change, with what happened or why not.
async fn after_change(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    slug: &str,
    done: Result<&'static str, CoreError>,
) -> Result<Response, PageError> {
    let shown = match done {
        Ok(key) => (StatusCode::OK, Some(ctx.tr.t(key)), None),
        Err(CoreError::Domain(DomainError::Invalid(errors))) => (
            StatusCode::BAD_REQUEST,
            None,
            errors
                .first()
                .map(|e| field_message(&ctx.tr, &e.field, e.code)),
        ),
        Err(e) => return Err(PageError::from(e)),
    };
    directory_page(state, ctx, actor, slug, shown).await
}

fn province_code(state: &AppState, slug: &str) -> Result<u32, CoreError> {
    state.hotline.directory_province(slug).map(|p| p.code)
}

/// The form that names one row of the directory by its `id`.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RowForm {
    id: String,
}

/// The fields of a contact point's form, to add one or rewrite the row `id`.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    id: String,
    unit: String,
    position: String,
    label: String,
    kind: String,
    address: String,
    #[serde(deserialize_with = "checked")]
    public: bool,
    hours: String,
    verified_on: String,
    listening: String,
    sort: String,
}

impl ContactForm {
    fn input(&self) -> ContactInput<'_> {
        ContactInput {
            unit: &self.unit,
            position: &self.position,
            label: &self.label,
            kind: &self.kind,
            address: &self.address,
            public: self.public,
            hours: &self.hours,
            verified_on: &self.verified_on,
            listening: &self.listening,
            sort: &self.sort,
        }
    }
}

/// The fields of [`admin_directory_add_position`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminDirectoryAddPositionForm {
    person_key: String,
    full_name: String,
    rank: String,
    unit: String,
    title: String,
    started_on: String,
    sort: String,
}

/// Adds a position (a new person, or one already listed).
pub async fn admin_directory_add_position(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(slug): Path<String>,
    PostedForm(form): PostedForm<AdminDirectoryAddPositionForm>,
) -> Result<Response, PageError> {
    let done = match province_code(&state, &slug) {
        Ok(code) => state
            .hotline
            .add_directory_position(
                &actor,
                code,
                &PositionInput {
                    person_key: &form.person_key,
                    full_name: &form.full_name,
                    rank: &form.rank,
                    unit: &form.unit,
                    title: &form.title,
                    started_on: &form.started_on,
                    sort: &form.sort,
                },
            )
            .await
            .map(|_| "directory-admin-position-added"),
        Err(e) => Err(e),
    };
    after_change(&state, &ctx, &actor, &slug, done).await
}

/// A change to one row (named by the form's `id`) of the province's directory, and the words
/// that say it was done.
async fn row_change(
    state: &AppState,
    slug: &str,
    id: &str,
    change: impl AsyncFnOnce(u32, i64) -> Result<(), CoreError>,
    done: &'static str,
) -> Result<&'static str, CoreError> {
    let code = province_code(state, slug)?;
    let id = id.trim().parse().map_err(|_| CoreError::NotFound)?;
    change(code, id).await.map(|()| done)
}

/// The fields of [`admin_directory_end_position`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminDirectoryEndPositionForm {
    id: String,
    last_day: String,
}

/// Ends a position.
pub async fn admin_directory_end_position(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(slug): Path<String>,
    PostedForm(form): PostedForm<AdminDirectoryEndPositionForm>,
) -> Result<Response, PageError> {
    let hotline = &state.hotline;
    let last_day = &form.last_day;
    let change = async |code, id| {
        hotline
            .end_directory_position(&actor, code, id, last_day)
            .await
    };
    let done = row_change(
        &state,
        &slug,
        &form.id,
        change,
        "directory-admin-position-ended",
    )
    .await;
    after_change(&state, &ctx, &actor, &slug, done).await
}

/// Adds a contact point.
pub async fn admin_directory_add_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(slug): Path<String>,
    PostedForm(form): PostedForm<ContactForm>,
) -> Result<Response, PageError> {
    let done = match province_code(&state, &slug) {
        Ok(code) => state
            .hotline
            .add_directory_contact(&actor, code, &form.input())
            .await
            .map(|_| "directory-admin-contact-added"),
        Err(e) => Err(e),
    };
    after_change(&state, &ctx, &actor, &slug, done).await
}

/// Rewrites a contact point.
pub async fn admin_directory_update_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(slug): Path<String>,
    PostedForm(form): PostedForm<ContactForm>,
) -> Result<Response, PageError> {
    let hotline = &state.hotline;
    let input = form.input();
    let change = async |code, id| {
        hotline
            .update_directory_contact(&actor, code, id, &input)
            .await
    };
    let done = row_change(
        &state,
        &slug,
        &form.id,
        change,
        "directory-admin-contact-changed",
    )
    .await;
    after_change(&state, &ctx, &actor, &slug, done).await
}

/// Removes a contact point.
pub async fn admin_directory_remove_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(slug): Path<String>,
    PostedForm(form): PostedForm<RowForm>,
) -> Result<Response, PageError> {
    let hotline = &state.hotline;
    let change = async |code, id| hotline.remove_directory_contact(&actor, code, id).await;
    let done = row_change(
        &state,
        &slug,
        &form.id,
        change,
        "directory-admin-contact-removed",
    )
    .await;
    after_change(&state, &ctx, &actor, &slug, done).await
}

/// Records that a contact point was checked today.
pub async fn admin_directory_verify_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(slug): Path<String>,
    PostedForm(form): PostedForm<RowForm>,
) -> Result<Response, PageError> {
    let hotline = &state.hotline;
    let change = async |code, id| {
        hotline
            .mark_directory_contact_verified(&actor, code, id)
            .await
    };
    let done = row_change(
        &state,
        &slug,
        &form.id,
        change,
        "directory-admin-contact-verified",
    )
    .await;
    after_change(&state, &ctx, &actor, &slug, done).await
}

/// The fields of [`admin_directory_frame_origins`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminDirectoryFrameOriginsForm {
    origins: String,
}

/// Sets the origins allowed to frame the widget.
pub async fn admin_directory_frame_origins(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(slug): Path<String>,
    PostedForm(form): PostedForm<AdminDirectoryFrameOriginsForm>,
) -> Result<Response, PageError> {
    let done = match province_code(&state, &slug) {
        Ok(code) => state
            .hotline
            .set_directory_frame_origins(&actor, code, &form.origins)
            .await
            .map(|_| "directory-admin-origins-set"),
        Err(e) => Err(e),
    };
    after_change(&state, &ctx, &actor, &slug, done).await
}

/// This module's pages and the forms they post.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/admin/directory", get(admin_directory))
        .route(
            "/console/admin/directory/{province}/positions",
            post(admin_directory_add_position),
        )
        .route(
            "/console/admin/directory/{province}/positions/end",
            post(admin_directory_end_position),
        )
        .route(
            "/console/admin/directory/{province}/contacts",
            post(admin_directory_add_contact),
        )
        .route(
            "/console/admin/directory/{province}/contacts/update",
            post(admin_directory_update_contact),
        )
        .route(
            "/console/admin/directory/{province}/contacts/remove",
            post(admin_directory_remove_contact),
        )
        .route(
            "/console/admin/directory/{province}/contacts/verify",
            post(admin_directory_verify_contact),
        )
        .route(
            "/console/admin/directory/{province}/frame-origins",
            post(admin_directory_frame_origins),
        )
}
