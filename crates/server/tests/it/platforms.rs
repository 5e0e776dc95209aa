//! Zalo, Telegram, TikTok and X end to end, through the same framework as Meta's platforms:
//! each platform's own check of its deliveries, each fixture taken in once however often it
//! comes, answers in each platform's documented request, Zalo's 7-day window and token
//! refresh across a restart, and Telegram's long polling across a restart.

use crate::channels::{eventually, fixture, journalled};
use crate::harness::{Backend, Data, Server, api_list, unix_now};
use crate::stand_in::{Scripted, StandIn};
use base64::Engine;
use hmac::Mac;
use hotline_domain::Role;
use serde_json::{Value, json};
use sha2::Digest;

const ZALO_APP_ID: &str = "4318235701426589013";
const ZALO_OA_SECRET: &str = "Zk9vQ2hTdW5nVGhpZW5UYW1fT0FfU2VjcmV0";
const TELEGRAM_SECRET: &str = "CAT-tinh_113-webhook-2026";
const TIKTOK_SECRET: &str = "tt-demo-client-secret-9f8e7d6c5b4a";
const X_SECRET: &str = "vnPoliceDemoConsumerSecret0123456789abcdefghijklmnop";

/// A pretty-printed Telegram fixture as Telegram sends it: compact.
fn telegram_fixture(name: &str) -> Vec<u8> {
    let value: Value = serde_json::from_slice(&fixture(&format!("telegram/{name}"))).unwrap();
    serde_json::to_vec(&value).unwrap()
}

