//! Reading reports, always through the actor's visibility.

use crate::intake::{ADDRESS, ATTACHMENT, MESSAGE_TEXT, NOTE_TEXT, SUMMARY};
use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Utc};
use hotline_domain::AuditAction;
use hotline_domain::pii::Segment;
use hotline_domain::text::{Phone, SnippetPiece, clean_line, index_terms, search_tokens, snippet};
use hotline_domain::{CaseNumber, Channel, DomainError, Pseudonym, ReportEvent};
use hotline_store::StoreError;
use hotline_store::{
    Attachment, Event, FacetCount, Message, NewerReports, Note, ReportCursor, ReportDetail,
    ReportFilter, ReportSummary, RevealRequest, StaffMember,
};
use hotline_vault::seal::DataKey;
use std::collections::HashMap;

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

/// What a search found.
#[derive(Debug, Clone, Default)]
pub struct SearchOutcome {
    pub hits: Vec<SearchHit>,
    /// A search by phone number or e-mail: any match that policy keeps behind a second
    /// approval (a report about police conduct) now waits for it, and the same search shows
    /// it once approved. Whether there is any such match is not told.
    pub by_contact: bool,
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

/// An internal note as shown: its text with personal items masked.
#[derive(Debug, Clone)]
pub struct NoteView {
    pub note: Note,
}

/// A history event as shown, with the names its detail points at.
#[derive(Debug, Clone)]
pub struct EventView {
    pub event: Event,
    /// Who did it, by display name.
    pub actor: Option<String>,
    /// For an assignment, the member it went to.
    pub assignee: Option<String>,
}

/// One entry of a report's timeline.
#[derive(Debug, Clone)]
pub enum TimelineItem {
    Message(MessageView),
    Note(NoteView),
    Event(EventView),
}

/// The report's whole story in time order: the reporter's messages and the answers (with
/// those of the reports joined to it), internal notes, and what happened to it.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    /// For a message of a report joined to this one, that report.
    pub joined: Option<CaseNumber>,
    pub item: TimelineItem,
}

/// A report with its conversation and history, as the console shows it.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub detail: ReportDetail,
    pub messages: Vec<MessageView>,
    pub events: Vec<Event>,
    pub notes: Vec<NoteView>,
    /// Reports joined to this one that the reader can see.
    pub merged: Vec<ReportSummary>,
    pub timeline: Vec<TimelineEntry>,
    /// What the first message's text suggests (legal type, topic, urgency, place, where
    /// personal data sits).
    pub hints: Option<hotline_domain::hints::Hints>,
    /// Reveal requests waiting or approved; only for members with clearance.
    pub reveal_requests: Vec<RevealRequest>,
    /// What staff call the reporter, when they left a contact: the same for the same phone
    /// number on every report.
    pub reporter: Option<Pseudonym>,
    /// The reader's other reports from the same reporter (the same phone number, whatever the
    /// channel): their case numbers and channels, never the number.
    pub same_reporter: Vec<(CaseNumber, Channel)>,
    pub attachments: Vec<Attachment>,
    /// The member the report is handed to.
    pub assignee: Option<StaffMember>,
    /// It came in on a platform account with an address to answer to: answers leave there
    /// (a report captured by hand, or from a call, is answered on its follow-up page only).
    pub answered_on_platform: bool,
}

/// A page of an inbox, and where the next one starts.
#[derive(Debug, Clone)]
pub struct InboxPage {
    pub reports: Vec<ReportSummary>,
    /// `None` on the last page.
    pub next: Option<ReportCursor>,
}

