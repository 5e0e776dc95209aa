//! Notifications outside the console: each alert, time-limit warning and daily digest is queued
//! in the outbox (in the same transaction as the alert itself), and this job sends it to its
//! member's addresses in the order they set: a channel that fails is recorded and the next one
//! is tried at once. When every channel fails the round is repeated later, a few times; the
//! console keeps every alert whatever happens outside it. The text says what happened and where
//! to look, never anything of the report's content or its reporter.

use crate::digest::Digest;
use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Duration, Timelike, Utc};
use hotline_channels::SendError;
use hotline_channels::sms_gate::{Gateway, Priority};
use hotline_channels::smtp::Mailer;
use hotline_channels::telegram::BotApi;
use hotline_domain::AuditAction;
use hotline_domain::notify::{MAX_ADDRESSES, NotificationKind, NotifyAddress, NotifyChannel};
use hotline_domain::{CaseNumber, DomainError, Role, Urgency, VIETNAM};
use hotline_store::{
    NewNotification, NotificationAttempt, NotificationOutcome, NotificationRecord,
    PendingNotification,
};

/// An account usually busy that received nothing for this long has gone quiet.
pub const SILENT_AFTER: Duration = Duration::hours(24);
/// Deliveries in the week before that make an account usually busy.
const USUALLY_BUSY: u32 = 10;
/// Answers failed in a day that make an account's sending a problem.
const FAILING_AFTER: u32 = 3;

/// How often the scans for digests and quiet channels run.
const SCAN_EVERY: Duration = Duration::minutes(10);
/// Notifications taken up per pass.
const SEND_PER_PASS: u32 = 100;
/// How long a sender holds a notification it took before another node may take it.
const CLAIM: Duration = Duration::minutes(2);
/// Waits before the second and third rounds over every channel; after the third, it failed.
const ROUND_WAITS: [Duration; 2] = [Duration::minutes(1), Duration::minutes(5)];

/// What a notification is about, for its wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum About<'a> {
    Alert {
        case: &'a CaseNumber,
        urgency: Option<Urgency>,
        level: u32,
    },
    DeadlineApproaching {
        case: &'a CaseNumber,
        due_at: Option<DateTime<Utc>>,
    },
    DeadlinePassed {
        case: &'a CaseNumber,
        due_at: Option<DateTime<Utc>>,
    },
    Digest(&'a Digest),
    Test,
    /// A channel account (`whatsapp/qn-whatsapp`) received nothing for `hours`.
    ChannelSilent {
        account: &'a str,
        hours: i64,
    },
    /// A channel account's answers keep failing.
    ChannelFailing {
        account: &'a str,
    },
}

/// A notification's text: a subject line (mail) and a body short enough for a text message
/// when it is about one report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    pub subject: String,
    pub body: String,
}

/// Words notifications in the officers' language; the web layer's catalogues do it.
pub trait Words: Send + Sync {
    /// The text about `about`, with `link` to the console page to act on.
    fn word(&self, about: &About<'_>, link: &str) -> Wording;
}

/// The channels this server can send by, and how it words what it sends.
pub struct Notifier {
    pub mailer: Option<Mailer>,
    pub telegram: Option<BotApi>,
    pub sms: Option<Gateway>,
    pub words: Box<dyn Words>,
    /// The console's address as officers reach it, e.g. `https://hotline.example.vn`.
    pub public_url: String,
    /// The hour (Vietnam time) from which each director's digest of the day before is sent.
    pub digest_hour: u32,
    /// When this node last looked for digests to queue and channels gone quiet: both read
    /// every member, so not on every pass.
    pub last_scan: std::sync::Mutex<Option<DateTime<Utc>>>,
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotifyPass {
    pub sent: usize,
    /// Sent, but not by the first channel.
    pub fell_back: usize,
    pub console_only: usize,
    /// Every channel failed this round.
    pub failed_rounds: usize,
    pub digests_queued: usize,
    /// Administrators told of a channel gone quiet or failing.
    pub channel_warnings: usize,
}

impl Notifier {
    /// Whether the daily scans are due at `now` (every `SCAN_EVERY`), marking them done if so.
    /// Several nodes may scan alike: what they queue is keyed, so it is queued once.
    fn scan_due(&self, now: DateTime<Utc>) -> bool {
        let mut last = self
            .last_scan
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let due = last.is_none_or(|at| now - at >= SCAN_EVERY || now < at);
        if due {
            *last = Some(now);
        }
        due
    }

