//! The reporter's side after the receipt: with the case number and the follow-up code they see
//! where their report stands and the conversation, and add to it; officers answer them.

use crate::evidence::Evidence;
use crate::intake::{MESSAGE_TEXT, check_evidence, seal_evidence};
use crate::reports::message_text;
use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Utc};
use hotline_domain::AuditAction;
use hotline_domain::ReportEvent;
use hotline_domain::submission::MAX_TEXT_CHARS;
use hotline_domain::text::clean;
use hotline_domain::{
    CaseNumber, Channel, Delivery, Direction, DomainError, FollowUpCode, MessageId, ReportStatus,
};
use hotline_store::{Audited, NewMessage, ReportDetail, TakeApartWrite};

/// A message to add to a report.
pub(crate) struct Added<'a> {
    pub(crate) direction: Direction,
    pub(crate) author: Option<&'a Actor>,
    pub(crate) text: &'a str,
    pub(crate) evidence: &'a [Evidence],
    pub(crate) event: ReportEvent,
    /// Where an inbound message came from, when not the follow-up page: channel, account and
    /// the platform's id of the message.
    pub(crate) via: Option<(Channel, &'a str, &'a str)>,
    /// When it reached the hotline, when not now (a delivery taken apart from the journal).
    pub(crate) received_at: Option<DateTime<Utc>>,
    /// When the citizen sent it, as their platform says.
    pub(crate) sent_at: Option<DateTime<Utc>>,
}

/// What a reporter sees of their report.
#[derive(Debug, Clone)]
pub struct FollowUpView {
    pub case_number: CaseNumber,
    pub status: ReportStatus,
    /// Joined by an officer to another report about the same events and handled there; which
    /// one is not the reporter's to know.
    pub merged: bool,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Their own messages and officers' answers, oldest first. Internal notes and history are
    /// never part of it.
    pub messages: Vec<FollowUpMessage>,
}

#[derive(Clone)]
pub struct FollowUpMessage {
    pub direction: Direction,
    pub text: String,
    pub at: DateTime<Utc>,
}

impl std::fmt::Debug for FollowUpMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FollowUpMessage")
            .field("direction", &self.direction)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

/// A message's text as accepted: cleaned, not too long, and not empty unless files come with
/// it.
pub(crate) fn accepted_text(text: &str, with_files: bool) -> CoreResult<String> {
    let text = clean(text);
    if text.is_empty() && !with_files {
        return Err(DomainError::field("text", "required").into());
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(DomainError::field("text", "too_long").into());
    }
    Ok(text)
}

/// A message just added to a report, as written.
#[derive(Debug, Clone)]
pub struct SentReply {
    pub channel: Channel,
    pub text: String,
    pub at: DateTime<Utc>,
    /// Where it stands, for an answer to the reporter.
    pub delivery: Delivery,
}

