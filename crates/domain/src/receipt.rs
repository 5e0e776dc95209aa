//! Where a report came from, as the receipt register lists it (R2: BLTTHS Art. 144, 145, 152;
//! TTLT 01/2017 on receiving sources of crime): a person by any channel, a letter by post, the
//! 113 line, the mass media, another body or organisation, or the offender who surrenders or
//! confesses. Chat and web reports are a person's; the desk names the others when it records them.

use crate::DomainError;
use crate::report::string_enum;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

string_enum!(
    /// The source of a register line. The names are stored and stay stable.
    ReceiptSource (|_| DomainError::field("source", "unknown")) {
        Person => "person",
        Post => "post",
        Line113 => "line_113",
        Media => "media",
        OtherBody => "other_body",
        Surrender => "surrender",
    }
);

string_enum!(
    /// A rank of the People's Public Security (Law on the People's Public Security 2018 Art. 21),
    /// as the receipt register and record name the receiving officer.
    PoliceRank (|_| DomainError::field("rank", "unknown")) {
        BinhNhi => "binh_nhi",
        BinhNhat => "binh_nhat",
        HaSi => "ha_si",
        TrungSi => "trung_si",
        ThuongSi => "thuong_si",
        ThieuUy => "thieu_uy",
        TrungUy => "trung_uy",
        ThuongUy => "thuong_uy",
        DaiUy => "dai_uy",
        ThieuTa => "thieu_ta",
        TrungTa => "trung_ta",
        ThuongTa => "thuong_ta",
        DaiTa => "dai_ta",
        ThieuTuong => "thieu_tuong",
        TrungTuong => "trung_tuong",
        ThuongTuong => "thuong_tuong",
        DaiTuong => "dai_tuong",
    }
);

/// The longest post (chức vụ) a member's record holds.
pub const MAX_POST_CHARS: usize = 120;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_and_ranks_read_back() {
        for source in ReceiptSource::ALL {
            assert_eq!(source.as_str().parse::<ReceiptSource>().unwrap(), *source);
        }
        assert_eq!(
            "thieu_ta".parse::<PoliceRank>().unwrap(),
            PoliceRank::ThieuTa
        );
        assert!("general".parse::<PoliceRank>().is_err());
        assert_eq!(PoliceRank::ALL.len(), 17);
    }
}
