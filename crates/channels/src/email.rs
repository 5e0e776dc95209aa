//! E-mail taken apart: MIME in full (RFC 2047 words, quoted-printable and base64, legacy
//! charsets such as windows-1258, HTML-only mail turned into text), the quoted history of a
//! reply cut from the new text, attachments carried along, what the receiving server found of
//! the sender's authenticity, machines told from people (no automatic answer to an auto-reply,
//! a list or a no-reply address), and bounces of our own mail read as its failure.

use chrono::{DateTime, Utc};
use hotline_domain::inbound::{InboundEvent, InboundMessage, MediaRef, SenderCheck};
use hotline_domain::{Delivery, text};
use mail_parser::{HeaderValue, Message, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

use crate::Unreadable;

/// Local parts of addresses that are machines, never answered automatically.
const MACHINE_SENDERS: [&str; 9] = [
    "no-reply",
    "noreply",
    "donotreply",
    "do-not-reply",
    "mailer-daemon",
    "postmaster",
    "bounce",
    "bounces",
    "notifications",
];

/// A message id without its angle brackets.
fn bare_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![bare_id(id)],
        HeaderValue::TextList(list) => list.iter().map(|id| bare_id(id)).collect(),
        _ => Vec::new(),
    }
}

fn header<'a>(message: &'a Message<'_>, name: &str) -> Option<&'a str> {
    message
        .headers_raw()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// Sent by a machine: an auto-reply, a list, bulk mail, a null or no-reply sender.
fn automated(message: &Message<'_>, from: &str) -> bool {
    let says = |name: &str| header(message, name).map(str::to_ascii_lowercase);
    let auto_submitted = says("auto-submitted").is_some_and(|v| !v.starts_with("no"));
    let precedence = says("precedence")
        .is_some_and(|v| matches!(v.as_str(), "bulk" | "list" | "junk" | "auto_reply"));
    let list =
        header(message, "list-id").is_some() || header(message, "list-unsubscribe").is_some();
    let autoreply = header(message, "x-autoreply").is_some()
        || header(message, "x-autorespond").is_some()
        || says("x-auto-response-suppress")
            .is_some_and(|v| v.contains("all") || v.contains("autoreply"));
    let null_sender = header(message, "return-path").is_some_and(|v| v == "<>");
    let local = from.split('@').next().unwrap_or_default();
    let machine = MACHINE_SENDERS.iter().any(|m| {
        local == *m || local.starts_with(&format!("{m}+")) || local.starts_with(&format!("{m}-"))
    });
    auto_submitted || precedence || list || autoreply || null_sender || machine
}

/// What the receiving server wrote in the topmost `Authentication-Results` (the one it added;
/// those below it came with the mail and prove nothing).
fn sender_check(message: &Message<'_>) -> Option<SenderCheck> {
    let results = header(message, "authentication-results")?.to_ascii_lowercase();
    let result_of = |method: &str| {
        results
            .split(|c: char| c == ';' || c.is_whitespace())
            .find_map(|token| token.strip_prefix(&format!("{method}=")))
            .map(|r| {
                r.trim_matches(|c: char| !c.is_ascii_alphanumeric())
                    .to_owned()
            })
            .filter(|r| !r.is_empty())
    };
    Some(SenderCheck {
        spf: result_of("spf"),
        dkim: result_of("dkim"),
        dmarc: result_of("dmarc"),
    })
}

/// Whether a line introduces quoted history: "On … wrote:", "Vào … đã viết:", or a
/// client's "Original Message" divider.
fn opens_history(line: &str) -> bool {
    let line = line.trim();
    let lower = line.to_lowercase();
    (lower.ends_with("wrote:") || lower.ends_with("đã viết:") || lower.ends_with("viết:"))
        && (lower.starts_with("on ") || lower.starts_with("vào ") || lower.contains('@'))
        || (line.starts_with("-----")
            && (lower.contains("original message")
                || lower.contains("tin nhắn gốc")
                || lower.contains("thư gốc")))
}

/// The new text of a reply: the quoted history below it (the line that introduces it and all
/// after, or a `>` block that ends the mail) is cut, when something is left. Words written
/// between quotes stay.
pub fn without_history(body: &str) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let quoted = |line: &str| line.trim_start().starts_with('>') || line.trim().is_empty();
    let trailing_quote = lines.len() - lines.iter().rev().take_while(|l| quoted(l)).count();
    let cut = lines
        .iter()
        .position(|line| opens_history(line))
        .or((trailing_quote < lines.len()).then_some(trailing_quote));
    let kept = match cut {
        Some(i) => lines.get(..i).unwrap_or_default().to_vec(),
        None => lines,
    };
    let text = kept.join("\n").trim().to_owned();
    if text.is_empty() {
        body.trim().to_owned()
    } else {
        text
    }
}

