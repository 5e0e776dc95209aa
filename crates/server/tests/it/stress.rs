//! The whole system under stress and faults: a lane full of citizens' requests turns the next
//! ones away at once (503, `Retry-After`, a Vietnamese page naming 113) while the console and
//! the health checks answer; clients too slow with their request are cut off; a database
//! locked by another process or a full disk refuses clearly, damages nothing acknowledged,
//! and recovers by itself; a backup taken while intake runs flat out restores and verifies;
//! a day of webhooks replayed at once is taken in once and in order.

use crate::channels::{SECRET, VERIFY, eventually, fixture, signed};
use crate::harness::{Backend, Data, Server, api_list, browser, page, run_cli, sign_in, stderr_of};
use hotline_domain::Role;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Opens a connection and sends `head` and nothing more: a client that stalls.
async fn stalled(server: &Server, head: &str) -> TcpStream {
    let address = server.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// A submission's head promising a body it never sends whole.
fn stalled_submission(server: &Server) -> String {
    let host = server.base.trim_start_matches("http://");
    format!(
        "POST /api/v1/reports HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{{\"text\": \"Có"
    )
}

/// Reads what the server sends until it closes the connection (bounded, so a server that
/// never does fails the test instead of hanging it).
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection")
        .ok();
    String::from_utf8_lossy(&answer).into_owned()
}

