//! What a report is made of: the channel it came on, its status and urgency.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::DomainError;

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// Where a message came from. The names are the API's and stay stable.
    Channel {
        Web => "web",
        Api => "api",
        Capture => "capture",
        Phone => "phone",
        Sms => "sms",
        Email => "email",
        Zalo => "zalo",
        Whatsapp => "whatsapp",
        Messenger => "messenger",
        Instagram => "instagram",
        Telegram => "telegram",
        X => "x",
        Threads => "threads",
        Tiktok => "tiktok",
    }
);

impl FromStr for Channel {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| DomainError::UnknownChannel(s.to_owned()))
    }
}

string_enum!(
    /// Where a report stands. The legal workflow refines these per legal type.
    ReportStatus {
        Received => "received",
        Triaged => "triaged",
        InProgress => "in_progress",
        Transferred => "transferred",
        Closed => "closed",
    }
);

impl FromStr for ReportStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| DomainError::field("status", "unknown"))
    }
}

string_enum!(
    /// How quickly someone must act.
    Urgency {
        Emergency => "emergency",
        Urgent => "urgent",
        Normal => "normal",
        Low => "low",
    }
);

impl FromStr for Urgency {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| DomainError::field("urgency", "unknown"))
    }
}

string_enum!(
    /// Whether a message came from the reporter or went to them.
    Direction {
        Inbound => "inbound",
        Outbound => "outbound",
    }
);

impl FromStr for Direction {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| DomainError::field("direction", "unknown"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_round_trip() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>().unwrap(), *c);
            assert_eq!(
                serde_json::to_string(c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
        }
        assert_eq!(Channel::ALL.len(), 14);
        assert!("fax".parse::<Channel>().is_err());
    }
}
