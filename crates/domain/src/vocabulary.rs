//! What is recorded: the events of a report's timeline ([`ReportEvent`]) and the actions of the
//! audit chain ([`AuditAction`]), named and written here only.
//!
//! On disk an event is its kind (`report.transferred`) and a detail of `key=value` pairs
//! separated by spaces; the last pair of some kinds (a transfer's reason, an attachment's file
//! name) may hold spaces. That format predates this module and is kept: rows written before it
//! read back the same, and the audit chain's hashes bind the text of every action. An event
//! whose kind or detail is not understood reads back as [`ReportEvent::Unrecognised`], never
//! as an error: a timeline shows what it can.

use crate::DomainError;
use crate::codes::CaseNumber;
use crate::conduct::AccusedPost;
use crate::ids::StaffId;
use crate::report::{Channel, LegalType, Topic, Urgency, string_enum};
use crate::unit::UnitCode;
use crate::workflow::{Action, NoticeKind, Recipient, Stage};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

string_enum!(
    /// The kind of a report's event, as stored in `events.kind` and named in the catalogues
    /// (`event-report.transferred`).
    ReportEventKind (|_| DomainError::field("event", "unknown")) {
        Received => "report.received",
        Acknowledged => "report.acknowledged",
        Assigned => "report.assigned",
        Unassigned => "report.unassigned",
        Transferred => "report.transferred",
        PoliceConduct => "report.police_conduct",
        AccusedCorrected => "report.accused_corrected",
        LegalTypeCorrected => "report.legal_type_corrected",
        Triaged => "report.triaged",
        Noted => "report.noted",
        MergedInto => "report.merged_into",
        MergedFrom => "report.merged_from",
        Step => "report.step",
        NoticeSent => "report.notice_sent",
        Alerted => "report.alerted",
        AlertAcknowledged => "report.alert_acknowledged",
        DeadlineAlerted => "report.deadline_alerted",
        LegalHold => "report.legal_hold",
        LegalHoldReleased => "report.legal_hold_released",
        ReporterAdded => "report.reporter_added",
        EmergencyLine => "report.emergency_line",
        Replied => "report.replied",
        CallRecorded => "report.call_recorded",
        CallContentRecorded => "report.call_content_recorded",
        MediaFetched => "report.media_fetched",
        AttachmentReceived => "attachment.received",
    }
);

/// The hints a triage was offered, kept beside what the officer chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferedHints {
    pub legal_type: LegalType,
    pub topic: Topic,
    pub urgency: Urgency,
}

