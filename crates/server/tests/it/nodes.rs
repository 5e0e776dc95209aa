//! Several real `hotline serve` processes on one PostgreSQL database, as the ministry runs
//! them behind a load balancer: what each takes is kept once, a node killed with SIGKILL
//! loses nothing acknowledged, the per-address limit is not multiplied by the nodes, the
//! alert passes are run by one node at a time and taken over when it dies, an inbox open on
//! one node hears at once of a report taken by another, and a restart of the database loses
//! nothing. PostgreSQL only.

use crate::channels::eventually;
use crate::harness::{
    Backend, Data, assert_kept_once_without_gaps, director_token, every_case_number, spawn_server,
    wait_ready,
};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A node's command: run in its own data folder (where a `hotline.toml` is read, if the test
/// wrote one), on the shared database and master key.
fn node(data: &Path, database_url: &str, master_key: &str, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hotline"));
    command
        .current_dir(data)
        .arg("--data-dir")
        .arg(data)
        .env("HOTLINE_DATABASE_URL", database_url)
        .env("HOTLINE_MASTER_KEY", master_key)
        .env("HOTLINE_UNPROVEN_SUBMISSIONS_PER_HOUR", "0")
        .env("RUST_LOG", "info");
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// A running node, killed (SIGKILL) when dropped if still running.
struct Node {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Node {
    async fn start(
        data: &Path,
        database_url: &str,
        master_key: &str,
        env: &[(&str, &str)],
    ) -> Self {
        let (child, base, log) = spawn_server(node(data, database_url, master_key, env));
        wait_ready(&base).await;
        Self { child, base, log }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn logged(&self, message: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|line| {
                serde_json::from_str::<Value>(line)
                    .is_ok_and(|entry| entry["fields"]["message"] == message)
            })
            .count()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

fn master_key() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// The test's database, with the environment the CLI needs to reach it.
struct Shared {
    /// Kept for its drop, which removes the schema.
    _schema: Data,
    url: String,
    key: String,
}

impl Shared {
    async fn new() -> Option<Self> {
        let data = Data::new(Backend::Postgres).await?;
        let url = data.database_url.clone()?;
        Some(Self {
            _schema: data,
            url,
            key: master_key(),
        })
    }

    fn cli_env(&self) -> [(&'static str, &str); 2] {
        [
            ("HOTLINE_DATABASE_URL", self.url.as_str()),
            ("HOTLINE_MASTER_KEY", self.key.as_str()),
        ]
    }

    async fn pool(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.url).await.unwrap()
    }
}

#[tokio::test]
async fn two_nodes_take_reports_once_and_a_node_killed_loses_nothing() {
    let Some(shared) = Shared::new().await else {
        return;
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let limits_off = [("HOTLINE_PUBLIC_SUBMISSIONS_PER_MINUTE", "0")];
    // Started together on an empty schema: one migrates, the other waits for it (sqlx's
    // advisory lock), and both bind the same master key.
    let (a, b) = tokio::join!(
        Node::start(dir_a.path(), &shared.url, &shared.key, &limits_off),
        Node::start(dir_b.path(), &shared.url, &shared.key, &limits_off),
    );
    let (mut a, b) = (a, b);

    const IN_FLIGHT: usize = 16;
    const BEFORE_KILL: usize = 200;
    const IN_ALL: usize = 400;
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let enough = Arc::new(tokio::sync::Notify::new());
    let client = reqwest::Client::new();
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|w| {
            let (client, acknowledged, enough) =
                (client.clone(), acknowledged.clone(), enough.clone());
            // Half the clients reach node A until it dies, then B, as a load balancer would
            // send them; the other half reach B.
            let mut bases = vec![b.base.clone()];
            if w % 2 == 0 {
                bases.insert(0, a.base.clone());
            }
            tokio::spawn(async move {
                let mut i = 0;
                while let Some(base) = bases.first() {
                    if acknowledged.lock().unwrap().len() >= IN_ALL {
                        break;
                    }
                    i += 1;
                    let sent = client
                        .post(format!("{base}/api/v1/reports"))
                        .json(&json!({"text": format!("báo cáo {w}-{i}"), "province_code": 22}))
                        .send()
                        .await;
                    let response = match sent {
                        Ok(response) if response.status() == 201 => response,
                        Ok(response) => panic!("refused: {}", response.status()),
                        Err(_) => {
                            bases.remove(0);
                            continue;
                        }
                    };
                    let Ok(body) = response.json::<Value>().await else {
                        bases.remove(0);
                        continue;
                    };
                    let count = {
                        let mut acknowledged = acknowledged.lock().unwrap();
                        acknowledged.push(body["case_number"].as_str().unwrap().to_owned());
                        acknowledged.len()
                    };
                    if count == BEFORE_KILL {
                        enough.notify_one();
                    }
                }
            })
        })
        .collect();
    enough.notified().await;
    a.kill();
    for worker in workers {
        worker.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= IN_ALL);

    let token = director_token(dir_b.path(), &shared.cli_env());
    let stored = every_case_number(&b.base, &token).await;
    assert_kept_once_without_gaps(&stored, &acknowledged, IN_FLIGHT);
    drop(b);
}

#[tokio::test]
async fn the_per_address_limit_holds_across_nodes() {
    let Some(shared) = Shared::new().await else {
        return;
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let limit = [
        ("HOTLINE_PUBLIC_SUBMISSIONS_PER_MINUTE", "6"),
        ("HOTLINE_PUBLIC_SUBMISSIONS_BURST", "3"),
    ];
    let a = Node::start(dir_a.path(), &shared.url, &shared.key, &limit).await;
    let b = Node::start(dir_b.path(), &shared.url, &shared.key, &limit).await;
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..8 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let response = client
            .post(format!("{base}/api/v1/reports"))
            .json(&json!({"text": format!("thử giới hạn {i}"), "province_code": 22}))
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            let wait: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=10).contains(&wait), "{wait}");
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        3,
        "one allowance of three, not one per node: {statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 5);
    // What the database keeps of the limit names no address.
    let pool = shared.pool().await;
    let subjects: Vec<String> = sqlx::query_scalar("SELECT subject FROM allowances")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(!subjects.is_empty());
    assert!(
        subjects.iter().all(|s| !s.contains("127.0.0.1")),
        "{subjects:?}"
    );
    pool.close().await;
}

/// The alert chain's last level: the province's director.
const TOP: i64 = 3;

#[tokio::test]
async fn alerts_run_on_one_node_and_another_takes_them_over_when_it_dies() {
    let Some(shared) = Shared::new().await else {
        return;
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // Passes every second, each level waiting no time: the chain climbs a level a pass.
    for dir in [&dir_a, &dir_b] {
        std::fs::write(
            dir.path().join("hotline.toml"),
            "escalation_minutes = [0, 0, 0]\n",
        )
        .unwrap();
    }
    let fast = [
        ("HOTLINE_PUBLIC_SUBMISSIONS_PER_MINUTE", "0"),
        ("HOTLINE_ALERTS_EVERY_SECS", "1"),
    ];
    let a = Node::start(dir_a.path(), &shared.url, &shared.key, &fast).await;
    let b = Node::start(dir_b.path(), &shared.url, &shared.key, &fast).await;
    let pool = shared.pool().await;
    let holder = async || -> Option<String> {
        sqlx::query_scalar("SELECT holder FROM leases WHERE name = 'alerts'")
            .fetch_optional(&pool)
            .await
            .unwrap()
    };
    // Each node's name ends with the id kept in its data folder.
    let id_of = |dir: &tempfile::TempDir| {
        std::fs::read_to_string(dir.path().join("node-id"))
            .unwrap()
            .trim()
            .to_owned()
    };
    let (id_a, id_b) = (id_of(&dir_a), id_of(&dir_b));
    assert_ne!(id_a, id_b);
    // The province's own unit: its leaders are the chain's first level (no roster is kept),
    // its director the last.
    for cli in [
        [
            "user",
            "add",
            "--username",
            "qn.lanhdao",
            "--role",
            "unit_leader",
            "--unit",
            "22",
        ],
        [
            "user",
            "add",
            "--username",
            "qn.giamdoc",
            "--role",
            "director",
            "--unit",
            "22",
        ],
    ] {
        let mut args = cli.to_vec();
        args.push("--password-stdin");
        let added = crate::harness::run_cli(
            dir_b.path(),
            &args,
            &shared.cli_env(),
            Some("mat khau thu nghiem 2026\n"),
        );
        assert!(
            added.status.success(),
            "{}",
            crate::harness::stderr_of(&added)
        );
    }

    // The node that runs the passes dies; an urgent report then comes in through the other.
    // (At zero waits a chain climbs to the top in the pass that starts it: a chain left half
    // way is an open chain in the database, continued by whichever node holds the passes.)
    let mut held_by = None;
    eventually("a node runs the alert passes", async || {
        held_by = holder().await;
        held_by.is_some()
    })
    .await;
    let held_by = held_by.unwrap();
    let (mut dying, survivor, survivor_id) = if held_by.ends_with(&id_a) {
        (a, b, id_b)
    } else {
        assert!(held_by.ends_with(&id_b), "{held_by}");
        (b, a, id_a)
    };
    dying.kill();
    let client = reqwest::Client::new();
    let created: Value = client
        .post(format!("{}/api/v1/reports", survivor.base))
        .json(&json!({
            "text": "Cứu với! Có người cầm dao đang đâm người ở chợ, máu chảy nhiều",
            "province_code": 22
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = created["case_number"].as_str().unwrap().to_owned();
    let level = async || -> Option<i64> {
        sqlx::query_scalar(
            "SELECT c.level FROM alert_chains c JOIN reports r ON r.id = c.report_id \
             WHERE r.case_number = $1",
        )
        .bind(&case)
        .fetch_optional(&pool)
        .await
        .unwrap()
    };
    // The survivor takes the passes over once the lease lapses (three passes), starts the
    // chain and climbs it.
    eventually("the chain reached the director", async || {
        level().await == Some(TOP)
    })
    .await;
    assert!(holder().await.is_some_and(|h| h.ends_with(&survivor_id)));
    assert_eq!(survivor.logged("urgent report: alert chain started"), 1);
    assert!(survivor.logged("urgent report not acknowledged: escalated") >= 1);
    // Each officer alerted once per level, whichever node alerted them.
    let alerted: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT a.level, a.staff_id, COUNT(*) FROM alerts a JOIN reports r ON r.id = a.report_id \
         WHERE r.case_number = $1 GROUP BY a.level, a.staff_id",
    )
    .bind(&case)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(!alerted.is_empty());
    assert!(alerted.iter().all(|(_, _, n)| *n == 1), "{alerted:?}");
    assert!(alerted.iter().any(|(level, _, _)| *level < TOP));
    assert!(alerted.iter().any(|(level, _, _)| *level == TOP));
    pool.close().await;
}

/// A PostgreSQL server of the test's own (the shared one cannot be restarted under the other
/// tests), run as the `postgres` user from the installed binaries, reached only through a
/// socket in its own folder (no port to race for, nothing on the network trusting anyone);
/// stopped when dropped.
struct OwnPostgres {
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
}

impl OwnPostgres {
    /// `None` where it cannot be had: no PostgreSQL binaries, or not root (to run them as
    /// `postgres`).
    fn start() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .map(|version| version.path().join("bin"))
            .find(|bin| bin.join("pg_ctl").exists())?;
        let root = Command::new("id").arg("-u").output().ok()?;
        if String::from_utf8_lossy(&root.stdout).trim() != "0" {
            eprintln!("not root: the PostgreSQL restart test is skipped");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let chowned = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(chowned.success());
        let own = Self { bin, dir };
        own.as_postgres("initdb", &["-A", "trust", "-U", "postgres", "-D"]);
        own.start_server();
        Some(own)
    }

    fn as_postgres(&self, program: &str, args: &[&str]) {
        let status = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(program))
            .args(args)
            .arg(self.dir.path().join("data"))
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{program} failed");
    }

    fn start_server(&self) {
        let options = format!(
            "-c listen_addresses= -c unix_socket_directories={}",
            self.dir.path().display()
        );
        self.as_postgres(
            "pg_ctl",
            &["-w", "-l", "/dev/null", "-o", &options, "start", "-D"],
        );
    }

    fn stop_server(&self) {
        self.as_postgres("pg_ctl", &["-w", "-m", "fast", "stop", "-D"]);
    }

    fn url(&self) -> String {
        format!(
            "postgres://postgres@localhost/postgres?host={}",
            self.dir.path().display()
        )
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-w", "-m", "immediate", "stop", "-D"])
            .arg(self.dir.path().join("data"))
            .status();
    }
}

#[tokio::test]
async fn a_database_restart_under_load_loses_nothing_and_the_node_recovers_by_itself() {
    // Run where the other PostgreSQL tests run.
    if std::env::var("HOTLINE_TEST_POSTGRES_URL").is_err() {
        return;
    }
    let Some(postgres) = OwnPostgres::start() else {
        return;
    };
    let key = master_key();
    let dir = tempfile::tempdir().unwrap();
    let limits_off = [("HOTLINE_PUBLIC_SUBMISSIONS_PER_MINUTE", "0")];
    let node = Node::start(dir.path(), &postgres.url(), &key, &limits_off).await;

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let unavailable = Arc::new(Mutex::new(0usize));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let client = reqwest::Client::new();
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (client, base) = (client.clone(), node.base.clone());
            let (acknowledged, unavailable, stop) =
                (acknowledged.clone(), unavailable.clone(), stop.clone());
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    i += 1;
                    let response = client
                        .post(format!("{base}/api/v1/reports"))
                        .timeout(Duration::from_secs(30))
                        .json(&json!({"text": format!("báo cáo {w}-{i}"), "province_code": 22}))
                        .send()
                        .await
                        .expect("the node answers, whatever the database does");
                    match response.status().as_u16() {
                        201 => {
                            let body: Value = response.json().await.unwrap();
                            acknowledged
                                .lock()
                                .unwrap()
                                .push(body["case_number"].as_str().unwrap().to_owned());
                        }
                        503 => {
                            assert!(
                                response.headers().contains_key("retry-after"),
                                "503 says when to try again"
                            );
                            *unavailable.lock().unwrap() += 1;
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                        other => panic!("answered {other} while the database restarted"),
                    }
                }
            })
        })
        .collect();
    let count = || acknowledged.lock().unwrap().len();
    eventually("fifty reports taken", async || count() >= 50).await;
    postgres.stop_server();
    // Down: not ready, and submissions refused with 503 rather than left hanging.
    eventually("readiness says the database is away", async || {
        let ready = client
            .get(format!("{}/readyz", node.base))
            .send()
            .await
            .unwrap();
        ready.status() == 503
    })
    .await;
    // Those in flight when it went are answered within the pool's wait (5 s), the next at once.
    let during = *unavailable.lock().unwrap();
    eventually("submissions answered 503 meanwhile", async || {
        *unavailable.lock().unwrap() >= during + 8
    })
    .await;
    let before_restart = count();
    postgres.start_server();
    // Back: the node recovers without a restart.
    wait_ready(&node.base).await;
    eventually("intake recovered", async || count() >= before_restart + 50).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }

    let token = director_token(
        dir.path(),
        &[
            ("HOTLINE_DATABASE_URL", postgres.url().as_str()),
            ("HOTLINE_MASTER_KEY", key.as_str()),
        ],
    );
    let stored: HashSet<String> = every_case_number(&node.base, &token)
        .await
        .into_iter()
        .collect();
    let acknowledged = acknowledged.lock().unwrap().clone();
    for case in &acknowledged {
        assert!(stored.contains(case), "acknowledged {case} was lost");
    }
    drop(node);
}

