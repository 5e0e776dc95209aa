//! Reading reports, always through the actor's visibility.

use crate::intake::{ADDRESS, ATTACHMENT, MESSAGE_TEXT, SUMMARY};
use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::pii::Segment;
use hotline_domain::text::{Phone, SnippetPiece, clean_line, search_tokens, snippet};
use hotline_domain::{CaseNumber, Pseudonym};
use hotline_store::StoreError;
use hotline_store::{
    Attachment, Event, FacetCount, Message, NewerReports, ReportCursor, ReportDetail, ReportFilter,
    ReportSummary, RevealRequest, StaffMember,
};
use hotline_vault::seal::DataKey;

/// Most reports one list returns.
pub const MAX_LIST_LIMIT: u32 = 500;

/// A piece of a message as shown: text, or a personal item (phone, ID or account number,
/// e-mail address) hidden until a member with clearance reveals it, by its number in the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Hidden { item: usize },
}

/// A message whose text is masked (`body`) and cut into parts.
#[derive(Debug, Clone)]
pub struct MessageView {
    pub message: Message,
    pub parts: Vec<Part>,
}

/// A report found by a search, with the passage that matched.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub report: ReportSummary,
    /// The passage of its text or messages around the first word searched for, personal items
    /// masked, the words marked; empty for searches by case or phone number.
    pub snippet: Vec<SnippetPiece>,
}

/// Characters of text a snippet shows.
const SNIPPET_WIDTH: usize = 160;

/// A report with its conversation and history, as the console shows it.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub detail: ReportDetail,
    pub messages: Vec<MessageView>,
    pub events: Vec<Event>,
    /// Reveal requests waiting or approved; only for members with clearance.
    pub reveal_requests: Vec<RevealRequest>,
    /// What staff call the reporter, when they left a contact: the same for the same phone
    /// number on every report.
    pub reporter: Option<Pseudonym>,
    pub attachments: Vec<Attachment>,
    /// The member the report is handed to.
    pub assignee: Option<StaffMember>,
}

/// A page of an inbox, and where the next one starts.
#[derive(Debug, Clone)]
pub struct InboxPage {
    pub reports: Vec<ReportSummary>,
    /// `None` on the last page.
    pub next: Option<ReportCursor>,
}

impl Hotline {
    /// A page of the reports the actor may see that pass `filter`, in its order; audited like
    /// any list.
    pub async fn inbox(
        &self,
        actor: &Actor,
        filter: &ReportFilter,
        limit: u32,
    ) -> CoreResult<InboxPage> {
        let limit = limit.clamp(1, MAX_LIST_LIMIT);
        // One more than shown says whether another page follows.
        let mut reports = self
            .store
            .inbox(&actor.visibility(), filter, &[], limit + 1)
            .await?;
        let more = reports.len() > limit as usize;
        reports.truncate(limit as usize);
        self.open_summaries(&mut reports)?;
        // Lists show the start of each report's text: an access to sensitive data (R24).
        self.audit(
            Some(actor.0.id),
            "reports.listed",
            actor.0.unit.as_str(),
            &format!("count={}", reports.len()),
        )
        .await?;
        let next = more
            .then(|| reports.last().map(|r| ReportCursor::after(r, filter.order)))
            .flatten();
        Ok(InboxPage { reports, next })
    }

    /// How many reports the actor may see hold each status, urgency and channel.
    pub async fn inbox_counts(&self, actor: &Actor) -> CoreResult<Vec<FacetCount>> {
        Ok(self.store.report_counts(&actor.visibility()).await?)
    }

    /// Reports the actor may see that arrived after the one with id `after`: what an open
    /// inbox asks every little while. Not audited: it reads no report, only counts.
    pub async fn newer_reports(&self, actor: &Actor, after: i64) -> CoreResult<NewerReports> {
        Ok(self.store.newer_reports(&actor.visibility(), after).await?)
    }

    /// The newest reports the actor may see.
    pub async fn list_reports(&self, actor: &Actor, limit: u32) -> CoreResult<Vec<ReportSummary>> {
        Ok(self
            .inbox(actor, &ReportFilter::default(), limit)
            .await?
            .reports)
    }

