//! One contract suite for every store backend. A backend's test module calls
//! `contract_tests!(fresh)` with an async `fresh()` that returns `Some((guard, store))` on an
//! empty, migrated database (or `None` when the backend's server is not configured); each story
//! then runs as its own test, and the guard's [`Cleanup::release`] runs after it.

// Test code: a failed expectation is the test's failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use hotline_domain::deadline::DeadlineRule;
use hotline_domain::workflow::{Action, NoticeKind, Recipient, Stage};
use hotline_domain::{
    CaseNumber, Channel, Delivery, Direction, Gazetteer, LegalType, MessageId, ReportId,
    ReportStatus, Role, StaffId, Topic, UnitCode, UnitKind, Urgency,
};
use hotline_store::{
    AssigneeFilter, Audited, ConductMark, Due, FacetCount, KeyBinding, NewApiToken, NewAttachment,
    NewAuditEntry, NewContact, NewMessage, NewNote, NewNotice, NewReport, NewSession, NewStaff,
    NewStep, NewUnit, NoticeSent, ProcedureState, PurgeRule, ReportCursor, ReportFilter,
    ReportOrder, ReportSummary, Store, StoreError, Triage, Visibility, WrappedKey,
};
use std::collections::HashSet;
use std::sync::Arc;

#[macro_export]
macro_rules! contract_tests {
    ($fresh:path) => {
        $crate::contract_tests!(@each $fresh,
            places_are_seeded_once,
            units_form_a_tree,
            staff_accounts_sessions_and_tokens,
            a_second_factor_is_enrolled_taken_once_and_reset,
            intake_numbers_reports_without_gaps,
            a_large_batch_writes_each_report_whole_under_its_own_number,
            redelivered_platform_messages_are_not_doubled,
            visibility_narrows_reads,
            an_inbox_filters_orders_pages_and_counts,
            a_report_about_police_conduct_is_hidden_from_the_accused_unit_and_below,
            lists_are_newest_first_and_limited,
            concurrent_intake_never_repeats_a_number,
            audit_entries_link_in_order_even_when_appended_concurrently,
            a_store_stays_bound_to_its_first_master_key,
            a_rotation_moves_the_binding_and_rewraps_every_data_key,
            a_purge_removes_what_its_rule_selects_and_spares_held_reports,
            a_reveal_request_is_approved_by_another_and_opens_one_reveal,
            search_finds_reports_holding_every_word_and_the_same_phone,
            queued_words_reach_the_index_and_no_search_misses_them,
            the_reporter_finds_the_report_by_digest_and_the_conversation_grows,
            evidence_is_kept_sealed_with_its_report,
            triage_notes_and_merges_are_recorded_within_visibility,
            a_procedure_step_moves_the_report_once_and_is_recorded,
            an_action_and_its_audit_record_commit_together,
            the_routing_table_is_seeded_once_and_changed_rule_by_rule,
            a_duty_roster_is_kept_per_unit_and_read_for_a_subtree,
            an_alert_chain_moves_once_per_level_and_stops_when_acknowledged,
            a_time_limit_is_warned_of_once_per_kind_and_limit,
            alerts_queue_notifications_that_are_sent_once_and_kept_with_their_attempts,
            channel_accounts_and_their_journal_take_each_delivery_and_message_once,
            taking_deliveries_apart_commits_messages_and_outcomes_together,
            messages_to_one_recipient_leave_in_the_order_they_were_written,
            an_account_keeps_its_cursor_with_what_it_fetched_and_its_rotated_secrets,
            a_contact_shared_later_joins_its_report,
            a_call_is_recorded_once_and_a_missed_one_waits_for_its_callback,
            the_directory_keeps_positions_contacts_and_a_revision_per_province,
        );
    };
    (@each $fresh:path, $($story:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $story() {
                let Some((guard, store)) = $fresh().await else {
                    return;
                };
                $crate::$story(std::sync::Arc::new(store)).await;
                $crate::Cleanup::release(guard).await;
            }
        )+
    };
}

/// What a backend's test database needs once a story is over.
pub trait Cleanup {
    /// Closes connections and removes the test's data. Async, so that it never blocks the
    /// runtime that its own connections need to shut down.
    fn release(self) -> impl std::future::Future<Output = ()>;
}

/// A temporary folder removes itself when dropped.
impl Cleanup for tempfile::TempDir {
    async fn release(self) {}
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
}

/// The audit entry the contract's actions append; the chain's own story checks the hashes.
static CONTRACT_ENTRY: std::sync::LazyLock<NewAuditEntry> =
    std::sync::LazyLock::new(|| NewAuditEntry {
        at: at(1, 0),
        actor: None,
        action: "contract.action".into(),
        subject: String::new(),
        detail: String::new(),
    });

fn seal_by_number(seq: i64, _previous: &[u8]) -> Vec<u8> {
    seq.to_be_bytes().to_vec()
}

fn audited() -> Audited<'static> {
    Audited {
        entry: &CONTRACT_ENTRY,
        seal: &seal_by_number,
    }
}

/// A handler of Quảng Ninh's provincial police (units from `setup_units`).
async fn handler_of_quang_ninh(store: &dyn Store) -> hotline_store::StaffMember {
    store
        .create_staff(&NewStaff {
            username: "qn.handler".into(),
            display_name: "qn.handler".into(),
            password_hash: "$argon2id$fake".into(),
            role: Role::Handler,
            unit: UnitCode::province(22),
            created_at: at(1, 8),
        })
        .await
        .unwrap()
}

fn binding(key_id: &str) -> KeyBinding {
    KeyBinding {
        check: format!("check-of-{key_id}").into_bytes(),
        key_id: key_id.into(),
        index_key: format!("index-key-under-{key_id}").into_bytes(),
    }
}

async fn setup_units(store: &dyn Store) {
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

fn first_commune_of_22() -> u32 {
    Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .code
}

fn report(unit: UnitCode, prefix: &str, when: DateTime<Utc>, text: &str) -> NewReport {
    NewReport {
        channel: Channel::Api,
        account: String::new(),
        platform_message_id: None,
        received_at: when,
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
        route: "place".into(),
        sender_index: None,
        reply_sealed: None,
    }
}

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
    let created = store.create_unit(&department).await.unwrap();
    assert!(
        created
            .path
            .starts_with(&store.unit(&UnitCode::province(22)).await.unwrap().path)
    );
    assert!(matches!(
        store.create_unit(&department).await,
        Err(StoreError::Conflict(_))
    ));
    store
        .rename_unit(&department.code, "Phòng PC02")
        .await
        .unwrap();
    let renamed = store.unit(&department.code).await.unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.path),
        ("Phòng PC02", created.path)
    );
    assert!(matches!(
        store.rename_unit(&"77".parse().unwrap(), "x").await,
        Err(StoreError::NotFound)
    ));
}

pub async fn staff_accounts_sessions_and_tokens(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let new = NewStaff {
        username: "truc.ban".into(),
        display_name: "Cán bộ trực ban".into(),
        password_hash: "$argon2id$fake".into(),
        role: Role::DutyOfficer,
        unit: UnitCode::province(22),
        created_at: at(1, 8),
    };
    let member = store.create_staff(&new).await.unwrap();
    assert_eq!(member.role, Role::DutyOfficer);
    assert_eq!(member.unit_path, "/bca/22/");
    assert_eq!(member.unit_name, "Công an tỉnh Quảng Ninh");
    assert!(matches!(
        store.create_staff(&new).await,
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
        .create_api_token(&NewApiToken {
            digest: "t1".into(),
            staff: member.id,
            label: "script".into(),
            created_at: at(1, 8),
        })
        .await
        .unwrap();
    assert_eq!(store.api_token_staff("t1").await.unwrap().id, member.id);
    assert!(store.api_token_staff("t2").await.is_err());

    // An administrator's changes take effect at once, on sessions and tokens too.
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
    let moved = store.api_token_staff("t1").await.unwrap();
    assert_eq!(
        (moved.role, moved.unit),
        (Role::Handler, UnitCode::province(42))
    );
    store
        .create_session(&NewSession {
            digest: "s3".into(),
            staff: member.id,
            created_at: at(1, 8),
            expires_at: at(1, 20),
            second_factor_pending: false,
        })
        .await
        .unwrap();
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
    assert!(store.api_token_staff("t1").await.is_err(), "disabled");
    assert!(store.session_staff("s3", at(1, 9), at(1, 8)).await.is_err());
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
    store.revoke_api_tokens(member.id, at(1, 10)).await.unwrap();
    assert!(store.api_token_staff("t1").await.is_err(), "revoked");
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
        .create_staff(&NewStaff {
            username: "lanh.dao".into(),
            display_name: "Lãnh đạo".into(),
            password_hash: "$argon2id$fake".into(),
            role: Role::Director,
            unit: UnitCode::province(22),
            created_at: at(1, 8),
        })
        .await
        .unwrap();
    let session = |digest: &str, pending: bool| NewSession {
        digest: digest.into(),
        staff: member.id,
        created_at: at(1, 8),
        expires_at: at(1, 20),
        second_factor_pending: pending,
    };
    store.create_session(&session("p1", true)).await.unwrap();
    assert!(
        store
            .session_staff("p1", at(1, 9), at(1, 8))
            .await
            .unwrap()
            .second_factor_pending
    );
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
                .activate_totp(member.id, b"first", 100, &recovery)
                .await,
            Err(StoreError::Conflict(_))
        ),
        "only the secret still offered is activated"
    );
    store
        .activate_totp(member.id, b"second", 100, &recovery)
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
    store.delete_sessions_of(member.id).await.unwrap();
    for digest in ["p1", "s1"] {
        assert!(
            store
                .session_staff(digest, at(1, 9), at(1, 8))
                .await
                .is_err()
        );
    }
    store.create_session(&session("s2", false)).await.unwrap();
    store.reset_second_factor(member.id).await.unwrap();
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

pub async fn intake_numbers_reports_without_gaps(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let mut with_contact = report(UnitCode::province(22), "QN", at(2, 1), "có người bị đánh");
    with_contact.contact = Some(NewContact {
        sealed: b"sealed identity".to_vec(),
        phone_index: Some(b"phone index".to_vec()),
    });
    with_contact.anonymous = false;
    with_contact.occurred_at = Some(at(3, 22));
    with_contact.protection_requested = true;
    with_contact.province_code = Some(22);
    with_contact.commune_code = Some(first_commune_of_22());
    let batch = vec![
        report(UnitCode::province(22), "QN", at(2, 0), "một"),
        with_contact,
        report(UnitCode::province(42), "HT", at(2, 2), "ba"),
        report(UnitCode::province(22), "QN", at(2, 3), "bốn"),
    ];
    let receipts = store.intake(&batch).await.unwrap();
    let numbers: Vec<&str> = receipts.iter().map(|r| r.case_number.as_str()).collect();
    assert_eq!(
        numbers,
        [
            "QN-2026-000001",
            "QN-2026-000002",
            "HT-2026-000001",
            "QN-2026-000003"
        ]
    );
    assert!(receipts.iter().all(|r| !r.duplicate));
    let mut next_year = report(UnitCode::province(22), "QN", at(3, 0), "năm sau");
    next_year.case_year = 2027;
    let r = store.intake(&[next_year]).await.unwrap();
    assert_eq!(r[0].case_number.as_str(), "QN-2027-000001");

    let all = Visibility::Subtree("/".into());
    let detail = store
        .report(&all, &CaseNumber::parse("QN-2026-000002").unwrap())
        .await
        .unwrap();
    assert_eq!(detail.summary.status, ReportStatus::Received);
    assert_eq!(detail.summary.channel, Channel::Api);
    assert_eq!(detail.summary.province_code, Some(22));
    assert_eq!(
        store
            .sealed_contact(detail.contact.unwrap())
            .await
            .unwrap()
            .as_deref(),
        Some(&b"sealed identity"[..])
    );
    assert!(!detail.summary.anonymous);
    let messages = store.messages(detail.summary.id).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].sealed_body.as_deref(),
        Some("sealed:có người bị đánh".as_bytes())
    );
    assert_eq!(messages[0].body, "", "no plaintext is stored");
    assert_eq!(
        detail.summary.wrapped_key.as_deref(),
        Some(&b"wrapped data key"[..])
    );
    assert_eq!(detail.summary.key_id.as_deref(), Some("key-1"));
    assert!(detail.protection_requested);
    assert_eq!(detail.occurred_at, Some(at(3, 22)));
    assert_eq!(messages[0].direction, Direction::Inbound);
    let events = store.events(detail.summary.id).await.unwrap();
    assert_eq!(events[0].kind, "report.received");
    assert_eq!(store.count_reports().await.unwrap(), 5);

    // A batch that fails (unknown unit) writes nothing, and takes no number.
    let bad = vec![
        report(UnitCode::province(22), "QN", at(4, 0), "ok"),
        report("nowhere".parse().unwrap(), "QN", at(4, 0), "bad"),
    ];
    assert!(store.intake(&bad).await.is_err());
    assert_eq!(store.count_reports().await.unwrap(), 5);
    let r = store
        .intake(&[report(UnitCode::province(22), "QN", at(4, 1), "sau lỗi")])
        .await
        .unwrap();
    assert_eq!(r[0].case_number.as_str(), "QN-2026-000004");
}