async fn submit(server: &Server, text: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(server.url("/api/v1/reports"))
        .json(&serde_json::json!({ "text": text, "province_code": 22 }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_full_public_lane_turns_citizens_away_while_staff_and_health_checks_answer() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.trucban", Role::DutyOfficer, "22").await;
    let server = Server::start(hotline_server::config::Config {
        public_requests_in_flight: 2,
        request_queue_wait_ms: 50,
        ..data.config()
    })
    .await;
    let before = submit(&server, "Có người lạ theo dõi nhà tôi mấy đêm nay.").await;
    assert_eq!(before.status(), 201);

    // Two clients hold both of the public lane's turns, each sending a body that never ends.
    let mut holders = Vec::new();
    for _ in 0..2 {
        holders.push(stalled(&server, &stalled_submission(&server)).await);
    }
    let client = browser();
    eventually("the public lane is full", async || {
        client
            .get(server.url("/gui-tin-bao"))
            .send()
            .await
            .unwrap()
            .status()
            == 503
    })
    .await;

    // Citizens: told at once, in Vietnamese, to try again, and where to call meanwhile.
    let turned_away = client.get(server.url("/gui-tin-bao")).send().await.unwrap();
    assert_eq!(turned_away.status(), 503);
    assert_eq!(turned_away.headers()["retry-after"], "10");
    let html = turned_away.text().await.unwrap();
    assert!(html.contains("<h1>Đường dây đang bận</h1>"), "{html}");
    assert!(html.contains("quá tải"), "{html}");
    assert!(html.contains("113"), "{html}");
    let api = submit(&server, "Có cháy ở chợ").await;
    assert_eq!(api.status(), 503);
    assert_eq!(api.headers()["retry-after"], "10");
    assert_eq!(
        api.headers()["content-type"],
        "application/problem+json",
        "the API's refusal is a problem document"
    );
    let problem: serde_json::Value = api.json().await.unwrap();
    assert_eq!(problem["status"], 503);

    // A forged token or session does not lead into the staff lane: it waits with the public.
    let forged = reqwest::Client::new()
        .get(server.url("/api/v1/reports"))
        .bearer_auth("forged-token")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 503);
    let forged_session = reqwest::Client::new()
        .get(server.url("/console"))
        .header("cookie", "hotline_session=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged_session.status(), 503);

    // The health checks take no turn; staff holding a token, or signed in before the flood,
    // have a lane of their own.
    let ready = client.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let token = data.token("qn.trucban").await;
    let listed = reqwest::Client::new()
        .get(server.url("/api/v1/reports"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200, "a staff token is served");
    drop(holders);
    sign_in(&client, &server, "qn.trucban").await;
    let mut holders = Vec::new();
    for _ in 0..2 {
        holders.push(stalled(&server, &stalled_submission(&server)).await);
    }
    eventually("the public lane is full again", async || {
        browser()
            .get(server.url("/gui-tin-bao"))
            .send()
            .await
            .unwrap()
            .status()
            == 503
    })
    .await;
    let inbox = page(&client, server.url("/console")).await;
    assert!(inbox.contains("<table"), "the inbox answers: {inbox}");
    let metrics = client
        .get(format!("{}/metrics", server.metrics_base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("hotline_http_shed_total{lane=\"public\"}"),
        "{metrics}"
    );

    // The holders give up: the lane takes submissions again, and nothing turned away was kept.
    drop(holders);
    eventually("the public lane takes submissions again", async || {
        submit(&server, "Xe tải chở cát rơi vãi trên quốc lộ 18.")
            .await
            .status()
            == 201
    })
    .await;
    let listed = api_list(&server.base, "/api/v1/reports", &token).await;
    let summaries: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["summary"].as_str().unwrap())
        .collect();
    assert_eq!(summaries.len(), 2, "{summaries:?}");
    assert!(!summaries.iter().any(|s| s.contains("cháy")));
    server.stop().await;
}

#[tokio::test]
async fn clients_too_slow_with_their_request_are_cut_off() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let server = Server::start(hotline_server::config::Config {
        header_read_timeout_secs: 1,
        body_read_timeout_secs: 1,
        ..data.config()
    })
    .await;

    // Slowloris: half a head, then nothing; a connection that never asks anything; one that
    // opens as HTTP/2 would and goes quiet.
    let mut half_head = stalled(&server, "GET /gui-tin-bao HTTP/1.1\r\nHost: x\r\n").await;
    let mut silent = stalled(&server, "").await;
    let mut preface = stalled(&server, "PRI * HTTP/2.0\r\n").await;
    assert!(!read_to_close(&mut preface).await.contains(" 200 "));
    let answer = read_to_close(&mut half_head).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(read_to_close(&mut silent).await.is_empty());

    // A body that stops arriving: 408, and nothing kept.
    let mut slow_body = stalled(&server, &stalled_submission(&server)).await;
    let answer = read_to_close(&mut slow_body).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");

    // The form's page says so in Vietnamese.
    let host = server.base.trim_start_matches("http://");
    let mut slow_form = stalled(
        &server,
        &format!(
            "POST /gui-tin-bao HTTP/1.1\r\nHost: {host}\r\nOrigin: {base}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 400\r\n\r\ntext=C",
            base = server.base
        ),
    )
    .await;
    let answer = read_to_close(&mut slow_form).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("gián đoạn"), "{answer}");

    // Meanwhile, and afterwards, requests that come whole are served.
    assert_eq!(
        submit(&server, "Có người bán hàng cấm.").await.status(),
        201
    );
    server.stop().await;
}

#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let server = Server::start(hotline_server::config::Config {
        max_connections_per_address: 3,
        // Long enough that only the ceiling can close the fourth connection below.
        header_read_timeout_secs: 600,
        ..data.config()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(stalled(&server, "GET / HTTP/1.1\r\n").await);
    }
    let mut fourth = stalled(&server, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(
        read_to_close(&mut fourth).await.is_empty(),
        "closed unanswered"
    );
    drop(held);
    eventually("the address is served again", async || {
        reqwest::Client::new()
            .get(server.url("/readyz"))
            .send()
            .await
            .is_ok_and(|answer| answer.status() == 200)
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_database_locked_by_another_process_fails_fast_and_recovers() {
    use sqlx::Connection;
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.trucban", Role::DutyOfficer, "22").await;
    let token = data.token("qn.trucban").await;
    let server = Server::start(data.config()).await;
    assert_eq!(
        submit(&server, "Trộm xe máy ở chợ Hạ Long.").await.status(),
        201
    );

    // A backup tool takes the write lock and holds it.
    let mut backup = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        data.dir.path().join("hotline.db").display()
    ))
    .await
    .unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut backup)
        .await
        .unwrap();

    let refused = submit(&server, "Đánh nhau trước quán karaoke.").await;
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    // Public reading goes on (the write-ahead log lets readers past a writer); staff reading
    // does not, as no report is read without its line in the audit trail.
    let directory = reqwest::Client::new()
        .get(server.url("/danh-ba/quang-ninh"))
        .send()
        .await
        .unwrap();
    assert_eq!(directory.status(), 200);
    let audited = reqwest::Client::new()
        .get(server.url("/api/v1/reports"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(audited.status(), 503);

    sqlx::query("ROLLBACK").execute(&mut backup).await.unwrap();
    backup.close().await.unwrap();
    assert_eq!(
        submit(&server, "Đánh nhau trước quán karaoke.")
            .await
            .status(),
        201
    );
    let listed = api_list(&server.base, "/api/v1/reports", &token).await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        2,
        "the refused submission was not kept; the one sent again is, once"
    );
    server.stop().await;
}

/// A small file system of the test's own, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    /// `None` when this process may not mount one (not root, or no such capability): the test
    /// is then skipped, unless `HOTLINE_TEST_REQUIRE_MOUNT` says it must run (CI sets it).
    fn mount(megabytes: u32) -> Option<Self> {
        let path =
            std::env::temp_dir().join(format!("hotline-disk-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&path).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&path)
            .status()
            .is_ok_and(|status| status.success());
        if mounted {
            return Some(Self { path });
        }
        let _ = std::fs::remove_dir(&path);
        assert!(
            std::env::var_os("HOTLINE_TEST_REQUIRE_MOUNT").is_none(),
            "a small file system could not be mounted (run as root)"
        );
        eprintln!("cannot mount a small file system here: disk-full test skipped");
        None
    }

    /// Fills what room is left with `filler`.
    fn fill(&self, filler: &Path) {
        use std::io::Write;
        let mut file = std::fs::File::create(filler).unwrap();
        let block = vec![0xA5u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        let small = [0u8; 512];
        while file.write_all(&small).is_ok() {}
        let _ = file.sync_all();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status();
        let _ = std::fs::remove_dir(&self.path);
    }
}

#[tokio::test]
async fn a_full_disk_refuses_clearly_damages_nothing_and_recovers_when_space_returns() {
    let Some(disk) = SmallDisk::mount(64) else {
        return;
    };
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let config = hotline_server::config::Config {
        data_dir: disk.path.join("data"),
        master_key_file: Some(data.dir.path().join("master.key")),
        public_submissions_per_minute: 0,
        ..data.config()
    };
    let service = hotline_server::Service::open(&config).await.unwrap();
    service
        .hotline
        .add_staff(
            "qn.trucban",
            "",
            Role::DutyOfficer,
            &"22".parse().unwrap(),
            hotline_core::demo::DEMO_PASSWORD,
        )
        .await
        .unwrap();
    let token = service
        .hotline
        .create_api_token("qn.trucban", "test")
        .await
        .unwrap();
    connect_whatsapp(&service).await;
    service.close().await;
    let server = Server::start(config).await;
    let mut acknowledged = Vec::new();
    for text in [
        "Cướp giật điện thoại ở phố đi bộ.",
        "Có người say rượu đập phá.",
    ] {
        let answer = submit(&server, text).await;
        assert_eq!(answer.status(), 201);
        let created: serde_json::Value = answer.json().await.unwrap();
        acknowledged.push(created["case_number"].as_str().unwrap().to_owned());
    }

    // 3 a.m.: something else fills the disk.
    let filler = disk.path.join("filler");
    disk.fill(&filler);
    let mut refusals = 0;
    for n in 0..20 {
        let answer = submit(
            &server,
            &format!("Tin báo số {n} khi đĩa đầy: trộm cắp tài sản."),
        )
        .await;
        match answer.status().as_u16() {
            201 => {
                // SQLite may still find room in pages it already has.
                let created: serde_json::Value = answer.json().await.unwrap();
                acknowledged.push(created["case_number"].as_str().unwrap().to_owned());
            }
            503 => {
                assert!(answer.headers().contains_key("retry-after"));
                refusals += 1;
            }
            other => panic!("a full disk answered {other}, not 201 or 503"),
        }
    }
    assert!(refusals > 0, "a full disk never refused a submission");
    let delivery = whatsapp_delivery("wamid.DISKFULL0001");
    let status = post_delivery(&server, &delivery).await;
    assert!(
        status >= 500,
        "a delivery that could not be journalled answers {status}: the platform delivers again"
    );
    let store_full = async || {
        let metrics = page(
            &reqwest::Client::new(),
            format!("{}/metrics", server.metrics_base),
        )
        .await;
        metrics
            .lines()
            .find_map(|line| line.strip_prefix("hotline_store_full "))
            .map(str::to_owned)
    };
    // Just after a write was refused (one that fits in pages SQLite has lowers it again).
    assert_eq!(
        store_full().await.as_deref(),
        Some("1"),
        "the operator's alert is raised"
    );

    // Space returns: intake and the journal work again by themselves.
    std::fs::remove_file(&filler).unwrap();
    eventually("intake takes reports again", async || {
        let answer = submit(&server, "Sau khi đĩa có chỗ: báo tin đánh bạc.").await;
        if answer.status() != 201 {
            return false;
        }
        let created: serde_json::Value = answer.json().await.unwrap();
        acknowledged.push(created["case_number"].as_str().unwrap().to_owned());
        true
    })
    .await;
    assert_eq!(post_delivery(&server, &delivery).await, 200);
    assert_eq!(store_full().await.as_deref(), Some("0"), "and lowered");

    // Every report acknowledged is there and opens.
    for case in &acknowledged {
        let report = reqwest::Client::new()
            .get(server.url(&format!("/api/v1/reports/{case}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(report.status(), 200, "{case}");
    }
    let listed = api_list(&server.base, "/api/v1/reports?limit=500", &token).await;
    let mut stored: Vec<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["case_number"].as_str().unwrap().to_owned())
        .collect();
    eventually("the delivery became a report", async || {
        let listed = api_list(&server.base, "/api/v1/reports?limit=500", &token).await;
        stored = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["case_number"].as_str().unwrap().to_owned())
            .collect();
        stored.len() == acknowledged.len() + 1
    })
    .await;
    for case in &acknowledged {
        assert!(stored.contains(case), "{case} was acknowledged and lost");
    }
    server.stop().await;
}

/// Connects Quảng Ninh's WhatsApp account, signed with [`SECRET`].
async fn connect_whatsapp(service: &hotline_server::Service) {
    let settings = [
        ("app_secret".to_owned(), SECRET.to_owned()),
        ("verify_token".to_owned(), VERIFY.to_owned()),
    ];
    service
        .hotline
        .add_channel_account(
            None,
            &hotline_core::channels::AccountInput {
                platform: "whatsapp",
                name: "qn-whatsapp",
                unit: "22",
                settings: &settings,
                api_base: None,
            },
        )
        .await
        .unwrap();
}

fn whatsapp_delivery(id: &str) -> Vec<u8> {
    String::from_utf8(fixture("whatsapp/text_message.json"))
        .unwrap()
        .replace(
            "wamid.HBgLODQ5MTIzNDU2NzgVAgASGBQzRUIwQjE4QkM1RjA2QjE2MkU0RgA=",
            id,
        )
        .into_bytes()
}

async fn post_delivery(server: &Server, body: &[u8]) -> u16 {
    reqwest::Client::new()
        .post(server.url("/hooks/whatsapp/qn-whatsapp"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", signed(body, SECRET))
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_backup_taken_while_intake_runs_at_full_speed_restores_and_verifies() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.director", Role::Director, "22").await;
    let token = data.token("qn.director").await;
    let server = Server::start(data.config()).await;

    // Sixteen integrations submit as fast as they are answered until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let (acknowledged, mut progress) = tokio::sync::watch::channel(Vec::<String>::new());
    let acknowledged = Arc::new(acknowledged);
    let writers: Vec<_> = (0..16)
        .map(|_| {
            let (base, token, stop, acknowledged) = (
                server.base.clone(),
                token.clone(),
                stop.clone(),
                acknowledged.clone(),
            );
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                while !stop.load(Ordering::Relaxed) {
                    let answer = client
                        .post(format!("{base}/api/v1/reports"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({
                            "text": "Tin báo thử khi sao lưu (dữ liệu giả): trộm cắp ở bến xe.",
                            "province_code": 22,
                        }))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(answer.status(), 201, "no submission fails during a backup");
                    let created: serde_json::Value = answer.json().await.unwrap();
                    let case = created["case_number"].as_str().unwrap().to_owned();
                    acknowledged.send_modify(|cases| cases.push(case));
                }
            })
        })
        .collect();
    progress.wait_for(|cases| cases.len() >= 50).await.unwrap();

    // The backup, taken meanwhile by the command an operator's timer runs.
    let before: Vec<String> = progress.borrow().clone();
    let backup = data.dir.path().join("under-load.db");
    let (folder, file) = (data.dir.path().to_path_buf(), backup.clone());
    let backed_up = tokio::task::spawn_blocking(move || {
        run_cli(
            &folder,
            &["backup", "--to", file.to_str().unwrap()],
            &[],
            None,
        )
    })
    .await
    .unwrap();
    assert!(backed_up.status.success(), "{}", stderr_of(&backed_up));
    // Intake goes on after it, unharmed.
    let after_backup = progress.borrow().len();
    progress
        .wait_for(|cases| cases.len() >= after_backup + 20)
        .await
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let all = progress.borrow().clone();
    server.stop().await;

    // Restored elsewhere, under the same key: the chain verifies, and the backup holds every
    // report acknowledged before it began, each opening, and none never acknowledged.
    let restored = tempfile::tempdir().unwrap();
    let key = data.dir.path().join("keys/master.key");
    let key_env = [("HOTLINE_MASTER_KEY_FILE", key.to_str().unwrap())];
    let restore = run_cli(
        restored.path(),
        &["restore", "--from", backup.to_str().unwrap()],
        &key_env,
        None,
    );
    assert!(restore.status.success(), "{}", stderr_of(&restore));
    let verify = run_cli(restored.path(), &["audit", "verify"], &key_env, None);
    assert!(verify.status.success(), "{}", stderr_of(&verify));
    let config = hotline_server::config::Config {
        data_dir: restored.path().to_path_buf(),
        master_key_file: Some(key.clone()),
        ..data.config()
    };
    let service = hotline_server::Service::open(&config).await.unwrap();
    let stored = service.hotline.store.count_reports().await.unwrap();
    service.close().await;
    let server = Server::start(config).await;
    let client = reqwest::Client::new();
    let mut present = 0;
    for case in &all {
        let opened = client
            .get(server.url(&format!("/api/v1/reports/{case}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        assert!(opened == 200 || opened == 404, "{case}: {opened}");
        if opened == 200 {
            present += 1;
        } else {
            assert!(
                !before.contains(case),
                "{case} was acknowledged before the backup"
            );
        }
    }
    assert_eq!(
        usize::try_from(stored).unwrap(),
        present,
        "the backup holds only reports that were acknowledged, each once"
    );
    server.stop().await;
}

/// A WhatsApp delivery of one text message, as the platform writes it: `text` from `sender`,
/// sent at `sent` (seconds since the epoch).
fn whatsapp_message(id: &str, sender: usize, sent: i64, text: &str) -> Vec<u8> {
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "109876543210987", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "84901234567", "phone_number_id": "112233445566778"},
            "contacts": [{"profile": {"name": format!("Người dân giả {sender}")},
                          "user_id": format!("VN.REPLAY{sender}")}],
            "messages": [{"user_id": format!("VN.REPLAY{sender}"), "id": id,
                          "timestamp": sent.to_string(), "type": "text", "text": {"body": text}}]
        }}]}]
    })
    .to_string()
    .into_bytes()
}

