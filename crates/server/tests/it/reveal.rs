//! Revealing a reporter's identity: refused without clearance or reason and nothing shown;
//! shown with both, and every reveal and refusal is in the audit chain.

use crate::harness::{Backend, Data, Server, browser, page, sign_in};
use hotline_domain::Role;
use hotline_server::Service;
use serde_json::{Value, json};

const NAME: &str = "Phạm Thị Kín Đáo";

pub(crate) async fn reveal(
    client: &reqwest::Client,
    server: &Server,
    case: &str,
    reason: &str,
) -> (u16, String) {
    let r = client
        .post(server.url(&format!("/console/reports/{case}/identity")))
        .form(&crate::harness::console_form(client, server, &[("reason", reason)]).await)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A citizen's report in province 22 that leaves a name and a phone number; its case number.
async fn report_with_identity(server: &Server, text: &str) -> String {
    let created: Value = browser()
        .post(server.url("/api/v1/reports"))
        .json(&json!({"text": text, "province_code": 22,
                      "contact": {"name": NAME, "phone": "0912 345 678"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["case_number"].as_str().unwrap().to_owned()
}

async fn reveal_rules(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    data.add_staff("ht.director", Role::Director, "42").await;
    data.add_staff("bca.auditor", Role::Auditor, "bca").await;
    let server = Server::start(data.config()).await;
    let case = report_with_identity(&server, "Tố cáo; gọi lại tôi ở số 0987 654 321").await;

    let director = browser();
    sign_in(&director, &server, "qn.director").await;
    let report = page(&director, server.url(&format!("/console/reports/{case}"))).await;
    assert!(
        report.contains("/identity\"") && !report.contains(NAME),
        "offered, not shown"
    );
    assert!(
        !report.contains("0987 654 321") && report.contains("/masked-item"),
        "a member with clearance sees the number masked, and may reveal it"
    );
    let message = form_value(&report, "message");
    let item = |client, reason| reveal_item(client, &server, &case, &message, "0", reason);
    let (status, body) = item(&director, "ngắn").await;
    assert_eq!(status, 400);
    assert!(body.contains("ít nhất 10 ký tự") && !body.contains("0987 654 321"));
    let (status, body) = item(&director, "Gọi lại người báo tin để xác minh").await;
    assert_eq!(status, 200);
    assert!(body.contains("<mark class=\"revealed\">0987 654 321</mark>"));
    let (status, _) = reveal_item(
        &director,
        &server,
        &case,
        &message,
        "7",
        "Mục không tồn tại ở đây",
    )
    .await;
    assert_eq!(status, 404, "no such item");

    let (status, body) = reveal(&director, &server, &case, "ngắn").await;
    assert_eq!(status, 400);
    assert!(body.contains("ít nhất 10 ký tự") && !body.contains(NAME));

    let handler = browser();
    sign_in(&handler, &server, "qn.handler").await;
    let report = page(&handler, server.url(&format!("/console/reports/{case}"))).await;
    assert!(!report.contains("/identity\""), "no form without clearance");
    assert!(
        !report.contains("0987 654 321") && report.contains("gọi lại tôi ở số ▒▒▒"),
        "numbers inside the text are masked without clearance"
    );
    let (status, body) = reveal_item(
        &handler,
        &server,
        &case,
        &message,
        "0",
        "Tôi muốn xem số điện thoại",
    )
    .await;
    assert_eq!(status, 403);
    assert!(!body.contains("0987 654 321"));
    let inbox = page(&handler, server.url("/console")).await;
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

    // Who revealed what and why: leaders in scope and auditors read it; no one else.
    let log_url = server.url("/console/reveal-log");
    let log = page(&director, log_url.clone()).await;
    assert!(log.contains(&case) && log.contains("Cần gọi lại để xác minh địa điểm"));
    assert!(log.contains("Gọi lại người báo tin để xác minh"));
    assert!(log.contains("Xem danh tính") && log.contains("Xem mục bị che trong tin báo"));
    assert!(!log.contains(NAME) && !log.contains("0987 654 321"));
    let auditor = browser();
    sign_in(&auditor, &server, "bca.auditor").await;
    assert!(page(&auditor, log_url.clone()).await.contains(&case));
    assert!(
        !page(&other, log_url.clone()).await.contains(&case),
        "another province's reveals are not theirs to list"
    );
    let refused = handler.get(log_url).send().await.unwrap();
    assert_eq!(refused.status(), 403);
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
    // The chain keeps each reason sealed; the reveal log above read it opened.
    assert!(revealed[0].detail.starts_with("sealed:"));
    assert!(
        entries.iter().all(|e| !e.detail.contains("xác minh")),
        "no reason in clear"
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "identity.reveal_refused")
            .count(),
        1
    );
    let items: Vec<_> = entries
        .iter()
        .filter(|e| e.action.starts_with("text.item_reveal"))
        .map(|e| (e.action.as_str(), e.detail.split(':').next().unwrap()))
        .collect();
    let revealed_item = format!("message {message} item 0");
    assert_eq!(
        items,
        [
            ("text.item_revealed", revealed_item.as_str()),
            ("text.item_reveal_refused", "no clearance"),
        ]
    );
}

async fn reveal_item(
    client: &reqwest::Client,
    server: &Server,
    case: &str,
    message: &str,
    item: &str,
    reason: &str,
) -> (u16, String) {
    let r = client
        .post(server.url(&format!("/console/reports/{case}/masked-item")))
        .form(
            &crate::harness::console_form(
                client,
                server,
                &[("message", message), ("item", item), ("reason", reason)],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn reveal_rules_on_sqlite() {
    reveal_rules(Backend::Sqlite).await;
}

#[tokio::test]
async fn reveal_rules_on_postgres() {
    reveal_rules(Backend::Postgres).await;
}

/// Classifies a report as the legal workflow will, straight in the database (the workflow's
/// own way to set it arrives with the legal types).
pub(crate) async fn classify(data: &Data, backend: Backend, case: &str, legal_type: &str) {
    let sql = "UPDATE reports SET legal_type = $1 WHERE case_number = $2";
    match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", data.dir.path().join("hotline.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            sqlx::query(sql)
                .bind(legal_type)
                .bind(case)
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(data.database_url.as_deref().unwrap())
                .await
                .unwrap();
            sqlx::query(sql)
                .bind(legal_type)
                .bind(case)
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
    }
}

async fn approve(client: &reqwest::Client, server: &Server, case: &str, request: &str) -> u16 {
    client
        .post(server.url(&format!("/console/reports/{case}/identity/approve")))
        .form(&crate::harness::console_form(client, server, &[("request", request)]).await)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The value of the first hidden field `name` on a page.
fn form_value(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = page.find(&marker).unwrap() + marker.len();
    let value: String = page[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(!value.is_empty());
    value
}

async fn second_approval(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("qn.inspector", Role::Inspector, "22").await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    let server = Server::start(data.config()).await;
    let case =
        report_with_identity(&server, "Tố cáo cán bộ đội cảnh sát giao thông nhận tiền").await;
    classify(&data, backend, &case, "police_conduct").await;
    let reason = "Cần mời người tố cáo đến làm việc";

    let director = browser();
    sign_in(&director, &server, "qn.director").await;
    let page_before = page(&director, server.url(&format!("/console/reports/{case}"))).await;
    assert!(page_before.contains("cần một cán bộ có thẩm quyền khác phê duyệt"));
    let (status, body) = reveal(&director, &server, &case, reason).await;
    assert_eq!(status, 202, "a request, not a reveal");
    assert!(body.contains("Đã gửi yêu cầu xem danh tính") && !body.contains(NAME));
    let (status, body) = reveal(&director, &server, &case, reason).await;
    assert_eq!(status, 202, "asking again does not open it");
    assert!(!body.contains(NAME) && body.contains("đang chờ người khác phê duyệt"));

    // The asker cannot approve their own request, nor can a member without clearance.
    let inspector = browser();
    sign_in(&inspector, &server, "qn.inspector").await;
    let inspector_view = page(&inspector, server.url(&format!("/console/reports/{case}"))).await;
    assert!(inspector_view.contains(reason) && !inspector_view.contains(NAME));
    let request = form_value(&inspector_view, "request");
    assert_eq!(approve(&director, &server, &case, &request).await, 400);
    let handler = browser();
    sign_in(&handler, &server, "qn.handler").await;
    assert_eq!(approve(&handler, &server, &case, &request).await, 403);
    let (_, body) = reveal(&director, &server, &case, reason).await;
    assert!(!body.contains(NAME), "still waiting");

    assert_eq!(approve(&inspector, &server, &case, &request).await, 303);
    let (status, body) = reveal(&director, &server, &case, reason).await;
    assert_eq!(status, 200);
    assert!(body.contains(NAME), "shown once approved");
    let (status, body) = reveal(&director, &server, &case, reason).await;
    assert_eq!(status, 202, "one approval opens one reveal");
    assert!(!body.contains(NAME));
    // The reason reads in the reveal log, and only there: the store keeps it sealed.
    let log = page(&inspector, server.url("/console/reveal-log")).await;
    assert!(log.contains(reason) && log.contains("approved by"));
    server.stop().await;

    let service = Service::open(&data.config()).await.unwrap();
    let entries = service.hotline.store.audit_entries(0, 1000).await.unwrap();
    let report = service
        .hotline
        .store
        .report(
            &hotline_store::Visibility::Subtree(String::new()),
            &hotline_domain::CaseNumber::parse(&case).unwrap(),
        )
        .await
        .unwrap();
    let requests = service
        .hotline
        .store
        .open_reveal_requests(report.summary.id)
        .await
        .unwrap();
    service.close().await;
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| r.reason.starts_with("sealed:")));
    assert!(
        entries.iter().all(|e| !e.detail.contains("mời người")),
        "no reason in clear in the chain"
    );
    let actions: Vec<&str> = entries
        .iter()
        .filter(|e| e.subject == case && e.action.starts_with("identity."))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "identity.reveal_requested",
            "identity.reveal_requested",
            "identity.approval_refused",
            "identity.reveal_requested",
            "identity.reveal_approved",
            "identity.revealed",
            "identity.reveal_requested",
        ]
    );
    let revealed = entries
        .iter()
        .find(|e| e.action == "identity.revealed")
        .unwrap();
    assert!(revealed.detail.starts_with("sealed:") && revealed.detail.contains("approved by"));
}

#[tokio::test]
async fn a_reveal_about_police_conduct_needs_a_second_approval_on_sqlite() {
    second_approval(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_reveal_about_police_conduct_needs_a_second_approval_on_postgres() {
    second_approval(Backend::Postgres).await;
}

/// An approval opens what it names and nothing else: a witness's number approved does not
/// open the reporter's identity (issue 25, finding 6); the approver reads which it is.
async fn an_approval_opens_only_what_it_names(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("qn.inspector", Role::Inspector, "22").await;
    let server = Server::start(data.config()).await;
    let case = report_with_identity(
        &server,
        "Tố cáo cán bộ nhận tiền; nhân chứng là anh Hòa, số 0987 654 321",
    )
    .await;
    classify(&data, backend, &case, "police_conduct").await;
    let director = browser();
    sign_in(&director, &server, "qn.director").await;
    let report = page(&director, server.url(&format!("/console/reports/{case}"))).await;
    let message = form_value(&report, "message");
    let reason = "Mời nhân chứng đến làm việc";
    let (status, _) = reveal_item(&director, &server, &case, &message, "0", reason).await;
    assert_eq!(status, 202, "the witness's number waits for approval");

    let inspector = browser();
    sign_in(&inspector, &server, "qn.inspector").await;
    let view = page(&inspector, server.url(&format!("/console/reports/{case}"))).await;
    assert!(
        view.contains(&format!("Mục thứ 1 bị che trong tin nhắn số {message}")),
        "the approver reads what will be revealed"
    );
    let request = form_value(&view, "request");
    assert_eq!(approve(&inspector, &server, &case, &request).await, 303);

    // The approval of the witness's number does not open the reporter's identity.
    let (status, body) = reveal(&director, &server, &case, reason).await;
    assert_eq!(status, 202);
    assert!(!body.contains(NAME));
    let (status, body) = reveal_item(&director, &server, &case, &message, "0", reason).await;
    assert_eq!(status, 200);
    assert!(body.contains("0987 654 321"));
    let (status, body) = reveal_item(&director, &server, &case, &message, "0", reason).await;
    assert_eq!(status, 202, "used once");
    assert!(!body.contains("0987 654 321"));
    server.stop().await;
}

#[tokio::test]
async fn an_approval_opens_only_what_it_names_on_sqlite() {
    an_approval_opens_only_what_it_names(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_approval_opens_only_what_it_names_on_postgres() {
    an_approval_opens_only_what_it_names(Backend::Postgres).await;
}

/// A search by phone number is a reveal: cleared members give a reason (400 naming it
/// otherwise), and a report about police conduct matches only under a second approval of
/// that search (issue 25, finding 4).
async fn a_search_by_phone_number_is_a_reveal(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("qn.inspector", Role::Inspector, "22").await;
    let token = data.token("qn.director").await;
    let server = Server::start(data.config()).await;
    let ordinary = report_with_identity(&server, "Trộm xe máy trước cổng chợ").await;
    let conduct = report_with_identity(&server, "Tố cáo cán bộ trạm kiểm soát nhận tiền").await;
    classify(&data, backend, &conduct, "police_conduct").await;
    let client = reqwest::Client::new();
    let search = async |query: &str| {
        let r = client
            .get(server.url("/api/v1/search"))
            .query(&[("q", query)])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    let cases = |found: &Value| -> Vec<String> {
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["case_number"].as_str().unwrap().to_owned())
            .collect()
    };

    let (status, problem) = search("0912345678").await;
    assert_eq!(status, 400);
    assert_eq!(problem["errors"][0]["field"], "reason", "{problem}");
    let (status, _) = search("0912345678&reason=ngắn").await;
    assert_eq!(status, 400, "a query is not a reason");
    let reasoned = "0912345678";
    let with_reason = async |why: &str| {
        let r = client
            .get(server.url("/api/v1/search"))
            .query(&[("q", reasoned), ("reason", why)])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    let why = "Xác minh người tố cáo nhiều lần";
    let (status, found) = with_reason(why).await;
    assert_eq!(status, 200);
    assert_eq!(cases(&found), [ordinary.as_str()]);
    assert_eq!(
        found["by_contact"], true,
        "whether a match waits is not told"
    );

    // Another member with clearance approves that search's match; the same search shows it
    // once.
    let inspector = browser();
    sign_in(&inspector, &server, "qn.inspector").await;
    let view = page(
        &inspector,
        server.url(&format!("/console/reports/{conduct}")),
    )
    .await;
    assert!(view.contains("kết quả tìm theo số điện thoại hoặc e-mail") && !view.contains("0912"));
    let request = form_value(&view, "request");
    assert_eq!(approve(&inspector, &server, &conduct, &request).await, 303);
    let (_, found) = with_reason(why).await;
    let mut shown = cases(&found);
    shown.sort_unstable();
    let mut both = vec![ordinary.clone(), conduct.clone()];
    both.sort_unstable();
    assert_eq!(shown, both);
    let (_, found) = with_reason(why).await;
    assert_eq!(
        cases(&found),
        [ordinary.as_str()],
        "one approval, one showing"
    );
    server.stop().await;

    let service = Service::open(&data.config()).await.unwrap();
    let entries = service.hotline.store.audit_entries(0, 1000).await.unwrap();
    service.close().await;
    let log: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| e.action == "identity.searched_by_contact")
        .map(|e| (e.subject.as_str(), e.detail.as_str()))
        .collect();
    assert_eq!(log.len(), 4, "{log:?}");
    assert!(
        log.iter()
            .any(|(case, detail)| *case == conduct && detail.contains("approved by"))
    );
    assert!(log.iter().all(|(_, detail)| !detail.contains("0912")));
}

#[tokio::test]
async fn a_search_by_phone_number_is_a_reveal_on_sqlite() {
    a_search_by_phone_number_is_a_reveal(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_search_by_phone_number_is_a_reveal_on_postgres() {
    a_search_by_phone_number_is_a_reveal(Backend::Postgres).await;
}

/// A request's reason written before reasons were sealed is sealed when a node next opens
/// the store, and still reads for the member who is to approve it.
#[tokio::test]
async fn a_reason_kept_in_clear_before_is_sealed_once() {
    let Some(data) = Data::new(Backend::Sqlite).await else {
        return;
    };
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("qn.inspector", Role::Inspector, "22").await;
    let server = Server::start(data.config()).await;
    let case = report_with_identity(&server, "Tố cáo cán bộ trạm kiểm soát").await;
    classify(&data, Backend::Sqlite, &case, "police_conduct").await;
    let director = browser();
    sign_in(&director, &server, "qn.director").await;
    let (status, _) = reveal(&director, &server, &case, "Mời người tố cáo làm việc").await;
    assert_eq!(status, 202);
    server.stop().await;

    let url = format!("sqlite://{}", data.dir.path().join("hotline.db").display());
    let stored = async || -> String {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let reason = sqlx::query_scalar("SELECT reason FROM reveal_requests")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        reason
    };
    assert!(stored().await.starts_with("sealed:"));
    // As a store written before reasons were sealed held it.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("UPDATE reveal_requests SET reason = 'Lý do ghi trước khi niêm phong'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let server = Server::start(data.config()).await;
    let inspector = browser();
    sign_in(&inspector, &server, "qn.inspector").await;
    let view = page(&inspector, server.url(&format!("/console/reports/{case}"))).await;
    server.stop().await;
    assert!(view.contains("Lý do ghi trước khi niêm phong"));
    let sealed = stored().await;
    assert!(sealed.starts_with("sealed:") && !sealed.contains("niêm phong"));
}
