//! A report's timeline on its page: messages both ways, internal notes and what happened to
//! it, each entry worded in the reader's language.

use super::vn_time;
use crate::AppState;
use crate::extract::Ctx;
use hotline_core::reports::{EventView, Part, TimelineEntry, TimelineItem};
use hotline_domain::{CaseNumber, ReportEvent, UnitCode};

/// How long after it was sent a message must reach the hotline for the page to say when it did.
const ARRIVED_LATE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// One entry as the page shows it.
pub enum TimelineLine {
    Message(MessageLine),
    Note(NoteLine),
    Event(EventLine),
}

pub struct MessageLine {
    pub id: i64,
    pub direction: &'static str,
    pub who: String,
    pub channel: String,
    pub at: String,
    pub at_iso: String,
    /// When it reached the hotline (shown, as words and as ISO time, only when well after it
    /// was sent: a platform held it, or a gateway replayed it).
    pub arrived: Option<(String, String)>,
    /// Where an answer to the reporter stands (code, words); none for inbound messages.
    pub delivery: Option<(&'static str, String)>,
    /// Why the platform did not take it, in its own words.
    pub send_error: Option<String>,
    /// The duplicate report it came with, when it is not this report's own.
    pub joined: Option<String>,
    pub parts: Vec<PartLine>,
}

/// A piece of a message on the page.
pub enum PartLine {
    Text(String),
    /// A personal item still masked, by its number in the message.
    Hidden(usize),
    /// The item revealed in this response.
    Revealed(String),
}

pub struct NoteLine {
    pub author: String,
    pub at: String,
    pub at_iso: String,
    pub text: String,
}

pub struct EventLine {
    pub at: String,
    pub at_iso: String,
    pub what: String,
    pub actor: Option<String>,
    /// For a transfer, the number of its handover record.
    pub record: Option<usize>,
}

/// The timeline's lines; `revealed` is the masked item shown in this response (message,
/// number, value).
pub fn lines(
    state: &AppState,
    ctx: &Ctx,
    timeline: &[TimelineEntry],
    revealed: Option<&(i64, usize, String)>,
    readable: &[String],
) -> Vec<TimelineLine> {
    let mut transfers = 0;
    timeline
        .iter()
        .map(|entry| match &entry.item {
            TimelineItem::Message(view) => {
                let m = &view.message;
                TimelineLine::Message(MessageLine {
                    id: m.id.0,
                    direction: m.direction.as_str(),
                    who: ctx.tr.t(&format!("report-{}", m.direction)),
                    channel: ctx.tr.t(&format!("channel-{}", m.channel)),
                    at: vn_time(m.at()),
                    at_iso: m.at().to_rfc3339(),
                    arrived: (m.created_at - m.at() >= ARRIVED_LATE)
                        .then(|| (vn_time(m.created_at), m.created_at.to_rfc3339())),
                    delivery: m
                        .delivery
                        .map(|d| (d.as_str(), ctx.tr.t(&format!("delivery-{d}")))),
                    send_error: m.send_error.clone(),
                    joined: entry.joined.as_ref().map(|case| case.to_string()),
                    parts: view
                        .parts
                        .iter()
                        .map(|part| match part {
                            Part::Text(text) => PartLine::Text(text.clone()),
                            Part::Hidden { item } => match revealed {
                                Some((message, number, value))
                                    if entry.joined.is_none()
                                        && *message == m.id.0
                                        && number == item =>
                                {
                                    PartLine::Revealed(value.clone())
                                }
                                _ => PartLine::Hidden(*item),
                            },
                        })
                        .collect(),
                })
            }
            TimelineItem::Note(view) => TimelineLine::Note(NoteLine {
                author: view.note.author_name.clone(),
                at: vn_time(view.note.created_at),
                at_iso: view.note.created_at.to_rfc3339(),
                text: view.note.body.clone(),
            }),
            TimelineItem::Event(view) => TimelineLine::Event(EventLine {
                at: vn_time(view.event.created_at),
                at_iso: view.event.created_at.to_rfc3339(),
                what: event_text(state, ctx, view, readable),
                actor: view.actor.clone(),
                record: (matches!(view.event.what, ReportEvent::Transferred { .. })
                    && entry.joined.is_none())
                .then(|| {
                    transfers += 1;
                    transfers
                }),
            }),
        })
        .collect()
}

/// The accused's post in the reader's language; "not stated" when none was recorded.
pub(crate) fn accused_post_label(
    ctx: &Ctx,
    post: Option<hotline_domain::conduct::AccusedPost>,
) -> String {
    ctx.tr.t(&format!(
        "accused-post-{}",
        post.map_or("unknown", |p| p.as_str())
    ))
}

/// What an event says: its kind, and what its detail points at by name.
/// `readable`: the case numbers of other reports the reader may see, the only ones named.
fn event_text(state: &AppState, ctx: &Ctx, view: &EventView, readable: &[String]) -> String {
    let what = &view.event.what;
    let kind = ctx.tr.t(&format!("event-{}", what.kind_str()));
    let unit = |code: &UnitCode| super::unit_names::unit_label(state, ctx, code);
    let readable_case = |case: &CaseNumber| {
        let case = case.to_string();
        readable.contains(&case).then_some(case)
    };
    let more = match what {
        ReportEvent::Assigned { .. } => view.assignee.clone(),
        ReportEvent::Transferred { from, to, .. } => Some(format!("{} → {}", unit(from), unit(to))),
        ReportEvent::PoliceConduct { accused_unit, post } => Some(format!(
            "{} ({})",
            unit(accused_unit),
            accused_post_label(ctx, *post)
        )),
        ReportEvent::AccusedCorrected {
            from,
            to,
            post,
            reason,
        } => Some(format!(
            "{} → {} ({}): {reason}",
            unit(from),
            unit(to),
            accused_post_label(ctx, *post)
        )),
        ReportEvent::EmergencyLine { line, handed } => Some(ctx.tr.t(&format!(
            "emergency-line-{}-{line}",
            if *handed { "to" } else { "from" }
        ))),
        ReportEvent::LegalTypeCorrected { from, to, reason } => Some(format!(
            "{} → {}: {reason}",
            ctx.tr.t(&format!("legal_type-{from}")),
            ctx.tr.t(&format!("legal_type-{to}"))
        )),
        ReportEvent::Alerted { level, .. } | ReportEvent::AlertAcknowledged { level } => {
            Some(ctx.tr.t(&format!("alert-level-{level}")))
        }
        ReportEvent::DeadlineAlerted { kind, .. } => {
            Some(ctx.tr.t(&format!("deadline-alert-{kind}")))
        }
        ReportEvent::Received { route, .. } if route.is_empty() => None,
        ReportEvent::Received {
            unit: held, route, ..
        } => {
            let text = route_text(ctx, route);
            // The unit the rule names may not exist yet: say where the report went instead.
            Some(if landed_elsewhere(route, held.as_str()) {
                format!(
                    "{text}. {}",
                    ctx.tr.t1("routing-landed", "unit", unit(held))
                )
            } else {
                text
            })
        }
        ReportEvent::Step { action, to, number } => {
            let mut text = ctx.tr.t(&format!("action-{action}"));
            if let Some(number) = number {
                text.push_str(&format!(" ({number})"));
            }
            text.push_str(&format!(" → {}", ctx.tr.t(&format!("stage-{to}"))));
            Some(text)
        }
        ReportEvent::NoticeSent { kind, recipient } => Some(format!(
            "{} · {}",
            ctx.tr.t(&format!("notice-{kind}")),
            ctx.tr.t(&format!("notice-to-{recipient}"))
        )),
        ReportEvent::MergedInto { into } => readable_case(into),
        ReportEvent::MergedFrom { from } => readable_case(from),
        ReportEvent::Triaged {
            urgency,
            legal_type,
            topic,
            place,
            ..
        } => {
            let mut parts = Vec::new();
            if let Some(t) = legal_type {
                parts.push(ctx.tr.t(&format!("legal_type-{t}")));
            }
            if let Some(t) = topic {
                parts.push(ctx.tr.t(&format!("topic-{t}")));
            }
            parts.push(ctx.tr.t(&format!("urgency-{urgency}")));
            if let Some(place) = place {
                let places = &state.hotline.places;
                if let Some(name) = places
                    .commune(*place)
                    .map(|c| c.name.clone())
                    .or_else(|| places.province(*place).map(|p| p.name.clone()))
                {
                    parts.push(name);
                }
            }
            Some(parts.join(", "))
        }
        ReportEvent::Acknowledged { warned: true } => Some(ctx.tr.t("event-warned")),
        ReportEvent::Acknowledged { warned: false }
        | ReportEvent::Unassigned
        | ReportEvent::Noted
        | ReportEvent::LegalHold
        | ReportEvent::LegalHoldReleased
        | ReportEvent::ReporterAdded
        | ReportEvent::Replied
        | ReportEvent::CallRecorded
        | ReportEvent::CallContentRecorded
        | ReportEvent::MediaFetched { .. }
        | ReportEvent::AttachmentReceived { .. }
        | ReportEvent::Unrecognised { .. } => None,
    };
    match more {
        Some(more) => format!("{kind}: {more}"),
        None => kind,
    }
}

/// Why intake put a report where it did, from its `route=` detail (see
/// `hotline_core::routing::Routed::basis`).
fn route_text(ctx: &Ctx, route: &str) -> String {
    let parts: Vec<&str> = route.split(',').collect();
    let [version, scope, topic, _province, target] = parts.as_slice() else {
        return ctx.tr.t("routing-by-place");
    };
    let version = match chrono::NaiveDate::parse_from_str(version, "%Y-%m-%d") {
        Ok(day) if day > hotline_domain::routing::FROM_THE_START => {
            ctx.tr
                .t1("routing-from", "date", day.format("%d/%m/%Y").to_string())
        }
        _ => ctx.tr.t("routing-first-version"),
    };
    let scope = match *scope {
        "any" | "crime_source" => ctx.tr.t(&format!("routing-scope-{scope}")),
        t => ctx.tr.t(&format!("legal_type-{t}")),
    };
    let topic = match *topic {
        "*" => ctx.tr.t("routing-any-topic"),
        t => ctx.tr.t(&format!("topic-{t}")),
    };
    let target = match target.split_once(':') {
        Some(("department", name)) => ctx.tr.t1(
            "routing-target-department-named",
            "name",
            name.to_uppercase(),
        ),
        Some((_, code)) => code.to_owned(),
        None => ctx.tr.t(&format!("routing-target-{target}")),
    };
    ctx.tr.t2(
        "routing-by-rule",
        ("version", version),
        ("rule", format!("{scope} · {topic} → {target}")),
    )
}

/// Whether a report routed by `route` (see [`route_text`]) was taken by another unit than the
/// one its rule names, because that one does not exist yet.
fn landed_elsewhere(route: &str, unit: &str) -> bool {
    match route.rsplit(',').next().and_then(|t| t.split_once(':')) {
        Some(("department", name)) => !unit.ends_with(&format!("-{name}")),
        Some(("unit", code)) => unit != code,
        _ => route.ends_with(",commune_police") && !unit.contains('/'),
    }
}

#[cfg(test)]
mod tests {
    use super::landed_elsewhere;

    #[test]
    fn a_route_says_when_another_unit_took_the_report() {
        let drugs = "2025-07-01,crime_source,drugs,*,department:pc04";
        assert!(!landed_elsewhere(drugs, "22-pc04"));
        assert!(landed_elsewhere(drugs, "22"));
        let commune = "2025-07-01,crime_source,*,*,commune_police";
        assert!(!landed_elsewhere(commune, "22/7090"));
        assert!(landed_elsewhere(commune, "22"));
        let fixed = "2025-07-01,any,gambling,22,unit:22-pc02";
        assert!(!landed_elsewhere(fixed, "22-pc02"));
        assert!(landed_elsewhere(fixed, "22"));
        assert!(!landed_elsewhere(
            "2025-07-01,complaint,*,*,provincial_police",
            "22"
        ));
        assert!(!landed_elsewhere("place", "22"));
    }
}
