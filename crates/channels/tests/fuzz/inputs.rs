//! What the parsers are fed: arbitrary bytes, the platforms' samples with bytes edited, and
//! the JSON samples with values swapped for odd ones.

use hotline_fuzzing::{arbitrary_bytes, edited_bytes, edited_json};
use proptest::arbitrary::any;
use proptest::prop_oneof;
use proptest::sample::select;
use proptest::strategy::Strategy;
use serde_json::Value;

/// Longest arbitrary or edited body: large enough to hold every sample, small enough that
/// 10,000 cases take seconds.
const MAX_BODY: usize = 4096;

/// Pieces that break parsers when they land in the wrong place: JSON's, forms', MIME's, and
/// bytes that are not UTF-8.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b",",
    b":",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"\\u0000",
    b"null",
    b"1e400",
    b"-",
    b"99999999999999999999",
    b"\r\n",
    b"\r\n\r\n",
    b"\n",
    b"=",
    b"&",
    b"%",
    b"%ff",
    b"%C3",
    b"+",
    b"[]",
    b"--",
    b"=?utf-8?B?",
    b"=?windows-1258?Q?",
    b"?=",
    b"\r\n--b\r\n",
    b"Content-Type: multipart/mixed; boundary=b\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"=\r\n",
    b"=FF",
    b"Message-ID: <>\r\n",
    b"From: <@>\r\n",
    b"Action: failed\r\n",
    b"Date: Fri, 31 Dec 9999 99:99:99 +9999\r\n",
    b"<",
    b">",
    b"@",
    b"\0",
    b"\xff",
    b"\xc3",
    b"\xe2\x80",
    b"\xf0\x9f\x98\x80",
];

/// Raw JSON put where a value was: numbers no double holds, strings that are not Unicode,
/// wrong types, and the words the parsers look for, in places they do not expect them.
const FRAGMENTS: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-0",
    "0.5",
    "-1",
    "1e400",
    "-1e400",
    "1e-400",
    "18446744073709551616",
    "-9223372036854775809",
    "9223372036854775807",
    "-9223372036854775808",
    "\"\"",
    "\" \"",
    "[]",
    "{}",
    "[null]",
    "{\"\":null}",
    "\"\\ud800\"",
    "\"\\u0000\"",
    "\"0\"",
    "\"-1\"",
    "\"99999999999999999999\"",
    "\"1e400\"",
    "\"2026-13-45T25:61:61Z\"",
    "\"newCall\"",
    "\"answer\"",
    "\"hangup\"",
    "\"sms:received\"",
    "\"sms:failed\"",
    "\"user_send_text\"",
    "\"user_send_location\"",
    "\"user_seen_message\"",
    "\"im_receive_msg\"",
    "\"business_account\"",
    "\"message_create\"",
    "\"chat.received\"",
    "\"private\"",
    "\"messages\"",
    "\"failed\"",
    "\"image\"",
    "\"audio\"",
    "\"location\"",
    "\"contacts\"",
    "\"reaction\"",
    "\"interactive\"",
    "\"sticker\"",
    "\"file\"",
    "\"link\"",
    "\"share_post\"",
    "\"replies\"",
    "\"mentions\"",
];

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(FRAGMENTS).prop_map(str::to_owned),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|f| Value::from(f).to_string()),
        2 => ".{0,40}".prop_map(|s| Value::String(s).to_string()),
        1 => (1..300_usize).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
        1 => (1..300_usize)
            .prop_map(|depth| format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))),
    ]
}

/// Arbitrary bytes, a sample with its bytes edited, and (for JSON samples) a sample with its
/// values edited.
pub fn bodies(samples: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => arbitrary_bytes(MAX_BODY),
        3 => edited_bytes(samples.clone(), TOKENS, MAX_BODY),
        3 => edited_json(samples, fragment(), 0),
    ]
}

