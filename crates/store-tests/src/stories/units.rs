//! Places and the tree of units.

use crate::fixtures::{audited, first_commune_of_22, setup_units};
use hotline_domain::{Gazetteer, UnitCode, UnitKind};
use hotline_store::{NewUnit, Store, StoreError};
use std::sync::Arc;

pub async fn places_are_seeded_once(store: Arc<dyn Store>) {
    let places = Gazetteer::embedded().unwrap();
    assert_eq!(store.seed_places(&places).await.unwrap(), 34 + 3321);
    assert_eq!(store.seed_places(&places).await.unwrap(), 0);
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
}

pub async fn units_form_a_tree(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let qn = store.unit(&UnitCode::province(22)).await.unwrap();
    assert_eq!(qn.path, "/bca/22/");
    assert_eq!(qn.kind, UnitKind::ProvincialPolice);
    let commune = store
        .unit(&UnitCode::commune(22, first_commune_of_22()))
        .await
        .unwrap();
    assert!(commune.path.starts_with(&qn.path));
    assert_eq!(commune.parent, Some(UnitCode::province(22)));
    // Ensuring again changes nothing.
    let again = store
        .ensure_unit(&NewUnit {
            code: UnitCode::province(22),
            name: "renamed".into(),
            kind: UnitKind::ProvincialPolice,
            parent: Some(UnitCode::ministry()),
            province_code: Some(22),
            commune_code: None,
            case_prefix: "QN".into(),
        })
        .await
        .unwrap();
    assert_eq!(again.name, "Công an tỉnh Quảng Ninh");
    let orphan = store
        .ensure_unit(&NewUnit {
            code: "99-x".parse().unwrap(),
            name: "x".into(),
            kind: UnitKind::Department,
            parent: Some("nowhere".parse().unwrap()),
            province_code: None,
            commune_code: None,
            case_prefix: "XX".into(),
        })
        .await;
    assert!(matches!(orphan, Err(StoreError::NotFound)), "{orphan:?}");
    assert_eq!(store.list_units().await.unwrap().len(), 4);
    assert!(matches!(
        store.unit(&"77".parse().unwrap()).await,
        Err(StoreError::NotFound)
    ));

    // Creating insists on a new code; renaming keeps the place in the tree.
    let department = NewUnit {
        code: "22-pc02".parse().unwrap(),
        name: "Phòng Cảnh sát hình sự".into(),
        kind: UnitKind::Department,
        parent: Some(UnitCode::province(22)),
        province_code: Some(22),
        commune_code: None,
        case_prefix: "QN".into(),
    };
    let created = store.create_unit(&department, audited()).await.unwrap();
    assert!(
        created
            .path
            .starts_with(&store.unit(&UnitCode::province(22)).await.unwrap().path)
    );
    assert!(matches!(
        store.create_unit(&department, audited()).await,
        Err(StoreError::Conflict(_))
    ));
    store
        .rename_unit(&department.code, "Phòng PC02", audited())
        .await
        .unwrap();
    let renamed = store.unit(&department.code).await.unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.path),
        ("Phòng PC02", created.path)
    );
    assert!(matches!(
        store
            .rename_unit(&"77".parse().unwrap(), "x", audited())
            .await,
        Err(StoreError::NotFound)
    ));
}
