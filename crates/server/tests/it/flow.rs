//! A report goes in through the form and the API, is stored durably, and a signed-in officer
//! sees it, before and after a restart; on SQLite and PostgreSQL.

use crate::harness::{
    Backend, Data, Server, browser, element_text, field_value, json_of, page, report_form,
    report_form_without_script, sign_in,
};
use hotline_domain::Role;
use serde_json::{Value, json};

async fn report_to_inbox_and_after_restart(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    // `user add` on a fresh store creates and migrates it first.
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("ht.director", Role::Director, "42").await;
    let token = data.token("qn.director").await;
    let server = Server::start(data.config()).await;
    let client = browser();

    let home = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let home = home.text().await.unwrap();
    assert!(home.contains("tel:113"), "home tells to call 113");
    assert!(home.contains("Báo tin cho Công an"));
    let english = page(&client, server.url("/?lang=en")).await;
    assert!(english.contains("Report to the police"));
    // The choice is remembered.
    let again = page(&client, server.url("/")).await;
    assert!(again.contains("Report to the police"));
    client.get(server.url("/?lang=vi")).send().await.unwrap();

    let form = page(&client, server.url("/gui-tin-bao")).await;
    assert!(form.contains("name=\"text\""));
    assert!(form.contains("Điều 144"), "false-report warning");

    let submitted = client
        .post(server.url("/gui-tin-bao"))
        .form(
            &report_form(
                &client,
                &server,
                &[
                    ("text", "Có nhóm <b>đua xe</b> trái phép ở ven biển"),
                    ("province_code", "22"),
                    ("commune", "ha long"),
                    ("address", "Tổ 5, khu Ba Lan"),
                    ("identity", "anonymous"),
                    ("phone", "0912345678"),
                ],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 201);
    assert_eq!(submitted.headers()["cache-control"], "no-store");
    let receipt = submitted.text().await.unwrap();
    let web_case = element_text(&receipt, "case-number").unwrap();
    let code = element_text(&receipt, "follow-up-code").unwrap();
    assert!(web_case.starts_with("QN-"), "{web_case}");
    assert_eq!(code.len(), 19, "{code}");

    let api = client
        .post(server.url("/api/v1/reports"))
        .json(&json!({"text": "Trộm xe máy trước chợ", "province_code": 22, "contact": {"phone": "+84 973 288 038"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 201);
    let api: Value = api.json().await.unwrap();
    let api_case = api["case_number"].as_str().unwrap().to_owned();
    assert_ne!(api_case, web_case);
    assert_eq!(api["follow_up_code"].as_str().unwrap().len(), 19);

    sign_in(&client, &server, "qn.director").await;
    let inbox = page(&client, server.url("/console")).await;
    assert!(inbox.contains(&web_case) && inbox.contains(&api_case));
    let opened = client
        .get(server.url(&format!("/console/reports/{web_case}")))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    let report = opened.text().await.unwrap();
    assert!(!report.contains("<b>"), "report text is escaped");
    assert!(report.contains("đua xe"));
    assert!(report.contains("Phường Hạ Long, Quảng Ninh"));
    assert!(
        report.contains("Tổ 5, khu Ba Lan"),
        "the sealed address opens for the reader"
    );
    assert!(
        report.contains("Ẩn danh"),
        "the anonymous choice wins over a stray phone field"
    );

    let list: Value = client
        .get(server.url("/api/v1/reports?limit=10"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["case_number"], api_case.as_str(), "newest first");
    assert_eq!(items[0]["channel"], "api");
    assert_eq!(items[1]["channel"], "web");
    assert_eq!(items[1]["status"], "received");
    assert!(items[1]["created_at"].as_str().unwrap().starts_with("20"));

    // Another province's director sees neither, and cannot open them by number.
    let other = browser();
    sign_in(&other, &server, "ht.director").await;
    let inbox = page(&other, server.url("/console")).await;
    assert!(!inbox.contains(&web_case));
    let denied = other
        .get(server.url(&format!("/console/reports/{web_case}")))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 404);

    // Sign out ends the session.
    client
        .post(server.url("/console/sign-out"))
        .form(&crate::harness::console_form(&client, &server, &[]).await)
        .send()
        .await
        .unwrap();
    let after = client.get(server.url("/console")).send().await.unwrap();
    assert_eq!(after.status(), 303);

    server.stop().await;
    let server = Server::start(data.config()).await;
    let client = browser();
    sign_in(&client, &server, "qn.director").await;
    let inbox = page(&client, server.url("/console")).await;
    assert!(
        inbox.contains(&web_case) && inbox.contains(&api_case),
        "still there after restart"
    );
    server.stop().await;
}

#[tokio::test]
async fn report_to_inbox_and_after_restart_on_sqlite() {
    report_to_inbox_and_after_restart(Backend::Sqlite).await;
}

#[tokio::test]
async fn report_to_inbox_and_after_restart_on_postgres() {
    report_to_inbox_and_after_restart(Backend::Postgres).await;
}

#[tokio::test]
async fn demo_serves_a_populated_system() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let server = Server::start_with(data.config(), true).await;
    let client = browser();
    sign_in(&client, &server, "demo.bca").await;
    let inbox = page(&client, server.url("/console")).await;
    for prefix in ["QN-", "PT-", "AG-", "HT-"] {
        assert!(inbox.contains(prefix), "demo covers {prefix}");
    }
    assert!(inbox.contains("Zalo") && inbox.contains("Điện thoại"));
    let admin = browser();
    sign_in(&admin, &server, "demo.admin").await;
    let inbox = page(&admin, server.url("/console")).await;
    assert!(!inbox.contains("QN-"), "administrators do not read reports");
    server.stop().await;
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let server = Server::start(data.config()).await;
    let client = browser();
    assert_eq!(
        client
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client
            .get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    client
        .post(server.url("/api/v1/reports"))
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    let metrics = page(&client, format!("{}/metrics", server.metrics_base)).await;
    assert!(metrics.contains("hotline_reports_accepted_total"));
    assert!(metrics.contains("hotline_http_requests_total"));
    assert!(metrics.contains("route=\"/api/v1/reports\""));
    assert!(metrics.contains("hotline_intake_queue_depth"));
    // Not beside the public pages: per-route counts would tell the accused when a report
    // about them was filed or a reveal made.
    let r = client.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let doc = json_of(&client, server.url("/api/v1/openapi.json")).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/api/v1/reports"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/reports"]["get"].is_object());
    let page = client
        .get(server.url("/no-such-page"))
        .header("x-request-id", "chosen-by-the-client")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    let api = client
        .get(server.url("/api/v1/reports"))
        .send()
        .await
        .unwrap();
    for response in [&page, &api] {
        let headers = response.headers();
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        assert!(csp.contains("frame-ancestors 'none'"));
    }
    let id = page.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(
        id != "chosen-by-the-client" && id.len() == 36,
        "a fresh id of ours, not the client's: {id}"
    );
    assert!(
        page.text().await.unwrap().contains(&id),
        "error pages show the request id"
    );
    server.stop().await;
}

#[tokio::test]
async fn behind_tls_cookies_are_secure_and_hsts_is_sent() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.director", Role::Director, "22").await;
    let mut config = data.config();
    config.secure_cookies = true;
    let server = Server::start(config).await;
    let client = browser();
    let home = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(
        home.headers()["strict-transport-security"],
        "max-age=63072000"
    );
    let signed_in = client
        .post(server.url("/console/sign-in"))
        .form(&[
            ("username", "qn.director"),
            ("password", hotline_core::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("__Host-hotline_session="), "{cookie}");
    for attribute in ["; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_resent_form_makes_one_report_and_shows_the_same_receipt() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let server = Server::start(data.config()).await;
    let client = browser();
    let fields = report_form(
        &client,
        &server,
        &[("text", "Có người lạ đi lại trong ngõ")],
    )
    .await;
    let token = fields[0].1.clone();
    let mut receipts = Vec::new();
    for _ in 0..2 {
        let r = client
            .post(server.url("/gui-tin-bao"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let body = r.text().await.unwrap();
        receipts.push((
            element_text(&body, "case-number").unwrap(),
            element_text(&body, "follow-up-code").unwrap(),
        ));
    }
    assert_eq!(
        receipts[0], receipts[1],
        "a double tap shows the same receipt"
    );
    assert_eq!(receipts[0].1.len(), 19, "with the code, not an empty one");
    let another = page(&client, server.url("/gui-tin-bao")).await;
    assert_ne!(
        field_value(&another, "token").unwrap(),
        token,
        "each form gets its own token"
    );
    server.stop().await;
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    assert_eq!(service.hotline.store.count_reports().await.unwrap(), 1);
    service.close().await;
}

#[tokio::test]
async fn a_life_in_danger_leads_the_receipt_with_113_and_is_flagged() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.director", Role::Director, "22").await;
    let token = data.token("qn.director").await;
    let server = Server::start(data.config()).await;
    let client = browser();
    let send = async |text: &str| {
        client
            .post(server.url("/gui-tin-bao"))
            .form(&report_form(&client, &server, &[("text", text), ("province_code", "22")]).await)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let danger = send("Cuu voi, co nguoi cam dao dang danh nhau o cho Ha Long").await;
    assert!(danger.contains("id=\"call-now\"") && danger.contains("tel:113"));
    assert!(
        danger.find("call-now") < danger.find("case-number"),
        "it comes first"
    );
    let fire = send("Đám cháy lớn ở kho gỗ").await;
    assert!(fire.contains("tel:114") && fire.contains("call-now"));
    let calm = send("Vỉa hè bị lấn chiếm").await;
    assert!(!calm.contains("call-now"));
    let list = crate::harness::api_list(&server.base, "/api/v1/reports", &token).await;
    let urgencies: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["urgency"].as_str().unwrap())
        .collect();
    assert_eq!(urgencies, ["normal", "urgent", "emergency"], "newest first");
    server.stop().await;
}

#[tokio::test]
async fn robots_and_floods_are_turned_away() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let mut config = data.config();
    config.public_submissions_per_minute = 0;
    // Twelve a minute for everyone: two at once, then one every five seconds.
    config.public_submissions_global_per_minute = 12;
    let server = Server::start(config).await;
    let client = browser();
    let post = |fields: Vec<(String, String)>| {
        client.post(server.url("/gui-tin-bao")).form(&fields).send()
    };
    // The forms are filled first (each takes its proof of work), then posted together, so
    // that the five seconds a new allowance takes do not pass between the posts.
    let robot = report_form(
        &client,
        &server,
        &[
            ("text", "Mua thuốc giá rẻ"),
            ("website", "http://spam.example"),
        ],
    )
    .await;
    let first = report_form(&client, &server, &[("text", "Tin thật thứ nhất")]).await;
    let second = report_form(&client, &server, &[("text", "Tin thứ hai, xin giữ lại")]).await;
    let robot = post(robot).await.unwrap();
    assert_eq!(robot.status(), 400, "the honeypot field was filled");
    // The robot's try counted too: one of the two at once is left.
    assert_eq!(post(first).await.unwrap().status(), 201);
    let flooded = post(second).await.unwrap();
    assert_eq!(flooded.status(), 429);
    assert!(flooded.headers().contains_key("retry-after"));
    let page = flooded.text().await.unwrap();
    assert!(page.contains("113"));
    assert!(
        page.contains(">Tin thứ hai, xin giữ lại</textarea>"),
        "what was typed comes back"
    );
    server.stop().await;
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    assert_eq!(service.hotline.store.count_reports().await.unwrap(), 1);
    service.close().await;
}

#[tokio::test]
async fn a_form_must_be_handed_out_filled_at_a_human_pace_and_proven_for_the_ordinary_limit() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let mut config = data.config();
    config.public_submissions_per_minute = 0;
    config.form_min_fill_secs = 1;
    config.form_work_bits = 8;
    config.unproven_submissions_per_hour = 1;
    config.unproven_submissions_burst = 1;
    let server = Server::start(config).await;
    let client = browser();
    let post = |fields: &Vec<(String, String)>| {
        client.post(server.url("/gui-tin-bao")).form(fields).send()
    };

    // A robot that never fetched the form.
    let unstamped = client
        .post(server.url("/gui-tin-bao"))
        .form(&[("text", "Tin gửi thẳng")])
        .send()
        .await
        .unwrap();
    assert_eq!(unstamped.status(), 400);
    let page = unstamped.text().await.unwrap();
    assert!(page.contains("đã cũ"), "says why");
    assert!(page.contains(">Tin gửi thẳng</textarea>"), "keeps the text");
    assert!(field_value(&page, "stamp").is_some_and(|s| !s.is_empty()));

    // Sent back at once, as only a robot can.
    let proven = report_form(
        &client,
        &server,
        &[("text", "Có người lạ theo dõi nhà tôi")],
    )
    .await;
    let at_once = post(&proven).await.unwrap();
    assert_eq!(at_once.status(), 400);
    let page = at_once.text().await.unwrap();
    assert!(page.contains("quá nhanh"));
    assert!(page.contains(">Có người lạ theo dõi nhà tôi</textarea>"));

    // A stamp moved back in time, or borrowed from another form, is not this form's.
    let mut forged = proven.clone();
    let stamp = &mut forged.iter_mut().find(|(k, _)| k == "stamp").unwrap().1;
    let (issued, seal) = stamp.split_once('.').unwrap();
    *stamp = format!("{}.{seal}", issued.parse::<i64>().unwrap() - 3600);
    let mut borrowed = report_form(&client, &server, &[("text", "Mượn dấu")]).await;
    borrowed[0].1.clone_from(&proven[0].1);

    // Without JavaScript there is no proof of work: the stricter limit applies.
    let plain_one =
        report_form_without_script(&client, &server, &[("text", "Không có JS 1")]).await;
    let plain_two =
        report_form_without_script(&client, &server, &[("text", "Không có JS 2")]).await;
    let proven_two = report_form(&client, &server, &[("text", "Có JS")]).await;
    assert_eq!(post(&forged).await.unwrap().status(), 400);
    assert_eq!(post(&borrowed).await.unwrap().status(), 400);

    // The same forms once the minimum is met (the passing of time itself is the core's test,
    // on a fixed clock): a restart without one, on the same store, whose key sealed the stamps.
    server.stop().await;
    let mut config = data.config();
    config.public_submissions_per_minute = 0;
    config.form_work_bits = 8;
    config.unproven_submissions_per_hour = 1;
    config.unproven_submissions_burst = 1;
    let server = Server::start(config).await;
    let post = |fields: &Vec<(String, String)>| {
        client.post(server.url("/gui-tin-bao")).form(fields).send()
    };
    assert_eq!(
        post(&proven).await.unwrap().status(),
        201,
        "the same form, later"
    );
    assert_eq!(post(&plain_one).await.unwrap().status(), 201);
    let limited = post(&plain_two).await.unwrap();
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    let page = limited.text().await.unwrap();
    assert!(page.contains(">Không có JS 2</textarea>") && page.contains("113"));
    assert_eq!(
        post(&proven_two).await.unwrap().status(),
        201,
        "a proven form keeps the ordinary limit"
    );
    server.stop().await;
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    assert_eq!(service.hotline.store.count_reports().await.unwrap(), 3);
    service.close().await;
}

#[tokio::test]
async fn when_it_happened_and_a_plea_for_protection_reach_the_officer() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.director", Role::Director, "22").await;
    let server = Server::start(data.config()).await;
    let client = browser();
    let future = client
        .post(server.url("/gui-tin-bao"))
        .form(
            &report_form(
                &client,
                &server,
                &[("text", "Sẽ có đánh nhau"), ("occurred_date", "2099-01-01")],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(future.status(), 400);
    assert!(
        future
            .text()
            .await
            .unwrap()
            .contains("không thể ở tương lai")
    );
    let bad = client
        .post(server.url("/gui-tin-bao"))
        .form(
            &report_form(
                &client,
                &server,
                &[("text", "Có trộm"), ("occurred_date", "31/02/2026")],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let sent = client
        .post(server.url("/gui-tin-bao"))
        .form(
            &report_form(
                &client,
                &server,
                &[
                    ("text", "Bị nhóm cho vay nặng lãi đe dọa"),
                    ("province_code", "22"),
                    ("occurred_date", "2026-11-28"),
                    ("occurred_time", "21:30"),
                    ("protection", "1"),
                ],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    let case = element_text(&sent.text().await.unwrap(), "case-number").unwrap();
    let officer = browser();
    sign_in(&officer, &server, "qn.director").await;
    let report = page(&officer, server.url(&format!("/console/reports/{case}"))).await;
    assert!(
        report.contains("28/11/2026 21:30"),
        "shown in Vietnam's time"
    );
    assert!(report.contains("id=\"protection\""));
    let api = reqwest::Client::new()
        .post(server.url("/api/v1/reports"))
        .json(&json!({"text": "x", "occurred_at": "2099-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 422);
    server.stop().await;
}

#[tokio::test]
async fn public_pages_weigh_under_100_kb_with_nothing_from_elsewhere() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let server = Server::start(data.config()).await;
    let client = browser();
    let style = page(&client, server.url("/static/app.css")).await.len();
    let script = page(&client, server.url("/static/receipt.js")).await.len();
    let form_script = page(&client, server.url("/static/form.js")).await.len()
        + page(&client, server.url("/static/work.js")).await.len();
    let receipt = client
        .post(server.url("/gui-tin-bao"))
        .form(&report_form(&client, &server, &[("text", "Đèn đường hỏng cả tuần")]).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut pages = vec![("receipt", receipt.clone(), style + script)];
    for path in ["/", "/tra-cuu", "/console/sign-in", "/?lang=en"] {
        pages.push((path, page(&client, server.url(path)).await, style));
    }
    let form = page(&client, server.url("/gui-tin-bao")).await;
    // The form's own scripts, and the largest province's communes for its type-ahead.
    let communes = page(&client, server.url("/dia-gioi/1")).await.len();
    pages.push(("/gui-tin-bao", form, style + form_script + communes));
    for (name, html, assets) in pages {
        assert!(
            html.len() + assets < 100 * 1024,
            "{name}: {} bytes of page and {assets} of assets",
            html.len()
        );
        for outside in ["http://", "https://", "//"] {
            let linked = ["src=\"", "href=\""]
                .iter()
                .any(|attr| html.contains(&format!("{attr}{outside}")));
            assert!(!linked, "{name} loads something from elsewhere");
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn the_form_suggests_a_provinces_communes_with_and_without_diacritics() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let server = Server::start(data.config()).await;
    let client = browser();
    let communes = json_of(&client, server.url("/dia-gioi/66")).await;
    let bmt = communes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["folded"] == "phuong buon ma thuot")
        .expect("Buôn Ma Thuột is in Đắk Lắk");
    assert_eq!(bmt["name"], "Phường Buôn Ma Thuột");
    for unknown in ["/dia-gioi/999", "/dia-gioi/abc"] {
        let r = client.get(server.url(unknown)).send().await.unwrap();
        assert_eq!(r.status(), 404);
    }
    server.stop().await;
}
