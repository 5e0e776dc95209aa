//! Crash safety: reports are submitted concurrently to the real binary, which is killed with
//! SIGKILL mid-stream. After a restart every report that got a 201 is present, none twice, and
//! case numbers have no gaps.

use crate::harness::{
    Backend, Data, Server, assert_kept_once_without_gaps, director_token, every_case_number,
    run_cli, spawn_server, stderr_of, wait_ready,
};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};

const IN_FLIGHT: usize = 16;
const ACKNOWLEDGED_BEFORE_KILL: usize = 300;

fn hotline(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotline"));
    cmd.arg("--data-dir")
        .arg(data)
        .env("HOTLINE_PUBLIC_SUBMISSIONS_PER_MINUTE", "0")
        .env("HOTLINE_UNPROVEN_SUBMISSIONS_PER_HOUR", "0");
    cmd
}

/// Starts `hotline serve` on port 0 and returns it with its address, read from its JSON log.
fn serve(data: &Path) -> (Child, String) {
    let (child, base, _) = serve_logged(data, "info");
    (child, base)
}

/// Like [`serve`] with the log filter `filter`, also collecting every log line.
fn serve_logged(data: &Path, filter: &str) -> (Child, String, Arc<Mutex<Vec<String>>>) {
    let mut command = hotline(data);
    command.env("RUST_LOG", filter);
    spawn_server(command)
}

fn checker_token(data: &Path) -> String {
    director_token(data, &[])
}

#[tokio::test]
async fn every_acknowledged_report_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = serve(dir.path());
    wait_ready(&base).await;

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    // Told once enough reports were acknowledged: the kill waits on that, not on a clock.
    let enough = Arc::new(tokio::sync::Notify::new());
    let client = reqwest::Client::new();
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|w| {
            let (client, base, acknowledged) = (client.clone(), base.clone(), acknowledged.clone());
            let enough = enough.clone();
            tokio::spawn(async move {
                for i in 0.. {
                    let sent = client
                        .post(format!("{base}/api/v1/reports"))
                        .json(&json!({"text": format!("báo cáo {w}-{i}"), "province_code": 42}))
                        .send()
                        .await;
                    let Ok(response) = sent else { break };
                    if response.status() != 201 {
                        // Refused before the kill: the test cannot go on, so say so at once.
                        enough.notify_one();
                        break;
                    }
                    let Ok(body) = response.json::<Value>().await else {
                        break;
                    };
                    let case = body["case_number"].as_str().unwrap().to_owned();
                    let count = {
                        let mut acknowledged = acknowledged.lock().unwrap();
                        acknowledged.push(case);
                        acknowledged.len()
                    };
                    if count == ACKNOWLEDGED_BEFORE_KILL {
                        enough.notify_one();
                    }
                }
            })
        })
        .collect();
    enough.notified().await;
    assert!(
        acknowledged.lock().unwrap().len() >= ACKNOWLEDGED_BEFORE_KILL,
        "the server refused reports before the kill"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for w in workers {
        w.await.unwrap();
    }
    let acknowledged: Vec<String> = acknowledged.lock().unwrap().clone();

    let token = checker_token(dir.path());

    let (mut child, base) = serve(dir.path());
    wait_ready(&base).await;
    let stored = every_case_number(&base, &token).await;
    child.kill().unwrap();
    child.wait().unwrap();

    assert_kept_once_without_gaps(&stored, &acknowledged, IN_FLIGHT);
}