impl Hotline {
    /// What staff call a report's reporter, when they left a contact: the same for the same
    /// phone number on every report.
    pub(crate) fn reporter_pseudonym(&self, detail: &ReportDetail) -> Option<Pseudonym> {
        let contact = detail.contact?;
        let basis = match &detail.contact_phone_index {
            Some(index) => format!("phone:{}", hex::encode(index)),
            None => format!("contact:{}", contact.0),
        };
        Pseudonym::from_digest(&self.keys.blind_index("pseudonym", &basis))
    }
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
            AuditAction::ReportsListed,
            actor.0.unit.as_str(),
            &format!("count={}", reports.len()),
        )
        .await?;
        let next = more
            .then(|| reports.last().map(|r| ReportCursor::after(r, filter.order)))
            .flatten();
        Ok(InboxPage { reports, next })
    }

    /// The units whose reports the actor may see, by path (a leader's unit, then those below).
    pub async fn units_in_scope(&self, actor: &Actor) -> CoreResult<Vec<hotline_store::Unit>> {
        let mut units: Vec<_> = match actor.visibility() {
            hotline_store::Visibility::Nothing => return Ok(Vec::new()),
            hotline_store::Visibility::Unit(code) => vec![self.store.unit(&code).await?],
            hotline_store::Visibility::Subtree(path) | hotline_store::Visibility::Leaders(path) => {
                self.store
                    .list_units()
                    .await?
                    .into_iter()
                    .filter(|u| u.path.starts_with(&path))
                    .collect()
            }
        };
        units.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(units)
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
        reason: Option<&str>,
        filter: &ReportFilter,
        limit: u32,
    ) -> CoreResult<SearchOutcome> {
        let query = clean_line(query);
        if query.is_empty() {
            let page = self.inbox(actor, filter, limit).await?;
            let hits = page
                .reports
                .into_iter()
                .map(|report| SearchHit {
                    report,
                    snippet: Vec::new(),
                })
                .collect();
            return Ok(SearchOutcome {
                hits,
                by_contact: false,
            });
        }
        let limit = limit.clamp(1, MAX_LIST_LIMIT);
        // What is masked for a reader is not searchable by them in any form: a phone, ID or
        // account number or an e-mail address anywhere in the query needs clearance, as
        // written, as folded (marks that folding drops would split a number for the masker)
        // and as the words the index is asked for.
        let holds_personal = [query.clone(), hotline_domain::text::fold(&query)]
            .iter()
            .any(|form| {
                hotline_domain::pii::segments(form)
                    .iter()
                    .any(|segment| matches!(segment, hotline_domain::pii::Segment::Personal(_)))
            })
            || search_tokens(&query)
                .iter()
                .any(|token| token.chars().filter(char::is_ascii_digit).count() >= 9);
        let by_phone = Phone::parse(&query).filter(|_| is_number_only(&query));
        // A case number alone is looked up as one, never searched as words or a number.
        let contact_search =
            (holds_personal || by_phone.is_some()) && CaseNumber::parse(&query).is_none();
        if contact_search && !actor.0.role.may_reveal_identity() {
            self.audit(
                Some(actor.0.id),
                AuditAction::ReportsPhoneSearchRefused,
                actor.0.unit.as_str(),
                "no clearance",
            )
            .await?;
            return Err(CoreError::Forbidden);
        }
        // A search by a number or an address ties it to reports: a reveal, with its reason.
        let contact_reason = if contact_search {
            match reason.map(str::trim).filter(|r| !r.is_empty()) {
                None => return Err(DomainError::field("reason", "required").into()),
                Some(reason) => Some(crate::identity::written_reason(reason)?),
            }
        } else {
            None
        };
        let visibility = actor.visibility();
        let searched_words = search_tokens(&query);
        let (mut reports, how) = if let Some(case) = CaseNumber::parse(&query) {
            let found = match self.store.report(&visibility, &case).await {
                Ok(detail) => vec![detail.summary],
                Err(StoreError::NotFound) => Vec::new(),
                Err(e) => return Err(e.into()),
            };
            (found, "case".to_owned())
        } else if let Some(phone) = &by_phone {
            // The reports its owner left it on, then those whose text names it.
            let index = self.keys.blind_index("phone", phone.e164());
            let mut found = self
                .store
                .reports_by_phone(&visibility, &index, limit)
                .await?;
            let named = [self.keys.personal_digest(phone.e164())];
            for report in self.store.inbox(&visibility, filter, &named, limit).await? {
                if found.len() < limit as usize && !found.iter().any(|f| f.id == report.id) {
                    found.push(report);
                }
            }
            (found, "phone".to_owned())
        } else {
            // Personal items are indexed apart from words; only a contact search (cleared,
            // with a reason, above) gets here with any.
            let words = self.keys.term_digests(&index_terms(&query));
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
            AuditAction::ReportsSearched,
            actor.0.unit.as_str(),
            &format!("by={how} results={}", reports.len()),
        )
        .await?;
        let by_contact = contact_reason.is_some();
        if let Some(reason) = contact_reason {
            let searched = match &by_phone {
                Some(phone) => phone.e164().to_owned(),
                None => search_tokens(&query).join(" "),
            };
            self.reveal_contact_matches(actor, &searched, &reason, &mut reports)
                .await?;
        }
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
        Ok(SearchOutcome { hits, by_contact })
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
            AuditAction::AttachmentDownloaded,
            case.as_str(),
            &info.file_name,
        )
        .await?;
        Ok((info, content))
    }

    /// Unseals and masks the summaries of a list.
    pub(crate) fn open_summaries(&self, reports: &mut [ReportSummary]) -> CoreResult<()> {
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
        self.audit(
            Some(actor.0.id),
            AuditAction::ReportOpened,
            case.as_str(),
            "",
        )
        .await?;
        let mut detail = detail;
        // The report it was joined to is named only to those who may read that one too.
        if let Some(into) = &detail.merged_into {
            match self.store.report(&actor.visibility(), into).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => detail.merged_into = None,
                Err(e) => return Err(e.into()),
            }
        }
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
        // Hints read the reporter's own words, before anything is masked: those of the
        // message the report began with, as when it was taken in, wherever the conversation
        // places it.
        let hints = messages
            .iter()
            .min_by_key(|m| m.id.0)
            .map(|m| hotline_domain::hints::hints(&m.body, &self.places));
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
        let messages: Vec<MessageView> = messages;
        let events = self.store.events(detail.summary.id).await?;
        let mut notes = self.store.notes(detail.summary.id).await?;
        let key = self.data_key(&detail.summary)?;
        for note in &mut notes {
            let text = match &key {
                Some(key) => open_text(key, note.sealed_body.as_deref(), NOTE_TEXT)?,
                None => None,
            };
            note.body = masked(&text.unwrap_or_else(|| std::mem::take(&mut note.body)));
        }
        let notes: Vec<NoteView> = notes.into_iter().map(|note| NoteView { note }).collect();
        let mut merged = self
            .store
            .merged_reports(&actor.visibility(), detail.summary.id)
            .await?;
        self.open_summaries(&mut merged)?;
        let mut joined_messages = Vec::new();
        for report in &merged {
            let key = self.data_key(report)?;
            for mut message in self.store.messages(report.id).await? {
                message.body = message_text(key.as_ref(), &message)?;
                let parts = parts_of(&message.body);
                message.body = masked(&message.body);
                joined_messages.push((report.case_number.clone(), MessageView { message, parts }));
            }
        }
        let timeline = self
            .timeline(&messages, joined_messages, &notes, &events)
            .await?;
        // A member's own request to see this report as a match of their contact search is
        // not shown to them: it would tell them which report the number is tied to before
        // anyone approved it.
        let reveal_requests = if actor.0.role.may_reveal_identity() {
            let mut requests = self.store.open_reveal_requests(detail.summary.id).await?;
            requests.retain(|r| {
                !(r.requested_by == actor.0.id
                    && matches!(
                        r.target.parse(),
                        Ok(crate::identity::RevealTarget::ContactSearch { .. })
                    ))
            });
            for request in &mut requests {
                request.reason =
                    self.open_reasons(&request.reason, detail.summary.case_number.as_str());
            }
            requests
        } else {
            Vec::new()
        };
        let reporter = self.reporter_pseudonym(&detail);
        let same_reporter = match &detail.contact_phone_index {
            Some(index) => self
                .store
                .reports_by_phone(&actor.visibility(), index, 20)
                .await?
                .into_iter()
                // A report kept behind a second approval is not tied to this one by its
                // number: that is the contact search's reveal, with its approval.
                .filter(|other| {
                    other.id != detail.summary.id && !self.needs_second_approval(other.legal_type)
                })
                .map(|other| (other.case_number, other.channel))
                .collect(),
            None => Vec::new(),
        };
        let attachments = self.store.attachments(detail.summary.id).await?;
        let assignee = match detail.assignee {
            Some(id) => Some(self.store.staff(id).await?),
            None => None,
        };
        let answered_on_platform = self.store.reply_sealed(detail.summary.id).await?.is_some();
        Ok(ReportView {
            answered_on_platform,
            hints,
            assignee,
            detail,
            messages,
            events,
            notes,
            merged,
            timeline,
            reveal_requests,
            reporter,
            same_reporter,
            attachments,
        })
    }
}

