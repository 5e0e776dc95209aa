//! Administration of staff: administrators create members, change their role or unit, disable
//! them, reset a lost second factor, end their sessions and revoke their API tokens. They
//! manage people, not reports, and every change is audited.

use crate::{Actor, CoreError, CoreResult, Hotline};
use hotline_domain::{DomainError, Role, UnitCode};
use hotline_store::StaffMember;

/// A member as the administration page lists them.
#[derive(Debug, Clone)]
pub struct StaffRow {
    pub member: StaffMember,
    /// Whether they have enrolled a second factor.
    pub second_factor: bool,
}

/// What an administrator does to a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffChange {
    /// Role, unit and whether the account is disabled, as given.
    Update {
        role: Role,
        unit: String,
        disabled: bool,
    },
    ResetSecondFactor,
    EndSessions,
    RevokeTokens,
}

impl Hotline {
    fn require_administrator(actor: &Actor) -> CoreResult<()> {
        if actor.0.role == Role::Administrator {
            Ok(())
        } else {
            Err(CoreError::Forbidden)
        }
    }

    /// Every member, by username.
    pub async fn staff_list(&self, actor: &Actor) -> CoreResult<Vec<StaffRow>> {
        Self::require_administrator(actor)?;
        let mut rows = Vec::new();
        for member in self.store.staff_under("/").await? {
            let second_factor = self
                .store
                .second_factor(member.id)
                .await?
                .totp_sealed
                .is_some();
            rows.push(StaffRow {
                member,
                second_factor,
            });
        }
        Ok(rows)
    }

    /// Creates a member with a first password, to be handed to them; audited under the
    /// administrator's name.
    pub async fn create_staff(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        role: Role,
        unit: &str,
        password: &str,
    ) -> CoreResult<StaffMember> {
        Self::require_administrator(actor)?;
        let unit: UnitCode = unit
            .trim()
            .parse()
            .map_err(|_| DomainError::field("unit", "unknown"))?;
        let member = self
            .add_staff(username, display_name, role, &unit, password)
            .await?;
        self.audit(
            Some(actor.0.id),
            "staff.created_by_administrator",
            &member.username,
            &format!("role={role} unit={}", member.unit),
        )
        .await?;
        Ok(member)
    }

    /// Applies `change` to the member `username`. An administrator cannot change their own
    /// role or disable themselves: the system must keep one who can undo it.
    pub async fn change_staff(
        &self,
        actor: &Actor,
        username: &str,
        change: StaffChange,
    ) -> CoreResult<()> {
        Self::require_administrator(actor)?;
        let member = self
            .store
            .staff_by_username(&username.trim().to_lowercase())
            .await?
            .member;
        let (action, detail) = match change {
            StaffChange::Update {
                role,
                unit,
                disabled,
            } => {
                if member.id == actor.0.id && (role != member.role || disabled) {
                    return Err(DomainError::field("username", "self").into());
                }
                let unit: UnitCode = unit
                    .trim()
                    .parse()
                    .map_err(|_| DomainError::field("unit", "unknown"))?;
                let unit = self.resolve_unit(&unit).await.map_err(|e| match e {
                    CoreError::NotFound => DomainError::field("unit", "unknown").into(),
                    e => e,
                })?;
                self.store
                    .update_staff(member.id, role, &unit.code, disabled)
                    .await?;
                (
                    "staff.updated",
                    format!("role={role} unit={} disabled={disabled}", unit.code),
                )
            }
            StaffChange::ResetSecondFactor => {
                self.store.reset_second_factor(member.id).await?;
                ("staff.second_factor_reset", String::new())
            }
            StaffChange::EndSessions => {
                self.store.delete_sessions_of(member.id).await?;
                ("staff.sessions_ended", String::new())
            }
            StaffChange::RevokeTokens => {
                self.store
                    .revoke_api_tokens(member.id, self.clock.now())
                    .await?;
                ("token.revoked", String::new())
            }
        };
        self.audit(Some(actor.0.id), action, &member.username, &detail)
            .await
    }
}
