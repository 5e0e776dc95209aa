//! The command line as scripts use it, on the real binary.

use crate::harness::{run_cli, stdout_of};
use std::path::Path;
use std::process::{Command, Output};

fn hotline(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    run_cli(data, args, &[], stdin)
}

fn stdout(output: &Output) -> String {
    stdout_of(output)
}

#[test]
fn user_add_on_a_fresh_folder_then_a_token_for_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("new-folder");
    let added = hotline(
        &data,
        &[
            "user",
            "add",
            "--username",
            "qn.director",
            "--role",
            "director",
            "--unit",
            "22",
            "--password-stdin",
        ],
        Some("một mật khẩu dài\n"),
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(stdout(&added).contains("Công an tỉnh Quảng Ninh"));

    let commune = hotline(
        &data,
        &[
            "user",
            "add",
            "--username",
            "ag.rach.gia",
            "--role",
            "handler",
            "--unit",
            "91/30742",
            "--password-stdin",
        ],
        Some("một mật khẩu dài\n"),
    );
    assert!(
        commune.status.success(),
        "{}",
        String::from_utf8_lossy(&commune.stderr)
    );
    assert!(stdout(&commune).contains("Công an phường Rạch Giá"));

    let token = hotline(&data, &["token", "create", "--user", "qn.director"], None);
    assert!(token.status.success());
    let last = stdout(&token).lines().last().unwrap().to_owned();
    assert_eq!(last.len(), 64);
    assert!(last.chars().all(|c| c.is_ascii_hexdigit()));

    let units = stdout(&hotline(&data, &["unit", "list"], None));
    assert!(
        units.contains("bca")
            && units.contains("Công an tỉnh Hà Tĩnh")
            && units.contains("91/30742")
    );
    assert_eq!(
        units
            .lines()
            .filter(|l| l.contains("provincial_police"))
            .count(),
        34
    );

    // Two accounts and a token: three audited events.
    let verified = hotline(&data, &["audit", "verify"], None);
    assert!(verified.status.success());
    assert!(stdout(&verified).contains("audit chain intact: 3 entries"));
    let head = stdout(&hotline(&data, &["audit", "head"], None))
        .trim()
        .to_owned();
    assert!(head.starts_with("3:") && head.len() == 2 + 64, "{head}");
    let against_head = hotline(&data, &["audit", "verify", "--head", &head], None);
    assert!(against_head.status.success());
    let future_head = format!("9:{}", "0".repeat(64));
    let truncated = hotline(&data, &["audit", "verify", "--head", &future_head], None);
    assert!(!truncated.status.success());
    assert!(
        String::from_utf8_lossy(&truncated.stderr).contains("entries were removed from the end")
    );
    // Each check recorded its head in the data folder's heads file, and the next check, given
    // no head, holds the chain to the last one there.
    let heads = std::fs::read_to_string(data.join("audit-heads")).unwrap();
    assert_eq!(heads.lines().count(), 2, "{heads}");
    assert!(heads.lines().all(|l| l.ends_with(&head)), "{heads}");
    std::fs::write(
        data.join("audit-heads"),
        format!("{heads}2026-12-06T00:00:00+00:00 {future_head}\n"),
    )
    .unwrap();
    let behind = hotline(&data, &["audit", "verify"], None);
    assert!(!behind.status.success());
    assert!(String::from_utf8_lossy(&behind.stderr).contains("entries were removed from the end"));
}