#[tokio::test]
async fn sigterm_stops_gracefully_and_keeps_what_was_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = serve(dir.path());
    wait_ready(&base).await;
    let client = reqwest::Client::new();
    let mut cases = Vec::new();
    for i in 0..20 {
        let r: Value = client
            .post(format!("{base}/api/v1/reports"))
            .json(&json!({"text": format!("trước khi dừng {i}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        cases.push(r["case_number"].as_str().unwrap().to_owned());
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "a graceful stop exits 0: {status}");

    let (mut child, base) = serve(dir.path());
    wait_ready(&base).await;
    let token = checker_token(dir.path());
    let list = crate::harness::api_list(&base, "/api/v1/reports?limit=100", &token).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let stored: HashSet<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["case_number"].as_str().unwrap())
        .collect();
    assert_eq!(stored.len(), cases.len());
    assert!(cases.iter().all(|c| stored.contains(c.as_str())));
}

#[tokio::test]
async fn logs_carry_no_identity_and_no_report_text() {
    let dir = tempfile::tempdir().unwrap();
    checker_token(dir.path());
    // Debug level: everything the libraries say, too.
    let (mut child, base, log) = serve_logged(dir.path(), "debug");
    wait_ready(&base).await;
    let client = reqwest::Client::new();
    let accepted = client
        .post(format!("{base}/api/v1/reports"))
        .json(&json!({
            "text": "Nội dung tố giác bí mật XYZZY, gọi lại 0911 222 333",
            "province_code": 22,
            "contact": {"name": "Nguyễn Văn Thử", "phone": "0912 345 678", "email": "nguoi.bao@example.vn"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 201);
    let case = accepted.json::<serde_json::Value>().await.unwrap()["case_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = client
        .post(format!("{base}/api/v1/reports"))
        .json(&json!({"text": "XYZZY lần hai", "contact": {"phone": "số 0987654321 sai"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    client
        .post(format!("{base}/console/sign-in"))
        .form(&[("username", "nguoi.la"), ("password", "mat-khau-XYZZY")])
        .send()
        .await
        .unwrap();
    // An officer's day: open the report, reveal the identity and a masked number, search.
    let officer = crate::harness::browser();
    let signed = officer
        .post(format!("{base}/console/sign-in"))
        .form(&[("username", "checker"), ("password", "checker password")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.headers()["location"], "/console/second-factor");
    crate::harness::give_second_factor(&officer, &base, &base, "checker").await;
    let report_url = format!("{base}/console/reports/{case}");
    let page = officer
        .get(&report_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let message = page
        .split("name=\"message\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let csrf = crate::harness::field_value(&page, "csrf").unwrap();
    let csrf = ("csrf", csrf.as_str());
    let reason = ("reason", "Lý do QWERTY cần xác minh");
    for (path, form) in [
        (format!("{report_url}/identity"), vec![csrf, reason]),
        (
            format!("{report_url}/masked-item"),
            vec![csrf, reason, ("message", message.as_str()), ("item", "0")],
        ),
        (
            format!("{base}/console/search"),
            vec![csrf, ("q", "XYZZY bí mật")],
        ),
        (
            format!("{base}/console/search"),
            vec![csrf, ("q", "0912 345 678"), reason],
        ),
    ] {
        let r = officer.post(&path).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    let log = log.lock().unwrap().join("\n");
    assert!(log.contains("request_id"), "request ids are logged");
    assert!(
        log.contains("\"level\":\"DEBUG\""),
        "the log ran at debug level"
    );
    for secret in [
        "XYZZY",
        "Nguyễn",
        "Thử",
        "912 345",
        "912345678",
        "nguoi.bao",
        "0987654321",
        "nguoi.la",
        "911 222 333",
        "911222333",
        "QWERTY",
        "bí mật",
    ] {
        assert!(!log.contains(secret), "the log holds {secret:?}");
    }
}

/// A WhatsApp delivery of one text message, `id` from sender `sender`, and its signature.
fn whatsapp_delivery(id: usize, sender: usize) -> (String, String) {
    use hmac::Mac;
    let body = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","contacts":[{{"profile":{{"name":"Ng\u01b0\u1eddi d\u00e2n {sender}"}},"user_id":"VN.{sender}"}}],"messages":[{{"user_id":"VN.{sender}","id":"wamid.BURST{id}","timestamp":"1795184100","type":"text","text":{{"body":"Tin nh\u1eafn s\u1ed1 {id}"}}}}]}}}}]}}]}}"#
    );
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"burst-secret").unwrap();
    mac.update(body.as_bytes());
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    (body, signature)
}

#[tokio::test]
async fn a_burst_of_deliveries_through_a_kill_9_is_taken_in_exactly_once() {
    const DELIVERIES: usize = 1000;
    const SENDERS: usize = 100;
    let dir = tempfile::tempdir().unwrap();
    let added = run_cli(
        dir.path(),
        &[
            "channel",
            "add",
            "--platform",
            "whatsapp",
            "--account",
            "burst",
            "--unit",
            "22",
            "--set",
            "app_secret=burst-secret",
            "--set",
            "verify_token=v",
        ],
        &[],
        None,
    );
    assert!(added.status.success(), "{}", stderr_of(&added));
    let (mut child, base) = serve(dir.path());
    wait_ready(&base).await;

    // Each delivery, and every tenth twice (platforms redeliver); sent by 16 workers, like a
    // platform retrying whatever did not get a 200.
    let queue: Vec<usize> = (0..DELIVERIES).chain((0..DELIVERIES).step_by(10)).collect();
    let queue = Arc::new(Mutex::new(queue));
    let acknowledged = Arc::new(Mutex::new(HashSet::<usize>::new()));
    let enough = Arc::new(tokio::sync::Notify::new());
    let base = Arc::new(Mutex::new(base));
    let client = reqwest::Client::new();
    let send_all = |stop_at: Option<usize>| {
        (0..IN_FLIGHT)
            .map(|_| {
                let (client, base, queue) = (client.clone(), base.clone(), queue.clone());
                let (acknowledged, enough) = (acknowledged.clone(), enough.clone());
                tokio::spawn(async move {
                    // A server that keeps refusing ends the test with its assertion, not never.
                    let mut refused = 0;
                    while refused < 200 {
                        let Some(id) = queue.lock().unwrap().pop() else {
                            break;
                        };
                        let (body, signature) = whatsapp_delivery(id, id % SENDERS);
                        let url = format!("{}/hooks/whatsapp/burst", base.lock().unwrap());
                        let sent = client
                            .post(url)
                            .header("x-hub-signature-256", signature)
                            .body(body)
                            .send()
                            .await;
                        match sent {
                            Ok(r) if r.status() == 200 => {
                                let count = {
                                    let mut acknowledged = acknowledged.lock().unwrap();
                                    acknowledged.insert(id);
                                    acknowledged.len()
                                };
                                if stop_at == Some(count) {
                                    enough.notify_one();
                                }
                            }
                            // Not acknowledged: delivered again later, as platforms do.
                            _ => {
                                refused += 1;
                                queue.lock().unwrap().insert(0, id);
                                if stop_at.is_some() {
                                    break;
                                }
                            }
                        }
                    }
                })
            })
            .collect::<Vec<_>>()
    };
    let workers = send_all(Some(DELIVERIES / 2));
    enough.notified().await;
    child.kill().unwrap(); // SIGKILL, mid-stream
    child.wait().unwrap();
    for w in workers {
        w.await.unwrap();
    }
    let (mut child, restarted) = serve(dir.path());
    wait_ready(&restarted).await;
    *base.lock().unwrap() = restarted;
    for w in send_all(None) {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert_eq!(
        acknowledged.len(),
        DELIVERIES,
        "every delivery got its 200 in the end"
    );

    // Every message taken in once: one message per platform id, one report per sender.
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("hotline.db").display()
    ))
    .await
    .unwrap();
    let count = async |sql: &str| -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&db)
            .await
            .unwrap()
    };
    let mut waited = 0;
    while count("SELECT COUNT(*) FROM deliveries WHERE state <> 'done'").await > 0 {
        // A delivery the killed server had claimed comes back when its claim runs out.
        waited += 1;
        if waited >= 1500 {
            let left: Vec<(String, i64, Option<String>)> = sqlx::query_as(
                "SELECT state, attempts, last_error FROM deliveries WHERE state <> 'done' LIMIT 5",
            )
            .fetch_all(&db)
            .await
            .unwrap();
            panic!("deliveries left unprocessed: {left:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        count("SELECT COUNT(DISTINCT platform_message_id) FROM messages WHERE account = 'burst'")
            .await,
        i64::try_from(DELIVERIES).unwrap()
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM messages WHERE account = 'burst' AND direction = 'inbound'")
            .await,
        i64::try_from(DELIVERIES).unwrap(),
        "no message twice"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM reports WHERE channel = 'whatsapp'").await,
        i64::try_from(SENDERS).unwrap(),
        "one report per sender"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM deliveries WHERE state = 'dead'").await,
        0
    );
    db.close().await;
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
#[should_panic(expected = "a test that fails while its server runs")]
/// A server dropped without its graceful stop (here by a panicking test) lets its runtime
/// close: the word indexer's thread ends with its handle, so the test fails instead of hanging.
async fn a_test_that_fails_while_its_server_runs_ends() {
    let Some(data) = Data::new(Backend::Sqlite).await else {
        panic!("a test that fails while its server runs (no store)");
    };
    let _server = Server::start(data.config()).await;
    panic!("a test that fails while its server runs");
}