fn kind_of(mime: &str) -> &'static str {
    match mime.split('/').next().unwrap_or_default() {
        "image" => "image",
        "audio" => "audio",
        "video" => "video",
        _ => "document",
    }
}

/// A server's words with every e-mail address in them taken out (a bounce names the
/// recipient; the reporter's address must not show in a delivery error).
pub fn without_addresses(words: &str) -> String {
    words
        .split_whitespace()
        .map(|w| if w.contains('@') { "…" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The bounce of a mail of ours: the failure of the message it names. Only a delivery-status
/// report that says the delivery failed (not a read receipt, not a delay).
fn bounce(message: &Message<'_>, raw: &[u8]) -> Option<InboundEvent> {
    let report = message.root_part().content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
    });
    let failed = String::from_utf8_lossy(raw).lines().any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("action")
                && value.trim().eq_ignore_ascii_case("failed")
        })
    });
    if !report || !failed {
        return None;
    }
    // The original's id is in its returned headers; the report's own is not it.
    let own = message.message_id().map(bare_id);
    let text = String::from_utf8_lossy(raw);
    let original = text
        .lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("message-id")
                .then(|| bare_id(value))
        })
        .find(|id| Some(id) != own.as_ref() && !id.is_empty())?;
    let why = text
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            (name.trim().eq_ignore_ascii_case("diagnostic-code")
                || name.trim().eq_ignore_ascii_case("status"))
            .then(|| without_addresses(&text::clean_line(value)))
        })
        .unwrap_or_else(|| "undeliverable".into());
    Some(InboundEvent::Status {
        platform_message_id: original,
        delivery: Delivery::Failed,
        error: Some(format!("bounced: {why}")),
    })
}

