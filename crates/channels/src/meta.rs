//! Meta's platforms: WhatsApp (Cloud API), Messenger, Instagram and Threads. One handshake
//! (`hub.challenge`), one signature (`X-Hub-Signature-256`, HMAC-SHA-256 of the raw body under
//! the app secret: Meta signs the body as sent, escaped, so the bytes received are what is
//! verified, never a re-serialisation), and four envelopes.

use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use hotline_domain::inbound::{
    InboundEvent, InboundMessage, MediaRef, SharedContact, SharedLocation,
};
use hotline_domain::{Channel, Delivery};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::{Outgoing, Refusal, SendError, Sender, Unreadable, fetch_failure, key, read_limited};

/// The answer to Meta's subscription check: the challenge, when the mode is `subscribe` and the
/// token is the account's.
pub fn handshake<'a>(
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&'a str>,
    verify_token: &str,
) -> Option<&'a str> {
    let token_matches =
        token.is_some_and(|t| bool::from(t.as_bytes().ct_eq(verify_token.as_bytes())));
    (mode == Some("subscribe") && token_matches && !verify_token.is_empty())
        .then_some(challenge)
        .flatten()
        .filter(|c| !c.is_empty() && c.len() <= 256)
}

/// Checks `X-Hub-Signature-256: sha256=<hex>` against the raw body, in constant time.
pub fn verify(signature: Option<&str>, body: &[u8], app_secret: &str) -> Result<(), Refusal> {
    let signature = signature.ok_or(Refusal::Missing)?;
    let hex_digest = signature
        .trim()
        .strip_prefix("sha256=")
        .ok_or(Refusal::Mismatch)?;
    let claimed = hex::decode(hex_digest).map_err(|_| Refusal::Mismatch)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).map_err(|_| Refusal::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&claimed).map_err(|_| Refusal::Mismatch)
}

/// Takes a delivery of `platform` apart. `received` stands in for a message's time where the
/// platform gives none.
pub fn parse(
    platform: Channel,
    body: &[u8],
    received: DateTime<Utc>,
) -> Result<Vec<InboundEvent>, Unreadable> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| Unreadable(format!("not JSON: {e}")))?;
    if !value.is_object() {
        return Err(Unreadable("not a JSON object".into()));
    }
    match platform {
        Channel::Whatsapp => whatsapp(value, received),
        Channel::Messenger | Channel::Instagram => messaging(value, received),
        Channel::Threads => threads(value, received),
        other => Err(Unreadable(format!("{other} is not a Meta platform"))),
    }
}

fn from_value<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, Unreadable> {
    serde_json::from_value(value).map_err(|e| Unreadable(e.to_string()))
}

fn unix_seconds(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(s, 0).single().unwrap_or_default()
}

fn unix_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

// WhatsApp Cloud API: entry[].changes[].value.{contacts, messages, statuses}.

#[derive(Deserialize)]
struct WaEnvelope {
    #[serde(default)]
    entry: Vec<WaEntry>,
}

#[derive(Deserialize)]
struct WaEntry {
    #[serde(default)]
    changes: Vec<WaChange>,
}

#[derive(Deserialize)]
struct WaChange {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: WaValue,
}

#[derive(Deserialize, Default)]
struct WaValue {
    #[serde(default)]
    contacts: Vec<WaContact>,
    #[serde(default)]
    messages: Vec<Value>,
    #[serde(default)]
    statuses: Vec<WaStatus>,
}

#[derive(Deserialize)]
struct WaContact {
    #[serde(default)]
    profile: Option<WaProfile>,
    #[serde(default)]
    wa_id: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
}

