//! What the public directory shows: a province's leaders and contact points, the national
//! list, search, and the check of a number or address someone claims is official.

use super::{
    ContactView, DirectorySearch, LeaderView, ProvinceDirectory, ProvinceSummary, UnitLines,
    Verification, VerifiedContact, account_label, directory_etag, unit_rank,
};
use crate::{CoreError, CoreResult, Hotline};
use chrono::NaiveDate;
use hotline_domain::directory::{ContactAddress, ContactKind, resembles};
use hotline_domain::text::fold;
use hotline_domain::{Province, UnitCode, VIETNAM};
use hotline_store::{DirectoryContact, DirectoryPosition, DirectoryRows, Unit};
use std::collections::HashMap;

impl Hotline {
    pub(super) fn vietnam_today(&self) -> NaiveDate {
        self.clock.now().with_timezone(&VIETNAM).date_naive()
    }

    /// The province a directory address names (`quang-ninh`).
    pub fn directory_province(&self, slug: &str) -> CoreResult<&Province> {
        self.places
            .province_by_slug(slug)
            .ok_or(CoreError::NotFound)
    }

    /// The cached unit list, shared rather than copied.
    pub(super) async fn unit_names(&self) -> CoreResult<std::sync::Arc<HashMap<UnitCode, Unit>>> {
        self.units.snapshot(false).await
    }

    pub(super) async fn account_names(&self) -> CoreResult<HashMap<i64, String>> {
        Ok(self
            .store
            .channel_accounts()
            .await?
            .into_iter()
            .map(|a| (a.id, account_label(&a)))
            .collect())
    }

    pub(super) fn police_name(&self, province: u32, units: &HashMap<UnitCode, Unit>) -> String {
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

    pub(super) fn assemble(
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
}
