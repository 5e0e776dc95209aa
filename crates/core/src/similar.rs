//! Reports that look like the same incident as another: told by the words the starts of their
//! texts share, the place and how close in time they came, across channels and reporters.
//! Suggested to the officer, who merges them (every message and every reporter is kept).

use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::AuditAction;
use hotline_domain::CaseNumber;
use hotline_domain::text::index_terms;
use hotline_store::{ReportFilter, ReportSummary};
use std::collections::HashSet;

/// How far apart in time two reports of one incident may come.
const WINDOW_HOURS: i64 = 48;
/// Reports of the window looked at, at most.
const CANDIDATES: u32 = 200;
/// The likeness from which a report is suggested.
const THRESHOLD: f32 = 0.3;
/// Suggestions shown, at most.
const SUGGESTIONS: usize = 5;

/// Words too common in reports to tell incidents apart.
const COMMON: &[&str] = &[
    "co", "nguoi", "o", "la", "va", "cua", "toi", "em", "anh", "chi", "cho", "khong", "duoc", "da",
    "dang", "nay", "mot", "nhung", "cac", "voi", "de", "thi", "ma", "ra", "vao", "len", "xin",
    "cong", "an", "bao", "tin", "gi", "rat", "nhieu", "lai", "con", "roi", "luc", "khi", "tai",
    "tu", "den", "ve", "tren", "duoi", "trong", "ngoai", "hay", "nhu", "the", "nao", "du", "lieu",
    "demo", "hu", "cau",
];

/// A report suggested as the same incident, and how alike it is (0 to 1).
#[derive(Debug, Clone)]
pub struct Similar {
    pub report: ReportSummary,
    pub likeness: f32,
}

/// The words two reports are compared by: never a number or address the masker hides, lest
/// a reader without clearance see reports tied by one.
fn words(text: &str) -> HashSet<String> {
    index_terms(text)
        .words
        .into_iter()
        .filter(|w| !COMMON.contains(&w.as_str()))
        .collect()
}

/// How alike two reports are: the overlap of their words (Jaccard), raised when they name the
/// same commune or province.
fn likeness(
    a: &HashSet<String>,
    b: &HashSet<String>,
    same_commune: bool,
    same_province: bool,
) -> f32 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    let overlap = a.intersection(b).count() as f32 / union as f32;
    let place = if same_commune {
        0.15
    } else if same_province {
        0.05
    } else {
        0.0
    };
    (overlap + place).min(1.0)
}

impl Hotline {
    /// Open reports the actor can see that look like the same incident as `case`, most alike
    /// first.
    pub async fn similar_reports(&self, actor: &Actor, case: &str) -> CoreResult<Vec<Similar>> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let visibility = actor.visibility();
        let mut this = self.store.report(&visibility, &case).await?.summary;
        let window = chrono::Duration::hours(WINDOW_HOURS);
        let filter = ReportFilter {
            received_from: Some(this.created_at - window),
            received_before: Some(this.created_at + window),
            ..ReportFilter::default()
        };
        let mut nearby: Vec<ReportSummary> = self
            .store
            .inbox(&visibility, &filter, &[], CANDIDATES)
            .await?
            .into_iter()
            .filter(|other| {
                other.id != this.id
                    && other.status != hotline_domain::ReportStatus::Closed
                    && (other.province_code.is_none()
                        || this.province_code.is_none()
                        || other.province_code == this.province_code)
            })
            .collect();
        // Compared on their summaries (the start of each text, already in the rows): one
        // query for the window, however many reports it holds.
        self.open_summaries(std::slice::from_mut(&mut this))?;
        self.open_summaries(&mut nearby)?;
        let mine = words(&this.summary);
        let mut similar: Vec<Similar> = nearby
            .into_iter()
            .filter_map(|other| {
                let score = likeness(
                    &mine,
                    &words(&other.summary),
                    this.commune_code.is_some() && other.commune_code == this.commune_code,
                    this.province_code.is_some() && other.province_code == this.province_code,
                );
                (score >= THRESHOLD).then_some(Similar {
                    report: other,
                    likeness: score,
                })
            })
            .collect();
        similar.sort_by(|a, b| b.likeness.total_cmp(&a.likeness));
        similar.truncate(SUGGESTIONS);
        // Their summaries are shown: an access like any list (R24).
        if !similar.is_empty() {
            self.audit(
                Some(actor.0.id),
                AuditAction::ReportsListed,
                case.as_str(),
                &format!("similar={}", similar.len()),
            )
            .await?;
        }
        Ok(similar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_words_and_place_make_reports_alike() {
        let a = words("Cháy lớn ở kho hàng gần chợ Hạ Long, khói đen bốc lên");
        let b = words("chay kho hang cho ha long, khoi den rat nhieu");
        let c = words("Quán karaoke hát to sau 23 giờ");
        assert!(likeness(&a, &b, true, true) > THRESHOLD);
        assert!(likeness(&a, &c, false, true) < THRESHOLD);
        assert!(likeness(&HashSet::new(), &HashSet::new(), true, true) == 0.0);
    }
}
