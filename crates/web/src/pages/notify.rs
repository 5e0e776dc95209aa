//! A member's own notification settings: the addresses alerts go to outside the console, in
//! the order they are tried, a test, and how each recent notification went.

use super::{Chrome, PostedForm, StaffPage, render, vn_time};
use crate::AppState;
use crate::error::{PageError, field_message};
use crate::extract::Ctx;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use hotline_core::{Actor, CoreError};
use hotline_domain::DomainError;
use hotline_domain::notify::{MAX_ADDRESSES, NotifyChannel};
use http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;

pub struct AddressRow {
    pub channel: &'static str,
    pub address: String,
}

pub struct SentRow {
    pub at: String,
    pub what: String,
    pub case: Option<String>,
    pub state: &'static str,
    pub state_label: String,
    /// Each attempt: channel label, time, error if any.
    pub attempts: Vec<(String, String, Option<String>)>,
}

#[derive(Template)]
#[template(path = "notify.html")]
struct NotifyPage {
    c: Chrome,
    rows: Vec<AddressRow>,
    channels: Vec<(&'static str, String)>,
    sent: Vec<SentRow>,
    notice: Option<String>,
    errors: Vec<String>,
}

async fn notify_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    status: StatusCode,
    entered: Option<Vec<AddressRow>>,
    (notice, errors): (Option<String>, Vec<String>),
) -> Result<Response, PageError> {
    let (addresses, sent) = match (
        state.hotline.my_notify_addresses(actor).await,
        state.hotline.my_notifications(actor).await,
    ) {
        (Ok(a), Ok(s)) => (a, s),
        (Err(e), _) | (_, Err(e)) => return Err(PageError::from(e)),
    };
    let mut rows = entered.unwrap_or_else(|| {
        addresses
            .iter()
            .map(|a| AddressRow {
                channel: a.channel.as_str(),
                address: a.address().to_owned(),
            })
            .collect()
    });
    while rows.len() < MAX_ADDRESSES {
        rows.push(AddressRow {
            channel: NotifyChannel::ALL
                .iter()
                .find(|c| rows.iter().all(|r| r.channel != c.as_str()))
                .map_or("email", |c| c.as_str()),
            address: String::new(),
        });
    }
    let channel_label = |c: NotifyChannel| ctx.tr.t(&format!("notify-channel-{}", c.as_str()));
    let page = NotifyPage {
        c: Chrome::new(ctx, Some(actor)),
        rows,
        channels: NotifyChannel::ALL
            .iter()
            .map(|c| (c.as_str(), channel_label(*c)))
            .collect(),
        sent: sent
            .into_iter()
            .map(|n| {
                let state = match n.state.as_str() {
                    "sent" => "sent",
                    "console" => "console",
                    "failed" => "failed",
                    _ => "queued",
                };
                SentRow {
                    at: vn_time(n.created_at),
                    what: ctx.tr.t(&format!("notify-kind-{}", n.kind.as_str())),
                    case: n.case_number.map(|c| c.to_string()),
                    state,
                    state_label: match n.sent_via {
                        Some(via) => {
                            ctx.tr
                                .t1("notify-state-sent-via", "channel", channel_label(via))
                        }
                        None => ctx.tr.t(&format!("notify-state-{state}")),
                    },
                    attempts: n
                        .attempts
                        .into_iter()
                        .map(|a| {
                            let error = a.error.map(|e| failure_text(ctx, &e));
                            (channel_label(a.channel), vn_time(a.at), error)
                        })
                        .collect(),
                }
            })
            .collect(),
        notice,
        errors,
    };
    render(status, &page)
}

/// Why an attempt failed, in the reader's language, with the platform's own words after it.
fn failure_text(ctx: &Ctx, recorded: &str) -> String {
    let kind = ["refused", "unavailable", "rate limited", "not configured"]
        .into_iter()
        .find(|k| recorded.starts_with(k))
        .unwrap_or("other");
    let reason = ctx
        .tr
        .t(&format!("notify-error-{}", kind.replace(' ', "_")));
    match recorded.split_once(": ") {
        Some((_, detail)) if kind != "rate limited" => format!("{reason}: {detail}"),
        _ => reason,
    }
}

/// The member's notification settings and recent notifications.
pub async fn notify_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Result<Response, PageError> {
    notify_page(
        &state,
        &ctx,
        &actor,
        StatusCode::OK,
        None,
        (None, Vec::new()),
    )
    .await
}

/// The fields of [`save_notify_settings`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SaveNotifySettingsForm {
    /// `channel0`, `address0`, `channel1`, …, in the order given.
    #[serde(flatten)]
    rows: HashMap<String, String>,
}

/// Saves the member's addresses, in the order given.
pub async fn save_notify_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<SaveNotifySettingsForm>,
) -> Result<Response, PageError> {
    let field = |name: &str| form.rows.get(name).cloned().unwrap_or_default();
    let entries: Vec<(String, String)> = (0..MAX_ADDRESSES)
        .map(|i| (field(&format!("channel{i}")), field(&format!("address{i}"))))
        .collect();
    match state
        .hotline
        .set_my_notify_addresses(&actor, &entries)
        .await
    {
        Ok(()) => {
            let notice = Some(ctx.tr.t("notify-saved"));
            notify_page(
                &state,
                &ctx,
                &actor,
                StatusCode::OK,
                None,
                (notice, Vec::new()),
            )
            .await
        }
        Err(CoreError::Domain(DomainError::Invalid(errors))) => {
            let shown = errors
                .iter()
                .map(|e| {
                    let line = e
                        .field
                        .strip_prefix("address")
                        .and_then(|i| i.parse::<usize>().ok())
                        .map_or(String::new(), |i| {
                            ctx.tr.t1("notify-line", "line", (i + 1).to_string()) + " "
                        });
                    format!("{line}{}", field_message(&ctx.tr, "notify", e.code))
                })
                .collect();
            let entered = entries
                .iter()
                .map(|(channel, address)| AddressRow {
                    channel: NotifyChannel::parse(channel).map_or("email", NotifyChannel::as_str),
                    address: address.clone(),
                })
                .collect();
            notify_page(
                &state,
                &ctx,
                &actor,
                StatusCode::BAD_REQUEST,
                Some(entered),
                (None, shown),
            )
            .await
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// Queues a test notification to the member's own addresses.
pub async fn test_notify_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Result<Response, PageError> {
    match state.hotline.test_my_notifications(&actor).await {
        Ok(()) => {
            let notice = Some(ctx.tr.t("notify-test-queued"));
            notify_page(
                &state,
                &ctx,
                &actor,
                StatusCode::OK,
                None,
                (notice, Vec::new()),
            )
            .await
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// This module's pages and the forms they post.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/console/notifications",
            get(notify_settings).post(save_notify_settings),
        )
        .route("/console/notifications/test", post(test_notify_settings))
}
