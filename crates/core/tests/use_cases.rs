//! Use cases against a real SQLite store.

// Test code: a failed expectation is the test's failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{TimeZone, Utc};
use hotline_core::{CoreError, Hotline, IntakeConfig, Submission, demo, setup};
use hotline_domain::{
    Channel, Clock, ContactInput, DomainError, FixedClock, Gazetteer, ReportInput, Role, UnitCode,
};
use hotline_store::Store;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

async fn hotline() -> (tempfile::TempDir, Hotline, Arc<FixedClock>) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        hotline_store_sqlite::open(&dir.path().join("h.db"))
            .await
            .unwrap(),
    );
    let places = Arc::new(Gazetteer::embedded().unwrap());
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 12, 31, 18, 0, 0).unwrap(),
    ));
    setup::bootstrap(store.as_ref(), &places, clock.now())
        .await
        .unwrap();
    let keys = hotline_core::keys::Keys::open(
        store.as_ref(),
        hotline_vault::keys::KeyRing::single(hotline_vault::keys::MasterKey::generate()),
        None,
        clock.now(),
    )
    .await
    .unwrap();
    let (hotline, _writer) = Hotline::start(
        store,
        clock.clone(),
        places,
        UnitCode::ministry(),
        Arc::new(keys),
        IntakeConfig::default(),
    );
    (dir, hotline, clock)
}

/// A 12-hour shift every day from Sunday 29 November 2026, Vietnam time.
fn twelve_hours<'a>(username: &'a str, starts: &'a str) -> hotline_core::duty::PatternInput<'a> {
    hotline_core::duty::PatternInput {
        username,
        weekdays: vec![1, 2, 3, 4, 5, 6, 7],
        starts,
        hours: "12",
        from: "2026-11-29",
        until: "",
    }
}

/// The levels at which `who` was alerted about `case`.
async fn alert_levels(h: &Hotline, who: &hotline_core::Actor, case: &str) -> Vec<u32> {
    h.my_alerts(who)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.subject.case_number.as_str() == case)
        .map(|a| a.level)
        .collect()
}

/// A report sent by the web form in Quảng Ninh: its case number.
async fn submitted_in_22(h: &Hotline, t: &str) -> String {
    let mut input = text(t);
    input.province_code = Some(22);
    h.submit(Submission::new(input, Channel::Web))
        .await
        .unwrap()
        .case_number
        .to_string()
}

fn text(t: &str) -> ReportInput {
    ReportInput {
        text: t.into(),
        ..Default::default()
    }
}

const IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[tokio::test]
async fn a_report_lands_in_its_province_and_is_seen_only_there() {
    let (_d, h, _) = hotline().await;
    let mut input = text("Có người đánh nhau");
    input.province_code = Some(22);
    let done = h
        .submit(Submission::new(input, Channel::Web))
        .await
        .unwrap();
    // 18:00 UTC on 31 December is already 2027 in Vietnam.
    assert_eq!(done.case_number.as_str(), "QN-2027-000001");
    assert!(done.follow_up_code.is_some());

    let qn = h
        .add_staff(
            "qn.director",
            "",
            Role::Director,
            &"22".parse().unwrap(),
            "a long password",
        )
        .await
        .unwrap();
    let ht = h
        .add_staff(
            "ht.director",
            "",
            Role::Director,
            &"42".parse().unwrap(),
            "a long password",
        )
        .await
        .unwrap();
    let admin = h
        .add_staff(
            "admin",
            "",
            Role::Administrator,
            &"bca".parse().unwrap(),
            "a long password",
        )
        .await
        .unwrap();
    let seen = |m| async {
        h.list_reports(&hotline_core::Actor(m), 50)
            .await
            .unwrap()
            .len()
    };
    assert_eq!(seen(qn.clone()).await, 1);
    assert_eq!(seen(ht.clone()).await, 0);
    assert_eq!(seen(admin).await, 0, "administrators do not read reports");
    let view = h
        .report(&hotline_core::Actor(qn), "QN-2027-000001")
        .await
        .unwrap();
    assert_eq!(view.messages.len(), 1);
    assert!(matches!(
        h.report(&hotline_core::Actor(ht), "QN-2027-000001").await,
        Err(CoreError::NotFound)
    ));
}

#[tokio::test]
async fn a_report_goes_to_its_commune_police_when_that_unit_exists() {
    let (_d, h, _) = hotline().await;
    h.resolve_unit(&"91/30742".parse().unwrap()).await.unwrap();
    let mut input = text("Trộm cắp");
    input.commune_code = Some(30742);
    h.submit(Submission::new(input, Channel::Api))
        .await
        .unwrap();
    let handler = h
        .add_staff(
            "rach.gia",
            "",
            Role::Handler,
            &"91/30742".parse().unwrap(),
            "a long password",
        )
        .await
        .unwrap();
    let list = h
        .list_reports(&hotline_core::Actor(handler), 10)
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].unit_name, "Công an phường Rạch Giá");
    assert_eq!(list[0].case_number.as_str(), "AG-2027-000001");
    // Without a place, the default unit.
    let done = h
        .submit(Submission::new(text("không rõ nơi"), Channel::Api))
        .await
        .unwrap();
    assert_eq!(done.case_number.as_str(), "BCA-2027-000001");
}

#[tokio::test]
async fn invalid_input_is_refused_and_nothing_is_stored() {
    let (_d, h, _) = hotline().await;
    let mut input = text("x");
    input.contact = Some(ContactInput {
        phone: Some("not a phone".into()),
        ..Default::default()
    });
    assert!(matches!(
        h.submit(Submission::new(input, Channel::Web)).await,
        Err(CoreError::Domain(_))
    ));
    assert_eq!(h.store.count_reports().await.unwrap(), 0);
}

#[tokio::test]
async fn sign_in_does_not_say_which_part_was_wrong_and_backs_off() {
    let (_d, h, _) = hotline().await;
    h.add_staff(
        "truc.ban",
        "",
        Role::DutyOfficer,
        &"22".parse().unwrap(),
        "mật khẩu dài đủ",
    )
    .await
    .unwrap();
    let ok = h.sign_in("Truc.Ban", "mật khẩu dài đủ", IP).await.unwrap();
    assert_eq!(h.session(&ok.token).await.unwrap().0.username, "truc.ban");
    assert!(matches!(
        h.sign_in("truc.ban", "sai", IP).await,
        Err(CoreError::Unauthenticated)
    ));
    assert!(matches!(
        h.sign_in("nobody", "sai", IP).await,
        Err(CoreError::Unauthenticated)
    ));
    for _ in 0..4 {
        let _ = h.sign_in("truc.ban", "sai", IP).await;
    }
    assert!(matches!(
        h.sign_in("truc.ban", "mật khẩu dài đủ", IP).await,
        Err(CoreError::Throttled { .. })
    ));
    h.sign_out(&ok.token).await.unwrap();
    assert!(h.session(&ok.token).await.is_err());
}

/// Guesses from one IPv6 subscriber's /64 count as one address's, however many of its
/// addresses they come from (issue 25, finding 13).
#[tokio::test]
async fn sign_in_guesses_from_one_ipv6_slash_64_count_together() {
    let (_d, h, _) = hotline().await;
    let from = |n: u16| IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, n));
    // Unknown names, so only the address counts.
    let mut throttled = None;
    for n in 1..=40u16 {
        if let Err(CoreError::Throttled { .. }) =
            h.sign_in(&format!("khong.co{n}"), "sai", from(n)).await
        {
            throttled = Some(n);
            break;
        }
    }
    assert!(throttled.is_some_and(|n| n <= 21), "{throttled:?}");
    let elsewhere = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1));
    assert!(matches!(
        h.sign_in("khong.co", "sai", elsewhere).await,
        Err(CoreError::Unauthenticated)
    ));
}

#[tokio::test]
async fn sessions_expire() {
    let (_d, h, clock) = hotline().await;
    h.add_staff(
        "a.b",
        "",
        Role::Handler,
        &"22".parse().unwrap(),
        "0123456789",
    )
    .await
    .unwrap();
    let s = h.sign_in("a.b", "0123456789", IP).await.unwrap();
    clock.advance(chrono::Duration::hours(13));
    assert!(matches!(
        h.session(&s.token).await,
        Err(CoreError::Unauthenticated)
    ));
}

#[tokio::test]
async fn api_tokens_act_as_their_member() {
    let (_d, h, _) = hotline().await;
    h.add_staff(
        "script",
        "",
        Role::Director,
        &"bca".parse().unwrap(),
        "0123456789",
    )
    .await
    .unwrap();
    let token = h.create_api_token("script", "test").await.unwrap();
    assert_eq!(h.api_actor(&token).await.unwrap().0.username, "script");
    assert!(h.api_actor("nope").await.is_err());
}

#[tokio::test]
async fn demo_fills_an_empty_store_once() {
    let (_d, h, _) = hotline().await;
    let accounts = demo::load(&h).await.unwrap();
    assert!(accounts.iter().any(|a| a.role == Role::Director));
    let reports = h.store.count_reports().await.unwrap();
    assert!(reports >= 30, "{reports}");
    assert!(demo::load(&h).await.unwrap().is_empty());
    assert_eq!(h.store.count_reports().await.unwrap(), reports);
    let bca = h.store.staff_by_username("demo.bca").await.unwrap().member;
    let all = h
        .list_reports(&hotline_core::Actor(bca), 500)
        .await
        .unwrap();
    assert_eq!(all.len() as i64, reports);
    for channel in [Channel::Zalo, Channel::Phone, Channel::Email, Channel::Web] {
        assert!(all.iter().any(|r| r.channel == channel));
    }
}

#[tokio::test]
async fn many_concurrent_submissions_get_distinct_gapless_numbers() {
    let (_d, h, _) = hotline().await;
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let h = h.clone();
            tokio::spawn(async move {
                let mut input = text(&format!("báo cáo {i}"));
                input.province_code = Some(42);
                h.submit(Submission::new(input, Channel::Api))
                    .await
                    .unwrap()
                    .case_number
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap().as_str().to_owned());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=200).map(|i| format!("HT-2027-{i:06}")).collect();
    assert_eq!(numbers, expected);
}

#[tokio::test]
async fn a_form_stamp_is_too_fast_until_the_minimum_has_passed_and_proven_by_its_work() {
    use hotline_core::form_guard::{FormCheck, solve_work};
    let (_dir, hotline, clock) = hotline().await;
    let hotline = hotline.with_policy(hotline_core::Policy {
        form: hotline_core::form_guard::FormGuard {
            min_fill_secs: 3,
            work_bits: 8,
        },
        ..hotline_core::Policy::default()
    });
    let token = hotline_core::intake::new_form_token();
    let stamp = hotline.form_stamp(&token);
    let work = solve_work(&stamp, 8);
    assert_eq!(
        hotline.check_form(&token, &stamp, &work),
        FormCheck::TooFast
    );
    clock.advance(chrono::Duration::seconds(2));
    assert_eq!(
        hotline.check_form(&token, &stamp, &work),
        FormCheck::TooFast
    );
    clock.advance(chrono::Duration::seconds(1));
    assert_eq!(
        hotline.check_form(&token, &stamp, &work),
        FormCheck::Stamped { work_done: true },
        "the same form, once a person could have filled it"
    );
    assert_eq!(
        hotline.check_form(&token, &stamp, ""),
        FormCheck::Stamped { work_done: false }
    );
    let other = hotline_core::intake::new_form_token();
    assert_eq!(
        hotline.check_form(&other, &stamp, &work),
        FormCheck::Unstamped
    );
    // A stamp from the future (another server's clock far ahead) is not this store's.
    clock.advance(chrono::Duration::seconds(-3600));
    assert_eq!(
        hotline.check_form(&token, &stamp, &work),
        FormCheck::Unstamped
    );
    assert!(!hotline.form_token_issued(&token, &stamp));
    // A day after it was handed out, the form has expired: a harvested stamp does not last.
    clock.advance(chrono::Duration::seconds(3600));
    clock.advance(chrono::Duration::seconds(
        hotline_core::form_guard::STAMP_VALID_SECS - 3,
    ));
    assert!(hotline.form_token_issued(&token, &stamp));
    clock.advance(chrono::Duration::seconds(1));
    assert_eq!(
        hotline.check_form(&token, &stamp, &work),
        FormCheck::Unstamped
    );
    assert!(!hotline.form_token_issued(&token, &stamp));
    assert!(!hotline.form_token_issued(&other, &stamp));
}

#[tokio::test]
async fn a_form_sent_again_gets_its_receipt_only_for_the_same_content_and_for_a_while() {
    use hotline_core::intake::{FORM_RECEIPT_AGAIN, FormSent, new_form_token};
    let (_d, h, clock) = hotline().await;
    let token = new_form_token();
    let send = async |words: &str, fields: &str| {
        let mut submission = Submission::new(text(words), Channel::Web);
        submission.form = Some(FormSent {
            token: token.clone(),
            fields: fields.to_owned(),
        });
        h.submit(submission).await.unwrap()
    };
    let first = send("Có người lạ đi lại trong ngõ", "{\"text\":1}").await;
    assert!(!first.duplicate);
    let code = first.follow_up_code.clone().unwrap();

    clock.advance(FORM_RECEIPT_AGAIN - chrono::Duration::seconds(1));
    let double_tap = send("Có người lạ đi lại trong ngõ", "{\"text\":1}").await;
    assert!(double_tap.duplicate);
    assert_eq!(double_tap.case_number, first.case_number);
    assert_eq!(double_tap.follow_up_code, Some(code.clone()));

    let other = send("Có người lạ đi lại trong ngõ", "{\"text\":2}").await;
    assert!(!other.duplicate, "other content under the same token");
    assert_ne!(other.case_number, first.case_number);
    assert_ne!(other.follow_up_code, Some(code));

    clock.advance(chrono::Duration::seconds(1));
    let late = send("Có người lạ đi lại trong ngõ", "{\"text\":1}").await;
    assert!(late.duplicate, "still one report");
    assert_eq!(
        late.follow_up_code, None,
        "but its receipt is not shown again"
    );
    assert_eq!(h.store.count_reports().await.unwrap(), 2);
}

#[tokio::test]
async fn a_time_limit_runs_from_receipt_changes_with_the_legal_type_and_shows_as_overdue() {
    use hotline_core::handling::TriageInput;
    use hotline_domain::deadline::DeadlineRule;
    use hotline_store::{ReportFilter, ReportOrder};
    let (_d, h, clock) = hotline().await;
    let mut input = text("Có người đánh bạc ăn tiền ở quán nước");
    input.province_code = Some(22);
    let received = clock.now();
    let done = h
        .submit(Submission::new(input, Channel::Web))
        .await
        .unwrap();
    let duty = hotline_core::Actor(
        h.add_staff(
            "qn.duty",
            "",
            Role::DutyOfficer,
            &"22".parse().unwrap(),
            "a long password",
        )
        .await
        .unwrap(),
    );
    let case = done.case_number.as_str();
    let view = h.report(&duty, case).await.unwrap();
    let due = view.detail.summary.deadline.unwrap();
    assert_eq!(due.rule, DeadlineRule::CrimeClassification);
    assert_eq!(due.due_at, received + chrono::Duration::hours(24));

    let overdue = |now| ReportFilter {
        due_before: Some(now),
        order: ReportOrder::Deadline,
        ..ReportFilter::default()
    };
    assert!(
        h.inbox(&duty, &overdue(clock.now()), 10)
            .await
            .unwrap()
            .reports
            .is_empty()
    );
    clock.advance(chrono::Duration::hours(25));
    let late = h.inbox(&duty, &overdue(clock.now()), 10).await.unwrap();
    assert_eq!(late.reports.len(), 1, "unclassified after 24 hours");

    // Classified as a crime source: 20 days from receipt (1 January 2027 in Vietnam), to 24:00
    // of 21 January, a Thursday.
    let crime = TriageInput {
        legal_type: "crime_denunciation",
        topic: "gambling",
        urgency: "normal",
        commune: "",
    };
    h.triage(&duty, case, &crime).await.unwrap();
    let due = h
        .report(&duty, case)
        .await
        .unwrap()
        .detail
        .summary
        .deadline
        .unwrap();
    assert_eq!(due.rule, DeadlineRule::CrimeSource);
    assert_eq!(
        due.due_at,
        Utc.with_ymd_and_hms(2027, 1, 21, 17, 0, 0).unwrap(),
        "24:00 in Vietnam"
    );
    assert!(
        h.inbox(&duty, &overdue(clock.now()), 10)
            .await
            .unwrap()
            .reports
            .is_empty()
    );
    // A public-order report has no limit in law.
    let order = TriageInput {
        legal_type: "public_order",
        ..crime
    };
    h.triage(&duty, case, &order).await.unwrap();
    assert_eq!(
        h.report(&duty, case).await.unwrap().detail.summary.deadline,
        None
    );
}

