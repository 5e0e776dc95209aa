//! Quick capture: the duty officer records what reached the unit outside Hotline's channels (a
//! call to the desk phone, someone at the counter, a message to a leader's personal account)
//! so it becomes a report like any other, with the caller's number or handle sealed as an
//! identity is.

use crate::evidence::Evidence;
use crate::{Actor, CoreError, CoreResult, Hotline, Submission, Submitted};
use chrono::{DateTime, Utc};
use hotline_domain::AuditAction;
use hotline_domain::text::Phone;
use hotline_domain::{Channel, ContactInput, DomainError, ReportInput, Urgency};

/// What the officer recorded.
#[derive(Debug, Clone)]
pub struct Capture {
    /// How it reached the unit: `phone`, `capture` (in person), or the app it was sent on.
    pub channel: Channel,
    /// Where it came from, as the register lists it (R2): a person, a letter by post, the 113
    /// line, the mass media, another body, an offender who surrenders.
    pub source: hotline_domain::receipt::ReceiptSource,
    /// When it was received, if not now; not in the future.
    pub received_at: Option<DateTime<Utc>>,
    /// The caller's phone number, or their handle on the app.
    pub caller: String,
    /// The name they gave, if any.
    pub name: String,
    /// What they reported, in the officer's summary.
    pub text: String,
    pub province_code: Option<u32>,
    pub commune_code: Option<u32>,
    pub address: String,
    /// The officer judges it urgent (the text can still make it an emergency).
    pub urgent: bool,
    /// Screenshots, recordings, already inspected.
    pub evidence: Vec<Evidence>,
    /// The call to the line this records (its report gets the record; the caller's number
    /// came with the call).
    pub call: Option<i64>,
}

/// The channels a capture can name: what reaches a unit outside Hotline's own forms.
pub const CAPTURE_CHANNELS: &[Channel] = &[
    Channel::Phone,
    Channel::Capture,
    Channel::Sms,
    Channel::Email,
    Channel::Zalo,
    Channel::Messenger,
    Channel::Whatsapp,
    Channel::Telegram,
    Channel::Tiktok,
    Channel::Instagram,
    Channel::X,
    Channel::Threads,
];

/// A capture may say it happened a little ahead of the server's clock (another clock).
const CLOCK_SKEW_MINUTES: i64 = 5;

impl Hotline {
    /// Records a capture as a report of the officer's unit (or of the place it names), entered
    /// by them; audited. The caller's number or handle and name are sealed like any identity.
    pub async fn capture(&self, actor: &Actor, capture: Capture) -> CoreResult<Submitted> {
        if actor.visibility() == hotline_store::Visibility::Nothing {
            return Err(CoreError::Forbidden);
        }
        if !CAPTURE_CHANNELS.contains(&capture.channel) {
            return Err(DomainError::field("channel", "unknown").into());
        }
        if capture
            .received_at
            .is_some_and(|at| at > self.clock.now() + chrono::Duration::minutes(CLOCK_SKEW_MINUTES))
        {
            return Err(DomainError::field("received_at", "in_future").into());
        }
        if let Some(call) = capture.call {
            let case = self
                .record_call_content(actor, call, &capture.text, &capture.evidence)
                .await?;
            return Ok(Submitted {
                case_number: case,
                follow_up_code: None,
                danger: hotline_domain::danger::Danger::default(),
                duplicate: false,
            });
        }
        let caller = capture.caller.trim();
        let name = capture.name.trim();
        let phone = Phone::parse(caller);
        // A handle is kept with the name: both say who it was, both are sealed.
        let who = match (phone.is_some() || caller.is_empty(), name.is_empty()) {
            (true, _) => name.to_owned(),
            (false, true) => caller.to_owned(),
            (false, false) => format!("{name} ({caller})"),
        };
        let contact = (!who.is_empty() || phone.is_some()).then(|| ContactInput {
            name: (!who.is_empty()).then_some(who),
            phone: phone.is_some().then(|| caller.to_owned()),
            email: None,
        });
        let input = ReportInput {
            text: capture.text,
            province_code: capture.province_code,
            commune_code: capture.commune_code,
            address: Some(capture.address),
            anonymous: Some(contact.is_none()),
            contact,
            occurred_at: None,
            protection_requested: false,
        };
        let mut submission = Submission::new(input, capture.channel);
        submission.entered_by = Some(actor.0.id);
        submission.source = capture.source;
        submission.received_at = capture.received_at;
        submission.owner = Some(actor.0.unit.clone());
        submission.evidence = capture.evidence;
        if capture.urgent {
            submission.urgency = Urgency::Urgent;
        }
        let submitted = self.submit(submission).await?;
        self.audit(
            Some(actor.0.id),
            AuditAction::ReportCaptured,
            submitted.case_number.as_str(),
            &format!("channel={} source={}", capture.channel, capture.source),
        )
        .await?;
        Ok(submitted)
    }
}
