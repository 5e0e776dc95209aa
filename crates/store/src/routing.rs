//! Routing rules: which unit a report's place and type send it to.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::StaffId;
use hotline_domain::routing::{RoutingRule, Target};

use crate::StoreResult;

/// Everything a backend provides.
/// The routing table (see `hotline_domain::routing`). Each change is one transaction.
#[async_trait]
pub trait Routing: Send + Sync {
    /// Every rule, by version, province and scope.
    async fn routing_rules(&self) -> StoreResult<Vec<RoutingRuleRecord>>;
    /// Writes `rules` when the table has none (a new installation); returns how many.
    async fn seed_routing_rules(
        &self,
        rules: &[RoutingRule],
        at: DateTime<Utc>,
    ) -> StoreResult<usize>;
    /// Adds `rule`, or gives the rule with its key (version, province, scope, topic) its
    /// target; returns the target it replaced.
    async fn put_routing_rule(
        &self,
        rule: &RoutingRule,
        by: StaffId,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<Target>>;
    /// Removes the rule with this id and returns it; `NotFound` when there is none.
    async fn delete_routing_rule(&self, id: i64) -> StoreResult<RoutingRule>;
    /// Starts a version: writes `rules`, which all carry its date; `Conflict("version")` when
    /// a rule of that date exists already.
    async fn add_routing_version(
        &self,
        rules: &[RoutingRule],
        by: StaffId,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Removes every rule of the version that starts on `effective_from`; returns how many.
    async fn delete_routing_version(&self, effective_from: NaiveDate) -> StoreResult<usize>;
}

/// A rule of the routing table as stored: who last changed it and when (`None` for the
/// defaults written at set-up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRuleRecord {
    pub id: i64,
    pub rule: hotline_domain::routing::RoutingRule,
    pub changed_by: Option<StaffId>,
    pub changed_at: DateTime<Utc>,
}
