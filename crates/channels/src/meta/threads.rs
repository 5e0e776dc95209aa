//! Threads: replies and mentions of the account's posts.

use chrono::{DateTime, Utc};
use hotline_domain::inbound::{InboundEvent, InboundMessage};
use serde::Deserialize;
use serde_json::Value;

use super::from_value;
use crate::Unreadable;

#[derive(Deserialize)]
pub(super) struct ThEnvelope {
    #[serde(default)]
    values: Option<ThValues>,
}

#[derive(Deserialize)]
pub(super) struct ThValues {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: Option<ThPost>,
}

#[derive(Deserialize)]
pub(super) struct ThPost {
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
pub(super) struct ThRef {
    id: String,
}

pub(super) fn threads(
    value: Value,
    received: DateTime<Utc>,
) -> Result<Vec<InboundEvent>, Unreadable> {
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
