//! Signatures, handshakes and links: header values and query strings from anyone.

use crate::inputs::{all_samples, sms_samples};
use crate::{NOW, SEED, received};
use hmac::{Hmac, Mac};
use hotline_channels::platforms::{self, DeliveryHeaders};
use hotline_channels::{Refusal, meta, sms_gate, telegram, tiktok, x, zalo};
use hotline_domain::Channel;
use hotline_fuzzing::{CASES, bounded, check};
use proptest::arbitrary::any;
use proptest::collection::vec;
use proptest::sample::select;
use proptest::strategy::{Just, Strategy};
use proptest::string::string_regex;
use proptest::test_runner::TestCaseError;
use proptest::{prop_assert, prop_assert_eq, prop_oneof};
use serde_json::Value;
use sha2::Sha256;
use std::collections::BTreeMap;

const APP_SECRET: &str = "vn-police-demo-app-secret-0001";
const TELEGRAM_SECRET: &str = "CAT-tinh_113-webhook-2026";
const SIGNING_KEY: &str = "smsgate-demo-signing-key-42";
const VERIFY_TOKEN: &str = "cat-tinh-verify-7f3a";

fn secrets() -> BTreeMap<String, String> {
    [
        ("app_secret", APP_SECRET),
        ("app_id", "4318235701426589013"),
        ("oa_secret_key", "Zk9vQ2hTdW5nVGhpZW5UYW1fT0FfU2VjcmV0"),
        ("secret_token", TELEGRAM_SECRET),
        ("consumer_secret", APP_SECRET),
        ("signing_key", SIGNING_KEY),
        ("verify_token", VERIFY_TOKEN),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Header values: anything, and values shaped like each platform's scheme.
fn header() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,80}",
        "(sha256=|mac=|t=[0-9]{0,12},s=|s=)[0-9a-fA-F]{0,70}",
        "sha256=[A-Za-z0-9+/=]{0,60}",
        "t=-?[0-9]{0,20},s=[0-9a-f]{64}",
        "[ \t]*(sha256|mac)=[0-9a-f]{64}[ \t]*",
        "-?[0-9]{0,20}",
    ]
}

fn refused(result: Result<(), Refusal>) -> Result<(), TestCaseError> {
    match result {
        Ok(()) => Err(TestCaseError::fail("a made-up signature passed")),
        Err(refusal) => {
            prop_assert!(!refusal.to_string().is_empty());
            Ok(())
        }
    }
}

/// Bodies to sign or check: the samples, and short arbitrary ones (hashing is slow in a debug
/// build, and what a signature check does with a body does not depend on its length).
fn signed_bodies(samples: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![select(samples), vec(any::<u8>(), 0..256)]
}

/// Every platform's check refuses a made-up header with a reason, with the account's secrets
/// and without any; only the PBX (whose secret is in the path) and Telegram's own token pass.
#[test]
fn made_up_signatures_are_refused_with_a_reason() {
    check(
        SEED,
        CASES,
        (header(), header(), signed_bodies(all_samples())),
        |(signature, timestamp, body)| {
            let now = received();
            refused(meta::verify(None, &body, APP_SECRET))?;
            prop_assert_eq!(
                telegram::verify(Some(&signature), TELEGRAM_SECRET).is_ok(),
                signature == TELEGRAM_SECRET
            );
            prop_assert!(telegram::verify(Some(&signature), "").is_err());
            let headers = DeliveryHeaders::from_lookup(|name| {
                Some(if name == "x-timestamp" {
                    timestamp.clone()
                } else {
                    signature.clone()
                })
            });
            for keys in [secrets(), BTreeMap::new()] {
                for channel in Channel::ALL {
                    let verdict = platforms::verify(*channel, &headers, &body, &keys, now);
                    let may_pass = *channel == Channel::Phone
                        || (*channel == Channel::Telegram
                            && signature == TELEGRAM_SECRET
                            && !keys.is_empty());
                    if !may_pass {
                        refused(verdict)?;
                    }
                }
            }
            Ok(())
        },
    );
}

fn hmac_hex(key: &str, parts: &[&[u8]]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    for part in parts {
        mac.update(part);
    }
    hex::encode(mac.finalize().into_bytes())
}

