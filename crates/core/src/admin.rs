//! Administration of staff and units: administrators create members, change their role or
//! unit, disable them, reset a lost second factor, end their sessions and revoke their API
//! tokens; they create departments and name the units below the province. They manage people
//! and units, not reports, and every change is audited. Roles that see identities, read every
//! unit's reveal log or administer are given by two administrators: one asks, another approves.

use crate::{Actor, CoreError, CoreResult, Hotline};
use hotline_domain::AuditAction;
use hotline_domain::text::clean_line;
use hotline_domain::{DomainError, Role, UnitCode, UnitKind};
use hotline_store::{
    CREATED_ID, NewStaffGrant, NewUnit, StaffGrant, StaffMember, StoreError, Unit,
};

/// Longest unit name, in characters.
const MAX_UNIT_NAME_CHARS: usize = 200;
/// Longest part a department adds to its parent's code (`pc02` in `22-pc02`).
const MAX_UNIT_SUFFIX_CHARS: usize = 12;

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
    /// Lifts the waits repeated failed sign-ins put on the account (from every address): the
    /// way back in for a member whose account others locked by guessing.
    UnlockSignIn,
    /// The member's rank and post (chức vụ), as typed (empty: not recorded), for the receipt
    /// register (R2).
    Title {
        rank: String,
        post: String,
    },
}

/// How long a grant waits for a second administrator before it lapses.
pub const STAFF_GRANT_VALID: chrono::Duration = chrono::Duration::days(7);

/// What became of an administrator's change: done, or waiting for a second administrator's
/// approval (the grant's id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Granted<T> {
    Done(T),
    AwaitingApproval(i64),
}

impl Hotline {
    pub(crate) fn require_administrator(actor: &Actor) -> CoreResult<()> {
        if actor.0.role == Role::Administrator {
            Ok(())
        } else {
            Err(CoreError::Forbidden)
        }
    }

