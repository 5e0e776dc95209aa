//! Staff roles and what each may do.

use crate::DomainError;
use crate::report::string_enum;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

string_enum!(
    /// A staff member's role. The names are the CLI's and API's and stay stable.
    Role (|s| DomainError::UnknownRole(s.to_owned())) {
        Administrator => "administrator",
        Director => "director",
        UnitLeader => "unit_leader",
        DutyOfficer => "duty_officer",
        Handler => "handler",
        Inspector => "inspector",
        Auditor => "auditor",
    }
);

/// How far a staff member's view of reports reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportScope {
    /// Reports of no unit: administrators manage the system but do not read reports.
    None,
    /// Reports of the member's own unit.
    OwnUnit,
    /// Reports of the member's unit and every unit below it.
    UnitTree,
}

impl Role {
    /// Whether the role has clearance to reveal a reporter's identity (with a reason, audited).
    pub fn may_reveal_identity(self) -> bool {
        matches!(self, Role::Director | Role::UnitLeader | Role::Inspector)
    }

    /// Whether the role may name another accused's unit on a report about police conduct
    /// when the one named was wrong: a leader or inspector above both (issue 25, finding 14).
    pub fn may_correct_accused(self) -> bool {
        matches!(self, Role::Director | Role::UnitLeader | Role::Inspector)
    }

    /// Whether the role may list who revealed which identities and items, and why: auditors
    /// for every unit, leaders and inspectors for the reports in their scope.
    pub fn may_read_reveal_log(self) -> bool {
        matches!(
            self,
            Role::Director | Role::UnitLeader | Role::Inspector | Role::Auditor
        )
    }

    /// Whether the role reads the statistics of its unit and the units below (issue 29):
    /// leaders, inspectors and auditors. Figures hold metadata only; reports about police
    /// conduct are in them only for a reader who may read those reports.
    pub fn may_read_statistics(self) -> bool {
        matches!(
            self,
            Role::Director | Role::UnitLeader | Role::Inspector | Role::Auditor
        )
    }

    /// Whether the role may put a report on legal hold (kept from any purge) or release it.
    pub fn may_place_legal_hold(self) -> bool {
        matches!(self, Role::Director | Role::UnitLeader | Role::Inspector)
    }

    /// Whether the role leads a unit (its head or a deputy): the leaders of a commune police
    /// read the denunciations about its officers that its head settles (R20), which the rest
    /// of the unit may not.
    pub fn leads_unit(self) -> bool {
        matches!(self, Role::Director | Role::UnitLeader)
    }

    /// Whether the role hands reports to officers: leaders and the duty desk (triage), and
    /// inspectors for the reports they oversee.
    pub fn may_assign(self) -> bool {
        matches!(
            self,
            Role::Director | Role::UnitLeader | Role::DutyOfficer | Role::Inspector
        )
    }

    /// Whether signing in takes a second factor (TOTP) after the password: every role that can
    /// see identities, reads the reveal log of every unit, or administers the system.
    /// Whether giving the role takes two administrators (issue 25): it sees identities, reads
    /// every unit's reveal log or administers, so one rogue administrator must not mint it.
    pub fn needs_two_administrators(self) -> bool {
        self.needs_second_factor()
    }

    pub fn needs_second_factor(self) -> bool {
        self.may_reveal_identity() || matches!(self, Role::Administrator | Role::Auditor)
    }

    pub fn report_scope(self) -> ReportScope {
        match self {
            Role::Administrator | Role::Auditor => ReportScope::None,
            Role::Handler => ReportScope::OwnUnit,
            Role::Director | Role::UnitLeader | Role::DutyOfficer | Role::Inspector => {
                ReportScope::UnitTree
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administrators_do_not_read_reports() {
        assert_eq!(Role::Administrator.report_scope(), ReportScope::None);
        assert_eq!(Role::Director.report_scope(), ReportScope::UnitTree);
        assert_eq!("unit_leader".parse::<Role>().unwrap(), Role::UnitLeader);
        assert!("root".parse::<Role>().is_err());
    }
}
