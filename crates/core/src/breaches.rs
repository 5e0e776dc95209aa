//! The breach register (R26): a personal-data breach is recorded when it becomes known, the
//! data-protection authority is told within 72 hours (why later, when it is), and who else was
//! told and what was done are kept with it, every change in the audit chain. Administrators and
//! directors keep it for their unit and those below; auditors read it. It is meant to hold no
//! personal data of the people affected: a text in which the masker finds a phone number, an
//! e-mail address or an ID number is refused (names, street addresses and numbers written out
//! are not detected; the form asks not to write them). It names the staff who kept it.

use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Duration, Utc};
use hotline_domain::breach::{BreachRecipient, NotificationState, notify_due};
use hotline_domain::text::{clean, clean_line};
use hotline_domain::{AuditAction, DomainError, Role};
use hotline_store::{Breach, BreachClosing, NewBreach, NewBreachNotice, StoreError};

/// Breaches one page of the register shows.
pub const BREACH_PAGE: u32 = 100;

/// A time may be given a little ahead of the server's clock (another clock).
const CLOCK_SKEW_MINUTES: i64 = 5;

/// A breach as the officer described it.
#[derive(Debug, Clone, Default)]
pub struct BreachInput<'a> {
    /// What happened: the systems, the act, how it was found.
    pub description: &'a str,
    /// Which kinds of personal data (identities, report texts, staff accounts…).
    pub data_kinds: &'a str,
    /// How many people's data, as far as known; empty when not known.
    pub affected: &'a str,
    pub occurred_at: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
}

/// Who was told of a breach, as the officer recorded it.
#[derive(Debug, Clone, Default)]
pub struct NoticeInput<'a> {
    pub recipient: &'a str,
    pub told_at: Option<DateTime<Utc>>,
    /// The dispatch's number and means (letter, e-mail to the authority's address, portal).
    pub reference: &'a str,
    /// Why the authority was told after the 72 hours; required then.
    pub late_reason: &'a str,
}

/// Whether the actor keeps the breach register: administrators and directors.
pub fn may_keep_breaches(actor: &Actor) -> CoreResult<()> {
    match actor.0.role {
        Role::Administrator | Role::Director => Ok(()),
        _ => Err(CoreError::Forbidden),
    }
}

/// Whether the actor reads the breach register: those who keep it, and auditors.
pub fn may_read_breaches(actor: &Actor) -> CoreResult<()> {
    match actor.0.role {
        Role::Auditor => Ok(()),
        _ => may_keep_breaches(actor),
    }
}

/// `text` cleaned and bounded, refused when it holds personal data.
fn impersonal(
    field: &'static str,
    text: &str,
    (min, max): (usize, usize),
    multiline: bool,
) -> CoreResult<String> {
    let text = if multiline {
        clean(text)
    } else {
        clean_line(text)
    };
    let length = text.chars().count();
    if length < min {
        return Err(DomainError::field(field, "too_short").into());
    }
    if length > max {
        return Err(DomainError::field(field, "too_long").into());
    }
    if hotline_domain::pii::mask(&text).1 > 0 {
        return Err(DomainError::field(field, "personal_data").into());
    }
    Ok(text)
}

impl Hotline {
    fn not_ahead(&self, field: &'static str, at: DateTime<Utc>) -> CoreResult<()> {
        if at > self.clock.now() + Duration::minutes(CLOCK_SKEW_MINUTES) {
            return Err(DomainError::field(field, "in_future").into());
        }
        Ok(())
    }

    /// Records a breach of the actor's unit; its id. Audited.
    pub async fn record_breach(&self, actor: &Actor, input: &BreachInput<'_>) -> CoreResult<i64> {
        may_keep_breaches(actor)?;
        let description = impersonal("description", input.description, (20, 4000), true)?;
        let data_kinds = impersonal("data_kinds", input.data_kinds, (3, 500), false)?;
        let affected = match input.affected.trim() {
            "" => None,
            count => Some(
                count
                    .parse::<u32>()
                    .map_err(|_| DomainError::field("affected", "invalid"))?,
            ),
        };
        let detected_at = input
            .detected_at
            .ok_or_else(|| DomainError::field("detected_at", "required"))?;
        self.not_ahead("detected_at", detected_at)?;
        if let Some(occurred) = input.occurred_at {
            self.not_ahead("occurred_at", occurred)?;
            if occurred > detected_at {
                return Err(DomainError::field("occurred_at", "after_detected").into());
            }
        }
        let breach = NewBreach {
            unit: actor.0.unit.clone(),
            description,
            data_kinds,
            affected: affected.map(i64::from),
            occurred_at: input.occurred_at,
            detected_at,
            by: actor.0.id,
            at: self.clock.now(),
        };
        let detail = format!(
            "breach={} unit={} detected={} due={}",
            hotline_store::CREATED_ID,
            actor.0.unit,
            detected_at.to_rfc3339(),
            notify_due(detected_at).to_rfc3339()
        );
        self.audited(
            Some(actor.0.id),
            AuditAction::BreachRecorded,
            actor.0.unit.as_str(),
            &detail,
            async |audit| Ok(self.store.record_breach(&breach, audit).await?),
        )
        .await
    }