#[test]
fn bad_arguments_get_clear_errors_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "user",
                "add",
                "--username",
                "x.y",
                "--role",
                "king",
                "--unit",
                "22",
                "--password-stdin",
            ],
            "unknown role",
        ),
        (
            &[
                "user",
                "add",
                "--username",
                "x.y",
                "--role",
                "director",
                "--unit",
                "99",
                "--password-stdin",
            ],
            "unknown unit",
        ),
        (
            &[
                "user",
                "add",
                "--username",
                "x.y",
                "--role",
                "director",
                "--unit",
                "22/70",
                "--password-stdin",
            ],
            "unknown unit",
        ),
        (
            &[
                "user",
                "add",
                "--username",
                "x.y",
                "--role",
                "director",
                "--unit",
                "22",
            ],
            "--password-stdin",
        ),
        (&["token", "create", "--user", "nobody"], "no staff account"),
    ];
    for (args, expected) in cases {
        let out = hotline(dir.path(), args, Some("một mật khẩu dài\n"));
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let short = hotline(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "x.y",
            "--role",
            "director",
            "--unit",
            "22",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(!short.status.success());
    let again = hotline(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "x.y",
            "--role",
            "director",
            "--unit",
            "22",
            "--password-stdin",
        ],
        Some("một mật khẩu dài\n"),
    );
    assert!(
        again.status.success(),
        "nothing was left half-made by the failures"
    );
    let dup = hotline(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "x.y",
            "--role",
            "director",
            "--unit",
            "22",
            "--password-stdin",
        ],
        Some("một mật khẩu dài\n"),
    );
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
}

#[test]
fn config_check_redacts_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args([
            "--database-url",
            "postgres://hotline:s3cret@db.example/hotline",
            "config",
            "check",
        ])
        .env("HOTLINE_DEFAULT_UNIT", "22")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(!text.contains("s3cret"), "{text}");
    assert!(text.contains("postgres://hotline:***@db.example/hotline"));
    assert!(text.contains("default_unit = \"22\""));
}

#[test]
fn deadline_works_a_limit_out_by_hand_without_a_data_folder() {
    let empty = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hotline"))
            .current_dir(empty.path())
            .arg("deadline")
            .args(args)
            .output()
            .unwrap()
    };
    // Tết 2026 (17 February) closes Vietnam from 14 to 22 February.
    let out = run(&["--rule", "receipt_notice", "--from", "2026-02-12T10:00"]);
    assert!(out.status.success());
    let shown = stdout(&out);
    assert!(shown.contains("due:         2026-02-24 24:00"), "{shown}");
    assert!(shown.contains("basis:       TTLT 01/2017"), "{shown}");
    let out = run(&[
        "--rule",
        "denunciation_settlement",
        "--from",
        "2026-05-04",
        "--extensions",
        "2",
        "--suspended-days",
        "10",
    ]);
    assert!(
        stdout(&out).contains("due:         2026-08-12 24:00"),
        "{}",
        stdout(&out)
    );
    // A source of crime does not go on after a suspension: it starts anew (--resumed-on).
    let out = run(&[
        "--rule",
        "crime_source",
        "--from",
        "2026-05-04",
        "--suspended-days",
        "10",
    ]);
    assert!(!out.status.success());
    // A source of crime resumed after a suspension: one month from the resumption (R9).
    let out = run(&[
        "--rule",
        "crime_source",
        "--from",
        "2027-01-01",
        "--extensions",
        "2",
        "--resumed-on",
        "2027-05-15",
    ]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("due:         2027-06-15 24:00"),
        "{}",
        stdout(&out)
    );
    for bad in [
        vec!["--rule", "soon", "--from", "2026-05-04"],
        vec!["--rule", "crime_source", "--from", "4/5/2026"],
        vec![
            "--rule",
            "crime_source",
            "--from",
            "2026-05-04",
            "--extensions",
            "3",
        ],
        vec![
            "--rule",
            "receipt_notice",
            "--from",
            "2026-05-04",
            "--suspended-days",
            "2",
        ],
    ] {
        let out = run(&bad);
        assert!(!out.status.success(), "{bad:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    }
    assert_eq!(
        std::fs::read_dir(empty.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn triage_reads_a_report_on_standard_input_and_prints_its_hints() {
    use std::io::Write;
    let empty = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .current_dir(empty.path())
        .arg("triage")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("cuu voi, co nguoi cam dao dam nguoi o cho Ha Long, sdt 0900 000 123".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let hints: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hints["urgency"], "emergency");
    assert_eq!(hints["topic"], "violence_assault");
    assert_eq!(hints["legal_type"], "crime_denunciation");
    assert_eq!(hints["province_code"], 22);
    assert!(hints["confidence"]["legal_type"].is_number());
    let pii = hints["pii"].as_array().unwrap();
    assert_eq!(pii.len(), 1);
    assert_eq!(pii.first().unwrap()["kind"], "phone");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("0900"),
        "where personal data is, never what"
    );
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
}