/// A batch larger than one statement's rows, of two units and prefixes, some with a contact,
/// one with a file: the rows written together come back each to its own report.
pub async fn a_large_batch_writes_each_report_whole_under_its_own_number(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let count = 600;
    let unit_of = |i: usize| {
        if i.is_multiple_of(3) {
            (UnitCode::province(42), "HT")
        } else {
            (UnitCode::province(22), "QN")
        }
    };
    let batch: Vec<NewReport> = (0..count)
        .map(|i| {
            let (unit, prefix) = unit_of(i);
            let mut r = report(unit, prefix, at(2, 0), &format!("tin số {i}"));
            r.word_index = vec![
                format!("digest-of-own-{i}").into_bytes(),
                b"digest-of-shared".to_vec(),
            ];
            if i.is_multiple_of(7) {
                r.contact = Some(NewContact {
                    sealed: format!("identity {i}").into_bytes(),
                    phone_index: Some(format!("phone {i}").into_bytes()),
                });
                r.anonymous = false;
            }
            if i == 301 {
                r.attachments = vec![NewAttachment {
                    file_name: "evidence-1.jpg".into(),
                    content_type: "image/jpeg".into(),
                    size_bytes: 3,
                    sha256: "00".repeat(32),
                    original_sha256: "11".repeat(32),
                    metadata_removed: true,
                    content_sealed: b"jpg".to_vec(),
                }];
            }
            r
        })
        .collect();
    let receipts = store.intake(&batch).await.unwrap();
    assert_eq!(receipts.len(), count);
    let (mut qn, mut ht) = (0, 0);
    let all = Visibility::Subtree("/".into());
    for (i, receipt) in receipts.iter().enumerate() {
        let expected = if i.is_multiple_of(3) {
            ht += 1;
            CaseNumber::new("HT", 2026, ht)
        } else {
            qn += 1;
            CaseNumber::new("QN", 2026, qn)
        };
        assert_eq!(
            receipt.case_number, expected,
            "report {i} numbered in batch order"
        );
        assert!(!receipt.duplicate);
        let detail = store.report(&all, &receipt.case_number).await.unwrap();
        assert_eq!(detail.summary.id, receipt.report);
        assert_eq!(detail.summary.unit, unit_of(i).0);
        let messages = store.messages(receipt.report).await.unwrap();
        assert_eq!(messages.len(), 1, "report {i} has its first message");
        assert_eq!(
            messages[0].sealed_body.as_deref(),
            Some(format!("sealed:tin số {i}").as_bytes()),
            "report {i} has its own text"
        );
        let contact = match detail.contact {
            Some(id) => store.sealed_contact(id).await.unwrap(),
            None => None,
        };
        assert_eq!(
            contact,
            (i.is_multiple_of(7)).then(|| format!("identity {i}").into_bytes()),
            "report {i} has its own contact"
        );
        let files = store.attachments(receipt.report).await.unwrap();
        assert_eq!(files.len(), usize::from(i == 301), "report {i}'s files");
        let events = store.events(receipt.report).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        if i == 301 {
            assert_eq!(kinds, ["attachment.received", "report.received"]);
        } else {
            assert_eq!(kinds, ["report.received"], "report {i}'s event");
        }
        let found = store
            .search_reports(&all, &[format!("digest-of-own-{i}").into_bytes()], 5)
            .await
            .unwrap();
        assert_eq!(
            found.iter().map(|r| r.id).collect::<Vec<_>>(),
            [receipt.report],
            "report {i}'s own word finds it alone"
        );
    }
    let shared = store
        .search_reports(&all, &[b"digest-of-shared".to_vec()], 1000)
        .await
        .unwrap();
    assert_eq!(shared.len(), count);
    // Each unit's register numbers its lines in batch order, each line its report.
    for (unit, prefix, lines) in [
        (UnitCode::province(22), "QN", qn),
        (UnitCode::province(42), "HT", ht),
    ] {
        let register = store.register(&all, &unit, 2026, 0, 1000).await.unwrap();
        assert_eq!(
            register.iter().map(|e| e.number).collect::<Vec<_>>(),
            (1..=lines).collect::<Vec<_>>()
        );
        for entry in register {
            assert_eq!(
                entry.case_number,
                Some(CaseNumber::new(prefix, 2026, entry.number)),
                "the register's line {} is its report's",
                entry.number
            );
        }
    }
}

pub async fn redelivered_platform_messages_are_not_doubled(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let mut first = report(UnitCode::province(22), "QN", at(5, 0), "tin zalo");
    first.channel = Channel::Zalo;
    first.account = "oa-quang-ninh".into();
    first.platform_message_id = Some("msg-1".into());
    let a = store.intake(std::slice::from_ref(&first)).await.unwrap();
    let mut again = first.clone();
    again.follow_up_digest = "another".into();
    let b = store.intake(&[again.clone(), again]).await.unwrap();
    assert!(!a[0].duplicate);
    assert!(
        b.iter()
            .all(|r| r.duplicate && r.case_number == a[0].case_number)
    );
    // The same id on another account is another message.
    let mut other = first.clone();
    other.account = "oa-ha-tinh".into();
    other.follow_up_digest = "third".into();
    let c = store.intake(&[other]).await.unwrap();
    assert!(!c[0].duplicate);
    assert_eq!(store.count_reports().await.unwrap(), 2);
    // Redeliveries take no number: a new report between two of them gets the next one.
    let mut fresh = report(UnitCode::province(22), "QN", at(5, 1), "tin mới");
    fresh.follow_up_digest = "fourth".into();
    let mut redelivered = first.clone();
    redelivered.follow_up_digest = "fifth".into();
    let d = store
        .intake(&[redelivered.clone(), fresh, redelivered])
        .await
        .unwrap();
    assert!(d[0].duplicate && d[2].duplicate && !d[1].duplicate);
    assert_eq!(d[1].case_number.as_str(), "QN-2026-000003");
}

pub async fn visibility_narrows_reads(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let commune = UnitCode::commune(22, first_commune_of_22());
    store
        .intake(&[
            report(UnitCode::province(22), "QN", at(6, 0), "tỉnh"),
            report(commune.clone(), "QN", at(6, 1), "xã"),
            report(UnitCode::province(42), "HT", at(6, 2), "hà tĩnh"),
        ])
        .await
        .unwrap();
    let count = |v: Visibility| {
        let store = store.clone();
        async move { store.list_reports(&v, 100).await.unwrap().len() }
    };
    assert_eq!(count(Visibility::Subtree("/bca/".into())).await, 3);
    assert_eq!(count(Visibility::Subtree("/bca/22/".into())).await, 2);
    assert_eq!(count(Visibility::Unit(UnitCode::province(22))).await, 1);
    assert_eq!(count(Visibility::Unit(commune)).await, 1);
    assert_eq!(count(Visibility::Nothing).await, 0);
    let ht = CaseNumber::parse("HT-2026-000001").unwrap();
    assert!(matches!(
        store
            .report(&Visibility::Subtree("/bca/22/".into()), &ht)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.report(&Visibility::Nothing, &ht).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .report(&Visibility::Subtree("/bca/42/".into()), &ht)
            .await
            .is_ok()
    );
}

pub async fn a_report_about_police_conduct_is_hidden_from_the_accused_unit_and_below(
    store: Arc<dyn Store>,
) {
    setup_units(store.as_ref()).await;
    let commune = UnitCode::commune(22, first_commune_of_22());
    store
        .intake(&[
            report(commune.clone(), "QN", at(6, 0), "công an xã nhận tiền"),
            report(UnitCode::province(22), "QN", at(6, 1), "giám đốc tỉnh"),
        ])
        .await
        .unwrap();
    let about_commune = CaseNumber::parse("QN-2026-000001").unwrap();
    let about_director = CaseNumber::parse("QN-2026-000002").unwrap();
    let inspector = store
        .create_staff(&NewStaff {
            username: "thanh.tra".into(),
            display_name: "Thanh tra".into(),
            password_hash: "$argon2id$fake".into(),
            role: Role::Inspector,
            unit: UnitCode::province(22),
            created_at: at(1, 8),
        })
        .await
        .unwrap()
        .id;
    let everything = Visibility::Subtree("/bca/".into());
    let province = Visibility::Subtree("/bca/22/".into());
    let commune_tree = Visibility::Subtree(store.unit(&commune).await.unwrap().path);
    let commune_only = Visibility::Unit(commune.clone());
    for v in [&province, &commune_tree, &commune_only] {
        assert!(
            store.report(v, &about_commune).await.is_ok(),
            "not yet classified"
        );
    }
    store
        .mark_police_conduct(
            &commune_only,
            &about_commune,
            &ConductMark {
                accused_unit: commune.clone(),
                move_to: None,
                stage: Stage::InformationOnly,
                deadline: None,
                notices: Vec::new(),
            },
            inspector,
            at(6, 5),
        )
        .await
        .unwrap();
    let detail = store.report(&province, &about_commune).await.unwrap();
    assert_eq!(detail.summary.legal_type, Some(LegalType::PoliceConduct));
    assert_eq!(detail.accused_unit.as_ref(), Some(&commune));
    for v in [&commune_tree, &commune_only] {
        assert!(
            matches!(
                store.report(v, &about_commune).await,
                Err(StoreError::NotFound)
            ),
            "the accused unit cannot read it: {v:?}"
        );
        assert!(store.list_reports(v, 10).await.unwrap().is_empty());
    }
    assert!(
        matches!(
            store
                .mark_police_conduct(
                    &commune_only,
                    &about_commune,
                    &ConductMark {
                        accused_unit: commune.clone(),
                        move_to: None,
                        stage: Stage::InformationOnly,
                        deadline: None,
                        notices: Vec::new(),
                    },
                    inspector,
                    at(6, 6)
                )
                .await,
            Err(StoreError::NotFound)
        ),
        "nor touch it"
    );

    // The provincial director accused: only the ministry reads it.
    store
        .mark_police_conduct(
            &province,
            &about_director,
            &ConductMark {
                accused_unit: UnitCode::province(22),
                move_to: None,
                stage: Stage::InformationOnly,
                deadline: None,
                notices: Vec::new(),
            },
            inspector,
            at(6, 7),
        )
        .await
        .unwrap();
    assert!(matches!(
        store.report(&province, &about_director).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .report(&Visibility::Unit(UnitCode::province(22)), &about_director)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(store.report(&everything, &about_director).await.is_ok());
    let listed: Vec<_> = store
        .list_reports(&province, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.case_number)
        .collect();
    assert_eq!(
        listed,
        [about_commune],
        "the province still reads the one about a commune"
    );
}

pub async fn an_inbox_filters_orders_pages_and_counts(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let commune = UnitCode::commune(22, first_commune_of_22());
    let mut batch = Vec::new();
    for i in 0..9 {
        let unit = if i % 3 == 0 {
            commune.clone()
        } else {
            UnitCode::province(22)
        };
        let mut r = report(
            unit,
            "QN",
            at(8, 0) + Duration::minutes(i),
            &format!("r{i}"),
        );
        r.urgency = match i % 3 {
            0 => Urgency::Emergency,
            1 => Urgency::Normal,
            _ => Urgency::Urgent,
        };
        if i == 4 {
            r.channel = Channel::Web;
        }
        r.word_index = vec![format!("w{}", i % 2).into_bytes()];
        batch.push(r);
    }
    store.intake(&batch).await.unwrap();
    store
        .intake(&[report(UnitCode::province(42), "HT", at(8, 1), "elsewhere")])
        .await
        .unwrap();
    let province = Visibility::Subtree("/bca/22/".into());
    let numbers = |reports: Vec<ReportSummary>| -> Vec<u32> {
        reports
            .iter()
            .map(|r| r.case_number.as_str()[8..].parse().unwrap())
            .collect()
    };
    let page = |filter: ReportFilter, words: Vec<Vec<u8>>, limit: u32| {
        let (store, province) = (store.clone(), province.clone());
        async move {
            store
                .inbox(&province, &filter, &words, limit)
                .await
                .unwrap()
        }
    };

    // Newest first, in pages that do not shift.
    let first = page(ReportFilter::default(), Vec::new(), 4).await;
    assert_eq!(numbers(first.clone()), [9, 8, 7, 6]);
    let after = ReportCursor::after(first.last().unwrap(), ReportOrder::Newest);
    let second = page(
        ReportFilter {
            after: Some(after),
            ..ReportFilter::default()
        },
        Vec::new(),
        4,
    )
    .await;
    assert_eq!(numbers(second), [5, 4, 3, 2]);
    let oldest = page(
        ReportFilter {
            order: ReportOrder::Oldest,
            ..ReportFilter::default()
        },
        Vec::new(),
        3,
    )
    .await;
    assert_eq!(numbers(oldest), [1, 2, 3]);

    // Emergencies first, newest first within each urgency; the cursor crosses urgencies.
    let by_urgency = |after| ReportFilter {
        order: ReportOrder::Urgency,
        after,
        ..ReportFilter::default()
    };
    let top = page(by_urgency(None), Vec::new(), 4).await;
    assert_eq!(numbers(top.clone()), [7, 4, 1, 9]);
    let cursor = ReportCursor::after(top.last().unwrap(), ReportOrder::Urgency);
    let rest = page(by_urgency(Some(cursor)), Vec::new(), 10).await;
    assert_eq!(numbers(rest), [6, 3, 8, 5, 2]);

    // Filters narrow, alone and together, and with words.
    let only = |filter: ReportFilter| page(filter, Vec::new(), 20);
    let emergencies = only(ReportFilter {
        urgency: Some(Urgency::Emergency),
        ..ReportFilter::default()
    })
    .await;
    assert_eq!(numbers(emergencies), [7, 4, 1]);
    let web = only(ReportFilter {
        channel: Some(Channel::Web),
        ..ReportFilter::default()
    })
    .await;
    assert_eq!(numbers(web), [5]);
    let in_commune = only(ReportFilter {
        unit: Some(commune.clone()),
        ..ReportFilter::default()
    })
    .await;
    assert_eq!(numbers(in_commune), [7, 4, 1]);
    let window = only(ReportFilter {
        received_from: Some(at(8, 0) + Duration::minutes(2)),
        received_before: Some(at(8, 0) + Duration::minutes(5)),
        ..ReportFilter::default()
    })
    .await;
    assert_eq!(numbers(window), [5, 4, 3]);
    let unassigned_urgent = only(ReportFilter {
        urgency: Some(Urgency::Urgent),
        assignee: Some(AssigneeFilter::Unassigned),
        ..ReportFilter::default()
    })
    .await;
    assert_eq!(numbers(unassigned_urgent), [9, 6, 3]);
    let nobody = only(ReportFilter {
        assignee: Some(AssigneeFilter::Staff(hotline_domain::StaffId(1))),
        ..ReportFilter::default()
    })
    .await;
    assert!(nobody.is_empty());
    let new_ones = only(ReportFilter {
        status: Some(ReportStatus::Received),
        ..ReportFilter::default()
    })
    .await;
    assert_eq!(new_ones.len(), 9);
    let words = page(
        ReportFilter {
            urgency: Some(Urgency::Emergency),
            ..ReportFilter::default()
        },
        vec![b"w0".to_vec()],
        20,
    )
    .await;
    assert_eq!(numbers(words), [7, 1], "emergencies holding the word");

    // Counts per value, within the reader's scope only.
    let counts = store.report_counts(&province).await.unwrap();
    let count = |field: &str, value: &str| {
        counts
            .iter()
            .find(|c| c.field == field && c.value == value)
            .map_or(0, |c| c.count)
    };
    assert_eq!(count("urgency", "emergency"), 3);
    assert_eq!(count("urgency", "urgent"), 3);
    assert_eq!(count("channel", "web"), 1);
    assert_eq!(count("channel", "api"), 8);
    assert_eq!(count("status", "received"), 9);
    assert!(
        store
            .report_counts(&Visibility::Nothing)
            .await
            .unwrap()
            .is_empty()
    );

    // What arrived since a point, for an inbox left open.
    let since = first[1].id.0;
    let newer = store.newer_reports(&province, since).await.unwrap();
    assert_eq!(
        (newer.count, newer.urgent, newer.newest),
        (1, 1, Some(first[0].id.0))
    );
    let none = store.newer_reports(&province, first[0].id.0).await.unwrap();
    assert_eq!((none.count, none.newest), (0, None));
}

pub async fn lists_are_newest_first_and_limited(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let batch: Vec<NewReport> = (0..10)
        .map(|i| {
            report(
                UnitCode::province(22),
                "QN",
                at(7, 0) + Duration::minutes(i),
                &format!("r{i}"),
            )
        })
        .collect();
    store.intake(&batch).await.unwrap();
    let list = store
        .list_reports(&Visibility::Subtree("/".into()), 3)
        .await
        .unwrap();
    let summaries: Vec<&[u8]> = list
        .iter()
        .map(|r| r.sealed_summary.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(
        summaries,
        [
            &b"sealed-summary:r9"[..],
            b"sealed-summary:r8",
            b"sealed-summary:r7"
        ]
    );
    assert!(
        list.iter().all(|r| r.summary.is_empty()),
        "no plaintext is stored"
    );
    assert_eq!(list[0].unit_name, "Công an tỉnh Quảng Ninh");
}

pub async fn concurrent_intake_never_repeats_a_number(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut numbers = Vec::new();
                for i in 0..10 {
                    let r = report(
                        UnitCode::province(22),
                        "QN",
                        at(8, 0) + Duration::seconds(t * 100 + i),
                        &format!("t{t}-{i}"),
                    );
                    let mut attempts = 0;
                    let receipt = loop {
                        // SQLite may answer "busy" to a second concurrent writer; retrying is
                        // what the intake writer does too.
                        match store.intake(std::slice::from_ref(&r)).await {
                            Ok(mut v) => break v.remove(0),
                            Err(StoreError::Other(e)) if attempts < 50 => {
                                attempts += 1;
                                eprintln!("retrying after: {e}");
                                tokio::task::yield_now().await;
                            }
                            Err(e) => panic!("{e}"),
                        }
                    };
                    numbers.push(receipt.case_number.as_str().to_owned());
                }
                numbers
            })
        })
        .collect();
    let mut all = HashSet::new();
    for t in tasks {
        for n in t.await.unwrap() {
            assert!(all.insert(n), "a case number was given twice");
        }
    }
    let expected: HashSet<String> = (1..=80)
        .map(|i| CaseNumber::new("QN", 2026, i).as_str().to_owned())
        .collect();
    assert_eq!(all, expected, "numbers run 1..=80 without gaps");
    // The unit's register numbers its entries the same way, one per report.
    let register = store
        .register(
            &Visibility::Subtree(String::new()),
            &UnitCode::province(22),
            2026,
            0,
            500,
        )
        .await
        .unwrap();
    assert_eq!(
        register.iter().map(|e| e.number).collect::<Vec<_>>(),
        (1..=80).collect::<Vec<_>>(),
        "register entries run 1..=80 without gaps"
    );
    let cases: HashSet<String> = register
        .iter()
        .filter_map(|e| e.case_number.as_ref().map(|c| c.as_str().to_owned()))
        .collect();
    assert_eq!(cases, expected, "one entry per report");
    let page = store
        .register(
            &Visibility::Unit(UnitCode::province(22)),
            &UnitCode::province(22),
            2026,
            78,
            10,
        )
        .await
        .unwrap();
    assert_eq!(page.iter().map(|e| e.number).collect::<Vec<_>>(), [79, 80]);
    assert!(
        store
            .register(
                &Visibility::Unit(UnitCode::province(42)),
                &UnitCode::province(22),
                2026,
                0,
                10
            )
            .await
            .unwrap()
            .iter()
            .all(|e| !e.readable),
        "another province reads nothing of what the lines are"
    );
}

