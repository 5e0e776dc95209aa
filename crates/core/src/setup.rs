//! Setting a store up (schema, places, the ministry and the 34 provincial police units), and
//! the unit directory intake looks routed units up in.

use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::routing::RoutingTable;
use hotline_domain::unit::UnitShape;
use hotline_domain::{Gazetteer, UnitCode, UnitKind};
use hotline_store::{NewUnit, Store, StoreError, Unit};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long intake trusts its copy of the unit list before reading it again.
const UNIT_CACHE_TTL: Duration = Duration::from_secs(30);

/// Migrates the store, loads the places, creates the ministry and provincial units and writes
/// the default routing table if they are missing. Safe to run on every start.
pub async fn bootstrap(
    store: &dyn Store,
    places: &Gazetteer,
    now: chrono::DateTime<chrono::Utc>,
) -> CoreResult<()> {
    store.migrate().await?;
    let seeded = store.seed_places(places).await?;
    if seeded > 0 {
        tracing::info!(rows = seeded, "loaded the 2025 provinces and communes");
    }
    store
        .ensure_unit(&NewUnit {
            code: UnitCode::ministry(),
            name: "Bộ Công an".into(),
            kind: UnitKind::Ministry,
            parent: None,
            province_code: None,
            commune_code: None,
            case_prefix: "BCA".into(),
        })
        .await?;
    let seeded = store
        .seed_routing_rules(RoutingTable::defaults().rules(), now)
        .await?;
    if seeded > 0 {
        tracing::info!(rules = seeded, "wrote the default routing table");
    }
    for p in places.provinces() {
        store
            .ensure_unit(&NewUnit {
                code: UnitCode::province(p.code),
                name: provincial_police_name(&p.name, &p.division_type),
                kind: UnitKind::ProvincialPolice,
                parent: Some(UnitCode::ministry()),
                province_code: Some(p.code),
                commune_code: None,
                case_prefix: p.case_prefix.to_owned(),
            })
            .await?;
    }
    Ok(())
}

fn provincial_police_name(name: &str, division_type: &str) -> String {
    if division_type == "tỉnh" {
        format!("Công an tỉnh {name}")
    } else {
        format!("Công an {}", lower_first_word(name))
    }
}

/// `Phường Hoàn Kiếm` → `phường Hoàn Kiếm`, as the type reads inside a unit's name.
fn lower_first_word(name: &str) -> String {
    match name.split_once(' ') {
        Some((kind, rest)) => format!("{} {rest}", kind.to_lowercase()),
        None => name.to_owned(),
    }
}

impl Hotline {
    /// The departments of a province's police (`22-pc02`…), from the cached unit list: places
    /// a report can be handed to or named as the accused's.
    pub async fn departments_of(&self, province: u32) -> CoreResult<Vec<Unit>> {
        let units = self.units.snapshot(false).await?;
        let mut departments: Vec<Unit> = units
            .values()
            .filter(|u| u.kind == UnitKind::Department && u.province_code == Some(province))
            .cloned()
            .collect();
        departments.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(departments)
    }

    /// A unit's name, from the cached unit list.
    pub async fn unit_name(&self, code: &UnitCode) -> Option<String> {
        self.units
            .first_existing(std::slice::from_ref(code))
            .await
            .ok()
            .map(|unit| unit.name)
    }

    /// Finds the unit a `--unit` value names, creating a commune police unit on first use: any
    /// of the 3,321 communes may be given as `<province>/<commune>`.
    pub async fn resolve_unit(&self, code: &UnitCode) -> CoreResult<Unit> {
        match self.store.unit(code).await {
            Ok(unit) => return Ok(unit),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        let UnitShape::Commune(p, c) = code.shape() else {
            return Err(hotline_domain::DomainError::UnknownUnit(code.to_string()).into());
        };
        let (Some(province), Some(commune)) = (self.places.province(p), self.places.commune(c))
        else {
            return Err(hotline_domain::DomainError::UnknownUnit(code.to_string()).into());
        };
        if commune.province_code != p {
            return Err(hotline_domain::DomainError::UnknownUnit(code.to_string()).into());
        }
        let unit = self
            .store
            .ensure_unit(&NewUnit {
                code: code.clone(),
                name: format!("Công an {}", lower_first_word(&commune.name)),
                kind: UnitKind::CommunePolice,
                parent: Some(UnitCode::province(p)),
                province_code: Some(p),
                commune_code: Some(c),
                case_prefix: province.case_prefix.to_owned(),
            })
            .await?;
        self.units.invalidate();
        Ok(unit)
    }
}

type UnitMap = Arc<HashMap<UnitCode, Unit>>;

/// A cached copy of the unit list, so that deciding where a report belongs costs no query.
pub(crate) struct UnitDirectory {
    store: Arc<dyn Store>,
    cache: RwLock<Option<(Instant, UnitMap)>>,
}

impl UnitDirectory {
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            cache: RwLock::new(None),
        }
    }

    pub(crate) fn invalidate(&self) {
        *self.cache.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub(crate) async fn snapshot(&self, fresh: bool) -> CoreResult<UnitMap> {
        if !fresh
            && let Some((at, map)) = self
                .cache
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
            && at.elapsed() < UNIT_CACHE_TTL
        {
            return Ok(map.clone());
        }
        let map: UnitMap = Arc::new(
            self.store
                .list_units()
                .await?
                .into_iter()
                .map(|u| (u.code.clone(), u))
                .collect(),
        );
        *self.cache.write().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), map.clone()));
        Ok(map)
    }

    /// The first of `candidates` that exists; the last one must (the server's default unit).
    pub(crate) async fn first_existing(&self, candidates: &[UnitCode]) -> CoreResult<Unit> {
        for fresh in [false, true] {
            let units = self.snapshot(fresh).await?;
            if let Some(unit) = candidates.iter().find_map(|code| units.get(code)) {
                return Ok(unit.clone());
            }
        }
        Err(CoreError::Internal(format!(
            "none of the units {candidates:?} exists, not even the default"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_read_naturally() {
        assert_eq!(
            provincial_police_name("Quảng Ninh", "tỉnh"),
            "Công an tỉnh Quảng Ninh"
        );
        assert_eq!(
            provincial_police_name("Thành phố Hà Nội", "thành phố trung ương"),
            "Công an thành phố Hà Nội"
        );
        assert_eq!(lower_first_word("Đặc khu Vân Đồn"), "đặc khu Vân Đồn");
    }
}
