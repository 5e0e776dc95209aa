//! Revealing a reporter's identity: only to a role with clearance, only with a written reason,
//! only for a report the member may see, and always recorded in the audit chain.

use crate::intake::{IDENTITY, SealedIdentity};
use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::text::{Phone, clean_line};
use hotline_domain::{CaseNumber, DomainError};

/// A reason must say something.
pub const MIN_REASON_CHARS: usize = 10;
pub const MAX_REASON_CHARS: usize = 500;

/// A reporter's identity, shown once to the member who asked for it.
pub struct RevealedIdentity {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl std::fmt::Debug for RevealedIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RevealedIdentity(…)")
    }
}

/// A reason as recorded: one line, between the bounds.
pub(crate) fn written_reason(reason: &str) -> CoreResult<String> {
    let reason = clean_line(reason);
    let length = reason.chars().count();
    if length < MIN_REASON_CHARS {
        return Err(DomainError::field("reason", "too_short").into());
    }
    if length > MAX_REASON_CHARS {
        return Err(DomainError::field("reason", "too_long").into());
    }
    Ok(reason)
}

impl Hotline {
    /// Opens the identity the reporter left with `case`. Refused (and the refusal audited)
    /// without clearance; refused without a reason; `NotFound` for a report out of scope or
    /// without an identity.
    pub async fn reveal_identity(
        &self,
        actor: &Actor,
        case: &str,
        reason: &str,
    ) -> CoreResult<RevealedIdentity> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        if !actor.0.role.may_reveal_identity() {
            self.audit(
                Some(actor.0.id),
                "identity.reveal_refused",
                case.as_str(),
                "no clearance",
            )
            .await?;
            return Err(CoreError::Forbidden);
        }
        let reason = written_reason(reason)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        let contact = detail.contact.ok_or(CoreError::NotFound)?;
        let sealed = self
            .store
            .sealed_contact(contact)
            .await?
            .ok_or(CoreError::NotFound)?;
        let key = self
            .data_key(&detail.summary)?
            .ok_or_else(|| CoreError::Internal("a sealed contact without a data key".into()))?;
        let plaintext = key
            .open(&sealed, IDENTITY)
            .map_err(|_| CoreError::Internal("the sealed identity does not open".into()))?;
        let identity: SealedIdentity = serde_json::from_slice(&plaintext)
            .map_err(|_| CoreError::Internal("the sealed identity is malformed".into()))?;
        // Audited before it is shown: no reveal without its record.
        self.audit(
            Some(actor.0.id),
            "identity.revealed",
            case.as_str(),
            &reason,
        )
        .await?;
        Ok(RevealedIdentity {
            name: identity.name,
            // Shown the way a Vietnamese officer dials it: `0912 345 678`.
            phone: identity.phone.map(|p| Phone::from_e164(p).national()),
            email: identity.email,
        })
    }
}