#[derive(Deserialize)]
struct WaProfile {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct WaStatus {
    id: String,
    status: String,
    #[serde(default)]
    errors: Vec<WaError>,
}

#[derive(Deserialize)]
struct WaError {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    title: Option<String>,
}

#[derive(Deserialize)]
struct WaMessage {
    id: String,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    text: Option<WaText>,
    #[serde(default)]
    image: Option<WaMedia>,
    #[serde(default)]
    audio: Option<WaMedia>,
    #[serde(default)]
    video: Option<WaMedia>,
    #[serde(default)]
    document: Option<WaMedia>,
    #[serde(default)]
    sticker: Option<WaMedia>,
    #[serde(default)]
    location: Option<WaLocation>,
    #[serde(default)]
    contacts: Vec<WaCard>,
    #[serde(default)]
    reaction: Option<WaReaction>,
    #[serde(default)]
    context: Option<WaContext>,
    #[serde(default)]
    button: Option<WaText>,
    #[serde(default)]
    interactive: Option<Value>,
}

#[derive(Deserialize)]
struct WaText {
    #[serde(default, alias = "text")]
    body: String,
}

#[derive(Deserialize)]
struct WaMedia {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    voice: bool,
}

#[derive(Deserialize)]
struct WaLocation {
    latitude: f64,
    longitude: f64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    address: Option<String>,
}

#[derive(Deserialize)]
struct WaCard {
    #[serde(default)]
    name: Option<WaCardName>,
    #[serde(default)]
    phones: Vec<WaCardPhone>,
}

#[derive(Deserialize)]
struct WaCardName {
    #[serde(default)]
    formatted_name: String,
}

#[derive(Deserialize)]
struct WaCardPhone {
    #[serde(default)]
    phone: String,
}

#[derive(Deserialize)]
struct WaReaction {
    #[serde(default)]
    message_id: Option<String>,
    #[serde(default)]
    emoji: Option<String>,
}

#[derive(Deserialize)]
struct WaContext {
    #[serde(default)]
    id: Option<String>,
}

fn whatsapp(value: Value, received: DateTime<Utc>) -> Result<Vec<InboundEvent>, Unreadable> {
    let envelope: WaEnvelope = from_value(value)?;
    let mut events = Vec::new();
    for change in envelope.entry.into_iter().flat_map(|e| e.changes) {
        if change.field != "messages" {
            events.push(InboundEvent::Ignored(format!("whatsapp {}", change.field)));
            continue;
        }
        let value = change.value;
        for status in value.statuses {
            let delivery = match status.status.as_str() {
                "sent" => Delivery::Sent,
                "delivered" => Delivery::Delivered,
                "read" | "played" => Delivery::Read,
                "failed" => Delivery::Failed,
                other => {
                    events.push(InboundEvent::Ignored(format!("whatsapp status {other}")));
                    continue;
                }
            };
            let error = status.errors.first().map(|e| {
                format!(
                    "{} {}",
                    e.code.unwrap_or_default(),
                    e.title.clone().unwrap_or_default()
                )
            });
            events.push(InboundEvent::Status {
                platform_message_id: status.id,
                delivery,
                error,
            });
        }
        for raw in value.messages {
            let message: WaMessage = from_value(raw)?;
            // The contact card that names this sender: by business-scoped id, phone, or the
            // only one.
            let contact = value
                .contacts
                .iter()
                .find(|c| {
                    (c.user_id.is_some() && c.user_id == message.user_id)
                        || (c.wa_id.is_some() && c.wa_id == message.from)
                })
                .or_else(|| value.contacts.first());
            let user_id = message
                .user_id
                .clone()
                .or_else(|| contact.and_then(|c| c.user_id.clone()));
            let phone = contact.and_then(|c| c.wa_id.clone()).or_else(|| {
                message
                    .from
                    .clone()
                    .filter(|f| f.chars().all(|c| c.is_ascii_digit()))
            });
            let Some(sender) = user_id
                .or_else(|| phone.clone())
                .or_else(|| message.from.clone())
            else {
                return Err(Unreadable("a WhatsApp message without a sender".into()));
            };
            let at = message
                .timestamp
                .as_deref()
                .and_then(|t| t.parse().ok())
                .map_or(received, unix_seconds);
            let mut inbound = InboundMessage::new(&message.id, &sender, at, "");
            inbound.sender_phone = phone;
            inbound.sender_name = contact
                .and_then(|c| c.profile.as_ref())
                .and_then(|p| p.name.clone());
            inbound.reply_to = message.context.and_then(|c| c.id);
            let media = |kind: &'static str, m: &WaMedia| MediaRef {
                kind: if kind == "audio" && m.voice {
                    "voice"
                } else {
                    kind
                },
                media_id: m.id.clone(),
                url: None,
                mime_type: m.mime_type.clone(),
                file_name: m.filename.clone(),
                data: None,
            };
            let mut caption = None;
            match message.kind.as_str() {
                "text" => caption = message.text.map(|t| t.body),
                "button" => caption = message.button.map(|t| t.body),
                "image" | "audio" | "video" | "document" | "sticker" => {
                    let file = match message.kind.as_str() {
                        "image" => message.image,
                        "audio" => message.audio,
                        "video" => message.video,
                        "document" => message.document,
                        _ => message.sticker,
                    };
                    let kind = match message.kind.as_str() {
                        "image" => "image",
                        "audio" => "audio",
                        "video" => "video",
                        "document" => "document",
                        _ => "sticker",
                    };
                    if let Some(file) = file {
                        inbound.media.push(media(kind, &file));
                        caption = file.caption;
                    }
                }
                "location" => {
                    inbound.location = message.location.map(|l| SharedLocation {
                        latitude: l.latitude,
                        longitude: l.longitude,
                        name: l.name,
                        address: l.address,
                    });
                }
                "contacts" => {
                    inbound.contacts = message
                        .contacts
                        .into_iter()
                        .map(|c| SharedContact {
                            name: c.name.map(|n| n.formatted_name).unwrap_or_default(),
                            phones: c.phones.into_iter().map(|p| p.phone).collect(),
                        })
                        .collect();
                }
                "reaction" => {
                    let reaction = message.reaction.unwrap_or(WaReaction {
                        message_id: None,
                        emoji: None,
                    });
                    inbound.reply_to = reaction.message_id;
                    // An empty emoji takes a reaction back.
                    inbound.reaction = Some(reaction.emoji.unwrap_or_default());
                }
                "interactive" => {
                    caption = message
                        .interactive
                        .as_ref()
                        .and_then(|i| {
                            i.pointer("/button_reply/title")
                                .or_else(|| i.pointer("/list_reply/title"))
                        })
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                }
                other => {
                    events.push(InboundEvent::Ignored(format!("whatsapp message {other}")));
                    continue;
                }
            }
            inbound.text = hotline_domain::text::clean(&caption.unwrap_or_default());
            events.push(InboundEvent::Message(Box::new(inbound)));
        }
    }
    Ok(events)
}

