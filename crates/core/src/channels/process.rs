//! Taking deliveries apart: the journal's pending deliveries opened, threaded into their
//! sender's open report or a new one, acknowledged on their channel; retried when they fail.

use super::receive::delivery_context;
use crate::follow_up::Added;
use crate::intake::{IDENTITY, SealedIdentity, Submission};
use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::Duration;
use hotline_channels::platforms;
use hotline_domain::AuditAction;
use hotline_domain::ReportEvent;
use hotline_domain::inbound::{InboundEvent, InboundMessage};
use hotline_domain::platform::PlatformSpec;
use hotline_domain::text::Phone;
use hotline_domain::{Channel, ContactInput, Direction, ReportInput};
use hotline_store::{
    ChannelAccount, DeliveryOutcome, NewContact, PendingDelivery, ReportDetail, TakeApartWrite,
    Visibility,
};
use std::collections::BTreeMap;

/// Deliveries taken up per pass.
pub(super) const DELIVERIES_PER_PASS: u32 = 256;

/// How long a node holds a delivery it took before another may take it (or it, restarted
/// after a crash, takes it again): a delivery is taken apart in milliseconds.
pub(super) const CLAIM: Duration = Duration::seconds(20);

/// Waits after the first, second… failed attempt; after the last, a dead letter.
pub(super) const RETRY_WAITS: [Duration; 4] = [
    Duration::seconds(30),
    Duration::minutes(2),
    Duration::minutes(10),
    Duration::hours(1),
];

/// Deliveries taken apart at once: enough that their writes share commits (the intake's and
/// the take-apart writer's), few enough that the webhooks' own commits are not kept waiting
/// behind large batches (measured: 256 at once took acknowledgements' p99 from 30 to 70 ms).
/// A sender's messages still go one after the other.
pub(super) const PARALLEL_DELIVERIES: usize = 64;

/// An event's turn among those of the same key in one pass (a sender's messages, a call's
/// steps): it waits for the one before (`after`) and lets the next go when it is done (`done`,
/// sent or dropped), so that they are taken in the order received while others go side by
/// side.
pub(super) struct Turn {
    key: Vec<u8>,
    after: Option<tokio::sync::oneshot::Receiver<()>>,
    done: tokio::sync::oneshot::Sender<()>,
}

impl Turn {
    /// The next turn of `key`, after the last one given.
    fn next(
        key: Vec<u8>,
        last: &mut std::collections::HashMap<Vec<u8>, tokio::sync::oneshot::Receiver<()>>,
    ) -> Self {
        let (done, next) = tokio::sync::oneshot::channel();
        let after = last.insert(key.clone(), next);
        Self { key, after, done }
    }

    /// Runs `work` in this turn.
    async fn run<T>(self, work: impl std::future::Future<Output = T>) -> T {
        if let Some(after) = self.after {
            // Done or dropped by the one before: either way its turn is over.
            let _ = after.await;
        }
        let result = work.await;
        let _ = self.done.send(());
        result
    }
}

/// A claimed delivery, opened and taken apart, ready to be taken in.
pub(super) struct Prepared {
    delivery: PendingDelivery,
    account: ChannelAccount,
    /// Its events, messages with their turn; or why it cannot be read.
    events: Result<Vec<(InboundEvent, Option<Turn>)>, String>,
}

/// What one pass over the journal did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryPass {
    pub processed: usize,
    /// Messages taken in for the first time.
    pub messages: usize,
    /// Messages seen before (a redelivery).
    pub duplicates: usize,
    pub failed: usize,
    pub dead: usize,
}

/// How a public post's link is marked in the text of its message.
pub(super) const PUBLIC_POST_MARK: &str = "[Bài đăng công khai:";

/// Whether a report began as a public post (a Threads reply, an X mention): answers to it are
/// public too.
pub fn began_in_public(view: &crate::reports::ReportView) -> bool {
    view.messages
        .iter()
        .find(|m| m.message.direction == Direction::Inbound)
        .is_some_and(|m| m.message.body.contains(PUBLIC_POST_MARK))
}

