//! Retention: no statutory period was found (LEGAL-VN R27), so it is a setting, off by
//! default: rules per legal type and outcome, a legal hold that stops any purge, and a purge
//! that destroys each report's data key and removes its rows. The audit chain records that a
//! purge ran and how much it removed, never which reports.

use crate::identity::written_reason;
use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::Duration;
use hotline_domain::AuditAction;
use hotline_domain::{CaseNumber, ReportId, ReportStatus};
use hotline_store::PurgeRule;
use serde::{Deserialize, Serialize};

/// Reports purged per page.
const PURGE_PAGE: u32 = 200;

/// One rule: reports of `legal_type` (any when absent) in `status` (any when absent), last
/// changed more than `after_days` days ago, are purged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ReportStatus>,
    pub after_days: u32,
}

impl std::fmt::Display for RetentionRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "legal_type={} status={} after_days={}",
            self.legal_type.as_deref().unwrap_or("*"),
            self.status.map_or("*", ReportStatus::as_str),
            self.after_days
        )
    }
}

impl RetentionRule {
    /// A rule must narrow by legal type or outcome and leave at least a day: a slip in the
    /// configuration must not purge every report.
    pub fn check(&self) -> Result<(), String> {
        if self.legal_type.is_none() && self.status.is_none() {
            return Err(format!(
                "retention rule ({self}) names neither a legal_type nor a status"
            ));
        }
        if self.after_days == 0 {
            return Err(format!(
                "retention rule ({self}) must keep reports at least one day"
            ));
        }
        if let Some(t) = &self.legal_type
            && t.parse::<hotline_domain::LegalType>().is_err()
        {
            let known: Vec<&str> = hotline_domain::LegalType::ALL
                .iter()
                .map(|t| t.as_str())
                .collect();
            return Err(format!(
                "retention rule ({self}): legal_type is one of {}",
                known.join(", ")
            ));
        }
        Ok(())
    }
}

/// What one rule did, or would do on a dry run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    pub rule: RetentionRule,
    /// Reports purged (on a dry run: that would be).
    pub purged: u64,
    /// Reports the rule selects that a legal hold keeps.
    pub held: u64,
}

impl Hotline {
    /// Applies `rules`; on a dry run only counts. Each report is purged in its own
    /// transaction, re-checked against its rule and its hold at that moment.
    pub async fn run_retention(
        &self,
        rules: &[RetentionRule],
        dry_run: bool,
    ) -> CoreResult<Vec<RuleOutcome>> {
        for rule in rules {
            rule.check().map_err(CoreError::Internal)?;
        }
        let now = self.clock.now();
        let mut outcomes = Vec::with_capacity(rules.len());
        for rule in rules {
            let purge_rule = PurgeRule {
                legal_type: rule.legal_type.clone(),
                status: rule.status,
                changed_before: now - Duration::days(i64::from(rule.after_days)),
            };
            let (free, held) = self.store.retention_counts(&purge_rule).await?;
            let mut purged = 0;
            if dry_run {
                purged = u64::try_from(free).unwrap_or_default();
            } else {
                let mut after = ReportId(0);
                loop {
                    let page = self
                        .store
                        .purge_candidates(&purge_rule, after, PURGE_PAGE)
                        .await?;
                    let Some(last) = page.last() else { break };
                    after = *last;
                    for report in page {
                        if self.store.purge_report(report, &purge_rule).await? {
                            purged += 1;
                        }
                    }
                }
            }
            outcomes.push(RuleOutcome {
                rule: rule.clone(),
                purged,
                held: u64::try_from(held).unwrap_or_default(),
            });
        }
        if !dry_run {
            self.store.compact().await?;
            let total: u64 = outcomes.iter().map(|o| o.purged).sum();
            let detail = outcomes
                .iter()
                .map(|o| format!("[{}] purged={} held={}", o.rule, o.purged, o.held))
                .collect::<Vec<_>>()
                .join(" ");
            self.audit(
                None,
                AuditAction::RetentionPurged,
                "retention",
                &format!("reports={total} {detail}"),
            )
            .await?;
            tracing::info!(target: "audit", reports = total, "retention purge ran");
        }
        Ok(outcomes)
    }

    /// Puts a report on legal hold (kept from any purge) or releases it. Only roles that may,
    /// only within their scope, only with a written reason; audited with the reason.
    pub async fn set_legal_hold(
        &self,
        actor: &Actor,
        case: &str,
        hold: bool,
        reason: &str,
    ) -> CoreResult<()> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        if !actor.0.role.may_place_legal_hold() {
            return Err(CoreError::Forbidden);
        }
        let reason = written_reason(reason)?;
        let action = if hold {
            AuditAction::ReportLegalHold
        } else {
            AuditAction::ReportLegalHoldReleased
        };
        self.audited(
            Some(actor.0.id),
            action,
            case.as_str(),
            &reason,
            async |audit| {
                Ok(self
                    .store
                    .set_legal_hold(
                        &actor.visibility(),
                        &case,
                        hold,
                        actor.0.id,
                        audit.at(),
                        audit,
                    )
                    .await?)
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_must_narrow_and_keep_a_day() {
        let rule = |legal_type: Option<&str>, status, after_days| RetentionRule {
            legal_type: legal_type.map(str::to_owned),
            status,
            after_days,
        };
        assert!(rule(None, None, 30).check().is_err());
        assert!(rule(Some("non_actionable"), None, 0).check().is_err());
        assert!(rule(Some("Non Actionable"), None, 30).check().is_err());
        assert!(rule(Some("non_actionable"), None, 30).check().is_ok());
        assert!(rule(None, Some(ReportStatus::Closed), 365).check().is_ok());
    }
}
