//! The directory as a file (`hotline directory export|import`): JSON, one document of
//! provinces with their positions (each with its contact points) and lines; or CSV, one row per
//! position, contact point or allowed frame origin. Everything is kept, internal contact points
//! and past positions too, so that an export imports back without loss. An import checks the
//! whole file before writing anything, then replaces each province it names in one
//! transaction.

use crate::directory::day;
use crate::{CoreError, CoreResult, Hotline};
use chrono::NaiveDate;
use hotline_domain::AuditAction;
use hotline_domain::directory::ContactKind;
use hotline_domain::{DomainError, StaffId, UnitCode};
use hotline_store::{DirectoryImport, NewDirectoryContact, NewDirectoryPosition, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The format's name and version, first in every JSON file.
pub const FORMAT: &str = "hotline-directory/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryDocument {
    pub format: String,
    pub provinces: Vec<ProvinceDocument>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvinceDocument {
    /// The province's directory address (`quang-ninh`).
    pub province: String,
    #[serde(default)]
    pub frame_origins: Vec<String>,
    #[serde(default)]
    pub positions: Vec<PositionDocument>,
    /// The units' own lines.
    #[serde(default)]
    pub lines: Vec<ContactDocument>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionDocument {
    /// The same key in two provinces is the same person (a director who moved).
    pub person_key: String,
    pub full_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    pub unit: String,
    pub title: String,
    pub started_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<NaiveDate>,
    #[serde(default)]
    pub sort: i32,
    #[serde(default)]
    pub contacts: Vec<ContactDocument>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactDocument {
    /// The unit (a line's own; a position's contact points are its unit's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub kind: ContactKind,
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default = "published")]
    pub public: bool,
    /// Absent: day and night.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_on: Option<NaiveDate>,
    /// The channel account that receives its messages (`zalo/qn-zalo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listening: Option<String>,
    #[serde(default)]
    pub sort: i32,
}

fn published() -> bool {
    true
}

/// One CSV row: a `position`, a `contact` (of a position when `person_key` is set, else a
/// unit's line) or an allowed frame `origin` (in `address`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct CsvRow {
    record: String,
    province: String,
    unit: String,
    person_key: String,
    full_name: String,
    rank: String,
    title: String,
    started_on: String,
    ended_on: String,
    kind: String,
    address: String,
    label: String,
    public: String,
    hours: String,
    verified_on: String,
    listening: String,
    sort: String,
}

/// How many provinces, positions and contact points an import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub provinces: usize,
    pub positions: usize,
    pub contacts: usize,
}

