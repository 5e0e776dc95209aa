//! Quick capture: a call to the duty phone becomes a report of the officer's unit, the caller's
//! number sealed like any identity, the follow-up code shown once to be read out.

use crate::harness::{Backend, Data, Server, browser, element_text, field_value, page, sign_in};
use hotline_domain::Role;
use serde_json::Value;

fn capture_form(fields: &[(&str, &str)]) -> reqwest::multipart::Form {
    fields
        .iter()
        .fold(reqwest::multipart::Form::new(), |form, (name, value)| {
            form.text((*name).to_owned(), (*value).to_owned())
        })
}

#[tokio::test]
async fn a_call_to_the_duty_phone_becomes_a_report_with_the_caller_sealed() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("bca.admin", Role::Administrator, "bca")
        .await;
    let server = Server::start(data.config()).await;
    // The officer's rank and post, as the register will name them (R2).
    let admin = browser();
    sign_in(&admin, &server, "bca.admin").await;
    let title = |rank: &'static str| {
        let (admin, server) = (&admin, &server);
        async move {
            crate::harness::console_post(
                admin,
                server,
                "/console/admin/staff/qn.duty",
                &[
                    ("action", "title"),
                    ("rank", rank),
                    ("post", "Cán bộ trực ban"),
                ],
            )
            .await
        }
    };
    let (status, _) = title("general").await;
    assert_eq!(status, 400, "an unknown rank changes nothing");
    let (status, _) = title("thieu_ta").await;
    assert_eq!(status, 200);
    let (status, _) = crate::harness::console_post(
        &admin,
        &server,
        "/console/admin/staff/bca.admin",
        &[
            ("action", "title"),
            ("rank", "dai_tuong"),
            ("post", "Bộ trưởng"),
        ],
    )
    .await;
    assert_eq!(status, 403, "nobody gives themselves a rank");
    let duty = browser();
    sign_in(&duty, &server, "qn.duty").await;
    let form = page(&duty, server.url("/console/capture")).await;
    assert!(form.contains("Điện thoại") && form.contains("Trực tiếp tại trụ sở"));
    let action = {
        let at = form.find("action=\"/console/capture?csrf=").unwrap() + "action=\"".len();
        form[at..].split('"').next().unwrap().to_owned()
    };
    let call = [
        ("channel", "phone"),
        ("source", "post"),
        ("caller", "0987 654 321"),
        ("name", "Chị Lan"),
        (
            "text",
            "Gọi báo có người lạ cạy cửa nhà bên cạnh, số 12 ngõ 5",
        ),
        ("urgent", "1"),
    ];

    // Without the session's token in the address, nothing is recorded.
    let forged = duty
        .post(server.url("/console/capture"))
        .multipart(capture_form(&call))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF".to_vec();
    let recorded = duty
        .post(server.url(&action))
        .multipart(capture_form(&call).part(
            "files",
            reqwest::multipart::Part::bytes(pdf).file_name("anh-chup.pdf"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(recorded.status(), 201);
    let shown = recorded.text().await.unwrap();
    let case = element_text(&shown, "case-number").unwrap();
    let code = element_text(&shown, "follow-up-code").unwrap();
    assert!(
        case.starts_with("QN-"),
        "a report of the officer's unit: {case}"
    );
    assert_eq!(code.len(), 19);

    // The report: the channel, urgent, the file; the caller only as a pseudonym.
    let report = page(&duty, server.url(&format!("/console/reports/{case}"))).await;
    assert!(report.contains("Điện thoại") && report.contains("evidence-1.pdf"));
    assert!(report.contains("NBT-"));
    assert!(!report.contains("Chị Lan") && !report.contains("654 321"));
    let director = browser();
    sign_in(&director, &server, "qn.director").await;
    let inbox = page(&director, server.url("/console?urgency=urgent")).await;
    assert!(inbox.contains(&case), "urgent as the officer said");
    let revealed = director
        .post(server.url(&format!("/console/reports/{case}/identity")))
        .form(
            &crate::harness::console_form(
                &director,
                &server,
                &[("reason", "Gọi lại người báo tin để xác minh")],
            )
            .await,
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let name = element_text(&revealed, "revealed-name").unwrap_or_default();
    assert!(name.contains("Chị Lan"), "{name}");
    assert!(
        revealed.contains("0987") || revealed.contains("+84987654321"),
        "the number, revealed"
    );

    // The register names where it came from and who received it, with their rank and post on
    // the day: a promotion later does not rewrite the line.
    let (status, _) = title("trung_ta").await;
    assert_eq!(status, 200);
    let book = page(&duty, server.url("/console/register")).await;
    assert!(book.contains("Đơn, thư gửi qua bưu chính"), "{book}");
    assert!(book.contains("(Thiếu tá, Cán bộ trực ban)"), "{book}");
    assert!(!book.contains("Trung tá"));

    // The caller can follow it up with the code read out to them.
    let followed: Value = reqwest::Client::new()
        .get(server.url(&format!("/api/v1/reports/{case}/follow-up")))
        .header("X-Follow-Up-Code", &code)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(followed["case_number"], case.as_str());

    // Bad input comes back with why, and records nothing.
    let form = page(&duty, server.url("/console/capture")).await;
    let csrf = field_value(&form, "csrf").unwrap_or_default();
    let action = format!("/console/capture?csrf={csrf}");
    let later = duty
        .post(server.url(&action))
        .multipart(capture_form(&[
            ("channel", "phone"),
            ("received_date", "2099-01-01"),
            ("text", "Tin ghi trước"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(later.status(), 400);
    let page_back = later.text().await.unwrap();
    assert!(page_back.contains("không thể ở tương lai") && page_back.contains("Tin ghi trước"));
    let web = duty
        .post(server.url(&action))
        .multipart(capture_form(&[("channel", "web"), ("text", "x")]))
        .send()
        .await
        .unwrap();
    assert_eq!(web.status(), 400);
    let unknown_source = duty
        .post(server.url(&action))
        .multipart(capture_form(&[
            ("channel", "phone"),
            ("source", "rumour"),
            ("text", "Tin không rõ nguồn"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_source.status(), 400);
    assert!(
        unknown_source
            .text()
            .await
            .unwrap()
            .contains("Nguồn tin không hợp lệ")
    );

    // Administrators read no reports, so they record none.
    let refused = admin
        .get(server.url("/console/capture"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    server.stop().await;
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    assert_eq!(service.hotline.store.count_reports().await.unwrap(), 1);
    service.close().await;
}
