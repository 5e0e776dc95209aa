//! What a copy of the database gives an insider who also has the public pages: no form of
//! anyone else's to send again for its receipt (issue 25, finding 3), and no platform id that
//! names its sender (finding 8).

use crate::channels::{eventually, fixture};
use crate::harness::{Backend, Data, Server, browser, element_text, field_value, report_form};
use hmac::Mac;

const WHATSAPP_SECRET: &str = "stolen-copy-app-secret";
/// The fixture's message id: base64 of the sender's number.
pub const WAMID: &str = "wamid.HBgLODQ5MTIzNDU2NzgVAgASGBQzRUIwQjE4QkM1RjA2QjE2MkU0RgA=";

async fn stored_form_ids(data: &Data) -> Vec<String> {
    let pool = sqlite(data).await;
    let ids = sqlx::query_scalar(
        "SELECT platform_message_id FROM messages \
         WHERE channel = 'web' AND platform_message_id IS NOT NULL",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    ids
}

#[tokio::test]
async fn a_copy_of_the_database_and_the_form_give_up_no_receipt() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let server = Server::start(data.config()).await;
    let victim = browser();
    let text = "Tố cáo cán bộ phường nhận tiền của quán karaoke";
    let fields = report_form(&victim, &server, &[("text", text)]).await;
    let token = fields[0].1.clone();
    let sent = victim
        .post(server.url("/gui-tin-bao"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    let receipt = sent.text().await.unwrap();
    let case = element_text(&receipt, "case-number").unwrap();
    let code = element_text(&receipt, "follow-up-code").unwrap();

    // The copy holds a keyed digest of the form, not its token.
    let stored = stored_form_ids(&data).await;
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains(&token), "{}", stored[0]);
    let digest = stored[0].strip_prefix("form:").unwrap().to_owned();
    assert!(hotline_core::intake::is_form_token(&digest));

    // Sent as a token with the victim's text, under a stamp of the insider's own form: turned
    // back, and the form comes back under a token the store chose.
    let insider = browser();
    let mut forged = report_form(&insider, &server, &[("text", text)]).await;
    forged[0].1.clone_from(&digest);
    let answer = insider
        .post(server.url("/gui-tin-bao"))
        .form(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let page = answer.text().await.unwrap();
    assert!(!page.contains(&case) && !page.contains(&code));
    let handed_back = field_value(&page, "token").unwrap();
    assert_ne!(handed_back, digest, "no stamp for a token the client chose");
    assert!(hotline_core::intake::is_form_token(&handed_back));

    // Even the token itself (read off the victim's screen) with other content is a report of
    // its own, with a code of its own.
    let mut other = fields.clone();
    for (name, value) in &mut other {
        if name == "text" {
            *value = format!("{text} (bổ sung)");
        }
    }
    let again = victim
        .post(server.url("/gui-tin-bao"))
        .form(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 201);
    let again = again.text().await.unwrap();
    assert_ne!(element_text(&again, "case-number").unwrap(), case);
    assert_ne!(element_text(&again, "follow-up-code").unwrap(), code);

    // The same form sent again at once is the double tap: the same receipt.
    let double = victim
        .post(server.url("/gui-tin-bao"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(double.status(), 201);
    let double = double.text().await.unwrap();
    assert_eq!(element_text(&double, "case-number").unwrap(), case);
    assert_eq!(element_text(&double, "follow-up-code").unwrap(), code);
    server.stop().await;
    assert_eq!(stored_form_ids(&data).await.len(), 2);
}

async fn sqlite(data: &Data) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}", data.dir.path().join("hotline.db").display());
    sqlx::SqlitePool::connect(&url).await.unwrap()
}

/// Connects Quảng Ninh's WhatsApp account (receiving only).
pub async fn connect_whatsapp(data: &Data) {
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let settings = [
        ("app_secret".to_owned(), WHATSAPP_SECRET.to_owned()),
        ("verify_token".to_owned(), "stolen-copy-verify".to_owned()),
    ];
    let input = hotline_core::channels::AccountInput {
        platform: "whatsapp",
        name: "qn-whatsapp",
        unit: "22",
        settings: &settings,
        api_base: None,
    };
    service
        .hotline
        .add_channel_account(None, &input)
        .await
        .unwrap();
    service.close().await;
}

/// Delivers the WhatsApp text fixture, signed, to the account [`connect_whatsapp`] made.
pub async fn deliver_whatsapp(server: &Server) {
    let body = fixture("whatsapp/text_message.json");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(WHATSAPP_SECRET.as_bytes()).unwrap();
    mac.update(&body);
    let status = reqwest::Client::new()
        .post(server.url("/hooks/whatsapp/qn-whatsapp"))
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            format!("sha256={}", hex::encode(mac.finalize().into_bytes())),
        )
        .body(body)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
}

async fn reports(data: &Data) -> i64 {
    let pool = sqlite(data).await;
    let count = sqlx::query_scalar("SELECT COUNT(*) FROM reports")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    count
}

#[tokio::test]
async fn platform_ids_are_kept_keyed_and_those_kept_in_clear_before_are_keyed_once() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    connect_whatsapp(&data).await;
    let server = Server::start(data.config()).await;
    deliver_whatsapp(&server).await;
    eventually("the message is a report", async || {
        reports(&data).await == 1
    })
    .await;
    server.stop().await;

    let pool = sqlite(&data).await;
    let stored: String =
        sqlx::query_scalar("SELECT platform_message_id FROM messages WHERE channel = 'whatsapp'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        !stored.contains("wamid") && !stored.contains("HBgL"),
        "{stored}"
    );
    // As a store written before ids were keyed held it.
    sqlx::query("UPDATE messages SET platform_message_id = $1 WHERE channel = 'whatsapp'")
        .bind(WAMID)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO unkeyed_platform_ids (message_id) \
         SELECT id FROM messages WHERE channel = 'whatsapp'",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    // Opened again, the store keys it before anything else, and a redelivery is still known.
    let server = Server::start(data.config()).await;
    deliver_whatsapp(&server).await;
    let taken_apart = async || {
        let pool = sqlite(&data).await;
        let pending: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE processed_at IS NULL")
                .fetch_one(&pool)
                .await
                .unwrap();
        pool.close().await;
        pending == 0
    };
    eventually("the redelivery is taken apart", taken_apart).await;
    server.stop().await;
    assert_eq!(reports(&data).await, 1, "one report, not two");
    let pool = sqlite(&data).await;
    let kept: Vec<String> =
        sqlx::query_scalar("SELECT platform_message_id FROM messages WHERE channel = 'whatsapp'")
            .fetch_all(&pool)
            .await
            .unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM unkeyed_platform_ids")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(kept, vec![stored]);
    assert_eq!(left, 0);
}
