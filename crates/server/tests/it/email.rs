//! The published mailbox end to end, against a real Dovecot and a real SMTP server: mail
//! becomes reports exactly once across a restart (and a crash's window), decoded whatever its
//! encoding, threaded on its references; acknowledgements and officers' answers leave by
//! SMTP as replies; machines get no automatic answer.

use crate::channels::{eventually, journalled};
use crate::harness::{Backend, Data, Server, api_list};
use crate::mail_servers::{Dovecot, SmtpSink};
use hotline_domain::Role;
use mail_parser::MessageParser;
use serde_json::{Value, json};

const ADDRESS: &str = "tiepnhan.demo@example.com";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../fixtures/email/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A legacy mail: windows-1258, its tone marks decomposed.
fn windows_1258_mail() -> Vec<u8> {
    let mut raw = b"From: =?windows-1258?Q?Ng=FD=F5=CCi_d=E2n?= <dan.cu@example.vn>\r\n\
To: tiepnhan.demo@example.com\r\n\
Subject: =?windows-1258?Q?Tr=F4=F2m_xe?=\r\n\
Message-ID: <cp1258-demo@example.vn>\r\n\
Date: Sat, 21 Nov 2026 08:00:00 +0700\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=windows-1258\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\n"
        .to_vec();
    raw.extend_from_slice(b"Tr\xf4\xf2m xe \xf5\xd2 ch\xf5\xf2 \xd0\xf4\xccng S\xf5n.\r\n");
    raw
}

fn html_only_mail() -> Vec<u8> {
    "From: Tran Van Binh <binh.demo@example.vn>\r\n\
To: tiepnhan.demo@example.com\r\n\
Subject: =?UTF-8?Q?C=C3=B3_ng=C6=B0=E1=BB=9Di_=C4=91=C3=A1nh_b=E1=BA=A1c?=\r\n\
Message-ID: <html-only-demo@example.vn>\r\n\
Date: Sat, 21 Nov 2026 09:00:00 +0700\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n\
<html><body><p>Có nhóm người <b>đánh bạc</b> ở quán nước số 12 phố Huế.</p>\
<script>alert(1)</script></body></html>\r\n"
        .as_bytes()
        .to_vec()
}

fn auto_reply_mail() -> Vec<u8> {
    "From: Van phong <vanphong.demo@example.vn>\r\n\
To: tiepnhan.demo@example.com\r\n\
Subject: Tra loi tu dong: vang mat\r\n\
Message-ID: <auto-demo@example.vn>\r\n\
Auto-Submitted: auto-replied\r\n\
Date: Sat, 21 Nov 2026 10:00:00 +0700\r\n\r\n\
Toi dang nghi phep den thu Hai.\r\n"
        .as_bytes()
        .to_vec()
}

/// Connects Quảng Ninh's published mailbox (`qn-email`) with `settings`.
async fn connect_mailbox(
    data: &Data,
    settings: &[(String, String)],
) -> hotline_core::channels::AccountView {
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let input = hotline_core::channels::AccountInput {
        platform: "email",
        name: "qn-email",
        unit: "22",
        settings,
        api_base: None,
    };
    let view = service
        .hotline
        .add_channel_account(None, &input)
        .await
        .unwrap();
    service.close().await;
    view
}

