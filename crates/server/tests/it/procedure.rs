//! A report walked through its legal procedure: through the API with tokens, and on the
//! console's report page, on SQLite and PostgreSQL.

use crate::harness::{
    Backend, Data, Server, api_report, browser, console_form, page, run_cli, sign_in, stderr_of,
    stdout_of,
};
use hotline_domain::Role;
use serde_json::{Value, json};

/// Posts JSON with a token; the status and the answer.
async fn post(server: &Server, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(server.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// A decision dated today in Vietnam: the server counts the complaint's fifteen days from it.
fn decision(action: &str, number: &str) -> Value {
    let today = hotline_domain::Clock::now(&hotline_domain::SystemClock)
        .with_timezone(&hotline_domain::VIETNAM)
        .date_naive();
    json!({
        "action": action,
        "number": number,
        "decided_on": today.to_string(),
        "signer": "Thủ trưởng Cơ quan CSĐT (demo)",
        "grounds": "Căn cứ kết quả kiểm tra, xác minh ban đầu (demo)."
    })
}

fn note(action: &str) -> Value {
    json!({"action": action, "grounds": "Đã thực hiện theo quy định (demo)."})
}

async fn walked(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    data.add_staff("qn.head", Role::UnitLeader, "22").await;
    data.add_staff("ht.head", Role::UnitLeader, "42").await;
    data.add_staff("qn.deputy", Role::UnitLeader, "22").await;
    let duty = data.token("qn.duty").await;
    let head = data.token("qn.head").await;
    let deputy = data.token("qn.deputy").await;
    let elsewhere = data.token("ht.head").await;
    let server = Server::start(data.config()).await;
    let (case, code) = api_report(&server, "Bị trộm điện thoại ở bến xe", 22).await;
    let steps = format!("/api/v1/reports/{case}/steps");

    let (status, _) = post(&server, &head, &steps, decision("accept", "1/QĐ")).await;
    assert_eq!(status, 409, "not classified yet");
    let (status, body) = post(
        &server,
        &duty,
        &format!("/api/v1/reports/{case}/triage"),
        json!({"legal_type": "crime_denunciation", "topic": "theft_robbery", "urgency": "normal"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stage"], "triaged");
    assert_eq!(body["deadline"]["rule"], "crime_source");
    let (status, _) = post(&server, &duty, &steps, decision("accept", "1/QĐ")).await;
    assert_eq!(
        status, 403,
        "the duty officer does not accept a crime source"
    );
    let (status, _) = post(&server, &elsewhere, &steps, decision("accept", "1/QĐ")).await;
    assert_eq!(status, 404, "another province's leader does not see it");
    let (status, body) = post(
        &server,
        &head,
        &steps,
        json!({"action": "accept", "grounds": "Đủ căn cứ thụ lý (demo)."}),
    )
    .await;
    assert_eq!(status, 422, "a decision needs its number, date and signer");
    assert!(body.to_string().contains("number"), "{body}");
    let (status, _) = post(&server, &head, &steps, decision("refuse", "1/QĐ")).await;
    assert_eq!(status, 409, "a crime source is never refused (R1)");
    let (status, _) = post(
        &server,
        &head,
        &steps,
        json!({"action": "fly", "grounds": "x"}),
    )
    .await;
    assert_eq!(status, 400);

    for (step, stage) in [
        (decision("accept", "1/QĐ"), "accepted"),
        (note("begin_verification"), "verifying"),
        (decision("extend", "2/QĐ-GH"), "verifying"),
        (decision("extend_by_procuracy", "3/QĐ-VKS"), "verifying"),
    ] {
        let (status, body) = post(&server, &head, &steps, step).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["stage"], stage);
    }
    let (status, _) = post(&server, &head, &steps, decision("extend", "4/QĐ")).await;
    assert_eq!(status, 409, "two extensions at most");

    // Accepting drafted the receipt notices to the procuracy and the reporter.
    let document: Value = reqwest::Client::new()
        .get(server.url(&format!("/api/v1/reports/{case}")))
        .bearer_auth(&head)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["stage"], "verifying");
    assert_eq!(document["triage"]["topic"], "theft_robbery", "{document}");
    let notices = document["notices"].as_array().unwrap().clone();
    assert_eq!(notices.len(), 2, "{document}");
    let to = |recipient: &str| {
        notices
            .iter()
            .find(|n| n["recipient"] == recipient)
            .unwrap()
            .clone()
    };
    let (procuracy, reporter) = (to("procuracy"), to("reporter"));
    assert_eq!(reporter["kind"], "receipt");
    assert!(reporter["text"].as_str().unwrap().contains(&case));
    assert!(
        reporter["text"]
            .as_str()
            .unwrap()
            .contains("Quyết định số 1/QĐ")
    );
    let send = |notice: &Value| format!("/api/v1/reports/{case}/notices/{}", notice["id"]);
    let (status, _) = post(&server, &duty, &send(&reporter), json!({})).await;
    assert_eq!(status, 204);
    let (status, _) = post(&server, &duty, &send(&reporter), json!({})).await;
    assert_eq!(status, 409, "once only");
    let (status, _) = post(&server, &duty, &send(&procuracy), json!({})).await;
    assert_eq!(status, 422, "how it went to the procuracy is recorded");
    let (status, _) = post(
        &server,
        &duty,
        &send(&procuracy),
        json!({"via": "Công văn số 15/CV-CAT, gửi bưu điện"}),
    )
    .await;
    assert_eq!(status, 204);
    let followed = browser()
        .post(server.url("/tra-cuu"))
        .form(&[("case", case.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        followed.contains("đã được thụ lý") && followed.contains("Quyết định số 1/QĐ"),
        "the reporter reads the notice on the follow-up page"
    );
    let (status, _) = post(&server, &head, &steps, decision("suspend", "4/QĐ")).await;
    assert_eq!(status, 409, "not before the time has run out");
    let (status, body) = post(
        &server,
        &head,
        &steps,
        decision("decide_no_prosecute", "5/QĐ"),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("in_progress"))
    );
    let (status, _) = post(&server, &duty, &steps, note("receive_complaint")).await;
    assert_eq!(status, 200);
    // The complaint is answered by another than the one whose decision it is (Art. 475).
    let (status, _) = post(&server, &head, &steps, decision("close", "6/QĐ")).await;
    assert_eq!(status, 409);
    let (status, body) = post(&server, &deputy, &steps, decision("close", "6/QĐ")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["stage"].as_str(), body["status"].as_str()),
        (Some("closed"), Some("closed"))
    );
    assert!(body["deadline"].is_null());
    let (status, _) = post(&server, &head, &steps, decision("reopen", "7/QĐ")).await;
    assert_eq!(status, 409, "nothing follows closing");

    // A denunciation of a commune's officer by the API channel: information only, with the
    // offer of a petition, then walked to its end.
    let (about, _) = api_report(&server, "Cán bộ công an xã đòi tiền khi làm giấy tờ", 22).await;
    let commune = hotline_domain::Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .code;
    let conduct = format!("/api/v1/reports/{about}/police-conduct");
    let (status, body) = post(
        &server,
        &head,
        &conduct,
        json!({"accused_unit": format!("22/{commune}"), "accused_post": "chief"}),
    )
    .await;
    assert_eq!(status, 400, "an unknown post changes nothing: {body}");
    // Its head is the director's to settle (R20), and the province holds it already.
    let (status, body) = post(
        &server,
        &head,
        &conduct,
        json!({"accused_unit": format!("22/{commune}"), "accused_post": "head"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stage"], "information_only");
    assert!(
        body["deadline"].is_null(),
        "no clock of the Law on Denunciations yet"
    );
    // A crime in judicial work goes the procuracy path (R14); an unknown nature changes nothing.
    let (judicial, _) = api_report(
        &server,
        "Điều tra viên đánh người bị tạm giữ để ép cung",
        22,
    )
    .await;
    let mark = format!("/api/v1/reports/{judicial}/police-conduct");
    let (status, body) = post(
        &server,
        &head,
        &mark,
        json!({"accused_unit": format!("22/{commune}"), "nature": "torture"}),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("nature")),
        "{body}"
    );
    let (status, body) = post(
        &server,
        &head,
        &mark,
        json!({"accused_unit": format!("22/{commune}"), "nature": "judicial_crime"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stage"], "to_procuracy");
    assert_eq!(body["deadline"]["rule"], "procuracy_referral");
    let about_steps = format!("/api/v1/reports/{about}/steps");
    for (token, step, stage) in [
        (&duty, note("record_petition"), "pre_processing"),
        (&head, decision("accept", "9/QĐ-TC"), "accepted"),
        (&head, note("begin_verification"), "verifying"),
        (&head, decision("extend", "10/QĐ-GH"), "verifying"),
        (&head, decision("conclude", "11/KL"), "concluded"),
        (&head, note("close"), "closed"),
    ] {
        let (status, body) = post(&server, token, &about_steps, step).await;
        assert_eq!(
            (status, body["stage"].as_str()),
            (200, Some(stage)),
            "{body}"
        );
    }
    let document: Value = reqwest::Client::new()
        .get(server.url(&format!("/api/v1/reports/{about}")))
        .bearer_auth(&head)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = document["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "petition_offer",
            "denunciation_accepted",
            "denunciation_concluded"
        ]
    );
    assert_eq!(document["legal_type"], "police_conduct");

    // A public-order report: answered and closed by the duty desk.
    let (noise, _) = api_report(&server, "Quán karaoke hát to sau 23 giờ", 22).await;
    let (status, body) = post(
        &server,
        &duty,
        &format!("/api/v1/reports/{noise}/triage"),
        json!({"legal_type": "public_order", "topic": "noise_disturbance", "urgency": "low"}),
    )
    .await;
    assert_eq!((status, body["deadline"].is_null()), (200, true));
    let noise_steps = format!("/api/v1/reports/{noise}/steps");
    for (step, stage) in [
        (note("assign_handling"), "assigned"),
        (note("respond"), "responded"),
        (note("close"), "closed"),
    ] {
        let (status, body) = post(&server, &duty, &noise_steps, step).await;
        assert_eq!(
            (status, body["stage"].as_str()),
            (200, Some(stage)),
            "{body}"
        );
    }

    // On the console: the leader sees the steps with their decisions and takes one.
    let (complaint, _) = api_report(
        &server,
        "Khiếu nại quyết định xử phạt vi phạm hành chính",
        22,
    )
    .await;
    let (status, body) = post(
        &server,
        &duty,
        &format!("/api/v1/reports/{complaint}/triage"),
        json!({"legal_type": "complaint", "urgency": "normal"}),
    )
    .await;
    // Written by API, it is information until a petition is signed or the person comes in
    // (LKN Art. 8): no clock until then.
    assert_eq!((status, body["deadline"].is_null()), (200, true), "{body}");
    let (status, body) = post(
        &server,
        &duty,
        &format!("/api/v1/reports/{complaint}/steps"),
        note("record_petition"),
    )
    .await;
    assert_eq!(
        (status, body["stage"].as_str()),
        (200, Some("triaged")),
        "{body}"
    );
    let leader = browser();
    sign_in(&leader, &server, "qn.head").await;
    let shown = page(&leader, server.url(&format!("/console/reports/{case}"))).await;
    assert!(shown.contains("id=\"stage\">Đã kết thúc"));
    let today = hotline_domain::Clock::now(&hotline_domain::SystemClock)
        .with_timezone(&hotline_domain::VIETNAM)
        .format("%d/%m/%Y");
    assert!(shown.contains(&format!(
        "Số quyết định 3/QĐ-VKS, {today}, Thủ trưởng Cơ quan CSĐT (demo)"
    )));
    assert!(shown.contains("Bước thủ tục: Gia hạn (2/QĐ-GH) → Đang xác minh"));
    assert!(
        shown.contains("Công văn số 15/CV-CAT, gửi bưu điện"),
        "how it went"
    );
    assert!(
        shown.contains("Thông báo quyết định không khởi tố"),
        "the decision not to prosecute drafted its notices"
    );
    let complaint_page = format!("/console/reports/{complaint}");
    let shown = page(&leader, server.url(&complaint_page)).await;
    assert!(shown.contains("id=\"step-accept\"") && shown.contains("id=\"step-refuse\""));
    assert!(
        shown.contains("Luật Khiếu nại Điều 27"),
        "each step shows its basis"
    );
    let fields = [
        ("action", "accept"),
        ("number", "8/TL"),
        ("decided_on", "2026-01-05"),
        ("signer", "Trưởng phòng (demo)"),
        ("grounds", "Đơn đủ điều kiện thụ lý (demo)."),
    ];
    let r = leader
        .post(server.url(&format!("{complaint_page}/steps")))
        .form(&console_form(&leader, &server, &fields).await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let shown = page(&leader, server.url(&complaint_page)).await;
    assert!(shown.contains("id=\"stage\">Đã thụ lý"));
    assert!(
        shown.contains("Giải quyết khiếu nại"),
        "the decision's limit runs now"
    );
    let r = leader
        .post(server.url(&format!("{complaint_page}/steps")))
        .form(&console_form(&leader, &server, &fields).await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("không thực hiện được ở giai đoạn hiện tại")
    );
    let duty_page = browser();
    sign_in(&duty_page, &server, "qn.duty").await;
    let shown = page(&duty_page, server.url(&complaint_page)).await;
    assert!(
        !shown.contains("id=\"step-begin_verification\""),
        "the duty officer is offered no step a leader takes"
    );
    server.stop().await;

    // What the officers made of the hints, measured from the triages just recorded.
    let config = data.config();
    let env: Vec<(&str, &str)> = config
        .database_url
        .as_deref()
        .map(|url| vec![("HOTLINE_DATABASE_URL", url)])
        .unwrap_or_default();
    let out = run_cli(&config.data_dir, &["hint-acceptance"], &env, None);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let figures: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    let triaged = figures["triaged"].as_u64().unwrap();
    assert!(triaged >= 3, "{figures}");
    for field in ["legal_type", "topic", "urgency"] {
        let f = &figures[field];
        let counted = ["accepted", "corrected", "left_unset"]
            .iter()
            .map(|k| f[k].as_u64().unwrap())
            .sum::<u64>();
        assert_eq!(counted, triaged, "{field}: {figures}");
    }
    assert!(
        figures["topic"]["accepted"].as_u64().unwrap() >= 1,
        "the theft was read as one"
    );
    assert!(!stdout_of(&out).contains(&case), "figures only");
}

#[tokio::test]
async fn a_report_is_walked_through_its_procedure_on_sqlite() {
    walked(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_report_is_walked_through_its_procedure_on_postgres() {
    walked(Backend::Postgres).await;
}
