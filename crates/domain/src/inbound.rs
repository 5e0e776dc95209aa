//! What a platform delivery holds once taken apart: messages from citizens, changes in the
//! state of messages we sent, and events of no use here (counted, never an error). `Debug`
//! shows no text and no sender.

use crate::Delivery;
use chrono::{DateTime, Utc};

/// A file a message carries, fetched later through the platform's API.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaRef {
    /// `image`, `audio`, `voice`, `video`, `document`, `sticker` or `file`.
    pub kind: &'static str,
    /// The platform's media id, where it gives one (WhatsApp).
    pub media_id: Option<String>,
    /// A direct, short-lived link, where it gives one (Messenger, Instagram).
    pub url: Option<String>,
    pub mime_type: Option<String>,
    pub file_name: Option<String>,
    /// The file itself, where the delivery carries it (an e-mail's attachment).
    pub data: Option<Vec<u8>>,
}

impl MediaRef {
    /// A file known by the platform's id or link, fetched later.
    pub fn remote(kind: &'static str, media_id: Option<String>, url: Option<String>) -> Self {
        Self {
            kind,
            media_id,
            url,
            mime_type: None,
            file_name: None,
            data: None,
        }
    }
}

impl std::fmt::Debug for MediaRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaRef")
            .field("kind", &self.kind)
            .field("mime_type", &self.mime_type)
            .finish_non_exhaustive()
    }
}

/// A place a citizen shared.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedLocation {
    pub latitude: f64,
    pub longitude: f64,
    pub name: Option<String>,
    pub address: Option<String>,
}

/// What the receiving mail server found of a sender's authenticity (`Authentication-Results`):
/// each `pass`, `fail`, `softfail`, `none`…, as it wrote it; `None` when it did not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SenderCheck {
    pub spf: Option<String>,
    pub dkim: Option<String>,
    pub dmarc: Option<String>,
}

impl SenderCheck {
    /// Whether the sender is proven: DMARC passed (SPF or DKIM aligned with the `From`
    /// domain; a pass of SPF or DKIM alone proves only some domain) and nothing failed.
    pub fn passed(&self) -> bool {
        self.dmarc.as_deref() == Some("pass")
            && [&self.spf, &self.dkim]
                .into_iter()
                .flatten()
                .all(|r| !matches!(r.as_str(), "fail" | "softfail" | "permerror"))
    }

    /// Whether the server found the sender forged (DMARC failed).
    pub fn failed(&self) -> bool {
        self.dmarc.as_deref() == Some("fail")
    }
}

/// A contact card a citizen shared.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedContact {
    pub name: String,
    pub phones: Vec<String>,
}

/// One message from a citizen.
#[derive(Clone, PartialEq)]
pub struct InboundMessage {
    /// The platform's id of the message, unique per account: redeliveries carry the same.
    pub platform_message_id: String,
    /// The platform's id of the sender on this account (PSID, IGSID, WhatsApp's business-scoped
    /// user id or phone digits, a Threads user name).
    pub sender: String,
    /// The sender's phone number as the platform gives it (WhatsApp's `wa_id`), when it does.
    pub sender_phone: Option<String>,
    /// The name the sender shows on the platform.
    pub sender_name: Option<String>,
    pub at: DateTime<Utc>,
    /// The text, or a file's caption; empty when there is none.
    pub text: String,
    pub media: Vec<MediaRef>,
    pub location: Option<SharedLocation>,
    pub contacts: Vec<SharedContact>,
    /// An emoji reaction to an earlier message (`reply_to` names it).
    pub reaction: Option<String>,
    /// The message this one answers or reacts to.
    pub reply_to: Option<String>,
    /// Posted in public (a comment, a mention): anyone can read it and any answer.
    pub public: bool,
    /// Where the public post is.
    pub permalink: Option<String>,
    /// Where answers go when not to the sender (TikTok answers a conversation).
    pub answer_to: Option<String>,
    /// The sender's e-mail address (a mail's `From`), sealed with their contact.
    pub sender_email: Option<String>,
    /// A mail's subject.
    pub subject: Option<String>,
    /// Earlier messages this one follows (a mail's `References`), oldest first.
    pub references: Vec<String>,
    /// Sent by a machine (an auto-reply, a mailing list, a no-reply address): never answered
    /// automatically.
    pub automated: bool,
    /// What the receiving mail server found of the sender's authenticity.
    pub sender_check: Option<SenderCheck>,
}

impl std::fmt::Debug for InboundMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundMessage")
            .field("platform_message_id", &self.platform_message_id)
            .field("media", &self.media.len())
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl InboundMessage {
    /// A message with only its ids, time and text; the rest empty.
    pub fn new(platform_message_id: &str, sender: &str, at: DateTime<Utc>, text: &str) -> Self {
        Self {
            platform_message_id: platform_message_id.to_owned(),
            sender: sender.to_owned(),
            sender_phone: None,
            sender_name: None,
            at,
            text: crate::text::clean(text),
            media: Vec::new(),
            location: None,
            contacts: Vec::new(),
            reaction: None,
            reply_to: None,
            public: false,
            permalink: None,
            answer_to: None,
            sender_email: None,
            subject: None,
            references: Vec::new(),
            automated: false,
            sender_check: None,
        }
    }
}

/// What a PBX says of a call (the generic CTI contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStep {
    /// It rings.
    New,
    /// Someone picked up.
    Answer,
    /// It ended; how, in `cause`.
    Hangup,
}

/// One step of a call. `Debug` shows no number.
#[derive(Clone, PartialEq, Eq)]
pub struct CallEvent {
    pub step: CallStep,
    /// The PBX's id of the call, the same for its steps.
    pub call_id: String,
    /// The caller's number as the PBX gives it; `None` when withheld.
    pub from: Option<String>,
    /// `in` or `out`.
    pub inbound: bool,
    /// Who answered (an extension, a login), when the PBX says.
    pub answered_by: Option<String>,
    /// How it ended: `normalClearing`, `busy`, `cancel`, `noAnswer`…
    pub cause: Option<String>,
}

impl std::fmt::Debug for CallEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallEvent")
            .field("step", &self.step)
            .field("call_id", &self.call_id)
            .field("cause", &self.cause)
            .finish_non_exhaustive()
    }
}

/// One event of a delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum InboundEvent {
    Message(Box<InboundMessage>),
    /// A message we sent was delivered, read or failed.
    Status {
        platform_message_id: String,
        delivery: Delivery,
        error: Option<String>,
    },
    /// A step of a call to the hotline's line.
    Call(CallEvent),
    /// Of no use here (our own echoes, typing, a post published…): named for the counts.
    Ignored(String),
}
