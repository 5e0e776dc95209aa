//! What a report is made of: the channel it came on, its status and urgency.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::DomainError;

/// A closed set of names with its stable text form, `Display`, and `FromStr` whose error the
/// caller chooses.
macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident ($unknown:expr) { $($variant:ident => $text:literal),+ $(,)? }) => {
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

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let unknown: fn(&str) -> DomainError = $unknown;
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| unknown(s))
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// Where a message came from. The names are the API's and stay stable.
    Channel (|s| DomainError::UnknownChannel(s.to_owned())) {
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

string_enum!(
    /// Where a report stands. The legal workflow refines these per legal type.
    ReportStatus (|_| DomainError::field("status", "unknown")) {
        Received => "received",
        Triaged => "triaged",
        InProgress => "in_progress",
        Transferred => "transferred",
        Closed => "closed",
    }
);

string_enum!(
    /// How quickly someone must act.
    Urgency (|_| DomainError::field("urgency", "unknown")) {
        Emergency => "emergency",
        Urgent => "urgent",
        Normal => "normal",
        Low => "low",
    }
);

impl Urgency {
    /// Emergencies first (0) to low (3): the order of an inbox sorted by urgency, and which of
    /// two urgencies is the more pressing. The one definition; SQL uses [`Urgency::rank_sql`].
    pub fn rank(self) -> i64 {
        match self {
            Urgency::Emergency => 0,
            Urgency::Urgent => 1,
            Urgency::Normal => 2,
            Urgency::Low => 3,
        }
    }

    /// [`Urgency::rank`] as an SQL expression over a column holding the text form. The least
    /// pressing is the `ELSE`: the expression must read exactly as the stores' index on it
    /// (migration `0016_inbox_indexes.sql`), or the planner sorts without the index.
    pub fn rank_sql(column: &str) -> String {
        let (least, others) = match Urgency::ALL.split_last() {
            Some(split) => split,
            None => return "0".to_owned(),
        };
        let arms: String = others
            .iter()
            .map(|u| format!(" WHEN '{}' THEN {}", u.as_str(), u.rank()))
            .collect();
        format!("(CASE {column}{arms} ELSE {} END)", least.rank())
    }
}

string_enum!(
    /// What a report is in law (LEGAL-VN.md §1): it decides the procedure, the time limits and
    /// who may see the reporter. The names are the API's and stay stable.
    LegalType (|_| DomainError::field("legal_type", "unknown")) {
        CrimeDenunciation => "crime_denunciation",
        CrimeInformation => "crime_information",
        ProsecutionRequest => "prosecution_request",
        PoliceConduct => "police_conduct",
        Complaint => "complaint",
        PublicOrder => "public_order",
        Feedback => "feedback",
        NonActionable => "non_actionable",
    }
);

string_enum!(
    /// What a report is about, for routing to the specialised department and for figures.
    Topic (|_| DomainError::field("topic", "unknown")) {
        Drugs => "drugs",
        Gambling => "gambling",
        TheftRobbery => "theft_robbery",
        FraudOnline => "fraud_online",
        ViolenceAssault => "violence_assault",
        Weapons => "weapons",
        HumanTrafficking => "human_trafficking",
        Smuggling => "smuggling",
        Traffic => "traffic",
        Environment => "environment",
        NoiseDisturbance => "noise_disturbance",
        LoanSharking => "loan_sharking",
        Cybercrime => "cybercrime",
        Corruption => "corruption",
        Other => "other",
    }
);

string_enum!(
    /// Whether a message came from the reporter or went to them.
    Direction (|_| DomainError::field("direction", "unknown")) {
        Inbound => "inbound",
        Outbound => "outbound",
    }
);

string_enum!(
    /// Where a message to the reporter stands. On the web follow-up page a reply is delivered
    /// once stored, and read once the reporter opens the page; platform channels report their
    /// own steps.
    Delivery (|_| DomainError::field("delivery", "unknown")) {
        Queued => "queued",
        Sent => "sent",
        Delivered => "delivered",
        Read => "read",
        Failed => "failed",
    }
);

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

    #[test]
    fn emergencies_rank_first_in_rust_and_in_sql() {
        let ranks: Vec<i64> = Urgency::ALL.iter().map(|u| u.rank()).collect();
        assert_eq!(ranks, [0, 1, 2, 3]);
        assert!(Urgency::Emergency.rank() < Urgency::Low.rank());
        assert_eq!(
            Urgency::rank_sql("r.urgency"),
            "(CASE r.urgency WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1 \
             WHEN 'normal' THEN 2 ELSE 3 END)"
        );
    }
}