/// The text a message is kept as: its words, then what else it carried, described.
pub(super) fn message_text(message: &InboundMessage) -> String {
    let mut parts = Vec::new();
    if let Some(subject) = &message.subject {
        parts.push(format!("[Tiêu đề: {subject}]"));
    }
    if let Some(check) = &message.sender_check {
        let results: Vec<String> = [
            ("SPF", &check.spf),
            ("DKIM", &check.dkim),
            ("DMARC", &check.dmarc),
        ]
        .into_iter()
        .map(|(name, result)| format!("{name} {}", result.as_deref().unwrap_or("—")))
        .collect();
        parts.push(if check.passed() {
            format!("[Máy chủ thư đã xác thực người gửi: {}]", results.join(" · "))
        } else {
            format!(
                "[CẢNH BÁO: máy chủ thư không xác thực được người gửi, địa chỉ có thể bị giả mạo: {}]",
                results.join(" · ")
            )
        });
    } else if message.sender_email.is_some() {
        parts.push("[Máy chủ thư không ghi kết quả xác thực người gửi (SPF, DKIM, DMARC)]".into());
    }
    if !message.text.is_empty() {
        parts.push(message.text.clone());
    }
    for media in &message.media {
        parts.push(match (media.kind, &media.file_name) {
            ("image", _) => "[Ảnh]".to_owned(),
            ("voice", _) => "[Tin nhắn thoại]".to_owned(),
            ("audio", _) => "[Âm thanh]".to_owned(),
            ("video", _) => "[Video]".to_owned(),
            ("sticker", _) => "[Nhãn dán]".to_owned(),
            (_, Some(name)) => format!("[Tệp: {}]", hotline_domain::text::clean_line(name)),
            _ => "[Tệp]".to_owned(),
        });
    }
    if let Some(place) = &message.location {
        let named: Vec<&str> = [place.name.as_deref(), place.address.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let mut line = format!("[Vị trí: {:.6}, {:.6}", place.latitude, place.longitude);
        if !named.is_empty() {
            line.push_str(" — ");
            line.push_str(&hotline_domain::text::clean_line(&named.join(", ")));
        }
        line.push(']');
        parts.push(line);
    }
    for card in &message.contacts {
        parts.push(format!(
            "[Danh bạ: {} {}]",
            hotline_domain::text::clean_line(&card.name),
            card.phones.join(", ")
        ));
    }
    if let Some(emoji) = &message.reaction {
        parts.push(if emoji.is_empty() {
            "[Bỏ bày tỏ cảm xúc]".to_owned()
        } else {
            format!("[Bày tỏ cảm xúc {emoji}]")
        });
    }
    if let Some(link) = &message.permalink {
        parts.push(format!("{PUBLIC_POST_MARK} {link}]"));
    }
    if parts.is_empty() {
        parts.push("[Tin nhắn không có nội dung]".to_owned());
    }
    parts.join("\n")
}

/// The phone number a platform gave for the sender (WhatsApp's `wa_id`, a number shared on
/// Telegram), in E.164, when it reads as one.
pub(super) fn shared_phone(message: &InboundMessage) -> Option<String> {
    let digits = message.sender_phone.as_deref()?;
    let international = format!("+{}", digits.trim().trim_start_matches('+'));
    Phone::parse(&international).map(|p| p.e164().to_owned())
}

/// Where answers to a platform report go, as sealed with it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct ReplyAddress {
    pub(crate) account_id: i64,
    pub(crate) to: String,
    pub(crate) public: bool,
    /// The message answered, for platforms that thread replies.
    pub(crate) in_reply_to: String,
    /// The subject of the mail that began the report.
    #[serde(default)]
    pub(crate) subject: Option<String>,
}

/// How far before its receipt a message's own time is believed. Platforms deliver again for
/// at most a week (WhatsApp's Cloud API retries the longest, seven days), so an older time is
/// a clock gone wrong, or a mail's `Date`, which is whatever its writer's program put there.
const SENT_TIME_BELIEVED: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// When a message was sent, as kept to order its conversation: the time its platform gives,
/// no later than its receipt (a clock ahead of ours), and unknown when more than
/// [`SENT_TIME_BELIEVED`] before it (the message then keeps the place it arrived in).
pub(super) fn sent_time(
    said: chrono::DateTime<chrono::Utc>,
    received_at: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    (said >= received_at - SENT_TIME_BELIEVED).then(|| said.min(received_at))
}

