//! The routing table: which unit's inbox a new report lands in, by the date it was received,
//! its legal type, its topic and its place (LEGAL-VN.md §2).
//!
//! The table is versioned by effective date. A version holds every rule that applies from its
//! date until the next version's; a report is routed by the version in force on the day it was
//! received (Vietnam time). Within a version the most specific rule wins: one naming the topic
//! over one that does not, then one naming a legal type, and one for the report's province over a
//! national one that is otherwise alike. A rule names a kind of unit relative to
//! the report's place (its commune police, its provincial police, a department of its province),
//! or one fixed unit; the first of those that exists takes the report, else its province's
//! police.
//!
//! District police were abolished on 1 March 2025 (NĐ 02/2025/NĐ-CP): a version in force from
//! then on may not name them, and a report routed by an older version to a district police
//! lands at the provincial police, which took over the districts' files.

use crate::DomainError;
use crate::report::{LegalType, Topic};
use crate::unit::UnitCode;
use chrono::NaiveDate;
use std::fmt;
use std::str::FromStr;

/// The day district police stopped existing (NĐ 02/2025/NĐ-CP; TT 11/2025/TT-BCA).
pub const DISTRICTS_ABOLISHED: NaiveDate = match NaiveDate::from_ymd_opt(2025, 3, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
/// The day the two-level local government and Law 99/2025/QH15 took effect.
pub const TWO_LEVEL_GOVERNMENT: NaiveDate = match NaiveDate::from_ymd_opt(2025, 7, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
/// The effective date of the first version: in force for everything before the next one.
pub const FROM_THE_START: NaiveDate = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// Which legal types a rule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegalScope {
    Any,
    /// Crime denunciations, crime information and prosecution requests together: the "nguồn
    /// tin về tội phạm" of BLTTHS Art. 144.
    CrimeSource,
    One(LegalType),
}

impl LegalScope {
    pub fn covers(self, legal_type: Option<LegalType>) -> bool {
        match (self, legal_type) {
            (Self::Any, _) => true,
            (Self::CrimeSource, Some(t)) => is_crime_source(t),
            (Self::One(want), Some(t)) => want == t,
            (_, None) => false,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::CrimeSource => "crime_source",
            Self::One(t) => t.as_str(),
        }
    }

    /// Every scope a rule may name, in the order forms list them.
    pub fn all() -> Vec<Self> {
        let mut all = vec![Self::Any, Self::CrimeSource];
        all.extend(LegalType::ALL.iter().map(|t| Self::One(*t)));
        all
    }
}

impl FromStr for LegalScope {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "any" => Ok(Self::Any),
            "crime_source" => Ok(Self::CrimeSource),
            other => other
                .parse()
                .map(Self::One)
                .map_err(|_| DomainError::field("legal_scope", "unknown")),
        }
    }
}

impl fmt::Display for LegalScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Crime denunciations, crime information and prosecution requests (BLTTHS Art. 144).
pub fn is_crime_source(t: LegalType) -> bool {
    matches!(
        t,
        LegalType::CrimeDenunciation | LegalType::CrimeInformation | LegalType::ProsecutionRequest
    )
}

/// The unit a rule sends reports to, relative to the report's place.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// The police of the report's commune, ward or special zone.
    CommunePolice,
    /// The district police of the report's place: only in versions before 1 March 2025.
    DistrictPolice,
    /// The police of the report's province.
    ProvincialPolice,
    /// A department of the report's province by its short name: `pc04` is `<province>-pc04`.
    Department(String),
    /// One fixed unit, wherever the report is.
    Unit(UnitCode),
}

impl Target {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CommunePolice => "commune_police",
            Self::DistrictPolice => "district_police",
            Self::ProvincialPolice => "provincial_police",
            Self::Department(_) => "department",
            Self::Unit(_) => "unit",
        }
    }

    /// The department's short name or the unit's code.
    pub fn argument(&self) -> Option<&str> {
        match self {
            Self::Department(name) => Some(name),
            Self::Unit(code) => Some(code.as_str()),
            _ => None,
        }
    }

    /// From a kind and, for a department or a unit, its name or code.
    pub fn parse(kind: &str, argument: &str) -> Result<Self, DomainError> {
        let argument = argument.trim().to_ascii_lowercase();
        let wrong = || DomainError::field("target", "unknown");
        match kind {
            "commune_police" => Ok(Self::CommunePolice),
            "district_police" => Ok(Self::DistrictPolice),
            "provincial_police" => Ok(Self::ProvincialPolice),
            "department" => {
                let valid = (2..=12).contains(&argument.len())
                    && argument
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
                if valid {
                    Ok(Self::Department(argument))
                } else {
                    Err(DomainError::field("department", "invalid"))
                }
            }
            "unit" => argument
                .parse()
                .map(Self::Unit)
                .map_err(|_| DomainError::field("unit", "unknown")),
            _ => Err(wrong()),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.argument() {
            Some(argument) => write!(f, "{}:{argument}", self.kind()),
            None => f.write_str(self.kind()),
        }
    }
}