// Messenger and Instagram: entry[].messaging[] with sender, recipient, timestamp (ms).

#[derive(Deserialize)]
struct MsEnvelope {
    #[serde(default)]
    entry: Vec<MsEntry>,
}

#[derive(Deserialize)]
struct MsEntry {
    #[serde(default)]
    messaging: Vec<MsEvent>,
    #[serde(default)]
    changes: Vec<Value>,
}

#[derive(Deserialize)]
struct MsEvent {
    #[serde(default)]
    sender: Option<MsParty>,
    #[serde(default)]
    timestamp: Option<i64>,
    #[serde(default)]
    message: Option<MsMessage>,
    #[serde(default)]
    reaction: Option<MsReaction>,
    #[serde(default)]
    delivery: Option<MsDelivery>,
    #[serde(default)]
    read: Option<Value>,
    #[serde(default)]
    postback: Option<MsPostback>,
}

#[derive(Deserialize)]
struct MsParty {
    id: String,
}

#[derive(Deserialize)]
struct MsMessage {
    mid: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    is_echo: bool,
    #[serde(default)]
    attachments: Vec<MsAttachment>,
    #[serde(default)]
    reply_to: Option<MsReplyTo>,
}

#[derive(Deserialize)]
struct MsAttachment {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    payload: Option<MsPayload>,
}

#[derive(Deserialize)]
struct MsPayload {
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize)]
struct MsReplyTo {
    #[serde(default)]
    mid: Option<String>,
}

#[derive(Deserialize)]
struct MsReaction {
    #[serde(default)]
    mid: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    emoji: Option<String>,
}

#[derive(Deserialize)]
struct MsDelivery {
    #[serde(default)]
    mids: Vec<String>,
}

