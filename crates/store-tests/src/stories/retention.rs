//! Purges and legal holds.

use crate::fixtures::{at, audited, report, setup_units};
use hotline_domain::{ReportId, ReportStatus, Role, UnitCode};
use hotline_store::{NewContact, NewStaff, PurgeRule, Store, StoreError, Visibility};
use std::sync::Arc;

pub async fn a_purge_removes_what_its_rule_selects_and_spares_held_reports(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let qn = UnitCode::province(22);
    let mut batch: Vec<_> = (0..4)
        .map(|i| report(qn.clone(), "QN", at(2, i), &format!("cũ {i}")))
        .collect();
    batch[0].contact = Some(NewContact {
        sealed: b"sealed identity".to_vec(),
        phone_index: None,
    });
    batch.push(report(qn.clone(), "QN", at(20, 0), "mới"));
    let receipts = store.intake(&batch).await.unwrap();
    let everything = Visibility::Subtree(String::new());
    let first = store
        .report(&everything, &receipts[0].case_number)
        .await
        .unwrap();
    let contact = first.contact.unwrap();
    assert!(!first.legal_hold);

    // A hold is set through the holder's visibility only.
    let held = &receipts[1].case_number;
    let elsewhere = Visibility::Unit(UnitCode::province(42));
    assert!(matches!(
        store
            .set_legal_hold(
                &elsewhere,
                held,
                true,
                hotline_domain::StaffId(1),
                at(3, 0),
                audited()
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let staff = store
        .create_staff(
            &NewStaff {
                username: "qn.leader".into(),
                display_name: String::new(),
                password_hash: "x".into(),
                role: Role::UnitLeader,
                unit: qn.clone(),
                created_at: at(1, 0),
                must_change_password: false,
            },
            audited(),
        )
        .await
        .unwrap();
    store
        .set_legal_hold(
            &Visibility::Unit(qn.clone()),
            held,
            true,
            staff.id,
            at(3, 0),
            audited(),
        )
        .await
        .unwrap();
    assert!(store.report(&everything, held).await.unwrap().legal_hold);

    let rule = PurgeRule {
        legal_type: None,
        status: Some(ReportStatus::Received),
        changed_before: at(10, 0),
    };
    assert_eq!(store.retention_counts(&rule).await.unwrap(), (3, 1));
    let other_type = PurgeRule {
        legal_type: Some("non_actionable".into()),
        ..rule.clone()
    };
    assert_eq!(store.retention_counts(&other_type).await.unwrap(), (0, 0));
    let candidates = store
        .purge_candidates(&rule, ReportId(0), 100)
        .await
        .unwrap();
    assert_eq!(
        candidates,
        [receipts[0].report, receipts[2].report, receipts[3].report]
    );
    assert!(
        !store.purge_report(receipts[1].report, &rule).await.unwrap(),
        "a held report is never purged"
    );
    assert!(
        !store.purge_report(receipts[4].report, &rule).await.unwrap(),
        "nor one the rule does not select"
    );
    for id in &candidates {
        assert!(store.purge_report(*id, &rule).await.unwrap());
        assert!(!store.purge_report(*id, &rule).await.unwrap());
        assert!(store.messages(*id).await.unwrap().is_empty());
        assert!(store.events(*id).await.unwrap().is_empty());
    }
    store.compact().await.unwrap();
    assert!(matches!(
        store.report(&everything, &receipts[0].case_number).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.sealed_contact(contact).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.count_reports().await.unwrap(), 2);
    let kept = store.report(&everything, held).await.unwrap();
    assert_eq!(store.messages(kept.summary.id).await.unwrap().len(), 1);
    let history: Vec<_> = store
        .events(kept.summary.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.what.kind_str().to_owned())
        .collect();
    assert_eq!(history, ["report.received", "report.legal_hold"]);
    // The unit's register keeps a line for each report, purged ones without their report.
    let book = store.register(&everything, &qn, 2026, 0, 10).await.unwrap();
    assert_eq!(
        book.iter().map(|e| e.number).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(
        book.iter().filter(|e| e.case_number.is_none()).count(),
        3,
        "three purged"
    );
    assert!(
        book.iter().all(|e| e.readable == e.case_number.is_some()),
        "a purged line is nobody's to read"
    );

    // Released, it is selected again.
    store
        .set_legal_hold(&everything, held, false, staff.id, at(4, 0), audited())
        .await
        .unwrap();
    assert_eq!(store.retention_counts(&rule).await.unwrap(), (1, 0));
}
