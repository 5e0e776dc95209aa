//! Pure types and rules of Hotline: identifiers, channels, roles, units, places, reports and the
//! Vietnamese text handling every other crate relies on. Nothing here performs I/O.

pub mod breach;
pub mod calendar;
pub mod client;
pub mod clock;
pub mod codes;
pub mod conduct;
pub mod danger;
pub mod deadline;
pub mod directory;
pub mod error;
pub mod hints;
pub mod ids;
pub mod inbound;
pub mod notify;
pub mod phrases;
pub mod pii;
pub mod places;
pub mod platform;
pub mod receipt;
pub mod report;
pub mod roster;
pub mod routing;
pub mod sms;
pub mod staff;
pub mod statistics;
pub mod submission;
pub mod text;
pub mod unit;
pub mod vocabulary;
pub mod workflow;

pub use clock::{Clock, FixedClock, SystemClock, VIETNAM, vietnam_year};
pub use codes::{CaseNumber, FollowUpCode, Pseudonym};
pub use error::{DomainError, FieldError};
pub use ids::{ContactId, MessageId, ReportId, StaffId};
pub use places::{Commune, CommuneLookup, Gazetteer, Province};
pub use report::{Channel, Delivery, Direction, LegalType, ReportStatus, Topic, Urgency};
pub use staff::Role;
pub use submission::{ContactInput, ReportInput, ValidContact, ValidReport};
pub use unit::{UnitCode, UnitKind};
pub use vocabulary::{AuditAction, ReportEvent, ReportEventKind};
