//! Intake: a validated report is numbered and written durably before anyone is told it was
//! received. One writer task takes every pending report off a queue and commits them together
//! (group commit), so thousands of submissions a second cost a handful of fsyncs, and case
//! numbers are assigned in one place without races.

use crate::evidence::{Evidence, EvidenceLimits};
use crate::keys::Keys;
use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Utc};
use hotline_domain::DomainError;
use hotline_domain::danger::Danger;
use hotline_domain::hints::Hints;
use hotline_domain::text::index_terms;
use hotline_domain::workflow::Stage;
use hotline_domain::{
    CaseNumber, Channel, FollowUpCode, ReportInput, StaffId, UnitCode, Urgency, ValidContact,
    ValidReport, vietnam_year,
};
use hotline_store::{
    NewAttachment, NewContact, NewReport, ProcedureState, Receipt, Store, StoreError, StoreResult,
};
use hotline_vault::seal::DataKey;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Characters of the report text shown in lists.
const SUMMARY_CHARS: usize = 160;
/// How often a batch is tried while the database is unreachable (nothing was written, so a
/// retry is safe).
const BATCH_ATTEMPTS: u32 = 3;
/// Longest a submitter waits for its report to be written before being told to try again.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy)]
pub struct IntakeConfig {
    /// Most reports committed in one transaction.
    pub max_batch: usize,
    /// Reports that may wait for the writer before submitters wait for room.
    pub queue_capacity: usize,
}

impl Default for IntakeConfig {
    fn default() -> Self {
        Self {
            max_batch: 256,
            queue_capacity: 8192,
        }
    }
}

/// A report as it reaches intake from any channel. Its `Debug` shows no text, identity or
/// platform id.
#[derive(Clone)]
pub struct Submission {
    pub input: ReportInput,
    pub channel: Channel,
    pub account: String,
    pub platform_message_id: Option<String>,
    pub urgency: Urgency,
    pub entered_by: Option<StaffId>,
    /// Where it came from, for its register line (R2): a person, unless the desk says otherwise.
    pub source: hotline_domain::receipt::ReceiptSource,
    /// When the report was received, if not now (a call logged after the fact, demo data).
    pub received_at: Option<DateTime<Utc>>,
    /// When the citizen sent it, as their platform says.
    pub sent_at: Option<DateTime<Utc>>,
    /// The unit whose line or account took it in: its home when the report names no place.
    pub owner: Option<UnitCode>,
    /// The citizens' web form as sent: the same form sent again is one report.
    pub form: Option<FormSent>,
    /// Evidence files, already inspected (see [`crate::evidence::inspect`]).
    pub evidence: Vec<Evidence>,
    /// Blind index of the platform sender, to thread their next messages into this report.
    pub sender_index: Option<Vec<u8>>,
    /// Where answers go on the platform (the sender's id there), sealed with the report.
    pub reply_to: Option<String>,
    /// What the follow-up code is derived from, so that a redelivery of the same message gets
    /// the same code again (the platform's message id); a random code when `None`.
    pub code_key: Option<String>,
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("input", &self.input)
            .field("channel", &self.channel)
            .field("account", &self.account)
            .field("urgency", &self.urgency)
            .field("owner", &self.owner)
            .field("evidence", &self.evidence)
            .finish_non_exhaustive()
    }
}

impl Submission {
    pub fn new(input: ReportInput, channel: Channel) -> Self {
        Self {
            input,
            channel,
            account: String::new(),
            platform_message_id: None,
            urgency: Urgency::Normal,
            entered_by: None,
            source: hotline_domain::receipt::ReceiptSource::Person,
            received_at: None,
            sent_at: None,
            owner: None,
            form: None,
            evidence: Vec::new(),
            sender_index: None,
            reply_to: None,
            code_key: None,
        }
    }
}

/// A citizen's web form as sent: its token (random, made when the form was handed out) and
/// what was typed into it. Sent again with the same content (a double tap, a connection lost
/// on the way back) it is one report, whose receipt is shown again for a short while; with
/// other content under the same token, a report of its own. Neither token nor content is
/// kept: only keyed digests, so that a copy of the database cannot be sent again to read a
/// receipt.
#[derive(Clone)]
pub struct FormSent {
    pub token: String,
    /// The form's fields in a fixed order (the same form gives the same string); the files'
    /// digests are added by intake.
    pub fields: String,
}

