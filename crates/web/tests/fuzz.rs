//! Property tests of how the web layer reads requests: URL-encoded forms, JSON bodies (the
//! failing field named), content types, the trusted proxy's address header, and the citizens'
//! report form posted as multipart with files, sent through the real router. Inputs are
//! arbitrary bytes and real requests (a filled form with a photo from `fixtures/evidence`)
//! with bytes flipped, cut or repeated. Each runs 10,000 cases from a fixed seed, the form's
//! through the whole application too (a request renders a page: a few seconds in all).

// Test code: a failed expectation is the test's failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::body::Body;
use chrono::{TimeZone, Utc};
use hotline_core::{Hotline, IntakeConfig, setup};
use hotline_domain::{Clock, FixedClock, Gazetteer, UnitCode};
use hotline_fuzzing::{CASES, LIMIT, arbitrary_bytes, check, edited_bytes, hang};
use hotline_store::Store;
use hotline_web::extract::{
    BodyError, Form, checked, client_ip, parse_json, require_content_type, url_pairs,
};
use hotline_web::{AppState, WebConfig, app};
use http::{HeaderMap, HeaderValue, Request, StatusCode};
use proptest::sample::select;
use proptest::strategy::Strategy;
use proptest::test_runner::TestCaseError;
use proptest::{prop_assert, prop_assert_eq, prop_oneof};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tower::ServiceExt;

/// The seed every property starts from: the same cases on every run and every machine.
const SEED: u64 = 0x4854_4c4e_5745_4221;

/// Pieces that break form, JSON and multipart readers when they land in the wrong place.
const TOKENS: &[&[u8]] = &[
    b"&",
    b"=",
    b"%",
    b"%ff",
    b"%C3",
    b"%00",
    b"+",
    b"{",
    b"}",
    b"[",
    b"\"",
    b",",
    b":",
    b"\\ud800",
    b"1e400",
    b"null",
    b"\r\n",
    b"\r\n\r\n",
    b"--XYZ",
    b"--XYZ--\r\n",
    b"\r\n--XYZ\r\n",
    b"Content-Disposition: form-data; name=\"files\"; filename=\"a.jpg\"\r\n\r\n",
    b"Content-Disposition: form-data; name=\"text\"\r\n\r\n",
    b"Content-Disposition: form-data; name=\"\"\r\n\r\n",
    b"Content-Disposition: form-data\r\n\r\n",
    b"Content-Type: image/jpeg\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"\xff\xd8\xff",
    b"\0",
    b"\xff",
    b"\xc3",
];

/// Longest arbitrary or edited body.
const MAX_BODY: usize = 8 * 1024;

/// Arbitrary bytes, and a sample with its bytes edited.
fn bodies(samples: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => arbitrary_bytes(2048),
        3 => edited_bytes(samples, TOKENS, MAX_BODY),
    ]
}

