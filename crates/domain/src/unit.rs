//! Police units and their codes: `bca` (the ministry), a province's GSO code for its provincial
//! police (`22`), `<province>/<commune>` for a commune police (`91/30280`), and short codes of
//! the form `<province>-<name>` for departments (`22-pc01`).

use crate::DomainError;
use crate::report::string_enum;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

string_enum!(
    UnitKind (|_| DomainError::field("kind", "unknown")) {
        Ministry => "ministry",
        ProvincialPolice => "provincial_police",
        Department => "department",
        CommunePolice => "commune_police",
    }
);

pub const MINISTRY_CODE: &str = "bca";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitCode(String);

impl UnitCode {
    pub fn ministry() -> Self {
        Self(MINISTRY_CODE.to_owned())
    }

    pub fn province(code: u32) -> Self {
        Self(code.to_string())
    }

    pub fn commune(province: u32, commune: u32) -> Self {
        Self(format!("{province}/{commune}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the code itself says about the unit, before looking it up.
    pub fn shape(&self) -> UnitShape {
        if self.0 == MINISTRY_CODE {
            return UnitShape::Ministry;
        }
        if let Ok(p) = self.0.parse::<u32>() {
            return UnitShape::Province(p);
        }
        if let Some((p, c)) = self.0.split_once('/')
            && let (Ok(p), Ok(c)) = (p.parse(), c.parse())
        {
            return UnitShape::Commune(p, c);
        }
        UnitShape::Other
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitShape {
    Ministry,
    Province(u32),
    Commune(u32, u32),
    Other,
}

impl FromStr for UnitCode {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        let valid = !s.is_empty()
            && s.len() <= 32
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '/' || c == '-')
            && !s.starts_with(['/', '-'])
            && !s.ends_with(['/', '-']);
        if valid {
            Ok(Self(s))
        } else {
            Err(DomainError::UnknownUnit(s))
        }
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_codes_say_their_shape() {
        assert_eq!(
            "bca".parse::<UnitCode>().unwrap().shape(),
            UnitShape::Ministry
        );
        assert_eq!(
            "22".parse::<UnitCode>().unwrap().shape(),
            UnitShape::Province(22)
        );
        assert_eq!(
            "91/30280".parse::<UnitCode>().unwrap().shape(),
            UnitShape::Commune(91, 30280)
        );
        assert_eq!(
            "22-pc01".parse::<UnitCode>().unwrap().shape(),
            UnitShape::Other
        );
        for bad in ["", "a b", "../etc", "/22", "22/", "x".repeat(40).as_str()] {
            assert!(bad.parse::<UnitCode>().is_err(), "{bad}");
        }
    }
}
