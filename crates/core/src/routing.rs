//! Where a new report lands, by the routing table, and the table's administration.
//!
//! Intake routes by the report's place (as given, else as its text names it) and, when the
//! text says so clearly enough, its legal type and topic. The table is national, with rules a
//! province adds for itself: an administrator at the ministry edits the national rules and the
//! versions, a province's administrator the rules of their province. Every change is audited.

use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::AuditAction;
use hotline_domain::hints::Hints;
use hotline_domain::routing::{
    FROM_THE_START, LegalScope, Route, RouteQuery, RoutingRule, RoutingTable, Target,
};
use hotline_domain::{DomainError, Topic, UnitCode, VIETNAM};
use hotline_store::{RoutingRuleRecord, Store, StoreError, Unit};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long intake trusts its copy of the table; a change here clears it at once.
const TABLE_CACHE_TTL: Duration = Duration::from_secs(30);
/// How sure the text's legal type or topic must be before it steers a report; below it the
/// report goes by place alone, and the duty officer's triage decides.
const HINT_CONFIDENCE_TO_ROUTE: f32 = 0.4;
/// How sure the place named in the text must be to route by it.
const PLACE_CONFIDENCE_TO_ROUTE: f32 = 0.6;

/// A cached copy of the routing table.
pub(crate) struct RoutingCache {
    store: Arc<dyn Store>,
    cache: RwLock<Option<(Instant, Arc<RoutingTable>)>>,
}

impl RoutingCache {
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            cache: RwLock::new(None),
        }
    }

    pub(crate) fn invalidate(&self) {
        *self.cache.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    async fn table(&self) -> CoreResult<Arc<RoutingTable>> {
        if let Some((at, table)) = self
            .cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            && at.elapsed() < TABLE_CACHE_TTL
        {
            return Ok(table.clone());
        }
        let rules = self.store.routing_rules().await?;
        let table = Arc::new(RoutingTable::new(
            rules.into_iter().map(|r| r.rule).collect(),
        ));
        *self.cache.write().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), table.clone()));
        Ok(table)
    }
}

/// Where intake put a report, and why.
#[derive(Debug, Clone)]
pub struct Routed {
    pub unit: Unit,
    pub route: Route,
}

impl Routed {
    /// The decision in one space-free word for the report's first event:
    /// `<version>,<scope>,<topic|*>,<province|*>,<target>`, or `place` when no rule applied.
    pub fn basis(&self) -> String {
        match (&self.route.rule, self.route.version) {
            (Some(rule), Some(version)) => format!(
                "{},{},{},{},{}",
                version.format("%Y-%m-%d"),
                rule.scope,
                rule.topic.map_or("*", Topic::as_str),
                rule.province.map_or("*".to_owned(), |p| p.to_string()),
                rule.target
            ),
            _ => "place".to_owned(),
        }
    }
}

/// One rule as an administrator types it on the routing page.
#[derive(Debug, Clone, Default)]
pub struct RuleInput<'a> {
    /// `YYYY-MM-DD`, or empty for the first version.
    pub version: &'a str,
    /// A province code, or empty for every province.
    pub province: &'a str,
    pub scope: &'a str,
    /// A topic, or empty for any.
    pub topic: &'a str,
    pub target_kind: &'a str,
    /// A department's short name or a unit's code, for those kinds.
    pub target_argument: &'a str,
}

impl Hotline {
    /// The unit a new report lands in. The version of the table in force on the day it was
    /// received decides; the first unit the rule names that exists takes it, else the unit
    /// that owns the channel it came by, else the server's default unit.
    pub(crate) async fn route_new(
        &self,
        (province_code, commune_code): (Option<u32>, Option<u32>),
        hints: &Hints,
        received_at: DateTime<Utc>,
        channel_owner: Option<&UnitCode>,
    ) -> CoreResult<Routed> {
        let (province, commune) = match province_code {
            Some(_) => (province_code, commune_code),
            None if hints.confidence.place >= PLACE_CONFIDENCE_TO_ROUTE => {
                (hints.province_code, hints.commune_code)
            }
            None => (None, None),
        };
        let query = RouteQuery {
            received_on: received_at.with_timezone(&VIETNAM).date_naive(),
            legal_type: (hints.confidence.legal_type >= HINT_CONFIDENCE_TO_ROUTE)
                .then_some(hints.legal_type),
            topic: (hints.confidence.topic >= HINT_CONFIDENCE_TO_ROUTE).then_some(hints.topic),
            province,
            commune,
        };
        self.route_by_table(&query, channel_owner).await
    }