impl std::fmt::Debug for FormSent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormSent").finish_non_exhaustive()
    }
}

/// How long a form sent again gets its receipt again: a double tap or a lost answer comes
/// within minutes. Later it may be someone else at the same browser sending the form back
/// from its history: they are told the report was taken in, and nothing of it.
pub const FORM_RECEIPT_AGAIN: chrono::Duration = chrono::Duration::hours(1);

/// What the reporter is told.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub case_number: CaseNumber,
    /// The secret for following the report up; `None` for a redelivery of a message already
    /// taken in, whose code was given the first time (a form sent again within
    /// [`FORM_RECEIPT_AGAIN`] gets its code again).
    pub follow_up_code: Option<FollowUpCode>,
    /// What the text suggests about danger now; the receipt leads with the numbers to call.
    pub danger: Danger,
    /// It was taken in before (the same form, the same platform message).
    pub duplicate: bool,
}

struct Job {
    report: NewReport,
    reply: oneshot::Sender<StoreResult<Receipt>>,
}

#[derive(Clone)]
pub(crate) struct IntakeHandle {
    queue: mpsc::Sender<Job>,
    depth: Arc<AtomicUsize>,
    /// Reports handed to the writer since start: while it moves, intake is busy.
    submitted: Arc<AtomicU64>,
    /// Set by the word indexer while too many word entries are queued: each intake commit
    /// then also moves twice as many entries as it holds reports (see `word_index`).
    index_on_commit: Arc<AtomicBool>,
}

impl IntakeHandle {
    pub(crate) fn depth(&self) -> usize {
        self.depth.load(Ordering::Relaxed)
    }

    pub(crate) fn running(&self) -> bool {
        !self.queue.is_closed()
    }

    /// The count of reports handed to the writer, shared: read it to tell a busy intake from
    /// an idle one without keeping the writer alive.
    pub(crate) fn submitted(&self) -> Arc<AtomicU64> {
        self.submitted.clone()
    }

    /// The switch that has intake's commits move queued words too.
    pub(crate) fn index_on_commit(&self) -> Arc<AtomicBool> {
        self.index_on_commit.clone()
    }

    async fn write(&self, report: NewReport) -> CoreResult<Receipt> {
        let (reply, answer) = oneshot::channel();
        let queued_and_written = async {
            self.depth.fetch_add(1, Ordering::Relaxed);
            self.submitted.fetch_add(1, Ordering::Relaxed);
            if self.queue.send(Job { report, reply }).await.is_err() {
                self.depth.fetch_sub(1, Ordering::Relaxed);
                return Err(CoreError::Unavailable);
            }
            match answer.await {
                Ok(result) => result.map_err(CoreError::from),
                // The writer dropped the job: it stopped or a commit panicked.
                Err(_) => Err(CoreError::Unavailable),
            }
        };
        // The report may still be written after a timeout; the submitter was not told it was
        // received, so at worst it is sent twice, never lost.
        tokio::time::timeout(WRITE_TIMEOUT, queued_and_written)
            .await
            .unwrap_or(Err(CoreError::Unavailable))
    }
}

/// The writer tasks, of reports, of the delivery journal and of taking deliveries apart. They
/// end once every handle is gone and their queues are drained; await [`IntakeWriter::finish`]
/// on shutdown so that nothing accepted is dropped.
pub struct IntakeWriter {
    reports: JoinHandle<()>,
    others: Vec<(&'static str, JoinHandle<()>)>,
}

impl IntakeWriter {
    /// Another writer to wait for on shutdown.
    pub(crate) fn with(mut self, name: &'static str, writer: JoinHandle<()>) -> Self {
        self.others.push((name, writer));
        self
    }