/// A member of Quảng Ninh's police with `role`.
async fn member(h: &Hotline, username: &str, role: Role) -> hotline_core::Actor {
    member_of(h, username, role, "22").await
}

/// A member of `unit` with `role`.
async fn member_of(h: &Hotline, username: &str, role: Role, unit: &str) -> hotline_core::Actor {
    hotline_core::Actor(
        h.add_staff(
            username,
            "",
            role,
            &unit.parse().unwrap(),
            "a long password",
        )
        .await
        .unwrap(),
    )
}

/// The police of Quảng Ninh's first commune, created.
async fn first_commune_police(h: &Hotline) -> UnitCode {
    let commune = Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .code;
    let unit = UnitCode::commune(22, commune);
    h.resolve_unit(&unit).await.unwrap();
    unit
}

async fn reported(h: &Hotline, text_of: &str, channel: Channel) -> String {
    let mut input = text(text_of);
    input.province_code = Some(22);
    h.submit(Submission::new(input, channel))
        .await
        .unwrap()
        .case_number
        .to_string()
}

/// A source of crime reported on the form, classified, accepted and in verification.
async fn in_verification(
    h: &Hotline,
    (duty, head): (&hotline_core::Actor, &hotline_core::Actor),
    text_of: &str,
) -> String {
    let case = reported(h, text_of, Channel::Web).await;
    h.triage(duty, &case, &classify("crime_denunciation"))
        .await
        .unwrap();
    h.take_step(head, &case, &decision("accept", "1/QĐ"))
        .await
        .unwrap();
    h.take_step(head, &case, &note("begin_verification"))
        .await
        .unwrap();
    case
}

fn classify<'a>(legal_type: &'a str) -> hotline_core::handling::TriageInput<'a> {
    hotline_core::handling::TriageInput {
        legal_type,
        topic: "",
        urgency: "normal",
        commune: "",
    }
}

fn decision<'a>(action: &'a str, number: &'a str) -> hotline_core::procedure::StepInput<'a> {
    hotline_core::procedure::StepInput {
        action,
        number,
        decided_on: "2027-01-01",
        signer: "Thủ trưởng (demo)",
        grounds: "Căn cứ kết quả kiểm tra ban đầu (demo).",
    }
}

fn note(action: &str) -> hotline_core::procedure::StepInput<'_> {
    hotline_core::procedure::StepInput {
        action,
        grounds: "Đã thực hiện theo quy định (demo).",
        ..Default::default()
    }
}

/// R9: a source of crime suspended and resumed the same day (no day suspended) still has its
/// month from the resumption, not the limit from receipt that had run out before it could be
/// suspended (R8).
#[tokio::test]
async fn a_crime_source_resumed_the_same_day_has_its_month_from_the_resumption() {
    use hotline_domain::deadline::DeadlineRule;
    let (_d, h, clock) = hotline().await;
    let duty = member(&h, "qn.duty", Role::DutyOfficer).await;
    let head = member(&h, "qn.head", Role::UnitLeader).await;
    let case = reported(&h, "Bị trộm xe máy trước cửa nhà", Channel::Web).await;
    h.triage(&duty, &case, &classify("crime_denunciation"))
        .await
        .unwrap();
    for (step, number) in [
        ("accept", Some("1/QĐ")),
        ("begin_verification", None),
        ("extend", Some("2/QĐ")),
        ("extend_by_procuracy", Some("3/QĐ-VKS")),
    ] {
        let input = match number {
            Some(number) => decision(step, number),
            None => note(step),
        };
        h.take_step(&head, &case, &input).await.unwrap();
    }
    clock.advance(chrono::Duration::days(125));
    for (step, number) in [("suspend", "4/QĐ"), ("resume", "5/QĐ")] {
        h.take_step(&head, &case, &decision(step, number))
            .await
            .unwrap();
    }
    let detail = h.report(&head, &case).await.unwrap().detail;
    assert_eq!(detail.procedure.suspended_days, 0);
    let due = detail.summary.deadline.unwrap();
    assert_eq!(due.rule, DeadlineRule::CrimeSource);
    // Resumed Thursday 6 May 2027: due Sunday 6 June, moved to Monday 7.
    assert_eq!(
        due.due_at,
        Utc.with_ymd_and_hms(2027, 6, 7, 17, 0, 0).unwrap()
    );
}

/// R8: the procuracy annulling a suspension gives verification one month more, from its
/// receipt, recorded by the head.
#[tokio::test]
async fn a_suspension_the_procuracy_annuls_leaves_one_month() {
    use hotline_domain::workflow::Stage;
    let (_d, h, clock) = hotline().await;
    let duty = member(&h, "qn.duty", Role::DutyOfficer).await;
    let head = member(&h, "qn.head", Role::UnitLeader).await;
    let case = in_verification(&h, (&duty, &head), "Bị lừa đảo chiếm đoạt tiền qua mạng").await;
    clock.advance(chrono::Duration::days(21));
    h.take_step(&head, &case, &decision("suspend", "2/QĐ"))
        .await
        .unwrap();
    clock.advance(chrono::Duration::days(10));
    // Dated 1 February 2027 by the procuracy, recorded on 1 February.
    let annulled = hotline_core::procedure::StepInput {
        decided_on: "2027-02-01",
        signer: "Viện trưởng VKSND tỉnh (demo)",
        ..decision("annul_suspension", "5/QĐ-VKS")
    };
    // The head records it: a duty officer cannot push a limit out with a decision typed in.
    assert!(matches!(
        h.take_step(&duty, &case, &annulled).await,
        Err(CoreError::Forbidden)
    ));
    h.take_step(&head, &case, &annulled).await.unwrap();
    let detail = h.report(&head, &case).await.unwrap().detail;
    assert_eq!(detail.procedure.stage, Stage::Verifying);
    // One month from its receipt on 1 February: Monday 1 March 2027.
    assert_eq!(
        detail.summary.deadline.unwrap().due_at,
        Utc.with_ymd_and_hms(2027, 3, 1, 17, 0, 0).unwrap()
    );
    // That month is all there is: no extension, though none was granted before.
    assert!(matches!(
        h.take_step(&head, &case, &decision("extend", "6/QĐ")).await,
        Err(CoreError::Domain(DomainError::Invalid(errors)))
            if errors.iter().any(|e| e.code == "after_resumption")
    ));
}

#[tokio::test]
async fn a_crime_source_is_walked_from_receipt_to_closing_with_its_deadlines() {
    use hotline_domain::deadline::DeadlineRule;
    use hotline_domain::workflow::Stage;
    let (_d, h, clock) = hotline().await;
    let duty = member(&h, "qn.duty", Role::DutyOfficer).await;
    let head = member(&h, "qn.head", Role::UnitLeader).await;
    let case = reported(&h, "Bị trộm xe máy trước cửa nhà", Channel::Web).await;
    let at = async |case: &str| h.report(&head, case).await.unwrap().detail;
    // Not classified yet: no step of any procedure.
    assert!(matches!(
        h.take_step(&head, &case, &decision("accept", "1/QĐ")).await,
        Err(CoreError::Domain(_))
    ));
    h.triage(&duty, &case, &classify("crime_denunciation"))
        .await
        .unwrap();
    assert_eq!(at(&case).await.procedure.stage, Stage::Triaged);
    // The duty officer does not accept; a leader does, with a full decision.
    assert!(matches!(
        h.take_step(&duty, &case, &decision("accept", "1/QĐ")).await,
        Err(CoreError::Forbidden)
    ));
    let incomplete = hotline_core::procedure::StepInput {
        signer: "",
        ..decision("accept", "1/QĐ")
    };
    assert!(matches!(
        h.take_step(&head, &case, &incomplete).await,
        Err(CoreError::Domain(_))
    ));
    assert!(
        matches!(
            h.take_step(&head, &case, &decision("refuse", "1/QĐ")).await,
            Err(CoreError::Domain(_))
        ),
        "a crime source is never refused (R1)"
    );
    h.take_step(&head, &case, &decision("accept", "1/QĐ"))
        .await
        .unwrap();
    h.take_step(&head, &case, &note("begin_verification"))
        .await
        .unwrap();
    // 20 days from 1 January 2027: Thursday 21 January, 24:00 in Vietnam.
    let due = at(&case).await.summary.deadline.unwrap();
    assert_eq!(due.rule, DeadlineRule::CrimeSource);
    assert_eq!(
        due.due_at,
        Utc.with_ymd_and_hms(2027, 1, 21, 17, 0, 0).unwrap()
    );
    assert!(
        matches!(
            h.take_step(&head, &case, &decision("suspend", "2/QĐ"))
                .await,
            Err(CoreError::Domain(_))
        ),
        "suspension only once the time has run out (R8)"
    );
    h.take_step(&head, &case, &decision("extend", "3/QĐ"))
        .await
        .unwrap();
    // Two months from receipt: 1 March 2027, a Monday.
    let due = at(&case).await.summary.deadline.unwrap();
    assert_eq!(
        due.due_at,
        Utc.with_ymd_and_hms(2027, 3, 1, 17, 0, 0).unwrap()
    );
    assert!(
        h.take_step(&head, &case, &decision("extend", "4/QĐ"))
            .await
            .is_err(),
        "the second extension is the procuracy's (R7)"
    );
    assert!(matches!(
        h.take_step(&duty, &case, &decision("extend_by_procuracy", "4/QĐ-VKS"))
            .await,
        Err(CoreError::Forbidden)
    ));
    h.take_step(&head, &case, &decision("extend_by_procuracy", "4/QĐ-VKS"))
        .await
        .unwrap();
    assert!(
        h.take_step(&head, &case, &decision("extend_by_procuracy", "5/QĐ-VKS"))
            .await
            .is_err(),
        "no third extension"
    );
    clock.advance(chrono::Duration::days(125));
    h.take_step(&head, &case, &decision("suspend", "6/QĐ"))
        .await
        .unwrap();
    assert_eq!(at(&case).await.summary.deadline, None, "the clock stops");
    clock.advance(chrono::Duration::days(9));
    let resumed = hotline_core::procedure::StepInput {
        decided_on: "2027-05-15",
        ..decision("resume", "7/QĐ")
    };
    h.take_step(&head, &case, &resumed).await.unwrap();
    let detail = at(&case).await;
    assert_eq!(detail.procedure.suspended_days, 9);
    // Suspended 6 May, resumed 15 May: one month from the resumption, 15 June 2027 (R9,
    // BLTTHS 2015 Art. 149), not 11 May, before it was resumed.
    let due = detail.summary.deadline.unwrap();
    assert_eq!(due.rule, DeadlineRule::CrimeSource);
    assert_eq!(
        due.due_at,
        Utc.with_ymd_and_hms(2027, 6, 15, 17, 0, 0).unwrap()
    );
    assert!(
        matches!(
            h.take_step(&head, &case, &decision("extend", "8/QĐ")).await,
            Err(CoreError::Domain(_))
        ),
        "the month from a resumption is not extended"
    );
    let dated = |action, number, day| hotline_core::procedure::StepInput {
        decided_on: day,
        ..decision(action, number)
    };
    h.take_step(
        &head,
        &case,
        &dated("decide_no_prosecute", "8/QĐ", "2027-05-15"),
    )
    .await
    .unwrap();
    h.take_step(&duty, &case, &note("receive_complaint"))
        .await
        .unwrap();
    // The decision annulled on the complaint, by another leader than the one who took it:
    // verification reopens with a time of its own from the reopening (R13), not overdue at
    // once as counted from receipt.
    clock.advance(chrono::Duration::days(20));
    assert!(matches!(
        h.take_step(&head, &case, &decision("reopen", "9/QĐ")).await,
        Err(CoreError::Domain(DomainError::Invalid(errors)))
            if errors.iter().any(|e| e.code == "own_decision")
    ));
    let director = member(&h, "qn.director", Role::Director).await;
    h.take_step(&director, &case, &decision("reopen", "9/QĐ"))
        .await
        .unwrap();
    let detail = at(&case).await;
    assert_eq!(detail.procedure.stage, Stage::Verifying);
    assert_eq!(
        (detail.procedure.extensions, detail.procedure.resumed_at),
        (0, None)
    );
    // Reopened 4 June 2027: 20 days on, Thursday 24 June.
    assert_eq!(
        detail.summary.deadline.unwrap().due_at,
        Utc.with_ymd_and_hms(2027, 6, 24, 17, 0, 0).unwrap()
    );
    h.take_step(
        &head,
        &case,
        &dated("decide_no_prosecute", "10/QĐ", "2027-06-04"),
    )
    .await
    .unwrap();
    // It can still be complained of: fifteen days from the reporter's notice, here not sent,
    // so from the third day, when it was due.
    assert!(matches!(
        h.take_step(&head, &case, &decision("close", "11/QĐ")).await,
        Err(CoreError::Domain(DomainError::Invalid(errors)))
            if errors.iter().any(|e| e.code == "appeal_window")
    ));
    clock.advance(chrono::Duration::days(19));
    assert!(matches!(
        h.take_step(&duty, &case, &note("receive_complaint")).await,
        Err(CoreError::Domain(DomainError::Invalid(errors)))
            if errors.iter().any(|e| e.code == "complaint_late")
    ));
    h.take_step(&head, &case, &decision("close", "11/QĐ"))
        .await
        .unwrap();
    let detail = at(&case).await;
    assert_eq!(detail.procedure.stage, Stage::Closed);
    assert_eq!(detail.summary.status, hotline_domain::ReportStatus::Closed);
    assert_eq!(detail.summary.deadline, None);
    let steps = h.steps(&head, &case).await.unwrap();
    assert_eq!(steps.len(), 11);
    assert!(steps.iter().all(|s| s.grounds.contains("(demo)")));
}

/// R13: a complaint about a decision not to prosecute is answered by the head within seven days
/// of its receipt; taken to the procuracy, the procuracy has seven more, and its annulment
/// reopens the verification with a time of its own.
#[tokio::test]
async fn a_complaint_about_a_procedural_decision_goes_to_the_head_then_the_procuracy() {
    use hotline_domain::deadline::DeadlineRule;
    use hotline_domain::workflow::Stage;
    let (_d, h, clock) = hotline().await;
    let duty = member(&h, "qn.duty", Role::DutyOfficer).await;
    let head = member(&h, "qn.head", Role::UnitLeader).await;
    let director = member(&h, "qn.director", Role::Director).await;
    let deputy = member(&h, "qn.deputy", Role::UnitLeader).await;
    let case = in_verification(&h, (&duty, &head), "Bị đánh gây thương tích trước cổng chợ").await;
    h.take_step(&head, &case, &decision("decide_no_prosecute", "2/QĐ"))
        .await
        .unwrap();
    let due = async |case: &str| h.report(&head, case).await.unwrap().detail.summary.deadline;
    // Complained of on Monday 4 January 2027: the head answers by Monday 11.
    clock.advance(chrono::Duration::days(3));
    h.take_step(&duty, &case, &note("receive_complaint"))
        .await
        .unwrap();
    let answer = due(&case).await.unwrap();
    assert_eq!(answer.rule, DeadlineRule::ProceduralComplaint);
    assert_eq!(
        answer.due_at,
        Utc.with_ymd_and_hms(2027, 1, 11, 17, 0, 0).unwrap()
    );
    // Not by the one whose decision it is (Art. 475).
    assert!(matches!(
        h.take_step(&head, &case, &decision("decide", "3/QĐ")).await,
        Err(CoreError::Domain(_))
    ));
    h.take_step(&director, &case, &decision("decide", "3/QĐ"))
        .await
        .unwrap();
    assert_eq!(due(&case).await, None, "answered");
    // Nor closed while it can still go to the procuracy.
    assert!(h.take_step(&head, &case, &note("close")).await.is_err());
    // Taken to the procuracy on Wednesday 6 January: its seven days end Wednesday 13.
    clock.advance(chrono::Duration::days(2));
    h.take_step(&duty, &case, &note("appeal")).await.unwrap();
    let procuracy = due(&case).await.unwrap();
    assert_eq!(procuracy.rule, DeadlineRule::ProcuracyComplaint);
    assert_eq!(
        procuracy.due_at,
        Utc.with_ymd_and_hms(2027, 1, 13, 17, 0, 0).unwrap()
    );
    // The procuracy annuls the decision: verification reopens, 20 days from then, recorded by
    // neither the one whose decision it was nor the one who answered the complaint.
    assert!(
        h.take_step(&director, &case, &decision("reopen", "4/QĐ-VKS"))
            .await
            .is_err()
    );
    h.take_step(&deputy, &case, &decision("reopen", "4/QĐ-VKS"))
        .await
        .unwrap();
    let detail = h.report(&head, &case).await.unwrap().detail;
    assert_eq!(detail.procedure.stage, Stage::Verifying);
    assert_eq!(
        detail.summary.deadline.unwrap().due_at,
        Utc.with_ymd_and_hms(2027, 1, 26, 17, 0, 0).unwrap()
    );
}

