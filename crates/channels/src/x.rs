//! X (Twitter) through Account Activity webhooks. X checks the webhook with a CRC challenge at
//! registration and every hour (`crc_token`, answered with an HMAC-SHA-256 under the consumer
//! secret, base64); each delivery carries `x-twitter-webhooks-signature: sha256=<base64>` of the
//! raw body under the same secret. Direct messages are private; mentions are public posts and
//! marked so. Direct messages that arrive end-to-end encrypted ("X Chat") cannot be read here:
//! they are counted, never guessed at.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use hotline_domain::inbound::{InboundEvent, InboundMessage, MediaRef};
use serde::Deserialize;
use serde::de::IgnoredAny;
use sha2::Sha256;
use std::collections::{BTreeMap, HashMap};

use crate::wire::{Object, Scalar, object, objects, objects_by_key, optional_object};
use crate::{Outgoing, Refusal, SendError, Sender, Unreadable, key};

/// What an encrypted direct message is counted as.
pub const ENCRYPTED: &str = "encrypted direct message";

fn mac(secret: &str, message: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(message);
    Some(mac)
}

/// The answer to X's CRC check: `{"response_token":"sha256=<base64>"}`. The check signs what
/// it is given with the key deliveries are signed with, so only a token of X's shape (letters,
/// digits, `-_=+/`) is signed: never something that could pass for a delivery's body.
pub fn crc_response(crc_token: &str, consumer_secret: &str) -> Option<String> {
    let shaped = crc_token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_=+/".contains(&b));
    if crc_token.is_empty() || crc_token.len() > 256 || !shaped || consumer_secret.is_empty() {
        return None;
    }
    let digest = mac(consumer_secret, crc_token.as_bytes())?
        .finalize()
        .into_bytes();
    Some(
        serde_json::json!({ "response_token": format!("sha256={}", STANDARD.encode(digest)) })
            .to_string(),
    )
}

/// Checks `x-twitter-webhooks-signature: sha256=<base64>` against the raw body.
pub fn verify(signature: Option<&str>, body: &[u8], consumer_secret: &str) -> Result<(), Refusal> {
    let signature = signature.ok_or(Refusal::Missing)?;
    let claimed = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(|b| STANDARD.decode(b).ok())
        .ok_or(Refusal::Mismatch)?;
    if consumer_secret.is_empty() {
        return Err(Refusal::Mismatch);
    }
    mac(consumer_secret, body)
        .ok_or(Refusal::Mismatch)?
        .verify_slice(&claimed)
        .map_err(|_| Refusal::Mismatch)
}

