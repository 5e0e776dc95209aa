//! The telephone line: the PBX's call events (through the same journal as the platforms'
//! deliveries) recorded against the caller's open report, or a new one with their number
//! sealed; a call nobody answered goes on the callback queue until someone calls back and
//! records how it went; and the duty console hears of a call while it rings (the caller's
//! pseudonym and open reports, never the number).

use crate::follow_up::Added;
use crate::intake::Submission;
use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Duration, Utc};
use hotline_domain::AuditAction;
use hotline_domain::ReportEvent;
use hotline_domain::clock::VIETNAM;
use hotline_domain::inbound::{CallEvent, CallStep};
use hotline_domain::text::Phone;
use hotline_domain::{
    CaseNumber, Channel, ContactInput, Direction, DomainError, ReportInput, ReportStatus, UnitCode,
};
use hotline_store::{CallRecord, ChannelAccount, NewCall, Visibility};

/// How ended calls that nobody answered say so: the caller hung up, nobody picked up, the
/// line was busy or overloaded.
const MISSED_CAUSES: [&str; 4] = ["cancel", "noAnswer", "busy", "congestion"];
/// How long a call still rings or runs for the screen-pop.
const LIVE_FOR: Duration = Duration::minutes(30);

/// A missed call waiting for a callback, as the duty officer sees it.
#[derive(Debug, Clone)]
pub struct Callback {
    pub id: i64,
    pub case_number: Option<CaseNumber>,
    pub rang_at: DateTime<Utc>,
    /// How long it has waited since it ended.
    pub waited: Duration,
    pub attempts: u32,
    pub last_outcome: Option<String>,
}

/// A call ringing or under way, for the screen-pop.
#[derive(Debug, Clone)]
pub struct LiveCall {
    pub case_number: Option<CaseNumber>,
    pub since: DateTime<Utc>,
    pub answered: bool,
    /// The caller's pseudonym, when their number is known.
    pub reporter: Option<String>,
    /// The report the call is on, then, for members who may reveal identities, the caller's
    /// other open reports the reader may see.
    pub open_reports: Vec<CaseNumber>,
}

/// A call the duty officer may record the content of.
#[derive(Debug, Clone)]
pub struct RecentCall {
    pub id: i64,
    pub case_number: CaseNumber,
    pub rang_at: DateTime<Utc>,
    pub answered_by: Option<String>,
}

/// How far back the calls offered to record go.
const RECENT: Duration = Duration::hours(12);

/// How a callback went.
pub const CALLBACK_OUTCOMES: [&str; 3] = ["reached", "no_answer", "wrong_number"];

fn vn_clock(at: DateTime<Utc>) -> String {
    at.with_timezone(&VIETNAM)
        .format("%H:%M %d/%m/%Y")
        .to_string()
}

impl Hotline {
    /// The PBX account whose secret token is `token`; `NotFound` for any other (compared in
    /// constant time, each account's in turn).
    pub(crate) async fn cti_account(&self, token: &str) -> CoreResult<ChannelAccount> {
        use subtle::ConstantTimeEq;
        let mut found = None;
        for account in self.store.channel_accounts().await? {
            if account.platform != Channel::Phone || account.disabled {
                continue;
            }
            let secrets = self.account_secrets(&account)?;
            let theirs = secrets.get("token").map_or("", String::as_str);
            if !theirs.is_empty() && bool::from(theirs.as_bytes().ct_eq(token.as_bytes())) {
                found = Some(account);
            }
        }
        found.ok_or(CoreError::NotFound)
    }

    /// Records one step of a call.
    pub(crate) async fn take_call(
        &self,
        account: &ChannelAccount,
        call: &CallEvent,
    ) -> CoreResult<()> {
        let now = self.clock.now();
        let phone = call.from.as_deref().and_then(|number| {
            Phone::parse(number).or_else(|| Phone::parse(&format!("+{number}")))
        });
        if self.store.call(account.id, &call.call_id).await?.is_none() {
            // A first step (an answer or hangup whose ring was lost starts it too).
            let report = self.report_for_call(account, call, phone.as_ref()).await?;
            self.store
                .start_call(&NewCall {
                    account_id: account.id,
                    call_id: call.call_id.clone(),
                    inbound: call.inbound,
                    caller_index: phone
                        .as_ref()
                        .map(|p| self.keys.blind_index("phone", p.e164())),
                    report,
                    at: now,
                })
                .await?;
        }
        match call.step {
            CallStep::New => Ok(()),
            CallStep::Answer => {
                self.store
                    .answer_call(
                        account.id,
                        &call.call_id,
                        (now, call.answered_by.as_deref()),
                    )
                    .await?;
                Ok(())
            }
            CallStep::Hangup => self.end_call(account, call, now).await,
        }
    }

