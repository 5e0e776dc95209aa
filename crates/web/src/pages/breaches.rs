//! The breach register (R26): personal-data breaches, the 72 hours to tell the authority, who
//! was told and how each was closed.

use super::{Chrome, PostedForm, StaffPage, render, vn_time};
use crate::AppState;
use crate::error::{PageError, field_message};
use crate::extract::Ctx;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hotline_core::CoreError;
use hotline_core::breaches::{BreachInput, NoticeInput};
use hotline_domain::DomainError;
use hotline_domain::breach::{BreachRecipient, NotificationState};
use hotline_store::Breach;
use http::StatusCode;
use serde::Deserialize;

pub struct NoticeLine {
    pub recipient: String,
    pub told_at: String,
    pub reference: String,
    pub late_reason: Option<String>,
    pub recorded_by: String,
    /// When it was recorded, which may be later than when it was given.
    pub recorded_at: String,
}

pub struct BreachView {
    pub id: i64,
    pub description: String,
    pub data_kinds: String,
    pub affected: Option<i64>,
    pub occurred_at: Option<String>,
    pub detected_at: String,
    pub due: String,
    /// The authority's notification: waiting, overdue, told or told late, in words.
    pub state: String,
    /// `ok`, `warning` or `overdue`, for the badge's look.
    pub state_class: &'static str,
    pub recorded_by: String,
    pub notices: Vec<NoticeLine>,
    pub remedies: Option<String>,
    pub closed_at: Option<String>,
}

