//! The inbox: pages that do not shift, filters with counts, search within the filters, and
//! what an open inbox learns of new reports.

use crate::harness::{
    Backend, Data, Server, browser, cases_on, console_form, element_text, page, sign_in,
};
use hotline_domain::Role;
use serde_json::{Value, json};

fn next_href(html: &str) -> Option<String> {
    let at = html.find("rel=\"next\"")?;
    let before = &html[..at];
    let start = before.rfind("href=\"")? + "href=\"".len();
    let end = before[start..].find('"')? + start;
    Some(before[start..end].replace("&amp;", "&"))
}

#[tokio::test]
async fn the_inbox_pages_filters_counts_and_tells_of_new_reports() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    data.add_staff("bca.bot", Role::Handler, "bca").await;
    let integration = data.token("bca.bot").await;
    let server = Server::start(data.config()).await;
    let client = reqwest::Client::new();
    let submit = async |text: String| -> String {
        let created: Value = client
            .post(server.url("/api/v1/reports"))
            .bearer_auth(&integration)
            .json(&json!({"text": text, "province_code": 22}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        created["case_number"].as_str().unwrap().to_owned()
    };
    let mut sent = Vec::new();
    for i in 0..57 {
        let text = if i % 19 == 0 {
            format!("Cứu với, có cướp cầm dao ở chợ số {i}")
        } else {
            format!("Phản ánh lấn chiếm vỉa hè số {i}")
        };
        sent.push(submit(text).await);
    }

    let duty = browser();
    sign_in(&duty, &server, "qn.duty").await;
    let first = page(&duty, server.url("/console")).await;
    let shown = cases_on(&first);
    assert_eq!(shown.len(), 50);
    assert_eq!(shown[0], sent[56], "newest first");
    let next = next_href(&first).expect("a next page");
    // A report arriving now does not shift the next page.
    let late = submit("Tin đến muộn".into()).await;
    let second = page(&duty, server.url(&next)).await;
    let rest = cases_on(&second);
    assert_eq!(rest.len(), 7);
    assert_eq!(rest[0], sent[6]);
    assert!(!rest.contains(&late));
    assert!(next_href(&second).is_none(), "the last page");

    // Filters, with the number of reports for each choice.
    assert!(first.contains("(3)"), "three emergencies counted");
    let emergencies = page(&duty, server.url("/console?urgency=emergency")).await;
    assert_eq!(
        cases_on(&emergencies),
        [sent[38].clone(), sent[19].clone(), sent[0].clone()]
    );
    assert!(emergencies.contains("Bỏ lọc"));
    let by_urgency = page(&duty, server.url("/console?sort=urgency")).await;
    assert_eq!(
        cases_on(&by_urgency)[..3],
        [sent[38].clone(), sent[19].clone(), sent[0].clone()]
    );
    let none = page(&duty, server.url("/console?channel=web")).await;
    assert!(cases_on(&none).is_empty());
    let odd = duty
        .get(server.url("/console?urgency=%3Cscript%3E&after=x.y.z&from=hôm-qua"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        odd.status(),
        200,
        "values the console never offers are ignored"
    );

    // Search within the filters.
    let searched = duty
        .post(server.url("/console/search"))
        .form(&console_form(&duty, &server, &[("q", "cho"), ("urgency", "emergency")]).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(cases_on(&searched).len(), 3, "the market, emergencies only");

    // An open inbox asks what arrived since its newest report.
    let newest_shown = {
        let marker = "data-newest=\"";
        let at = first.find(marker).unwrap() + marker.len();
        first[at..].split('"').next().unwrap().to_owned()
    };
    let ask = async |after: &str| -> Value {
        duty.get(server.url(&format!("/console/inbox/updates?after={after}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let update = ask(&newest_shown).await;
    assert_eq!(
        (update["count"].as_i64(), update["urgent"].as_i64()),
        (Some(1), Some(0))
    );
    submit("Có người đang đánh nhau, cứu với".into()).await;
    let update = ask(&newest_shown).await;
    assert_eq!(
        (update["count"].as_i64(), update["urgent"].as_i64()),
        (Some(2), Some(1))
    );
    let anonymous = browser()
        .get(server.url("/console/inbox/updates?after=0"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 303, "staff only");
    server.stop().await;
}

#[tokio::test]
async fn a_report_is_handed_to_an_officer_who_can_read_it_and_shows_as_theirs() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let commune = hotline_domain::Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .code;
    let commune_unit = hotline_domain::UnitCode::commune(22, commune).to_string();
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    data.add_staff("xa.handler", Role::Handler, &commune_unit)
        .await;
    data.add_staff("ht.handler", Role::Handler, "42").await;
    let server = Server::start(data.config()).await;
    let submit = async |text: &str, commune: Option<u32>| -> String {
        let created: Value = reqwest::Client::new()
            .post(server.url("/api/v1/reports"))
            .json(&json!({"text": text, "province_code": 22, "commune_code": commune}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        created["case_number"].as_str().unwrap().to_owned()
    };
    let case = submit("Nhóm thanh niên tụ tập gây rối", None).await;
    let duty = browser();
    sign_in(&duty, &server, "qn.duty").await;
    let assign = async |client: &reqwest::Client, case: &str, to: &str| -> (u16, String) {
        let r = client
            .post(server.url(&format!("/console/reports/{case}/assign")))
            .form(&console_form(client, &server, &[("assignee", to)]).await)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    };
    let report = page(&duty, server.url(&format!("/console/reports/{case}"))).await;
    assert!(report.contains("value=\"qn.handler\"") && !report.contains("value=\"ht.handler\""));

    let (status, refused) = assign(&duty, &case, "ht.handler").await;
    assert_eq!(status, 400, "another province cannot take it");
    assert!(refused.contains("Không thể giao"));
    let (status, _) = assign(&duty, &case, "qn.handler").await;
    assert_eq!(status, 303);
    let report = page(&duty, server.url(&format!("/console/reports/{case}"))).await;
    assert!(report.contains("id=\"assignee\">qn.handler"));
    assert!(report.contains("Giao xử lý"), "the history says so");

    let handler = browser();
    sign_in(&handler, &server, "qn.handler").await;
    let mine = page(&handler, server.url("/console?assigned=mine")).await;
    assert_eq!(cases_on(&mine), std::slice::from_ref(&case));
    let (status, _) = assign(&handler, &case, "qn.handler").await;
    assert_eq!(status, 403, "handlers do not hand reports out");
    let unassigned = page(&duty, server.url("/console?assigned=unassigned")).await;
    assert!(!cases_on(&unassigned).contains(&case));

    // A report about the commune police is never handed to it.
    let about_commune = submit("Công an xã có thái độ hách dịch", Some(commune)).await;
    let before = page(
        &duty,
        server.url(&format!("/console/reports/{about_commune}")),
    )
    .await;
    assert!(
        !before.contains("value=\"xa.handler\""),
        "a report that reads as about the commune police is routed to the province, not to it"
    );
    let marked = duty
        .post(server.url(&format!("/console/reports/{about_commune}/police-conduct")))
        .form(&console_form(&duty, &server, &[("accused_unit", &commune_unit)]).await)
        .send()
        .await
        .unwrap();
    assert_eq!(marked.status(), 303);
    let (status, _) = assign(&duty, &about_commune, "xa.handler").await;
    assert_eq!(status, 400, "the accused unit cannot take it");
    server.stop().await;
}

#[tokio::test]
async fn a_report_is_handed_over_to_another_unit_with_a_reason() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let commune = hotline_domain::Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .code;
    let commune_unit = hotline_domain::UnitCode::commune(22, commune).to_string();
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    data.add_staff("ht.duty", Role::DutyOfficer, "42").await;
    let server = Server::start(data.config()).await;
    let created: Value = reqwest::Client::new()
        .post(server.url("/api/v1/reports"))
        .json(&json!({"text": "Lừa đảo qua mạng, đối tượng ở Hà Tĩnh", "province_code": 22}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = created["case_number"].as_str().unwrap().to_owned();
    let duty = browser();
    sign_in(&duty, &server, "qn.duty").await;
    let transfer = async |client: &reqwest::Client, case: &str, unit: &str, reason: &str| {
        let r = client
            .post(server.url(&format!("/console/reports/{case}/transfer")))
            .form(&console_form(client, &server, &[("unit", unit), ("reason", reason)]).await)
            .send()
            .await
            .unwrap();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        (
            r.status().as_u16(),
            location,
            r.text().await.unwrap_or_default(),
        )
    };
    let handler = browser();
    sign_in(&handler, &server, "qn.handler").await;
    let (status, _, _) = transfer(&handler, &case, "42", "Đối tượng cư trú tại Hà Tĩnh").await;
    assert_eq!(status, 403, "handlers do not hand reports over");
    let (status, _, page_back) = transfer(&duty, &case, "42", "vì").await;
    assert_eq!(status, 400);
    assert!(page_back.contains("ít nhất 10 ký tự"));
    let (status, _, _) = transfer(&duty, &case, "22", "Chuyển cho chính mình").await;
    assert_eq!(status, 400, "already this unit's");
    let (status, location, _) = transfer(
        &duty,
        &case,
        "42",
        "Đối tượng cư trú tại Hà Tĩnh, đề nghị xác minh",
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some("/console"),
        "out of Quảng Ninh's sight"
    );

    let ht = browser();
    sign_in(&ht, &server, "ht.duty").await;
    let inbox = page(&ht, server.url("/console?status=transferred")).await;
    assert_eq!(cases_on(&inbox), std::slice::from_ref(&case));
    let report = page(&ht, server.url(&format!("/console/reports/{case}"))).await;
    assert!(
        report.contains("Chuyển đơn vị"),
        "the handover is in the history"
    );
    // Its handover record, for both units to sign (R3, R6).
    let record_link = format!("/console/reports/{case}/handover/1");
    assert!(report.contains(&record_link));
    let record = page(&ht, server.url(&record_link)).await;
    assert!(record.contains("Biên bản giao nhận tin báo"));
    assert_eq!(
        element_text(&record, "handover-reason").as_deref(),
        Some("Đối tượng cư trú tại Hà Tĩnh, đề nghị xác minh")
    );
    assert!(
        element_text(&record, "handover-to")
            .unwrap()
            .contains("(42)")
    );
    let r = ht
        .get(server.url(&format!("/console/reports/{case}/handover/2")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "one transfer so far");
    let r = duty.get(server.url(&record_link)).send().await.unwrap();
    assert_eq!(r.status(), 404, "Quảng Ninh no longer sees the report");

    // A report about a commune police never goes to that commune.
    let created: Value = reqwest::Client::new()
        .post(server.url("/api/v1/reports"))
        .json(&json!({"text": "Công an xã nhận tiền", "province_code": 22}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let about = created["case_number"].as_str().unwrap().to_owned();
    let marked = duty
        .post(server.url(&format!("/console/reports/{about}/police-conduct")))
        .form(&console_form(&duty, &server, &[("accused_unit", &commune_unit)]).await)
        .send()
        .await
        .unwrap();
    assert_eq!(marked.status(), 303);
    let (status, _, page_back) =
        transfer(&duty, &about, &commune_unit, "Giao công an xã tự xác minh").await;
    assert_eq!(status, 400);
    assert!(page_back.contains("chính đơn vị bị phản ánh"));
    server.stop().await;

    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let entries = service.hotline.store.audit_entries(0, 1000).await.unwrap();
    service.close().await;
    assert!(entries.iter().any(|e| e.action == "report.transferred"
        && e.detail.contains("from=22 to=42")
        && e.detail.contains("xác minh")));
}
