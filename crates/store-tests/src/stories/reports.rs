//! Reading reports: visibility, the inbox, the reporter's own view, evidence.

use crate::fixtures::{at, audited, first_commune_of_22, member, report, setup_units};
use chrono::Duration;
use hotline_domain::ReportEvent;
use hotline_domain::conduct::AccusedPost;
use hotline_domain::workflow::Stage;
use hotline_domain::{
    CaseNumber, Channel, Delivery, Direction, LegalType, ReportStatus, Role, UnitCode, Urgency,
};
use hotline_store::{
    AccusedCorrection, AssigneeFilter, ConductMark, Handover, NewAttachment, NewMessage, NewReport,
    ProcedureState, PurgeRule, ReportCursor, ReportFilter, ReportOrder, ReportSummary, Store,
    StoreError, TypeCorrection, Visibility,
};
use std::sync::Arc;

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
    let inspector = member(
        store.as_ref(),
        "thanh.tra",
        Role::Inspector,
        UnitCode::province(22),
    )
    .await
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
                holder: commune.clone(),
                accused_unit: commune.clone(),
                accused_post: None,
                head_settles: false,
                legal_type: LegalType::PoliceConduct,
                from_stage: Stage::Received,
                from_legal_type: None,
                move_to: None,
                handover_reason: "",
                stage: Stage::InformationOnly,
                deadline: None,
                notices: Vec::new(),
            },
            inspector,
            at(6, 5),
            audited(),
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
                        holder: commune.clone(),
                        accused_unit: commune.clone(),
                        accused_post: None,
                        head_settles: false,
                        legal_type: LegalType::PoliceConduct,
                        from_stage: Stage::Received,
                        from_legal_type: None,
                        move_to: None,
                        handover_reason: "",
                        stage: Stage::InformationOnly,
                        deadline: None,
                        notices: Vec::new(),
                    },
                    inspector,
                    at(6, 6),
                    audited()
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
                holder: UnitCode::province(22),
                accused_unit: UnitCode::province(22),
                accused_post: Some(AccusedPost::Head),
                head_settles: false,
                // A crime stays a crime: the mark only walls it off.
                legal_type: LegalType::CrimeDenunciation,
                from_stage: Stage::Received,
                from_legal_type: None,
                move_to: None,
                handover_reason: "",
                stage: Stage::InformationOnly,
                deadline: None,
                notices: Vec::new(),
            },
            inspector,
            at(6, 7),
            audited(),
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
    assert_eq!(
        store
            .report(&everything, &about_director)
            .await
            .unwrap()
            .summary
            .legal_type,
        Some(LegalType::CrimeDenunciation)
    );
    let listed: Vec<_> = store
        .list_reports(&province, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.case_number)
        .collect();
    assert_eq!(
        listed,
        std::slice::from_ref(&about_commune),
        "the province still reads the one about a commune"
    );

    // Once named, a second mark changes nothing; a correction renames it, once.
    let mark_again = ConductMark {
        holder: UnitCode::province(22),
        accused_unit: UnitCode::province(22),
        accused_post: None,
        head_settles: false,
        legal_type: LegalType::PoliceConduct,
        from_stage: Stage::Received,
        from_legal_type: None,
        move_to: None,
        handover_reason: "",
        stage: Stage::InformationOnly,
        deadline: None,
        notices: Vec::new(),
    };
    assert!(matches!(
        store
            .mark_police_conduct(
                &province,
                &about_commune,
                &mark_again,
                inspector,
                at(6, 8),
                audited()
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    let elsewhere = UnitCode::province(42);
    let correction = |from, holder| AccusedCorrection {
        from,
        from_post: None,
        to: &elsewhere,
        post: Some(AccusedPost::Unit),
        head_settles: false,
        holder,
        move_to: None,
        handover_reason: "",
        reason: "ghi nhận nhầm xã",
    };
    for (from, holder) in [(&elsewhere, &commune), (&commune, &elsewhere)] {
        assert!(
            matches!(
                store
                    .correct_accused_unit(
                        &province,
                        &about_commune,
                        &correction(from, holder),
                        inspector,
                        at(6, 9),
                        audited()
                    )
                    .await,
                Err(StoreError::Conflict(_))
            ),
            "only from the accused named and where the caller read it held"
        );
    }
    store
        .correct_accused_unit(
            &province,
            &about_commune,
            &correction(&commune, &commune),
            inspector,
            at(6, 9),
            audited(),
        )
        .await
        .unwrap();
    assert!(
        store.report(&commune_only, &about_commune).await.is_ok(),
        "what reads it follows the accused named now"
    );
    // No report is ever handed into a unit once named as its accused, nor the one named now.
    for (to, walled) in [
        (&commune, true),
        (&elsewhere, true),
        (&UnitCode::province(22), false),
    ] {
        let handed = store
            .transfer_report(
                &province,
                &about_commune,
                hotline_store::Handover {
                    to,
                    reason: "chuyển xử lý",
                    accused: Some(&elsewhere),
                    accused_post: Some(AccusedPost::Unit),
                    stage: Stage::InformationOnly,
                    extensions: 0,
                    clock_start: None,
                    deadline: None,
                },
                inspector,
                at(6, 10),
                audited(),
            )
            .await;
        assert_eq!(
            matches!(&handed, Err(StoreError::Conflict(what)) if what == "accused"),
            walled,
            "{to}: {handed:?}"
        );
    }
    let detail = store.report(&province, &about_commune).await.unwrap();
    assert_eq!(detail.accused_unit.as_ref(), Some(&elsewhere));
    // Handed over where it stands, or not at all when a step moved it meanwhile.
    assert_eq!(detail.procedure.stage, Stage::InformationOnly);
    let stale = store
        .transfer_report(
            &province,
            &about_commune,
            hotline_store::Handover {
                to: &UnitCode::province(22),
                reason: "chuyển xử lý",
                accused: Some(&elsewhere),
                accused_post: Some(AccusedPost::Unit),
                stage: Stage::Triaged,
                extensions: 0,
                clock_start: Some(at(6, 12)),
                deadline: None,
            },
            inspector,
            at(6, 12),
            audited(),
        )
        .await;
    assert!(
        matches!(&stale, Err(StoreError::Conflict(what)) if what == "stage"),
        "{stale:?}"
    );
    let unchanged = store.report(&province, &about_commune).await.unwrap();
    assert_eq!(unchanged.procedure, detail.procedure);
    assert_eq!(unchanged.summary.unit, detail.summary.unit);
    assert!(matches!(
        store
            .correct_accused_unit(
                &province,
                &about_commune,
                &correction(&commune, &UnitCode::province(22)),
                inspector,
                at(6, 11),
                audited()
            )
            .await,
        Err(StoreError::Conflict(_))
    ));

    // The locked type is corrected only as it was read: type, stage and accused.
    let province_unit = UnitCode::province(22);
    let correction = |from, accused| TypeCorrection {
        move_to: None,
        holder: &province_unit,
        from,
        to: LegalType::CrimeInformation,
        accused,
        from_stage: Stage::InformationOnly,
        from_extensions: 0,
        after: ProcedureState::at(Stage::InformationOnly),
        deadline: None,
        reason: "ghi nhận nhầm loại tin",
    };
    let accused = UnitCode::province(22);
    for stale in [
        correction(LegalType::PoliceConduct, &accused),
        correction(LegalType::CrimeDenunciation, &commune),
    ] {
        assert!(matches!(
            store
                .correct_legal_type(
                    &everything,
                    &about_director,
                    &stale,
                    inspector,
                    at(6, 12),
                    audited()
                )
                .await,
            Err(StoreError::Conflict(_))
        ));
    }
    store
        .correct_legal_type(
            &everything,
            &about_director,
            &correction(LegalType::CrimeDenunciation, &accused),
            inspector,
            at(6, 12),
            audited(),
        )
        .await
        .unwrap();
    let corrected = store.report(&everything, &about_director).await.unwrap();
    assert_eq!(
        corrected.summary.legal_type,
        Some(LegalType::CrimeInformation)
    );
    let event = store
        .events(corrected.summary.id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(event.what.kind_str(), "report.legal_type_corrected");
    assert!(
        event
            .what
            .detail()
            .contains("reason=ghi nhận nhầm loại tin")
    );
}

/// R20: a denunciation about an officer of a commune police is its head's to settle. The
/// unit's leaders read it there; its other members, and anyone reading as a plain member of
/// the subtree, do not. It may be handed into that unit and no other walled one, and once it is
/// no longer a denunciation the leaders lose it with the right to settle it.
pub async fn a_report_its_own_head_settles_is_read_by_that_units_leaders_only(
    store: Arc<dyn Store>,
) {
    setup_units(store.as_ref()).await;
    let commune = UnitCode::commune(22, first_commune_of_22());
    store
        .intake(&[
            report(commune.clone(), "QN", at(6, 0), "cán bộ xã gây phiền hà"),
            report(
                UnitCode::province(22),
                "QN",
                at(6, 1),
                "cán bộ xã nhận tiền",
            ),
        ])
        .await
        .unwrap();
    let director = member(
        store.as_ref(),
        "giam.doc",
        Role::Director,
        UnitCode::province(22),
    )
    .await
    .id;
    let held_there = CaseNumber::parse("QN-2026-000001").unwrap();
    let held_above = CaseNumber::parse("QN-2026-000002").unwrap();
    let commune_path = store.unit(&commune).await.unwrap().path;
    let (leaders, members) = (
        Visibility::Leaders(commune_path.clone()),
        Visibility::Subtree(commune_path),
    );
    let handler = Visibility::Unit(commune.clone());
    let province = Visibility::Leaders("/bca/22/".into());
    let everything = Visibility::Subtree("/bca/".into());
    let mark = |holder: &UnitCode, head_settles| ConductMark {
        holder: holder.clone(),
        accused_unit: commune.clone(),
        accused_post: Some(AccusedPost::Officer),
        head_settles,
        legal_type: LegalType::PoliceConduct,
        from_stage: Stage::Received,
        from_legal_type: None,
        move_to: None,
        handover_reason: "",
        stage: Stage::InformationOnly,
        deadline: None,
        notices: Vec::new(),
    };
    let province_unit = UnitCode::province(22);
    for (case, holder) in [(&held_there, &commune), (&held_above, &province_unit)] {
        store
            .mark_police_conduct(
                &everything,
                case,
                &mark(holder, true),
                director,
                at(6, 5),
                audited(),
            )
            .await
            .unwrap();
    }
    let reads = |v: &Visibility, case: &CaseNumber| {
        let (store, v, case) = (store.clone(), v.clone(), case.clone());
        async move { store.report(&v, &case).await.is_ok() }
    };
    assert!(reads(&leaders, &held_there).await, "the head settles it");
    assert!(
        !reads(&members, &held_there).await,
        "the duty desk does not read it"
    );
    assert!(!reads(&handler, &held_there).await, "nor a handler");
    assert!(reads(&province, &held_there).await);
    let listed = store.list_reports(&leaders, 10).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(store.list_reports(&members, 10).await.unwrap().is_empty());

    // Into the accused's own unit, to its head: the one walled unit that may receive it.
    let handover = |to| Handover {
        to,
        reason: "thuộc thẩm quyền trưởng công an xã",
        accused: Some(&commune),
        accused_post: Some(AccusedPost::Officer),
        stage: Stage::InformationOnly,
        extensions: 0,
        clock_start: None,
        deadline: None,
    };
    store
        .transfer_report(
            &province,
            &held_above,
            handover(&commune),
            director,
            at(6, 6),
            audited(),
        )
        .await
        .unwrap();
    assert!(reads(&leaders, &held_above).await);
    assert!(!reads(&members, &held_above).await);

    // Once it is a complaint, not the head's to settle: out of the unit, out of its sight.
    let above = UnitCode::province(22);
    store
        .correct_legal_type(
            &everything,
            &held_above,
            &TypeCorrection {
                move_to: Some(&above),
                holder: &commune,
                from: LegalType::PoliceConduct,
                to: LegalType::Complaint,
                accused: &commune,
                from_stage: Stage::InformationOnly,
                from_extensions: 0,
                after: ProcedureState::at(Stage::InformationOnly),
                deadline: None,
                reason: "là khiếu nại quyết định hành chính",
            },
            director,
            at(6, 7),
            audited(),
        )
        .await
        .unwrap();
    assert!(!reads(&leaders, &held_above).await);
    let moved = store.report(&province, &held_above).await.unwrap();
    assert_eq!(moved.summary.unit, above);
    assert_eq!(moved.accused_post, Some(AccusedPost::Officer));
    let refused = store
        .transfer_report(
            &province,
            &held_above,
            handover(&commune),
            director,
            at(6, 8),
            audited(),
        )
        .await;
    assert!(
        matches!(&refused, Err(StoreError::Conflict(what)) if what == "accused"),
        "{refused:?}"
    );

    // Settled above: not even the unit's leaders read it.
    store
        .intake(&[report(
            commune.clone(),
            "QN",
            at(6, 9),
            "phó trưởng công an xã",
        )])
        .await
        .unwrap();
    let about_deputy = CaseNumber::parse("QN-2026-000003").unwrap();
    store
        .mark_police_conduct(
            &everything,
            &about_deputy,
            &ConductMark {
                accused_post: Some(AccusedPost::Deputy),
                move_to: Some(above.clone()),
                handover_reason: "thuộc thẩm quyền giám đốc công an tỉnh",
                ..mark(&commune, false)
            },
            director,
            at(6, 10),
            audited(),
        )
        .await
        .unwrap();
    assert!(!reads(&leaders, &about_deputy).await);
    assert_eq!(
        store
            .report(&province, &about_deputy)
            .await
            .unwrap()
            .accused_post,
        Some(AccusedPost::Deputy)
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
        sent_at: None,
        event: ReportEvent::ReporterAdded,
        account: String::new(),
        platform_message_id: None,
    };
    store.add_message(&added, None).await.unwrap();
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
        .map(|e| e.what.kind_str().to_owned())
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
    store.add_message(&added, None).await.unwrap();

    // An answer is delivered, then read once the reporter has seen it; inbound messages have
    // no delivery state and stay so.
    let answer = NewMessage {
        direction: Direction::Outbound,
        body_sealed: b"sealed: thank you".to_vec(),
        word_index: Vec::new(),
        attachments: Vec::new(),
        delivery: Some(Delivery::Delivered),
        at: at(4, 0),
        event: ReportEvent::Replied,
        ..added
    };
    store.add_message(&answer, None).await.unwrap();
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
        .filter(|e| e.what.kind_str() == "attachment.received")
        .map(|e| e.what.detail())
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
