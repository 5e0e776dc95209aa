//! A report's evidence: listed on its page, downloaded or viewed, each access audited.

use crate::AppState;
use crate::error::PageError;
use crate::pages::StaffPage;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use hotline_core::Actor;
use http::{StatusCode, header};

/// An evidence file as listed on the report page.
pub struct AttachmentLine {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    /// How the page shows it: `image`, `audio`, `video`, or `other` (a link only).
    pub preview: &'static str,
    pub size: String,
    pub metadata_removed: bool,
}

/// `2.4 MB`, `830 KB`: sizes as people read them.
pub(crate) fn human_size(bytes: i64) -> String {
    let bytes = bytes as f64;
    if bytes >= 1_000_000.0 {
        format!("{:.1} MB", bytes / 1_000_000.0)
    } else {
        format!("{} KB", (bytes / 1000.0).ceil())
    }
}

/// Downloads an evidence file: as an attachment under our own name, never rendered here.
pub async fn download(
    State(state): State<AppState>,
    StaffPage(actor): StaffPage,
    Path((case, attachment)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    evidence_file(&state, &actor, &case, attachment, false).await
}

/// An evidence file shown on the report page itself: photos, recordings and videos only.
pub async fn view_file(
    State(state): State<AppState>,
    StaffPage(actor): StaffPage,
    Path((case, attachment)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    evidence_file(&state, &actor, &case, attachment, true).await
}

/// How a file of `content_type` can be shown in a page; `other` for a download only (a PDF
/// or anything else is never shown inline, where its own scripts or links could run).
pub(crate) fn preview_of(content_type: &str) -> &'static str {
    match content_type.split('/').next() {
        Some("image") if content_type != "image/heif" => "image",
        Some("audio") => "audio",
        Some("video") => "video",
        _ => "other",
    }
}

pub(crate) async fn evidence_file(
    state: &AppState,
    actor: &Actor,
    case: &str,
    attachment: i64,
    inline: bool,
) -> Result<Response, PageError> {
    match state
        .hotline
        .download_attachment(actor, case, attachment)
        .await
    {
        Ok((info, _)) if inline && preview_of(&info.content_type) == "other" => {
            Err(PageError::new(StatusCode::NOT_FOUND, "error-not-found"))
        }
        Ok((info, content)) => {
            let disposition = format!(
                "{}; filename=\"{}\"",
                if inline { "inline" } else { "attachment" },
                info.file_name
            );
            let headers = [
                (header::CONTENT_TYPE, info.content_type),
                (header::CONTENT_DISPOSITION, disposition),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; sandbox".to_owned(),
                ),
            ];
            Ok((headers, content).into_response())
        }
        Err(e) => Err(PageError::from(e)),
    }
}
