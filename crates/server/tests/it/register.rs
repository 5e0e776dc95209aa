//! Each unit's receipt register (sổ tiếp nhận), and a report's printable receipt record.

use crate::harness::{Backend, Data, Server, api_report, browser, console_form, page, sign_in};
use hotline_domain::Role;
use serde_json::{Value, json};

fn numbers_on(html: &str) -> Vec<String> {
    html.split("<tr>\n    <td>")
        .skip(1)
        .filter_map(|rest| rest.split('<').next().map(str::to_owned))
        .collect()
}

async fn registers(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    data.add_staff("ht.duty", Role::DutyOfficer, "42").await;
    let server = Server::start(data.config()).await;
    let created: Value = reqwest::Client::new()
        .post(server.url("/api/v1/reports"))
        .json(&json!({
            "text": "Nhóm người lạ cho vay nặng lãi, đe dọa gia đình tôi",
            "province_code": 22,
            "contact": {"name": "Người Bí Mật Thử", "phone": "0912 345 678"}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = created["case_number"].as_str().unwrap().to_owned();
    let (second, _) = api_report(&server, "Xe chở gỗ lậu đi qua trạm lúc nửa đêm", 22).await;
    let (third, _) = api_report(&server, "Đối tượng lừa đảo ở Hà Tĩnh gọi điện cho tôi", 22).await;

    let qn = browser();
    sign_in(&qn, &server, "qn.duty").await;
    let book = page(&qn, server.url("/console/register")).await;
    assert_eq!(numbers_on(&book), ["1", "2", "3"]);
    for case in [&first, &second, &third] {
        assert!(book.contains(case.as_str()));
    }
    assert!(book.contains("Hệ thống (tiếp nhận tự động)"));

    // A transfer enters the report in the receiving unit's register, under the officer's name.
    let moved = qn
        .post(server.url(&format!("/console/reports/{third}/transfer")))
        .form(
            &console_form(
                &qn,
                &server,
                &[("unit", "42"), ("reason", "Đối tượng cư trú tại Hà Tĩnh")],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 303);
    let ht = browser();
    sign_in(&ht, &server, "ht.duty").await;
    let book = page(&ht, server.url("/console/register")).await;
    assert_eq!(numbers_on(&book), ["1"]);
    assert!(book.contains(&third) && book.contains("Chuyển từ"));
    assert!(book.contains("qn.duty"), "the officer who handed it over");
    let other = ht
        .get(server.url("/console/register?unit=22"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        403,
        "another province's register is not theirs"
    );
    let book = page(&qn, server.url("/console/register?unit=22")).await;
    assert_eq!(
        numbers_on(&book),
        ["1", "2", "3"],
        "the book keeps every line"
    );
    assert!(
        !book.contains(&third) && book.contains("Không còn thuộc phạm vi xem"),
        "Quảng Ninh no longer reads what the report it handed over is"
    );
    let last_year = page(&qn, server.url("/console/register?year=2020")).await;
    assert!(last_year.contains("Sổ chưa có tin nào"));

    // The receipt record: the register entry, the facts, blank lines for the identity.
    let record = page(
        &qn,
        server.url(&format!("/console/reports/{first}/receipt-record")),
    )
    .await;
    assert!(record.contains("BIÊN BẢN TIẾP NHẬN"));
    assert!(record.contains("cho vay nặng lãi"));
    assert!(record.contains("được ghi tay tại nơi tiếp nhận"));
    assert!(
        !record.contains("Người Bí Mật Thử") && !record.contains("0912"),
        "no identity is printed from the system"
    );
    assert!(record.contains("NGƯỜI BÁO TIN (ký"));
    // Classified as a crime reported by a person, the record names them as the law does.
    let classified = qn
        .post(server.url(&format!("/console/reports/{first}/triage")))
        .form(
            &console_form(
                &qn,
                &server,
                &[("legal_type", "crime_denunciation"), ("urgency", "normal")],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(classified.status(), 303);
    let record = page(
        &qn,
        server.url(&format!("/console/reports/{first}/receipt-record")),
    )
    .await;
    assert!(record.contains("BIÊN BẢN TIẾP NHẬN NGUỒN TIN VỀ TỘI PHẠM"));
    assert!(record.contains("<h2>2. Người tố giác</h2>"), "{record}");
    assert!(record.contains("NGƯỜI TỐ GIÁC (ký"));
    assert!(record.contains("đọc lại cho người tố giác nghe"));
    assert!(!record.contains("người báo tin"));
    let elsewhere = ht
        .get(server.url(&format!("/console/reports/{first}/receipt-record")))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 404);
    server.stop().await;
}

#[tokio::test]
async fn each_unit_keeps_its_register_and_prints_receipt_records_on_sqlite() {
    registers(Backend::Sqlite).await;
}

#[tokio::test]
async fn each_unit_keeps_its_register_and_prints_receipt_records_on_postgres() {
    registers(Backend::Postgres).await;
}