/// What happened to a report, with what the timeline says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportEvent {
    /// Intake took it in: on which channel, for which unit, by which routing rule
    /// (`hotline_core::routing::Routed::basis`; empty for reports received before it was
    /// recorded).
    Received {
        channel: Channel,
        unit: UnitCode,
        route: String,
    },
    /// The first answer, carrying the case number, was written.
    /// The acknowledgement went out; `warned`: with the warning about knowingly false reports
    /// (R12; absent from those recorded before it was sent).
    Acknowledged {
        warned: bool,
    },
    Assigned {
        staff: StaffId,
    },
    Unassigned,
    Transferred {
        from: UnitCode,
        to: UnitCode,
        reason: String,
    },
    /// Marked as a report about the conduct of an officer of `accused_unit` holding `post`
    /// (none on reports marked before the post was recorded).
    PoliceConduct {
        accused_unit: UnitCode,
        post: Option<AccusedPost>,
    },
    /// A leader above both named `to` as the accused's unit in place of `from`, the accused
    /// holding `post` there.
    AccusedCorrected {
        from: UnitCode,
        to: UnitCode,
        post: Option<AccusedPost>,
        reason: String,
    },
    /// A leader above the accused corrected the locked legal type of a report about police
    /// conduct.
    LegalTypeCorrected {
        from: LegalType,
        to: LegalType,
        reason: String,
    },
    Triaged {
        urgency: Urgency,
        legal_type: Option<LegalType>,
        topic: Option<Topic>,
        /// The commune's or province's code.
        place: Option<u32>,
        hinted: Option<OfferedHints>,
    },
    Noted,
    /// Joined as a duplicate to `into`.
    MergedInto {
        into: CaseNumber,
    },
    /// Took in the duplicate `from`.
    MergedFrom {
        from: CaseNumber,
    },
    /// A step of its legal procedure, to `to`, with the decision's number where it has one.
    Step {
        action: Action,
        to: Stage,
        number: Option<String>,
    },
    NoticeSent {
        kind: NoticeKind,
        recipient: Recipient,
    },
    /// An urgent report's alert reached `level`; `alerted` members for the first time.
    Alerted {
        level: u32,
        alerted: u64,
    },
    AlertAcknowledged {
        level: u32,
    },
    /// A time limit `approaching` or `passed` was warned of to `alerted` members.
    DeadlineAlerted {
        kind: String,
        alerted: u64,
    },
    LegalHold,
    LegalHoldReleased,
    /// The reporter wrote again (follow-up page, chat or mail).
    ReporterAdded,
    /// The report came from an emergency line (`handed`: false), or was handed over to one
    /// (true), recorded by the officer (R30).
    EmergencyLine {
        line: crate::workflow::EmergencyLine,
        handed: bool,
    },
    /// An officer answered the reporter.
    Replied,
    CallRecorded,
    CallContentRecorded,
    /// Media a platform delivered by reference arrived.
    MediaFetched {
        files: u64,
    },
    AttachmentReceived {
        file_name: String,
        content_type: String,
        size: u64,
        sha256_received: String,
        metadata_removed: bool,
    },
    /// A kind this version does not know, or a detail it cannot read, as stored.
    Unrecognised {
        kind: String,
        detail: String,
    },
}

impl ReportEvent {
    /// The kind as stored, also for an unrecognised event.
    pub fn kind_str(&self) -> &str {
        match self.kind() {
            Some(kind) => kind.as_str(),
            None => match self {
                Self::Unrecognised { kind, .. } => kind,
                _ => "",
            },
        }
    }

    /// The kind; `None` for an unrecognised event.
    pub fn kind(&self) -> Option<ReportEventKind> {
        use ReportEventKind as K;
        Some(match self {
            Self::Received { .. } => K::Received,
            Self::Acknowledged { .. } => K::Acknowledged,
            Self::Assigned { .. } => K::Assigned,
            Self::Unassigned => K::Unassigned,
            Self::Transferred { .. } => K::Transferred,
            Self::PoliceConduct { .. } => K::PoliceConduct,
            Self::AccusedCorrected { .. } => K::AccusedCorrected,
            Self::LegalTypeCorrected { .. } => K::LegalTypeCorrected,
            Self::Triaged { .. } => K::Triaged,
            Self::Noted => K::Noted,
            Self::MergedInto { .. } => K::MergedInto,
            Self::MergedFrom { .. } => K::MergedFrom,
            Self::Step { .. } => K::Step,
            Self::NoticeSent { .. } => K::NoticeSent,
            Self::Alerted { .. } => K::Alerted,
            Self::AlertAcknowledged { .. } => K::AlertAcknowledged,
            Self::DeadlineAlerted { .. } => K::DeadlineAlerted,
            Self::LegalHold => K::LegalHold,
            Self::LegalHoldReleased => K::LegalHoldReleased,
            Self::ReporterAdded => K::ReporterAdded,
            Self::EmergencyLine { .. } => K::EmergencyLine,
            Self::Replied => K::Replied,
            Self::CallRecorded => K::CallRecorded,
            Self::CallContentRecorded => K::CallContentRecorded,
            Self::MediaFetched { .. } => K::MediaFetched,
            Self::AttachmentReceived { .. } => K::AttachmentReceived,
            Self::Unrecognised { .. } => return None,
        })
    }