    /// Where the table in force sends `query`: the first unit it names that exists, else the
    /// channel's owner, else the server's default unit.
    async fn route_by_table(
        &self,
        query: &RouteQuery,
        channel_owner: Option<&UnitCode>,
    ) -> CoreResult<Routed> {
        let route = self.routing.table().await?.route(query);
        let fallback = [channel_owner.cloned(), Some(self.default_unit.clone())];
        let candidates: Vec<UnitCode> = route
            .candidates
            .iter()
            .cloned()
            .chain(fallback.into_iter().flatten())
            .collect();
        let unit = self.units.first_existing(&candidates).await?;
        Ok(Routed { unit, route })
    }

    /// Where a report received on `day` (`YYYY-MM-DD`; empty for today), of a legal type and
    /// topic (empty for none), in a commune (its code; empty for none), would go today: for
    /// administrators to check the table.
    pub async fn preview_route(
        &self,
        actor: &Actor,
        (day, legal_type, topic, commune): (&str, &str, &str, &str),
    ) -> CoreResult<Routed> {
        Self::require_administrator(actor)?;
        let received_on = match day.trim() {
            "" => self.clock.now().with_timezone(&VIETNAM).date_naive(),
            text => parse_day(text, "try_day")?,
        };
        let legal_type = match legal_type.trim() {
            "" => None,
            text => Some(
                text.parse()
                    .map_err(|_| DomainError::field("try_legal_type", "invalid"))?,
            ),
        };
        let topic = match topic.trim() {
            "" => None,
            text => Some(
                text.parse()
                    .map_err(|_| DomainError::field("try_topic", "invalid"))?,
            ),
        };
        let commune = match commune.trim() {
            "" => None,
            text => Some(
                text.parse::<u32>()
                    .ok()
                    .and_then(|c| self.places.commune(c))
                    .ok_or_else(|| DomainError::field("try_commune", "invalid"))?,
            ),
        };
        let query = RouteQuery {
            received_on,
            legal_type,
            topic,
            province: commune.map(|c| c.province_code),
            commune: commune.map(|c| c.code),
        };
        self.route_by_table(&query, None).await
    }

    /// The whole routing table, for administrators.
    pub async fn routing_rules(&self, actor: &Actor) -> CoreResult<Vec<RoutingRuleRecord>> {
        Self::require_administrator(actor)?;
        Ok(self.store.routing_rules().await?)
    }

    /// Adds a rule, or gives an existing one (same version, province, scope and topic) a new
    /// target. The version must exist; a district police target only in a version before
    /// their abolition; a unit target only within the administrator's own subtree (a
    /// province's reports, about police conduct too, are not sent to another province by
    /// that province's administrator). Audited with the target replaced.
    pub async fn put_routing_rule(&self, actor: &Actor, input: &RuleInput<'_>) -> CoreResult<()> {
        Self::require_administrator(actor)?;
        let rule = self.rule_from(input)?;
        self.may_edit(actor, rule.province).await?;
        rule.check()?;
        let versions = self.stored_table().await?.versions();
        if !versions.contains(&rule.effective_from) {
            return Err(DomainError::field("version", "unknown").into());
        }
        if let Target::Unit(code) = &rule.target {
            match self.store.unit(code).await {
                Ok(unit) if unit.path.starts_with(&actor.0.unit_path) => {}
                Ok(_) | Err(StoreError::NotFound) => {
                    return Err(DomainError::field("unit", "unknown").into());
                }
                Err(e) => return Err(e.into()),
            }
        }
        let previous = self
            .store
            .put_routing_rule(&rule, actor.0.id, self.clock.now())
            .await?;
        self.routing.invalidate();
        self.audit(
            Some(actor.0.id),
            AuditAction::RoutingRuleSet,
            &rule_subject(&rule),
            &format!(
                "target={} previous={}",
                rule.target,
                previous.map_or("-".to_owned(), |t| t.to_string())
            ),
        )
        .await
    }

    /// Removes a rule; audited with what it said.
    pub async fn delete_routing_rule(&self, actor: &Actor, id: i64) -> CoreResult<()> {
        Self::require_administrator(actor)?;
        let rule = self
            .store
            .routing_rules()
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(CoreError::NotFound)?
            .rule;
        self.may_edit(actor, rule.province).await?;
        let removed = self.store.delete_routing_rule(id).await?;
        self.routing.invalidate();
        self.audit(
            Some(actor.0.id),
            AuditAction::RoutingRuleRemoved,
            &rule_subject(&removed),
            &format!("target={}", removed.target),
        )
        .await
    }

