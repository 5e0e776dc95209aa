//! Newtype identifiers so that a report id is never passed where a staff id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A report (case) row.
    ReportId
);
id_type!(
    /// A reporter identity row, kept apart from the report.
    ContactId
);
id_type!(
    /// A staff account.
    StaffId
);
id_type!(
    /// One inbound or outbound message.
    MessageId
);