    /// The members of the administrator's unit and the units below it, by username.
    pub async fn staff_list(&self, actor: &Actor) -> CoreResult<Vec<StaffRow>> {
        Self::require_administrator(actor)?;
        let mut rows = Vec::new();
        for member in self.store.staff_under(&actor.0.unit_path).await? {
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

    /// Creates a member, in a unit the administrator manages, with a first password to be
    /// handed to them; audited under the administrator's name. A role that takes two
    /// administrators waits for the second one's approval instead.
    pub async fn create_staff(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        role: Role,
        unit: &str,
        password: &str,
    ) -> CoreResult<Granted<StaffMember>> {
        Self::require_administrator(actor)?;
        let unit = self.managed_unit(actor, unit, "unit").await?.code;
        if !role.needs_two_administrators() {
            return self
                .create_member(username, display_name, role, &unit, password, Some(actor))
                .await
                .map(Granted::Done);
        }
        // The asker's password is checked as any other, and then forgotten: the approval
        // gives the member one the asker never sees.
        let new = self
            .new_member(username, display_name, role, &unit, password)
            .await?;
        let grant = NewStaffGrant {
            username: new.username,
            staff: None,
            display_name: new.display_name,
            role,
            unit,
            disabled: false,
            requested_by: actor.0.id,
            requested_at: new.created_at,
            expires_at: new.created_at + STAFF_GRANT_VALID,
        };
        self.request_grant(actor, &grant).await
    }

    async fn request_grant<T>(
        &self,
        actor: &Actor,
        grant: &NewStaffGrant,
    ) -> CoreResult<Granted<T>> {
        let detail = format!(
            "role={} unit={} disabled={} [grant {CREATED_ID}]",
            grant.role, grant.unit, grant.disabled
        );
        self.audited(
            Some(actor.0.id),
            AuditAction::StaffGrantRequested,
            &grant.username,
            &detail,
            async |audit| match self.store.request_staff_grant(grant, audit).await {
                Ok(id) => Ok(Granted::AwaitingApproval(id)),
                Err(StoreError::Conflict(what)) if what == "grant" => {
                    Err(DomainError::field("username", "grant_waiting").into())
                }
                Err(e) => Err(e.into()),
            },
        )
        .await
    }

    /// Applies `change` to the member `username`, who must be in a unit the administrator
    /// manages (anyone else is not found). Nobody changes their own role, unit or status, nor
    /// resets their own second factor (forbidden): the system keeps one who can undo it, and a
    /// rogue administrator cannot carry themselves elsewhere. A change that gives a role
    /// taking two administrators (or carries such a member to another unit, or enables them
    /// again) waits for the second one's approval.
    pub async fn change_staff(
        &self,
        actor: &Actor,
        username: &str,
        change: StaffChange,
    ) -> CoreResult<Granted<()>> {
        Self::require_administrator(actor)?;
        let member = self
            .store
            .staff_by_username(&username.trim().to_lowercase())
            .await?
            .member;
        if !member.unit_path.starts_with(&actor.0.unit_path) {
            return Err(CoreError::NotFound);
        }
        let oneself = member.id == actor.0.id;
        // The unit's own leaders and administrators answer to a higher unit, not to a peer: a
        // rogue administrator must not disable, demote or take over the director above them.
        let peer = member.unit_path == actor.0.unit_path
            && (member.role.needs_second_factor() || member.role == Role::Auditor);
        if peer && !oneself && actor.0.unit != UnitCode::ministry() {
            return Err(DomainError::field("username", "peer").into());
        }
        let subject = member.username.as_str();
        let by = Some(actor.0.id);
        match change {
            StaffChange::Update {
                role,
                unit,
                disabled,
            } => {
                if oneself {
                    // Refused before the unit is even looked at.
                    return Err(CoreError::Forbidden);
                }
                let unit = self.managed_unit(actor, &unit, "unit").await?;
                let unchanged =
                    role == member.role && unit.code == member.unit && disabled == member.disabled;
                if unchanged {
                    return Ok(Granted::Done(()));
                }
                let gives_power = role.needs_two_administrators()
                    && !disabled
                    && (role != member.role || unit.code != member.unit || member.disabled);
                if gives_power {
                    let now = self.clock.now();
                    let grant = NewStaffGrant {
                        username: member.username.clone(),
                        staff: Some(member.id),
                        display_name: member.display_name.clone(),
                        role,
                        unit: unit.code,
                        disabled,
                        requested_by: actor.0.id,
                        requested_at: now,
                        expires_at: now + STAFF_GRANT_VALID,
                    };
                    return self.request_grant(actor, &grant).await;
                }
                // A role or unit given, or an account disabled, is recorded in the same
                // transaction: no one gains clearance without the chain saying who gave it. The
                // member's sessions and tokens end with it: their next sign-in asks for what the
                // new role needs.
                let detail = format!("role={role} unit={} disabled={disabled}", unit.code);
                self.audited(
                    by,
                    AuditAction::StaffUpdated,
                    subject,
                    &detail,
                    async |audit| {
                        Ok(self
                            .store
                            .update_staff(member.id, role, &unit.code, disabled, audit)
                            .await?)
                    },
                )
                .await
                .map(Granted::Done)
            }
            StaffChange::ResetSecondFactor if oneself => Err(CoreError::Forbidden),
            StaffChange::ResetSecondFactor => {
                let action = AuditAction::StaffSecondFactorReset;
                self.audited(by, action, subject, "", async |audit| {
                    Ok(self.store.reset_second_factor(member.id, audit).await?)
                })
                .await
                .map(Granted::Done)
            }
            StaffChange::EndSessions => {
                let action = AuditAction::StaffSessionsEnded;
                self.audited(by, action, subject, "", async |audit| {
                    Ok(self.store.delete_sessions_of(member.id, audit).await?)
                })
                .await
                .map(Granted::Done)
            }
            StaffChange::UnlockSignIn => {
                // Recorded first: an unlock the chain cannot hold does not happen. It lifts
                // the counters every node reads (the store's, with several nodes).
                self.audit(by, AuditAction::StaffSignInUnlocked, subject, "")
                    .await?;
                self.forget_account_attempts(&member.username, member.id)
                    .await?;
                Ok(Granted::Done(()))
            }
            StaffChange::Title { .. } if oneself => Err(CoreError::Forbidden),
            StaffChange::Title { rank, post } => {
                let rank = match rank.trim() {
                    "" => None,
                    rank => Some(rank.parse::<hotline_domain::receipt::PoliceRank>()?),
                };
                let post = hotline_domain::text::clean_line(&post);
                if post.chars().count() > hotline_domain::receipt::MAX_POST_CHARS {
                    return Err(DomainError::field("post", "too_long").into());
                }
                let post = (!post.is_empty()).then_some(post);
                let detail = format!(
                    "rank={} post={}",
                    rank.map_or("", |r| r.as_str()),
                    post.as_deref().unwrap_or_default()
                );
                self.audited(
                    by,
                    AuditAction::StaffTitleSet,
                    subject,
                    &detail,
                    async |audit| {
                        Ok(self
                            .store
                            .set_staff_title(member.id, rank, post.as_deref(), audit)
                            .await?)
                    },
                )
                .await
                .map(Granted::Done)
            }
            StaffChange::RevokeTokens => self
                .audited(by, AuditAction::TokenRevoked, subject, "", async |audit| {
                    Ok(self
                        .store
                        .revoke_api_tokens(member.id, audit.at(), audit)
                        .await?)
                })
                .await
                .map(Granted::Done),
        }
    }

    /// Grants waiting for a decision in the administrator's unit and below, oldest first.
    pub async fn staff_grants(&self, actor: &Actor) -> CoreResult<Vec<StaffGrant>> {
        Self::require_administrator(actor)?;
        Ok(self
            .store
            .open_staff_grants(&actor.0.unit_path, self.clock.now())
            .await?)
    }

    /// Approves or refuses a waiting grant. The decider manages the grant's unit (and the
    /// member's present one); an approval comes from an administrator other than the asker
    /// and the member it concerns, and applies the grant in the same transaction. The asker
    /// may withdraw (refuse) their own. Audited either way.
    ///
    /// An approval returns the member's username and first password, shown once to the
    /// approver, who hands
    /// it over in person: the member's old password and second factor are gone, so an asker
    /// who made or held the account cannot use it once it is cleared.
    pub async fn decide_staff_grant(
        &self,
        actor: &Actor,
        id: i64,
        approve: bool,
    ) -> CoreResult<Option<(String, String)>> {
        Self::require_administrator(actor)?;
        let grant = self.store.staff_grant(id).await?;
        let manages = |path: &str| path.starts_with(&actor.0.unit_path);
        let member = match grant.staff {
            Some(staff) => Some(self.store.staff(staff).await?),
            None => None,
        };
        if !manages(&grant.unit_path) || member.as_ref().is_some_and(|m| !manages(&m.unit_path)) {
            return Err(CoreError::NotFound);
        }
        if approve && (grant.requested_by == actor.0.id || grant.staff == Some(actor.0.id)) {
            self.audit(
                Some(actor.0.id),
                AuditAction::StaffGrantRefused,
                &grant.username,
                &format!("grant {id}: approval by its asker or its member refused"),
            )
            .await?;
            return Err(CoreError::Forbidden);
        }
        // A grant outlives no change to its asker: one disabled, demoted or moved away since
        // asking has it approved no more.
        let asker = self.store.staff(grant.requested_by).await?;
        if approve
            && (asker.disabled
                || asker.role != Role::Administrator
                || !grant.unit_path.starts_with(&asker.unit_path))
        {
            return Err(DomainError::field("grant", "not_waiting").into());
        }
        let detail = format!(
            "grant {id} role={} unit={} disabled={}",
            grant.role, grant.unit, grant.disabled
        );
        let applied = if grant.staff.is_some() {
            AuditAction::StaffUpdated
        } else {
            AuditAction::StaffCreated
        };
        let decision = if approve {
            AuditAction::StaffGrantApproved
        } else {
            AuditAction::StaffGrantRefused
        };
        let mut records = vec![(
            Some(actor.0.id),
            decision,
            grant.username.as_str(),
            detail.as_str(),
        )];
        if approve {
            records.push((
                Some(actor.0.id),
                applied,
                grant.username.as_str(),
                detail.as_str(),
            ));
        }
        // A new member, or one stepping up to such a role, gets a first password the asker
        // never saw, and no second factor the asker could have enrolled. A member who holds
        // such a role already (moved, or enabled again) keeps their own.
        let steps_up = member
            .as_ref()
            .is_none_or(|m| m.role != grant.role || !m.role.needs_two_administrators());
        let first_password = (approve && steps_up).then(|| {
            let (random, _) = hotline_vault::new_token();
            [0, 4, 8, 12]
                .iter()
                .filter_map(|at| random.get(*at..at + 4))
                .collect::<Vec<_>>()
                .join("-")
        });
        let first_password_hash = match &first_password {
            Some(password) => {
                let password = password.clone();
                Some(
                    crate::staff::off_executor(&self.hashing, move || {
                        hotline_vault::hash_password(&password)
                    })
                    .await?
                    .map_err(|e| CoreError::Internal(e.to_string()))?,
                )
            }
            None => None,
        };
        self.audited_all(&records, async |audit| {
            let hash = first_password_hash.as_deref();
            match self
                .store
                .decide_staff_grant(id, actor.0.id, approve, hash, audit)
                .await
            {
                Ok(true) => Ok(first_password
                    .clone()
                    .map(|password| (grant.username.clone(), password))),
                Ok(false) => Err(DomainError::field("grant", "not_waiting").into()),
                Err(StoreError::Conflict(_)) => Err(DomainError::field("username", "taken").into()),
                Err(e) => Err(e.into()),
            }
        })
        .await
    }
}

impl Hotline {
    /// The units an administrator manages: theirs and those below it, by path.
    pub async fn units_list(&self, actor: &Actor) -> CoreResult<Vec<Unit>> {
        Self::require_administrator(actor)?;
        let mut units: Vec<Unit> = self
            .store
            .list_units()
            .await?
            .into_iter()
            .filter(|u| u.path.starts_with(&actor.0.unit_path))
            .collect();
        sort_as_tree(&mut units);
        Ok(units)
    }

    /// One unit the administrator manages, or the field error `field`/`unknown`.
    async fn managed_unit(
        &self,
        actor: &Actor,
        code: &str,
        field: &'static str,
    ) -> CoreResult<Unit> {
        let unknown = || CoreError::from(DomainError::field(field, "unknown"));
        let code: UnitCode = code.trim().parse().map_err(|_| unknown())?;
        // A commune's police of the 2025 list is made when first named.
        match self.resolve_unit(&code).await {
            Ok(unit) if unit.path.starts_with(&actor.0.unit_path) => Ok(unit),
            Ok(_) | Err(CoreError::NotFound | CoreError::Domain(_)) => Err(unknown()),
            Err(e) => Err(e),
        }
    }

    /// Creates a department (phòng, đội) under a unit the administrator manages: its code is
    /// the parent's and `suffix` (`22-pc02`), its province and case prefix the parent's.
    /// Commune police are not created here: every commune of the 2025 list has its unit
    /// already, made when first needed. Audited.
    pub async fn create_department(
        &self,
        actor: &Actor,
        parent: &str,
        suffix: &str,
        name: &str,
    ) -> CoreResult<Unit> {
        Self::require_administrator(actor)?;
        let parent = self.managed_unit(actor, parent, "parent").await?;
        if parent.kind == UnitKind::CommunePolice {
            return Err(DomainError::field("parent", "no_children").into());
        }
        let name = unit_name(name)?;
        let suffix = suffix.trim().to_ascii_lowercase();
        let code: UnitCode = (!suffix.is_empty()
            && suffix.chars().count() <= MAX_UNIT_SUFFIX_CHARS
            && suffix.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| format!("{}-{suffix}", parent.code).parse().ok())
        .flatten()
        .ok_or_else(|| DomainError::field("code", "invalid"))?;
        let new = NewUnit {
            code,
            name,
            kind: UnitKind::Department,
            parent: Some(parent.code.clone()),
            province_code: parent.province_code,
            commune_code: None,
            case_prefix: parent.case_prefix.clone(),
        };
        let unit = self
            .audited(
                Some(actor.0.id),
                AuditAction::UnitCreated,
                new.code.as_str(),
                &format!("parent={} kind={}", parent.code, new.kind),
                async |audit| {
                    self.store
                        .create_unit(&new, audit)
                        .await
                        .map_err(|e| match e {
                            StoreError::Conflict(_) => DomainError::field("code", "taken").into(),
                            e => CoreError::from(e),
                        })
                },
            )
            .await?;
        // Routing may name it: new reports should find it at once, not after the cache ages.
        self.units.invalidate();
        Ok(unit)
    }

    /// Renames a unit below the province that the administrator manages (a department, a
    /// commune police); the ministry's and the provinces' names are the law's. Audited.
    pub async fn rename_unit(&self, actor: &Actor, code: &str, name: &str) -> CoreResult<Unit> {
        Self::require_administrator(actor)?;
        let unit = self.managed_unit(actor, code, "code").await?;
        if !matches!(unit.kind, UnitKind::Department | UnitKind::CommunePolice) {
            return Err(DomainError::field("code", "not_below_province").into());
        }
        let name = unit_name(name)?;
        // Unit names appear in notices to reporters and the procuracy: both are kept.
        self.audited(
            Some(actor.0.id),
            AuditAction::UnitRenamed,
            unit.code.as_str(),
            &format!("from={} to={name}", unit.name),
            async |audit| Ok(self.store.rename_unit(&unit.code, &name, audit).await?),
        )
        .await?;
        // Pages name units from the cached list: the new name shows at once.
        self.units.invalidate();
        Ok(Unit { name, ..unit })
    }
}

/// A unit's name as given: one line, not empty, not too long.
fn unit_name(name: &str) -> CoreResult<String> {
    let name = clean_line(name);
    if name.is_empty() {
        return Err(DomainError::field("name", "required").into());
    }
    if name.chars().count() > MAX_UNIT_NAME_CHARS {
        return Err(DomainError::field("name", "too_long").into());
    }
    Ok(name)
}

/// Units in tree order, each unit's children by name (Vietnamese names sort well enough by
/// their folded form), so that `1`, `11`, `12` … read as Hà Nội, Điện Biên, Lai Châu … by name.
fn sort_as_tree(units: &mut Vec<Unit>) {
    use std::collections::HashMap;
    let mut children: HashMap<Option<UnitCode>, Vec<Unit>> = HashMap::new();
    let codes: std::collections::HashSet<UnitCode> = units.iter().map(|u| u.code.clone()).collect();
    for unit in units.drain(..) {
        // A unit whose parent is outside the list is a root of it.
        let parent = unit.parent.clone().filter(|p| codes.contains(p));
        children.entry(parent).or_default().push(unit);
    }
    for list in children.values_mut() {
        list.sort_by_key(|u| hotline_domain::text::fold(&u.name));
    }
    fn walk(
        parent: Option<UnitCode>,
        children: &mut HashMap<Option<UnitCode>, Vec<Unit>>,
        out: &mut Vec<Unit>,
    ) {
        for unit in children.remove(&parent).unwrap_or_default() {
            let code = unit.code.clone();
            out.push(unit);
            walk(Some(code), children, out);
        }
    }
    walk(None, &mut children, units);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, name: &str, parent: Option<&str>) -> Unit {
        Unit {
            code: code.parse().unwrap(),
            name: name.into(),
            kind: UnitKind::Department,
            parent: parent.map(|p| p.parse().unwrap()),
            path: String::new(),
            province_code: None,
            commune_code: None,
            case_prefix: "QN".into(),
        }
    }

    #[test]
    fn units_read_as_a_tree_with_children_by_name() {
        let mut units = vec![
            unit("bca", "Bộ Công an", None),
            unit("11", "Công an tỉnh Điện Biên", Some("bca")),
            unit("22/6688", "Công an phường Hạ Long", Some("22")),
            unit("22", "Công an tỉnh Quảng Ninh", Some("bca")),
            unit("22-pc02", "Phòng Cảnh sát hình sự", Some("22")),
            unit("1", "Công an thành phố Hà Nội", Some("bca")),
        ];
        sort_as_tree(&mut units);
        let codes: Vec<&str> = units.iter().map(|u| u.code.as_str()).collect();
        assert_eq!(codes, ["bca", "1", "11", "22", "22/6688", "22-pc02"]);
    }
}
