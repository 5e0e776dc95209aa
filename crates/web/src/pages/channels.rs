//! Platform accounts for administrators: each account's webhook and setup steps, whether it
//! can answer, how its deliveries go (last received, the last hour, waiting, failed, of no use
//! here), failed deliveries with their reason and a retry button; and the form that connects
//! a new one. Secrets go in and are never shown again.

use super::{Chrome, PostedForm, StaffPage, render, vn_time};
use crate::AppState;
use crate::error::{PageError, field_message};
use crate::extract::Ctx;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use hotline_core::channels::{AccountInput, AccountView};
use hotline_core::{Actor, CoreError};
use hotline_domain::DomainError;
use hotline_domain::platform::PLATFORMS;
use http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;

/// Every key an account form may carry, in the order the platforms list them.
fn keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    for platform in PLATFORMS {
        for key in platform
            .receive_keys
            .iter()
            .chain(platform.send_keys)
            .chain(platform.optional_keys)
        {
            if !keys.contains(key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// Whether a key is a secret (typed unseen in the form).
fn is_secret(key: &str) -> bool {
    key.contains("secret") || key.contains("token")
}

pub struct DeadLine {
    pub id: i64,
    pub at: String,
    pub attempts: u32,
    pub error: String,
}

pub struct AccountBlock {
    pub platform: &'static str,
    pub platform_label: String,
    pub name: String,
    pub unit: String,
    pub webhook_path: String,
    pub steps: Vec<String>,
    pub keys: String,
    /// Empty when it can answer.
    pub missing: String,
    pub public: bool,
    /// Direct messages on the platform may arrive end-to-end encrypted, unreadable here (X).
    pub may_encrypt: bool,
    /// How it receives, when it fetches instead of receiving a webhook.
    pub receives_by: Option<String>,
    /// When the platform last checked the webhook; empty when never.
    pub checked: String,
    pub api_base: String,
    pub last_received: String,
    pub last_hour: u32,
    pub queued: u32,
    pub ignored: u32,
    pub dead: Vec<DeadLine>,
}

#[derive(Template)]
#[template(path = "admin_channels.html")]
struct AdminChannelsPage {
    c: Chrome,
    accounts: Vec<AccountBlock>,
    platforms: Vec<(&'static str, String)>,
    keys: Vec<(&'static str, bool)>,
    notice: Option<String>,
    errors: Vec<String>,
}

fn block(state: &AppState, ctx: &Ctx, view: AccountView) -> AccountBlock {
    let platform = hotline_domain::platform::PlatformSpec::of(view.platform)
        .map_or(view.platform.as_str(), |spec| spec.name());
    let steps = (1..=4)
        .map(|n| format!("setup-{platform}-{n}"))
        .filter(|key| ctx.tr.has(key))
        .map(|key| ctx.tr.t(&key))
        .collect();
    AccountBlock {
        platform,
        platform_label: ctx.tr.t(&format!("channel-{platform}")),
        name: view.name.to_string(),
        unit: super::unit_names::unit_label(state, ctx, &view.unit),
        webhook_path: view.webhook_path,
        steps,
        keys: view.keys.join(", "),
        missing: view.missing_send_keys.join(", "),
        public: hotline_domain::platform::PlatformSpec::of(view.platform)
            .is_some_and(|p| !p.private),
        may_encrypt: view.platform == hotline_domain::Channel::X,
        receives_by: view.fetches_updates.then(|| {
            if view.platform == hotline_domain::Channel::Email {
                ctx.tr.t("channels-imap")
            } else {
                ctx.tr.t("channels-polling")
            }
        }),
        checked: view.checked_at.map(vn_time).unwrap_or_default(),
        api_base: view.api_base,
        last_received: view
            .counts
            .last_received_at
            .map_or_else(|| ctx.tr.t("channels-never"), vn_time),
        last_hour: view.counts.last_hour,
        queued: view.counts.queued,
        ignored: view.counts.ignored,
        dead: view
            .dead
            .into_iter()
            .map(|d| DeadLine {
                id: d.id,
                at: vn_time(d.received_at),
                attempts: d.attempts,
                error: d.last_error.unwrap_or_default(),
            })
            .collect(),
    }
}

async fn channels_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    status: StatusCode,
    (notice, errors): (Option<String>, Vec<String>),
) -> Result<Response, PageError> {
    let accounts = state.hotline.channel_accounts(Some(actor)).await?;
    let page = AdminChannelsPage {
        c: Chrome::new(ctx, Some(actor)),
        accounts: accounts
            .into_iter()
            .map(|view| block(state, ctx, view))
            .collect(),
        platforms: PLATFORMS
            .iter()
            .map(|p| (p.name(), ctx.tr.t(&format!("channel-{}", p.name()))))
            .collect(),
        keys: keys().into_iter().map(|k| (k, is_secret(k))).collect(),
        notice,
        errors,
    };
    render(status, &page)
}

/// The accounts in the administrator's scope.
pub async fn admin_channels(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Result<Response, PageError> {
    channels_page(&state, &ctx, &actor, StatusCode::OK, (None, Vec::new())).await
}

/// The fields of [`admin_add_channel`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminAddChannelForm {
    /// The platform's own settings, named by [`keys`].
    #[serde(flatten)]
    settings: HashMap<String, String>,
    platform: String,
    account: String,
    unit: String,
    api_base: String,
}

/// Connects an account.
pub async fn admin_add_channel(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<AdminAddChannelForm>,
) -> Result<Response, PageError> {
    let settings: Vec<(String, String)> = keys()
        .into_iter()
        .filter_map(|k| {
            let value = form.settings.get(k).filter(|v| !v.trim().is_empty())?;
            Some((k.to_owned(), value.clone()))
        })
        .collect();
    let input = AccountInput {
        platform: &form.platform,
        name: form.account.trim(),
        unit: form.unit.trim(),
        settings: &settings,
        api_base: Some(&form.api_base),
    };
    match state
        .hotline
        .add_channel_account(Some(&actor), &input)
        .await
    {
        Ok(view) => {
            let notice = ctx.tr.t1("channels-added", "path", view.webhook_path);
            channels_page(
                &state,
                &ctx,
                &actor,
                StatusCode::OK,
                (Some(notice), Vec::new()),
            )
            .await
        }
        Err(CoreError::Domain(DomainError::Invalid(fields))) => {
            let errors = fields
                .iter()
                .map(|f| field_message(&ctx.tr, &format!("channel_{}", f.field), f.code))
                .collect();
            channels_page(
                &state,
                &ctx,
                &actor,
                StatusCode::BAD_REQUEST,
                (None, errors),
            )
            .await
        }
        Err(CoreError::Conflict(_)) => {
            let errors = vec![ctx.tr.t("channels-exists")];
            channels_page(&state, &ctx, &actor, StatusCode::CONFLICT, (None, errors)).await
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// The fields of [`admin_retry_delivery`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminRetryDeliveryForm {
    id: String,
    platform: String,
    account: String,
}

/// Puts a failed delivery back in the queue.
pub async fn admin_retry_delivery(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<AdminRetryDeliveryForm>,
) -> Result<Response, PageError> {
    let Ok(id) = form.id.trim().parse::<i64>() else {
        return Err(PageError::from(CoreError::NotFound));
    };
    match state
        .hotline
        .retry_delivery(&actor, &form.platform, &form.account, id)
        .await
    {
        Ok(()) => {
            let notice = ctx.tr.t("channels-retried");
            channels_page(
                &state,
                &ctx,
                &actor,
                StatusCode::OK,
                (Some(notice), Vec::new()),
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
            "/console/admin/channels",
            get(admin_channels).post(admin_add_channel),
        )
        .route("/console/admin/channels/retry", post(admin_retry_delivery))
}
