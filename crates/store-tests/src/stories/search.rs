//! Search and the word index behind it.

use crate::fixtures::{at, report, setup_units};
use hotline_domain::ReportEvent;
use hotline_domain::{Channel, Direction, ReportId, ReportStatus, UnitCode};
use hotline_store::{NewContact, NewMessage, PurgeRule, Store, Visibility};
use std::sync::Arc;

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
        sent_at: None,
        event: ReportEvent::ReporterAdded,
        account: String::new(),
        platform_message_id: None,
    };
    store.add_message(&added, None).await.unwrap();
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

pub async fn a_report_indexed_again_keeps_only_its_new_words_and_later_ones(store: Arc<dyn Store>) {
    setup_units(store.as_ref()).await;
    let words = |list: &[&str]| -> Vec<Vec<u8>> {
        list.iter()
            .map(|w| format!("digest-of-{w}").into_bytes())
            .collect()
    };
    let found = async |word: &str| {
        store
            .search_reports(&Visibility::Subtree(String::new()), &words(&[word]), 10)
            .await
            .unwrap()
            .len()
    };
    assert!(
        store
            .reports_to_reindex(ReportId(0), 10)
            .await
            .unwrap()
            .is_empty(),
        "a new store has nothing indexed the old way"
    );
    let mut fraud = report(UnitCode::province(22), "QN", at(2, 0), "lừa đảo");
    fraud.word_index = words(&["lua", "0936", "888"]);
    let receipt = store.intake(&[fraud]).await.unwrap().remove(0);
    assert_eq!(found("0936").await, 1);
    let message = |list: &[&str], minute| NewMessage {
        report: receipt.report,
        direction: Direction::Inbound,
        channel: Channel::Web,
        body_sealed: b"sealed".to_vec(),
        word_index: words(list),
        attachments: Vec::new(),
        author: None,
        delivery: None,
        at: at(3, minute),
        sent_at: None,
        event: ReportEvent::ReporterAdded,
        account: String::new(),
        platform_message_id: None,
    };
    // Queued before the texts were read: the new words cover it.
    store
        .add_message(&message(&["777"], 0), None)
        .await
        .unwrap();
    let covered = store.queued_word_entries(receipt.report).await.unwrap();
    assert_eq!(
        covered.len(),
        1,
        "the message's: the search moved the report's own"
    );
    // Queued after: kept.
    store
        .add_message(&message(&["sau"], 1), None)
        .await
        .unwrap();
    store
        .replace_word_index(receipt.report, &words(&["lua", "personal"]), &covered)
        .await
        .unwrap();
    for gone in ["0936", "888", "777"] {
        assert_eq!(found(gone).await, 0, "{gone}");
    }
    for kept in ["lua", "personal", "sau"] {
        assert_eq!(found(kept).await, 1, "{kept}");
    }
}
