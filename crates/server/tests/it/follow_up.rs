//! The reporter follows their report up with its follow-up code, on the page and through the
//! API; an officer answers; wrong codes learn nothing and are limited.

use crate::harness::{Backend, Data, Server, api_report, browser, page, sign_in};
use hotline_domain::Role;
use serde_json::{Value, json};

const TEXT: &str = "Xe tải chở cát đổ trộm xuống bờ sông lúc 2 giờ sáng";

async fn created(server: &Server) -> (String, String) {
    api_report(server, TEXT, 22).await
}

async fn api(server: &Server, case: &str, code: &str, add: Option<&str>) -> (u16, Value) {
    let url = server.url(&format!("/api/v1/reports/{case}/follow-up"));
    let client = reqwest::Client::new();
    let request = match add {
        Some(text) => client.post(url).json(&json!({ "text": text })),
        None => client.get(url),
    };
    let r = request
        .header("X-Follow-Up-Code", code)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn conversation(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.director", Role::Director, "22").await;
    let mut config = data.config();
    // This story looks up more often than a reporter would; the limit has its own test.
    config.follow_up_per_minute = 600;
    let server = Server::start(config).await;
    let (case, code) = created(&server).await;

    let (status, body) = api(&server, &case, &code, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "received");
    assert_eq!(body["status_text"], "Đã tiếp nhận, đang chờ phân loại");
    assert_eq!(
        body["messages"][0]["text"], TEXT,
        "their own words, unmasked"
    );
    let (status, body) = api(&server, &case, &code.to_lowercase().replace('-', " "), None).await;
    assert_eq!(
        status, 200,
        "the code is forgiving about case and separators: {body}"
    );

    // A wrong code and an unknown case look the same.
    let (wrong_status, mut wrong) = api(&server, &case, "0000-0000-0000-0000", None).await;
    let other_case = case.replace("-0000", "-9999");
    let (unknown_status, mut unknown) = api(&server, &other_case, &code, None).await;
    assert_eq!((wrong_status, unknown_status), (404, 404));
    wrong.as_object_mut().unwrap().remove("request_id");
    unknown.as_object_mut().unwrap().remove("request_id");
    assert_eq!(wrong, unknown);

    let (status, body) = api(&server, &case, &code, Some("Biển số xe 14C-123.45")).await;
    assert_eq!(status, 201);
    assert_eq!(body["messages"].as_array().unwrap().len(), 2);
    let (status, _) = api(&server, &case, &code, Some("   ")).await;
    assert_eq!(status, 422);

    // The officer sees the addition and answers; the reporter reads the answer.
    let officer = browser();
    sign_in(&officer, &server, "qn.director").await;
    let report = page(&officer, server.url(&format!("/console/reports/{case}"))).await;
    assert!(report.contains("Biển số xe"));
    assert_eq!(
        report.matches("<li class=\"inbound\">").count(),
        2,
        "the addition is the reporter's second message in the timeline"
    );
    let answered = officer
        .post(server.url(&format!("/console/reports/{case}/reply")))
        .form(
            &crate::harness::console_form(
                &officer,
                &server,
                &[("text", "Cảm ơn anh/chị, chúng tôi đã cử tổ tuần tra đến.")],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 303);
    let report = page(&officer, server.url(&format!("/console/reports/{case}"))).await;
    assert!(report.contains("class=\"delivery delivered\">Đã đến người báo tin"));

    let citizen = browser();
    let shown = citizen
        .post(server.url("/tra-cuu"))
        .form(&[("case", case.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), 200);
    let shown = shown.text().await.unwrap();
    assert!(shown.contains("Đã tiếp nhận, đang chờ phân loại"));
    assert!(shown.contains("chúng tôi đã cử tổ tuần tra đến") && shown.contains("Cơ quan công an"));
    let report = page(&officer, server.url(&format!("/console/reports/{case}"))).await;
    assert!(
        report.contains("class=\"delivery read\">Người báo tin đã xem"),
        "the officer sees the answer was seen"
    );
    let added = citizen
        .post(server.url("/tra-cuu/bo-sung"))
        .form(&[
            ("case", case.as_str()),
            ("code", code.as_str()),
            ("text", "Xe quay lại lúc 3 giờ"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 200);
    assert!(
        added
            .text()
            .await
            .unwrap()
            .contains("Đã gửi thông tin bổ sung")
    );

    // More evidence later: a file alone is enough; a disguised one is refused.
    let pdf = b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n%%EOF".to_vec();
    let with_file = reqwest::multipart::Form::new()
        .text("case", case.clone())
        .text("code", code.clone())
        .text("text", "")
        .part(
            "files",
            reqwest::multipart::Part::bytes(pdf).file_name("bien-ban.pdf"),
        );
    let sent = citizen
        .post(server.url("/tra-cuu/bo-sung"))
        .multipart(with_file)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let disguised = reqwest::multipart::Form::new()
        .text("case", case.clone())
        .text("code", code.clone())
        .text("text", "ảnh nữa")
        .part(
            "files",
            reqwest::multipart::Part::bytes(b"MZ\x90\x00 not a photo".to_vec())
                .file_name("anh.jpg"),
        );
    let refused = citizen
        .post(server.url("/tra-cuu/bo-sung"))
        .multipart(disguised)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("Chỉ nhận ảnh") && refused.contains("ảnh nữa"));
    let report = page(&officer, server.url(&format!("/console/reports/{case}"))).await;
    assert!(
        report.contains("evidence-1.pdf"),
        "the officer sees the file sent later"
    );
    let wrong = citizen
        .post(server.url("/tra-cuu"))
        .form(&[("case", case.as_str()), ("code", "0000-0000-0000-0000")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
    let wrong = wrong.text().await.unwrap();
    assert!(wrong.contains("Không tìm thấy tin báo") && !wrong.contains(TEXT));
    server.stop().await;
}

#[tokio::test]
async fn the_reporter_and_the_officer_talk_on_sqlite() {
    conversation(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_reporter_and_the_officer_talk_on_postgres() {
    conversation(Backend::Postgres).await;
}

#[tokio::test]
async fn guessing_codes_is_limited() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let mut config = data.config();
    // Nine a minute: three at once, then one every twenty seconds.
    config.follow_up_per_minute = 9;
    let server = Server::start(config).await;
    let (case, _) = created(&server).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(api(&server, &case, "0000-0000-0000-0000", None).await.0);
    }
    assert_eq!(statuses, [404, 404, 404, 429]);
    let limited = browser()
        .post(server.url("/tra-cuu"))
        .form(&[("case", case.as_str()), ("code", "0000-0000-0000-0000")])
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert!(limited.text().await.unwrap().contains("113"));
    server.stop().await;
}