/// A gateway that was down all day replays the day's deliveries at once: each of them twice,
/// in no order, every timestamp a day old. Each message is taken in once, each citizen's
/// conversation reads in the order they wrote it, and the journal drains.
#[tokio::test]
async fn a_day_of_webhooks_replayed_at_once_is_taken_in_once_and_in_order() {
    use futures_util::StreamExt;
    const SENDERS: usize = 6;
    const EACH: usize = 12;
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.director", Role::Director, "22").await;
    let token = data.token("qn.director").await;
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    connect_whatsapp(&service).await;
    service.close().await;
    let server = Server::start(data.config()).await;

    // Sender s wrote their message k at minute k·SENDERS + s of yesterday morning.
    let day_start = hotline_domain::Clock::now(&hotline_domain::SystemClock).timestamp() - 86_400;
    let text = |sender: usize, k: usize| format!("Người {sender} nhắn lần thứ {k} (dữ liệu giả)");
    let mut deliveries = Vec::new();
    for sender in 0..SENDERS {
        for k in 0..EACH {
            let minute = i64::try_from(k * SENDERS + sender).unwrap();
            let body = whatsapp_message(
                &format!("wamid.REPLAY.{sender}.{k}"),
                sender,
                day_start + minute * 60,
                &text(sender, k),
            );
            deliveries.push(body.clone());
            deliveries.push(body);
        }
    }
    // In no order: a fixed permutation (37 shares no factor with the count), so that a
    // failure can be replayed.
    let count = deliveries.len();
    assert_ne!(count % 37, 0);
    let shuffled: Vec<Vec<u8>> = (0..count)
        .map(|i| deliveries[(i * 37) % count].clone())
        .collect();
    let statuses: Vec<u16> = futures_util::stream::iter(&shuffled)
        .map(|body| post_delivery(&server, body))
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(
        statuses.iter().all(|s| *s == 200),
        "every delivery acknowledged: {statuses:?}"
    );

    // One report per citizen, each holding their messages once, in the order they wrote them,
    // each with the time it was sent; and the journal drained, nothing waiting in it.
    let watcher = hotline_server::Service::open(&data.config()).await.unwrap();
    let account = watcher
        .hotline
        .store
        .channel_accounts()
        .await
        .unwrap()
        .remove(0);
    let mut cases: Vec<String> = Vec::new();
    let mut conversations: Vec<Vec<(String, i64)>> = Vec::new();
    eventually("every message taken in, the journal drained", async || {
        let listed = api_list(&server.base, "/api/v1/reports?limit=500", &token).await;
        cases = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["case_number"].as_str().unwrap().to_owned())
            .collect();
        conversations.clear();
        for case in &cases {
            let report = api_list(&server.base, &format!("/api/v1/reports/{case}"), &token).await;
            conversations.push(
                report["messages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|m| m["direction"] == "inbound")
                    .map(|m| {
                        let sent = m["sent_at"].as_str().expect("a platform message's sent_at");
                        let sent = chrono::DateTime::parse_from_rfc3339(sent).unwrap();
                        (m["text"].as_str().unwrap().to_owned(), sent.timestamp())
                    })
                    .collect(),
            );
        }
        let now = hotline_domain::Clock::now(&hotline_domain::SystemClock);
        let journal = watcher
            .hotline
            .store
            .delivery_counts(account.id, now)
            .await
            .unwrap();
        conversations.iter().map(Vec::len).sum::<usize>() >= SENDERS * EACH && journal.queued == 0
    })
    .await;
    assert_eq!(conversations.len(), SENDERS, "one report per citizen");
    conversations.sort();
    for (sender, conversation) in conversations.iter().enumerate() {
        let written: Vec<(String, i64)> = (0..EACH)
            .map(|k| {
                let minute = i64::try_from(k * SENDERS + sender).unwrap();
                (text(sender, k), day_start + minute * 60)
            })
            .collect();
        assert_eq!(conversation, &written, "citizen {sender}'s conversation");
    }

    // The duty officer's page places each message when it was sent and says when the hotline
    // received it, a day later.
    let officer = browser();
    sign_in(&officer, &server, "qn.director").await;
    let report_page = page(
        &officer,
        server.url(&format!("/console/reports/{}", cases[0])),
    )
    .await;
    assert_eq!(
        report_page.matches("đường dây nóng nhận được lúc").count(),
        EACH,
        "each late message says when it arrived"
    );
    watcher.close().await;
    server.stop().await;

    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let store = &service.hotline.store;
    let records = store.deliveries_of(account.id, false, 1000).await.unwrap();
    assert_eq!(records.len(), count, "each delivery journalled");
    assert!(
        records.iter().all(|r| r.state == "done"),
        "the journal drained: {:?}",
        records.iter().map(|r| &r.state).collect::<Vec<_>>()
    );
    let taken: u32 = records.iter().map(|r| r.messages).sum();
    assert_eq!(
        taken as usize,
        SENDERS * EACH,
        "each message taken in once, its repeat found taken in before"
    );
    service.close().await;
}