    pub async fn finish(self) {
        if let Err(e) = self.reports.await {
            tracing::error!(error = %e, "intake writer ended abnormally");
        }
        for (name, writer) in self.others {
            if let Err(e) = writer.await {
                tracing::error!(error = %e, writer = name, "writer ended abnormally");
            }
        }
    }
}

pub(crate) fn spawn_writer(
    store: Arc<dyn Store>,
    keys: Arc<Keys>,
    config: IntakeConfig,
    store_away: Arc<AtomicBool>,
) -> (IntakeHandle, IntakeWriter) {
    let (queue, mut jobs) = mpsc::channel::<Job>(config.queue_capacity.max(1));
    let depth = Arc::new(AtomicUsize::new(0));
    let handle = IntakeHandle {
        queue,
        depth: depth.clone(),
        submitted: Arc::new(AtomicU64::new(0)),
        index_on_commit: Arc::new(AtomicBool::new(false)),
    };
    let index_on_commit = handle.index_on_commit();
    let max_batch = config.max_batch.max(1);
    let task = crate::journal::on_own_thread("hotline-intake-writer", async move {
        while let Some(first) = jobs.recv().await {
            let mut batch = vec![first];
            while batch.len() < max_batch {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            depth.fetch_sub(batch.len(), Ordering::Relaxed);
            metrics::gauge!("hotline_intake_queue_depth").set(depth.load(Ordering::Relaxed) as f64);
            let queued_words = if index_on_commit.load(Ordering::Relaxed) {
                u32::try_from(batch.len() * 2).unwrap_or(u32::MAX)
            } else {
                0
            };
            let commit = commit(
                store.clone(),
                keys.clone(),
                batch,
                queued_words,
                store_away.clone(),
            );
            // A panic inside one commit drops that batch's replies (their submitters get 503)
            // but must not stop intake for everyone after them.
            if let Err(e) = tokio::spawn(commit).await {
                tracing::error!(error = %e, "intake commit failed abnormally");
            }
        }
    });
    (
        handle,
        IntakeWriter {
            reports: task,
            others: Vec::new(),
        },
    )
}

/// Commits a batch of reports, and with them up to `queued_words` queued word entries.
async fn commit(
    store: Arc<dyn Store>,
    keys: Arc<Keys>,
    batch: Vec<Job>,
    queued_words: u32,
    store_away: Arc<AtomicBool>,
) {
    let (mut reports, replies): (Vec<NewReport>, Vec<_>) =
        batch.into_iter().map(|j| (j.report, j.reply)).unzip();
    metrics::histogram!("hotline_intake_batch_size").record(reports.len() as f64);
    match write_with_retry(
        store.as_ref(),
        &keys,
        &mut reports,
        queued_words,
        &store_away,
    )
    .await
    {
        Ok(receipts) => {
            crate::say_store_writable();
            for (reply, receipt) in replies.into_iter().zip(receipts) {
                let _ = reply.send(Ok(receipt));
            }
        }
        // A problem with one report's data must not sink the others: write each on its own.
        Err(StoreError::Other(_) | StoreError::Conflict(_) | StoreError::NotFound)
            if reports.len() > 1 =>
        {
            for (report, reply) in reports.iter().zip(replies) {
                let outcome = store
                    .intake(std::slice::from_ref(report))
                    .await
                    .and_then(|mut r| r.pop().ok_or(StoreError::NotFound));
                let _ = reply.send(outcome);
            }
        }
        // Unreachable database or an unknown commit outcome: answer everyone now.
        Err(e) => {
            for reply in replies {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}

async fn write_with_retry(
    store: &dyn Store,
    keys: &Keys,
    reports: &mut [NewReport],
    mut queued_words: u32,
    store_away: &AtomicBool,
) -> StoreResult<Vec<Receipt>> {
    let mut attempt = 0;
    loop {
        match store.intake_indexing(reports, queued_words).await {
            Ok(receipts) => return Ok(receipts),
            // A rotation moved the store to a new master key: wrap again, under it, and retry.
            Err(StoreError::KeyChanged) if attempt + 1 < BATCH_ATTEMPTS => {
                attempt += 1;
                follow_key_change(store, keys, reports)
                    .await
                    .map_err(|e| StoreError::Other(e.to_string()))?;
            }
            // Whatever went wrong with the queued words riding along must not cost the
            // reports their commit: again without them. Not when the commit's outcome is
            // unknown: the reports may be in, and a second write would double them.
            Err(e)
                if queued_words > 0
                    && !matches!(e, StoreError::Indeterminate(_) | StoreError::Full(_)) =>
            {
                tracing::warn!(error = %e, "intake batch failed with queued words; retrying without");
                queued_words = 0;
            }
            // A blip of a database server is retried; a store known to be away (see
            // `arrivals`) is not waited for again. An embedded file locked by another process
            // past the busy timeout is tried once more (our own commands hold the lock
            // briefly), not for the length of a backup: the submitters are told to try later.
            Err(StoreError::Unavailable(e))
                if attempt + 1 < attempts_for(store) && !store_away.load(Ordering::Acquire) =>
            {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "store unavailable; retrying intake batch");
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            Err(StoreError::Full(e)) => {
                crate::say_store_full(&e);
                return Err(StoreError::Full(e));
            }
            Err(e) => {
                tracing::error!(error = %e, reports = reports.len(), "intake batch failed");
                return Err(e);
            }
        }
    }
}

/// How many times a batch is tried when its store is unavailable.
fn attempts_for(store: &dyn Store) -> u32 {
    if store.backend() == "sqlite" {
        2
    } else {
        BATCH_ATTEMPTS
    }
}

async fn follow_key_change(
    store: &dyn Store,
    keys: &Keys,
    reports: &mut [NewReport],
) -> CoreResult<()> {
    keys.follow_store(store).await?;
    for report in reports {
        let (key_id, wrapped) = keys.rewrap(Some(&report.key_id), &report.wrapped_key)?;
        report.key_id = key_id;
        report.wrapped_key = wrapped;
    }
    Ok(())
}

/// Evidence sealed for keeping, named `evidence-N.ext` from `first` on.
pub(crate) fn seal_evidence(
    data_key: &DataKey,
    evidence: &[Evidence],
    first: usize,
) -> Vec<NewAttachment> {
    evidence
        .iter()
        .enumerate()
        .map(|(i, file)| NewAttachment {
            file_name: format!("evidence-{}.{}", first + i, file.extension),
            content_type: file.content_type.to_owned(),
            size_bytes: i64::try_from(file.bytes.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(Sha256::digest(&file.bytes)),
            original_sha256: file.original_sha256.clone(),
            metadata_removed: file.metadata_removed,
            content_sealed: data_key.seal(&file.bytes, ATTACHMENT),
        })
        .collect()
}

/// The evidence of one submission within the limits (the web layer enforces them while
/// reading; this holds for every channel).
pub(crate) fn check_evidence(evidence: &[Evidence]) -> CoreResult<()> {
    let limits = EvidenceLimits::default();
    if evidence.len() > limits.max_files {
        return Err(DomainError::field("files", "too_many").into());
    }
    let total: usize = evidence.iter().map(|e| e.bytes.len()).sum();
    if evidence
        .iter()
        .any(|e| e.bytes.len() > limits.max_file_bytes)
        || total > limits.max_total_bytes
    {
        return Err(DomainError::field("files", "too_large").into());
    }
    Ok(())
}

/// A form token as the form makes it: 32 lowercase hexadecimal digits (128 random bits).
pub fn is_form_token(token: &str) -> bool {
    token.len() == 32
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A new form token.
pub fn new_form_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A submission read and sealed, waiting to be routed.
struct Prepared {
    report: NewReport,
    hints: Hints,
    /// The province and commune the reporter chose.
    place: (Option<u32>, Option<u32>),
    owner: Option<UnitCode>,
    channel_urgency: Urgency,
    key_material: Option<Vec<u8>>,
    follow_up_code: FollowUpCode,
    danger: Danger,
    from_form: bool,
}

/// What is sealed of a reporter's identity.
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct SealedIdentity {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The associated data of a sealed identity.
pub const IDENTITY: &[u8] = b"hotline/v1/contact";
/// The associated data of a sealed message text.
pub const MESSAGE_TEXT: &[u8] = b"hotline/v1/message-text";
/// The associated data of a sealed report summary.
pub const SUMMARY: &[u8] = b"hotline/v1/summary";
/// The associated data of sealed address details.
pub const ADDRESS: &[u8] = b"hotline/v1/address";
/// The associated data of a sealed internal note.
pub const NOTE_TEXT: &[u8] = b"hotline/v1/note-text";
/// The associated data of a sealed evidence file.
pub const ATTACHMENT: &[u8] = b"hotline/v1/attachment";
/// What the platform address answers go to is sealed as.
pub const REPLY_ADDRESS: &[u8] = b"hotline/v1/reply-address";

fn summary_of(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(SUMMARY_CHARS) {
        Some((cut, _)) => format!("{}…", one_line.get(..cut).unwrap_or_default()),
        None => one_line,
    }
}

impl Hotline {
    fn seal_contact(&self, data_key: &DataKey, contact: ValidContact) -> NewContact {
        let phone = contact.phone.map(|p| p.e164().to_owned());
        let phone_index = phone.as_deref().map(|p| self.keys.blind_index("phone", p));
        let identity = SealedIdentity {
            name: contact.name,
            phone,
            email: contact.email,
        };
        // Serialising three optional strings cannot fail.
        let plaintext = serde_json::to_vec(&identity).unwrap_or_default();
        NewContact {
            sealed: data_key.seal(&plaintext, IDENTITY),
            phone_index,
        }
    }

    /// The CPU-bound part of intake: validation, hints, the follow-up code, sealing and the
    /// word index. The report's unit, case prefix, urgency, deadline and route are filled in
    /// once it is routed.
    fn prepare(&self, submission: Submission) -> CoreResult<Prepared> {
        let valid = submission.input.validate(&self.places)?;
        check_evidence(&submission.evidence)?;
        let form = submission
            .form
            .as_ref()
            .filter(|form| is_form_token(&form.token))
            .map(|form| self.form_digests(form, &submission.evidence));
        let from_form = form.is_some();
        let (platform_message_id, key_material) = match (form, submission.code_key.as_deref()) {
            (Some((id, material)), _) => (Some(id), Some(material)),
            (None, Some(key)) => (
                submission.platform_message_id,
                Some(self.keys.blind_index("platform-message", key)),
            ),
            (None, None) => (submission.platform_message_id, None),
        };
        let follow_up_code = match &key_material {
            Some(material) => FollowUpCode::from_key_material(material)
                .ok_or_else(|| CoreError::Internal("short key material".into()))?,
            None => FollowUpCode::generate(&mut rand::thread_rng()),
        };
        let received_at = submission.received_at.unwrap_or_else(|| self.clock.now());
        if valid
            .occurred_at
            .is_some_and(|at| at > received_at + chrono::Duration::minutes(10))
        {
            return Err(DomainError::field("occurred_at", "in_future").into());
        }
        // Each report gets its own data key; only its wrapped form is stored.
        let data_key = DataKey::generate();
        let (key_id, wrapped_key) = self.keys.wrap(&data_key)?;
        let (hints, danger) = hotline_domain::hints::read(&valid.text, &self.places);
        let ValidReport {
            text,
            province_code,
            commune_code,
            address,
            contact,
            occurred_at,
            protection_requested,
        } = valid;
        let received_year = vietnam_year(received_at);
        let report = NewReport {
            channel: submission.channel,
            account: submission.account,
            platform_message_id,
            received_at,
            sent_at: submission.sent_at,
            unit: self.default_unit.clone(),
            case_prefix: String::new(),
            case_year: received_year,
            follow_up_digest: self.keys.follow_up_digest(follow_up_code.canonical()),
            summary_sealed: data_key.seal(summary_of(&text).as_bytes(), SUMMARY),
            text_sealed: data_key.seal(text.as_bytes(), MESSAGE_TEXT),
            province_code,
            commune_code,
            word_index: self.word_index(&text, address.as_deref()),
            attachments: seal_evidence(&data_key, &submission.evidence, 1),
            address_sealed: address.map(|a| data_key.seal(a.as_bytes(), ADDRESS)),
            anonymous: contact.is_none(),
            contact: contact.map(|c| self.seal_contact(&data_key, c)),
            wrapped_key,
            key_id,
            urgency: submission.urgency,
            deadline: None,
            occurred_at,
            protection_requested,
            entered_by: submission.entered_by,
            source: submission.source,
            route: String::new(),
            sender_index: submission.sender_index,
            reply_sealed: submission
                .reply_to
                .map(|to| data_key.seal(to.as_bytes(), REPLY_ADDRESS)),
        };
        Ok(Prepared {
            report,
            hints,
            place: (province_code, commune_code),
            owner: submission.owner,
            channel_urgency: submission.urgency,
            key_material,
            follow_up_code,
            danger,
            from_form,
        })
    }

    /// What a form sent is kept as (`form:` and a keyed digest of its token, fields and files)
    /// and what its follow-up code is derived from (another keyed digest of the same).
    fn form_digests(&self, form: &FormSent, evidence: &[Evidence]) -> (String, Vec<u8>) {
        let mut sent = format!("{}\0{}", form.token, form.fields);
        for file in evidence {
            sent.push('\0');
            sent.push_str(&file.original_sha256);
        }
        let mut id = self.keys.blind_index("form-sent", &sent);
        id.truncate(16);
        (
            format!("form:{}", hex::encode(id)),
            self.keys.blind_index("form-receipt", &sent),
        )
    }

    /// The blind index of a report's text and address: its words, and its personal items
    /// apart (`hotline_domain::text::index_terms`).
    pub(crate) fn word_index(&self, text: &str, address: Option<&str>) -> Vec<Vec<u8>> {
        let terms = match address {
            Some(address) => index_terms(&format!("{text}\n{address}")),
            None => index_terms(text),
        };
        self.keys.term_digests(&terms)
    }

    /// Takes a report in from any channel: validates it, finds the unit it belongs to, numbers
    /// it and writes it durably. Returns only once it is on disk.
    #[tracing::instrument(skip_all, err, fields(channel = %submission.channel))]
    pub async fn submit(&self, submission: Submission) -> CoreResult<Submitted> {
        self.refuse_while_store_away()?;
        // Reading the text for hints, sealing it and its files and indexing its words take from
        // a fraction of a millisecond to many (large files): never on the executor's threads.
        // One per core at once, so that a flood does not take every core from the executor;
        // the permit is held while preparing only, never while the report waits for its commit.
        let permit = self
            .preparing
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| CoreError::Unavailable)?;
        let this = self.clone();
        // A panic's message may quote the report: never into the error or its log.
        let prepared = tokio::task::spawn_blocking(move || {
            let prepared = this.prepare(submission);
            drop(permit);
            prepared
        })
        .await
        .map_err(|_| CoreError::Internal("preparing a report failed".into()))??;
        let Prepared {
            mut report,
            hints,
            place,
            owner,
            channel_urgency,
            key_material,
            follow_up_code,
            danger,
            from_form,
        } = prepared;
        let routed = self
            .route_new(place, &hints, report.received_at, owner.as_ref())
            .await?;
        report.route = routed.basis();
        let unit = routed.unit;
        // A life in danger, or a crime happening now, goes up the duty officer's list at once:
        // the text's urgency hint when it is more urgent than the channel's.
        report.urgency = if hints.urgency.rank() < channel_urgency.rank() {
            hints.urgency
        } else {
            channel_urgency
        };
        report.deadline = self.running_deadline(
            None,
            &ProcedureState::at(Stage::Received),
            &unit.code,
            report.received_at,
        );
        report.unit = unit.code;
        report.case_prefix = unit.case_prefix;
        let channel = report.channel;
        let receipt = self.intake.write(report).await?;
        if receipt.duplicate {
            tracing::info!(case = %receipt.case_number, "redelivered message already taken in");
            let shown_again =
                !from_form || self.clock.now() < receipt.received_at + FORM_RECEIPT_AGAIN;
            return Ok(Submitted {
                case_number: receipt.case_number,
                follow_up_code: key_material.filter(|_| shown_again).map(|_| follow_up_code),
                danger,
                duplicate: true,
            });
        }
        metrics::counter!("hotline_reports_accepted_total", "channel" => channel.as_str())
            .increment(1);
        tracing::info!(case = %receipt.case_number, "report received");
        Ok(Submitted {
            case_number: receipt.case_number,
            follow_up_code: Some(follow_up_code),
            danger,
            duplicate: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_one_line_and_short() {
        assert_eq!(summary_of("a\n\nb   c"), "a b c");
        let long = "ă".repeat(500);
        let s = summary_of(&long);
        assert_eq!(s.chars().count(), SUMMARY_CHARS + 1);
        assert!(s.ends_with('…'));
    }
}
