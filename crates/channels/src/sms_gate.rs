//! Text messages out through the Android SMS Gateway (SMSGate): `POST <base>/3rdparty/v1/messages`
//! with Basic authentication and
//! `{"textMessage":{"text":…},"phoneNumbers":["+84…"],"ttl":…,"priority":…}`; the answer
//! (202) carries the message's `id` and `state`.

use crate::{SendError, http_client, transport_error};
use serde::Deserialize;

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