impl Hotline {
    /// One pass over the journal: each due delivery is claimed, taken apart and its messages
    /// taken in. A failure is retried with growing waits, then kept as a dead letter.
    pub async fn run_deliveries(&self) -> CoreResult<DeliveryPass> {
        use futures_util::StreamExt;
        let now = self.clock.now();
        let due = self.store.due_deliveries(now, DELIVERIES_PER_PASS).await?;
        let seen: Vec<(i64, chrono::DateTime<chrono::Utc>)> =
            due.iter().map(|d| (d.id, d.next_at)).collect();
        let taken = self.store.claim_deliveries(&seen, now + CLAIM).await?;
        let claimed: Vec<PendingDelivery> =
            due.into_iter().filter(|d| taken.contains(&d.id)).collect();
        // Opened and taken apart in the order received, each message given its turn among its
        // sender's; then taken in side by side, so that new reports share the intake's
        // commits.
        let mut accounts: BTreeMap<i64, ChannelAccount> = BTreeMap::new();
        let mut last_of_sender: std::collections::HashMap<
            Vec<u8>,
            tokio::sync::oneshot::Receiver<()>,
        > = std::collections::HashMap::new();
        let mut prepared = Vec::with_capacity(claimed.len());
        for delivery in claimed {
            let account = match accounts.get(&delivery.account_id) {
                Some(account) => account.clone(),
                None => {
                    let account = self
                        .store
                        .channel_account_by_id(delivery.account_id)
                        .await?;
                    accounts.insert(delivery.account_id, account.clone());
                    account
                }
            };
            let events = self.open_delivery(&account, &delivery).map(|events| {
                events
                    .into_iter()
                    .map(|event| {
                        let turn = match &event {
                            InboundEvent::Message(message) => Some(Turn::next(
                                self.sender_index(&account, message),
                                &mut last_of_sender,
                            )),
                            // A call's steps in the order the PBX sent them: a hangup taken
                            // before its answer would make an answered call a missed one.
                            InboundEvent::Call(call) => Some(Turn::next(
                                format!("call:{}:{}", account.id, call.call_id).into_bytes(),
                                &mut last_of_sender,
                            )),
                            _ => None,
                        };
                        (event, turn)
                    })
                    .collect()
            });
            prepared.push(Prepared {
                delivery,
                account,
                events,
            });
        }
        // Each delivery's outcome is recorded by its own future: the stream's consumer awaits
        // nothing else, so a future holding SQLite's write lock is never left unpolled while
        // another write waits for it.
        let mut processed = futures_util::stream::iter(prepared)
            .map(|prepared| self.take_apart_and_record(prepared))
            .buffer_unordered(PARALLEL_DELIVERIES);
        let mut pass = DeliveryPass::default();
        while let Some(counted) = processed.next().await {
            let counted = counted?;
            pass.processed += counted.processed;
            pass.messages += counted.messages;
            pass.duplicates += counted.duplicates;
            pass.failed += counted.failed;
            pass.dead += counted.dead;
        }
        Ok(pass)
    }

    /// Takes one prepared delivery apart and records how it went.
    pub(super) async fn take_apart_and_record(
        &self,
        prepared: Prepared,
    ) -> CoreResult<DeliveryPass> {
        let mut pass = DeliveryPass::default();
        let delivery = prepared.delivery.clone();
        let outcome = match self.take_apart(prepared, &mut pass).await {
            Ok(outcome) => outcome,
            Err(e) => {
                let error = match &e {
                    CoreError::Domain(d) => format!("refused: {}", d.code()),
                    other => other.to_string(),
                };
                match RETRY_WAITS.get(delivery.attempts as usize) {
                    Some(wait) => {
                        pass.failed += 1;
                        DeliveryOutcome::Retry {
                            next_at: self.clock.now() + *wait,
                            error,
                        }
                    }
                    None => {
                        pass.dead += 1;
                        DeliveryOutcome::Dead { error }
                    }
                }
            }
        };
        if let DeliveryOutcome::Dead { error } | DeliveryOutcome::Retry { error, .. } = &outcome {
            tracing::warn!(delivery = delivery.id, %error, "a delivery could not be processed");
        }
        self.take_apart
            .write(TakeApartWrite::Finish {
                delivery: delivery.id,
                outcome,
                at: self.clock.now(),
            })
            .await?;
        pass.processed = 1;
        Ok(pass)
    }

