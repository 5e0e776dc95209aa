//! Alert chains and deadline warnings.

use crate::fixtures::{at, audited, handler_of_quang_ninh, report, setup_units};
use hotline_domain::deadline::DeadlineRule;
use hotline_domain::{Role, StaffId, UnitCode, Urgency};
use hotline_store::{Due, NewStaff, Store, Visibility};
use std::sync::Arc;

pub async fn an_alert_chain_moves_once_per_level_and_stops_when_acknowledged(
    store: Arc<dyn Store>,
) {
    use hotline_store::AlertStep;
    setup_units(store.as_ref()).await;
    let member = |username: &str| NewStaff {
        username: username.into(),
        display_name: username.into(),
        password_hash: "$argon2id$fake".into(),
        role: Role::DutyOfficer,
        unit: UnitCode::province(22),
        created_at: at(1, 8),
        must_change_password: false,
    };
    let duty = store
        .create_staff(&member("qn.duty"), audited())
        .await
        .unwrap();
    let leader = store
        .create_staff(&member("qn.leader"), audited())
        .await
        .unwrap();
    let mut urgent = report(UnitCode::province(22), "QN", at(2, 3), "urgent");
    urgent.urgency = Urgency::Emergency;
    let normal = report(UnitCode::province(22), "QN", at(2, 4), "normal");
    let receipts = store.intake(&[urgent, normal]).await.unwrap();
    let needing = store.reports_needing_alerts(10).await.unwrap();
    assert_eq!(needing.len(), 1, "only the urgent one");
    assert_eq!(needing[0].report, receipts[0].report);
    let step = |level, staff: Vec<StaffId>, hour| AlertStep {
        report: receipts[0].report,
        level,
        staff,
        channel: "console".into(),
        at: at(2, hour),
    };
    assert!(
        store
            .start_alert_chain(&step(0, vec![duty.id], 3))
            .await
            .unwrap()
    );
    assert!(
        !store
            .start_alert_chain(&step(0, vec![duty.id], 3))
            .await
            .unwrap(),
        "once"
    );
    assert!(store.reports_needing_alerts(10).await.unwrap().is_empty());
    let open = store.open_alert_chains().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].level, open[0].level_at), (0, at(2, 3)));
    assert_eq!(open[0].alerted, [duty.id]);
    // The same member at the same level is alerted once.
    assert_eq!(
        store.add_alerts(&step(0, vec![duty.id], 4)).await.unwrap(),
        0
    );
    // Two nodes escalate at once: one moves it.
    assert!(
        store
            .escalate_alert_chain(0, &step(1, vec![leader.id], 5))
            .await
            .unwrap()
    );
    assert!(
        !store
            .escalate_alert_chain(0, &step(1, vec![leader.id], 5))
            .await
            .unwrap()
    );
    let open = store.open_alert_chains().await.unwrap();
    assert_eq!(
        (open[0].level, open[0].alerted.clone()),
        (1, vec![leader.id])
    );
    let mine = store.alerts_for(leader.id, 10).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].level, mine[0].urgency), (1, Urgency::Emergency));
    assert!(mine[0].acknowledged_at.is_none());
    assert!(
        store
            .acknowledge_alert_chain(receipts[0].report, leader.id, at(2, 6), audited())
            .await
            .unwrap()
    );
    assert!(
        !store
            .acknowledge_alert_chain(receipts[0].report, leader.id, at(2, 6), audited())
            .await
            .unwrap()
    );
    assert!(store.open_alert_chains().await.unwrap().is_empty());
    assert!(
        !store
            .escalate_alert_chain(1, &step(2, vec![duty.id], 7))
            .await
            .unwrap()
    );
    let mine = store.alerts_for(duty.id, 10).await.unwrap();
    assert_eq!(mine[0].acknowledged_at, Some(at(2, 6)));
    assert_eq!(mine[0].acknowledged_by.as_deref(), Some("qn.leader"));
    let samples = store
        .response_samples(&Visibility::Subtree("/bca/22/".into()), at(1, 0))
        .await
        .unwrap();
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].acknowledged_at, Some(at(2, 6)));
    assert!(!samples[0].alert_open);
    assert_eq!(samples[0].urgency, Urgency::Emergency);
    assert_eq!(
        (samples[0].first_reply_at, samples[0].decided_at),
        (None, None)
    );
    assert!(
        store
            .response_samples(&Visibility::Subtree("/bca/42/".into()), at(1, 0))
            .await
            .unwrap()
            .is_empty()
    );
    let events = store.events(receipts[0].report).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.what.kind_str()).collect();
    assert_eq!(
        kinds,
        [
            "report.received",
            "report.alerted",
            "report.alerted",
            "report.alert_acknowledged"
        ]
    );
}

