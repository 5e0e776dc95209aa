//! The telephone line end to end: the PBX's call events (JSON and form-encoded) at
//! `/hooks/cti/<token>` or `/hooks/cti` with the token in `Authorization` become call records on the caller's report, a missed call waits on
//! the callback queue until someone calls back, and the duty console hears of a ringing call
//! with the caller's pseudonym and open reports, never the number.

use crate::channels::{eventually, fixture, journalled};
use crate::harness::{Backend, Data, Server, api_list, browser, console_form, page, sign_in};
use hotline_domain::Role;
use serde_json::Value;

const TOKEN: &str = "DemoCtiToken0000000000000";

/// Posts a call event with the line's token in the path, as PBXs that cannot set a header do.
async fn post(server: &Server, token: &str, body: &[u8], form: bool) -> (u16, String) {
    send(server, &format!("/hooks/cti/{token}"), None, body, form).await
}

/// Posts a call event to `/hooks/cti` with the token, when given, in `Authorization`.
async fn post_with_header(
    server: &Server,
    token: Option<&str>,
    body: &[u8],
    form: bool,
) -> (u16, String) {
    send(server, "/hooks/cti", token, body, form).await
}

async fn send(
    server: &Server,
    path: &str,
    token: Option<&str>,
    body: &[u8],
    form: bool,
) -> (u16, String) {
    let mut request = reqwest::Client::new().post(server.url(path));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request
        .header(
            "content-type",
            if form {
                "application/x-www-form-urlencoded"
            } else {
                "application/json"
            },
        )
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Quảng Ninh's telephone exchange, as its administrator connects it.
fn quang_ninh_pbx(settings: &[(String, String)]) -> hotline_core::channels::AccountInput<'_> {
    hotline_core::channels::AccountInput {
        platform: "cti",
        name: "qn-pbx",
        unit: "22",
        settings,
        api_base: None,
    }
}