    /// Opens a delivery and takes it apart; why not, when it cannot be read (which will not
    /// change: a dead letter at once, kept for a look).
    pub(super) fn open_delivery(
        &self,
        account: &ChannelAccount,
        delivery: &PendingDelivery,
    ) -> Result<Vec<InboundEvent>, String> {
        let body = self
            .keys
            .channel_secrets()
            .open(&delivery.body_sealed, &delivery_context(account.id))
            .map_err(|_| "the delivery does not open".to_owned())?;
        platforms::parse(account.platform, &body, delivery.received_at).map_err(|e| e.to_string())
    }

    /// A platform's id of a message (received or sent) as it is kept and looked up: a keyed
    /// digest. Ids can name the sender (a WhatsApp `wamid` holds their number, a Telegram id
    /// their chat, a mail's Message-ID their host); the id itself goes only, sealed, into the
    /// address an answer is threaded to.
    pub(crate) fn platform_id(&self, account: &ChannelAccount, raw: &str) -> String {
        self.platform_id_of(account.platform, account.id, raw)
    }

    pub(crate) fn platform_id_of(&self, platform: Channel, account_id: i64, raw: &str) -> String {
        hex::encode(self.keys.blind_index(
            "platform-message-id",
            &format!("{platform}:{account_id}:{raw}"),
        ))
    }

    /// Who wrote, as kept on their report. On a platform with private messages, what a
    /// citizen posts in public (an X mention) is a report of its own: answers to a report go
    /// all public or all private, never a private message answered under a public post.
    pub(super) fn sender_index(
        &self,
        account: &ChannelAccount,
        message: &InboundMessage,
    ) -> Vec<u8> {
        let in_public =
            message.public && PlatformSpec::of(account.platform).is_some_and(|spec| spec.private);
        let scope = if in_public { ":public" } else { "" };
        self.keys.blind_index(
            "platform-sender",
            &format!(
                "{}:{}:{}{scope}",
                account.platform, account.id, message.sender
            ),
        )
    }

    pub(super) async fn take_apart(
        &self,
        prepared: Prepared,
        pass: &mut DeliveryPass,
    ) -> CoreResult<DeliveryOutcome> {
        let events = match prepared.events {
            Ok(events) => events,
            Err(error) => {
                pass.dead += 1;
                return Ok(DeliveryOutcome::Dead { error });
            }
        };
        let account = &prepared.account;
        let (mut messages, mut ignored) = (0_u32, 0_u32);
        for (event, turn) in events {
            match (event, turn) {
                (InboundEvent::Message(message), Some(turn)) => {
                    let sender_index = turn.key.clone();
                    let taken = turn
                        .run(self.take_in(account, &message, &prepared.delivery, &sender_index))
                        .await;
                    // Its files, once (a redelivery queues nothing new).
                    self.queue_media(account, &message).await?;
                    if taken? {
                        messages += 1;
                        pass.messages += 1;
                    } else {
                        pass.duplicates += 1;
                    }
                }
                (
                    InboundEvent::Status {
                        platform_message_id,
                        delivery: state,
                        error,
                    },
                    _,
                ) => {
                    let known = self
                        .store
                        .update_sent_delivery(
                            account.platform,
                            account.name.as_str(),
                            &self.platform_id(account, &platform_message_id),
                            state,
                            error.as_deref(),
                        )
                        .await?;
                    ignored += u32::from(!known);
                }
                (InboundEvent::Call(call), Some(turn)) => {
                    turn.run(self.take_call(account, &call)).await?;
                    messages += 1;
                    pass.messages += 1;
                }
                (InboundEvent::Ignored(what), _) => {
                    tracing::debug!(%what, "delivery event of no use here");
                    ignored += 1;
                }
                // Every message and call step was given its turn when the delivery was opened.
                (InboundEvent::Message(_) | InboundEvent::Call(_), None) => ignored += 1,
            }
        }
        Ok(DeliveryOutcome::Done { messages, ignored })
    }

