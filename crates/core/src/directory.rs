//! The public hotline directory: each province's published leaders and lines as citizens see
//! them, search over provinces (merged provinces' names included), the "is this really the
//! police?" check, and its administration, every change audited.

use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::AuditAction;
use hotline_domain::directory::{ContactAddress, ContactKind, resembles};
use hotline_domain::text::fold;
use hotline_domain::unit::UnitShape;
use hotline_domain::{DomainError, Province, Role, UnitCode, UnitKind, VIETNAM};
use hotline_store::{
    ChannelAccount, DirectoryChange, DirectoryContact, DirectoryPosition, DirectoryRows,
    NewDirectoryContact, NewDirectoryPosition, StoreError, Unit,
};
use std::collections::HashMap;

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

impl Hotline {
    fn vietnam_today(&self) -> NaiveDate {
        self.clock.now().with_timezone(&VIETNAM).date_naive()
    }

    /// The province a directory address names (`quang-ninh`).
    pub fn directory_province(&self, slug: &str) -> CoreResult<&Province> {
        self.places
            .province_by_slug(slug)
            .ok_or(CoreError::NotFound)
    }

    /// The cached unit list, shared rather than copied.
    async fn unit_names(&self) -> CoreResult<std::sync::Arc<HashMap<UnitCode, Unit>>> {
        self.units.snapshot(false).await
    }

    async fn account_names(&self) -> CoreResult<HashMap<i64, String>> {
        Ok(self
            .store
            .channel_accounts()
            .await?
            .into_iter()
            .map(|a| (a.id, account_label(&a)))
            .collect())
    }

    fn police_name(&self, province: u32, units: &HashMap<UnitCode, Unit>) -> String {
        units
            .get(&UnitCode::province(province))
            .map(|u| u.name.clone())
            .unwrap_or_default()
    }

    /// A province's directory: the leaders in post and each unit's lines; with `everything`
    /// (administrators), internal contact points and past positions too.
    pub async fn province_directory(
        &self,
        code: u32,
        everything: bool,
    ) -> CoreResult<ProvinceDirectory> {
        let province = self
            .places
            .province(code)
            .ok_or(CoreError::NotFound)?
            .clone();
        let rows = self.store.directory(Some(code)).await?;
        let units = self.unit_names().await?;
        let accounts = self.account_names().await?;
        Ok(self.assemble(province, &rows, &units, &accounts, everything))
    }

    fn assemble(
        &self,
        province: Province,
        rows: &DirectoryRows,
        units: &HashMap<UnitCode, Unit>,
        accounts: &HashMap<i64, String>,
        everything: bool,
    ) -> ProvinceDirectory {
        let today = self.vietnam_today();
        let unit_name = |code: &UnitCode| {
            units
                .get(code)
                .map_or_else(|| code.to_string(), |u| u.name.clone())
        };
        let view = |c: &DirectoryContact| ContactView {
            id: c.id,
            display: c.address.display(),
            href: c.address.href(),
            address: c.address.clone(),
            label: c.label.clone(),
            public: c.public,
            hours: c.hours.clone(),
            verified_on: c.verified_on,
            listening: c.channel_account.and_then(|id| accounts.get(&id).cloned()),
            listening_id: c.channel_account,
            sort: c.sort,
        };
        let shown = |c: &&DirectoryContact| c.province == province.code && (everything || c.public);
        let people: HashMap<i64, _> = rows.people.iter().map(|p| (p.id, p)).collect();
        let leader = |p: &DirectoryPosition| {
            let person = people.get(&p.person_id)?;
            Some(LeaderView {
                position_id: p.id,
                person_key: person.key.clone(),
                full_name: person.full_name.clone(),
                rank: person.rank.clone(),
                title: p.title.clone(),
                unit: p.unit.clone(),
                unit_name: unit_name(&p.unit),
                started_on: p.started_on,
                ended_on: p.ended_on,
                sort: p.sort,
                contacts: rows
                    .contacts
                    .iter()
                    .filter(shown)
                    .filter(|c| c.position_id == Some(p.id))
                    .map(view)
                    .collect(),
            })
        };
        let mut positions: Vec<&DirectoryPosition> = rows
            .positions
            .iter()
            .filter(|p| p.province == province.code)
            .collect();
        positions.sort_by_key(|p| (unit_rank(&p.unit), p.sort, p.id));
        // Administrators also see positions that start later, with the people in post.
        let ended = |p: &DirectoryPosition| p.ended_on.is_some_and(|end| end < today);
        let leaders = positions
            .iter()
            .filter(|p| p.held_on(today) || (everything && !ended(p)))
            .filter_map(|p| leader(p))
            .collect();
        let past = if everything {
            positions
                .iter()
                .filter(|p| ended(p))
                .filter_map(|p| leader(p))
                .collect()
        } else {
            Vec::new()
        };
        let mut line_units: Vec<UnitCode> = rows
            .contacts
            .iter()
            .filter(shown)
            .filter(|c| c.position_id.is_none())
            .map(|c| c.unit.clone())
            .collect();
        line_units.sort_by_key(unit_rank);
        line_units.dedup();
        let unit_lines = line_units
            .into_iter()
            .map(|unit| UnitLines {
                unit_name: unit_name(&unit),
                lines: rows
                    .contacts
                    .iter()
                    .filter(shown)
                    .filter(|c| c.position_id.is_none() && c.unit == unit)
                    .map(view)
                    .collect(),
                unit,
            })
            .collect();
        let state = rows.provinces.iter().find(|p| p.province == province.code);
        ProvinceDirectory {
            police_name: self.police_name(province.code, units),
            revision: state.map_or(0, |s| s.revision),
            updated_at: state.and_then(|s| s.updated_at),
            frame_origins: state.map(|s| s.frame_origins.clone()).unwrap_or_default(),
            province,
            leaders,
            units: unit_lines,
            past,
            as_of: today,
        }
    }