    /// The breaches of the actor's unit and those below, the open ones first.
    pub async fn breaches(&self, actor: &Actor) -> CoreResult<Vec<Breach>> {
        may_read_breaches(actor)?;
        Ok(self
            .store
            .breaches_under(&actor.0.unit_path, BREACH_PAGE)
            .await?)
    }

    /// Records who was told of an open breach. The authority told after the 72 hours needs the
    /// reason, on every such notification; none is dated before one already recorded, so the
    /// first stays the first. Audited.
    pub async fn record_breach_notice(
        &self,
        actor: &Actor,
        id: i64,
        input: &NoticeInput<'_>,
    ) -> CoreResult<()> {
        may_keep_breaches(actor)?;
        let breach = self.store.breach(&actor.0.unit_path, id).await?;
        let recipient: BreachRecipient = input.recipient.trim().parse()?;
        let told_at = input
            .told_at
            .ok_or_else(|| DomainError::field("told_at", "required"))?;
        self.not_ahead("told_at", told_at)?;
        if told_at < breach.detected_at {
            return Err(DomainError::field("told_at", "before_detected").into());
        }
        let reference = impersonal("reference", input.reference, (3, 300), false)?;
        let to_authority = recipient == BreachRecipient::Authority;
        if to_authority
            && breach
                .notices
                .iter()
                .any(|n| n.recipient == BreachRecipient::Authority && n.told_at > told_at)
        {
            return Err(DomainError::field("told_at", "before_earlier").into());
        }
        let late = to_authority
            && matches!(
                NotificationState::of(breach.detected_at, Some(told_at), told_at),
                NotificationState::Told { late: true, .. }
            );
        let late_reason = if late {
            Some(impersonal(
                "late_reason",
                input.late_reason,
                (10, 1000),
                true,
            )?)
        } else {
            None
        };
        let notice = NewBreachNotice {
            recipient,
            told_at,
            reference,
            late_reason,
            by: actor.0.id,
            at: self.clock.now(),
        };
        let detail = format!(
            "breach={id} recipient={recipient} told={} late={}",
            told_at.to_rfc3339(),
            u8::from(late)
        );
        self.audited(
            Some(actor.0.id),
            AuditAction::BreachNotified,
            breach.unit.as_str(),
            &detail,
            async |audit| {
                self.store
                    .record_breach_notice(&actor.0.unit_path, id, &notice, audit)
                    .await
                    .map_err(closed_refused)
            },
        )
        .await
    }

    /// Closes an open breach with what was done about it, once the authority was told.
    /// Audited.
    pub async fn close_breach(&self, actor: &Actor, id: i64, remedies: &str) -> CoreResult<()> {
        may_keep_breaches(actor)?;
        let breach = self.store.breach(&actor.0.unit_path, id).await?;
        let remedies = impersonal("remedies", remedies, (20, 4000), true)?;
        if breach.authority_told_at().is_none() {
            return Err(DomainError::field("remedies", "authority_not_told").into());
        }
        let closing = BreachClosing {
            remedies,
            by: actor.0.id,
            at: self.clock.now(),
        };
        self.audited(
            Some(actor.0.id),
            AuditAction::BreachClosed,
            breach.unit.as_str(),
            &format!("breach={id}"),
            async |audit| {
                self.store
                    .close_breach(&actor.0.unit_path, id, &closing, audit)
                    .await
                    .map_err(closed_refused)
            },
        )
        .await
    }
}

fn closed_refused(e: StoreError) -> CoreError {
    match e {
        StoreError::Conflict(_) => DomainError::field("breach", "closed").into(),
        e => e.into(),
    }
}
