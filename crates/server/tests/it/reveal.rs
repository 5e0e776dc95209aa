//! Revealing a reporter's identity: refused without clearance or reason and nothing shown;
//! shown with both, and every reveal and refusal is in the audit chain.

use crate::harness::{Backend, Data, Server, browser, page, sign_in};
use hotline_domain::Role;
use hotline_server::Service;
use serde_json::{Value, json};

const NAME: &str = "Phạm Thị Kín Đáo";

async fn reveal(
    client: &reqwest::Client,
    server: &Server,
    case: &str,
    reason: &str,
) -> (u16, String) {
    let r = client
        .post(server.url(&format!("/can-bo/ho-so/{case}/danh-tinh")))
        .form(&[("reason", reason)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn reveal_rules(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    data.add_staff("ht.director", Role::Director, "42").await;
    let server = Server::start(data.config()).await;
    let created: Value = browser()
        .post(server.url("/api/v1/reports"))
        .json(
            &json!({"text": "Tố cáo; gọi lại tôi ở số 0987 654 321", "province_code": 22,
                      "contact": {"name": NAME, "phone": "0912 345 678"}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = created["case_number"].as_str().unwrap().to_owned();

    let director = browser();
    sign_in(&director, &server, "qn.director").await;
    let report = page(&director, server.url(&format!("/can-bo/ho-so/{case}"))).await;
    assert!(
        report.contains("danh-tinh") && !report.contains(NAME),
        "offered, not shown"
    );
    assert!(
        report.contains("0987 654 321"),
        "a member with clearance reads the text whole"
    );

    let (status, body) = reveal(&director, &server, &case, "ngắn").await;
    assert_eq!(status, 400);
    assert!(body.contains("ít nhất 10 ký tự") && !body.contains(NAME));

    let handler = browser();
    sign_in(&handler, &server, "qn.handler").await;
    let report = page(&handler, server.url(&format!("/can-bo/ho-so/{case}"))).await;
    assert!(!report.contains("danh-tinh"), "no form without clearance");
    assert!(
        !report.contains("0987 654 321") && report.contains("gọi lại tôi ở số ▒▒▒"),
        "numbers inside the text are masked without clearance"
    );
    let inbox = page(&handler, server.url("/can-bo")).await;
    assert!(inbox.contains(&case) && !inbox.contains("0987 654 321"));
    let (status, body) = reveal(&handler, &server, &case, "Tôi muốn biết người báo tin").await;
    assert_eq!(status, 403);
    assert!(body.contains("không có thẩm quyền") && !body.contains(NAME));

    let other = browser();
    sign_in(&other, &server, "ht.director").await;
    let (status, body) = reveal(&other, &server, &case, "Xác minh chéo giữa hai tỉnh").await;
    assert_eq!(
        status, 404,
        "another province's report does not exist for them"
    );
    assert!(!body.contains(NAME));

    let (status, body) = reveal(
        &director,
        &server,
        &case,
        "Cần gọi lại để xác minh địa điểm",
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains(NAME) && body.contains("0912 345 678"));
    assert!(body.contains("đã được ghi vào nhật ký"));
    server.stop().await;

    let service = Service::open(&data.config()).await.unwrap();
    let entries = service.hotline.store.audit_entries(0, 1000).await.unwrap();
    let verdict = service.hotline.verify_audit(None).await.unwrap();
    service.close().await;
    assert!(verdict.is_ok(), "the chain is intact");
    let revealed: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "identity.revealed")
        .collect();
    assert_eq!(revealed.len(), 1, "one reveal, one entry");
    assert_eq!(revealed[0].subject, case);
    assert_eq!(revealed[0].detail, "Cần gọi lại để xác minh địa điểm");
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "identity.reveal_refused")
            .count(),
        1
    );
}

#[tokio::test]
async fn reveal_rules_on_sqlite() {
    reveal_rules(Backend::Sqlite).await;
}

#[tokio::test]
async fn reveal_rules_on_postgres() {
    reveal_rules(Backend::Postgres).await;
}
