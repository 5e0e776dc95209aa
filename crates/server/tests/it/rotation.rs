//! Master key rotation while the server runs and takes reports: no request fails, and
//! afterwards every report opens with the new key alone.

use crate::harness::{
    Backend, Data, Server, actor, browser, run_cli, sign_in, stderr_of, stdout_of,
};
use hotline_domain::Role;
use hotline_server::Service;
use hotline_vault::keys::KeyRing;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Submits through an integration's token: the per-address limit for citizens does not apply.
async fn submit(
    client: &reqwest::Client,
    server_url: &str,
    token: &str,
    i: usize,
) -> Result<String, String> {
    let r = client
        .post(format!("{server_url}/api/v1/reports"))
        .bearer_auth(token)
        .json(
            &json!({"text": format!("Báo tin số {i} về trộm xe"), "province_code": 22,
                      "contact": {"name": "Người Báo Tin Xoay Khóa", "phone": "0912 345 678"}}),
        )
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status();
    let body: Value = r.json().await.map_err(|e| e.to_string())?;
    if status != 201 {
        return Err(format!("{status}: {body}"));
    }
    Ok(body["case_number"].as_str().unwrap().to_owned())
}

async fn rotation_under_load(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("qn.gateway", Role::DutyOfficer, "22").await;
    let token = data.token("qn.gateway").await;
    let key_file = data.dir.path().join("keys/master.key");
    let old_ring = KeyRing::load(&key_file).unwrap();
    let server = Server::start(data.config()).await;
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let mut cases = Vec::new();
    for i in 0..30 {
        cases.push((i, submit(&client, &base, &token, i).await.unwrap()));
    }
    let reader = browser();
    sign_in(&reader, &server, "qn.director").await;

    let stop = Arc::new(AtomicBool::new(false));
    // How many submissions the writers have had answered, for waiting on progress.
    let (answered, mut progress) = tokio::sync::watch::channel(0usize);
    let answered = Arc::new(answered);
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let (stop, base, client, token, answered) = (
                stop.clone(),
                base.clone(),
                client.clone(),
                token.clone(),
                answered.clone(),
            );
            tokio::spawn(async move {
                let (mut done, mut failures) = (Vec::new(), Vec::new());
                let mut i = 1000 * (w + 1);
                while !stop.load(Ordering::Relaxed) {
                    match submit(&client, &base, &token, i).await {
                        Ok(case) => done.push((i, case)),
                        Err(e) => failures.push(e),
                    }
                    answered.send_modify(|n| *n += 1);
                    i += 1;
                }
                (done, failures)
            })
        })
        .collect();
    let reading = {
        let (stop, base, reader, cases) =
            (stop.clone(), base.clone(), reader.clone(), cases.clone());
        tokio::spawn(async move {
            let (mut reads, mut failures) = (0, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                for (i, case) in &cases {
                    let r = reader
                        .get(format!("{base}/console/reports/{case}"))
                        .send()
                        .await
                        .unwrap();
                    let status = r.status();
                    let body = r.text().await.unwrap();
                    if status != 200 || !body.contains(&format!("Báo tin số {i} ")) {
                        failures.push(format!("{case}: {status}"));
                    }
                    reads += 1;
                }
            }
            (reads, failures)
        })
    };

    // The load is under way before the rotation starts.
    progress.wait_for(|n| *n >= 20).await.unwrap();
    let dir = data.dir.path().to_path_buf();
    let env: Vec<(String, String)> = data
        .database_url
        .iter()
        .map(|url| ("HOTLINE_DATABASE_URL".to_owned(), url.clone()))
        .collect();
    let rotated = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run_cli(&dir, &["keys", "rotate"], &env, None)
    })
    .await
    .unwrap();
    assert!(rotated.status.success(), "{}", stderr_of(&rotated));
    assert!(stdout_of(&rotated).contains("data keys re-wrapped"));
    // Load goes on under the new key before it stops.
    let after_rotation = *progress.borrow_and_update() + 20;
    progress.wait_for(|n| *n >= after_rotation).await.unwrap();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        let (done, failures) = writer.await.unwrap();
        assert!(failures.is_empty(), "submissions failed: {failures:?}");
        cases.extend(done);
    }
    let (reads, failures) = reading.await.unwrap();
    assert!(failures.is_empty(), "reads failed: {failures:?}");
    assert!(reads > 0);
    server.stop().await;

    let new_ring = KeyRing::load(&key_file).unwrap();
    assert_eq!(
        new_ring.keys().count(),
        1,
        "the old key is gone from the file"
    );
    assert!(new_ring.get(old_ring.newest().id()).is_none());

    // Every report, old or written during the rotation, opens under the new key alone.
    let service = Service::open(&data.config()).await.unwrap();
    let director = actor(&service, "qn.director").await;
    for (i, case) in &cases {
        let view = service.hotline.report(&director, case).await.unwrap();
        assert!(
            view.messages[0]
                .message
                .body
                .starts_with(&format!("Báo tin số {i} "))
        );
        let hotline_core::Reveal::Shown(identity) = service
            .hotline
            .reveal_identity(&director, case, "Kiểm tra sau khi đổi khóa chủ")
            .await
            .unwrap()
        else {
            panic!("shown at once")
        };
        assert_eq!(identity.name.as_deref(), Some("Người Báo Tin Xoay Khóa"));
    }
    let entries = service
        .hotline
        .store
        .audit_entries(0, 10_000)
        .await
        .unwrap();
    let rotation = entries.iter().find(|e| e.action == "keys.rotated").unwrap();
    assert_eq!(rotation.subject, new_ring.newest().id());
    assert!(service.hotline.verify_audit(None).await.is_ok());
    service.close().await;

    // The old key alone no longer opens the store.
    old_ring.replace_file(&key_file).unwrap();
    let env: Vec<(&str, &str)> = data
        .database_url
        .iter()
        .map(|url| ("HOTLINE_DATABASE_URL", url.as_str()))
        .collect();
    let refused = run_cli(data.dir.path(), &["migrate"], &env, None);
    assert!(!refused.status.success());
    assert!(stderr_of(&refused).contains("is not the one this store's data is bound to"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotation_under_load_sqlite() {
    rotation_under_load(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotation_under_load_postgres() {
    rotation_under_load(Backend::Postgres).await;
}

#[test]
fn keys_from_the_environment_are_not_rotated_by_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let key = "ab".repeat(32);
    let env = [("HOTLINE_MASTER_KEY", key.as_str())];
    assert!(
        run_cli(dir.path(), &["migrate"], &env, None)
            .status
            .success()
    );
    let refused = run_cli(dir.path(), &["keys", "rotate"], &env, None);
    assert!(!refused.status.success());
    assert!(stderr_of(&refused).contains("HOTLINE_MASTER_KEY"));
}

#[test]
fn a_staged_rotation_is_resumed_not_restarted() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        run_cli(dir.path(), &["migrate"], &[], None)
            .status
            .success()
    );
    let key_file = dir.path().join("keys/master.key");
    let staged = run_cli(dir.path(), &["keys", "rotate", "--stage"], &[], None);
    assert!(staged.status.success(), "{}", stderr_of(&staged));
    let ring = KeyRing::load(&key_file).unwrap();
    assert_eq!(ring.keys().count(), 2);
    // Servers started with the staged ring still open the store (bound to the older key).
    assert!(
        run_cli(dir.path(), &["migrate"], &[], None)
            .status
            .success()
    );
    let finished = run_cli(dir.path(), &["keys", "rotate"], &[], None);
    assert!(finished.status.success(), "{}", stderr_of(&finished));
    let after = KeyRing::load(&key_file).unwrap();
    assert_eq!(after.keys().count(), 1);
    assert_eq!(
        after.newest().id(),
        ring.newest().id(),
        "the staged key, not another"
    );
}
