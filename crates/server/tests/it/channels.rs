//! Platform webhooks end to end: Meta's handshake, signatures checked on the raw bytes,
//! deliveries journalled before the 200 and taken apart into reports, each message once.

use crate::harness::{Backend, Data, Server, api_list, run_cli, stdout_of};
use hotline_domain::Role;
use std::time::Duration;

pub const SECRET: &str = "vn-police-demo-app-secret-0001";
const THREADS_SECRET: &str = "vn-police-demo-threads-secret-0001";
pub const VERIFY: &str = "cat-tinh-verify-7f3a";

pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../fixtures/platforms/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

pub fn signed(body: &[u8], secret: &str) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn post(server: &Server, path: &str, body: &[u8], signature: Option<&str>) -> u16 {
    let mut request = reqwest::Client::new()
        .post(server.url(path))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("x-hub-signature-256", signature);
    }
    request.send().await.unwrap().status().as_u16()
}

/// How many deliveries the journal holds, of every account.
pub async fn journalled(data: &Data) -> usize {
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let mut total = 0;
    for account in service.hotline.store.channel_accounts().await.unwrap() {
        total += service
            .hotline
            .store
            .deliveries_of(account.id, false, 1000)
            .await
            .unwrap()
            .len();
    }
    service.close().await;
    total
}

/// Waits (a bounded while) until `check` holds.
pub async fn eventually<F: AsyncFnMut() -> bool>(what: &str, mut check: F) {
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never happened: {what}");
}

