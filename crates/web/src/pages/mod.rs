//! Server-rendered pages: the citizen's home, report form and receipt; the staff sign-in,
//! inbox and report page. They work without JavaScript.

mod admin;
mod breaches;
mod calls;
mod capture;
mod channels;
mod citizen;
mod directory_admin;
mod duty;
mod inbox;
mod inbox_filter;
mod notify;
mod register;
mod report;
mod reveal_log;
mod routing;
mod timeline;
mod unit_names;

pub use inbox_filter::InboxQuery;
mod staff;
mod statistics;

pub use admin::*;
pub use calls::*;
pub use capture::*;
pub use channels::*;
pub use citizen::*;
pub use directory_admin::*;
pub use duty::*;
pub use inbox::*;
pub use notify::*;
pub use register::*;
pub use report::*;
pub use reveal_log::*;
pub use routing::*;
pub use staff::*;

use crate::AppState;
use crate::error::{PageError, field_message};
use crate::extract::{Ctx, Form, read_body};
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hotline_core::Actor;
use hotline_domain::VIETNAM;
use http::StatusCode;

/// The session cookie's name. Over TLS it takes the `__Host-` prefix, which browsers only
/// accept from a secure origin, for the whole host, without a `Domain`.
pub(crate) fn session_cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-hotline_session"
    } else {
        "hotline_session"
    }
}

/// The frame around every page: language, the switch link, the signed-in member.
pub struct Chrome {
    pub t: crate::i18n::Tr,
    pub switch_href: String,
    pub staff: Option<StaffBar>,
    /// The session's form token, for every staff form.
    pub csrf: String,
}

pub struct StaffBar {
    pub display_name: String,
    pub unit_name: String,
    /// Whether the header links to the reveal log.
    pub reveal_log: bool,
    /// Whether the header links to quick capture: members who read reports record them too.
    pub capture: bool,
    /// Whether the header links to the staff administration.
    pub admin: bool,
    /// Whether the header links to the breach register.
    pub breaches: bool,
    /// Whether the header links to the statistics.
    pub statistics: bool,
}

impl Chrome {
    pub fn new(ctx: &Ctx, actor: Option<&Actor>) -> Self {
        let other = ctx.lang().other().code();
        let sep = if ctx.path.contains('?') { '&' } else { '?' };
        Self {
            t: ctx.tr.clone(),
            switch_href: format!("{}{sep}lang={other}", ctx.path),
            csrf: ctx.csrf.clone(),
            staff: actor.map(|a| StaffBar {
                display_name: a.0.display_name.clone(),
                unit_name: a.0.unit_name.clone(),
                reveal_log: a.0.role.may_read_reveal_log(),
                capture: a.visibility() != hotline_store::Visibility::Nothing,
                admin: a.0.role == hotline_domain::Role::Administrator,
                breaches: hotline_core::breaches::may_read_breaches(a).is_ok(),
                statistics: a.0.role.may_read_statistics(),
            }),
        }
    }
}

/// An officer's rank and post in the reader's language, as the receipt register and record name
/// the receiving officer ("Thiếu tá, Cán bộ trực ban"); empty when neither was recorded.
pub(crate) fn officer_title(
    ctx: &Ctx,
    rank: Option<hotline_domain::receipt::PoliceRank>,
    post: Option<&str>,
) -> String {
    let rank = rank.map(|r| ctx.tr.t(&format!("rank-{r}")));
    [rank.as_deref(), post]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn render(status: StatusCode, page: &impl Template) -> Result<Response, PageError> {
    match page.render() {
        Ok(html) => Ok((status, Html(html)).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            Err(PageError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "error-internal",
            ))
        }
    }
}

pub(crate) fn vn_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&VIETNAM)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// When a time limit runs out, as the law says it: a limit that ends at midnight ends at 24:00
/// of its last day (`14/12/2026 24:00`, not `15/12/2026 00:00`).
fn due_time(due_at: DateTime<Utc>) -> String {
    let local = due_at.with_timezone(&VIETNAM);
    if local.time() == chrono::NaiveTime::MIN {
        let last_day = local - chrono::Duration::days(1);
        format!("{} 24:00", last_day.format("%d/%m/%Y"))
    } else {
        vn_time(due_at)
    }
}

/// A posted form read into its own type `T`, as a page handler's last argument: a body that
/// is not one (too large, not UTF-8, malformed) answers with the error page in the reader's
/// language before the handler runs.
pub struct PostedForm<T>(pub T);

impl<T: serde::de::DeserializeOwned> axum::extract::FromRequest<AppState> for PostedForm<T> {
    type Rejection = PageError;

    async fn from_request(
        request: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bytes = read_body(Bytes::from_request(request, state).await)?;
        Ok(PostedForm(Form::parse(&bytes)?.read()?))
    }
}

fn first_field_message(ctx: &Ctx, errors: &[hotline_domain::FieldError]) -> String {
    errors
        .first()
        .map(|e| field_message(&ctx.tr, &e.field, e.code))
        .unwrap_or_default()
}

/// Pages answer unknown paths with the not-found page.
pub async fn not_found() -> PageError {
    PageError::not_found()
}

/// Every page's routes, module by module.
pub(crate) fn routes(state: &AppState) -> axum::Router<AppState> {
    axum::Router::new()
        .merge(citizen::routes(state))
        .merge(staff::routes())
        .merge(inbox::routes())
        .merge(admin::routes())
        .merge(channels::routes())
        .merge(duty::routes())
        .merge(calls::routes())
        .merge(notify::routes())
        .merge(routing::routes())
        .merge(capture::routes(state))
        .merge(reveal_log::routes())
        .merge(directory_admin::routes())
        .merge(register::routes())
        .merge(breaches::routes())
        .merge(statistics::routes())
        .merge(report::routes())
}
