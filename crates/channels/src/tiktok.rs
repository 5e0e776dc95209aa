//! TikTok Business Messaging: direct messages to a business account. Deliveries carry
//! `TikTok-Signature: t=<unix seconds>,s=<hex>`, an HMAC-SHA-256 under the app secret of
//! `"<t>." + raw body`, refused outside a window around now (a replay); the message itself is a
//! JSON string inside the envelope's `content`. Answers go to the conversation through the
//! Business API's send endpoint; images are downloaded through its media endpoint.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use hotline_domain::inbound::{InboundEvent, InboundMessage, MediaRef};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;

use crate::wire::{Object, Scalar, object, optional};
use crate::{Outgoing, Refusal, SendError, Sender, Unreadable, key};

/// How far a signature's time may be from ours, either way.
pub const SIGNATURE_WINDOW_SECS: i64 = 300;
const API_PATH: &str = "open_api/v1.3/business";

/// Checks `TikTok-Signature: t=…,s=…` against the raw body and the time `now`.
pub fn verify(
    signature: Option<&str>,
    body: &[u8],
    app_secret: &str,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let signature = signature.ok_or(Refusal::Missing)?;
    let (mut t, mut s) = (None, None);
    for part in signature.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = Some(value),
            Some(("s", value)) => s = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(s)) = (t, s) else {
        return Err(Refusal::Mismatch);
    };
    let claimed = hex::decode(s).map_err(|_| Refusal::Mismatch)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).map_err(|_| Refusal::Mismatch)?;
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&claimed).map_err(|_| Refusal::Mismatch)?;
    let signed_at: i64 = t.parse().map_err(|_| Refusal::Mismatch)?;
    if now.timestamp().abs_diff(signed_at) > SIGNATURE_WINDOW_SECS.unsigned_abs() {
        return Err(Refusal::Stale);
    }
    Ok(())
}

/// Where an image is, for the media endpoint: the business account, conversation, message and
/// media ids.
fn media_handle(business: &str, conversation: &str, message: &str, media: &str) -> String {
    serde_json::json!([business, conversation, message, media]).to_string()
}