    /// The detail as stored.
    pub fn detail(&self) -> String {
        match self {
            Self::Acknowledged { warned: true } => "warned=1".to_owned(),
            Self::Acknowledged { warned: false }
            | Self::Unassigned
            | Self::Noted
            | Self::LegalHold
            | Self::LegalHoldReleased
            | Self::ReporterAdded
            | Self::Replied
            | Self::CallRecorded
            | Self::CallContentRecorded => String::new(),
            Self::Received {
                channel,
                unit,
                route,
            } => Self::received_detail(*channel, unit, route),
            Self::Assigned { staff } => format!("staff={staff}"),
            // The reason is free text, read back as the rest of the line: one line of it.
            Self::Transferred { from, to, reason } => {
                let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
                format!("from={from} to={to} reason={reason}")
            }
            Self::AccusedCorrected {
                from,
                to,
                post,
                reason,
            } => {
                let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
                let post = post.map(|p| format!(" post={p}")).unwrap_or_default();
                format!("from={from} to={to}{post} reason={reason}")
            }
            Self::LegalTypeCorrected { from, to, reason } => {
                let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
                format!("from={from} to={to} reason={reason}")
            }
            Self::PoliceConduct { accused_unit, post } => match post {
                Some(post) => format!("accused_unit={accused_unit} post={post}"),
                None => format!("accused_unit={accused_unit}"),
            },
            Self::EmergencyLine { line, handed } => {
                format!("line={line} handed={}", u8::from(*handed))
            }
            Self::Triaged {
                urgency,
                legal_type,
                topic,
                place,
                hinted,
            } => {
                let mut detail = format!("urgency={urgency}");
                if let Some(t) = legal_type {
                    detail.push_str(&format!(" legal_type={t}"));
                }
                if let Some(t) = topic {
                    detail.push_str(&format!(" topic={t}"));
                }
                if let Some(c) = place {
                    detail.push_str(&format!(" place={c}"));
                }
                if let Some(h) = hinted {
                    detail.push_str(&format!(
                        " hinted_legal_type={} hinted_topic={} hinted_urgency={}",
                        h.legal_type, h.topic, h.urgency
                    ));
                }
                detail
            }
            Self::MergedInto { into } => format!("into={into}"),
            Self::MergedFrom { from } => format!("from={from}"),
            Self::Step { action, to, number } => {
                let mut detail = format!("action={action} to={to}");
                if let Some(number) = number {
                    // Decision numbers are written like `12/QĐ-CSHS`: no spaces, so the
                    // detail reads back.
                    detail.push_str(&format!(" number={}", number.replace(' ', "")));
                }
                detail
            }
            Self::NoticeSent { kind, recipient } => format!("kind={kind} recipient={recipient}"),
            Self::Alerted { level, alerted } => format!("level={level} alerted={alerted}"),
            Self::AlertAcknowledged { level } => format!("level={level}"),
            Self::DeadlineAlerted { kind, alerted } => format!("kind={kind} alerted={alerted}"),
            Self::MediaFetched { files } => format!("files={files}"),
            Self::AttachmentReceived {
                file_name,
                content_type,
                size,
                sha256_received,
                metadata_removed,
            } => format!(
                "{file_name} type={content_type} size={size} sha256_received={sha256_received} \
                 metadata_removed={metadata_removed}"
            ),
            Self::Unrecognised { detail, .. } => detail.clone(),
        }
    }

    /// The detail of [`ReportEvent::Received`], written from borrowed parts: intake writes one
    /// per report and need not copy them into an event first.
    pub fn received_detail(channel: Channel, unit: &UnitCode, route: &str) -> String {
        format!("channel={channel} unit={unit} route={route}")
    }

    /// An event as stored; what cannot be read is [`ReportEvent::Unrecognised`].
    pub fn read(kind: &str, detail: &str) -> Self {
        kind.parse::<ReportEventKind>()
            .ok()
            .and_then(|known| Self::read_known(known, detail))
            .unwrap_or_else(|| Self::Unrecognised {
                kind: kind.to_owned(),
                detail: detail.to_owned(),
            })
    }

