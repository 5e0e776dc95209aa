//! The telephone line in the console: the missed calls waiting for a callback, each closed by
//! recording how the callback went; and the calls ringing now, polled by the duty console for
//! its screen-pop (the caller's pseudonym and open reports, never the number).

use super::{Chrome, PostedForm, StaffPage, render, vn_time};
use crate::AppState;
use crate::error::PageError;
use crate::extract::Ctx;
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hotline_core::calls::CALLBACK_OUTCOMES;
use hotline_core::{Actor, CoreError};
use http::StatusCode;
use serde::Deserialize;

pub struct WaitingLine {
    pub id: i64,
    pub case: Option<String>,
    pub rang: String,
    pub waited: String,
    pub attempts: u32,
    pub last: Option<String>,
}

#[derive(Template)]
#[template(path = "callbacks.html")]
struct CallbacksPage {
    c: Chrome,
    waiting: Vec<WaitingLine>,
    outcomes: Vec<(&'static str, String)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn callbacks_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    status: StatusCode,
    (notice, error): (Option<String>, Option<String>),
) -> Result<Response, PageError> {
    let waiting = state.hotline.callbacks(actor).await?;
    let page = CallbacksPage {
        c: Chrome::new(ctx, Some(actor)),
        waiting: waiting
            .into_iter()
            .map(|w| WaitingLine {
                id: w.id,
                case: w.case_number.map(|c| c.to_string()),
                rang: vn_time(w.rang_at),
                waited: ctx.tr.t2(
                    "callbacks-minutes",
                    ("hours", w.waited.num_hours().to_string()),
                    ("minutes", (w.waited.num_minutes() % 60).to_string()),
                ),
                attempts: w.attempts,
                last: w.last_outcome.map(|o| ctx.tr.t(&format!("callbacks-{o}"))),
            })
            .collect(),
        outcomes: CALLBACK_OUTCOMES
            .iter()
            .map(|o| (*o, ctx.tr.t(&format!("callbacks-{o}"))))
            .collect(),
        notice,
        error,
    };
    render(status, &page)
}

/// The missed calls waiting for a callback in the member's scope.
pub async fn callbacks(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Result<Response, PageError> {
    callbacks_page(&state, &ctx, &actor, StatusCode::OK, (None, None)).await
}

/// The fields of [`record_callback`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RecordCallbackForm {
    id: String,
    outcome: String,
}

/// Records how a callback went.
pub async fn record_callback(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<RecordCallbackForm>,
) -> Result<Response, PageError> {
    let Ok(id) = form.id.parse::<i64>() else {
        return Err(PageError::from(CoreError::NotFound));
    };
    match state
        .hotline
        .record_callback(&actor, id, &form.outcome)
        .await
    {
        Ok(()) => {
            let notice = ctx.tr.t("callbacks-recorded");
            callbacks_page(&state, &ctx, &actor, StatusCode::OK, (Some(notice), None)).await
        }
        Err(e) => Err(PageError::from(e)),
    }
}

#[derive(serde::Serialize)]
pub struct LiveCallJson {
    pub case_number: Option<String>,
    pub since: String,
    pub answered: bool,
    pub reporter: Option<String>,
    pub open_reports: Vec<String>,
}

/// The calls ringing or under way in the member's scope, for the screen-pop.
pub async fn live_calls(
    State(state): State<AppState>,
    StaffPage(actor): StaffPage,
) -> Result<Response, PageError> {
    let calls = state.hotline.live_calls(&actor).await?;
    Ok(Json(
        calls
            .into_iter()
            .map(|call| LiveCallJson {
                case_number: call.case_number.map(|c| c.to_string()),
                since: vn_time(call.since),
                answered: call.answered,
                reporter: call.reporter,
                open_reports: call.open_reports.iter().map(ToString::to_string).collect(),
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

/// This module's pages and the forms they post.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/callbacks", get(callbacks).post(record_callback))
        .route("/console/calls", get(live_calls))
}
