//! Text messages through the Android SMS Gateway (SMSGate). Out: `POST
//! <base>/3rdparty/v1/messages` with Basic authentication and
//! `{"textMessage":{"text":…},"phoneNumbers":["+84…"],"ttl":…,"priority":…}`; the answer
//! (202) carries the message's `id` and `state`. In: its webhooks (`sms:received`, and
//! `sms:sent`/`sms:delivered`/`sms:failed` for ours), or a simple generic JSON other gateways
//! can send (`{"id","from","text","received_at"?}`), both signed `X-Signature: hex(HMAC-SHA256(
//! signing key, raw body ‖ X-Timestamp))` with the timestamp within 5 minutes of ours.

use crate::{Refusal, SendError, Unreadable, http_client, transport_error};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use hotline_domain::Delivery;
use hotline_domain::inbound::{InboundEvent, InboundMessage};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

/// How far a signature's time may be from ours, either way.
pub const SIGNATURE_WINDOW_SECS: i64 = 300;

/// Checks `X-Signature` over the raw body and `X-Timestamp`, and the time against `now`.
pub fn verify(
    (signature, timestamp): (Option<&str>, Option<&str>),
    body: &[u8],
    signing_key: &str,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
        return Err(Refusal::Missing);
    };
    let claimed = hex::decode(signature.trim()).map_err(|_| Refusal::Mismatch)?;
    let timestamp = timestamp.trim();
    let mut mac =
        Hmac::<Sha256>::new_from_slice(signing_key.as_bytes()).map_err(|_| Refusal::Mismatch)?;
    if signing_key.is_empty() {
        return Err(Refusal::Mismatch);
    }
    mac.update(body);
    mac.update(timestamp.as_bytes());
    mac.verify_slice(&claimed).map_err(|_| Refusal::Mismatch)?;
    let signed_at: i64 = timestamp.parse().map_err(|_| Refusal::Mismatch)?;
    if now.timestamp().abs_diff(signed_at) > SIGNATURE_WINDOW_SECS.unsigned_abs() {
        return Err(Refusal::Stale);
    }
    Ok(())
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn time_at(value: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(str_at(value, pointer)?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn received_sms(
    id: &str,
    from: Option<&str>,
    text: &str,
    at: DateTime<Utc>,
) -> Result<InboundEvent, Unreadable> {
    let from = from
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .ok_or_else(|| Unreadable("a text message without its sender".into()))?;
    let mut message = InboundMessage::new(id, from, at, text);
    message.sender_phone = Some(from.to_owned());
    Ok(InboundEvent::Message(Box::new(message)))
}

/// Takes a delivery apart: SMSGate's events, or the generic format.
pub fn parse(body: &[u8], received: DateTime<Utc>) -> Result<Vec<InboundEvent>, Unreadable> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| Unreadable(format!("not JSON: {e}")))?;
    // SMSGate's id of the delivery: its `payload.messageId` is derived from the content and
    // not unique.
    let id = str_at(&value, "/id")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Unreadable("no id".into()))?;
    let Some(event) = str_at(&value, "/event") else {
        // The generic format.
        let text = str_at(&value, "/text").ok_or_else(|| Unreadable("no text".into()))?;
        let at = time_at(&value, "/received_at").unwrap_or(received);
        return Ok(vec![received_sms(id, str_at(&value, "/from"), text, at)?]);
    };
    let delivery = match event {
        "sms:received" => {
            let payload = value.get("payload").cloned().unwrap_or(Value::Null);
            let from = str_at(&payload, "/sender").or_else(|| str_at(&payload, "/phoneNumber"));
            let at = time_at(&payload, "/receivedAt").unwrap_or(received);
            let text = str_at(&payload, "/message").unwrap_or_default();
            return Ok(vec![received_sms(id, from, text, at)?]);
        }
        "sms:sent" => Delivery::Sent,
        "sms:delivered" => Delivery::Delivered,
        "sms:failed" => Delivery::Failed,
        other => return Ok(vec![InboundEvent::Ignored(other.to_owned())]),
    };
    let sent = str_at(&value, "/payload/messageId")
        .ok_or_else(|| Unreadable("a state without messageId".into()))?;
    Ok(vec![InboundEvent::Status {
        platform_message_id: sent.to_owned(),
        delivery,
        error: (delivery == Delivery::Failed).then(|| {
            str_at(&value, "/payload/reason")
                .unwrap_or("the gateway could not send it")
                .to_owned()
        }),
    }])
}