    async fn send(
        &self,
        to: &NotifyAddress,
        wording: &Wording,
        urgent: bool,
    ) -> Result<(), SendError> {
        match to.channel {
            NotifyChannel::Email => {
                let mailer = self.mailer.as_ref().ok_or(SendError::NotConfigured)?;
                mailer
                    .send(to.address(), &wording.subject, &wording.body)
                    .await
                    .map(drop)
            }
            NotifyChannel::Telegram => {
                let bot = self.telegram.as_ref().ok_or(SendError::NotConfigured)?;
                let chat = to
                    .address()
                    .parse()
                    .map_err(|_| SendError::Refused("a bad chat id".into()))?;
                bot.send_message(chat, &format!("{}\n{}", wording.subject, wording.body))
                    .await
                    .map(drop)
            }
            NotifyChannel::Sms => {
                let gateway = self.sms.as_ref().ok_or(SendError::NotConfigured)?;
                let priority = if urgent {
                    Priority::Urgent
                } else {
                    Priority::Normal
                };
                gateway
                    .send(to.address(), &wording.body, priority)
                    .await
                    .map(drop)
            }
        }
    }
}

fn about(n: &PendingNotification) -> Option<About<'_>> {
    Some(match n.kind {
        NotificationKind::Alert => About::Alert {
            case: n.case_number.as_ref()?,
            urgency: n.urgency,
            level: n.level.unwrap_or_default(),
        },
        NotificationKind::DeadlineApproaching => About::DeadlineApproaching {
            case: n.case_number.as_ref()?,
            due_at: n.due_at,
        },
        NotificationKind::DeadlinePassed => About::DeadlinePassed {
            case: n.case_number.as_ref()?,
            due_at: n.due_at,
        },
        NotificationKind::Digest
        | NotificationKind::Test
        | NotificationKind::ChannelSilent
        | NotificationKind::ChannelFailing => About::Test,
    })
}

impl Hotline {
    /// The same service, sending notifications through `notifier`.
    pub fn with_notifier(mut self, notifier: Notifier) -> Self {
        self.notifier = Some(std::sync::Arc::new(notifier));
        self
    }

    /// One pass of the outbox: queues the directors' digests when their hour has come, then
    /// sends what is due. Safe on several nodes at once: each notification is claimed first.
    pub async fn run_notifications(&self) -> CoreResult<NotifyPass> {
        let Some(notifier) = self.notifier.clone() else {
            return Ok(NotifyPass::default());
        };
        let now = self.clock.now();
        let mut pass = NotifyPass::default();
        if notifier.scan_due(now) {
            pass.digests_queued = self.queue_digests(notifier.digest_hour).await?;
            pass.channel_warnings = self.check_channel_health().await?;
        }
        for due in self.store.due_notifications(now, SEND_PER_PASS).await? {
            if !self
                .store
                .claim_notification(due.id, due.next_at, now + CLAIM)
                .await?
            {
                continue;
            }
            let (attempts, outcome) = self.deliver(&notifier, &due).await?;
            match outcome {
                NotificationOutcome::Sent { .. } => {
                    pass.sent += 1;
                    pass.fell_back += usize::from(attempts.len() > 1);
                }
                NotificationOutcome::ConsoleOnly => pass.console_only += 1,
                NotificationOutcome::Retry { .. } | NotificationOutcome::Failed => {
                    pass.failed_rounds += 1;
                }
            }
            self.store
                .finish_notification(due.id, &attempts, outcome)
                .await?;
        }
        Ok(pass)
    }

