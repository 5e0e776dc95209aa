//! Meta's platforms: WhatsApp (Cloud API), Messenger, Instagram and Threads. One handshake
//! (`hub.challenge`), one signature (`X-Hub-Signature-256`, HMAC-SHA-256 of the raw body under
//! the app secret: Meta signs the body as sent, escaped, so the bytes received are what is
//! verified, never a re-serialisation), and four envelopes.

use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use hotline_domain::Channel;
use hotline_domain::inbound::InboundEvent;
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::{Refusal, Unreadable};

mod graph;
mod messaging;
mod threads;
mod whatsapp;

pub use graph::{GRAPH_VERSION, fetch_media, send, send_template};
use messaging::messaging;
use threads::threads;
use whatsapp::whatsapp;

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;
    use hotline_domain::Delivery;
    use hotline_domain::inbound::InboundMessage;

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
