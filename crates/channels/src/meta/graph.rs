//! The Graph API client: answers, templates and media, with Meta's errors read.

use hotline_domain::Channel;
use serde::Deserialize;
use serde_json::Value;

use crate::{Outgoing, SendError, Sender, fetch_failure, key, read_limited};

/// The Graph API version requests are made to.
pub const GRAPH_VERSION: &str = "v25.0";

#[derive(Deserialize)]
pub(super) struct GraphError {
    error: GraphErrorBody,
}

#[derive(Deserialize)]
pub(super) struct GraphErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: i64,
    #[serde(default)]
    error_subcode: Option<i64>,
}

/// Reads a Graph API answer: the id of what was sent, or why not.
pub(super) async fn graph_answer(
    response: reqwest::Response,
    id_at: &str,
) -> Result<String, SendError> {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body: Value = response
        .json()
        .await
        .map_err(|_| SendError::Unavailable(format!("unreadable answer ({status})")))?;
    if status.is_success() {
        return body
            .pointer(id_at)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| SendError::Unavailable("an answer without an id".into()));
    }
    let error = serde_json::from_value::<GraphError>(body)
        .ok()
        .map(|e| e.error);
    let (code, what) = error.map_or((0, String::new()), |e| {
        let subcode = e.error_subcode.map(|s| format!("/{s}")).unwrap_or_default();
        (e.code, format!("{}{subcode}: {}", e.code, e.message))
    });
    // Throttling codes of the Graph API and of WhatsApp.
    if status.as_u16() == 429 || matches!(code, 4 | 17 | 32 | 613 | 80007 | 130429 | 131056) {
        return Err(SendError::RateLimited(std::time::Duration::from_secs(
            retry_after.unwrap_or(60),
        )));
    }
    if status.is_server_error() || matches!(code, 1 | 2) {
        return Err(SendError::Unavailable(format!("{status} {what}")));
    }
    Err(SendError::Refused(what))
}

/// Sends WhatsApp's approved template `name` (in `language`) with the case number as its one
/// body parameter; the platform's id of the message.
pub async fn send_template(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    to: &str,
    (name, language): (&str, &str),
    case: &str,
) -> Result<String, SendError> {
    let base = sender.api_base.trim_end_matches('/');
    let token = key(sender.secrets, "access_token")?;
    let number = key(sender.secrets, "phone_number_id")?;
    let body = serde_json::json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": name,
            "language": { "code": language },
            "components": [
                { "type": "body", "parameters": [ { "type": "text", "text": case } ] }
            ],
        },
    });
    let response = http
        .post(format!("{base}/{GRAPH_VERSION}/{number}/messages"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| crate::transport_error(&e))?;
    graph_answer(response, "/messages/0/id").await
}

/// Sends a text through the account's platform; the platform's id of the message.
pub async fn send(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    outgoing: &Outgoing<'_>,
) -> Result<String, SendError> {
    let base = sender.api_base.trim_end_matches('/');
    let token = key(sender.secrets, "access_token")?;
    let request = match sender.platform {
        Channel::Whatsapp => {
            let number = key(sender.secrets, "phone_number_id")?;
            let body = serde_json::json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": outgoing.to,
                "type": "text",
                "text": { "body": outgoing.text },
            });
            http.post(format!("{base}/{GRAPH_VERSION}/{number}/messages"))
                .bearer_auth(token)
                .json(&body)
        }
        Channel::Messenger | Channel::Instagram => {
            let mut body = serde_json::json!({
                "recipient": { "id": outgoing.to },
                "messaging_type": if outgoing.human_agent { "MESSAGE_TAG" } else { "RESPONSE" },
                "message": { "text": outgoing.text },
            });
            if let (true, Value::Object(fields)) = (outgoing.human_agent, &mut body) {
                fields.insert("tag".into(), "HUMAN_AGENT".into());
            }
            if sender.platform == Channel::Messenger {
                let page = key(sender.secrets, "page_id")?;
                http.post(format!("{base}/{GRAPH_VERSION}/{page}/messages"))
                    .query(&[("access_token", token)])
                    .json(&body)
            } else {
                let account = sender
                    .secrets
                    .get("ig_user_id")
                    .map_or("me", String::as_str);
                http.post(format!("{base}/{GRAPH_VERSION}/{account}/messages"))
                    .bearer_auth(token)
                    .json(&body)
            }
        }
        Channel::Threads => {
            // A public reply: a container, then its publication.
            let container = http
                .post(format!("{base}/v1.0/me/threads"))
                .query(&[
                    ("media_type", "TEXT"),
                    ("text", outgoing.text),
                    ("reply_to_id", outgoing.to),
                    ("access_token", token),
                ])
                .send()
                .await
                .map_err(|e| crate::transport_error(&e))?;
            let creation = graph_answer(container, "/id").await?;
            http.post(format!("{base}/v1.0/me/threads_publish"))
                .query(&[("creation_id", creation.as_str()), ("access_token", token)])
        }
        other => {
            return Err(SendError::Refused(format!(
                "{other} is not a Meta platform"
            )));
        }
    };
    let response = request
        .send()
        .await
        .map_err(|e| crate::transport_error(&e))?;
    let id_at = match sender.platform {
        Channel::Whatsapp => "/messages/0/id",
        Channel::Threads => "/id",
        _ => "/message_id",
    };
    graph_answer(response, id_at).await
}

