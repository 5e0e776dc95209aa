//! The audit chain: security-relevant events appended as they happen, and verification of the
//! whole chain (`hotline audit verify`).

use crate::{CoreResult, Hotline};
use chrono::DateTime;
use hotline_domain::StaffId;
use hotline_store::{AuditRecord, NewAuditEntry};
use hotline_vault::audit::{AuditContent, ChainBreak, Head, Verifier, chain_hash};

/// Entries read per page while verifying.
const VERIFY_PAGE: u32 = 1000;

fn content(record: &AuditRecord) -> AuditContent<'_> {
    AuditContent {
        seq: record.seq,
        at_micros: record.at.timestamp_micros(),
        actor: record.actor.map(|a| a.0),
        action: &record.action,
        subject: &record.subject,
        detail: &record.detail,
    }
}

impl Hotline {
    /// Appends one event to the chain. `subject` names a case, an account or a unit, never a
    /// reporter's identity.
    pub async fn audit(
        &self,
        actor: Option<StaffId>,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> CoreResult<()> {
        let now = self.clock.now();
        // The chain hashes microseconds; keep no finer precision than the stores return.
        let at = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
        let entry = NewAuditEntry {
            at,
            actor,
            action: action.to_owned(),
            subject: subject.to_owned(),
            detail: detail.to_owned(),
        };
        let seal = |seq: i64, previous: &[u8]| {
            let record = AuditRecord {
                seq,
                at: entry.at,
                actor: entry.actor,
                action: entry.action.clone(),
                subject: entry.subject.clone(),
                detail: entry.detail.clone(),
                hash: Vec::new(),
            };
            chain_hash(previous, &content(&record)).to_vec()
        };
        self.store.append_audit(&entry, &seal).await?;
        tracing::info!(target: "audit", action, "audited");
        Ok(())
    }

    /// Walks the whole chain. `Ok(Ok(head))` when intact (checked against `expected_head` when
    /// one was exported), `Ok(Err(break))` naming the first broken entry.
    pub async fn verify_audit(
        &self,
        expected_head: Option<Head>,
    ) -> CoreResult<Result<Option<Head>, ChainBreak>> {
        let mut verifier = Verifier::new(expected_head);
        let mut after = 0;
        loop {
            let page = self.store.audit_entries(after, VERIFY_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for record in &page {
                if let Err(broken) = verifier.check(&content(record), &record.hash) {
                    return Ok(Err(broken));
                }
            }
        }
        Ok(verifier.finish())
    }
}
