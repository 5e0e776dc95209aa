//! The permission matrix: every console and API route that touches a report, for every role,
//! in the report's own unit and in another province, against the rule each role is given; and
//! reports about police conduct, hidden from the accused unit and those below it.

use crate::harness::{
    Backend, Data, Server, browser, console_form, multipart_of, page, report_form, sign_in,
};
use hotline_domain::{Role, UnitCode};
use serde_json::{Value, json};

const ROLES: [Role; 7] = [
    Role::Administrator,
    Role::Director,
    Role::UnitLeader,
    Role::DutyOfficer,
    Role::Handler,
    Role::Inspector,
    Role::Auditor,
];

/// A word only the matrix's report holds, for search.
const MARKER: &str = "Ma trận quyền: trộm két sắt";

struct Member {
    username: String,
    role: Role,
    /// Whether the member's unit holds the report (or is above it).
    in_scope: bool,
    client: reqwest::Client,
    token: String,
}

impl Member {
    fn sees(&self) -> bool {
        self.in_scope && self.role.report_scope() != hotline_domain::staff::ReportScope::None
    }
}

async fn status_of(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.unwrap().status().as_u16()
}

fn found(body: &str, case: &str) -> bool {
    body.contains(case)
}

async fn matrix(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    let mut wanted = Vec::new();
    for role in ROLES {
        for (place, unit, in_scope) in [("own", "22", true), ("other", "42", false)] {
            let username = format!("{place}.{}", role.as_str().replace('_', "-"));
            data.add_staff(&username, role, unit).await;
            wanted.push((username, role, in_scope));
        }
    }
    data.add_staff("bca.director", Role::Director, "bca").await;
    wanted.push(("bca.director".into(), Role::Director, true));
    let mut tokens = Vec::new();
    for (username, _, _) in &wanted {
        tokens.push(data.token(username).await);
    }
    let server = Server::start(data.config()).await;

    // The report: in Quảng Ninh, with a contact and a file.
    let citizen = browser();
    let fields = report_form(
        &citizen,
        &server,
        &[
            ("text", MARKER),
            ("province_code", "22"),
            ("identity", "contact"),
            ("name", "Người Làm Chứng"),
            ("phone", "0912 345 678"),
        ],
    )
    .await;
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF".to_vec();
    let form = multipart_of(fields).part(
        "files",
        reqwest::multipart::Part::bytes(pdf).file_name("bien-ban.pdf"),
    );
    let receipt = citizen
        .post(server.url("/gui-tin-bao"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(receipt.status(), 201);
    let case = crate::harness::element_text(&receipt.text().await.unwrap(), "case-number").unwrap();

    let mut members = Vec::new();
    for ((username, role, in_scope), token) in wanted.into_iter().zip(tokens) {
        let client = browser();
        sign_in(&client, &server, &username).await;
        members.push(Member {
            username,
            role,
            in_scope,
            client,
            token,
        });
    }
    let report_path = format!("/console/reports/{case}");
    let director = &members[2];
    assert_eq!(director.username, "own.director");
    let shown = page(&director.client, server.url(&report_path)).await;
    let file = shown
        .split(&format!("{report_path}/files/"))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();

    let inline_pdf = director
        .client
        .get(server.url(&format!("{report_path}/files/{file}/view")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        inline_pdf.status(),
        404,
        "a PDF is never shown inside a page"
    );

    let mut wrong = Vec::new();
    for m in &members {
        let c = &m.client;
        let sees = m.sees();
        let hidden = |yes: u16| if sees { yes } else { 404 };
        let cleared = |may: bool, yes: u16| match (may, sees) {
            (false, _) => 403,
            (true, true) => yes,
            (true, false) => 404,
        };
        let search = c
            .post(server.url("/console/search"))
            .form(&console_form(c, &server, &[("q", "trom ket sat")]).await)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let api_search: Value = c
            .get(server.url("/api/v1/search?q=ket%20sat"))
            .bearer_auth(&m.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let api_list = c
            .get(server.url("/api/v1/reports?limit=500"))
            .bearer_auth(&m.token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let inbox = page(c, server.url("/console")).await;
        let checks: Vec<(&str, u16, u16)> = vec![
            (
                "inbox lists it",
                u16::from(found(&inbox, &case)),
                u16::from(sees),
            ),
            (
                "API list holds it",
                u16::from(found(&api_list, &case)),
                u16::from(sees),
            ),
            (
                "GET /console",
                status_of(c.get(server.url("/console"))).await,
                200,
            ),
            (
                "GET report page",
                status_of(c.get(server.url(&report_path))).await,
                hidden(200),
            ),
            (
                "GET file",
                status_of(c.get(server.url(&format!("{report_path}/files/{file}")))).await,
                hidden(200),
            ),
            (
                "GET /api/v1/reports/{case}",
                status_of(
                    c.get(server.url(&format!("/api/v1/reports/{case}")))
                        .bearer_auth(&m.token),
                )
                .await,
                hidden(200),
            ),
            (
                "search finds it",
                u16::from(found(&search, &case)),
                u16::from(sees),
            ),
            (
                "API search finds it",
                u16::from(found(&api_search.to_string(), &case)),
                u16::from(sees),
            ),
            (
                "POST identity",
                status_of(c.post(server.url(&format!("{report_path}/identity"))).form(
                    &console_form(c, &server, &[("reason", "Xác minh theo yêu cầu vụ án")]).await,
                ))
                .await,
                cleared(m.role.may_reveal_identity(), 200),
            ),
            (
                "POST legal-hold",
                status_of(
                    c.post(server.url(&format!("{report_path}/legal-hold")))
                        .form(
                            &console_form(
                                c,
                                &server,
                                &[
                                    ("hold", "1"),
                                    ("reason", "Giữ theo yêu cầu của Viện kiểm sát"),
                                ],
                            )
                            .await,
                        ),
                )
                .await,
                cleared(m.role.may_place_legal_hold(), 303),
            ),
            (
                "POST reply",
                status_of(
                    c.post(server.url(&format!("{report_path}/reply")))
                        .form(&console_form(c, &server, &[("text", "Đã tiếp nhận.")]).await),
                )
                .await,
                hidden(303),
            ),
            (
                "POST /api/v1/reports/{case}/replies",
                status_of(
                    c.post(server.url(&format!("/api/v1/reports/{case}/replies")))
                        .bearer_auth(&m.token)
                        .json(&json!({"text": "Đã tiếp nhận."})),
                )
                .await,
                hidden(201),
            ),
            (
                "POST triage",
                status_of(
                    c.post(server.url(&format!("{report_path}/triage")))
                        .form(&console_form(c, &server, &[("urgency", "normal")]).await),
                )
                .await,
                hidden(303),
            ),
            (
                "POST notes",
                status_of(
                    c.post(server.url(&format!("{report_path}/notes")))
                        .form(&console_form(c, &server, &[("text", "Đã xác minh.")]).await),
                )
                .await,
                hidden(303),
            ),
            (
                "POST assign (nobody)",
                status_of(
                    c.post(server.url(&format!("{report_path}/assign")))
                        .form(&console_form(c, &server, &[("assignee", "")]).await),
                )
                .await,
                cleared(m.role.may_assign(), 303),
            ),
            (
                // Into itself: refused on its merits (400) once role and scope allow it, so
                // the report stays as it is for the next member.
                "POST merge",
                status_of(
                    c.post(server.url(&format!("{report_path}/merge")))
                        .form(&console_form(c, &server, &[("into", &case)]).await),
                )
                .await,
                cleared(m.role.may_assign(), 400),
            ),
            (
                // The matrix's report is not classified: refused on its merits where seen.
                "POST steps",
                status_of(
                    c.post(server.url(&format!("{report_path}/steps")))
                        .form(&console_form(c, &server, &[("action", "accept")]).await),
                )
                .await,
                hidden(400),
            ),
            (
                "POST /api/v1/reports/{case}/steps",
                status_of(
                    c.post(server.url(&format!("/api/v1/reports/{case}/steps")))
                        .bearer_auth(&m.token)
                        .json(&json!({"action": "accept", "grounds": "Thụ lý theo quy định."})),
                )
                .await,
                // A step out of turn (not classified): 409 on the API.
                hidden(409),
            ),
            (
                "POST notices/{id} (none drafted)",
                status_of(
                    c.post(server.url(&format!("{report_path}/notices/1")))
                        .form(&console_form(c, &server, &[("via", "Công văn số 1")]).await),
                )
                .await,
                hidden(400),
            ),
            (
                "GET receipt record",
                status_of(c.get(server.url(&format!("{report_path}/receipt-record")))).await,
                hidden(200),
            ),
            (
                "GET Quảng Ninh's register",
                status_of(c.get(server.url("/console/register?unit=22"))).await,
                if sees { 200 } else { 403 },
            ),
            (
                "GET handover record (no transfer yet)",
                status_of(c.get(server.url(&format!("{report_path}/handover/1")))).await,
                404,
            ),
            (
                "GET routing table",
                status_of(c.get(server.url("/console/admin/routing"))).await,
                if m.role == Role::Administrator {
                    200
                } else {
                    403
                },
            ),
            (
                "GET channel accounts",
                status_of(c.get(server.url("/console/admin/channels"))).await,
                if m.role == Role::Administrator {
                    200
                } else {
                    403
                },
            ),
            (
                "GET who is on duty",
                status_of(c.get(server.url("/console/duty"))).await,
                if m.role == Role::Auditor { 403 } else { 200 },
            ),
            (
                "GET Quảng Ninh's roster",
                status_of(c.get(server.url("/console/duty/roster?unit=22"))).await,
                if m.in_scope { 200 } else { 404 },
            ),
            (
                // No officer named: refused on its merits where role and scope allow it.
                "POST Quảng Ninh's roster",
                status_of(
                    c.post(server.url("/console/duty/patterns"))
                        .form(&console_form(c, &server, &[("unit", "22")]).await),
                )
                .await,
                match (
                    m.in_scope,
                    matches!(m.role, Role::Director | Role::UnitLeader),
                ) {
                    (false, _) => 404,
                    (true, false) => 403,
                    (true, true) => 400,
                },
            ),
            (
                "GET digest",
                status_of(c.get(server.url("/console/digest?days=7"))).await,
                if matches!(m.role, Role::Director | Role::UnitLeader | Role::Inspector) {
                    200
                } else {
                    403
                },
            ),
            (
                "GET alerts",
                status_of(c.get(server.url("/console/alerts"))).await,
                200,
            ),
            (
                "GET own notification settings",
                status_of(c.get(server.url("/console/notifications"))).await,
                200,
            ),
            (
                "GET reveal log",
                status_of(c.get(server.url("/console/reveal-log"))).await,
                if m.role.may_read_reveal_log() {
                    200
                } else {
                    403
                },
            ),
        ];
        for (route, got, expected) in checks {
            if got != expected {
                wrong.push(format!(
                    "{} {route}: {got}, expected {expected}",
                    m.username
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    server.stop().await;
}

#[tokio::test]
async fn every_route_for_every_role_in_and_out_of_scope_on_sqlite() {
    matrix(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_route_for_every_role_in_and_out_of_scope_on_postgres() {
    matrix(Backend::Postgres).await;
}

/// A report about police conduct leaves the sight of the accused unit and every unit below it,
/// and stays in the sight of those above.
async fn police_conduct(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    let commune = hotline_domain::Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .code;
    let commune_unit = UnitCode::commune(22, commune).to_string();
    for (username, role, unit) in [
        ("xa.handler", Role::Handler, commune_unit.as_str()),
        ("xa.leader", Role::UnitLeader, commune_unit.as_str()),
        ("qn.director", Role::Director, "22"),
        ("qn.inspector", Role::Inspector, "22"),
        ("qn.duty", Role::DutyOfficer, "22"),
        ("bca.inspector", Role::Inspector, "bca"),
    ] {
        data.add_staff(username, role, unit).await;
    }
    let server = Server::start(data.config()).await;
    let submit = async |text: &str| {
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
    let about_commune = submit("Cán bộ công an xã đòi tiền khi làm giấy tờ").await;
    let about_director = submit("Giám đốc công an tỉnh bao che cho cấp dưới").await;

    let duty = browser();
    sign_in(&duty, &server, "qn.duty").await;
    let mark = async |case: &str, unit: &str| {
        duty.post(server.url(&format!("/console/reports/{case}/police-conduct")))
            .form(&console_form(&duty, &server, &[("accused_unit", unit)]).await)
            .send()
            .await
            .unwrap()
    };
    let marked = mark(&about_commune, &commune_unit).await;
    assert_eq!(marked.status(), 303);
    assert_eq!(
        marked.headers()["location"],
        format!("/console/reports/{about_commune}"),
        "the province's duty officer still reads it"
    );
    let shown = page(
        &duty,
        server.url(&format!("/console/reports/{about_commune}")),
    )
    .await;
    assert!(shown.contains("id=\"police-conduct\""));
    let marked = mark(&about_director, "22").await;
    assert_eq!(marked.status(), 303);
    assert_eq!(
        marked.headers()["location"],
        "/console",
        "out of the duty officer's sight"
    );

    for (username, sees_commune_case, sees_director_case) in [
        ("xa.handler", false, false),
        ("xa.leader", false, false),
        ("qn.director", true, false),
        ("qn.inspector", true, false),
        ("qn.duty", true, false),
        ("bca.inspector", true, true),
    ] {
        let client = if username == "qn.duty" {
            duty.clone()
        } else {
            let client = browser();
            sign_in(&client, &server, username).await;
            client
        };
        for (case, sees) in [
            (&about_commune, sees_commune_case),
            (&about_director, sees_director_case),
        ] {
            let r = client
                .get(server.url(&format!("/console/reports/{case}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status() == 200, sees, "{username} reading {case}");
            let inbox = page(&client, server.url("/console")).await;
            assert_eq!(
                inbox.contains(case.as_str()),
                sees,
                "{username}'s inbox, {case}"
            );
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn police_conduct_is_hidden_from_the_accused_unit_on_sqlite() {
    police_conduct(Backend::Sqlite).await;
}

#[tokio::test]
async fn police_conduct_is_hidden_from_the_accused_unit_on_postgres() {
    police_conduct(Backend::Postgres).await;
}
