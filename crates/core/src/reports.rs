//! Reading reports, always through the actor's visibility.

use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::CaseNumber;
use hotline_store::{Event, Message, ReportDetail, ReportSummary};

/// Most reports one list returns.
pub const MAX_LIST_LIMIT: u32 = 500;

/// A report with its conversation and history, as the console shows it.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub detail: ReportDetail,
    pub messages: Vec<Message>,
    pub events: Vec<Event>,
}

impl Hotline {
    /// The newest reports the actor may see.
    pub async fn list_reports(&self, actor: &Actor, limit: u32) -> CoreResult<Vec<ReportSummary>> {
        let limit = limit.clamp(1, MAX_LIST_LIMIT);
        let reports = self.store.list_reports(&actor.visibility(), limit).await?;
        // Lists show the start of each report's text: an access to sensitive data (R24).
        self.audit(
            Some(actor.0.id),
            "reports.listed",
            actor.0.unit.as_str(),
            &format!("count={}", reports.len()),
        )
        .await?;
        Ok(reports)
    }

    /// One report, or `NotFound` when it does not exist or is not the actor's to see; the two are
    /// indistinguishable so case numbers of other units cannot be probed.
    pub async fn report(&self, actor: &Actor, case: &str) -> CoreResult<ReportView> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        self.audit(Some(actor.0.id), "report.opened", case.as_str(), "")
            .await?;
        let messages = self.store.messages(detail.summary.id).await?;
        let events = self.store.events(detail.summary.id).await?;
        Ok(ReportView {
            detail,
            messages,
            events,
        })
    }
}