    /// Starts a new version on `day` as a copy of the version in force that day (its rules
    /// naming district police, gone by then, name the provincial police instead), ready to be
    /// edited before it takes effect. Ministry administrators only; audited.
    pub async fn add_routing_version(&self, actor: &Actor, day: &str) -> CoreResult<NaiveDate> {
        Self::require_administrator(actor)?;
        self.may_edit(actor, None).await?;
        let day = parse_day(day, "version")?;
        let table = self.stored_table().await?;
        let Some(current) = table.version_on(day) else {
            return Err(DomainError::field("version", "unknown").into());
        };
        if current == day {
            return Err(DomainError::field("version", "taken").into());
        }
        let copy: Vec<RoutingRule> = table
            .rules()
            .iter()
            .filter(|r| r.effective_from == current)
            .map(|r| {
                let mut rule = r.clone();
                rule.effective_from = day;
                if rule.check().is_err() {
                    rule.target = Target::ProvincialPolice;
                }
                rule
            })
            .collect();
        self.store
            .add_routing_version(&copy, actor.0.id, self.clock.now())
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => DomainError::field("version", "taken").into(),
                e => CoreError::from(e),
            })?;
        self.routing.invalidate();
        self.audit(
            Some(actor.0.id),
            AuditAction::RoutingVersionAdded,
            &day.to_string(),
            &format!("copied_from={current} rules={}", copy.len()),
        )
        .await?;
        Ok(day)
    }

    /// Removes a version that has not yet taken effect (one in force has routed reports, and
    /// stays as the record of how). Ministry administrators only; audited.
    pub async fn delete_routing_version(&self, actor: &Actor, day: &str) -> CoreResult<()> {
        Self::require_administrator(actor)?;
        self.may_edit(actor, None).await?;
        let day = parse_day(day, "version")?;
        let today = self.clock.now().with_timezone(&VIETNAM).date_naive();
        if day <= today {
            return Err(DomainError::field("version", "in_force").into());
        }
        let removed = self.store.delete_routing_version(day).await?;
        if removed == 0 {
            return Err(CoreError::NotFound);
        }
        self.routing.invalidate();
        self.audit(
            Some(actor.0.id),
            AuditAction::RoutingVersionRemoved,
            &day.to_string(),
            &format!("rules={removed}"),
        )
        .await
    }

    /// The table as stored now, not as cached.
    async fn stored_table(&self) -> CoreResult<RoutingTable> {
        let rules = self.store.routing_rules().await?;
        Ok(RoutingTable::new(
            rules.into_iter().map(|r| r.rule).collect(),
        ))
    }

    /// Whether the actor may change the national rules (`None`) or a province's.
    async fn may_edit(&self, actor: &Actor, province: Option<u32>) -> CoreResult<()> {
        let allowed = match province {
            None => actor.0.unit == UnitCode::ministry(),
            Some(p) => match self.store.unit(&UnitCode::province(p)).await {
                Ok(unit) => unit.path.starts_with(&actor.0.unit_path),
                Err(StoreError::NotFound) => false,
                Err(e) => return Err(e.into()),
            },
        };
        if allowed {
            Ok(())
        } else {
            Err(CoreError::Forbidden)
        }
    }

    fn rule_from(&self, input: &RuleInput<'_>) -> CoreResult<RoutingRule> {
        let mut errors = Vec::new();
        let effective_from = match input.version.trim() {
            "" => Some(FROM_THE_START),
            text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| errors.push("version"))
                .ok(),
        };
        let province = match input.province.trim() {
            "" => Some(None),
            text => text
                .parse::<u32>()
                .ok()
                .filter(|p| self.places.province(*p).is_some())
                .map(Some)
                .or_else(|| {
                    errors.push("province");
                    None
                }),
        };
        let scope = input
            .scope
            .trim()
            .parse::<LegalScope>()
            .map_err(|_| errors.push("legal_scope"))
            .ok();
        let topic = match input.topic.trim() {
            "" => Some(None),
            text => text
                .parse::<Topic>()
                .map(Some)
                .map_err(|_| errors.push("topic"))
                .ok(),
        };
        let target = Target::parse(input.target_kind.trim(), input.target_argument)
            .map_err(|_| errors.push("target"))
            .ok();
        match (effective_from, province, scope, topic, target) {
            (Some(effective_from), Some(province), Some(scope), Some(topic), Some(target))
                if errors.is_empty() =>
            {
                Ok(RoutingRule {
                    effective_from,
                    province,
                    scope,
                    topic,
                    target,
                })
            }
            _ => Err(DomainError::Invalid(
                errors
                    .into_iter()
                    .map(|field| hotline_domain::FieldError::new(field, "invalid"))
                    .collect(),
            )
            .into()),
        }
    }
}

fn parse_day(text: &str, field: &'static str) -> CoreResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d > FROM_THE_START)
        .ok_or_else(|| DomainError::field(field, "invalid").into())
}

/// A rule's key for the audit log.
fn rule_subject(rule: &RoutingRule) -> String {
    format!(
        "{}/{}/{}/{}",
        rule.effective_from.format("%Y-%m-%d"),
        rule.province.map_or("*".to_owned(), |p| p.to_string()),
        rule.scope,
        rule.topic.map_or("*", Topic::as_str)
    )
}
