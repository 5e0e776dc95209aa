//! Intake: numbers without gaps or repeats, whole batches, redeliveries.

use crate::fixtures::{at, first_commune_of_22, report, setup_units};
use chrono::Duration;
use hotline_domain::{CaseNumber, Channel, Direction, ReportStatus, UnitCode};
use hotline_store::{NewAttachment, NewContact, NewReport, Store, StoreError, Visibility};
use std::collections::HashSet;
use std::sync::Arc;

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
    assert_eq!(events[0].what.kind_str(), "report.received");
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
        let kinds: Vec<&str> = events.iter().map(|e| e.what.kind_str()).collect();
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