async fn calls_are_recorded_and_missed_ones_wait_for_a_callback(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.truc", Role::DutyOfficer, "22").await;
    data.add_staff("ht.truc", Role::DutyOfficer, "42").await;
    data.add_staff("bca.director", Role::Director, "bca").await;
    let token = data.token("bca.director").await;
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let settings = vec![("token".to_owned(), TOKEN.to_owned())];
    let input = quang_ninh_pbx(&settings);
    let view = service
        .hotline
        .add_channel_account(None, &input)
        .await
        .unwrap();
    assert_eq!(
        view.webhook_path, "/hooks/cti/<token>",
        "the token is never shown"
    );
    let short = vec![("token".to_owned(), "short".to_owned())];
    let weak = hotline_core::channels::AccountInput {
        name: "qn-pbx-2",
        settings: &short,
        ..input.clone()
    };
    assert!(
        service
            .hotline
            .add_channel_account(None, &weak)
            .await
            .is_err()
    );
    service.close().await;
    let server = Server::start(data.config()).await;
    let base = server.url("");
    let base = base.trim_end_matches('/').to_owned();

    // An unknown token: 404, nothing kept.
    let new_call = fixture("cti/new_call.json");
    assert_eq!(
        post(&server, "WrongToken000000000000000", &new_call, false)
            .await
            .0,
        404
    );
    assert_eq!(journalled(&data).await, 0);

    // A call answered and ended: recorded on a new report, the caller's number sealed.
    for name in ["new_call.json", "answer.json", "hangup.json"] {
        let (status, body) = post(&server, TOKEN, &fixture(&format!("cti/{name}")), false).await;
        assert_eq!((status, body.as_str()), (200, "{}"), "{name}");
    }
    let list = async || api_list(&base, "/api/v1/reports", &token).await;
    let mut case = String::new();
    eventually("the call's report", async || {
        if let Some(report) = list().await["items"].as_array().unwrap().first() {
            case = report["case_number"].as_str().unwrap().to_owned();
        }
        !case.is_empty()
    })
    .await;
    let document =
        async |case: &str| api_list(&base, &format!("/api/v1/reports/{case}"), &token).await;
    eventually("the call recorded", async || {
        document(&case).await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["text"].as_str().unwrap().contains("người nghe: nam.hv"))
    })
    .await;
    let report = document(&case).await;
    assert_eq!(report["channel"], "phone");
    let shown = report.to_string();
    assert!(!shown.contains("84912345678") && !shown.contains("0912 345 678"));
    let pseudonym = report["reporter"].as_str().unwrap().to_owned();

    // The same caller rings again: the duty console's screen-pop names their pseudonym and
    // their open report, never the number; another province's officer hears nothing of it.
    let ring = String::from_utf8(new_call.clone())
        .unwrap()
        .replace("6f1d2c3b-4a59-4e7f-8b21-0c9d8e7f6a5b", "second-call");
    assert_eq!(post(&server, TOKEN, ring.as_bytes(), false).await.0, 200);
    let officer = browser();
    sign_in(&officer, &server, "qn.truc").await;
    let live = async |who: &reqwest::Client| -> Value {
        who.get(server.url("/console/calls"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    eventually("the screen-pop", async || {
        live(&officer)
            .await
            .as_array()
            .is_some_and(|calls| !calls.is_empty())
    })
    .await;
    let pop = live(&officer).await;
    assert_eq!(pop[0]["reporter"], pseudonym.as_str());
    assert_eq!(pop[0]["open_reports"][0], case.as_str());
    assert_eq!(pop[0]["answered"], false);
    assert!(!pop.to_string().contains("912345678"));
    let inbox = page(&officer, server.url("/console")).await;
    assert!(inbox.contains("id=\"call-pop\""));
    let other = browser();
    sign_in(&other, &server, "ht.truc").await;
    assert_eq!(live(&other).await, Value::Array(Vec::new()));

    // The officer who took the first call records what was said, with the recording: quick
    // capture offers the call, and the record goes on its report (the number came with it).
    let form = page(&officer, server.url("/console/capture")).await;
    assert!(form.contains("name=\"call\""), "{form}");
    let call_option = form
        .split("<option value=\"")
        .filter_map(|o| o.split_once("\">"))
        .find(|(_, label)| label.contains(&case))
        .map(|(id, _)| id.to_owned())
        .unwrap();
    let action = {
        let at = form.find("action=\"/console/capture?csrf=").unwrap() + "action=\"".len();
        form[at..].split('"').next().unwrap().to_owned()
    };
    let recording = std::fs::read(format!(
        "{}/../../fixtures/evidence/tagged.m4a",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let fields = [
        ("call", call_option.as_str()),
        ("channel", "phone"),
        (
            "text",
            "Người gọi báo nhóm thanh niên tụ tập đua xe ở đường Trần Phú.",
        ),
    ];
    let form = fields
        .iter()
        .fold(reqwest::multipart::Form::new(), |form, (k, v)| {
            form.text((*k).to_owned(), (*v).to_owned())
        })
        .part(
            "files",
            reqwest::multipart::Part::bytes(recording).file_name("ghi-am.m4a"),
        );
    let recorded = officer
        .post(server.url(&action))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(recorded.status().as_u16(), 201);
    let shown = recorded.text().await.unwrap();
    assert!(
        shown.contains("id=\"call-recorded\"") && shown.contains(&case),
        "{shown}"
    );
    let report_page = page(&officer, server.url(&format!("/console/reports/{case}"))).await;
    assert!(report_page.contains("đua xe ở đường Trần Phú"));
    assert!(
        report_page.contains("<audio controls"),
        "the recording plays in the console"
    );
    assert!(
        !report_page.contains("event-report"),
        "every event named in words"
    );
    assert!(
        report_page.contains("Người báo tin đọc được câu trả lời này khi tra cứu"),
        "a call is answered on the follow-up page, not by the exchange"
    );
    assert_eq!(
        list().await["items"].as_array().unwrap().len(),
        1,
        "no new report"
    );

    // A missed call, form-encoded, from a withheld number at night: on the callback queue.
    let form = String::from_utf8(fixture("cti/new_call_form.txt")).unwrap();
    let body = form
        .split("\r\n\r\n")
        .nth(1)
        .unwrap()
        .trim()
        .replace("from=84912345678", "from=anonymous")
        .replace("6f1d2c3b-4a59-4e7f-8b21-0c9d8e7f6a5b", "missed-call");
    // This PBX sends its token in a header, out of the address (and proxies' access logs).
    let by_header = async |token: Option<&str>, body: &str| {
        post_with_header(&server, token, body.as_bytes(), true)
            .await
            .0
    };
    assert_eq!(by_header(None, &body).await, 401);
    assert_eq!(
        by_header(Some("WrongToken000000000000000"), &body).await,
        401
    );
    assert_eq!(by_header(Some(TOKEN), &body).await, 200);
    let hangup =
        "event=hangup&from=anonymous&to=02083851234&direction=in&callId=missed-call&cause=noAnswer";
    assert_eq!(by_header(Some(TOKEN), hangup).await, 200);
    // Delivered again, as PBX scripts retry: nothing doubles.
    assert_eq!(by_header(Some(TOKEN), hangup).await, 200);
    eventually("on the callback queue", async || {
        page(&officer, server.url("/console/callbacks"))
            .await
            .contains("id=\"callbacks\"")
    })
    .await;
    let queue = page(&officer, server.url("/console/callbacks")).await;
    assert!(queue.contains("Cuộc gọi nhỡ chờ gọi lại"));
    let id = queue
        .split("id=\"callback-")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert_eq!(queue.matches("id=\"callback-").count(), 1, "{queue}");
    let theirs = page(&other, server.url("/console/callbacks")).await;
    assert!(theirs.contains("id=\"callbacks-none\""), "not theirs");
    let call_back = async |who: &reqwest::Client, outcome: &str| {
        who.post(server.url("/console/callbacks"))
            .form(&console_form(who, &server, &[("id", &id), ("outcome", outcome)]).await)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(
        call_back(&other, "reached").await,
        404,
        "another province's call"
    );
    assert_eq!(call_back(&officer, "no_answer").await, 200);
    let queue = page(&officer, server.url("/console/callbacks")).await;
    assert!(
        queue.contains(&format!("id=\"callback-{id}\"")),
        "still waiting"
    );
    assert_eq!(call_back(&officer, "reached").await, 200);
    let queue = page(&officer, server.url("/console/callbacks")).await;
    assert!(
        queue.contains("id=\"callbacks-none\""),
        "called back: off the queue"
    );
    assert_eq!(call_back(&officer, "reached").await, 404, "once");
    // The missed call's report says so, once.
    let reports = list().await;
    let missed = reports["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["case_number"].as_str().unwrap().to_owned())
        .find(|c| *c != case)
        .unwrap();
    let texts: Vec<String> = document(&missed).await["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        texts.iter().filter(|t| t.contains("Cuộc gọi nhỡ")).count(),
        1,
        "{texts:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn calls_are_recorded_and_missed_ones_wait_for_a_callback_on_sqlite() {
    calls_are_recorded_and_missed_ones_wait_for_a_callback(Backend::Sqlite).await;
}

#[tokio::test]
async fn calls_are_recorded_and_missed_ones_wait_for_a_callback_on_postgres() {
    calls_are_recorded_and_missed_ones_wait_for_a_callback(Backend::Postgres).await;
}

/// A number that rings (or is spoofed) shows the caller's other reports only to members who
/// may reveal identities: the list is a search by that number (issue 25, finding 12).
#[tokio::test]
async fn a_ringing_number_shows_its_other_reports_only_to_members_who_may_reveal() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.truc", Role::DutyOfficer, "22").await;
    data.add_staff("qn.director", Role::Director, "22").await;
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let settings = vec![("token".to_owned(), TOKEN.to_owned())];
    service
        .hotline
        .add_channel_account(None, &quang_ninh_pbx(&settings))
        .await
        .unwrap();
    service.close().await;
    let server = Server::start(data.config()).await;
    // Reports from the same number: its case number.
    let report = async |text: &str, province: u32| -> String {
        let created: Value = reqwest::Client::new()
            .post(server.url("/api/v1/reports"))
            .json(&serde_json::json!({"text": text, "province_code": province,
                                      "contact": {"phone": "0912 345 678"}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        created["case_number"].as_str().unwrap().to_owned()
    };
    let mut cases = Vec::new();
    for text in ["Trộm xe máy trước cổng chợ", "Lại mất trộm ở chợ đêm qua"] {
        cases.push(report(text, 22).await);
    }
    // The same number's newest report is in Hà Nội: a call to Quảng Ninh's line, whose number
    // anyone can spoof, never goes onto it.
    let elsewhere = report("Tố cáo cán bộ phường nhận tiền", 1).await;
    assert_eq!(
        post(&server, TOKEN, &fixture("cti/new_call.json"), false)
            .await
            .0,
        200
    );
    let live = async |who: &reqwest::Client| -> Value {
        let mut calls = Value::Null;
        eventually("the screen-pop", async || {
            calls = who
                .get(server.url("/console/calls"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            calls.as_array().is_some_and(|c| !c.is_empty())
        })
        .await;
        calls
    };
    let duty = browser();
    sign_in(&duty, &server, "qn.truc").await;
    let pop = live(&duty).await;
    let shown: Vec<&str> = pop[0]["open_reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        shown,
        [cases[1].as_str()],
        "the call's own report only: the newest in the line's province"
    );
    let director = browser();
    sign_in(&director, &server, "qn.director").await;
    let pop = live(&director).await;
    let shown = pop[0]["open_reports"].to_string();
    assert!(
        shown.contains(&cases[0]) && shown.contains(&cases[1]) && !shown.contains(&elsewhere),
        "{shown}"
    );
    server.stop().await;
}