    async fn end_call(
        &self,
        account: &ChannelAccount,
        call: &CallEvent,
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        let Some(record) = self.store.call(account.id, &call.call_id).await? else {
            return Ok(());
        };
        if record.ended_at.is_some() {
            return Ok(());
        }
        let missed = record.inbound
            && record.answered_at.is_none()
            && call
                .cause
                .as_deref()
                .is_none_or(|cause| MISSED_CAUSES.contains(&cause));
        self.store
            .end_call(
                account.id,
                &call.call_id,
                (now, call.cause.as_deref(), missed),
            )
            .await?;
        let Some(case) = record.case_number else {
            return Ok(());
        };
        let text = if missed {
            format!(
                "[Cuộc gọi nhỡ lúc {}: chưa ai nghe máy, đang chờ gọi lại]",
                vn_clock(record.started_at)
            )
        } else {
            let seconds = (now - record.answered_at.unwrap_or(record.started_at)).num_seconds();
            format!(
                "[Cuộc gọi lúc {}, dài {} phút {} giây{}]",
                vn_clock(record.started_at),
                seconds / 60,
                seconds % 60,
                record
                    .answered_by
                    .as_deref()
                    .map(|by| format!(", người nghe: {}", hotline_domain::text::clean_line(by)))
                    .unwrap_or_default()
            )
        };
        let detail = self
            .store
            .report(&Visibility::Subtree("/".into()), &case)
            .await?;
        let key = format!("call-end:{}", call.call_id);
        let added = Added {
            direction: Direction::Inbound,
            author: None,
            text: &text,
            evidence: &[],
            event: ReportEvent::CallRecorded,
            via: Some((Channel::Phone, account.name.as_str(), &key)),
            received_at: None,
            sent_at: None,
        };
        match self.add_message(&detail, added, None).await {
            Ok(_) | Err(CoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The report a call goes on: the caller's newest open one in the line's province (a
    /// number is easily spoofed: a call to one province's line never reaches a report of
    /// another), or, for a call to the line, a new one with their number sealed (a withheld
    /// number opens one without a contact).
    async fn report_for_call(
        &self,
        account: &ChannelAccount,
        call: &CallEvent,
        phone: Option<&Phone>,
    ) -> CoreResult<Option<hotline_domain::ReportId>> {
        if let Some(phone) = phone {
            let index = self.keys.blind_index("phone", phone.e164());
            let line = self.store.unit(&account.unit).await?;
            let province = match line.province_code {
                Some(code) => self.store.unit(&UnitCode::province(code)).await?.path,
                None => line.path,
            };
            let open = self
                .store
                .reports_by_phone(&Visibility::Subtree(province), &index, 20)
                .await?
                .into_iter()
                .find(|r| r.status != ReportStatus::Closed);
            if let Some(report) = open {
                return Ok(Some(report.id));
            }
        }
        if !call.inbound {
            return Ok(None);
        }
        let text = format!(
            "[Cuộc gọi đến đường dây nóng lúc {}. Cán bộ nghe máy ghi nội dung cuộc gọi vào tin báo này.]",
            vn_clock(self.clock.now())
        );
        let mut submission = Submission::new(
            ReportInput {
                text,
                anonymous: Some(phone.is_none()),
                contact: phone.map(|p| ContactInput {
                    name: None,
                    phone: Some(p.e164().to_owned()),
                    email: None,
                }),
                ..ReportInput::default()
            },
            Channel::Phone,
        );
        submission.account = account.name.as_str().to_owned();
        submission.platform_message_id = Some(format!("call:{}", call.call_id));
        submission.owner = Some(account.unit.clone());
        let submitted = self.submit(submission).await?;
        let detail = self
            .store
            .report(&Visibility::Subtree("/".into()), &submitted.case_number)
            .await?;
        Ok(Some(detail.summary.id))
    }

    /// Whether the reader may see a call's report (a call not yet on one: anyone on duty).
    async fn sees(&self, actor: &Actor, case: Option<&CaseNumber>) -> CoreResult<bool> {
        let Some(case) = case else {
            return Ok(actor.visibility() != Visibility::Nothing);
        };
        match self.store.report(&actor.visibility(), case).await {
            Ok(_) => Ok(true),
            Err(hotline_store::StoreError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The missed calls waiting for a callback that the reader may see, longest waiting first.
    pub async fn callbacks(&self, actor: &Actor) -> CoreResult<Vec<Callback>> {
        let now = self.clock.now();
        let mut waiting = Vec::new();
        for call in self.store.waiting_callbacks(200).await? {
            if self.sees(actor, call.case_number.as_ref()).await? {
                waiting.push(Callback {
                    id: call.id,
                    waited: now - call.ended_at.unwrap_or(call.started_at),
                    rang_at: call.started_at,
                    case_number: call.case_number,
                    attempts: call.callback_attempts,
                    last_outcome: call.callback_outcome,
                });
            }
        }
        Ok(waiting)
    }

    /// Records a callback: `reached` or `wrong_number` takes the call off the queue;
    /// `no_answer` leaves it there, tried once more. Audited, and said on the report.
    pub async fn record_callback(&self, actor: &Actor, id: i64, outcome: &str) -> CoreResult<()> {
        if !CALLBACK_OUTCOMES.contains(&outcome) {
            return Err(DomainError::field("outcome", "unknown").into());
        }
        let call = match self.store.call_by_id(id).await {
            Ok(call) => call,
            Err(hotline_store::StoreError::NotFound) => return Err(CoreError::NotFound),
            Err(e) => return Err(e.into()),
        };
        if call.callback != "waiting" || !self.sees(actor, call.case_number.as_ref()).await? {
            return Err(CoreError::NotFound);
        }
        let subject = call
            .case_number
            .as_ref()
            .map_or_else(|| format!("call/{id}"), ToString::to_string);
        self.audited(
            Some(actor.0.id),
            AuditAction::CallCalledBack,
            &subject,
            &format!("outcome={outcome}"),
            async |audit| {
                Ok(self
                    .store
                    .record_callback(id, (outcome, outcome != "no_answer"), actor.0.id, audit)
                    .await?)
            },
        )
        .await
    }

    /// The calls to the line of the last hours, on reports the reader may see, newest first:
    /// what quick capture offers to record the content of.
    pub async fn recent_calls(&self, actor: &Actor) -> CoreResult<Vec<RecentCall>> {
        let mut recent = Vec::new();
        for call in self.store.calls_since(self.clock.now() - RECENT).await? {
            let Some(case) = call.case_number else {
                continue;
            };
            if call.inbound && self.sees(actor, Some(&case)).await? {
                recent.push(RecentCall {
                    id: call.id,
                    case_number: case,
                    rang_at: call.started_at,
                    answered_by: call.answered_by,
                });
            }
        }
        Ok(recent)
    }

    /// The officer's record of a call: what the caller said and the recording, on the call's
    /// report (the caller's number came with the call, sealed there; nobody types it).
    pub(crate) async fn record_call_content(
        &self,
        actor: &Actor,
        call_id: i64,
        text: &str,
        evidence: &[crate::evidence::Evidence],
    ) -> CoreResult<CaseNumber> {
        let call = match self.store.call_by_id(call_id).await {
            Ok(call) => call,
            Err(hotline_store::StoreError::NotFound) => return Err(CoreError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let case = call.case_number.ok_or(CoreError::NotFound)?;
        // Within the officer's scope, or not found at all.
        let detail = match self.store.report(&actor.visibility(), &case).await {
            Ok(detail) => detail,
            Err(hotline_store::StoreError::NotFound) => return Err(CoreError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let text = hotline_domain::text::clean(text);
        if text.is_empty() {
            return Err(DomainError::field("text", "required").into());
        }
        let added = Added {
            direction: Direction::Inbound,
            author: Some(actor),
            text: &format!(
                "[Nội dung cuộc gọi lúc {}, cán bộ ghi] {text}",
                vn_clock(call.started_at)
            ),
            evidence,
            event: ReportEvent::CallContentRecorded,
            via: None,
            received_at: None,
            sent_at: None,
        };
        self.audited(
            Some(actor.0.id),
            AuditAction::ReportCallContentRecorded,
            case.as_str(),
            &format!("files={}", evidence.len()),
            async |audit| self.add_message(&detail, added, Some(audit)).await,
        )
        .await?;
        Ok(case)
    }

    /// Calls ringing or under way that the reader may see: for the screen-pop.
    pub async fn live_calls(&self, actor: &Actor) -> CoreResult<Vec<LiveCall>> {
        let mut live = Vec::new();
        for call in self.store.live_calls(self.clock.now() - LIVE_FOR).await? {
            if !self.sees(actor, call.case_number.as_ref()).await? {
                continue;
            }
            live.push(self.live_call(actor, call).await?);
        }
        Ok(live)
    }

    async fn live_call(&self, actor: &Actor, call: CallRecord) -> CoreResult<LiveCall> {
        // Read without opening the report (no audit line per poll): its pseudonym, and the
        // caller's other open reports in the reader's scope.
        let (reporter, open_reports) = match &call.case_number {
            Some(case) => {
                let detail = self.store.report(&actor.visibility(), case).await?;
                let reporter = self.reporter_pseudonym(&detail);
                let mut open = vec![case.clone()];
                // The caller's other reports are a search by their number: only for members
                // who may reveal identities (a spoofed number must not show a reporter's
                // other reports to the whole duty desk).
                if actor.0.role.may_reveal_identity()
                    && let Some(index) = &detail.contact_phone_index
                {
                    for other in self
                        .store
                        .reports_by_phone(&actor.visibility(), index, 20)
                        .await?
                    {
                        if other.status != ReportStatus::Closed
                            && !open.contains(&other.case_number)
                        {
                            open.push(other.case_number);
                        }
                    }
                }
                (reporter.map(|p| p.to_string()), open)
            }
            None => (None, Vec::new()),
        };
        Ok(LiveCall {
            case_number: call.case_number,
            since: call.started_at,
            answered: call.answered_at.is_some(),
            reporter,
            open_reports,
        })
    }
}