/// R30: a report is recorded as come from 113, or handed over to 114, 115 or 112, by the
/// officer, in its history and the audit chain; nothing else is.
#[tokio::test]
async fn a_report_from_113_handed_to_115_is_recorded_both_ways() {
    use hotline_domain::ReportEvent;
    use hotline_domain::workflow::EmergencyLine;
    let (_d, h, _) = hotline().await;
    let duty = member(&h, "qn.duty", Role::DutyOfficer).await;
    let auditor = member(&h, "qn.auditor", Role::Auditor).await;
    let case = reported(&h, "Có người ngã xe máy bất tỉnh ở ngã ba", Channel::Phone).await;
    h.record_emergency_line(&duty, &case, "113", false)
        .await
        .unwrap();
    h.record_emergency_line(&duty, &case, "115", true)
        .await
        .unwrap();
    for (line, handed) in [("113", true), ("115", false), ("911", true)] {
        assert!(matches!(
            h.record_emergency_line(&duty, &case, line, handed).await,
            Err(CoreError::Domain(_))
        ));
    }
    assert!(matches!(
        h.record_emergency_line(&auditor, &case, "114", true).await,
        Err(CoreError::Forbidden)
    ));
    let events: Vec<_> = h
        .report(&duty, &case)
        .await
        .unwrap()
        .events
        .into_iter()
        .filter_map(|e| match e.what {
            ReportEvent::EmergencyLine { line, handed } => Some((line, handed)),
            _ => None,
        })
        .collect();
    assert_eq!(
        events,
        [
            (EmergencyLine::Police, false),
            (EmergencyLine::Medical, true)
        ]
    );
    let chain = h.store.audit_entries(0, 1000).await.unwrap();
    assert_eq!(
        chain
            .iter()
            .filter(|e| e.action == "report.emergency_line" && e.subject == case)
            .count(),
        2
    );
}

/// R6, LKN Art. 27: a transfer to the competent unit keeps the report where it stands in its
/// procedure, with the extensions granted (so no ceiling is renewed); before acceptance the
/// time runs from the receipt there. A closed report is not restarted by a transfer.
#[tokio::test]
async fn a_transfer_keeps_the_procedure_and_starts_only_the_receiving_units_time() {
    use hotline_domain::deadline::DeadlineRule;
    use hotline_domain::workflow::Stage;
    let (_d, h, clock) = hotline().await;
    let competent = first_commune_police(&h).await;
    let director = member(&h, "qn.director", Role::Director).await;
    let duty = member(&h, "qn.duty", Role::DutyOfficer).await;
    let detail = async |case: &str| h.report(&director, case).await.unwrap().detail;

    // A complaint handed in at the desk, sent on three days later to the competent unit: its
    // ten days of acceptance run from there (Monday 4 January 2027 to Thursday 14).
    let mut input = text("Khiếu nại quyết định xử phạt vi phạm hành chính của đội cảnh sát");
    input.province_code = Some(22);
    let complaint = h
        .submit(Submission::new(input, Channel::Capture))
        .await
        .unwrap()
        .case_number
        .to_string();
    h.triage(&duty, &complaint, &classify("complaint"))
        .await
        .unwrap();
    assert_eq!(detail(&complaint).await.procedure.stage, Stage::Triaged);
    clock.advance(chrono::Duration::days(3));
    h.transfer(
        &director,
        &complaint,
        competent.as_str(),
        "chuyển đơn vị có thẩm quyền",
    )
    .await
    .unwrap();
    let moved = detail(&complaint).await;
    assert_eq!(
        moved.procedure.stage,
        Stage::Triaged,
        "not back to received"
    );
    let due = moved.summary.deadline.unwrap();
    assert_eq!(due.rule, DeadlineRule::ComplaintAcceptance);
    assert_eq!(
        due.due_at,
        Utc.with_ymd_and_hms(2027, 1, 14, 17, 0, 0).unwrap()
    );
    // Sent back to a unit that held it before, its time runs from that unit's first receipt
    // (1 January: Monday 11), not anew.
    clock.advance(chrono::Duration::days(2));
    h.transfer(&director, &complaint, "22", "trả lại đơn vị đã tiếp nhận")
        .await
        .unwrap();
    assert_eq!(
        detail(&complaint).await.summary.deadline.unwrap().due_at,
        Utc.with_ymd_and_hms(2027, 1, 11, 17, 0, 0).unwrap()
    );

    // A crime source extended twice keeps both extensions when sent on: no third.
    let crime = reported(&h, "Bị trộm két sắt trong nhà", Channel::Web).await;
    h.triage(&duty, &crime, &classify("crime_denunciation"))
        .await
        .unwrap();
    h.take_step(&director, &crime, &decision("accept", "1/QĐ"))
        .await
        .unwrap();
    h.take_step(&director, &crime, &note("begin_verification"))
        .await
        .unwrap();
    for (step, number) in [("extend", "2/QĐ"), ("extend_by_procuracy", "3/QĐ-VKS")] {
        h.take_step(&director, &crime, &decision(step, number))
            .await
            .unwrap();
    }
    let before = detail(&crime).await;
    h.transfer(
        &director,
        &crime,
        competent.as_str(),
        "chuyển đơn vị có thẩm quyền",
    )
    .await
    .unwrap();
    let after = detail(&crime).await;
    assert_eq!(after.procedure, before.procedure);
    assert_eq!(after.summary.deadline, before.summary.deadline);
    assert!(matches!(
        h.take_step(&director, &crime, &decision("extend_by_procuracy", "4/QĐ"))
            .await,
        Err(CoreError::Domain(_))
    ));

    // Closed, it stays closed.
    let closed = reported(&h, "Xin cảm ơn các anh đã giúp đỡ", Channel::Web).await;
    h.triage(&duty, &closed, &classify("feedback"))
        .await
        .unwrap();
    h.take_step(&director, &closed, &note("close"))
        .await
        .unwrap();
    assert!(matches!(
        h.transfer(
            &director,
            &closed,
            competent.as_str(),
            "chuyển đơn vị có thẩm quyền"
        )
        .await,
        Err(CoreError::Domain(_))
    ));
    assert_eq!(detail(&closed).await.procedure.stage, Stage::Closed);
}

#[tokio::test]
async fn a_denunciation_a_complaint_and_a_public_order_report_each_follow_their_law() {
    use hotline_domain::deadline::DeadlineRule;
    use hotline_domain::workflow::Stage;
    let (_d, h, clock) = hotline().await;
    let duty = member(&h, "qn.duty", Role::DutyOfficer).await;
    let head = member(&h, "qn.head", Role::UnitLeader).await;
    let stage = async |case: &str| h.report(&head, case).await.unwrap().detail;

    // About an officer, by Zalo: information only until a signed petition comes (R15).
    let chat = reported(&h, "Cán bộ đòi tiền khi làm giấy tờ", Channel::Zalo).await;
    h.triage(&duty, &chat, &classify("police_conduct"))
        .await
        .unwrap_err();
    let commune = Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .code;
    let accused = UnitCode::commune(22, commune).to_string();
    h.mark_police_conduct(&head, &chat, &accused, "", Default::default())
        .await
        .unwrap();
    let detail = stage(&chat).await;
    assert_eq!(detail.procedure.stage, Stage::InformationOnly);
    let offer = h.notices(&head, &chat).await.unwrap().remove(0);
    assert_eq!(
        offer.kind,
        hotline_domain::workflow::NoticeKind::PetitionOffer
    );
    assert!(offer.text.contains("đơn tố cáo có ký tên") && offer.text.contains(&chat));
    assert_eq!(
        detail.summary.deadline, None,
        "no clock of the Law on Denunciations"
    );
    h.take_step(&duty, &chat, &note("record_petition"))
        .await
        .unwrap();
    // Seven working days after receipt on 1 January 2027 (a holiday): 4 to 8 January, then
    // Monday 11 and Tuesday 12.
    let due = stage(&chat).await.summary.deadline.unwrap();
    assert_eq!(due.rule, DeadlineRule::DenunciationIntake);
    assert_eq!(
        due.due_at,
        Utc.with_ymd_and_hms(2027, 1, 12, 17, 0, 0).unwrap()
    );
    clock.advance(chrono::Duration::days(3));
    h.take_step(&head, &chat, &decision("accept", "10/QĐ"))
        .await
        .unwrap();
    let notices = h.notices(&head, &chat).await.unwrap();
    assert_eq!(
        notices.len(),
        2,
        "the offer of a petition, then the acceptance"
    );
    let accepted = notices.last().unwrap();
    assert_eq!(
        accepted.kind,
        hotline_domain::workflow::NoticeKind::DenunciationAccepted
    );
    assert!(accepted.text.starts_with("Gửi người tố cáo.") && accepted.text.contains("10/QĐ"));
    h.send_notice(&head, &chat, accepted.id, "").await.unwrap();
    assert!(
        h.send_notice(&head, &chat, accepted.id, "").await.is_err(),
        "once"
    );
    h.take_step(&head, &chat, &note("begin_verification"))
        .await
        .unwrap();
    // Thirty days from acceptance on 4 January 2027: Wednesday 3 February.
    let due = stage(&chat).await.summary.deadline.unwrap();
    assert_eq!(due.rule, DeadlineRule::DenunciationSettlement);
    assert_eq!(
        due.due_at,
        Utc.with_ymd_and_hms(2027, 2, 3, 17, 0, 0).unwrap()
    );
    // Suspended and resumed the same day: no day is added (LTC Art. 34).
    h.take_step(&head, &chat, &decision("suspend", "11a/QĐ"))
        .await
        .unwrap();
    h.take_step(&head, &chat, &decision("resume", "11b/QĐ"))
        .await
        .unwrap();
    let resumed = stage(&chat).await;
    assert_eq!(resumed.procedure.suspended_days, 0);
    assert_eq!(resumed.summary.deadline, Some(due));
    h.take_step(&head, &chat, &decision("conclude", "11/KL"))
        .await
        .unwrap();
    h.take_step(&head, &chat, &note("close")).await.unwrap();
    assert_eq!(stage(&chat).await.procedure.stage, Stage::Closed);

    // A complaint: by the web form it is information, with no clock, until a petition is
    // signed or the person comes in (LKN Art. 8); then accepted within ten days of it,
    // decided within thirty of acceptance.
    let complaint = reported(&h, "Khiếu nại quyết định xử phạt", Channel::Web).await;
    h.triage(&duty, &complaint, &classify("complaint"))
        .await
        .unwrap();
    let informed = stage(&complaint).await;
    assert_eq!(informed.procedure.stage, Stage::InformationOnly);
    assert_eq!(informed.summary.deadline, None);
    clock.advance(chrono::Duration::days(20));
    h.take_step(&duty, &complaint, &note("record_petition"))
        .await
        .unwrap();
    let petition = stage(&complaint).await;
    assert_eq!(petition.procedure.stage, Stage::Triaged);
    let due = petition.summary.deadline.unwrap();
    assert_eq!(due.rule, DeadlineRule::ComplaintAcceptance);
    assert!(
        due.due_at > clock.now() + chrono::Duration::days(9),
        "ten days from the petition, not from the message"
    );
    h.take_step(&head, &complaint, &decision("accept", "12/TL"))
        .await
        .unwrap();
    let notices = h.notices(&head, &complaint).await.unwrap();
    assert_eq!(
        notices.iter().map(|n| n.kind).collect::<Vec<_>>(),
        [hotline_domain::workflow::NoticeKind::ComplaintAccepted]
    );
    h.take_step(&head, &complaint, &note("begin_verification"))
        .await
        .unwrap();
    assert_eq!(
        stage(&complaint).await.summary.deadline.unwrap().rule,
        DeadlineRule::ComplaintDecision
    );
    assert!(
        h.triage(&duty, &complaint, &classify("public_order"))
            .await
            .is_err(),
        "its procedure has begun"
    );
    h.take_step(&head, &complaint, &decision("extend", "13/GH"))
        .await
        .unwrap();
    assert!(
        h.take_step(&head, &complaint, &decision("extend", "14/GH"))
            .await
            .is_err()
    );
    h.take_step(&head, &complaint, &decision("decide", "15/QĐ"))
        .await
        .unwrap();
    // The complainant disagrees: the second complaint goes to the head of the body above
    // (LKN Art. 33), with 45 days from it, extended once to 60 (Art. 37); those who decided
    // the first see it no more and take no step on it.
    clock.advance(chrono::Duration::days(2));
    let appealed_at = clock.now();
    h.take_step(&duty, &complaint, &note("appeal"))
        .await
        .unwrap();
    assert!(h.report(&head, &complaint).await.is_err());
    let ministry = member_of(&h, "bca.leader", Role::UnitLeader, "bca").await;
    let above = h.report(&ministry, &complaint).await.unwrap().detail;
    assert_eq!(above.summary.unit.as_str(), "bca");
    assert_eq!(above.procedure.stage, Stage::Appealed);
    let due = above.summary.deadline.unwrap();
    assert_eq!(due.rule, DeadlineRule::ComplaintSecondLevel);
    let second_level = |days| {
        hotline_domain::deadline::span_end(
            hotline_domain::deadline::Span::Days(days),
            appealed_at,
            0,
            &hotline_domain::calendar::Calendar::default(),
        )
        .unwrap()
        .0
    };
    assert_eq!(due.due_at, second_level(45));
    h.take_step(&ministry, &complaint, &decision("extend", "16/GH"))
        .await
        .unwrap();
    let due = h
        .report(&ministry, &complaint)
        .await
        .unwrap()
        .detail
        .summary
        .deadline;
    assert_eq!(due.unwrap().due_at, second_level(60));
    h.take_step(&ministry, &complaint, &decision("close", "17/QĐ"))
        .await
        .unwrap();
    assert_eq!(
        h.report(&ministry, &complaint)
            .await
            .unwrap()
            .detail
            .procedure
            .stage,
        Stage::Closed
    );

    // A public-order report: answered and closed, no limit in law.
    let noise = reported(&h, "Quán karaoke hát to sau 23 giờ", Channel::Web).await;
    h.triage(&duty, &noise, &classify("public_order"))
        .await
        .unwrap();
    assert_eq!(stage(&noise).await.summary.deadline, None);
    h.take_step(&duty, &noise, &note("assign_handling"))
        .await
        .unwrap();
    h.take_step(&duty, &noise, &note("respond")).await.unwrap();
    h.take_step(&duty, &noise, &note("close")).await.unwrap();
    assert_eq!(
        stage(&noise).await.summary.status,
        hotline_domain::ReportStatus::Closed
    );
}

#[tokio::test]
async fn one_incident_told_by_five_people_on_three_channels_is_suggested_for_merging() {
    let (_d, h, clock) = hotline().await;
    let duty = member(&h, "qn.duty", Role::DutyOfficer).await;
    let burst = [
        (
            "Cháy lớn ở kho hàng gần chợ Hạ Long, khói đen bốc cao, có người mắc kẹt",
            Channel::Web,
        ),
        (
            "chay kho hang gan cho Ha Long, khoi den lam, co nguoi ben trong",
            Channel::Zalo,
        ),
        (
            "Kho hàng cạnh chợ Hạ Long đang cháy, khói đen mù mịt",
            Channel::Phone,
        ),
        ("CHÁY KHO HÀNG CHỢ HẠ LONG, GỌI CỨU HỎA GẤP", Channel::Zalo),
        (
            "Báo cháy: kho hàng gần chợ Hạ Long bốc cháy dữ dội",
            Channel::Web,
        ),
    ];
    let unrelated = [
        "Quán karaoke hát to sau 23 giờ ở phường Bãi Cháy",
        "Bị lừa chuyển khoản mua vé tàu ra đảo",
        "Xe tải chở quá tải làm hỏng đường vào khu dân cư",
        "Cho em hỏi thủ tục làm căn cước cho con",
    ];
    let mut cases = Vec::new();
    for (text, channel) in burst {
        cases.push(reported(&h, text, channel).await);
        clock.advance(chrono::Duration::minutes(7));
        let noise = unrelated.get(cases.len() % unrelated.len()).unwrap();
        reported(&h, noise, Channel::Web).await;
    }
    let first = cases.first().unwrap();
    let suggested: Vec<String> = h
        .similar_reports(&duty, first)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.report.case_number.to_string())
        .collect();
    let others: Vec<String> = cases.iter().skip(1).cloned().collect();
    assert_eq!(
        suggested.iter().collect::<std::collections::HashSet<_>>(),
        others.iter().collect::<std::collections::HashSet<_>>(),
        "the four others, and none of the unrelated reports"
    );
    // Merged, the main report keeps every message and every reporter.
    for case in &others {
        h.merge(&duty, case, first).await.unwrap();
    }
    let view = h.report(&duty, first).await.unwrap();
    assert_eq!(view.merged.len(), 4);
    let told: usize = view
        .timeline
        .iter()
        .filter(|e| matches!(e.item, hotline_core::reports::TimelineItem::Message(_)))
        .count();
    assert_eq!(told, 5, "every message of the incident in one timeline");
    assert!(
        h.similar_reports(&duty, first).await.unwrap().is_empty(),
        "merged duplicates are closed and no longer suggested"
    );
}