    /// Reports the actor may see that match `query`: a case number finds that report; a phone
    /// number finds every report its owner left it on, on any channel (only for members with
    /// clearance: it links reports to a person); anything else finds the reports holding every
    /// word, with or without diacritics, through the blind index. Each search is audited, without
    /// its terms.
    pub async fn search_reports(
        &self,
        actor: &Actor,
        query: &str,
        filter: &ReportFilter,
        limit: u32,
    ) -> CoreResult<Vec<SearchHit>> {
        let query = clean_line(query);
        if query.is_empty() {
            let page = self.inbox(actor, filter, limit).await?;
            return Ok(page
                .reports
                .into_iter()
                .map(|report| SearchHit {
                    report,
                    snippet: Vec::new(),
                })
                .collect());
        }
        let limit = limit.clamp(1, MAX_LIST_LIMIT);
        let visibility = actor.visibility();
        let searched_words = search_tokens(&query);
        let (mut reports, how) = if let Some(case) = CaseNumber::parse(&query) {
            let found = match self.store.report(&visibility, &case).await {
                Ok(detail) => vec![detail.summary],
                Err(StoreError::NotFound) => Vec::new(),
                Err(e) => return Err(e.into()),
            };
            (found, "case".to_owned())
        } else if let Some(phone) = Phone::parse(&query).filter(|_| is_number_only(&query)) {
            if !actor.0.role.may_reveal_identity() {
                self.audit(
                    Some(actor.0.id),
                    "reports.phone_search_refused",
                    actor.0.unit.as_str(),
                    "no clearance",
                )
                .await?;
                return Err(CoreError::Forbidden);
            }
            let index = self.keys.blind_index("phone", phone.e164());
            let found = self
                .store
                .reports_by_phone(&visibility, &index, limit)
                .await?;
            (found, "phone".to_owned())
        } else {
            let words: Vec<_> = searched_words
                .iter()
                .map(|word| self.keys.word_digest(word))
                .collect();
            let found = if words.is_empty() {
                Vec::new()
            } else {
                self.store.inbox(&visibility, filter, &words, limit).await?
            };
            (found, format!("words={}", words.len()))
        };
        self.open_summaries(&mut reports)?;
        self.audit(
            Some(actor.0.id),
            "reports.searched",
            actor.0.unit.as_str(),
            &format!("by={how} results={}", reports.len()),
        )
        .await?;
        let by_words = how.starts_with("words");
        let mut hits = Vec::with_capacity(reports.len());
        for report in reports {
            let snippet = if by_words {
                self.snippet_of(&report, &searched_words).await?
            } else {
                Vec::new()
            };
            hits.push(SearchHit { report, snippet });
        }
        Ok(hits)
    }

    /// Where `words` stand in a report: its first message that holds one of them, oldest
    /// first; empty when only its address holds them.
    async fn snippet_of(
        &self,
        report: &ReportSummary,
        words: &[String],
    ) -> CoreResult<Vec<SnippetPiece>> {
        let key = self.data_key(report)?;
        for message in self.store.messages(report.id).await? {
            let text = masked(&message_text(key.as_ref(), &message)?);
            let found = snippet(&text, words, SNIPPET_WIDTH);
            if !found.is_empty() {
                return Ok(found);
            }
        }
        Ok(Vec::new())
    }

