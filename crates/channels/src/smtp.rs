//! Mail out through an SMTP relay, configured by URL as lettre reads it:
//! `smtps://user:password@host:465`, `smtp://host:587?tls=required`, or `smtp://127.0.0.1:25`
//! for a relay on the same machine.

use crate::{Outgoing, SendError};
use hotline_domain::platform::LOOPBACK_HOSTS;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
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

    /// The relay of an e-mail account (`smtp_host`, `smtp_port`, `smtp_security`: `starttls`
    /// by default, `tls`, or `plain` to this machine only; `smtp_user`, `smtp_password`), from
    /// its published address (`email_address`).
    pub fn for_account(
        secrets: &std::collections::BTreeMap<String, String>,
    ) -> Result<Self, SendError> {
        let get = |k: &str| secrets.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let host = get("smtp_host").ok_or(SendError::NotConfigured)?;
        let from = get("email_address").ok_or(SendError::NotConfigured)?;
        let security = get("smtp_security").unwrap_or("starttls");
        let tls = || {
            TlsParameters::new(host.to_owned())
                .map_err(|e| SendError::Refused(format!("SMTP TLS: {e}")))
        };
        let (tls, default_port) = match security {
            "tls" => (Tls::Wrapper(tls()?), 465),
            "starttls" => (Tls::Required(tls()?), 587),
            "plain" if LOOPBACK_HOSTS.contains(&host) => (Tls::None, 25),
            _ => {
                return Err(SendError::Refused(
                    "SMTP without TLS is only allowed to this machine".into(),
                ));
            }
        };
        let port = match get("smtp_port") {
            Some(p) => p
                .parse()
                .map_err(|_| SendError::Refused("smtp_port".into()))?,
            None => default_port,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(crate::REQUEST_TIMEOUT));
        if let (Some(user), Some(password)) = (get("smtp_user"), get("smtp_password")) {
            builder = builder.credentials(Credentials::new(user.to_owned(), password.to_owned()));
        }
        let from = from
            .parse()
            .map_err(|_| SendError::Refused("the sender address cannot be read".into()))?;
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Answers a citizen's mail: a reply to it (`In-Reply-To`, `References`) under the subject
    /// given; its `Message-ID`, without brackets.
    pub async fn reply(&self, outgoing: &Outgoing<'_>) -> Result<String, SendError> {
        let thread = outgoing.in_reply_to.map(|id| format!("<{id}>"));
        let id = self
            .deliver(
                outgoing.to,
                outgoing.subject.unwrap_or("Hotline"),
                outgoing.text,
                thread.as_deref(),
            )
            .await?;
        Ok(id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_owned())
    }

    /// Sends a plain-text mail; its `Message-ID`.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<String, SendError> {
        self.deliver(to, subject, body, None).await
    }

    async fn deliver(
        &self,
        to: &str,
        subject: &str,
        body: &str,
        in_reply_to: Option<&str>,
    ) -> Result<String, SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| SendError::Refused("the recipient address cannot be read".into()))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN);
        if let Some(id) = in_reply_to {
            builder = builder.in_reply_to(id.to_owned()).references(id.to_owned());
        }
        let message = builder
            .body(body.to_owned())
            .map_err(|e| SendError::Refused(format!("the mail cannot be built: {e}")))?;
        let id = message
            .headers()
            .get_raw("Message-ID")
            .unwrap_or_default()
            .to_owned();
        match self.transport.send(message).await {
            Ok(_) => Ok(id),
            // A relay's words often name the recipient: never kept.
            Err(e) if e.is_permanent() => Err(SendError::Refused(format!(
                "SMTP: {}",
                crate::email::without_addresses(&e.to_string())
            ))),
            Err(e) => Err(SendError::Unavailable(format!(
                "SMTP: {}",
                crate::email::without_addresses(&e.to_string())
            ))),
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
