//! Adapters to the platforms messages leave by. Each speaks its platform's documented wire
//! format and nothing else: which message to send, to whom and when is the use cases' business.
//! Every base URL is configurable so that tests (and operators behind a proxy) can point an
//! adapter at a local stand-in.

pub mod meta;
pub mod sms_gate;
pub mod smtp;
pub mod telegram;

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
