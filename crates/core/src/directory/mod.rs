//! The public hotline directory: each province's published leaders and lines as citizens see
//! them, search over provinces (merged provinces' names included), the "is this really the
//! police?" check, and its administration, every change audited.

mod administered;
mod published;

use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::directory::ContactAddress;
use hotline_domain::unit::UnitShape;
use hotline_domain::{DomainError, Province, UnitCode};
use hotline_store::ChannelAccount;

/// Longest name, title, label or hours text kept.
const MAX_TEXT: usize = 200;

/// A contact point as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactView {
    pub id: i64,
    pub address: ContactAddress,
    /// The number grouped, the handle with its `@`, the address.
    pub display: String,
    /// `tel:`, `mailto:` or the profile's address.
    pub href: String,
    pub label: Option<String>,
    pub public: bool,
    /// `None`: day and night.
    pub hours: Option<String>,
    pub verified_on: Option<NaiveDate>,
    /// The channel account Hotline receives its messages through (`zalo/qn-zalo`).
    pub listening: Option<String>,
    pub listening_id: Option<i64>,
    pub sort: i32,
}

/// A person in a position, with the contact points the position publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderView {
    pub position_id: i64,
    pub person_key: String,
    pub full_name: String,
    pub rank: Option<String>,
    pub title: String,
    pub unit: UnitCode,
    pub unit_name: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub sort: i32,
    pub contacts: Vec<ContactView>,
}

impl LeaderView {
    /// `Đại tá Nguyễn Văn Minh`.
    pub fn name_with_rank(&self) -> String {
        match &self.rank {
            Some(rank) => format!("{rank} {}", self.full_name),
            None => self.full_name.clone(),
        }
    }
}

/// A unit's own lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitLines {
    pub unit: UnitCode,
    pub unit_name: String,
    pub lines: Vec<ContactView>,
}

/// A province's directory as a page shows it.
#[derive(Debug, Clone)]
pub struct ProvinceDirectory {
    pub province: Province,
    /// `Công an tỉnh Quảng Ninh`.
    pub police_name: String,
    pub revision: i64,
    pub updated_at: Option<DateTime<Utc>>,
    pub frame_origins: Vec<String>,
    /// Positions held today, the provincial police's first.
    pub leaders: Vec<LeaderView>,
    pub units: Vec<UnitLines>,
    /// Positions no longer held (for administrators; empty on public pages).
    pub past: Vec<LeaderView>,
    /// The day in Vietnam it was read for: who is in post depends on it.
    pub as_of: NaiveDate,
}

impl ProvinceDirectory {
    /// The feed's validator: changes with every change to the province, and each day in
    /// Vietnam (a position starts or ends on a day, with no change written).
    pub fn etag(&self) -> String {
        directory_etag(&self.province.code.to_string(), self.revision, self.as_of)
    }
}

/// A province in the list of provinces.
#[derive(Debug, Clone)]
pub struct ProvinceSummary {
    pub province: Province,
    pub police_name: String,
    /// Published contact points.
    pub published: usize,
    pub updated_at: Option<DateTime<Utc>>,
}

/// What a directory search found.
#[derive(Debug, Clone, Default)]
pub struct DirectorySearch {
    pub provinces: Vec<ProvinceSummary>,
    /// A former province the query named, and the province it was merged into.
    pub merged: Option<(String, Province)>,
}

/// A published contact point a verification matched, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedContact {
    pub province: u32,
    pub province_slug: String,
    pub police_name: String,
    pub unit_name: String,
    /// `Đại tá Nguyễn Văn Minh, Giám đốc` or the line's label.
    pub owner: String,
    pub address: ContactAddress,
    pub display: String,
    pub verified_on: Option<NaiveDate>,
}

/// The answer to "is this really the police?".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    /// Whether the text could be read as a number, address, link or handle.
    pub understood: bool,
    pub official: bool,
    pub matches: Vec<VerifiedContact>,
    /// Official numbers this one is a digit away from: the numbers scammers choose.
    pub resembles: Vec<VerifiedContact>,
}

/// A province's directory with what its administration forms offer.
#[derive(Debug, Clone)]
pub struct DirectoryAdmin {
    pub directory: ProvinceDirectory,
    /// The province's police, departments and commune police known so far.
    pub units: Vec<(UnitCode, String)>,
    /// People of its positions, present and past: key and name.
    pub people: Vec<(String, String)>,
    /// Channel accounts of its units: id and `platform/name`.
    pub accounts: Vec<(i64, String)>,
}

/// A position to add, as an administrator's form gives it.
#[derive(Debug, Clone, Default)]
pub struct PositionInput<'a> {
    /// An existing person (moving to a new position), or empty for a new person.
    pub person_key: &'a str,
    pub full_name: &'a str,
    pub rank: &'a str,
    pub unit: &'a str,
    pub title: &'a str,
    pub started_on: &'a str,
    pub sort: &'a str,
}

