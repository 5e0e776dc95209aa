//! Who settles a denunciation about a police officer, by the accused's post (R20: NĐ 22/2019
//! Art. 5 as amended by NĐ 224/2025, in force from 14/8/2025).

use crate::DomainError;
use crate::report::LegalType;
use crate::report::string_enum;
use crate::unit::UnitKind;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The legal basis shown with a settler chosen by the accused's post.
pub const SETTLER_BASIS: &str = "NĐ 22/2019 Điều 5 (sửa đổi bởi NĐ 224/2025)";

string_enum!(
    /// The accused's post, as far as it decides who settles: an officer without a command post
    /// (cán bộ, chiến sĩ), a deputy head of the unit (cấp phó), its head (cấp trưởng), or the
    /// unit itself as a body. The names are the API's and stay stable.
    AccusedPost (|_| DomainError::field("accused_post", "unknown")) {
        Officer => "officer",
        Deputy => "deputy",
        Head => "head",
        Unit => "unit",
    }
);

/// Whose the settling is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settler {
    /// The head of the accused's own unit: the head of a commune, ward or special-zone police
    /// or of a police station settles denunciations about the officers it manages directly,
    /// except its deputies.
    OwnHead,
    /// The head of the unit above the accused's: the provincial director for a commune
    /// police's head or deputy, a department's head or deputy, and for the units themselves;
    /// the ministry for a provincial police. Also, conservatively, for an officer of a
    /// department or of a provincial police, whom no head below the director is named to settle.
    Above,
}

impl AccusedPost {
    /// Who settles a report of `legal_type` about the holder of this post in a unit of `kind`.
    /// Only a denunciation under the Law on Denunciations is ever the accused's own head's: one
    /// with the signs of a crime, or about acts in criminal procedure, is not NĐ 22's (its
    /// Art. 1(2)) and is never handled inside the accused's unit (R14, R21); neither, for
    /// want of a settler named below the director, is a complaint.
    pub fn settler(self, kind: UnitKind, legal_type: LegalType) -> Settler {
        match (self, kind, legal_type) {
            (Self::Officer, UnitKind::CommunePolice, LegalType::PoliceConduct) => Settler::OwnHead,
            _ => Settler::Above,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commune_head_settles_for_its_officers_but_not_for_its_deputies() {
        let conduct = LegalType::PoliceConduct;
        assert_eq!(
            AccusedPost::Officer.settler(UnitKind::CommunePolice, conduct),
            Settler::OwnHead
        );
        for post in [AccusedPost::Deputy, AccusedPost::Head, AccusedPost::Unit] {
            assert_eq!(
                post.settler(UnitKind::CommunePolice, conduct),
                Settler::Above
            );
            assert_eq!(post.settler(UnitKind::Department, conduct), Settler::Above);
        }
        assert_eq!(
            AccusedPost::Officer.settler(UnitKind::Department, conduct),
            Settler::Above
        );
    }

    #[test]
    fn a_crime_by_an_officer_is_never_settled_by_the_officers_own_head() {
        for legal_type in [
            LegalType::CrimeDenunciation,
            LegalType::CrimeInformation,
            LegalType::Complaint,
        ] {
            assert_eq!(
                AccusedPost::Officer.settler(UnitKind::CommunePolice, legal_type),
                Settler::Above
            );
        }
        assert_eq!(
            "deputy".parse::<AccusedPost>().unwrap(),
            AccusedPost::Deputy
        );
        assert!("chief".parse::<AccusedPost>().is_err());
    }
}
