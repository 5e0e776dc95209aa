//! The public directory.

use crate::fixtures::{at, setup_units};
use hotline_domain::UnitCode;
use hotline_store::{Store, StoreError};
use std::sync::Arc;

pub async fn the_directory_keeps_positions_contacts_and_a_revision_per_province(
    store: Arc<dyn Store>,
) {
    use chrono::NaiveDate;
    use hotline_domain::directory::{ContactAddress, ContactKind};
    use hotline_store::{
        DirectoryChange, DirectoryImport, NewDirectoryContact, NewDirectoryPosition,
    };
    setup_units(store.as_ref()).await;
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let position = |key: &str, unit: u32| NewDirectoryPosition {
        person_key: key.into(),
        full_name: "Nguyễn Văn Minh".into(),
        rank: Some("Đại tá".into()),
        unit: UnitCode::province(unit),
        title: "Giám đốc".into(),
        started_on: day(1),
        ended_on: None,
        sort: 0,
    };
    let contact = |position: Option<i64>, phone: &str| NewDirectoryContact {
        unit: UnitCode::province(22),
        position,
        label: None,
        address: ContactAddress::parse(ContactKind::Phone, phone).unwrap(),
        public: true,
        hours: None,
        verified_on: Some(day(2)),
        channel_account: None,
        sort: 0,
    };
    let director = store
        .change_directory(
            22,
            &DirectoryChange::AddPosition(position("p-1", 22)),
            at(3, 8),
        )
        .await
        .unwrap();
    let phone = store
        .change_directory(
            22,
            &DirectoryChange::AddContact(contact(Some(director), "0912 000 101")),
            at(3, 9),
        )
        .await
        .unwrap();
    store
        .change_directory(
            22,
            &DirectoryChange::AddContact(contact(None, "(0203) 3835 113")),
            at(3, 10),
        )
        .await
        .unwrap();
    let rows = store.directory(Some(22)).await.unwrap();
    assert_eq!(rows.people.len(), 1);
    assert_eq!(rows.positions.len(), 1);
    assert_eq!(rows.contacts.len(), 2);
    let state = rows.provinces.first().unwrap();
    assert_eq!((state.revision, state.updated_at), (3, Some(at(3, 10))));
    let stored = rows.contacts.iter().find(|c| c.id == phone).unwrap();
    assert_eq!(stored.address.address, "+84912000101");
    assert_eq!(
        (stored.position_id, stored.verified_on),
        (Some(director), Some(day(2)))
    );

    // Another province's rows are not reachable through this one.
    for change in [
        DirectoryChange::RemoveContact { id: phone },
        DirectoryChange::EndPosition {
            id: director,
            last_day: day(20),
        },
        DirectoryChange::AddContact(contact(Some(director), "0912 000 102")),
    ] {
        assert!(
            matches!(
                store.change_directory(42, &change, at(4, 0)).await,
                Err(StoreError::NotFound)
            ),
            "{change:?}"
        );
    }
    assert_eq!(store.directory(Some(22)).await.unwrap().contacts.len(), 2);

    // The director moves: the position ends, the same person takes one in Hà Tĩnh.
    store
        .change_directory(
            22,
            &DirectoryChange::EndPosition {
                id: director,
                last_day: day(20),
            },
            at(5, 0),
        )
        .await
        .unwrap();
    store
        .change_directory(
            42,
            &DirectoryChange::AddPosition(position("p-1", 42)),
            at(5, 1),
        )
        .await
        .unwrap();
    let all = store.directory(None).await.unwrap();
    assert_eq!(all.people.len(), 1, "one person, two positions");
    assert_eq!(all.positions.len(), 2);
    let ended = all.positions.iter().find(|p| p.province == 22).unwrap();
    assert_eq!(ended.ended_on, Some(day(20)));
    assert!(ended.held_on(day(20)) && !ended.held_on(day(21)));

    store
        .change_directory(
            22,
            &DirectoryChange::MarkVerified {
                id: phone,
                day: day(25),
            },
            at(6, 0),
        )
        .await
        .unwrap();
    store
        .change_directory(
            22,
            &DirectoryChange::SetFrameOrigins(vec!["https://congan.quangninh.gov.vn".into()]),
            at(6, 1),
        )
        .await
        .unwrap();
    let rows = store.directory(Some(22)).await.unwrap();
    let state = rows.provinces.first().unwrap();
    assert_eq!(state.frame_origins, ["https://congan.quangninh.gov.vn"]);
    assert_eq!(state.revision, 6);

    // An import replaces the province's rows; people are matched by key; the other province
    // is untouched.
    let import = DirectoryImport {
        positions: vec![position("p-2", 22), position("p-1", 22)],
        contacts: vec![
            contact(Some(1), "0912 000 103"),
            contact(None, "0912 000 104"),
        ],
        frame_origins: Vec::new(),
    };
    store
        .replace_directory(&[(22, import)], at(7, 0))
        .await
        .unwrap();
    let rows = store.directory(Some(22)).await.unwrap();
    assert_eq!(rows.positions.len(), 2);
    assert_eq!(rows.contacts.len(), 2);
    let held_by_p1 = rows
        .positions
        .iter()
        .find(|p| {
            rows.people
                .iter()
                .any(|x| x.id == p.person_id && x.key == "p-1")
        })
        .unwrap();
    let moved = rows
        .contacts
        .iter()
        .find(|c| c.position_id.is_some())
        .unwrap();
    assert_eq!(
        moved.position_id,
        Some(held_by_p1.id),
        "indexes name the imported positions"
    );
    let state = rows.provinces.first().unwrap();
    assert_eq!((state.revision, state.frame_origins.len()), (7, 0));
    let all = store.directory(None).await.unwrap();
    assert_eq!(all.people.len(), 2);
    assert_eq!(all.positions.iter().filter(|p| p.province == 42).count(), 1);
    let bad = DirectoryImport {
        positions: Vec::new(),
        contacts: vec![contact(Some(5), "0912 000 105")],
        frame_origins: Vec::new(),
    };
    assert!(matches!(
        store.replace_directory(&[(22, bad)], at(8, 0)).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.directory(Some(22)).await.unwrap().contacts.len(),
        2,
        "rolled back"
    );
    let states = store.directory_states().await.unwrap();
    assert_eq!(states, store.directory(None).await.unwrap().provinces);
    assert_eq!(
        states
            .iter()
            .map(|s| (s.province, s.revision))
            .collect::<Vec<_>>(),
        [(22, 7), (42, 1)]
    );
}