fn invalid(place: String, error: impl std::fmt::Display) -> CoreError {
    CoreError::BadFile(format!("{place}: {error}"))
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn some(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

fn date_text(value: Option<NaiveDate>) -> String {
    value.map(|d| d.to_string()).unwrap_or_default()
}

impl DirectoryDocument {
    /// The document as CSV.
    pub fn to_csv(&self) -> CoreResult<String> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let contact_row = |province: &str, unit: &str, c: &ContactDocument| CsvRow {
            record: "contact".into(),
            province: province.to_owned(),
            unit: c.unit.clone().unwrap_or_else(|| unit.to_owned()),
            kind: c.kind.as_str().into(),
            address: c.address.clone(),
            label: text(&c.label),
            public: c.public.to_string(),
            hours: text(&c.hours),
            verified_on: date_text(c.verified_on),
            listening: text(&c.listening),
            sort: c.sort.to_string(),
            ..CsvRow::default()
        };
        let mut rows = Vec::new();
        for p in &self.provinces {
            for origin in &p.frame_origins {
                rows.push(CsvRow {
                    record: "origin".into(),
                    province: p.province.clone(),
                    address: origin.clone(),
                    ..CsvRow::default()
                });
            }
            for position in &p.positions {
                let identity = CsvRow {
                    province: p.province.clone(),
                    unit: position.unit.clone(),
                    person_key: position.person_key.clone(),
                    full_name: position.full_name.clone(),
                    rank: text(&position.rank),
                    title: position.title.clone(),
                    started_on: position.started_on.to_string(),
                    ended_on: date_text(position.ended_on),
                    ..CsvRow::default()
                };
                rows.push(CsvRow {
                    record: "position".into(),
                    sort: position.sort.to_string(),
                    ..identity.clone()
                });
                for c in &position.contacts {
                    rows.push(CsvRow {
                        person_key: identity.person_key.clone(),
                        full_name: identity.full_name.clone(),
                        rank: identity.rank.clone(),
                        title: identity.title.clone(),
                        started_on: identity.started_on.clone(),
                        ended_on: identity.ended_on.clone(),
                        ..contact_row(&p.province, &position.unit, c)
                    });
                }
            }
            for c in &p.lines {
                rows.push(contact_row(&p.province, "", c));
            }
        }
        for row in rows {
            writer
                .serialize(row)
                .map_err(|e| CoreError::Internal(format!("CSV: {e}")))?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| CoreError::Internal(format!("CSV: {e}")))?;
        String::from_utf8(bytes).map_err(|e| CoreError::Internal(format!("CSV: {e}")))
    }

    /// Reads the CSV form back; says which line is wrong.
    pub fn from_csv(text: &str) -> CoreResult<Self> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut provinces: Vec<ProvinceDocument> = Vec::new();
        for (index, row) in reader.deserialize::<CsvRow>().enumerate() {
            let line = format!("line {}", index + 2);
            let row = row.map_err(|e| invalid(line.clone(), e))?;
            let at = match provinces.iter().position(|p| p.province == row.province) {
                Some(at) => at,
                None => {
                    provinces.push(ProvinceDocument {
                        province: row.province.clone(),
                        frame_origins: Vec::new(),
                        positions: Vec::new(),
                        lines: Vec::new(),
                    });
                    provinces.len() - 1
                }
            };
            let province = provinces
                .get_mut(at)
                .ok_or_else(|| invalid(line.clone(), "no province"))?;
            let date = |value: &str| -> CoreResult<Option<NaiveDate>> {
                if value.is_empty() {
                    Ok(None)
                } else {
                    day("date", value)
                        .map(Some)
                        .map_err(|e| invalid(line.clone(), e))
                }
            };
            let number = |value: &str| -> CoreResult<i32> {
                if value.is_empty() {
                    Ok(0)
                } else {
                    value.parse().map_err(|e| invalid(line.clone(), e))
                }
            };
            match row.record.as_str() {
                "origin" => province.frame_origins.push(row.address.clone()),
                "position" => province.positions.push(PositionDocument {
                    person_key: row.person_key.clone(),
                    full_name: row.full_name.clone(),
                    rank: some(&row.rank),
                    unit: row.unit.clone(),
                    title: row.title.clone(),
                    started_on: date(&row.started_on)?
                        .ok_or_else(|| invalid(line.clone(), "a position needs started_on"))?,
                    ended_on: date(&row.ended_on)?,
                    sort: number(&row.sort)?,
                    contacts: Vec::new(),
                }),
                "contact" => {
                    let contact = ContactDocument {
                        unit: some(&row.unit),
                        kind: row
                            .kind
                            .parse()
                            .map_err(|_| invalid(line.clone(), "unknown kind"))?,
                        address: row.address.clone(),
                        label: some(&row.label),
                        public: row.public != "false",
                        hours: some(&row.hours),
                        verified_on: date(&row.verified_on)?,
                        listening: some(&row.listening),
                        sort: number(&row.sort)?,
                    };
                    if row.person_key.is_empty() {
                        province.lines.push(contact);
                    } else {
                        let started_on = date(&row.started_on)?;
                        let position = province
                            .positions
                            .iter_mut()
                            .find(|p| {
                                p.person_key == row.person_key
                                    && p.unit == row.unit
                                    && p.title == row.title
                                    && Some(p.started_on) == started_on
                            })
                            .ok_or_else(|| {
                                invalid(line.clone(), "a contact of a position not listed above")
                            })?;
                        position.contacts.push(ContactDocument {
                            unit: None,
                            ..contact
                        });
                    }
                }
                other => return Err(invalid(line, format!("unknown record {other:?}"))),
            }
        }
        Ok(Self {
            format: FORMAT.into(),
            provinces,
        })
    }
}

