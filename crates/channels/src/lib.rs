//! Adapters to the platforms messages leave by. Each speaks its platform's documented wire
//! format and nothing else: which message to send, to whom and when is the use cases' business.
//! Every base URL is configurable so that tests (and operators behind a proxy) can point an
//! adapter at a local stand-in.

pub mod cti;
pub mod email;
pub mod imap;
pub mod meta;
pub mod platforms;
pub mod sms_gate;
pub mod smtp;
pub mod telegram;
pub mod tiktok;
mod wire;
pub mod x;
pub mod zalo;

use std::time::Duration;

/// The HTTP client adapters send with.
pub use reqwest::Client as HttpClient;

/// Why a message did not leave. None of these carries the recipient's address or the text.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The platform refused this message for good (a bad address, a blocked bot, a rejected
    /// recipient); sending it again the same way will not help.
    #[error("refused: {0}")]
    Refused(String),
    /// The platform could not be reached or failed; a later attempt may succeed.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The platform asked to slow down for this long.
    #[error("rate limited: retry after {} s", .0.as_secs())]
    RateLimited(Duration),
    /// This adapter has no credentials to send with.
    #[error("not configured")]
    NotConfigured,
    /// The platform no longer takes the access token; a fresh one may be had (Zalo's refresh
    /// token) or the account must be reconnected.
    #[error("the access token has expired or was revoked: {0}")]
    TokenExpired(String),
}

/// Why a delivery was refused before anything of it was kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no signature")]
    Missing,
    #[error("the signature does not match")]
    Mismatch,
    /// Signed too long ago (or ahead): a replay, or a clock far off.
    #[error("the signature is out of its time window")]
    Stale,
}

/// Why a delivery's body could not be taken apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable delivery: {0}")]
pub struct Unreadable(pub String);

/// An account's way out: its platform, API base and credentials.
pub struct Sender<'a> {
    pub platform: hotline_domain::Channel,
    pub api_base: &'a str,
    pub secrets: &'a std::collections::BTreeMap<String, String>,
}

/// One text to send.
pub struct Outgoing<'a> {
    /// The platform's id of the recipient (WhatsApp number or business-scoped id, PSID, IGSID,
    /// Zalo user id, Telegram chat, X user, TikTok conversation), or, for a public answer, the
    /// post answered.
    pub to: &'a str,
    pub text: &'a str,
    /// Past Messenger's and Instagram's 24-hour window, within 7 days: sent with the
    /// `HUMAN_AGENT` tag.
    pub human_agent: bool,
    /// A mail's subject.
    pub subject: Option<&'a str>,
    /// The citizen's message answered, for mail's `In-Reply-To` and `References`.
    pub in_reply_to: Option<&'a str>,
}

/// A credential of an account by name; `NotConfigured` when it has none.
pub(crate) fn key<'a>(
    secrets: &'a std::collections::BTreeMap<String, String>,
    name: &str,
) -> Result<&'a str, SendError> {
    secrets
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or(SendError::NotConfigured)
}

/// Reads an answer's body, refusing one longer than `max` bytes.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, SendError> {
    if response
        .content_length()
        .is_some_and(|length| length > max as u64)
    {
        return Err(SendError::Refused(format!("larger than {max} bytes")));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(&e))? {
        if bytes.len() + chunk.len() > max {
            return Err(SendError::Refused(format!("larger than {max} bytes")));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The failure of a file download by its status.
pub(crate) fn fetch_failure(status: reqwest::StatusCode) -> SendError {
    if status.is_server_error() || status.as_u16() == 429 {
        SendError::Unavailable(format!("the platform answered {status}"))
    } else {
        SendError::Refused(format!("the platform answered {status}"))
    }
}

/// Sends a JSON body; the platform's response, whatever its status.
pub(crate) async fn send_json(
    request: reqwest::RequestBuilder,
    body: &serde_json::Value,
) -> Result<reqwest::Response, SendError> {
    request
        .json(body)
        .send()
        .await
        .map_err(|e| transport_error(&e))
}

/// Downloads `url`, at most `max` bytes.
pub(crate) async fn download(
    request: reqwest::RequestBuilder,
    max: usize,
) -> Result<Vec<u8>, SendError> {
    let response = request.send().await.map_err(|e| transport_error(&e))?;
    if !response.status().is_success() {
        return Err(fetch_failure(response.status()));
    }
    read_limited(response, max).await
}

/// The host of an `https://` link, lowercase, as a URL parser reads it; `None` for any other
/// scheme, or a link with credentials or a port of its own.
pub(crate) fn https_host(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    let plain = url.scheme() == "https"
        && url.username().is_empty()
        && url.password().is_none()
        && url.port().is_none();
    plain.then(|| url.host_str().map(str::to_owned)).flatten()
}

/// A platform's id given as a JSON string or number (ids past 2^53 come as strings, and some
/// platforms send numbers: both read exactly, never through a float).
pub(crate) fn id_of(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

/// How long one request to a platform may take before it counts as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The HTTP client the adapters share: bounded in time, no redirects followed (a platform API
/// answers where it is asked; a redirect would carry the token elsewhere).
pub fn http_client() -> Result<reqwest::Client, SendError> {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SendError::Unavailable(format!("HTTP client: {e}")))
}

/// The failure of an HTTP exchange, without the URL (it may hold a token).
pub(crate) fn transport_error(e: &reqwest::Error) -> SendError {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_decode() {
        "unreadable answer"
    } else {
        "request failed"
    };
    SendError::Unavailable(kind.into())
}
