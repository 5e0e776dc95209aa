//! Property tests of what the core reads from outside: the directory file (JSON and CSV) and
//! its import, the frame origins an administrator types, citizens' evidence files through the
//! metadata strippers, and the form's proof of work. Inputs are arbitrary bytes, the real
//! samples (the demo directory, `fixtures/evidence`, a PNG and a WebP made here) with bytes
//! flipped, cut or repeated, and the directory's JSON with values swapped for odd ones. Each
//! property runs 10,000 cases from a fixed seed, each bounded in time: a few seconds a
//! property in a debug build (most mutated files are refused before the store is asked).

// Test code: a failed expectation is the test's failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{TimeZone, Utc};
use hotline_core::directory::frame_origin;
use hotline_core::directory_files::{DirectoryDocument, FORMAT};
use hotline_core::evidence::inspect;
use hotline_core::form_guard::work_solves;
use hotline_core::{CoreError, Hotline, IntakeConfig, demo, setup};
use hotline_domain::{Clock, FixedClock, Gazetteer, UnitCode};
use hotline_fuzzing::{
    CASES, LIMIT, arbitrary_bytes, bounded, check, edited_bytes, edited_json, hang,
};
use hotline_store::Store;
use img_parts::jpeg::{Jpeg, JpegSegment, markers};
use img_parts::png::Png;
use img_parts::{Bytes, ImageEXIF};
use proptest::arbitrary::any;
use proptest::sample::select;
use proptest::strategy::Strategy;
use proptest::{prop_assert, prop_assert_eq, prop_oneof};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The seed every property starts from: the same cases on every run and every machine.
const SEED: u64 = 0x4854_4c4e_434f_5245;

// ---------------------------------------------------------------------------------------------
// Inputs.

/// Pieces that break readers when they land in the wrong place: JSON's, CSV's, image
/// markers, and bytes that are not UTF-8.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\"\"",
    b",",
    b",,,,,,,,,,,,,,,,",
    b":",
    b"\\",
    b"\\ud800",
    b"null",
    b"1e400",
    b"-",
    b"99999999999999999999",
    b"\r\n",
    b"\n",
    b"\r",
    b"contact,",
    b"position,",
    b"origin,",
    b"2024-02-30",
    b"31/12/9999",
    b"+275760-01-01",
    b"\xff\xd8\xff",
    b"\xff\xe1\x00\x10Exif\x00\x00",
    b"\xff\xda\x00\x08",
    b"\xff\xd9",
    b"\xff\xfe\xff\xff",
    b"\x00\x00\x00\x00",
    b"\x00\x00\x00\x01",
    b"\xff\xff\xff\xff",
    b"\x00\x00\x00\x10udta",
    b"\x00\x00\x00\x08moov",
    b"\x00\x00\x00\x08trak",
    b"IEND",
    b"tEXt",
    b"VP8X",
    b"EXIF",
    b"\0",
    b"\xc3",
    b"\xe2\x80",
];

/// Arbitrary bytes, and a sample with its bytes edited; at most `max` bytes.
fn bytes_from(samples: Vec<Vec<u8>>, max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => arbitrary_bytes(max.min(4096)),
        3 => edited_bytes(samples, TOKENS, max),
    ]
}

