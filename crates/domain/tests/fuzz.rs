//! Property tests of the domain's readers of outside text: case numbers and follow-up codes a
//! reporter types, phone numbers, contact addresses and handles (the directory's forms and its
//! "is this really the police?" check), notification addresses, unit codes and routing
//! targets, and the free text every report carries (cleaning, folding, search words, personal
//! data spotting, SMS length, triage hints and places). Inputs are arbitrary strings, strings
//! of the characters each reader takes, and the labelled reports of `data/triage_eval.jsonl`
//! with pieces put in. Each property runs 10,000 cases from a fixed seed; about 2 s each in a
//! debug build (the triage one about 10 s).

// Test code: a failed expectation is the test's failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hotline_domain::directory::{ContactAddress, ContactKind, parse_published_phone};
use hotline_domain::hints::{self, pii_spans};
use hotline_domain::notify::{NotifyAddress, NotifyChannel};
use hotline_domain::pii::{self, Segment};
use hotline_domain::platform::AccountName;
use hotline_domain::routing::Target;
use hotline_domain::text::{self, Phone};
use hotline_domain::{CaseNumber, Channel, FollowUpCode, Gazetteer, UnitCode, sms};
use hotline_fuzzing::{CASES, check};
use proptest::arbitrary::any;
use proptest::sample::{Index, select};
use proptest::strategy::Strategy;
use proptest::{prop_assert, prop_assert_eq, prop_oneof};
use std::collections::HashSet;

/// The seed every property starts from: the same cases on every run and every machine.
const SEED: u64 = 0x4854_4c4e_444f_4d4e;

/// Reports as citizens wrote them (the labelled evaluation set).
fn reports() -> Vec<String> {
    include_str!("data/triage_eval.jsonl")
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|row| row["text"].as_str().map(str::to_owned))
        .collect()
}

/// `piece` put into `text` at a character boundary picked in proportion to its length.
fn put_in(text: &str, piece: &str, at: Index) -> String {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let cut = bounds[at.index(bounds.len())];
    format!("{}{piece}{}", &text[..cut], &text[cut..])
}

/// Free text: anything, characters that trouble normalisation (controls, combining marks,
/// Vietnamese letters precomposed and not), and real reports with numbers, addresses, case
/// numbers and odd characters put in.
fn free_text() -> impl Strategy<Value = String> {
    let reports = reports();
    prop_oneof![
        any::<String>(),
        "[\\x{0}-\\x{1f}\\x{7f}\\x{85}\\x{a0}\\x{300}-\\x{36f}\\x{2028}\\x{feff}a-zA-ZđĐơư \r\n\t]{0,80}",
        "[a-zA-ZđĐàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ0-9 ,.\n@:/+-]{0,200}",
        (
            select(reports),
            prop_oneof![
                "[0-9 .+-]{0,20}",
                "[A-Z]{2,4}-[0-9]{4}-[0-9]{6,12}",
                "[a-z.]{1,10}@[a-z]{1,8}\\.[a-z]{2,3}",
                ".{0,12}",
            ],
            any::<Index>(),
        )
            .prop_map(|(report, piece, at)| put_in(&report, &piece, at)),
    ]
}

/// Short values typed in a field: anything, and the characters each reader takes.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,40}",
        "[0-9 .+()-]{0,24}",
        "(\\+?84|0|00)?[ .-]?[0-9]{2,4}[ .-]?[0-9]{3}[ .-]?[0-9]{3,4}",
        "[A-Za-z0-9._@/:?=&%+-]{0,60}",
        "(https?://)?(www\\.)?(zalo\\.me|wa\\.me|facebook\\.com|tiktok\\.com|t\\.me|x\\.com|threads\\.net|example\\.vn)(/@?[a-z0-9._?=&]{0,20}){0,2}",
        "[A-Z]{2,4}-[0-9]{4}-[0-9]{5,13}",
        "[0-9A-Za-z -]{14,24}",
        "(unit|department|commune_police|other):[ a-z0-9/-]{0,16}",
    ]
}

