//! The breach register: breaches, who was told, closing; each within its unit's subtree.

use crate::fixtures::{at, audited, member, setup_units};
use hotline_domain::breach::BreachRecipient;
use hotline_domain::{Role, UnitCode};
use hotline_store::{BreachClosing, NewBreach, NewBreachNotice, Store, StoreError};
use std::sync::Arc;

pub async fn a_breach_is_kept_with_who_was_told_and_closed_once(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let admin = member(
        store.as_ref(),
        "qn.quantri",
        Role::Administrator,
        UnitCode::province(22),
    )
    .await
    .id;
    let breach = |unit: UnitCode, hour| NewBreach {
        unit,
        description: "Tệp sao lưu bị sao chép ra ngoài".into(),
        data_kinds: "nội dung tin báo".into(),
        affected: Some(40),
        occurred_at: None,
        detected_at: at(3, hour),
        by: admin,
        at: at(3, hour),
    };
    let ours = store
        .record_breach(&breach(UnitCode::province(22), 8), audited())
        .await
        .unwrap();
    let theirs = store
        .record_breach(&breach(UnitCode::province(42), 9), audited())
        .await
        .unwrap();
    let listed = store.breaches_under("/bca/22/", 10).await.unwrap();
    assert_eq!(listed.len(), 1, "only the unit's own and those below");
    assert_eq!((listed[0].id, listed[0].affected), (ours, Some(40)));
    assert!(matches!(
        store.breach("/bca/22/", theirs).await,
        Err(StoreError::NotFound)
    ));

    let notice = |recipient, hour| NewBreachNotice {
        recipient,
        told_at: at(4, hour),
        reference: "Công văn 15/CAT-PV01".into(),
        late_reason: None,
        by: admin,
        at: at(4, hour),
    };
    store
        .record_breach_notice(
            "/bca/22/",
            ours,
            &notice(BreachRecipient::Leadership, 9),
            audited(),
        )
        .await
        .unwrap();
    store
        .record_breach_notice(
            "/bca/22/",
            ours,
            &notice(BreachRecipient::Authority, 8),
            audited(),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .record_breach_notice(
                "/bca/22/",
                theirs,
                &notice(BreachRecipient::Authority, 8),
                audited()
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let kept = store.breach("/bca/", ours).await.unwrap();
    let told: Vec<_> = kept.notices.iter().map(|n| n.recipient).collect();
    assert_eq!(
        told,
        [BreachRecipient::Authority, BreachRecipient::Leadership],
        "in the order they were told"
    );
    assert_eq!(kept.authority_told_at(), Some(at(4, 8)));
    assert_eq!(kept.recorded_by, "qn.quantri");

    let closing = BreachClosing {
        remedies: "Đổi khóa, khôi phục từ bản sạch".into(),
        by: admin,
        at: at(5, 8),
    };
    store
        .close_breach("/bca/22/", ours, &closing, audited())
        .await
        .unwrap();
    assert!(matches!(
        store
            .close_breach("/bca/22/", ours, &closing, audited())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .record_breach_notice(
                "/bca/22/",
                ours,
                &notice(BreachRecipient::Other, 10),
                audited()
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    let all = store.breaches_under("/bca/", 10).await.unwrap();
    assert_eq!(
        all.iter().map(|b| b.id).collect::<Vec<_>>(),
        [theirs, ours],
        "the open ones first"
    );
    assert_eq!(all[1].closed_at, Some(at(5, 8)));
}