impl FromStr for Target {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, argument) = s.split_once(':').unwrap_or((s, ""));
        Self::parse(kind, argument)
    }
}

/// One row of the routing table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRule {
    /// The first day (Vietnam time) of the version this rule belongs to.
    pub effective_from: NaiveDate,
    /// A rule for one province only; `None` for every province.
    pub province: Option<u32>,
    pub scope: LegalScope,
    /// `None` for any topic.
    pub topic: Option<Topic>,
    pub target: Target,
}

impl RoutingRule {
    /// What makes a rule the one it is: two rules with the same key cannot both be in a table.
    pub fn key(&self) -> (NaiveDate, Option<u32>, LegalScope, Option<Topic>) {
        (self.effective_from, self.province, self.scope, self.topic)
    }

    /// Refuses a rule the law no longer allows: a district police target in a version in force
    /// after the districts were abolished.
    pub fn check(&self) -> Result<(), DomainError> {
        if self.target == Target::DistrictPolice && self.effective_from >= DISTRICTS_ABOLISHED {
            return Err(DomainError::field("target", "district_abolished"));
        }
        Ok(())
    }

    /// A topic says most about who can act, then the legal type (one type narrower than the
    /// three crime sources together); a province's own rule wins over a national one that is
    /// otherwise as specific.
    fn specificity(&self) -> u8 {
        let topic = if self.topic.is_some() { 8 } else { 0 };
        let scope = match self.scope {
            LegalScope::Any => 0,
            LegalScope::CrimeSource => 2,
            LegalScope::One(_) => 4,
        };
        topic + scope + u8::from(self.province.is_some())
    }
}

/// What is known of a report when it is routed.
#[derive(Debug, Clone, Copy)]
pub struct RouteQuery {
    /// The day it was received, in Vietnam.
    pub received_on: NaiveDate,
    pub legal_type: Option<LegalType>,
    pub topic: Option<Topic>,
    pub province: Option<u32>,
    pub commune: Option<u32>,
}

/// Where the table sends a report: the units to try in order (the first that exists takes it)
/// and the rule that decided, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub candidates: Vec<UnitCode>,
    pub rule: Option<RoutingRule>,
    /// The effective date of the version in force.
    pub version: Option<NaiveDate>,
}

/// The whole table, every version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingTable {
    rules: Vec<RoutingRule>,
}

impl RoutingTable {
    pub fn new(rules: Vec<RoutingRule>) -> Self {
        Self { rules }
    }

    pub fn rules(&self) -> &[RoutingRule] {
        &self.rules
    }

    /// The effective dates of the versions, oldest first.
    pub fn versions(&self) -> Vec<NaiveDate> {
        let mut dates: Vec<NaiveDate> = self.rules.iter().map(|r| r.effective_from).collect();
        dates.sort_unstable();
        dates.dedup();
        dates
    }

    /// The version in force on `day`: the latest effective date not after it.
    pub fn version_on(&self, day: NaiveDate) -> Option<NaiveDate> {
        self.versions().into_iter().rev().find(|d| *d <= day)
    }

    /// Where `query` goes. Without a matching rule, or a place the rule can use, the report
    /// goes by its place alone: its commune police, else its province's police.
    pub fn route(&self, query: &RouteQuery) -> Route {
        let version = self.version_on(query.received_on);
        let rule = version.and_then(|version| {
            self.rules
                .iter()
                .filter(|r| r.effective_from == version)
                .filter(|r| r.province.is_none() || r.province == query.province)
                .filter(|r| r.scope.covers(query.legal_type))
                .filter(|r| r.topic.is_none() || r.topic == query.topic)
                .max_by_key(|r| r.specificity())
        });
        let province = query.province.map(UnitCode::province);
        let commune = query
            .province
            .zip(query.commune)
            .map(|(p, c)| UnitCode::commune(p, c));
        let first = match rule.map(|r| &r.target) {
            Some(Target::CommunePolice) | None => commune,
            // The districts' files went to the provincial police; so do reports routed to them.
            Some(Target::DistrictPolice | Target::ProvincialPolice) => None,
            Some(Target::Department(name)) => query
                .province
                .and_then(|p| format!("{p}-{name}").parse().ok()),
            Some(Target::Unit(code)) => Some(code.clone()),
        };
        Route {
            candidates: first.into_iter().chain(province).collect(),
            rule: rule.cloned(),
            version,
        }
    }

