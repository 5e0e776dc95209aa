//! Zalo Official Account (OA API v3). Deliveries carry `X-ZEvent-Signature: mac=<hex>`, a plain
//! SHA-256 (not an HMAC) of the app id, the raw body, the body's `timestamp` and the OA secret
//! key, in that order; the app secret does not sign deliveries, it refreshes tokens. Ids are
//! strings (they overflow doubles). Answers are consultation messages ("tin tư vấn"), allowed
//! for 7 days after the citizen last wrote; the access token lasts about a day and is
//! refreshed with a refresh token that Zalo replaces on every use.

use chrono::{DateTime, Utc};
use hotline_domain::inbound::{InboundEvent, InboundMessage, MediaRef, SharedLocation};
use hotline_domain::{Delivery, text};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::wire::{Object, Scalar, object, objects, scalars};
use crate::{Outgoing, Refusal, SendError, Sender, Unreadable, key};

/// Where Zalo's OAuth server lives; an account whose API base is not Zalo's own (a proxy, a
/// stand-in) is asked for tokens at its API base, which must forward `/v4/oa/access_token`.
pub const OAUTH_BASE: &str = "https://oauth.zaloapp.com";
const DEFAULT_API_BASE: &str = "https://openapi.zalo.me";

/// What a delivery's signature covers besides the body itself.
#[derive(Deserialize)]
struct Signed {
    #[serde(default)]
    timestamp: Scalar,
}

