use crate::fixtures::{
    at, audited, first_commune_of_22, handler_of_quang_ninh, report, setup_units,
};
use hotline_domain::statistics::{ALL, OWN, Tally};
use hotline_domain::workflow::Stage;
use hotline_domain::{UnitCode, Urgency};
use hotline_store::{Handover, PurgeRule, Store, Visibility};
use std::sync::Arc;

/// One rollup's sums, or nothing.
async fn tally(store: &dyn Store, unit: &UnitCode, dim: &str, value: &str, period: &str) -> Tally {
    store
        .statistics_cells(std::slice::from_ref(unit), &[dim], period, period)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.value == value)
        .map(|c| c.tally)
        .unwrap_or_default()
}

/// `(reports, by transfer, transferred out)` of a unit's totals for a period.
async fn counts(store: &dyn Store, unit: &UnitCode, period: &str) -> (i64, i64, i64) {
    let t = tally(store, unit, ALL, "", period).await;
    (t.reports, t.by_transfer, t.transferred_out)
}

/// Three reports: one to a commune police (Vietnam's 2 March), one to its province and one to
/// another province (both 3 March: the first after 17:00 UTC). Each counts once at the unit
/// holding it and every unit above; a transfer moves it and leaves a "transferred out" behind;
/// reading the log twice changes nothing; a purge leaves the figures as they were.
pub async fn statistics_count_each_report_once_where_it_is_held_and_outlive_its_purge(
    store: Arc<dyn Store>,
) {
    setup_units(store.as_ref()).await;
    let bca = UnitCode::ministry();
    let qn = UnitCode::province(22);
    let ht = UnitCode::province(42);
    let commune = UnitCode::commune(22, first_commune_of_22());
    let mut urgent = report(qn.clone(), "QN", at(2, 18), "thứ hai");
    urgent.urgency = Urgency::Urgent;
    let receipts = store
        .intake(&[
            report(commune.clone(), "QN", at(2, 1), "thứ nhất"),
            urgent,
            report(ht.clone(), "HT", at(3, 1), "thứ ba"),
        ])
        .await
        .unwrap();
    // Two events a round, then the rest. (Whether the first says more wait depends on the
    // backend: PostgreSQL's mark waits 30 seconds behind the newest events.)
    let first = store.roll_up_statistics(2, true).await.unwrap();
    assert_eq!(first.events, 2, "{first:?}");
    let rest = store.roll_up_statistics(1_000, true).await.unwrap();
    assert!(rest.events >= 1 && !rest.more, "{rest:?}");
    let s = store.as_ref();
    assert_eq!(counts(s, &commune, "d2026-03-02").await, (1, 0, 0));
    assert_eq!(counts(s, &qn, "d2026-03-02").await, (1, 0, 0));
    assert_eq!(counts(s, &qn, "d2026-03-03").await, (1, 0, 0));
    assert_eq!(counts(s, &bca, "d2026-03-03").await, (2, 0, 0));
    assert_eq!(counts(s, &qn, "m2026-03").await, (2, 0, 0));
    assert_eq!(counts(s, &bca, "m2026-03").await, (3, 0, 0));
    assert_eq!(tally(s, &qn, "channel", "api", "m2026-03").await.reports, 2);
    assert_eq!(
        tally(s, &qn, "urgency", "urgent", "m2026-03").await.reports,
        1
    );
    assert_eq!(
        tally(s, &ht, "urgency", "urgent", "m2026-03").await.reports,
        0
    );
    // Reading again (PostgreSQL reads the last 30 seconds' events again) changes nothing.
    assert!(!store.roll_up_statistics(1_000, true).await.unwrap().more);
    assert_eq!(counts(s, &bca, "m2026-03").await, (3, 0, 0));

    let handler = handler_of_quang_ninh(s).await;
    let everywhere = Visibility::Subtree(store.unit(&bca).await.unwrap().path);
    store
        .transfer_report(
            &everywhere,
            &receipts[0].case_number,
            Handover {
                to: &ht,
                reason: "nơi xảy ra thuộc tỉnh khác",
                accused: None,
                accused_post: None,
                stage: Stage::Received,
                extensions: 0,
                clock_start: None,
                deadline: None,
            },
            handler.id,
            at(3, 5),
            audited(),
        )
        .await
        .unwrap();
    // Read three times: the same figures.
    for _ in 0..3 {
        store.roll_up_statistics(1_000, true).await.unwrap();
        assert_eq!(counts(s, &commune, "d2026-03-02").await, (0, 0, 1));
        assert_eq!(counts(s, &qn, "d2026-03-02").await, (0, 0, 1));
        assert_eq!(counts(s, &ht, "d2026-03-02").await, (1, 1, 0));
        assert_eq!(counts(s, &bca, "d2026-03-02").await, (1, 0, 0));
        assert_eq!(counts(s, &qn, "m2026-03").await, (1, 0, 1));
        assert_eq!(counts(s, &ht, "m2026-03").await, (2, 1, 0));
        assert_eq!(counts(s, &bca, "m2026-03").await, (3, 0, 0));
        // What each unit holds itself: the province its own report; the commune nothing, and
        // the report it sent on.
        let own = tally(s, &qn, OWN, "", "m2026-03").await;
        assert_eq!((own.reports, own.transferred_out), (1, 0));
        let own = tally(s, &commune, OWN, "", "m2026-03").await;
        assert_eq!((own.reports, own.transferred_out), (0, 1));
    }

    let rule = PurgeRule {
        legal_type: None,
        status: None,
        changed_before: at(20, 0),
    };
    assert!(store.purge_report(receipts[2].report, &rule).await.unwrap());
    store.roll_up_statistics(1_000, true).await.unwrap();
    assert_eq!(counts(s, &ht, "d2026-03-03").await, (1, 0, 0));
    // A later report of the same day counts that day again, from the facts the purged one
    // left.
    store
        .intake(&[report(ht.clone(), "HT", at(3, 3), "thứ tư")])
        .await
        .unwrap();
    store.roll_up_statistics(1_000, true).await.unwrap();
    assert_eq!(counts(s, &ht, "d2026-03-03").await, (2, 0, 0));
    assert_eq!(counts(s, &ht, "m2026-03").await, (3, 1, 0));
    assert_eq!(counts(s, &bca, "m2026-03").await, (4, 0, 0));
    let cells = store
        .statistics_cells(
            &[bca.clone(), qn.clone()],
            &[ALL, "channel"],
            "m2026-03",
            "m2026-03",
        )
        .await
        .unwrap();
    assert_eq!(cells.len(), 4, "{cells:?}");
    assert_eq!(
        store
            .conduct_count(
                &store.unit(&bca).await.unwrap().path,
                at(1, 0).date_naive(),
                at(30, 0).date_naive()
            )
            .await
            .unwrap(),
        0
    );
}
