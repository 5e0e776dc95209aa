//! New reports land where the routing table in force on their day sends them, and a report
//! about an officer is never left with the accused: on SQLite and PostgreSQL.

use crate::harness::{
    Backend, Data, Server, actor, api_report, api_report_at, browser, page, sign_in,
};
use chrono::TimeZone;
use hotline_core::Submission;
use hotline_domain::{Channel, Gazetteer, ReportInput, Role};
use hotline_server::Service;
use serde_json::Value;

async fn routed(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    let commune = Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .code;
    let commune_unit = format!("22/{commune}");
    data.add_staff("bca.admin", Role::Administrator, "bca")
        .await;
    data.add_staff("bca.director", Role::Director, "bca").await;
    data.add_staff("xa.duty", Role::DutyOfficer, &commune_unit)
        .await;
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    let service = Service::open(&data.config()).await.unwrap();
    let admin = actor(&service, "bca.admin").await;
    for (suffix, name) in [
        ("pc01", "Cơ quan CSĐT (demo)"),
        ("pc04", "Phòng PC04 (demo)"),
    ] {
        service
            .hotline
            .create_department(&admin, "22", suffix, name)
            .await
            .unwrap();
    }
    // A theft told to the desk, dated in each period of the reform.
    let theft = "Tôi bị trộm mất xe máy trước cửa nhà, kẻ trộm bẻ khóa dắt đi";
    let mut backdated = Vec::new();
    for (y, m, d) in [(2025, 2, 20), (2025, 5, 20), (2025, 8, 20)] {
        let mut submission = Submission::new(
            ReportInput {
                text: theft.into(),
                province_code: Some(22),
                commune_code: Some(commune),
                ..ReportInput::default()
            },
            Channel::Capture,
        );
        submission.received_at = Some(chrono::Utc.with_ymd_and_hms(y, m, d, 2, 0, 0).unwrap());
        let done = service.hotline.submit(submission).await.unwrap();
        backdated.push(done.case_number.to_string());
    }
    service.close().await;
    let token = data.token("bca.director").await;
    let server = Server::start(data.config()).await;
    let unit_of = async |case: &str| -> String {
        let document: Value = reqwest::Client::new()
            .get(server.url(&format!("/api/v1/reports/{case}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        document["unit"].as_str().unwrap().to_owned()
    };
    let submit = async |text: &str| api_report_at(&server, text, 22, Some(commune)).await.0;
    let units: Vec<String> = {
        let mut units = Vec::new();
        for case in &backdated {
            units.push(unit_of(case).await);
        }
        units
    };
    assert_eq!(
        units,
        ["22", "22-pc01", commune_unit.as_str()],
        "district police gone (its successor), the provincial investigation body, the commune"
    );
    assert_eq!(unit_of(&submit(theft).await).await, commune_unit);
    let drugs = submit("Có nhóm người mua bán ma túy đá ở căn nhà cuối hẻm, ra vào suốt đêm").await;
    assert_eq!(unit_of(&drugs).await, "22-pc04");
    let noise = submit("Quán karaoke hát to đến 2 giờ sáng, cả xóm không ngủ được").await;
    assert_eq!(unit_of(&noise).await, commune_unit);
    // About the commune police: never in its inbox.
    let conduct = submit("Cán bộ công an xã đòi tiền mới giải quyết giấy tờ cho dân").await;
    assert_eq!(unit_of(&conduct).await, "22");
    let (elsewhere, _) = api_report(&server, "Mất ví ở bến xe, trong ví có giấy tờ", 42).await;
    assert_eq!(unit_of(&elsewhere).await, "42");
    // The province's departments are places to hand a report to, or to name as accused.
    let desk = browser();
    sign_in(&desk, &server, "qn.duty").await;
    let shown = page(&desk, server.url(&format!("/console/reports/{noise}"))).await;
    let offered = |select: &str| {
        shown
            .split(&format!("name=\"{select}\""))
            .nth(1)
            .and_then(|rest| rest.split("</select>").next())
            .is_some_and(|options| options.contains("value=\"22-pc04\""))
    };
    assert!(offered("unit"), "transfer to the drug police");
    assert!(offered("accused_unit"), "the drug police as accused");
    server.stop().await;
}

#[tokio::test]
async fn reports_are_routed_by_the_table_in_force_on_sqlite() {
    routed(Backend::Sqlite).await;
}

#[tokio::test]
async fn reports_are_routed_by_the_table_in_force_on_postgres() {
    routed(Backend::Postgres).await;
}
