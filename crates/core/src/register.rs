//! The receipt register (sổ tiếp nhận): every unit's book of the reports it received, numbered
//! per unit and year, read within the reader's scope; and what a receipt record (biên bản tiếp
//! nhận) of one report holds.

use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::AuditAction;
use hotline_domain::{CaseNumber, DomainError, UnitCode};
use hotline_store::RegisterEntry;

/// Entries one page of the register shows.
pub const REGISTER_PAGE: u32 = 200;

impl Hotline {
    /// A page of `unit`'s register of `year` after entry `after` (the actor's own unit when
    /// none is named; only units within their scope). Reading it is audited.
    pub async fn register(
        &self,
        actor: &Actor,
        unit: Option<&str>,
        year: i32,
        after: i64,
    ) -> CoreResult<Vec<RegisterEntry>> {
        let unit: UnitCode = match unit.map(str::trim).filter(|u| !u.is_empty()) {
            Some(code) => code
                .parse()
                .map_err(|_| DomainError::field("unit", "unknown"))?,
            None => actor.0.unit.clone(),
        };
        if !self
            .units_in_scope(actor)
            .await?
            .iter()
            .any(|u| u.code == unit)
        {
            return Err(CoreError::Forbidden);
        }
        let entries = self
            .store
            .register(&actor.visibility(), &unit, year, after, REGISTER_PAGE)
            .await?;
        self.audit(
            Some(actor.0.id),
            AuditAction::RegisterRead,
            unit.as_str(),
            &format!("year={year} count={}", entries.len()),
        )
        .await?;
        Ok(entries)
    }

    /// A report's register entries, for its receipt record.
    pub async fn register_entries(
        &self,
        actor: &Actor,
        case: &str,
    ) -> CoreResult<Vec<RegisterEntry>> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        Ok(self.store.register_entries(detail.summary.id).await?)
    }
}