/// Raw JSON put where a value was: what the directory's fields should not hold.
const FRAGMENTS: &[&str] = &[
    "null",
    "true",
    "0",
    "-1",
    "0.5",
    "1e400",
    "2147483648",
    "-2147483649",
    "10001",
    "18446744073709551616",
    "\"\"",
    "\" \"",
    "[]",
    "{}",
    "[{}]",
    "\"\\ud800\"",
    "\"\\u0000\"",
    "\"2024-02-30\"",
    "\"2024-1-1\"",
    "\"+275760-12-31\"",
    "\"-0001-01-01\"",
    "\"01/02/2024\"",
    "\"hotline-directory/2\"",
    "\"quang-ninh\"",
    "\"ha-noi\"",
    "\"nowhere\"",
    "\"bca\"",
    "\"22\"",
    "\"22/6688\"",
    "\"22-pc01\"",
    "\"01\"",
    "\"phone\"",
    "\"email\"",
    "\"zalo\"",
    "\"facebook\"",
    "\"web\"",
    "\"fax\"",
    "\"0912 000 101\"",
    "\"+84 912 000 101\"",
    "\"113\"",
    "\"a@b\"",
    "\"https://www.facebook.com/profile.php?id=\"",
    "\"https://*.example\"",
    "\"http://localhost:8081\"",
    "\"zalo/qn-zalo\"",
    "\"zalo/unknown\"",
];

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(FRAGMENTS).prop_map(str::to_owned),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        2 => ".{0,40}".prop_map(|s| Value::String(s).to_string()),
        1 => "[ -~]{190,260}".prop_map(|s| Value::String(s).to_string()),
        1 => (1..300_usize).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
    ]
}

/// The demo directory: whole, and each province as a document of its own.
fn directory_samples() -> Vec<DirectoryDocument> {
    let whole: DirectoryDocument = include_str!("../src/demo_directory.json").parse().unwrap();
    let mut samples: Vec<DirectoryDocument> = whole
        .provinces
        .iter()
        .map(|p| DirectoryDocument {
            format: FORMAT.into(),
            provinces: vec![p.clone()],
        })
        .collect();
    samples.push(whole);
    samples
}

fn directory_json_samples() -> Vec<Vec<u8>> {
    directory_samples()
        .iter()
        .map(|d| serde_json::to_vec(d).unwrap())
        .collect()
}

