//! Telegram's Bot API: a bot receives `Update`s (by webhook, each request carrying the secret
//! token set with `setWebhook` in `X-Telegram-Bot-Api-Secret-Token`, and no signature; or by
//! `getUpdates`), fetches files with `getFile`, and answers with `sendMessage`, only to users
//! who started it. Answers carry `ok`, and on failure `error_code`, `description` and, when
//! flooded, `parameters.retry_after`.

use crate::{Outgoing, Refusal, SendError, Sender, Unreadable, http_client, key, transport_error};
use chrono::{DateTime, Utc};
use hotline_domain::inbound::{
    InboundEvent, InboundMessage, MediaRef, SharedContact, SharedLocation,
};
use hotline_domain::text;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// Where the Bot API lives unless an account says otherwise.
pub const DEFAULT_API_BASE: &str = "https://api.telegram.org";

/// One bot, by its token. `Debug` leaves the token out.
#[derive(Clone)]
pub struct BotApi {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for BotApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotApi").field("base", &self.base).finish()
    }
}

#[derive(Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    error_code: Option<u16>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
    #[serde(default)]
    result: Option<SentMessage>,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u64>,
}

#[derive(Deserialize)]
struct SentMessage {
    message_id: i64,
}

impl BotApi {
    /// A bot at `base` (e.g. [`DEFAULT_API_BASE`]), without a trailing slash.
    pub fn new(base: &str, token: &str) -> Result<Self, SendError> {
        if token.is_empty() {
            return Err(SendError::NotConfigured);
        }
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            http: http_client()?,
        })
    }

    /// Sends `text` to a chat; the message's id in that chat.
    pub async fn send_message(&self, chat_id: i64, text: &str) -> Result<i64, SendError> {
        let url = format!("{}/bot{}/sendMessage", self.base, self.token);
        let body = serde_json::json!({
            "chat_id": chat_id,
            "text": text,
            "link_preview_options": { "is_disabled": true },
        });
        let response = self
            .http
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error(&e))?;
        let status = response.status();
        let answer: Option<Answer> = response.json().await.ok();
        match answer {
            Some(Answer {
                ok: true,
                result: Some(sent),
                ..
            }) => Ok(sent.message_id),
            Some(answer) => Err(failure(status.as_u16(), answer)),
            None if status.is_server_error() => Err(SendError::Unavailable(format!(
                "Telegram answered {status}"
            ))),
            None => Err(SendError::Refused(format!(
                "Telegram answered {status} without a result"
            ))),
        }
    }
}

