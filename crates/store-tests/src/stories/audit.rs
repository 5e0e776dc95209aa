//! The audit chain, and actions committed with their records.

use crate::fixtures::{
    CONTRACT_ENTRY, at, audited, handler_of_quang_ninh, report, seal_by_number, setup_units,
};
use chrono::Duration;
use hotline_domain::{Role, UnitCode};
use hotline_store::{
    Audited, CREATED_ID, NewApiToken, NewAuditEntry, NewDutyPattern, NewSession, NewStaff, Store,
    StoreError, Visibility,
};
use std::sync::Arc;

/// A stand-in for the chain hash: the sequence number followed by the start of the previous
/// hash, so the test can see which entry each one was linked to.
pub(crate) fn test_seal(_entry: &NewAuditEntry, seq: i64, previous: &[u8]) -> Vec<u8> {
    let mut hash = seq.to_be_bytes().to_vec();
    hash.extend(previous.iter().take(8));
    hash
}

pub async fn audit_entries_link_in_order_even_when_appended_concurrently(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    assert!(store.audit_entries(0, 10).await.unwrap().is_empty());
    assert_eq!(
        store.audit_keyed_from().await.unwrap(),
        1,
        "a store made keyed is keyed from its first entry"
    );
    let tasks: Vec<_> = (0..6)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..5 {
                    let entry = NewAuditEntry {
                        at: at(9, 0) + Duration::seconds(t * 10 + i),
                        actor: None,
                        action: ["report.opened", "identity.revealed", "text.item_revealed"]
                            [(i % 3) as usize]
                            .into(),
                        subject: format!("QN-2026-{:06}", t * 10 + i),
                        detail: String::new(),
                    };
                    let record = store
                        .append_audit(Audited::one(&entry, &test_seal))
                        .await
                        .unwrap();
                    assert_eq!(record.subject, entry.subject);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let entries = store.audit_entries(0, 100).await.unwrap();
    assert_eq!(entries.len(), 30);
    let reveals = store
        .audit_by_action(&["identity.", "text.item_"], 100)
        .await
        .unwrap();
    assert_eq!(reveals.len(), 18, "two of every three kinds");
    assert!(
        reveals.windows(2).all(|w| w[0].seq > w[1].seq),
        "newest first"
    );
    assert!(reveals.iter().all(|e| e.action != "report.opened"));
    assert_eq!(
        store
            .audit_by_action(&["identity."], 4)
            .await
            .unwrap()
            .len(),
        4
    );
    assert!(store.audit_by_action(&[], 4).await.unwrap().is_empty());
    let mut previous = vec![0u8; 32];
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1, "no gaps, in order");
        assert_eq!(
            e.hash,
            test_seal(&CONTRACT_ENTRY, e.seq, &previous),
            "entry {} links to the one before",
            e.seq
        );
        previous = e.hash.clone();
    }
    let page = store.audit_entries(10, 5).await.unwrap();
    assert_eq!(
        page.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [11, 12, 13, 14, 15]
    );
}

/// The sequence number of the chain's last entry.
pub(crate) async fn last_record(store: &dyn Store) -> i64 {
    store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .last()
        .map_or(0, |r| r.seq)
}