    /// An evidence file of a report the actor may see, opened for download; audited.
    pub async fn download_attachment(
        &self,
        actor: &Actor,
        case: &str,
        attachment: i64,
    ) -> CoreResult<(Attachment, Vec<u8>)> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        let info = self
            .store
            .attachments(detail.summary.id)
            .await?
            .into_iter()
            .find(|a| a.id == attachment)
            .ok_or(CoreError::NotFound)?;
        let sealed = self
            .store
            .attachment_content(detail.summary.id, attachment)
            .await?;
        let key = self
            .data_key(&detail.summary)?
            .ok_or_else(|| CoreError::Internal("an attachment without a data key".into()))?;
        let content = key
            .open(&sealed, ATTACHMENT)
            .map_err(|_| CoreError::Internal("a sealed attachment does not open".into()))?;
        self.audit(
            Some(actor.0.id),
            "attachment.downloaded",
            case.as_str(),
            &info.file_name,
        )
        .await?;
        Ok((info, content))
    }

    /// Unseals and masks the summaries of a list.
    fn open_summaries(&self, reports: &mut [ReportSummary]) -> CoreResult<()> {
        for report in reports {
            if let Some(key) = self.data_key(report)? {
                report.summary = open_text(&key, report.sealed_summary.as_deref(), SUMMARY)?
                    .unwrap_or_else(|| std::mem::take(&mut report.summary));
            }
            report.summary = masked(&report.summary);
        }
        Ok(())
    }

    /// One report, or `NotFound` when it does not exist or is not the actor's to see; the two are
    /// indistinguishable so case numbers of other units cannot be probed.
    pub async fn report(&self, actor: &Actor, case: &str) -> CoreResult<ReportView> {
        let case = CaseNumber::parse(case).ok_or(CoreError::NotFound)?;
        let detail = self.store.report(&actor.visibility(), &case).await?;
        self.audit(Some(actor.0.id), "report.opened", case.as_str(), "")
            .await?;
        let mut detail = detail;
        let mut messages = self.store.messages(detail.summary.id).await?;
        if let Some(key) = self.data_key(&detail.summary)? {
            detail.summary.summary =
                open_text(&key, detail.summary.sealed_summary.as_deref(), SUMMARY)?
                    .unwrap_or_else(|| std::mem::take(&mut detail.summary.summary));
            if let Some(address) = open_text(&key, detail.sealed_address.as_deref(), ADDRESS)? {
                detail.address = Some(address);
            }
            for message in &mut messages {
                message.body = message_text(Some(&key), message)?;
            }
        }
        detail.summary.summary = masked(&detail.summary.summary);
        detail.address = detail.address.as_deref().map(masked);
        let messages = messages
            .into_iter()
            .map(|mut message| {
                let parts = parts_of(&message.body);
                message.body = masked(&message.body);
                MessageView { message, parts }
            })
            .collect();
        let events = self.store.events(detail.summary.id).await?;
        let reveal_requests = if actor.0.role.may_reveal_identity() {
            self.store.open_reveal_requests(detail.summary.id).await?
        } else {
            Vec::new()
        };
        let reporter = detail.contact.and_then(|contact| {
            let basis = match &detail.contact_phone_index {
                Some(index) => format!("phone:{}", hex::encode(index)),
                None => format!("contact:{}", contact.0),
            };
            Pseudonym::from_digest(&self.keys.blind_index("pseudonym", &basis))
        });
        let attachments = self.store.attachments(detail.summary.id).await?;
        let assignee = match detail.assignee {
            Some(id) => Some(self.store.staff(id).await?),
            None => None,
        };
        Ok(ReportView {
            assignee,
            detail,
            messages,
            events,
            reveal_requests,
            reporter,
            attachments,
        })
    }
}

impl Hotline {
    /// The report's data key, when its data is sealed (rows from before sealing have none).
    pub(crate) fn data_key(&self, report: &ReportSummary) -> CoreResult<Option<DataKey>> {
        report
            .wrapped_key
            .as_deref()
            .map(|wrapped| self.keys.unwrap(report.key_id.as_deref(), wrapped))
            .transpose()
    }
}

/// Whether a query is written as a number alone (digits and the signs numbers are written
/// with), so that words such as "số 113" stay a word search.
fn is_number_only(query: &str) -> bool {
    query.chars().filter(char::is_ascii_digit).count() >= 9
        && query
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '.' | '-' | '(' | ')' | ' '))
}

/// Text with phone, ID and account numbers and e-mail addresses masked, for everyone: a member
/// with clearance reveals each item on its own, with a reason, audited.
fn masked(text: &str) -> String {
    hotline_domain::pii::mask(text).0
}

fn parts_of(text: &str) -> Vec<Part> {
    let mut item = 0;
    hotline_domain::pii::segments(text)
        .into_iter()
        .map(|segment| match segment {
            Segment::Plain(plain) => Part::Text(plain.to_owned()),
            Segment::Personal(_) => {
                item += 1;
                Part::Hidden { item: item - 1 }
            }
        })
        .collect()
}

/// A message's text: opened when sealed, else the plaintext of rows from before sealing.
pub(crate) fn message_text(key: Option<&DataKey>, message: &Message) -> CoreResult<String> {
    let opened = match key {
        Some(key) => open_text(key, message.sealed_body.as_deref(), MESSAGE_TEXT)?,
        None => None,
    };
    Ok(opened.unwrap_or_else(|| message.body.clone()))
}

/// Opens a sealed text; `None` when nothing was sealed (the plaintext column then holds it).
fn open_text(key: &DataKey, sealed: Option<&[u8]>, what: &[u8]) -> CoreResult<Option<String>> {
    sealed
        .map(|sealed| {
            let bytes = key
                .open(sealed, what)
                .map_err(|_| CoreError::Internal("sealed text does not open".into()))?;
            String::from_utf8(bytes)
                .map_err(|_| CoreError::Internal("sealed text is not UTF-8".into()))
        })
        .transpose()
}
