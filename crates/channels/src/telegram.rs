//! Telegram's Bot API: `POST <base>/bot<token>/sendMessage`. Answers carry `ok`, and on
//! failure `error_code`, `description` and, when flooded, `parameters.retry_after`.

use crate::{SendError, http_client, transport_error};
use serde::Deserialize;
use std::time::Duration;

/// Where the Bot API lives unless an account says otherwise.
pub const DEFAULT_API_BASE: &str = "https://api.telegram.org";

/// One bot, by its token. `Debug` leaves the token out.
#[derive(Clone)]
pub struct BotApi {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for BotApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotApi").field("base", &self.base).finish()
    }
}

#[derive(Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    error_code: Option<u16>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
    #[serde(default)]
    result: Option<SentMessage>,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u64>,
}

#[derive(Deserialize)]
struct SentMessage {
    message_id: i64,
}

impl BotApi {
    /// A bot at `base` (e.g. [`DEFAULT_API_BASE`]), without a trailing slash.
    pub fn new(base: &str, token: &str) -> Result<Self, SendError> {
        if token.is_empty() {
            return Err(SendError::NotConfigured);
        }
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            http: http_client()?,
        })
    }

    /// Sends `text` to a chat; the message's id in that chat.
    pub async fn send_message(&self, chat_id: i64, text: &str) -> Result<i64, SendError> {
        let url = format!("{}/bot{}/sendMessage", self.base, self.token);
        let body = serde_json::json!({
            "chat_id": chat_id,
            "text": text,
            "link_preview_options": { "is_disabled": true },
        });
        let response = self
            .http
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error(&e))?;
        let status = response.status();
        let answer: Option<Answer> = response.json().await.ok();
        match answer {
            Some(Answer {
                ok: true,
                result: Some(sent),
                ..
            }) => Ok(sent.message_id),
            Some(answer) => Err(failure(status.as_u16(), answer)),
            None if status.is_server_error() => Err(SendError::Unavailable(format!(
                "Telegram answered {status}"
            ))),
            None => Err(SendError::Refused(format!(
                "Telegram answered {status} without a result"
            ))),
        }
    }
}

fn failure(status: u16, answer: Answer) -> SendError {
    let code = answer.error_code.unwrap_or(status);
    let what = answer
        .description
        .unwrap_or_else(|| format!("error {code}"));
    if let Some(wait) = answer.parameters.and_then(|p| p.retry_after) {
        return SendError::RateLimited(Duration::from_secs(wait));
    }
    match code {
        429 => SendError::RateLimited(Duration::from_secs(1)),
        500.. => SendError::Unavailable(what),
        _ => SendError::Refused(what),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;
    use axum::Json;
    use axum::extract::Path;
    use axum::http::StatusCode;
    use axum::routing::post;
    use serde_json::{Value, json};

    /// A stand-in Bot API: chat 1 accepts, chat 2 has blocked the bot, chat 3 is flooded.
    async fn stand_in() -> String {
        let app = axum::Router::new().route(
            "/{bot}/sendMessage",
            post(|Path(bot): Path<String>, Json(body): Json<Value>| async move {
                if bot != "bot123:ABC" {
                    return (
                        StatusCode::UNAUTHORIZED,
                        Json(json!({"ok": false, "error_code": 401, "description": "Unauthorized"})),
                    );
                }
                match body["chat_id"].as_i64() {
                    Some(1) => (
                        StatusCode::OK,
                        Json(json!({"ok": true, "result": {"message_id": 77, "chat": {"id": 1}}})),
                    ),
                    Some(3) => (
                        StatusCode::TOO_MANY_REQUESTS,
                        Json(json!({"ok": false, "error_code": 429,
                            "description": "Too Many Requests: retry after 7",
                            "parameters": {"retry_after": 7}})),
                    ),
                    _ => (
                        StatusCode::FORBIDDEN,
                        Json(json!({"ok": false, "error_code": 403,
                            "description": "Forbidden: bot was blocked by the user"})),
                    ),
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    }

    #[tokio::test]
    async fn sends_and_reads_the_bot_apis_answers() {
        let base = stand_in().await;
        let bot = BotApi::new(&base, "123:ABC").unwrap();
        assert_eq!(bot.send_message(1, "Tin khẩn").await.unwrap(), 77);
        match bot.send_message(2, "x").await {
            Err(SendError::Refused(why)) => assert!(why.contains("blocked"), "{why}"),
            other => panic!("{other:?}"),
        }
        match bot.send_message(3, "x").await {
            Err(SendError::RateLimited(wait)) => assert_eq!(wait, Duration::from_secs(7)),
            other => panic!("{other:?}"),
        }
        let wrong = BotApi::new(&base, "999:XYZ").unwrap();
        assert!(matches!(
            wrong.send_message(1, "x").await,
            Err(SendError::Refused(_))
        ));
        assert!(
            !format!("{bot:?}").contains("ABC"),
            "the token stays out of logs"
        );
    }

    #[tokio::test]
    async fn an_unreachable_api_is_unavailable_and_says_nothing_of_the_token() {
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let bot = BotApi::new(&base, "123:SECRET").unwrap();
        match bot.send_message(1, "x").await {
            Err(e @ SendError::Unavailable(_)) => assert!(!e.to_string().contains("SECRET")),
            other => panic!("{other:?}"),
        }
    }
}