/// A contact point, as an administrator's form gives it.
#[derive(Debug, Clone, Default)]
pub struct ContactInput<'a> {
    pub unit: &'a str,
    /// The position's id, or empty for the unit's line.
    pub position: &'a str,
    pub label: &'a str,
    pub kind: &'a str,
    pub address: &'a str,
    pub public: bool,
    /// Empty: day and night.
    pub hours: &'a str,
    pub verified_on: &'a str,
    /// A channel account's id, or empty.
    pub listening: &'a str,
    pub sort: &'a str,
}

pub(crate) fn optional_text(
    field: &'static str,
    value: &str,
) -> Result<Option<String>, DomainError> {
    let value = hotline_domain::text::clean_line(value);
    if value.chars().count() > MAX_TEXT {
        return Err(DomainError::field(field, "too_long"));
    }
    Ok((!value.is_empty()).then_some(value))
}

pub(crate) fn required_text(field: &'static str, value: &str) -> Result<String, DomainError> {
    optional_text(field, value)?.ok_or_else(|| DomainError::field(field, "required"))
}

pub(crate) fn day(field: &'static str, value: &str) -> Result<NaiveDate, DomainError> {
    let value = value.trim();
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%d/%m/%Y"))
        .map_err(|_| DomainError::field(field, "date"))
}

fn optional_day(field: &'static str, value: &str) -> Result<Option<NaiveDate>, DomainError> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        day(field, value).map(Some)
    }
}

fn sort(value: &str) -> Result<i32, DomainError> {
    if value.trim().is_empty() {
        return Ok(0);
    }
    value
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| (-10_000..=10_000).contains(n))
        .ok_or_else(|| DomainError::field("sort", "number"))
}

/// An origin allowed to frame the widget: `https://host[:port]` (plain `http` only for this
/// machine, for trying a portal out), written as browsers send it.
pub fn frame_origin(input: &str) -> Result<String, DomainError> {
    let bad = || DomainError::field("frame_origins", "origin");
    let url = url::Url::parse(input.trim()).map_err(|_| bad())?;
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && local);
    // Only a plain name or address: `*`, `;` or quotes in a host would widen or break the
    // header it goes into.
    let host_ok = match url.host() {
        Some(url::Host::Domain(name)) => name.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        }),
        Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => true,
        None => false,
    };
    if !scheme_ok
        || !host_ok
        || !matches!(url.path(), "" | "/")
        || url.query().is_some()
        || !url.username().is_empty()
    {
        return Err(bad());
    }
    Ok(url.origin().ascii_serialization())
}

/// `"<province or all>-<revision>-<day>"`. Revisions only grow, so the sum of every
/// province's changes with any of them.
fn directory_etag(scope: &str, revision: i64, day: NaiveDate) -> String {
    format!("\"{scope}-{revision}-{}\"", day.format("%Y%m%d"))
}

/// The validator of the whole feed, from every province's directory as read.
pub fn all_directories_etag(all: &[ProvinceDirectory], day: NaiveDate) -> String {
    directory_etag("all", all.iter().map(|d| d.revision).sum(), day)
}

/// How files and pages name a channel account: `zalo/qn-zalo`.
pub(crate) fn account_label(account: &ChannelAccount) -> String {
    format!("{}/{}", account.platform.as_str(), account.name.as_str())
}

/// Rank of a unit on a page: the provincial police first, then departments, then communes.
fn unit_rank(unit: &UnitCode) -> (u8, String) {
    let rank = match unit.shape() {
        UnitShape::Province(_) => 0,
        UnitShape::Other => 1,
        UnitShape::Commune(..) => 2,
        UnitShape::Ministry => 3,
    };
    (rank, unit.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_origins_are_written_as_browsers_send_them() {
        assert_eq!(
            frame_origin("https://CongAn.QuangNinh.gov.vn/").unwrap(),
            "https://congan.quangninh.gov.vn"
        );
        assert_eq!(
            frame_origin("http://localhost:8081").unwrap(),
            "http://localhost:8081"
        );
        for bad in [
            "http://congan.quangninh.gov.vn",
            "https://congan.quangninh.gov.vn/tin-tuc",
            "*",
            "javascript:alert(1)",
            "https://user@portal.gov.vn",
            "https://*",
            "https://*.vn",
            "https://a.gov.vn;sandbox",
            "https://a'b.gov.vn",
        ] {
            assert!(frame_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn form_values_are_checked() {
        assert_eq!(day("d", "29/11/2026").unwrap().to_string(), "2026-11-29");
        assert!(day("d", "2026-13-01").is_err());
        assert_eq!(sort("").unwrap(), 0);
        assert!(sort("x").is_err());
        assert!(required_text("t", "  ").is_err());
        assert!(optional_text("t", &"a".repeat(201)).is_err());
    }
}
