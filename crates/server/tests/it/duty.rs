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
    let now = page(&leader, server.url("/console/truc")).await;
    assert!(now.contains("Ai đang trực"));
    assert!(now.contains("Chưa có lịch trực"), "a gap is shown as one");
    let roster = page(&leader, server.url("/console/truc/don-vi?unit=22")).await;
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
    let (status, shown) = post(&leader, "/console/truc/mau", &too_long).await;
    assert_eq!(status, 400);
    assert!(shown.contains("Một ca dài từ vài phút đến 24 giờ"));
    let (status, shown) = post(&leader, "/console/truc/mau", &fields).await;
    assert_eq!(status, 200, "{shown}");
    assert!(shown.contains("Đã cập nhật lịch trực."));
    assert!(shown.contains("id=\"roster-patterns\""));
    assert!(
        shown.contains("id=\"roster-covered\""),
        "every moment covered"
    );

    let desk = browser();
    sign_in(&desk, &server, "qn.duty").await;
    let now = page(&desk, server.url("/console/truc")).await;
    assert!(now.contains("(qn.duty)"), "on duty now");
    let roster = page(&desk, server.url("/console/truc/don-vi?unit=22")).await;
    assert!(
        !roster.contains("id=\"new-pattern\""),
        "the desk reads, leaders change"
    );
    let (status, _) = post(&desk, "/console/truc/mau", &fields).await;
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
    let alerts = page(&desk, server.url("/console/canh-bao")).await;
    assert!(alerts.contains("id=\"alerts-pending\""), "{alerts}");
    assert!(alerts.contains(&case));
    let (status, shown) = post(&desk, "/console/canh-bao/nhan", &[("case", &case)]).await;
    assert_eq!(status, 200);
    assert!(shown.contains("cảnh báo dừng chuyển cấp"));
    assert!(shown.contains("id=\"alerts-done\""));
    let (status, _) = post(&desk, "/console/canh-bao/nhan", &[("case", &case)]).await;
    assert_eq!(status, 409, "once");
    let (status, _) = post(&leader, "/console/canh-bao/nhan", &[("case", &case)]).await;
    assert_eq!(status, 404, "only those alerted answer for it");
    let report = page(&desk, server.url(&format!("/console/reports/{case}"))).await;
    assert!(
        report.contains("Đã nhận cảnh báo khẩn"),
        "on the report's history"
    );

    let other = browser();
    sign_in(&other, &server, "ht.leader").await;
    let r = other
        .get(server.url("/console/truc/don-vi?unit=22"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "another province's roster is not theirs to see"
    );
    let (status, _) = post(&other, "/console/truc/mau", &fields).await;
    assert_eq!(status, 404);
    server.stop().await;
}