/// Runs `write` in a task of its own with an audit entry whose sealing panics, as if the
/// process died between an action's writes and its record; the task ends in that panic.
pub(crate) async fn dies_before_its_record<T, Written>(
    store: &Arc<dyn Store>,
    write: impl FnOnce(Arc<dyn Store>, Audited<'static>) -> Written,
) where
    T: std::fmt::Debug + Send + 'static,
    Written: std::future::Future<Output = hotline_store::StoreResult<T>> + Send + 'static,
{
    fn dies_while_sealing(_entry: &NewAuditEntry, _seq: i64, _previous: &[u8]) -> Vec<u8> {
        panic!("the process dies between the action and its audit record")
    }
    let dying = tokio::spawn(write(
        store.clone(),
        Audited::one(&CONTRACT_ENTRY, &dies_while_sealing),
    ))
    .await;
    assert!(dying.unwrap_err().is_panic());
}

/// An action and its audit record commit together: when the process dies between the
/// action's writes and its record (here the chain's seal panics), neither is kept; with its
/// record, both are.
pub async fn an_action_and_its_audit_record_commit_together(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let handler = handler_of_quang_ninh(store.as_ref()).await;
    let receipt = store
        .intake(&[report(UnitCode::province(22), "QN", at(2, 0), "audited")])
        .await
        .unwrap()
        .remove(0);
    let everywhere = Visibility::Subtree("/".into());
    let records_before = store.audit_entries(0, 100).await.unwrap().len();
    let events_before = store.events(receipt.report).await.unwrap().len();

    let (everywhere_owned, case) = (everywhere.clone(), receipt.case_number.clone());
    dies_before_its_record(&store, |store, audit| async move {
        store
            .assign_report(
                &everywhere_owned,
                &case,
                Some(handler.id),
                handler.id,
                at(2, 1),
                audit,
            )
            .await
    })
    .await;
    let detail = store
        .report(&everywhere, &receipt.case_number)
        .await
        .unwrap();
    assert_eq!(detail.assignee, None, "the action was not kept");
    assert_eq!(
        store.events(receipt.report).await.unwrap().len(),
        events_before
    );
    assert_eq!(
        store.audit_entries(0, 100).await.unwrap().len(),
        records_before,
        "nor its record"
    );

    store
        .assign_report(
            &everywhere,
            &receipt.case_number,
            Some(handler.id),
            handler.id,
            at(2, 2),
            audited(),
        )
        .await
        .unwrap();
    let detail = store
        .report(&everywhere, &receipt.case_number)
        .await
        .unwrap();
    assert_eq!(detail.assignee, Some(handler.id));
    let records = store.audit_entries(0, 100).await.unwrap();
    assert_eq!(records.len(), records_before + 1);
    assert_eq!(records.last().unwrap().action, "contract.action");

    // The same for the approval of a reveal: an approval without its record would let an
    // identity open on an approval nobody can account for.
    let asker = store
        .create_staff(
            &NewStaff {
                username: "qn.inspector".into(),
                display_name: "qn.inspector".into(),
                password_hash: "$argon2id$fake".into(),
                role: Role::Inspector,
                unit: UnitCode::province(22),
                created_at: at(1, 8),
                must_change_password: false,
            },
            audited(),
        )
        .await
        .unwrap();
    let (report_id, asker_id) = (receipt.report, asker.id);
    dies_before_its_record(&store, |store, audit| async move {
        store
            .request_reveal(
                report_id,
                asker_id,
                "identity",
                "to call back",
                at(2, 3),
                audit,
            )
            .await
    })
    .await;
    assert!(
        store
            .open_reveal_requests(receipt.report)
            .await
            .unwrap()
            .is_empty(),
        "no request to reveal without its record"
    );
    let request = store
        .request_reveal(
            receipt.report,
            asker.id,
            "item:1:0",
            "to call the witness back",
            at(2, 3),
            audited(),
        )
        .await
        .unwrap();
    let head = last_record(store.as_ref()).await;
    dies_before_its_record(&store, |store, audit| async move {
        store
            .approve_reveal(request, receipt.report, handler.id, at(2, 4), audit)
            .await
    })
    .await;
    let waiting = store.open_reveal_requests(receipt.report).await.unwrap();
    assert_eq!(waiting[0].approved_by, None, "the approval was not kept");
    assert_eq!(
        last_record(store.as_ref()).await,
        head,
        "nor its record, and the chain's head did not move"
    );
    assert!(
        store
            .approve_reveal(request, receipt.report, handler.id, at(2, 5), audited())
            .await
            .unwrap()
    );
    let waiting = store.open_reveal_requests(receipt.report).await.unwrap();
    assert_eq!(waiting[0].approved_by, Some(handler.id));
    assert_eq!(last_record(store.as_ref()).await, head + 1);
}

/// What gives or takes away access commits with its record, or not at all: a member created,
/// their sessions ended, their tokens revoked, their second factor reset.
pub async fn access_changes_commit_with_their_audit_records(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let new_member = || NewStaff {
        username: "qn.officer".into(),
        display_name: "qn.officer".into(),
        password_hash: "$argon2id$fake".into(),
        role: Role::Handler,
        unit: UnitCode::province(22),
        created_at: at(1, 8),
        must_change_password: false,
    };
    let head = last_record(store.as_ref()).await;
    dies_before_its_record(&store, |store, audit| async move {
        store.create_staff(&new_member(), audit).await
    })
    .await;
    assert!(
        matches!(
            store.staff_by_username("qn.officer").await,
            Err(StoreError::NotFound)
        ),
        "no member without the record of their creation"
    );
    assert_eq!(last_record(store.as_ref()).await, head);
    let member = store.create_staff(&new_member(), audited()).await.unwrap();
    assert_eq!(last_record(store.as_ref()).await, head + 1);

    store
        .create_session(&NewSession {
            digest: "live".into(),
            staff: member.id,
            created_at: at(1, 8),
            expires_at: at(1, 20),
            second_factor_pending: false,
            second_factor_passed: false,
        })
        .await
        .unwrap();
    store
        .create_api_token(
            &NewApiToken {
                digest: "token".into(),
                staff: member.id,
                label: "script".into(),
                created_at: at(1, 8),
            },
            audited(),
        )
        .await
        .unwrap();
    // Issuing the token and enrolling are recorded too: two more entries.
    store.set_pending_totp(member.id, b"secret").await.unwrap();
    store
        .activate_totp(member.id, b"secret", 100, &[], audited())
        .await
        .unwrap();
    let session_lives = || async {
        store
            .session_staff("live", at(1, 9), at(1, 8))
            .await
            .is_ok()
    };

    let id = member.id;
    dies_before_its_record(&store, |store, audit| async move {
        store.delete_sessions_of(id, audit).await
    })
    .await;
    assert!(session_lives().await, "sessions end only with their record");
    dies_before_its_record(&store, |store, audit| async move {
        store.revoke_api_tokens(id, at(1, 10), audit).await
    })
    .await;
    assert_eq!(store.api_token_staff("token").await.unwrap().id, id);
    dies_before_its_record(&store, |store, audit| async move {
        store.reset_second_factor(id, audit).await
    })
    .await;
    assert!(store.second_factor(id).await.unwrap().totp_sealed.is_some());
    assert_eq!(last_record(store.as_ref()).await, head + 3);

    store.delete_sessions_of(id, audited()).await.unwrap();
    assert!(!session_lives().await);
    store
        .revoke_api_tokens(id, at(1, 10), audited())
        .await
        .unwrap();
    assert!(store.api_token_staff("token").await.is_err());
    store.reset_second_factor(id, audited()).await.unwrap();
    assert!(store.second_factor(id).await.unwrap().totp_sealed.is_none());
    assert_eq!(last_record(store.as_ref()).await, head + 6);
}

/// A roster's change commits with its record, and the record names the row the change made.
pub async fn a_roster_change_commits_with_its_record_naming_what_it_made(store: Arc<dyn Store>) {
    use chrono::{NaiveDate, NaiveTime};
    use hotline_domain::roster::Weekdays;
    setup_units(store.as_ref()).await;
    let handler = handler_of_quang_ninh(store.as_ref()).await;
    let pattern = NewDutyPattern {
        unit: UnitCode::province(22),
        staff: handler.id,
        weekdays: Weekdays::of(&[1, 3, 5]).unwrap(),
        starts: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
        minutes: 720,
        from: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        until: None,
        by: handler.id,
        at: at(1, 9),
    };
    let rosters = async || {
        store
            .rosters_under("/", at(1, 0))
            .await
            .unwrap()
            .into_iter()
            .map(|(_, roster)| roster.patterns.len())
            .sum::<usize>()
    };
    let head = last_record(store.as_ref()).await;
    let dying = pattern.clone();
    dies_before_its_record(&store, |store, audit| async move {
        store.add_duty_pattern(&dying, audit).await
    })
    .await;
    assert_eq!(rosters().await, 0, "no pattern without its record");
    assert_eq!(last_record(store.as_ref()).await, head);

    let entry = NewAuditEntry {
        detail: format!("pattern={CREATED_ID} staff=qn.handler"),
        ..CONTRACT_ENTRY.clone()
    };
    let id = store
        .add_duty_pattern(&pattern, Audited::one(&entry, &seal_by_number))
        .await
        .unwrap();
    assert_eq!(rosters().await, 1);
    let records = store.audit_entries(head, 10).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].detail, format!("pattern={id} staff=qn.handler"));
}