impl Hotline {
    /// Messages, notes and events in one time order (a message before the event written with
    /// it), with the names of the members the events point at.
    async fn timeline(
        &self,
        messages: &[MessageView],
        joined: Vec<(CaseNumber, MessageView)>,
        notes: &[NoteView],
        events: &[Event],
    ) -> CoreResult<Vec<TimelineEntry>> {
        let mut names: HashMap<i64, Option<String>> = HashMap::new();
        let mut name_of = async |id: i64| -> CoreResult<Option<String>> {
            if let Some(name) = names.get(&id) {
                return Ok(name.clone());
            }
            let name = match self.store.staff(hotline_domain::StaffId(id)).await {
                Ok(member) if member.display_name.is_empty() => Some(member.username),
                Ok(member) => Some(member.display_name),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            };
            names.insert(id, name.clone());
            Ok(name)
        };
        let mut entries = Vec::new();
        for view in messages {
            entries.push((
                0,
                TimelineEntry {
                    at: view.message.at(),
                    joined: None,
                    item: TimelineItem::Message(view.clone()),
                },
            ));
        }
        for (case, view) in joined {
            entries.push((
                0,
                TimelineEntry {
                    at: view.message.at(),
                    joined: Some(case),
                    item: TimelineItem::Message(view),
                },
            ));
        }
        for note in notes {
            entries.push((
                1,
                TimelineEntry {
                    at: note.note.created_at,
                    joined: None,
                    item: TimelineItem::Note(note.clone()),
                },
            ));
        }
        for event in events {
            // The timeline shows these through their message or note.
            if matches!(
                event.what,
                ReportEvent::ReporterAdded | ReportEvent::Replied | ReportEvent::Noted
            ) {
                continue;
            }
            let actor = match event.actor {
                Some(id) => name_of(id.0).await?,
                None => None,
            };
            let assignee = match event.what {
                ReportEvent::Assigned { staff } => name_of(staff.0).await?,
                _ => None,
            };
            entries.push((
                2,
                TimelineEntry {
                    at: event.created_at,
                    joined: None,
                    item: TimelineItem::Event(EventView {
                        event: event.clone(),
                        actor,
                        assignee,
                    }),
                },
            ));
        }
        entries.sort_by_key(|(rank, entry)| (entry.at, *rank));
        Ok(entries.into_iter().map(|(_, entry)| entry).collect())
    }

    /// The message a report began with, opened: the first written, not the first sent (a
    /// message sent earlier may have arrived after it).
    pub(crate) async fn first_message_text(&self, report: &ReportSummary) -> CoreResult<String> {
        let key = self.data_key(report)?;
        match self
            .store
            .messages(report.id)
            .await?
            .iter()
            .min_by_key(|m| m.id.0)
        {
            Some(message) => message_text(key.as_ref(), message),
            None => Ok(String::new()),
        }
    }

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
pub(crate) fn open_text(
    key: &DataKey,
    sealed: Option<&[u8]>,
    what: &[u8],
) -> CoreResult<Option<String>> {
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
