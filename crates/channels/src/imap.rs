//! A mailbox read over IMAP: TLS (or STARTTLS; plain only to this machine), a password or
//! OAuth 2.0 (`XOAUTH2`), the folder selected with its `UIDVALIDITY`, new mail fetched by UID
//! without marking it read, a keyword set on each mail once it is kept here, and IDLE to hear
//! of new mail at once (a poll where the server has no IDLE).

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use hotline_domain::platform::LOOPBACK_HOSTS;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::SendError;

/// The keyword set on a mail once it is kept here.
pub const PROCESSED: &str = "$HotlineProcessed";
/// How long connecting, logging in or one command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Mails fetched per command (few, so that large ones fit the command's time).
const FETCH_BATCH: usize = 5;
/// How long fetching a batch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(300);

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Tls,
    StartTls,
    /// Only to this machine.
    Plain,
}

#[derive(Clone)]
enum Credential {
    Password(String),
    OAuth(String),
}

/// Where a mailbox is and how to get in. `Debug` shows no credential.
#[derive(Clone)]
pub struct MailboxSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    credential: Credential,
    pub folder: String,
    /// A certificate authority (PEM) trusted besides the public ones: a mail server with its
    /// own.
    ca_pem: Option<String>,
}

impl std::fmt::Debug for MailboxSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

impl MailboxSettings {
    /// Reads an e-mail account's settings.
    pub fn from_secrets(secrets: &BTreeMap<String, String>) -> Result<Self, SendError> {
        let get = |k: &str| secrets.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let security = match get("imap_security").unwrap_or("tls") {
            "tls" => Security::Tls,
            "starttls" => Security::StartTls,
            "plain" => Security::Plain,
            other => return Err(SendError::Refused(format!("imap_security {other}"))),
        };
        let host = get("imap_host").ok_or(SendError::NotConfigured)?.to_owned();
        if security == Security::Plain && !LOOPBACK_HOSTS.contains(&host.as_str()) {
            return Err(SendError::Refused(
                "IMAP without TLS is only allowed to this machine".into(),
            ));
        }
        let port = match get("imap_port") {
            Some(p) => p
                .parse()
                .map_err(|_| SendError::Refused("imap_port".into()))?,
            None if security == Security::Tls => 993,
            None => 143,
        };
        let credential = match (get("imap_oauth_token"), get("imap_password")) {
            (Some(token), _) => Credential::OAuth(token.to_owned()),
            (None, Some(password)) => Credential::Password(password.to_owned()),
            (None, None) => return Err(SendError::NotConfigured),
        };
        Ok(Self {
            host,
            port,
            security,
            user: get("imap_user").ok_or(SendError::NotConfigured)?.to_owned(),
            credential,
            folder: get("imap_folder").unwrap_or("INBOX").to_owned(),
            ca_pem: get("imap_ca_pem").map(str::to_owned),
        })
    }
}

/// The connection, plain (to this machine) or encrypted.
#[derive(Debug)]
pub enum Connection {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> SendError {
    SendError::Unavailable(format!("IMAP {what}: {e}"))
}

async fn timed<T, E: std::fmt::Display>(
    what: &str,
    future: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, SendError> {
    match tokio::time::timeout(COMMAND_TIMEOUT, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(unavailable(what, e)),
        Err(_) => Err(unavailable(what, "timed out")),
    }
}

fn tls_connector(ca_pem: Option<&str>) -> Result<tokio_rustls::TlsConnector, SendError> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = ca_pem {
        for cert in rustls_pki_types::CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|_| SendError::Refused("imap_ca_pem cannot be read".into()))?;
            roots
                .add(cert)
                .map_err(|_| SendError::Refused("imap_ca_pem is not a certificate".into()))?;
        }
    }
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| SendError::Refused(format!("TLS: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

async fn encrypt(
    tcp: TcpStream,
    settings: &MailboxSettings,
) -> Result<Box<TlsStream<TcpStream>>, SendError> {
    let name = rustls_pki_types::ServerName::try_from(settings.host.clone())
        .map_err(|_| SendError::Refused("imap_host is not a host name".into()))?;
    let stream = timed(
        "TLS",
        tls_connector(settings.ca_pem.as_deref())?.connect(name, tcp),
    )
    .await?;
    Ok(Box::new(stream))
}

struct XOAuth2<'a> {
    user: &'a str,
    token: &'a str,
}

impl async_imap::Authenticator for XOAuth2<'_> {
    type Response = String;

    fn process(&mut self, _challenge: &[u8]) -> String {
        format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token)
    }
}

