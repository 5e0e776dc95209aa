//! Bad input gets a clear error and changes nothing: oversized, malformed, wrong encoding,
//! unknown places, wrong type, cross-site posts, too many submissions, bad tokens.

use crate::harness::{Backend, Data, Server, browser, report_form};
use hotline_domain::Role;
use serde_json::{Value, json};

struct Fixture {
    _data: Data,
    server: Server,
    token: String,
    client: reqwest::Client,
}

async fn fixture(per_minute: u32) -> Fixture {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("bca.director", Role::Director, "bca").await;
    let token = data.token("bca.director").await;
    let mut config = data.config();
    config.max_body_bytes = 16 * 1024;
    config.public_submissions_per_minute = per_minute;
    config.public_submissions_burst = 3;
    let server = Server::start(config).await;
    Fixture {
        _data: data,
        server,
        token,
        client: browser(),
    }
}

impl Fixture {
    async fn stored(&self) -> usize {
        let list: Value = self
            .client
            .get(self.server.url("/api/v1/reports?limit=500"))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["items"].as_array().unwrap().len()
    }

    async fn post_json(&self, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let r = self
            .client
            .post(self.server.url("/api/v1/reports"))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        (status, r.json().await.unwrap())
    }

    /// Posts `body` after the hidden fields of a form just handed out, as its page would.
    async fn post_form(&self, body: impl AsRef<[u8]>) -> (u16, String) {
        let hidden = report_form(&self.client, &self.server, &[]).await;
        let mut sent: Vec<u8> = hidden
            .iter()
            .flat_map(|(name, value)| format!("{name}={value}&").into_bytes())
            .collect();
        sent.extend_from_slice(body.as_ref());
        let r = self
            .client
            .post(self.server.url("/gui-tin-bao"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(sent)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|x| x["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn api_refuses_bad_input_and_stores_nothing() {
    let f = fixture(0).await;
    let big = json!({"text": "a".repeat(20 * 1024)}).to_string();
    let (status, problem) = f.post_json(big).await;
    assert_eq!(status, 413);
    assert!(problem["request_id"].as_str().is_some());

    let (status, problem) = f.post_json("{\"text\": ").await;
    assert_eq!(status, 400);
    assert_eq!(problem["title"], "Malformed request");

    let (status, problem) = f.post_json(r#"{"province_code": 22}"#).await;
    assert_eq!(status, 400);
    assert_eq!(fields(&problem), ["text"]);

    let (status, problem) = f
        .post_json(r#"{"text": "x", "contact": {"phone": 912}}"#)
        .await;
    assert_eq!(status, 400);
    assert_eq!(fields(&problem), ["contact.phone"]);

    let (status, problem) = f.post_json(r#"{"text": "x", "provnce_code": 22}"#).await;
    assert_eq!(status, 400, "unknown fields are named, not ignored");
    assert!(problem["detail"].as_str().unwrap().contains("provnce_code"));

    let (status, problem) = f.post_json(&b"{\"text\": \"C\xf4ng an\"}"[..]).await;
    assert_eq!(status, 400);
    assert_eq!(problem["title"], "Invalid encoding");

    let (status, problem) = f.post_json(r#"{"text": "x", "province_code": 99}"#).await;
    assert_eq!(status, 422);
    assert_eq!(fields(&problem), ["province_code"]);

    let (status, problem) = f
        .post_json(r#"{"text": "x", "commune_code": 123456}"#)
        .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&problem), ["commune_code"]);

    let (status, problem) = f
        .post_json(r#"{"text": "x", "province_code": 22, "commune_code": 70}"#)
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["code"], "not_in_province");

    let (status, problem) = f
        .post_json(r#"{"text": "x", "anonymous": true, "contact": {"email": "a@b.vn"}}"#)
        .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&problem), ["anonymous"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ẩn danh")
    );

    let r = f
        .client
        .post(f.server.url("/api/v1/reports"))
        .header("content-type", "text/plain")
        .body("{\"text\": \"x\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);

    let r = f
        .client
        .post(f.server.url("/api/v1/reports"))
        .bearer_auth("not-a-token")
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "a wrong token is refused, not treated as anonymous"
    );

    let r = f
        .client
        .get(f.server.url("/api/v1/reports"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = f
        .client
        .get(f.server.url("/api/v1/reports?limit=501"))
        .bearer_auth(&f.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    assert_eq!(f.stored().await, 0, "nothing was stored");
    f.server.stop().await;
}

#[tokio::test]
async fn the_form_refuses_bad_input_in_vietnamese_and_keeps_what_was_typed() {
    let f = fixture(0).await;
    let (status, page) = f.post_form(format!("text={}", "a".repeat(20 * 1024))).await;
    assert_eq!(status, 413);
    assert!(page.contains("quá lớn"));

    let (status, page) = f.post_form(&b"text=C%F4ng+an"[..]).await;
    assert_eq!(status, 400);
    assert!(page.contains("UTF-8"));

    let (status, page) = f
        .post_form("text=T%C3%B4i+th%E1%BA%A5y&province_code=22&commune=hoan+kiem")
        .await;
    assert_eq!(status, 400);
    assert!(page.contains("Không tìm thấy xã, phường"));
    assert!(page.contains("Tôi thấy"), "the citizen's text is kept");

    let (status, page) = f.post_form("text=&identity=contact&phone=123").await;
    assert_eq!(status, 400);
    assert!(page.contains("Vui lòng nhập nội dung"));
    assert!(page.contains("Số điện thoại không hợp lệ"));

    let (status, _) = f.post_form("text=x&province_code=abc").await;
    assert_eq!(status, 400);

    let r = f
        .client
        .post(f.server.url("/gui-tin-bao"))
        .header("origin", "https://evil.example")
        .form(&[("text", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "cross-site post refused");
    let r = f
        .client
        .post(f.server.url("/gui-tin-bao"))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "null")
        .form(&[("text", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "fetch metadata says cross-site");
    let host = f.server.base.trim_start_matches("http://").to_owned();
    let r = f
        .client
        .post(f.server.url("/gui-tin-bao"))
        .header("origin", format!("http://{host}"))
        .form(&report_form(&f.client, &f.server, &[("text", "")]).await)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        400,
        "a same-origin post reaches the form (and fails validation)"
    );

    assert_eq!(f.stored().await, 0);
    f.server.stop().await;
}

#[tokio::test]
async fn citizens_are_limited_per_address_and_integrations_are_not() {
    let f = fixture(1).await;
    for _ in 0..3 {
        let r = f
            .client
            .post(f.server.url("/api/v1/reports"))
            .json(&json!({"text": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let r = f
        .client
        .post(f.server.url("/api/v1/reports"))
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let (status, page) = f.post_form("text=x").await;
    assert_eq!(status, 429);
    assert!(page.contains("113"));
    let r = f
        .client
        .post(f.server.url("/api/v1/reports"))
        .bearer_auth(&f.token)
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "token holders are not limited per address");
    assert_eq!(f.stored().await, 4);
    assert!(
        !r.headers().contains_key("strict-transport-security"),
        "not over TLS"
    );
    f.server.stop().await;
}

#[tokio::test]
async fn sign_in_failures_look_alike() {
    let f = fixture(0).await;
    let attempt = |username: &'static str| {
        let client = browser();
        let url = f.server.url("/console/sign-in");
        async move {
            let r = client
                .post(url)
                .form(&[("username", username), ("password", "wrong password")])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (known_status, known) = attempt("bca.director").await;
    let (unknown_status, unknown) = attempt("nobody.here").await;
    assert_eq!(known_status, 401);
    assert_eq!(unknown_status, 401);
    let message = "Tên đăng nhập hoặc mật khẩu không đúng.";
    assert!(known.contains(message) && unknown.contains(message));
    let r = browser()
        .get(f.server.url("/console"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the console needs a session");
    f.server.stop().await;
}

#[tokio::test]
async fn a_staff_post_without_its_sessions_form_token_changes_nothing() {
    let f = fixture(0).await;
    let (status, created) = {
        let r = f
            .client
            .post(f.server.url("/api/v1/reports"))
            .bearer_auth(&f.token)
            .json(&json!({"text": "Có người bán hàng giả ở chợ"}))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 201);
    let case = created["case_number"].as_str().unwrap().to_owned();
    let officer = browser();
    crate::harness::sign_in(&officer, &f.server, "bca.director").await;
    let other = browser();
    crate::harness::sign_in(&other, &f.server, "bca.director").await;
    let others_token = crate::harness::console_form(&other, &f.server, &[]).await[0]
        .1
        .clone();
    let reply_url = f.server.url(&format!("/console/reports/{case}/reply"));
    let hold_url = f.server.url(&format!("/console/reports/{case}/legal-hold"));
    let reply = "Chúng tôi đã nhận tin và sẽ xác minh.";
    let hold = [("hold", "1"), ("reason", "Giữ theo yêu cầu của cấp trên")];
    for csrf in [None, Some(""), Some(others_token.as_str()), Some("0123")] {
        let with = |fields: &[(&'static str, &'static str)]| {
            let mut sent: Vec<(&str, &str)> = fields.to_vec();
            if let Some(csrf) = csrf {
                sent.push(("csrf", csrf));
            }
            sent
        };
        let r = officer
            .post(&reply_url)
            .form(&with(&[("text", reply)]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "reply with {csrf:?}");
        assert!(r.text().await.unwrap().contains("Không có gì bị thay đổi"));
        let r = officer
            .post(&hold_url)
            .form(&with(&hold))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "hold with {csrf:?}");
        let r = officer
            .post(f.server.url("/console/sign-out"))
            .form(&with(&[]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "sign-out with {csrf:?}");
    }
    let shown =
        crate::harness::page(&officer, f.server.url(&format!("/console/reports/{case}"))).await;
    assert!(!shown.contains(reply), "no reply was sent");
    assert!(!shown.contains("Giữ theo yêu cầu"), "no hold was placed");
    let r = officer
        .post(&reply_url)
        .form(&crate::harness::console_form(&officer, &f.server, &[("text", reply)]).await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "with the session's own token");
    let shown =
        crate::harness::page(&officer, f.server.url(&format!("/console/reports/{case}"))).await;
    assert!(shown.contains(reply));
    f.server.stop().await;
}

/// An error carries only what went wrong; its answer is written for the request it answers:
/// the id the response header and the log carry, and the reader's language.
#[tokio::test]
async fn an_error_answers_in_the_readers_language_with_its_request_id() {
    let f = fixture(0).await;

    let r = f
        .client
        .get(f.server.url("/api/v1/reports/QN-2026-000001"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["request_id"], id.as_str());
    assert_eq!(problem["title"], "Unauthorized");

    for (lang, words) in [
        ("vi", "Không tìm thấy trang này."),
        ("en", "This page does not exist."),
    ] {
        let r = f
            .client
            .get(f.server.url(&format!("/khong-co-trang-nay?lang={lang}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
        let page = r.text().await.unwrap();
        assert!(page.contains(words), "{lang}: {page}");
        assert!(page.contains(&id), "the page names its request id");
    }

    // A field's sentence comes from the reader's catalogue.
    let r = f
        .client
        .post(f.server.url("/api/v1/reports?lang=en"))
        .bearer_auth(&f.token)
        .header("content-type", "application/json")
        .body(r#"{"text": "Có người đánh nhau ở chợ", "province_code": 999}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.unwrap();
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(!message.is_empty() && message.is_ascii(), "{message}");
}
