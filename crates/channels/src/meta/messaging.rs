//! Messenger and Instagram: `entry[].messaging[]`, one event each.

use chrono::{DateTime, Utc};
use hotline_domain::Delivery;
use hotline_domain::inbound::{InboundEvent, InboundMessage, MediaRef};
use serde::Deserialize;
use serde_json::Value;

use super::{from_value, unix_millis};
use crate::Unreadable;

#[derive(Deserialize)]
pub(super) struct MsEnvelope {
    #[serde(default)]
    entry: Vec<MsEntry>,
}

#[derive(Deserialize)]
pub(super) struct MsEntry {
    #[serde(default)]
    messaging: Vec<MsEvent>,
    #[serde(default)]
    changes: Vec<Value>,
}

#[derive(Deserialize)]
pub(super) struct MsEvent {
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
pub(super) struct MsParty {
    id: String,
}

#[derive(Deserialize)]
pub(super) struct MsMessage {
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
pub(super) struct MsAttachment {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    payload: Option<MsPayload>,
}

#[derive(Deserialize)]
pub(super) struct MsPayload {
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct MsReplyTo {
    #[serde(default)]
    mid: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct MsReaction {
    #[serde(default)]
    mid: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    emoji: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct MsDelivery {
    #[serde(default)]
    mids: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct MsPostback {
    #[serde(default)]
    mid: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

pub(super) fn messaging(
    value: Value,
    received: DateTime<Utc>,
) -> Result<Vec<InboundEvent>, Unreadable> {
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
