//! What officers do to a report they can see: hand it to a member or another unit, mark it as
//! about police conduct. Every change is checked against the actor's role here and their
//! visibility in the store's transaction, recorded on the report and audited.

use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::{CaseNumber, DomainError};
use hotline_store::{StaffMember, StoreError};

impl Hotline {
    /// The members a report can be handed to: those of its unit and the units below it who can
    /// read it (never the accused of a report about police conduct), active ones only.
    pub async fn assignable(&self, actor: &Actor, case: &str) -> CoreResult<Vec<StaffMember>> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        let unit = self.store.unit(&detail.summary.unit).await?;
        let mut members = Vec::new();
        for member in self.store.staff_under(&unit.path).await? {
            if member.disabled {
                continue;
            }
            let reader = Actor(member);
            match self.store.report(&reader.visibility(), &case).await {
                Ok(_) => members.push(reader.0),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(members)
    }

    /// Hands a report the actor may see to a member who can read it (see [`Self::assignable`]),
    /// or takes it back (`None`). Leaders, the duty desk and inspectors do this; audited.
    pub async fn assign(
        &self,
        actor: &Actor,
        case: &str,
        assignee: Option<&str>,
    ) -> CoreResult<()> {
        if !actor.0.role.may_assign() {
            return Err(CoreError::Forbidden);
        }
        let to = match assignee.map(str::trim).filter(|a| !a.is_empty()) {
            Some(username) => Some(
                self.assignable(actor, case)
                    .await?
                    .into_iter()
                    .find(|m| m.username == username)
                    .ok_or_else(|| DomainError::field("assignee", "not_assignable"))?,
            ),
            None => None,
        };
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        self.store
            .assign_report(
                &actor.visibility(),
                &case,
                to.as_ref().map(|m| m.id),
                actor.0.id,
                self.clock.now(),
            )
            .await?;
        self.audit(
            Some(actor.0.id),
            if to.is_some() {
                "report.assigned"
            } else {
                "report.unassigned"
            },
            case.as_str(),
            &to.map(|m| format!("to={}", m.username)).unwrap_or_default(),
        )
        .await
    }

    /// Hands a report the actor may see over to another unit, with a written reason: it becomes
    /// that unit's, `transferred` and unassigned, and stays the same report (its history goes
    /// with it). Never into the accused unit of a report about police conduct. Leaders, the
    /// duty desk and inspectors do this; audited with the reason. Returns whether the actor
    /// can still read it.
    pub async fn transfer(
        &self,
        actor: &Actor,
        case: &str,
        to: &str,
        reason: &str,
    ) -> CoreResult<bool> {
        if !actor.0.role.may_assign() {
            return Err(CoreError::Forbidden);
        }
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let reason = crate::identity::written_reason(reason)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        let to: hotline_domain::UnitCode = to
            .trim()
            .parse()
            .map_err(|_| DomainError::field("unit", "unknown"))?;
        let to = self.resolve_unit(&to).await.map_err(|e| match e {
            CoreError::NotFound => DomainError::field("unit", "unknown").into(),
            e => e,
        })?;
        if to.code == detail.summary.unit {
            return Err(DomainError::field("unit", "same").into());
        }
        if let Some(accused) = &detail.accused_unit {
            let accused = self.store.unit(accused).await?;
            if to.path.starts_with(&accused.path) {
                return Err(DomainError::field("unit", "accused").into());
            }
        }
        self.store
            .transfer_report(
                &actor.visibility(),
                &case,
                &to.code,
                actor.0.id,
                self.clock.now(),
            )
            .await?;
        self.audit(
            Some(actor.0.id),
            "report.transferred",
            case.as_str(),
            &format!(
                "from={} to={} reason={reason}",
                detail.summary.unit, to.code
            ),
        )
        .await?;
        match self.store.report(&actor.visibility(), &case).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Classifies a report the actor may see as about police conduct, naming the accused's
    /// unit (a commune police is created on first use). From then on nobody in that unit or
    /// below it, the actor included, can read it; the leaders and inspectorate above can.
    /// Audited, with an event on the report. Returns whether the actor can still read it.
    pub async fn mark_police_conduct(
        &self,
        actor: &Actor,
        case: &str,
        accused_unit: &str,
    ) -> CoreResult<bool> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        if actor.visibility() == hotline_store::Visibility::Nothing {
            return Err(CoreError::NotFound);
        }
        let accused: hotline_domain::UnitCode = accused_unit
            .trim()
            .parse()
            .map_err(|_| hotline_domain::DomainError::field("accused_unit", "unknown"))?;
        // The report must be visible before a unit is made up for it.
        self.store.report(&actor.visibility(), &case).await?;
        let accused = self
            .resolve_unit(&accused)
            .await
            .map_err(|e| match e {
                CoreError::NotFound => {
                    hotline_domain::DomainError::field("accused_unit", "unknown").into()
                }
                e => e,
            })?
            .code;
        self.store
            .mark_police_conduct(
                &actor.visibility(),
                &case,
                &accused,
                actor.0.id,
                self.clock.now(),
            )
            .await?;
        self.audit(
            Some(actor.0.id),
            "report.police_conduct",
            case.as_str(),
            &format!("accused_unit={accused}"),
        )
        .await?;
        match self.store.report(&actor.visibility(), &case).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
