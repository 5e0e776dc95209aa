//! Mail out through an SMTP relay, configured by URL as lettre reads it:
//! `smtps://user:password@host:465`, `smtp://host:587?tls=required`, or `smtp://127.0.0.1:25`
//! for a relay on the same machine.

use crate::SendError;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// A relay and the address mail comes from. `Debug` leaves the relay's credentials out.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    pub fn new(url: &str, from: &str) -> Result<Self, SendError> {
        if url.is_empty() || from.is_empty() {
            return Err(SendError::NotConfigured);
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| SendError::Refused("the SMTP URL cannot be read".into()))?
            .timeout(Some(crate::REQUEST_TIMEOUT))
            .build();
        let from = from
            .parse()
            .map_err(|_| SendError::Refused("the sender address cannot be read".into()))?;
        Ok(Self { transport, from })
    }

    /// Sends a plain-text mail; its `Message-ID`.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<String, SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| SendError::Refused("the recipient address cannot be read".into()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| SendError::Refused(format!("the mail cannot be built: {e}")))?;
        let id = message
            .headers()
            .get_raw("Message-ID")
            .unwrap_or_default()
            .to_owned();
        match self.transport.send(message).await {
            Ok(_) => Ok(id),
            Err(e) if e.is_permanent() => Err(SendError::Refused(format!("SMTP: {e}"))),
            Err(e) => Err(SendError::Unavailable(format!("SMTP: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    #[tokio::test]
    async fn a_relay_that_is_down_is_unavailable() {
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let mailer = Mailer::new(
            &format!("smtp://127.0.0.1:{port}"),
            "Hotline <hotline@example.invalid>",
        )
        .unwrap();
        assert!(matches!(
            mailer
                .send("duty@example.invalid", "Tin khẩn", "Có tin khẩn")
                .await,
            Err(SendError::Unavailable(_))
        ));
    }

    #[test]
    fn bad_settings_are_refused_before_anything_is_sent() {
        assert!(matches!(
            Mailer::new("", "a@example.invalid"),
            Err(SendError::NotConfigured)
        ));
        assert!(matches!(
            Mailer::new("ftp://nowhere", "a@example.invalid"),
            Err(SendError::Refused(_))
        ));
    }
}
