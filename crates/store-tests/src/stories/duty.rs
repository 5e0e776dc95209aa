//! The duty roster.

use crate::fixtures::{at, audited, first_commune_of_22, setup_units};
use hotline_domain::{Role, StaffId, UnitCode};
use hotline_store::{NewStaff, Store, StoreError};
use std::sync::Arc;

pub async fn a_duty_roster_is_kept_per_unit_and_read_for_a_subtree(store: Arc<dyn Store>) {
    use chrono::{NaiveDate, NaiveTime};
    use hotline_domain::roster::Weekdays;
    use hotline_store::{NewDutyPattern, NewDutyShift};
    setup_units(store.as_ref()).await;
    let officer = |username: &str, unit: UnitCode| NewStaff {
        username: username.into(),
        display_name: username.into(),
        password_hash: "$argon2id$fake".into(),
        role: Role::DutyOfficer,
        unit,
        created_at: at(1, 8),
        must_change_password: false,
    };
    let qn = store
        .create_staff(&officer("qn.duty", UnitCode::province(22)), audited())
        .await
        .unwrap();
    let commune = UnitCode::commune(22, first_commune_of_22());
    let xa = store
        .create_staff(&officer("xa.duty", commune.clone()), audited())
        .await
        .unwrap();
    let ht = store
        .create_staff(&officer("ht.duty", UnitCode::province(42)), audited())
        .await
        .unwrap();
    let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let pattern = |unit: &UnitCode, staff: StaffId| NewDutyPattern {
        unit: unit.clone(),
        staff,
        weekdays: Weekdays::of(&[1, 3, 5]).unwrap(),
        starts: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
        minutes: 720,
        from: day(2),
        until: None,
        by: qn.id,
        at: at(1, 9),
    };
    let night = store
        .add_duty_pattern(&pattern(&UnitCode::province(22), qn.id), audited())
        .await
        .unwrap();
    store
        .add_duty_pattern(&pattern(&commune, xa.id), audited())
        .await
        .unwrap();
    store
        .add_duty_pattern(&pattern(&UnitCode::province(42), ht.id), audited())
        .await
        .unwrap();
    store
        .cancel_duty_occurrence(&UnitCode::province(22), night, day(4), qn.id, audited())
        .await
        .unwrap();
    // Twice is once; another unit's pattern is not found.
    store
        .cancel_duty_occurrence(&UnitCode::province(22), night, day(4), qn.id, audited())
        .await
        .unwrap();
    assert!(matches!(
        store
            .cancel_duty_occurrence(&UnitCode::province(42), night, day(6), qn.id, audited())
            .await,
        Err(StoreError::NotFound)
    ));
    let shift = store
        .add_duty_shift(
            &NewDutyShift {
                unit: UnitCode::province(22),
                staff: qn.id,
                starts_at: at(4, 13),
                ends_at: at(4, 19),
                by: qn.id,
                at: at(1, 11),
            },
            audited(),
        )
        .await
        .unwrap();
    let rosters = store.rosters_under("/bca/22/", at(1, 0)).await.unwrap();
    let units: Vec<&str> = rosters.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(
        units.len(),
        2,
        "the province and its commune, not Hà Tĩnh: {units:?}"
    );
    assert!(units.contains(&"22") && units.contains(&commune.as_str()));
    let (_, province) = rosters
        .iter()
        .find(|(u, _)| *u == UnitCode::province(22))
        .unwrap();
    assert_eq!(province.patterns.len(), 1);
    let p = &province.patterns[0];
    assert_eq!((p.id, p.staff, p.minutes), (night, qn.id, 720));
    assert_eq!(p.weekdays.numbers(), [1, 3, 5]);
    assert_eq!(p.starts, NaiveTime::from_hms_opt(20, 0, 0).unwrap());
    assert_eq!(p.cancelled, [day(4)]);
    assert_eq!(province.shifts.len(), 1);
    assert_eq!(province.shifts[0].id, Some(shift));
    assert_eq!(province.shifts[0].starts_at, at(4, 13));
    // Shifts that ended before `since` are left out; a pattern ends, a shift goes.
    let later = store.rosters_under("/bca/22/", at(5, 0)).await.unwrap();
    assert!(later.iter().all(|(_, r)| r.shifts.is_empty()));
    store
        .end_duty_pattern(&UnitCode::province(22), night, day(10), audited())
        .await
        .unwrap();
    assert!(matches!(
        store
            .end_duty_pattern(&commune, night, day(10), audited())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_duty_shift(&commune, shift, audited()).await,
        Err(StoreError::NotFound)
    ));
    store
        .delete_duty_shift(&UnitCode::province(22), shift, audited())
        .await
        .unwrap();
    let rosters = store.rosters_under("/bca/22/", at(1, 0)).await.unwrap();
    let (_, province) = rosters
        .iter()
        .find(|(u, _)| *u == UnitCode::province(22))
        .unwrap();
    assert_eq!(province.patterns[0].until, Some(day(10)));
    assert!(province.shifts.is_empty());
}