/// A refused body says how, by its status: a client's error, never the server's.
fn refused_clearly(error: &BodyError) -> Result<(), TestCaseError> {
    prop_assert!(error.status().is_client_error(), "{error:?}");
    if let BodyError::Malformed { detail, .. } = error {
        prop_assert!(!detail.is_empty(), "a malformed body without what is wrong");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The pure readers.

/// Fields as the citizens' form names them (a checkbox among them).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Fields {
    text: String,
    province_code: String,
    #[serde(deserialize_with = "checked")]
    occurred_now: bool,
}

const FORM: &[u8] = b"text=C%C3%B3+ng%C6%B0%E1%BB%9Di+%C4%91%C3%A1nh+b%E1%BA%A1c&province_code=22\
&commune=T%C3%A2n+L%E1%BA%ADp&occurred_now=1&phone=0912.345.678&website=";

/// URL-encoded forms are read whole, or refused for bytes that are not UTF-8; never mangled.
#[test]
fn url_encoded_forms_are_read_or_refused() {
    check(SEED, CASES, bodies(vec![FORM.to_vec()]), |body| {
        match url_pairs(&body) {
            Ok(pairs) => {
                let pieces = body.split(|b| *b == b'&').filter(|p| !p.is_empty()).count();
                prop_assert_eq!(pairs.len(), pieces);
            }
            Err(e) => prop_assert_eq!(e, BodyError::BadEncoding),
        }
        match Form::parse(&body) {
            Ok(form) => {
                // The last value of each field, as `get` gives it.
                match form.read::<Fields>() {
                    Ok(fields) => {
                        prop_assert_eq!(fields.text.as_str(), form.get("text"));
                        prop_assert_eq!(fields.province_code.as_str(), form.get("province_code"));
                        prop_assert_eq!(fields.occurred_now, form.get("occurred_now") == "1");
                    }
                    Err(e) => refused_clearly(&e)?,
                }
                if let Err(e) = form.read::<HashMap<String, String>>() {
                    refused_clearly(&e)?;
                }
            }
            Err(e) => refused_clearly(&e)?,
        }
        Ok(())
    });
}

/// A JSON body as the API takes one: nested, with fields it refuses to go without.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    text: String,
    province_code: Option<u32>,
    contact: Option<Contact>,
    files: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Contact {
    phone: String,
    name: Option<String>,
}

const JSON: &[u8] = br#"{"text":"C\u00f3 ng\u01b0\u1eddi \u0111\u00e1nh b\u1ea1c","province_code":22,"contact":{"phone":"0912345678","name":"Lan"},"files":[]}"#;

/// JSON bodies are read, or refused naming the field and what is wrong with it.
#[test]
fn json_bodies_are_read_or_refused_naming_the_field() {
    check(SEED, CASES, bodies(vec![JSON.to_vec()]), |body| {
        let value = parse_json::<serde_json::Value>(&body);
        match parse_json::<Report>(&body) {
            // What the typed reading took is what the document holds.
            Ok(report) => {
                let value = value.as_ref().unwrap();
                prop_assert_eq!(value["text"].as_str(), Some(report.text.as_str()));
                prop_assert_eq!(
                    value["province_code"].as_u64(),
                    report.province_code.map(u64::from)
                );
                let contact = report.contact.as_ref();
                prop_assert_eq!(
                    value["contact"]["phone"].as_str(),
                    contact.map(|c| c.phone.as_str())
                );
                prop_assert_eq!(
                    value["contact"]["name"].as_str(),
                    contact.and_then(|c| c.name.as_deref())
                );
                prop_assert_eq!(
                    value["files"].as_array().map(Vec::len),
                    report.files.as_ref().map(Vec::len)
                );
            }
            Err(e) => refused_clearly(&e)?,
        }
        if let Err(e) = &value {
            refused_clearly(e)?;
        }
        Ok(())
    });
}

/// Content types and the proxy's address header, whatever their bytes: a content type is
/// the expected one or refused; the client is the header's last address, or the peer.
#[test]
fn content_types_and_forwarded_addresses_are_read_or_ignored() {
    check(
        SEED,
        CASES,
        (
            bodies(vec![
                b"multipart/form-data; boundary=XYZ".to_vec(),
                b"203.0.113.7, 10.0.0.1, 2001:db8::1".to_vec(),
            ]),
            select(vec!["application/json", "multipart/form-data", ""]),
        ),
        |(value, expected)| {
            let Ok(value) = HeaderValue::from_bytes(&value) else {
                return Ok(());
            };
            let mut headers = HeaderMap::new();
            headers.insert(http::header::CONTENT_TYPE, value.clone());
            if let Err(e) = require_content_type(&headers, expected) {
                refused_clearly(&e)?;
            }
            let (parts, ()) = Request::builder()
                .header("x-forwarded-for", value.clone())
                .body(())
                .unwrap()
                .into_parts();
            let last = value
                .to_str()
                .ok()
                .and_then(|v| v.rsplit(',').next())
                .and_then(|s| s.trim().parse::<IpAddr>().ok());
            prop_assert_eq!(
                client_ip(&parts, Some("x-forwarded-for")),
                last.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
            );
            prop_assert_eq!(client_ip(&parts, None), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// The report form through the application.

/// A part of a multipart body.
fn part(name: &str, extra: &str, value: &[u8]) -> Vec<u8> {
    let mut part =
        format!("--XYZ\r\nContent-Disposition: form-data; name=\"{name}\"{extra}\r\n\r\n")
            .into_bytes();
    part.extend_from_slice(value);
    part.extend_from_slice(b"\r\n");
    part
}

/// The report form as a browser posts it: typed fields, then files (a photo, an empty file
/// input), or no file at all.
fn multipart_samples() -> Vec<Vec<u8>> {
    let photo = include_bytes!("../../../fixtures/evidence/one-pixel.jpg");
    let fields = [
        part(
            "text",
            "",
            "Có người đánh bạc ở quán nước số 12 phố Huế".as_bytes(),
        ),
        part("province_code", "", b"22"),
        part("commune", "", "Tân Lập".as_bytes()),
        part("occurred_now", "", b"1"),
        part("token", "", b"3f1c2d9e8b7a6f5e"),
        part("stamp", "", b"1795185012.00ff00ff00ff00ff00ff00ff00ff00ff"),
        part("work", "", b"12345"),
        part("website", "", b""),
    ]
    .concat();
    let photo_part = part(
        "files",
        "; filename=\"anh.jpg\"\r\nContent-Type: image/jpeg",
        photo,
    );
    let empty_file = part(
        "files",
        "; filename=\"\"\r\nContent-Type: application/octet-stream",
        b"",
    );
    let end = b"--XYZ--\r\n".to_vec();
    vec![
        [fields.clone(), photo_part.clone(), end.clone()].concat(),
        [fields.clone(), empty_file, end.clone()].concat(),
        [fields.clone(), photo_part.clone(), photo_part, end.clone()].concat(),
        [fields, end].concat(),
    ]
}

/// The content types a form post may come with.
const CONTENT_TYPES: &[&str] = &[
    "multipart/form-data; boundary=XYZ",
    "multipart/form-data; boundary=\"XYZ\"",
    "multipart/form-data; boundary=XYZ; charset=utf-8",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=other",
    "application/x-www-form-urlencoded",
];

/// The report form, posted with a mangled body, is answered with a page saying what is wrong
/// (a client's error, or the form again): never a server error, never a panic, never a hang.
#[test]
fn the_report_form_answers_any_post_with_a_page() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (router, _writer) = runtime.block_on(async {
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
        let (hotline, writer) = Hotline::start(
            store,
            clock,
            places,
            UnitCode::ministry(),
            Arc::new(keys),
            IntakeConfig::default(),
        );
        // No limits: the cases come from one address, one after another.
        let config = WebConfig {
            public_submissions_per_minute: 0,
            public_submissions_global_per_minute: 0,
            unproven_submissions_per_hour: 0,
            ..WebConfig::default()
        };
        let state = AppState::new(hotline, config, Arc::new(AtomicBool::new(true))).unwrap();
        (app(state), writer)
    });
    check(
        SEED,
        CASES,
        (select(CONTENT_TYPES), bodies(multipart_samples())),
        |(content_type, body)| {
            let request = Request::post("/gui-tin-bao")
                .header(http::header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap();
            let answered = runtime.block_on(async {
                tokio::time::timeout(LIMIT, async {
                    let response = router.clone().oneshot(request).await.unwrap();
                    let status = response.status();
                    let page = axum::body::to_bytes(response.into_body(), usize::MAX).await;
                    (status, page)
                })
                .await
            });
            let Ok((status, page)) = answered else {
                return Err(hang());
            };
            prop_assert!(!status.is_server_error(), "{status}");
            prop_assert!(
                status != StatusCode::CREATED,
                "a report taken without a stamp"
            );
            prop_assert!(
                page.is_ok_and(|page| !page.is_empty()),
                "an answer without a page"
            );
            Ok(())
        },
    );
}