    fn read_known(kind: ReportEventKind, detail: &str) -> Option<Self> {
        use ReportEventKind as K;
        let d = Detail(detail);
        Some(match kind {
            K::Received => Self::Received {
                channel: d.parse("channel")?,
                unit: d.parse("unit")?,
                // Reports received before routing was recorded have none.
                route: d.rest("route").unwrap_or_default().to_owned(),
            },
            K::Acknowledged => Self::Acknowledged {
                warned: d.value("warned") == Some("1"),
            },
            K::Assigned => Self::Assigned {
                staff: StaffId(d.parse("staff")?),
            },
            K::Unassigned => Self::Unassigned,
            K::Transferred => Self::Transferred {
                from: d.parse("from")?,
                to: d.parse("to")?,
                reason: d.rest("reason").unwrap_or_default().to_owned(),
            },
            K::PoliceConduct => Self::PoliceConduct {
                accused_unit: d.parse("accused_unit")?,
                post: d.parse_opt("post")?,
            },
            K::AccusedCorrected => Self::AccusedCorrected {
                from: d.parse("from")?,
                to: d.parse("to")?,
                post: d.parse_opt("post")?,
                reason: d.rest("reason").unwrap_or_default().to_owned(),
            },
            K::LegalTypeCorrected => Self::LegalTypeCorrected {
                from: d.parse("from")?,
                to: d.parse("to")?,
                reason: d.rest("reason").unwrap_or_default().to_owned(),
            },
            K::Triaged => Self::Triaged {
                urgency: d.parse("urgency")?,
                legal_type: d.parse_opt("legal_type")?,
                topic: d.parse_opt("topic")?,
                place: d.parse_opt("place")?,
                hinted: match d.value("hinted_urgency") {
                    None => None,
                    Some(_) => Some(OfferedHints {
                        legal_type: d.parse("hinted_legal_type")?,
                        topic: d.parse("hinted_topic")?,
                        urgency: d.parse("hinted_urgency")?,
                    }),
                },
            },
            K::Noted => Self::Noted,
            K::MergedInto => Self::MergedInto {
                into: CaseNumber::parse(d.value("into")?)?,
            },
            K::MergedFrom => Self::MergedFrom {
                from: CaseNumber::parse(d.value("from")?)?,
            },
            K::Step => Self::Step {
                action: d.parse("action")?,
                to: d.parse("to")?,
                number: d.value("number").map(str::to_owned),
            },
            K::NoticeSent => Self::NoticeSent {
                kind: d.parse("kind")?,
                recipient: d.parse("recipient")?,
            },
            K::Alerted => Self::Alerted {
                level: d.parse("level")?,
                alerted: d.parse("alerted")?,
            },
            K::AlertAcknowledged => Self::AlertAcknowledged {
                level: d.parse("level")?,
            },
            K::DeadlineAlerted => Self::DeadlineAlerted {
                kind: d.value("kind")?.to_owned(),
                alerted: d.parse("alerted")?,
            },
            K::LegalHold => Self::LegalHold,
            K::LegalHoldReleased => Self::LegalHoldReleased,
            K::ReporterAdded => Self::ReporterAdded,
            K::EmergencyLine => Self::EmergencyLine {
                line: d.parse("line")?,
                handed: d.value("handed") == Some("1"),
            },
            K::Replied => Self::Replied,
            K::CallRecorded => Self::CallRecorded,
            K::CallContentRecorded => Self::CallContentRecorded,
            K::MediaFetched => Self::MediaFetched {
                files: d.parse("files")?,
            },
            K::AttachmentReceived => {
                // The file name comes first, unnamed, and may hold spaces.
                let (file_name, pairs) = detail.rsplit_once(" type=")?;
                let d = Detail(pairs);
                Self::AttachmentReceived {
                    file_name: file_name.to_owned(),
                    content_type: pairs.split(' ').next()?.to_owned(),
                    size: d.parse("size")?,
                    sha256_received: d.value("sha256_received")?.to_owned(),
                    metadata_removed: d.parse("metadata_removed")?,
                }
            }
        })
    }
}

impl fmt::Display for ReportEvent {
    /// The kind and its detail, as a log or a test reads them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let detail = self.detail();
        if detail.is_empty() {
            f.write_str(self.kind_str())
        } else {
            write!(f, "{} {detail}", self.kind_str())
        }
    }
}

/// A stored `key=value key=value` detail.
struct Detail<'a>(&'a str);

