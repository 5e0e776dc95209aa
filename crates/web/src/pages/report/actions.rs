//! What an officer does on a report's page: answer, triage, take a procedure's step, send a
//! notice, note, merge, hold, assign, transfer, mark as police conduct, reveal.

use crate::AppState;
use crate::error::PageError;
use crate::extract::Ctx;
use crate::extract::checked;
use crate::pages::report::view::{FormSlot, IdentityLines, Shown, report_response};
use crate::pages::{PostedForm, StaffPage, first_field_message};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use hotline_core::handling::TriageInput;
use hotline_core::identity::ItemReveal;
use hotline_core::procedure::StepInput;
use hotline_core::{Actor, CoreError, Reveal};
use hotline_domain::DomainError;
use http::StatusCode;
use serde::Deserialize;

/// The fields of [`reply`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ReplyForm {
    #[serde(deserialize_with = "checked")]
    unaccented: bool,
    text: String,
}

/// The answer form's target: the officer's message to the reporter, then the report again.
pub async fn reply(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<ReplyForm>,
) -> Result<Response, PageError> {
    // An SMS answer sent without marks takes fewer messages (the box says how many).
    let text = if form.unaccented {
        hotline_domain::sms::unaccented(&form.text)
    } else {
        form.text.to_owned()
    };
    let done = state
        .hotline
        .reply_to_reporter(&actor, &case, &text)
        .await
        .map(|_| ());
    let shown = |message| Shown::refused(FormSlot::Reply, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-forbidden").await
}

/// The fields of [`triage`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TriageForm {
    legal_type: String,
    topic: String,
    urgency: String,
    commune: String,
}

/// The triage form's target: the officer's classification, then the report again.
pub async fn triage(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<TriageForm>,
) -> Result<Response, PageError> {
    let input = TriageInput {
        legal_type: &form.legal_type,
        topic: &form.topic,
        urgency: &form.urgency,
        commune: &form.commune,
    };
    let done = state.hotline.triage(&actor, &case, &input).await;
    let shown = |message| Shown::refused(FormSlot::Triage, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-forbidden").await
}

/// The fields of [`step`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    action: String,
    number: String,
    decided_on: String,
    signer: String,
    grounds: String,
}

/// A procedure step's form target: the step with its decision or note, then the report again.
pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<StepForm>,
) -> Result<Response, PageError> {
    let input = StepInput {
        action: &form.action,
        number: &form.number,
        decided_on: &form.decided_on,
        signer: &form.signer,
        grounds: &form.grounds,
    };
    let done = state
        .hotline
        .take_step(&actor, &case, &input)
        .await
        .map(|_| ());
    let shown = |message| Shown::refused(FormSlot::Step, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-step-role").await
}

/// The fields of [`send_notice`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SendNoticeForm {
    via: String,
}

/// A notice's form target: sends it (to the reporter on their channel) or records how it went
/// to the procuracy, then the report again.
pub async fn send_notice(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path((case, notice)): Path<(String, i64)>,
    PostedForm(form): PostedForm<SendNoticeForm>,
) -> Result<Response, PageError> {
    let done = state
        .hotline
        .send_notice(&actor, &case, notice, &form.via)
        .await;
    let shown = |message| Shown::refused(FormSlot::Step, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-forbidden").await
}

/// The fields of [`note`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct NoteForm {
    text: String,
}

/// The note form's target: an internal note on the report, then the report again.
pub async fn note(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<NoteForm>,
) -> Result<Response, PageError> {
    let done = state.hotline.add_note(&actor, &case, &form.text).await;
    let shown = |message| Shown::refused(FormSlot::Note, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-forbidden").await
}

/// The fields of [`merge`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct MergeForm {
    into: String,
}

/// The merge form's target: joins this report, a duplicate, to the one named; then that one.
pub async fn merge(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<MergeForm>,
) -> Result<Response, PageError> {
    let into = form.into.trim().to_uppercase();
    match state.hotline.merge(&actor, &case, &into).await {
        Ok(()) => Ok(Redirect::to(&format!("/console/reports/{into}")).into_response()),
        Err(e) => {
            let shown = |message| Shown::refused(FormSlot::Merge, message);
            report_form_failed(
                &state,
                &ctx,
                &actor,
                &case,
                e,
                shown,
                "error-no-merge-authority",
            )
            .await
        }
    }
}

/// The fields of [`legal_hold`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct LegalHoldForm {
    #[serde(deserialize_with = "checked")]
    hold: bool,
    reason: String,
}

