//! Use cases of Hotline. Each takes the acting staff member (or none, for a citizen), checks
//! what they may do, applies the rule and writes through the store. Handlers call these and hold
//! no policy of their own.

pub mod admin;
pub mod alerts;
pub mod arrivals;
pub mod audit;
pub mod breaches;
pub mod calls;
pub mod capture;
pub mod channels;
pub mod coordination;
pub mod deadlines;
pub mod demo;
pub mod digest;
pub mod directory;
pub mod directory_files;
pub mod duty;
pub mod evidence;
pub mod follow_up;
pub mod form_guard;
pub mod handling;
pub mod hint_acceptance;
pub mod identity;
pub mod intake;
mod journal;
pub mod keys;
pub mod mailbox;
pub mod media;
pub mod notify;
pub mod outbox;
pub mod procedure;
pub mod register;
pub mod reports;
pub mod retention;
pub mod routing;
pub mod second_factor;
pub mod setup;
pub mod similar;
pub mod staff;
pub mod statistics;
pub mod word_index;

use hotline_domain::{Clock, DomainError, Gazetteer, UnitCode};
use hotline_store::{Store, StoreError};
use std::sync::Arc;

pub use identity::Reveal;
pub use intake::{IntakeConfig, Submission, Submitted};
pub use staff::{Actor, SignedIn};

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    /// Wrong credentials, or none. Says nothing about which part was wrong.
    #[error("not signed in")]
    Unauthenticated,
    #[error("too many attempts; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("{0} already exists")]
    Conflict(String),
    /// The master key is not the one this store was bound to.
    #[error("the master key does not match the one this store's data is bound to")]
    WrongMasterKey,
    /// The intake writer has stopped (the server is shutting down).
    #[error("service unavailable")]
    Unavailable,
    /// A file to import (the directory) that does not read as one; names where.
    #[error("the file is not valid: {0}")]
    BadFile(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict(what) => Self::Conflict(what),
            StoreError::Unavailable(msg) => {
                tracing::error!(error = %msg, "store unavailable");
                Self::Unavailable
            }
            StoreError::Full(msg) => {
                say_store_full(&msg);
                Self::Unavailable
            }
            StoreError::KeyChanged => Self::Internal("the store's master key changed".into()),
            StoreError::Indeterminate(msg) | StoreError::Other(msg) => Self::Internal(msg),
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

/// Whether "the disk is full" was said since the store last took a write: once, not for each
/// of the thousands of requests refused meanwhile.
static FULL_SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Says, once until writes succeed again, that the database's disk is full.
pub(crate) fn say_store_full(detail: &str) {
    use std::sync::atomic::Ordering;
    if !FULL_SAID.swap(true, Ordering::AcqRel) {
        metrics::gauge!("hotline_store_full").set(1.0);
        tracing::error!(
            error = %detail,
            "the database's disk is full: nothing more is written, and submissions and deliveries are answered 503, until space returns"
        );
    }
}

/// A write succeeded: if the disk was full, say it has room again.
pub(crate) fn say_store_writable() {
    use std::sync::atomic::Ordering;
    if FULL_SAID.load(Ordering::Relaxed) && FULL_SAID.swap(false, Ordering::AcqRel) {
        metrics::gauge!("hotline_store_full").set(0.0);
        tracing::info!("the database's disk has room again: writing");
    }
}

/// Each argon2 run takes 19 MiB and a core for tens of milliseconds.
const PARALLEL_PASSWORD_HASHES: usize = 4;

/// The waits of the alert chain's levels by default, in minutes.
pub const DEFAULT_ESCALATION_MINUTES: [u32; 3] = [5, 10, 10];

/// Rules an operator may set.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Legal types whose identity reveals need a second person's approval.
    pub reveal_approval_for: Vec<String>,
    /// How long an approval stays usable by the one who asked.
    pub reveal_approval_valid: chrono::Duration,
    /// Guards of the citizens' form against robots.
    pub form: form_guard::FormGuard,
    /// The working calendar deadlines count on.
    pub calendar: hotline_domain::calendar::Calendar,
    /// How long each level of an urgent report's alert chain waits for an acknowledgement
    /// before the next is alerted: the officer on duty, the unit's leaders, the provincial desk.
    pub escalation: Vec<chrono::Duration>,
    /// How long before a time limit runs out its assignee is warned.
    pub deadline_warning: chrono::Duration,
    /// The answer to the first message of a new report on a private platform channel;
    /// `{case}` and `{code}` stand for its case number and follow-up code. Empty: none.
    pub acknowledgement: String,
    /// Whether channel accounts may point at an API other than their platform's (or this
    /// machine's): their credentials go there.
    pub allow_custom_api_base: bool,
}

/// The acknowledgement sent unless the configuration says otherwise.
pub const DEFAULT_ACKNOWLEDGEMENT: &str = "Công an tỉnh đã tiếp nhận tin báo của bạn. Mã tin báo: {case}. \
Mã tra cứu: {code} (giữ kín mã này; dùng cùng mã tin báo để theo dõi kết quả trên trang tra cứu). \
Thông tin về người báo tin được giữ bí mật theo quy định của pháp luật. \
Nếu có nguy hiểm ngay lúc này, hãy gọi 113.";

