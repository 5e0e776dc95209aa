//! The staff API: one report by case number, answers to the reporter, and search; always
//! within the token's scope, with the same answer for a report out of scope and one that does
//! not exist.

use crate::harness::{Backend, Data, Server, browser};
use hotline_domain::Role;
use serde_json::{Value, json};

struct Api<'a> {
    server: &'a Server,
    client: reqwest::Client,
}

impl Api<'_> {
    async fn get(&self, token: Option<&str>, path: &str) -> (u16, Value) {
        let mut request = self.client.get(self.server.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let r = request.send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    async fn reply(&self, token: &str, case: &str, body: Value) -> (u16, Value) {
        let r = self
            .client
            .post(self.server.url(&format!("/api/v1/reports/{case}/replies")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }
}

/// A problem document without its request id, which differs on every answer.
fn without_request_id(mut problem: Value) -> Value {
    problem.as_object_mut().unwrap().remove("request_id");
    problem
}

async fn staff_api(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    for (name, role, unit) in [
        ("qn.director", Role::Director, "22"),
        ("qn.handler", Role::Handler, "22"),
        ("ht.director", Role::Director, "42"),
        ("bca.admin", Role::Administrator, "bca"),
    ] {
        data.add_staff(name, role, unit).await;
    }
    let qn = data.token("qn.director").await;
    let qn_handler = data.token("qn.handler").await;
    let ht = data.token("ht.director").await;
    let admin = data.token("bca.admin").await;
    let server = Server::start(data.config()).await;
    let api = Api {
        server: &server,
        client: reqwest::Client::new(),
    };
    let created: Value = browser()
        .post(server.url("/api/v1/reports"))
        .json(&json!({
            "text": "Công an xã chưa xử lý vụ trộm; gọi tôi: 0912 345 678 <script>alert(1)</script>",
            "province_code": 22,
            "contact": {"name": "Người Báo Tin", "phone": "0912 345 678"}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = created["case_number"].as_str().unwrap().to_owned();
    let code = created["follow_up_code"].as_str().unwrap().to_owned();

    // Reading: the report, its conversation, the reporter as a pseudonym, items masked.
    let (status, report) = api.get(Some(&qn), &format!("/api/v1/reports/{case}")).await;
    assert_eq!(status, 200);
    assert_eq!(report["case_number"], case.as_str());
    assert!(report["reporter"].as_str().unwrap().starts_with("NBT-"));
    let first = &report["messages"][0];
    assert_eq!(first["direction"], "inbound");
    assert_eq!(first["channel"], "api");
    assert!(first["created_at"].is_string());
    assert!(first.get("delivery").is_none(), "inbound has no delivery");
    let text = first["text"].as_str().unwrap();
    assert!(
        text.contains("Công an xã") && text.contains("<script>"),
        "as written: JSON escapes nothing away"
    );
    assert!(!text.contains("0912 345 678"), "the number is masked");
    let body = report.to_string();
    assert!(!body.contains("Người Báo Tin") && !body.contains("912345678"));

    // Out of scope, administrators, unknown and malformed cases: one answer.
    let (status, unseen) = api.get(Some(&ht), &format!("/api/v1/reports/{case}")).await;
    assert_eq!(status, 404);
    let unseen = without_request_id(unseen);
    for (token, path) in [
        (&admin, format!("/api/v1/reports/{case}")),
        (&qn, "/api/v1/reports/QN-2026-999999".to_owned()),
        (&qn, "/api/v1/reports/not-a-case".to_owned()),
    ] {
        let (status, answer) = api.get(Some(token), &path).await;
        assert_eq!(
            (status, without_request_id(answer)),
            (404, unseen.clone()),
            "{path}"
        );
    }
    let (status, _) = api.get(None, &format!("/api/v1/reports/{case}")).await;
    assert_eq!(status, 401);
    let (status, _) = api
        .get(Some("not-a-token"), &format!("/api/v1/reports/{case}"))
        .await;
    assert_eq!(status, 401);

    // Answering: delivered on the follow-up page at once, read once the reporter looks.
    let (status, _) = api
        .reply(&ht, &case, json!({"text": "Không phải đơn vị của tôi"}))
        .await;
    assert_eq!(status, 404, "another province cannot answer");
    let (status, _) = api.reply(&qn, &case, json!({"text": "   "})).await;
    assert_eq!(status, 422);
    let (status, _) = api
        .reply(&qn, &case, json!({"text": "x", "extra": 1}))
        .await;
    assert_eq!(status, 400);
    let (status, sent) = api
        .reply(
            &qn_handler,
            &case,
            json!({"text": "Chúng tôi đã cử tổ công tác xác minh."}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(sent["direction"], "outbound");
    assert_eq!(sent["channel"], "api");
    assert_eq!(sent["delivery"], "delivered");
    let (_, report) = api.get(Some(&qn), &format!("/api/v1/reports/{case}")).await;
    let last = report["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["direction"].as_str(), last["delivery"].as_str()),
        (Some("outbound"), Some("delivered"))
    );
    let seen = reqwest::Client::new()
        .get(server.url(&format!("/api/v1/reports/{case}/follow-up")))
        .header("X-Follow-Up-Code", &code)
        .send()
        .await
        .unwrap();
    assert_eq!(seen.status(), 200);
    let seen: Value = seen.json().await.unwrap();
    assert!(seen.to_string().contains("cử tổ công tác"));
    let (_, report) = api.get(Some(&qn), &format!("/api/v1/reports/{case}")).await;
    let last = report["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["delivery"], "read");

    // Searching: without diacritics, within scope only.
    let (status, found) = api.get(Some(&qn), "/api/v1/search?q=cong%20an%20xa").await;
    assert_eq!(status, 200);
    assert_eq!(found["items"][0]["case_number"], case.as_str());
    let marked: Vec<&str> = found["items"][0]["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|part| part["matched"] == true)
        .map(|part| part["text"].as_str().unwrap())
        .collect();
    assert_eq!(marked, ["Công", "an", "xã"], "the words found, as written");
    assert!(
        !found.to_string().contains("0912"),
        "snippets are masked too"
    );
    let (_, found) = api.get(Some(&qn), "/api/v1/search?q=TROM").await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (status, found) = api.get(Some(&ht), "/api/v1/search?q=cong%20an%20xa").await;
    assert_eq!(status, 200);
    assert!(
        found["items"].as_array().unwrap().is_empty(),
        "not across provinces"
    );
    let (_, found) = api.get(Some(&admin), "/api/v1/search?q=cong%20an").await;
    assert!(
        found["items"].as_array().unwrap().is_empty(),
        "administrators read no reports"
    );
    let (status, _) = api
        .get(Some(&qn_handler), "/api/v1/search?q=0912345678")
        .await;
    assert_eq!(status, 403, "a phone-number search needs clearance");
    let (status, problem) = api.get(Some(&qn), "/api/v1/search?q=0912345678").await;
    assert_eq!(
        status, 400,
        "a phone-number search is a reveal, with a reason"
    );
    assert_eq!(problem["errors"][0]["field"], "reason");
    let (status, found) = api
        .get(
            Some(&qn),
            "/api/v1/search?q=0912345678&reason=G%E1%BB%8Di%20l%E1%BA%A1i%20x%C3%A1c%20minh",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (status, _) = api.get(Some(&qn), "/api/v1/search?q=x&limit=0").await;
    assert_eq!(status, 400);
    let (status, _) = api.get(None, "/api/v1/search?q=x").await;
    assert_eq!(status, 401);
    server.stop().await;
}

#[tokio::test]
async fn the_staff_api_reads_answers_and_searches_within_scope_on_sqlite() {
    staff_api(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_staff_api_reads_answers_and_searches_within_scope_on_postgres() {
    staff_api(Backend::Postgres).await;
}