#[tokio::test]
async fn a_report_about_an_officer_goes_above_the_accused() {
    let (_d, h, _) = hotline().await;
    let places = Gazetteer::embedded().unwrap();
    let commune = places.communes_of(22).next().unwrap().code;
    let commune_unit = UnitCode::commune(22, commune);
    h.resolve_unit(&commune_unit).await.unwrap();
    let inspector = hotline_core::Actor(
        h.add_staff(
            "bca.inspector",
            "",
            Role::Inspector,
            &"bca".parse().unwrap(),
            "a long password",
        )
        .await
        .unwrap(),
    );
    let on_commune = async |text: &str| {
        let mut input = self::text(text);
        input.province_code = Some(22);
        input.commune_code = Some(commune);
        h.submit(Submission::new(input, Channel::Web))
            .await
            .unwrap()
            .case_number
            .to_string()
    };
    let unit_of = async |case: &str| {
        h.report(&inspector, case)
            .await
            .unwrap()
            .detail
            .summary
            .unit
            .to_string()
    };
    // A report that reads as about an officer is never routed to the commune police.
    let reads_as_conduct = on_commune("Trưởng công an xã nhận tiền của chủ quán").await;
    assert_eq!(unit_of(&reads_as_conduct).await, "22");
    // One that does not lands there; once the commune police is named as accused, the
    // provincial director settles it (R20).
    let case = on_commune("Quán karaoke hát to đến 2 giờ sáng, báo nhiều lần không ai xử lý").await;
    assert_eq!(unit_of(&case).await, commune_unit.to_string());
    h.mark_police_conduct(
        &inspector,
        &case,
        commune_unit.as_str(),
        "",
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(unit_of(&case).await, "22");
    // The ministry cannot be named: nobody could read the report any more.
    let root = on_commune("Lãnh đạo cấp trên bao che").await;
    let held = unit_of(&root).await;
    assert!(matches!(
        h.mark_police_conduct(&inspector, &root, "bca", "", Default::default())
            .await,
        Err(CoreError::Domain(_))
    ));
    assert_eq!(unit_of(&root).await, held, "nothing changed");
    // The provincial police accused: the ministry.
    let case = on_commune("Giám đốc công an tỉnh bao che cho sai phạm").await;
    h.mark_police_conduct(&inspector, &case, "22", "", Default::default())
        .await
        .unwrap();
    assert_eq!(unit_of(&case).await, "bca");
    // A report already above the accused stays where it is.
    let at_province = submitted_in_22(&h, "Cán bộ công an xã hách dịch khi làm giấy tờ").await;
    h.mark_police_conduct(
        &inspector,
        &at_province,
        commune_unit.as_str(),
        "",
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(unit_of(&at_province).await, "22");
    let view = h.report(&inspector, &case).await.unwrap();
    assert!(
        view.events
            .iter()
            .any(|e| e.what.kind_str() == "report.transferred"),
        "the handover is in its history"
    );
    assert_eq!(
        view.detail.procedure.stage,
        hotline_domain::workflow::Stage::InformationOnly,
        "a web form is no signed petition"
    );
}

/// Issue 26, R20 by the accused's post (NĐ 22/2019 Art. 5 as amended by NĐ 224/2025): the
/// head of a commune police settles denunciations about its officers, and only its leaders read
/// them there; its deputies, its head and the unit itself are the provincial director's; a
/// peer unit never keeps one; a crime leaves the accused's unit; a wrong post is corrected by a
/// leader above, and the report follows.
#[tokio::test]
async fn a_denunciation_about_an_officer_goes_to_whoever_settles_by_the_accused_post() {
    use hotline_domain::workflow::{COMPETENCE_HANDOVER_REASON, Stage};
    let (_d, h, _) = hotline().await;
    let places = Gazetteer::embedded().unwrap();
    let mut communes = places
        .communes_of(22)
        .map(|c| UnitCode::commune(22, c.code));
    let (accused, peer) = (communes.next().unwrap(), communes.next().unwrap());
    for unit in [&accused, &peer] {
        h.resolve_unit(unit).await.unwrap();
    }
    let director = member(&h, "qn.director", Role::Director).await;
    let head = member_of(&h, "xa.truong", Role::UnitLeader, accused.as_str()).await;
    let desk = member_of(&h, "xa.trucban", Role::DutyOfficer, accused.as_str()).await;
    let peer_desk = member_of(&h, "xa2.trucban", Role::DutyOfficer, peer.as_str()).await;
    let on = async |unit: &UnitCode, text: &str| {
        let mut input = self::text(text);
        input.province_code = Some(22);
        input.commune_code = unit
            .as_str()
            .split_once('/')
            .map(|(_, c)| c.parse().unwrap());
        input.contact = Some(hotline_domain::ContactInput {
            name: Some("Người tố giác thử (hư cấu)".into()),
            phone: Some("0912 345 678".into()),
            email: None,
        });
        h.submit(Submission::new(input, Channel::Web))
            .await
            .unwrap()
            .case_number
            .to_string()
    };
    let holder = async |case: &str| h.report(&director, case).await.unwrap().detail.summary.unit;
    let reads = async |who: &hotline_core::Actor, case: &str| h.report(who, case).await.is_ok();

    // An officer of the commune police: its head's. Named so by the unit's own desk it goes
    // up first (nobody inside the unit chooses the post that keeps it there), and a leader
    // above hands it to the head; the desk never reads it again.
    let officer = on(
        &accused,
        "Người trực ở trụ sở hách dịch khi tôi làm giấy tờ",
    )
    .await;
    assert_eq!(holder(&officer).await, accused);
    let still = h
        .mark_police_conduct(
            &desk,
            &officer,
            accused.as_str(),
            "officer",
            Default::default(),
        )
        .await
        .unwrap();
    assert!(!still, "the desk is walled off");
    assert_eq!(holder(&officer).await, UnitCode::province(22));
    assert!(!reads(&head, &officer).await);
    let province_desk = member(&h, "qn.trucban", Role::DutyOfficer).await;
    assert!(
        matches!(
            h.transfer(
                &province_desk,
                &officer,
                accused.as_str(),
                "trưởng công an xã giải quyết"
            )
            .await,
            Err(CoreError::Domain(_))
        ),
        "only a leader hands it to the head"
    );
    h.transfer(
        &director,
        &officer,
        accused.as_str(),
        "trưởng công an xã giải quyết",
    )
    .await
    .unwrap();
    assert_eq!(holder(&officer).await, accused, "with the head");
    assert!(reads(&head, &officer).await);
    assert!(!reads(&desk, &officer).await);
    let assignable: Vec<_> = h
        .assignable(&head, &officer)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.username)
        .collect();
    assert_eq!(
        assignable,
        ["xa.truong"],
        "never handed to the unit's members"
    );
    assert_eq!(
        h.report(&director, &officer)
            .await
            .unwrap()
            .detail
            .accused_post,
        Some(hotline_domain::conduct::AccusedPost::Officer)
    );
    // Who denounced their officer is revealed only with a second approval from above the
    // unit: its leaders do not approve each other's request.
    let deputy_leader = member_of(&h, "xa.photruong", Role::UnitLeader, accused.as_str()).await;
    assert!(matches!(
        h.reveal_identity(
            &head,
            &officer,
            "Cần gặp người tố giác để xác minh nội dung"
        )
        .await
        .unwrap(),
        hotline_core::identity::Reveal::AwaitingApproval
    ));
    let request = h
        .report(&deputy_leader, &officer)
        .await
        .unwrap()
        .reveal_requests[0]
        .id;
    assert!(matches!(
        h.approve_reveal(&deputy_leader, &officer, request).await,
        Err(CoreError::Forbidden)
    ));
    h.approve_reveal(&director, &officer, request)
        .await
        .unwrap();

    // Nor handed on to a peer, which is not competent.
    assert!(matches!(
        h.transfer(&head, &officer, peer.as_str(), "chuyển xã bên cạnh")
            .await,
        Err(CoreError::Domain(_))
    ));

    // A deputy, held by a peer commune: the director's, and the peer hands it on.
    let deputy = on(
        &peer,
        "Quán karaoke hát to đến 2 giờ sáng, có người bao che",
    )
    .await;
    h.mark_police_conduct(
        &peer_desk,
        &deputy,
        accused.as_str(),
        "deputy",
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(holder(&deputy).await, UnitCode::province(22));
    assert!(!reads(&head, &deputy).await, "not even the head reads it");
    let handed = h.report(&director, &deputy).await.unwrap();
    assert!(handed.events.iter().any(|e| matches!(
        &e.what,
        hotline_domain::ReportEvent::Transferred { reason, .. } if reason == COMPETENCE_HANDOVER_REASON
    )));
    // ...and no transfer takes it back into the accused's unit.
    assert!(matches!(
        h.transfer(&director, &deputy, accused.as_str(), "thuộc địa bàn xã")
            .await,
        Err(CoreError::Domain(_))
    ));

    // An officer of the accused's unit, held by the peer and named so by its desk: up to the
    // province, whose leader hands it to the head who settles it, the one walled unit a report
    // may go into.
    let to_head = on(&peer, "Người xác nhận cư trú đòi tiền mới làm cho tôi").await;
    h.mark_police_conduct(
        &peer_desk,
        &to_head,
        accused.as_str(),
        "officer",
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(holder(&to_head).await, UnitCode::province(22));
    h.transfer(
        &director,
        &to_head,
        accused.as_str(),
        "trưởng công an xã giải quyết",
    )
    .await
    .unwrap();
    assert_eq!(holder(&to_head).await, accused);
    assert!(reads(&head, &to_head).await);
    assert!(!reads(&desk, &to_head).await);

    // Signs of a crime: out of the accused's unit with the step that sends it to the crime
    // flow, which its head still decides.
    h.take_step(&head, &officer, &decision("send_to_crime_flow", "3/QĐ"))
        .await
        .unwrap();
    let crime = h.report(&director, &officer).await.unwrap().detail;
    assert_eq!(crime.summary.unit, UnitCode::province(22));
    assert_eq!(crime.procedure.stage, Stage::ToCrimeFlow);
    assert!(!reads(&head, &officer).await);

    // The post named in error: a leader above corrects it, and the report goes above.
    assert!(matches!(
        h.correct_accused_unit(
            &head,
            &to_head,
            accused.as_str(),
            "deputy",
            "người bị tố cáo là phó trưởng"
        )
        .await,
        Err(CoreError::Forbidden)
    ));
    h.correct_accused_unit(
        &director,
        &to_head,
        accused.as_str(),
        "deputy",
        "người bị tố cáo là phó trưởng công an xã",
    )
    .await
    .unwrap();
    assert_eq!(holder(&to_head).await, UnitCode::province(22));
    assert!(!reads(&head, &to_head).await);
    assert!(matches!(
        h.correct_accused_unit(
            &director,
            &to_head,
            accused.as_str(),
            "deputy",
            "sửa lần nữa mà không đổi gì"
        )
        .await,
        Err(CoreError::Domain(_))
    ));
    // Once walled in full, no correction back to "officer" lets one leader hand it down.
    h.correct_accused_unit(
        &director,
        &to_head,
        accused.as_str(),
        "officer",
        "sửa lại: người bị tố cáo là cán bộ",
    )
    .await
    .unwrap();
    assert!(
        h.transfer(
            &director,
            &to_head,
            accused.as_str(),
            "trưởng công an xã giải quyết"
        )
        .await
        .is_err()
    );
    assert_eq!(holder(&to_head).await, UnitCode::province(22));

    // Nor by naming another unit and then this one again: the unit named before stays walled
    // in full.
    let named_twice = on(&peer, "Người làm thủ tục cư trú đòi thêm tiền").await;
    h.mark_police_conduct(
        &director,
        &named_twice,
        accused.as_str(),
        "officer",
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(holder(&named_twice).await, accused);
    for unit in [&peer, &accused] {
        h.correct_accused_unit(
            &director,
            &named_twice,
            unit.as_str(),
            "officer",
            "ghi nhận lại đơn vị của người bị tố cáo",
        )
        .await
        .unwrap();
    }
    assert_eq!(holder(&named_twice).await, UnitCode::province(22));
    assert!(!reads(&head, &named_twice).await);
}

/// R26: a personal-data breach is recorded when found, the authority (A05) told within 72
/// hours or with the reason why not, others told, and the breach closed only once the
/// authority was; no personal data goes into the register, and only administrators, auditors
/// and directors keep it; every change is in the audit chain.
#[tokio::test]
async fn a_data_breach_is_told_to_the_authority_within_72_hours_or_says_why() {
    use hotline_core::breaches::{BreachInput, NoticeInput};
    let (_d, h, clock) = hotline().await;
    let admin = member(&h, "qn.quantri", Role::Administrator).await;
    let desk = member(&h, "qn.trucban", Role::DutyOfficer).await;
    let found = clock.now() - chrono::Duration::hours(2);
    let input = |description| BreachInput {
        description,
        data_kinds: "nội dung tin báo, tài khoản cán bộ",
        affected: "120",
        occurred_at: None,
        detected_at: Some(found),
    };
    let about = "Máy trạm trực ban bị nhiễm mã độc, tệp sao lưu bị sao chép ra ngoài";
    assert!(matches!(
        h.record_breach(&desk, &input(about)).await,
        Err(CoreError::Forbidden)
    ));
    for refused in [
        "quá ngắn",
        "Lộ số điện thoại 0912 345 678 của người tố giác khi sao lưu",
    ] {
        assert!(matches!(
            h.record_breach(&admin, &input(refused)).await,
            Err(CoreError::Domain(_))
        ));
    }
    let id = h.record_breach(&admin, &input(about)).await.unwrap();
    let breach = h.breaches(&admin).await.unwrap().remove(0);
    assert_eq!(
        (breach.id, breach.affected, breach.detected_at),
        (id, Some(120), found)
    );
    assert_eq!(
        hotline_domain::breach::notify_due(found),
        found + chrono::Duration::hours(72)
    );
    assert!(
        matches!(
            h.close_breach(
                &admin,
                id,
                "Đã cách ly máy, đổi mật khẩu, khôi phục từ bản sao lưu sạch"
            )
            .await,
            Err(CoreError::Domain(_))
        ),
        "not closed before the authority is told"
    );

    // Told after the 72 hours: only with the reason.
    clock.advance(chrono::Duration::hours(80));
    let told = clock.now();
    let notice = |recipient, late_reason| NoticeInput {
        recipient,
        told_at: Some(told),
        reference: "Công văn số 15/CAT-PV01",
        late_reason,
    };
    assert!(matches!(
        h.record_breach_notice(&admin, id, &notice("authority", ""))
            .await,
        Err(CoreError::Domain(_))
    ));
    h.record_breach_notice(
        &admin,
        id,
        &notice("authority", "Chờ xác minh phạm vi dữ liệu bị sao chép"),
    )
    .await
    .unwrap();
    h.record_breach_notice(&admin, id, &notice("leadership", ""))
        .await
        .unwrap();
    // A later notification is not dated back to look on time.
    let backdated = NoticeInput {
        told_at: Some(found + chrono::Duration::hours(1)),
        ..notice("authority", "")
    };
    assert!(matches!(
        h.record_breach_notice(&admin, id, &backdated).await,
        Err(CoreError::Domain(_))
    ));
    let auditor = member(&h, "qn.kiemtra", Role::Auditor).await;
    assert_eq!(
        h.breaches(&auditor).await.unwrap().len(),
        1,
        "auditors read it"
    );
    assert!(
        matches!(
            h.record_breach_notice(&auditor, id, &notice("other", ""))
                .await,
            Err(CoreError::Forbidden)
        ),
        "and keep nothing in it"
    );
    let breach = h.breaches(&admin).await.unwrap().remove(0);
    assert_eq!(breach.authority_told_at(), Some(told));
    assert!(matches!(
        hotline_domain::breach::NotificationState::of(breach.detected_at, Some(told), told),
        hotline_domain::breach::NotificationState::Told { late: true, .. }
    ));
    assert_eq!(breach.notices.len(), 2);
    h.close_breach(
        &admin,
        id,
        "Đã cách ly máy, đổi mật khẩu, khôi phục từ bản sao lưu sạch",
    )
    .await
    .unwrap();
    assert!(
        matches!(
            h.record_breach_notice(&admin, id, &notice("other", ""))
                .await,
            Err(CoreError::Domain(_))
        ),
        "a closed breach changes no more"
    );
    let chain = h
        .store
        .audit_by_action(&["breach.recorded", "breach.notified", "breach.closed"], 10)
        .await
        .unwrap();
    assert_eq!(chain.len(), 4);
    assert!(
        chain
            .iter()
            .any(|e| e.detail.contains(&format!("breach={id} ")))
    );
    assert!(
        chain.iter().all(|e| !e.detail.contains("mã độc")),
        "no text in the chain"
    );
}

/// Issue 26, R1, R14, R20: a crime by a police officer never leaves the criminal procedure. One
/// that came by chat, held as information about an officer, goes into the crime flow as a source
/// of crime received that day, with its own limit, register line and receipt notices; one
/// already handled as a crime keeps its procedure when marked, to the end; the legal type is
/// locked once marked, and only a leader above the accused corrects it, audited.
#[tokio::test]
async fn a_crime_by_an_officer_stays_in_the_criminal_procedure() {
    use hotline_domain::deadline::DeadlineRule;
    use hotline_domain::workflow::{NoticeKind, Recipient, Stage};
    use hotline_domain::{LegalType, ReportStatus};
    let (_d, h, clock) = hotline().await;
    let accused = first_commune_police(&h).await;
    let director = member(&h, "qn.director", Role::Director).await;
    let duty = member(&h, "qn.duty", Role::DutyOfficer).await;
    let at_commune = member_of(&h, "xa.leader", Role::UnitLeader, accused.as_str()).await;
    let detail = async |case: &str| h.report(&director, case).await.unwrap().detail;

    // By Zalo, about the commune police: information until a petition (R15)...
    let chat = reported(
        &h,
        "Công an xã đánh người bị tạm giữ gây thương tích",
        Channel::Zalo,
    )
    .await;
    h.mark_police_conduct(&director, &chat, accused.as_str(), "", Default::default())
        .await
        .unwrap();
    assert_eq!(detail(&chat).await.procedure.stage, Stage::InformationOnly);
    // ...but a crime needs none: it goes into the crime flow, decided by a leader.
    assert!(matches!(
        h.take_step(&duty, &chat, &decision("send_to_crime_flow", "1/QĐ"))
            .await,
        Err(CoreError::Forbidden)
    ));
    clock.advance(chrono::Duration::days(3));
    h.take_step(&director, &chat, &decision("send_to_crime_flow", "1/QĐ"))
        .await
        .unwrap();
    let moved = detail(&chat).await;
    assert_eq!(moved.summary.legal_type, Some(LegalType::CrimeDenunciation));
    assert_eq!(moved.procedure.stage, Stage::ToCrimeFlow);
    assert_eq!(
        moved.accused_unit.as_ref(),
        Some(&accused),
        "still walled off"
    );
    assert!(h.report(&at_commune, &chat).await.is_err());
    // Its own limit, from the day it came into the crime flow (Monday 4 January 2027): 20
    // days, Sunday 24 January, moved to Monday 25.
    let due = moved.summary.deadline.unwrap();
    assert_eq!(due.rule, DeadlineRule::CrimeSource);
    assert_eq!(
        due.due_at,
        Utc.with_ymd_and_hms(2027, 1, 25, 17, 0, 0).unwrap()
    );
    // A register line of its own, received that day, in the holder's register.
    let lines = h.register_entries(&director, &chat).await.unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let last = lines.iter().max_by_key(|l| l.received_at).unwrap();
    assert_eq!(last.received_at, clock.now());
    // Accepted as a source of crime, its receipt notices count from that day.
    h.take_step(&director, &chat, &decision("accept", "2/QĐ"))
        .await
        .unwrap();
    let notices = h.notices(&director, &chat).await.unwrap();
    let receipt = notices
        .iter()
        .find(|n| n.kind == NoticeKind::Receipt)
        .unwrap();
    // Three working days from Monday 4 January: Thursday 7.
    assert_eq!(
        receipt.due_at,
        Utc.with_ymd_and_hms(2027, 1, 7, 17, 0, 0).unwrap()
    );
    let to_reporter = notices
        .iter()
        .find(|n| n.kind == NoticeKind::Receipt && n.recipient == Recipient::Reporter)
        .unwrap();
    assert!(
        to_reporter.text.starts_with("Gửi người tố giác."),
        "{}",
        to_reporter.text
    );
    assert!(to_reporter.text.contains("tiếp nhận ngày 04/01/2027"));
    let steps = h.steps(&director, &chat).await.unwrap();
    assert_eq!(
        steps.iter().map(|s| (s.from, s.to)).collect::<Vec<_>>(),
        [
            (Stage::InformationOnly, Stage::ToCrimeFlow),
            (Stage::ToCrimeFlow, Stage::Accepted)
        ]
    );

    // A crime report decided already keeps its procedure when marked, and closes.
    let crime = reported(&h, "Bị cướp giật túi xách ở chợ", Channel::Web).await;
    h.triage(&duty, &crime, &classify("crime_denunciation"))
        .await
        .unwrap();
    h.take_step(&director, &crime, &decision("accept", "3/QĐ"))
        .await
        .unwrap();
    h.take_step(&director, &crime, &note("begin_verification"))
        .await
        .unwrap();
    h.take_step(&director, &crime, &decision("decide_prosecute", "4/QĐ"))
        .await
        .unwrap();
    h.mark_police_conduct(&director, &crime, accused.as_str(), "", Default::default())
        .await
        .unwrap();
    let marked = detail(&crime).await;
    assert_eq!(
        marked.summary.legal_type,
        Some(LegalType::CrimeDenunciation)
    );
    assert_eq!(marked.procedure.stage, Stage::DecidedProsecute);
    // Locked: triage cannot walk it out of its procedure.
    assert!(matches!(
        h.triage(&duty, &crime, &classify("public_order")).await,
        Err(CoreError::Domain(_))
    ));
    h.triage(&duty, &crime, &classify("crime_denunciation"))
        .await
        .unwrap();
    // Only a leader above the accused corrects the type, with a reason, within its procedure.
    assert!(matches!(
        h.correct_legal_type(&duty, &crime, "crime_information", "ghi nhận nhầm loại tin")
            .await,
        Err(CoreError::Forbidden)
    ));
    assert!(matches!(
        h.correct_legal_type(&director, &crime, "complaint", "ghi nhận nhầm loại tin")
            .await,
        Err(CoreError::Domain(_))
    ));
    assert!(matches!(
        h.correct_legal_type(&director, &crime, "crime_information", "")
            .await,
        Err(CoreError::Domain(_))
    ));
    h.correct_legal_type(
        &director,
        &crime,
        "crime_information",
        "ghi nhận nhầm loại tin",
    )
    .await
    .unwrap();
    // A crime is never corrected out of the criminal procedure, even before acceptance (R1).
    let triaged = reported(&h, "Bị trộm điện thoại ở bến xe", Channel::Web).await;
    h.triage(&duty, &triaged, &classify("crime_denunciation"))
        .await
        .unwrap();
    h.mark_police_conduct(
        &director,
        &triaged,
        accused.as_str(),
        "",
        Default::default(),
    )
    .await
    .unwrap();
    for out in ["police_conduct", "feedback", "public_order"] {
        assert!(matches!(
            h.correct_legal_type(&director, &triaged, out, "ghi nhận nhầm loại tin")
                .await,
            Err(CoreError::Domain(_))
        ));
    }
    assert_eq!(
        detail(&triaged).await.summary.legal_type,
        Some(LegalType::CrimeDenunciation)
    );
    let view = h.report(&director, &crime).await.unwrap();
    assert_eq!(
        view.detail.summary.legal_type,
        Some(LegalType::CrimeInformation)
    );
    assert!(
        view.events
            .iter()
            .any(|e| e.what.kind_str() == "report.legal_type_corrected"),
        "the correction is in its history"
    );
    let chain = h.store.audit_entries(0, 1000).await.unwrap();
    assert!(chain.iter().any(|e| {
        e.action == "report.legal_type_corrected"
            && e.subject == crime
            && e.detail
                .contains("from=crime_denunciation to=crime_information")
    }));
    h.take_step(&director, &crime, &note("close"))
        .await
        .unwrap();
    assert_eq!(detail(&crime).await.summary.status, ReportStatus::Closed);
}

/// Issue 25, finding 14: the first marker's accused unit is not final. A leader above both
/// the unit named and the right one corrects it, with a reason, audited; nobody else can.
#[tokio::test]
async fn an_accused_unit_named_in_error_is_corrected_only_by_a_leader_above_both() {
    let (_d, h, _) = hotline().await;
    let places = Gazetteer::embedded().unwrap();
    let mut communes = places.communes_of(22).map(|c| c.code);
    let (named, right) = (communes.next().unwrap(), communes.next().unwrap());
    let (named_unit, right_unit) = (UnitCode::commune(22, named), UnitCode::commune(22, right));
    for unit in [&named_unit, &right_unit] {
        h.resolve_unit(unit).await.unwrap();
    }
    let director = member(&h, "qn.director", Role::Director).await;
    let handler = member_of(&h, "xa.handler", Role::Handler, right_unit.as_str()).await;
    let right_leader = member_of(&h, "xa.leader", Role::UnitLeader, right_unit.as_str()).await;
    // A report held by the right commune's police, marked against the wrong commune: it goes
    // to the province, whose director settles denunciations about a commune police when the
    // post is not known (R20); a peer never keeps one.
    let mut input = text("Quán karaoke hát to đến 2 giờ sáng, báo nhiều lần không ai xử lý");
    input.province_code = Some(22);
    input.commune_code = Some(right);
    let case = h
        .submit(Submission::new(input, Channel::Web))
        .await
        .unwrap()
        .case_number
        .to_string();
    h.mark_police_conduct(
        &director,
        &case,
        named_unit.as_str(),
        "",
        Default::default(),
    )
    .await
    .unwrap();
    let held = async |case: &str| h.report(&director, case).await.unwrap().detail;
    assert_eq!(held(&case).await.summary.unit.as_str(), "22");
    assert!(matches!(
        h.mark_police_conduct(
            &director,
            &case,
            right_unit.as_str(),
            "",
            Default::default()
        )
        .await,
        Err(CoreError::Domain(_))
    ));
    let reason = "Ghi nhận nhầm xã, cán bộ bị phản ánh thuộc xã khác";

    // The unit that would be walled off cannot do it (it no longer holds the report), nor can
    // a handler, nor anyone naming a unit that is not strictly under them, nor without a
    // reason.
    for (who, refused) in [(&right_leader, "leader"), (&handler, "handler")] {
        assert!(
            matches!(
                h.correct_accused_unit(who, &case, right_unit.as_str(), "", reason)
                    .await,
                Err(CoreError::NotFound | CoreError::Forbidden)
            ),
            "{refused}"
        );
    }
    for (unit, why) in [
        ("22", "outside"),
        ("bca", "outside"),
        (named_unit.as_str(), "same"),
    ] {
        match h
            .correct_accused_unit(&director, &case, unit, "", reason)
            .await
        {
            Err(CoreError::Domain(e)) => assert!(format!("{e:?}").contains(why), "{e:?}"),
            other => panic!("{unit}: {other:?}"),
        }
    }
    assert!(matches!(
        h.correct_accused_unit(&director, &case, right_unit.as_str(), "", "nhầm")
            .await,
        Err(CoreError::Domain(_))
    ));
    let unchanged = held(&case).await;
    assert_eq!(unchanged.accused_unit.as_ref(), Some(&named_unit));
    assert_eq!(unchanged.summary.unit.as_str(), "22");

    // The director above both corrects it: the right commune is walled off and the report
    // stays with the province.
    assert!(
        h.correct_accused_unit(&director, &case, right_unit.as_str(), "", reason)
            .await
            .unwrap()
    );
    let corrected = held(&case).await;
    assert_eq!(corrected.accused_unit.as_ref(), Some(&right_unit));
    assert_eq!(corrected.summary.unit.as_str(), "22");
    assert!(matches!(
        h.report(&right_leader, &case).await,
        Err(CoreError::NotFound)
    ));
    let view = h.report(&director, &case).await.unwrap();
    assert!(view.events.iter().any(|e| matches!(
        &e.what,
        hotline_domain::ReportEvent::AccusedCorrected { from, to, reason: why, .. }
            if *from == named_unit && *to == right_unit && why == reason
    )));
    // Nor does the unit named in error get it back: no single leader lifts a wall.
    for walled in [&named_unit, &right_unit] {
        assert!(matches!(
            h.transfer(&director, &case, walled.as_str(), "chuyển về xã xử lý")
                .await,
            Err(CoreError::Domain(_))
        ));
    }
    assert_eq!(held(&case).await.summary.unit.as_str(), "22");
    let audit = h
        .store
        .audit_by_action(&["report.accused_corrected", "report.transferred"], 10)
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"report.accused_corrected") && actions.contains(&"report.transferred")
    );
    assert!(audit.iter().all(|e| e.actor == Some(director.0.id)));
}

#[tokio::test]
async fn merging_never_crosses_the_wall_nor_skips_a_procedure_and_marking_is_once() {
    let (_d, h, _) = hotline().await;
    let duty = member(&h, "qn.duty", Role::DutyOfficer).await;
    let head = member(&h, "qn.head", Role::UnitLeader).await;
    let handler = member(&h, "qn.handler", Role::Handler).await;
    let commune = Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .code;
    let accused = UnitCode::commune(22, commune).to_string();
    let plain = reported(&h, "Cán bộ xã đòi tiền làm giấy tờ", Channel::Web).await;
    let conduct = reported(&h, "Cán bộ xã đòi tiền làm giấy tờ nhà tôi", Channel::Web).await;
    assert!(
        matches!(
            h.mark_police_conduct(&handler, &conduct, &accused, "", Default::default())
                .await,
            Err(CoreError::Forbidden)
        ),
        "handlers do not wall reports off"
    );
    h.mark_police_conduct(&duty, &conduct, &accused, "", Default::default())
        .await
        .unwrap();
    assert!(
        h.mark_police_conduct(&duty, &conduct, "22", "", Default::default())
            .await
            .is_err(),
        "the accused, once named, stays named"
    );
    for (from, into) in [(&plain, &conduct), (&conduct, &plain)] {
        assert!(
            matches!(h.merge(&duty, from, into).await, Err(CoreError::Domain(_))),
            "no merge across the wall around a report about an officer"
        );
    }
    let source = reported(&h, "Bị trộm xe máy ở chợ", Channel::Web).await;
    let again = reported(&h, "Xe máy bị trộm ở chợ sáng nay", Channel::Web).await;
    h.triage(&duty, &source, &classify("crime_denunciation"))
        .await
        .unwrap();
    h.take_step(&head, &source, &decision("accept", "1/QĐ"))
        .await
        .unwrap();
    assert!(
        matches!(
            h.merge(&duty, &source, &again).await,
            Err(CoreError::Domain(_))
        ),
        "an accepted crime source is not closed by a merge"
    );
    h.merge(&duty, &again, &source).await.unwrap();
}

#[tokio::test]
async fn a_report_arrives_as_urgent_as_its_text_says() {
    let (_d, h, _) = hotline().await;
    let duty = member(&h, "qn.duty", Role::DutyOfficer).await;
    for (text, expected) in [
        (
            "Có người nằm bất tỉnh, máu chảy nhiều ở ngã tư",
            hotline_domain::Urgency::Emergency,
        ),
        (
            "dang co trom cay cua nha ben canh",
            hotline_domain::Urgency::Urgent,
        ),
        ("Đám cháy lớn ở kho gỗ", hotline_domain::Urgency::Urgent),
        (
            "Vỉa hè trước chợ bị lấn chiếm",
            hotline_domain::Urgency::Normal,
        ),
    ] {
        let case = reported(&h, text, Channel::Web).await;
        let urgency = h.report(&duty, &case).await.unwrap().detail.summary.urgency;
        assert_eq!(urgency, expected, "{text}");
    }
}

#[tokio::test]
async fn new_reports_land_where_the_routing_table_in_force_sends_them() {
    let (_d, h, _) = hotline().await;
    let places = Gazetteer::embedded().unwrap();
    let commune = places.communes_of(22).next().unwrap().code;
    let commune_unit = UnitCode::commune(22, commune);
    h.resolve_unit(&commune_unit).await.unwrap();
    let admin = hotline_core::Actor(
        h.add_staff(
            "bca.admin",
            "",
            Role::Administrator,
            &UnitCode::ministry(),
            "a long password",
        )
        .await
        .unwrap(),
    );
    let reader = hotline_core::Actor(
        h.add_staff(
            "bca.director",
            "",
            Role::Director,
            &UnitCode::ministry(),
            "a long password",
        )
        .await
        .unwrap(),
    );
    let submit = async |text: &str, received: Option<(i32, u32, u32)>| {
        let mut input = self::text(text);
        input.province_code = Some(22);
        input.commune_code = Some(commune);
        let mut submission = Submission::new(input, Channel::Capture);
        submission.received_at =
            received.map(|(y, m, d)| Utc.with_ymd_and_hms(y, m, d, 3, 0, 0).unwrap());
        let case = h.submit(submission).await.unwrap().case_number.to_string();
        let view = h.report(&reader, &case).await.unwrap();
        let route = view
            .events
            .iter()
            .find(|e| e.what.kind_str() == "report.received")
            .map(|e| e.what.detail())
            .unwrap();
        (view.detail.summary.unit.to_string(), route)
    };
    let theft = "Tôi bị trộm mất xe máy trước cửa nhà đêm qua, kẻ trộm bẻ khóa dắt đi";
    let drugs = "Có nhóm người tụ tập mua bán ma túy đá ở căn nhà cuối hẻm, ra vào liên tục";

    // From 1 July 2025: a general crime stays with the commune police (Law 99/2025).
    let (unit, route) = submit(theft, None).await;
    assert_eq!(unit, commune_unit.to_string());
    assert!(
        route.contains("route=2025-07-01,crime_source,*,*,commune_police"),
        "{route}"
    );
    // A drug crime goes to the drug police, once the province has created that department.
    let (unit, route) = submit(drugs, None).await;
    assert_eq!(unit, "22", "no PC04 yet: the provincial police");
    assert!(route.contains("department:pc04"), "{route}");
    h.create_department(
        &admin,
        "22",
        "pc04",
        "Phòng Cảnh sát điều tra tội phạm về ma túy",
    )
    .await
    .unwrap();
    let (unit, _) = submit(drugs, None).await;
    assert_eq!(unit, "22-pc04");

    // The same theft, received when other versions were in force.
    let (unit, route) = submit(theft, Some((2025, 2, 10))).await;
    assert_eq!(
        unit, "22",
        "the district police is gone: its successor takes it"
    );
    assert!(
        route.contains("route=0001-01-01,crime_source,*,*,district_police"),
        "{route}"
    );
    h.create_department(&admin, "22", "pc01", "Cơ quan Cảnh sát điều tra")
        .await
        .unwrap();
    let (unit, _) = submit(theft, Some((2025, 4, 15))).await;
    assert_eq!(
        unit, "22-pc01",
        "March to June 2025: the provincial investigation body"
    );
    let (unit, _) = submit(theft, Some((2025, 7, 1))).await;
    assert_eq!(unit, commune_unit.to_string());

    // Public order stays local whatever its topic; an unrecognisable text goes by place.
    let (unit, _) = submit(
        "Quán karaoke hát to đến 2 giờ sáng, cả xóm không ngủ được",
        None,
    )
    .await;
    assert_eq!(unit, commune_unit.to_string());

    // A province's own rule, then the national one again once it is removed.
    h.put_routing_rule(
        &admin,
        &hotline_core::routing::RuleInput {
            version: "2025-07-01",
            province: "22",
            scope: "crime_source",
            topic: "theft_robbery",
            target_kind: "unit",
            target_argument: "22-pc01",
        },
    )
    .await
    .unwrap();
    let (unit, route) = submit(theft, None).await;
    assert_eq!(unit, "22-pc01");
    assert!(route.contains("route=2025-07-01,crime_source,theft_robbery,22,unit:22-pc01"));
    let mine = h
        .routing_rules(&admin)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.rule.province == Some(22))
        .unwrap();
    h.delete_routing_rule(&admin, mine.id).await.unwrap();
    let (unit, _) = submit(theft, None).await;
    assert_eq!(unit, commune_unit.to_string());
}

#[tokio::test]
async fn the_routing_table_is_changed_only_by_those_who_may_and_every_change_is_audited() {
    let (_d, h, _) = hotline().await;
    let national = member_of(&h, "bca.admin", Role::Administrator, "bca").await;
    let quang_ninh = member_of(&h, "qn.admin", Role::Administrator, "22").await;
    let director = member_of(&h, "qn.director", Role::Director, "22").await;
    let rule = |province: &'static str, target: &'static str, argument: &'static str| {
        hotline_core::routing::RuleInput {
            version: "2025-07-01",
            province,
            scope: "any",
            topic: "gambling",
            target_kind: target,
            target_argument: argument,
        }
    };
    let forbidden = |r: Result<(), CoreError>| matches!(r, Err(CoreError::Forbidden));
    let invalid = |r: Result<(), CoreError>, field: &str| match r {
        Err(CoreError::Domain(hotline_domain::DomainError::Invalid(errors))) => {
            errors.iter().any(|e| e.field == field)
        }
        _ => false,
    };
    assert!(matches!(
        h.routing_rules(&director).await,
        Err(CoreError::Forbidden)
    ));
    assert!(forbidden(
        h.put_routing_rule(&director, &rule("22", "department", "pc02"))
            .await
    ));
    // A province's administrator: their province's rules, not the national ones nor another's.
    assert!(forbidden(
        h.put_routing_rule(&quang_ninh, &rule("", "department", "pc02"))
            .await
    ));
    assert!(forbidden(
        h.put_routing_rule(&quang_ninh, &rule("42", "department", "pc02"))
            .await
    ));
    h.put_routing_rule(&quang_ninh, &rule("22", "department", "pc02"))
        .await
        .unwrap();
    // Nor send the province's reports to a unit of another province (issue 25).
    member_of(&h, "ht.handler", Role::Handler, "42").await;
    assert!(invalid(
        h.put_routing_rule(&quang_ninh, &rule("22", "unit", "42"))
            .await,
        "unit"
    ));
    assert!(forbidden(
        h.add_routing_version(&quang_ninh, "2027-06-01")
            .await
            .map(|_| ())
    ));
    // Bad rules change nothing.
    let before = h.routing_rules(&national).await.unwrap();
    assert!(invalid(
        h.put_routing_rule(&national, &rule("", "district_police", ""))
            .await,
        "target"
    ));
    assert!(invalid(
        h.put_routing_rule(&national, &rule("", "department", "PC 02; DROP"))
            .await,
        "target"
    ));
    assert!(invalid(
        h.put_routing_rule(&national, &rule("", "unit", "22-nowhere"))
            .await,
        "unit"
    ));
    assert!(invalid(
        h.put_routing_rule(
            &national,
            &hotline_core::routing::RuleInput {
                version: "2026-02-30",
                ..rule("", "provincial_police", "")
            }
        )
        .await,
        "version"
    ));
    assert!(invalid(
        h.put_routing_rule(
            &national,
            &hotline_core::routing::RuleInput {
                version: "2026-01-01",
                ..rule("", "provincial_police", "")
            }
        )
        .await,
        "version"
    ));
    assert_eq!(h.routing_rules(&national).await.unwrap(), before);

    // A version for a future reform: copied from the one in force, edited, removed.
    let day = h
        .add_routing_version(&national, "2027-06-01")
        .await
        .unwrap();
    let rules = h.routing_rules(&national).await.unwrap();
    let copied = rules
        .iter()
        .filter(|r| r.rule.effective_from == day)
        .count();
    let current = rules
        .iter()
        .filter(|r| r.rule.effective_from.to_string() == "2025-07-01")
        .count();
    assert_eq!(copied, current);
    assert!(invalid(
        h.add_routing_version(&national, "2027-06-01")
            .await
            .map(|_| ()),
        "version"
    ));
    assert!(invalid(
        h.delete_routing_version(&national, "2025-07-01").await,
        "version"
    ));
    h.delete_routing_version(&national, "2027-06-01")
        .await
        .unwrap();
    assert_eq!(
        h.routing_rules(&national).await.unwrap().len(),
        before.len()
    );

    let audited = h
        .store
        .audit_by_action(&["routing."], 20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect::<Vec<_>>();
    assert_eq!(
        audited,
        [
            "routing.version_removed",
            "routing.version_added",
            "routing.rule_set"
        ]
    );
}

#[tokio::test]
async fn a_crime_in_judicial_work_goes_the_procuracy_path_and_the_police_may_only_refer_it() {
    use hotline_core::handling::ConductNature;
    use hotline_domain::workflow::{NoticeKind, Recipient, Stage};
    let (_d, h, clock) = hotline().await;
    let director = member_of(&h, "qn.director", Role::Director, "22").await;
    let admin = member_of(&h, "bca.admin", Role::Administrator, "bca").await;
    h.create_department(&admin, "22", "pc02", "Phòng Cảnh sát hình sự (demo)")
        .await
        .unwrap();
    let investigator_unit = member_of(&h, "pc02.duty", Role::DutyOfficer, "22-pc02").await;
    let case = submitted_in_22(
        &h,
        "Điều tra viên ép cung, đánh người bị tạm giữ để buộc nhận tội",
    )
    .await;
    let still_sees = h
        .mark_police_conduct(
            &director,
            &case,
            "22-pc02",
            "",
            ConductNature::JudicialCrime,
        )
        .await
        .unwrap();
    assert!(still_sees, "the director is above the accused department");
    assert!(
        h.report(&investigator_unit, &case).await.is_err(),
        "walled off from the accused's unit"
    );
    let view = h.report(&director, &case).await.unwrap();
    assert_eq!(view.detail.procedure.stage, Stage::ToProcuracy);
    let deadline = view.detail.summary.deadline.unwrap();
    assert_eq!(deadline.rule.as_str(), "procuracy_referral");
    let notices = h.notices(&director, &case).await.unwrap();
    assert_eq!(notices.len(), 1);
    let referral = &notices[0];
    assert_eq!(referral.kind, NoticeKind::ProcuracyReferral);
    assert_eq!(referral.recipient, Recipient::Procuracy);
    assert_eq!(referral.due_at, clock.now() + chrono::Duration::hours(24));
    assert!(
        referral
            .text
            .contains("Cơ quan điều tra Viện kiểm sát nhân dân tối cao")
    );
    assert!(referral.basis.contains("Điều 163"));
    // The police do not verify it: accepting is not a step from here; closing, once sent, is.
    let refused = h
        .take_step(&director, &case, &decision("accept", "2/QĐ"))
        .await;
    assert!(matches!(refused, Err(CoreError::Domain(_))), "{refused:?}");
    h.take_step(&director, &case, &note("close")).await.unwrap();

    // Found to be judicial work only after intake as a denunciation: a referral decision.
    let mut input = text("Cán bộ công an phường có thái độ hách dịch khi tiếp dân");
    input.province_code = Some(22);
    let later = h
        .submit(Submission::new(input, Channel::Capture))
        .await
        .unwrap()
        .case_number
        .to_string();
    h.mark_police_conduct(&director, &later, "22-pc02", "", ConductNature::Discipline)
        .await
        .unwrap();
    let at = h
        .report(&director, &later)
        .await
        .unwrap()
        .detail
        .procedure
        .stage;
    assert_eq!(
        at,
        Stage::Triaged,
        "a captured denunciation starts its intake"
    );
    h.take_step(&director, &later, &decision("refer_to_procuracy", "3/CV"))
        .await
        .unwrap();
    let view = h.report(&director, &later).await.unwrap();
    assert_eq!(view.detail.procedure.stage, Stage::ToProcuracy);
    assert!(
        h.notices(&director, &later)
            .await
            .unwrap()
            .iter()
            .any(|n| n.kind == NoticeKind::ProcuracyReferral && n.recipient == Recipient::Procuracy)
    );
}

#[tokio::test]
async fn leaders_keep_the_duty_roster_and_everyone_sees_who_is_on_duty_at_3_am() {
    use chrono::Duration;
    let (_d, h, clock) = hotline().await;
    let leader = member_of(&h, "qn.leader", Role::UnitLeader, "22").await;
    let night = member_of(&h, "qn.night", Role::DutyOfficer, "22").await;
    let _day = member_of(&h, "qn.day", Role::DutyOfficer, "22").await;
    let elsewhere = member_of(&h, "ht.leader", Role::UnitLeader, "42").await;
    // Monday 30 November 2026, 10:00 in Vietnam.
    clock.set(Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap());
    let every_day = vec![1, 2, 3, 4, 5, 6, 7];
    let pattern = |username, starts, hours| hotline_core::duty::PatternInput {
        username,
        weekdays: every_day.clone(),
        starts,
        hours,
        from: "2026-11-30",
        until: "",
    };
    assert!(matches!(
        h.add_duty_pattern(&night, "22", &pattern("qn.night", "20:00", "12"))
            .await,
        Err(CoreError::Forbidden)
    ));
    assert!(matches!(
        h.add_duty_pattern(&elsewhere, "22", &pattern("qn.night", "20:00", "12"))
            .await,
        Err(CoreError::NotFound)
    ));
    for bad in [
        pattern("ht.leader", "20:00", "12"),
        pattern("qn.night", "25:00", "12"),
        pattern("qn.night", "20:00", "30"),
        hotline_core::duty::PatternInput {
            weekdays: Vec::new(),
            ..pattern("qn.night", "20:00", "12")
        },
    ] {
        assert!(
            matches!(
                h.add_duty_pattern(&leader, "22", &bad).await,
                Err(CoreError::Domain(_))
            ),
            "{bad:?}"
        );
    }
    let view = h.roster_view(&leader, "22", None).await.unwrap();
    assert_eq!(view.gaps.len(), 1, "nobody on duty at all yet: one gap");
    h.add_duty_pattern(&leader, "22", &pattern("qn.day", "08:00", "12"))
        .await
        .unwrap();
    h.add_duty_pattern(&leader, "22", &pattern("qn.night", "20:00", "12"))
        .await
        .unwrap();
    let on_duty = |units: Vec<hotline_core::duty::UnitOnDuty>| -> Vec<String> {
        units
            .into_iter()
            .find(|u| u.unit.code.as_str() == "22")
            .unwrap()
            .on_duty
            .into_iter()
            .map(|m| m.username)
            .collect()
    };
    assert_eq!(on_duty(h.on_duty_now(&night).await.unwrap()), ["qn.day"]);
    // 3 a.m. on Tuesday: Monday night's officer.
    clock.set(Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap());
    assert_eq!(on_duty(h.on_duty_now(&leader).await.unwrap()), ["qn.night"]);
    let view = h
        .roster_view(&leader, "22", Some("2026-11-30"))
        .await
        .unwrap();
    // The first day's morning before 08:00 is the only gap of the week.
    assert_eq!(view.gaps.len(), 1);
    assert_eq!(view.gaps[0].1 - view.gaps[0].0, Duration::hours(8));
    // Tonight's night shift cancelled, a one-off covers half of it.
    let night_pattern = view
        .roster
        .patterns
        .iter()
        .find(|p| p.staff == night.0.id)
        .unwrap()
        .id;
    h.cancel_duty_occurrence(&leader, "22", night_pattern, "2026-12-01")
        .await
        .unwrap();
    h.add_duty_shift(
        &leader,
        "22",
        &hotline_core::duty::ShiftInput {
            username: "qn.day",
            starts: "2026-12-01T20:00",
            hours: "6",
        },
    )
    .await
    .unwrap();
    let view = h
        .roster_view(&leader, "22", Some("2026-12-01"))
        .await
        .unwrap();
    let tonight_gap = view
        .gaps
        .iter()
        .find(|(from, _)| *from == Utc.with_ymd_and_hms(2026, 12, 1, 19, 0, 0).unwrap());
    assert!(
        tonight_gap.is_some(),
        "02:00 to 08:00 on Wednesday: {:?}",
        view.gaps
    );
    // A report left unclassified for days shows as overdue beside its unit.
    let mut late = Submission::new(text("Mất xe đạp trước cổng trường"), Channel::Capture);
    late.input.province_code = Some(22);
    late.received_at = Some(clock.now() - Duration::days(3));
    h.submit(late).await.unwrap();
    let units = h.on_duty_now(&leader).await.unwrap();
    let province = units.iter().find(|u| u.unit.code.as_str() == "22").unwrap();
    assert_eq!(province.overdue, 1);
    let audited: Vec<String> = h
        .store
        .audit_by_action(&["roster."], 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        audited,
        [
            "roster.shift_added",
            "roster.occurrence_cancelled",
            "roster.pattern_added",
            "roster.pattern_added"
        ]
    );
}

#[tokio::test]
async fn an_urgent_report_at_3_am_climbs_until_someone_acknowledges_it() {
    use chrono::Duration;
    let (_d, h, clock) = hotline().await;
    let places = Gazetteer::embedded().unwrap();
    let commune = places.communes_of(22).next().unwrap().code;
    let commune_unit = format!("22/{commune}");
    let province_leader = member_of(&h, "qn.leader", Role::UnitLeader, "22").await;
    let night = member_of(&h, "qn.night", Role::DutyOfficer, "22").await;
    let day = member_of(&h, "qn.day", Role::DutyOfficer, "22").await;
    let director = member_of(&h, "qn.director", Role::Director, "22").await;
    let xa_chief = member_of(&h, "xa.chief", Role::UnitLeader, &commune_unit).await;
    let xa_duty = member_of(&h, "xa.duty", Role::DutyOfficer, &commune_unit).await;
    // Sunday 29 November 2026, 22:00 in Vietnam: the rosters are written.
    clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 15, 0, 0).unwrap());
    h.add_duty_pattern(&province_leader, "22", &twelve_hours("qn.night", "19:00"))
        .await
        .unwrap();
    h.add_duty_pattern(&province_leader, "22", &twelve_hours("qn.day", "07:00"))
        .await
        .unwrap();
    // The commune's desk is staffed by day only: at 3 a.m. it is a gap.
    h.add_duty_pattern(&xa_chief, &commune_unit, &twelve_hours("xa.duty", "07:00"))
        .await
        .unwrap();

    // Monday 30 November, 03:00: a knife fight in the commune.
    let start = Utc.with_ymd_and_hms(2026, 11, 29, 20, 0, 0).unwrap();
    clock.set(start);
    let mut input = text("Cứu với, có người cầm dao đâm nhau ngay trước quán, máu chảy nhiều");
    input.province_code = Some(22);
    input.commune_code = Some(commune);
    let case = h
        .submit(Submission::new(input, Channel::Web))
        .await
        .unwrap()
        .case_number
        .to_string();
    let alerted = async |who| alert_levels(&h, who, &case).await;
    // Nobody is on duty at the commune: its chief is alerted at once.
    let pass = h.run_alerts().await.unwrap();
    assert_eq!(pass.started, 1);
    assert_eq!(alerted(&xa_chief).await, [1]);
    assert!(alerted(&xa_duty).await.is_empty(), "off duty at 3 a.m.");
    // Nothing moves before the level's wait is over, however often the job runs.
    clock.set(start + Duration::minutes(9));
    for _ in 0..3 {
        assert_eq!(h.run_alerts().await.unwrap(), Default::default());
    }
    // Ten minutes unanswered: the provincial duty desk, exactly once.
    clock.set(start + Duration::minutes(10));
    assert_eq!(h.run_alerts().await.unwrap().escalated, 1);
    assert_eq!(h.run_alerts().await.unwrap().escalated, 0);
    assert_eq!(alerted(&night).await, [2]);
    assert!(alerted(&day).await.is_empty());
    assert!(alerted(&director).await.is_empty());
    // Ten more minutes at the desk: the provincial director.
    clock.set(start + Duration::minutes(20));
    let pass = h.run_alerts().await.unwrap();
    assert_eq!(pass.escalated, 1);
    assert_eq!(alerted(&director).await, [3]);
    // The director's digest lists it as waiting for someone.
    let digest = h.digest(&director, 1).await.unwrap();
    assert_eq!(digest.received, 1);
    let waiting: Vec<String> = digest
        .unacknowledged
        .iter()
        .map(|s| s.case_number.to_string())
        .collect();
    assert_eq!(waiting, std::slice::from_ref(&case));
    assert!(matches!(
        h.digest(&xa_duty, 1).await,
        Err(CoreError::Forbidden)
    ));
    // The director acknowledges: the chain stops, and says so on the report.
    h.acknowledge_alert(&director, &case).await.unwrap();
    let digest = h.digest(&director, 1).await.unwrap();
    assert!(digest.unacknowledged.is_empty());
    let line = digest
        .response
        .iter()
        .find(|l| l.unit.as_str() == commune_unit)
        .unwrap();
    assert_eq!(line.reports, 1);
    assert_eq!(line.acknowledge.median, Some(Duration::minutes(20)));
    assert_eq!(
        line.first_reply.count, 0,
        "nobody has answered the reporter yet"
    );
    assert!(matches!(
        h.acknowledge_alert(&director, &case).await,
        Err(CoreError::Domain(_))
    ));
    clock.set(Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap());
    assert_eq!(h.run_alerts().await.unwrap(), Default::default());
    let events: Vec<String> = h
        .report(&director, &case)
        .await
        .unwrap()
        .events
        .into_iter()
        .filter(|e| e.what.kind_str().starts_with("report.alert"))
        .map(|e| e.what.to_string())
        .collect();
    assert_eq!(
        events,
        [
            "report.alerted level=1 alerted=1",
            "report.alerted level=2 alerted=1",
            "report.alerted level=3 alerted=1",
            "report.alert_acknowledged level=3",
        ]
    );
    // Someone never alerted cannot acknowledge.
    assert!(matches!(
        h.acknowledge_alert(&day, &case).await,
        Err(CoreError::NotFound)
    ));
}

