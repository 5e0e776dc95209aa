//! Leases, shared allowances and attempt counters: what several nodes agree on through the
//! store, each asked at once from many tasks as nodes would.

use crate::fixtures::at;
use chrono::Duration as Span;
use hotline_store::{Allowance, AttemptKey, Store};
use std::sync::Arc;
use std::time::Duration;

pub async fn a_lease_has_one_holder_until_it_lapses_or_is_given_up(store: Arc<dyn Store>) {
    let now = at(1, 8);
    let until = now + Span::seconds(30);
    // Ten nodes ask at once: exactly one holds it.
    let asks: Vec<_> = (0..10)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .hold_lease("alerts", &format!("node-{n}"), now, until)
                    .await
                    .unwrap()
                    .then_some(n)
            })
        })
        .collect();
    let mut holders = Vec::new();
    for ask in asks {
        holders.extend(ask.await.unwrap());
    }
    assert_eq!(holders.len(), 1, "{holders:?}");
    let holder = format!("node-{}", holders[0]);
    let other = if holders[0] == 0 { "node-1" } else { "node-0" };

    // Its holder renews it; another is refused while it runs, even a moment before it ends.
    let later = now + Span::seconds(20);
    assert!(
        store
            .hold_lease("alerts", &holder, later, later + Span::seconds(30))
            .await
            .unwrap()
    );
    let before_end = later + Span::seconds(29);
    assert!(
        !store
            .hold_lease("alerts", other, before_end, before_end + Span::seconds(30))
            .await
            .unwrap()
    );
    // Another lease is another thing.
    assert!(
        store
            .hold_lease("mailbox:1", other, now, until)
            .await
            .unwrap()
    );

    // Lapsed (its holder died): taken over.
    let lapsed = later + Span::seconds(30);
    assert!(
        store
            .hold_lease("alerts", other, lapsed, lapsed + Span::seconds(30))
            .await
            .unwrap()
    );
    assert!(
        !store
            .hold_lease("alerts", &holder, lapsed, lapsed + Span::seconds(30))
            .await
            .unwrap(),
        "the old holder, back, finds it taken"
    );

    // Given up: taken at once; given up by one who does not hold it: nothing happens.
    store.release_lease("alerts", &holder).await.unwrap();
    assert!(
        !store
            .hold_lease("alerts", &holder, lapsed, lapsed + Span::seconds(30))
            .await
            .unwrap()
    );
    store.release_lease("alerts", other).await.unwrap();
    assert!(
        store
            .hold_lease("alerts", &holder, lapsed, lapsed + Span::seconds(30))
            .await
            .unwrap()
    );

    // A node stopping gives up all it holds, and nothing of others; the embedded store's one
    // process forgets them all at start.
    store.release_leases_of(other).await.unwrap();
    for (name, free) in [("mailbox:1", true), ("alerts", false)] {
        assert_eq!(
            store
                .hold_lease(name, "node-new", lapsed, lapsed + Span::seconds(30))
                .await
                .unwrap(),
            free,
            "{name}"
        );
    }
    store.forget_leases().await.unwrap();
    assert!(
        store
            .hold_lease("alerts", "node-new", lapsed, lapsed + Span::seconds(30))
            .await
            .unwrap()
    );
}

pub async fn an_allowance_is_shared_by_every_caller_and_earned_back_over_time(
    store: Arc<dyn Store>,
) {
    let allowance = Allowance {
        period: Duration::from_secs(10),
        burst: 3,
    };
    let now = at(1, 8);
    // Twenty submissions at once from one client, as from several nodes: three go through.
    let takes: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.take_allowance("client-a", allowance, now).await })
        })
        .collect();
    let mut waits = Vec::new();
    for take in takes {
        waits.push(take.await.unwrap().unwrap());
    }
    assert_eq!(waits.iter().filter(|w| w.is_none()).count(), 3, "{waits:?}");
    for wait in waits.iter().flatten() {
        assert_eq!(*wait, Duration::from_secs(10));
    }
    // Another client has its own.
    assert_eq!(
        store
            .take_allowance("client-b", allowance, now)
            .await
            .unwrap(),
        None
    );
    // One comes back each period, not more.
    let one_later = now + Span::seconds(10);
    assert_eq!(
        store
            .take_allowance("client-a", allowance, one_later)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .take_allowance("client-a", allowance, one_later + Span::seconds(4))
            .await
            .unwrap(),
        Some(Duration::from_secs(6))
    );

    // Once full again, the row goes; a later take starts afresh.
    let much_later = now + Span::minutes(5);
    let forgotten = store
        .forget_spent_limits(Duration::from_secs(900), much_later)
        .await
        .unwrap();
    assert_eq!(forgotten, 2);
    for _ in 0..3 {
        assert_eq!(
            store
                .take_allowance("client-a", allowance, much_later)
                .await
                .unwrap(),
            None
        );
    }
}

pub async fn failed_attempts_make_later_ones_wait_across_callers(store: Arc<dyn Store>) {
    let longest = Duration::from_secs(900);
    let now = at(1, 8);
    let account = AttemptKey {
        key: "account",
        free: 3,
    };
    let address = AttemptKey {
        key: "address",
        free: 10,
    };
    // Ten guesses at once: three are free, the rest wait (counted and checked under the
    // counters' locks, so none slips through).
    let tries: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .count_attempt(&[account, address], longest, now)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut refused = 0;
    for attempt in tries {
        if let Some(wait) = attempt.await.unwrap() {
            assert_eq!(wait, Duration::from_secs(1));
            refused += 1;
        }
    }
    assert_eq!(refused, 7, "three free; the fourth waits a second");

    // A refused attempt counts against nothing: the address still has its allowance.
    let second = now + Span::seconds(1);
    assert_eq!(
        store
            .count_attempt(&[account, address], longest, second)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .count_attempt(&[account], longest, second + Span::seconds(1))
            .await
            .unwrap(),
        Some(Duration::from_secs(1)),
        "four counted: the next waits two seconds from the last"
    );

    // A success takes its attempt back; forgetting clears the account.
    store.take_back_attempt("account").await.unwrap();
    store.forget_attempts(&["account"]).await.unwrap();
    assert_eq!(
        store
            .count_attempt(&[account], longest, second)
            .await
            .unwrap(),
        None
    );

    // Counters are kept a day after their last attempt (a guesser who waits out the longest
    // wait finds it still there), then forgotten.
    let day = Duration::from_secs(86_400);
    let forgotten = store
        .forget_spent_limits(day, second + Span::seconds(86_399))
        .await
        .unwrap();
    assert_eq!(forgotten, 0);
    let forgotten = store
        .forget_spent_limits(day, second + Span::seconds(86_400))
        .await
        .unwrap();
    assert_eq!(forgotten, 2);
}