/// SMSGate's cloud server; a local or private gateway has its own base.
pub const DEFAULT_API_BASE: &str = "https://api.sms-gate.app";

/// A gateway and its credentials. `Debug` leaves the password out.
#[derive(Clone)]
pub struct Gateway {
    base: String,
    user: String,
    password: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").field("base", &self.base).finish()
    }
}

/// How urgently the gateway should send: 100 and above skip its delays and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Normal,
    Urgent,
}

#[derive(Deserialize)]
struct Accepted {
    id: String,
}

impl Gateway {
    pub fn new(base: &str, user: &str, password: &str) -> Result<Self, SendError> {
        if base.is_empty() || user.is_empty() {
            return Err(SendError::NotConfigured);
        }
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            user: user.to_owned(),
            password: password.to_owned(),
            http: http_client()?,
        })
    }

    /// Queues `text` for `e164` on the gateway; the gateway's id of the message.
    pub async fn send(
        &self,
        e164: &str,
        text: &str,
        priority: Priority,
    ) -> Result<String, SendError> {
        let body = serde_json::json!({
            "textMessage": { "text": text },
            "phoneNumbers": [e164],
            "ttl": 3600,
            "priority": match priority { Priority::Normal => 0, Priority::Urgent => 100 },
        });
        let response = self
            .http
            .post(format!("{}/3rdparty/v1/messages", self.base))
            .basic_auth(&self.user, Some(&self.password))
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error(&e))?;
        let status = response.status();
        if status.is_success() {
            let accepted: Accepted = response
                .json()
                .await
                .map_err(|_| SendError::Unavailable("unreadable answer".into()))?;
            return Ok(accepted.id);
        }
        let what = format!("the SMS gateway answered {status}");
        Err(if status.as_u16() == 429 {
            SendError::RateLimited(std::time::Duration::from_secs(60))
        } else if status.is_server_error() {
            SendError::Unavailable(what)
        } else {
            SendError::Refused(what)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;
    use axum::Json;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    use serde_json::{Value, json};
    use std::sync::{Arc, Mutex};

    /// Each request the stand-in saw: its `Authorization` header and body.
    type Seen = Arc<Mutex<Vec<(Option<String>, Value)>>>;

    const KEY: &str = "smsgate-demo-signing-key-42";
    const SIGNATURE: &str = "010ae433bda8896d6f8bc168c3ecd4eaf4f31e32d2e173188e89724bbcdfc2b7";

    fn fixture() -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/platforms/sms_gateway/sms_received.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    #[test]
    fn the_fixtures_signature_within_its_window() {
        let body = fixture();
        let signed = (Some(SIGNATURE), Some("1795184263"));
        assert_eq!(verify(signed, &body, KEY, at(1_795_184_263)), Ok(()));
        assert_eq!(verify(signed, &body, KEY, at(1_795_184_263 + 299)), Ok(()));
        assert_eq!(
            verify(signed, &body, KEY, at(1_795_184_263 + 600)),
            Err(Refusal::Stale),
            "ten minutes off"
        );
        assert_eq!(
            verify(
                (Some(SIGNATURE), Some("1795184264")),
                &body,
                KEY,
                at(1_795_184_263)
            ),
            Err(Refusal::Mismatch),
            "the time is signed"
        );
        assert_eq!(
            verify(signed, &body, "another key", at(1_795_184_263)),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify((None, Some("1795184263")), &body, KEY, at(1_795_184_263)),
            Err(Refusal::Missing)
        );
        let mut changed = body.clone();
        changed[20] ^= 1;
        assert_eq!(
            verify(signed, &changed, KEY, at(1_795_184_263)),
            Err(Refusal::Mismatch)
        );
    }

    #[test]
    fn a_received_message_its_states_and_the_generic_format() {
        let events = parse(&fixture(), DateTime::UNIX_EPOCH).unwrap();
        let InboundEvent::Message(sms) = &events[0] else {
            panic!()
        };
        assert_eq!(
            sms.platform_message_id, "Ey6ECgOkVVFjz3CL48B8C",
            "the top-level id"
        );
        assert_eq!(sms.sender, "+84987654321");
        assert_eq!(sms.sender_phone.as_deref(), Some("+84987654321"));
        assert!(sms.text.starts_with("Báo tin: có 2 thanh niên"));
        // 21:18:42 +07:00, the phone's own zone.
        assert_eq!(sms.at.timestamp(), 1_795_184_322);
        let delivered = br#"{"deviceId":"d","event":"sms:delivered","id":"w2","payload":{"messageId":"PyDmBQZZXYmyxMwED8Fzy","phoneNumber":"+84987654321","deliveredAt":"2026-11-20T21:20:00.000+07:00"},"webhookId":"x"}"#;
        assert!(matches!(
            &parse(delivered, DateTime::UNIX_EPOCH).unwrap()[0],
            InboundEvent::Status { platform_message_id, delivery: Delivery::Delivered, .. }
                if platform_message_id == "PyDmBQZZXYmyxMwED8Fzy"
        ));
        let failed = br#"{"event":"sms:failed","id":"w3","payload":{"messageId":"m1","reason":"RESULT_ERROR_GENERIC_FAILURE"}}"#;
        assert!(matches!(
            &parse(failed, DateTime::UNIX_EPOCH).unwrap()[0],
            InboundEvent::Status { delivery: Delivery::Failed, error: Some(why), .. }
                if why.contains("GENERIC")
        ));
        let ping = br#"{"event":"system:ping","id":"w4","payload":{}}"#;
        assert!(matches!(
            &parse(ping, DateTime::UNIX_EPOCH).unwrap()[0],
            InboundEvent::Ignored(e) if e == "system:ping"
        ));
        let generic = r#"{"id":"gw-77","from":"+84912345678","text":"Có cháy nhà ở ngõ 5","received_at":"2026-11-20T21:00:00+07:00"}"#;
        let InboundEvent::Message(sms) =
            &parse(generic.as_bytes(), DateTime::UNIX_EPOCH).unwrap()[0]
        else {
            panic!()
        };
        assert_eq!(
            (sms.platform_message_id.as_str(), sms.sender.as_str()),
            ("gw-77", "+84912345678")
        );
        assert!(
            parse(br#"{"from":"+1","text":"x"}"#, DateTime::UNIX_EPOCH).is_err(),
            "no id"
        );
        assert!(
            parse(br#"{"id":"1","text":"x"}"#, DateTime::UNIX_EPOCH).is_err(),
            "no sender"
        );
    }

    #[tokio::test]
    async fn the_request_is_the_documented_one() {
        let seen: Seen = Arc::default();
        let log = seen.clone();
        let app = axum::Router::new().route(
            "/3rdparty/v1/messages",
            post(move |headers: HeaderMap, Json(body): Json<Value>| {
                let log = log.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    log.lock().unwrap().push((auth, body));
                    (
                        StatusCode::ACCEPTED,
                        Json(json!({"id": "PyDmBQZZXYmyxMwED8Fzy", "state": "Pending"})),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });

        let gateway = Gateway::new(&base, "hotline", "s3cret").unwrap();
        let id = gateway
            .send("+84912345678", "Tin khẩn QN-2026-000001", Priority::Urgent)
            .await
            .unwrap();
        assert_eq!(id, "PyDmBQZZXYmyxMwED8Fzy");
        let seen = seen.lock().unwrap();
        let (auth, body) = &seen[0];
        // "hotline:s3cret" in Base64.
        assert_eq!(auth.as_deref(), Some("Basic aG90bGluZTpzM2NyZXQ="));
        assert_eq!(
            body,
            &json!({
                "textMessage": {"text": "Tin khẩn QN-2026-000001"},
                "phoneNumbers": ["+84912345678"],
                "ttl": 3600,
                "priority": 100,
            })
        );
        assert!(!format!("{gateway:?}").contains("s3cret"));
    }
}
