//! Sending what officers (and the acknowledgement) say to reporters on their platform. Each
//! queued message is claimed, opened with its report's key, addressed from the report's sealed
//! reply address and sent by the account it came in on, within the platform's rules: WhatsApp
//! answers freely for 24 hours after the citizen's last message (then only approved templates,
//! not sent from here), Messenger and Instagram for 24 hours and, with the `HUMAN_AGENT` tag,
//! up to 7 days; Zalo's consultation messages for 7 days (after that Zalo refuses with -230,
//! and the officer is told so rather than the message tried again). A Zalo access token that
//! has expired is refreshed once, the rotated refresh token kept before the new token is
//! used. A platform that asks to slow down is waited for as long as it says; one that
//! fails is tried again later, waits growing, with jitter, and after the last try the message
//! is marked failed with the platform's words, shown to the officer.

use crate::channels::ReplyAddress;
use crate::intake::{MESSAGE_TEXT, REPLY_ADDRESS};
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Duration, Utc};
use hotline_channels::SendError;
use hotline_channels::{Outgoing, Sender, platforms};
use hotline_domain::AuditAction;
use hotline_domain::Channel;
use hotline_store::{OutboundMessage, SendOutcome, Visibility};
use rand::Rng;

/// The channels whose messages leave by this job.
pub const PLATFORM_CHANNELS: [Channel; 10] = [
    Channel::Whatsapp,
    Channel::Messenger,
    Channel::Instagram,
    Channel::Threads,
    Channel::Zalo,
    Channel::Telegram,
    Channel::Tiktok,
    Channel::X,
    Channel::Email,
    Channel::Sms,
];
/// Messages taken up per pass.
const SEND_PER_PASS: u32 = 50;
/// How long a sender holds a message it took.
const CLAIM: Duration = Duration::minutes(2);
/// Waits after the first, second… failure; after the last, the message has failed.
const BACKOFF: [Duration; 5] = [
    Duration::seconds(30),
    Duration::minutes(2),
    Duration::minutes(10),
    Duration::hours(1),
    Duration::hours(6),
];
/// Times a platform may ask to slow down before the message counts as failed.
const MOST_ATTEMPTS: u32 = 12;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxPass {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// A wait of `base`, give or take a fifth, so that many retries do not come back together.
fn jittered(base: Duration) -> Duration {
    let millis = base.num_milliseconds();
    let spread = millis / 5;
    base + Duration::milliseconds(rand::thread_rng().gen_range(-spread..=spread))
}

impl Hotline {
    /// One pass over the queued messages of platform reports.
    pub async fn run_outbox(&self) -> CoreResult<OutboxPass> {
        let now = self.clock.now();
        let mut pass = OutboxPass::default();
        for message in self
            .store
            .outbound_due(&PLATFORM_CHANNELS, now, SEND_PER_PASS)
            .await?
        {
            if !self
                .store
                .claim_outbound(message.id, message.next_at, now + CLAIM)
                .await?
            {
                continue;
            }
            let outcome = match self.send_one(&message).await {
                Ok(outcome) => outcome,
                // Ours, not the platform's (the store, a key): tried again like a platform
                // that is down.
                Err(e) => match BACKOFF.get(message.attempts as usize) {
                    Some(wait) => SendOutcome::Retry {
                        next_at: retry_at(now, *wait),
                        error: e.to_string(),
                    },
                    None => SendOutcome::Failed {
                        account: None,
                        error: e.to_string(),
                    },
                },
            };
            match &outcome {
                SendOutcome::Sent { .. } => pass.sent += 1,
                SendOutcome::Retry { error, .. } => {
                    pass.retried += 1;
                    tracing::warn!(message = message.id.0, %error, "not sent this time");
                }
                SendOutcome::Failed { error, .. } => {
                    pass.failed += 1;
                    tracing::warn!(message = message.id.0, %error, "could not be sent");
                }
                SendOutcome::Expired { error, .. } => {
                    pass.failed += 1;
                    tracing::warn!(message = message.id.0, %error, "could not be sent, nor those after it");
                }
            }
            self.store.finish_outbound(message.id, &outcome).await?;
        }
        Ok(pass)
    }

    async fn send_one(&self, message: &OutboundMessage) -> CoreResult<SendOutcome> {
        let failed = |error: &str| {
            Ok(SendOutcome::Failed {
                account: None,
                error: error.to_owned(),
            })
        };
        let detail = self
            .store
            .report(&Visibility::Subtree("/".into()), &message.case_number)
            .await?;
        let key = self
            .data_key(&detail.summary)?
            .ok_or_else(|| CoreError::Internal("a report without a data key".into()))?;
        let Some(sealed) = self.store.reply_sealed(message.report).await? else {
            return failed("the report has no platform address to answer to");
        };
        let address: ReplyAddress = key
            .open(&sealed, REPLY_ADDRESS)
            .ok()
            .and_then(|plain| serde_json::from_slice(&plain).ok())
            .ok_or_else(|| CoreError::Internal("a reply address does not open".into()))?;
        let text = key
            .open(&message.body_sealed, MESSAGE_TEXT)
            .ok()
            .and_then(|plain| String::from_utf8(plain).ok())
            .ok_or_else(|| CoreError::Internal("a message does not open".into()))?;
        let account = self.store.channel_account_by_id(address.account_id).await?;
        if account.disabled {
            return failed("the account is disconnected");
        }
        let secrets = self.account_secrets(&account)?;
        let name = account.name.as_str().to_owned();
        let now = self.clock.now();
        let since_citizen = self
            .store
            .last_inbound_at(message.report)
            .await?
            .map_or(Duration::MAX, |last| now - last);
        let human_agent = match account.platform {
            Channel::Whatsapp if since_citizen > Duration::hours(24) => {
                return self
                    .ask_to_write_back(message, &account, &secrets, &address.to)
                    .await;
            }
            Channel::Messenger | Channel::Instagram if since_citizen > Duration::days(7) => {
                return failed("more than 7 days after the citizen's last message");
            }
            Channel::Messenger | Channel::Instagram => since_citizen > Duration::hours(24),
            Channel::Zalo if since_citizen > Duration::days(7) => {
                return failed(ZALO_WINDOW);
            }
            _ => false,
        };
        let to = if address.public {
            address.in_reply_to.as_str()
        } else {
            address.to.as_str()
        };
        let subject = reply_subject(address.subject.as_deref(), message.case_number.as_str());
        let outgoing = Outgoing {
            to,
            text: &text,
            human_agent,
            subject: Some(&subject),
            in_reply_to: Some(&address.in_reply_to),
        };
        let mut sent = self
            .send_through(&account, &secrets, &outgoing, address.public)
            .await;
        if let Err(SendError::TokenExpired(why)) = &sent {
            sent = match self.refreshed_secrets(&account, &secrets).await? {
                Refreshed::Fresh(fresh) => {
                    self.send_through(&account, &fresh, &outgoing, address.public)
                        .await
                }
                Refreshed::Unavailable(e) => Err(SendError::Unavailable(format!(
                    "renewing the access token: {e}"
                ))),
                Refreshed::Refused(e) => Err(SendError::TokenExpired(format!("{why}; {e}"))),
            };
        }
        Ok(match sent {
            Ok(sent_id) => SendOutcome::Sent {
                account: account.name.as_str().to_owned(),
                sent_id: self.platform_id(&account, &sent_id),
            },
            Err(SendError::RateLimited(wait)) if message.attempts + 1 < MOST_ATTEMPTS => {
                SendOutcome::Retry {
                    next_at: now + Duration::from_std(wait).unwrap_or(Duration::minutes(1)),
                    error: format!("rate limited: retry after {} s", wait.as_secs()),
                }
            }
            Err(SendError::Unavailable(error)) => match BACKOFF.get(message.attempts as usize) {
                Some(wait) => SendOutcome::Retry {
                    next_at: retry_at(now, *wait),
                    error,
                },
                None => SendOutcome::Failed {
                    account: Some(name.clone()),
                    error,
                },
            },
            Err(SendError::NotConfigured) => SendOutcome::Failed {
                account: Some(name.clone()),
                error: "the account has no keys to answer with".into(),
            },
            Err(SendError::TokenExpired(why)) => SendOutcome::Failed {
                account: Some(name.clone()),
                error: format!(
                    "{why}: the account's access token must be renewed (reconnect the account)"
                ),
            },
            Err(e) => SendOutcome::Failed {
                account: Some(name.clone()),
                error: e.to_string(),
            },
        })
    }
}

impl Hotline {
    async fn send_through(
        &self,
        account: &hotline_store::ChannelAccount,
        secrets: &std::collections::BTreeMap<String, String>,
        outgoing: &Outgoing<'_>,
        public: bool,
    ) -> Result<String, SendError> {
        let api_base = self.api_base_of(account).ok_or_else(|| {
            SendError::Refused(
                "the account's API address is not allowed (allow_custom_api_base)".into(),
            )
        })?;
        let sender = Sender {
            platform: account.platform,
            api_base,
            secrets,
        };
        platforms::send(&self.http, &sender, outgoing, (public, self.clock.now())).await
    }

    /// Fresh credentials for an account whose access token has expired, kept before they are
    /// used: Zalo replaces the refresh token on each use, so losing the new one would lock the
    /// account out. Another node may have refreshed first: its credentials are used.
    async fn refreshed_secrets(
        &self,
        account: &hotline_store::ChannelAccount,
        used: &Secrets,
    ) -> CoreResult<Refreshed> {
        if account.platform != Channel::Zalo {
            return Ok(Refreshed::Refused(
                "the platform's tokens are not renewed here".into(),
            ));
        }
        let current = self.store.channel_account_by_id(account.id).await?;
        let stored = self.account_secrets(&current)?;
        if stored.get("access_token") != used.get("access_token") {
            return Ok(Refreshed::Fresh(stored));
        }
        let Some(api_base) = self.api_base_of(&current) else {
            return Ok(Refreshed::Refused(
                "the account's API address is not allowed (allow_custom_api_base)".into(),
            ));
        };
        let tokens = match hotline_channels::zalo::refresh(&self.http, api_base, &stored).await {
            Ok(tokens) => tokens,
            Err(e @ (SendError::Unavailable(_) | SendError::RateLimited(_))) => {
                return Ok(Refreshed::Unavailable(e.to_string()));
            }
            Err(e) => {
                // Refused: perhaps because another node spent the refresh token first.
                let again = self.store.channel_account_by_id(account.id).await?;
                let theirs = self.account_secrets(&again)?;
                if theirs.get("access_token") != used.get("access_token") {
                    return Ok(Refreshed::Fresh(theirs));
                }
                return Ok(Refreshed::Refused(e.to_string()));
            }
        };
        let spent = stored.get("refresh_token").cloned();
        let (mut expected, mut base) = (current.secrets_sealed, stored);
        for _ in 0..KEEP_TOKEN_TRIES {
            let mut fresh = base.clone();
            fresh.insert("access_token".into(), tokens.access_token.clone());
            fresh.insert("refresh_token".into(), tokens.refresh_token.clone());
            let sealed = self.seal_account_secrets(account, &fresh)?;
            match self
                .store
                .replace_channel_secrets(account.id, &expected, &sealed)
                .await
            {
                Ok(true) => {
                    self.audit(
                        None,
                        AuditAction::ChannelTokenRefreshed,
                        &format!("{}/{}", account.platform, account.name),
                        &format!("expires_in={}", tokens.expires_in_secs),
                    )
                    .await?;
                    return Ok(Refreshed::Fresh(fresh));
                }
                Ok(false) => {
                    // Changed meanwhile. Still holding the refresh token just spent (an
                    // administrator changed another key): the new pair goes over it. Otherwise
                    // another node refreshed: theirs are kept.
                    let now = self.store.channel_account_by_id(account.id).await?;
                    let theirs = self.account_secrets(&now)?;
                    if theirs.get("refresh_token") != spent.as_ref() {
                        return Ok(Refreshed::Fresh(theirs));
                    }
                    (expected, base) = (now.secrets_sealed, theirs);
                }
                Err(e) => {
                    // The only copy of the new refresh token is in hand: try the write again.
                    tracing::error!(account = %account.name, error = %e, "the renewed token was not kept yet");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
            }
        }
        Err(CoreError::Internal(format!(
            "the renewed token of {}/{} could not be kept: the account must be reconnected",
            account.platform, account.name
        )))
    }

    /// Past WhatsApp's window an answer cannot be sent as it is: the account's approved
    /// template asks the citizen to write back (once), and the answer waits for their next
    /// message, which opens the window again, for up to 7 days. Answers written meanwhile wait
    /// behind it (in order) and, if the citizen stays silent, fail with it.
    async fn ask_to_write_back(
        &self,
        message: &OutboundMessage,
        account: &hotline_store::ChannelAccount,
        secrets: &std::collections::BTreeMap<String, String>,
        to: &str,
    ) -> CoreResult<SendOutcome> {
        let failed = |error: String| {
            Ok(SendOutcome::Failed {
                account: Some(account.name.as_str().to_owned()),
                error,
            })
        };
        let Some(template) = secrets.get("reengage_template") else {
            return failed(
                "outside WhatsApp's 24-hour window: only an approved template may be sent".into(),
            );
        };
        if message.attempts > 0 {
            return Ok(SendOutcome::Expired {
                account: account.name.as_str().to_owned(),
                error: "the citizen did not write back within 7 days of the template".into(),
            });
        }
        let language = secrets
            .get("template_language")
            .map_or("vi", String::as_str);
        let Some(api_base) = self.api_base_of(account) else {
            return Ok(SendOutcome::Failed {
                account: Some(account.name.as_str().to_owned()),
                error: "the account's API address is not allowed (allow_custom_api_base)".into(),
            });
        };
        let sender = Sender {
            platform: account.platform,
            api_base,
            secrets,
        };
        match hotline_channels::meta::send_template(
            &self.http,
            &sender,
            to,
            (template, language),
            message.case_number.as_str(),
        )
        .await
        {
            Ok(_) => Ok(SendOutcome::Retry {
                next_at: self.clock.now() + Duration::days(7),
                error: format!("{WAITING_FOR_CITIZEN} (template {template} sent)"),
            }),
            Err(SendError::Unavailable(error)) => Ok(SendOutcome::Retry {
                next_at: retry_at(self.clock.now(), BACKOFF[0]),
                error,
            }),
            Err(e) => failed(format!("the template was not sent: {e}")),
        }
    }
}

/// The subject of an answer by mail: the citizen's, as a reply, carrying the case number (so
/// that their next mail names it).
fn reply_subject(original: Option<&str>, case: &str) -> String {
    match original.map(str::trim).filter(|s| !s.is_empty()) {
        Some(subject) => {
            let reply = if subject.to_lowercase().starts_with("re:") {
                subject.to_owned()
            } else {
                format!("Re: {subject}")
            };
            if reply.contains(case) {
                reply
            } else {
                format!("{reply} [{case}]")
            }
        }
        None => format!("Tin báo {case}"),
    }
}

/// An account's credentials by key.
type Secrets = std::collections::BTreeMap<String, String>;

/// Times the renewed token is written before giving up (each a compare-and-set).
const KEEP_TOKEN_TRIES: usize = 5;

/// What renewing an expired access token gave.
enum Refreshed {
    Fresh(Secrets),
    /// The token server could not be reached: the answer waits and tries again.
    Unavailable(String),
    /// Refused: the account must be reconnected.
    Refused(String),
}

/// Why an answer on Zalo was not sent, past its window.
pub const ZALO_WINDOW: &str = "more than 7 days after the citizen's last message: Zalo allows \
     no consultation message until they write to the OA again";

/// What an answer waiting past WhatsApp's window says of itself.
pub const WAITING_FOR_CITIZEN: &str =
    "outside WhatsApp's 24-hour window: waiting for the citizen to write back";

fn retry_at(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    now + jittered(wait)
}