#[tokio::test]
async fn a_shift_change_hands_the_waiting_alert_to_the_incoming_officer() {
    use chrono::Duration;
    let (_d, h, clock) = hotline().await;
    let leader = member_of(&h, "qn.leader", Role::UnitLeader, "22").await;
    let night = member_of(&h, "qn.night", Role::DutyOfficer, "22").await;
    let day = member_of(&h, "qn.day", Role::DutyOfficer, "22").await;
    clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 15, 0, 0).unwrap());
    for (username, starts) in [("qn.night", "19:00"), ("qn.day", "07:00")] {
        h.add_duty_pattern(&leader, "22", &twelve_hours(username, starts))
            .await
            .unwrap();
    }
    // 06:58 on Monday: an urgent report at the province, the night officer alerted.
    let at = Utc.with_ymd_and_hms(2026, 11, 29, 23, 58, 0).unwrap();
    clock.set(at);
    let case = submitted_in_22(
        &h,
        "Vừa bị cướp giật điện thoại, tên cướp đang chạy về phía chợ",
    )
    .await;
    assert_eq!(h.run_alerts().await.unwrap().started, 1);
    let levels = async |who| alert_levels(&h, who, &case).await;
    assert_eq!(levels(&night).await, [0]);
    // 07:01: the day officer has come on duty; the first level has not waited 5 minutes yet.
    clock.set(at + Duration::minutes(3));
    assert_eq!(h.run_alerts().await.unwrap().handed_over, 1);
    assert_eq!(levels(&day).await, [0]);
    assert_eq!(h.run_alerts().await.unwrap().handed_over, 0, "once");
    // The day officer acknowledges; five minutes later nothing climbs.
    h.acknowledge_alert(&day, &case).await.unwrap();
    clock.set(at + Duration::minutes(30));
    assert_eq!(h.run_alerts().await.unwrap(), Default::default());
    assert!(levels(&leader).await.is_empty());
}