/// A delivery as TikTok writes it: an envelope, and the message in its `content` (a JSON
/// document in a string, or the object itself).
#[derive(Default, Deserialize)]
#[serde(default)]
struct Envelope {
    event: Scalar,
    user_openid: Scalar,
    #[serde(deserialize_with = "optional")]
    content: Option<Content>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Embedded(String),
    Object(Box<Object<Message>>),
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Message {
    message_id: Scalar,
    conversation_id: Scalar,
    #[serde(deserialize_with = "object")]
    from_user: FromUser,
    /// The sender's display name.
    from: Scalar,
    timestamp: Scalar,
    #[serde(deserialize_with = "object")]
    referenced_message_info: Referenced,
    #[serde(rename = "type")]
    kind: Scalar,
    #[serde(deserialize_with = "object")]
    text: Body,
    #[serde(deserialize_with = "object")]
    image: Image,
    #[serde(deserialize_with = "object")]
    share_post: SharePost,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct FromUser {
    id: Scalar,
    role: Scalar,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Referenced {
    referenced_message_id: Scalar,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Body {
    body: Scalar,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Image {
    media_id: Scalar,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct SharePost {
    embed_url: Scalar,
}

/// Takes a delivery apart: the envelope, then the message in its `content`.
pub fn parse(body: &[u8], received: DateTime<Utc>) -> Result<Vec<InboundEvent>, Unreadable> {
    let Object(envelope): Object<Envelope> =
        serde_json::from_slice(body).map_err(|e| Unreadable(format!("not JSON: {e}")))?;
    let event = envelope
        .event
        .text()
        .ok_or_else(|| Unreadable("no event".into()))?
        .to_owned();
    if event != "im_receive_msg" {
        return Ok(vec![InboundEvent::Ignored(event)]);
    }
    let business = envelope
        .user_openid
        .text()
        .ok_or_else(|| Unreadable("no user_openid".into()))?;
    let content: Message = match envelope.content {
        Some(Content::Embedded(inner)) => {
            serde_json::from_str::<Object<Message>>(&inner)
                .map_err(|e| Unreadable(format!("content is not JSON: {e}")))?
                .0
        }
        Some(Content::Object(object)) => object.0,
        None => return Err(Unreadable("no content".into())),
    };
    // Our own messages come back as events too.
    if content.from_user.role.text() == Some("business_account") {
        return Ok(vec![InboundEvent::Ignored("own message".into())]);
    }
    let id = content
        .message_id
        .id()
        .ok_or_else(|| Unreadable("a message without message_id".into()))?;
    let conversation = content
        .conversation_id
        .id()
        .ok_or_else(|| Unreadable("a message without conversation_id".into()))?;
    let sender = content
        .from_user
        .id
        .id()
        .unwrap_or_else(|| conversation.clone());
    let at = content.timestamp.millis().unwrap_or(received);
    let mut message = InboundMessage::new(&id, &sender, at, "");
    message.sender_name = content.from.text().map(str::to_owned);
    message.answer_to = Some(serde_json::json!([business, conversation]).to_string());
    message.reply_to = content.referenced_message_info.referenced_message_id.id();
    match content.kind.text().unwrap_or_default() {
        "text" => {
            message.text =
                hotline_domain::text::clean(content.text.body.text().unwrap_or_default());
        }
        "image" => {
            if let Some(media) = content.image.media_id.text() {
                message.media.push(MediaRef {
                    kind: "image",
                    media_id: Some(media_handle(business, &conversation, &id, media)),
                    url: None,
                    mime_type: None,
                    file_name: None,
                    data: None,
                });
            }
        }
        "share_post" => {
            let link = content.share_post.embed_url.text().unwrap_or_default();
            message.text = hotline_domain::text::clean(&format!("[Chia sẻ video] {link}"));
        }
        "sticker" => message.media.push(MediaRef {
            kind: "sticker",
            media_id: None,
            url: None,
            mime_type: None,
            file_name: None,
            data: None,
        }),
        other => message.text = format!("[{}]", hotline_domain::text::clean_line(other)),
    }
    Ok(vec![InboundEvent::Message(Box::new(message))])
}

/// A Business API answer: a code, why, and the `data` asked for.
#[derive(Default, Deserialize)]
#[serde(default, bound = "T: Deserialize<'de> + Default")]
struct Answer<T> {
    code: Scalar,
    message: Scalar,
    #[serde(deserialize_with = "object")]
    data: T,
}

/// What sending a message answers.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Sent {
    message_id: Scalar,
    #[serde(deserialize_with = "object")]
    message: SentMessage,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct SentMessage {
    message_id: Scalar,
}

/// What the media endpoint answers.
#[derive(Default, Deserialize)]
#[serde(default)]
struct MediaLink {
    download_url: Scalar,
}

/// Reads a Business API answer: its `data`, or why not.
async fn business_answer<T: DeserializeOwned + Default>(
    response: reqwest::Response,
) -> Result<T, SendError> {
    let status = response.status();
    if status.is_server_error() {
        return Err(SendError::Unavailable(format!("TikTok answered {status}")));
    }
    let Object(answer): Object<Answer<T>> = response
        .json()
        .await
        .map_err(|_| SendError::Unavailable(format!("unreadable answer ({status})")))?;
    let code = answer.code.code().unwrap_or(-1);
    let what = format!(
        "TikTok {code}: {}",
        answer.message.text().unwrap_or_default()
    );
    match code {
        0 if status.is_success() => Ok(answer.data),
        // Too many requests.
        40100 => Err(SendError::RateLimited(std::time::Duration::from_secs(60))),
        // The access token is invalid or has expired.
        40104 | 40105 => Err(SendError::TokenExpired(what)),
        _ if status.as_u16() == 429 => {
            Err(SendError::RateLimited(std::time::Duration::from_secs(60)))
        }
        50000.. => Err(SendError::Unavailable(what)),
        _ => Err(SendError::Refused(what)),
    }
}

/// Answers a conversation; the platform's id of the message.
pub async fn send(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    outgoing: &Outgoing<'_>,
) -> Result<String, SendError> {
    let token = key(sender.secrets, "access_token")?;
    let (business, conversation): (String, String) = serde_json::from_str(outgoing.to)
        .map_err(|_| SendError::Refused("not a TikTok conversation".into()))?;
    let body = serde_json::json!({
        "business_id": business,
        "recipient_type": "CONVERSATION",
        "recipient": conversation,
        "message_type": "TEXT",
        "text": { "body": outgoing.text },
    });
    let response = crate::send_json(
        http.post(format!(
            "{}/{API_PATH}/message/send/",
            sender.api_base.trim_end_matches('/')
        ))
        .header("Access-Token", token),
        &body,
    )
    .await?;
    let sent: Sent = business_answer(response).await?;
    // TikTok reports no delivery states to match an id against: without one, the message is
    // sent all the same.
    Ok(sent
        .message_id
        .id()
        .or_else(|| sent.message.message_id.id())
        .unwrap_or_else(|| "sent".to_owned()))
}

/// Downloads an image a citizen sent: the media endpoint gives a link, then the file. At most
/// `max` bytes.
pub async fn fetch_media(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    handle: &str,
    max: usize,
) -> Result<Vec<u8>, SendError> {
    let token = key(sender.secrets, "access_token")?;
    let (business, conversation, message, media): (String, String, String, String) =
        serde_json::from_str(handle)
            .map_err(|_| SendError::Refused("not a TikTok media handle".into()))?;
    let response = crate::send_json(
        http.post(format!(
            "{}/{API_PATH}/message/media/download/",
            sender.api_base.trim_end_matches('/')
        ))
        .header("Access-Token", token),
        &serde_json::json!({
            "business_id": business,
            "conversation_id": conversation,
            "message_id": message,
            "media_id": media,
            "media_type": "IMAGE",
        }),
    )
    .await?;
    let found: MediaLink = business_answer(response).await?;
    let link = found
        .download_url
        .text()
        .ok_or_else(|| SendError::Refused("no link to the file".into()))?;
    crate::download(http.get(link), max).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;
    use chrono::TimeZone;

    const SECRET: &str = "tt-demo-client-secret-9f8e7d6c5b4a";
    const SIGNATURE: &str =
        "t=1795184351,s=0a1b5c443a7ae9c2049a9491b8058a7d72b0c16a56d53c155f5daddda2fb58c0";

    fn fixture() -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/platforms/tiktok/im_receive_msg_text.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn the_fixtures_signature_within_its_window() {
        let body = fixture();
        let signed = Utc.timestamp_opt(1_795_184_351, 0).unwrap();
        assert_eq!(verify(Some(SIGNATURE), &body, SECRET, signed), Ok(()));
        assert_eq!(
            verify(
                Some(SIGNATURE),
                &body,
                SECRET,
                signed + chrono::Duration::seconds(299)
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                Some(SIGNATURE),
                &body,
                SECRET,
                signed + chrono::Duration::minutes(10)
            ),
            Err(Refusal::Stale),
            "a replay ten minutes later"
        );
        assert_eq!(verify(None, &body, SECRET, signed), Err(Refusal::Missing));
        assert_eq!(
            verify(Some(SIGNATURE), &body, "wrong", signed),
            Err(Refusal::Mismatch)
        );
        let mut changed = body.clone();
        changed[30] ^= 1;
        assert_eq!(
            verify(Some(SIGNATURE), &changed, SECRET, signed),
            Err(Refusal::Mismatch)
        );
        // Another time in the header with the same digest: the time is signed.
        let moved = SIGNATURE.replace("t=1795184351", "t=1795184352");
        assert_eq!(
            verify(Some(&moved), &body, SECRET, signed),
            Err(Refusal::Mismatch)
        );
        assert!(verify(Some("s=00"), &body, SECRET, signed).is_err());
    }

    #[test]
    fn the_message_inside_the_content_string() {
        let events = parse(&fixture(), chrono::DateTime::UNIX_EPOCH).unwrap();
        let InboundEvent::Message(message) = &events[0] else {
            panic!()
        };
        assert_eq!(message.platform_message_id, "u5Buqc6lAghuOelnHUZVDemo1==");
        assert_eq!(message.sender, "-000Vn9User8Hoa7Demo6Id5");
        assert!(message.text.starts_with("Có livestream bán hàng giả mạo"));
        assert_eq!(message.at.timestamp_millis(), 1_795_184_350_000);
        let to: (String, String) =
            serde_json::from_str(message.answer_to.as_deref().unwrap()).unwrap();
        assert_eq!(to.0, "-000Qk9bXzq2a8r3Vt6Nn1Lm4Pp7Ss0Uu");
        assert_eq!(to.1, "u5JhpselBAhoPOlnH0tZ9yDemo==");
    }

    #[test]
    fn images_echoes_and_other_events() {
        let content = r#"{"timestamp":1795184360000,"from_user":{"id":"-u1","role":"personal_account"},"conversation_id":"c1==","message_id":"m2==","type":"image","image":{"media_id":"v0951"}}"#;
        let body = serde_json::json!({"event":"im_receive_msg","create_time":1795184360,"user_openid":"-biz","content":content}).to_string();
        let InboundEvent::Message(image) =
            &parse(body.as_bytes(), chrono::DateTime::UNIX_EPOCH).unwrap()[0]
        else {
            panic!()
        };
        assert_eq!(image.media[0].kind, "image");
        let handle: Vec<String> =
            serde_json::from_str(image.media[0].media_id.as_deref().unwrap()).unwrap();
        assert_eq!(handle, ["-biz", "c1==", "m2==", "v0951"]);
        let own = content.replace("personal_account", "business_account");
        let body = serde_json::json!({"event":"im_receive_msg","user_openid":"-biz","content":own})
            .to_string();
        assert!(matches!(
            &parse(body.as_bytes(), chrono::DateTime::UNIX_EPOCH).unwrap()[0],
            InboundEvent::Ignored(_)
        ));
        let read = br#"{"event":"im_mark_read_msg","user_openid":"-biz","content":"{}"}"#;
        assert!(matches!(
            &parse(read, chrono::DateTime::UNIX_EPOCH).unwrap()[0],
            InboundEvent::Ignored(e) if e == "im_mark_read_msg"
        ));
        let broken = br#"{"event":"im_receive_msg","user_openid":"-biz","content":"{not json"}"#;
        assert!(parse(broken, chrono::DateTime::UNIX_EPOCH).is_err());
    }
}
