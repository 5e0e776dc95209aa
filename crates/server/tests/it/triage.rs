//! The report page's triage, internal notes and merging of duplicates, and the timeline that
//! shows them with the conversation: on SQLite and PostgreSQL.

use crate::harness::{
    Backend, Data, Server, api_report, browser, cases_on, console_form, page, sign_in,
};
use hotline_domain::Role;
use serde_json::Value;

/// Posts a report-page form; the status and the page or redirect target.
async fn post(
    client: &reqwest::Client,
    server: &Server,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let r = client
        .post(server.url(path))
        .form(&console_form(client, server, fields).await)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, location.unwrap_or(r.text().await.unwrap()))
}

async fn triage_notes_and_merge(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    let token = data.token("qn.duty").await;
    let server = Server::start(data.config()).await;
    let api_get = async |path: &str| -> Value {
        reqwest::Client::new()
            .get(server.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let commune = hotline_domain::Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .clone();
    let (case, code) = api_report(&server, "Có người bán hàng trắng ở đầu chợ mỗi tối", 22).await;
    let (duplicate, duplicate_code) =
        api_report(&server, "Tối nào cũng có người bán ma túy ở chợ", 22).await;
    let (elsewhere, _) = api_report(&server, "Trộm xe máy ở Hà Tĩnh", 42).await;
    let duty = browser();
    sign_in(&duty, &server, "qn.duty").await;
    let report_path = format!("/console/reports/{case}");

    // Triage: classified, the status moves on, the inbox filters by it.
    let fresh = page(&duty, server.url(&report_path)).await;
    assert!(fresh.contains("id=\"legal-type\">Chưa phân loại"));
    assert!(
        fresh.contains("Phân loại tin trong 24 giờ (24 giờ)"),
        "the time to classify runs"
    );
    assert!(
        fresh.contains("id=\"triage-hint\""),
        "the text's hints are offered"
    );
    assert!(
        fresh.contains("<option value=\"drugs\" selected>"),
        "the form starts from them"
    );
    let commune_code = commune.code.to_string();
    let (status, to) = post(
        &duty,
        &server,
        &format!("{report_path}/triage"),
        &[
            ("legal_type", "crime_denunciation"),
            ("topic", "drugs"),
            ("urgency", "urgent"),
            ("commune", &commune_code),
        ],
    )
    .await;
    assert_eq!((status, to.as_str()), (303, report_path.as_str()));
    let triaged = page(&duty, server.url(&report_path)).await;
    assert!(triaged.contains("id=\"legal-type\">Tố giác về tội phạm"));
    assert!(triaged.contains("id=\"topic\">Ma túy"));
    assert!(
        triaged.contains(&commune.name),
        "the place is the commune now"
    );
    assert!(triaged.contains("Phân loại: Tố giác về tội phạm, Ma túy, Gấp"));
    assert!(triaged.contains("Giải quyết nguồn tin về tội phạm (20 ngày)"));
    assert!(
        triaged.contains(" 24:00</time>"),
        "a day-based limit ends at 24:00"
    );
    assert!(triaged.contains("Căn cứ: BLTTHS 2015 Điều 147 khoản 1, 2"));
    for filter in [
        "topic=drugs",
        "legal_type=crime_denunciation",
        "status=triaged",
        "urgency=urgent&topic=drugs",
        "topic=drugs&sort=deadline",
    ] {
        let inbox = page(&duty, server.url(&format!("/console?{filter}"))).await;
        assert_eq!(cases_on(&inbox), std::slice::from_ref(&case), "{filter}");
    }
    let inbox = page(&duty, server.url("/console")).await;
    assert!(inbox.contains("<option value=\"drugs\">Ma túy (1)</option>"));
    let overdue = page(&duty, server.url("/console?due=overdue")).await;
    assert!(cases_on(&overdue).is_empty(), "nothing is overdue yet");
    let soonest = page(&duty, server.url("/console?sort=deadline")).await;
    assert_eq!(
        cases_on(&soonest).last(),
        Some(&case),
        "twenty days is the furthest limit"
    );
    let api = api_get(&format!("/api/v1/reports/{case}")).await;
    assert_eq!(api["legal_type"], "crime_denunciation");
    assert_eq!(api["deadline"]["rule"], "crime_source");
    assert!(api["deadline"]["due_at"].is_string());
    assert_eq!(api["topic"], "drugs");
    assert_eq!(api["urgency"], "urgent");

    // Wrong values change nothing and say why.
    for (fields, says) in [
        (
            vec![("legal_type", "police_conduct"), ("urgency", "normal")],
            "Tin về cán bộ công an",
        ),
        (
            vec![("topic", "dancing"), ("urgency", "normal")],
            "Lĩnh vực không hợp lệ",
        ),
        (vec![("urgency", "")], "Mức độ khẩn không hợp lệ"),
        (
            vec![("urgency", "normal"), ("commune", "99999999")],
            "Không tìm thấy xã",
        ),
    ] {
        let (status, shown) = post(&duty, &server, &format!("{report_path}/triage"), &fields).await;
        assert_eq!(status, 400, "{fields:?}");
        assert!(shown.contains(says), "{fields:?}");
    }
    let unchanged = page(&duty, server.url(&report_path)).await;
    assert!(unchanged.contains("id=\"topic\">Ma túy"));
    // Saved again without a commune chosen: the place stays.
    let (status, _) = post(
        &duty,
        &server,
        &format!("{report_path}/triage"),
        &[
            ("legal_type", "crime_denunciation"),
            ("topic", "drugs"),
            ("urgency", "urgent"),
            ("commune", ""),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let kept = page(&duty, server.url(&report_path)).await;
    assert!(kept.contains(&commune.name), "the commune is kept");
    assert!(kept.contains(&format!("<option value=\"{commune_code}\" selected>")));

    // Internal notes: in the timeline for staff, searchable, never shown to the reporter.
    let note =
        "Đã cử tổ trinh sát mật phục; người cung cấp số 0912 345 678 <script>alert(1)</script>";
    let handler = browser();
    sign_in(&handler, &server, "qn.handler").await;
    let (status, _) = post(
        &handler,
        &server,
        &format!("{report_path}/notes"),
        &[("text", note)],
    )
    .await;
    assert_eq!(status, 303);
    let (status, shown) = post(
        &handler,
        &server,
        &format!("{report_path}/notes"),
        &[("text", "   ")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(shown.contains("Vui lòng nhập nội dung"));
    let with_note = page(&duty, server.url(&report_path)).await;
    assert!(with_note.contains("Ghi chú nội bộ · qn.handler"));
    assert!(with_note.contains("Đã cử tổ trinh sát mật phục"));
    assert!(
        !with_note.contains("0912 345 678"),
        "numbers masked in notes too"
    );
    assert!(!with_note.contains("<script>alert(1)"));
    assert!(with_note.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    let timeline = with_note.split("id=\"timeline\"").nth(1).unwrap();
    let (message_at, triage_at, note_at) = (
        timeline.find("bán hàng trắng").unwrap(),
        timeline.find("Phân loại:").unwrap(),
        timeline.find("trinh sát mật phục").unwrap(),
    );
    assert!(
        message_at < triage_at && triage_at < note_at,
        "one time order"
    );
    let found = duty
        .post(server.url("/console/search"))
        .form(&console_form(&duty, &server, &[("q", "trinh sat mat phuc")]).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(cases_on(&found), std::slice::from_ref(&case));
    let citizen = browser();
    let followed = citizen
        .post(server.url("/tra-cuu"))
        .form(&[("case", case.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(followed.contains("bán hàng trắng"));
    assert!(!followed.contains("trinh sát"), "notes are for staff only");
    assert!(!api.to_string().contains("trinh sát"));

    // Merging the duplicate: only the triage desk and leaders, only within scope.
    let merge_path = format!("/console/reports/{duplicate}/merge");
    let (status, _) = post(&handler, &server, &merge_path, &[("into", &case)]).await;
    assert_eq!(status, 403, "handlers do not merge");
    let (status, shown) = post(&duty, &server, &merge_path, &[("into", &elsewhere)]).await;
    assert_eq!(status, 400, "another province's report is unknown here");
    assert!(shown.contains("Không tìm thấy tin có số hồ sơ này"));
    let (status, _) = post(&duty, &server, &merge_path, &[("into", &duplicate)]).await;
    assert_eq!(status, 400);
    let lower = case.to_lowercase();
    let (status, to) = post(&duty, &server, &merge_path, &[("into", &lower)]).await;
    assert_eq!((status, to.as_str()), (303, report_path.as_str()));
    let main = page(&duty, server.url(&report_path)).await;
    assert!(main.contains("id=\"merged-from\""));
    assert!(main.contains(&format!(
        "từ tin trùng <a href=\"/console/reports/{duplicate}\""
    )));
    assert!(
        main.contains("Tối nào cũng có người bán ma túy"),
        "its messages join"
    );
    let joined = page(&duty, server.url(&format!("/console/reports/{duplicate}"))).await;
    assert!(joined.contains("id=\"merged-into\""));
    assert!(joined.contains("Đã kết thúc"));
    let (status, shown) = post(
        &duty,
        &server,
        &format!("{report_path}/merge"),
        &[("into", &duplicate)],
    )
    .await;
    assert_eq!(status, 400, "not into a report that was merged itself");
    assert!(shown.contains("hãy gộp vào tin chính"));
    let api = api_get(&format!("/api/v1/reports/{duplicate}")).await;
    assert_eq!(api["merged_into"], case.as_str());
    assert_eq!(api["status"], "closed");
    // The duplicate's reporter still follows their own report.
    let followed = citizen
        .post(server.url("/tra-cuu"))
        .form(&[
            ("case", duplicate.as_str()),
            ("code", duplicate_code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(followed.status(), 200);
    let followed = followed.text().await.unwrap();
    assert!(followed.contains("Đã được gộp với tin báo khác về cùng sự việc"));
    assert!(
        !followed.contains("bán hàng trắng") && !followed.contains(&case),
        "nothing of the other report"
    );
    server.stop().await;
}

#[tokio::test]
async fn triage_notes_and_merged_duplicates_on_sqlite() {
    triage_notes_and_merge(Backend::Sqlite).await;
}

#[tokio::test]
async fn triage_notes_and_merged_duplicates_on_postgres() {
    triage_notes_and_merge(Backend::Postgres).await;
}