/// What a correctly signed delivery's time must give: fresh within five minutes of ours,
/// stale outside, a mismatch when it is not a number. Computed without overflow.
fn expected_verdict(timestamp: &str) -> Result<(), Refusal> {
    match timestamp.trim().parse::<i64>() {
        Err(_) => Err(Refusal::Mismatch),
        Ok(at) if (i128::from(NOW) - i128::from(at)).abs() <= 300 => Ok(()),
        Ok(_) => Err(Refusal::Stale),
    }
}

/// Signature times: near ours, the ends of `i64`, and anything written in digits.
fn signed_time() -> impl Strategy<Value = String> {
    prop_oneof![
        (NOW - 400..NOW + 400).prop_map(|t| t.to_string()),
        select(vec![
            i64::MIN,
            i64::MIN + 1,
            NOW + i64::MIN,
            i64::MAX,
            0,
            -1
        ])
        .prop_map(|t| t.to_string()),
        any::<i64>().prop_map(|t| t.to_string()),
        "-?[0-9]{1,22}",
        Just(String::new()),
    ]
}

/// The signature schemes that carry a time hold their window for every time a signer may
/// write, the ends of the range included.
#[test]
fn correctly_signed_deliveries_are_fresh_only_within_the_window() {
    check(
        SEED,
        CASES,
        (signed_time(), signed_bodies(sms_samples())),
        |(timestamp, body)| {
            let now = received();
            let sms_signature = hmac_hex(SIGNING_KEY, &[body.as_slice(), timestamp.as_bytes()]);
            let sms = bounded({
                let (timestamp, body) = (timestamp.clone(), body.clone());
                move || {
                    sms_gate::verify(
                        (Some(sms_signature.as_str()), Some(timestamp.as_str())),
                        &body,
                        SIGNING_KEY,
                        now,
                    )
                }
            })?;
            prop_assert_eq!(sms, expected_verdict(&timestamp));
            let tiktok_signature = format!(
                "t={timestamp},s={}",
                hmac_hex(
                    APP_SECRET,
                    &[timestamp.as_bytes(), b".".as_slice(), body.as_slice()]
                )
            );
            let tiktok = bounded({
                let body = body.clone();
                move || tiktok::verify(Some(&tiktok_signature), &body, APP_SECRET, now)
            })?;
            // TikTok's time is read as written, without trimming.
            let written = if timestamp.trim() == timestamp {
                expected_verdict(&timestamp)
            } else {
                Err(Refusal::Mismatch)
            };
            prop_assert_eq!(tiktok, written);
            Ok(())
        },
    );
}

/// Found by reading `sms_gate::verify` and `tiktok::verify`: the window check subtracts the
/// signed time from ours in `i64`, which overflows for a time near `i64::MIN` (a panic in a
/// debug build; in a release build `NOW + i64::MIN` wraps to `i64::MIN`, whose `abs()` is
/// negative and passes as fresh). Only a holder of the key can sign such a time.
#[test]
fn a_correctly_signed_time_at_the_end_of_the_range_is_stale() {
    let body = sms_samples().remove(0);
    for timestamp in [i64::MIN.to_string(), (NOW + i64::MIN).to_string()] {
        let signature = hmac_hex(SIGNING_KEY, &[body.as_slice(), timestamp.as_bytes()]);
        assert_eq!(
            sms_gate::verify(
                (Some(signature.as_str()), Some(timestamp.as_str())),
                &body,
                SIGNING_KEY,
                received()
            ),
            Err(Refusal::Stale),
            "{timestamp}"
        );
        let signature = format!(
            "t={timestamp},s={}",
            hmac_hex(
                APP_SECRET,
                &[timestamp.as_bytes(), b".".as_slice(), body.as_slice()]
            )
        );
        assert_eq!(
            tiktok::verify(Some(&signature), &body, APP_SECRET, received()),
            Err(Refusal::Stale),
            "{timestamp}"
        );
    }
}

