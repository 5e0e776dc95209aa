//! Handling: triage, notes, merges, procedure steps.

use crate::fixtures::{at, audited, first_commune_of_22, report, setup_units};
use hotline_domain::ReportEvent;
use hotline_domain::deadline::DeadlineRule;
use hotline_domain::vocabulary::OfferedHints;
use hotline_domain::workflow::{Action, NoticeKind, Recipient, Stage};
use hotline_domain::{
    Channel, Delivery, Direction, LegalType, ReportStatus, Role, Topic, UnitCode, Urgency,
};
use hotline_store::{
    Due, FacetCount, NewMessage, NewNote, NewNotice, NewStaff, NewStep, NoticeSent, ProcedureState,
    PurgeRule, ReportCursor, ReportFilter, ReportOrder, Store, StoreError, Triage, Visibility,
};
use std::sync::Arc;

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
        .create_staff(
            &NewStaff {
                username: "qn.duty".into(),
                display_name: "Trực ban Quảng Ninh".into(),
                password_hash: "x".into(),
                role: Role::DutyOfficer,
                unit: qn.clone(),
                created_at: at(1, 0),
                must_change_password: false,
            },
            audited(),
        )
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
        clock_start: None,
        from_stage: Stage::Received,
        from_legal_type: None,
        accused_named: false,
        hinted: Some(OfferedHints {
            legal_type: LegalType::CrimeDenunciation,
            topic: Topic::Gambling,
            urgency: Urgency::Normal,
        }),
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
        from_legal_type: Some(LegalType::CrimeDenunciation),
        ..triage.clone()
    };
    // Read before a mark named the accused, it is refused once one is named... and read with
    // another type, too.
    for stale in [
        Triage {
            accused_named: true,
            ..corrected.clone()
        },
        Triage {
            from_legal_type: Some(LegalType::Complaint),
            ..corrected.clone()
        },
    ] {
        assert!(matches!(
            store
                .set_triage(&mine, &main.1, &stale, staff.id, at(3, 1), audited())
                .await,
            Err(StoreError::Conflict(_))
        ));
    }
    store
        .set_triage(&mine, &main.1, &corrected, staff.id, at(3, 1), audited())
        .await
        .unwrap();
    let first = store.first_triages(at(1, 0)).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].0, main.0);
    assert!(
        first[0].1.what.detail().contains(" topic=drugs"),
        "{}",
        first[0].1.what.detail()
    );
    assert!(first[0].1.what.detail().contains("hinted_topic=gambling"));
    assert!(store.first_triages(at(3, 1)).await.unwrap().is_empty());
    let restored = Triage {
        from_stage: Stage::Triaged,
        from_legal_type: Some(LegalType::CrimeDenunciation),
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
    assert_eq!(last.what.kind_str(), "report.triaged");
    assert!(
        last.what.detail().contains("topic=drugs") && last.what.detail().contains("urgency=urgent")
    );
    assert!(
        last.what.detail().contains("hinted_topic=gambling"),
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

/// A notice recorded as sent on the web follow-up page, without its answer.
pub(crate) fn sent_by_web(notice: i64) -> NoticeSent {
    NoticeSent {
        notice,
        via: "web".into(),
        reply: None,
    }
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
        .create_staff(
            &NewStaff {
                username: "qn.leader".into(),
                display_name: "Lãnh đạo".into(),
                password_hash: "x".into(),
                role: Role::UnitLeader,
                unit: qn.clone(),
                created_at: at(1, 0),
                must_change_password: false,
            },
            audited(),
        )
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
        from_legal_type: None,
        action: Action::Accept,
        after: accepted,
        switch_to: None,
        hand_to: None,
        holder: qn.clone(),
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
    assert_eq!(event.what.kind_str(), "report.step");
    assert!(event.what.detail().contains("number=12/QĐ-CSHS"));

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
        sent_at: None,
        event: ReportEvent::Replied,
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

    // A step that moves the report into another procedure gives it its type and a register
    // line of its own; read with another type, it is refused.
    let lines_before = store.register_entries(receipt.report).await.unwrap().len();
    let into_crime_flow = NewStep {
        from: Stage::Accepted,
        from_extensions: 0,
        from_legal_type: None,
        action: Action::SendToCrimeFlow,
        after: ProcedureState {
            clock_start: Some(at(5, 0)),
            resumed_at: Some(at(5, 1)),
            ..ProcedureState::at(Stage::ToCrimeFlow)
        },
        switch_to: Some(LegalType::CrimeDenunciation),
        at: at(5, 0),
        notices: Vec::new(),
        ..step.clone()
    };
    let misread = NewStep {
        from_legal_type: Some(LegalType::PoliceConduct),
        ..into_crime_flow.clone()
    };
    assert!(matches!(
        store
            .take_step(&mine, &receipt.case_number, &misread, audited())
            .await,
        Err(StoreError::Conflict(_))
    ));
    store
        .take_step(&mine, &receipt.case_number, &into_crime_flow, audited())
        .await
        .unwrap();
    let detail = store.report(&mine, &receipt.case_number).await.unwrap();
    assert_eq!(
        detail.summary.legal_type,
        Some(LegalType::CrimeDenunciation)
    );
    assert_eq!(detail.procedure, into_crime_flow.after);
    let lines = store.register_entries(receipt.report).await.unwrap();
    assert_eq!(lines.len(), lines_before + 1);
    assert!(
        lines
            .iter()
            .any(|l| l.unit == qn && l.received_at == at(5, 0) && l.transferred_from.is_none())
    );
}