    /// One round over the member's addresses, first to last, until one takes it.
    async fn deliver(
        &self,
        notifier: &Notifier,
        due: &PendingNotification,
    ) -> CoreResult<(Vec<NotificationAttempt>, NotificationOutcome)> {
        let member = self.store.staff(due.staff).await?;
        let addresses = self.store.notify_addresses(due.staff).await?;
        if member.disabled || addresses.is_empty() {
            return Ok((Vec::new(), NotificationOutcome::ConsoleOnly));
        }
        let base = notifier.public_url.trim_end_matches('/');
        let digest;
        let (about, path) = match due.kind {
            NotificationKind::Digest => {
                digest = match self.digest(&Actor(member), 1).await {
                    Ok(digest) => digest,
                    // No longer a leader: nothing to send.
                    Err(CoreError::Forbidden) => {
                        return Ok((Vec::new(), NotificationOutcome::ConsoleOnly));
                    }
                    Err(e) => return Err(e),
                };
                (About::Digest(&digest), "/console/digest".to_owned())
            }
            NotificationKind::Test => (About::Test, "/console/notifications".to_owned()),
            NotificationKind::ChannelSilent | NotificationKind::ChannelFailing => {
                let account = due.detail.as_deref().unwrap_or_default();
                let about = if due.kind == NotificationKind::ChannelSilent {
                    About::ChannelSilent {
                        account,
                        hours: SILENT_AFTER.num_hours(),
                    }
                } else {
                    About::ChannelFailing { account }
                };
                (about, "/console/admin/channels".to_owned())
            }
            _ => match (about(due), &due.case_number) {
                (Some(about), Some(case)) => (about, format!("/console/reports/{case}")),
                // Its report was purged meanwhile.
                _ => return Ok((Vec::new(), NotificationOutcome::ConsoleOnly)),
            },
        };
        let wording = notifier.words.word(&about, &format!("{base}{path}"));
        let urgent = matches!(due.kind, NotificationKind::Alert);
        let mut attempts = Vec::new();
        for address in &addresses {
            let result = notifier.send(address, &wording, urgent).await;
            let at = self.clock.now();
            match result {
                Ok(()) => {
                    attempts.push(NotificationAttempt {
                        channel: address.channel,
                        at,
                        error: None,
                    });
                    return Ok((
                        attempts,
                        NotificationOutcome::Sent {
                            via: address.channel,
                            at,
                        },
                    ));
                }
                Err(e) => {
                    tracing::warn!(
                        notification = due.id,
                        channel = address.channel.as_str(),
                        error = %e,
                        "notification not sent on this channel; trying the next"
                    );
                    attempts.push(NotificationAttempt {
                        channel: address.channel,
                        at,
                        error: Some(e.to_string()),
                    });
                }
            }
        }
        let outcome = match ROUND_WAITS.get(due.rounds as usize) {
            Some(wait) => NotificationOutcome::Retry {
                next_at: self.clock.now() + *wait,
            },
            None => NotificationOutcome::Failed,
        };
        Ok((attempts, outcome))
    }

    /// Queues each director's digest of the day, once, from `hour` (Vietnam time) on.
    async fn queue_digests(&self, hour: u32) -> CoreResult<usize> {
        let now = self.clock.now();
        let local = now.with_timezone(&VIETNAM);
        if local.hour() < hour {
            return Ok(0);
        }
        let day = local.date_naive();
        let mut queued = 0;
        for member in self.store.staff_under("").await? {
            if member.role != Role::Director || member.disabled {
                continue;
            }
            let digest = NewNotification {
                staff: member.id,
                kind: NotificationKind::Digest,
                key: Some(format!("digest:{day}:{}", member.id.0)),
                detail: None,
                at: now,
            };
            queued += usize::from(self.store.queue_notification(&digest).await?);
        }
        Ok(queued)
    }

