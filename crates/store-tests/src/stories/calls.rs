//! Calls and callbacks.

use crate::fixtures::{at, audited, report, setup_units};
use hotline_domain::{Channel, Role, UnitCode};
use hotline_store::{NewStaff, Store, StoreError};
use std::sync::Arc;

pub async fn a_call_is_recorded_once_and_a_missed_one_waits_for_its_callback(
    store: Arc<dyn Store>,
) {
    use hotline_domain::platform::AccountName;
    use hotline_store::{NewCall, NewChannelAccount};
    setup_units(store.as_ref()).await;
    let staff = store
        .create_staff(
            &NewStaff {
                username: "qn.truc".into(),
                display_name: "Trực ban".into(),
                password_hash: "$argon2id$fake".into(),
                role: Role::DutyOfficer,
                unit: UnitCode::province(22),
                created_at: at(1, 8),
                must_change_password: false,
            },
            audited(),
        )
        .await
        .unwrap()
        .id;
    let account = store
        .add_channel_account(
            &NewChannelAccount {
                platform: Channel::Phone,
                name: AccountName::parse("qn-pbx").unwrap(),
                unit: UnitCode::province(22),
                secrets_sealed: b"sealed".to_vec(),
                api_base: String::new(),
                at: at(1, 8),
            },
            audited(),
        )
        .await
        .unwrap();
    let receipt = store
        .intake(&[report(UnitCode::province(22), "QN", at(2, 0), "cuộc gọi")])
        .await
        .unwrap()
        .remove(0);
    let call = |id: &str| NewCall {
        account_id: account,
        call_id: id.into(),
        inbound: true,
        caller_index: Some(b"phone-a".to_vec()),
        report: Some(receipt.report),
        at: at(2, 1),
    };
    assert!(store.start_call(&call("answered")).await.unwrap());
    assert!(!store.start_call(&call("answered")).await.unwrap(), "once");
    assert!(store.start_call(&call("missed")).await.unwrap());
    assert_eq!(store.live_calls(at(2, 0)).await.unwrap().len(), 2);
    store
        .answer_call(account, "answered", (at(2, 2), Some("nam.hv")))
        .await
        .unwrap();
    store
        .answer_call(account, "answered", (at(2, 3), Some("someone else")))
        .await
        .unwrap();
    store
        .end_call(
            account,
            "answered",
            (at(2, 4), Some("normalClearing"), false),
        )
        .await
        .unwrap();
    store
        .end_call(account, "missed", (at(2, 5), Some("noAnswer"), true))
        .await
        .unwrap();
    let answered = store.call(account, "answered").await.unwrap().unwrap();
    assert_eq!(
        answered.answered_by.as_deref(),
        Some("nam.hv"),
        "the first answer"
    );
    assert_eq!(answered.case_number, Some(receipt.case_number.clone()));
    assert_eq!(answered.callback, "none");
    assert!(store.live_calls(at(2, 0)).await.unwrap().is_empty());
    let waiting = store.waiting_callbacks(10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    let missed = waiting[0].id;
    store
        .record_callback(missed, ("no_answer", false), staff, audited())
        .await
        .unwrap();
    assert_eq!(
        store.waiting_callbacks(10).await.unwrap()[0].callback_attempts,
        1
    );
    store
        .record_callback(missed, ("reached", true), staff, audited())
        .await
        .unwrap();
    assert!(store.waiting_callbacks(10).await.unwrap().is_empty());
    assert!(matches!(
        store
            .record_callback(missed, ("reached", true), staff, audited())
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.call_by_id(missed).await.unwrap().callback, "done");
}