async fn meta_deliveries_become_reports_once(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("bca.director", Role::Director, "bca").await;
    let token = data.token("bca.director").await;
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    for (platform, account, secret) in [
        ("whatsapp", "qn-whatsapp", SECRET),
        ("messenger", "qn-facebook", SECRET),
        ("instagram", "qn-instagram", SECRET),
        ("threads", "qn-threads", THREADS_SECRET),
    ] {
        let settings = [
            ("app_secret".to_owned(), secret.to_owned()),
            ("verify_token".to_owned(), VERIFY.to_owned()),
        ];
        let input = hotline_core::channels::AccountInput {
            platform,
            name: account,
            unit: "22",
            settings: &settings,
            api_base: None,
        };
        let view = service
            .hotline
            .add_channel_account(None, &input)
            .await
            .unwrap();
        assert_eq!(view.webhook_path, format!("/hooks/{platform}/{account}"));
        assert!(!view.missing_send_keys.is_empty(), "receives only");
    }
    service.close().await;
    let server = Server::start(data.config()).await;

    // The handshake: the right token has its challenge echoed, anything else is refused.
    let client = reqwest::Client::new();
    let check = async |path: &str| {
        let r = client.get(server.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    assert_eq!(
        check(&format!("/hooks/whatsapp/qn-whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={VERIFY}")).await,
        (200, "1158201444".to_owned())
    );
    assert_eq!(
        check(
            "/hooks/whatsapp/qn-whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong"
        )
        .await
        .0,
        403
    );
    assert_eq!(
        check(&format!(
            "/hooks/whatsapp/nobody?hub.mode=subscribe&hub.challenge=1&hub.verify_token={VERIFY}"
        ))
        .await
        .0,
        404
    );

    // Refused deliveries: nothing is kept.
    let text = fixture("whatsapp/text_message.json");
    let mut changed = text.clone();
    changed[40] ^= 1;
    let path = "/hooks/whatsapp/qn-whatsapp";
    assert_eq!(
        post(&server, path, &changed, Some(&signed(&text, SECRET))).await,
        401
    );
    assert_eq!(post(&server, path, &text, None).await, 401);
    assert_eq!(
        post(&server, path, &text, Some(&signed(&text, "wrong"))).await,
        401
    );
    assert_eq!(
        post(
            &server,
            "/hooks/whatsapp/nobody",
            &text,
            Some(&signed(&text, SECRET))
        )
        .await,
        404
    );
    assert_eq!(
        post(
            &server,
            "/hooks/myspace/qn",
            &text,
            Some(&signed(&text, SECRET))
        )
        .await,
        404
    );
    assert_eq!(
        journalled(&data).await,
        0,
        "refused deliveries leave nothing behind"
    );

    // Every fixture, each delivered twice (platforms redeliver).
    let deliveries = [
        (
            "/hooks/whatsapp/qn-whatsapp",
            "whatsapp/text_message.json",
            SECRET,
        ),
        (
            "/hooks/whatsapp/qn-whatsapp",
            "whatsapp/image_message.json",
            SECRET,
        ),
        (
            "/hooks/whatsapp/qn-whatsapp",
            "whatsapp/voice_message.json",
            SECRET,
        ),
        (
            "/hooks/messenger/qn-facebook",
            "messenger/text_message.json",
            SECRET,
        ),
        (
            "/hooks/messenger/qn-facebook",
            "messenger/image_message.json",
            SECRET,
        ),
        (
            "/hooks/messenger/qn-facebook",
            "messenger/audio_message.json",
            SECRET,
        ),
        (
            "/hooks/instagram/qn-instagram",
            "instagram/text_message.json",
            SECRET,
        ),
        (
            "/hooks/instagram/qn-instagram",
            "instagram/image_message.json",
            SECRET,
        ),
        (
            "/hooks/threads/qn-threads",
            "threads/reply_webhook.json",
            THREADS_SECRET,
        ),
        (
            "/hooks/threads/qn-threads",
            "threads/mention_webhook.json",
            THREADS_SECRET,
        ),
    ];
    for round in 0..2 {
        for (path, file, secret) in deliveries {
            let body = fixture(file);
            assert_eq!(
                post(&server, path, &body, Some(&signed(&body, secret))).await,
                200,
                "{file} {round}"
            );
        }
    }
    assert_eq!(journalled(&data).await, 20);

    // One report per sender: WhatsApp's three messages thread into one, and so on.
    let base = server.url("");
    let base = base.trim_end_matches('/');
    let list = async || api_list(base, "/api/v1/reports", &token).await;
    eventually("five reports", async || {
        list().await["items"].as_array().map_or(0, Vec::len) == 5
    })
    .await;
    let reports = list().await;
    let items = reports["items"].as_array().unwrap();
    let by_channel = |channel: &str| -> Vec<String> {
        items
            .iter()
            .filter(|r| r["channel"] == channel)
            .map(|r| r["case_number"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(by_channel("whatsapp").len(), 1);
    assert_eq!(by_channel("messenger").len(), 1);
    assert_eq!(by_channel("instagram").len(), 1);
    assert_eq!(by_channel("threads").len(), 2, "two authors");
    let document = async |case: &str| {
        reqwest::Client::new()
            .get(format!("{base}/api/v1/reports/{case}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    };
    let whatsapp = &by_channel("whatsapp")[0];
    eventually("every delivery processed", async || {
        let service = hotline_server::Service::open(&data.config()).await.unwrap();
        let mut waiting = 0;
        for account in service.hotline.store.channel_accounts().await.unwrap() {
            waiting += service
                .hotline
                .store
                .deliveries_of(account.id, false, 1000)
                .await
                .unwrap()
                .iter()
                .filter(|d| d.state != "done")
                .count();
        }
        service.close().await;
        waiting == 0
    })
    .await;
    let report = document(whatsapp).await;
    let texts: Vec<&str> = report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 3, "each message once: {texts:?}");
    assert!(texts[0].contains("cho vay nặng lãi"), "{texts:?}");
    assert!(texts[1].contains("[Ảnh]"));
    assert_eq!(texts[2], "[Tin nhắn thoại]");
    // The reporter is a pseudonym; the number WhatsApp gave is sealed.
    let shown = report.to_string();
    assert!(!shown.contains("84912345678") && !shown.contains("0912 345 678"));
    assert!(report["reporter"].as_str().unwrap().starts_with("NBT-"));
    let threads = &by_channel("threads")[0];
    assert!(
        document(threads).await["messages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("[Bài đăng công khai: https://www.threads.net/")
    );
    assert_eq!(
        list().await["items"].as_array().unwrap().len(),
        5,
        "redeliveries changed nothing"
    );
    // The same reporter writes on the web form with the number WhatsApp gave: the officer sees
    // both reports are theirs, never the number.
    let created: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/reports"))
        .json(&serde_json::json!({
            "text": "Tôi gửi thêm ảnh tờ rơi qua trang web",
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
    let officer = crate::harness::browser();
    crate::harness::sign_in(&officer, &server, "bca.director").await;
    let shown = crate::harness::page(
        &officer,
        server.url(&format!("/console/reports/{whatsapp}")),
    )
    .await;
    assert!(shown.contains("id=\"same-reporter\""), "{shown}");
    assert!(shown.contains(&web_case));
    assert!(!shown.contains("0912 345 678") && !shown.contains("84912345678"));
    server.stop().await;
}

#[tokio::test]
async fn meta_deliveries_become_reports_once_on_sqlite() {
    meta_deliveries_become_reports_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn meta_deliveries_become_reports_once_on_postgres() {
    meta_deliveries_become_reports_once(Backend::Postgres).await;
}

#[tokio::test]
async fn an_operator_connects_an_account_from_the_command_line() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let dir = data.config().data_dir;
    let help = run_cli(&dir, &["channel", "add", "--help"], &[], None);
    let help = stdout_of(&help);
    for key in [
        "app_secret",
        "verify_token",
        "access_token",
        "phone_number_id",
        "page_id",
    ] {
        assert!(help.contains(key), "{key} in --help");
    }
    let added = run_cli(
        &dir,
        &[
            "channel",
            "add",
            "--platform",
            "whatsapp",
            "--account",
            "qn-whatsapp",
            "--unit",
            "22",
            "--set",
            &format!("app_secret={SECRET}"),
            "--set",
            &format!("verify_token={VERIFY}"),
            "--set",
            "access_token=EAAG-demo",
            "--set",
            "phone_number_id=112233445566778",
        ],
        &[],
        None,
    );
    assert!(added.status.success(), "{added:?}");
    assert!(stdout_of(&added).contains("webhook: /hooks/whatsapp/qn-whatsapp"));
    let again = run_cli(
        &dir,
        &[
            "channel",
            "add",
            "--platform",
            "whatsapp",
            "--account",
            "qn-whatsapp",
            "--unit",
            "22",
            "--set",
            "app_secret=x",
            "--set",
            "verify_token=y",
        ],
        &[],
        None,
    );
    assert!(!again.status.success(), "one name per platform");
    let incomplete = run_cli(
        &dir,
        &[
            "channel",
            "add",
            "--platform",
            "messenger",
            "--account",
            "qn-fb",
            "--unit",
            "22",
            "--set",
            "page_token=x",
        ],
        &[],
        None,
    );
    assert!(!incomplete.status.success());
    let listed = stdout_of(&run_cli(&dir, &["channel", "list"], &[], None));
    assert!(
        listed.contains("qn-whatsapp") && listed.contains("answers"),
        "{listed}"
    );
    assert!(
        !listed.contains(SECRET) && !listed.contains("EAAG-demo"),
        "secrets are never shown"
    );
    // Sealed at rest.
    let db = std::fs::read(dir.join("hotline.db")).unwrap();
    assert!(!db.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()));
}

#[tokio::test]
async fn an_administrator_connects_an_account_on_its_page_and_retries_a_failed_delivery() {
    use crate::harness::{browser, console_form, page, sign_in};
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.admin", Role::Administrator, "22").await;
    data.add_staff("ht.admin", Role::Administrator, "42").await;
    let server = Server::start(data.config()).await;
    let admin = browser();
    sign_in(&admin, &server, "qn.admin").await;
    let shown = page(&admin, server.url("/console/admin/channels")).await;
    assert!(shown.contains("id=\"channels-none\""));
    let post = async |client: &reqwest::Client, path: &str, fields: &[(&str, &str)]| {
        let r = client
            .post(server.url(path))
            .form(&console_form(client, &server, fields).await)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let (status, shown) = post(
        &admin,
        "/console/admin/channels",
        &[
            ("platform", "whatsapp"),
            ("account", "QN WhatsApp"),
            ("unit", "22"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        shown.contains("Tên tài khoản chỉ gồm chữ thường"),
        "{shown}"
    );
    assert!(shown.contains("Cần app_secret"));
    let fields = [
        ("platform", "whatsapp"),
        ("account", "qn-whatsapp"),
        ("unit", "22"),
        ("app_secret", SECRET),
        ("verify_token", VERIFY),
    ];
    let (status, shown) = post(&admin, "/console/admin/channels", &fields).await;
    assert_eq!(status, 200, "{shown}");
    assert!(shown.contains("Đã kết nối. Địa chỉ webhook: /hooks/whatsapp/qn-whatsapp"));
    assert!(
        shown.contains("Chỉ nhận, chưa trả lời được"),
        "no token to answer with"
    );
    assert!(
        !shown.contains(SECRET) && !shown.contains(VERIFY),
        "secrets are never shown"
    );
    let (status, _) = post(&admin, "/console/admin/channels", &fields).await;
    assert_eq!(status, 409);
    // Another province's administrator neither sees it nor connects one for Quảng Ninh.
    let other = browser();
    sign_in(&other, &server, "ht.admin").await;
    let theirs_page = page(&other, server.url("/console/admin/channels")).await;
    assert!(!theirs_page.contains("id=\"account-whatsapp-qn-whatsapp\""));
    let mut theirs = fields;
    theirs[1] = ("account", "ht-for-qn");
    let (status, _) = post(&other, "/console/admin/channels", &theirs).await;
    assert_eq!(status, 404);

    // A signed delivery that cannot be read becomes a dead letter with its reason; retried by
    // hand, it is queued again.
    let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"text"}]}}]}]}"#;
    assert_eq!(
        post_signed(&server, "/hooks/whatsapp/qn-whatsapp", body).await,
        200
    );
    eventually("a dead letter", async || {
        page(&admin, server.url("/console/admin/channels"))
            .await
            .contains("class=\"dead-letters\"")
    })
    .await;
    let shown = page(&admin, server.url("/console/admin/channels")).await;
    assert!(shown.contains("unreadable delivery"), "{shown}");
    let id = shown
        .split("name=\"id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let (status, _) = post(
        &other,
        "/console/admin/channels/retry",
        &[
            ("platform", "whatsapp"),
            ("account", "qn-whatsapp"),
            ("id", &id),
        ],
    )
    .await;
    assert_eq!(status, 404, "not theirs");
    let (status, shown) = post(
        &admin,
        "/console/admin/channels/retry",
        &[
            ("platform", "whatsapp"),
            ("account", "qn-whatsapp"),
            ("id", &id),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(shown.contains("Đã đưa lần nhận này vào hàng chờ xử lý lại."));
    server.stop().await;
}

async fn post_signed(server: &Server, path: &str, body: &[u8]) -> u16 {
    post(server, path, body, Some(&signed(body, SECRET))).await
}

/// Connects the four Meta accounts of Quảng Ninh, able to answer through `api_base`.
async fn connect_answering_accounts(data: &Data, api_base: &str) {
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    for (platform, account, secret, id_key, id) in [
        (
            "whatsapp",
            "qn-whatsapp",
            SECRET,
            "phone_number_id",
            "112233445566778",
        ),
        (
            "messenger",
            "qn-facebook",
            SECRET,
            "page_id",
            "104567890123456",
        ),
        (
            "instagram",
            "qn-instagram",
            SECRET,
            "ig_user_id",
            "17841401234567890",
        ),
        ("threads", "qn-threads", THREADS_SECRET, "", ""),
    ] {
        let mut settings = vec![
            ("app_secret".to_owned(), secret.to_owned()),
            ("verify_token".to_owned(), VERIFY.to_owned()),
            ("access_token".to_owned(), format!("EAAG-{account}")),
        ];
        if !id_key.is_empty() {
            settings.push((id_key.to_owned(), id.to_owned()));
        }
        let input = hotline_core::channels::AccountInput {
            platform,
            name: account,
            unit: "22",
            settings: &settings,
            api_base: Some(api_base),
        };
        let view = service
            .hotline
            .add_channel_account(None, &input)
            .await
            .unwrap();
        assert!(view.missing_send_keys.is_empty(), "{platform} answers");
    }
    service.close().await;
}

async fn answers_go_out_on_the_platform_the_report_came_from(backend: Backend) {
    use crate::stand_in::{Scripted, StandIn};
    let Some(data) = Data::new(backend).await else {
        return;
    };
    let platform = StandIn::start().await;
    data.add_staff("bca.director", Role::Director, "bca").await;
    let token = data.token("bca.director").await;
    connect_answering_accounts(&data, &platform.base).await;
    let server = Server::start(data.config()).await;
    let base = server.url("");
    let base = base.trim_end_matches('/').to_owned();
    let api = reqwest::Client::new();
    let document = async |case: &str| -> serde_json::Value {
        api.get(format!("{base}/api/v1/reports/{case}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let reply = async |case: &str, text: &str| {
        let r = api
            .post(format!("{base}/api/v1/reports/{case}/replies"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "text": text }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    };
    let case_on = async |channel: &str| -> String {
        let mut found = None;
        eventually(&format!("a {channel} report"), async || {
            found = api_list(&base, "/api/v1/reports", &token).await["items"]
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
    let deliveries = async |case: &str| -> Vec<(String, Option<String>)> {
        document(case).await["messages"]
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

    // WhatsApp: the first message is acknowledged with the case number and the follow-up code,
    // in the documented request, to the number WhatsApp gave.
    let body = fixture("whatsapp/text_message.json");
    assert_eq!(
        post_signed(&server, "/hooks/whatsapp/qn-whatsapp", &body).await,
        200
    );
    let case = case_on("whatsapp").await;
    eventually("the acknowledgement", async || platform.seen().len() == 1).await;
    let ack = &platform.seen()[0];
    assert_eq!(ack.path, "/v25.0/112233445566778/messages");
    assert_eq!(
        ack.authorization.as_deref(),
        Some("Bearer EAAG-qn-whatsapp")
    );
    assert_eq!(ack.body["messaging_product"], "whatsapp");
    assert_eq!(ack.body["to"], "84912345678");
    assert_eq!(ack.body["type"], "text");
    let text = ack.body["text"]["body"].as_str().unwrap();
    assert!(text.contains(&case), "{text}");
    assert!(text.contains("Mã tra cứu: "), "{text}");
    // The same message delivered again: no second acknowledgement.
    assert_eq!(
        post_signed(&server, "/hooks/whatsapp/qn-whatsapp", &body).await,
        200
    );
    // The officer answers; it leaves at once, then WhatsApp says it was delivered and read.
    reply(&case, "Cảm ơn anh đã báo tin. Công an xã sẽ liên hệ.").await;
    eventually("the answer", async || platform.seen().len() == 2).await;
    assert_eq!(
        platform.seen()[1].body["text"]["body"],
        "Cảm ơn anh đã báo tin. Công an xã sẽ liên hệ."
    );
    eventually("both sent", async || {
        deliveries(&case).await.iter().all(|(d, _)| d == "sent")
    })
    .await;
    for (state, n) in [("delivered", 1), ("read", 2)] {
        let status = format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"109876543210987","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","statuses":[{{"id":"wamid.SENT2","status":"{state}","timestamp":"179518420{n}","recipient_id":"84912345678"}}]}}}}]}}]}}"#
        );
        assert_eq!(
            post_signed(&server, "/hooks/whatsapp/qn-whatsapp", status.as_bytes()).await,
            200
        );
    }
    eventually("read", async || {
        deliveries(&case).await == [("sent".to_owned(), None), ("read".to_owned(), None)]
    })
    .await;
    assert_eq!(platform.seen().len(), 2, "{:?}", platform.seen());

    // A photo: fetched through WhatsApp's media endpoint with the account's token, kept sealed
    // with the report, its GPS and camera gone.
    platform.serve_media("1203948571209384", crate::evidence::photo_with_gps());
    let body = fixture("whatsapp/image_message.json");
    assert_eq!(
        post_signed(&server, "/hooks/whatsapp/qn-whatsapp", &body).await,
        200
    );
    eventually("the photo kept", async || {
        document(&case).await["attachments"]
            .as_array()
            .is_some_and(|files| files.len() == 1)
    })
    .await;
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let director = crate::harness::actor(&service, "bca.director").await;
    let file = document(&case).await["attachments"][0]["id"]
        .as_i64()
        .unwrap();
    let (info, content) = service
        .hotline
        .download_attachment(&director, &case, file)
        .await
        .unwrap();
    service.close().await;
    assert_eq!(info.content_type, "image/jpeg");
    assert!(info.metadata_removed);
    assert!(
        !content.windows(11).any(|w| w == b"GPSLatitude"),
        "no GPS in what was kept"
    );
    assert!(
        !content.windows(7).any(|w| w == b"Samsung"),
        "no camera in what was kept"
    );
    let db = std::fs::read(data.config().data_dir.join("hotline.db")).unwrap_or_default();
    assert!(!db.windows(11).any(|w| w == b"GPSLatitude"));

    // Messenger: the platform asks to slow down; the acknowledgement waits as long as it says.
    platform.script(&[Scripted::TooMany { retry_after: 1 }]);
    let body = fixture("messenger/text_message.json");
    assert_eq!(
        post_signed(&server, "/hooks/messenger/qn-facebook", &body).await,
        200
    );
    let case = case_on("messenger").await;
    eventually("sent after the wait", async || {
        deliveries(&case).await == [("sent".to_owned(), None)]
    })
    .await;
    let tries: Vec<_> = platform.seen().into_iter().skip(2).collect();
    assert_eq!(tries.len(), 2, "refused once, then taken");
    assert_eq!(tries[1].path, "/v25.0/104567890123456/messages");
    assert_eq!(tries[1].query, "access_token=EAAG-qn-facebook");
    assert_eq!(tries[1].body["recipient"]["id"], "6789012345678901");
    assert_eq!(tries[1].body["messaging_type"], "RESPONSE");
    // Outside the window: failed, with Meta's words for the officer.
    platform.script(&[Scripted::WindowClosed]);
    reply(&case, "Anh cho biết thêm địa chỉ trang giả mạo.").await;
    eventually("failed", async || {
        deliveries(&case)
            .await
            .get(1)
            .is_some_and(|(d, _)| d == "failed")
    })
    .await;
    let (_, error) = &deliveries(&case).await[1];
    assert!(error.as_deref().unwrap().contains("2018278"), "{error:?}");

    // Instagram answers through the account's path; a platform error leaves the answer queued,
    // with the error, for a later try.
    platform.script(&[Scripted::ServerError]);
    let body = fixture("instagram/text_message.json");
    assert_eq!(
        post_signed(&server, "/hooks/instagram/qn-instagram", &body).await,
        200
    );
    let case = case_on("instagram").await;
    eventually("kept for a later try", async || {
        deliveries(&case).await.first().is_some_and(|(d, error)| {
            d == "queued"
                && error
                    .as_deref()
                    .is_some_and(|e| e.contains("temporarily unavailable"))
        })
    })
    .await;
    assert!(
        platform
            .seen()
            .iter()
            .any(|s| s.path == "/v25.0/17841401234567890/messages")
    );
    // The officer answers at once: the answer waits behind the acknowledgement, which carries
    // the case number. The citizen writes again, which brings the acknowledgement's retry
    // forward; both leave, in the order written, to the IGSID.
    let answer_text = "Em đừng đi, hãy giữ lại tin nhắn và báo cho cha mẹ.";
    reply(&case, answer_text).await;
    eventually("the answer queued behind the acknowledgement", async || {
        deliveries(&case).await.len() == 2
    })
    .await;
    assert!(
        deliveries(&case).await.iter().all(|(d, _)| d == "queued"),
        "{:?}",
        deliveries(&case).await
    );
    let again = String::from_utf8(body.clone()).unwrap();
    let again = again.replace("Nzg5MAZDZD", "Nzg5MAZDZE").replace(
        "Em c\\u1ea7n b\\u00e1o cho ai \\u1ea1?",
        "Em g\\u1eedi th\\u00eam.",
    );
    assert_ne!(again.as_bytes(), body);
    assert_eq!(
        post_signed(&server, "/hooks/instagram/qn-instagram", again.as_bytes()).await,
        200
    );
    eventually("the acknowledgement, then the answer", async || {
        deliveries(&case)
            .await
            .iter()
            .filter(|(d, _)| d == "sent")
            .count()
            == 2
    })
    .await;
    let instagram: Vec<_> = platform
        .seen()
        .into_iter()
        .filter(|s| s.path == "/v25.0/17841401234567890/messages")
        .collect();
    let carries_case = |s: &&crate::stand_in::Seen| {
        s.body["message"]["text"]
            .as_str()
            .is_some_and(|t| t.contains(case.as_str()))
    };
    let acknowledged = instagram.iter().rposition(|s| carries_case(&s)).unwrap();
    let answered = instagram
        .iter()
        .position(|s| s.body["message"]["text"] == answer_text)
        .unwrap();
    assert!(acknowledged < answered, "the case number first");
    let answer = instagram[answered].clone();
    assert_eq!(answer.body["recipient"]["id"], "8123456789012345");
    assert_eq!(
        answer.authorization.as_deref(),
        Some("Bearer EAAG-qn-instagram")
    );
    // Threads is public: no acknowledgement (it would publish the follow-up code).
    let body = fixture("threads/reply_webhook.json");
    assert_eq!(
        post(
            &server,
            "/hooks/threads/qn-threads",
            &body,
            Some(&signed(&body, THREADS_SECRET))
        )
        .await,
        200
    );
    let case = case_on("threads").await;
    assert!(
        document(&case).await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["direction"] == "inbound")
    );
    assert!(
        platform
            .seen()
            .iter()
            .all(|s| !s.path.starts_with("/v1.0/")),
        "nothing published"
    );
    // An officer's public answer under the post: a container replying to it, then published.
    reply(
        &case,
        "Cảm ơn bạn, mời bạn nhắn riêng cho Công an tỉnh qua Zalo.",
    )
    .await;
    eventually("published", async || {
        deliveries(&case).await == [("sent".to_owned(), None)]
    })
    .await;
    let published: Vec<_> = platform
        .seen()
        .into_iter()
        .filter(|s| s.path.starts_with("/v1.0/"))
        .collect();
    assert_eq!(published.len(), 2, "{published:?}");
    assert_eq!(published[0].path, "/v1.0/me/threads");
    assert!(published[0].query.contains("reply_to_id=18055566677788899"));
    assert!(published[0].query.contains("media_type=TEXT"));
    assert_eq!(published[1].path, "/v1.0/me/threads_publish");
    assert!(published[1].query.starts_with("creation_id="));
    server.stop().await;
}

#[tokio::test]
async fn answers_go_out_on_the_platform_the_report_came_from_on_sqlite() {
    answers_go_out_on_the_platform_the_report_came_from(Backend::Sqlite).await;
}

#[tokio::test]
async fn answers_go_out_on_the_platform_the_report_came_from_on_postgres() {
    answers_go_out_on_the_platform_the_report_came_from(Backend::Postgres).await;
}

/// Two nodes on one PostgreSQL database, both taking deliveries apart and sending answers: the
/// same delivery reaching both is one report with one acknowledgement, and each answer an
/// officer writes, on either node, leaves once (the stand-in counts what the platform got).
#[tokio::test]
async fn with_two_nodes_each_answer_leaves_once() {
    use crate::stand_in::StandIn;
    let Some(data) = Data::new(Backend::Postgres).await else {
        return;
    };
    let platform = StandIn::start().await;
    data.add_staff("bca.director", Role::Director, "bca").await;
    let token = data.token("bca.director").await;
    connect_answering_accounts(&data, &platform.base).await;
    let other = tempfile::tempdir().unwrap();
    let (a, b) = (
        Server::start(data.config()).await,
        Server::start(data.config_for_another_node(other.path())).await,
    );
    let body = fixture("whatsapp/text_message.json");
    for node in [&a, &b, &a] {
        assert_eq!(
            post_signed(node, "/hooks/whatsapp/qn-whatsapp", &body).await,
            200
        );
    }
    let mut case = None;
    eventually("the report", async || {
        case = api_list(&a.base, "/api/v1/reports", &token).await["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["channel"] == "whatsapp")
            .map(|r| r["case_number"].as_str().unwrap().to_owned());
        case.is_some()
    })
    .await;
    let case = case.unwrap();
    eventually("the acknowledgement", async || platform.seen().len() == 1).await;

    let api = reqwest::Client::new();
    const ANSWERS: usize = 12;
    for n in 0..ANSWERS {
        let node = if n % 2 == 0 { &a } else { &b };
        let r = api
            .post(node.url(&format!("/api/v1/reports/{case}/replies")))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "text": format!("Trả lời số {n}") }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }
    eventually("every answer", async || {
        platform.seen().len() == 1 + ANSWERS
    })
    .await;
    // Both nodes keep looking for a while: nothing leaves twice, and in the order written.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let sent: Vec<String> = platform
        .seen()
        .iter()
        .skip(1)
        .map(|seen| seen.body["text"]["body"].as_str().unwrap().to_owned())
        .collect();
    let written: Vec<String> = (0..ANSWERS).map(|n| format!("Trả lời số {n}")).collect();
    assert_eq!(sent, written);
    a.stop().await;
    b.stop().await;
}