/// Case numbers and follow-up codes are taken in their one shape, and read back as given.
#[test]
fn case_numbers_and_follow_up_codes_are_taken_only_in_their_shape() {
    check(SEED, CASES, typed(), |input| {
        if let Some(case) = CaseNumber::parse(&input) {
            prop_assert_eq!(case.as_str(), input.as_str());
            prop_assert!(input.len() <= 4 + 1 + 4 + 1 + 12);
            prop_assert_eq!(CaseNumber::parse(&case.to_string()), Some(case));
        }
        if let Some(code) = FollowUpCode::parse(&input) {
            prop_assert_eq!(code.canonical().len(), 16);
            let again = FollowUpCode::parse(code.canonical());
            prop_assert_eq!(again.as_ref(), Some(&code));
            prop_assert_eq!(FollowUpCode::parse(&code.grouped()), Some(code));
        }
        Ok(())
    });
}

/// A phone number is taken in E.164, which reads back as itself, as does its national
/// form; a published one is Vietnamese, and a refusal says why.
#[test]
fn phone_numbers_read_back_as_themselves() {
    check(SEED, CASES, typed(), |input| {
        if let Some(phone) = Phone::parse(&input) {
            let e164 = phone.e164();
            prop_assert!(e164.starts_with('+'), "{e164}");
            prop_assert!(e164[1..].bytes().all(|b| b.is_ascii_digit()), "{e164}");
            let again = Phone::parse(e164);
            prop_assert_eq!(again.as_ref(), Some(&phone));
            let again = Phone::parse(&phone.national());
            prop_assert_eq!(again.as_ref(), Some(&phone));
        }
        match parse_published_phone(&input) {
            Ok(phone) => prop_assert!(phone.e164().starts_with("+84")),
            Err(e) => prop_assert!(!e.to_string().is_empty() && !e.code().is_empty()),
        }
        Ok(())
    });
}

