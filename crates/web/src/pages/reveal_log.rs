//! The reveal log: who asked for, approved, saw or was refused a reporter's identity or a
//! masked item, and why.

use crate::AppState;
use crate::error::PageError;
use crate::extract::Ctx;
use crate::pages::{Chrome, StaffPage, render, vn_time};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use hotline_core::CoreError;
use http::StatusCode;

#[derive(Template)]
#[template(path = "reveal_log.html")]
pub(crate) struct RevealLogPage {
    c: Chrome,
    lines: Vec<RevealLogLine>,
}

pub struct RevealLogLine {
    pub at: String,
    pub at_iso: String,
    pub who: String,
    pub what: String,
    pub case: String,
    pub detail: String,
}

/// Who revealed which identities and masked items, and why.
pub async fn reveal_log(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Result<Response, PageError> {
    match state
        .hotline
        .reveal_log(&actor, hotline_core::audit::MAX_REVEAL_LOG)
        .await
    {
        Ok(entries) => {
            let page = RevealLogPage {
                c: Chrome::new(&ctx, Some(&actor)),
                lines: entries
                    .into_iter()
                    .map(|e| RevealLogLine {
                        at: vn_time(e.at),
                        at_iso: e.at.to_rfc3339(),
                        who: e.who,
                        what: ctx.tr.t(&format!("audit-{}", e.action)),
                        case: e.case,
                        detail: e.detail,
                    })
                    .collect(),
            };
            render(StatusCode::OK, &page)
        }
        Err(CoreError::Forbidden) => {
            Err(PageError::new(StatusCode::FORBIDDEN, "error-no-log-access"))
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// This module's pages and the forms they post.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/console/reveal-log", get(reveal_log))
}