/// Checks `X-ZEvent-Signature: mac=<hex>` against the raw body.
pub fn verify(
    signature: Option<&str>,
    body: &[u8],
    app_id: &str,
    oa_secret_key: &str,
) -> Result<(), Refusal> {
    let signature = signature.ok_or(Refusal::Missing)?;
    let claimed = signature
        .trim()
        .strip_prefix("mac=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(Refusal::Mismatch)?;
    // The timestamp signed is the body's, as written there.
    let Object(signed): Object<Signed> =
        serde_json::from_slice(body).map_err(|_| Refusal::Mismatch)?;
    let timestamp = signed.timestamp.as_written().ok_or(Refusal::Mismatch)?;
    if app_id.is_empty() || oa_secret_key.is_empty() {
        return Err(Refusal::Mismatch);
    }
    let mut digest = Sha256::new();
    digest.update(app_id.as_bytes());
    digest.update(body);
    digest.update(timestamp.as_bytes());
    digest.update(oa_secret_key.as_bytes());
    let expected = digest.finalize();
    if bool::from(expected.as_slice().ct_eq(&claimed)) {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

/// A delivery (webhook event) as Zalo writes it: the fields the hotline reads (the rest are ignored).
#[derive(Default, Deserialize)]
#[serde(default)]
struct Webhook {
    event_name: Scalar,
    #[serde(deserialize_with = "object")]
    sender: Party,
    timestamp: Scalar,
    #[serde(deserialize_with = "object")]
    message: Message,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Party {
    id: Scalar,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Message {
    msg_id: Scalar,
    /// Receipts name several messages at once.
    #[serde(deserialize_with = "scalars")]
    msg_ids: Option<Vec<Scalar>>,
    text: Scalar,
    quote_msg_id: Scalar,
    #[serde(deserialize_with = "objects")]
    attachments: Vec<Attachment>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Attachment {
    #[serde(rename = "type")]
    kind: Scalar,
    #[serde(deserialize_with = "object")]
    payload: Payload,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Payload {
    url: Scalar,
    name: Scalar,
    title: Scalar,
    #[serde(deserialize_with = "object")]
    coordinates: Coordinates,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Coordinates {
    latitude: Scalar,
    longitude: Scalar,
}

/// Takes a delivery apart: one event per body.
pub fn parse(body: &[u8], received: DateTime<Utc>) -> Result<Vec<InboundEvent>, Unreadable> {
    let Object(delivery): Object<Webhook> =
        serde_json::from_slice(body).map_err(|e| Unreadable(format!("not JSON: {e}")))?;
    let event = delivery
        .event_name
        .text()
        .ok_or_else(|| Unreadable("no event_name".into()))?
        .to_owned();
    let message = delivery.message;
    match event.as_str() {
        "user_received_message" | "user_seen_message" => {
            let delivery = if event == "user_seen_message" {
                Delivery::Read
            } else {
                Delivery::Delivered
            };
            let ids: Vec<String> = match &message.msg_ids {
                Some(ids) => ids.iter().filter_map(Scalar::id).collect(),
                None => message.msg_id.id().into_iter().collect(),
            };
            return Ok(ids
                .into_iter()
                .map(|platform_message_id| InboundEvent::Status {
                    platform_message_id,
                    delivery,
                    error: None,
                })
                .collect());
        }
        name if !name.starts_with("user_send_") => return Ok(vec![InboundEvent::Ignored(event)]),
        _ => {}
    }
    let id = message
        .msg_id
        .id()
        .ok_or_else(|| Unreadable("a message without msg_id".into()))?;
    let sender = delivery
        .sender
        .id
        .id()
        .ok_or_else(|| Unreadable("a message without sender".into()))?;
    let at = delivery.timestamp.millis().unwrap_or(received);
    let mut inbound =
        InboundMessage::new(&id, &sender, at, message.text.text().unwrap_or_default());
    inbound.reply_to = message.quote_msg_id.id();
    for attachment in &message.attachments {
        let payload = &attachment.payload;
        let url = payload.url.text().map(str::to_owned);
        let media = |kind: &'static str, file_name: Option<String>| MediaRef {
            kind,
            media_id: None,
            url: url.clone(),
            mime_type: None,
            file_name,
            data: None,
        };
        match attachment.kind.text().unwrap_or_default() {
            "image" | "gif" => inbound.media.push(media("image", None)),
            "audio" => inbound.media.push(media("voice", None)),
            "video" => inbound.media.push(media("video", None)),
            "file" => inbound
                .media
                .push(media("document", payload.name.text().map(text::clean_line))),
            // A sticker is the platform's picture, not evidence: described, not fetched.
            "sticker" => inbound.media.push(MediaRef {
                kind: "sticker",
                media_id: None,
                url: None,
                mime_type: None,
                file_name: None,
                data: None,
            }),
            "location" => {
                let latitude = payload.coordinates.latitude.float();
                let longitude = payload.coordinates.longitude.float();
                if let (Some(latitude), Some(longitude)) = (latitude, longitude) {
                    inbound.location = Some(SharedLocation {
                        latitude,
                        longitude,
                        name: None,
                        address: None,
                    });
                }
            }
            "link" => {
                let shared: Vec<&str> = [payload.title.text(), url.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                if !shared.is_empty() {
                    let line = text::clean(&shared.join(" "));
                    inbound.text = if inbound.text.is_empty() {
                        line
                    } else {
                        format!("{}\n{line}", inbound.text)
                    };
                }
            }
            _ => {}
        }
    }
    Ok(vec![InboundEvent::Message(Box::new(inbound))])
}

/// Whether a file's link is on Zalo's CDN, the only place its attachments are fetched from.
pub fn is_media_link(url: &str) -> bool {
    crate::https_host(url)
        .is_some_and(|host| host.ends_with(".zdn.vn") || host.ends_with(".zadn.vn"))
}

/// Where Zalo's OAuth server is for an account with this API base.
pub fn oauth_base(api_base: &str) -> &str {
    let base = api_base.trim_end_matches('/');
    if base == DEFAULT_API_BASE {
        OAUTH_BASE
    } else {
        base
    }
}

/// Why Zalo refused, in its words and ours: the window codes name what the officer can do.
fn refusal(code: i64, message: &str) -> SendError {
    match code {
        // The access token is invalid or has expired.
        -216 | -124 | -155 => SendError::TokenExpired(format!("Zalo {code}: {message}")),
        -230 => SendError::Refused(format!(
            "Zalo {code}: the citizen has not written to the OA for 7 days; Zalo allows no \
             answer until they write again ({message})"
        )),
        -213 => SendError::Refused(format!(
            "Zalo {code}: the citizen does not follow the OA or has blocked it ({message})"
        )),
        -244 => SendError::Refused(format!(
            "Zalo {code}: the citizen has restricted messages from the OA ({message})"
        )),
        -32 | -14 => SendError::RateLimited(std::time::Duration::from_secs(60)),
        _ => SendError::Refused(format!("Zalo {code}: {message}")),
    }
}

/// Sends a consultation message to a Zalo user; the platform's id of the message.
pub async fn send(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    outgoing: &Outgoing<'_>,
) -> Result<String, SendError> {
    let token = key(sender.secrets, "access_token")?;
    let body = serde_json::json!({
        "recipient": { "user_id": outgoing.to },
        "message": { "text": outgoing.text },
    });
    let response = crate::send_json(
        http.post(format!(
            "{}/v3.0/oa/message/cs",
            sender.api_base.trim_end_matches('/')
        ))
        .header("access_token", token),
        &body,
    )
    .await?;
    let status = response.status();
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(SendError::Unavailable(format!("Zalo answered {status}")));
    }
    let Object(answer): Object<Answer> = response
        .json()
        .await
        .map_err(|_| SendError::Unavailable(format!("unreadable answer ({status})")))?;
    let code = answer.error.code().unwrap_or(-1);
    if code != 0 {
        return Err(refusal(code, answer.message.text().unwrap_or_default()));
    }
    answer
        .data
        .message_id
        .id()
        .ok_or_else(|| SendError::Unavailable("an answer without a message id".into()))
}

/// The OA API's answer to a message sent.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Answer {
    error: Scalar,
    message: Scalar,
    #[serde(deserialize_with = "object")]
    data: Sent,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Sent {
    message_id: Scalar,
}

/// The OAuth server's answer to a refresh.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Refreshed {
    access_token: Scalar,
    refresh_token: Scalar,
    expires_in: Scalar,
    error: Scalar,
    error_description: Scalar,
    message: Scalar,
}

/// A fresh pair of tokens.
pub struct Tokens {
    pub access_token: String,
    /// Replaces the one used: the old one no longer works.
    pub refresh_token: String,
    pub expires_in_secs: i64,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_in_secs", &self.expires_in_secs)
            .finish_non_exhaustive()
    }
}

/// Trades the refresh token for a new access token and a new refresh token.
pub async fn refresh(
    http: &reqwest::Client,
    api_base: &str,
    secrets: &std::collections::BTreeMap<String, String>,
) -> Result<Tokens, SendError> {
    let app_id = key(secrets, "app_id")?;
    let app_secret = key(secrets, "app_secret")?;
    let refresh_token = key(secrets, "refresh_token")?;
    let response = http
        .post(format!("{}/v4/oa/access_token", oauth_base(api_base)))
        .header("secret_key", app_secret)
        .form(&[
            ("app_id", app_id),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .map_err(|e| crate::transport_error(&e))?;
    let status = response.status();
    if status.is_server_error() {
        return Err(SendError::Unavailable(format!(
            "Zalo OAuth answered {status}"
        )));
    }
    let Object(answer): Object<Refreshed> = response
        .json()
        .await
        .map_err(|_| SendError::Unavailable(format!("unreadable answer ({status})")))?;
    let token = |value: &Scalar| value.text().filter(|t| !t.is_empty()).map(str::to_owned);
    match (token(&answer.access_token), token(&answer.refresh_token)) {
        (Some(access_token), Some(refresh_token)) => Ok(Tokens {
            access_token,
            refresh_token,
            expires_in_secs: answer.expires_in.integer().unwrap_or(90_000),
        }),
        _ => Err(SendError::Refused(format!(
            "Zalo refused to refresh the token: {} {}",
            answer.error.as_written().unwrap_or_default(),
            answer
                .error_description
                .text()
                .or_else(|| answer.message.text())
                .unwrap_or_default()
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;

    const APP_ID: &str = "4318235701426589013";
    const OA_SECRET: &str = "Zk9vQ2hTdW5nVGhpZW5UYW1fT0FfU2VjcmV0";

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/platforms/zalo/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn mac(body: &[u8], timestamp: &str, secret: &str) -> String {
        let mut d = Sha256::new();
        d.update(APP_ID.as_bytes());
        d.update(body);
        d.update(timestamp.as_bytes());
        d.update(secret.as_bytes());
        format!("mac={}", hex::encode(d.finalize()))
    }

    #[test]
    fn signatures_of_the_fixtures_as_documented() {
        for (name, expected) in [
            (
                "user_send_text.json",
                "mac=d6ab07df35be96d61a8886d0aba01aae656fa815dfa139eb31c1e820b513600e",
            ),
            (
                "user_send_image.json",
                "mac=36cdcfd8a677b3bfa3ae0f5572ea049e65211137f1b33222d7eae04965f54650",
            ),
            (
                "user_send_audio.json",
                "mac=d26034d44e07af0d24e55d4e1d639c549b7408c57e3c3b8c20e28cba72533939",
            ),
        ] {
            let body = fixture(name);
            assert_eq!(verify(Some(expected), &body, APP_ID, OA_SECRET), Ok(()));
            assert_eq!(
                verify(None, &body, APP_ID, OA_SECRET),
                Err(Refusal::Missing)
            );
            let mut changed = body.clone();
            changed[60] ^= 1;
            assert_eq!(
                verify(Some(expected), &changed, APP_ID, OA_SECRET),
                Err(Refusal::Mismatch)
            );
            // The hex without its `mac=` prefix, another app, an HMAC: all refused.
            let bare = expected.trim_start_matches("mac=");
            assert!(verify(Some(bare), &body, APP_ID, OA_SECRET).is_err());
            assert!(verify(Some(expected), &body, "1", OA_SECRET).is_err());
        }
        // Signed with the app secret instead of the OA secret key: refused.
        let body = fixture("user_send_text.json");
        let with_app_secret = mac(&body, "1795184100123", "app-secret-not-the-oa-key");
        assert_eq!(
            verify(Some(&with_app_secret), &body, APP_ID, OA_SECRET),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify(
                Some(&with_app_secret),
                &body,
                APP_ID,
                "app-secret-not-the-oa-key"
            ),
            Ok(()),
            "it is the key that differs"
        );
    }

    #[test]
    fn the_fixtures_taken_apart() {
        let received = chrono::DateTime::UNIX_EPOCH;
        let events = parse(&fixture("user_send_text.json"), received).unwrap();
        let InboundEvent::Message(text) = &events[0] else {
            panic!()
        };
        assert_eq!(text.platform_message_id, "a3f1c2d9e8b7a6f5e4d3");
        assert_eq!(
            text.sender, "8732165498732165498",
            "read as a string, exactly"
        );
        assert!(text.text.starts_with("Tôi muốn tố giác"));
        assert_eq!(text.at.timestamp_millis(), 1_795_184_100_123);
        let events = parse(&fixture("user_send_image.json"), received).unwrap();
        let InboundEvent::Message(image) = &events[0] else {
            panic!()
        };
        assert_eq!(image.media[0].kind, "image");
        assert_eq!(
            image.media[0].url.as_deref(),
            Some("https://f20-zpc.zdn.vn/jpg/4318235701426589013/abcdef123456.jpg")
        );
        assert!(image.text.contains("trường tiểu học"));
        let events = parse(&fixture("user_send_audio.json"), received).unwrap();
        let InboundEvent::Message(voice) = &events[0] else {
            panic!()
        };
        assert_eq!(voice.media[0].kind, "voice");
        assert!(voice.media[0].url.as_deref().unwrap().ends_with(".aac"));
        for media in [&image.media[0], &voice.media[0]] {
            assert!(is_media_link(media.url.as_deref().unwrap()));
        }
        assert!(!is_media_link("http://f20-zpc.zdn.vn/x.jpg"));
        assert!(!is_media_link("https://127.0.0.1/x.jpg"));
        assert!(!is_media_link("https://evil.example/?.zdn.vn"));
    }

    #[test]
    fn locations_files_links_statuses_and_numeric_ids() {
        let received = chrono::DateTime::UNIX_EPOCH;
        let body = br#"{"app_id":"1","sender":{"id":8732165498732165498},"recipient":{"id":"2"},"event_name":"user_send_location","message":{"msg_id":"loc1","attachments":[{"type":"location","payload":{"coordinates":{"latitude":"20.9506","longitude":"107.0734"}}}]},"timestamp":"1795184100123"}"#;
        let InboundEvent::Message(place) = &parse(body, received).unwrap()[0] else {
            panic!()
        };
        assert_eq!(place.sender, "8732165498732165498", "a number read exactly");
        let location = place.location.as_ref().unwrap();
        assert!((location.latitude - 20.9506).abs() < 1e-9);
        let body = r#"{"app_id":"1","sender":{"id":"9"},"event_name":"user_send_file","message":{"msg_id":"f1","attachments":[{"type":"file","payload":{"url":"https://dl.zdn.vn/f.pdf","name":"Đơn tố giác.pdf","size":"1024"}}]},"timestamp":"1"}"#;
        let InboundEvent::Message(file) = &parse(body.as_bytes(), received).unwrap()[0] else {
            panic!()
        };
        assert_eq!(file.media[0].kind, "document");
        assert_eq!(file.media[0].file_name.as_deref(), Some("Đơn tố giác.pdf"));
        let body = br#"{"app_id":"1","sender":{"id":"9"},"event_name":"user_send_link","message":{"msg_id":"l1","attachments":[{"type":"link","payload":{"url":"https://fake-police.example/login","title":"Cong an"}}]},"timestamp":"1"}"#;
        let InboundEvent::Message(link) = &parse(body, received).unwrap()[0] else {
            panic!()
        };
        assert!(link.text.contains("https://fake-police.example/login"));
        let body = br#"{"app_id":"1","sender":{"id":"9"},"event_name":"user_seen_message","message":{"msg_ids":["s1","s2"]},"timestamp":"1"}"#;
        assert_eq!(parse(body, received).unwrap().len(), 2);
        let body = br#"{"app_id":"1","follower":{"id":"9"},"event_name":"follow","timestamp":"1"}"#;
        assert!(matches!(
            &parse(body, received).unwrap()[0],
            InboundEvent::Ignored(what) if what == "follow"
        ));
        assert!(parse(b"{}", received).is_err());
        assert!(parse(br#"{"event_name":"user_send_text","message":{}}"#, received).is_err());
    }

    #[test]
    fn an_odd_attachment_or_a_list_for_an_object_loses_nothing_else() {
        let body = br#"{"app_id":"1","sender":{"id":"9"},"event_name":"user_send_image","message":{"msg_id":"m1","text":"","attachments":[{"type":"image","payload":{"url":"https://f.zdn.vn/a.jpg"}},null,"x"]},"timestamp":"1700000000000"}"#;
        let InboundEvent::Message(message) = &parse(body, DateTime::UNIX_EPOCH).unwrap()[0] else {
            panic!()
        };
        assert_eq!(message.media.len(), 1);
        let listed = br#"["user_send_text",{"id":"84"},"1700000000000",{"msg_id":"m","text":"x"}]"#;
        assert!(parse(listed, DateTime::UNIX_EPOCH).is_err());
        let sender_listed = br#"{"event_name":"user_send_text","sender":["9"],"message":{"msg_id":"m","text":"x"},"timestamp":"1"}"#;
        assert!(parse(sender_listed, DateTime::UNIX_EPOCH).is_err());
    }

    #[test]
    fn the_token_endpoint_follows_the_api_base() {
        assert_eq!(oauth_base("https://openapi.zalo.me/"), OAUTH_BASE);
        assert_eq!(oauth_base("http://127.0.0.1:9/"), "http://127.0.0.1:9");
        assert!(matches!(refusal(-216, "x"), SendError::TokenExpired(_)));
        assert!(matches!(refusal(-230, "x"), SendError::Refused(why) if why.contains("7 days")));
    }
}
