//! Four-eyes reveals.

use crate::fixtures::{at, audited, report, setup_units};
use hotline_domain::{ReportId, Role, UnitCode};
use hotline_store::{NewStaff, Store, UnsealedReason};
use std::sync::Arc;

pub async fn a_reveal_request_is_approved_by_another_and_opens_one_reveal(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let qn = UnitCode::province(22);
    let receipt = store
        .intake(&[report(qn.clone(), "QN", at(2, 0), "tố cáo cán bộ")])
        .await
        .unwrap()
        .remove(0);
    let member = |username: &str, display_name: &str| NewStaff {
        username: username.into(),
        display_name: display_name.into(),
        password_hash: "x".into(),
        role: Role::Director,
        unit: qn.clone(),
        created_at: at(1, 0),
        must_change_password: false,
    };
    let asker = store
        .create_staff(&member("qn.a", "Trần A"), audited())
        .await
        .unwrap();
    let other = store
        .create_staff(&member("qn.b", ""), audited())
        .await
        .unwrap();

    let id = store
        .request_reveal(
            receipt.report,
            asker.id,
            "item:7:0",
            "xác minh nhân chứng",
            at(3, 0),
            audited(),
        )
        .await
        .unwrap();
    let again = store
        .request_reveal(
            receipt.report,
            asker.id,
            "item:7:0",
            "lần nữa",
            at(3, 1),
            audited(),
        )
        .await
        .unwrap();
    assert_eq!(id, again, "one waiting request per person and target");
    let identity = store
        .request_reveal(
            receipt.report,
            asker.id,
            "identity",
            "gọi lại người báo",
            at(3, 1),
            audited(),
        )
        .await
        .unwrap();
    assert_ne!(identity, id, "another target is another request");
    let open = store.open_reveal_requests(receipt.report).await.unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(open[0].target, "item:7:0");
    assert_eq!(open[0].requester, "Trần A");
    assert_eq!(open[0].reason, "xác minh nhân chứng");
    assert_eq!(open[0].approved_by, None);

    assert!(
        store
            .take_approved_reveal(receipt.report, asker.id, "item:7:0", at(1, 0), at(3, 2))
            .await
            .unwrap()
            .is_none(),
        "nothing to take before approval"
    );
    assert!(
        !store
            .approve_reveal(id, receipt.report, asker.id, at(3, 3), audited())
            .await
            .unwrap(),
        "no one approves their own request"
    );
    assert!(
        !store
            .approve_reveal(
                id,
                ReportId(receipt.report.0 + 1),
                other.id,
                at(3, 3),
                audited()
            )
            .await
            .unwrap(),
        "nor through another report"
    );
    assert!(
        store
            .approve_reveal(id, receipt.report, other.id, at(3, 4), audited())
            .await
            .unwrap()
    );
    assert!(
        !store
            .approve_reveal(id, receipt.report, other.id, at(3, 5), audited())
            .await
            .unwrap()
    );
    assert!(
        store
            .take_approved_reveal(receipt.report, asker.id, "identity", at(3, 0), at(3, 6))
            .await
            .unwrap()
            .is_none(),
        "an approval opens only the target it names"
    );
    assert!(
        store
            .take_approved_reveal(receipt.report, asker.id, "item:7:0", at(3, 5), at(3, 6))
            .await
            .unwrap()
            .is_none(),
        "an approval older than the window does not count"
    );
    let taken = store
        .take_approved_reveal(receipt.report, asker.id, "item:7:0", at(3, 0), at(3, 6))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.id, id);
    assert_eq!(taken.approved_by, Some(other.id));
    assert!(
        store
            .take_approved_reveal(receipt.report, asker.id, "item:7:0", at(3, 0), at(3, 7))
            .await
            .unwrap()
            .is_none(),
        "one approval, one reveal"
    );
    let open = store.open_reveal_requests(receipt.report).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, identity, "the other target still waits");
}

pub async fn reasons_in_clear_are_listed_and_sealed_once(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let qn = UnitCode::province(22);
    let receipt = store
        .intake(&[report(qn.clone(), "QN", at(2, 0), "tố cáo cán bộ")])
        .await
        .unwrap()
        .remove(0);
    let asker = store
        .create_staff(
            &NewStaff {
                username: "qn.a".into(),
                display_name: String::new(),
                password_hash: "x".into(),
                role: Role::Director,
                unit: qn.clone(),
                created_at: at(1, 0),
                must_change_password: false,
            },
            audited(),
        )
        .await
        .unwrap();
    let request = |target: &'static str, reason: &'static str| {
        let store = store.clone();
        async move {
            store
                .request_reveal(
                    receipt.report,
                    asker.id,
                    target,
                    reason,
                    at(3, 0),
                    audited(),
                )
                .await
                .unwrap()
        }
    };
    let clear = request("identity", "gọi lại người báo").await;
    request("item:7:0", "sealed:AAAA").await;

    let unsealed = store
        .unsealed_reveal_reasons("sealed:", 0, 10)
        .await
        .unwrap();
    assert_eq!(
        unsealed,
        [UnsealedReason {
            id: clear,
            case: "QN-2026-000001".to_owned(),
            reason: "gọi lại người báo".to_owned()
        }]
    );
    assert!(
        store
            .unsealed_reveal_reasons("sealed:", clear, 10)
            .await
            .unwrap()
            .is_empty(),
        "read onwards from the one given"
    );
    assert!(
        !store
            .seal_reveal_reason(clear, "another reason", "sealed:BBBB")
            .await
            .unwrap(),
        "only the reason it read"
    );
    assert!(
        store
            .seal_reveal_reason(clear, "gọi lại người báo", "sealed:BBBB")
            .await
            .unwrap()
    );
    assert!(
        !store
            .seal_reveal_reason(clear, "gọi lại người báo", "sealed:CCCC")
            .await
            .unwrap(),
        "once"
    );
    assert!(
        store
            .unsealed_reveal_reasons("sealed:", 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let open = store.open_reveal_requests(receipt.report).await.unwrap();
    assert_eq!(open[0].reason, "sealed:BBBB");
}