    /// The feed's current validator, of one province or of all, read without the rows: a
    /// client holding this version needs nothing more.
    pub async fn directory_version(&self, province: Option<u32>) -> CoreResult<String> {
        let states = self.store.directory_states().await?;
        let today = self.vietnam_today();
        Ok(match province {
            Some(code) => directory_etag(
                &code.to_string(),
                states
                    .iter()
                    .find(|s| s.province == code)
                    .map_or(0, |s| s.revision),
                today,
            ),
            None => directory_etag("all", states.iter().map(|s| s.revision).sum(), today),
        })
    }

    /// Every province's public directory (the whole feed), in the 2025 list's order.
    pub async fn all_directories(&self) -> CoreResult<Vec<ProvinceDirectory>> {
        let rows = self.store.directory(None).await?;
        let units = self.unit_names().await?;
        let accounts = self.account_names().await?;
        Ok(self
            .places
            .provinces()
            .iter()
            .map(|p| self.assemble(p.clone(), &rows, &units, &accounts, false))
            .collect())
    }

    /// The provinces, each with how many contact points it publishes; with a query, those
    /// whose name (or a merged province's former name, or a leader's or unit's name) matches
    /// it with or without diacritics.
    pub async fn search_directory(&self, query: &str) -> CoreResult<DirectorySearch> {
        let all = self.all_directories().await?;
        // "Công an tỉnh Quảng Ninh", "tỉnh Quảng Ninh" and "Quảng Ninh" ask for the same.
        let mut q = fold(query).trim().to_owned();
        while let Some(rest) = ["cong an ", "tinh ", "thanh pho ", "tp "]
            .iter()
            .find_map(|prefix| q.strip_prefix(prefix))
        {
            q = rest.trim().to_owned();
        }
        let merged = self.places.provinces().iter().find_map(|p| {
            p.merged_provinces()
                .into_iter()
                .find(|f| !q.is_empty() && fold(f) == q)
                .map(|f| (f.to_owned(), p.clone()))
        });
        let provinces = all
            .into_iter()
            .filter(|d| {
                if q.is_empty() {
                    return true;
                }
                let p = &d.province;
                fold(&p.name).contains(&q)
                    || p.former.iter().any(|f| fold(f).contains(&q))
                    || d.leaders.iter().any(|l| fold(&l.full_name).contains(&q))
                    || d.units.iter().any(|u| fold(&u.unit_name).contains(&q))
            })
            .map(|d| ProvinceSummary {
                published: d.leaders.iter().map(|l| l.contacts.len()).sum::<usize>()
                    + d.units.iter().map(|u| u.lines.len()).sum::<usize>(),
                province: d.province,
                police_name: d.police_name,
                updated_at: d.updated_at,
            })
            .collect();
        Ok(DirectorySearch { provinces, merged })
    }