#[derive(Deserialize)]
struct MsPostback {
    #[serde(default)]
    mid: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

fn messaging(value: Value, received: DateTime<Utc>) -> Result<Vec<InboundEvent>, Unreadable> {
    let envelope: MsEnvelope = from_value(value)?;
    let mut events = Vec::new();
    for entry in envelope.entry {
        for _ in &entry.changes {
            // Comments and mentions on posts: a different subscription, not handled here.
            events.push(InboundEvent::Ignored("comment or mention".into()));
        }
        for event in entry.messaging {
            let at = event.timestamp.map_or(received, unix_millis);
            let sender = event.sender.map(|s| s.id).unwrap_or_default();
            if let Some(delivery) = event.delivery {
                for mid in delivery.mids {
                    events.push(InboundEvent::Status {
                        platform_message_id: mid,
                        delivery: Delivery::Delivered,
                        error: None,
                    });
                }
                continue;
            }
            if event.read.is_some() {
                events.push(InboundEvent::Ignored("read receipt".into()));
                continue;
            }
            if let Some(reaction) = event.reaction {
                let Some(mid) = reaction.mid else {
                    events.push(InboundEvent::Ignored("reaction without a message".into()));
                    continue;
                };
                let emoji = if reaction.action.as_deref() == Some("unreact") {
                    String::new()
                } else {
                    reaction.emoji.unwrap_or_default()
                };
                // A reaction has no id of its own: one per message, sender and emoji.
                let id = format!("reaction:{mid}:{}", emoji);
                let mut inbound = InboundMessage::new(&id, &sender, at, "");
                inbound.reaction = Some(emoji);
                inbound.reply_to = Some(mid);
                events.push(InboundEvent::Message(Box::new(inbound)));
                continue;
            }
            if let Some(postback) = event.postback {
                let id = postback
                    .mid
                    .unwrap_or_else(|| format!("postback:{sender}:{at}"));
                let text = postback.title.unwrap_or_default();
                events.push(InboundEvent::Message(Box::new(InboundMessage::new(
                    &id, &sender, at, &text,
                ))));
                continue;
            }
            let Some(message) = event.message else {
                events.push(InboundEvent::Ignored("messaging event".into()));
                continue;
            };
            if message.is_echo {
                events.push(InboundEvent::Ignored("echo of our own message".into()));
                continue;
            }
            if sender.is_empty() {
                return Err(Unreadable("a message without a sender".into()));
            }
            let mut inbound = InboundMessage::new(
                &message.mid,
                &sender,
                at,
                message.text.as_deref().unwrap_or(""),
            );
            inbound.reply_to = message.reply_to.and_then(|r| r.mid);
            for attachment in message.attachments {
                let kind = match attachment.kind.as_str() {
                    "image" => "image",
                    "audio" => "audio",
                    "video" => "video",
                    "file" => "document",
                    _ => {
                        // Shared posts, reels, story mentions, unsupported shares: their link,
                        // if any, in the text.
                        if let Some(url) = attachment.payload.and_then(|p| p.url) {
                            if !inbound.text.is_empty() {
                                inbound.text.push('\n');
                            }
                            inbound.text.push_str(&url);
                        }
                        continue;
                    }
                };
                inbound.media.push(MediaRef {
                    kind,
                    media_id: None,
                    url: attachment.payload.and_then(|p| p.url),
                    mime_type: None,
                    file_name: None,
                    data: None,
                });
            }
            events.push(InboundEvent::Message(Box::new(inbound)));
        }
    }
    Ok(events)
}

// Threads: {topic, values: {field, value}} for replies and mentions, public by nature.

#[derive(Deserialize)]
struct ThEnvelope {
    #[serde(default)]
    values: Option<ThValues>,
}

#[derive(Deserialize)]
struct ThValues {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: Option<ThPost>,
}

#[derive(Deserialize)]
struct ThPost {
    id: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    permalink: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    replied_to: Option<ThRef>,
}

#[derive(Deserialize)]
struct ThRef {
    id: String,
}

fn threads(value: Value, received: DateTime<Utc>) -> Result<Vec<InboundEvent>, Unreadable> {
    let envelope: ThEnvelope = from_value(value)?;
    let Some(values) = envelope.values else {
        return Ok(vec![InboundEvent::Ignored("threads without values".into())]);
    };
    if !matches!(values.field.as_str(), "replies" | "mentions") {
        return Ok(vec![InboundEvent::Ignored(format!(
            "threads {}",
            values.field
        ))]);
    }
    let post = values
        .value
        .ok_or_else(|| Unreadable("a Threads event without its post".into()))?;
    let at = post
        .timestamp
        .as_deref()
        .and_then(|t| DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%z").ok())
        .map_or(received, |t| t.with_timezone(&Utc));
    let author = post.username.unwrap_or_default();
    let mut inbound =
        InboundMessage::new(&post.id, &author, at, post.text.as_deref().unwrap_or(""));
    inbound.sender_name = Some(format!("@{author}"));
    inbound.public = true;
    inbound.permalink = post.permalink;
    inbound.reply_to = post.replied_to.map(|r| r.id);
    Ok(vec![InboundEvent::Message(Box::new(inbound))])
}

/// The Graph API version requests are made to.
pub const GRAPH_VERSION: &str = "v25.0";

#[derive(Deserialize)]
struct GraphError {
    error: GraphErrorBody,
}

#[derive(Deserialize)]
struct GraphErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: i64,
    #[serde(default)]
    error_subcode: Option<i64>,
}

/// Reads a Graph API answer: the id of what was sent, or why not.
async fn graph_answer(response: reqwest::Response, id_at: &str) -> Result<String, SendError> {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body: Value = response
        .json()
        .await
        .map_err(|_| SendError::Unavailable(format!("unreadable answer ({status})")))?;
    if status.is_success() {
        return body
            .pointer(id_at)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| SendError::Unavailable("an answer without an id".into()));
    }
    let error = serde_json::from_value::<GraphError>(body)
        .ok()
        .map(|e| e.error);
    let (code, what) = error.map_or((0, String::new()), |e| {
        let subcode = e.error_subcode.map(|s| format!("/{s}")).unwrap_or_default();
        (e.code, format!("{}{subcode}: {}", e.code, e.message))
    });
    // Throttling codes of the Graph API and of WhatsApp.
    if status.as_u16() == 429 || matches!(code, 4 | 17 | 32 | 613 | 80007 | 130429 | 131056) {
        return Err(SendError::RateLimited(std::time::Duration::from_secs(
            retry_after.unwrap_or(60),
        )));
    }
    if status.is_server_error() || matches!(code, 1 | 2) {
        return Err(SendError::Unavailable(format!("{status} {what}")));
    }
    Err(SendError::Refused(what))
}