#[tokio::test]
async fn an_inbox_open_on_one_node_hears_of_a_report_taken_by_another_at_once() {
    use crate::harness::{Server, browser, sign_in};
    let Some(data) = Data::new(Backend::Postgres).await else {
        return;
    };
    data.add_staff("qn.truc", hotline_domain::Role::DutyOfficer, "22")
        .await;
    let other = tempfile::tempdir().unwrap();
    let a = Server::start(data.config()).await;
    let b = Server::start(data.config_for_another_node(other.path())).await;
    let desk = browser();
    sign_in(&desk, &b, "qn.truc").await;
    let updates = |told: i64| {
        let (desk, url) = (
            desk.clone(),
            b.url(&format!("/console/inbox/updates?after=0&told={told}")),
        );
        async move {
            let answer: Value = desk.get(url).send().await.unwrap().json().await.unwrap();
            answer
        }
    };
    // Told nothing yet: answered at once, nothing new.
    assert_eq!(updates(-1).await["count"], 0);
    // Told 0: the question waits on node B ...
    let waiting = tokio::spawn(updates(0));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "it waits for a report");
    // ... until a report comes in on node A.
    let submitted = std::time::Instant::now();
    let created = reqwest::Client::new()
        .post(a.url("/api/v1/reports"))
        .json(&json!({"text": "Cháy nhà, có người mắc kẹt bên trong", "province_code": 22}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let answer = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("answered within seconds, not at the end of the wait")
        .unwrap();
    assert_eq!(answer["count"], 1);
    assert_eq!(answer["urgent"], 1);
    assert!(submitted.elapsed() < Duration::from_secs(5));
    // Stopping a node answers the questions waiting on it at once.
    let waiting = tokio::spawn(updates(1));
    // Nothing outside shows that the question has reached the node: give it the time a
    // request on loopback takes, many times over.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopping = std::time::Instant::now();
    b.stop().await;
    assert!(waiting.await.is_ok());
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "the stop did not wait the 20 s out"
    );
    a.stop().await;
}