    /// The table a new installation starts with, from LEGAL-VN.md §2. Department short names
    /// follow the provincial police's usual numbering (PC01 the investigation body's office,
    /// PC02 crimes against social order, PC03 economic crimes, corruption and smuggling, PC04
    /// drugs, PC05 environment, PC08 traffic, PA05 cyber security and high-tech crime); a
    /// department that a province has not created sends its reports to the provincial police.
    pub fn defaults() -> Self {
        use LegalScope::{Any, CrimeSource, One};
        use Topic::*;
        let department = |name: &str| Target::Department(name.to_owned());
        let specialised = [
            (Drugs, "pc04"),
            (FraudOnline, "pa05"),
            (Cybercrime, "pa05"),
            (Corruption, "pc03"),
            (Smuggling, "pc03"),
            (LoanSharking, "pc03"),
            (Environment, "pc05"),
            (HumanTrafficking, "pc02"),
            (Weapons, "pc02"),
        ];
        let mut rules = Vec::new();
        for (from, general_crime) in [
            // Commune police received reports and sent them to the district's investigation body.
            (FROM_THE_START, Target::DistrictPolice),
            // Districts gone: the provincial criminal police's investigation body decides and may
            // assign a commune police head as its investigator (HD 11/HD-BCA-V03).
            (DISTRICTS_ABOLISHED, department("pc01")),
            // Law 99/2025: a commune police head may resolve crime reports and investigate less
            // serious and serious crimes committed in the commune.
            (TWO_LEVEL_GOVERNMENT, Target::CommunePolice),
        ] {
            let mut rule = |scope, topic, target| {
                rules.push(RoutingRule {
                    effective_from: from,
                    province: None,
                    scope,
                    topic,
                    target,
                })
            };
            rule(Any, None, Target::CommunePolice);
            rule(CrimeSource, None, general_crime);
            for (topic, name) in specialised {
                rule(CrimeSource, Some(topic), department(name));
            }
            rule(Any, Some(Traffic), department("pc08"));
            // A report about an officer never stays at a commune police: the director settles
            // those about commune police (R20), and the wall keeps it from the accused's unit.
            rule(
                One(LegalType::PoliceConduct),
                None,
                Target::ProvincialPolice,
            );
            rule(One(LegalType::Complaint), None, Target::ProvincialPolice);
        }
        Self { rules }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn query(on: NaiveDate, legal_type: Option<LegalType>, topic: Option<Topic>) -> RouteQuery {
        RouteQuery {
            received_on: on,
            legal_type,
            topic,
            province: Some(22),
            commune: Some(6916),
        }
    }

    fn codes(route: &Route) -> Vec<&str> {
        route.candidates.iter().map(UnitCode::as_str).collect()
    }

    #[test]
    fn defaults_route_by_place_and_topic() {
        let table = RoutingTable::defaults();
        let now = day(2026, 11, 29);
        let theft = table.route(&query(
            now,
            Some(LegalType::CrimeDenunciation),
            Some(Topic::TheftRobbery),
        ));
        assert_eq!(codes(&theft), ["22/6916", "22"]);
        let drugs = table.route(&query(
            now,
            Some(LegalType::CrimeInformation),
            Some(Topic::Drugs),
        ));
        assert_eq!(codes(&drugs), ["22-pc04", "22"]);
        let scam = table.route(&query(
            now,
            Some(LegalType::CrimeDenunciation),
            Some(Topic::FraudOnline),
        ));
        assert_eq!(codes(&scam), ["22-pa05", "22"]);
        // Noise is public order: the commune police, whatever the topic's department.
        let noise = table.route(&query(
            now,
            Some(LegalType::PublicOrder),
            Some(Topic::NoiseDisturbance),
        ));
        assert_eq!(codes(&noise), ["22/6916", "22"]);
        // Drug users gathering is public order too: not the drug squad's crime queue.
        let users = table.route(&query(
            now,
            Some(LegalType::PublicOrder),
            Some(Topic::Drugs),
        ));
        assert_eq!(codes(&users), ["22/6916", "22"]);
        let traffic = table.route(&query(
            now,
            Some(LegalType::PublicOrder),
            Some(Topic::Traffic),
        ));
        assert_eq!(codes(&traffic), ["22-pc08", "22"]);
        let conduct = table.route(&query(now, Some(LegalType::PoliceConduct), None));
        assert_eq!(codes(&conduct), ["22"], "never the commune police");
        // Without a commune, the province; without any place, nothing (the channel's owner).
        let mut no_commune = query(now, Some(LegalType::CrimeDenunciation), None);
        no_commune.commune = None;
        assert_eq!(codes(&table.route(&no_commune)), ["22"]);
        no_commune.province = None;
        assert!(table.route(&no_commune).candidates.is_empty());
    }

    #[test]
    fn reports_go_by_the_version_in_force_when_received() {
        let table = RoutingTable::defaults();
        let theft = |on| {
            table.route(&query(
                on,
                Some(LegalType::CrimeDenunciation),
                Some(Topic::TheftRobbery),
            ))
        };
        let before = theft(day(2025, 2, 28));
        assert_eq!(before.version, Some(FROM_THE_START));
        assert_eq!(
            before.rule.as_ref().map(|r| &r.target),
            Some(&Target::DistrictPolice)
        );
        // The district police is gone: its successor, the provincial police, takes it.
        assert_eq!(codes(&before), ["22"]);
        let spring = theft(day(2025, 3, 1));
        assert_eq!(spring.version, Some(DISTRICTS_ABOLISHED));
        assert_eq!(codes(&spring), ["22-pc01", "22"]);
        let summer = theft(day(2025, 6, 30));
        assert_eq!(codes(&summer), ["22-pc01", "22"]);
        let after = theft(day(2025, 7, 1));
        assert_eq!(after.version, Some(TWO_LEVEL_GOVERNMENT));
        assert_eq!(codes(&after), ["22/6916", "22"]);
    }

    #[test]
    fn a_province_rule_beats_a_national_one_and_a_fixed_unit_is_used_anywhere() {
        let mut rules = RoutingTable::defaults().rules().to_vec();
        rules.push(RoutingRule {
            effective_from: TWO_LEVEL_GOVERNMENT,
            province: Some(22),
            scope: LegalScope::CrimeSource,
            topic: None,
            target: Target::Unit("22-pc02".parse().unwrap()),
        });
        let table = RoutingTable::new(rules);
        let now = day(2026, 1, 5);
        let theft = table.route(&query(
            now,
            Some(LegalType::CrimeDenunciation),
            Some(Topic::TheftRobbery),
        ));
        assert_eq!(codes(&theft), ["22-pc02", "22"]);
        // The national topic rule names a topic: it is more specific than the province's.
        let drugs = table.route(&query(
            now,
            Some(LegalType::CrimeDenunciation),
            Some(Topic::Drugs),
        ));
        assert_eq!(codes(&drugs), ["22-pc04", "22"]);
        let mut elsewhere = query(now, Some(LegalType::CrimeDenunciation), None);
        elsewhere.province = Some(91);
        elsewhere.commune = Some(30742);
        assert_eq!(codes(&table.route(&elsewhere)), ["91/30742", "91"]);
    }

    #[test]
    fn district_police_are_never_a_target_after_their_abolition() {
        let rule = |from| RoutingRule {
            effective_from: from,
            province: None,
            scope: LegalScope::Any,
            topic: None,
            target: Target::DistrictPolice,
        };
        assert!(rule(day(2025, 2, 28)).check().is_ok());
        assert!(rule(DISTRICTS_ABOLISHED).check().is_err());
        assert!(rule(day(2027, 1, 1)).check().is_err());
        for r in RoutingTable::defaults().rules() {
            r.check().unwrap();
        }
    }

    #[test]
    fn targets_and_scopes_read_back_as_written() {
        for text in [
            "commune_police",
            "district_police",
            "provincial_police",
            "department:pc04",
            "unit:22-pc02",
        ] {
            assert_eq!(text.parse::<Target>().unwrap().to_string(), text);
        }
        assert!("department:PC 04".parse::<Target>().is_err());
        assert!("unit:".parse::<Target>().is_err());
        assert!("somewhere".parse::<Target>().is_err());
        for scope in LegalScope::all() {
            assert_eq!(scope.as_str().parse::<LegalScope>().unwrap(), scope);
        }
        assert!("crime".parse::<LegalScope>().is_err());
    }

    #[test]
    fn a_table_without_versions_routes_by_place() {
        let route = RoutingTable::default().route(&query(day(2026, 1, 1), None, None));
        assert_eq!(codes(&route), ["22/6916", "22"]);
        assert!(route.rule.is_none() && route.version.is_none());
    }
}
