//! Channel accounts, the delivery journal and taking deliveries apart.

use crate::fixtures::{at, audited, report, setup_units};
use hotline_domain::ReportEvent;
use hotline_domain::{Channel, Delivery, Direction, ReportId, UnitCode};
use hotline_store::{NewAttachment, NewContact, NewMessage, Store, StoreError, Visibility};
use std::sync::Arc;

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
    let id = store.add_channel_account(&new, audited()).await.unwrap();
    assert!(matches!(
        store.add_channel_account(&new, audited()).await,
        Err(StoreError::Conflict(_))
    ));
    let other = NewChannelAccount {
        platform: Channel::Messenger,
        ..new.clone()
    };
    store.add_channel_account(&other, audited()).await.unwrap();
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
    store.retry_delivery(second, audited()).await.unwrap();
    assert!(matches!(
        store.retry_delivery(second, audited()).await,
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
        sent_at: None,
        event: ReportEvent::ReporterAdded,
        account: "qn-whatsapp".into(),
        platform_message_id: Some("wamid.2".into()),
    };
    store.add_message(&follow, None).await.unwrap();
    assert!(matches!(
        store.add_message(&follow, None).await,
        Err(StoreError::Conflict(_))
    ));
    let first_again = NewMessage {
        platform_message_id: Some("wamid.1".into()),
        ..follow.clone()
    };
    assert!(matches!(
        store.add_message(&first_again, None).await,
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
    let answer_id = store.add_message(&answer, None).await.unwrap();
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

    // A message its platform held, or a gateway replayed, keeps the place it was sent in:
    // before the later one that arrived first and began the report, and before the answer
    // written after both; the window for answers runs from the last one the citizen sent.
    let mut second_sent = crate::fixtures::report(UnitCode::province(22), "QN", at(4, 5), "2");
    second_sent.channel = Channel::Whatsapp;
    second_sent.account = "qn-whatsapp".into();
    second_sent.platform_message_id = Some("wamid.R2".into());
    second_sent.sent_at = Some(at(4, 2));
    let replayed = store.intake(&[second_sent]).await.unwrap().remove(0);
    let first_sent = NewMessage {
        report: replayed.report,
        direction: Direction::Inbound,
        channel: Channel::Whatsapp,
        body_sealed: b"sealed:1".to_vec(),
        word_index: Vec::new(),
        attachments: Vec::new(),
        author: None,
        delivery: None,
        at: at(4, 6),
        sent_at: Some(at(4, 1)),
        event: ReportEvent::ReporterAdded,
        account: "qn-whatsapp".into(),
        platform_message_id: Some("wamid.R1".into()),
    };
    store.add_message(&first_sent, None).await.unwrap();
    let answer = NewMessage {
        direction: Direction::Outbound,
        body_sealed: b"sealed:answer".to_vec(),
        delivery: Some(Delivery::Queued),
        at: at(4, 7),
        sent_at: None,
        account: String::new(),
        platform_message_id: None,
        ..first_sent
    };
    store.add_message(&answer, None).await.unwrap();
    let listed: Vec<_> = store
        .messages(replayed.report)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.sealed_body.unwrap(), m.created_at, m.sent_at))
        .collect();
    assert_eq!(
        listed,
        [
            (b"sealed:1".to_vec(), at(4, 6), Some(at(4, 1))),
            (b"sealed:2".to_vec(), at(4, 5), Some(at(4, 2))),
            (b"sealed:answer".to_vec(), at(4, 7), None),
        ]
    );
    assert_eq!(
        store.last_inbound_at(replayed.report).await.unwrap(),
        Some(at(4, 2))
    );
}

/// What taking deliveries apart writes is committed together: each message once (a
/// redelivered one comes back as taken in before, without failing the rest), the deliveries'
/// outcomes with them, and nothing at all when one write fails.
pub async fn taking_deliveries_apart_commits_messages_and_outcomes_together(store: Arc<dyn Store>) {
    use hotline_domain::platform::AccountName;
    use hotline_store::{DeliveryOutcome, NewChannelAccount, NewDelivery, TakeApartWrite};
    setup_units(store.as_ref()).await;
    let account = store
        .add_channel_account(
            &NewChannelAccount {
                platform: Channel::Whatsapp,
                name: AccountName::parse("qn-whatsapp").unwrap(),
                unit: UnitCode::province(22),
                secrets_sealed: b"sealed secrets".to_vec(),
                api_base: "https://graph.facebook.com".into(),
                at: at(1, 8),
            },
            audited(),
        )
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
        sent_at: None,
        event: ReportEvent::ReporterAdded,
        account: "qn-whatsapp".into(),
        platform_message_id: Some(id.into()),
    };
    let written = |message: NewMessage| TakeApartWrite::Message {
        message: Box::new(message),
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

pub async fn an_account_keeps_its_cursor_with_what_it_fetched_and_its_rotated_secrets(
    store: Arc<dyn Store>,
) {
    use hotline_domain::platform::AccountName;
    use hotline_store::NewChannelAccount;
    setup_units(store.as_ref()).await;
    let id = store
        .add_channel_account(
            &NewChannelAccount {
                platform: Channel::Telegram,
                name: AccountName::parse("qn-telegram").unwrap(),
                unit: UnitCode::province(22),
                secrets_sealed: b"sealed v1".to_vec(),
                api_base: "https://api.telegram.org".into(),
                at: at(1, 8),
            },
            audited(),
        )
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
