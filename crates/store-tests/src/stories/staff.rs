//! Staff accounts, sessions, tokens and second factors.

use crate::fixtures::{at, audited, setup_units};
use hotline_domain::{Role, StaffId, UnitCode};
use hotline_store::{NewApiToken, NewSession, NewStaff, Store, StoreError};
use std::sync::Arc;

pub async fn staff_accounts_sessions_and_tokens(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let new = NewStaff {
        username: "truc.ban".into(),
        display_name: "Cán bộ trực ban".into(),
        password_hash: "$argon2id$fake".into(),
        role: Role::DutyOfficer,
        unit: UnitCode::province(22),
        created_at: at(1, 8),
        must_change_password: false,
    };
    let member = store.create_staff(&new, audited()).await.unwrap();
    assert_eq!(member.role, Role::DutyOfficer);
    assert_eq!(member.unit_path, "/bca/22/");
    assert_eq!(member.unit_name, "Công an tỉnh Quảng Ninh");
    assert!(matches!(
        store.create_staff(&new, audited()).await,
        Err(StoreError::Conflict(what)) if what == "username"
    ));
    let login = store.staff_by_username("truc.ban").await.unwrap();
    assert_eq!(login.password_hash, "$argon2id$fake");
    assert!(matches!(
        store.staff_by_username("nobody").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.count_staff().await.unwrap(), 1);

    store
        .create_session(&NewSession {
            digest: "s1".into(),
            staff: member.id,
            created_at: at(1, 8),
            expires_at: at(1, 20),
            second_factor_pending: false,
            second_factor_passed: false,
        })
        .await
        .unwrap();
    let live = store.session_staff("s1", at(1, 9), at(1, 8)).await.unwrap();
    assert_eq!(live.member.id, member.id);
    assert!(!live.second_factor_pending);
    assert!(
        store
            .session_staff("s1", at(1, 21), at(1, 20))
            .await
            .is_err(),
        "expired"
    );
    assert!(
        store
            .session_staff("s1", at(1, 11), at(1, 10))
            .await
            .is_err(),
        "idle since 9:00, the last use"
    );
    assert!(
        store.session_staff("s1", at(1, 10), at(1, 9)).await.is_ok(),
        "used at 9:00, so alive until the idle limit"
    );
    assert!(store.session_staff("s2", at(1, 9), at(1, 8)).await.is_err());
    store.delete_session("s1").await.unwrap();
    assert!(
        store.session_staff("s1", at(1, 9), at(1, 8)).await.is_err(),
        "signed out"
    );

    store
        .create_api_token(
            &NewApiToken {
                digest: "t1".into(),
                staff: member.id,
                label: "script".into(),
                created_at: at(1, 8),
            },
            audited(),
        )
        .await
        .unwrap();
    assert_eq!(store.api_token_staff("t1").await.unwrap().id, member.id);
    assert!(store.api_token_staff("t2").await.is_err());

    // A change of role, unit or status ends the member's sessions and revokes their tokens in
    // its own transaction: what they may do is decided again when they sign in again.
    let session = |digest: &str| NewSession {
        digest: digest.into(),
        staff: member.id,
        created_at: at(1, 8),
        expires_at: at(1, 20),
        second_factor_pending: false,
        second_factor_passed: false,
    };
    store.create_session(&session("s3")).await.unwrap();
    store
        .update_staff(
            member.id,
            Role::Handler,
            &UnitCode::province(42),
            false,
            audited(),
        )
        .await
        .unwrap();
    assert!(store.api_token_staff("t1").await.is_err(), "revoked");
    assert!(store.session_staff("s3", at(1, 9), at(1, 8)).await.is_err());
    let moved = store.staff(member.id).await.unwrap();
    assert_eq!(
        (moved.role, moved.unit, moved.disabled),
        (Role::Handler, UnitCode::province(42), false)
    );
    store
        .create_api_token(
            &NewApiToken {
                digest: "t3".into(),
                staff: member.id,
                label: "script".into(),
                created_at: at(1, 9),
            },
            audited(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.api_token_staff("t3").await.unwrap().role,
        Role::Handler
    );
    store.create_session(&session("s4")).await.unwrap();
    store
        .update_staff(
            member.id,
            Role::Handler,
            &UnitCode::province(42),
            true,
            audited(),
        )
        .await
        .unwrap();
    assert!(store.api_token_staff("t3").await.is_err(), "disabled");
    assert!(store.session_staff("s4", at(1, 9), at(1, 8)).await.is_err());
    store
        .update_staff(
            member.id,
            Role::Handler,
            &UnitCode::province(42),
            false,
            audited(),
        )
        .await
        .unwrap();
    assert!(
        store.api_token_staff("t3").await.is_err(),
        "enabled again, the old token stays revoked"
    );
    store
        .revoke_api_tokens(member.id, at(1, 10), audited())
        .await
        .unwrap();
    assert!(matches!(
        store
            .update_staff(
                StaffId(999_999),
                Role::Handler,
                &UnitCode::province(42),
                false,
                audited()
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let everyone = store.staff_under("/").await.unwrap();
    assert_eq!(everyone.len(), 1);
    assert!(
        store.staff_under("/bca/22/").await.unwrap().is_empty(),
        "moved away"
    );
}

pub async fn a_second_factor_is_enrolled_taken_once_and_reset(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let member = store
        .create_staff(
            &NewStaff {
                username: "lanh.dao".into(),
                display_name: "Lãnh đạo".into(),
                password_hash: "$argon2id$fake".into(),
                role: Role::Director,
                unit: UnitCode::province(22),
                created_at: at(1, 8),
                must_change_password: false,
            },
            audited(),
        )
        .await
        .unwrap();
    let session = |digest: &str, pending: bool| NewSession {
        digest: digest.into(),
        staff: member.id,
        created_at: at(1, 8),
        expires_at: at(1, 20),
        second_factor_pending: pending,
        second_factor_passed: !pending,
    };
    store.create_session(&session("p1", true)).await.unwrap();
    let waiting = store.session_staff("p1", at(1, 9), at(1, 8)).await.unwrap();
    assert!(waiting.second_factor_pending && !waiting.second_factor_passed);
    store.create_session(&session("c1", false)).await.unwrap();
    let complete = store.session_staff("c1", at(1, 9), at(1, 8)).await.unwrap();
    assert!(!complete.second_factor_pending && complete.second_factor_passed);
    assert!(
        store
            .second_factor(member.id)
            .await
            .unwrap()
            .totp_sealed
            .is_none()
    );

    store.set_pending_totp(member.id, b"first").await.unwrap();
    store.set_pending_totp(member.id, b"second").await.unwrap();
    let recovery = vec!["r1".to_owned(), "r2".to_owned()];
    assert!(
        matches!(
            store
                .activate_totp(member.id, b"first", 100, &recovery, audited())
                .await,
            Err(StoreError::Conflict(_))
        ),
        "only the secret still offered is activated"
    );
    store
        .activate_totp(member.id, b"second", 100, &recovery, audited())
        .await
        .unwrap();
    let factor = store.second_factor(member.id).await.unwrap();
    assert_eq!(factor.totp_sealed.as_deref(), Some(&b"second"[..]));
    assert_eq!(factor.totp_pending_sealed, None);
    assert_eq!(factor.totp_last_step, Some(100));

    assert!(
        !store.take_totp_step(member.id, 100).await.unwrap(),
        "taken at enrolment"
    );
    assert!(store.take_totp_step(member.id, 101).await.unwrap());
    assert!(
        !store.take_totp_step(member.id, 101).await.unwrap(),
        "a code is good once"
    );
    assert!(
        !store.take_totp_step(member.id, 100).await.unwrap(),
        "nor an older one"
    );
    assert!(
        store
            .take_recovery_code(member.id, "r1", at(1, 9))
            .await
            .unwrap()
    );
    assert!(
        !store
            .take_recovery_code(member.id, "r1", at(1, 9))
            .await
            .unwrap()
    );
    assert!(
        !store
            .take_recovery_code(member.id, "r9", at(1, 9))
            .await
            .unwrap()
    );

    store.create_session(&session("s1", false)).await.unwrap();
    store
        .delete_sessions_of(member.id, audited())
        .await
        .unwrap();
    for digest in ["p1", "s1"] {
        assert!(
            store
                .session_staff(digest, at(1, 9), at(1, 8))
                .await
                .is_err()
        );
    }
    store.create_session(&session("s2", false)).await.unwrap();
    store
        .reset_second_factor(member.id, audited())
        .await
        .unwrap();
    let factor = store.second_factor(member.id).await.unwrap();
    assert!(factor.totp_sealed.is_none() && factor.totp_last_step.is_none());
    assert!(
        !store
            .take_recovery_code(member.id, "r2", at(1, 9))
            .await
            .unwrap()
    );
    assert!(
        store.session_staff("s2", at(1, 9), at(1, 8)).await.is_err(),
        "a reset ends the member's sessions"
    );
}