#[derive(Template)]
#[template(path = "breaches.html")]
struct BreachesPage {
    c: Chrome,
    breaches: Vec<BreachView>,
    recipients: Vec<(&'static str, String)>,
    /// Whether the reader may record and close (auditors read).
    keeps: bool,
    basis: &'static str,
    errors: Vec<String>,
    form: BreachForm,
}

fn view(ctx: &Ctx, breach: &Breach, now: chrono::DateTime<chrono::Utc>) -> BreachView {
    let (state, state_class) =
        match NotificationState::of(breach.detected_at, breach.authority_told_at(), now) {
            NotificationState::Waiting { overdue: true, .. } => {
                (ctx.tr.t("breach-state-overdue"), "overdue")
            }
            NotificationState::Waiting { .. } => (ctx.tr.t("breach-state-waiting"), "warning"),
            NotificationState::Told { at, late } => (
                format!(
                    "{} {}{}",
                    ctx.tr.t("breach-state-told"),
                    vn_time(at),
                    if late {
                        format!(" ({})", ctx.tr.t("breach-state-late"))
                    } else {
                        String::new()
                    }
                ),
                if late { "warning" } else { "ok" },
            ),
        };
    BreachView {
        id: breach.id,
        description: breach.description.clone(),
        data_kinds: breach.data_kinds.clone(),
        affected: breach.affected,
        occurred_at: breach.occurred_at.map(vn_time),
        detected_at: vn_time(breach.detected_at),
        due: vn_time(hotline_domain::breach::notify_due(breach.detected_at)),
        state,
        state_class,
        recorded_by: breach.recorded_by.clone(),
        notices: breach
            .notices
            .iter()
            .map(|n| NoticeLine {
                recipient: ctx.tr.t(&format!("breach-recipient-{}", n.recipient)),
                told_at: vn_time(n.told_at),
                reference: n.reference.clone(),
                late_reason: n.late_reason.clone(),
                recorded_by: n.recorded_by.clone(),
                recorded_at: vn_time(n.recorded_at),
            })
            .collect(),
        remedies: breach.remedies.clone(),
        closed_at: breach.closed_at.map(vn_time),
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    actor: &hotline_core::Actor,
    (status, errors, form): (StatusCode, Vec<String>, BreachForm),
) -> Result<Response, PageError> {
    let now = state.hotline.clock.now();
    let breaches = state.hotline.breaches(actor).await?;
    let page = BreachesPage {
        c: Chrome::new(ctx, Some(actor)),
        breaches: breaches.iter().map(|b| view(ctx, b, now)).collect(),
        recipients: BreachRecipient::ALL
            .iter()
            .map(|r| (r.as_str(), ctx.tr.t(&format!("breach-recipient-{r}"))))
            .collect(),
        keeps: hotline_core::breaches::may_keep_breaches(actor).is_ok(),
        basis: hotline_domain::breach::BREACH_BASIS,
        errors,
        form,
    };
    render(status, &page)
}

/// The register, with the form to record a breach.
pub async fn breaches(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Result<Response, PageError> {
    page(
        &state,
        &ctx,
        &actor,
        (StatusCode::OK, Vec::new(), BreachForm::default()),
    )
    .await
}

/// What the officer typed into one of the forms, shown again when refused.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct BreachForm {
    description: String,
    data_kinds: String,
    affected: String,
    occurred_date: String,
    occurred_time: String,
    detected_date: String,
    detected_time: String,
}

/// A moment typed as a date and time in Vietnam's time, or the field's error.
fn moment(
    field: &'static str,
    date: &str,
    time: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, CoreError> {
    super::vietnam_moment(date, time).map_err(|()| DomainError::field(field, "invalid").into())
}

/// The register again with what was refused, or back to it.
async fn answered(
    state: &AppState,
    ctx: &Ctx,
    actor: &hotline_core::Actor,
    done: Result<i64, CoreError>,
    form: BreachForm,
) -> Result<Response, PageError> {
    match done {
        Ok(id) => Ok(Redirect::to(&format!("/console/breaches#breach-{id}")).into_response()),
        Err(CoreError::Domain(DomainError::Invalid(found))) => {
            let errors = found
                .iter()
                .map(|e| field_message(&ctx.tr, &e.field, e.code))
                .collect();
            page(state, ctx, actor, (StatusCode::BAD_REQUEST, errors, form)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Records a breach.
pub async fn record_breach(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<BreachForm>,
) -> Result<Response, PageError> {
    let done = async {
        let input = BreachInput {
            description: &form.description,
            data_kinds: &form.data_kinds,
            affected: &form.affected,
            occurred_at: moment("occurred_at", &form.occurred_date, &form.occurred_time)?,
            detected_at: moment("detected_at", &form.detected_date, &form.detected_time)?,
        };
        state.hotline.record_breach(&actor, &input).await
    }
    .await;
    answered(&state, &ctx, &actor, done, form).await
}

/// The fields of [`record_notice`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct NoticeForm {
    recipient: String,
    told_date: String,
    told_time: String,
    reference: String,
    late_reason: String,
}

/// Records who was told of a breach.
pub async fn record_notice(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(id): Path<i64>,
    PostedForm(form): PostedForm<NoticeForm>,
) -> Result<Response, PageError> {
    let done = async {
        let input = NoticeInput {
            recipient: &form.recipient,
            told_at: moment("told_at", &form.told_date, &form.told_time)?,
            reference: &form.reference,
            late_reason: &form.late_reason,
        };
        state.hotline.record_breach_notice(&actor, id, &input).await
    }
    .await;
    answered(
        &state,
        &ctx,
        &actor,
        done.map(|()| id),
        BreachForm::default(),
    )
    .await
}

/// The field of [`close`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ClosingForm {
    remedies: String,
}

/// Closes a breach with what was done about it.
pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(id): Path<i64>,
    PostedForm(form): PostedForm<ClosingForm>,
) -> Result<Response, PageError> {
    let done = state.hotline.close_breach(&actor, id, &form.remedies).await;
    answered(
        &state,
        &ctx,
        &actor,
        done.map(|()| id),
        BreachForm::default(),
    )
    .await
}

/// This module's pages and the forms they post.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/breaches", get(breaches).post(record_breach))
        .route("/console/breaches/{id}/notices", post(record_notice))
        .route("/console/breaches/{id}/close", post(close))
}
