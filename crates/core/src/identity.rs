//! Revealing a reporter's identity: only to a role with clearance, only with a written reason,
//! only for a report the member may see, and always recorded in the audit chain.

use crate::intake::{IDENTITY, SealedIdentity};
use crate::reports::message_text;
use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::AuditAction;
use hotline_domain::pii::{self, Segment};
use hotline_domain::text::{Phone, clean_line};
use hotline_domain::{CaseNumber, DomainError};
use hotline_store::{CREATED_ID, ReportDetail};

/// How a sealed reason stands in the text that carries it (a request's reason, an audit
/// entry's detail): the prefix, then the sealed reason in unpadded base64url, one word.
const SEALED_REASON: &str = "sealed:";
/// What a sealed reason is bound to, before the case (or unit) it is recorded under: it
/// opens as nothing else, and under no other case.
const REASON_CONTEXT: &str = "reveal-reason";

/// A reason must say something.
pub const MIN_REASON_CHARS: usize = 10;
pub const MAX_REASON_CHARS: usize = 500;

/// A reporter's identity, shown once to the member who asked for it.
pub struct RevealedIdentity {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

struct Cleared {
    case: CaseNumber,
    reason: String,
    detail: ReportDetail,
}

/// What asking for a masked item gives.
#[derive(Debug)]
pub enum ItemReveal {
    Shown {
        message: i64,
        item: usize,
        value: String,
    },
    AwaitingApproval,
}

/// What asking for an identity gives.
#[derive(Debug)]
pub enum Reveal {
    Shown(RevealedIdentity),
    /// Policy wants a second person's approval first; the request now waits for it.
    AwaitingApproval,
}

/// What a reveal shows, and so what an approval opens: one approval, one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevealTarget {
    /// The reporter's name, number and address as they left them.
    Identity,
    /// The `item`-th personal item (from 0) masked in a message.
    Item { message: i64, item: usize },
    /// The report as a match of a search by a phone number or e-mail address, named by a
    /// keyed digest of what was searched (never the number itself).
    ContactSearch { digest: String },
}

impl std::fmt::Display for RevealTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RevealTarget::Identity => f.write_str("identity"),
            RevealTarget::Item { message, item } => write!(f, "item:{message}:{item}"),
            RevealTarget::ContactSearch { digest } => write!(f, "search:{digest}"),
        }
    }
}

impl std::str::FromStr for RevealTarget {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        if s == "identity" {
            return Ok(RevealTarget::Identity);
        }
        if let Some(rest) = s.strip_prefix("item:") {
            let (message, item) = rest.split_once(':').ok_or(())?;
            return Ok(RevealTarget::Item {
                message: message.parse().map_err(|_| ())?,
                item: item.parse().map_err(|_| ())?,
            });
        }
        match s.strip_prefix("search:") {
            Some(digest) if !digest.is_empty() => Ok(RevealTarget::ContactSearch {
                digest: digest.to_owned(),
            }),
            _ => Err(()),
        }
    }
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

/// The context a reason recorded under `subject` is sealed in.
fn reason_context(subject: &str) -> String {
    format!("{REASON_CONTEXT}\0{subject}")
}

impl Hotline {
    /// A reason sealed for the store, bound to the case (or unit) it is recorded under: why a
    /// member looked may tell what a report is about, so a copy of the database holds it only
    /// sealed (issue 25, finding 14), and a sealed reason moved to another record does not
    /// open there.
    pub(crate) fn seal_reason(&self, reason: &str, subject: &str) -> String {
        use base64::Engine as _;
        let sealed = self
            .keys
            .reveal_reasons()
            .seal(reason.as_bytes(), reason_context(subject).as_bytes());
        format!(
            "{SEALED_REASON}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sealed)
        )
    }

