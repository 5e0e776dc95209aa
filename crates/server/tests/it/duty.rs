//! The duty roster's pages: a leader keeps the roster, everyone in scope sees who is on duty,
//! and nobody else changes or reads another unit's.

use crate::harness::{Backend, Data, Server, api_report, browser, console_form, page, sign_in};
use hotline_domain::Role;

#[tokio::test]
async fn a_leader_keeps_the_roster_and_the_desk_sees_who_is_on_duty() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.leader", Role::UnitLeader, "22").await;
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    data.add_staff("ht.leader", Role::UnitLeader, "42").await;
    let server = Server::start(data.config()).await;
    let post = async |client: &reqwest::Client, path: &str, fields: &[(&str, &str)]| {
        let r = client
            .post(server.url(path))
            .form(&console_form(client, &server, fields).await)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let leader = browser();
    sign_in(&leader, &server, "qn.leader").await;
    let now = page(&leader, server.url("/console/duty")).await;
    assert!(now.contains("Ai đang trực"));
    assert!(now.contains("Chưa có lịch trực"), "a gap is shown as one");
    let roster = page(&leader, server.url("/console/duty/roster?unit=22")).await;
    assert!(roster.contains("id=\"roster-gaps\""));
    assert!(roster.contains("id=\"new-pattern\""));

    let mut every_day: Vec<(String, String)> =
        (1..=7).map(|d| (format!("d{d}"), "1".to_owned())).collect();
    every_day.extend([
        ("unit".to_owned(), "22".to_owned()),
        ("username".to_owned(), "qn.duty".to_owned()),
        ("starts".to_owned(), "00:00".to_owned()),
        ("hours".to_owned(), "24".to_owned()),
    ]);
    let fields: Vec<(&str, &str)> = every_day
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut too_long = fields.clone();
    for pair in too_long.iter_mut().filter(|(k, _)| *k == "hours") {
        pair.1 = "30";
    }
    let (status, shown) = post(&leader, "/console/duty/patterns", &too_long).await;
    assert_eq!(status, 400);
    assert!(shown.contains("Một ca dài từ vài phút đến 24 giờ"));
    let (status, shown) = post(&leader, "/console/duty/patterns", &fields).await;
    assert_eq!(status, 200, "{shown}");
    assert!(shown.contains("Đã cập nhật lịch trực."));
    assert!(shown.contains("id=\"roster-patterns\""));
    assert!(
        shown.contains("id=\"roster-covered\""),
        "every moment covered"
    );

    let desk = browser();
    sign_in(&desk, &server, "qn.duty").await;
    let now = page(&desk, server.url("/console/duty")).await;
    assert!(now.contains("(qn.duty)"), "on duty now");
    let roster = page(&desk, server.url("/console/duty/roster?unit=22")).await;
    assert!(
        !roster.contains("id=\"new-pattern\""),
        "the desk reads, leaders change"
    );
    let (status, _) = post(&desk, "/console/duty/patterns", &fields).await;
    assert_eq!(status, 403);

    // An urgent report reaches the officer on duty at the next pass of the alert job, run here
    // on the same store rather than waited for.
    let (case, _) = api_report(
        &server,
        "Cứu với, có người cầm dao đâm nhau trước chợ, máu chảy nhiều",
        22,
    )
    .await;
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    service.hotline.run_alerts().await.unwrap();
    service.close().await;
    let alerts = page(&desk, server.url("/console/alerts")).await;
    assert!(alerts.contains("id=\"alerts-pending\""), "{alerts}");
    assert!(alerts.contains(&case));
    let (status, shown) = post(&desk, "/console/alerts/acknowledge", &[("case", &case)]).await;
    assert_eq!(status, 200);
    assert!(shown.contains("cảnh báo dừng chuyển cấp"));
    assert!(shown.contains("id=\"alerts-done\""));
    let (status, _) = post(&desk, "/console/alerts/acknowledge", &[("case", &case)]).await;
    assert_eq!(status, 409, "once");
    let (status, _) = post(&leader, "/console/alerts/acknowledge", &[("case", &case)]).await;
    assert_eq!(status, 404, "only those alerted answer for it");
    let report = page(&desk, server.url(&format!("/console/reports/{case}"))).await;
    assert!(
        report.contains("Đã nhận cảnh báo khẩn"),
        "on the report's history"
    );

    let other = browser();
    sign_in(&other, &server, "ht.leader").await;
    let r = other
        .get(server.url("/console/duty/roster?unit=22"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "another province's roster is not theirs to see"
    );
    let (status, _) = post(&other, "/console/duty/patterns", &fields).await;
    assert_eq!(status, 404);
    server.stop().await;
}

#[tokio::test]
async fn an_officer_sets_where_alerts_reach_them_and_sees_how_each_went() {
    use axum::Json;
    use std::sync::{Arc, Mutex};
    // Telegram's Bot API, played locally; the mail relay is down.
    let sent: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let log = sent.clone();
    let telegram = axum::Router::new().route(
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
    let telegram_base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, telegram).await });
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let smtp_port = closed.local_addr().unwrap().port();
    drop(closed);

    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    let mut config = data.config();
    config.notify_smtp_url = Some(format!("smtp://127.0.0.1:{smtp_port}"));
    config.notify_email_from = Some("Hotline <hotline@example.invalid>".into());
    config.notify_telegram_bot_token = Some("1:T".into());
    config.notify_telegram_api_base = telegram_base;
    config.public_url = Some("https://hotline.example.invalid".into());
    // The job is run below on the store rather than waited for.
    config.alerts_every_secs = 3600;
    let server = Server::start(config.clone()).await;
    let desk = browser();
    sign_in(&desk, &server, "qn.duty").await;
    let alerts = page(&desk, server.url("/console/alerts")).await;
    assert!(alerts.contains("href=\"/console/notifications\""));
    let settings = page(&desk, server.url("/console/notifications")).await;
    assert!(settings.contains("id=\"notify-form\""));
    assert!(settings.contains("Chưa có thông báo nào."));

    let post = async |path: &str, fields: &[(&str, &str)]| {
        let r = desk
            .post(server.url(path))
            .form(&console_form(&desk, &server, fields).await)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let (status, shown) = post(
        "/console/notifications",
        &[
            ("channel0", "email"),
            ("address0", "khong-phai-dia-chi"),
            ("channel1", "telegram"),
            ("address1", "@ten_nguoi_dung"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        shown.contains("Dòng 1: Địa chỉ e-mail không hợp lệ."),
        "{shown}"
    );
    assert!(shown.contains("Dòng 2: Mã cuộc trò chuyện Telegram phải là một số."));
    assert!(
        shown.contains("value=\"khong-phai-dia-chi\""),
        "what was typed is kept"
    );
    let (status, shown) = post(
        "/console/notifications",
        &[
            ("channel0", "email"),
            ("address0", "truc.ban@example.invalid"),
            ("channel1", "telegram"),
            ("address1", "7012345678"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{shown}");
    assert!(shown.contains("Đã lưu các địa chỉ nhận thông báo."));
    let (status, shown) = post("/console/notifications/test", &[]).await;
    assert_eq!(status, 200);
    assert!(shown.contains("Đã xếp lịch gửi thử"));

    let service = hotline_server::Service::open(&config).await.unwrap();
    let pass = service.hotline.run_notifications().await.unwrap();
    service.close().await;
    assert_eq!((pass.sent, pass.fell_back), (1, 1));
    let text = sent.lock().unwrap()[0]["text"].as_str().unwrap().to_owned();
    assert!(text.starts_with("[Hotline] Thử nhận thông báo"), "{text}");
    assert!(text.contains("https://hotline.example.invalid/console/notifications"));
    let settings = page(&desk, server.url("/console/notifications")).await;
    assert!(settings.contains("Đã gửi qua Telegram"), "{settings}");
    assert!(
        settings.contains("class=\"attempt-failed\""),
        "the mail failure is shown"
    );
    server.stop().await;
}