/// A delivery as the Account Activity API writes it: the fields the hotline reads.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Envelope {
    for_user_id: Scalar,
    #[serde(deserialize_with = "objects")]
    direct_message_events: Vec<DirectMessageEvent>,
    #[serde(deserialize_with = "objects")]
    tweet_create_events: Vec<Tweet>,
    /// The people the events name, by id.
    #[serde(deserialize_with = "objects_by_key")]
    users: HashMap<String, User>,
    event_type: Scalar,
    /// The X Activity API's envelope, whose chat events carry ciphertext only.
    #[serde(deserialize_with = "object")]
    data: Activity,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct User {
    name: Scalar,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Activity {
    event_type: Scalar,
    #[serde(deserialize_with = "object")]
    payload: ActivityPayload,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ActivityPayload {
    encrypted_content: Scalar,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct DirectMessageEvent {
    #[serde(rename = "type")]
    kind: Scalar,
    id: Scalar,
    created_timestamp: Scalar,
    #[serde(deserialize_with = "optional_object")]
    message_create: Option<MessageCreate>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct MessageCreate {
    sender_id: Scalar,
    #[serde(deserialize_with = "object")]
    message_data: MessageData,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct MessageData {
    text: Scalar,
    #[serde(deserialize_with = "object")]
    attachment: Attachment,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Attachment {
    #[serde(deserialize_with = "optional_object")]
    media: Option<Media>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Media {
    #[serde(rename = "type")]
    kind: Scalar,
    media_url_https: Scalar,
    /// The media's short link, at the end of the text.
    url: Scalar,
    #[serde(deserialize_with = "object")]
    video_info: VideoInfo,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct VideoInfo {
    #[serde(deserialize_with = "objects")]
    variants: Vec<Variant>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Variant {
    url: Scalar,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Tweet {
    id_str: Scalar,
    id: Scalar,
    timestamp_ms: Scalar,
    text: Scalar,
    #[serde(deserialize_with = "object")]
    extended_tweet: ExtendedTweet,
    #[serde(deserialize_with = "object")]
    user: TweetUser,
    in_reply_to_status_id_str: Scalar,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ExtendedTweet {
    full_text: Scalar,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct TweetUser {
    id_str: Scalar,
    id: Scalar,
    name: Scalar,
}

fn direct_message(
    event: &DirectMessageEvent,
    users: &HashMap<String, User>,
    ours: Option<&str>,
    received: DateTime<Utc>,
) -> Result<InboundEvent, Unreadable> {
    if event.kind.text() != Some("message_create") {
        return Ok(InboundEvent::Ignored(
            event.kind.text().unwrap_or("event").to_owned(),
        ));
    }
    let create = event
        .message_create
        .as_ref()
        .ok_or_else(|| Unreadable("a message without message_create".into()))?;
    let sender = create
        .sender_id
        .id()
        .ok_or_else(|| Unreadable("a message without sender_id".into()))?;
    if Some(sender.as_str()) == ours {
        return Ok(InboundEvent::Ignored("own message".into()));
    }
    let id = event
        .id
        .id()
        .ok_or_else(|| Unreadable("a message without id".into()))?;
    let at = event.created_timestamp.millis().unwrap_or(received);
    let data = &create.message_data;
    let mut message = InboundMessage::new(&id, &sender, at, data.text.text().unwrap_or_default());
    message.sender_name = users
        .get(&sender)
        .and_then(|user| user.name.text())
        .map(str::to_owned);
    if let Some(media) = &data.attachment.media {
        let kind = match media.kind.text() {
            Some("video" | "animated_gif") => "video",
            _ => "image",
        };
        let url = media
            .video_info
            .variants
            .first()
            .and_then(|variant| variant.url.text())
            .filter(|_| kind == "video")
            .or_else(|| media.media_url_https.text())
            .map(str::to_owned);
        // X puts the media's short link at the end of the text.
        if let Some(short) = media.url.text() {
            message.text = message.text.replace(short, "").trim().to_owned();
        }
        message.media.push(MediaRef {
            kind,
            media_id: None,
            url,
            mime_type: None,
            file_name: None,
            data: None,
        });
    }
    Ok(InboundEvent::Message(Box::new(message)))
}

fn mention(
    tweet: &Tweet,
    ours: Option<&str>,
    received: DateTime<Utc>,
) -> Result<InboundEvent, Unreadable> {
    let author = tweet
        .user
        .id_str
        .id()
        .or_else(|| tweet.user.id.id())
        .ok_or_else(|| Unreadable("a post without its author".into()))?;
    if Some(author.as_str()) == ours {
        return Ok(InboundEvent::Ignored("own post".into()));
    }
    let id = tweet
        .id_str
        .id()
        .or_else(|| tweet.id.id())
        .ok_or_else(|| Unreadable("a post without id".into()))?;
    let at = tweet.timestamp_ms.millis().unwrap_or(received);
    let text = tweet
        .extended_tweet
        .full_text
        .text()
        .or_else(|| tweet.text.text())
        .unwrap_or_default();
    let mut message = InboundMessage::new(&id, &author, at, text);
    message.sender_name = tweet.user.name.text().map(str::to_owned);
    message.public = true;
    // The link without the author's handle: staff see the post, not who wrote it, until they
    // open it.
    message.permalink = Some(format!("https://x.com/i/status/{id}"));
    message.reply_to = tweet.in_reply_to_status_id_str.id();
    Ok(InboundEvent::Message(Box::new(message)))
}

/// Takes a delivery apart: direct messages, mentions; anything else (follows, likes, our own
/// posts, encrypted chats) counted as of no use here.
pub fn parse(body: &[u8], received: DateTime<Utc>) -> Result<Vec<InboundEvent>, Unreadable> {
    let Object(envelope): Object<Envelope> =
        serde_json::from_slice(body).map_err(|e| Unreadable(format!("not JSON: {e}")))?;
    let ours = envelope.for_user_id.id();
    let mut events = Vec::new();
    for event in &envelope.direct_message_events {
        events.push(direct_message(
            event,
            &envelope.users,
            ours.as_deref(),
            received,
        )?);
    }
    for tweet in &envelope.tweet_create_events {
        events.push(mention(tweet, ours.as_deref(), received)?);
    }
    // X Activity API chat events carry ciphertext only.
    let chat = envelope
        .data
        .event_type
        .text()
        .or_else(|| envelope.event_type.text())
        .is_some_and(|t| t.starts_with("chat."));
    if chat || envelope.data.payload.encrypted_content.is_present() {
        events.push(InboundEvent::Ignored(ENCRYPTED.into()));
    }
    if events.is_empty() {
        // Named by its kind of events (`follow_events`, `favorite_events`, …).
        let fields: BTreeMap<String, IgnoredAny> = serde_json::from_slice(body).unwrap_or_default();
        let kind = fields
            .into_keys()
            .find(|k| k.ends_with("_events"))
            .unwrap_or_else(|| "event".into());
        events.push(InboundEvent::Ignored(kind));
    }
    Ok(events)
}

/// An X API answer: what was made, or why not.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Answer {
    #[serde(deserialize_with = "object")]
    data: Made,
    detail: Scalar,
    title: Scalar,
    #[serde(deserialize_with = "objects")]
    errors: Vec<AnswerError>,
}

/// What a post or a direct message made: its id.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Made {
    id: Scalar,
    dm_event_id: Scalar,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct AnswerError {
    message: Scalar,
}

/// Reads an X API answer: the id `made` picks, or why not.
async fn answer(
    response: reqwest::Response,
    made: fn(&Made) -> &Scalar,
    now: DateTime<Utc>,
) -> Result<String, SendError> {
    let status = response.status();
    let reset = response
        .headers()
        .get("x-rate-limit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let body = response
        .json::<Object<Answer>>()
        .await
        .map_or_else(|_| Answer::default(), |Object(answer)| answer);
    if status.is_success() {
        return made(&body.data)
            .id()
            .ok_or_else(|| SendError::Unavailable("an answer without an id".into()));
    }
    let what = format!(
        "X {status}: {}",
        body.detail
            .text()
            .or_else(|| body.title.text())
            .or_else(|| body.errors.first().and_then(|e| e.message.text()))
            .unwrap_or_default()
    );
    match status.as_u16() {
        429 => {
            let wait = reset
                .map(|at| (at - now.timestamp()).clamp(1, 900))
                .unwrap_or(60);
            Err(SendError::RateLimited(std::time::Duration::from_secs(
                u64::try_from(wait).unwrap_or(60),
            )))
        }
        401 => Err(SendError::TokenExpired(what)),
        500.. => Err(SendError::Unavailable(what)),
        _ => Err(SendError::Refused(what)),
    }
}

/// Answers: a direct message to the user, or, for a public mention, a public reply under it.
pub async fn send(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    outgoing: &Outgoing<'_>,
    (public, now): (bool, DateTime<Utc>),
) -> Result<String, SendError> {
    let token = key(sender.secrets, "access_token")?;
    let base = sender.api_base.trim_end_matches('/');
    if public {
        let response = crate::send_json(
            http.post(format!("{base}/2/tweets")).bearer_auth(token),
            &serde_json::json!({
                "text": outgoing.text,
                "reply": { "in_reply_to_tweet_id": outgoing.to },
            }),
        )
        .await?;
        return answer(response, |made| &made.id, now).await;
    }
    if !outgoing.to.bytes().all(|b| b.is_ascii_digit()) || outgoing.to.is_empty() {
        return Err(SendError::Refused("not an X user id".into()));
    }
    let response = crate::send_json(
        http.post(format!(
            "{base}/2/dm_conversations/with/{}/messages",
            outgoing.to
        ))
        .bearer_auth(token),
        &serde_json::json!({ "text": outgoing.text }),
    )
    .await?;
    answer(response, |made| &made.dm_event_id, now).await
}

/// Whether a file's link is X's own (the token goes with the request: nowhere else).
pub fn is_media_link(url: &str) -> bool {
    crate::https_host(url).is_some_and(|host| {
        matches!(host.as_str(), "ton.twitter.com" | "ton.x.com") || host.ends_with(".twimg.com")
    })
}

/// Downloads a file a direct message carries, with the account's token, from X's own hosts
/// only. At most `max` bytes.
pub async fn fetch_media(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    url: &str,
    max: usize,
) -> Result<Vec<u8>, SendError> {
    if !is_media_link(url) {
        return Err(SendError::Refused("a file link outside X".into()));
    }
    let token = key(sender.secrets, "access_token")?;
    crate::download(http.get(url).bearer_auth(token), max).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;

    const SECRET: &str = "vnPoliceDemoConsumerSecret0123456789abcdefghijklmnop";

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/platforms/x/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn the_crc_answer_of_the_fixture() {
        let request = String::from_utf8(fixture("crc_get.txt")).unwrap();
        let token = request
            .split("crc_token=")
            .nth(1)
            .and_then(|rest| rest.split('&').next())
            .unwrap();
        let expected = request
            .lines()
            .find_map(|l| l.strip_prefix("# {"))
            .map(|rest| format!("{{{rest}"))
            .unwrap();
        assert_eq!(crc_response(token, SECRET).unwrap(), expected);
        assert!(crc_response("", SECRET).is_none());
        // A "token" shaped like a delivery would have its signature handed out: refused.
        let forged = r#"{"for_user_id":"1","direct_message_events":[]}"#;
        assert!(crc_response(forged, SECRET).is_none());
        assert!(crc_response(token, "").is_none());
    }

    #[test]
    fn signatures_of_the_fixtures() {
        for (name, signature) in [
            (
                "dm_event.json",
                "sha256=FJCm12nso4NzWluO4LK9M3hx0tw7qcu26mC76loDfDg=",
            ),
            (
                "tweet_mention.json",
                "sha256=6jEvDZHW+iWRKMyZmPA7VBNDNn1njlCjnFR/S9BORek=",
            ),
        ] {
            let body = fixture(name);
            assert_eq!(verify(Some(signature), &body, SECRET), Ok(()));
            assert_eq!(verify(None, &body, SECRET), Err(Refusal::Missing));
            assert_eq!(
                verify(Some(signature), &body, "another"),
                Err(Refusal::Mismatch)
            );
            let mut changed = body.clone();
            changed[25] ^= 1;
            assert_eq!(
                verify(Some(signature), &changed, SECRET),
                Err(Refusal::Mismatch)
            );
            // Meta's hex form of the same digest is not X's.
            let hex_form = format!(
                "sha256={}",
                hex::encode(STANDARD.decode(&signature[7..]).unwrap())
            );
            assert!(verify(Some(&hex_form), &body, SECRET).is_err());
        }
    }

    #[test]
    fn a_direct_message_and_a_public_mention() {
        let events = parse(&fixture("dm_event.json"), chrono::DateTime::UNIX_EPOCH).unwrap();
        let InboundEvent::Message(dm) = &events[0] else {
            panic!()
        };
        assert_eq!(dm.platform_message_id, "1861234567890123456");
        assert_eq!(dm.sender, "1400000000000000001");
        assert_eq!(dm.sender_name.as_deref(), Some("Nguyễn Văn An"));
        assert!(!dm.public);
        assert!(dm.text.contains("trộm chó"));
        assert_eq!(dm.at.timestamp_millis(), 1_795_184_300_000);
        let events = parse(&fixture("tweet_mention.json"), chrono::DateTime::UNIX_EPOCH).unwrap();
        let InboundEvent::Message(post) = &events[0] else {
            panic!()
        };
        assert!(post.public, "a mention is public");
        assert_eq!(post.platform_message_id, "1861234567890999999");
        assert_eq!(
            post.permalink.as_deref(),
            Some("https://x.com/i/status/1861234567890999999")
        );
    }

    #[test]
    fn our_own_messages_media_and_encrypted_chats() {
        let own = br#"{"for_user_id":"15","direct_message_events":[{"type":"message_create","id":"1","created_timestamp":"1795184300000","message_create":{"target":{"recipient_id":"14"},"sender_id":"15","message_data":{"text":"answer"}}}]}"#;
        assert!(matches!(
            &parse(own, chrono::DateTime::UNIX_EPOCH).unwrap()[0],
            InboundEvent::Ignored(_)
        ));
        let photo = br#"{"for_user_id":"15","direct_message_events":[{"type":"message_create","id":"2","created_timestamp":"1795184300000","message_create":{"target":{"recipient_id":"15"},"sender_id":"14","message_data":{"text":"xem anh https://t.co/abc","attachment":{"type":"media","media":{"type":"photo","media_url_https":"https://ton.x.com/i/ton/data/dm/2/3/x.jpg","url":"https://t.co/abc"}}}}}]}"#;
        let InboundEvent::Message(with_photo) =
            &parse(photo, chrono::DateTime::UNIX_EPOCH).unwrap()[0]
        else {
            panic!()
        };
        assert_eq!(with_photo.text, "xem anh");
        assert_eq!(
            with_photo.media[0].url.as_deref(),
            Some("https://ton.x.com/i/ton/data/dm/2/3/x.jpg")
        );
        assert!(is_media_link("https://ton.x.com/i/ton/data/dm/2/3/x.jpg"));
        assert!(is_media_link("https://pbs.twimg.com/media/x.jpg"));
        assert!(
            !is_media_link("http://ton.x.com/x.jpg"),
            "not over plain HTTP"
        );
        assert!(!is_media_link("https://attacker.example/ton.x.com/x.jpg"));
        assert!(!is_media_link("https://ton.x.com.attacker.example/x.jpg"));
        let encrypted =
            br#"{"data":{"event_type":"chat.received","payload":{"encrypted_content":"AAEC"}}}"#;
        assert!(matches!(
            &parse(encrypted, chrono::DateTime::UNIX_EPOCH).unwrap()[0],
            InboundEvent::Ignored(what) if what == ENCRYPTED
        ));
        let follow = br#"{"for_user_id":"15","follow_events":[{"type":"follow"}]}"#;
        assert!(matches!(
            &parse(follow, chrono::DateTime::UNIX_EPOCH).unwrap()[0],
            InboundEvent::Ignored(what) if what == "follow_events"
        ));
        assert!(parse(b"[]", chrono::DateTime::UNIX_EPOCH).is_err());
    }

    #[test]
    fn an_odd_element_loses_nothing_else() {
        let body = r#"{"for_user_id":"1","direct_message_events":[null,{"type":"message_create","id":"9","created_timestamp":"1700000000000","message_create":{"sender_id":"2","message_data":{"text":"cứu"}}}],"users":{"2":{"name":"A"},"3":7}}"#;
        let events = parse(body.as_bytes(), chrono::DateTime::UNIX_EPOCH).unwrap();
        assert!(matches!(&events[0], InboundEvent::Ignored(what) if what == "event"));
        let InboundEvent::Message(message) = &events[1] else {
            panic!("{events:?}")
        };
        assert_eq!(message.text, "cứu");
        assert_eq!(message.sender_name.as_deref(), Some("A"));
        // A post that cannot be read is a dead letter staff see, not silence.
        let posts = r#"{"for_user_id":"1","tweet_create_events":[null,{"id_str":"5","text":"@cand","user":{"id_str":"2"}}]}"#;
        assert!(parse(posts.as_bytes(), chrono::DateTime::UNIX_EPOCH).is_err());
        let null_cipher = br#"{"data":{"payload":{"encrypted_content":null}}}"#;
        assert!(matches!(
            &parse(null_cipher, chrono::DateTime::UNIX_EPOCH).unwrap()[0],
            InboundEvent::Ignored(what) if what == ENCRYPTED
        ));
    }
}