    /// `text`, recorded under `subject`, with each sealed reason in it opened, for a member
    /// entitled to read it. Text written before reasons were sealed reads as it was written.
    pub(crate) fn open_reasons(&self, text: &str, subject: &str) -> String {
        use base64::Engine as _;
        let key = self.keys.reveal_reasons();
        let context = reason_context(subject);
        text.split(' ')
            .map(|word| {
                let Some(sealed) = word.strip_prefix(SEALED_REASON) else {
                    return word.to_owned();
                };
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(sealed)
                    .ok()
                    .and_then(|sealed| key.open(&sealed, context.as_bytes()).ok())
                    .and_then(|reason| String::from_utf8(reason).ok())
                    .unwrap_or_else(|| "(a sealed reason that does not open)".to_owned())
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Seals every reveal request's reason still kept in clear (written before reasons were
    /// sealed), once, when a node opens the store; how many were. The audit chain's older
    /// entries keep theirs: rewriting them would break the chain (docs/security.md).
    pub async fn seal_reveal_reasons(&self) -> CoreResult<usize> {
        const BATCH: u32 = 500;
        let (mut sealed, mut after) = (0, 0);
        loop {
            let rows = self
                .store
                .unsealed_reveal_reasons(SEALED_REASON, after, BATCH)
                .await?;
            let Some(last) = rows.last() else {
                return Ok(sealed);
            };
            // Onwards from the last one read: a row another node rewrote meanwhile is not
            // read again.
            after = last.id;
            for row in rows {
                let sealed_reason = self.seal_reason(&row.reason, &row.case);
                if self
                    .store
                    .seal_reveal_reason(row.id, &row.reason, &sealed_reason)
                    .await?
                {
                    sealed += 1;
                }
            }
        }
    }

    /// Opens the identity the reporter left with `case`. Refused (and the refusal audited)
    /// without clearance; refused without a reason; `NotFound` for a report out of scope or
    /// without an identity. Where policy asks for a second approval (by default for reports
    /// about police conduct), the first call files a request and the identity opens once
    /// another member with clearance has approved it.
    pub async fn reveal_identity(
        &self,
        actor: &Actor,
        case: &str,
        reason: &str,
    ) -> CoreResult<Reveal> {
        let Cleared {
            case,
            reason,
            detail,
        } = self
            .clear_to_reveal(actor, case, reason, AuditAction::IdentityRevealRefused)
            .await?;
        let contact = detail.contact.ok_or(CoreError::NotFound)?;
        let target = RevealTarget::Identity;
        let Some(recorded) = self
            .second_approval(actor, &detail, &case, &target, &reason)
            .await?
        else {
            return Ok(Reveal::AwaitingApproval);
        };
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
            AuditAction::IdentityRevealed,
            case.as_str(),
            &recorded,
        )
        .await?;
        Ok(Reveal::Shown(RevealedIdentity {
            name: identity.name,
            // Shown the way a Vietnamese officer dials it: `0912 345 678`.
            phone: identity.phone.map(|p| Phone::from_e164(p).national()),
            email: identity.email,
        }))
    }

    /// Reveals one personal item (phone, ID or account number, e-mail address) masked in a
    /// message of `case`: `item` counts from 0 in the message. The same rules as an identity:
    /// clearance, a written reason, the second approval where policy asks it, the audit chain.
    pub async fn reveal_text_item(
        &self,
        actor: &Actor,
        case: &str,
        message: i64,
        item: usize,
        reason: &str,
    ) -> CoreResult<ItemReveal> {
        let Cleared {
            case,
            reason,
            detail,
        } = self
            .clear_to_reveal(actor, case, reason, AuditAction::TextItemRevealRefused)
            .await?;
        let message = self
            .store
            .messages(detail.summary.id)
            .await?
            .into_iter()
            .find(|m| m.id.0 == message)
            .ok_or(CoreError::NotFound)?;
        let text = message_text(self.data_key(&detail.summary)?.as_ref(), &message)?;
        let value = pii::segments(&text)
            .into_iter()
            .filter_map(|s| match s {
                Segment::Personal(value) => Some(value.to_owned()),
                Segment::Plain(_) => None,
            })
            .nth(item)
            .ok_or(CoreError::NotFound)?;
        let target = RevealTarget::Item {
            message: message.id.0,
            item,
        };
        let Some(recorded) = self
            .second_approval(actor, &detail, &case, &target, &reason)
            .await?
        else {
            return Ok(ItemReveal::AwaitingApproval);
        };
        self.audit(
            Some(actor.0.id),
            AuditAction::TextItemRevealed,
            case.as_str(),
            &format!("message {} item {item}: {recorded}", message.id.0),
        )
        .await?;
        Ok(ItemReveal::Shown {
            message: message.id.0,
            item,
            value,
        })
    }

    /// The checks every reveal starts with: clearance (a refusal is audited as `refused`),
    /// a written reason, a report within scope.
    async fn clear_to_reveal(
        &self,
        actor: &Actor,
        case: &str,
        reason: &str,
        refused: AuditAction,
    ) -> CoreResult<Cleared> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        if !actor.0.role.may_reveal_identity() {
            self.audit(Some(actor.0.id), refused, case.as_str(), "no clearance")
                .await?;
            return Err(CoreError::Forbidden);
        }
        let reason = written_reason(reason)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        Ok(Cleared {
            case,
            reason,
            detail,
        })
    }

    /// Where policy wants a second approval: takes the actor's approved request for `target`
    /// (and returns the reason to record: the one the approver read, naming the request), or
    /// files a request and returns `None`. Elsewhere the reason as given. Sealed either way.
    pub(crate) async fn second_approval(
        &self,
        actor: &Actor,
        detail: &ReportDetail,
        case: &CaseNumber,
        target: &RevealTarget,
        reason: &str,
    ) -> CoreResult<Option<String>> {
        let reason = self.seal_reason(reason, case.as_str());
        if !self.needs_second_approval(detail.summary.legal_type) {
            return Ok(Some(reason));
        }
        let now = self.clock.now();
        let since = now - self.policy.reveal_approval_valid;
        let report = detail.summary.id;
        let target = target.to_string();
        if let Some(request) = self
            .store
            .take_approved_reveal(report, actor.0.id, &target, since, now)
            .await?
        {
            let approver = request.approved_by.map_or(0, |s| s.0);
            return Ok(Some(format!(
                "{} [request {}, {target}, approved by {approver}]",
                request.reason, request.id
            )));
        }
        self.audited(
            Some(actor.0.id),
            AuditAction::IdentityRevealRequested,
            case.as_str(),
            &format!("{reason} [request {CREATED_ID}, {target}]"),
            async |audit| {
                Ok(self
                    .store
                    .request_reveal(report, actor.0.id, &target, &reason, audit.at(), audit)
                    .await?)
            },
        )
        .await?;
        Ok(None)
    }

    /// Makes a search by a phone number or e-mail address a reveal: each match is recorded
    /// in the reveal log under its case with the reason and a keyed digest of what was
    /// searched (never the number); a match that policy keeps behind a second approval is
    /// shown only under an approval of this search for it, and otherwise leaves `reports`
    /// with a request filed.
    pub(crate) async fn reveal_contact_matches(
        &self,
        actor: &Actor,
        searched: &str,
        reason: &str,
        reports: &mut Vec<hotline_store::ReportSummary>,
    ) -> CoreResult<()> {
        let index = self.keys.blind_index("contact-search", searched);
        let digest = hex::encode(index.iter().take(16).copied().collect::<Vec<u8>>());
        let target = RevealTarget::ContactSearch { digest }.to_string();
        let now = self.clock.now();
        let since = now - self.policy.reveal_approval_valid;
        let mut shown = Vec::with_capacity(reports.len());
        let mut records: Vec<(String, String)> = Vec::new();
        let mut waiting = Vec::new();
        for report in reports.drain(..) {
            let case = report.case_number.to_string();
            if !self.needs_second_approval(report.legal_type) {
                let sealed = self.seal_reason(reason, &case);
                records.push((case, format!("{sealed} [{target}]")));
                shown.push(report);
                continue;
            }
            match self
                .store
                .take_approved_reveal(report.id, actor.0.id, &target, since, now)
                .await?
            {
                Some(request) => {
                    let approver = request.approved_by.map_or(0, |s| s.0);
                    records.push((
                        case,
                        format!(
                            "{} [request {}, {target}, approved by {approver}]",
                            request.reason, request.id
                        ),
                    ));
                    shown.push(report);
                }
                None => waiting.push(report),
            }
        }
        // Recorded before anything is shown: no reveal without its record. A search that
        // matched nothing is recorded under the searcher's unit.
        if records.is_empty() {
            let unit = actor.0.unit.to_string();
            let sealed = self.seal_reason(reason, &unit);
            records.push((unit, format!("{sealed} [{target}, no match shown]")));
        }
        let entries: Vec<_> = records
            .iter()
            .map(|(subject, detail)| {
                (
                    Some(actor.0.id),
                    AuditAction::IdentitySearchedByContact,
                    subject.as_str(),
                    detail.as_str(),
                )
            })
            .collect();
        self.audited_all(&entries, async |audit| {
            Ok(self.store.append_audit(audit).await?)
        })
        .await?;
        for report in &waiting {
            let sealed = self.seal_reason(reason, report.case_number.as_str());
            self.audited(
                Some(actor.0.id),
                AuditAction::IdentityRevealRequested,
                report.case_number.as_str(),
                &format!("{sealed} [request {CREATED_ID}, {target}]"),
                async |audit| {
                    Ok(self
                        .store
                        .request_reveal(report.id, actor.0.id, &target, &sealed, audit.at(), audit)
                        .await?)
                },
            )
            .await?;
        }
        *reports = shown;
        Ok(())
    }

    /// Whether a report of `legal_type` needs a second person's approval for a reveal.
    pub fn needs_second_approval(&self, legal_type: Option<hotline_domain::LegalType>) -> bool {
        legal_type.is_some_and(|t| {
            self.policy
                .reveal_approval_for
                .iter()
                .any(|p| p == t.as_str())
        })
    }

    /// Approves another member's waiting request to reveal the identity of `case`. Only a
    /// member with clearance, within scope, never the asker; audited, as is a refusal.
    pub async fn approve_reveal(&self, actor: &Actor, case: &str, request: i64) -> CoreResult<()> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        if !actor.0.role.may_reveal_identity() {
            self.audit(
                Some(actor.0.id),
                AuditAction::IdentityApprovalRefused,
                case.as_str(),
                "no clearance",
            )
            .await?;
            return Err(CoreError::Forbidden);
        }
        let detail = self.store.report(&actor.visibility(), &case).await?;
        // The leaders of an accused's unit who settle the report (R20) do not approve each
        // other's reveal of who denounced their officer: a second approval comes from above.
        if let Some(accused) = &detail.accused_unit
            && actor
                .0
                .unit_path
                .starts_with(&self.store.unit(accused).await?.path)
        {
            self.audit(
                Some(actor.0.id),
                AuditAction::IdentityApprovalRefused,
                case.as_str(),
                "inside the accused unit",
            )
            .await?;
            return Err(CoreError::Forbidden);
        }
        self.audited(
            Some(actor.0.id),
            AuditAction::IdentityRevealApproved,
            case.as_str(),
            &format!("request {request}"),
            async |audit| {
                let approved = self
                    .store
                    .approve_reveal(request, detail.summary.id, actor.0.id, audit.at(), audit)
                    .await?;
                if approved {
                    Ok(())
                } else {
                    Err(DomainError::field("request", "not_approvable").into())
                }
            },
        )
        .await
    }
}