    /// Whether `input` (a number in any form, an address, a link or a handle) is a published
    /// contact point of a unit or a leader in post, and whose; for a number that is not,
    /// the official numbers it is a digit away from.
    pub async fn verify_contact(&self, input: &str) -> CoreResult<Verification> {
        let candidates = ContactAddress::candidates(input);
        if candidates.is_empty() {
            return Ok(Verification::default());
        }
        let all = self.all_directories().await?;
        let mut published: Vec<VerifiedContact> = Vec::new();
        let entry = |d: &ProvinceDirectory, unit_name: &str, owner: String, c: &ContactView| {
            VerifiedContact {
                province: d.province.code,
                province_slug: d.province.slug.clone(),
                police_name: d.police_name.clone(),
                unit_name: unit_name.to_owned(),
                owner,
                address: c.address.clone(),
                display: c.display.clone(),
                verified_on: c.verified_on,
            }
        };
        for d in &all {
            for l in &d.leaders {
                let title = if l.unit == UnitCode::province(d.province.code) {
                    l.title.clone()
                } else {
                    format!("{}, {}", l.title, l.unit_name)
                };
                let owner = format!("{}, {title}", l.name_with_rank());
                for c in &l.contacts {
                    published.push(entry(d, &l.unit_name, owner.clone(), c));
                }
            }
            for u in &d.units {
                for c in &u.lines {
                    let owner = c.label.clone().unwrap_or_else(|| u.unit_name.clone());
                    published.push(entry(d, &u.unit_name, owner, c));
                }
            }
        }
        let phone = candidates
            .iter()
            .find(|c| c.kind == ContactKind::Phone)
            .and_then(ContactAddress::phone);
        let (matches, others): (Vec<_>, Vec<_>) = published
            .into_iter()
            .partition(|v| candidates.contains(&v.address));
        let mut near: Vec<VerifiedContact> = match (&phone, matches.is_empty()) {
            (Some(phone), true) => others
                .into_iter()
                .filter(|v| {
                    v.address
                        .phone()
                        .is_some_and(|official| resembles(phone, &official))
                })
                .collect(),
            _ => Vec::new(),
        };
        // A number published as a phone and a Zalo account is one warning.
        near.dedup_by(|a, b| {
            a.owner == b.owner
                && a.address.phone().is_some()
                && a.address.phone() == b.address.phone()
        });
        Ok(Verification {
            understood: true,
            official: !matches.is_empty(),
            matches,
            resembles: near,
        })
    }

