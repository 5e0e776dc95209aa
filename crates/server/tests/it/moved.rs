//! Console paths renamed to the one naming rule still lead where they did.

use crate::harness::{Backend, Data, Server, browser, sign_in};
use hotline_domain::Role;

async fn location_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location)
}

#[tokio::test]
async fn old_console_paths_answer_308_to_their_new_names() {
    let Some(data) = Data::new(Backend::Sqlite).await else {
        return;
    };
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    let server = Server::start(data.config()).await;
    let client = browser();

    let get = |path: &str| client.get(server.url(path)).send();
    assert_eq!(
        location_of(
            get("/console/truc/don-vi?unit=22&from=2026-03-02")
                .await
                .unwrap()
        )
        .await,
        (
            308,
            "/console/duty/roster?unit=22&from=2026-03-02".to_owned()
        )
    );
    assert_eq!(
        location_of(
            get("/console/reports/QNH-2026-000001/giao-nhan/1")
                .await
                .unwrap()
        )
        .await,
        (
            308,
            "/console/reports/QNH-2026-000001/handover/1".to_owned()
        )
    );
    // A parameter goes back into the path as it came, still encoded: it cannot add segments.
    assert_eq!(
        location_of(get("/console/admin/danh-ba/a%2F%2Fb/nhung").await.unwrap()).await,
        (
            308,
            "/console/admin/directory/a%2F%2Fb/frame-origins".to_owned()
        )
    );
    // Nor can it climb the path: a segment of dots is not one an old link held.
    let (status, _) = location_of(get("/console/reports/%2E%2E/bien-ban").await.unwrap()).await;
    assert_eq!(status, 404);
    // A form posted to an old path is sent on with its method (308, not 303).
    let posted = client
        .post(server.url("/console/canh-bao/nhan"))
        .form(&[("alert", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        location_of(posted).await,
        (308, "/console/alerts/acknowledge".to_owned())
    );

    // Followed, an old bookmark opens the page under its new name.
    sign_in(&client, &server, "qn.duty").await;
    let (status, location) = location_of(get("/console/truc").await.unwrap()).await;
    assert_eq!((status, location.as_str()), (308, "/console/duty"));
    let duty = client.get(server.url(&location)).send().await.unwrap();
    assert_eq!(duty.status(), 200);
    let duty = duty.text().await.unwrap();
    assert!(
        duty.contains("/console/duty/roster?unit="),
        "the duty page lists the units' rosters: {duty}"
    );
    server.stop().await;
}
