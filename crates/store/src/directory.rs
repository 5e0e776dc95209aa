//! The public hotline directory's records: people, the positions they hold in units, and the
//! contact points units and positions publish; per province, a revision counted up by every
//! change (the feed's ETag) and the origins allowed to frame its widget.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::UnitCode;
use hotline_domain::directory::ContactAddress;

use crate::StoreResult;

/// A person named in the directory. People are not bound to a province: a director who moves
/// keeps their entry, with positions in both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryPerson {
    pub id: i64,
    /// A stable key that survives export and import (`p-1a2b3c4d5e`).
    pub key: String,
    pub full_name: String,
    /// Their rank (`Đại tá`), where published.
    pub rank: Option<String>,
}

/// A position a person holds (or held) in a unit, from `started_on` until `ended_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryPosition {
    pub id: i64,
    pub person_id: i64,
    pub province: u32,
    pub unit: UnitCode,
    /// `Giám đốc`, `Phó Giám đốc`, `Trưởng Công an phường`.
    pub title: String,
    pub started_on: NaiveDate,
    /// The last day held; `None` while held.
    pub ended_on: Option<NaiveDate>,
    /// Order on the page, smallest first (the director before the deputies).
    pub sort: i32,
}

impl DirectoryPosition {
    /// Whether it is held on `day`.
    pub fn held_on(&self, day: NaiveDate) -> bool {
        self.started_on <= day && self.ended_on.is_none_or(|end| end >= day)
    }
}

/// A phone number, mailbox, account or page published by a unit (its line) or a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryContact {
    pub id: i64,
    pub province: u32,
    pub unit: UnitCode,
    /// The position whose contact point it is; `None` for the unit's own line.
    pub position_id: Option<i64>,
    /// What the line is for (`Trực ban 24/7`, `Phòng An ninh mạng`), for a unit's line.
    pub label: Option<String>,
    pub address: ContactAddress,
    /// Published; an internal one is kept for verification by staff but shown to nobody else.
    pub public: bool,
    /// When it is answered (`7:30–17:00, thứ Hai–thứ Sáu`); `None` means day and night.
    pub hours: Option<String>,
    pub verified_on: Option<NaiveDate>,
    /// The channel account through which Hotline receives its messages, where one does.
    pub channel_account: Option<i64>,
    pub sort: i32,
}

/// A province's directory as a whole: its revision and when it last changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryProvince {
    pub province: u32,
    pub revision: i64,
    pub updated_at: Option<DateTime<Utc>>,
    /// Origins (`https://congan.quangninh.gov.vn`) whose pages may frame the widget.
    pub frame_origins: Vec<String>,
}

/// Rows of the directory (of one province or of all), as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryRows {
    pub provinces: Vec<DirectoryProvince>,
    /// People who hold or held a position among `positions`.
    pub people: Vec<DirectoryPerson>,
    pub positions: Vec<DirectoryPosition>,
    pub contacts: Vec<DirectoryContact>,
}

/// A position to write: by the person's key (created with the name given when it is new).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDirectoryPosition {
    pub person_key: String,
    pub full_name: String,
    pub rank: Option<String>,
    pub unit: UnitCode,
    pub title: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub sort: i32,
}

/// A contact point to write; `position` indexes the positions written with it (in an import)
/// or names a stored position's id (in a single change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDirectoryContact {
    pub unit: UnitCode,
    pub position: Option<i64>,
    pub label: Option<String>,
    pub address: ContactAddress,
    pub public: bool,
    pub hours: Option<String>,
    pub verified_on: Option<NaiveDate>,
    pub channel_account: Option<i64>,
    pub sort: i32,
}

/// One change to a province's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryChange {
    /// Gives a person a position (creating the person when the key is new; their name and
    /// rank as given, which renames a known person everywhere).
    AddPosition(NewDirectoryPosition),
    /// Ends a position after `last_day` (a director moved or retired; the history stays).
    EndPosition {
        id: i64,
        last_day: NaiveDate,
    },
    AddContact(NewDirectoryContact),
    /// Rewrites a contact point.
    UpdateContact {
        id: i64,
        contact: NewDirectoryContact,
    },
    RemoveContact {
        id: i64,
    },
    /// Records that a contact point was checked to reach its owner on `day`.
    MarkVerified {
        id: i64,
        day: NaiveDate,
    },
    SetFrameOrigins(Vec<String>),
}

/// What an import writes for a province: it replaces the positions and contact points of the
/// province's units (people matched by key), in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryImport {
    pub positions: Vec<NewDirectoryPosition>,
    /// Each `position` is an index into `positions`.
    pub contacts: Vec<NewDirectoryContact>,
    pub frame_origins: Vec<String>,
}

/// The public hotline directory. Every change bumps the province's revision in the same
/// transaction.
#[async_trait]
pub trait Directory: Send + Sync {
    /// The rows of `province`, or of every province.
    async fn directory(&self, province: Option<u32>) -> StoreResult<DirectoryRows>;
    /// Each province's revision and last change, without its rows: enough to answer a
    /// client that holds the current version.
    async fn directory_states(&self) -> StoreResult<Vec<DirectoryProvince>>;
    /// Writes one change to `province`'s directory; returns the id of the row it wrote (0 for
    /// the frame origins). `NotFound` when the row changed is not the province's.
    async fn change_directory(
        &self,
        province: u32,
        change: &DirectoryChange,
        at: DateTime<Utc>,
    ) -> StoreResult<i64>;
    /// Replaces the directory of each province named with its import, all in one
    /// transaction.
    async fn replace_directory(
        &self,
        imports: &[(u32, DirectoryImport)],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
}