impl Hotline {
    /// The directory of one province, or of all that have one, as a document.
    pub async fn export_directory(&self, slug: Option<&str>) -> CoreResult<DirectoryDocument> {
        let only = slug
            .map(|s| self.directory_province(s).map(|p| p.code))
            .transpose()?;
        let rows = self.store.directory(only).await?;
        let accounts: HashMap<i64, String> = self
            .store
            .channel_accounts()
            .await?
            .into_iter()
            .map(|a| (a.id, crate::directory::account_label(&a)))
            .collect();
        let people: HashMap<i64, _> = rows.people.iter().map(|p| (p.id, p)).collect();
        let contact = |c: &hotline_store::DirectoryContact, unit: Option<String>| ContactDocument {
            unit,
            kind: c.address.kind,
            address: c.address.address.clone(),
            label: c.label.clone(),
            public: c.public,
            hours: c.hours.clone(),
            verified_on: c.verified_on,
            listening: c.channel_account.and_then(|id| accounts.get(&id).cloned()),
            sort: c.sort,
        };
        let mut provinces = Vec::new();
        for province in self.places.provinces() {
            if only.is_some_and(|o| o != province.code) {
                continue;
            }
            let state = rows.provinces.iter().find(|p| p.province == province.code);
            let positions: Vec<PositionDocument> = rows
                .positions
                .iter()
                .filter(|p| p.province == province.code)
                .filter_map(|p| {
                    let person = people.get(&p.person_id)?;
                    Some(PositionDocument {
                        person_key: person.key.clone(),
                        full_name: person.full_name.clone(),
                        rank: person.rank.clone(),
                        unit: p.unit.to_string(),
                        title: p.title.clone(),
                        started_on: p.started_on,
                        ended_on: p.ended_on,
                        sort: p.sort,
                        contacts: rows
                            .contacts
                            .iter()
                            .filter(|c| c.position_id == Some(p.id))
                            .map(|c| contact(c, None))
                            .collect(),
                    })
                })
                .collect();
            let lines: Vec<ContactDocument> = rows
                .contacts
                .iter()
                .filter(|c| c.province == province.code && c.position_id.is_none())
                .map(|c| contact(c, Some(c.unit.to_string())))
                .collect();
            if state.is_none() && positions.is_empty() && lines.is_empty() && only.is_none() {
                continue;
            }
            provinces.push(ProvinceDocument {
                province: province.slug.clone(),
                frame_origins: state.map(|s| s.frame_origins.clone()).unwrap_or_default(),
                positions,
                lines,
            });
        }
        Ok(DirectoryDocument {
            format: FORMAT.into(),
            provinces,
        })
    }