    /// An administrator who may maintain `province`'s directory: their unit is the ministry
    /// or that province's police (or above it).
    async fn directory_editor(&self, actor: &Actor, province: u32) -> CoreResult<()> {
        if actor.0.role != Role::Administrator {
            return Err(CoreError::Forbidden);
        }
        match self.store.unit(&UnitCode::province(province)).await {
            Ok(unit) if unit.path.starts_with(&actor.0.unit_path) => Ok(()),
            Ok(_) => Err(CoreError::Forbidden),
            Err(StoreError::NotFound) => Err(CoreError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// The whole of a province's directory, internal and past entries included, with the
    /// units, people and channel accounts its forms offer, for its administrators.
    pub async fn directory_for_admin(
        &self,
        actor: &Actor,
        province: u32,
    ) -> CoreResult<DirectoryAdmin> {
        self.directory_editor(actor, province).await?;
        let directory = self.province_directory(province, true).await?;
        let units = self.unit_names().await?;
        let mut unit_choices: Vec<(UnitCode, String)> = units
            .values()
            .filter(|u| {
                u.province_code == Some(province)
                    && matches!(
                        u.kind,
                        UnitKind::ProvincialPolice | UnitKind::Department | UnitKind::CommunePolice
                    )
            })
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect();
        unit_choices.sort_by_key(|(code, _)| unit_rank(code));
        let mut people: Vec<(String, String)> = directory
            .leaders
            .iter()
            .chain(directory.past.iter())
            .map(|l| (l.person_key.clone(), l.full_name.clone()))
            .collect();
        people.sort();
        people.dedup();
        let accounts = self
            .store
            .channel_accounts()
            .await?
            .into_iter()
            .filter(|a| {
                units
                    .get(&a.unit)
                    .is_some_and(|u| u.province_code == Some(province))
            })
            .map(|a| (a.id, account_label(&a)))
            .collect();
        Ok(DirectoryAdmin {
            directory,
            units: unit_choices,
            people,
            accounts,
        })
    }

    /// A unit of `province` a directory entry may name: its police, a department of it or a
    /// commune police in it (created on first use).
    async fn directory_unit(&self, province: u32, code: &str) -> CoreResult<UnitCode> {
        let code: UnitCode = code
            .parse()
            .map_err(|_| DomainError::field("unit", "unknown"))?;
        let unit = self
            .resolve_unit(&code)
            .await
            .map_err(|_| DomainError::field("unit", "unknown"))?;
        let in_province = unit.province_code == Some(province)
            && matches!(
                unit.kind,
                UnitKind::ProvincialPolice | UnitKind::Department | UnitKind::CommunePolice
            );
        if in_province {
            Ok(unit.code)
        } else {
            Err(DomainError::field("unit", "not_in_province").into())
        }
    }

    /// A position of `province`, present or past.
    async fn stored_position(
        &self,
        province: u32,
        id: i64,
    ) -> CoreResult<Option<DirectoryPosition>> {
        Ok(self
            .store
            .directory(Some(province))
            .await?
            .positions
            .into_iter()
            .find(|p| p.id == id))
    }

    pub(crate) async fn new_position(
        &self,
        province: u32,
        input: &PositionInput<'_>,
    ) -> CoreResult<NewDirectoryPosition> {
        let person_key = match input.person_key.trim() {
            "" => format!("p-{}", hex::encode(rand::random::<[u8; 5]>())),
            key if key.len() <= 40
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                key.to_owned()
            }
            _ => return Err(DomainError::field("person_key", "invalid").into()),
        };
        Ok(NewDirectoryPosition {
            person_key,
            full_name: required_text("full_name", input.full_name)?,
            rank: optional_text("rank", input.rank)?,
            unit: self.directory_unit(province, input.unit).await?,
            title: required_text("title", input.title)?,
            started_on: day("started_on", input.started_on)?,
            ended_on: None,
            sort: sort(input.sort)?,
        })
    }

    pub(crate) async fn new_contact(
        &self,
        province: u32,
        input: &ContactInput<'_>,
    ) -> CoreResult<NewDirectoryContact> {
        let kind: ContactKind = input.kind.trim().parse()?;
        let address = ContactAddress::parse(kind, input.address)?;
        let position = match input.position.trim() {
            "" => None,
            id => Some(
                id.parse::<i64>()
                    .map_err(|_| DomainError::field("position", "unknown"))?,
            ),
        };
        let listening = match input.listening.trim() {
            "" => None,
            id => {
                let id = id
                    .parse::<i64>()
                    .map_err(|_| DomainError::field("listening", "unknown"))?;
                // Only an account of the province's own units.
                let account = match self.store.channel_account_by_id(id).await {
                    Ok(account) => account,
                    Err(StoreError::NotFound) => {
                        return Err(DomainError::field("listening", "unknown").into());
                    }
                    Err(e) => return Err(e.into()),
                };
                let units = self.unit_names().await?;
                if units
                    .get(&account.unit)
                    .is_none_or(|u| u.province_code != Some(province))
                {
                    return Err(DomainError::field("listening", "unknown").into());
                }
                Some(id)
            }
        };
        // A position's contact points are its unit's.
        let unit = match position {
            Some(id) => {
                self.stored_position(province, id)
                    .await?
                    .ok_or_else(|| DomainError::field("position", "unknown"))?
                    .unit
            }
            None => self.directory_unit(province, input.unit).await?,
        };
        Ok(NewDirectoryContact {
            unit,
            position,
            label: optional_text("label", input.label)?,
            address,
            public: input.public,
            hours: optional_text("hours", input.hours)?,
            verified_on: optional_day("verified_on", input.verified_on)?,
            channel_account: listening,
            sort: sort(input.sort)?,
        })
    }

    async fn change_directory(
        &self,
        actor: &Actor,
        province: u32,
        change: DirectoryChange,
        (action, detail): (AuditAction, String),
    ) -> CoreResult<i64> {
        let id = match self
            .store
            .change_directory(province, &change, self.clock.now())
            .await
        {
            Err(StoreError::NotFound) => return Err(CoreError::NotFound),
            other => other?,
        };
        self.audit(
            Some(actor.0.id),
            action,
            &format!("directory:{province}"),
            &detail.replace("{id}", &id.to_string()),
        )
        .await?;
        Ok(id)
    }

    /// Gives a person (new, or one already in the directory) a position in a unit of the
    /// province. Audited.
    pub async fn add_directory_position(
        &self,
        actor: &Actor,
        province: u32,
        input: &PositionInput<'_>,
    ) -> CoreResult<i64> {
        self.directory_editor(actor, province).await?;
        let new = self.new_position(province, input).await?;
        // Renaming a known person shows everywhere they hold or held a position: only for
        // administrators of all those provinces.
        let all = self.store.directory(None).await?;
        if let Some(person) = all.people.iter().find(|p| p.key == new.person_key)
            && (person.full_name != new.full_name || person.rank != new.rank)
        {
            for p in all.positions.iter().filter(|p| p.person_id == person.id) {
                if self.directory_editor(actor, p.province).await.is_err() {
                    return Err(DomainError::field("person_key", "elsewhere").into());
                }
            }
        }
        let detail = format!(
            "position={{id}} person={} unit={} title={}",
            new.person_key, new.unit, new.title
        );
        self.change_directory(
            actor,
            province,
            DirectoryChange::AddPosition(new),
            (AuditAction::DirectoryPositionAdded, detail),
        )
        .await
    }

    /// Ends a position on `last_day` (the person moved or retired); it leaves the page and
    /// stays in the history. Audited.
    pub async fn end_directory_position(
        &self,
        actor: &Actor,
        province: u32,
        id: i64,
        last_day: &str,
    ) -> CoreResult<()> {
        self.directory_editor(actor, province).await?;
        let last_day = day("last_day", last_day)?;
        let position = self
            .stored_position(province, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if last_day < position.started_on {
            return Err(DomainError::field("last_day", "before_start").into());
        }
        self.change_directory(
            actor,
            province,
            DirectoryChange::EndPosition { id, last_day },
            (
                AuditAction::DirectoryPositionEnded,
                format!("position={id} last_day={last_day}"),
            ),
        )
        .await
        .map(drop)
    }

    /// Adds a contact point. Audited with its address (published data, not a reporter's).
    pub async fn add_directory_contact(
        &self,
        actor: &Actor,
        province: u32,
        input: &ContactInput<'_>,
    ) -> CoreResult<i64> {
        self.directory_editor(actor, province).await?;
        let new = self.new_contact(province, input).await?;
        let detail = format!(
            "contact={{id}} unit={} {}={} public={}",
            new.unit, new.address.kind, new.address.address, new.public
        );
        self.change_directory(
            actor,
            province,
            DirectoryChange::AddContact(new),
            (AuditAction::DirectoryContactAdded, detail),
        )
        .await
    }

    /// Rewrites a contact point. Audited.
    pub async fn update_directory_contact(
        &self,
        actor: &Actor,
        province: u32,
        id: i64,
        input: &ContactInput<'_>,
    ) -> CoreResult<()> {
        self.directory_editor(actor, province).await?;
        let contact = self.new_contact(province, input).await?;
        let detail = format!(
            "contact={id} unit={} {}={} public={}",
            contact.unit, contact.address.kind, contact.address.address, contact.public
        );
        self.change_directory(
            actor,
            province,
            DirectoryChange::UpdateContact { id, contact },
            (AuditAction::DirectoryContactChanged, detail),
        )
        .await
        .map(drop)
    }

    /// Removes a contact point. Audited.
    pub async fn remove_directory_contact(
        &self,
        actor: &Actor,
        province: u32,
        id: i64,
    ) -> CoreResult<()> {
        self.directory_editor(actor, province).await?;
        self.change_directory(
            actor,
            province,
            DirectoryChange::RemoveContact { id },
            (
                AuditAction::DirectoryContactRemoved,
                format!("contact={id}"),
            ),
        )
        .await
        .map(drop)
    }

    /// Records that a contact point was checked today. Audited.
    pub async fn mark_directory_contact_verified(
        &self,
        actor: &Actor,
        province: u32,
        id: i64,
    ) -> CoreResult<()> {
        self.directory_editor(actor, province).await?;
        let day = self.vietnam_today();
        self.change_directory(
            actor,
            province,
            DirectoryChange::MarkVerified { id, day },
            (
                AuditAction::DirectoryContactVerified,
                format!("contact={id} day={day}"),
            ),
        )
        .await
        .map(drop)
    }

    /// Sets the origins allowed to frame the province's widget (one per line). Audited.
    pub async fn set_directory_frame_origins(
        &self,
        actor: &Actor,
        province: u32,
        text: &str,
    ) -> CoreResult<Vec<String>> {
        self.directory_editor(actor, province).await?;
        let mut origins = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(frame_origin)
            .collect::<Result<Vec<_>, _>>()?;
        origins.sort();
        origins.dedup();
        if origins.len() > 20 {
            return Err(DomainError::field("frame_origins", "too_many").into());
        }
        let detail = format!("origins={}", origins.join(" "));
        self.change_directory(
            actor,
            province,
            DirectoryChange::SetFrameOrigins(origins.clone()),
            (AuditAction::DirectoryFrameOriginsSet, detail),
        )
        .await?;
        Ok(origins)
    }
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