fn hmac_of(secret: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

fn zalo_signature(body: &[u8], secret: &str) -> String {
    let timestamp = serde_json::from_slice::<Value>(body).unwrap()["timestamp"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut digest = sha2::Sha256::new();
    digest.update(ZALO_APP_ID.as_bytes());
    digest.update(body);
    digest.update(timestamp.as_bytes());
    digest.update(secret.as_bytes());
    format!("mac={}", hex::encode(digest.finalize()))
}

fn tiktok_signature(body: &[u8], at: u64) -> String {
    let t = at.to_string();
    format!(
        "t={t},s={}",
        hex::encode(hmac_of(TIKTOK_SECRET, &[t.as_bytes(), b".", body]))
    )
}

fn x_signature(body: &[u8]) -> String {
    format!(
        "sha256={}",
        base64::engine::general_purpose::STANDARD.encode(hmac_of(X_SECRET, &[body]))
    )
}

/// A delivery signed as its platform signs it, with the right secret.
fn signed(platform: &str, body: &[u8]) -> (&'static str, String) {
    match platform {
        "zalo" => ("x-zevent-signature", zalo_signature(body, ZALO_OA_SECRET)),
        "telegram" => (
            "x-telegram-bot-api-secret-token",
            TELEGRAM_SECRET.to_owned(),
        ),
        "tiktok" => ("tiktok-signature", tiktok_signature(body, unix_now())),
        "x" => ("x-twitter-webhooks-signature", x_signature(body)),
        other => panic!("{other}"),
    }
}

async fn post(server: &Server, path: &str, body: &[u8], header: Option<(&str, &str)>) -> u16 {
    let mut request = reqwest::Client::new()
        .post(server.url(path))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn deliver(server: &Server, platform: &str, account: &str, body: &[u8]) -> u16 {
    let (name, value) = signed(platform, body);
    post(
        server,
        &format!("/hooks/{platform}/{account}"),
        body,
        Some((name, &value)),
    )
    .await
}

fn settings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Connects Quảng Ninh's Zalo, Telegram, TikTok and X accounts; able to answer through
/// `answer_at` when given.
async fn connect(data: &Data, answer_at: Option<&str>) {
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let answering = answer_at.is_some();
    let accounts = [
        (
            "zalo",
            "qn-zalo",
            settings(if answering {
                &[
                    ("app_id", ZALO_APP_ID),
                    ("oa_secret_key", ZALO_OA_SECRET),
                    ("access_token", "zat-given"),
                    ("refresh_token", "zrt-1"),
                    ("app_secret", "zalo-app-secret"),
                ]
            } else {
                &[("app_id", ZALO_APP_ID), ("oa_secret_key", ZALO_OA_SECRET)]
            }),
        ),
        (
            "telegram",
            "qn-telegram",
            settings(if answering {
                &[
                    ("secret_token", TELEGRAM_SECRET),
                    ("bot_token", "7000000001:AAdemo"),
                ]
            } else {
                &[("secret_token", TELEGRAM_SECRET)]
            }),
        ),
        (
            "tiktok",
            "qn-tiktok",
            settings(if answering {
                &[("app_secret", TIKTOK_SECRET), ("access_token", "act.demo")]
            } else {
                &[("app_secret", TIKTOK_SECRET)]
            }),
        ),
        (
            "x",
            "qn-x",
            settings(if answering {
                &[
                    ("consumer_secret", X_SECRET),
                    ("access_token", "x-user-token"),
                ]
            } else {
                &[("consumer_secret", X_SECRET)]
            }),
        ),
    ];
    for (platform, name, settings) in &accounts {
        let input = hotline_core::channels::AccountInput {
            platform,
            name,
            unit: "22",
            settings,
            api_base: answer_at,
        };
        let view = service
            .hotline
            .add_channel_account(None, &input)
            .await
            .unwrap();
        assert_eq!(view.webhook_path, format!("/hooks/{platform}/{name}"));
        assert_eq!(view.missing_send_keys.is_empty(), answering, "{platform}");
    }
    service.close().await;
}

async fn deliveries_of_four_more_platforms_become_reports_once(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("bca.director", Role::Director, "bca").await;
    let token = data.token("bca.director").await;
    connect(&data, None).await;
    let server = Server::start(data.config()).await;

    // X's CRC check, answered as documented; a Zalo webhook has no such check.
    let client = reqwest::Client::new();
    let crc = client
        .get(server.url(
            "/hooks/x/qn-x?crc_token=9b4507b3-9040-4669-9ca3-6b94edb50553&nonce=MTc5NTE4NDEwMA",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(crc.status().as_u16(), 200);
    assert_eq!(
        crc.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    assert_eq!(
        crc.text().await.unwrap(),
        r#"{"response_token":"sha256=8j+FuUj8i4N/ZhjbqunPCIYiBLx1plQl5QKdFkNLN2k="}"#
    );
    let status = async |path: &str| {
        client
            .get(server.url(path))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(status("/hooks/x/qn-x").await, 403, "no token");
    assert_eq!(status("/hooks/x/nobody?crc_token=1").await, 404);
    assert_eq!(status("/hooks/zalo/qn-zalo").await, 404);

    // Refused deliveries leave nothing behind.
    let zalo = fixture("zalo/user_send_text.json");
    let with_app_secret = zalo_signature(&zalo, "zalo-app-secret");
    let tiktok = fixture("tiktok/im_receive_msg_text.json");
    let x = fixture("x/dm_event.json");
    let telegram = telegram_fixture("text_message.json");
    let mut changed = zalo.clone();
    changed[90] ^= 1;
    let zalo_signed = zalo_signature(&zalo, ZALO_OA_SECRET);
    let stale = tiktok_signature(&tiktok, unix_now() - 600);
    for (path, body, header) in [
        ("/hooks/zalo/qn-zalo", &zalo, None),
        (
            "/hooks/zalo/qn-zalo",
            &zalo,
            Some(("x-zevent-signature", with_app_secret.as_str())),
        ),
        (
            "/hooks/zalo/qn-zalo",
            &changed,
            Some(("x-zevent-signature", zalo_signed.as_str())),
        ),
        (
            "/hooks/zalo/qn-zalo",
            &zalo,
            Some(("x-hub-signature-256", zalo_signed.as_str())),
        ),
        (
            "/hooks/telegram/qn-telegram",
            &telegram,
            Some(("x-telegram-bot-api-secret-token", "CAT-tinh")),
        ),
        ("/hooks/telegram/qn-telegram", &telegram, None),
        // Signed right, ten minutes ago: a replay.
        (
            "/hooks/tiktok/qn-tiktok",
            &tiktok,
            Some(("tiktok-signature", stale.as_str())),
        ),
        (
            "/hooks/x/qn-x",
            &x,
            Some((
                "x-twitter-webhooks-signature",
                "sha256=6jEvDZHW+iWRKMyZmPA7VBNDNn1njlCjnFR/S9BORek=",
            )),
        ),
    ] {
        assert_eq!(
            post(&server, path, body, header).await,
            401,
            "{path} {header:?}"
        );
    }
    assert_eq!(
        deliver(&server, "zalo", "nobody", &zalo).await,
        404,
        "an unknown account"
    );
    assert_eq!(
        journalled(&data).await,
        0,
        "nothing kept of a refused delivery"
    );

    // Every fixture, each delivered twice.
    let deliveries: Vec<(&str, &str, Vec<u8>)> = vec![
        ("zalo", "qn-zalo", fixture("zalo/user_send_text.json")),
        ("zalo", "qn-zalo", fixture("zalo/user_send_image.json")),
        ("zalo", "qn-zalo", fixture("zalo/user_send_audio.json")),
        (
            "telegram",
            "qn-telegram",
            telegram_fixture("text_message.json"),
        ),
        (
            "telegram",
            "qn-telegram",
            telegram_fixture("photo_message.json"),
        ),
        (
            "telegram",
            "qn-telegram",
            telegram_fixture("location_message.json"),
        ),
        (
            "telegram",
            "qn-telegram",
            telegram_fixture("voice_message.json"),
        ),
        (
            "tiktok",
            "qn-tiktok",
            fixture("tiktok/im_receive_msg_text.json"),
        ),
        ("x", "qn-x", fixture("x/dm_event.json")),
        ("x", "qn-x", fixture("x/tweet_mention.json")),
    ];
    for round in 0..2 {
        for (platform, account, body) in &deliveries {
            assert_eq!(
                deliver(&server, platform, account, body).await,
                200,
                "{platform} {round}"
            );
        }
    }
    assert_eq!(journalled(&data).await, 20);
    let base = server.url("");
    let base = base.trim_end_matches('/').to_owned();
    let list = async || api_list(&base, "/api/v1/reports", &token).await;
    eventually("five reports", async || {
        list().await["items"].as_array().map_or(0, Vec::len) == 5
    })
    .await;
    let document = async |case: &str| -> Value {
        api_list(&base, &format!("/api/v1/reports/{case}"), &token).await
    };
    // The oldest report on a channel (the list is newest first).
    let texts_on = async |channel: &str, expected: usize| -> Vec<String> {
        let case = list().await["items"]
            .as_array()
            .unwrap()
            .iter()
            .rfind(|r| r["channel"] == channel)
            .map(|r| r["case_number"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("a {channel} report"));
        let mut texts = Vec::new();
        eventually(&format!("{expected} messages on {channel}"), async || {
            texts = document(&case).await["messages"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["direction"] == "inbound")
                .map(|m| m["text"].as_str().unwrap().to_owned())
                .collect();
            texts.len() == expected
        })
        .await;
        texts
    };
    let zalo = texts_on("zalo", 3).await;
    assert!(zalo[0].contains("phường Tân Lập"), "{zalo:?}");
    assert!(zalo[1].contains("[Ảnh]") && zalo[1].contains("trường tiểu học"));
    assert_eq!(zalo[2], "[Tin nhắn thoại]");
    let telegram = texts_on("telegram", 4).await;
    assert!(telegram[1].contains("[Ảnh]") && telegram[1].contains("20A-123.45"));
    assert!(
        telegram[2].starts_with("[Vị trí: 21.592471, "),
        "{telegram:?}"
    );
    assert_eq!(telegram[3], "[Tin nhắn thoại]");
    let tiktok = texts_on("tiktok", 1).await;
    assert!(tiktok[0].starts_with("Có livestream bán hàng giả mạo"));
    // The same person's direct message and public mention are two reports: answers to the one
    // are private, to the other public. The mention is marked so.
    let x = texts_on("x", 1).await;
    assert!(x[0].contains("trộm chó"));
    let items = list().await;
    let mention_case = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["channel"] == "x")
        .unwrap()["case_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let mention = document(&mention_case).await["messages"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        mention.contains("[Bài đăng công khai: https://x.com/i/status/"),
        "{mention}"
    );
    // Redeliveries changed nothing; no reporter's name or handle is shown.
    assert_eq!(items["items"].as_array().unwrap().len(), 5);
    assert_eq!(journalled(&data).await, 20);
    for report in items["items"].as_array().unwrap() {
        let shown = document(report["case_number"].as_str().unwrap())
            .await
            .to_string();
        assert!(
            !shown.contains("Trần Thị")
                && !shown.contains("Nguyễn Văn An")
                && !shown.contains("nguyenvanan_vn")
                && !shown.contains("hoa.nguyen2009")
                && !shown.contains("7012345678"),
            "{shown}"
        );
    }
    // The Telegram user shares their own number on their open report: it joins the sealed
    // contact, so their report on the web form with that number is recognised as theirs.
    let share = json!({
        "update_id": 583_920_118,
        "message": {
            "message_id": 1025,
            "from": {"id": 7_012_345_678_i64, "is_bot": false, "first_name": "Lan"},
            "chat": {"id": 7_012_345_678_i64, "first_name": "Lan", "type": "private"},
            "date": 1_795_184_300,
            "contact": {"phone_number": "+84912345678", "first_name": "Lan", "user_id": 7_012_345_678_i64},
        }
    })
    .to_string();
    assert_eq!(
        deliver(&server, "telegram", "qn-telegram", share.as_bytes()).await,
        200
    );
    let telegram = texts_on("telegram", 5).await;
    assert!(!telegram[4].contains("912345678"), "{telegram:?}");
    let created: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/reports"))
        .json(&json!({
            "text": "Tôi bổ sung qua trang web về điểm bán ma túy ở phường Tân Lập",
            "province_code": 22,
            "contact": {"phone": "0912 345 678"},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let web_case = created["case_number"].as_str().unwrap().to_owned();
    let telegram_case = list().await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["channel"] == "telegram")
        .unwrap()["case_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let officer = crate::harness::browser();
    crate::harness::sign_in(&officer, &server, "bca.director").await;
    let shown = crate::harness::page(
        &officer,
        server.url(&format!("/console/reports/{telegram_case}")),
    )
    .await;
    assert!(shown.contains("id=\"same-reporter\""), "{shown}");
    assert!(
        !shown.contains("event-report"),
        "every event named in words"
    );
    assert!(shown.contains(&web_case));
    assert!(!shown.contains("0912 345 678") && !shown.contains("84912345678"));

    // The channel page says what X's encrypted messages are and when X last checked.
    let admin = crate::harness::browser();
    data.add_staff("qn.admin", Role::Administrator, "22").await;
    crate::harness::sign_in(&admin, &server, "qn.admin").await;
    let shown = crate::harness::page(&admin, server.url("/console/admin/channels")).await;
    assert!(shown.contains("id=\"encrypted-qn-x\""), "{shown}");
    assert!(shown.contains("X Chat"));
    assert!(shown.contains("Nền tảng kiểm tra webhook lần gần nhất"));
    server.stop().await;
}

#[tokio::test]
async fn deliveries_of_four_more_platforms_become_reports_once_on_sqlite() {
    deliveries_of_four_more_platforms_become_reports_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn deliveries_of_four_more_platforms_become_reports_once_on_postgres() {
    deliveries_of_four_more_platforms_become_reports_once(Backend::Postgres).await;
}

async fn answers_leave_by_zalo_telegram_tiktok_and_x(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    let platform = StandIn::start().await;
    platform.zalo_tokens("zrt-1");
    data.add_staff("bca.director", Role::Director, "bca").await;
    let token = data.token("bca.director").await;
    connect(&data, Some(&platform.base)).await;
    let mut server = Server::start(data.config()).await;
    let base = server.url("");
    let base = base.trim_end_matches('/').to_owned();
    let api = reqwest::Client::new();
    let case_on = async |base: &str, channel: &str| -> String {
        let mut found = None;
        eventually(&format!("a {channel} report"), async || {
            found = api_list(base, "/api/v1/reports", &token).await["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["channel"] == channel)
                .map(|r| r["case_number"].as_str().unwrap().to_owned());
            found.is_some()
        })
        .await;
        found.unwrap()
    };
    let outbound = async |base: &str, case: &str| -> Vec<(String, Option<String>)> {
        let report: Value = api_list(base, &format!("/api/v1/reports/{case}"), &token).await;
        report["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["direction"] == "outbound")
            .map(|m| {
                (
                    m["delivery"].as_str().unwrap().to_owned(),
                    m["send_error"].as_str().map(str::to_owned),
                )
            })
            .collect()
    };
    let reply = async |base: &str, case: &str, text: &str| {
        let r = api
            .post(format!("{base}/api/v1/reports/{case}/replies"))
            .bearer_auth(&token)
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    };
    let sent_to = |path: &str| -> Vec<crate::stand_in::Seen> {
        platform
            .seen()
            .into_iter()
            .filter(|s| s.path == path)
            .collect()
    };

    // Zalo: the given access token has expired; it is refreshed (the refresh token replaced
    // and kept), and the acknowledgement leaves as a consultation message.
    let body = fixture("zalo/user_send_text.json");
    assert_eq!(deliver(&server, "zalo", "qn-zalo", &body).await, 200);
    let zalo_case = case_on(&base, "zalo").await;
    eventually("the Zalo acknowledgement", async || {
        outbound(&base, &zalo_case).await == [("sent".to_owned(), None)]
    })
    .await;
    let refreshed = sent_to("/v4/oa/access_token");
    assert_eq!(refreshed.len(), 1);
    assert!(refreshed[0].form.contains("grant_type=refresh_token"));
    assert!(refreshed[0].form.contains("refresh_token=zrt-1"));
    assert!(refreshed[0].form.contains(&format!("app_id={ZALO_APP_ID}")));
    let acks = sent_to("/v3.0/oa/message/cs");
    assert_eq!(acks.len(), 2, "refused with the old token, then sent");
    assert_eq!(acks[0].token.as_deref(), Some("zat-given"));
    assert_eq!(acks[1].token.as_deref(), Some("zat-1"));
    assert_eq!(acks[1].body["recipient"]["user_id"], "8732165498732165498");
    let ack = acks[1].body["message"]["text"].as_str().unwrap();
    assert!(ack.contains(&zalo_case));
    assert!(
        ack.contains("Điều 144 khoản 5"),
        "the warning about false reports goes with it (R12): {ack}"
    );
    assert_eq!(platform.zalo_refresh_token(), "zrt-2");
    // Restarted, with the token expired again: the refresh token kept is the new one.
    server.stop().await;
    platform.expire_zalo_token();
    server = Server::start(data.config()).await;
    let base = server.url("");
    let base = base.trim_end_matches('/').to_owned();
    reply(&base, &zalo_case, "Cảm ơn bạn, Công an phường đã xác minh.").await;
    eventually("the answer after a second refresh", async || {
        outbound(&base, &zalo_case).await.get(1) == Some(&("sent".to_owned(), None))
    })
    .await;
    let refreshed = sent_to("/v4/oa/access_token");
    assert_eq!(refreshed.len(), 2);
    assert!(
        refreshed[1].form.contains("refresh_token=zrt-2"),
        "the rotated refresh token survived the restart: {}",
        refreshed[1].form
    );
    assert_eq!(
        sent_to("/v3.0/oa/message/cs")
            .last()
            .unwrap()
            .token
            .as_deref(),
        Some("zat-2")
    );
    // Past the window Zalo refuses with -230: failed at once, with words the officer can act on.
    platform.script(&[Scripted::ZaloWindow]);
    let tries = sent_to("/v3.0/oa/message/cs").len();
    reply(&base, &zalo_case, "Mời bạn cung cấp thêm thông tin.").await;
    eventually("failed", async || {
        outbound(&base, &zalo_case)
            .await
            .get(2)
            .is_some_and(|(d, _)| d == "failed")
    })
    .await;
    let (_, error) = &outbound(&base, &zalo_case).await[2];
    assert!(error.as_deref().unwrap().contains("-230"), "{error:?}");
    assert!(error.as_deref().unwrap().contains("7 days"), "{error:?}");
    assert_eq!(
        sent_to("/v3.0/oa/message/cs").len(),
        tries + 1,
        "not tried again blindly"
    );

    // Telegram: the acknowledgement and an answer by sendMessage to the chat; a photo fetched
    // with getFile.
    platform.serve_media(
        "AgACAgUAAxkBAAIEAmdLr3Qx1_sm7kQfHc2wYAABHqZ4XwACbr4xG9C0YVWlarge",
        crate::evidence::photo_with_gps(),
    );
    for name in ["text_message.json", "photo_message.json"] {
        let body = telegram_fixture(name);
        assert_eq!(
            deliver(&server, "telegram", "qn-telegram", &body).await,
            200
        );
    }
    let telegram_case = case_on(&base, "telegram").await;
    reply(
        &base,
        &telegram_case,
        "Cảm ơn chị, chúng tôi đã chuyển công an phường.",
    )
    .await;
    eventually("both sent on Telegram", async || {
        outbound(&base, &telegram_case).await
            == [("sent".to_owned(), None), ("sent".to_owned(), None)]
    })
    .await;
    let sent = sent_to("/bot7000000001:AAdemo/sendMessage");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].body["chat_id"], 7_012_345_678_i64);
    assert!(
        sent[0].body["text"]
            .as_str()
            .unwrap()
            .contains(&telegram_case)
    );
    assert_eq!(
        sent[1].body["text"],
        "Cảm ơn chị, chúng tôi đã chuyển công an phường."
    );
    eventually("the Telegram photo kept", async || {
        let report: Value =
            api_list(&base, &format!("/api/v1/reports/{telegram_case}"), &token).await;
        report["attachments"]
            .as_array()
            .is_some_and(|a| a.len() == 1)
    })
    .await;
    assert_eq!(sent_to("/bot7000000001:AAdemo/getFile").len(), 1);

    // TikTok: to the conversation, with the business account's token.
    let body = fixture("tiktok/im_receive_msg_text.json");
    assert_eq!(deliver(&server, "tiktok", "qn-tiktok", &body).await, 200);
    let tiktok_case = case_on(&base, "tiktok").await;
    eventually("the TikTok acknowledgement", async || {
        outbound(&base, &tiktok_case).await == [("sent".to_owned(), None)]
    })
    .await;
    let sent = sent_to("/open_api/v1.3/business/message/send/");
    assert_eq!(sent[0].token.as_deref(), Some("act.demo"));
    assert_eq!(
        sent[0].body["business_id"],
        "-000Qk9bXzq2a8r3Vt6Nn1Lm4Pp7Ss0Uu"
    );
    assert_eq!(sent[0].body["recipient_type"], "CONVERSATION");
    assert_eq!(sent[0].body["recipient"], "u5JhpselBAhoPOlnH0tZ9yDemo==");
    assert_eq!(sent[0].body["message_type"], "TEXT");
    assert!(
        sent[0].body["text"]["body"]
            .as_str()
            .unwrap()
            .contains(&tiktok_case)
    );

    // X: a direct message is acknowledged and answered by DM; a mention alone gets no
    // acknowledgement (it would be public), and an answer to it is a public reply.
    let body = fixture("x/dm_event.json");
    assert_eq!(deliver(&server, "x", "qn-x", &body).await, 200);
    let x_case = case_on(&base, "x").await;
    eventually("the X acknowledgement", async || {
        outbound(&base, &x_case).await == [("sent".to_owned(), None)]
    })
    .await;
    let dm = sent_to("/2/dm_conversations/with/1400000000000000001/messages");
    assert_eq!(dm.len(), 1);
    assert_eq!(dm[0].authorization.as_deref(), Some("Bearer x-user-token"));
    assert!(dm[0].body["text"].as_str().unwrap().contains(&x_case));
    // The same person mentions the account in public: a report of its own, so that the direct
    // messages are never answered in public.
    let mention = fixture("x/tweet_mention.json");
    assert_eq!(deliver(&server, "x", "qn-x", &mention).await, 200);
    let public_case = {
        let mut found = None;
        eventually("the mention's report", async || {
            found = api_list(&base, "/api/v1/reports", &token).await["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["channel"] == "x" && r["case_number"] != x_case.as_str())
                .map(|r| r["case_number"].as_str().unwrap().to_owned());
            found.is_some()
        })
        .await;
        found.unwrap()
    };
    assert!(
        outbound(&base, &public_case).await.is_empty(),
        "no public acknowledgement"
    );
    reply(
        &base,
        &public_case,
        "Cảm ơn bạn, mời bạn nhắn tin riêng cho Công an tỉnh.",
    )
    .await;
    eventually("the public reply", async || {
        !sent_to("/2/tweets").is_empty()
    })
    .await;
    let reply_post = &sent_to("/2/tweets")[0];
    assert_eq!(
        reply_post.body["reply"]["in_reply_to_tweet_id"],
        "1861234567890999999"
    );
    // The direct messages' report is still answered privately.
    reply(
        &base,
        &x_case,
        "Chúng tôi đã tiếp nhận, xin giữ kín thông tin.",
    )
    .await;
    eventually("a second direct message", async || {
        sent_to("/2/dm_conversations/with/1400000000000000001/messages").len() == 2
    })
    .await;
    assert_eq!(sent_to("/2/tweets").len(), 1, "nothing more in public");
    server.stop().await;
}

#[tokio::test]
async fn answers_leave_by_zalo_telegram_tiktok_and_x_on_sqlite() {
    answers_leave_by_zalo_telegram_tiktok_and_x(Backend::Sqlite).await;
}

#[tokio::test]
async fn answers_leave_by_zalo_telegram_tiktok_and_x_on_postgres() {
    answers_leave_by_zalo_telegram_tiktok_and_x(Backend::Postgres).await;
}

fn update(id: i64, message_id: i64, text: &str) -> Value {
    json!({
        "update_id": id,
        "message": {
            "message_id": message_id,
            "from": {"id": 7_012_345_678_i64, "is_bot": false, "first_name": "Lan"},
            "chat": {"id": 7_012_345_678_i64, "first_name": "Lan", "type": "private"},
            "date": 1_795_184_100 + message_id,
            "text": text,
        }
    })
}

async fn telegram_long_polling_loses_and_doubles_nothing_across_a_restart(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    let platform = StandIn::start().await;
    data.add_staff("bca.director", Role::Director, "bca").await;
    let token = data.token("bca.director").await;
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let settings = settings(&[("bot_token", "7000000002:AApoll"), ("updates", "polling")]);
    let input = hotline_core::channels::AccountInput {
        platform: "telegram",
        name: "qn-telegram-poll",
        unit: "22",
        settings: &settings,
        api_base: Some(&platform.base),
    };
    let view = service
        .hotline
        .add_channel_account(None, &input)
        .await
        .unwrap();
    assert!(view.fetches_updates);
    service.close().await;

    for (id, text) in [
        (900, "Tin thứ nhất"),
        (901, "Tin thứ hai"),
        (902, "Tin thứ ba"),
    ] {
        platform.push_update(update(id, id - 800, text));
    }
    let server = Server::start(data.config()).await;
    let base = server.url("");
    let base = base.trim_end_matches('/').to_owned();
    eventually("three messages", async || {
        inbound_texts(&base, &token).await.len() == 3
    })
    .await;
    // Stopped right after: Telegram may not yet have been told the last batch arrived.
    server.stop().await;
    let before_restart = platform.seen().len();
    platform.push_update(update(903, 103, "Tin thứ tư"));
    let server = Server::start(data.config()).await;
    let base = server.url("");
    let base = base.trim_end_matches('/').to_owned();
    eventually("four messages", async || {
        inbound_texts(&base, &token).await.len() >= 4
    })
    .await;
    server.stop().await;
    assert_eq!(
        inbound_once(&data, &token).await,
        ["Tin thứ nhất", "Tin thứ hai", "Tin thứ ba", "Tin thứ tư"]
    );
    assert_eq!(journalled(&data).await, 4, "each update journalled once");
    let asked = |seen: &[crate::stand_in::Seen]| -> Vec<Option<i64>> {
        seen.iter()
            .filter(|s| s.path.ends_with("/getUpdates"))
            .map(|s| s.body["offset"].as_i64())
            .collect()
    };
    let seen = platform.seen();
    assert_eq!(asked(&seen)[0], None, "from the start");
    assert_eq!(
        asked(&seen[before_restart..])[0],
        Some(903),
        "restarted where it stopped, the offset kept with the updates"
    );
}

/// The inbound texts of the newest report; none when there is none.
async fn inbound_texts(base: &str, token: &str) -> Vec<String> {
    let list = api_list(base, "/api/v1/reports", token).await;
    let Some(case) = list["items"].as_array().unwrap().first() else {
        return Vec::new();
    };
    let path = format!("/api/v1/reports/{}", case["case_number"].as_str().unwrap());
    api_list(base, &path, token).await["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["direction"] == "inbound")
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

/// The inbound texts of the one report, read by a server started for it.
async fn inbound_once(data: &Data, token: &str) -> Vec<String> {
    let server = Server::start(data.config()).await;
    let base = server.url("");
    let base = base.trim_end_matches('/').to_owned();
    let list = api_list(&base, "/api/v1/reports", token).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "one report: {list}"
    );
    let texts = inbound_texts(&base, token).await;
    server.stop().await;
    texts
}

#[tokio::test]
async fn telegram_long_polling_loses_and_doubles_nothing_across_a_restart_on_sqlite() {
    telegram_long_polling_loses_and_doubles_nothing_across_a_restart(Backend::Sqlite).await;
}

#[tokio::test]
async fn telegram_long_polling_loses_and_doubles_nothing_across_a_restart_on_postgres() {
    telegram_long_polling_loses_and_doubles_nothing_across_a_restart(Backend::Postgres).await;
}

const SMS_KEY: &str = "smsgate-demo-signing-key-42";

fn sms_signature(body: &[u8], at: u64) -> (String, String) {
    let t = at.to_string();
    (hex::encode(hmac_of(SMS_KEY, &[body, t.as_bytes()])), t)
}

async fn post_sms(server: &Server, body: &[u8], (signature, timestamp): (&str, &str)) -> u16 {
    reqwest::Client::new()
        .post(server.url("/hooks/sms/qn-sms"))
        .header("content-type", "application/json")
        .header("x-signature", signature)
        .header("x-timestamp", timestamp)
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn a_text_message_becomes_a_report_and_is_answered_by_sms(backend: Backend) {
    use crate::harness::{browser, console_form, page, sign_in};
    let Some(data) = Data::new(backend).await else {
        return;
    };
    let platform = StandIn::start().await;
    data.add_staff("qn.truc", Role::DutyOfficer, "22").await;
    data.add_staff("bca.director", Role::Director, "bca").await;
    let token = data.token("bca.director").await;
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let settings = settings(&[
        ("signing_key", SMS_KEY),
        ("api_user", "hotline"),
        ("api_password", "gateway-pass"),
    ]);
    let input = hotline_core::channels::AccountInput {
        platform: "sms",
        name: "qn-sms",
        unit: "22",
        settings: &settings,
        api_base: Some(&platform.base),
    };
    let view = service
        .hotline
        .add_channel_account(None, &input)
        .await
        .unwrap();
    assert!(view.missing_send_keys.is_empty());
    service.close().await;
    let server = Server::start(data.config()).await;
    let base = server.url("");
    let base = base.trim_end_matches('/').to_owned();

    // Refused: a bad signature, none, one ten minutes old. Nothing kept.
    let body = fixture("sms_gateway/sms_received.json");
    let (signature, now) = sms_signature(&body, unix_now());
    let (stale_signature, stale) = sms_signature(&body, unix_now() - 600);
    assert_eq!(post_sms(&server, &body, ("00", &now)).await, 401);
    assert_eq!(
        post_sms(&server, &body, (&stale_signature, &stale)).await,
        401
    );
    let unsigned = reqwest::Client::new()
        .post(server.url("/hooks/sms/qn-sms"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    assert_eq!(journalled(&data).await, 0);
    // Delivered, then delivered again (the gateway retries): one report, one message.
    for _ in 0..2 {
        assert_eq!(post_sms(&server, &body, (&signature, &now)).await, 200);
    }
    let mut case = String::new();
    eventually("the SMS report", async || {
        let list = api_list(&base, "/api/v1/reports", &token).await;
        if let Some(report) = list["items"].as_array().unwrap().first() {
            case = report["case_number"].as_str().unwrap().to_owned();
        }
        !case.is_empty()
    })
    .await;
    let document = async || api_list(&base, &format!("/api/v1/reports/{case}"), &token).await;
    let report = document().await;
    assert_eq!(report["channel"], "sms");
    let shown = report.to_string();
    assert!(!shown.contains("+84987654321") && !shown.contains("0987 654 321"));
    // Acknowledged by SMS through the gateway, to the sender's number.
    eventually("the acknowledgement", async || {
        platform
            .seen()
            .iter()
            .any(|s| s.path == "/3rdparty/v1/messages")
    })
    .await;
    let sent: Vec<_> = platform
        .seen()
        .into_iter()
        .filter(|s| s.path == "/3rdparty/v1/messages")
        .collect();
    assert_eq!(sent.len(), 1, "once, however often it was delivered");
    assert_eq!(sent[0].body["phoneNumbers"], json!(["+84987654321"]));
    assert!(
        sent[0].body["textMessage"]["text"]
            .as_str()
            .unwrap()
            .contains(&case)
    );
    assert_eq!(
        sent[0].authorization.as_deref(),
        Some("Basic aG90bGluZTpnYXRld2F5LXBhc3M=")
    );
    // The gateway reports it delivered: the state follows.
    eventually("sent", async || {
        document().await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["direction"] == "outbound" && m["delivery"] == "sent")
    })
    .await;
    // The stand-in numbers what it accepts: the acknowledgement was its first request.
    let gateway_id = "18001";
    let delivered = json!({
        "deviceId": "ffffffffceb0b1db0000018e937c815b",
        "event": "sms:delivered",
        "id": "delivery-report-1",
        "payload": {"messageId": gateway_id, "phoneNumber": "+84987654321", "deliveredAt": "2026-11-20T21:20:00.000+07:00"},
        "webhookId": "smsgate-delivered-01",
    })
    .to_string();
    let (signature, now) = sms_signature(delivered.as_bytes(), unix_now());
    assert_eq!(
        post_sms(&server, delivered.as_bytes(), (&signature, &now)).await,
        200
    );
    eventually("delivered", async || {
        document().await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["direction"] == "outbound" && m["delivery"] == "delivered")
    })
    .await;

    // The duty officer's reply box counts the messages; sent without marks, as chosen.
    let officer = browser();
    sign_in(&officer, &server, "qn.truc").await;
    let shown = page(&officer, server.url(&format!("/console/reports/{case}"))).await;
    assert!(shown.contains("id=\"sms-count\""), "{shown}");
    assert!(shown.contains("name=\"unaccented\""));
    let answer = "Công an phường đã cử tổ tuần tra đến cổng bệnh viện.";
    let r = officer
        .post(server.url(&format!("/console/reports/{case}/reply")))
        .form(&console_form(&officer, &server, &[("text", answer), ("unaccented", "1")]).await)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().as_u16() == 303,
        "{}",
        r.status()
    );
    eventually("the answer by SMS", async || {
        platform.seen().iter().any(|s| {
            s.path == "/3rdparty/v1/messages"
                && s.body["textMessage"]["text"]
                    == "Cong an phuong da cu to tuan tra den cong benh vien."
        })
    })
    .await;
    assert_eq!(
        hotline_domain::sms::segments("Cong an phuong da cu to tuan tra den cong benh vien.").count,
        1
    );
    server.stop().await;
}

#[tokio::test]
async fn a_text_message_becomes_a_report_and_is_answered_by_sms_on_sqlite() {
    a_text_message_becomes_a_report_and_is_answered_by_sms(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_text_message_becomes_a_report_and_is_answered_by_sms_on_postgres() {
    a_text_message_becomes_a_report_and_is_answered_by_sms(Backend::Postgres).await;
}