pub async fn a_time_limit_is_warned_of_once_per_kind_and_limit(store: Arc<dyn Store>) {
    use hotline_store::DeadlineWarning;
    setup_units(store.as_ref()).await;
    let handler = handler_of_quang_ninh(store.as_ref()).await;
    let due = at(3, 12);
    let mut near = report(UnitCode::province(22), "QN", at(2, 3), "near");
    near.deadline = Some(Due {
        rule: DeadlineRule::CrimeClassification,
        due_at: due,
    });
    let far = {
        let mut r = report(UnitCode::province(22), "QN", at(2, 4), "far");
        r.deadline = Some(Due {
            rule: DeadlineRule::CrimeSource,
            due_at: at(20, 0),
        });
        r
    };
    let receipts = store.intake(&[near, far]).await.unwrap();
    // Near limits are offered for assigned reports only: the assignee is who is warned.
    assert!(
        store
            .reports_to_warn(at(2, 13), at(3, 13), 10)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .assign_report(
            &Visibility::Unit(UnitCode::province(22)),
            &receipts[0].case_number,
            Some(handler.id),
            handler.id,
            at(2, 12),
            audited(),
        )
        .await
        .unwrap();
    // Within a day of its limit: the near one only.
    let to_warn = store
        .reports_to_warn(at(2, 13), at(3, 13), 10)
        .await
        .unwrap();
    assert_eq!(to_warn.len(), 1);
    assert_eq!(
        (to_warn[0].subject.report, to_warn[0].due_at),
        (receipts[0].report, due)
    );
    let warning = |kind, at_| DeadlineWarning {
        report: receipts[0].report,
        kind,
        due_at: due,
        staff: vec![handler.id],
        at: at_,
    };
    assert_eq!(
        store
            .add_deadline_alerts(&warning("approaching", at(2, 13)))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .add_deadline_alerts(&warning("approaching", at(2, 14)))
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .reports_to_warn(at(2, 14), at(3, 14), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Once passed, it is due a warning of the other kind.
    let passed = store
        .reports_to_warn(at(3, 13), at(4, 13), 10)
        .await
        .unwrap();
    assert_eq!(passed.len(), 1);
    assert_eq!(
        store
            .add_deadline_alerts(&warning("passed", at(3, 13)))
            .await
            .unwrap(),
        1
    );
    let mine = store.deadline_alerts_for(handler.id, 10).await.unwrap();
    let kinds: Vec<&str> = mine.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["passed", "approaching"]);
    assert_eq!(mine[0].due_at, due);
    // A round with nobody to warn is a round all the same: not offered again.
    let far_due = at(20, 0);
    let offered = store
        .reports_to_warn(at(20, 1), at(21, 1), 10)
        .await
        .unwrap();
    assert_eq!(offered.len(), 1, "the far one, passed");
    assert_eq!(offered[0].subject.report, receipts[1].report);
    assert_eq!(
        store
            .add_deadline_alerts(&DeadlineWarning {
                report: receipts[1].report,
                kind: "passed",
                due_at: far_due,
                staff: Vec::new(),
                at: at(20, 1),
            })
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .reports_to_warn(at(20, 2), at(21, 1), 10)
            .await
            .unwrap()
            .is_empty()
    );
}