#[tokio::test]
async fn a_time_limit_warns_the_assignee_before_and_the_leaders_once_it_has_passed() {
    use chrono::Duration;
    let (_d, h, clock) = hotline().await;
    let leader = member_of(&h, "qn.leader", Role::UnitLeader, "22").await;
    let handler = member_of(&h, "qn.handler", Role::Handler, "22").await;
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap();
    clock.set(start);
    let case = submitted_in_22(
        &h,
        "Hàng xóm thả chó ra đường, đã cắn một cháu bé bị thương nhẹ tuần trước",
    )
    .await;
    let warned = async |who: &hotline_core::Actor| -> Vec<String> {
        h.my_deadline_alerts(who)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.subject.case_number.as_str() == case)
            .map(|a| a.kind)
            .collect()
    };
    // Unassigned, its 24 hours to classify are the duty desk's: nobody is warned yet.
    assert_eq!(h.run_alerts().await.unwrap().warned, 0);
    h.assign(&leader, &case, Some("qn.handler")).await.unwrap();
    clock.set(start + Duration::hours(1));
    assert_eq!(h.run_alerts().await.unwrap().warned, 1);
    assert_eq!(h.run_alerts().await.unwrap().warned, 0, "once");
    assert_eq!(warned(&handler).await, ["approaching"]);
    assert!(warned(&leader).await.is_empty());
    // Past the limit: the assignee and the unit's leader, once.
    clock.set(start + Duration::hours(25));
    assert_eq!(h.run_alerts().await.unwrap().warned, 2);
    assert_eq!(h.run_alerts().await.unwrap().warned, 0);
    assert_eq!(warned(&handler).await, ["passed", "approaching"]);
    assert_eq!(warned(&leader).await, ["passed"]);
    let events: Vec<String> = h
        .report(&leader, &case)
        .await
        .unwrap()
        .events
        .into_iter()
        .filter(|e| e.what.kind_str() == "report.deadline_alerted")
        .map(|e| e.what.detail())
        .collect();
    assert_eq!(
        events,
        ["kind=approaching alerted=1", "kind=passed alerted=2"]
    );
}