/// The legal-hold form's target: puts the report on hold or releases it, then shows the
/// report again.
pub async fn legal_hold(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<LegalHoldForm>,
) -> Result<Response, PageError> {
    let hold = form.hold;
    let done = state
        .hotline
        .set_legal_hold(&actor, &case, hold, &form.reason)
        .await;
    let shown = |message| Shown::refused(FormSlot::Hold, message);
    back_to_report(
        &state,
        &ctx,
        &actor,
        &case,
        done,
        shown,
        "error-no-hold-authority",
    )
    .await
}

/// The fields of [`emergency_line`]'s form: `from:113`, or `to:` 114, 115 or 112.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct EmergencyLineForm {
    link: String,
}

/// The report page's form recording that the report came from 113 or was handed over to 114,
/// 115 or 112 (R30).
pub async fn emergency_line(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<EmergencyLineForm>,
) -> Result<Response, PageError> {
    let done = match form.link.split_once(':') {
        Some((direction @ ("from" | "to"), line)) => {
            state
                .hotline
                .record_emergency_line(&actor, &case, line, direction == "to")
                .await
        }
        _ => Err(CoreError::Domain(hotline_domain::DomainError::field(
            "line", "unknown",
        ))),
    };
    let shown = |message| Shown::refused(FormSlot::Emergency, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-forbidden").await
}

/// The fields of [`assign`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AssignForm {
    assignee: String,
}

/// The report page's form that hands the report to a member, or takes it back.
pub async fn assign(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<AssignForm>,
) -> Result<Response, PageError> {
    let done = state
        .hotline
        .assign(&actor, &case, Some(&form.assignee))
        .await;
    let shown = |message| Shown::refused(FormSlot::Assign, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-forbidden").await
}

/// The fields of [`transfer`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TransferForm {
    unit: String,
    reason: String,
}

/// The report page's form that hands the report over to another unit.
pub async fn transfer(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<TransferForm>,
) -> Result<Response, PageError> {
    let done = state
        .hotline
        .transfer(&actor, &case, &form.unit, &form.reason)
        .await;
    let shown = |message| Shown::refused(FormSlot::Transfer, message);
    to_report_if_still_seen(&state, &ctx, &actor, &case, done, shown).await
}

/// After a change that can take a report out of the reader's sight: back to the report while
/// they can read it, else to the inbox; the page again with why when it failed.
pub(crate) async fn to_report_if_still_seen(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    case: &str,
    done: Result<bool, CoreError>,
    shown: impl FnOnce(String) -> Shown,
) -> Result<Response, PageError> {
    match done {
        Ok(true) => Ok(Redirect::to(&format!("/console/reports/{case}")).into_response()),
        Ok(false) => Ok(Redirect::to("/console").into_response()),
        Err(e) => report_form_failed(state, ctx, actor, case, e, shown, "error-forbidden").await,
    }
}

/// The fields of [`police_conduct`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PoliceConductForm {
    nature: String,
    accused_unit: String,
    accused_post: String,
}

/// The report page's form about police conduct: names the accused's unit. The report then
/// leaves the reader's sight when they are in that unit or below it, so the inbox follows.
pub async fn police_conduct(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<PoliceConductForm>,
) -> Result<Response, PageError> {
    let done = match form.nature.parse() {
        Ok(nature) => {
            state
                .hotline
                .mark_police_conduct(
                    &actor,
                    &case,
                    &form.accused_unit,
                    &form.accused_post,
                    nature,
                )
                .await
        }
        Err(e) => Err(CoreError::Domain(e)),
    };
    let shown = |message| Shown::refused(FormSlot::Conduct, message);
    to_report_if_still_seen(&state, &ctx, &actor, &case, done, shown).await
}

/// The fields of [`correct_accused_unit`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AccusedCorrectionForm {
    accused_unit: String,
    accused_post: String,
    reason: String,
}

/// The report page's form that names another accused's unit when the one named was wrong:
/// a leader above both, with a reason.
pub async fn correct_accused_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<AccusedCorrectionForm>,
) -> Result<Response, PageError> {
    let done = state
        .hotline
        .correct_accused_unit(
            &actor,
            &case,
            &form.accused_unit,
            &form.accused_post,
            &form.reason,
        )
        .await;
    let shown = |message| Shown::refused(FormSlot::Conduct, message);
    to_report_if_still_seen(&state, &ctx, &actor, &case, done, shown).await
}

/// The fields of [`correct_legal_type`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct LegalTypeCorrectionForm {
    legal_type: String,
    reason: String,
}

/// The report page's form that corrects the locked legal type of a report about police
/// conduct: a leader above the accused, with a reason.
pub async fn correct_legal_type(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<LegalTypeCorrectionForm>,
) -> Result<Response, PageError> {
    let done = state
        .hotline
        .correct_legal_type(&actor, &case, &form.legal_type, &form.reason)
        .await;
    let shown = |message| Shown::refused(FormSlot::Conduct, message);
    back_to_report(&state, &ctx, &actor, &case, done, shown, "error-forbidden").await
}