/// Checks the secret token Telegram sends with each webhook request, in constant time.
pub fn verify(secret_token: Option<&str>, configured: &str) -> Result<(), Refusal> {
    let given = secret_token.ok_or(Refusal::Missing)?;
    if !configured.is_empty() && bool::from(given.as_bytes().ct_eq(configured.as_bytes())) {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn file(value: &Value, kind: &'static str) -> Option<MediaRef> {
    Some(MediaRef {
        kind,
        media_id: Some(str_at(value, "/file_id")?.to_owned()),
        url: None,
        mime_type: str_at(value, "/mime_type").map(str::to_owned),
        file_name: str_at(value, "/file_name").map(text::clean_line),
        data: None,
    })
}

/// Takes one `Update` apart. A message's id is `<chat>:<message_id>` (Telegram numbers
/// messages per chat), the same by webhook and by polling. Only private chats are read: the
/// bot is a hotline, not a group member.
pub fn parse(body: &[u8], received: DateTime<Utc>) -> Result<Vec<InboundEvent>, Unreadable> {
    let update: Value =
        serde_json::from_slice(body).map_err(|e| Unreadable(format!("not JSON: {e}")))?;
    if update.get("update_id").and_then(Value::as_i64).is_none() {
        return Err(Unreadable("an update without update_id".into()));
    }
    let Some(message) = update.get("message") else {
        let kind = update
            .as_object()
            .and_then(|fields| fields.keys().find(|k| *k != "update_id").cloned())
            .unwrap_or_else(|| "update".into());
        return Ok(vec![InboundEvent::Ignored(kind)]);
    };
    if str_at(message, "/chat/type") != Some("private") {
        return Ok(vec![InboundEvent::Ignored("group message".into())]);
    }
    let chat = message
        .pointer("/chat/id")
        .and_then(crate::id_of)
        .ok_or_else(|| Unreadable("a message without chat".into()))?;
    let number = message
        .get("message_id")
        .and_then(crate::id_of)
        .ok_or_else(|| Unreadable("a message without message_id".into()))?;
    let from = message.pointer("/from/id").and_then(crate::id_of);
    let at = message
        .get("date")
        .and_then(Value::as_i64)
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .unwrap_or(received);
    let words = str_at(message, "/text")
        .or_else(|| str_at(message, "/caption"))
        .unwrap_or_default();
    let mut inbound = InboundMessage::new(&format!("{chat}:{number}"), &chat, at, words);
    let name: Vec<&str> = [
        str_at(message, "/from/first_name"),
        str_at(message, "/from/last_name"),
    ]
    .into_iter()
    .flatten()
    .collect();
    inbound.sender_name = (!name.is_empty()).then(|| name.join(" "));
    inbound.reply_to = message
        .pointer("/reply_to_message/message_id")
        .and_then(crate::id_of)
        .map(|id| format!("{chat}:{id}"));
    if let Some(Value::Array(sizes)) = message.get("photo") {
        // The same picture in growing sizes: the largest.
        if let Some(largest) = sizes.last().and_then(|p| file(p, "image")) {
            inbound.media.push(largest);
        }
    }
    for (field, kind) in [
        ("document", "document"),
        ("voice", "voice"),
        ("audio", "audio"),
        ("video", "video"),
        ("video_note", "video"),
        ("animation", "video"),
    ] {
        if let Some(found) = message.get(field).and_then(|v| file(v, kind)) {
            inbound.media.push(found);
        }
    }
    if message.get("sticker").is_some() {
        inbound.media.push(MediaRef {
            kind: "sticker",
            media_id: None,
            url: None,
            mime_type: None,
            file_name: None,
            data: None,
        });
    }
    let place = message
        .get("location")
        .or_else(|| message.pointer("/venue/location"));
    if let Some((latitude, longitude)) = place.and_then(|p| {
        Some((
            p.get("latitude").and_then(Value::as_f64)?,
            p.get("longitude").and_then(Value::as_f64)?,
        ))
    }) {
        inbound.location = Some(SharedLocation {
            latitude,
            longitude,
            name: str_at(message, "/venue/title").map(str::to_owned),
            address: str_at(message, "/venue/address").map(str::to_owned),
        });
    }
    if let Some(contact) = message.get("contact") {
        let phone = str_at(contact, "/phone_number").map(str::to_owned);
        let own = from.is_some() && contact.get("user_id").and_then(crate::id_of) == from;
        if own {
            // The user shared their own number (the "share my phone" button): it joins their
            // sealed contact, never the text.
            inbound.sender_phone = phone;
            inbound.text = "[Đã chia sẻ số điện thoại của mình]".into();
        } else {
            let name: Vec<&str> = [
                str_at(contact, "/first_name"),
                str_at(contact, "/last_name"),
            ]
            .into_iter()
            .flatten()
            .collect();
            inbound.contacts.push(SharedContact {
                name: name.join(" "),
                phones: phone.into_iter().collect(),
            });
        }
    }
    Ok(vec![InboundEvent::Message(Box::new(inbound))])
}

/// Calls a Bot API method; its `result`.
async fn call(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    method: &str,
    body: &Value,
) -> Result<Value, SendError> {
    let response = http
        .post(format!(
            "{}/bot{token}/{method}",
            base.trim_end_matches('/')
        ))
        .json(body)
        .send()
        .await
        .map_err(|e| transport_error(&e))?;
    let status = response.status();
    let answer: Option<Value> = response.json().await.ok();
    match answer {
        Some(answer) if answer.get("ok") == Some(&Value::Bool(true)) => {
            Ok(answer.get("result").cloned().unwrap_or(Value::Null))
        }
        Some(answer) => Err(failure(
            status.as_u16(),
            serde_json::from_value(answer).unwrap_or(Answer {
                ok: false,
                error_code: None,
                description: None,
                parameters: None,
                result: None,
            }),
        )),
        None if status.is_server_error() => Err(SendError::Unavailable(format!(
            "Telegram answered {status}"
        ))),
        None => Err(SendError::Refused(format!(
            "Telegram answered {status} without a result"
        ))),
    }
}

/// Answers a chat; the platform's id of the message sent.
pub async fn send(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    outgoing: &Outgoing<'_>,
) -> Result<String, SendError> {
    let token = key(sender.secrets, "bot_token")?;
    let chat: i64 = outgoing
        .to
        .parse()
        .map_err(|_| SendError::Refused("not a Telegram chat".into()))?;
    let body = serde_json::json!({
        "chat_id": chat,
        "text": outgoing.text,
        "link_preview_options": { "is_disabled": true },
    });
    let sent = call(http, sender.api_base, token, "sendMessage", &body).await?;
    let number = sent
        .get("message_id")
        .and_then(crate::id_of)
        .ok_or_else(|| SendError::Unavailable("an answer without message_id".into()))?;
    Ok(number)
}

/// Fetches a file by its id: `getFile` gives its path, then the file itself (bots may
/// download up to 20 MB). At most `max` bytes.
pub async fn fetch_file(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    file_id: &str,
    max: usize,
) -> Result<Vec<u8>, SendError> {
    let token = key(sender.secrets, "bot_token")?;
    let found = call(
        http,
        sender.api_base,
        token,
        "getFile",
        &serde_json::json!({ "file_id": file_id }),
    )
    .await?;
    let path = str_at(&found, "/file_path")
        .filter(|p| !p.contains("..") && !p.starts_with('/'))
        .ok_or_else(|| SendError::Refused("Telegram gave no path to the file".into()))?;
    let base = sender.api_base.trim_end_matches('/');
    crate::download(http.get(format!("{base}/file/bot{token}/{path}")), max).await
}

/// One batch of updates fetched by long polling.
#[derive(Debug)]
pub struct Updates {
    /// Each update as its own JSON object, in order.
    pub updates: Vec<Vec<u8>>,
    /// The offset to ask from next: past the last update received.
    pub next_offset: Option<i64>,
}

/// Fetches the updates after `offset`, waiting up to `wait_secs` for one to come. Telegram
/// forgets the updates before an offset once asked for it, so the caller keeps these durably
/// before asking with `next_offset`.
pub async fn get_updates(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    offset: Option<i64>,
    wait_secs: u32,
) -> Result<Updates, SendError> {
    let token = key(sender.secrets, "bot_token")?;
    let mut body = serde_json::json!({
        "timeout": wait_secs,
        "allowed_updates": ["message"],
    });
    if let (Some(offset), Value::Object(fields)) = (offset, &mut body) {
        fields.insert("offset".into(), offset.into());
    }
    let result = call(http, sender.api_base, token, "getUpdates", &body).await?;
    let Value::Array(list) = result else {
        return Err(SendError::Unavailable("getUpdates gave no list".into()));
    };
    let mut updates = Vec::with_capacity(list.len());
    let mut last = None;
    for update in list {
        // Kept all the same (it becomes a dead letter, for a look): skipping it must not stop
        // the updates after it.
        if let Some(id) = update.get("update_id").and_then(Value::as_i64) {
            last = Some(last.map_or(id, |l: i64| l.max(id)));
        }
        updates.push(
            serde_json::to_vec(&update)
                .map_err(|e| SendError::Unavailable(format!("an update: {e}")))?,
        );
    }
    Ok(Updates {
        updates,
        next_offset: last.map(|l| l + 1).or(offset),
    })
}

fn failure(status: u16, answer: Answer) -> SendError {
    let code = answer.error_code.unwrap_or(status);
    let what = answer
        .description
        .unwrap_or_else(|| format!("error {code}"));
    if let Some(wait) = answer.parameters.and_then(|p| p.retry_after) {
        return SendError::RateLimited(Duration::from_secs(wait));
    }
    match code {
        429 => SendError::RateLimited(Duration::from_secs(1)),
        500.. => SendError::Unavailable(what),
        _ => SendError::Refused(what),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;
    use axum::Json;
    use axum::extract::Path;
    use axum::http::StatusCode;
    use axum::routing::post;
    use serde_json::{Value, json};

    /// A stand-in Bot API: chat 1 accepts, chat 2 has blocked the bot, chat 3 is flooded.
    async fn stand_in() -> String {
        let app = axum::Router::new().route(
            "/{bot}/sendMessage",
            post(|Path(bot): Path<String>, Json(body): Json<Value>| async move {
                if bot != "bot123:ABC" {
                    return (
                        StatusCode::UNAUTHORIZED,
                        Json(json!({"ok": false, "error_code": 401, "description": "Unauthorized"})),
                    );
                }
                match body["chat_id"].as_i64() {
                    Some(1) => (
                        StatusCode::OK,
                        Json(json!({"ok": true, "result": {"message_id": 77, "chat": {"id": 1}}})),
                    ),
                    Some(3) => (
                        StatusCode::TOO_MANY_REQUESTS,
                        Json(json!({"ok": false, "error_code": 429,
                            "description": "Too Many Requests: retry after 7",
                            "parameters": {"retry_after": 7}})),
                    ),
                    _ => (
                        StatusCode::FORBIDDEN,
                        Json(json!({"ok": false, "error_code": 403,
                            "description": "Forbidden: bot was blocked by the user"})),
                    ),
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    }

    #[tokio::test]
    async fn sends_and_reads_the_bot_apis_answers() {
        let base = stand_in().await;
        let bot = BotApi::new(&base, "123:ABC").unwrap();
        assert_eq!(bot.send_message(1, "Tin khẩn").await.unwrap(), 77);
        match bot.send_message(2, "x").await {
            Err(SendError::Refused(why)) => assert!(why.contains("blocked"), "{why}"),
            other => panic!("{other:?}"),
        }
        match bot.send_message(3, "x").await {
            Err(SendError::RateLimited(wait)) => assert_eq!(wait, Duration::from_secs(7)),
            other => panic!("{other:?}"),
        }
        let wrong = BotApi::new(&base, "999:XYZ").unwrap();
        assert!(matches!(
            wrong.send_message(1, "x").await,
            Err(SendError::Refused(_))
        ));
        assert!(
            !format!("{bot:?}").contains("ABC"),
            "the token stays out of logs"
        );
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/platforms/telegram/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn message(body: &[u8]) -> InboundMessage {
        match parse(body, chrono::DateTime::UNIX_EPOCH)
            .unwrap()
            .into_iter()
            .next()
        {
            Some(InboundEvent::Message(m)) => *m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_secret_token_is_compared_whole() {
        let raw = String::from_utf8(fixture("webhook_request.txt")).unwrap();
        let header = raw
            .lines()
            .find_map(|l| l.strip_prefix("X-Telegram-Bot-Api-Secret-Token: "))
            .unwrap()
            .trim();
        let secret = "CAT-tinh_113-webhook-2026";
        assert_eq!(verify(Some(header), secret), Ok(()));
        assert_eq!(verify(None, secret), Err(Refusal::Missing));
        assert_eq!(verify(Some("CAT-tinh_113"), secret), Err(Refusal::Mismatch));
        assert_eq!(
            verify(Some(""), ""),
            Err(Refusal::Mismatch),
            "never an empty secret"
        );
        // The body in the raw request is an update like the others.
        let body = raw
            .split("\r\n\r\n")
            .nth(1)
            .or_else(|| raw.split("\n\n").nth(1))
            .unwrap();
        assert_eq!(
            message(body.trim().as_bytes()).platform_message_id,
            "7012345678:1021"
        );
    }

    #[test]
    fn the_fixtures_taken_apart() {
        let text = message(&fixture("text_message.json"));
        assert_eq!(text.platform_message_id, "7012345678:1021");
        assert_eq!(text.sender, "7012345678");
        assert_eq!(text.sender_name.as_deref(), Some("Lan Trần Thị"));
        assert!(text.text.contains("phường Tân Lập"));
        assert_eq!(text.at.timestamp(), 1_795_184_100);
        let photo = message(&fixture("photo_message.json"));
        assert_eq!(photo.media.len(), 1);
        assert!(
            photo.media[0]
                .media_id
                .as_deref()
                .unwrap()
                .ends_with("large")
        );
        assert!(photo.text.contains("20A-123.45"), "the caption");
        let place = message(&fixture("location_message.json"));
        let location = place.location.unwrap();
        assert!((location.latitude - 21.592_471).abs() < 1e-9);
        let voice = message(&fixture("voice_message.json"));
        assert_eq!(voice.media[0].kind, "voice");
        assert_eq!(voice.media[0].mime_type.as_deref(), Some("audio/ogg"));
    }

    #[test]
    fn a_shared_phone_number_joins_the_sealed_contact_and_groups_are_ignored() {
        let own = br#"{"update_id":1,"message":{"message_id":5,"from":{"id":70,"first_name":"Lan"},"chat":{"id":70,"type":"private"},"date":1795184100,"contact":{"phone_number":"+84912345678","first_name":"Lan","user_id":70}}}"#;
        let shared = message(own);
        assert_eq!(shared.sender_phone.as_deref(), Some("+84912345678"));
        assert!(!shared.text.contains("912345678"));
        let someone = r#"{"update_id":2,"message":{"message_id":6,"from":{"id":70},"chat":{"id":70,"type":"private"},"date":1795184100,"contact":{"phone_number":"0987654321","first_name":"Kẻ","last_name":"Lừa đảo"}}}"#;
        let card = message(someone.as_bytes());
        assert!(card.sender_phone.is_none());
        assert_eq!(card.contacts[0].phones, ["0987654321"]);
        let document = br#"{"update_id":3,"message":{"message_id":7,"from":{"id":70},"chat":{"id":70,"type":"private"},"date":1795184100,"document":{"file_id":"BQAC","file_name":"don.pdf","mime_type":"application/pdf"},"reply_to_message":{"message_id":6}}}"#;
        let file = message(document);
        assert_eq!(file.media[0].file_name.as_deref(), Some("don.pdf"));
        assert_eq!(file.reply_to.as_deref(), Some("70:6"));
        let group = br#"{"update_id":4,"message":{"message_id":8,"from":{"id":70},"chat":{"id":-100,"type":"supergroup"},"date":1795184100,"text":"hi"}}"#;
        assert!(matches!(
            &parse(group, chrono::DateTime::UNIX_EPOCH).unwrap()[0],
            InboundEvent::Ignored(_)
        ));
        let edited = br#"{"update_id":5,"edited_message":{"message_id":8}}"#;
        assert!(
            matches!(&parse(edited, chrono::DateTime::UNIX_EPOCH).unwrap()[0], InboundEvent::Ignored(w) if w == "edited_message")
        );
        assert!(parse(br#"{"message":{}}"#, chrono::DateTime::UNIX_EPOCH).is_err());
    }

    #[tokio::test]
    async fn an_unreachable_api_is_unavailable_and_says_nothing_of_the_token() {
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let bot = BotApi::new(&base, "123:SECRET").unwrap();
        match bot.send_message(1, "x").await {
            Err(e @ SendError::Unavailable(_)) => assert!(!e.to_string().contains("SECRET")),
            other => panic!("{other:?}"),
        }
    }
}
