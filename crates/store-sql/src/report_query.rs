//! How reports are read: their columns and joins, the deadline order, and the clause that keeps
//! each reader to the reports they may see.

use chrono::{DateTime, Utc};
use hotline_store::Visibility;

pub(crate) const SUMMARY_COLUMNS: &str = "r.id, r.case_number, r.channel, r.status, r.urgency, r.unit_code, \
     u.name AS unit_name, r.province_code, r.commune_code, r.summary, r.summary_sealed, \
     r.wrapped_key, r.key_id, r.anonymous, r.created_at, r.legal_type, r.deadline_rule, r.due_at";

/// The columns and joins of a report's detail, after `SELECT {SUMMARY_COLUMNS}`.
pub(crate) const DETAIL_FROM: &str = ", r.address, r.address_sealed, r.contact_id, r.assignee_id, \
     r.updated_at, r.legal_hold, r.occurred_at, r.protection_requested, \
     r.accused_unit_code, r.accused_post, r.topic, m.case_number AS merged_into, \
     r.stage, r.extensions, r.suspended_days, r.suspended_since, r.clock_start, r.resumed_at, \
     c.phone_index AS contact_phone_index \
     FROM reports r JOIN units u ON u.code = r.unit_code \
     LEFT JOIN contacts c ON c.id = r.contact_id \
     LEFT JOIN reports m ON m.id = r.merged_into_id";

/// In deadline order: reports with a time limit (0) before those without (1), then by when
/// each is due (received, without a limit); `ReportCursor::after` in the store crate.
pub(crate) const DEADLINE_RANK: &str = "(CASE WHEN r.due_at IS NULL THEN 1 ELSE 0 END)";

pub(crate) const DEADLINE_AT: &str = "COALESCE(r.due_at, r.created_at)";

/// A value bound to a query built piece by piece.
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
    Bytes(Vec<u8>),
}

/// The WHERE clause and its single bound value for a visibility; `None` when nothing is visible.
/// A report about police conduct is never visible to the accused's unit or any unit below it,
/// whatever the reader's scope, with one exception: the leaders of the accused's own unit read
/// the reports that its head settles (R20).
pub(crate) fn visibility_clause(visibility: &Visibility, param: u8) -> Option<(String, String)> {
    match visibility {
        Visibility::Nothing => None,
        Visibility::Unit(code) => Some((
            format!(
                "r.unit_code = ${param} AND NOT EXISTS (SELECT 1 FROM units au \
                 JOIN units me ON me.code = ${param} \
                 WHERE au.code = r.accused_unit_code AND me.path LIKE au.path || '%')"
            ),
            code.as_str().to_owned(),
        )),
        // Unit codes hold only [a-z0-9/-], so the path carries no LIKE wildcards.
        Visibility::Subtree(path) => Some((
            format!(
                "u.path LIKE ${param} || '%' AND NOT EXISTS (SELECT 1 FROM units au \
                 WHERE au.code = r.accused_unit_code AND ${param} LIKE au.path || '%')"
            ),
            path.clone(),
        )),
        Visibility::Leaders(path) => Some((
            format!(
                "u.path LIKE ${param} || '%' AND NOT EXISTS (SELECT 1 FROM units au \
                 WHERE au.code = r.accused_unit_code AND ${param} LIKE au.path || '%' \
                 AND NOT (r.head_settles AND COALESCE(r.legal_type, '') = 'police_conduct' \
                          AND au.path = ${param} AND NOT EXISTS (SELECT 1 FROM accused_walls fw \
                          WHERE fw.report_id = r.id AND fw.unit_code = au.code AND fw.full_wall)))"
            ),
            path.clone(),
        )),
    }
}