    /// Tells the administrators over each channel account when it has gone quiet though it is
    /// usually busy, or its answers keep failing: once a day each.
    async fn check_channel_health(&self) -> CoreResult<usize> {
        let now = self.clock.now();
        let day = now.with_timezone(&VIETNAM).date_naive();
        let mut queued = 0;
        let staff = self.store.staff_under("").await?;
        for account in self.store.channel_accounts().await? {
            if account.disabled {
                continue;
            }
            let counts = self.store.delivery_counts(account.id, now).await?;
            let quiet_since = counts
                .last_received_at
                .is_some_and(|last| last + SILENT_AFTER <= now);
            let silent = quiet_since
                && self
                    .store
                    .deliveries_since(account.id, now - SILENT_AFTER - Duration::days(7))
                    .await?
                    >= USUALLY_BUSY;
            let failing = self
                .store
                .failed_sends_since(
                    account.platform,
                    account.name.as_str(),
                    now - Duration::days(1),
                )
                .await?
                >= FAILING_AFTER;
            let unit_path = self.store.unit(&account.unit).await?.path;
            let name = format!("{}/{}", account.platform, account.name);
            for (problem, kind) in [
                (silent, NotificationKind::ChannelSilent),
                (failing, NotificationKind::ChannelFailing),
            ] {
                if !problem {
                    continue;
                }
                for member in staff.iter().filter(|m| {
                    m.role == Role::Administrator
                        && !m.disabled
                        && unit_path.starts_with(&m.unit_path)
                }) {
                    let notice = NewNotification {
                        staff: member.id,
                        kind,
                        key: Some(format!(
                            "{}:{}:{day}:{}",
                            kind.as_str(),
                            account.id,
                            member.id.0
                        )),
                        detail: Some(name.clone()),
                        at: now,
                    };
                    queued += usize::from(self.store.queue_notification(&notice).await?);
                }
            }
        }
        Ok(queued)
    }

    /// The actor's addresses, in the order they are tried.
    pub async fn my_notify_addresses(&self, actor: &Actor) -> CoreResult<Vec<NotifyAddress>> {
        Ok(self.store.notify_addresses(actor.0.id).await?)
    }

    /// Sets the actor's addresses from `(channel, address)` pairs in order; blank addresses
    /// are left out. Audited with the channels only.
    pub async fn set_my_notify_addresses(
        &self,
        actor: &Actor,
        entries: &[(String, String)],
    ) -> CoreResult<()> {
        let mut addresses = Vec::new();
        let mut errors = Vec::new();
        for (i, (channel, address)) in entries.iter().enumerate() {
            if address.trim().is_empty() {
                continue;
            }
            let field = format!("address{i}");
            let parsed = NotifyChannel::parse(channel.trim())
                .ok_or_else(|| DomainError::field(field.clone(), "unknown_channel"))
                .and_then(|c| NotifyAddress::parse(c, address, &field));
            match parsed {
                Ok(a) if addresses.contains(&a) => {}
                Ok(a) => addresses.push(a),
                Err(DomainError::Invalid(mut e)) => errors.append(&mut e),
                Err(e) => return Err(e.into()),
            }
        }
        if addresses.len() > MAX_ADDRESSES {
            errors.push(hotline_domain::FieldError::new("addresses", "too_many"));
        }
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors).into());
        }
        let channels: Vec<&str> = addresses.iter().map(|a| a.channel.as_str()).collect();
        self.audited(
            Some(actor.0.id),
            AuditAction::StaffNotifyAddresses,
            &actor.0.username,
            &format!("channels={}", channels.join(",")),
            async |audit| {
                Ok(self
                    .store
                    .set_notify_addresses(actor.0.id, &addresses, audit)
                    .await?)
            },
        )
        .await
    }

    /// Queues a test notification to the actor's own addresses.
    pub async fn test_my_notifications(&self, actor: &Actor) -> CoreResult<()> {
        self.store
            .queue_notification(&NewNotification {
                staff: actor.0.id,
                kind: NotificationKind::Test,
                key: None,
                detail: None,
                at: self.clock.now(),
            })
            .await?;
        Ok(())
    }

    /// The actor's notifications and how each went, newest first.
    pub async fn my_notifications(&self, actor: &Actor) -> CoreResult<Vec<NotificationRecord>> {
        Ok(self.store.notifications_for(actor.0.id, 50).await?)
    }
}