/// After a form on the report page: back to the report when it worked, else
/// [`report_form_failed`].
pub(crate) async fn back_to_report(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    case: &str,
    done: Result<(), CoreError>,
    shown: impl FnOnce(String) -> Shown,
    forbidden: &'static str,
) -> Result<Response, PageError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/console/reports/{case}")).into_response()),
        Err(e) => report_form_failed(state, ctx, actor, case, e, shown, forbidden).await,
    }
}

/// After a form on the report page failed: the page again with the message beside that form,
/// or an error page.
pub(crate) async fn report_form_failed(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    case: &str,
    error: CoreError,
    shown: impl FnOnce(String) -> Shown,
    forbidden: &'static str,
) -> Result<Response, PageError> {
    match error {
        CoreError::Domain(DomainError::Invalid(errors)) => {
            let errors = shown(first_field_message(ctx, &errors));
            report_response(state, ctx, actor, case, StatusCode::BAD_REQUEST, errors).await
        }
        CoreError::Forbidden => Err(PageError::new(StatusCode::FORBIDDEN, forbidden)),
        e => Err(PageError::from(e)),
    }
}

/// The fields of [`approve_reveal`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ApproveRevealForm {
    request: String,
}

/// The approval form's target: approves another member's request to reveal an identity.
pub async fn approve_reveal(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<ApproveRevealForm>,
) -> Result<Response, PageError> {
    let request = form.request.parse().unwrap_or(0);
    let done = state.hotline.approve_reveal(&actor, &case, request).await;
    let shown = |message| Shown::refused(FormSlot::Reveal, message);
    back_to_report(
        &state,
        &ctx,
        &actor,
        &case,
        done,
        shown,
        "error-no-clearance",
    )
    .await
}

/// The fields of [`reveal_text_item`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RevealTextItemForm {
    message: String,
    item: String,
    reason: String,
}

/// The target of a masked item's form: shows the item in place (never in a URL), or the page
/// again with why not.
pub async fn reveal_text_item(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<RevealTextItemForm>,
) -> Result<Response, PageError> {
    let (Ok(message), Ok(item)) = (form.message.parse(), form.item.parse()) else {
        return Err(PageError::new(StatusCode::BAD_REQUEST, "error-bad-request"));
    };
    match state
        .hotline
        .reveal_text_item(&actor, &case, message, item, &form.reason)
        .await
    {
        Ok(ItemReveal::Shown {
            message,
            item,
            value,
        }) => {
            let shown = Shown {
                item: Some((message, item, value)),
                item_notice: Some(ctx.tr.t("item-revealed")),
                ..Shown::default()
            };
            report_response(&state, &ctx, &actor, &case, StatusCode::OK, shown).await
        }
        Ok(ItemReveal::AwaitingApproval) => {
            let shown = Shown {
                item_notice: Some(ctx.tr.t("reveal-requested")),
                ..Shown::default()
            };
            report_response(&state, &ctx, &actor, &case, StatusCode::ACCEPTED, shown).await
        }
        Err(e) => {
            let shown = |message| Shown::refused(FormSlot::Item, message);
            report_form_failed(&state, &ctx, &actor, &case, e, shown, "error-no-clearance").await
        }
    }
}

/// The fields of [`reveal_identity`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RevealIdentityForm {
    reason: String,
}

/// The reveal form's target: shows the identity on the report page (never in a URL), or the
/// page again with why not.
pub async fn reveal_identity(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    PostedForm(form): PostedForm<RevealIdentityForm>,
) -> Result<Response, PageError> {
    match state
        .hotline
        .reveal_identity(&actor, &case, &form.reason)
        .await
    {
        Ok(Reveal::AwaitingApproval) => {
            let shown = Shown {
                notice: Some(ctx.tr.t("reveal-requested")),
                ..Shown::default()
            };
            report_response(&state, &ctx, &actor, &case, StatusCode::ACCEPTED, shown).await
        }
        Ok(Reveal::Shown(identity)) => {
            let shown = |v: Option<String>| v.unwrap_or_else(|| ctx.tr.t("reveal-none"));
            let lines = IdentityLines {
                name: shown(identity.name),
                phone: shown(identity.phone),
                email: shown(identity.email),
            };
            let shown = Shown {
                identity: Some(lines),
                ..Shown::default()
            };
            report_response(&state, &ctx, &actor, &case, StatusCode::OK, shown).await
        }
        Err(e) => {
            let shown = |message| Shown::refused(FormSlot::Reveal, message);
            report_form_failed(&state, &ctx, &actor, &case, e, shown, "error-no-clearance").await
        }
    }
}
