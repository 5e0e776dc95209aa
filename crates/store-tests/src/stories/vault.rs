//! The master key's binding and rotation.

use crate::fixtures::{at, binding, report, setup_units};
use hotline_domain::{ReportId, UnitCode};
use hotline_store::{NewReport, Store, StoreError, Visibility, WrappedKey};
use std::sync::Arc;

pub async fn a_store_stays_bound_to_its_first_master_key(store: Arc<dyn Store>) {
    assert_eq!(store.key_binding().await.unwrap(), None);
    let first = store
        .bind_master_key(&binding("key-1"), at(10, 0))
        .await
        .unwrap();
    assert_eq!(first, binding("key-1"));
    let second = store
        .bind_master_key(&binding("key-2"), at(10, 1))
        .await
        .unwrap();
    assert_eq!(second, binding("key-1"), "the first binding stays");
    assert_eq!(store.key_binding().await.unwrap(), Some(binding("key-1")));
}

pub async fn a_rotation_moves_the_binding_and_rewraps_every_data_key(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let qn = UnitCode::province(22);
    let batch: Vec<_> = (0..5)
        .map(|i| report(qn.clone(), "QN", at(5, i), &format!("r{i}")))
        .collect();
    store.intake(&batch).await.unwrap();

    assert!(
        !store
            .rebind_master_key("key-9", &binding("key-2"))
            .await
            .unwrap(),
        "only the current key can be moved from"
    );
    assert!(
        store
            .rebind_master_key("key-1", &binding("key-2"))
            .await
            .unwrap()
    );
    assert_eq!(store.key_binding().await.unwrap(), Some(binding("key-2")));

    // Reports wrapped under the old key are refused whole, and take no number.
    let stale = report(qn.clone(), "QN", at(6, 0), "stale");
    assert!(matches!(
        store.intake(std::slice::from_ref(&stale)).await,
        Err(StoreError::KeyChanged)
    ));
    assert_eq!(store.count_reports().await.unwrap(), 5);
    let current = NewReport {
        key_id: "key-2".into(),
        wrapped_key: b"wrapped under key-2".to_vec(),
        ..stale
    };
    let r = store.intake(&[current]).await.unwrap();
    assert_eq!(r[0].case_number.as_str(), "QN-2026-000006");

    // Pages of what is left to re-wrap, in id order; each replacement is compare-and-set.
    let first_page = store.keys_to_rewrap("key-2", ReportId(0), 3).await.unwrap();
    assert_eq!(first_page.len(), 3);
    assert!(
        first_page
            .iter()
            .all(|k| k.key_id.as_deref() == Some("key-1"))
    );
    let rest = store
        .keys_to_rewrap("key-2", first_page[2].report, 3)
        .await
        .unwrap();
    assert_eq!(rest.len(), 2);
    let pairs: Vec<_> = first_page
        .iter()
        .chain(&rest)
        .map(|old| {
            let new = WrappedKey {
                report: old.report,
                key_id: Some("key-2".into()),
                wrapped: format!("re-wrapped {}", old.report.0).into_bytes(),
            };
            (old.clone(), new)
        })
        .collect();
    assert_eq!(store.rewrap_keys(&pairs).await.unwrap(), 5);
    assert_eq!(
        store.rewrap_keys(&pairs).await.unwrap(),
        0,
        "a key that changed since it was read is left alone"
    );
    assert!(
        store
            .keys_to_rewrap("key-2", ReportId(0), 100)
            .await
            .unwrap()
            .is_empty()
    );
    let visible = Visibility::Subtree(String::new());
    for summary in store.list_reports(&visible, 100).await.unwrap() {
        assert_eq!(summary.key_id.as_deref(), Some("key-2"));
    }
}