/// Sends WhatsApp's approved template `name` (in `language`) with the case number as its one
/// body parameter; the platform's id of the message.
pub async fn send_template(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    to: &str,
    (name, language): (&str, &str),
    case: &str,
) -> Result<String, SendError> {
    let base = sender.api_base.trim_end_matches('/');
    let token = key(sender.secrets, "access_token")?;
    let number = key(sender.secrets, "phone_number_id")?;
    let body = serde_json::json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": name,
            "language": { "code": language },
            "components": [
                { "type": "body", "parameters": [ { "type": "text", "text": case } ] }
            ],
        },
    });
    let response = http
        .post(format!("{base}/{GRAPH_VERSION}/{number}/messages"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| crate::transport_error(&e))?;
    graph_answer(response, "/messages/0/id").await
}

/// Sends a text through the account's platform; the platform's id of the message.
pub async fn send(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    outgoing: &Outgoing<'_>,
) -> Result<String, SendError> {
    let base = sender.api_base.trim_end_matches('/');
    let token = key(sender.secrets, "access_token")?;
    let request = match sender.platform {
        Channel::Whatsapp => {
            let number = key(sender.secrets, "phone_number_id")?;
            let body = serde_json::json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": outgoing.to,
                "type": "text",
                "text": { "body": outgoing.text },
            });
            http.post(format!("{base}/{GRAPH_VERSION}/{number}/messages"))
                .bearer_auth(token)
                .json(&body)
        }
        Channel::Messenger | Channel::Instagram => {
            let mut body = serde_json::json!({
                "recipient": { "id": outgoing.to },
                "messaging_type": if outgoing.human_agent { "MESSAGE_TAG" } else { "RESPONSE" },
                "message": { "text": outgoing.text },
            });
            if let (true, Value::Object(fields)) = (outgoing.human_agent, &mut body) {
                fields.insert("tag".into(), "HUMAN_AGENT".into());
            }
            if sender.platform == Channel::Messenger {
                let page = key(sender.secrets, "page_id")?;
                http.post(format!("{base}/{GRAPH_VERSION}/{page}/messages"))
                    .query(&[("access_token", token)])
                    .json(&body)
            } else {
                let account = sender
                    .secrets
                    .get("ig_user_id")
                    .map_or("me", String::as_str);
                http.post(format!("{base}/{GRAPH_VERSION}/{account}/messages"))
                    .bearer_auth(token)
                    .json(&body)
            }
        }
        Channel::Threads => {
            // A public reply: a container, then its publication.
            let container = http
                .post(format!("{base}/v1.0/me/threads"))
                .query(&[
                    ("media_type", "TEXT"),
                    ("text", outgoing.text),
                    ("reply_to_id", outgoing.to),
                    ("access_token", token),
                ])
                .send()
                .await
                .map_err(|e| crate::transport_error(&e))?;
            let creation = graph_answer(container, "/id").await?;
            http.post(format!("{base}/v1.0/me/threads_publish"))
                .query(&[("creation_id", creation.as_str()), ("access_token", token)])
        }
        other => {
            return Err(SendError::Refused(format!(
                "{other} is not a Meta platform"
            )));
        }
    };
    let response = request
        .send()
        .await
        .map_err(|e| crate::transport_error(&e))?;
    let id_at = match sender.platform {
        Channel::Whatsapp => "/messages/0/id",
        Channel::Threads => "/id",
        _ => "/message_id",
    };
    graph_answer(response, id_at).await
}