/// Where Meta serves the files of messages: its CDNs (and WhatsApp's media host).
const MEDIA_DOMAINS: [&str; 5] = [
    "fbcdn.net",
    "fbsbx.com",
    "cdninstagram.com",
    "whatsapp.net",
    "facebook.com",
];

/// Whether a file link may be fetched (with the account's token, for WhatsApp): over https
/// from Meta's own hosts, or from the host of the account's API (a stand-in, or a base the
/// operator allowed). A delivery or an answer naming any other host gets nothing fetched.
fn media_link_allowed(link: &str, api_base: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(link) else {
        return false;
    };
    let of_the_api = reqwest::Url::parse(api_base).is_ok_and(|base| {
        base.host_str() == url.host_str()
            && base.port_or_known_default() == url.port_or_known_default()
            && base.scheme() == url.scheme()
    });
    let of_meta = url.scheme() == "https"
        && url.username().is_empty()
        && url.password().is_none()
        && url.host_str().is_some_and(|host| {
            MEDIA_DOMAINS
                .iter()
                .any(|domain| host == *domain || host.ends_with(&format!(".{domain}")))
        });
    of_the_api || of_meta
}

/// Fetches a file a message carries: WhatsApp's through its media endpoint (a short-lived
/// link, then the file, both with the account's token), Messenger's and Instagram's from the
/// link in the message. At most `max` bytes.
pub async fn fetch_media(
    http: &reqwest::Client,
    sender: &Sender<'_>,
    media_id: Option<&str>,
    url: Option<&str>,
    max: usize,
) -> Result<Vec<u8>, SendError> {
    let base = sender.api_base.trim_end_matches('/');
    let (link, token) = match (sender.platform, media_id, url) {
        (Channel::Whatsapp, Some(id), _) => {
            let token = key(sender.secrets, "access_token")?;
            let answer = http
                .get(format!("{base}/{GRAPH_VERSION}/{id}"))
                .bearer_auth(token)
                .send()
                .await
                .map_err(|e| crate::transport_error(&e))?;
            if !answer.status().is_success() {
                return Err(fetch_failure(answer.status()));
            }
            let found: Value = answer
                .json()
                .await
                .map_err(|_| SendError::Unavailable("unreadable answer".into()))?;
            let link = found
                .get("url")
                .and_then(Value::as_str)
                .ok_or_else(|| SendError::Refused("no link to the file".into()))?
                .to_owned();
            (link, Some(token))
        }
        (_, _, Some(url)) => (url.to_owned(), None),
        _ => return Err(SendError::Refused("nowhere to fetch the file from".into())),
    };
    if !media_link_allowed(&link, base) {
        return Err(SendError::Refused("a file link outside Meta".into()));
    }
    let mut request = http.get(&link);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .map_err(|e| crate::transport_error(&e))?;
    if !response.status().is_success() {
        return Err(fetch_failure(response.status()));
    }
    read_limited(response, max).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_fetched_only_from_meta_or_the_accounts_own_api() {
        let graph = "https://graph.facebook.com";
        for link in [
            "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",
            "https://scontent.xx.fbcdn.net/v/t1.15752-9/1.jpg",
            "https://scontent-sin6-1.cdninstagram.com/v/1.jpg",
            "https://mmg.whatsapp.net/d/f/1.enc",
        ] {
            assert!(media_link_allowed(link, graph), "{link}");
        }
        for link in [
            "https://evil.example/fbcdn.net/1.jpg",
            "https://fbcdn.net.evil.example/1.jpg",
            "http://scontent.xx.fbcdn.net/1.jpg",
            "https://user:pw@scontent.xx.fbcdn.net/1.jpg",
            "https://127.0.0.1:9/1.jpg",
            "not a link",
        ] {
            assert!(!media_link_allowed(link, graph), "{link}");
        }
        let stand_in = "http://127.0.0.1:40123";
        assert!(media_link_allowed(
            "http://127.0.0.1:40123/media/1",
            stand_in
        ));
        assert!(!media_link_allowed(
            "http://127.0.0.1:40124/media/1",
            stand_in
        ));
    }
}