/// X's CRC check signs only a token of X's shape, and only with a secret.
#[test]
fn x_signs_only_tokens_of_its_shape() {
    check(
        SEED,
        CASES,
        prop_oneof![".{0,300}", "[A-Za-z0-9_=+/-]{0,300}", "[ -~]{0,40}"],
        |token| {
            let shaped = !token.is_empty()
                && token.len() <= 256
                && token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_=+/".contains(&b));
            let answer = x::crc_response(&token, APP_SECRET);
            prop_assert_eq!(answer.is_some(), shaped);
            if let Some(json) = answer {
                let value: Value = serde_json::from_str(&json).unwrap();
                prop_assert!(
                    value["response_token"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("sha256="))
                );
            }
            prop_assert!(x::crc_response(&token, "").is_none());
            Ok(())
        },
    );
}

/// Meta's subscription check echoes the challenge only to the right token, and never an
/// empty or oversized one.
#[test]
fn meta_echoes_a_challenge_only_to_the_right_token() {
    let words = || {
        prop_oneof![
            Just(None::<String>),
            Just(Some("subscribe".to_owned())),
            Just(Some(VERIFY_TOKEN.to_owned())),
            ".{0,40}".prop_map(Some),
        ]
    };
    check(
        SEED,
        CASES,
        (words(), words(), proptest::option::of(".{0,300}")),
        |(mode, token, challenge)| {
            let answer = meta::handshake(
                mode.as_deref(),
                token.as_deref(),
                challenge.as_deref(),
                VERIFY_TOKEN,
            );
            let expected = challenge.as_deref().filter(|c| {
                mode.as_deref() == Some("subscribe")
                    && token.as_deref() == Some(VERIFY_TOKEN)
                    && !c.is_empty()
                    && c.len() <= 256
            });
            prop_assert_eq!(answer, expected);
            prop_assert!(
                meta::handshake(mode.as_deref(), token.as_deref(), challenge.as_deref(), "")
                    .is_none()
            );
            let crc_token = expected.map(str::to_owned);
            let query: BTreeMap<String, String> = [
                ("hub.mode", mode),
                ("hub.verify_token", token),
                ("hub.challenge", challenge),
                ("crc_token", crc_token),
            ]
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), v?)))
            .collect();
            for channel in Channel::ALL {
                // Answered or refused, never a panic.
                let _ = platforms::handshake(*channel, &query, &secrets());
            }
            Ok(())
        },
    );
}

/// Links a message carries are fetched with the account's token only from the platform's
/// own hosts, over HTTPS, without credentials or a port of their own.
#[test]
fn media_links_are_the_platforms_own() {
    let hosts = "(ton\\.x\\.com|ton\\.twitter\\.com|pbs\\.twimg\\.com|[a-z]{0,6}\\.?zdn\\.vn|dl\\.zadn\\.vn|evil\\.com|zdn\\.vn\\.evil\\.com)";
    check(
        SEED,
        CASES,
        prop_oneof![
            string_regex(".{0,100}").unwrap(),
            string_regex(&format!(
                "(https?|HTTPS|ftp)?(://|:|:/)([a-z]{{0,5}}(:[a-z]{{0,5}})?@)?{hosts}\
                 (:[0-9]{{1,5}})?(/[a-zA-Z0-9%._~-]{{0,12}}){{0,3}}"
            ))
            .unwrap(),
            string_regex(&format!(
                "[ \t\n]{{0,2}}https://{hosts}[\t\n]?/a.jpg[ ]{{0,2}}"
            ))
            .unwrap(),
        ],
        |link| {
            for (allowed, suffixes) in [
                (
                    x::is_media_link(&link),
                    &[".twimg.com", "ton.x.com", "ton.twitter.com"][..],
                ),
                (zalo::is_media_link(&link), &[".zdn.vn", ".zadn.vn"][..]),
            ] {
                if !allowed {
                    continue;
                }
                let url = reqwest::Url::parse(&link).unwrap();
                prop_assert_eq!(url.scheme(), "https");
                prop_assert!(url.username().is_empty() && url.password().is_none());
                prop_assert!(url.port().is_none());
                let host = url.host_str().unwrap_or_default();
                prop_assert!(suffixes.iter().any(|s| host.ends_with(s)), "{host}");
            }
            Ok(())
        },
    );
}