    /// Takes one message in: onto its sender's open report, or as a new report. `false` when it
    /// was taken in before.
    pub(super) async fn take_in(
        &self,
        account: &ChannelAccount,
        message: &InboundMessage,
        delivery: &PendingDelivery,
        sender_index: &[u8],
    ) -> CoreResult<bool> {
        // Our own mail come back (a copy, a forward): never a report.
        if let Some(from) = &message.sender_email
            && self
                .account_secrets(account)?
                .get("email_address")
                .is_some_and(|ours| ours.eq_ignore_ascii_case(from))
        {
            return Ok(false);
        }
        let mut text = message_text(message);
        let stored_id = self.platform_id(account, &message.platform_message_id);
        let open = self.store.open_reports_of_sender(sender_index).await?;
        // A mail that answers an earlier one, or names a case in its subject, goes onto that
        // report when it is one of the sender's own open reports (a stranger naming a case
        // reaches nothing); else onto their newest open report. A mail's `From` proves nothing
        // unless the receiving server verified it (DMARC): an unproven sender goes onto a
        // report only through a message of it they answer, whose id only its correspondent
        // has; else a new report.
        let (by_reference, by_subject) = self.cases_named_by(account, message).await?;
        let proven = message.sender_email.is_none()
            || message
                .sender_check
                .as_ref()
                .is_some_and(hotline_domain::inbound::SenderCheck::passed);
        let threaded = by_reference
            .iter()
            .find(|c| open.contains(c))
            .or_else(|| {
                proven
                    .then(|| {
                        by_subject
                            .iter()
                            .find(|c| open.contains(c))
                            .or(open.first())
                    })
                    .flatten()
            })
            .cloned();
        let named: Vec<_> = by_reference.iter().chain(&by_subject).collect();
        // A case named that this message does not go onto (closed, or not the sender's): said,
        // for the officer to look at, never followed.
        if let Some(case) = named.iter().find(|c| Some(**c) != threaded.as_ref()) {
            text = format!("[Nhắc tới tin báo {case}]\n{text}");
        }
        if let Some(case) = threaded {
            let detail = self
                .store
                .report(&Visibility::Subtree("/".into()), &case)
                .await?;
            let added = Added {
                direction: Direction::Inbound,
                author: None,
                text: &text,
                evidence: &[],
                event: ReportEvent::ReporterAdded,
                via: Some((account.platform, account.name.as_str(), &stored_id)),
                received_at: Some(delivery.received_at),
                sent_at: sent_time(message.at, delivery.received_at),
            };
            // The citizen wrote: answers that waited for an open window may leave, even when
            // the message was taken in before, perhaps by a pass that crashed before what
            // follows (each step is idempotent).
            let taken = self
                .add_taken_apart_message(&detail, added, true)
                .await?
                .is_some();
            if let Some(phone) = shared_phone(message) {
                self.add_shared_phone(&detail, &phone).await?;
            }
            self.deliveries_waiting.notify_one();
            return Ok(taken);
        }
        let phone = shared_phone(message);
        let name = message
            .sender_name
            .as_deref()
            .map(hotline_domain::text::clean_line)
            .filter(|n| !n.is_empty() && n.chars().count() <= 200);
        let email = message.sender_email.clone();
        let contact = (phone.is_some() || name.is_some() || email.is_some())
            .then_some(ContactInput { name, phone, email });
        let reply = ReplyAddress {
            account_id: account.id,
            // WhatsApp sends to the number when the user shows it, else to their
            // business-scoped id; TikTok to the conversation; the others to the sender.
            to: message
                .answer_to
                .clone()
                .or_else(|| {
                    (account.platform == Channel::Whatsapp)
                        .then(|| message.sender_phone.clone())
                        .flatten()
                })
                .unwrap_or_else(|| message.sender.clone()),
            public: message.public,
            in_reply_to: message.platform_message_id.clone(),
            subject: message.subject.clone(),
        };
        let mut submission = Submission::new(
            ReportInput {
                text,
                contact,
                ..ReportInput::default()
            },
            account.platform,
        );
        submission.account = account.name.as_str().to_owned();
        submission.platform_message_id = Some(stored_id.clone());
        submission.owner = Some(account.unit.clone());
        submission.received_at = Some(delivery.received_at);
        submission.sent_at = sent_time(message.at, delivery.received_at);
        submission.sender_index = Some(sender_index.to_vec());
        submission.reply_to = Some(
            serde_json::to_string(&reply)
                .map_err(|e| CoreError::Internal(format!("reply address: {e}")))?,
        );
        // The code comes from the id itself under the index key: kept nowhere, so a copy of
        // the database gives nothing to derive it from. Telegram's ids were keyed (and its
        // codes derived from the keyed id) before the others': the same again, so that a
        // message taken in before is acknowledged with its own code.
        let code_from = if account.platform == Channel::Telegram {
            &stored_id
        } else {
            &message.platform_message_id
        };
        submission.code_key = Some(format!("{}:{}:{code_from}", account.platform, account.id));
        let submitted = self.submit(submission).await?;
        // Queued once, even when a crash came between the report and its acknowledgement and
        // the delivery is taken apart again: the same message gives the same code. Never to a
        // machine (an auto-reply answering ours would loop).
        if !message.public
            && !message.automated
            && !message
                .sender_check
                .as_ref()
                .is_some_and(hotline_domain::inbound::SenderCheck::failed)
            && let Some(code) = &submitted.follow_up_code
        {
            self.acknowledge(account, &stored_id, &submitted.case_number, &code.grouped())
                .await?;
        }
        Ok(!submitted.duplicate)
    }

