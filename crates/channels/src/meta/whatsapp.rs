//! WhatsApp Cloud API: `entry[].changes[].value.{contacts, messages, statuses}`.

use chrono::{DateTime, Utc};
use hotline_domain::Delivery;
use hotline_domain::inbound::{
    InboundEvent, InboundMessage, MediaRef, SharedContact, SharedLocation,
};
use serde::Deserialize;
use serde_json::Value;

use super::{from_value, unix_seconds};
use crate::Unreadable;

#[derive(Deserialize)]
pub(super) struct WaEnvelope {
    #[serde(default)]
    entry: Vec<WaEntry>,
}

#[derive(Deserialize)]
pub(super) struct WaEntry {
    #[serde(default)]
    changes: Vec<WaChange>,
}

#[derive(Deserialize)]
pub(super) struct WaChange {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: WaValue,
}

#[derive(Deserialize, Default)]
pub(super) struct WaValue {
    #[serde(default)]
    contacts: Vec<WaContact>,
    #[serde(default)]
    messages: Vec<Value>,
    #[serde(default)]
    statuses: Vec<WaStatus>,
}

#[derive(Deserialize)]
pub(super) struct WaContact {
    #[serde(default)]
    profile: Option<WaProfile>,
    #[serde(default)]
    wa_id: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WaProfile {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WaStatus {
    id: String,
    status: String,
    #[serde(default)]
    errors: Vec<WaError>,
}

#[derive(Deserialize)]
pub(super) struct WaError {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    title: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WaMessage {
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
pub(super) struct WaText {
    #[serde(default, alias = "text")]
    body: String,
}

#[derive(Deserialize)]
pub(super) struct WaMedia {
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
pub(super) struct WaLocation {
    latitude: f64,
    longitude: f64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    address: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WaCard {
    #[serde(default)]
    name: Option<WaCardName>,
    #[serde(default)]
    phones: Vec<WaCardPhone>,
}

#[derive(Deserialize)]
pub(super) struct WaCardName {
    #[serde(default)]
    formatted_name: String,
}

#[derive(Deserialize)]
pub(super) struct WaCardPhone {
    #[serde(default)]
    phone: String,
}

#[derive(Deserialize)]
pub(super) struct WaReaction {
    #[serde(default)]
    message_id: Option<String>,
    #[serde(default)]
    emoji: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WaContext {
    #[serde(default)]
    id: Option<String>,
}

pub(super) fn whatsapp(
    value: Value,
    received: DateTime<Utc>,
) -> Result<Vec<InboundEvent>, Unreadable> {
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
