//! The master key: made on first use and announced, required to match the store it was bound
//! to, taken from the environment when given there; follow-up codes stored only as keyed hashes.

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

fn hotline(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotline"));
    cmd.arg("--data-dir").arg(data).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
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
    pool.close().await;
    assert!(!stored.contains(&code));
    assert_ne!(
        stored,
        hotline_vault::token_digest(&code),
        "not a plain hash anyone can recompute"
    );
    let key =
        hotline_vault::keys::MasterKey::load(&data.dir.path().join("keys/master.key")).unwrap();
    assert_eq!(stored, key.follow_up_digest(&code));
}