    /// The reports a message names: those of the messages it answers (a mail's `In-Reply-To`
    /// and `References`), and those of case numbers in its subject.
    pub(super) async fn cases_named_by(
        &self,
        account: &ChannelAccount,
        message: &InboundMessage,
    ) -> CoreResult<(
        Vec<hotline_domain::CaseNumber>,
        Vec<hotline_domain::CaseNumber>,
    )> {
        let mut cases = Vec::new();
        for id in message
            .reply_to
            .iter()
            .chain(message.references.iter().rev())
        {
            if let Some((_, case, _)) = self
                .store
                .message_by_platform_id(
                    account.platform,
                    account.name.as_str(),
                    &self.platform_id(account, id),
                )
                .await?
                && !cases.contains(&case)
            {
                cases.push(case);
            }
        }
        let mut in_subject = Vec::new();
        let subject = message.subject.as_deref().unwrap_or_default();
        for word in subject.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
            if let Some(case) = hotline_domain::CaseNumber::parse(word)
                && !cases.contains(&case)
                && !in_subject.contains(&case)
            {
                in_subject.push(case);
            }
        }
        Ok((cases, in_subject))
    }

    /// A number the citizen shared after their report began joins its sealed contact (and
    /// its blind index, so that their reports on other channels are recognised).
    pub(super) async fn add_shared_phone(
        &self,
        detail: &ReportDetail,
        phone: &str,
    ) -> CoreResult<()> {
        let key = self
            .data_key(&detail.summary)?
            .ok_or_else(|| CoreError::Internal("a report without a data key".into()))?;
        let mut identity = match detail.contact {
            Some(contact) => match self.store.sealed_contact(contact).await? {
                Some(sealed) => key
                    .open(&sealed, IDENTITY)
                    .ok()
                    .and_then(|plain| serde_json::from_slice::<SealedIdentity>(&plain).ok())
                    .ok_or_else(|| CoreError::Internal("a sealed identity does not open".into()))?,
                None => SealedIdentity::default(),
            },
            None => SealedIdentity::default(),
        };
        if identity.phone.as_deref() == Some(phone) {
            return Ok(());
        }
        identity.phone = Some(phone.to_owned());
        let plain = serde_json::to_vec(&identity)
            .map_err(|e| CoreError::Internal(format!("an identity: {e}")))?;
        let contact = NewContact {
            sealed: key.seal(&plain, IDENTITY),
            phone_index: Some(self.keys.blind_index("phone", phone)),
        };
        self.store
            .set_report_contact(detail.summary.id, &contact, self.clock.now())
            .await?;
        Ok(())
    }

    /// Queues the acknowledgement of a new platform report (received as `stored_id`), once.
    pub(super) async fn acknowledge(
        &self,
        account: &ChannelAccount,
        stored_id: &str,
        case: &hotline_domain::CaseNumber,
        code: &str,
    ) -> CoreResult<()> {
        let template = &self.policy.acknowledgement;
        let secrets = self.account_secrets(account)?;
        let can_answer = PlatformSpec::of(account.platform)
            .is_some_and(|spec| spec.send_keys.iter().all(|k| secrets.contains_key(*k)));
        // An account that only receives has nobody to say it: no answer is queued to fail.
        if template.trim().is_empty() || !can_answer {
            return Ok(());
        }
        // The law's warning goes with it whatever the configured words, once (R12).
        let words = template
            .replace("{case}", case.as_str())
            .replace("{code}", code);
        let warning = hotline_domain::workflow::FALSE_REPORT_WARNING;
        let text = if words.contains(warning) {
            words
        } else {
            format!("{words}\n\n{warning}")
        };
        let detail = self
            .store
            .report(&Visibility::Subtree("/".into()), case)
            .await?;
        let key = format!("ack:{stored_id}");
        let added = Added {
            direction: Direction::Outbound,
            author: None,
            text: &text,
            evidence: &[],
            event: ReportEvent::Acknowledged { warned: true },
            via: Some((account.platform, account.name.as_str(), &key)),
            received_at: None,
            sent_at: None,
        };
        // Taken in before (`None`) when a crash came between the report and this.
        self.add_taken_apart_message(&detail, added, false).await?;
        Ok(())
    }

    /// Puts a dead delivery of an account in the actor's scope back in the queue. Audited.
    pub async fn retry_delivery(
        &self,
        actor: &Actor,
        platform: &str,
        name: &str,
        id: i64,
    ) -> CoreResult<()> {
        Self::require_administrator(actor)?;
        let account = self.live_account(platform, name).await?;
        if !self
            .units_path(&account.unit)
            .await?
            .starts_with(&actor.0.unit_path)
        {
            return Err(CoreError::NotFound);
        }
        if !self
            .store
            .deliveries_of(account.id, true, 1000)
            .await?
            .iter()
            .any(|d| d.id == id)
        {
            return Err(CoreError::NotFound);
        }
        self.audited(
            Some(actor.0.id),
            AuditAction::ChannelDeliveryRetried,
            &format!("{platform}/{name}"),
            &format!("delivery={id}"),
            async |audit| Ok(self.store.retry_delivery(id, audit).await?),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::sent_time;
    use chrono::{TimeDelta, TimeZone, Utc};

    #[test]
    fn a_message_is_placed_when_sent_unless_its_time_cannot_be_so() {
        let received = Utc.with_ymd_and_hms(2026, 12, 7, 3, 0, 0).unwrap();
        // Held by the platform, or replayed by a gateway up to a week late: its own time.
        for late in [TimeDelta::days(1), TimeDelta::days(7)] {
            assert_eq!(sent_time(received - late, received), Some(received - late));
        }
        // A clock ahead of ours: no later than it arrived.
        assert_eq!(
            sent_time(received + TimeDelta::minutes(3), received),
            Some(received)
        );
        // Older than any platform delivers again (a mail dated a year back by its writer's
        // program): where it arrived.
        assert_eq!(sent_time(received - TimeDelta::days(8), received), None);
    }
}