/// Words notifications plainly, so that tests can read what was sent.
struct PlainWords;

impl hotline_core::notify::Words for PlainWords {
    fn word(
        &self,
        about: &hotline_core::notify::About<'_>,
        link: &str,
    ) -> hotline_core::notify::Wording {
        use hotline_core::notify::About;
        let subject = match about {
            About::Alert { case, level, .. } => format!("alert {case} level {level}"),
            About::DeadlineApproaching { case, .. } => format!("near {case}"),
            About::DeadlinePassed { case, .. } => format!("passed {case}"),
            About::Digest(d) => format!("digest received {}", d.received),
            About::Test => "test".into(),
            About::ChannelSilent { account, hours } => format!("silent {account} {hours}"),
            About::ChannelFailing { account } => format!("failing {account}"),
        };
        hotline_core::notify::Wording {
            subject,
            body: link.into(),
        }
    }
}

/// A stand-in for Telegram's Bot API that keeps what it was asked to send.
async fn telegram_stand_in() -> (String, Arc<std::sync::Mutex<Vec<serde_json::Value>>>) {
    use axum::Json;
    let sent: Arc<std::sync::Mutex<Vec<serde_json::Value>>> = Arc::default();
    let log = sent.clone();
    let app = axum::Router::new().route(
        "/bot1:T/sendMessage",
        axum::routing::post(move |Json(body): Json<serde_json::Value>| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(body);
                Json(serde_json::json!({"ok": true, "result": {"message_id": 1}}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, sent)
}

/// A notifier whose mail relay is down and whose Telegram bot answers.
async fn failing_mail_notifier(telegram: &str) -> hotline_core::notify::Notifier {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    hotline_core::notify::Notifier {
        mailer: Some(
            hotline_channels::smtp::Mailer::new(
                &format!("smtp://127.0.0.1:{port}"),
                "Hotline <hotline@example.invalid>",
            )
            .unwrap(),
        ),
        telegram: Some(hotline_channels::telegram::BotApi::new(telegram, "1:T").unwrap()),
        sms: None,
        words: Box::new(PlainWords),
        public_url: "https://hotline.example.invalid/".into(),
        digest_hour: 7,
        last_scan: std::sync::Mutex::default(),
    }
}

fn pair(channel: &str, address: &str) -> (String, String) {
    (channel.into(), address.into())
}

#[tokio::test]
async fn a_notification_channel_that_fails_falls_back_to_the_next_and_the_failure_is_recorded() {
    use chrono::Duration;
    use hotline_store::NotificationOutcome;
    let (telegram, sent) = telegram_stand_in().await;
    let (_d, h, clock) = hotline().await;
    let h = h.with_notifier(failing_mail_notifier(&telegram).await);
    let leader = member_of(&h, "qn.leader", Role::UnitLeader, "22").await;
    let night = member_of(&h, "qn.night", Role::DutyOfficer, "22").await;
    clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 15, 0, 0).unwrap());
    h.add_duty_pattern(&leader, "22", &twelve_hours("qn.night", "19:00"))
        .await
        .unwrap();
    // Mail first, then a text message (no gateway on this server), then Telegram.
    h.set_my_notify_addresses(
        &night,
        &[
            pair("email", "truc.dem@example.invalid"),
            pair("sms", "0912 345 678"),
            pair("telegram", "7012345678"),
        ],
    )
    .await
    .unwrap();
    // Bad addresses are refused and change nothing.
    let refused = h
        .set_my_notify_addresses(&night, &[pair("email", "not-an-address"), pair("fax", "1")])
        .await;
    match refused {
        Err(CoreError::Domain(hotline_domain::DomainError::Invalid(fields))) => {
            let codes: Vec<&str> = fields.iter().map(|f| f.code).collect();
            assert_eq!(codes, ["invalid_email", "unknown_channel"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.my_notify_addresses(&night).await.unwrap().len(), 3);

    // 03:00: an urgent report; the night officer is alerted.
    let at = Utc.with_ymd_and_hms(2026, 11, 29, 20, 0, 0).unwrap();
    clock.set(at);
    let case = submitted_in_22(&h, "Cứu với, có kẻ cầm dao đang đe dọa mọi người ở bến xe").await;
    assert_eq!(h.run_alerts().await.unwrap().started, 1);
    let pass = h.run_notifications().await.unwrap();
    assert_eq!((pass.sent, pass.fell_back), (1, 1));
    assert_eq!(
        h.run_notifications().await.unwrap(),
        Default::default(),
        "once"
    );
    {
        let sent = sent.lock().unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0]["chat_id"], 7012345678_i64);
        let text = sent[0]["text"].as_str().unwrap();
        assert!(text.contains(&format!("alert {case} level 0")), "{text}");
        assert!(text.contains(&format!(
            "https://hotline.example.invalid/console/reports/{case}"
        )));
    }
    let record = &h.my_notifications(&night).await.unwrap()[0];
    assert_eq!(record.state, "sent");
    assert_eq!(
        record.sent_via,
        Some(hotline_domain::notify::NotifyChannel::Telegram)
    );
    let tried: Vec<(&str, bool)> = record
        .attempts
        .iter()
        .map(|a| (a.channel.as_str(), a.error.is_some()))
        .collect();
    assert_eq!(tried, [("email", true), ("sms", true), ("telegram", false)]);
    let errors: Vec<&str> = record
        .attempts
        .iter()
        .filter_map(|a| a.error.as_deref())
        .collect();
    assert!(errors[0].starts_with("unavailable"), "{errors:?}");
    assert_eq!(errors[1], "not configured");

    // The leader has no address: the console alert is all, and is recorded so.
    clock.set(at + Duration::minutes(5));
    assert_eq!(h.run_alerts().await.unwrap().escalated, 1);
    assert_eq!(h.run_notifications().await.unwrap().console_only, 1);
    assert_eq!(
        h.my_notifications(&leader).await.unwrap()[0].state,
        "console"
    );

    // A member whose only channel fails: three rounds, a minute and five minutes apart, then
    // failed; each attempt is kept.
    h.set_my_notify_addresses(&leader, &[pair("email", "lanh.dao@example.invalid")])
        .await
        .unwrap();
    h.test_my_notifications(&leader).await.unwrap();
    assert_eq!(h.run_notifications().await.unwrap().failed_rounds, 1);
    assert_eq!(
        h.run_notifications().await.unwrap(),
        Default::default(),
        "not before its time"
    );
    clock.set(at + Duration::minutes(6));
    assert_eq!(h.run_notifications().await.unwrap().failed_rounds, 1);
    clock.set(at + Duration::minutes(11));
    assert_eq!(h.run_notifications().await.unwrap().failed_rounds, 1);
    clock.set(at + Duration::hours(1));
    assert_eq!(h.run_notifications().await.unwrap(), Default::default());
    let test = &h.my_notifications(&leader).await.unwrap()[0];
    assert_eq!(test.kind, hotline_domain::notify::NotificationKind::Test);
    assert_eq!(test.state, "failed");
    assert_eq!(test.attempts.len(), 3);
    assert_eq!(NotificationOutcome::Failed.state(), "failed");
}

#[tokio::test]
async fn each_director_gets_one_digest_a_day_from_the_configured_hour() {
    let (telegram, sent) = telegram_stand_in().await;
    let (_d, h, clock) = hotline().await;
    let h = h.with_notifier(failing_mail_notifier(&telegram).await);
    let director = member_of(&h, "qn.director", Role::Director, "22").await;
    let _leader = member_of(&h, "qn.leader", Role::UnitLeader, "22").await;
    h.set_my_notify_addresses(&director, &[pair("telegram", "555")])
        .await
        .unwrap();
    // 06:30 in Vietnam: not yet.
    clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).unwrap());
    submitted_in_22(&h, "Có nhóm thanh niên tụ tập gây ồn ào mỗi đêm").await;
    assert_eq!(h.run_notifications().await.unwrap().digests_queued, 0);
    // 07:00: once, however often the job runs.
    clock.set(Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap());
    let pass = h.run_notifications().await.unwrap();
    assert_eq!((pass.digests_queued, pass.sent), (1, 1));
    assert_eq!(h.run_notifications().await.unwrap(), Default::default());
    let text = sent.lock().unwrap()[0]["text"].as_str().unwrap().to_owned();
    assert!(text.starts_with("digest received 1"), "{text}");
    assert!(text.contains("/console/digest"));
    // The next morning, another.
    clock.set(Utc.with_ymd_and_hms(2026, 12, 1, 0, 5, 0).unwrap());
    assert_eq!(h.run_notifications().await.unwrap().digests_queued, 1);
}

