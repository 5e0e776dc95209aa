//! The routing table.

use crate::fixtures::{at, audited, setup_units};
use hotline_domain::{Role, Topic, UnitCode};
use hotline_store::{NewStaff, Store, StoreError};
use std::sync::Arc;

pub async fn the_routing_table_is_seeded_once_and_changed_rule_by_rule(store: Arc<dyn Store>) {
    use hotline_domain::routing::{
        DISTRICTS_ABOLISHED, FROM_THE_START, LegalScope, RoutingRule, RoutingTable, Target,
    };
    setup_units(store.as_ref()).await;
    let admin = store
        .create_staff(
            &NewStaff {
                username: "quan.tri".into(),
                display_name: "Quản trị".into(),
                password_hash: "$argon2id$fake".into(),
                role: Role::Administrator,
                unit: UnitCode::ministry(),
                created_at: at(1, 8),
                must_change_password: false,
            },
            audited(),
        )
        .await
        .unwrap();
    let defaults = RoutingTable::defaults();
    let seeded = store
        .seed_routing_rules(defaults.rules(), at(1, 8))
        .await
        .unwrap();
    assert_eq!(seeded, defaults.rules().len());
    assert_eq!(
        store
            .seed_routing_rules(defaults.rules(), at(1, 9))
            .await
            .unwrap(),
        0
    );
    let stored = store.routing_rules().await.unwrap();
    let mut read: Vec<RoutingRule> = stored.iter().map(|r| r.rule.clone()).collect();
    let mut written = defaults.rules().to_vec();
    let key = |r: &RoutingRule| format!("{:?}", r.key());
    read.sort_by_key(key);
    written.sort_by_key(key);
    assert_eq!(read, written, "every rule reads back as written");
    assert!(stored.iter().all(|r| r.changed_by.is_none()));

    // A province's own rule is added, then changed in place (same key), then removed.
    let mut mine = RoutingRule {
        effective_from: DISTRICTS_ABOLISHED,
        province: Some(22),
        scope: LegalScope::CrimeSource,
        topic: Some(Topic::Gambling),
        target: Target::Department("pc02".into()),
    };
    assert_eq!(
        store
            .put_routing_rule(&mine, admin.id, at(2, 8))
            .await
            .unwrap(),
        None
    );
    mine.target = Target::Unit(UnitCode::province(22));
    assert_eq!(
        store
            .put_routing_rule(&mine, admin.id, at(2, 9))
            .await
            .unwrap(),
        Some(Target::Department("pc02".into()))
    );
    // The same key without the province is a different rule; so is one without the topic.
    let national = RoutingRule {
        province: None,
        ..mine.clone()
    };
    assert_eq!(
        store
            .put_routing_rule(&national, admin.id, at(2, 9))
            .await
            .unwrap(),
        None
    );
    let stored = store.routing_rules().await.unwrap();
    assert_eq!(stored.len(), defaults.rules().len() + 2);
    let row = stored.iter().find(|r| r.rule == mine).unwrap();
    assert_eq!(row.changed_by, Some(admin.id));
    assert_eq!(row.changed_at, at(2, 9));
    assert_eq!(store.delete_routing_rule(row.id).await.unwrap(), mine);
    assert!(matches!(
        store.delete_routing_rule(row.id).await,
        Err(StoreError::NotFound)
    ));

    // A version is added whole, once; removing it removes its rules only.
    let next = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    let copy: Vec<RoutingRule> = defaults
        .rules()
        .iter()
        .filter(|r| r.effective_from == FROM_THE_START)
        .map(|r| RoutingRule {
            effective_from: next,
            target: match &r.target {
                Target::DistrictPolice => Target::ProvincialPolice,
                other => other.clone(),
            },
            ..r.clone()
        })
        .collect();
    store
        .add_routing_version(&copy, admin.id, at(3, 8))
        .await
        .unwrap();
    assert!(matches!(
        store.add_routing_version(&copy, admin.id, at(3, 9)).await,
        Err(StoreError::Conflict(_))
    ));
    let table = RoutingTable::new(
        store
            .routing_rules()
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.rule)
            .collect(),
    );
    assert_eq!(table.versions().last(), Some(&next));
    assert_eq!(
        store.delete_routing_version(next).await.unwrap(),
        copy.len()
    );
    assert_eq!(store.delete_routing_version(next).await.unwrap(), 0);
    assert_eq!(
        store.routing_rules().await.unwrap().len(),
        defaults.rules().len() + 1
    );
}
