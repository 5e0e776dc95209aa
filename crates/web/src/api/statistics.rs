//! Figures for the province's operations centre and other dashboards (issue 29): the same
//! definitions and scope as the leaders' page.

use super::staff_actor;
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::url_pairs;
use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use hotline_core::statistics::ConductCounted;
use hotline_domain::UnitCode;
use hotline_domain::statistics::{Figures, GroupBy, Period, local_day};
use http::{HeaderMap, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

/// Figures of one unit (with the units below it) over a period, grouped.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsSeries {
    /// The unit's code, e.g. `22` for a provincial police.
    pub unit: String,
    pub unit_name: String,
    /// First and last day counted (Vietnam's calendar days, both included).
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `day`, `week`, `month`, `channel`, `legal_type`, `topic`, `urgency`, `unit`, `commune`,
    /// `status`, `limit` (the legal time limit's rule) or `outcome` (the stage that settled it).
    pub group_by: String,
    /// `readable`: reports about police conduct are counted where the caller may read them;
    /// `no`: not at all (a caller who reads no reports).
    #[schema(value_type = String, example = "readable")]
    pub police_conduct: ConductCounted,
    /// One item per group: by time in order (every day, week or month of the period), else
    /// the most reports first. A group of `unit` named by the unit asked about holds the
    /// reports it handles itself.
    pub series: Vec<StatsPoint>,
    pub total: Figures,
    /// The period of the same length just before (the month before, for a whole month).
    pub previous: StatsPrevious,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsPoint {
    /// The group: `2026-11-03`, `2026-W45`, `2026-11`, a channel, legal type, topic,
    /// urgency, status, commune code (`unknown` when none), or unit code.
    pub key: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsPrevious {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: Figures,
}

fn bad_query(field: &str, code: &str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "Invalid query")
        .detail(message.to_owned())
        .field(field, code, message.to_owned())
}

fn parse_day(field: &str, value: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| bad_query(field, "invalid", "a date as YYYY-MM-DD"))
}

/// What the query asks: unit, period and grouping.
fn stats_query(
    query: Option<&str>,
    today: NaiveDate,
) -> Result<(Option<UnitCode>, Period, GroupBy), ApiError> {
    let pairs = url_pairs(query.unwrap_or_default().as_bytes())
        .map_err(|_| bad_query("query", "invalid", "a URL-encoded query"))?;
    let get = |name: &str| pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let to = get("to").map(|v| parse_day("to", v)).transpose()?;
    let from = get("from")
        .map(|v| parse_day("from", v))
        .transpose()?
        .unwrap_or_else(|| Period::month_of(to.unwrap_or(today)).from);
    let to = to.unwrap_or(today.max(from));
    let period = Period::new(from, to).map_err(|_| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Cannot be taken")
            .detail(
                "`from` and `to` must lie in the years 2000 to 2099, `to` on or after `from` \
                 and at most 732 days after it",
            )
            .field(
                "to",
                "out_of_range",
                "in 2000 to 2099, on or after `from`, at most 732 days after it",
            )
    })?;
    let group_by = match get("group_by") {
        None => GroupBy::Day,
        Some(v) => v.parse::<GroupBy>().map_err(|_| {
            bad_query(
                "group_by",
                "invalid",
                "day, week, month, channel, legal_type, topic, urgency, unit, commune, status, \
                 limit or outcome",
            )
        })?,
    };
    // A code that cannot name a unit names none: the same answer as a unit outside the scope.
    let unit = match get("unit") {
        None => None,
        Some(v) => Some(
            v.parse::<UnitCode>()
                .map_err(|_| ApiError::from(hotline_core::CoreError::NotFound))?,
        ),
    };
    Ok((unit, period, group_by))
}

/// Figures.
///
/// Reports received, transferred, accepted and decided, and how fast they were taken up,
/// answered, classified and decided (median and 90th percentile, in minutes), for the
/// caller's unit or one below it, over a period, grouped. Read from metadata only, never a
/// report's content; counted as the leaders' page and the monthly report count
/// (docs/statistics.md). Audited.
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    tag = "statistics",
    params(
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD (Vietnam's calendar); default the first of the month of `to`", format = Date),
        ("to" = Option<String>, Query, description = "Last day, YYYY-MM-DD; default today; at most 732 days after `from`", format = Date),
        ("unit" = Option<String>, Query, description = "A unit code within the caller's scope; default the caller's own unit"),
        ("group_by" = Option<GroupBy>, Query, description = "day (default), week, month, channel, legal_type, topic, urgency, unit, commune, status, limit or outcome"),
    ),
    responses(
        (status = 200, body = StatsSeries),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` before `from`, or more than 732 days after it", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role reads no statistics", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit within the caller's scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn stats(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: http::Uri,
) -> Result<Json<StatsSeries>, ApiError> {
    let actor = staff_actor(&state, &headers).await?;
    let today = local_day(hotline_domain::Clock::now(state.hotline.clock.as_ref()));
    let (unit, period, group_by) = stats_query(uri.query(), today)?;
    let figures = state
        .hotline
        .statistics(&actor, unit.as_ref(), period, group_by)
        .await?;
    Ok(Json(StatsSeries {
        unit: figures.unit.code.to_string(),
        unit_name: figures.unit.name,
        from: figures.period.from,
        to: figures.period.to,
        group_by: group_by.as_str().to_owned(),
        police_conduct: figures.conduct,
        series: figures
            .groups
            .into_iter()
            .map(|g| StatsPoint {
                key: g.key,
                figures: g.figures,
            })
            .collect(),
        total: figures.total,
        previous: StatsPrevious {
            from: figures.previous_period.from,
            to: figures.previous_period.to,
            total: figures.previous,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_query_gives_a_period_a_grouping_and_a_unit_or_a_clear_refusal() {
        let today = day(2026, 11, 20);
        let (unit, period, group_by) = stats_query(None, today).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (unit, period.from, period.to),
            (None, day(2026, 11, 1), today)
        );
        assert_eq!(group_by, GroupBy::Day);
        let (unit, period, group_by) = stats_query(
            Some("from=2026-01-01&to=2026-12-31&unit=22&group_by=channel"),
            today,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(unit, Some(UnitCode::province(22)));
        assert_eq!((period.days(), group_by), (365, GroupBy::Channel));
        let (_, period, _) =
            stats_query(Some("to=2026-10-05"), today).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (period.from, period.to),
            (day(2026, 10, 1), day(2026, 10, 5))
        );
        let status = |q: &str| stats_query(Some(q), today).err().map(|e| e.status);
        for (bad, expected) in [
            ("from=2026-13-01", StatusCode::BAD_REQUEST),
            ("to=yesterday", StatusCode::BAD_REQUEST),
            ("group_by=case", StatusCode::BAD_REQUEST),
            (
                "from=2026-11-10&to=2026-11-01",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "from=2020-01-01&to=2026-01-01",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "from=%2B262142-12-01&to=%2B262142-12-31",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            ("to=1999-12-31", StatusCode::UNPROCESSABLE_ENTITY),
            ("unit=%2F%2F", StatusCode::NOT_FOUND),
        ] {
            assert_eq!(status(bad), Some(expected), "{bad}");
        }
        // A blank date or grouping is not one; a blank unit names none.
        for (blank, expected) in [
            ("group_by=", StatusCode::BAD_REQUEST),
            ("to=", StatusCode::BAD_REQUEST),
            ("unit=", StatusCode::NOT_FOUND),
        ] {
            assert_eq!(status(blank), Some(expected), "{blank}");
        }
    }
}
