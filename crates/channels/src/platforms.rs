//! One way in and out for every platform an account can be on: the webhook's handshake, a
//! delivery's check on its raw bytes, taking it apart, sending an answer and fetching a file,
//! each handed to the platform's own adapter. The use cases speak only to this module, so a
//! platform is added here and in its adapter, not in the queue, threading or delivery states.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hotline_domain::Channel;
use hotline_domain::inbound::InboundEvent;

use crate::{
    Outgoing, Refusal, SendError, Sender, Unreadable, cti, email, meta, sms_gate, telegram, tiktok,
    x, zalo,
};

/// The request headers deliveries are authenticated by, lowercase.
pub const SIGNATURE_HEADERS: [&str; 7] = [
    "x-hub-signature-256",
    "x-zevent-signature",
    "x-telegram-bot-api-secret-token",
    "tiktok-signature",
    "x-twitter-webhooks-signature",
    "x-signature",
    "x-timestamp",
];

/// A delivery's authenticating headers (those of [`SIGNATURE_HEADERS`] it has). `Debug`
/// names them without their values (Telegram's is the secret itself).
#[derive(Clone, Default)]
pub struct DeliveryHeaders(Vec<(&'static str, String)>);

impl std::fmt::Debug for DeliveryHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

impl DeliveryHeaders {
    /// The headers `get` finds, by lowercase name.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        Self(
            SIGNATURE_HEADERS
                .iter()
                .filter_map(|name| get(name).map(|value| (*name, value)))
                .collect(),
        )
    }

    /// One header, as for a platform whose only check is `name`.
    pub fn one(name: &'static str, value: &str) -> Self {
        Self(vec![(name, value.to_owned())])
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn secret<'a>(secrets: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    secrets.get(name).map_or("", String::as_str)
}

/// Checks a delivery before anything of it is kept: the platform's signature over the raw
/// bytes (and, for TikTok, its time against `now`).
pub fn verify(
    platform: Channel,
    headers: &DeliveryHeaders,
    body: &[u8],
    secrets: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    match platform {
        Channel::Whatsapp | Channel::Messenger | Channel::Instagram | Channel::Threads => {
            meta::verify(
                headers.get("x-hub-signature-256"),
                body,
                secret(secrets, "app_secret"),
            )
        }
        Channel::Zalo => zalo::verify(
            headers.get("x-zevent-signature"),
            body,
            secret(secrets, "app_id"),
            secret(secrets, "oa_secret_key"),
        ),
        Channel::Telegram => telegram::verify(
            headers.get("x-telegram-bot-api-secret-token"),
            secret(secrets, "secret_token"),
        ),
        Channel::Tiktok => tiktok::verify(
            headers.get("tiktok-signature"),
            body,
            secret(secrets, "app_secret"),
            now,
        ),
        Channel::X => x::verify(
            headers.get("x-twitter-webhooks-signature"),
            body,
            secret(secrets, "consumer_secret"),
        ),
        Channel::Sms => sms_gate::verify(
            (headers.get("x-signature"), headers.get("x-timestamp")),
            body,
            secret(secrets, "signing_key"),
            now,
        ),
        // The PBX's secret token is in the webhook's path: the caller found the account by it.
        Channel::Phone => Ok(()),
        // Mail comes in over IMAP, never by a webhook.
        _ => Err(Refusal::Mismatch),
    }
}

/// What a webhook's check (a GET from the platform) is answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeAnswer {
    /// Plain text (Meta echoes its challenge).
    Text(String),
    /// A JSON document (X's CRC answer).
    Json(String),
}

/// Why a webhook's check was not answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeRefusal {
    /// The platform checks its webhooks in no such way.
    NotUsed,
    /// A wrong token, or none.
    Mismatch,
}

/// Answers a platform's check of its webhook: Meta's `hub.challenge` (when the verify token is
/// the account's), X's `crc_token` (signed with the consumer secret).
pub fn handshake(
    platform: Channel,
    query: &BTreeMap<String, String>,
    secrets: &BTreeMap<String, String>,
) -> Result<HandshakeAnswer, HandshakeRefusal> {
    let get = |key: &str| query.get(key).map(String::as_str);
    match platform {
        Channel::Whatsapp | Channel::Messenger | Channel::Instagram | Channel::Threads => {
            meta::handshake(
                get("hub.mode"),
                get("hub.verify_token"),
                get("hub.challenge"),
                secret(secrets, "verify_token"),
            )
            .map(|challenge| HandshakeAnswer::Text(challenge.to_owned()))
            .ok_or(HandshakeRefusal::Mismatch)
        }
        Channel::X => get("crc_token")
            .and_then(|token| x::crc_response(token, secret(secrets, "consumer_secret")))
            .map(HandshakeAnswer::Json)
            .ok_or(HandshakeRefusal::Mismatch),
        _ => Err(HandshakeRefusal::NotUsed),
    }
}

