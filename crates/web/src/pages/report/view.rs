//! The report page: its details, conversation and history, and the forms of what the reader
//! may do next.

use crate::AppState;
use crate::error::PageError;
use crate::extract::Ctx;
use crate::pages::capture::MemberOption;
use crate::pages::inbox::{Row, row};
use crate::pages::report::files::{AttachmentLine, human_size, preview_of};
use crate::pages::timeline::{PartLine, TimelineLine};
use crate::pages::unit_names::unit_label;
use crate::pages::{Chrome, StaffPage, render, vn_time};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use hotline_core::identity::RevealTarget;
use hotline_core::reports::ReportView;
use hotline_core::{Actor, CoreError};
use hotline_domain::workflow::Procedure;
use hotline_domain::{LegalType, Topic, Urgency};
use hotline_store::ReportSummary;
use http::StatusCode;

#[derive(Template)]
#[template(path = "report.html")]
pub(crate) struct ReportPage {
    c: Chrome,
    title: String,
    row: Row,
    place: String,
    address: Option<String>,
    reporter: String,
    can_reveal: bool,
    needs_approval: bool,
    identity: Option<IdentityLines>,
    notice: Option<String>,
    reveal_error: Option<String>,
    requests: Vec<RequestLine>,
    legal_hold: bool,
    can_hold: bool,
    occurred: Option<String>,
    protection: bool,
    emergency_error: Option<String>,
    hold_error: Option<String>,
    /// Who the report is handed to.
    assignee: Option<String>,
    /// Whom the reader may hand it to, when they may (username, name, current).
    assign_choices: Option<Vec<MemberOption>>,
    assign_error: Option<String>,
    /// Units the report can be handed over to, when the reader may.
    transfer_choices: Option<Vec<(String, String)>>,
    transfer_error: Option<String>,
    /// The accused's unit, once the report is about police conduct.
    accused_unit: Option<String>,
    /// The accused's post as recorded, in the reader's language.
    accused_post: String,
    /// The posts that can be named, as (value, label): "not known" first.
    accused_posts: Vec<(&'static str, String)>,
    /// Units that can be named as the accused's: the report's province and its communes.
    accused_choices: Vec<(String, String)>,
    conduct_error: Option<String>,
    /// The reader may name another accused's unit (they lead a unit above it).
    accused_correctable: bool,
    timeline: Vec<TimelineLine>,
    can_reveal_items: bool,
    item_notice: Option<String>,
    item_error: Option<String>,
    reply_error: Option<String>,
    note_error: Option<String>,
    attachments: Vec<AttachmentLine>,
    triage: TriageSection,
    triage_error: Option<String>,
    deadline: Option<DeadlineLine>,
    procedure: Option<ProcedureLines>,
    step_error: Option<String>,
    /// The report this one was joined to, when it was.
    merged_into: Option<String>,
    /// Reports joined to this one that the reader can see.
    merged: Vec<String>,
    can_merge: bool,
    merge_error: Option<String>,
    /// Open reports that look like the same incident.
    similar: Vec<SimilarLine>,
    /// Where an answer goes: the follow-up page, or the platform the report came from.
    reply_hint: String,
    /// The report came by SMS: the reply box counts the messages an answer takes.
    by_sms: bool,
    /// The reader's other reports from the same reporter: case number and channel.
    same_reporter: Vec<(String, String)>,
}

/// A report suggested as the same incident.
pub(crate) struct SimilarLine {
    case_number: String,
    received: String,
    channel: String,
    summary: String,
    likeness: String,
}

/// A report's procedure on its page: where it stands, the steps taken, the steps the reader
/// may take.
pub(crate) struct ProcedureLines {
    name: String,
    stage: String,
    taken: Vec<TakenLine>,
    open: Vec<OpenStep>,
    notices: Vec<NoticeLine>,
}

pub(crate) struct NoticeLine {
    id: i64,
    what: String,
    to_reporter: bool,
    due: String,
    due_iso: String,
    overdue: bool,
    text: String,
    /// When, how and by whom it went out.
    sent: Option<(String, String, String)>,
}

pub(crate) struct TakenLine {
    action: String,
    at: String,
    at_iso: String,
    who: String,
    /// Number, date and signer of a decision.
    decision: Option<(String, String, String)>,
    grounds: String,
}

pub(crate) struct OpenStep {
    action: &'static str,
    label: String,
    decision: bool,
    basis: &'static str,
}

/// The time limit running for a report, for its page (when and whether overdue are the row's).
pub(crate) struct DeadlineLine {
    rule: String,
    /// The limit as the law gives it ("20 ngày").
    limit: String,
    basis: &'static str,
}

/// The triage form's choices, the report's values selected.
pub(crate) struct TriageSection {
    /// What the text suggests, with how sure each hint is.
    hint: Option<String>,
    legal_type: String,
    legal_type_label: String,
    topic_label: String,
    /// The report is about police conduct: its type stays.
    conduct: bool,
    legal_types: Vec<(&'static str, String)>,
    topic: String,
    topics: Vec<(&'static str, String)>,
    urgency: &'static str,
    urgencies: Vec<(&'static str, String)>,
    commune: String,
    /// The communes of the report's province (code, name); empty when it has none.
    communes: Vec<(String, String)>,
}

/// A request to reveal an identity, as listed for members with clearance.
pub struct RequestLine {
    pub id: i64,
    /// What an approval would let the asker see.
    pub what: String,
    pub who: String,
    pub at: String,
    pub at_iso: String,
    pub reason: String,
    pub approved: bool,
    pub mine: bool,
}

/// A revealed identity, each field labelled for display.
pub struct IdentityLines {
    pub name: String,
    pub phone: String,
    pub email: String,
}

pub(crate) fn place_label(state: &AppState, ctx: &Ctx, view: &ReportView) -> String {
    let places = &state.hotline.places;
    let s = &view.detail.summary;
    let province = s.province_code.and_then(|p| places.province(p));
    let commune = s.commune_code.and_then(|c| places.commune(c));
    match (commune, province) {
        (Some(c), Some(p)) => format!("{}, {}", c.name, p.name),
        (None, Some(p)) => p.name.clone(),
        _ => ctx.tr.t("report-place-unknown"),
    }
}

pub async fn report_page(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
) -> Result<Response, PageError> {
    report_response(
        &state,
        &ctx,
        &actor,
        &case,
        StatusCode::OK,
        Shown::default(),
    )
    .await
}

/// What a form post adds to the report page.
#[derive(Default)]
pub(crate) struct Shown {
    pub(crate) identity: Option<IdentityLines>,
    pub(crate) notice: Option<String>,
    /// A masked item revealed: its message, its number there, its value.
    pub(crate) item: Option<(i64, usize, String)>,
    pub(crate) item_notice: Option<String>,
    /// Why the form posted was refused, shown beside that form.
    pub(crate) error: Option<(FormSlot, String)>,
}

/// The report page's forms, for placing an error beside the one that was posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormSlot {
    Item,
    Reveal,
    Hold,
    Conduct,
    Assign,
    Transfer,
    Reply,
    Note,
    Triage,
    Merge,
    Step,
    Emergency,
}

impl Shown {
    /// The page again with `message` beside the form at `slot`.
    pub(crate) fn refused(slot: FormSlot, message: String) -> Self {
        Self {
            error: Some((slot, message)),
            ..Self::default()
        }
    }

    /// The error beside the form at `slot`, if it is the one refused.
    pub(crate) fn error_at(&self, slot: FormSlot) -> Option<String> {
        self.error
            .as_ref()
            .filter(|(at, _)| *at == slot)
            .map(|(_, message)| message.clone())
    }
}

/// The procedure section of a report page; `None` before the report is classified.
pub(crate) async fn procedure_lines(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    view: &ReportView,
) -> Result<Option<ProcedureLines>, CoreError> {
    let Some(procedure) = Procedure::of(view.detail.summary.legal_type) else {
        return Ok(None);
    };
    let stage = view.detail.procedure.stage;
    let case = view.detail.summary.case_number.as_str();
    let taken = state
        .hotline
        .steps(actor, case)
        .await?
        .into_iter()
        .map(|step| TakenLine {
            action: ctx.tr.t(&format!("action-{}", step.action)),
            at: vn_time(step.at),
            at_iso: step.at.to_rfc3339(),
            who: step.actor_name,
            decision: step.number.map(|number| {
                (
                    number,
                    step.decided_on
                        .map(|d| d.format("%d/%m/%Y").to_string())
                        .unwrap_or_default(),
                    step.signer.unwrap_or_default(),
                )
            }),
            grounds: step.grounds,
        })
        .collect();
    let open = procedure
        .steps_from(stage)
        .filter(|step| step.roles.contains(&actor.0.role))
        .map(|step| OpenStep {
            action: step.action.as_str(),
            label: ctx.tr.t(&format!("action-{}", step.action)),
            decision: step.records == hotline_domain::workflow::Record::Decision,
            basis: step.basis,
        })
        .collect();
    let now = state.hotline.clock.now();
    let notices = state
        .hotline
        .notices(actor, case)
        .await?
        .into_iter()
        .map(|n| NoticeLine {
            id: n.id,
            what: format!(
                "{} · {}",
                ctx.tr.t(&format!("notice-{}", n.kind)),
                ctx.tr.t(&format!("notice-to-{}", n.recipient))
            ),
            to_reporter: n.recipient == hotline_domain::workflow::Recipient::Reporter,
            due: crate::pages::due_time(n.due_at),
            due_iso: n.due_at.to_rfc3339(),
            overdue: n.sent_at.is_none() && n.due_at < now,
            text: n.text,
            sent: n.sent_at.map(|at| {
                (
                    vn_time(at),
                    n.sent_via.unwrap_or_default(),
                    n.sent_by.unwrap_or_default(),
                )
            }),
        })
        .collect();
    Ok(Some(ProcedureLines {
        name: ctx.tr.t(&format!("procedure-{procedure}")),
        stage: ctx.tr.t(&format!("stage-{stage}")),
        taken,
        open,
        notices,
    }))
}

/// The triage form as the report stands.
pub(crate) fn triage_form(state: &AppState, ctx: &Ctx, view: &ReportView) -> TriageSection {
    let detail = &view.detail;
    let summary = &detail.summary;
    let province = summary.province_code.or(match summary.unit.shape() {
        hotline_domain::unit::UnitShape::Province(p)
        | hotline_domain::unit::UnitShape::Commune(p, _) => Some(p),
        _ => None,
    });
    let label = |key: Option<String>| match key {
        Some(key) => ctx.tr.t(&key),
        None => ctx.tr.t("triage-unset"),
    };
    // Before the first classification the form starts from the text's hints; the officer
    // accepts or corrects them.
    let hinted = view.hints.as_ref().filter(|_| summary.legal_type.is_none());
    let hinted_legal = hinted
        .map(|h| h.legal_type)
        .filter(|t| *t != LegalType::PoliceConduct);
    let hinted_commune = hinted
        .filter(|h| summary.commune_code.is_none() && h.province_code == province)
        .and_then(|h| h.commune_code);
    let urgency = match hinted.map(|h| h.urgency) {
        Some(hint) if hint.rank() < summary.urgency.rank() => hint,
        _ => summary.urgency,
    };
    TriageSection {
        hint: view.hints.as_ref().map(|h| {
            format!(
                "{} ({:.0} %) · {} ({:.0} %) · {} ({:.0} %)",
                ctx.tr.t(&format!("legal_type-{}", h.legal_type)),
                h.confidence.legal_type * 100.0,
                ctx.tr.t(&format!("topic-{}", h.topic)),
                h.confidence.topic * 100.0,
                ctx.tr.t(&format!("urgency-{}", h.urgency)),
                h.confidence.urgency * 100.0,
            )
        }),
        legal_type: detail
            .summary
            .legal_type
            .or(hinted_legal)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        legal_type_label: label(detail.summary.legal_type.map(|t| format!("legal_type-{t}"))),
        topic_label: label(detail.topic.map(|t| format!("topic-{t}"))),
        conduct: detail.accused_unit.is_some(),
        legal_types: LegalType::ALL
            .iter()
            .filter(|t| **t != LegalType::PoliceConduct)
            .map(|t| (t.as_str(), ctx.tr.t(&format!("legal_type-{t}"))))
            .collect(),
        topic: detail
            .topic
            .or(hinted.map(|h| h.topic))
            .map(|t| t.to_string())
            .unwrap_or_default(),
        topics: Topic::ALL
            .iter()
            .map(|t| (t.as_str(), ctx.tr.t(&format!("topic-{t}"))))
            .collect(),
        urgency: urgency.as_str(),
        urgencies: Urgency::ALL
            .iter()
            .map(|u| (u.as_str(), ctx.tr.t(&format!("urgency-{u}"))))
            .collect(),
        commune: summary
            .commune_code
            .or(hinted_commune)
            .map(|c| c.to_string())
            .unwrap_or_default(),
        communes: province
            .map(|p| {
                state
                    .hotline
                    .places
                    .communes_of(p)
                    .map(|c| (c.code.to_string(), c.name.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The units a report can be handed over to: the ministry, every province's police, and the
/// communes of the report's province; its own unit left out.
pub(crate) fn transfer_choices(
    state: &AppState,
    ctx: &Ctx,
    summary: &ReportSummary,
    departments: &[hotline_store::Unit],
) -> Vec<(String, String)> {
    let places = &state.hotline.places;
    let mut codes = vec![hotline_domain::UnitCode::ministry()];
    codes.extend(
        places
            .provinces()
            .iter()
            .map(|p| hotline_domain::UnitCode::province(p.code)),
    );
    if let Some(p) = summary.province_code {
        codes.extend(
            places
                .communes_of(p)
                .map(|c| hotline_domain::UnitCode::commune(p, c.code)),
        );
    }
    let departments = departments
        .iter()
        .map(|d| (d.code.to_string(), format!("{} ({})", d.name, d.code)));
    codes
        .into_iter()
        .map(|code| {
            let label = if code == hotline_domain::UnitCode::ministry() {
                ctx.tr.t("unit-ministry")
            } else {
                unit_label(state, ctx, &code)
            };
            (code.to_string(), label)
        })
        .chain(departments)
        .filter(|(code, _)| *code != summary.unit.as_str())
        .collect()
}

/// The units that can be named as the accused's on a report: its province's police and the
/// province's communes; every province's police when the report has no place.
pub(crate) fn accused_choices(
    state: &AppState,
    ctx: &Ctx,
    province: Option<u32>,
    departments: &[hotline_store::Unit],
) -> Vec<(String, String)> {
    let places = &state.hotline.places;
    let codes: Vec<hotline_domain::UnitCode> = match province {
        Some(p) => std::iter::once(hotline_domain::UnitCode::province(p))
            .chain(
                places
                    .communes_of(p)
                    .map(|c| hotline_domain::UnitCode::commune(p, c.code)),
            )
            .collect(),
        None => places
            .provinces()
            .iter()
            .map(|p| hotline_domain::UnitCode::province(p.code))
            .collect(),
    };
    codes
        .iter()
        .map(|code| (code.to_string(), unit_label(state, ctx, code)))
        .chain(
            departments
                .iter()
                .map(|d| (d.code.to_string(), format!("{} ({})", d.name, d.code))),
        )
        .collect()
}

pub(crate) async fn report_response(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    case: &str,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, PageError> {
    let view = state.hotline.report(actor, case).await?;
    let summary = &view.detail.summary;
    // The refused form's message, read beside each form while the rest of `shown` moves.
    let refused = Shown {
        error: shown.error.clone(),
        ..Shown::default()
    };
    let departments = match summary.province_code {
        Some(p) => state.hotline.departments_of(p).await?,
        None => Vec::new(),
    };
    let platform = hotline_domain::platform::PlatformSpec::of(summary.channel)
        .filter(|_| view.answered_on_platform);
    let reply_hint = match platform {
        Some(spec) if !spec.private || hotline_core::channels::began_in_public(&view) => {
            ctx.tr.t("reply-hint-public")
        }
        Some(spec) => ctx.tr.t1(
            "reply-hint-platform",
            "channel",
            ctx.tr.t(&format!("channel-{}", spec.name())),
        ),
        None => ctx.tr.t("reply-hint"),
    };
    let same_reporter = view
        .same_reporter
        .iter()
        .map(|(case, channel)| (case.to_string(), ctx.tr.t(&format!("channel-{channel}"))))
        .collect();
    let page = ReportPage {
        reply_hint,
        by_sms: summary.channel == hotline_domain::Channel::Sms,
        same_reporter,
        c: Chrome::new(ctx, Some(actor)),
        title: ctx
            .tr
            .t1("report-title", "case", summary.case_number.to_string()),
        row: row(ctx, summary, state.hotline.clock.now()),
        procedure: procedure_lines(state, ctx, actor, &view).await?,
        step_error: refused.error_at(FormSlot::Step),
        deadline: summary.deadline.map(|d| DeadlineLine {
            rule: ctx.tr.t(&format!("deadline-rule-{}", d.rule)),
            limit: d
                .rule
                .text()
                .spans
                .first()
                .map(ToString::to_string)
                .unwrap_or_default(),
            basis: d.rule.text().basis,
        }),
        place: place_label(state, ctx, &view),
        address: view.detail.address.clone(),
        reporter: match &view.reporter {
            Some(pseudonym) => ctx
                .tr
                .t1("report-pseudonym", "pseudonym", pseudonym.to_string()),
            None => ctx.tr.t("report-anonymous"),
        },
        can_reveal: view.detail.contact.is_some() && actor.0.role.may_reveal_identity(),
        needs_approval: state
            .hotline
            .needs_second_approval(view.detail.summary.legal_type),
        identity: shown.identity,
        notice: shown.notice,
        reveal_error: refused.error_at(FormSlot::Reveal),
        requests: view
            .reveal_requests
            .iter()
            .map(|r| RequestLine {
                id: r.id,
                what: match r.target.parse() {
                    Ok(RevealTarget::Item { message, item }) => ctx.tr.t2(
                        "reveal-target-item",
                        ("item", (item + 1).to_string()),
                        ("message", message.to_string()),
                    ),
                    Ok(RevealTarget::ContactSearch { .. }) => ctx.tr.t("reveal-target-search"),
                    Ok(RevealTarget::Identity) => ctx.tr.t("reveal-target-identity"),
                    Err(()) => ctx.tr.t("reveal-target-unbound"),
                },
                who: r.requester.clone(),
                at: vn_time(r.requested_at),
                at_iso: r.requested_at.to_rfc3339(),
                reason: r.reason.clone(),
                approved: r.approved_by.is_some(),
                mine: r.requested_by == actor.0.id,
            })
            .collect(),
        legal_hold: view.detail.legal_hold,
        occurred: view.detail.occurred_at.map(vn_time),
        protection: view.detail.protection_requested,
        can_hold: actor.0.role.may_place_legal_hold(),
        hold_error: refused.error_at(FormSlot::Hold),
        emergency_error: refused.error_at(FormSlot::Emergency),
        assignee: view
            .assignee
            .as_ref()
            .map(|m| format!("{} · {}", m.display_name, m.unit_name)),
        assign_choices: if actor.0.role.may_assign() {
            match state.hotline.assignable(actor, case).await {
                Ok(members) => Some(
                    members
                        .into_iter()
                        .map(|m| MemberOption {
                            selected: view.detail.assignee == Some(m.id),
                            label: format!("{} · {}", m.display_name, m.unit_name),
                            username: m.username,
                        })
                        .collect(),
                ),
                Err(e) => return Err(PageError::from(e)),
            }
        } else {
            None
        },
        assign_error: refused.error_at(FormSlot::Assign),
        transfer_choices: actor
            .0
            .role
            .may_assign()
            .then(|| transfer_choices(state, ctx, summary, &departments)),
        transfer_error: refused.error_at(FormSlot::Transfer),
        accused_unit: view
            .detail
            .accused_unit
            .as_ref()
            .map(|code| unit_label(state, ctx, code)),
        accused_post: crate::pages::timeline::accused_post_label(ctx, view.detail.accused_post),
        accused_posts: std::iter::once(("", ctx.tr.t("accused-post-unknown")))
            .chain(
                hotline_domain::conduct::AccusedPost::ALL
                    .iter()
                    .map(|post| (post.as_str(), ctx.tr.t(&format!("accused-post-{post}")))),
            )
            .collect(),
        accused_choices: accused_choices(state, ctx, summary.province_code, &departments),
        conduct_error: refused.error_at(FormSlot::Conduct),
        accused_correctable: view.detail.accused_unit.is_some()
            && actor.0.role.may_correct_accused(),
        timeline: crate::pages::timeline::lines(
            state,
            ctx,
            &view.timeline,
            shown.item.as_ref(),
            &view
                .merged
                .iter()
                .map(|r| r.case_number.to_string())
                .chain(view.detail.merged_into.iter().map(ToString::to_string))
                .collect::<Vec<_>>(),
        ),
        can_reveal_items: actor.0.role.may_reveal_identity(),
        item_notice: shown.item_notice,
        item_error: refused.error_at(FormSlot::Item),
        reply_error: refused.error_at(FormSlot::Reply),
        attachments: view
            .attachments
            .iter()
            .map(|a| AttachmentLine {
                id: a.id,
                file_name: a.file_name.clone(),
                content_type: a.content_type.clone(),
                preview: preview_of(&a.content_type),
                size: human_size(a.size_bytes),
                metadata_removed: a.metadata_removed,
            })
            .collect(),
        note_error: refused.error_at(FormSlot::Note),
        triage: triage_form(state, ctx, &view),
        triage_error: refused.error_at(FormSlot::Triage),
        merged_into: view.detail.merged_into.as_ref().map(|c| c.to_string()),
        merged: view
            .merged
            .iter()
            .map(|r| r.case_number.to_string())
            .collect(),
        can_merge: actor.0.role.may_assign(),
        similar: if actor.0.role.may_assign() && view.detail.merged_into.is_none() {
            match state.hotline.similar_reports(actor, case).await {
                Ok(similar) => similar
                    .into_iter()
                    .map(|s| SimilarLine {
                        case_number: s.report.case_number.to_string(),
                        received: vn_time(s.report.created_at),
                        channel: ctx.tr.t(&format!("channel-{}", s.report.channel)),
                        summary: s.report.summary,
                        likeness: format!("{:.0} %", s.likeness * 100.0),
                    })
                    .collect(),
                Err(e) => return Err(PageError::from(e)),
            }
        } else {
            Vec::new()
        },
        merge_error: refused.error_at(FormSlot::Merge),
    };
    render(status, &page)
}