/// Fetches a file a message carries: WhatsApp's through its media endpoint (a short-lived
/// link, then the file, both with the account's token), Messenger's and Instagram's from the
/// link in the message. At most `max` bytes.
pub async fn fetch_media(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    media_id: Option<&str>,
    url: Option<&str>,
    max: usize,
) -> Result<Vec<u8>, SendError> {
    let base = sender.api_base.trim_end_matches('/');
    let (link, token) = match (sender.platform, media_id, url) {
        (Channel::Whatsapp, Some(id), _) => {
            let token = key(sender.secrets, "access_token")?;
            let answer = http
                .get(format!("{base}/{GRAPH_VERSION}/{id}"))
                .bearer_auth(token)
                .send()
                .await
                .map_err(|e| crate::transport_error(&e))?;
            if !answer.status().is_success() {
                return Err(fetch_failure(answer.status()));
            }
            let found: Value = answer
                .json()
                .await
                .map_err(|_| SendError::Unavailable("unreadable answer".into()))?;
            let link = found
                .get("url")
                .and_then(Value::as_str)
                .ok_or_else(|| SendError::Refused("no link to the file".into()))?
                .to_owned();
            (link, Some(token))
        }
        (_, _, Some(url)) => (url.to_owned(), None),
        _ => return Err(SendError::Refused("nowhere to fetch the file from".into())),
    };
    let mut request = http.get(&link);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .map_err(|e| crate::transport_error(&e))?;
    if !response.status().is_success() {
        return Err(fetch_failure(response.status()));
    }
    read_limited(response, max).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;

    const SECRET: &str = "vn-police-demo-app-secret-0001";
    const THREADS_SECRET: &str = "vn-police-demo-threads-secret-0001";

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/platforms/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn messages(platform: Channel, path: &str) -> Vec<InboundMessage> {
        parse(platform, &fixture(path), unix_seconds(0))
            .unwrap()
            .into_iter()
            .filter_map(|e| match e {
                InboundEvent::Message(m) => Some(*m),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_documented_signatures_of_the_fixtures_verify_on_the_raw_bytes() {
        for (path, secret, expected) in [
            (
                "whatsapp/text_message.json",
                SECRET,
                "d2f556c0e23fc33e9595a1f40b3c41a6860807ea8f50059bf576c53d5cfc4321",
            ),
            (
                "whatsapp/image_message.json",
                SECRET,
                "bc741384650f973bb8dbdf9f3ecd9e58e6f99d32d436221669db7ecbd9e4146c",
            ),
            (
                "whatsapp/voice_message.json",
                SECRET,
                "c2117be41e87a58d686939b584c5435a0e3d14c502c46246b0ec3a8e89ca8a41",
            ),
            (
                "messenger/text_message.json",
                SECRET,
                "64cf229d91437195e2778f153baf3e1388d624169f6aec3539695f8cd39f0e16",
            ),
            (
                "messenger/image_message.json",
                SECRET,
                "acfc7c26fb687ad64164fffb09c82c9c1d625eb407f523616467b095c3d69bb6",
            ),
            (
                "messenger/audio_message.json",
                SECRET,
                "2362c800d9b60b0d9d1795ded67c69c040f9023502f6af17bcb6287c00952092",
            ),
            (
                "instagram/text_message.json",
                SECRET,
                "5293fc4a693b3dc8ed2496cd7437c221d6f113c562674b88e2569d812cb371be",
            ),
            (
                "instagram/image_message.json",
                SECRET,
                "12cee7815770a52b47836fd0de694785969de08f795fe2b5dcd43ac3ab846a47",
            ),
            (
                "threads/reply_webhook.json",
                THREADS_SECRET,
                "e03d677a013f50cf2307dcf28c3dbe712aa04ab43203dc51bcd9962639b7a224",
            ),
            (
                "threads/mention_webhook.json",
                THREADS_SECRET,
                "580de2602647274c5dd19ea41db8bdb1f2633d4ab6129aaf4625de90fa2c780a",
            ),
        ] {
            let body = fixture(path);
            let header = format!("sha256={expected}");
            assert_eq!(verify(Some(&header), &body, secret), Ok(()), "{path}");
            // One byte changed.
            let mut changed = body.clone();
            changed[10] ^= 1;
            assert_eq!(
                verify(Some(&header), &changed, secret),
                Err(Refusal::Mismatch),
                "{path}"
            );
            // The same JSON re-serialised: Meta's escapes are gone, and so is the match.
            let value: Value = serde_json::from_slice(&body).unwrap();
            let reserialised = serde_json::to_vec(&value).unwrap();
            assert_ne!(reserialised, body);
            assert_eq!(
                verify(Some(&header), &reserialised, secret),
                Err(Refusal::Mismatch)
            );
            assert_eq!(verify(None, &body, secret), Err(Refusal::Missing));
            assert_eq!(
                verify(Some(expected), &body, secret),
                Err(Refusal::Mismatch),
                "no prefix"
            );
            assert_eq!(
                verify(Some(&header), &body, "another secret"),
                Err(Refusal::Mismatch)
            );
        }
    }

    #[test]
    fn the_handshake_echoes_the_challenge_only_for_the_right_token() {
        let ok = handshake(
            Some("subscribe"),
            Some("cat-tinh-verify-7f3a"),
            Some("1158201444"),
            "cat-tinh-verify-7f3a",
        );
        assert_eq!(ok, Some("1158201444"));
        assert_eq!(
            handshake(
                Some("subscribe"),
                Some("wrong"),
                Some("1"),
                "cat-tinh-verify-7f3a"
            ),
            None
        );
        assert_eq!(
            handshake(Some("unsubscribe"), Some("t"), Some("1"), "t"),
            None
        );
        assert_eq!(handshake(Some("subscribe"), None, Some("1"), "t"), None);
        assert_eq!(
            handshake(Some("subscribe"), Some(""), Some("1"), ""),
            None,
            "no token set"
        );
    }

    #[test]
    fn whatsapp_messages_are_taken_apart() {
        let text = &messages(Channel::Whatsapp, "whatsapp/text_message.json")[0];
        assert_eq!(
            text.platform_message_id,
            "wamid.HBgLODQ5MTIzNDU2NzgVAgASGBQzRUIwQjE4QkM1RjA2QjE2MkU0RgA="
        );
        assert_eq!(
            text.sender, "VN.3571184920615543",
            "keyed on the business-scoped id"
        );
        assert_eq!(text.sender_phone.as_deref(), Some("84912345678"));
        assert_eq!(text.sender_name.as_deref(), Some("Phạm Minh Tuấn"));
        assert!(text.text.starts_with("Chào công an tỉnh"), "{}", text.text);
        assert!(text.text.contains("xã Phúc Trìu"));
        assert_eq!(text.at, unix_seconds(1_795_184_100));
        let image = &messages(Channel::Whatsapp, "whatsapp/image_message.json")[0];
        assert_eq!(image.media[0].kind, "image");
        assert_eq!(image.media[0].media_id.as_deref(), Some("1203948571209384"));
        assert_eq!(image.media[0].mime_type.as_deref(), Some("image/jpeg"));
        assert!(image.text.starts_with("Tờ rơi cho vay"));
        let voice = &messages(Channel::Whatsapp, "whatsapp/voice_message.json")[0];
        assert_eq!(voice.media[0].kind, "voice");
        assert!(voice.text.is_empty());
    }

    #[test]
    fn whatsapp_users_who_hide_their_number_statuses_locations_and_reactions() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","contacts":[{"profile":{"name":"Lan"},"user_id":"VN.99"}],"messages":[{"user_id":"VN.99","id":"wamid.A","timestamp":"1795184100","type":"location","location":{"latitude":21.0285,"longitude":105.8542,"name":"Ch\u1ee3"}},{"user_id":"VN.99","id":"wamid.B","timestamp":"1795184101","type":"reaction","reaction":{"message_id":"wamid.OURS","emoji":"\ud83d\udc4d"}},{"user_id":"VN.99","id":"wamid.C","timestamp":"1795184102","type":"contacts","contacts":[{"name":{"formatted_name":"Anh Ba"},"phones":[{"phone":"+84 912 000 111"}]}]},{"user_id":"VN.99","id":"wamid.D","timestamp":"1795184103","type":"text","text":{"body":"tr\u1ea3 l\u1eddi"},"context":{"id":"wamid.OURS"}}],"statuses":[{"id":"wamid.OURS","status":"read","timestamp":"1795184104","recipient_id":"VN.99"},{"id":"wamid.LATE","status":"failed","timestamp":"1795184105","errors":[{"code":131047,"title":"Re-engagement message"}]}]}}]}]}"#;
        let events = parse(Channel::Whatsapp, body, unix_seconds(0)).unwrap();
        let statuses: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                InboundEvent::Status {
                    platform_message_id,
                    delivery,
                    error,
                } => Some((platform_message_id.as_str(), *delivery, error.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(statuses[0], ("wamid.OURS", Delivery::Read, None));
        assert_eq!(statuses[1].1, Delivery::Failed);
        assert!(statuses[1].2.as_deref().unwrap().contains("131047"));
        let messages: Vec<_> = events
            .into_iter()
            .filter_map(|e| match e {
                InboundEvent::Message(m) => Some(*m),
                _ => None,
            })
            .collect();
        assert!(
            messages
                .iter()
                .all(|m| m.sender == "VN.99" && m.sender_phone.is_none())
        );
        let place = messages[0].location.as_ref().unwrap();
        assert_eq!(
            (place.latitude, place.name.as_deref()),
            (21.0285, Some("Chợ"))
        );
        assert_eq!(messages[1].reaction.as_deref(), Some("👍"));
        assert_eq!(messages[1].reply_to.as_deref(), Some("wamid.OURS"));
        assert_eq!(messages[2].contacts[0].phones, ["+84 912 000 111"]);
        assert_eq!(
            (messages[3].text.as_str(), messages[3].reply_to.as_deref()),
            ("trả lời", Some("wamid.OURS"))
        );
    }

    #[test]
    fn messenger_and_instagram_messages_are_taken_apart_and_echoes_dropped() {
        let text = &messages(Channel::Messenger, "messenger/text_message.json")[0];
        assert_eq!(text.sender, "6789012345678901");
        assert!(text.text.contains("trang Facebook giả mạo công an phường"));
        assert_eq!(text.at, unix_millis(1_795_184_100_512));
        let image = &messages(Channel::Messenger, "messenger/image_message.json")[0];
        assert_eq!(image.media[0].kind, "image");
        assert!(
            image.media[0]
                .url
                .as_deref()
                .unwrap()
                .starts_with("https://scontent.xx.fbcdn.net/")
        );
        let audio = &messages(Channel::Messenger, "messenger/audio_message.json")[0];
        assert_eq!(audio.media[0].kind, "audio");
        let ig = &messages(Channel::Instagram, "instagram/text_message.json")[0];
        assert_eq!(ig.sender, "8123456789012345");
        assert!(ig.text.contains("Campuchia"));
        let ig_image = &messages(Channel::Instagram, "instagram/image_message.json")[0];
        assert_eq!(ig_image.media[0].kind, "image");

        let echo = br#"{"object":"page","entry":[{"id":"1","time":1,"messaging":[{"sender":{"id":"PAGE"},"recipient":{"id":"U"},"timestamp":1795184100000,"message":{"mid":"m_echo","is_echo":true,"text":"ours"}},{"sender":{"id":"U"},"recipient":{"id":"PAGE"},"timestamp":1795184100001,"delivery":{"mids":["m_ours"],"watermark":1}}]}]}"#;
        let events = parse(Channel::Messenger, echo, unix_seconds(0)).unwrap();
        assert!(matches!(&events[0], InboundEvent::Ignored(_)));
        assert!(matches!(
            &events[1],
            InboundEvent::Status {
                delivery: Delivery::Delivered,
                ..
            }
        ));
    }

    #[test]
    fn threads_replies_and_mentions_are_public() {
        let reply = &messages(Channel::Threads, "threads/reply_webhook.json")[0];
        assert!(reply.public);
        assert_eq!(reply.platform_message_id, "18055566677788899");
        assert_eq!(reply.sender, "hoangvanbinh.hp");
        assert!(reply.text.contains("cầu Gia Bảy"));
        assert!(
            reply
                .permalink
                .as_deref()
                .unwrap()
                .starts_with("https://www.threads.net/")
        );
        let mention = &messages(Channel::Threads, "threads/mention_webhook.json")[0];
        assert!(mention.public && mention.text.contains("sim rác"));
        let deleted = br#"{"topic":"moderate","values":{"field":"delete","value":{"id":"1"}}}"#;
        assert!(matches!(
            &parse(Channel::Threads, deleted, unix_seconds(0)).unwrap()[0],
            InboundEvent::Ignored(_)
        ));
    }

    #[test]
    fn unreadable_bodies_are_errors_not_panics() {
        for body in [&b"not json"[..], b"[]", br#"{"entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"text"}]}}]}]}"#] {
            assert!(parse(Channel::Whatsapp, body, unix_seconds(0)).is_err());
        }
        assert!(parse(Channel::Messenger, br#"{"entry":"x"}"#, unix_seconds(0)).is_err());
    }
}