/// A stand-in for the chain hash: the sequence number followed by the start of the previous
/// hash, so the test can see which entry each one was linked to.
fn test_seal(seq: i64, previous: &[u8]) -> Vec<u8> {
    let mut hash = seq.to_be_bytes().to_vec();
    hash.extend(previous.iter().take(8));
    hash
}

pub async fn audit_entries_link_in_order_even_when_appended_concurrently(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    assert!(store.audit_entries(0, 10).await.unwrap().is_empty());
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
                    let record = store.append_audit(&entry, &test_seal).await.unwrap();
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
            test_seal(e.seq, &previous),
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

pub async fn a_purge_removes_what_its_rule_selects_and_spares_held_reports(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let qn = UnitCode::province(22);
    let mut batch: Vec<_> = (0..4)
        .map(|i| report(qn.clone(), "QN", at(2, i), &format!("cũ {i}")))
        .collect();
    batch[0].contact = Some(NewContact {
        sealed: b"sealed identity".to_vec(),
        phone_index: None,
    });
    batch.push(report(qn.clone(), "QN", at(20, 0), "mới"));
    let receipts = store.intake(&batch).await.unwrap();
    let everything = Visibility::Subtree(String::new());
    let first = store
        .report(&everything, &receipts[0].case_number)
        .await
        .unwrap();
    let contact = first.contact.unwrap();
    assert!(!first.legal_hold);

    // A hold is set through the holder's visibility only.
    let held = &receipts[1].case_number;
    let elsewhere = Visibility::Unit(UnitCode::province(42));
    assert!(matches!(
        store
            .set_legal_hold(
                &elsewhere,
                held,
                true,
                hotline_domain::StaffId(1),
                at(3, 0),
                audited()
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let staff = store
        .create_staff(&NewStaff {
            username: "qn.leader".into(),
            display_name: String::new(),
            password_hash: "x".into(),
            role: Role::UnitLeader,
            unit: qn.clone(),
            created_at: at(1, 0),
        })
        .await
        .unwrap();
    store
        .set_legal_hold(
            &Visibility::Unit(qn.clone()),
            held,
            true,
            staff.id,
            at(3, 0),
            audited(),
        )
        .await
        .unwrap();
    assert!(store.report(&everything, held).await.unwrap().legal_hold);

    let rule = PurgeRule {
        legal_type: None,
        status: Some(ReportStatus::Received),
        changed_before: at(10, 0),
    };
    assert_eq!(store.retention_counts(&rule).await.unwrap(), (3, 1));
    let other_type = PurgeRule {
        legal_type: Some("non_actionable".into()),
        ..rule.clone()
    };
    assert_eq!(store.retention_counts(&other_type).await.unwrap(), (0, 0));
    let candidates = store
        .purge_candidates(&rule, ReportId(0), 100)
        .await
        .unwrap();
    assert_eq!(
        candidates,
        [receipts[0].report, receipts[2].report, receipts[3].report]
    );
    assert!(
        !store.purge_report(receipts[1].report, &rule).await.unwrap(),
        "a held report is never purged"
    );
    assert!(
        !store.purge_report(receipts[4].report, &rule).await.unwrap(),
        "nor one the rule does not select"
    );
    for id in &candidates {
        assert!(store.purge_report(*id, &rule).await.unwrap());
        assert!(!store.purge_report(*id, &rule).await.unwrap());
        assert!(store.messages(*id).await.unwrap().is_empty());
        assert!(store.events(*id).await.unwrap().is_empty());
    }
    store.compact().await.unwrap();
    assert!(matches!(
        store.report(&everything, &receipts[0].case_number).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.sealed_contact(contact).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.count_reports().await.unwrap(), 2);
    let kept = store.report(&everything, held).await.unwrap();
    assert_eq!(store.messages(kept.summary.id).await.unwrap().len(), 1);
    let history: Vec<_> = store
        .events(kept.summary.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(history, ["report.received", "report.legal_hold"]);
    // The unit's register keeps a line for each report, purged ones without their report.
    let book = store.register(&everything, &qn, 2026, 0, 10).await.unwrap();
    assert_eq!(
        book.iter().map(|e| e.number).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(
        book.iter().filter(|e| e.case_number.is_none()).count(),
        3,
        "three purged"
    );
    assert!(
        book.iter().all(|e| e.readable == e.case_number.is_some()),
        "a purged line is nobody's to read"
    );

    // Released, it is selected again.
    store
        .set_legal_hold(&everything, held, false, staff.id, at(4, 0), audited())
        .await
        .unwrap();
    assert_eq!(store.retention_counts(&rule).await.unwrap(), (1, 0));
}

pub async fn a_reveal_request_is_approved_by_another_and_opens_one_reveal(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let qn = UnitCode::province(22);
    let receipt = store
        .intake(&[report(qn.clone(), "QN", at(2, 0), "tố cáo cán bộ")])
        .await
        .unwrap()
        .remove(0);
    let member = |username: &str, display_name: &str| NewStaff {
        username: username.into(),
        display_name: display_name.into(),
        password_hash: "x".into(),
        role: Role::Director,
        unit: qn.clone(),
        created_at: at(1, 0),
    };
    let asker = store.create_staff(&member("qn.a", "Trần A")).await.unwrap();
    let other = store.create_staff(&member("qn.b", "")).await.unwrap();

    let id = store
        .request_reveal(receipt.report, asker.id, "xác minh nhân chứng", at(3, 0))
        .await
        .unwrap();
    let again = store
        .request_reveal(receipt.report, asker.id, "lần nữa", at(3, 1))
        .await
        .unwrap();
    assert_eq!(id, again, "one waiting request per person");
    let open = store.open_reveal_requests(receipt.report).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].requester, "Trần A");
    assert_eq!(open[0].reason, "xác minh nhân chứng");
    assert_eq!(open[0].approved_by, None);

    assert!(
        store
            .take_approved_reveal(receipt.report, asker.id, at(1, 0), at(3, 2))
            .await
            .unwrap()
            .is_none(),
        "nothing to take before approval"
    );
    assert!(
        !store
            .approve_reveal(id, receipt.report, asker.id, at(3, 3), audited())
            .await
            .unwrap(),
        "no one approves their own request"
    );
    assert!(
        !store
            .approve_reveal(
                id,
                ReportId(receipt.report.0 + 1),
                other.id,
                at(3, 3),
                audited()
            )
            .await
            .unwrap(),
        "nor through another report"
    );
    assert!(
        store
            .approve_reveal(id, receipt.report, other.id, at(3, 4), audited())
            .await
            .unwrap()
    );
    assert!(
        !store
            .approve_reveal(id, receipt.report, other.id, at(3, 5), audited())
            .await
            .unwrap()
    );
    assert!(
        store
            .take_approved_reveal(receipt.report, asker.id, at(3, 5), at(3, 6))
            .await
            .unwrap()
            .is_none(),
        "an approval older than the window does not count"
    );
    let taken = store
        .take_approved_reveal(receipt.report, asker.id, at(3, 0), at(3, 6))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.id, id);
    assert_eq!(taken.approved_by, Some(other.id));
    assert!(
        store
            .take_approved_reveal(receipt.report, asker.id, at(3, 0), at(3, 7))
            .await
            .unwrap()
            .is_none(),
        "one approval, one reveal"
    );
    assert!(
        store
            .open_reveal_requests(receipt.report)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn search_finds_reports_holding_every_word_and_the_same_phone(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let words = |list: &[&str]| -> Vec<Vec<u8>> {
        list.iter()
            .map(|w| format!("digest-of-{w}").into_bytes())
            .collect()
    };
    let phone = |index: &str| NewContact {
        sealed: b"sealed identity".to_vec(),
        phone_index: Some(index.as_bytes().to_vec()),
    };
    let mut theft = report(UnitCode::province(22), "QN", at(2, 0), "trộm xe");
    theft.word_index = words(&["trom", "xe", "may"]);
    theft.contact = Some(phone("phone-a"));
    let mut drugs = report(UnitCode::province(22), "QN", at(2, 1), "ma túy");
    drugs.word_index = words(&["ma", "tuy", "xe"]);
    let mut elsewhere = report(UnitCode::province(42), "HT", at(2, 2), "trộm xe");
    elsewhere.word_index = words(&["trom", "xe"]);
    elsewhere.contact = Some(phone("phone-a"));
    let receipts = store.intake(&[theft, drugs, elsewhere]).await.unwrap();
    let everything = Visibility::Subtree(String::new());
    let qn = Visibility::Unit(UnitCode::province(22));
    let cases = |found: Vec<hotline_store::ReportSummary>| -> Vec<String> {
        found
            .into_iter()
            .map(|r| r.case_number.to_string())
            .collect()
    };

    let found = store
        .search_reports(&everything, &words(&["trom", "xe"]), 10)
        .await
        .unwrap();
    assert_eq!(
        cases(found),
        [
            receipts[2].case_number.to_string(),
            receipts[0].case_number.to_string()
        ],
        "every word, newest first"
    );
    let found = store
        .search_reports(&qn, &words(&["xe"]), 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 2, "only what the unit may see");
    assert!(
        store
            .search_reports(&everything, &words(&["trom", "tuy"]), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .search_reports(&everything, &[], 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .search_reports(&Visibility::Nothing, &words(&["xe"]), 10)
            .await
            .unwrap()
            .is_empty()
    );

    let same_phone = store
        .reports_by_phone(&everything, b"phone-a", 10)
        .await
        .unwrap();
    assert_eq!(same_phone.len(), 2, "the same reporter on two reports");
    let in_qn = store.reports_by_phone(&qn, b"phone-a", 10).await.unwrap();
    assert_eq!(cases(in_qn), [receipts[0].case_number.to_string()]);
    assert!(
        store
            .reports_by_phone(&everything, b"phone-b", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// For a backend's own tests of the word queue: a store with its units and one report queued
/// under the word digest `digest-of-{word}`.
pub async fn a_store_with_one_queued_report(store: &dyn Store, word: &str) -> ReportId {
    setup_units(store).await;
    let mut queued = report(UnitCode::province(22), "QN", at(2, 0), word);
    queued.word_index = vec![format!("digest-of-{word}").into_bytes()];
    store.intake(&[queued]).await.unwrap().remove(0).report
}

/// The reports a search for `word` finds, seeing everything.
pub async fn found_by_word(store: &dyn Store, word: &str) -> Vec<ReportId> {
    let digest = format!("digest-of-{word}").into_bytes();
    store
        .search_reports(&Visibility::Subtree(String::new()), &[digest], 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

pub async fn queued_words_reach_the_index_and_no_search_misses_them(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let words = |list: &[&str]| -> Vec<Vec<u8>> {
        list.iter()
            .map(|w| format!("digest-of-{w}").into_bytes())
            .collect()
    };
    let everything = Visibility::Subtree(String::new());
    let mut theft = report(UnitCode::province(22), "QN", at(2, 0), "trộm xe");
    theft.word_index = words(&["trom", "xe"]);
    let mut fight = report(UnitCode::province(22), "QN", at(2, 1), "đánh nhau");
    fight.word_index = words(&["danh", "nhau"]);
    let receipts = store.intake(&[theft, fight]).await.unwrap();
    let found = store
        .search_reports(&everything, &words(&["trom"]), 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "a search moves the queued words first");
    assert_eq!(
        store.index_pending_words(10).await.unwrap(),
        0,
        "and leaves none queued"
    );

    // A follow-up's words join those the report has, one word twice kept once.
    let added = NewMessage {
        report: receipts[0].report,
        direction: Direction::Inbound,
        channel: Channel::Web,
        body_sealed: b"sealed: at night".to_vec(),
        word_index: words(&["dem", "xe"]),
        attachments: Vec::new(),
        author: None,
        delivery: None,
        at: at(3, 0),
        event: "report.reporter_added".into(),
        account: String::new(),
        platform_message_id: None,
    };
    store.add_message(&added).await.unwrap();
    let mut late = report(UnitCode::province(22), "QN", at(3, 1), "ban đêm");
    late.word_index = words(&["dem"]);
    let late = store.intake(&[late]).await.unwrap().remove(0);
    assert_eq!(store.pending_word_entries(100).await.unwrap(), 2);
    assert_eq!(
        store.pending_word_entries(1).await.unwrap(),
        1,
        "counted up to a bound"
    );
    assert_eq!(
        store.index_pending_words(1).await.unwrap(),
        1,
        "oldest first"
    );
    assert_eq!(store.index_pending_words(10).await.unwrap(), 1);
    assert_eq!(store.index_pending_words(10).await.unwrap(), 0);
    assert_eq!(store.pending_word_entries(100).await.unwrap(), 0);

    // An intake commit can carry queued entries along, oldest first.
    let mut first = report(UnitCode::province(22), "QN", at(4, 0), "một");
    first.word_index = words(&["mot"]);
    store.intake(&[first]).await.unwrap();
    let mut second = report(UnitCode::province(22), "QN", at(4, 1), "hai");
    second.word_index = words(&["hai"]);
    store.intake_indexing(&[second], 1).await.unwrap();
    assert_eq!(
        store.pending_word_entries(100).await.unwrap(),
        1,
        "the earlier entry moved, the batch's own waits"
    );
    assert_eq!(store.index_pending_words(10).await.unwrap(), 1);
    let found = store
        .search_reports(&everything, &words(&["dem"]), 10)
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|r| r.id).collect::<Vec<_>>(),
        [late.report, receipts[0].report],
        "words of the report and of its follow-up, newest first"
    );
    let found = store
        .search_reports(&everything, &words(&["xe", "dem"]), 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);

    // A report purged before its words moved takes them along.
    let mut gone = report(UnitCode::province(22), "QN", at(1, 0), "cũ");
    gone.word_index = words(&["cu"]);
    let gone = store.intake(&[gone]).await.unwrap().remove(0);
    let rule = PurgeRule {
        legal_type: None,
        status: Some(ReportStatus::Received),
        changed_before: at(1, 12),
    };
    assert!(store.purge_report(gone.report, &rule).await.unwrap());
    assert_eq!(store.index_pending_words(10).await.unwrap(), 0);
    assert!(
        store
            .search_reports(&everything, &words(&["cu"]), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn the_reporter_finds_the_report_by_digest_and_the_conversation_grows(
    store: Arc<dyn Store>,
) {
    setup_units(store.as_ref()).await;
    let first = report(UnitCode::province(22), "QN", at(2, 0), "lần đầu");
    let digest = first.follow_up_digest.clone();
    let receipt = store.intake(&[first]).await.unwrap().remove(0);
    let found = store.report_by_follow_up(&digest).await.unwrap();
    assert_eq!(found.summary.case_number, receipt.case_number);
    assert!(matches!(
        store.report_by_follow_up("no-such-digest").await,
        Err(StoreError::NotFound)
    ));

    let added = NewMessage {
        report: receipt.report,
        direction: Direction::Inbound,
        channel: Channel::Web,
        body_sealed: b"sealed: more details".to_vec(),
        word_index: vec![b"digest-of-bienso".to_vec()],
        attachments: vec![NewAttachment {
            file_name: "evidence-1.pdf".into(),
            content_type: "application/pdf".into(),
            size_bytes: 10,
            sha256: "stored".into(),
            original_sha256: "received".into(),
            metadata_removed: false,
            content_sealed: b"sealed pdf".to_vec(),
        }],
        author: None,
        delivery: None,
        at: at(3, 0),
        event: "report.reporter_added".into(),
        account: String::new(),
        platform_message_id: None,
    };
    store.add_message(&added).await.unwrap();
    let messages = store.messages(receipt.report).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[1].sealed_body.as_deref(),
        Some(&b"sealed: more details"[..])
    );
    assert_eq!(messages[1].author, None);
    let events: Vec<_> = store
        .events(receipt.report)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        events,
        [
            "report.received",
            "attachment.received",
            "report.reporter_added"
        ]
    );
    let files = store.attachments(receipt.report).await.unwrap();
    assert_eq!(files.len(), 1, "the files come with the message");
    assert_eq!(
        store
            .attachment_content(receipt.report, files[0].id)
            .await
            .unwrap(),
        b"sealed pdf"
    );
    let everything = Visibility::Subtree(String::new());
    let detail = store
        .report(&everything, &receipt.case_number)
        .await
        .unwrap();
    assert_eq!(detail.updated_at, at(3, 0));
    let found = store
        .search_reports(&everything, &[b"digest-of-bienso".to_vec()], 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "the new words are searchable");
    // Words the report already had are not doubled.
    store.add_message(&added).await.unwrap();

    // An answer is delivered, then read once the reporter has seen it; inbound messages have
    // no delivery state and stay so.
    let answer = NewMessage {
        direction: Direction::Outbound,
        body_sealed: b"sealed: thank you".to_vec(),
        word_index: Vec::new(),
        attachments: Vec::new(),
        delivery: Some(Delivery::Delivered),
        at: at(4, 0),
        event: "report.replied".into(),
        ..added
    };
    store.add_message(&answer).await.unwrap();
    let states = |messages: Vec<hotline_store::Message>| {
        messages
            .into_iter()
            .map(|m| (m.direction, m.delivery))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        states(store.messages(receipt.report).await.unwrap()).last(),
        Some(&(Direction::Outbound, Some(Delivery::Delivered)))
    );
    store.mark_replies_read(receipt.report).await.unwrap();
    let after = states(store.messages(receipt.report).await.unwrap());
    assert_eq!(
        after.last(),
        Some(&(Direction::Outbound, Some(Delivery::Read)))
    );
    assert!(
        after
            .iter()
            .filter(|(d, _)| *d == Direction::Inbound)
            .all(|(_, delivery)| delivery.is_none())
    );
}

pub async fn evidence_is_kept_sealed_with_its_report(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let file = |n: usize, content_type: &str| NewAttachment {
        file_name: format!("evidence-{n}.bin"),
        content_type: content_type.into(),
        size_bytes: 1000 + n as i64,
        sha256: format!("stored-{n}"),
        original_sha256: format!("received-{n}"),
        metadata_removed: n == 1,
        content_sealed: format!("sealed file {n}").into_bytes(),
    };
    let mut with_files = report(UnitCode::province(22), "QN", at(2, 0), "ảnh");
    with_files.attachments = vec![file(1, "image/jpeg"), file(2, "application/pdf")];
    let plain = report(UnitCode::province(22), "QN", at(2, 1), "không ảnh");
    let receipts = store.intake(&[with_files, plain]).await.unwrap();
    let listed = store.attachments(receipts[0].report).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].file_name, "evidence-1.bin");
    assert_eq!(listed[0].content_type, "image/jpeg");
    assert!(listed[0].metadata_removed && !listed[1].metadata_removed);
    assert_eq!(listed[1].size_bytes, 1002);
    assert_eq!(
        store
            .attachment_content(receipts[0].report, listed[1].id)
            .await
            .unwrap(),
        b"sealed file 2"
    );
    assert!(
        matches!(
            store
                .attachment_content(receipts[1].report, listed[1].id)
                .await,
            Err(StoreError::NotFound)
        ),
        "only through its own report"
    );
    assert!(
        store
            .attachments(receipts[1].report)
            .await
            .unwrap()
            .is_empty()
    );
    let history: Vec<_> = store
        .events(receipts[0].report)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "attachment.received")
        .map(|e| e.detail)
        .collect();
    assert_eq!(history.len(), 2);
    assert!(history[0].contains("sha256_received=received-1"));

    let rule = PurgeRule {
        legal_type: None,
        status: Some(ReportStatus::Received),
        changed_before: at(10, 0),
    };
    assert!(store.purge_report(receipts[0].report, &rule).await.unwrap());
    assert!(matches!(
        store
            .attachment_content(receipts[0].report, listed[0].id)
            .await,
        Err(StoreError::NotFound)
    ));
}

pub async fn triage_notes_and_merges_are_recorded_within_visibility(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let qn = UnitCode::province(22);
    let receipts = store
        .intake(&[
            report(qn.clone(), "QN", at(2, 0), "chính"),
            report(qn.clone(), "QN", at(2, 1), "trùng"),
            report(qn.clone(), "QN", at(2, 2), "trùng nữa"),
            report(UnitCode::province(42), "HT", at(2, 3), "nơi khác"),
        ])
        .await
        .unwrap();
    let [main, duplicate, another, elsewhere] = [0, 1, 2, 3].map(|i| {
        receipts
            .get(i)
            .map(|r| (r.report, r.case_number.clone()))
            .unwrap()
    });
    let staff = store
        .create_staff(&NewStaff {
            username: "qn.duty".into(),
            display_name: "Trực ban Quảng Ninh".into(),
            password_hash: "x".into(),
            role: Role::DutyOfficer,
            unit: qn.clone(),
            created_at: at(1, 0),
        })
        .await
        .unwrap();
    let mine = Visibility::Unit(qn.clone());
    let theirs = Visibility::Unit(UnitCode::province(42));
    let commune = first_commune_of_22();
    let due = Due {
        rule: DeadlineRule::CrimeSource,
        due_at: at(23, 0),
    };
    let triage = Triage {
        legal_type: Some(LegalType::CrimeDenunciation),
        topic: Some(Topic::Drugs),
        urgency: Urgency::Urgent,
        province_code: Some(22),
        commune_code: Some(commune),
        deadline: Some(due),
        stage: Stage::Triaged,
        from_stage: Stage::Received,
        hinted: Some((
            LegalType::CrimeDenunciation,
            Topic::Gambling,
            Urgency::Normal,
        )),
    };
    assert!(matches!(
        store
            .set_triage(&theirs, &main.1, &triage, staff.id, at(3, 0), audited())
            .await,
        Err(StoreError::NotFound)
    ));
    store
        .set_triage(&mine, &main.1, &triage, staff.id, at(3, 0), audited())
        .await
        .unwrap();
    // A later correction is not what the officer first made of the hints.
    let corrected = Triage {
        topic: Some(Topic::Gambling),
        from_stage: Stage::Triaged,
        ..triage.clone()
    };
    store
        .set_triage(&mine, &main.1, &corrected, staff.id, at(3, 1), audited())
        .await
        .unwrap();
    let first = store.first_triages(at(1, 0)).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].0, main.0);
    assert!(
        first[0].1.detail.contains(" topic=drugs"),
        "{}",
        first[0].1.detail
    );
    assert!(first[0].1.detail.contains("hinted_topic=gambling"));
    assert!(store.first_triages(at(3, 1)).await.unwrap().is_empty());
    let restored = Triage {
        from_stage: Stage::Triaged,
        ..triage.clone()
    };
    store
        .set_triage(&mine, &main.1, &restored, staff.id, at(3, 2), audited())
        .await
        .unwrap();
    let detail = store.report(&mine, &main.1).await.unwrap();
    assert_eq!(
        detail.summary.legal_type,
        Some(LegalType::CrimeDenunciation)
    );
    assert_eq!(detail.topic, Some(Topic::Drugs));
    assert_eq!(detail.summary.urgency, Urgency::Urgent);
    assert_eq!(detail.summary.commune_code, Some(commune));
    assert_eq!(detail.summary.status, ReportStatus::Triaged);
    assert_eq!(detail.summary.deadline, Some(due));
    // Deadline order: the report with a limit first, then the others oldest first; overdue
    // ones by the moment given.
    let by_deadline = ReportFilter {
        order: ReportOrder::Deadline,
        ..ReportFilter::default()
    };
    let first_page = store.inbox(&mine, &by_deadline, &[], 2).await.unwrap();
    assert_eq!(
        first_page.iter().map(|r| r.id).collect::<Vec<_>>(),
        [main.0, duplicate.0]
    );
    let rest = store
        .inbox(
            &mine,
            &ReportFilter {
                after: first_page
                    .last()
                    .map(|r| ReportCursor::after(r, ReportOrder::Deadline)),
                ..by_deadline.clone()
            },
            &[],
            10,
        )
        .await
        .unwrap();
    assert_eq!(rest.iter().map(|r| r.id).collect::<Vec<_>>(), [another.0]);
    for (moment, expected) in [(at(22, 23), 0), (at(23, 1), 1)] {
        let overdue = ReportFilter {
            due_before: Some(moment),
            ..ReportFilter::default()
        };
        assert_eq!(
            store.inbox(&mine, &overdue, &[], 10).await.unwrap().len(),
            expected,
            "overdue at {moment}"
        );
    }
    let events = store.events(main.0).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.kind, "report.triaged");
    assert!(last.detail.contains("topic=drugs") && last.detail.contains("urgency=urgent"));
    assert!(
        last.detail.contains("hinted_topic=gambling"),
        "the hint is kept beside the officer's choice"
    );
    let filter = ReportFilter {
        topic: Some(Topic::Drugs),
        ..ReportFilter::default()
    };
    let found = store.inbox(&mine, &filter, &[], 10).await.unwrap();
    assert_eq!(found.iter().map(|r| r.id).collect::<Vec<_>>(), [main.0]);
    let counts = store.report_counts(&mine).await.unwrap();
    assert!(counts.contains(&FacetCount {
        field: "topic".into(),
        value: "drugs".into(),
        count: 1
    }));

    let note = NewNote {
        report: main.0,
        author: staff.id,
        body_sealed: b"sealed note".to_vec(),
        word_index: vec![b"note-word".to_vec()],
        at: at(3, 1),
    };
    store.add_note(&note, audited()).await.unwrap();
    let notes = store.notes(main.0).await.unwrap();
    assert_eq!(notes.len(), 1);
    let first = notes.first().unwrap();
    assert_eq!(first.sealed_body.as_deref(), Some(&b"sealed note"[..]));
    assert_eq!(first.author_name, "Trực ban Quảng Ninh");
    let by_note = store
        .search_reports(&mine, &[b"note-word".to_vec()], 10)
        .await
        .unwrap();
    assert_eq!(by_note.iter().map(|r| r.id).collect::<Vec<_>>(), [main.0]);

    // Merging: never across visibility, never into itself or into a merged report.
    assert!(matches!(
        store
            .merge_report(
                &mine,
                &duplicate.1,
                &elsewhere.1,
                staff.id,
                at(4, 0),
                audited()
            )
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .merge_report(&mine, &duplicate.1, &duplicate.1, staff.id, at(4, 0), audited())
            .await,
        Err(StoreError::Conflict(what)) if what == "same"
    ));
    store
        .merge_report(
            &mine,
            &another.1,
            &duplicate.1,
            staff.id,
            at(4, 0),
            audited(),
        )
        .await
        .unwrap();
    // Joining `duplicate` to `main` brings what was joined to it along.
    store
        .merge_report(&mine, &duplicate.1, &main.1, staff.id, at(4, 1), audited())
        .await
        .unwrap();
    assert!(matches!(
        store
            .merge_report(&mine, &main.1, &duplicate.1, staff.id, at(4, 2), audited())
            .await,
        Err(StoreError::Conflict(what)) if what == "merged"
    ));
    let joined = store.merged_reports(&mine, main.0).await.unwrap();
    assert_eq!(
        joined.iter().map(|r| r.id).collect::<Vec<_>>(),
        [duplicate.0, another.0]
    );
    assert!(
        store
            .merged_reports(&theirs, main.0)
            .await
            .unwrap()
            .is_empty()
    );
    let closed = store.report(&mine, &duplicate.1).await.unwrap();
    assert_eq!(closed.summary.status, ReportStatus::Closed);
    assert_eq!(
        closed.summary.deadline, None,
        "a closed report has no limit running"
    );
    assert_eq!(closed.merged_into.as_ref(), Some(&main.1));

    // Purging the main report leaves the joined ones standing alone.
    let rule = PurgeRule {
        legal_type: Some("crime_denunciation".into()),
        status: None,
        changed_before: at(30, 0),
    };
    assert!(store.purge_report(main.0, &rule).await.unwrap());
    let alone = store.report(&mine, &duplicate.1).await.unwrap();
    assert_eq!(alone.merged_into, None);
}

/// The sequence number of the chain's last entry.
async fn last_record(store: &dyn Store) -> i64 {
    store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .last()
        .map_or(0, |r| r.seq)
}

/// Runs `write` in a task of its own with an audit entry whose sealing panics, as if the
/// process died between an action's writes and its record; the task ends in that panic.
async fn dies_before_its_record<T, Written>(
    store: &Arc<dyn Store>,
    write: impl FnOnce(Arc<dyn Store>, Audited<'static>) -> Written,
) where
    T: std::fmt::Debug + Send + 'static,
    Written: std::future::Future<Output = hotline_store::StoreResult<T>> + Send + 'static,
{
    fn dies_while_sealing(_seq: i64, _previous: &[u8]) -> Vec<u8> {
        panic!("the process dies between the action and its audit record")
    }
    let dying = tokio::spawn(write(
        store.clone(),
        Audited {
            entry: &CONTRACT_ENTRY,
            seal: &dies_while_sealing,
        },
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
    let head = records.last().unwrap().seq;

    // The same for the approval of a reveal: an approval without its record would let an
    // identity open on an approval nobody can account for.
    let asker = store
        .create_staff(&NewStaff {
            username: "qn.inspector".into(),
            display_name: "qn.inspector".into(),
            password_hash: "$argon2id$fake".into(),
            role: Role::Inspector,
            unit: UnitCode::province(22),
            created_at: at(1, 8),
        })
        .await
        .unwrap();
    let request = store
        .request_reveal(
            receipt.report,
            asker.id,
            "to call the witness back",
            at(2, 3),
        )
        .await
        .unwrap();
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

pub async fn a_procedure_step_moves_the_report_once_and_is_recorded(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let qn = UnitCode::province(22);
    let receipt = store
        .intake(&[report(qn.clone(), "QN", at(2, 0), "nguồn tin")])
        .await
        .unwrap()
        .remove(0);
    let leader = store
        .create_staff(&NewStaff {
            username: "qn.leader".into(),
            display_name: "Lãnh đạo".into(),
            password_hash: "x".into(),
            role: Role::UnitLeader,
            unit: qn.clone(),
            created_at: at(1, 0),
        })
        .await
        .unwrap();
    let mine = Visibility::Unit(qn.clone());
    let accepted = ProcedureState {
        clock_start: Some(at(3, 0)),
        ..ProcedureState::at(Stage::Accepted)
    };
    let step = NewStep {
        from: Stage::Received,
        from_extensions: 0,
        action: Action::Accept,
        after: accepted,
        status: ReportStatus::InProgress,
        deadline: None,
        number: Some("12/QĐ-CSHS".into()),
        decided_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 3),
        signer: Some("Trưởng phòng (demo)".into()),
        grounds_sealed: b"sealed grounds".to_vec(),
        actor: leader.id,
        at: at(3, 0),
        notices: vec![NewNotice {
            kind: NoticeKind::Receipt,
            recipient: Recipient::Reporter,
            due_at: at(6, 0),
            text_sealed: b"sealed notice".to_vec(),
            basis: "TTLT 01/2017 Điều 14".into(),
        }],
    };
    assert!(matches!(
        store
            .take_step(
                &Visibility::Unit(UnitCode::province(42)),
                &receipt.case_number,
                &step,
                audited()
            )
            .await,
        Err(StoreError::NotFound)
    ));
    store
        .take_step(&mine, &receipt.case_number, &step, audited())
        .await
        .unwrap();
    assert!(
        matches!(
            store
                .take_step(&mine, &receipt.case_number, &step, audited())
                .await,
            Err(StoreError::Conflict(_))
        ),
        "the report is no longer where the step starts"
    );
    let stale_extension = NewStep {
        from: Stage::Accepted,
        from_extensions: 1,
        ..step.clone()
    };
    assert!(
        matches!(
            store
                .take_step(&mine, &receipt.case_number, &stale_extension, audited())
                .await,
            Err(StoreError::Conflict(_))
        ),
        "nor when its extensions moved meanwhile"
    );
    let detail = store.report(&mine, &receipt.case_number).await.unwrap();
    assert_eq!(detail.procedure, accepted);
    assert_eq!(detail.summary.status, ReportStatus::InProgress);
    let steps = store.steps(receipt.report).await.unwrap();
    assert_eq!(steps.len(), 1);
    let taken = steps.first().unwrap();
    assert_eq!((taken.from, taken.to), (Stage::Received, Stage::Accepted));
    assert_eq!(taken.number.as_deref(), Some("12/QĐ-CSHS"));
    assert_eq!(
        taken.decided_on,
        chrono::NaiveDate::from_ymd_opt(2026, 3, 3)
    );
    assert_eq!(taken.grounds_sealed, b"sealed grounds");
    assert_eq!(taken.actor_name, "Lãnh đạo");
    let event = store.events(receipt.report).await.unwrap().pop().unwrap();
    assert_eq!(event.kind, "report.step");
    assert!(event.detail.contains("number=12/QĐ-CSHS"));

    // The notice the step drafted, sent once.
    let notices = store.notices(receipt.report).await.unwrap();
    let drafted = notices.first().unwrap();
    assert_eq!(
        (drafted.kind, drafted.recipient, drafted.due_at),
        (NoticeKind::Receipt, Recipient::Reporter, at(6, 0))
    );
    assert_eq!(drafted.text_sealed, b"sealed notice");
    assert_eq!(drafted.sent_at, None);
    assert!(matches!(
        store
            .mark_notice_sent(
                &Visibility::Unit(UnitCode::province(42)),
                &receipt.case_number,
                &sent_by_web(drafted.id),
                leader.id,
                at(4, 0),
                audited()
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let answer = NewMessage {
        report: receipt.report,
        direction: Direction::Outbound,
        channel: Channel::Api,
        body_sealed: b"sealed notice".to_vec(),
        word_index: Vec::new(),
        attachments: Vec::new(),
        author: Some(leader.id),
        delivery: Some(Delivery::Delivered),
        at: at(4, 0),
        event: "report.replied".into(),
        account: String::new(),
        platform_message_id: None,
    };
    let with_answer = NoticeSent {
        reply: Some(answer),
        ..sent_by_web(drafted.id)
    };
    store
        .mark_notice_sent(
            &mine,
            &receipt.case_number,
            &with_answer,
            leader.id,
            at(4, 0),
            audited(),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .mark_notice_sent(
                &mine,
                &receipt.case_number,
                &with_answer,
                leader.id,
                at(4, 1),
                audited()
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    let answers = store.messages(receipt.report).await.unwrap();
    assert_eq!(
        answers
            .iter()
            .filter(|m| m.direction == Direction::Outbound)
            .count(),
        1,
        "the answer is written with the notice, once"
    );
    let sent = store.notices(receipt.report).await.unwrap().remove(0);
    assert_eq!(
        (
            sent.sent_at,
            sent.sent_via.as_deref(),
            sent.sent_by.as_deref()
        ),
        (Some(at(4, 0)), Some("web"), Some("Lãnh đạo"))
    );
}

/// A notice recorded as sent on the web follow-up page, without its answer.
fn sent_by_web(notice: i64) -> NoticeSent {
    NoticeSent {
        notice,
        via: "web".into(),
        reply: None,
    }
}

pub async fn the_routing_table_is_seeded_once_and_changed_rule_by_rule(store: Arc<dyn Store>) {
    use hotline_domain::routing::{
        DISTRICTS_ABOLISHED, FROM_THE_START, LegalScope, RoutingRule, RoutingTable, Target,
    };
    setup_units(store.as_ref()).await;
    let admin = store
        .create_staff(&NewStaff {
            username: "quan.tri".into(),
            display_name: "Quản trị".into(),
            password_hash: "$argon2id$fake".into(),
            role: Role::Administrator,
            unit: UnitCode::ministry(),
            created_at: at(1, 8),
        })
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
    };
    let qn = store
        .create_staff(&officer("qn.duty", UnitCode::province(22)))
        .await
        .unwrap();
    let commune = UnitCode::commune(22, first_commune_of_22());
    let xa = store
        .create_staff(&officer("xa.duty", commune.clone()))
        .await
        .unwrap();
    let ht = store
        .create_staff(&officer("ht.duty", UnitCode::province(42)))
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
        .add_duty_pattern(&pattern(&UnitCode::province(22), qn.id))
        .await
        .unwrap();
    store
        .add_duty_pattern(&pattern(&commune, xa.id))
        .await
        .unwrap();
    store
        .add_duty_pattern(&pattern(&UnitCode::province(42), ht.id))
        .await
        .unwrap();
    store
        .cancel_duty_occurrence(&UnitCode::province(22), night, day(4), qn.id, at(1, 10))
        .await
        .unwrap();
    // Twice is once; another unit's pattern is not found.
    store
        .cancel_duty_occurrence(&UnitCode::province(22), night, day(4), qn.id, at(1, 10))
        .await
        .unwrap();
    assert!(matches!(
        store
            .cancel_duty_occurrence(&UnitCode::province(42), night, day(6), qn.id, at(1, 10))
            .await,
        Err(StoreError::NotFound)
    ));
    let shift = store
        .add_duty_shift(&NewDutyShift {
            unit: UnitCode::province(22),
            staff: qn.id,
            starts_at: at(4, 13),
            ends_at: at(4, 19),
            by: qn.id,
            at: at(1, 11),
        })
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
        .end_duty_pattern(&UnitCode::province(22), night, day(10))
        .await
        .unwrap();
    assert!(matches!(
        store.end_duty_pattern(&commune, night, day(10)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_duty_shift(&commune, shift).await,
        Err(StoreError::NotFound)
    ));
    store
        .delete_duty_shift(&UnitCode::province(22), shift)
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

pub async fn an_alert_chain_moves_once_per_level_and_stops_when_acknowledged(
    store: Arc<dyn Store>,
) {
    use hotline_store::AlertStep;
    setup_units(store.as_ref()).await;
    let member = |username: &str| NewStaff {
        username: username.into(),
        display_name: username.into(),
        password_hash: "$argon2id$fake".into(),
        role: Role::DutyOfficer,
        unit: UnitCode::province(22),
        created_at: at(1, 8),
    };
    let duty = store.create_staff(&member("qn.duty")).await.unwrap();
    let leader = store.create_staff(&member("qn.leader")).await.unwrap();
    let mut urgent = report(UnitCode::province(22), "QN", at(2, 3), "urgent");
    urgent.urgency = Urgency::Emergency;
    let normal = report(UnitCode::province(22), "QN", at(2, 4), "normal");
    let receipts = store.intake(&[urgent, normal]).await.unwrap();
    let needing = store.reports_needing_alerts(10).await.unwrap();
    assert_eq!(needing.len(), 1, "only the urgent one");
    assert_eq!(needing[0].report, receipts[0].report);
    let step = |level, staff: Vec<StaffId>, hour| AlertStep {
        report: receipts[0].report,
        level,
        staff,
        channel: "console".into(),
        at: at(2, hour),
    };
    assert!(
        store
            .start_alert_chain(&step(0, vec![duty.id], 3))
            .await
            .unwrap()
    );
    assert!(
        !store
            .start_alert_chain(&step(0, vec![duty.id], 3))
            .await
            .unwrap(),
        "once"
    );
    assert!(store.reports_needing_alerts(10).await.unwrap().is_empty());
    let open = store.open_alert_chains().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].level, open[0].level_at), (0, at(2, 3)));
    assert_eq!(open[0].alerted, [duty.id]);
    // The same member at the same level is alerted once.
    assert_eq!(
        store.add_alerts(&step(0, vec![duty.id], 4)).await.unwrap(),
        0
    );
    // Two nodes escalate at once: one moves it.
    assert!(
        store
            .escalate_alert_chain(0, &step(1, vec![leader.id], 5))
            .await
            .unwrap()
    );
    assert!(
        !store
            .escalate_alert_chain(0, &step(1, vec![leader.id], 5))
            .await
            .unwrap()
    );
    let open = store.open_alert_chains().await.unwrap();
    assert_eq!(
        (open[0].level, open[0].alerted.clone()),
        (1, vec![leader.id])
    );
    let mine = store.alerts_for(leader.id, 10).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].level, mine[0].urgency), (1, Urgency::Emergency));
    assert!(mine[0].acknowledged_at.is_none());
    assert!(
        store
            .acknowledge_alert_chain(receipts[0].report, leader.id, at(2, 6))
            .await
            .unwrap()
    );
    assert!(
        !store
            .acknowledge_alert_chain(receipts[0].report, leader.id, at(2, 6))
            .await
            .unwrap()
    );
    assert!(store.open_alert_chains().await.unwrap().is_empty());
    assert!(
        !store
            .escalate_alert_chain(1, &step(2, vec![duty.id], 7))
            .await
            .unwrap()
    );
    let mine = store.alerts_for(duty.id, 10).await.unwrap();
    assert_eq!(mine[0].acknowledged_at, Some(at(2, 6)));
    assert_eq!(mine[0].acknowledged_by.as_deref(), Some("qn.leader"));
    let samples = store
        .response_samples(&Visibility::Subtree("/bca/22/".into()), at(1, 0))
        .await
        .unwrap();
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].acknowledged_at, Some(at(2, 6)));
    assert!(!samples[0].alert_open);
    assert_eq!(samples[0].urgency, Urgency::Emergency);
    assert_eq!(
        (samples[0].first_reply_at, samples[0].decided_at),
        (None, None)
    );
    assert!(
        store
            .response_samples(&Visibility::Subtree("/bca/42/".into()), at(1, 0))
            .await
            .unwrap()
            .is_empty()
    );
    let events = store.events(receipts[0].report).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "report.received",
            "report.alerted",
            "report.alerted",
            "report.alert_acknowledged"
        ]
    );
}

pub async fn a_time_limit_is_warned_of_once_per_kind_and_limit(store: Arc<dyn Store>) {
    use hotline_store::DeadlineWarning;
    setup_units(store.as_ref()).await;
    let handler = handler_of_quang_ninh(store.as_ref()).await;
    let due = at(3, 12);
    let mut near = report(UnitCode::province(22), "QN", at(2, 3), "near");
    near.deadline = Some(Due {
        rule: DeadlineRule::CrimeClassification,
        due_at: due,
    });
    let far = {
        let mut r = report(UnitCode::province(22), "QN", at(2, 4), "far");
        r.deadline = Some(Due {
            rule: DeadlineRule::CrimeSource,
            due_at: at(20, 0),
        });
        r
    };
    let receipts = store.intake(&[near, far]).await.unwrap();
    // Near limits are offered for assigned reports only: the assignee is who is warned.
    assert!(
        store
            .reports_to_warn(at(2, 13), at(3, 13), 10)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .assign_report(
            &Visibility::Unit(UnitCode::province(22)),
            &receipts[0].case_number,
            Some(handler.id),
            handler.id,
            at(2, 12),
            audited(),
        )
        .await
        .unwrap();
    // Within a day of its limit: the near one only.
    let to_warn = store
        .reports_to_warn(at(2, 13), at(3, 13), 10)
        .await
        .unwrap();
    assert_eq!(to_warn.len(), 1);
    assert_eq!(
        (to_warn[0].subject.report, to_warn[0].due_at),
        (receipts[0].report, due)
    );
    let warning = |kind, at_| DeadlineWarning {
        report: receipts[0].report,
        kind,
        due_at: due,
        staff: vec![handler.id],
        at: at_,
    };
    assert_eq!(
        store
            .add_deadline_alerts(&warning("approaching", at(2, 13)))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .add_deadline_alerts(&warning("approaching", at(2, 14)))
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .reports_to_warn(at(2, 14), at(3, 14), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Once passed, it is due a warning of the other kind.
    let passed = store
        .reports_to_warn(at(3, 13), at(4, 13), 10)
        .await
        .unwrap();
    assert_eq!(passed.len(), 1);
    assert_eq!(
        store
            .add_deadline_alerts(&warning("passed", at(3, 13)))
            .await
            .unwrap(),
        1
    );
    let mine = store.deadline_alerts_for(handler.id, 10).await.unwrap();
    let kinds: Vec<&str> = mine.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["passed", "approaching"]);
    assert_eq!(mine[0].due_at, due);
    // A round with nobody to warn is a round all the same: not offered again.
    let far_due = at(20, 0);
    let offered = store
        .reports_to_warn(at(20, 1), at(21, 1), 10)
        .await
        .unwrap();
    assert_eq!(offered.len(), 1, "the far one, passed");
    assert_eq!(offered[0].subject.report, receipts[1].report);
    assert_eq!(
        store
            .add_deadline_alerts(&DeadlineWarning {
                report: receipts[1].report,
                kind: "passed",
                due_at: far_due,
                staff: Vec::new(),
                at: at(20, 1),
            })
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .reports_to_warn(at(20, 2), at(21, 1), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn alerts_queue_notifications_that_are_sent_once_and_kept_with_their_attempts(
    store: Arc<dyn Store>,
) {
    use hotline_domain::notify::{NotificationKind, NotifyAddress, NotifyChannel};
    use hotline_store::{AlertStep, NewNotification, NotificationAttempt, NotificationOutcome};
    setup_units(store.as_ref()).await;
    let member = |username: &str| NewStaff {
        username: username.into(),
        display_name: username.into(),
        password_hash: "$argon2id$fake".into(),
        role: Role::DutyOfficer,
        unit: UnitCode::province(22),
        created_at: at(1, 8),
    };
    let duty = store.create_staff(&member("qn.duty")).await.unwrap();
    let other = store.create_staff(&member("qn.other")).await.unwrap();
    // Addresses are kept in order and replaced whole.
    let mail = NotifyAddress::parse(NotifyChannel::Email, "a@example.invalid", "a").unwrap();
    let chat = NotifyAddress::parse(NotifyChannel::Telegram, "42", "a").unwrap();
    store
        .set_notify_addresses(duty.id, &[chat.clone(), mail.clone()])
        .await
        .unwrap();
    store
        .set_notify_addresses(duty.id, &[mail.clone(), chat.clone()])
        .await
        .unwrap();
    assert_eq!(store.notify_addresses(duty.id).await.unwrap(), [mail, chat]);
    assert!(store.notify_addresses(other.id).await.unwrap().is_empty());

    let mut urgent = report(UnitCode::province(22), "QN", at(2, 3), "urgent");
    urgent.urgency = Urgency::Emergency;
    let receipts = store.intake(&[urgent]).await.unwrap();
    // Sub-second times, which each backend stores at its own precision.
    let when = at(2, 3) + chrono::Duration::microseconds(123_456);
    let step = |staff: Vec<StaffId>| AlertStep {
        report: receipts[0].report,
        level: 0,
        staff,
        channel: "console".into(),
        at: when,
    };
    assert!(store.start_alert_chain(&step(vec![duty.id])).await.unwrap());
    // Alerting the same member again queues nothing more; a new one queues theirs.
    assert_eq!(
        store
            .add_alerts(&step(vec![duty.id, other.id]))
            .await
            .unwrap(),
        1
    );
    assert!(
        store
            .due_notifications(at(2, 2), 10)
            .await
            .unwrap()
            .is_empty(),
        "not yet due"
    );
    let due = store.due_notifications(at(2, 4), 10).await.unwrap();
    assert_eq!(due.len(), 2);
    assert_eq!(due[0].staff, duty.id);
    assert_eq!(due[0].kind, NotificationKind::Alert);
    assert_eq!(due[0].case_number, Some(receipts[0].case_number.clone()));
    assert_eq!(
        (due[0].urgency, due[0].level),
        (Some(Urgency::Emergency), Some(0))
    );
    assert_eq!(due[0].next_at, when);
    // Two senders take the same one: one gets it.
    assert!(
        store
            .claim_notification(due[0].id, due[0].next_at, at(2, 5))
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_notification(due[0].id, due[0].next_at, at(2, 5))
            .await
            .unwrap()
    );
    assert_eq!(
        store.due_notifications(at(2, 4), 10).await.unwrap().len(),
        1
    );
    let attempts = [
        NotificationAttempt {
            channel: NotifyChannel::Email,
            at: at(2, 4),
            error: Some("unavailable: could not connect".into()),
        },
        NotificationAttempt {
            channel: NotifyChannel::Telegram,
            at: at(2, 4),
            error: None,
        },
    ];
    store
        .finish_notification(
            due[0].id,
            &attempts,
            NotificationOutcome::Sent {
                via: NotifyChannel::Telegram,
                at: at(2, 4),
            },
        )
        .await
        .unwrap();
    // A round that failed everywhere comes back at its time.
    store
        .finish_notification(
            due[1].id,
            &attempts[..1],
            NotificationOutcome::Retry { next_at: at(2, 6) },
        )
        .await
        .unwrap();
    assert!(
        store
            .due_notifications(at(2, 5), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store.due_notifications(at(2, 6), 10).await.unwrap();
    assert_eq!((again.len(), again[0].rounds), (1, 1));

    let mine = store.notifications_for(duty.id, 10).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].state, "sent");
    assert_eq!(mine[0].sent_via, Some(NotifyChannel::Telegram));
    assert_eq!(mine[0].sent_at, Some(at(2, 4)));
    assert_eq!(mine[0].attempts, attempts);

    // A keyed notification is queued once.
    let digest = NewNotification {
        staff: duty.id,
        kind: NotificationKind::Digest,
        key: Some("digest:2026-01-02:1".into()),
        detail: None,
        at: at(2, 7),
    };
    assert!(store.queue_notification(&digest).await.unwrap());
    assert!(!store.queue_notification(&digest).await.unwrap());
    let mine = store.notifications_for(duty.id, 10).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!(
        (mine[0].kind, mine[0].state.as_str()),
        (NotificationKind::Digest, "queued")
    );
    assert!(mine[0].case_number.is_none() && mine[0].attempts.is_empty());
}

/// What taking deliveries apart writes is committed together: each message once (a
/// redelivered one comes back as taken in before, without failing the rest), the deliveries'
/// outcomes with them, and nothing at all when one write fails.
pub async fn taking_deliveries_apart_commits_messages_and_outcomes_together(store: Arc<dyn Store>) {
    use hotline_domain::platform::AccountName;
    use hotline_store::{DeliveryOutcome, NewChannelAccount, NewDelivery, TakeApartWrite};
    setup_units(store.as_ref()).await;
    let account = store
        .add_channel_account(&NewChannelAccount {
            platform: Channel::Whatsapp,
            name: AccountName::parse("qn-whatsapp").unwrap(),
            unit: UnitCode::province(22),
            secrets_sealed: b"sealed secrets".to_vec(),
            api_base: "https://graph.facebook.com".into(),
            at: at(1, 8),
        })
        .await
        .unwrap();
    let deliveries = store
        .journal_deliveries(&[
            NewDelivery {
                account_id: account,
                body_sealed: b"sealed body 1".to_vec(),
                at: at(2, 0),
            },
            NewDelivery {
                account_id: account,
                body_sealed: b"sealed body 2".to_vec(),
                at: at(2, 0),
            },
        ])
        .await
        .unwrap();
    let mut first = report(UnitCode::province(22), "QN", at(2, 0), "tin đầu");
    first.channel = Channel::Whatsapp;
    first.account = "qn-whatsapp".into();
    first.platform_message_id = Some("wamid.0".into());
    let receipt = store.intake(&[first]).await.unwrap().remove(0);
    let message = |id: &str, report: ReportId| NewMessage {
        report,
        direction: Direction::Inbound,
        channel: Channel::Whatsapp,
        body_sealed: format!("sealed: {id}").into_bytes(),
        word_index: vec![format!("digest-of-{id}").into_bytes()],
        attachments: Vec::new(),
        author: None,
        delivery: None,
        at: at(2, 1),
        event: "report.reporter_added".into(),
        account: "qn-whatsapp".into(),
        platform_message_id: Some(id.into()),
    };
    let written = |message: NewMessage| TakeApartWrite::Message {
        message,
        release_answers_at: Some(at(2, 1)),
    };
    let done = |delivery: i64| TakeApartWrite::Finish {
        delivery,
        outcome: DeliveryOutcome::Done {
            messages: 1,
            ignored: 0,
        },
        at: at(2, 2),
    };
    let ids = store
        .take_apart_writes(&[
            written(message("wamid.1", receipt.report)),
            written(message("wamid.1", receipt.report)),
            written(message("wamid.0", receipt.report)),
            done(deliveries[0]),
        ])
        .await
        .unwrap();
    assert!(ids[0].is_some(), "taken in");
    assert_eq!(
        ids[1..],
        [None, None, None],
        "taken in before, and a finish"
    );
    let messages = store.messages(receipt.report).await.unwrap();
    assert_eq!(messages.len(), 2, "the report's first message and one more");
    let found = store
        .search_reports(
            &Visibility::Subtree("/".into()),
            &[b"digest-of-wamid.1".to_vec()],
            5,
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "its words are indexed with it");
    let counts = store.delivery_counts(account, at(2, 3)).await.unwrap();
    assert_eq!(counts.queued, 1, "the first delivery is done");

    // A write that fails (a message onto a report that does not exist) takes the batch's
    // other writes with it, those written before it too.
    let attempts = |records: Vec<hotline_store::DeliveryRecord>| {
        records
            .into_iter()
            .map(|r| (r.id, r.attempts))
            .collect::<Vec<_>>()
    };
    let before = attempts(store.deliveries_of(account, false, 10).await.unwrap());
    let failed = store
        .take_apart_writes(&[
            TakeApartWrite::Finish {
                delivery: deliveries[1],
                outcome: DeliveryOutcome::Retry {
                    next_at: at(3, 0),
                    error: "a try".into(),
                },
                at: at(2, 2),
            },
            written(message("wamid.2", receipt.report)),
            written(message("wamid.3", ReportId(i64::MAX))),
            done(deliveries[1]),
        ])
        .await;
    assert!(failed.is_err());
    assert_eq!(store.messages(receipt.report).await.unwrap().len(), 2);
    assert_eq!(
        attempts(store.deliveries_of(account, false, 10).await.unwrap()),
        before,
        "the retry written first was undone"
    );
    let counts = store.delivery_counts(account, at(2, 3)).await.unwrap();
    assert_eq!(counts.queued, 1, "the second delivery is still waiting");

    // A delivery finished is not finished again (another node's late outcome).
    store
        .take_apart_writes(&[TakeApartWrite::Finish {
            delivery: deliveries[0],
            outcome: DeliveryOutcome::Dead {
                error: "late".into(),
            },
            at: at(2, 5),
        }])
        .await
        .unwrap();
    let records = store.deliveries_of(account, false, 10).await.unwrap();
    let first = records.iter().find(|r| r.id == deliveries[0]).unwrap();
    assert_eq!(first.state, "done");
}

/// The acknowledgement with the case number, then an officer's answer, to one citizen: the
/// answer is not due while the acknowledgement is in flight or waiting to be retried, even to
/// a second sender running at the same time, and is due once the first has left (or failed
/// for good). Another citizen's messages are not held up by it.
pub async fn messages_to_one_recipient_leave_in_the_order_they_were_written(store: Arc<dyn Store>) {
    use hotline_store::SendOutcome;
    setup_units(store.as_ref()).await;
    let citizen = |n: u32| {
        let mut new = report(
            UnitCode::province(22),
            "QN",
            at(2, n),
            &format!("citizen {n}"),
        );
        new.channel = Channel::Zalo;
        new.reply_sealed = Some(format!("sealed address {n}").into_bytes());
        new
    };
    let receipts = store.intake(&[citizen(1), citizen(2)]).await.unwrap();
    let outbound = |report: ReportId, body: &str| NewMessage {
        report,
        direction: Direction::Outbound,
        channel: Channel::Zalo,
        body_sealed: body.as_bytes().to_vec(),
        word_index: Vec::new(),
        attachments: Vec::new(),
        author: None,
        delivery: Some(Delivery::Queued),
        at: at(2, 3),
        event: "report.answered".into(),
        account: String::new(),
        platform_message_id: None,
    };
    let first = receipts[0].report;
    let ack = store.add_message(&outbound(first, "ack")).await.unwrap();
    let answer = store.add_message(&outbound(first, "answer")).await.unwrap();
    let other = store
        .add_message(&outbound(receipts[1].report, "other's ack"))
        .await
        .unwrap();
    let due = async |now| -> Vec<MessageId> {
        store
            .outbound_due(&[Channel::Zalo], now, 10)
            .await
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect()
    };
    assert_eq!(due(at(2, 4)).await, [ack, other]);

    // The acknowledgement is being sent: a second sender finds nothing more for this citizen.
    assert!(store.claim_outbound(ack, None, at(2, 5)).await.unwrap());
    assert_eq!(due(at(2, 4)).await, [other]);
    // It must be tried again later: the answer still waits behind it, even once the retry
    // is due.
    store
        .finish_outbound(
            ack,
            &SendOutcome::Retry {
                next_at: at(2, 6),
                error: "503".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(due(at(2, 5)).await, [other]);
    assert_eq!(due(at(2, 6)).await, [ack, other]);
    assert!(
        store
            .claim_outbound(ack, Some(at(2, 6)), at(2, 7))
            .await
            .unwrap()
    );
    store
        .finish_outbound(
            ack,
            &SendOutcome::Sent {
                account: "qn-zalo".into(),
                sent_id: "zalo-1".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(due(at(2, 6)).await, [answer, other]);

    // A message that failed for good no longer holds back the next.
    let later = store.add_message(&outbound(first, "later")).await.unwrap();
    assert!(store.claim_outbound(answer, None, at(2, 8)).await.unwrap());
    assert_eq!(due(at(2, 7)).await, [other]);
    store
        .finish_outbound(
            answer,
            &SendOutcome::Failed {
                account: None,
                error: "blocked by the user".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(due(at(2, 7)).await, [other, later]);

    // The citizen was asked to write back and stayed silent: the waiting message and those
    // queued behind it fail together, the other citizen's do not.
    let last = store.add_message(&outbound(first, "last")).await.unwrap();
    assert!(store.claim_outbound(later, None, at(2, 9)).await.unwrap());
    store
        .finish_outbound(
            later,
            &SendOutcome::Expired {
                account: "qn-zalo".into(),
                error: "silent for 7 days".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(due(at(2, 9)).await, [other]);
    let failed: Vec<(MessageId, Option<Delivery>)> = store
        .messages(first)
        .await
        .unwrap()
        .iter()
        .filter(|m| m.direction == Direction::Outbound)
        .map(|m| (m.id, m.delivery))
        .collect();
    assert_eq!(
        failed,
        [
            (ack, Some(Delivery::Sent)),
            (answer, Some(Delivery::Failed)),
            (later, Some(Delivery::Failed)),
            (last, Some(Delivery::Failed)),
        ]
    );
}

pub async fn channel_accounts_and_their_journal_take_each_delivery_and_message_once(
    store: Arc<dyn Store>,
) {
    use hotline_domain::platform::AccountName;
    use hotline_store::{DeliveryOutcome, NewChannelAccount};
    setup_units(store.as_ref()).await;
    let new = NewChannelAccount {
        platform: Channel::Whatsapp,
        name: AccountName::parse("qn-whatsapp").unwrap(),
        unit: UnitCode::province(22),
        secrets_sealed: b"sealed secrets".to_vec(),
        api_base: "https://graph.facebook.com".into(),
        at: at(1, 8),
    };
    let id = store.add_channel_account(&new).await.unwrap();
    assert!(matches!(
        store.add_channel_account(&new).await,
        Err(StoreError::Conflict(_))
    ));
    let other = NewChannelAccount {
        platform: Channel::Messenger,
        ..new.clone()
    };
    store.add_channel_account(&other).await.unwrap();
    let account = store
        .channel_account(Channel::Whatsapp, "qn-whatsapp")
        .await
        .unwrap();
    assert_eq!(
        (account.id, account.secrets_sealed.as_slice()),
        (id, &b"sealed secrets"[..])
    );
    assert!(!account.disabled);
    assert_eq!(store.channel_account_by_id(id).await.unwrap(), account);
    assert!(matches!(
        store.channel_account(Channel::Whatsapp, "nobody").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.channel_accounts().await.unwrap().len(), 2);

    // The journal: due in order, claimed once, finished; failures retried, then dead.
    let when = at(2, 3) + chrono::Duration::microseconds(654_321);
    let delivery = |body: &[u8]| hotline_store::NewDelivery {
        account_id: id,
        body_sealed: body.to_vec(),
        at: when,
    };
    let ids = store
        .journal_deliveries(&[delivery(b"sealed body 1"), delivery(b"sealed body 2")])
        .await
        .unwrap();
    let (first, second) = (ids[0], ids[1]);
    let due = store.due_deliveries(at(2, 4), 10).await.unwrap();
    assert_eq!(
        due.iter().map(|d| d.id).collect::<Vec<_>>(),
        [first, second]
    );
    assert_eq!(due[0].body_sealed, b"sealed body 1");
    assert_eq!(
        store
            .claim_deliveries(&[(first, due[0].next_at)], at(2, 5))
            .await
            .unwrap(),
        [first]
    );
    assert!(
        store
            .claim_deliveries(&[(first, due[0].next_at), (second, at(1, 0))], at(2, 5))
            .await
            .unwrap()
            .is_empty(),
        "taken already, and seen at another time"
    );
    store
        .finish_delivery(
            first,
            &DeliveryOutcome::Done {
                messages: 1,
                ignored: 0,
            },
            at(2, 4),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_deliveries(&[(second, due[1].next_at)], at(2, 5))
            .await
            .unwrap(),
        [second]
    );
    store
        .finish_delivery(
            second,
            &DeliveryOutcome::Retry {
                next_at: at(2, 6),
                error: "store busy".into(),
            },
            at(2, 4),
        )
        .await
        .unwrap();
    assert!(store.due_deliveries(at(2, 5), 10).await.unwrap().is_empty());
    let again = store.due_deliveries(at(2, 6), 10).await.unwrap();
    assert_eq!((again[0].id, again[0].attempts), (second, 1));
    store
        .finish_delivery(
            second,
            &DeliveryOutcome::Dead {
                error: "unreadable".into(),
            },
            at(2, 6),
        )
        .await
        .unwrap();
    let dead = store.deliveries_of(id, true, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].state.as_str(), dead[0].last_error.as_deref()),
        ("dead", Some("unreadable"))
    );
    let counts = store.delivery_counts(id, at(2, 7)).await.unwrap();
    assert_eq!((counts.dead, counts.queued, counts.last_hour), (1, 0, 0));
    assert_eq!(counts.last_received_at, Some(when));
    assert_eq!(
        store.delivery_counts(id, at(2, 4)).await.unwrap().last_hour,
        2
    );
    store.retry_delivery(second, at(3, 0)).await.unwrap();
    assert!(matches!(
        store.retry_delivery(second, at(3, 0)).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.due_deliveries(at(3, 0), 10).await.unwrap()[0].attempts,
        0
    );
    let all = store.deliveries_of(id, false, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|d| d.id).collect::<Vec<_>>(),
        [second, first],
        "newest first"
    );
    assert_eq!(all[1].messages, 1);

    // A sender's open report, and a message taken in once.
    let mut from_whatsapp = report(UnitCode::province(22), "QN", at(2, 3), "first");
    from_whatsapp.channel = Channel::Whatsapp;
    from_whatsapp.account = "qn-whatsapp".into();
    from_whatsapp.platform_message_id = Some("wamid.1".into());
    from_whatsapp.sender_index = Some(b"sender-index".to_vec());
    from_whatsapp.reply_sealed = Some(b"sealed reply address".to_vec());
    let receipt = store.intake(&[from_whatsapp]).await.unwrap().remove(0);
    assert_eq!(
        store.open_reports_of_sender(b"sender-index").await.unwrap(),
        std::slice::from_ref(&receipt.case_number)
    );
    assert!(
        store
            .open_reports_of_sender(b"someone else")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.reply_sealed(receipt.report).await.unwrap().as_deref(),
        Some(&b"sealed reply address"[..])
    );
    let follow = NewMessage {
        report: receipt.report,
        direction: Direction::Inbound,
        channel: Channel::Whatsapp,
        body_sealed: b"sealed: more".to_vec(),
        word_index: Vec::new(),
        attachments: Vec::new(),
        author: None,
        delivery: None,
        at: at(2, 4),
        event: "report.reporter_added".into(),
        account: "qn-whatsapp".into(),
        platform_message_id: Some("wamid.2".into()),
    };
    store.add_message(&follow).await.unwrap();
    assert!(matches!(
        store.add_message(&follow).await,
        Err(StoreError::Conflict(_))
    ));
    let first_again = NewMessage {
        platform_message_id: Some("wamid.1".into()),
        ..follow.clone()
    };
    assert!(matches!(
        store.add_message(&first_again).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.messages(receipt.report).await.unwrap().len(), 2);

    // Our answer: due for sending, claimed once, retried, sent; then what the platform says
    // of it only moves forward.
    let answer = NewMessage {
        direction: Direction::Outbound,
        delivery: Some(Delivery::Queued),
        platform_message_id: None,
        account: String::new(),
        ..follow
    };
    let answer_id = store.add_message(&answer).await.unwrap();
    let due = store
        .outbound_due(&[Channel::Whatsapp, Channel::Messenger], at(2, 5), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].id, due[0].next_at), (answer_id, None));
    assert_eq!(due[0].case_number, receipt.case_number);
    assert!(
        store
            .outbound_due(&[Channel::Messenger], at(2, 5), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .claim_outbound(answer_id, None, at(2, 6))
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_outbound(answer_id, None, at(2, 6))
            .await
            .unwrap()
    );
    assert!(
        store
            .outbound_due(&[Channel::Whatsapp], at(2, 5), 10)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .finish_outbound(
            answer_id,
            &hotline_store::SendOutcome::Retry {
                next_at: at(2, 7),
                error: "503 down".into(),
            },
        )
        .await
        .unwrap();
    let again = store
        .outbound_due(&[Channel::Whatsapp], at(2, 7), 10)
        .await
        .unwrap();
    assert_eq!((again[0].attempts, again[0].next_at), (1, Some(at(2, 7))));
    assert!(
        store
            .claim_outbound(answer_id, Some(at(2, 7)), at(2, 8))
            .await
            .unwrap()
    );
    store
        .finish_outbound(
            answer_id,
            &hotline_store::SendOutcome::Sent {
                account: "qn-whatsapp".into(),
                sent_id: "wamid.OURS".into(),
            },
        )
        .await
        .unwrap();
    assert!(
        store
            .outbound_due(&[Channel::Whatsapp], at(3, 0), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.last_inbound_at(receipt.report).await.unwrap(),
        Some(at(2, 4))
    );
    let update = async |d: Delivery| {
        store
            .update_sent_delivery(Channel::Whatsapp, "qn-whatsapp", "wamid.OURS", d, None)
            .await
            .unwrap()
    };
    assert!(update(Delivery::Read).await);
    assert!(update(Delivery::Delivered).await);
    let last = store.messages(receipt.report).await.unwrap().pop().unwrap();
    assert_eq!(
        last.delivery,
        Some(Delivery::Read),
        "a late 'delivered' does not undo 'read'"
    );
    assert!(
        !store
            .update_sent_delivery(
                Channel::Whatsapp,
                "qn-whatsapp",
                "wamid.2",
                Delivery::Read,
                None
            )
            .await
            .unwrap(),
        "only our own messages"
    );

    // A file of the first message: queued once, fetched, kept with that message.
    use hotline_store::{MediaOutcome, NewMediaFetch};
    let fetch = NewMediaFetch {
        account_id: id,
        platform_message_id: "wamid.1".into(),
        position: 0,
        ref_sealed: b"sealed media id".to_vec(),
        at: at(2, 4),
    };
    assert!(store.queue_media_fetch(&fetch).await.unwrap());
    assert!(!store.queue_media_fetch(&fetch).await.unwrap(), "once");
    let due = store.due_media_fetches(at(2, 5), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].position, due[0].ref_sealed.as_slice()),
        (0, &b"sealed media id"[..])
    );
    assert!(
        store
            .claim_media_fetch(due[0].id, due[0].next_at, at(2, 6))
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_media_fetch(due[0].id, due[0].next_at, at(2, 6))
            .await
            .unwrap()
    );
    let (report, case, message) = store
        .message_by_platform_id(Channel::Whatsapp, "qn-whatsapp", "wamid.1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (report, case),
        (receipt.report, receipt.case_number.clone())
    );
    assert!(
        store
            .message_by_platform_id(Channel::Whatsapp, "qn-whatsapp", "wamid.none")
            .await
            .unwrap()
            .is_none()
    );
    let photo = NewAttachment {
        file_name: "evidence-1.jpg".into(),
        content_type: "image/jpeg".into(),
        size_bytes: 10,
        sha256: "stored".into(),
        original_sha256: "received".into(),
        metadata_removed: true,
        content_sealed: b"sealed photo".to_vec(),
    };
    store
        .add_attachments(report, message, &[photo], at(2, 6))
        .await
        .unwrap();
    store
        .finish_media_fetch(due[0].id, &MediaOutcome::Kept)
        .await
        .unwrap();
    assert!(
        store
            .due_media_fetches(at(3, 0), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let kept = store.attachments(report).await.unwrap();
    assert_eq!(
        (kept.len(), kept[0].file_name.as_str()),
        (1, "evidence-1.jpg")
    );
}

pub async fn an_account_keeps_its_cursor_with_what_it_fetched_and_its_rotated_secrets(
    store: Arc<dyn Store>,
) {
    use hotline_domain::platform::AccountName;
    use hotline_store::NewChannelAccount;
    setup_units(store.as_ref()).await;
    let id = store
        .add_channel_account(&NewChannelAccount {
            platform: Channel::Telegram,
            name: AccountName::parse("qn-telegram").unwrap(),
            unit: UnitCode::province(22),
            secrets_sealed: b"sealed v1".to_vec(),
            api_base: "https://api.telegram.org".into(),
            at: at(1, 8),
        })
        .await
        .unwrap();
    let account = store.channel_account_by_id(id).await.unwrap();
    assert_eq!((account.cursor, account.checked_at), (None, None));
    // Updates and the offset past them, together.
    let delivery = |body: &[u8]| hotline_store::NewDelivery {
        account_id: id,
        body_sealed: body.to_vec(),
        at: at(2, 0),
    };
    let ids = store
        .journal_fetched(
            id,
            &[delivery(b"update 900"), delivery(b"update 901")],
            (None, "902"),
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(
        store
            .channel_account_by_id(id)
            .await
            .unwrap()
            .cursor
            .as_deref(),
        Some("902")
    );
    assert_eq!(store.due_deliveries(at(2, 1), 10).await.unwrap().len(), 2);
    // An account that is not there: neither the updates nor the offset.
    assert!(matches!(
        store
            .journal_fetched(id + 100, &[delivery(b"x")], (None, "1"))
            .await,
        Err(StoreError::NotFound)
    ));
    // A cursor another node moved meanwhile: neither the updates nor the offset.
    assert!(matches!(
        store
            .journal_fetched(id, &[delivery(b"x")], (Some("900"), "901"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store
            .channel_account_by_id(id)
            .await
            .unwrap()
            .cursor
            .as_deref(),
        Some("902")
    );
    assert_eq!(store.due_deliveries(at(2, 1), 10).await.unwrap().len(), 2);
    // Credentials replaced only over the ones read.
    assert!(
        store
            .replace_channel_secrets(id, b"sealed v1", b"sealed v2")
            .await
            .unwrap()
    );
    assert!(
        !store
            .replace_channel_secrets(id, b"sealed v1", b"sealed v3")
            .await
            .unwrap(),
        "another node replaced them first"
    );
    assert_eq!(
        store
            .channel_account_by_id(id)
            .await
            .unwrap()
            .secrets_sealed,
        b"sealed v2"
    );
    let checked = at(3, 4) + chrono::Duration::microseconds(250_000);
    store.record_channel_check(id, checked).await.unwrap();
    assert_eq!(
        store.channel_account_by_id(id).await.unwrap().checked_at,
        Some(checked)
    );
}

pub async fn a_contact_shared_later_joins_its_report(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let everything = Visibility::Subtree(String::new());
    let receipts = store
        .intake(&[
            report(UnitCode::province(22), "QN", at(2, 0), "không liên hệ"),
            report(UnitCode::province(22), "QN", at(2, 1), "có liên hệ"),
        ])
        .await
        .unwrap();
    let contact = |sealed: &[u8], index: &[u8]| NewContact {
        sealed: sealed.to_vec(),
        phone_index: Some(index.to_vec()),
    };
    // A report without a contact gets one.
    store
        .set_report_contact(
            receipts[0].report,
            &contact(b"sealed phone", b"phone-a"),
            at(2, 5),
        )
        .await
        .unwrap();
    let detail = store
        .report(&everything, &receipts[0].case_number)
        .await
        .unwrap();
    assert_eq!(detail.contact_phone_index.as_deref(), Some(&b"phone-a"[..]));
    let first = detail.contact.unwrap();
    assert_eq!(
        store.sealed_contact(first).await.unwrap().as_deref(),
        Some(&b"sealed phone"[..])
    );
    // One that has one has it replaced in place: no second identity row left behind.
    store
        .set_report_contact(
            receipts[0].report,
            &contact(b"sealed name and phone", b"phone-b"),
            at(2, 6),
        )
        .await
        .unwrap();
    let detail = store
        .report(&everything, &receipts[0].case_number)
        .await
        .unwrap();
    assert_eq!(detail.contact, Some(first));
    assert_eq!(
        store.sealed_contact(first).await.unwrap().as_deref(),
        Some(&b"sealed name and phone"[..])
    );
    assert_eq!(detail.contact_phone_index.as_deref(), Some(&b"phone-b"[..]));
    let other = store
        .report(&everything, &receipts[1].case_number)
        .await
        .unwrap();
    assert!(other.contact.is_none(), "the other report is untouched");
    assert!(matches!(
        store
            .set_report_contact(
                hotline_domain::ReportId(999_999),
                &contact(b"x", b"y"),
                at(2, 7)
            )
            .await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_call_is_recorded_once_and_a_missed_one_waits_for_its_callback(
    store: Arc<dyn Store>,
) {
    use hotline_domain::platform::AccountName;
    use hotline_store::{NewCall, NewChannelAccount};
    setup_units(store.as_ref()).await;
    let staff = store
        .create_staff(&NewStaff {
            username: "qn.truc".into(),
            display_name: "Trực ban".into(),
            password_hash: "$argon2id$fake".into(),
            role: Role::DutyOfficer,
            unit: UnitCode::province(22),
            created_at: at(1, 8),
        })
        .await
        .unwrap()
        .id;
    let account = store
        .add_channel_account(&NewChannelAccount {
            platform: Channel::Phone,
            name: AccountName::parse("qn-pbx").unwrap(),
            unit: UnitCode::province(22),
            secrets_sealed: b"sealed".to_vec(),
            api_base: String::new(),
            at: at(1, 8),
        })
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
        .record_callback(missed, ("no_answer", false), (staff, at(3, 0)))
        .await
        .unwrap();
    assert_eq!(
        store.waiting_callbacks(10).await.unwrap()[0].callback_attempts,
        1
    );
    store
        .record_callback(missed, ("reached", true), (staff, at(3, 1)))
        .await
        .unwrap();
    assert!(store.waiting_callbacks(10).await.unwrap().is_empty());
    assert!(matches!(
        store
            .record_callback(missed, ("reached", true), (staff, at(3, 2)))
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.call_by_id(missed).await.unwrap().callback, "done");
}

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
