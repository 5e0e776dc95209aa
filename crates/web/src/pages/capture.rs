//! Capturing a report taken by phone or in person, entered by the officer who took it.

use crate::AppState;
use crate::error::PageError;
use crate::extract::Ctx;
use crate::extract::checked;
use crate::pages::{Chrome, StaffPage, render, vn_time};
use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use hotline_core::{Actor, CoreError};
use hotline_domain::Channel;
use hotline_domain::DomainError;
use http::StatusCode;
use serde::Deserialize;

/// What the officer typed on the capture form, echoed back when it must be corrected.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct CaptureValues {
    pub channel: String,
    /// Where it came from, as the register lists it (R2).
    pub source: String,
    pub received_date: String,
    pub received_time: String,
    pub caller: String,
    pub name: String,
    pub text: String,
    #[serde(rename = "province_code")]
    pub province: String,
    pub commune: String,
    pub address: String,
    #[serde(deserialize_with = "checked")]
    pub urgent: bool,
    /// The call to the line recorded, if any.
    pub call: String,
}

#[derive(Template)]
#[template(path = "capture.html")]
pub(crate) struct CapturePage {
    c: Chrome,
    form: CaptureValues,
    channels: Vec<ChannelOption>,
    sources: Vec<ChannelOption>,
    provinces: Vec<super::ProvinceOption>,
    /// Recent calls to the line: id, label, chosen.
    calls: Vec<(i64, String, bool)>,
    errors: Vec<String>,
}

/// A member one can hand a report to.
pub struct MemberOption {
    pub username: String,
    pub label: String,
    pub selected: bool,
}

pub struct ChannelOption {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "captured.html")]
pub(crate) struct CapturedPage {
    c: Chrome,
    case_number: String,
    follow_up_code: String,
}

pub(crate) async fn capture_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    form: CaptureValues,
    errors: Vec<String>,
) -> CapturePage {
    // Offered when there are any; a failure to list them leaves the form as it was.
    let calls = state
        .hotline
        .recent_calls(actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|call| {
            let label = ctx.tr.t2(
                "capture-call-line",
                ("at", vn_time(call.rang_at)),
                ("case", call.case_number.to_string()),
            );
            (call.id, label, form.call == call.id.to_string())
        })
        .collect();
    CapturePage {
        calls,
        c: Chrome::new(ctx, Some(actor)),
        channels: hotline_core::capture::CAPTURE_CHANNELS
            .iter()
            .map(|c| ChannelOption {
                value: c.as_str(),
                label: ctx.tr.t(&format!("capture-channel-{c}")),
                selected: form.channel == c.as_str(),
            })
            .collect(),
        sources: hotline_domain::receipt::ReceiptSource::ALL
            .iter()
            .map(|s| ChannelOption {
                value: s.as_str(),
                label: ctx.tr.t(&format!("receipt-source-{s}")),
                selected: form.source == s.as_str(),
            })
            .collect(),
        provinces: super::province_options(state, ctx, &form.province),
        form,
        errors,
    }
}

/// The quick-capture form: a call, a visit or a message to a personal account, recorded.
pub async fn capture_form(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Result<Response, PageError> {
    if actor.visibility() == hotline_store::Visibility::Nothing {
        return Err(PageError::new(StatusCode::FORBIDDEN, "error-forbidden"));
    }
    let form = CaptureValues {
        channel: Channel::Phone.as_str().to_owned(),
        ..CaptureValues::default()
    };
    let page = capture_page(&state, &ctx, &actor, form, Vec::new()).await;
    render(StatusCode::OK, &page)
}

/// Records the capture as a report and shows its case number and follow-up code once, to be
/// read out to the caller.
pub async fn capture(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    request: axum::extract::Request,
) -> Result<Response, PageError> {
    let (form, evidence, refused) =
        match super::read_form(&state, request, super::Files::Take).await {
            Ok((form, evidence)) => (form, evidence, None),
            Err(super::Upload::Body(e)) => return Err(PageError::from(e)),
            Err(super::Upload::Refused { form, error, .. }) => (form, Vec::new(), Some(error)),
        };
    let values = form.read::<CaptureValues>()?;
    let mut errors: Vec<hotline_domain::FieldError> = refused.into_iter().collect();
    let received_at = match super::vietnam_moment(&values.received_date, &values.received_time) {
        Ok(at) => at,
        Err(()) => {
            errors.push(hotline_domain::FieldError::new("received_at", "invalid"));
            None
        }
    };
    let source = match values.source.trim() {
        "" => Ok(hotline_domain::receipt::ReceiptSource::Person),
        typed => typed.parse(),
    };
    if source.is_err() {
        errors.push(hotline_domain::FieldError::new("source", "unknown"));
    }
    let place = super::place_of(&state, &values.province, &values.commune);
    let (province_code, commune_code) = match place {
        Ok(place) => place,
        Err(mut wrong) => {
            errors.append(&mut wrong);
            (None, None)
        }
    };
    let outcome = if errors.is_empty() {
        let capture = hotline_core::capture::Capture {
            channel: values.channel.parse().unwrap_or(Channel::Web),
            source: source.unwrap_or(hotline_domain::receipt::ReceiptSource::Person),
            received_at,
            caller: values.caller.clone(),
            name: values.name.clone(),
            text: values.text.clone(),
            province_code,
            commune_code,
            address: values.address.clone(),
            urgent: values.urgent,
            evidence,
            call: values.call.parse().ok(),
        };
        match state.hotline.capture(&actor, capture).await {
            Ok(done) => {
                let page = CapturedPage {
                    c: Chrome::new(&ctx, Some(&actor)),
                    case_number: done.case_number.to_string(),
                    follow_up_code: done.follow_up_code.map(|c| c.grouped()).unwrap_or_default(),
                };
                return render(StatusCode::CREATED, &page);
            }
            Err(CoreError::Domain(DomainError::Invalid(found))) => found,
            Err(e) => return Err(PageError::from(e)),
        }
    } else {
        errors
    };
    let messages = outcome
        .iter()
        .map(|e| crate::error::field_message(&ctx.tr, &e.field, e.code))
        .collect();
    let page = capture_page(&state, &ctx, &actor, values, messages).await;
    render(StatusCode::BAD_REQUEST, &page)
}

/// This module's pages and the forms they post.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    Router::new().route(
        "/console/capture",
        get(capture_form).post(capture).layer(DefaultBodyLimit::max(
            hotline_core::evidence::EvidenceLimits::default().max_total_bytes
                + state.config.max_body_bytes,
        )),
    )
}
