//! What the parsers are fed: arbitrary bytes, the platforms' samples with bytes edited, and
//! the JSON samples with values swapped for odd ones.

use proptest::arbitrary::any;
use proptest::collection::vec;
use proptest::prop_oneof;
use proptest::sample::{Index, select};
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

/// One edit of a sample's bytes, at a place picked in proportion to its length.
#[derive(Debug, Clone)]
enum ByteEdit {
    Flip(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    /// A piece repeated in place: deep nesting, long runs.
    Repeat(Index, usize, usize),
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        (any::<Index>(), 1..=u8::MAX).prop_map(|(at, mask)| ByteEdit::Flip(at, mask)),
        (any::<Index>(), select(TOKENS)).prop_map(|(at, t)| ByteEdit::Insert(at, t.to_vec())),
        (any::<Index>(), vec(any::<u8>(), 1..16)).prop_map(|(at, b)| ByteEdit::Insert(at, b)),
        (any::<Index>(), 1..64_usize).prop_map(|(at, n)| ByteEdit::Delete(at, n)),
        any::<Index>().prop_map(ByteEdit::Truncate),
        (any::<Index>(), 1..16_usize, 1..64_usize)
            .prop_map(|(at, n, times)| ByteEdit::Repeat(at, n, times)),
    ]
}

fn apply(sample: &[u8], edits: &[ByteEdit]) -> Vec<u8> {
    let mut bytes = sample.to_vec();
    for edit in edits {
        let len = bytes.len();
        match edit {
            ByteEdit::Flip(at, mask) if len > 0 => bytes[at.index(len)] ^= *mask,
            ByteEdit::Insert(at, piece) => {
                let tail = bytes.split_off(at.index(len + 1));
                bytes.extend_from_slice(piece);
                bytes.extend_from_slice(&tail);
            }
            ByteEdit::Delete(at, n) if len > 0 => {
                let start = at.index(len);
                let tail = bytes.split_off((start + n).min(len));
                bytes.truncate(start);
                bytes.extend_from_slice(&tail);
            }
            ByteEdit::Truncate(at) => bytes.truncate(at.index(len + 1)),
            ByteEdit::Repeat(at, n, times) if len > 0 => {
                let start = at.index(len);
                let piece = bytes[start..(start + n).min(len)].repeat(*times);
                let tail = bytes.split_off(start);
                bytes.extend_from_slice(&piece);
                bytes.extend_from_slice(&tail);
            }
            _ => {}
        }
    }
    bytes.truncate(MAX_BODY);
    bytes
}

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

/// One edit of a JSON sample, at a node picked among all of them (the whole document too).
#[derive(Debug, Clone)]
enum JsonEdit {
    Replace(Index, String),
    Remove(Index),
}

fn json_edit() -> impl Strategy<Value = JsonEdit> {
    prop_oneof![
        3 => (any::<Index>(), fragment()).prop_map(|(at, raw)| JsonEdit::Replace(at, raw)),
        1 => any::<Index>().prop_map(JsonEdit::Remove),
    ]
}

/// The JSON pointer of every node under `value`, itself last.
fn pointers(value: &Value, at: String, found: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, child) in fields {
                let key = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
    found.push(at);
}

/// A stand-in left where raw JSON goes, swapped for it once the document is written out.
fn mark(i: usize) -> String {
    format!("\u{1}fuzz{i}\u{1}")
}

fn edit_json(sample: &[u8], edits: &[JsonEdit]) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<Value>(sample) else {
        return sample.to_vec();
    };
    let mut raw = Vec::new();
    for edit in edits {
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        match edit {
            JsonEdit::Replace(at, fragment) => {
                if let Some(node) = value.pointer_mut(&all[at.index(all.len())]) {
                    *node = Value::String(mark(raw.len()));
                    raw.push(fragment.clone());
                }
            }
            JsonEdit::Remove(at) => {
                let Some((parent, last)) = all[at.index(all.len())].rsplit_once('/') else {
                    continue;
                };
                match value.pointer_mut(parent) {
                    Some(Value::Object(fields)) => {
                        fields.remove(&last.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < items.len()) {
                            items.remove(i);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let mut text = value.to_string();
    for (i, fragment) in raw.iter().enumerate() {
        text = text.replacen(&Value::String(mark(i)).to_string(), fragment, 1);
    }
    text.into_bytes()
}

/// Arbitrary bytes, a sample with its bytes edited, and (for JSON samples) a sample with its
/// values edited.
pub fn bodies(samples: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let json: Vec<Vec<u8>> = samples
        .iter()
        .filter(|s| serde_json::from_slice::<Value>(s).is_ok())
        .cloned()
        .collect();
    let json = if json.is_empty() {
        vec![b"{}".to_vec()]
    } else {
        json
    };
    prop_oneof![
        1 => vec(any::<u8>(), 0..MAX_BODY),
        3 => (select(samples), vec(byte_edit(), 1..8))
            .prop_map(|(sample, edits)| apply(&sample, &edits)),
        3 => (select(json), vec(json_edit(), 1..6))
            .prop_map(|(sample, edits)| edit_json(&sample, &edits)),
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
