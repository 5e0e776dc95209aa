//! A report in the console: its page, what an officer does on it, its evidence.

mod actions;
mod files;
mod view;

pub use actions::*;
pub use files::*;
pub use view::*;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

/// This module's pages and the forms they post.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/reports/{case}", get(report_page))
        .route("/console/reports/{case}/identity", post(reveal_identity))
        .route(
            "/console/reports/{case}/identity/approve",
            post(approve_reveal),
        )
        .route(
            "/console/reports/{case}/masked-item",
            post(reveal_text_item),
        )
        .route("/console/reports/{case}/legal-hold", post(legal_hold))
        .route(
            "/console/reports/{case}/emergency-line",
            post(emergency_line),
        )
        .route("/console/reports/{case}/reply", post(reply))
        .route("/console/reports/{case}/assign", post(assign))
        .route("/console/reports/{case}/triage", post(triage))
        .route("/console/reports/{case}/notes", post(note))
        .route("/console/reports/{case}/merge", post(merge))
        .route("/console/reports/{case}/steps", post(step))
        .route(
            "/console/reports/{case}/notices/{notice}",
            post(send_notice),
        )
        .route("/console/reports/{case}/transfer", post(transfer))
        .route(
            "/console/reports/{case}/police-conduct",
            post(police_conduct),
        )
        .route(
            "/console/reports/{case}/accused-unit",
            post(correct_accused_unit),
        )
        .route(
            "/console/reports/{case}/legal-type",
            post(correct_legal_type),
        )
        .route("/console/reports/{case}/files/{attachment}", get(download))
        .route(
            "/console/reports/{case}/files/{attachment}/view",
            get(view_file),
        )
}