/// Takes one mail (its raw bytes, as the mailbox holds it) apart.
pub fn parse(raw: &[u8], received: DateTime<Utc>) -> Result<Vec<InboundEvent>, Unreadable> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| Unreadable("not a mail".into()))?;
    if let Some(status) = bounce(&message, raw) {
        return Ok(vec![status]);
    }
    let from = message
        .from()
        .and_then(|a| a.first())
        .ok_or_else(|| Unreadable("a mail without a sender".into()))?;
    let address = from
        .address()
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@'))
        .ok_or_else(|| Unreadable("a mail without a sender address".into()))?;
    let id = message
        .message_id()
        .map(bare_id)
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| {
            // No id of its own (or `<>`): the same bytes give the same one.
            format!("sha256-{}", hex::encode(Sha256::digest(raw)))
        });
    let at = message
        .date()
        .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0))
        .unwrap_or(received);
    let body: Vec<String> = (0..message.text_body_count())
        .filter_map(|i| message.body_text(i).map(|t| t.into_owned()))
        .collect();
    let mut inbound = InboundMessage::new(&id, &address, at, &without_history(&body.join("\n")));
    inbound.sender_email = Some(address.clone());
    inbound.sender_name = from.name().map(text::clean_line).filter(|n| !n.is_empty());
    inbound.subject = message
        .subject()
        .map(text::clean_line)
        .filter(|s| !s.is_empty());
    inbound.reply_to = ids(message.in_reply_to()).into_iter().next();
    inbound.references = ids(message.references());
    inbound.automated = automated(&message, &address);
    inbound.sender_check = sender_check(&message);
    for part in message.attachments() {
        let mime = part
            .content_type()
            .map(|ct| {
                format!(
                    "{}/{}",
                    ct.ctype().to_ascii_lowercase(),
                    ct.subtype().unwrap_or("octet-stream").to_ascii_lowercase()
                )
            })
            .unwrap_or_else(|| "application/octet-stream".into());
        inbound.media.push(MediaRef {
            kind: kind_of(&mime),
            media_id: None,
            url: None,
            mime_type: Some(mime),
            file_name: part.attachment_name().map(text::clean_line),
            data: Some(part.contents().to_vec()),
        });
    }
    Ok(vec![InboundEvent::Message(Box::new(inbound))])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/email/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn message(raw: &[u8]) -> InboundMessage {
        match parse(raw, DateTime::UNIX_EPOCH).unwrap().into_iter().next() {
            Some(InboundEvent::Message(m)) => *m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_mail_with_an_empty_id_is_known_by_its_bytes() {
        let mail = |text: &str| {
            message(
                format!("From: a@example.vn\r\nMessage-ID: <>\r\nSubject: x\r\n\r\n{text}")
                    .as_bytes(),
            )
        };
        let (first, again, other) = (mail("Một"), mail("Một"), mail("Hai"));
        assert!(first.platform_message_id.starts_with("sha256-"));
        assert_eq!(first.platform_message_id, again.platform_message_id);
        assert_ne!(first.platform_message_id, other.platform_message_id);
    }

    #[test]
    fn a_plain_vietnamese_mail() {
        let mail = message(&fixture("plain_vietnamese.eml"));
        assert_eq!(
            mail.platform_message_id,
            "CAF7q9sVn=0pK3x8dA_demo1@mail.example.com"
        );
        assert_eq!(mail.sender, "nguyenvanan.demo@example.com");
        assert_eq!(
            mail.sender_email.as_deref(),
            Some("nguyenvanan.demo@example.com")
        );
        assert_eq!(mail.sender_name.as_deref(), Some("Nguyễn Văn An"));
        assert_eq!(
            mail.subject.as_deref(),
            Some("Tố giác điểm bán ma túy tại phường Tân Lập")
        );
        assert!(
            mail.text
                .contains("Đề nghị giữ bí mật danh tính người tố giác.")
        );
        assert!(!mail.automated);
        // Fri, 20 Nov 2026 21:30:12 +0700.
        assert_eq!(mail.at.timestamp(), 1_795_185_012);
    }

    #[test]
    fn a_multipart_mail_with_an_attachment() {
        let mail = message(&fixture("multipart_with_attachment.eml"));
        assert_eq!(
            mail.subject.as_deref(),
            Some("Gửi ảnh hiện trường vụ va chạm giao thông bỏ chạy")
        );
        assert!(mail.text.contains("ngã ba Mỏ Bạch"), "{}", mail.text);
        assert!(!mail.text.contains("<p>"), "the text part, not the HTML");
        assert_eq!(mail.media.len(), 1);
        assert_eq!(mail.media[0].kind, "image");
        assert_eq!(
            mail.media[0].file_name.as_deref(),
            Some("ảnh hiện trường 20-11.jpg")
        );
        assert!(
            mail.media[0]
                .data
                .as_ref()
                .unwrap()
                .starts_with(&[0xFF, 0xD8])
        );
    }

    #[test]
    fn a_reply_threads_and_loses_its_quoted_history() {
        let mail = message(&fixture("reply_quoted_printable.eml"));
        assert_eq!(
            mail.reply_to.as_deref(),
            Some("CAF7q9sVn=0pK3x8dA_demo1@mail.example.com")
        );
        assert_eq!(
            mail.references,
            ["CAF7q9sVn=0pK3x8dA_demo1@mail.example.com"]
        );
        assert!(
            mail.text.contains("Biển số một xe: 20B1-456.78."),
            "{}",
            mail.text
        );
        assert!(!mail.text.contains("Kính gửi"), "{}", mail.text);
        assert!(!mail.text.contains("đã viết"), "{}", mail.text);
        assert_eq!(
            mail.subject.as_deref(),
            Some("Re: Tố giác điểm bán ma túy tại phường Tân Lập")
        );
    }

    #[test]
    fn legacy_windows_1258_with_decomposed_marks_becomes_nfc() {
        // "Trộm xe ở chợ" in windows-1258 with the tone marks as combining characters, as
        // legacy clients write it: 0xF2 the dot below, 0xD2 the hook above, 0xCC the grave.
        let body: &[u8] = b"Tr\xf4\xf2m xe \xf5\xd2 ch\xf5\xf2";
        let mut raw = b"From: =?windows-1258?Q?Ng=FD=F5=CCi_d=E2n?= <dan@example.vn>\r\n\
Subject: =?windows-1258?Q?Tr=F4=F2m_xe?=\r\n\
Message-ID: <cp1258@example.vn>\r\n\
Content-Type: text/plain; charset=windows-1258\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\n"
            .to_vec();
        raw.extend_from_slice(body);
        let mail = message(&raw);
        assert_eq!(mail.text, "Trộm xe ở chợ");
        assert_eq!(mail.subject.as_deref(), Some("Trộm xe"));
        assert_eq!(mail.sender_name.as_deref(), Some("Người dân"));
        assert!(
            mail.text
                .chars()
                .all(|c| !('\u{300}'..='\u{36f}').contains(&c))
        );
    }

    #[test]
    fn html_only_mail_is_read_as_text() {
        let raw = "From: a@example.vn\r\nMessage-ID: <h@example.vn>\r\nSubject: HTML\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n\
<html><body><p>Có người <b>đánh bạc</b> ở quán nước</p><p>số 12 phố Huế</p>\
<script>alert(1)</script></body></html>";
        let mail = message(raw.as_bytes());
        assert!(
            mail.text.contains("Có người đánh bạc ở quán nước"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains("số 12 phố Huế"));
        assert!(!mail.text.contains("<p>") && !mail.text.contains("<b>"));
    }

    #[test]
    fn machines_are_told_from_people() {
        let with = |extra: &str, from: &str| {
            let raw = format!(
                "From: {from}\r\nMessage-ID: <m@example.vn>\r\n{extra}Subject: x\r\n\r\nNội dung"
            );
            message(raw.as_bytes()).automated
        };
        assert!(!with("", "dan@example.vn"));
        assert!(!with("Auto-Submitted: no\r\n", "dan@example.vn"));
        assert!(with("Auto-Submitted: auto-replied\r\n", "dan@example.vn"));
        assert!(with("Precedence: bulk\r\n", "dan@example.vn"));
        assert!(with("List-Id: <tin.example.vn>\r\n", "dan@example.vn"));
        assert!(with("Return-Path: <>\r\n", "dan@example.vn"));
        assert!(with("", "no-reply@shop.example.vn"));
        assert!(with("", "MAILER-DAEMON@mx.example.vn"));
    }

    #[test]
    fn the_receiving_servers_findings_are_read_from_its_own_header() {
        let raw = "Authentication-Results: mx.example.vn; spf=pass smtp.mailfrom=example.vn; \
dkim=fail header.d=example.vn; dmarc=fail (p=REJECT) header.from=example.vn\r\n\
Authentication-Results: forged.example; spf=pass; dkim=pass; dmarc=pass\r\n\
From: giamdoc@example.vn\r\nMessage-ID: <s@example.vn>\r\nSubject: x\r\n\r\nx";
        let check = message(raw.as_bytes()).sender_check.unwrap();
        assert_eq!(check.spf.as_deref(), Some("pass"));
        assert_eq!(check.dkim.as_deref(), Some("fail"));
        assert_eq!(check.dmarc.as_deref(), Some("fail"));
        assert!(!check.passed());
        assert!(
            message(b"From: a@example.vn\r\n\r\nx")
                .sender_check
                .is_none()
        );
    }

    #[test]
    fn a_bounce_fails_the_mail_it_returns() {
        let raw = "From: MAILER-DAEMON@mx.example.vn\r\nMessage-ID: <bounce1@mx.example.vn>\r\n\
Subject: Undelivered Mail\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nKhong gui duoc.\r\n\
--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.vn\r\n\r\n\
Final-Recipient: rfc822; dan@example.vn\r\nAction: failed\r\nStatus: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <dan@example.vn>: user unknown\r\n\
--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <ours-1@hotline.example.vn>\r\nSubject: Re: x\r\n\
--b--\r\n";
        match &parse(raw.as_bytes(), DateTime::UNIX_EPOCH).unwrap()[0] {
            InboundEvent::Status {
                platform_message_id,
                delivery,
                error,
            } => {
                assert_eq!(platform_message_id, "ours-1@hotline.example.vn");
                assert_eq!(*delivery, Delivery::Failed);
                assert!(error.as_deref().unwrap().contains("5.1.1"));
                assert!(!error.as_deref().unwrap().contains("dan@example.vn"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn history_is_cut_only_when_something_is_left() {
        assert_eq!(
            without_history("Bổ sung: 3 người.\n\nOn Fri, Nov 20 An <a@b.vn> wrote:\n> cũ"),
            "Bổ sung: 3 người."
        );
        assert_eq!(
            without_history("Mới.\n-----Original Message-----\nFrom: x"),
            "Mới."
        );
        assert_eq!(without_history("> chỉ có trích dẫn"), "> chỉ có trích dẫn");
        assert_eq!(
            without_history("> anh hỏi gì?\nTôi trả lời ở đây.\n> cũ hơn"),
            "> anh hỏi gì?\nTôi trả lời ở đây.",
            "words between quotes stay"
        );
        assert_eq!(
            without_addresses("smtp; 550 5.1.1 <dan@example.vn>: user unknown"),
            "smtp; 550 5.1.1 … user unknown"
        );
        assert!(parse(b"", DateTime::UNIX_EPOCH).is_err());
        assert!(parse(b"Subject: no sender\r\n\r\nx", DateTime::UNIX_EPOCH).is_err());
    }
}