async fn the_published_mailbox_is_read_once_and_answered_by_mail(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    let Some(dovecot) = Dovecot::start().await else {
        return;
    };
    let Some(smtp) = SmtpSink::start().await else {
        return;
    };
    data.add_staff("bca.director", Role::Director, "bca").await;
    let token = data.token("bca.director").await;
    let mut settings = dovecot.settings();
    settings.extend(smtp.settings(ADDRESS));
    let view = connect_mailbox(&data, &settings).await;
    assert!(view.missing_send_keys.is_empty() && view.fetches_updates);

    let mut mailbox = dovecot.open().await;
    for mail in [
        fixture("plain_vietnamese.eml"),
        fixture("multipart_with_attachment.eml"),
        windows_1258_mail(),
        html_only_mail(),
        auto_reply_mail(),
    ] {
        mailbox.append("INBOX", &mail).await.unwrap();
    }
    let server = Server::start(data.config()).await;
    let base = server.url("");
    let base = base.trim_end_matches('/').to_owned();
    let reports = async |base: &str| -> Vec<Value> {
        api_list(base, "/api/v1/reports", &token).await["items"]
            .as_array()
            .unwrap()
            .clone()
    };
    eventually("five reports", async || reports(&base).await.len() == 5).await;
    let document = async |base: &str, case: &str| -> Value {
        api_list(base, &format!("/api/v1/reports/{case}"), &token).await
    };
    let texts = async |base: &str, case: &str| -> Vec<String> {
        document(base, case).await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["direction"] == "inbound")
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut by_subject = std::collections::HashMap::new();
    for report in reports(&base).await {
        assert_eq!(report["channel"], "email");
        let case = report["case_number"].as_str().unwrap().to_owned();
        let first = texts(&base, &case).await.remove(0);
        by_subject.insert(first.lines().next().unwrap().to_owned(), (case, first));
    }
    let (drugs, text) = &by_subject["[Tiêu đề: Tố giác điểm bán ma túy tại phường Tân Lập]"];
    assert!(text.contains("Đề nghị giữ bí mật danh tính người tố giác."));
    assert!(
        text.contains("[Máy chủ thư không ghi kết quả xác thực người gửi"),
        "the officer is told the sender is unproven: {text}"
    );
    let (photo, text) = &by_subject["[Tiêu đề: Gửi ảnh hiện trường vụ va chạm giao thông bỏ chạy]"];
    assert!(
        text.contains("ngã ba Mỏ Bạch") && text.contains("[Ảnh]"),
        "{text}"
    );
    let (_, text) = &by_subject["[Tiêu đề: Trộm xe]"];
    assert!(
        text.contains("Trộm xe ở chợ Đồng Sơn."),
        "NFC from windows-1258: {text}"
    );
    let (_, text) = &by_subject["[Tiêu đề: Có người đánh bạc]"];
    assert!(
        text.contains("Có nhóm người đánh bạc ở quán nước số 12 phố Huế."),
        "{text}"
    );
    assert!(!text.contains("<b>") && !text.contains("alert"), "{text}");
    let (auto, _) = &by_subject["[Tiêu đề: Tra loi tu dong: vang mat]"];
    // The senders' addresses are sealed, never shown.
    for (case, _) in by_subject.values() {
        let shown = document(&base, case).await.to_string();
        for address in ["nguyenvanan.demo", "lethihong.demo", "dan.cu@", "binh.demo"] {
            assert!(!shown.contains(address), "{address} in {shown}");
        }
    }
    // The photo is kept with its report.
    eventually("the attachment kept", async || {
        document(&base, photo).await["attachments"]
            .as_array()
            .is_some_and(|a| a.len() == 1)
    })
    .await;

    // Acknowledged by mail, as replies, to the four people; the auto-reply is not answered.
    eventually("four acknowledgements", async || smtp.mails().len() == 4).await;
    let parsed: Vec<_> = smtp
        .mails()
        .into_iter()
        .map(|raw| {
            let mail = MessageParser::default().parse(&raw).unwrap();
            (
                mail.to()
                    .unwrap()
                    .first()
                    .unwrap()
                    .address()
                    .unwrap()
                    .to_owned(),
                mail.subject().unwrap_or_default().to_owned(),
                mail.in_reply_to().as_text().map(str::to_owned),
                mail.body_text(0).unwrap_or_default().into_owned(),
                mail.from()
                    .unwrap()
                    .first()
                    .unwrap()
                    .address()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    assert!(
        parsed
            .iter()
            .all(|(to, ..)| to != "vanphong.demo@example.vn")
    );
    let ack = parsed
        .iter()
        .find(|(to, ..)| to == "nguyenvanan.demo@example.com")
        .unwrap();
    assert_eq!(
        ack.1,
        format!("Re: Tố giác điểm bán ma túy tại phường Tân Lập [{drugs}]")
    );
    assert_eq!(
        ack.2.as_deref(),
        Some("CAF7q9sVn=0pK3x8dA_demo1@mail.example.com")
    );
    assert!(
        ack.3.contains(drugs.as_str()) && ack.3.contains("Mã tra cứu"),
        "{}",
        ack.3
    );
    assert_eq!(ack.4, ADDRESS);
    assert!(
        document(&base, auto).await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["direction"] == "inbound"),
        "no automatic answer to a machine"
    );

    // Stopped while waiting in IDLE; a reply arrives meanwhile, and a crash's window is made:
    // a mail kept here but left unmarked on the server.
    server.stop().await;
    mailbox
        .append("INBOX", &fixture("reply_quoted_printable.eml"))
        .await
        .unwrap();
    let marks = mailbox.marks().await.unwrap();
    assert!(marks.iter().take(5).all(|(_, marked)| *marked), "{marks:?}");
    let first_uid = marks[0].0;
    mailbox.unmark(&[first_uid]).await.unwrap();
    let server = Server::start(data.config()).await;
    let base = server.url("");
    let base = base.trim_end_matches('/').to_owned();
    eventually("the reply on its report", async || {
        texts(&base, drugs).await.len() == 2
    })
    .await;
    let thread = texts(&base, drugs).await;
    assert!(
        thread[1].contains("Biển số một xe: 20B1-456.78."),
        "{thread:?}"
    );
    assert!(
        !thread[1].contains("> Kính gửi"),
        "the quoted history is cut: {thread:?}"
    );
    eventually("every mail marked", async || {
        mailbox
            .marks()
            .await
            .unwrap()
            .iter()
            .all(|(_, marked)| *marked)
    })
    .await;
    assert_eq!(
        reports(&base).await.len(),
        5,
        "the reply opened nothing new"
    );
    assert_eq!(journalled(&data).await, 6, "each mail journalled once");

    // The officer answers: a reply in the thread, its subject keeping the case number.
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/reports/{drugs}/replies"))
        .bearer_auth(&token)
        .json(&json!({"text": "Cảm ơn anh. Công an phường Tân Lập đã xác minh và xử lý."}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    eventually("the answer by mail", async || smtp.mails().len() == 5).await;
    let raw = smtp.mails().pop().unwrap();
    let answer = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        answer.in_reply_to().as_text(),
        Some("CAF7q9sVn=0pK3x8dA_demo1@mail.example.com")
    );
    assert!(answer.subject().unwrap().contains(drugs.as_str()));
    assert_eq!(
        answer.body_text(0).unwrap().trim(),
        "Cảm ơn anh. Công an phường Tân Lập đã xác minh và xử lý."
    );
    eventually("sent", async || {
        document(&base, drugs).await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["direction"] == "outbound")
            .all(|m| m["delivery"] == "sent")
    })
    .await;
    mailbox.close().await;
    server.stop().await;
}

#[tokio::test]
async fn the_published_mailbox_is_read_once_and_answered_by_mail_on_sqlite() {
    the_published_mailbox_is_read_once_and_answered_by_mail(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_published_mailbox_is_read_once_and_answered_by_mail_on_postgres() {
    the_published_mailbox_is_read_once_and_answered_by_mail(Backend::Postgres).await;
}

#[tokio::test]
async fn an_operator_connects_a_mailbox_from_the_command_line() {
    use crate::harness::{run_cli, stderr_of, stdout_of};
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let dir = data.config().data_dir;
    let help = stdout_of(&run_cli(&dir, &["channel", "add", "--help"], &[], None));
    for key in [
        "imap_host",
        "imap_password",
        "imap_oauth_token",
        "smtp_host",
        "email_address",
    ] {
        assert!(help.contains(key), "{key} in --help");
    }
    let add = |extra: &[&str]| {
        let mut args = vec![
            "channel",
            "add",
            "--platform",
            "email",
            "--account",
            "qn-email",
            "--unit",
            "22",
            "--set",
            "imap_host=imap.gmail.com",
            "--set",
            "imap_user=tiepnhan.demo@example.com",
        ];
        args.extend_from_slice(extra);
        run_cli(&dir, &args, &[], None)
    };
    let no_password = add(&[]);
    assert!(!no_password.status.success());
    assert!(
        stderr_of(&no_password).contains("imap_password"),
        "{no_password:?}"
    );
    let in_the_clear = add(&["--set", "imap_password=p", "--set", "imap_security=plain"]);
    assert!(
        !in_the_clear.status.success(),
        "no password in the clear to another host"
    );
    assert!(stderr_of(&in_the_clear).contains("imap_security"));
    let added = add(&[
        "--set",
        "imap_password=mat-khau-ung-dung",
        "--set",
        "smtp_host=smtp.gmail.com",
        "--set",
        "smtp_user=tiepnhan.demo@example.com",
        "--set",
        "smtp_password=mat-khau-ung-dung",
        "--set",
        &format!("email_address={ADDRESS}"),
    ]);
    assert!(added.status.success(), "{added:?}");
    assert!(stdout_of(&added).contains("it fetches its messages itself"));
    let listed = stdout_of(&run_cli(&dir, &["channel", "list"], &[], None));
    assert!(listed.contains("qn-email") && !listed.contains("mat-khau-ung-dung"));
}

/// Two nodes on one PostgreSQL database: one reads the mailbox at a time (its lease), and each
/// mail becomes one report, those already there at start and those that come later alike.
#[tokio::test]
async fn with_two_nodes_a_mailbox_is_read_by_one_and_each_mail_is_one_report() {
    let Some(data) = Data::new(Backend::Postgres).await else {
        return;
    };
    let Some(dovecot) = Dovecot::start().await else {
        return;
    };
    data.add_staff("bca.director", Role::Director, "bca").await;
    let token = data.token("bca.director").await;
    connect_mailbox(&data, &dovecot.settings()).await;

    let mail = |n: usize| {
        format!(
            "From: Nguoi Dan {n} <dan{n}@example.net>\r\nTo: {ADDRESS}\r\n\
             Subject: Phan anh so {n}\r\nMessage-ID: <two-nodes-{n}@example.net>\r\n\
             Date: Mon, 07 Dec 2026 08:00:00 +0700\r\n\r\n\
             [Du lieu thu, hu cau] Xe cho hang do tren via he so {n}.\r\n"
        )
        .into_bytes()
    };
    let mut mailbox = dovecot.open().await;
    for n in 0..3 {
        mailbox.append("INBOX", &mail(n)).await.unwrap();
    }
    let logins_before = dovecot.logins();
    let other = tempfile::tempdir().unwrap();
    let (a, b) = (
        Server::start(data.config()).await,
        Server::start(data.config_for_another_node(other.path())).await,
    );
    let count = async || {
        api_list(&a.base, "/api/v1/reports", &token).await["items"]
            .as_array()
            .unwrap()
            .len()
    };
    eventually("the three waiting mails", async || count().await == 3).await;
    for n in 3..6 {
        mailbox.append("INBOX", &mail(n)).await.unwrap();
    }
    eventually("the three new mails", async || count().await == 6).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(count().await, 6, "each mail once");
    // The node holding the mailbox's lease signed in once and reads on; the other never did.
    assert_eq!(dovecot.logins() - logins_before, 1, "one reader");
    a.stop().await;
    b.stop().await;
}
