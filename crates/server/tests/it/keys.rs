//! The master key: made on first use and announced, required to match the store it was bound
//! to, taken from the environment when given there; follow-up codes stored only as keyed hashes.

use crate::harness::{run_cli, stderr_of as stderr};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

fn hotline(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    run_cli(data, args, env, None)
}

#[test]
fn a_new_store_gets_a_private_key_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let first = hotline(dir.path(), &["migrate"], &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stderr(&first).contains("A NEW MASTER KEY WAS CREATED"));
    let key_file = dir.path().join("keys/master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = hotline(dir.path(), &["migrate"], &[]);
    assert!(again.status.success());
    assert!(!stderr(&again).contains("NEW MASTER KEY"), "no second key");
}

#[test]
fn a_store_refuses_another_key_or_none() {
    let dir = tempfile::tempdir().unwrap();
    assert!(hotline(dir.path(), &["migrate"], &[]).status.success());
    let key_file = dir.path().join("keys/master.key");
    let original = std::fs::read_to_string(&key_file).unwrap();

    std::fs::write(&key_file, format!("{}\n", "11".repeat(32))).unwrap();
    let wrong = hotline(dir.path(), &["migrate"], &[]);
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains("is not the one this store's data is bound to"));

    std::fs::remove_file(&key_file).unwrap();
    let missing = hotline(dir.path(), &["migrate"], &[]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("restore the key file from its backup"));
    assert!(!key_file.exists(), "no stray new key is left behind");

    let from_env = hotline(
        dir.path(),
        &["migrate"],
        &[("HOTLINE_MASTER_KEY", original.trim())],
    );
    assert!(from_env.status.success(), "{}", stderr(&from_env));
    let wrong_env = hotline(
        dir.path(),
        &["migrate"],
        &[("HOTLINE_MASTER_KEY", &"22".repeat(32))],
    );
    assert!(!wrong_env.status.success());
    assert!(stderr(&wrong_env).contains("HOTLINE_MASTER_KEY"));
}

#[test]
fn keys_init_writes_once() {
    let dir = tempfile::tempdir().unwrap();
    let created = hotline(dir.path(), &["keys", "init"], &[]);
    assert!(created.status.success());
    assert!(dir.path().join("keys/master.key").exists());
    let twice = hotline(dir.path(), &["keys", "init"], &[]);
    assert!(!twice.status.success());
    assert!(stderr(&twice).contains("refusing to overwrite"));
    let used = hotline(dir.path(), &["migrate"], &[]);
    assert!(used.status.success());
    assert!(
        !stderr(&used).contains("NEW MASTER KEY"),
        "the initialised key is used"
    );
}