    /// Checks every entry of `document` (addresses normalised as a form would), then replaces
    /// the directory of each province it names. Audited per province, by `by` (none from the
    /// command line).
    pub async fn import_directory(
        &self,
        document: &DirectoryDocument,
        by: Option<StaffId>,
    ) -> CoreResult<ImportSummary> {
        if document.format != FORMAT {
            return Err(invalid(
                "format".into(),
                format!("expected {FORMAT:?}, found {:?}", document.format),
            ));
        }
        let accounts: HashMap<String, i64> = self
            .store
            .channel_accounts()
            .await?
            .into_iter()
            .map(|a| (crate::directory::account_label(&a), a.id))
            .collect();
        let mut checked = Vec::new();
        for p in &document.provinces {
            let province = self
                .directory_province(&p.province)
                .map_err(|_| invalid(p.province.clone(), "no such province"))?
                .code;
            if checked.iter().any(|(code, _)| *code == province) {
                return Err(invalid(p.province.clone(), "named twice"));
            }
            let mut import = DirectoryImport {
                frame_origins: p
                    .frame_origins
                    .iter()
                    .map(|o| crate::directory::frame_origin(o))
                    .collect::<Result<_, _>>()
                    .map_err(|e| invalid(p.province.clone(), field_words(&e)))?,
                ..DirectoryImport::default()
            };
            for (i, position) in p.positions.iter().enumerate() {
                let place = format!("{} position {}", p.province, i + 1);
                let new = self
                    .new_position(
                        province,
                        &crate::directory::PositionInput {
                            person_key: &position.person_key,
                            full_name: &position.full_name,
                            rank: position.rank.as_deref().unwrap_or_default(),
                            unit: &position.unit,
                            title: &position.title,
                            started_on: &position.started_on.to_string(),
                            sort: &position.sort.to_string(),
                        },
                    )
                    .await
                    .map_err(|e| invalid(place.clone(), core_words(&e)))?;
                if position.person_key.trim().is_empty() {
                    return Err(invalid(place, "person_key is required"));
                }
                if position.ended_on.is_some_and(|end| end < new.started_on) {
                    return Err(invalid(place, "ended_on is before started_on"));
                }
                let index = i64::try_from(import.positions.len()).unwrap_or(i64::MAX);
                for (j, c) in position.contacts.iter().enumerate() {
                    let place = format!("{place} contact {}", j + 1);
                    if c.unit.as_ref().is_some_and(|u| *u != position.unit) {
                        return Err(invalid(place, "a position's contact points are its unit's"));
                    }
                    let mut contact = self
                        .contact_of(province, &position.unit, c, &accounts)
                        .await
                        .map_err(|e| invalid(place, core_words(&e)))?;
                    contact.position = Some(index);
                    import.contacts.push(contact);
                }
                import.positions.push(NewDirectoryPosition {
                    ended_on: position.ended_on,
                    ..new
                });
            }
            for (j, c) in p.lines.iter().enumerate() {
                let place = format!("{} line {}", p.province, j + 1);
                let unit = c
                    .unit
                    .clone()
                    .ok_or_else(|| invalid(place.clone(), "a line needs its unit"))?;
                let contact = self
                    .contact_of(province, &unit, c, &accounts)
                    .await
                    .map_err(|e| invalid(place, core_words(&e)))?;
                import.contacts.push(contact);
            }
            checked.push((province, import));
        }
        match self
            .store
            .replace_directory(&checked, self.clock.now())
            .await
        {
            Err(StoreError::NotFound) => return Err(CoreError::NotFound),
            other => other?,
        }
        let mut summary = ImportSummary::default();
        for (province, import) in &checked {
            self.audit(
                by,
                AuditAction::DirectoryImported,
                &format!("directory:{province}"),
                &format!(
                    "positions={} contacts={} origins={}",
                    import.positions.len(),
                    import.contacts.len(),
                    import.frame_origins.len()
                ),
            )
            .await?;
            summary.provinces += 1;
            summary.positions += import.positions.len();
            summary.contacts += import.contacts.len();
        }
        Ok(summary)
    }

    async fn contact_of(
        &self,
        province: u32,
        unit: &str,
        c: &ContactDocument,
        accounts: &HashMap<String, i64>,
    ) -> CoreResult<NewDirectoryContact> {
        let listening = match &c.listening {
            Some(name) => Some(
                *accounts
                    .get(name)
                    .ok_or_else(|| DomainError::field("listening", "unknown"))?,
            ),
            None => None,
        };
        let unit: UnitCode = c
            .unit
            .as_deref()
            .unwrap_or(unit)
            .parse()
            .map_err(|_| DomainError::field("unit", "unknown"))?;
        let new = self
            .new_contact(
                province,
                &crate::directory::ContactInput {
                    unit: unit.as_str(),
                    position: "",
                    label: c.label.as_deref().unwrap_or_default(),
                    kind: c.kind.as_str(),
                    address: &c.address,
                    public: c.public,
                    hours: c.hours.as_deref().unwrap_or_default(),
                    verified_on: &c.verified_on.map(|d| d.to_string()).unwrap_or_default(),
                    listening: "",
                    sort: &c.sort.to_string(),
                },
            )
            .await?;
        Ok(NewDirectoryContact {
            channel_account: listening,
            ..new
        })
    }
}

/// A field error in words for the command line (`address: phone_too_short`).
fn field_words(error: &DomainError) -> String {
    match error {
        DomainError::Invalid(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.code))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

fn core_words(error: &CoreError) -> String {
    match error {
        CoreError::Domain(e) => field_words(e),
        other => other.to_string(),
    }
}

impl std::str::FromStr for DirectoryDocument {
    type Err = CoreError;
    /// Reads the JSON form.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(deserializer)
            .map_err(|e| invalid(e.path().to_string(), e.inner()))
    }
}
