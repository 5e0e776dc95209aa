//! What the stories share: a fixed clock, units, a handler, a report, an audit entry.

use chrono::{DateTime, TimeZone, Utc};
use hotline_domain::{Channel, Gazetteer, Role, UnitCode, UnitKind, Urgency};
use hotline_store::{Audited, KeyBinding, NewAuditEntry, NewReport, NewStaff, NewUnit, Store};

pub(crate) fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
}

/// The audit entry the contract's actions append; the chain's own story checks the hashes.
pub(crate) static CONTRACT_ENTRY: std::sync::LazyLock<NewAuditEntry> =
    std::sync::LazyLock::new(|| NewAuditEntry {
        at: at(1, 0),
        actor: None,
        action: "contract.action".into(),
        subject: String::new(),
        detail: String::new(),
    });

pub(crate) fn seal_by_number(_entry: &NewAuditEntry, seq: i64, _previous: &[u8]) -> Vec<u8> {
    seq.to_be_bytes().to_vec()
}

pub(crate) fn audited() -> Audited<'static> {
    Audited::one(&CONTRACT_ENTRY, &seal_by_number)
}

/// A handler of Quảng Ninh's provincial police (units from `setup_units`).
pub(crate) async fn handler_of_quang_ninh(store: &dyn Store) -> hotline_store::StaffMember {
    member(store, "qn.handler", Role::Handler, UnitCode::province(22)).await
}

/// A member of `unit` with `role`, named `username`.
pub(crate) async fn member(
    store: &dyn Store,
    username: &str,
    role: Role,
    unit: UnitCode,
) -> hotline_store::StaffMember {
    store
        .create_staff(
            &NewStaff {
                username: username.into(),
                display_name: username.into(),
                password_hash: "$argon2id$fake".into(),
                role,
                unit,
                created_at: at(1, 8),
                must_change_password: false,
            },
            audited(),
        )
        .await
        .unwrap()
}

pub(crate) fn binding(key_id: &str) -> KeyBinding {
    KeyBinding {
        check: format!("check-of-{key_id}").into_bytes(),
        key_id: key_id.into(),
        index_key: format!("index-key-under-{key_id}").into_bytes(),
    }
}

pub(crate) async fn setup_units(store: &dyn Store) {
    store
        .bind_master_key(&binding("key-1"), at(1, 0))
        .await
        .unwrap();
    store
        .seed_places(&Gazetteer::embedded().unwrap())
        .await
        .unwrap();
    for unit in [
        NewUnit {
            code: UnitCode::ministry(),
            name: "Bộ Công an".into(),
            kind: UnitKind::Ministry,
            parent: None,
            province_code: None,
            commune_code: None,
            case_prefix: "BCA".into(),
        },
        NewUnit {
            code: UnitCode::province(22),
            name: "Công an tỉnh Quảng Ninh".into(),
            kind: UnitKind::ProvincialPolice,
            parent: Some(UnitCode::ministry()),
            province_code: Some(22),
            commune_code: None,
            case_prefix: "QN".into(),
        },
        NewUnit {
            code: UnitCode::province(42),
            name: "Công an tỉnh Hà Tĩnh".into(),
            kind: UnitKind::ProvincialPolice,
            parent: Some(UnitCode::ministry()),
            province_code: Some(42),
            commune_code: None,
            case_prefix: "HT".into(),
        },
    ] {
        store.ensure_unit(&unit).await.unwrap();
    }
    let commune = Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .clone();
    store
        .ensure_unit(&NewUnit {
            code: UnitCode::commune(22, commune.code),
            name: format!("Công an {}", commune.name),
            kind: UnitKind::CommunePolice,
            parent: Some(UnitCode::province(22)),
            province_code: Some(22),
            commune_code: Some(commune.code),
            case_prefix: "QN".into(),
        })
        .await
        .unwrap();
}

pub(crate) fn first_commune_of_22() -> u32 {
    Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .code
}

pub(crate) fn report(unit: UnitCode, prefix: &str, when: DateTime<Utc>, text: &str) -> NewReport {
    NewReport {
        channel: Channel::Api,
        account: String::new(),
        platform_message_id: None,
        received_at: when,
        sent_at: None,
        unit,
        case_prefix: prefix.into(),
        case_year: 2026,
        follow_up_digest: format!("digest-of-{text}-{}", when.timestamp_micros()),
        wrapped_key: b"wrapped data key".to_vec(),
        key_id: "key-1".into(),
        // The store keeps sealed bytes as given; the contract checks they come back intact.
        text_sealed: format!("sealed:{text}").into_bytes(),
        summary_sealed: format!("sealed-summary:{text}").into_bytes(),
        province_code: None,
        commune_code: None,
        address_sealed: None,
        word_index: Vec::new(),
        attachments: Vec::new(),
        occurred_at: None,
        protection_requested: false,
        contact: None,
        anonymous: true,
        urgency: Urgency::Normal,
        deadline: None,
        entered_by: None,
        source: hotline_domain::receipt::ReceiptSource::Person,
        route: "place".into(),
        sender_index: None,
        reply_sealed: None,
    }
}