/// Directory JSON as an administrator's file may hold it.
fn directory_json() -> impl Strategy<Value = String> {
    let samples = directory_json_samples();
    prop_oneof![
        1 => bytes_from(samples.clone(), 16 * 1024),
        2 => edited_json(samples, fragment(), 1),
    ]
    .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

// ---------------------------------------------------------------------------------------------
// The directory file.

/// The file's JSON form is read, or refused naming where; what is read exports as CSV.
#[test]
fn directory_json_is_read_or_refused_naming_where() {
    check(SEED, CASES, directory_json(), |text| {
        let read = bounded(move || text.parse::<DirectoryDocument>())?;
        match read {
            Ok(document) => {
                prop_assert!(
                    document.to_csv().is_ok(),
                    "a document read cannot be written"
                );
            }
            Err(e) => {
                prop_assert!(matches!(e, CoreError::BadFile(_)), "{e:?}");
                prop_assert!(!e.to_string().is_empty());
            }
        }
        Ok(())
    });
}

/// The file's CSV form is read, or refused naming the line; what is read writes out and
/// reads back the same ("an export imports back without loss").
#[test]
fn directory_csv_is_read_or_refused_and_reads_back_as_written() {
    let samples: Vec<Vec<u8>> = directory_samples()
        .iter()
        .map(|d| d.to_csv().unwrap().into_bytes())
        .collect();
    check(SEED, CASES, bytes_from(samples, 16 * 1024), |bytes| {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let read = bounded(move || DirectoryDocument::from_csv(&text))?;
        match read {
            Ok(document) => {
                prop_assert_eq!(&document.format, FORMAT);
                let written = document.to_csv().unwrap();
                let again = DirectoryDocument::from_csv(&written);
                prop_assert_eq!(again.ok(), Some(document), "{}", written);
            }
            Err(e) => {
                prop_assert!(matches!(&e, CoreError::BadFile(why) if why.starts_with("line ")));
                prop_assert!(!e.to_string().is_empty());
            }
        }
        Ok(())
    });
}

/// Origins allowed to frame the widget: refused, or one canonical origin that reads as itself.
#[test]
fn frame_origins_are_canonical_or_refused() {
    let origins = prop_oneof![
        ".{0,60}",
        "[ \t]{0,2}(https?|HTTPS|ftp|javascript)?(://|:)([a-z]{0,3}@)?\
         ([a-zA-Z0-9*;\"_-]{0,12}\\.){0,3}[a-zA-Z0-9-]{0,12}\\.?(:[0-9]{0,6})?(/[a-z?#]{0,4})?[ \t]{0,2}",
        "https?://(localhost|127\\.0\\.0\\.1|\\[::1\\]|0x7f\\.1|[0-9]{1,3}(\\.[0-9]{1,3}){3})(:[0-9]{1,5})?/?",
        "https://xn--[a-z0-9-]{0,10}\\.vn",
    ];
    check(SEED, CASES, origins, |input| match frame_origin(&input) {
        Ok(origin) => {
            prop_assert!(
                origin.starts_with("https://") || origin.starts_with("http://"),
                "{origin}"
            );
            prop_assert!(
                !origin.contains(|c: char| c.is_whitespace() || "*;\"'".contains(c)),
                "{origin}"
            );
            prop_assert_eq!(frame_origin(&origin).ok(), Some(origin));
            Ok(())
        }
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            Ok(())
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Evidence.

/// A 1×1 PNG with a text chunk (an author), EXIF and a modification time.
const TAGGED_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\
\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x16tEXtAuthor\x00Nguyen Van Demo\x90\x4c\x3c\x4d\
\x00\x00\x00\x18eXIfMM\x00\x2aGPS 21.0285 105.8542\x31\x6e\xbd\xcc\x00\x00\x00\x07tIME\x07\xea\
\x0b\x14\x15\x1e\x0c\x14\xba\x71\xf2\x00\x00\x00\x0cIDAT\x78\x9c\x63\xf8\xcf\xc0\x00\x00\x03\x01\
\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xae\x42\x60\x82";

/// A 1×1 lossless WebP with EXIF and XMP.
const TAGGED_WEBP: &[u8] = b"RIFF\x7a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x0c\x00\x00\x00\x00\
\x00\x00\x00\x00\x00VP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00\
EXIF\x18\x00\x00\x00MM\x00\x2aGPS 21.0285 105.8542XMP \x26\x00\x00\x00<x:xmpmeta>Nguyen Van Demo\
</x:xmpmeta>";

/// The fixtures' photo with EXIF (a position, a serial) and a comment, as a phone sends one.
fn tagged_jpeg() -> Vec<u8> {
    let plain = include_bytes!("../../../fixtures/evidence/one-pixel.jpg");
    let mut jpeg = Jpeg::from_bytes(Bytes::from_static(plain)).unwrap();
    jpeg.set_exif(Some(Bytes::from_static(
        b"MM\x00\x2aGPSLatitude 21.0285 Nokia serial 1234",
    )));
    jpeg.segments_mut().insert(
        1,
        JpegSegment::new_with_contents(markers::COM, Bytes::from_static(b"Owner: Nguyen Van A")),
    );
    jpeg.encoder().bytes().to_vec()
}

fn evidence_samples() -> Vec<Vec<u8>> {
    vec![
        include_bytes!("../../../fixtures/evidence/one-pixel.jpg").to_vec(),
        tagged_jpeg(),
        TAGGED_PNG.to_vec(),
        TAGGED_WEBP.to_vec(),
        include_bytes!("../../../fixtures/evidence/tagged.mp4").to_vec(),
        include_bytes!("../../../fixtures/evidence/tagged.mov").to_vec(),
        include_bytes!("../../../fixtures/evidence/tagged.m4a").to_vec(),
    ]
}

/// What `inspect` may say a file is: its accepted types and their extensions.
const ACCEPTED: &[(&str, &str)] = &[
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/webp", "webp"),
    ("image/heif", "heic"),
    ("video/mp4", "mp4"),
    ("video/quicktime", "mov"),
    ("video/3gpp", "3gp"),
    ("audio/mpeg", "mp3"),
    ("audio/m4a", "m4a"),
    ("audio/x-m4a", "m4a"),
    ("audio/ogg", "ogg"),
    ("audio/x-wav", "wav"),
    ("audio/aac", "aac"),
    ("audio/amr", "amr"),
    ("application/pdf", "pdf"),
];

/// A citizen's file is kept (of an accepted type, its hash the one received, photos without
/// their EXIF and text, videos blanked in place) or refused with a reason; never a panic,
/// which would lose the whole submission.
#[test]
fn evidence_is_kept_stripped_or_refused() {
    check(
        SEED,
        CASES,
        bytes_from(evidence_samples(), 8 * 1024),
        |upload| {
            let received = upload.clone();
            let kept = bounded(move || inspect(received))?;
            let evidence = match kept {
                Ok(evidence) => evidence,
                Err(e) => {
                    prop_assert!(!e.to_string().is_empty());
                    return Ok(());
                }
            };
            prop_assert!(
                ACCEPTED.contains(&(evidence.content_type, evidence.extension)),
                "{} {}",
                evidence.content_type,
                evidence.extension
            );
            prop_assert_eq!(
                &evidence.original_sha256,
                &hex::encode(Sha256::digest(&upload))
            );
            match evidence.content_type {
                "image/jpeg" => {
                    if let Ok(stored) = Jpeg::from_bytes(Bytes::from(evidence.bytes)) {
                        prop_assert!(stored.exif().is_none(), "EXIF kept");
                        prop_assert!(
                            stored.segments().iter().all(|s| s.marker() != markers::COM),
                            "a comment kept"
                        );
                    }
                }
                "image/png" => {
                    prop_assert!(evidence.metadata_removed);
                    if let Ok(stored) = Png::from_bytes(Bytes::from(evidence.bytes)) {
                        prop_assert!(
                            stored.chunks().iter().all(|c| !matches!(
                                &c.kind(),
                                b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME"
                            )),
                            "metadata kept"
                        );
                    }
                }
                "image/webp" => prop_assert!(evidence.metadata_removed),
                "video/mp4" | "video/quicktime" | "video/3gpp" | "audio/m4a" | "audio/x-m4a" => {
                    prop_assert_eq!(evidence.bytes.len(), upload.len(), "media moved");
                }
                _ => {
                    prop_assert!(!evidence.metadata_removed);
                    prop_assert_eq!(evidence.bytes, upload, "a file changed that is kept as is");
                }
            }
            Ok(())
        },
    );
}

/// The form's proof of work takes only a short decimal answer, whatever is posted.
#[test]
fn proof_of_work_answers_are_short_decimals() {
    check(
        SEED,
        CASES,
        (
            ".{0,80}",
            prop_oneof![".{0,30}", "[0-9]{0,24}"],
            any::<u8>(),
        ),
        |(challenge, nonce, bits)| {
            let solved = work_solves(&challenge, &nonce, bits);
            let decimal =
                !nonce.is_empty() && nonce.len() <= 20 && nonce.bytes().all(|b| b.is_ascii_digit());
            prop_assert!(decimal || !solved, "an answer that is not a short decimal");
            if bits == 0 {
                prop_assert_eq!(solved, decimal, "no work asked: any short decimal answers");
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// The import through a real store.

/// The directory import checks a whole file (provinces, units, people, contact points,
/// channel accounts) before writing: a bad file is refused, never failed by the store (a
/// constraint the checks missed).
#[test]
fn directory_import_refuses_a_bad_file_naming_where() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (hotline, _writer) = runtime.block_on(async {
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
        let started = Hotline::start(
            store,
            clock,
            places,
            UnitCode::ministry(),
            Arc::new(keys),
            IntakeConfig::default(),
        );
        // The demo's units and channel accounts, which the demo directory names.
        demo::load(&started.0).await.unwrap();
        started
    });
    check(SEED, CASES, directory_json(), |text| {
        let Ok(document) = text.parse::<DirectoryDocument>() else {
            return Ok(());
        };
        let imported = runtime
            .block_on(async {
                tokio::time::timeout(LIMIT, hotline.import_directory(&document, None)).await
            })
            .map_err(|_| hang())?;
        if let Err(e) = imported {
            prop_assert!(
                !matches!(e, CoreError::Internal(_) | CoreError::Unavailable),
                "a store error, not a refusal of the file: {e:?}"
            );
            prop_assert!(!e.to_string().is_empty());
        }
        Ok(())
    });
}