/// A contact point's address is canonical for its kind (a number in E.164, a link over
/// HTTP(S)), or refused with a reason; whatever a citizen pastes gives candidates that can
/// all be shown.
#[test]
fn contact_addresses_are_canonical_or_refused() {
    check(
        SEED,
        CASES,
        (select(ContactKind::ALL), typed()),
        |(kind, input)| {
            match ContactAddress::parse(kind, &input) {
                Ok(address) => {
                    prop_assert_eq!(address.kind, kind);
                    let written = &address.address;
                    match kind {
                        ContactKind::Phone => prop_assert!(written.starts_with("+84"), "{written}"),
                        ContactKind::Email => prop_assert!(written.contains('@'), "{written}"),
                        _ => prop_assert!(
                            written.starts_with("https://") || written.starts_with("http://"),
                            "{written}"
                        ),
                    }
                    prop_assert!(!address.href().is_empty() && !address.display().is_empty());
                    if kind == ContactKind::Phone {
                        prop_assert!(address.phone().is_some());
                    }
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
            if let Err(e) = format!("{kind}:{input}").parse::<ContactAddress>() {
                prop_assert!(!e.to_string().is_empty());
            }
            for candidate in ContactAddress::candidates(&input) {
                prop_assert!(!candidate.address.is_empty());
                prop_assert!(!candidate.href().is_empty() && !candidate.display().is_empty());
            }
            Ok(())
        },
    );
}

/// Notification addresses, account names, unit codes and routing targets: taken in one form
/// that reads back as itself, or refused with a reason.
#[test]
fn codes_and_names_are_taken_in_one_form_or_refused() {
    check(SEED, CASES, typed(), |input| {
        for channel in NotifyChannel::ALL {
            match NotifyAddress::parse(channel, &input, "address") {
                Ok(address) => {
                    let kept = address.address();
                    match channel {
                        NotifyChannel::Email => prop_assert!(kept.contains('@')),
                        NotifyChannel::Sms => prop_assert!(kept.starts_with('+')),
                        NotifyChannel::Telegram => {
                            prop_assert!(kept.parse::<i64>().is_ok_and(|id| id != 0));
                        }
                    }
                    prop_assert!(!address.masked().is_empty());
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }
        if let Ok(name) = AccountName::parse(&input) {
            prop_assert!((1..=40).contains(&name.as_str().len()));
        }
        match input.parse::<UnitCode>() {
            Ok(unit) => {
                prop_assert!(unit.as_str().len() <= 32);
                prop_assert_eq!(unit.as_str().parse::<UnitCode>().ok(), Some(unit.clone()));
                let _ = unit.shape();
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        match input.parse::<Target>() {
            Ok(target) => prop_assert_eq!(target.to_string().parse::<Target>().ok(), Some(target)),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        if let Err(e) = input.parse::<Channel>() {
            prop_assert!(!e.to_string().is_empty());
        }
        Ok(())
    });
}

/// Personal data spotting loses no text: the pieces put back together are the text, the mask
/// counts what it hides, and the spans the hints give lie in order within the text.
#[test]
fn personal_data_spotting_keeps_every_character() {
    check(SEED, CASES, free_text(), |input| {
        let segments = pii::segments(&input);
        let joined: String = segments
            .iter()
            .map(|s| match s {
                Segment::Plain(piece) | Segment::Personal(piece) => *piece,
            })
            .collect();
        prop_assert_eq!(&joined, &input);
        let personal = segments
            .iter()
            .filter(|s| matches!(s, Segment::Personal(_)))
            .count();
        prop_assert_eq!(pii::mask(&input).1, personal);
        let mut end = 0;
        for span in pii_spans(&input) {
            prop_assert!(end <= span.start && span.start < span.end);
            end = span.end;
        }
        prop_assert!(end <= input.chars().count());
        Ok(())
    });
}

/// Cleaning, folding, search words and SMS length take any text.
#[test]
fn free_text_is_cleaned_folded_and_counted() {
    check(SEED, CASES, free_text(), |input| {
        let clean = text::clean(&input);
        prop_assert!(
            clean
                .chars()
                .all(|c| !c.is_control() || c == '\n' || c == '\t'),
            "{clean:?}"
        );
        prop_assert_eq!(clean.trim(), clean.as_str());
        let line = text::clean_line(&input);
        prop_assert!(
            !line.contains(['\n', '\t']) && !line.contains("  "),
            "{line:?}"
        );
        let _ = text::fold(&input);
        let _ = text::unaccented(&input);
        let tokens = text::search_tokens(&input);
        prop_assert!(tokens.len() <= text::MAX_SEARCH_TOKENS);
        prop_assert!(tokens.iter().all(|t| t.chars().count() >= 2));
        prop_assert_eq!(tokens.iter().collect::<HashSet<_>>().len(), tokens.len());
        let _ = text::index_terms(&input);
        let _ = text::snippet(&input, &tokens, 80);
        prop_assert!(sms::segments(&input).count >= 1);
        let _ = text::capitalised(&input);
        Ok(())
    });
}

/// Triage reads any text: hints with the personal data spans of the text itself, and places
/// of the gazetteer; place names typed in a form resolve or not, never fail.
#[test]
fn triage_and_places_read_any_text() {
    let places = Gazetteer::embedded().unwrap();
    let provinces: Vec<u32> = places.provinces().iter().map(|p| p.code).collect();
    check(
        SEED,
        CASES,
        (free_text(), select(provinces)),
        |(input, province)| {
            let (hints, _) = hints::read(&input, &places);
            prop_assert_eq!(hints.pii, pii_spans(&input));
            if let Some(code) = hints.province_code {
                prop_assert!(places.provinces().iter().any(|p| p.code == code));
            }
            let _ = places.place_in_text(&input);
            let _ = places.resolve_province(&input);
            let _ = places.find_commune(province, &input);
            Ok(())
        },
    );
}