/// An open mailbox, its folder selected.
pub struct Mailbox {
    session: Session<Connection>,
    uid_validity: u32,
    idle: bool,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("uid_validity", &self.uid_validity)
            .finish_non_exhaustive()
    }
}

fn uid_set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl Mailbox {
    /// Connects, logs in and selects the folder.
    pub async fn open(settings: &MailboxSettings) -> Result<Self, SendError> {
        let tcp = timed(
            "connect",
            TcpStream::connect((settings.host.as_str(), settings.port)),
        )
        .await?;
        let mut client = match settings.security {
            Security::Tls => Client::new(Connection::Tls(encrypt(tcp, settings).await?)),
            Security::Plain | Security::StartTls => Client::new(Connection::Plain(tcp)),
        };
        timed("greeting", async {
            client
                .read_response()
                .await
                .and_then(|r| r.ok_or_else(|| std::io::Error::other("no greeting")))
        })
        .await?;
        if settings.security == Security::StartTls {
            timed(
                "STARTTLS",
                client.run_command_and_check_ok("STARTTLS", None),
            )
            .await?;
            let Connection::Plain(tcp) = client.into_inner() else {
                return Err(unavailable("STARTTLS", "already encrypted"));
            };
            client = Client::new(Connection::Tls(encrypt(tcp, settings).await?));
        }
        let login = async {
            match &settings.credential {
                Credential::Password(password) => client
                    .login(&settings.user, password)
                    .await
                    .map_err(|(e, _)| e),
                Credential::OAuth(token) => client
                    .authenticate(
                        "XOAUTH2",
                        XOAuth2 {
                            user: &settings.user,
                            token,
                        },
                    )
                    .await
                    .map_err(|(e, _)| e),
            }
        };
        let mut session = match tokio::time::timeout(COMMAND_TIMEOUT, login).await {
            Ok(Ok(session)) => session,
            Ok(Err(async_imap::error::Error::No(why) | async_imap::error::Error::Bad(why))) => {
                return Err(SendError::Refused(format!(
                    "the mail server refused the login: {why}"
                )));
            }
            Ok(Err(e)) => return Err(unavailable("login", e)),
            Err(_) => return Err(unavailable("login", "timed out")),
        };
        let idle = timed("CAPABILITY", session.capabilities())
            .await?
            .has_str("IDLE");
        let selected = timed("SELECT", session.select(&settings.folder)).await?;
        let uid_validity = selected
            .uid_validity
            .ok_or_else(|| unavailable("SELECT", "no UIDVALIDITY"))?;
        Ok(Self {
            session,
            uid_validity,
            idle,
        })
    }

    /// The folder's `UIDVALIDITY`: UIDs are only comparable under the same.
    pub fn uid_validity(&self) -> u32 {
        self.uid_validity
    }

    async fn search(&mut self, query: &str) -> Result<Vec<u32>, SendError> {
        let mut uids: Vec<u32> = timed("SEARCH", self.session.uid_search(query))
            .await?
            .into_iter()
            .collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// The mails after UID `after` not yet kept here, oldest first, at most a batch: each with
    /// its UID and raw bytes (fetched without marking it read).
    pub async fn new_mail(&mut self, after: u32) -> Result<Vec<(u32, Vec<u8>)>, SendError> {
        let mut uids = self
            .search(&format!("UID {}:* UNKEYWORD {PROCESSED}", after + 1))
            .await?;
        // `n:*` always includes the highest UID, even below `n`.
        uids.retain(|uid| *uid > after);
        uids.truncate(FETCH_BATCH);
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let fetch = async {
            self.session
                .uid_fetch(uid_set(&uids), "(UID BODY.PEEK[])")
                .await?
                .try_collect::<Vec<_>>()
                .await
        };
        let fetched = match tokio::time::timeout(FETCH_TIMEOUT, fetch).await {
            Ok(Ok(fetched)) => fetched,
            Ok(Err(e)) => return Err(unavailable("FETCH", e)),
            Err(_) => return Err(unavailable("FETCH", "timed out")),
        };
        let mut mails: Vec<(u32, Vec<u8>)> = fetched
            .iter()
            .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
            .collect();
        mails.sort_by_key(|(uid, _)| *uid);
        // Every mail asked for, or none: the cursor moves past what is kept, and a mail the
        // server did not give (expunged meanwhile, or unreadable) must not be passed over.
        let given: Vec<u32> = mails.iter().map(|(uid, _)| *uid).collect();
        if given != uids {
            return Err(unavailable(
                "FETCH",
                format!("asked for {} mails, given {}", uids.len(), given.len()),
            ));
        }
        Ok(mails)
    }

    /// Mails up to UID `up_to` kept here but not yet marked (a crash came between).
    pub async fn unmarked(&mut self, up_to: u32) -> Result<Vec<u32>, SendError> {
        if up_to == 0 {
            return Ok(Vec::new());
        }
        self.search(&format!("UID 1:{up_to} UNKEYWORD {PROCESSED}"))
            .await
    }

    /// Marks mails as kept here.
    pub async fn mark(&mut self, uids: &[u32]) -> Result<(), SendError> {
        self.keyword(uids, '+').await
    }

    /// Sets (`+`) or removes (`-`) the keyword on mails.
    async fn keyword(&mut self, uids: &[u32], change: char) -> Result<(), SendError> {
        if uids.is_empty() {
            return Ok(());
        }
        timed("STORE", async {
            self.session
                .uid_store(uid_set(uids), format!("{change}FLAGS.SILENT ({PROCESSED})"))
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await?;
        Ok(())
    }

    /// Waits up to `wait` for new mail: IDLE where the server has it, else a pause and a NOOP.
    pub async fn wait(self, wait: Duration) -> Result<Self, SendError> {
        let Self {
            mut session,
            uid_validity,
            idle,
        } = self;
        if idle {
            let mut handle = session.idle();
            timed("IDLE", handle.init()).await?;
            let (heard, _stop) = handle.wait_with_timeout(wait);
            heard.await.map_err(|e| unavailable("IDLE", e))?;
            session = timed("DONE", handle.done()).await?;
        } else {
            tokio::time::sleep(wait).await;
            timed("NOOP", session.noop()).await?;
        }
        Ok(Self {
            session,
            uid_validity,
            idle,
        })
    }

    /// Adds a mail to the folder (the operator's tools and tests deliver this way).
    pub async fn append(&mut self, folder: &str, raw: &[u8]) -> Result<(), SendError> {
        timed("APPEND", self.session.append(folder, None, None, raw)).await
    }

    /// Removes the keyword from mails (tests make a crash's window this way).
    pub async fn unmark(&mut self, uids: &[u32]) -> Result<(), SendError> {
        self.keyword(uids, '-').await
    }

    /// The UIDs of every mail in the folder and whether each is marked kept.
    pub async fn marks(&mut self) -> Result<Vec<(u32, bool)>, SendError> {
        let all = self.search("ALL").await?;
        let marked = self.search(&format!("KEYWORD {PROCESSED}")).await?;
        Ok(all
            .into_iter()
            .map(|uid| (uid, marked.contains(&uid)))
            .collect())
    }

    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.session.logout()).await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<MailboxSettings, SendError> {
        MailboxSettings::from_secrets(
            &pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn settings_default_to_tls_and_keep_credentials_out_of_logs() {
        let read = settings(&[
            ("imap_host", "imap.gmail.com"),
            ("imap_user", "tiepnhan@example.vn"),
            ("imap_password", "app-password-123"),
        ])
        .unwrap();
        assert_eq!((read.port, read.security), (993, Security::Tls));
        assert_eq!(read.folder, "INBOX");
        assert!(!format!("{read:?}").contains("app-password-123"));
        let starttls = settings(&[
            ("imap_host", "mail.example.vn"),
            ("imap_user", "u"),
            ("imap_oauth_token", "ya29.token"),
            ("imap_security", "starttls"),
        ])
        .unwrap();
        assert_eq!(starttls.port, 143);
        assert!(
            settings(&[
                ("imap_host", "mail.example.vn"),
                ("imap_user", "u"),
                ("imap_password", "p"),
                ("imap_security", "plain"),
            ])
            .is_err(),
            "no password in the clear over the network"
        );
        assert!(settings(&[("imap_host", "h"), ("imap_user", "u")]).is_err());
    }

    #[tokio::test]
    async fn a_server_that_is_down_is_unavailable() {
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = closed.local_addr().unwrap().port().to_string();
        drop(closed);
        let down = settings(&[
            ("imap_host", "127.0.0.1"),
            ("imap_port", &port),
            ("imap_user", "u"),
            ("imap_password", "p"),
            ("imap_security", "plain"),
        ])
        .unwrap();
        assert!(matches!(
            Mailbox::open(&down).await,
            Err(SendError::Unavailable(_))
        ));
    }
}
