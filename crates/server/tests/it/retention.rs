//! Retention: a purge destroys what its rule selects (data key and rows, nothing left in the
//! files) and spares what a legal hold keeps and what is newer; the audit says a purge ran,
//! not what it removed.

use crate::harness::{
    Backend, Data, Server, actor, browser, page, run_cli, sign_in, stderr_of, stdout_of,
};
use chrono::Duration;
use hotline_core::{CoreError, Submission};
use hotline_domain::{Channel, Clock, ContactInput, ReportInput, Role, SystemClock};
use hotline_server::Service;
use hotline_store::Visibility;

const RULES: &str = "[[retention]]\nstatus = \"received\"\nafter_days = 30\n";

fn report(text: &str, name: &str) -> ReportInput {
    ReportInput {
        text: text.into(),
        province_code: Some(22),
        contact: Some(ContactInput {
            name: Some(name.into()),
            phone: Some("0912 345 678".into()),
            email: None,
        }),
        ..Default::default()
    }
}

async fn purge(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    let service = Service::open(&data.config()).await.unwrap();
    let mut old = Vec::new();
    for i in 0..4 {
        let mut submission = Submission::new(
            report(
                &format!("Tin cũ số {i} về bảo kê"),
                &format!("Người Cũ Thứ {i}"),
            ),
            Channel::Web,
        );
        submission.received_at = Some(SystemClock.now() - Duration::days(100));
        old.push(
            service
                .hotline
                .submit(submission)
                .await
                .unwrap()
                .case_number,
        );
    }
    let fresh = service
        .hotline
        .submit(Submission::new(
            report("Tin mới về bảo kê", "Người Mới"),
            Channel::Web,
        ))
        .await
        .unwrap()
        .case_number;
    let everything = Visibility::Subtree(String::new());
    let mut wrapped_keys = Vec::new();
    for case in &old {
        let detail = service
            .hotline
            .store
            .report(&everything, case)
            .await
            .unwrap();
        wrapped_keys.push(detail.summary.wrapped_key.unwrap());
    }
    service.close().await;

    // A leader puts one old report on legal hold from the console, with a reason.
    let held = old[1].clone();
    let server = Server::start(data.config()).await;
    let leader = browser();
    sign_in(&leader, &server, "qn.director").await;
    let hold_url = server.url(&format!("/console/reports/{held}/legal-hold"));
    let short = leader
        .post(&hold_url)
        .form(
            &crate::harness::console_form(&leader, &server, &[("hold", "1"), ("reason", "giữ")])
                .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 400);
    assert!(short.text().await.unwrap().contains("ít nhất 10 ký tự"));
    let placed = leader
        .post(&hold_url)
        .form(
            &crate::harness::console_form(
                &leader,
                &server,
                &[
                    ("hold", "1"),
                    ("reason", "Yêu cầu của Viện kiểm sát số 12/VKS"),
                ],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), 303);
    let shown = page(&leader, server.url(&format!("/console/reports/{held}"))).await;
    assert!(shown.contains("Đang giữ") && shown.contains("Bỏ giữ hồ sơ"));
    let handler = browser();
    sign_in(&handler, &server, "qn.handler").await;
    let refused = handler
        .post(&hold_url)
        .form(
            &crate::harness::console_form(
                &handler,
                &server,
                &[("hold", "0"), ("reason", "Tôi muốn bỏ giữ hồ sơ này")],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    server.stop().await;

    let config_file = data.dir.path().join("hotline.toml");
    std::fs::write(&config_file, RULES).unwrap();
    let config_arg = config_file.display().to_string();
    let env: Vec<(&str, &str)> = data
        .database_url
        .iter()
        .map(|url| ("HOTLINE_DATABASE_URL", url.as_str()))
        .collect();
    let cli = |args: &[&str]| {
        let mut all = vec!["--config", config_arg.as_str()];
        all.extend(args);
        run_cli(data.dir.path(), &all, &env, None)
    };
    let dry = cli(&["retention", "run", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr_of(&dry));
    assert!(
        stdout_of(&dry).contains("would purge 3 reports; 1 kept by a legal hold"),
        "{}",
        stdout_of(&dry)
    );
    let service = Service::open(&data.config()).await.unwrap();
    assert_eq!(
        service.hotline.store.count_reports().await.unwrap(),
        5,
        "a dry run changes nothing"
    );
    service.close().await;

    let run = cli(&["retention", "run"]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    assert!(stdout_of(&run).contains("purged 3 reports; 1 kept by a legal hold"));

    let service = Service::open(&data.config()).await.unwrap();
    let director = actor(&service, "qn.director").await;
    for case in old.iter().filter(|c| **c != held) {
        assert!(matches!(
            service.hotline.report(&director, case.as_str()).await,
            Err(CoreError::NotFound)
        ));
    }
    for (case, text) in [(&held, "Tin cũ số 1 "), (&fresh, "Tin mới ")] {
        let view = service
            .hotline
            .report(&director, case.as_str())
            .await
            .unwrap();
        assert!(view.messages[0].message.body.starts_with(text));
        let hotline_core::Reveal::Shown(identity) = service
            .hotline
            .reveal_identity(
                &director,
                case.as_str(),
                "Kiểm tra sau khi xóa theo thời hạn",
            )
            .await
            .unwrap()
        else {
            panic!("shown at once")
        };
        assert!(identity.name.is_some());
    }
    assert_eq!(service.hotline.store.count_reports().await.unwrap(), 2);
    let entries = service
        .hotline
        .store
        .audit_entries(0, 10_000)
        .await
        .unwrap();
    let purge = entries
        .iter()
        .find(|e| e.action == "retention.purged")
        .unwrap();
    assert!(purge.detail.starts_with("reports=3 "), "{purge:?}");
    for case in old.iter().filter(|c| **c != held) {
        assert!(
            entries
                .iter()
                .all(|e| !e.subject.contains(case.as_str()) && !e.detail.contains(case.as_str())),
            "the audit keeps that a purge ran, not what it purged"
        );
    }
    assert!(service.hotline.verify_audit(None).await.unwrap().is_ok());
    service.close().await;

    if backend == Backend::Sqlite {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(data.dir.path()).unwrap() {
            let path = entry.unwrap().path();
            // The write-ahead log may vanish as the last connection closes.
            if path.to_string_lossy().contains("hotline.db")
                && let Ok(bytes) = std::fs::read(&path)
            {
                files.push(bytes);
            }
        }
        let contains = |needle: &[u8]| {
            files
                .iter()
                .any(|f| f.windows(needle.len()).any(|w| w == needle))
        };
        for (i, case) in old.iter().enumerate().filter(|(_, c)| **c != held) {
            assert!(
                !contains(&wrapped_keys[i]),
                "the data key of {case} is gone from disk"
            );
            assert!(
                !contains(case.as_str().as_bytes()),
                "{case} is gone from disk"
            );
        }
        assert!(contains(&wrapped_keys[1]), "the held report's key is kept");
    }
}

#[tokio::test]
async fn a_purge_spares_held_and_recent_reports_on_sqlite() {
    purge(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_purge_spares_held_and_recent_reports_on_postgres() {
    purge(Backend::Postgres).await;
}

#[test]
fn without_rules_retention_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_cli(dir.path(), &["retention", "run"], &[], None);
    assert!(run.status.success(), "{}", stderr_of(&run));
    assert!(stdout_of(&run).contains("retention is off"));
}

#[test]
fn a_rule_that_selects_everything_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("hotline.toml");
    std::fs::write(&config, "[[retention]]\nafter_days = 30\n").unwrap();
    let run = run_cli(
        dir.path(),
        &[
            "--config",
            &config.display().to_string(),
            "retention",
            "run",
        ],
        &[],
        None,
    );
    assert!(!run.status.success());
    assert!(stderr_of(&run).contains("names neither a legal_type nor a status"));
}