impl<'a> Detail<'a> {
    fn value(&self, key: &str) -> Option<&'a str> {
        self.0
            .split(' ')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// The value of the last pair, `key`, with any spaces it holds.
    fn rest(&self, key: &str) -> Option<&'a str> {
        let marker = format!("{key}=");
        if let Some(rest) = self.0.strip_prefix(&marker) {
            return Some(rest);
        }
        self.0
            .find(&format!(" {marker}"))
            .and_then(|at| self.0.get(at + marker.len() + 1..))
    }

    fn parse<T: FromStr>(&self, key: &str) -> Option<T> {
        self.value(key)?.parse().ok()
    }

    /// `Some(None)` when the key is absent, `None` when its value does not read.
    fn parse_opt<T: FromStr>(&self, key: &str) -> Option<Option<T>> {
        match self.value(key) {
            None => Some(None),
            Some(v) => v.parse().ok().map(Some),
        }
    }
}

string_enum!(
    /// What the audit chain records. Reveal actions begin `identity.` or `text.item_`: the
    /// reveal log selects them by those prefixes.
    AuditAction (|_| DomainError::field("action", "unknown")) {
        AlertAcknowledged => "alert.acknowledged",
        AttachmentDownloaded => "attachment.downloaded",
        AuditChainKeyed => "audit.chain_keyed",
        BreachClosed => "breach.closed",
        BreachNotified => "breach.notified",
        BreachRecorded => "breach.recorded",
        CallCalledBack => "call.called_back",
        ChannelAccountAdded => "channel.account_added",
        ChannelDeliveryRetried => "channel.delivery_retried",
        ChannelTokenRefreshed => "channel.token_refreshed",
        DirectoryContactAdded => "directory.contact_added",
        DirectoryContactChanged => "directory.contact_changed",
        DirectoryContactRemoved => "directory.contact_removed",
        DirectoryContactVerified => "directory.contact_verified",
        DirectoryFrameOriginsSet => "directory.frame_origins_set",
        DirectoryImported => "directory.imported",
        DirectoryPositionAdded => "directory.position_added",
        DirectoryPositionEnded => "directory.position_ended",
        IdentityApprovalRefused => "identity.approval_refused",
        IdentityRevealApproved => "identity.reveal_approved",
        IdentityRevealRefused => "identity.reveal_refused",
        IdentityRevealRequested => "identity.reveal_requested",
        IdentityRevealed => "identity.revealed",
        IdentitySearchedByContact => "identity.searched_by_contact",
        KeysExported => "keys.exported",
        KeysRotated => "keys.rotated",
        KeysRotationStarted => "keys.rotation_started",
        RegisterRead => "register.read",
        ReportAccusedCorrected => "report.accused_corrected",
        ReportAssigned => "report.assigned",
        ReportCallContentRecorded => "report.call_content_recorded",
        ReportCaptured => "report.captured",
        ReportDigest => "report.digest",
        ReportLegalHold => "report.legal_hold",
        ReportLegalTypeCorrected => "report.legal_type_corrected",
        ReportLegalHoldReleased => "report.legal_hold_released",
        ReportMerged => "report.merged",
        ReportNoted => "report.noted",
        ReportNoticeSent => "report.notice_sent",
        ReportOpened => "report.opened",
        ReportPoliceConduct => "report.police_conduct",
        ReportReplied => "report.replied",
        ReportEmergencyLine => "report.emergency_line",
        ReportStep => "report.step",
        ReportTransferred => "report.transferred",
        ReportTriaged => "report.triaged",
        ReportUnassigned => "report.unassigned",
        ReportsListed => "reports.listed",
        ReportsPhoneSearchRefused => "reports.phone_search_refused",
        ReportsSearched => "reports.searched",
        RetentionPurged => "retention.purged",
        RevealsListed => "reveals.listed",
        RosterOccurrenceCancelled => "roster.occurrence_cancelled",
        StatisticsRead => "statistics.read",
        StatisticsExported => "statistics.exported",
        StaffTitleSet => "staff.title_set",
        RosterPatternAdded => "roster.pattern_added",
        RosterPatternEnded => "roster.pattern_ended",
        RosterShiftAdded => "roster.shift_added",
        RosterShiftRemoved => "roster.shift_removed",
        RoutingRuleRemoved => "routing.rule_removed",
        RoutingRuleSet => "routing.rule_set",
        RoutingVersionAdded => "routing.version_added",
        RoutingVersionRemoved => "routing.version_removed",
        StaffCreated => "staff.created",
        StaffCreatedByAdministrator => "staff.created_by_administrator",
        StaffGrantApproved => "staff.grant_approved",
        StaffGrantRefused => "staff.grant_refused",
        StaffGrantRequested => "staff.grant_requested",
        StaffNotifyAddresses => "staff.notify_addresses",
        StaffPasswordAccepted => "staff.password_accepted",
        StaffPasswordChangeFailed => "staff.password_change_failed",
        StaffPasswordChanged => "staff.password_changed",
        StaffSecondFactorEnrolled => "staff.second_factor_enrolled",
        StaffSecondFactorFailed => "staff.second_factor_failed",
        StaffSecondFactorReset => "staff.second_factor_reset",
        StaffSessionsEnded => "staff.sessions_ended",
        StaffSignInFailed => "staff.sign_in_failed",
        StaffSignInUnlocked => "staff.sign_in_unlocked",
        StaffSignedIn => "staff.signed_in",
        StaffSignedOut => "staff.signed_out",
        StaffSignedOutEverywhere => "staff.signed_out_everywhere",
        StaffUpdated => "staff.updated",
        StoreBackedUp => "store.backed_up",
        TextItemRevealRefused => "text.item_reveal_refused",
        TextItemRevealed => "text.item_revealed",
        TokenCreated => "token.created",
        TokenRevoked => "token.revoked",
        UnitCreated => "unit.created",
        UnitRenamed => "unit.renamed",
    }
);