/// Takes a delivery of `platform` apart. `received` stands in for a message's time where the
/// platform gives none.
pub fn parse(
    platform: Channel,
    body: &[u8],
    received: DateTime<Utc>,
) -> Result<Vec<InboundEvent>, Unreadable> {
    let events = match platform {
        Channel::Zalo => zalo::parse(body, received),
        Channel::Telegram => telegram::parse(body, received),
        Channel::Tiktok => tiktok::parse(body, received),
        Channel::X => x::parse(body, received),
        Channel::Email => email::parse(body, received),
        Channel::Sms => sms_gate::parse(body, received),
        Channel::Phone => cti::parse(body),
        other => meta::parse(other, body, received),
    }?;
    // A message is taken in once by its id: every message without one would be "taken in
    // before" after the first. Kept as a dead letter for a look, never silently dropped.
    if events.iter().any(|event| {
        matches!(event, InboundEvent::Message(message) if message.platform_message_id.trim().is_empty())
    }) {
        return Err(Unreadable(
            "a message without an id, which could not be told from another".into(),
        ));
    }
    Ok(events)
}

/// Sends an answer through the account's platform; the platform's id of the message. `public`
/// answers a public post under it (Threads, an X mention).
pub async fn send(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    outgoing: &Outgoing<'_>,
    (public, now): (bool, DateTime<Utc>),
) -> Result<String, SendError> {
    match sender.platform {
        Channel::Zalo => zalo::send(http, sender, outgoing).await,
        Channel::Telegram => telegram::send(http, sender, outgoing).await,
        Channel::Tiktok => tiktok::send(http, sender, outgoing).await,
        Channel::X => x::send(http, sender, outgoing, (public, now)).await,
        Channel::Email => {
            crate::smtp::Mailer::for_account(sender.secrets)?
                .reply(outgoing)
                .await
        }
        Channel::Sms => {
            sms_gate::Gateway::new(
                sender.api_base,
                secret(sender.secrets, "api_user"),
                secret(sender.secrets, "api_password"),
            )?
            .send(outgoing.to, outgoing.text, sms_gate::Priority::Normal)
            .await
        }
        _ => meta::send(http, sender, outgoing).await,
    }
}

/// Whether a file a message carries can be fetched with what the account has: a platform id
/// needs the account's token, a direct link (Messenger, Zalo) nothing.
pub fn can_fetch(
    platform: Channel,
    media_id: Option<&str>,
    url: Option<&str>,
    secrets: &BTreeMap<String, String>,
) -> bool {
    let token = match platform {
        Channel::Telegram => "bot_token",
        _ => "access_token",
    };
    let has_token = secrets.contains_key(token);
    match platform {
        // X's links need the account's token too.
        Channel::X => url.is_some() && has_token,
        _ => (media_id.is_some() && has_token) || (media_id.is_none() && url.is_some()),
    }
}

/// Fetches a file a message carries, at most `max` bytes.
pub async fn fetch_media(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    (media_id, url): (Option<&str>, Option<&str>),
    max: usize,
) -> Result<Vec<u8>, SendError> {
    match (sender.platform, media_id, url) {
        (Channel::Telegram, Some(file), _) => telegram::fetch_file(http, sender, file, max).await,
        (Channel::Tiktok, Some(handle), _) => tiktok::fetch_media(http, sender, handle, max).await,
        (Channel::X, _, Some(url)) => x::fetch_media(http, sender, url, max).await,
        (Channel::Zalo, _, Some(url)) if zalo::is_media_link(url) => {
            crate::download(http.get(url), max).await
        }
        (Channel::Zalo, _, _) => Err(SendError::Refused("a file link outside Zalo".into())),
        _ => meta::fetch_media(http, sender, media_id, url, max).await,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_message_without_an_id_is_refused_not_taken_for_another() {
        let with_id = include_str!("../../../fixtures/platforms/whatsapp/text_message.json");
        let id = "wamid.HBgLODQ5MTIzNDU2NzgVAgASGBQzRUIwQjE4QkM1RjA2QjE2MkU0RgA=";
        let now = chrono::DateTime::UNIX_EPOCH;
        assert!(parse(Channel::Whatsapp, with_id.as_bytes(), now).is_ok());
        for blank in ["", "  "] {
            let without = with_id.replace(id, blank);
            assert!(parse(Channel::Whatsapp, without.as_bytes(), now).is_err());
        }
    }

    #[test]
    fn each_platform_reads_its_own_header() {
        let secrets: BTreeMap<String, String> = [("secret_token", "s3cret"), ("app_secret", "a")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let now = chrono::DateTime::UNIX_EPOCH;
        let telegram = DeliveryHeaders::one("x-telegram-bot-api-secret-token", "s3cret");
        assert!(verify(Channel::Telegram, &telegram, b"{}", &secrets, now).is_ok());
        assert_eq!(
            verify(Channel::Whatsapp, &telegram, b"{}", &secrets, now),
            Err(Refusal::Missing),
            "another platform's header proves nothing"
        );
        assert!(verify(Channel::Web, &telegram, b"{}", &secrets, now).is_err());
        let found = DeliveryHeaders::from_lookup(|name| {
            (name == "tiktok-signature").then(|| "t=1,s=00".to_owned())
        });
        assert_eq!(found.get("tiktok-signature"), Some("t=1,s=00"));
        assert!(
            !format!("{telegram:?}").contains("s3cret"),
            "no secret in logs"
        );
        assert_eq!(
            handshake(Channel::Zalo, &BTreeMap::new(), &secrets),
            Err(HandshakeRefusal::NotUsed)
        );
    }
}
