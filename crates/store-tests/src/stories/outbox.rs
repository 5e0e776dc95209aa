//! Messages to reporters, in the order written.

use crate::fixtures::{at, report, setup_units};
use hotline_domain::ReportEvent;
use hotline_domain::{Channel, Delivery, Direction, MessageId, ReportId, UnitCode};
use hotline_store::{NewMessage, Store};
use std::sync::Arc;

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
        sent_at: None,
        event: ReportEvent::Replied,
        account: String::new(),
        platform_message_id: None,
    };
    let first = receipts[0].report;
    let ack = store
        .add_message(&outbound(first, "ack"), None)
        .await
        .unwrap();
    let answer = store
        .add_message(&outbound(first, "answer"), None)
        .await
        .unwrap();
    let other = store
        .add_message(&outbound(receipts[1].report, "other's ack"), None)
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
    let later = store
        .add_message(&outbound(first, "later"), None)
        .await
        .unwrap();
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
    let last = store
        .add_message(&outbound(first, "last"), None)
        .await
        .unwrap();
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