impl Hotline {
    /// The report behind a case number and follow-up code. A malformed code, a wrong code and
    /// an unknown case all answer `NotFound`, after the same work: the lookup is by the code's
    /// keyed digest, and the case number is compared in constant time.
    async fn report_for_reporter(&self, case: &str, code: &str) -> CoreResult<ReportDetail> {
        let digest = self.keys.follow_up_digest(
            FollowUpCode::parse(code)
                .as_ref()
                .map_or("", FollowUpCode::canonical),
        );
        let detail = match self.store.report_by_follow_up(&digest).await {
            Ok(detail) => detail,
            Err(hotline_store::StoreError::NotFound) => return Err(CoreError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let asked = CaseNumber::parse(case).map(|c| c.as_str().to_owned());
        let matches = hotline_vault::digests_match(
            asked.as_deref().unwrap_or_default(),
            detail.summary.case_number.as_str(),
        );
        if matches {
            Ok(detail)
        } else {
            Err(CoreError::NotFound)
        }
    }

    /// Where the report stands and the conversation, for its reporter; the answers they now
    /// see are marked read.
    pub async fn follow_up(&self, case: &str, code: &str) -> CoreResult<FollowUpView> {
        let detail = self.report_for_reporter(case, code).await?;
        self.store.mark_replies_read(detail.summary.id).await?;
        let key = self.data_key(&detail.summary)?;
        let mut messages = Vec::new();
        for message in self.store.messages(detail.summary.id).await? {
            let text = message_text(key.as_ref(), &message)?;
            messages.push(FollowUpMessage {
                direction: message.direction,
                text,
                at: message.at(),
            });
        }
        Ok(FollowUpView {
            case_number: detail.summary.case_number,
            status: detail.summary.status,
            merged: detail.merged_into.is_some(),
            received_at: detail.summary.created_at,
            updated_at: detail.updated_at,
            messages,
        })
    }

    /// The reporter adds information to their report.
    pub async fn add_reporter_message(
        &self,
        case: &str,
        code: &str,
        text: &str,
        evidence: &[Evidence],
    ) -> CoreResult<()> {
        let detail = self.report_for_reporter(case, code).await?;
        check_evidence(evidence)?;
        let text = accepted_text(text, !evidence.is_empty())?;
        let added = Added {
            direction: Direction::Inbound,
            author: None,
            text: &text,
            evidence,
            event: ReportEvent::ReporterAdded,
            via: None,
            received_at: None,
            sent_at: None,
        };
        self.add_message(&detail, added, None).await.map(|_| ())
    }

    /// An officer answers the reporter; the answer appears on the follow-up page (and, for
    /// platform channels, waits queued for their sender).
    pub async fn reply_to_reporter(
        &self,
        actor: &Actor,
        case: &str,
        text: &str,
    ) -> CoreResult<SentReply> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        let (message, sent) = self.answer(actor, &detail, text).await?;
        self.audited(
            Some(actor.0.id),
            AuditAction::ReportReplied,
            case.as_str(),
            "",
            async |audit| Ok(self.store.add_message(&message, Some(audit)).await?),
        )
        .await?;
        // A platform's answer leaves at once.
        self.deliveries_waiting.notify_one();
        Ok(sent)
    }

    /// Adds a message to the report of `detail`; with `audit`, committed with its record.
    pub(crate) async fn add_message(
        &self,
        detail: &ReportDetail,
        added: Added<'_>,
        audit: Option<Audited<'_>>,
    ) -> CoreResult<SentReply> {
        let (message, sent) = self.new_message(detail, added).await?;
        self.store.add_message(&message, audit).await?;
        Ok(sent)
    }

    /// [`Hotline::add_message`] for taking deliveries apart: committed with the other writes
    /// waiting (group commit); with `release_answers`, the report's answers waiting for the
    /// citizen to write may leave. `None` when the message was taken in before.
    pub(crate) async fn add_taken_apart_message(
        &self,
        detail: &ReportDetail,
        added: Added<'_>,
        release_answers: bool,
    ) -> CoreResult<Option<MessageId>> {
        let (message, _) = self.new_message(detail, added).await?;
        self.take_apart
            .write(TakeApartWrite::Message {
                message: Box::new(message),
                release_answers_at: release_answers.then(|| self.clock.now()),
            })
            .await
    }

    /// An officer's answer to the reporter of `detail`, ready to store, and what it will be.
    pub(crate) async fn answer(
        &self,
        actor: &Actor,
        detail: &ReportDetail,
        text: &str,
    ) -> CoreResult<(NewMessage, SentReply)> {
        let text = accepted_text(text, false)?;
        let added = Added {
            direction: Direction::Outbound,
            author: Some(actor),
            text: &text,
            evidence: &[],
            event: ReportEvent::Replied,
            via: None,
            received_at: None,
            sent_at: None,
        };
        self.new_message(detail, added).await
    }

    async fn new_message(
        &self,
        detail: &ReportDetail,
        added: Added<'_>,
    ) -> CoreResult<(NewMessage, SentReply)> {
        let key = self
            .data_key(&detail.summary)?
            .ok_or_else(|| CoreError::Internal("a report without a data key".into()))?;
        let kept = self.store.attachments(detail.summary.id).await?.len();
        let channel = match (added.author, added.via) {
            (Some(_), _) => detail.summary.channel,
            (None, Some((channel, _, _))) => channel,
            (None, None) => Channel::Web,
        };
        let delivery = delivery_of_reply(channel);
        let at = added.received_at.unwrap_or_else(|| self.clock.now());
        let message = NewMessage {
            report: detail.summary.id,
            direction: added.direction,
            channel,
            delivery: (added.direction == Direction::Outbound).then_some(delivery),
            body_sealed: key.seal(added.text.as_bytes(), MESSAGE_TEXT),
            word_index: self.word_index(added.text, None),
            attachments: seal_evidence(&key, added.evidence, kept + 1),
            author: added.author.map(|a| a.0.id),
            at,
            sent_at: added.sent_at,
            event: added.event,
            account: added
                .via
                .map(|(_, account, _)| account.to_owned())
                .unwrap_or_default(),
            platform_message_id: added.via.map(|(_, _, id)| id.to_owned()),
        };
        let sent = SentReply {
            channel,
            text: added.text.to_owned(),
            at,
            delivery,
        };
        Ok((message, sent))
    }
}

/// Where a reply stands once written: reports from the web form and the API are answered on
/// the follow-up page (and its API), where it is there at once; a platform channel's reply
/// waits in the queue for that channel's sender.
fn delivery_of_reply(channel: Channel) -> Delivery {
    match channel {
        Channel::Web | Channel::Api => Delivery::Delivered,
        _ => Delivery::Queued,
    }
}