#[tokio::test]
async fn follow_up_codes_are_stored_as_keyed_hashes() {
    let data = crate::harness::Data::new(crate::harness::Backend::Sqlite)
        .await
        .unwrap();
    let server = crate::harness::Server::start(data.config()).await;
    let created: Value = reqwest::Client::new()
        .post(server.url("/api/v1/reports"))
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    server.stop().await;
    let code = created["follow_up_code"].as_str().unwrap().replace('-', "");
    let url = format!("sqlite://{}", data.dir.path().join("hotline.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let stored: String = sqlx::query_scalar("SELECT follow_up_digest FROM reports")
        .fetch_one(&pool)
        .await
        .unwrap();
    let wrapped_index: Vec<u8> = sqlx::query_scalar("SELECT index_key FROM vault_meta")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert!(!stored.contains(&code));
    assert_ne!(
        stored,
        hotline_vault::token_digest(&code),
        "not a plain hash anyone can recompute"
    );
    let ring =
        hotline_vault::keys::KeyRing::load(&data.dir.path().join("keys/master.key")).unwrap();
    let index = ring.newest().unwrap_index_key(&wrapped_index).unwrap();
    assert_eq!(stored, index.follow_up_digest(&code));
}

const NAME: &str = "Nguyễn Văn Bímật";
const EMAIL: &str = "nguoi.bao.bimat@example.vn";
const TEXT: &str = "Tố giác đường dây đánh bạc Quasimodo ở bến cá";
/// Why a member revealed the identity: it says what the report is about.
const REASON: &str = "Xác minh nguồn tin Quasimodo-lý-do";

/// Bytes that only an evidence file holds.
const EVIDENCE: &str = "EVIDENCE-BYTES-7781";

/// A store that was used, and what of its use must not be found in its files: the form's
/// token and the WhatsApp message's id (its sender's number) besides the fixed
/// [`holds_secret`] needles (among them a reveal's reason).
struct Used {
    data: crate::harness::Data,
    secrets: Vec<String>,
}

/// Submits a report with a full identity, one from the form with a PDF and one by WhatsApp,
/// and returns the data of the stopped server.
async fn report_with_identity(backend: crate::harness::Backend) -> Option<Used> {
    let data = crate::harness::Data::new(backend).await?;
    data.add_staff("qn.director", hotline_domain::Role::Director, "22")
        .await;
    crate::stolen_copy::connect_whatsapp(&data).await;
    let server = crate::harness::Server::start(data.config()).await;
    crate::stolen_copy::deliver_whatsapp(&server).await;
    let created = reqwest::Client::new()
        .post(server.url("/api/v1/reports"))
        .json(&json!({
            "text": TEXT,
            "province_code": 22,
            "address": "Ngõ Quasimodo số 7",
            "contact": {"name": NAME, "phone": "0912 345 678", "email": EMAIL}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let case = created.json::<Value>().await.unwrap()["case_number"]
        .as_str()
        .unwrap()
        .to_owned();
    // A reveal, then (once the report is about police conduct) a request for one: each
    // keeps its reason, sealed.
    let director = crate::harness::browser();
    crate::harness::sign_in(&director, &server, "qn.director").await;
    let (status, _) = crate::reveal::reveal(&director, &server, &case, REASON).await;
    assert_eq!(status, 200);
    crate::reveal::classify(&data, backend, &case, "police_conduct").await;
    let (status, _) = crate::reveal::reveal(&director, &server, &case, REASON).await;
    assert_eq!(status, 202);
    let pdf = format!("%PDF-1.7\n1 0 obj\n<< /Title ({EVIDENCE}) >>\nendobj\n%%EOF");
    let client = reqwest::Client::new();
    let fields = crate::harness::report_form(&client, &server, &[("text", TEXT)]).await;
    let form_token = fields[0].1.clone();
    assert_eq!(fields[0].0, "token");
    let form = crate::harness::multipart_of(fields).part(
        "files",
        reqwest::multipart::Part::bytes(pdf.into_bytes()).file_name("bien-ban.pdf"),
    );
    let with_file = client
        .post(server.url("/gui-tin-bao"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(with_file.status(), 201);
    crate::channels::eventually("the WhatsApp message is a report", async || {
        let service = hotline_server::Service::open(&data.config()).await.unwrap();
        let reports = service.hotline.store.count_reports().await.unwrap();
        service.close().await;
        reports == 3
    })
    .await;
    server.stop().await;
    Some(Used {
        data,
        secrets: vec![form_token, crate::stolen_copy::WAMID.to_owned()],
    })
}

/// The first of the fixed needles, or of `secrets`, that `bytes` hold.
fn holds_any(bytes: &[u8], secrets: &[String]) -> Option<String> {
    let found = |n: &str| bytes.windows(n.len()).any(|w| w == n.as_bytes());
    holds_secret(bytes)
        .map(str::to_owned)
        .or_else(|| secrets.iter().find(|s| found(s)).cloned())
}

fn holds_secret(bytes: &[u8]) -> Option<&'static str> {
    // The folded words too: the search index holds keyed hashes of them, never the words.
    let needles: [&str; 11] = [
        EVIDENCE,
        REASON,
        NAME,
        "Bímật",
        "912345678",
        "912 345 678",
        EMAIL,
        "Quasimodo",
        "quasimodo",
        "đánh bạc",
        "danh bac",
    ];
    needles
        .into_iter()
        .find(|n| bytes.windows(n.len()).any(|w| w == n.as_bytes()))
}

#[tokio::test]
async fn the_sqlite_data_folder_holds_no_identity_nor_text_and_the_key_opens_it() {
    let Used { data, secrets } = report_with_identity(crate::harness::Backend::Sqlite)
        .await
        .unwrap();
    let mut scanned = Vec::new();
    for entry in walk(data.dir.path()) {
        // The WAL may be checkpointed into the database and removed while we look.
        let Ok(bytes) = std::fs::read(&entry) else {
            continue;
        };
        assert_eq!(
            holds_any(&bytes, &secrets),
            None,
            "{} holds an identity",
            entry.display()
        );
        scanned.push(entry);
    }
    assert!(
        scanned.iter().any(|p| p.ends_with("hotline.db")),
        "the database was read"
    );
    let url = format!("sqlite://{}", data.dir.path().join("hotline.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let (wrapped, sealed): (Vec<u8>, Vec<u8>) = sqlx::query_as(
        "SELECT r.wrapped_key, c.sealed FROM reports r JOIN contacts c ON c.id = r.contact_id \
         WHERE r.channel = 'api'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    let ring =
        hotline_vault::keys::KeyRing::load(&data.dir.path().join("keys/master.key")).unwrap();
    let data_key = ring.newest().unwrap_data_key(&wrapped).unwrap();
    let identity = data_key
        .open(&sealed, hotline_core::intake::IDENTITY)
        .unwrap();
    let identity: Value = serde_json::from_slice(&identity).unwrap();
    assert_eq!(identity["name"], NAME);
    assert_eq!(identity["phone"], "+84912345678");
    assert_eq!(identity["email"], EMAIL);
}

#[tokio::test]
async fn a_postgres_dump_holds_no_identity_nor_text() {
    let Some(Used { data, secrets }) =
        report_with_identity(crate::harness::Backend::Postgres).await
    else {
        return;
    };
    let url = std::env::var("HOTLINE_TEST_POSTGRES_URL").unwrap();
    let schema = data.schema_name().unwrap();
    let dump = Command::new("pg_dump")
        .args(["--data-only", "--schema", &schema, &url])
        .output()
        .expect("pg_dump is installed with PostgreSQL");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    assert!(String::from_utf8_lossy(&dump.stdout).contains("contacts"));
    assert_eq!(holds_any(&dump.stdout, &secrets), None);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn hotline_with_stdin(data: &Path, args: &[&str], stdin: &str) -> Output {
    run_cli(data, args, &[], Some(stdin))
}

#[test]
fn an_exported_key_restores_access_with_its_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let export = dir.path().join("master-key.export");
    assert!(hotline(&data, &["migrate"], &[]).status.success());

    let short = hotline_with_stdin(
        &data,
        &["keys", "export", "--to", export.to_str().unwrap()],
        "short\n",
    );
    assert!(!short.status.success());
    assert!(stderr(&short).contains("at least 12 characters"));
    assert!(!export.exists());

    let passphrase = "một cụm mật khẩu đủ dài\n";
    let exported = hotline_with_stdin(
        &data,
        &["keys", "export", "--to", export.to_str().unwrap()],
        passphrase,
    );
    assert!(exported.status.success(), "{}", stderr(&exported));
    let text = std::fs::read_to_string(&export).unwrap();
    let key_file = data.join("keys/master.key");
    assert!(!text.contains(std::fs::read_to_string(&key_file).unwrap().trim()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&export).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    std::fs::remove_file(&key_file).unwrap();
    assert!(
        !hotline(&data, &["migrate"], &[]).status.success(),
        "the store wants its key"
    );
    let wrong = hotline_with_stdin(
        &data,
        &["keys", "import", "--from", export.to_str().unwrap()],
        "một cụm mật khẩu sai rồi\n",
    );
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains("passphrase is wrong"));
    let restored = hotline_with_stdin(
        &data,
        &["keys", "import", "--from", export.to_str().unwrap()],
        passphrase,
    );
    assert!(restored.status.success(), "{}", stderr(&restored));
    let reopened = hotline(&data, &["migrate"], &[]);
    assert!(reopened.status.success(), "{}", stderr(&reopened));
}

#[tokio::test]
async fn backup_and_restore_with_the_exported_key_bring_everything_back() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source");
    let backup = dir.path().join("hotline-backup.db");
    let export = dir.path().join("key.export");
    let passphrase = "một cụm mật khẩu đủ dài\n";

    // A store in use: staff, a token, a report with an identity, audited events.
    let added = hotline_with_stdin(
        &source,
        &[
            "user",
            "add",
            "--username",
            "checker",
            "--role",
            "director",
            "--password-stdin",
        ],
        "checker password\n",
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let mut config = hotline_server::config::Config {
        data_dir: source.clone(),
        bind: ([127, 0, 0, 1], 0).into(),
        ..Default::default()
    };
    let server = crate::harness::Server::start(config.clone()).await;
    let created: Value = reqwest::Client::new()
        .post(server.url("/api/v1/reports"))
        .json(&json!({"text": TEXT, "contact": {"name": NAME}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = created["case_number"].as_str().unwrap().to_owned();

    // Backed up while the server runs.
    let backed_up = hotline(&source, &["backup", "--to", backup.to_str().unwrap()], &[]);
    assert!(backed_up.status.success(), "{}", stderr(&backed_up));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "password hashes and sealed reports: owner only"
        );
    }
    let again = hotline(&source, &["backup", "--to", backup.to_str().unwrap()], &[]);
    assert!(
        !again.status.success(),
        "an existing file is not overwritten"
    );
    server.stop().await;
    let exported = hotline_with_stdin(
        &source,
        &["keys", "export", "--to", export.to_str().unwrap()],
        passphrase,
    );
    assert!(exported.status.success());
    let service = hotline_server::Service::open(&config).await.unwrap();
    let entries = service.hotline.store.audit_entries(0, 1000).await.unwrap();
    service.close().await;
    for action in ["store.backed_up", "keys.exported"] {
        let entry = entries.iter().find(|e| e.action == action).unwrap();
        assert!(
            !entry.detail.contains(dir.path().to_str().unwrap()),
            "file names only, not where they are"
        );
    }
    assert_eq!(
        holds_secret(&std::fs::read(&backup).unwrap()),
        None,
        "the backup is sealed too"
    );

    // Restored elsewhere with the re-imported key.
    let target = dir.path().join("restored");
    let restored = hotline(
        &target,
        &["restore", "--from", backup.to_str().unwrap()],
        &[],
    );
    assert!(restored.status.success(), "{}", stderr(&restored));
    let again = hotline(
        &target,
        &["restore", "--from", backup.to_str().unwrap()],
        &[],
    );
    assert!(!again.status.success(), "never over an existing database");
    let no_key = hotline(&target, &["audit", "verify"], &[]);
    assert!(!no_key.status.success(), "the restored store needs its key");
    let imported = hotline_with_stdin(
        &target,
        &["keys", "import", "--from", export.to_str().unwrap()],
        passphrase,
    );
    assert!(imported.status.success(), "{}", stderr(&imported));
    let verified = hotline(&target, &["audit", "verify"], &[]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(String::from_utf8_lossy(&verified.stdout).contains("audit chain intact"));

    let token = hotline(&target, &["token", "create", "--user", "checker"], &[]);
    let token = String::from_utf8(token.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    config.data_dir = target.clone();
    let server = crate::harness::Server::start(config).await;
    let list = crate::harness::api_list(&server.base, "/api/v1/reports", &token).await;
    server.stop().await;
    let item = &list["items"][0];
    assert_eq!(item["case_number"], case.as_str());
    assert_eq!(
        item["summary"], TEXT,
        "the sealed text opens with the restored key"
    );
}