#[tokio::test]
async fn with_the_demo_data_an_urgent_report_at_3_am_climbs_until_someone_acknowledges_it() {
    use chrono::Duration;
    let (_d, h, clock) = hotline().await;
    // Sunday 29 November 2026, 22:00 in Vietnam: the demo is loaded, its rosters from the day
    // before on.
    clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 15, 0, 0).unwrap());
    demo::load(&h).await.unwrap();
    h.run_alerts().await.unwrap();
    let member = async |username: &str| {
        hotline_core::Actor(h.store.staff_by_username(username).await.unwrap().member)
    };
    let night = member("demo.qn.trucdem").await;
    let day = member("demo.qn.trucban").await;
    let director = member("demo.qn.giamdoc").await;

    // Monday, 03:00: a knife fight reported to Quảng Ninh.
    let start = Utc.with_ymd_and_hms(2026, 11, 29, 20, 0, 0).unwrap();
    clock.set(start);
    let case = submitted_in_22(&h, "Cứu với, có người cầm dao đâm nhau trước cổng chợ đêm").await;
    h.run_alerts().await.unwrap();
    let levels = async |who| alert_levels(&h, who, &case).await;
    assert_eq!(levels(&night).await, [0], "the night officer on duty");
    assert!(levels(&day).await.is_empty(), "the day officer is off duty");
    assert!(levels(&director).await.is_empty());
    // Five minutes without an answer: the province's leadership (its director).
    clock.set(start + Duration::minutes(5));
    h.run_alerts().await.unwrap();
    assert_eq!(levels(&director).await, [1]);
    // Ten more: the province is its own duty desk, so the director again, as the last level.
    clock.set(start + Duration::minutes(15));
    h.run_alerts().await.unwrap();
    assert_eq!(levels(&director).await, [3, 1]);
    h.acknowledge_alert(&director, &case).await.unwrap();
    clock.set(start + Duration::hours(2));
    h.run_alerts().await.unwrap();
    assert_eq!(
        levels(&director).await,
        [3, 1],
        "acknowledged: it climbs no further"
    );
    assert_eq!(levels(&night).await, [0]);
}

#[tokio::test]
async fn an_answer_a_platform_keeps_failing_backs_off_then_fails_and_windows_are_kept() {
    use chrono::Duration;
    use hmac::Mac;
    use std::sync::atomic::{AtomicUsize, Ordering};
    // A platform that is down.
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let app = axum::Router::new().fallback(move || {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"error": {"message": "down", "code": 2}})),
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (_d, h, clock) = hotline().await;
    let settings: Vec<(String, String)> = [
        ("app_secret", "s3cret"),
        ("verify_token", "v"),
        ("access_token", "t"),
        ("phone_number_id", "1"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let input = hotline_core::channels::AccountInput {
        platform: "whatsapp",
        name: "qn-whatsapp",
        unit: "22",
        settings: &settings,
        api_base: Some(&base),
    };
    h.add_channel_account(None, &input).await.unwrap();
    let body = std::fs::read(format!(
        "{}/../../fixtures/platforms/whatsapp/text_message.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").unwrap();
    mac.update(&body);
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    h.receive_delivery(
        "whatsapp",
        "qn-whatsapp",
        &hotline_core::channels::DeliveryHeaders::one("x-hub-signature-256", &signature),
        &body,
    )
    .await
    .unwrap();
    assert_eq!(h.run_deliveries().await.unwrap().messages, 1);
    // Five waits, growing (with jitter, never beyond a fifth more than 6 hours), then failed.
    let bca = member_of(&h, "bca.director", Role::Director, "bca").await;
    let case = h.list_reports(&bca, 10).await.unwrap()[0]
        .case_number
        .to_string();
    // Each wait and a fifth more: 30 s, 2 min, 10 min, 1 h, 6 h.
    let waits = [1, 3, 13, 73, 433].map(Duration::minutes);
    for round in 0..6 {
        let pass = h.run_outbox().await.unwrap();
        assert_eq!(
            (pass.retried, pass.failed),
            if round < 5 { (1, 0) } else { (0, 1) },
            "round {round}"
        );
        assert_eq!(
            h.run_outbox().await.unwrap(),
            Default::default(),
            "not before its time"
        );
        if let Some(wait) = waits.get(round) {
            clock.set(clock.now() + *wait);
        }
    }
    assert_eq!(calls.load(Ordering::SeqCst), 6);
    assert_eq!(h.run_outbox().await.unwrap(), Default::default());
    let view = h.report(&bca, &case).await.unwrap();
    let ack = view
        .messages
        .iter()
        .find(|m| m.message.direction == hotline_domain::Direction::Outbound)
        .unwrap();
    assert_eq!(ack.message.delivery, Some(hotline_domain::Delivery::Failed));
    assert!(ack.message.send_error.as_deref().unwrap().contains("down"));
    // A day after the citizen's last message WhatsApp takes no free answer: refused here, with
    // the reason, and nothing sent.
    clock.set(clock.now() + Duration::hours(16));
    h.reply_to_reporter(&bca, &case, "Anh còn thông tin gì thêm không?")
        .await
        .unwrap();
    assert_eq!(h.run_outbox().await.unwrap().failed, 1);
    assert_eq!(calls.load(Ordering::SeqCst), 6);
    let view = h.report(&bca, &case).await.unwrap();
    let last = &view.messages.last().unwrap().message;
    assert!(
        last.send_error
            .as_deref()
            .unwrap()
            .contains("24-hour window")
    );
}

#[tokio::test]
async fn administrators_hear_once_a_day_of_a_busy_channel_gone_quiet() {
    use chrono::Duration;
    use hmac::Mac;
    let (telegram, sent) = telegram_stand_in().await;
    let (_d, h, clock) = hotline().await;
    let h = h.with_notifier(failing_mail_notifier(&telegram).await);
    let admin = member_of(&h, "qn.admin", Role::Administrator, "22").await;
    let _elsewhere = member_of(&h, "ht.admin", Role::Administrator, "42").await;
    h.set_my_notify_addresses(&admin, &[pair("telegram", "42")])
        .await
        .unwrap();
    let settings: Vec<(String, String)> = [("app_secret", "s"), ("verify_token", "v")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let input = hotline_core::channels::AccountInput {
        platform: "messenger",
        name: "qn-facebook",
        unit: "22",
        settings: &settings,
        api_base: None,
    };
    h.add_channel_account(None, &input).await.unwrap();
    // A usual week: a dozen deliveries.
    for i in 0..12 {
        let body = format!(
            r#"{{"object":"page","entry":[{{"id":"1","time":1,"messaging":[{{"sender":{{"id":"U{i}"}},"recipient":{{"id":"1"}},"timestamp":1795184100000,"message":{{"mid":"m_{i}","text":"tin {i}"}}}}]}}]}}"#
        );
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s").unwrap();
        mac.update(body.as_bytes());
        let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        h.receive_delivery(
            "messenger",
            "qn-facebook",
            &hotline_core::channels::DeliveryHeaders::one("x-hub-signature-256", &signature),
            body.as_bytes(),
        )
        .await
        .unwrap();
    }
    assert_eq!(h.run_notifications().await.unwrap().channel_warnings, 0);
    clock.set(clock.now() + Duration::hours(23));
    assert_eq!(
        h.run_notifications().await.unwrap().channel_warnings,
        0,
        "not yet"
    );
    // A day without a word: the province's administrator is told, once that day.
    clock.set(clock.now() + Duration::hours(2));
    let pass = h.run_notifications().await.unwrap();
    assert_eq!((pass.channel_warnings, pass.sent), (1, 1));
    assert_eq!(h.run_notifications().await.unwrap(), Default::default());
    let text = sent.lock().unwrap()[0]["text"].as_str().unwrap().to_owned();
    assert!(
        text.starts_with("silent messenger/qn-facebook 24"),
        "{text}"
    );
    assert!(text.contains("/console/admin/channels"));
}

#[tokio::test]
async fn past_whatsapps_window_a_template_asks_the_citizen_to_write_back_and_the_answer_waits() {
    use chrono::Duration;
    use hmac::Mac;
    let sent: Arc<std::sync::Mutex<Vec<serde_json::Value>>> = Arc::default();
    let log = sent.clone();
    let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let log = log.clone();
        async move {
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let n = {
                let mut log = log.lock().unwrap();
                log.push(body);
                log.len()
            };
            axum::Json(serde_json::json!({"messages": [{"id": format!("wamid.OUT{n}")}]}))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (_d, h, clock) = hotline().await;
    let settings: Vec<(String, String)> = [
        ("app_secret", "s3cret"),
        ("verify_token", "v"),
        ("access_token", "t"),
        ("phone_number_id", "1"),
        ("reengage_template", "moi_nhan_lai"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let input = hotline_core::channels::AccountInput {
        platform: "whatsapp",
        name: "qn-whatsapp",
        unit: "22",
        settings: &settings,
        api_base: Some(&base),
    };
    h.add_channel_account(None, &input).await.unwrap();
    let deliver = async |id: &str, text: &str| {
        let body = format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","contacts":[{{"profile":{{"name":"Lan"}},"wa_id":"84912345678"}}],"messages":[{{"from":"84912345678","id":"{id}","timestamp":"1795184100","type":"text","text":{{"body":"{text}"}}}}]}}}}]}}]}}"#
        );
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(body.as_bytes());
        let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        h.receive_delivery(
            "whatsapp",
            "qn-whatsapp",
            &hotline_core::channels::DeliveryHeaders::one("x-hub-signature-256", &signature),
            body.as_bytes(),
        )
        .await
        .unwrap();
        h.run_deliveries().await.unwrap();
    };
    deliver("wamid.IN1", "Co nguoi lua dao qua mang").await;
    assert_eq!(h.run_outbox().await.unwrap().sent, 1, "the acknowledgement");
    let bca = member_of(&h, "bca.director", Role::Director, "bca").await;
    let case = h.list_reports(&bca, 10).await.unwrap()[0]
        .case_number
        .to_string();
    // A day and more later the officer answers: WhatsApp would refuse free text, so the
    // account's template asks the citizen to write back, and the answer waits.
    clock.set(clock.now() + Duration::hours(30));
    h.reply_to_reporter(
        &bca,
        &case,
        "Anh vui lòng cho biết số tài khoản đã chuyển tiền.",
    )
    .await
    .unwrap();
    assert_eq!(h.run_outbox().await.unwrap().retried, 1);
    {
        let sent = sent.lock().unwrap();
        let template = &sent[1];
        assert_eq!(template["type"], "template");
        assert_eq!(template["template"]["name"], "moi_nhan_lai");
        assert_eq!(template["template"]["language"]["code"], "vi");
        assert_eq!(
            template["template"]["components"][0]["parameters"][0]["text"],
            case.as_str()
        );
    }
    assert_eq!(
        h.run_outbox().await.unwrap(),
        Default::default(),
        "it waits"
    );
    // The citizen writes back: the window is open and the answer leaves, as text.
    clock.set(clock.now() + Duration::hours(2));
    deliver("wamid.IN2", "Toi day").await;
    assert_eq!(h.run_outbox().await.unwrap().sent, 1);
    {
        let sent = sent.lock().unwrap();
        assert_eq!(sent.len(), 3);
        assert_eq!(sent[2]["type"], "text");
        assert_eq!(
            sent[2]["text"]["body"],
            "Anh vui lòng cho biết số tài khoản đã chuyển tiền."
        );
    }
    // Two more answers past the window: one template asks the citizen to write back, the
    // second answer waits behind the first, and when the citizen stays silent for 7 days both
    // fail together, without a second template.
    clock.set(clock.now() + Duration::hours(30));
    for text in ["Câu hỏi thứ hai.", "Câu hỏi thứ ba."] {
        h.reply_to_reporter(&bca, &case, text).await.unwrap();
    }
    assert_eq!(h.run_outbox().await.unwrap().retried, 1);
    assert_eq!(h.run_outbox().await.unwrap(), Default::default());
    clock.set(clock.now() + Duration::days(7) + Duration::minutes(1));
    assert_eq!(h.run_outbox().await.unwrap().failed, 1);
    assert_eq!(h.run_outbox().await.unwrap(), Default::default());
    let sent = sent.lock().unwrap();
    assert_eq!(sent.len(), 4, "one template for both answers");
    assert_eq!(sent[3]["type"], "template");
}

#[tokio::test]
async fn an_account_sends_its_credentials_elsewhere_only_with_the_operators_leave() {
    let (_d, h, _clock) = hotline().await;
    let settings: Vec<(String, String)> = [("app_secret", "s3cret"), ("verify_token", "v")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let input = |name: &'static str, api_base: &'static str| hotline_core::channels::AccountInput {
        platform: "whatsapp",
        name,
        unit: "22",
        settings: &settings,
        api_base: Some(api_base),
    };
    // A rogue administrator points the account at a host of theirs: refused, nothing made.
    match h
        .add_channel_account(None, &input("qn-whatsapp", "https://graph.example.net"))
        .await
    {
        Err(CoreError::Domain(DomainError::Invalid(errors))) => {
            assert_eq!(errors.len(), 1);
            assert_eq!(
                (errors[0].field.as_str(), errors[0].code),
                ("api_base", "not_allowed")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(h.store.channel_accounts().await.unwrap().is_empty());
    // The platform's own API, or this machine (a stand-in, a local gateway), need no leave.
    for (name, base) in [
        ("qn-whatsapp", "https://graph.facebook.com"),
        ("qn-whatsapp-test", "http://127.0.0.1:8099"),
    ] {
        h.add_channel_account(None, &input(name, base))
            .await
            .unwrap();
    }
    let allowed = h.with_policy(hotline_core::Policy {
        allow_custom_api_base: true,
        ..hotline_core::Policy::default()
    });
    allowed
        .add_channel_account(
            None,
            &input("qn-whatsapp-proxy", "https://graph.example.net"),
        )
        .await
        .unwrap();
}

/// Someone who wants a director kept out guesses at the account: from one address they lock
/// out only that address; from many together they lock the account everywhere, and an
/// administrator lifts it (issue 25, finding 13).
#[tokio::test]
async fn a_member_locked_out_by_others_guesses_has_a_way_back_in() {
    use hotline_core::admin::StaffChange;
    let (_d, h, _) = hotline().await;
    h.add_staff(
        "qn.giamdoc",
        "",
        Role::Director,
        &"22".parse().unwrap(),
        "mat-khau-rat-dai-01",
    )
    .await
    .unwrap();
    let admin = member_of(&h, "bca.quantri", Role::Administrator, "bca").await;
    let attacker = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));
    let own = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));
    let mut throttled_after = None;
    for n in 1..=10 {
        if let Err(CoreError::Throttled { .. }) =
            h.sign_in("qn.giamdoc", "doan-sai", attacker).await
        {
            throttled_after = Some(n);
            break;
        }
    }
    // Five free guesses, then the guesser's address waits (a second at first: a slow machine
    // may let one more through).
    assert!(
        throttled_after.is_some_and(|n| (6..=8).contains(&n)),
        "{throttled_after:?}"
    );
    h.sign_in("qn.giamdoc", "mat-khau-rat-dai-01", own)
        .await
        .expect("the member, from their own address, is not kept out");
    // Many addresses, one guess each: the account waits everywhere.
    for n in 1..=60u8 {
        let from = IpAddr::V4(Ipv4Addr::new(203, 0, 113, n));
        if let Err(CoreError::Throttled { .. }) = h.sign_in("qn.giamdoc", "doan-sai", from).await {
            break;
        }
    }
    assert!(matches!(
        h.sign_in("qn.giamdoc", "mat-khau-rat-dai-01", own).await,
        Err(CoreError::Throttled { .. })
    ));
    h.change_staff(&admin, "qn.giamdoc", StaffChange::UnlockSignIn)
        .await
        .unwrap();
    h.sign_in("qn.giamdoc", "mat-khau-rat-dai-01", own)
        .await
        .expect("lifted by an administrator");
}