impl Default for Policy {
    fn default() -> Self {
        Self {
            reveal_approval_for: vec!["police_conduct".into()],
            reveal_approval_valid: chrono::Duration::hours(24),
            form: form_guard::FormGuard::default(),
            calendar: hotline_domain::calendar::Calendar::default(),
            escalation: DEFAULT_ESCALATION_MINUTES
                .iter()
                .map(|m| chrono::Duration::minutes(i64::from(*m)))
                .collect(),
            deadline_warning: chrono::Duration::hours(24),
            acknowledgement: DEFAULT_ACKNOWLEDGEMENT.to_owned(),
            allow_custom_api_base: false,
        }
    }
}

/// Everything a use case needs, shared by the web layer, the CLI and the jobs.
#[derive(Clone)]
pub struct Hotline {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub places: Arc<Gazetteer>,
    /// Where a report without a place and without a channel owner belongs.
    pub default_unit: UnitCode,
    keys: Arc<keys::Keys>,
    intake: intake::IntakeHandle,
    /// Sign-in attempts counted in memory, on a node alone (see `coordination`).
    throttle: Arc<staff::LoginThrottle>,
    /// The name this node holds leases under.
    node: Arc<str>,
    /// The newest report id in the store, watched for open consoles (see `arrivals`).
    arrivals: Arc<tokio::sync::watch::Sender<arrivals::Arrivals>>,
    /// The store did not answer the last look (see `arrivals`).
    store_away: Arc<std::sync::atomic::AtomicBool>,
    /// Whether client limits are counted in the store, for several nodes.
    shared_limits: bool,
    /// Password hashes computed at once, at most.
    hashing: Arc<tokio::sync::Semaphore>,
    /// Submissions read and sealed at once, at most: one per core.
    preparing: Arc<tokio::sync::Semaphore>,
    units: Arc<setup::UnitDirectory>,
    routing: Arc<routing::RoutingCache>,
    policy: Arc<Policy>,
    notifier: Option<Arc<notify::Notifier>>,
    /// Woken when a delivery is journalled or a message queued for a platform, so that it is
    /// processed at once.
    deliveries_waiting: Arc<tokio::sync::Notify>,
    /// For the platforms' APIs.
    http: hotline_channels::HttpClient,
    journal: journal::JournalHandle,
    /// Commits what taking deliveries apart writes, together.
    take_apart: journal::TakeApartHandle,
    /// The public statistics computed today.
    public_cache: Arc<statistics::PublicCache>,
}

impl Hotline {
    /// Builds the service and starts its intake writer on the current runtime.
    pub fn start(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        places: Arc<Gazetteer>,
        default_unit: UnitCode,
        keys: Arc<keys::Keys>,
        intake: IntakeConfig,
    ) -> (Self, intake::IntakeWriter) {
        let store_away = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (handle, writer) =
            intake::spawn_writer(store.clone(), keys.clone(), intake, store_away.clone());
        let (journal, journal_writer) = journal::spawn_writer(store.clone());
        let (take_apart, take_apart_writer) = journal::spawn_take_apart_writer(store.clone());
        let writer = writer
            .with("journal", journal_writer)
            .with("take-apart", take_apart_writer);
        let units = Arc::new(setup::UnitDirectory::new(store.clone()));
        let routing = Arc::new(routing::RoutingCache::new(store.clone()));
        let hotline = Self {
            store,
            clock,
            places,
            default_unit,
            keys,
            intake: handle,
            throttle: Arc::new(staff::LoginThrottle::default()),
            node: coordination::node_name().into(),
            arrivals: Arc::new(arrivals::channel()),
            store_away,
            shared_limits: false,
            hashing: Arc::new(tokio::sync::Semaphore::new(PARALLEL_PASSWORD_HASHES)),
            preparing: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            )),
            units,
            routing,
            policy: Arc::new(Policy::default()),
            notifier: None,
            deliveries_waiting: Arc::new(tokio::sync::Notify::new()),
            http: hotline_channels::http_client().unwrap_or_default(),
            journal,
            take_apart,
            public_cache: Arc::default(),
        };
        (hotline, writer)
    }

    /// The same service under `policy`.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = Arc::new(policy);
        self
    }

    /// Reports waiting for the intake writer.
    pub fn intake_queue_depth(&self) -> usize {
        self.intake.depth()
    }

    /// Resolves when a delivery was journalled since the last call (or at once if one was).
    pub async fn deliveries_waiting(&self) {
        self.deliveries_waiting.notified().await;
    }

    /// The first writer that no longer takes writes (reports, the delivery journal, taking
    /// deliveries apart), if any: a node without one cannot keep the promise of its 2xx.
    pub fn stopped_writer(&self) -> Option<&'static str> {
        [
            ("intake", self.intake.running()),
            ("journal", self.journal.running()),
            ("take-apart", self.take_apart.running()),
        ]
        .into_iter()
        .find_map(|(writer, running)| (!running).then_some(writer))
    }
}