/// The body of a raw HTTP request as the fixtures write one.
fn body_of(request: &[u8]) -> Vec<u8> {
    let start = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(0, |at| at + 4);
    let body = &request[start..];
    let end = body
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |at| at + 1);
    body[..end].to_vec()
}

pub fn cti_samples() -> Vec<Vec<u8>> {
    let form = include_bytes!("../../../../fixtures/platforms/cti/new_call_form.txt");
    vec![
        include_bytes!("../../../../fixtures/platforms/cti/new_call.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/cti/answer.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/cti/hangup.json").to_vec(),
        body_of(form),
        b"event=hangup&callId=c1&direction=out&to=anonymous&user=nam&cause=busy".to_vec(),
    ]
}

/// A bounce of our own mail: the delivery-status report the parser reads as a failure.
const BOUNCE: &[u8] = b"From: MAILER-DAEMON@mx.example.vn\r\nMessage-ID: <bounce1@mx.example.vn>\r\n\
Subject: Undelivered Mail\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nKhong gui duoc.\r\n\
--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.vn\r\n\r\n\
Final-Recipient: rfc822; dan@example.vn\r\nAction: failed\r\nStatus: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <dan@example.vn>: user unknown\r\n\
--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <ours-1@hotline.example.vn>\r\n\
--b--\r\n";

pub fn email_samples() -> Vec<Vec<u8>> {
    vec![
        include_bytes!("../../../../fixtures/email/plain_vietnamese.eml").to_vec(),
        include_bytes!("../../../../fixtures/email/multipart_with_attachment.eml").to_vec(),
        include_bytes!("../../../../fixtures/email/reply_quoted_printable.eml").to_vec(),
        BOUNCE.to_vec(),
    ]
}

pub fn meta_samples() -> Vec<Vec<u8>> {
    vec![
        include_bytes!("../../../../fixtures/platforms/whatsapp/text_message.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/whatsapp/image_message.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/whatsapp/voice_message.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/messenger/text_message.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/messenger/image_message.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/messenger/audio_message.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/instagram/text_message.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/instagram/image_message.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/threads/mention_webhook.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/threads/reply_webhook.json").to_vec(),
    ]
}

pub fn sms_samples() -> Vec<Vec<u8>> {
    vec![
        include_bytes!("../../../../fixtures/platforms/sms_gateway/sms_received.json").to_vec(),
        br#"{"id":"g1","from":"0912345678","text":"Tin bao","received_at":"2026-11-20T21:18:42+07:00"}"#
            .to_vec(),
        br#"{"id":"s1","event":"sms:failed","payload":{"messageId":"m1","reason":"no signal"}}"#
            .to_vec(),
    ]
}

pub fn telegram_samples() -> Vec<Vec<u8>> {
    vec![
        include_bytes!("../../../../fixtures/platforms/telegram/text_message.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/telegram/photo_message.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/telegram/location_message.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/telegram/voice_message.json").to_vec(),
        body_of(include_bytes!(
            "../../../../fixtures/platforms/telegram/webhook_request.txt"
        )),
    ]
}

pub fn tiktok_samples() -> Vec<Vec<u8>> {
    vec![include_bytes!("../../../../fixtures/platforms/tiktok/im_receive_msg_text.json").to_vec()]
}

pub fn x_samples() -> Vec<Vec<u8>> {
    vec![
        include_bytes!("../../../../fixtures/platforms/x/dm_event.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/x/tweet_mention.json").to_vec(),
    ]
}

pub fn zalo_samples() -> Vec<Vec<u8>> {
    vec![
        include_bytes!("../../../../fixtures/platforms/zalo/user_send_text.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/zalo/user_send_image.json").to_vec(),
        include_bytes!("../../../../fixtures/platforms/zalo/user_send_audio.json").to_vec(),
    ]
}

pub fn all_samples() -> Vec<Vec<u8>> {
    [
        cti_samples(),
        email_samples(),
        meta_samples(),
        sms_samples(),
        telegram_samples(),
        tiktok_samples(),
        x_samples(),
        zalo_samples(),
    ]
    .concat()
}
