//! The audit chain: security-relevant events appended as they happen, and verification of the
//! whole chain (`hotline audit verify`).

use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Utc};
use hotline_domain::{AuditAction, CaseNumber, Role, StaffId};
use hotline_store::{AuditRecord, Audited, NewAuditEntry, StoreError};
use hotline_vault::audit::{AuditContent, ChainBreak, Head, Verifier};
use std::collections::HashMap;

/// Entries read per page while verifying.
const VERIFY_PAGE: u32 = 1000;
/// Most entries one reveal log shows.
pub const MAX_REVEAL_LOG: u32 = 500;

/// One line of the reveal log: who revealed (or asked to reveal) what, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealLogEntry {
    pub at: DateTime<Utc>,
    /// The member's display name (their username when they have none).
    pub who: String,
    pub action: String,
    pub case: String,
    /// The reason, as written, with the request and approver where there were.
    pub detail: String,
}

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
    /// Appends one event to the chain, on its own: for what has no write of its own to share
    /// a transaction with (a read, a refusal, a sign-in). `subject` names a case, an account or
    /// a unit, never a reporter's identity.
    pub async fn audit(
        &self,
        actor: Option<StaffId>,
        action: AuditAction,
        subject: &str,
        detail: &str,
    ) -> CoreResult<()> {
        self.audited(actor, action, subject, detail, async |audit| {
            Ok(self.store.append_audit(audit).await?)
        })
        .await
        .map(|_| ())
    }

    /// Runs `write` with the audit entry it must append in its own transaction, so that the
    /// action and its record commit together or not at all (a crash between two commits
    /// would leave an action without its record). The action takes the entry's `at` as its
    /// time, so the two agree.
    pub(crate) async fn audited<T>(
        &self,
        actor: Option<StaffId>,
        action: AuditAction,
        subject: &str,
        detail: &str,
        write: impl AsyncFnOnce(Audited<'_>) -> CoreResult<T>,
    ) -> CoreResult<T> {
        self.audited_all(&[(actor, action, subject, detail)], write)
            .await
    }

    /// [`Hotline::audited`] for an action the chain records as several entries, in order (a
    /// marking that also hands the report over records both), each with its actor.
    pub(crate) async fn audited_all<T>(
        &self,
        records: &[(Option<StaffId>, AuditAction, &str, &str)],
        write: impl AsyncFnOnce(Audited<'_>) -> CoreResult<T>,
    ) -> CoreResult<T> {
        let now = self.clock.now();
        // The chain hashes microseconds; keep no finer precision than the stores return.
        let at = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
        let entries: Vec<NewAuditEntry> = records
            .iter()
            .map(|(actor, action, subject, detail)| NewAuditEntry {
                at,
                actor: *actor,
                action: action.as_str().to_owned(),
                subject: (*subject).to_owned(),
                detail: (*detail).to_owned(),
            })
            .collect();
        let chain_key = self.keys.audit_chain();
        let seal = |entry: &NewAuditEntry, seq: i64, previous: &[u8]| {
            let record = AuditRecord {
                seq,
                at: entry.at,
                actor: entry.actor,
                action: entry.action.clone(),
                subject: entry.subject.clone(),
                detail: entry.detail.clone(),
                hash: Vec::new(),
            };
            chain_key.hash(previous, &content(&record)).to_vec()
        };
        let written = write(Audited {
            entries: &entries,
            seal: &seal,
        })
        .await?;
        for (_, action, _, _) in records {
            tracing::info!(target: "audit", action = action.as_str(), "audited");
        }
        Ok(written)
    }

    /// Begins the keyed part of a chain older than its key with its marker
    /// (`hotline_vault::audit::KEYED_MARKER`), once: when a node first opens the store after
    /// migration 0042, before anything else is appended.
    pub async fn mark_keyed_audit_chain(&self) -> CoreResult<()> {
        let keyed_from = self.store.audit_keyed_from().await?;
        if keyed_from <= 1 {
            return Ok(());
        }
        // Only where the chain ends just before it: anywhere else the marker would mark nothing.
        let around = self.store.audit_entries(keyed_from - 2, 2).await?;
        let seqs: Vec<i64> = around.iter().map(|entry| entry.seq).collect();
        if seqs != [keyed_from - 1] {
            return Ok(());
        }
        self.audit(
            None,
            AuditAction::AuditChainKeyed,
            "audit",
            &format!("from={keyed_from}"),
        )
        .await
    }

    /// Walks the whole chain. `Ok(Ok(head))` when intact (checked against `expected_head` when
    /// one was exported), `Ok(Err(break))` naming the first broken entry.
    pub async fn verify_audit(
        &self,
        expected_head: Option<Head>,
    ) -> CoreResult<Result<Option<Head>, ChainBreak>> {
        let keyed_from = self.store.audit_keyed_from().await?;
        let mut verifier = Verifier::new(expected_head, self.keys.audit_chain(), keyed_from);
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

    /// Who revealed which identities and masked items, and why, newest first: for auditors
    /// across units, for leaders and inspectors on the reports in their scope. Reading it is
    /// itself audited.
    pub async fn reveal_log(&self, actor: &Actor, limit: u32) -> CoreResult<Vec<RevealLogEntry>> {
        if !actor.0.role.may_read_reveal_log() {
            return Err(CoreError::Forbidden);
        }
        let entries = self
            .store
            .audit_by_action(AuditAction::REVEAL_PREFIXES, limit.clamp(1, MAX_REVEAL_LOG))
            .await?;
        let every_unit = actor.0.role == Role::Auditor;
        let visibility = actor.visibility();
        let mut in_scope: HashMap<String, bool> = HashMap::new();
        let mut names: HashMap<i64, String> = HashMap::new();
        let mut log = Vec::with_capacity(entries.len());
        for entry in entries {
            if !every_unit {
                let visible = match in_scope.get(&entry.subject) {
                    Some(visible) => *visible,
                    None => {
                        let visible = match CaseNumber::parse(&entry.subject) {
                            Some(case) => match self.store.report(&visibility, &case).await {
                                Ok(_) => true,
                                Err(StoreError::NotFound) => false,
                                Err(e) => return Err(e.into()),
                            },
                            None => false,
                        };
                        in_scope.insert(entry.subject.clone(), visible);
                        visible
                    }
                };
                if !visible {
                    continue;
                }
            }
            let who = match entry.actor {
                None => String::new(),
                Some(id) => match names.get(&id.0) {
                    Some(name) => name.clone(),
                    None => {
                        let member = self.store.staff(id).await?;
                        let name = if member.display_name.is_empty() {
                            member.username
                        } else {
                            member.display_name
                        };
                        names.insert(id.0, name.clone());
                        name
                    }
                },
            };
            log.push(RevealLogEntry {
                at: entry.at,
                who,
                action: entry.action,
                detail: self.open_reasons(&entry.detail, &entry.subject),
                case: entry.subject,
            });
        }
        self.audit(
            Some(actor.0.id),
            AuditAction::RevealsListed,
            actor.0.unit.as_str(),
            &format!("count={}", log.len()),
        )
        .await?;
        Ok(log)
    }
}
