//! The leaders' figures on a data set counted by hand, on SQLite and PostgreSQL: every
//! measure and grouping through the API, the scope of each reader, the audit of each look, the
//! monthly report read back from its spreadsheet, and the public page's small counts hidden.

use crate::harness::{
    Backend, Data, Server, api_report, browser, console_post, page, run_cli, sign_in, stderr_of,
};
use hotline_domain::{Role, UnitCode};
use serde_json::{Value, json};

async fn post(server: &Server, token: &str, path: &str, body: Value) -> u16 {
    reqwest::Client::new()
        .post(server.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn stats(server: &Server, token: &str, query: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(server.url(&format!("/api/v1/stats?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// `group_by`'s series as `key → reports`.
async fn series(server: &Server, token: &str, group_by: &str) -> Vec<(String, i64)> {
    let (status, body) = stats(server, token, &format!("group_by={group_by}")).await;
    assert_eq!(status, 200, "{body}");
    body["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["key"].as_str().unwrap().to_owned(),
                s["reports"].as_i64().unwrap(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn today() -> chrono::NaiveDate {
    hotline_domain::statistics::local_day(hotline_domain::Clock::now(&hotline_domain::SystemClock))
}

/// How many audit entries of `action` the store holds.
async fn audited(data: &Data, backend: Backend, action: &str) -> i64 {
    let sql = "SELECT COUNT(*) FROM audit_log WHERE action = $1";
    match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", data.dir.path().join("hotline.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let n = sqlx::query_scalar(sql)
                .bind(action)
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            n
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(data.database_url.as_deref().unwrap())
                .await
                .unwrap();
            let n = sqlx::query_scalar(sql)
                .bind(action)
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            n
        }
    }
}

/// Moves every report `days` back, and has the figures read again from the whole log, as if
/// they had come in then (the log's own times stay: events are append-only).
async fn days_back(data: &Data, backend: Backend, days: i64) {
    let reset = [
        "DELETE FROM stats_facts",
        "DELETE FROM stats_cells",
        "UPDATE stats_mark SET last_event_id = 0",
    ];
    let back = chrono::Duration::days(days);
    match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", data.dir.path().join("hotline.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let rows: Vec<(i64, chrono::DateTime<chrono::Utc>)> =
                sqlx::query_as("SELECT id, created_at FROM reports")
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            for (id, at) in rows {
                sqlx::query("UPDATE reports SET created_at = $1 WHERE id = $2")
                    .bind(at - back)
                    .bind(id)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            for sql in reset {
                sqlx::query(sql).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(data.database_url.as_deref().unwrap())
                .await
                .unwrap();
            sqlx::query("UPDATE reports SET created_at = created_at - $1 * INTERVAL '1 day'")
                .bind(days as f64)
                .execute(&pool)
                .await
                .unwrap();
            for sql in reset {
                sqlx::query(sql).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
    }
}

/// The server's configuration, submissions from one address unlimited: the test sends ten.
fn unlimited(data: &Data) -> hotline_server::config::Config {
    let mut config = data.config();
    config.public_submissions_per_minute = 0;
    config
}

async fn counted_by_hand(backend: Backend) {
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
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("qn.auditor", Role::Auditor, "22").await;
    data.add_staff("ht.head", Role::UnitLeader, "42").await;
    data.add_staff("xa.head", Role::UnitLeader, &commune_unit)
        .await;
    let duty = data.token("qn.duty").await;
    let director = data.token("qn.director").await;
    let auditor = data.token("qn.auditor").await;
    let ht = data.token("ht.head").await;
    let xa = data.token("xa.head").await;
    let server = Server::start(unlimited(&data)).await;

    // Seven reports. By hand, for Quảng Ninh's director today:
    // - theft: classified, answered, accepted;
    // - noise: classified urgent, answered, answered in its procedure (settled);
    // - question: nothing done yet;
    // - repeat: merged into theft (not counted);
    // - scam: handed to Hà Tĩnh (transferred out);
    // - conduct: about an officer of a commune police (counted for the director, who may
    //   read it; not for the auditor, who reads no reports; not for that commune's head);
    // - fight: Hà Tĩnh's own.
    let (theft, _) = api_report(&server, "Nhà tôi bị mất trộm xe máy đêm qua", 22).await;
    let (noise, _) = api_report(&server, "Quán karaoke hát to quá khuya", 22).await;
    let (_question, _) = api_report(&server, "Xin hỏi thủ tục xác nhận cư trú", 22).await;
    let (repeat, _) = api_report(&server, "Mất trộm xe máy đêm qua, gửi lại", 22).await;
    let (scam, _) = api_report(&server, "Bị lừa chuyển khoản, đối tượng ở Hà Tĩnh", 22).await;
    let (conduct, _) = api_report(&server, "Cán bộ xã đòi tiền khi làm giấy tờ", 22).await;
    let (_fight, _) = api_report(&server, "Xô xát ở chợ sáng nay", 42).await;

    let triage = |legal_type: &str, topic: &str, urgency: &str| json!({"legal_type": legal_type, "topic": topic, "urgency": urgency});
    for (case, body) in [
        (
            &theft,
            triage("crime_denunciation", "theft_robbery", "normal"),
        ),
        (
            &noise,
            triage("public_order", "noise_disturbance", "urgent"),
        ),
    ] {
        assert_eq!(
            post(
                &server,
                &duty,
                &format!("/api/v1/reports/{case}/triage"),
                body
            )
            .await,
            200
        );
        assert_eq!(
            post(
                &server,
                &duty,
                &format!("/api/v1/reports/{case}/replies"),
                json!({"text": "Đã tiếp nhận, chúng tôi đang xử lý."})
            )
            .await,
            201
        );
    }
    let step = |action: &str| json!({"action": action, "grounds": "Theo quy định (demo)."});
    let accept = json!({
        "action": "accept", "number": "1/QĐ", "decided_on": today().to_string(),
        "signer": "Thủ trưởng (demo)", "grounds": "Có dấu hiệu tội phạm (demo)."
    });
    assert_eq!(
        post(
            &server,
            &director,
            &format!("/api/v1/reports/{theft}/steps"),
            accept
        )
        .await,
        200
    );
    // The theft is verified and decided within its limit (BLTTHS Điều 147: 20 days).
    let decide = json!({
        "action": "decide_no_prosecute", "number": "2/QĐ", "decided_on": today().to_string(),
        "signer": "Thủ trưởng (demo)", "grounds": "Không có sự việc phạm tội (demo)."
    });
    for body in [step("begin_verification"), decide] {
        assert_eq!(
            post(
                &server,
                &director,
                &format!("/api/v1/reports/{theft}/steps"),
                body
            )
            .await,
            200
        );
    }
    for action in ["assign_handling", "respond"] {
        assert_eq!(
            post(
                &server,
                &director,
                &format!("/api/v1/reports/{noise}/steps"),
                step(action)
            )
            .await,
            200,
            "{action}"
        );
    }
    assert_eq!(
        post(
            &server,
            &duty,
            &format!("/api/v1/reports/{conduct}/police-conduct"),
            json!({"accused_unit": commune_unit})
        )
        .await,
        200
    );
    let desk = browser();
    sign_in(&desk, &server, "qn.duty").await;
    let (status, _) = console_post(
        &desk,
        &server,
        &format!("/console/reports/{repeat}/merge"),
        &[("into", &theft)],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = console_post(
        &desk,
        &server,
        &format!("/console/reports/{scam}/transfer"),
        &[("unit", "42"), ("reason", "Đối tượng ở Hà Tĩnh")],
    )
    .await;
    assert_eq!(status, 303);

    let (status, body) = stats(&server, &director, "").await;
    assert_eq!(status, 200, "{body}");
    let total = &body["total"];
    let count = |field: &str| total[field].as_i64().unwrap();
    assert_eq!(count("reports"), 4, "{total}");
    assert_eq!(count("transferred_out"), 1);
    assert_eq!(count("by_transfer"), 0);
    assert_eq!(count("accepted"), 1);
    assert_eq!(count("decided"), 2);
    assert_eq!(
        (count("with_limit"), count("within_limit")),
        (1, 1),
        "the theft, decided within the limit its decision ended"
    );
    assert_eq!(count("acknowledged_within_day"), 3);
    for (measure, n) in [
        ("acknowledge", 3),
        ("first_answer", 2),
        ("classification", 2),
        ("decision", 2),
    ] {
        assert_eq!(total[measure]["count"], n, "{measure}: {total}");
        // Everything happened within the minute.
        assert_eq!(total[measure]["median_minutes"], 1, "{measure}: {total}");
        assert_eq!(total[measure]["p90_minutes"], 1, "{measure}: {total}");
    }
    assert_eq!(body["police_conduct"], "readable");
    assert_eq!(body["previous"]["total"]["reports"], 0);

    assert_eq!(
        series(&server, &director, "channel").await,
        [("api".to_owned(), 4)]
    );
    let mut types = series(&server, &director, "legal_type").await;
    types.sort();
    assert_eq!(
        types,
        [
            ("crime_denunciation".to_owned(), 1),
            ("police_conduct".to_owned(), 1),
            ("public_order".to_owned(), 1),
            ("unclassified".to_owned(), 1)
        ]
    );
    let topics = series(&server, &director, "topic").await;
    assert!(
        topics.contains(&("theft_robbery".to_owned(), 1)),
        "{topics:?}"
    );
    assert!(
        topics.contains(&("noise_disturbance".to_owned(), 1)),
        "{topics:?}"
    );
    assert_eq!(topics.iter().map(|(_, n)| n).sum::<i64>(), 4);
    let urgency = series(&server, &director, "urgency").await;
    assert!(urgency.contains(&("urgent".to_owned(), 1)), "{urgency:?}");
    assert_eq!(urgency.iter().map(|(_, n)| n).sum::<i64>(), 4);
    assert_eq!(
        series(&server, &director, "status")
            .await
            .iter()
            .map(|(_, n)| n)
            .sum::<i64>(),
        4
    );
    assert_eq!(
        series(&server, &director, "unit")
            .await
            .iter()
            .map(|(_, n)| n)
            .sum::<i64>(),
        4,
        "the units below and the province itself hold every report once"
    );
    assert_eq!(
        series(&server, &director, "commune")
            .await
            .iter()
            .map(|(_, n)| n)
            .sum::<i64>(),
        4
    );
    let day = today();
    assert_eq!(
        series(&server, &director, "day").await,
        [(day.format("%Y-%m-%d").to_string(), 4)]
    );
    assert_eq!(
        series(&server, &director, "month").await,
        [(day.format("%Y-%m").to_string(), 4)]
    );
    assert_eq!(
        series(&server, &director, "week").await.len(),
        1,
        "this month's weeks, reports in one"
    );

    // Each reader sees their own scope.
    let (_, body) = stats(&server, &auditor, "").await;
    assert_eq!(
        body["total"]["reports"], 3,
        "no report about police conduct"
    );
    assert_eq!(body["police_conduct"], "no");
    let (_, body) = stats(&server, &ht, "group_by=channel").await;
    assert_eq!(body["total"]["reports"], 2, "{body}");
    assert_eq!(body["total"]["by_transfer"], 1);
    let (_, body) = stats(&server, &xa, "").await;
    assert_eq!(
        body["total"]["reports"], 0,
        "nothing of the report about it"
    );
    assert_eq!(
        stats(&server, &xa, "unit=22").await.0,
        404,
        "above its scope"
    );
    assert_eq!(
        stats(&server, &ht, "unit=22").await.0,
        404,
        "another province"
    );
    assert_eq!(stats(&server, &duty, "").await.0, 403, "not a leader");
    assert_eq!(stats(&server, &director, "unit=99").await.0, 404);
    assert_eq!(stats(&server, &director, "from=2026-02-30").await.0, 400);
    assert_eq!(stats(&server, &director, "group_by=case").await.0, 400);
    let (_, body) = stats(&server, &director, &format!("unit={commune_unit}")).await;
    assert_eq!(
        body["total"]["reports"], 0,
        "a unit below, in the director's scope"
    );
    let unauthenticated = reqwest::get(server.url("/api/v1/stats")).await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
    assert_eq!(audited(&data, backend, "statistics.read").await, 15);

    // The monthly report: on screen, as a spreadsheet read back, and as CSV; each audited.
    let leader = browser();
    sign_in(&leader, &server, "qn.director").await;
    let month = day.format("%Y-%m").to_string();
    let screen = page(
        &leader,
        server.url(&format!("/console/thong-ke/bao-cao?month={month}")),
    )
    .await;
    assert!(screen.contains("Tổng số tin báo tiếp nhận"), "{screen}");
    let xlsx = leader
        .get(server.url(&format!("/console/thong-ke/bao-cao.xlsx?month={month}")))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let sheet = read_sheet(&bytes);
    assert_eq!(sheet_count(&sheet, "Tổng số tin báo tiếp nhận"), Some(4.0));
    assert_eq!(sheet_count(&sheet, "Chuyển đi đơn vị khác"), Some(1.0));
    assert_eq!(sheet_count(&sheet, "Đã thụ lý"), Some(1.0));
    assert_eq!(sheet_count(&sheet, "Đã có quyết định"), Some(2.0));
    assert_eq!(
        sheet_count(&sheet, "Giải quyết nguồn tin về tội phạm"),
        Some(1.0),
        "decided within the crime-source limit"
    );
    assert_eq!(sheet_count(&sheet, "Tố giác về tội phạm"), Some(1.0));
    let csv = leader
        .get(server.url(&format!("/console/thong-ke/bao-cao.csv?month={month}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("Tổng số tin báo tiếp nhận,4,"), "{csv}");
    assert_eq!(audited(&data, backend, "statistics.exported").await, 3);
    let overview = page(&leader, server.url("/console/thong-ke?period=month")).await;
    assert!(overview.contains("id=\"stats-by-channel\""));
    assert!(overview.contains("<svg class=\"chart"), "charts are drawn");
    assert!(
        page(&leader, server.url("/console/thong-ke?from=2026-13-01"))
            .await
            .contains("Khoảng thời gian không hợp lệ"),
        "a bad date is refused in words"
    );
    // Three more, for the public page below.
    for text in ["Trộm chó", "Đua xe ban đêm", "Mất ví ở chợ"] {
        api_report(&server, text, 22).await;
    }
    server.stop().await;

    // The command line gives the same report, with those three.
    let output = run_cli(
        data.dir.path(),
        &[
            "stats", "monthly", "--unit", "22", "--month", &month, "--format", "json",
        ],
        &data_env(&data),
        None,
    );
    assert!(output.status.success(), "{}", stderr_of(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let line = |item: &str| {
        report["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["item"] == item)
            .map(|l| l["count"].as_i64().unwrap())
    };
    assert_eq!(line("total"), Some(7));
    assert_eq!(line("transferred_out"), Some(1));

    // The public page shows whole months once they are over: the same reports, moved to the
    // middle of the latest month published.
    let published = hotline_core::statistics::public_months(today())[0];
    let days = (today() - (published + chrono::Duration::days(14))).num_days();
    days_back(&data, backend, days).await;
    let server = Server::start(unlimited(&data)).await;
    let shown_month = published.format("%Y-%m").to_string();
    let public = page(
        &reqwest::Client::new(),
        server.url(&format!("/thong-ke?tinh=22&thang={shown_month}")),
    )
    .await;
    assert!(public.contains("id=\"public-received\">6<"), "{public}");
    assert!(
        public.contains("id=\"public-conduct\">dưới 5<"),
        "one report about police conduct is not shown as one"
    );
    assert_no_small_count(&public);
    // Published once: a report moved into that month later does not change it.
    api_report(&server, "Trộm gà", 22).await;
    server.stop().await;
    days_back(&data, backend, days).await;
    let server = Server::start(unlimited(&data)).await;
    let again = page(
        &reqwest::Client::new(),
        server.url(&format!("/thong-ke?tinh=22&thang={shown_month}")),
    )
    .await;
    assert!(again.contains("id=\"public-received\">6<"), "{again}");
    let this_month = today().format("%Y-%m").to_string();
    let refused = reqwest::get(server.url(&format!("/thong-ke?tinh=22&thang={this_month}")))
        .await
        .unwrap();
    assert_eq!(refused.status(), 400, "a month not over is not published");
    server.stop().await;
}

/// The environment the command line needs for this data (PostgreSQL's address).
fn data_env(data: &Data) -> Vec<(&str, &str)> {
    data.database_url
        .as_deref()
        .map(|url| vec![("HOTLINE_DATABASE_URL", url)])
        .unwrap_or_default()
}

/// Every number in the public page's tables and headlines is 5 or more (or hidden).
fn assert_no_small_count(html: &str) {
    for cell in html
        .split("<td>")
        .skip(1)
        .chain(html.split("class=\"headline-value\"").skip(1))
    {
        let text: String = cell
            .trim_start_matches(|c| c != '>' && c != '<')
            .trim_start_matches('>')
            .chars()
            .take_while(|c| *c != '<')
            .collect();
        if let Ok(n) = text.trim().replace('.', "").parse::<i64>() {
            assert!(n >= 5, "a count under 5 on the public page: {text}");
        }
    }
}

fn read_sheet(bytes: &[u8]) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range.rows().map(<[calamine::Data]>::to_vec).collect()
}

/// The count on the line whose item is `item`.
fn sheet_count(rows: &[Vec<calamine::Data>], item: &str) -> Option<f64> {
    rows.iter()
        .find(|row| row.get(1).is_some_and(|c| *c == item))
        .and_then(|row| match row.get(2) {
            Some(calamine::Data::Float(n)) => Some(*n),
            Some(calamine::Data::Int(n)) => Some(*n as f64),
            _ => None,
        })
}

#[tokio::test]
async fn figures_equal_hand_counts_on_sqlite() {
    counted_by_hand(Backend::Sqlite).await;
}

#[tokio::test]
async fn figures_equal_hand_counts_on_postgres() {
    counted_by_hand(Backend::Postgres).await;
}