impl AuditAction {
    /// How the reveal log's actions begin: identities and masked items asked, approved, shown
    /// or refused.
    pub const REVEAL_PREFIXES: &'static [&'static str] = &["identity.", "text.item_"];

    /// Whether the reveal log shows it.
    pub fn is_reveal(self) -> bool {
        let name = self.as_str();
        Self::REVEAL_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn every_event() -> Vec<ReportEvent> {
        let unit = |code: &str| code.parse::<UnitCode>().unwrap();
        vec![
            ReportEvent::Received {
                channel: Channel::Zalo,
                unit: unit("22"),
                route: "2025-07-01,any,*,22,provincial_police".into(),
            },
            ReportEvent::Acknowledged { warned: true },
            ReportEvent::Acknowledged { warned: false },
            ReportEvent::Assigned { staff: StaffId(7) },
            ReportEvent::Unassigned,
            ReportEvent::Transferred {
                from: unit("22"),
                to: unit("22/ha-long"),
                reason: "thuộc địa bàn phường".into(),
            },
            ReportEvent::PoliceConduct {
                accused_unit: unit("22/ha-long"),
                post: Some(AccusedPost::Officer),
            },
            ReportEvent::PoliceConduct {
                accused_unit: unit("22/ha-long"),
                post: None,
            },
            ReportEvent::AccusedCorrected {
                from: unit("22/ha-long"),
                to: unit("22/cam-pha"),
                post: Some(AccusedPost::Deputy),
                reason: "nhầm phường khi ghi nhận".into(),
            },
            ReportEvent::LegalTypeCorrected {
                from: LegalType::PoliceConduct,
                to: LegalType::CrimeDenunciation,
                reason: "hành vi có dấu hiệu tội phạm".into(),
            },
            ReportEvent::Triaged {
                urgency: Urgency::Urgent,
                legal_type: Some(LegalType::CrimeDenunciation),
                topic: Some(Topic::Drugs),
                place: Some(22),
                hinted: Some(OfferedHints {
                    legal_type: LegalType::Complaint,
                    topic: Topic::Drugs,
                    urgency: Urgency::Normal,
                }),
            },
            ReportEvent::Triaged {
                urgency: Urgency::Normal,
                legal_type: None,
                topic: None,
                place: None,
                hinted: None,
            },
            ReportEvent::Noted,
            ReportEvent::MergedInto {
                into: CaseNumber::parse("QNH-2026-000002").unwrap(),
            },
            ReportEvent::MergedFrom {
                from: CaseNumber::parse("QNH-2026-000003").unwrap(),
            },
            ReportEvent::Step {
                action: Action::ALL[0],
                to: Stage::ALL[1],
                number: Some("12/QĐ-CSHS".into()),
            },
            ReportEvent::Step {
                action: Action::ALL[1],
                to: Stage::ALL[2],
                number: None,
            },
            ReportEvent::NoticeSent {
                kind: NoticeKind::ALL[0],
                recipient: Recipient::ALL[0],
            },
            ReportEvent::Alerted {
                level: 2,
                alerted: 3,
            },
            ReportEvent::AlertAcknowledged { level: 2 },
            ReportEvent::DeadlineAlerted {
                kind: "passed".into(),
                alerted: 1,
            },
            ReportEvent::LegalHold,
            ReportEvent::LegalHoldReleased,
            ReportEvent::ReporterAdded,
            ReportEvent::EmergencyLine {
                line: crate::workflow::EmergencyLine::Medical,
                handed: true,
            },
            ReportEvent::EmergencyLine {
                line: crate::workflow::EmergencyLine::Police,
                handed: false,
            },
            ReportEvent::Replied,
            ReportEvent::CallRecorded,
            ReportEvent::CallContentRecorded,
            ReportEvent::MediaFetched { files: 2 },
            ReportEvent::AttachmentReceived {
                file_name: "ảnh hiện trường 1.jpg".into(),
                content_type: "image/jpeg".into(),
                size: 1234,
                sha256_received: "ab12".into(),
                metadata_removed: true,
            },
        ]
    }

    #[test]
    fn every_event_reads_back_as_it_was_written() {
        let events = every_event();
        for kind in ReportEventKind::ALL {
            assert!(
                events.iter().any(|e| e.kind() == Some(*kind)),
                "{kind} has no example"
            );
        }
        for event in events {
            let read = ReportEvent::read(event.kind_str(), &event.detail());
            assert_eq!(read, event);
        }
    }

    #[test]
    fn details_written_before_the_vocabulary_read_the_same() {
        assert_eq!(
            ReportEvent::read("report.assigned", "staff=12"),
            ReportEvent::Assigned { staff: StaffId(12) }
        );
        assert_eq!(
            ReportEvent::read("report.received", "channel=web unit=22"),
            ReportEvent::Received {
                channel: Channel::Web,
                unit: "22".parse().unwrap(),
                route: String::new(),
            }
        );
        assert_eq!(
            ReportEvent::read("report.alerted", "level=1 alerted=1").to_string(),
            "report.alerted level=1 alerted=1"
        );
        assert_eq!(
            ReportEvent::read("report.triaged", "urgency=urgent topic=drugs place=22"),
            ReportEvent::Triaged {
                urgency: Urgency::Urgent,
                legal_type: None,
                topic: Some(Topic::Drugs),
                place: Some(22),
                hinted: None,
            }
        );
    }

    #[test]
    fn what_cannot_be_read_is_kept_as_stored() {
        for (kind, detail) in [
            ("report.someday", "x=1"),
            ("report.assigned", "staff=someone"),
            ("report.transferred", "to=22"),
        ] {
            let event = ReportEvent::read(kind, detail);
            assert_eq!(
                event,
                ReportEvent::Unrecognised {
                    kind: kind.into(),
                    detail: detail.into()
                }
            );
            assert_eq!(event.kind_str(), kind);
            assert_eq!(event.detail(), detail);
        }
    }

    #[test]
    fn reveal_actions_are_those_the_reveal_log_selects() {
        let reveals: Vec<_> = AuditAction::ALL
            .iter()
            .filter(|a| a.is_reveal())
            .map(|a| a.as_str())
            .collect();
        assert_eq!(
            reveals,
            [
                "identity.approval_refused",
                "identity.reveal_approved",
                "identity.reveal_refused",
                "identity.reveal_requested",
                "identity.revealed",
                "identity.searched_by_contact",
                "text.item_reveal_refused",
                "text.item_revealed"
            ]
        );
    }
}
