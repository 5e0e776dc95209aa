//! Notifications sent once, with their attempts.

use crate::fixtures::{at, audited, report, setup_units};
use hotline_domain::{Role, StaffId, UnitCode, Urgency};
use hotline_store::{NewStaff, Store};
use std::sync::Arc;

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
        must_change_password: false,
    };
    let duty = store
        .create_staff(&member("qn.duty"), audited())
        .await
        .unwrap();
    let other = store
        .create_staff(&member("qn.other"), audited())
        .await
        .unwrap();
    // Addresses are kept in order and replaced whole.
    let mail = NotifyAddress::parse(NotifyChannel::Email, "a@example.invalid", "a").unwrap();
    let chat = NotifyAddress::parse(NotifyChannel::Telegram, "42", "a").unwrap();
    store
        .set_notify_addresses(duty.id, &[chat.clone(), mail.clone()], audited())
        .await
        .unwrap();
    store
        .set_notify_addresses(duty.id, &[mail.clone(), chat.clone()], audited())
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
