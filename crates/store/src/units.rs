//! The tree of police units.

use async_trait::async_trait;
use hotline_domain::{UnitCode, UnitKind};

use crate::{Audited, StoreResult};

#[async_trait]
pub trait Units: Send + Sync {
    /// Creates the unit, or leaves an existing one with that code unchanged.
    async fn ensure_unit(&self, unit: &NewUnit) -> StoreResult<Unit>;
    async fn unit(&self, code: &UnitCode) -> StoreResult<Unit>;
    async fn list_units(&self) -> StoreResult<Vec<Unit>>;
    /// Creates a unit under an existing parent; `Conflict("code")` when the code is taken.
    async fn create_unit(&self, unit: &NewUnit, audit: Audited<'_>) -> StoreResult<Unit>;
    /// Gives a unit a new name; `NotFound` when there is no such unit.
    async fn rename_unit(&self, code: &UnitCode, name: &str, audit: Audited<'_>)
    -> StoreResult<()>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    pub code: UnitCode,
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitCode>,
    pub province_code: Option<u32>,
    pub commune_code: Option<u32>,
    pub case_prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub code: UnitCode,
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitCode>,
    /// Materialised ancestry, `/bca/22/22/30280/`-style: a unit's subtree is every unit whose
    /// path starts with its own.
    pub path: String,
    pub province_code: Option<u32>,
    pub commune_code: Option<u32>,
    pub case_prefix: String,
}
