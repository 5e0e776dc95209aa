//! One typed configuration: defaults → `hotline.toml` → `HOTLINE_*` environment → flags.
//! Secrets may come from a file named by `HOTLINE_DATABASE_URL_FILE`. `Debug` redacts them.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use hotline_core::retention::RetentionRule;
use hotline_domain::calendar::{Calendar, DayKind};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// Address `/metrics` is served on, apart from the public one: per-route counters would
    /// let anyone watching tell when a report was filed or an identity revealed. Loopback by
    /// default; an address another node already holds leaves this node without metrics (said
    /// in the log), not without service.
    pub metrics_bind: SocketAddr,
    /// Folder holding the embedded database (and, later, keys and attachments).
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL, `sqlite:…` for a SQLite file elsewhere; empty for the
    /// embedded default in the data folder.
    pub database_url: Option<String>,
    /// Connections this node keeps to PostgreSQL at most; with N nodes, N times as many reach
    /// the server (or PgBouncer).
    pub database_max_connections: u32,
    /// PostgreSQL is reached through PgBouncer in transaction mode: no statement is kept
    /// prepared on a connection, and `serve` does not migrate (that takes a session lock) but
    /// refuses to start on a schema `hotline migrate`, run against the server itself, has not
    /// brought up to date.
    pub database_pgbouncer: bool,
    /// Unit that receives reports with no place and no channel owner.
    #[serde(deserialize_with = "string_or_number")]
    pub default_unit: String,
    /// `text` (readable) or `json`.
    pub log_format: LogFormat,
    pub max_body_bytes: usize,
    /// Requests run at once in each lane: citizens' pages and submissions (`public`),
    /// platforms' webhooks (`hook`), the console and staff tokens (`staff`). Four times as
    /// many more may wait up to `request_queue_wait_ms` for a turn; the rest are answered 503
    /// with `Retry-After` at once, so that a flood in one lane never stalls another.
    pub public_requests_in_flight: usize,
    pub hook_requests_in_flight: usize,
    pub staff_requests_in_flight: usize,
    pub request_queue_wait_ms: u64,
    /// Connections open at once (raised to what the process may open, less a reserve).
    pub max_connections: usize,
    /// Connections open at once from one client address; 0 for no limit of its own. Behind
    /// a reverse proxy every connection comes from the proxy: raise it or set 0 there.
    pub max_connections_per_address: usize,
    /// Longest a request's head may take to arrive, and an idle connection may stay open.
    pub header_read_timeout_secs: u64,
    /// Longest a request body may pause before the request is answered 408.
    pub body_read_timeout_secs: u64,
    /// Citizens' submissions per minute per client address; 0 disables the limit.
    pub public_submissions_per_minute: u32,
    pub public_submissions_burst: u32,
    /// Citizens' submissions per minute from everyone together; 0 disables the limit.
    pub public_submissions_global_per_minute: u32,
    /// Submissions per hour per client address that come without the form's proof of work
    /// (JavaScript off, or not through the form); 0 disables this stricter limit.
    pub unproven_submissions_per_hour: u32,
    pub unproven_submissions_burst: u32,
    /// A form sent back sooner than this after it was handed out is a robot's.
    pub form_min_fill_secs: u32,
    /// Leading zero bits of the form's proof of work (0 asks for none; each bit doubles the
    /// work of the citizen's browser).
    pub form_work_bits: u8,
    /// Follow-up look-ups per minute per client address, and for everyone together.
    pub follow_up_per_minute: u32,
    pub follow_up_global_per_minute: u32,
    /// An open inbox's question for new reports is answered as soon as one arrives on any node
    /// (or after 20 seconds) and asked again at once; after a failure it is asked again this
    /// many seconds later. 0 turns the notice off.
    pub inbox_poll_secs: u32,
    /// Header with the client address set by a trusted reverse proxy, e.g. `x-forwarded-for`.
    /// Off by default: only enable it when every request comes through that proxy.
    pub trusted_proxy_header: Option<String>,
    /// Mark cookies `Secure`; turn on when served over HTTPS.
    pub secure_cookies: bool,
    /// Most reports written in one transaction.
    pub intake_max_batch: usize,
    /// The master key file; default `<data_dir>/keys/master.key`. In production keep it apart
    /// from the data folder and its backups.
    pub master_key_file: Option<PathBuf>,
    /// The master key itself (64 hex digits), e.g. from `HOTLINE_MASTER_KEY`; wins over the file.
    pub master_key: Option<String>,
    /// The file to which `serve` appends the verified audit head (`TIME SEQ:HASH`) at start and
    /// then every `audit_head_every_secs`, and `audit verify` after each check; default
    /// `<data_dir>/audit-heads`. Best on another disk or a mount that only appends.
    pub audit_head_file: Option<PathBuf>,
    pub audit_head_every_secs: u64,
    /// Retention rules (`[[retention]]` tables in `hotline.toml`); none by default, and then
    /// nothing is ever purged.
    pub retention: Vec<RetentionRule>,
    /// How often `serve` applies the retention rules.
    pub retention_every_secs: u64,
    /// The government's schedule of swapped days (`[[calendar]]` tables: `date`, `kind` =
    /// `working` or `rest`), on top of weekends and public holidays; deadlines count on it.
    pub calendar: Vec<ScheduledDay>,
    /// Legal types whose identity reveals need a second person's approval.
    pub reveal_approval_for: Vec<String>,
    /// How long such an approval stays usable.
    pub reveal_approval_valid_hours: u32,
    /// How long each level of an urgent report's alert chain waits before the next is alerted,
    /// in minutes: the officer on duty, the unit's leaders, the provincial desk.
    pub escalation_minutes: Vec<u32>,
    /// How often `serve` looks for urgent reports to alert about and chains to move on.
    pub alerts_every_secs: u64,
    /// How long before a time limit runs out its assignee is warned.
    pub deadline_warning_hours: u32,
    /// The console's address as officers reach it, for links in notifications; default
    /// `http://<bind>`.
    pub public_url: Option<String>,
    /// The SMTP relay notifications are mailed through, as a URL
    /// (`smtps://user:password@host:465`, `smtp://host:587?tls=required`); none disables mail.
    pub notify_smtp_url: Option<String>,
    /// The sender of notification mail, e.g. `Hotline <hotline@ca.example.vn>`.
    pub notify_email_from: Option<String>,
    /// The token of the Telegram bot notifications are sent by; none disables Telegram.
    pub notify_telegram_bot_token: Option<String>,
    /// Where that bot's API lives.
    pub notify_telegram_api_base: String,
    /// The SMS gateway (SMSGate) notifications are texted through, and its credentials; none
    /// disables text messages.
    pub notify_sms_gateway_url: Option<String>,
    pub notify_sms_gateway_user: Option<String>,
    pub notify_sms_gateway_password: Option<String>,
    /// The hour (Vietnam time) from which each director's daily digest is sent.
    pub digest_hour: u32,
    /// The answer to a citizen's first message on a private platform channel; `{case}` and
    /// `{code}` stand for the case number and the follow-up code. Empty: none is sent.
    pub acknowledgement_text: String,
    /// Whether administrators may point a channel account at an API other than its platform's
    /// or this machine's (its credentials go there); off by default.
    pub allow_custom_api_base: bool,
}

/// A lane running `in_flight` requests at once, with four times as many waiting their turn.
fn lane_limit(in_flight: usize) -> hotline_web::lanes::LaneLimit {
    hotline_web::lanes::LaneLimit {
        in_flight: in_flight.max(1),
        waiting: in_flight.saturating_mul(4),
    }
}

/// Unit codes such as `22` arrive from the environment as numbers; they are names all the same.
fn string_or_number<'de, D: serde::Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Number(u64),
    }
    Ok(match Either::deserialize(de)? {
        Either::Text(s) => s,
        Either::Number(n) => n.to_string(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Every key of the configuration, as written in `hotline.toml` and after `HOTLINE_`.
const KEYS: &[&str] = &[
    "bind",
    "metrics_bind",
    "data_dir",
    "database_url",
    "database_max_connections",
    "database_pgbouncer",
    "default_unit",
    "log_format",
    "max_body_bytes",
    "public_requests_in_flight",
    "hook_requests_in_flight",
    "staff_requests_in_flight",
    "request_queue_wait_ms",
    "max_connections",
    "max_connections_per_address",
    "header_read_timeout_secs",
    "body_read_timeout_secs",
    "public_submissions_per_minute",
    "public_submissions_burst",
    "public_submissions_global_per_minute",
    "unproven_submissions_per_hour",
    "unproven_submissions_burst",
    "form_min_fill_secs",
    "form_work_bits",
    "follow_up_per_minute",
    "follow_up_global_per_minute",
    "inbox_poll_secs",
    "trusted_proxy_header",
    "secure_cookies",
    "intake_max_batch",
    "master_key_file",
    "master_key",
    "audit_head_file",
    "audit_head_every_secs",
    "retention_every_secs",
    "reveal_approval_valid_hours",
    "alerts_every_secs",
    "deadline_warning_hours",
    "public_url",
    "notify_smtp_url",
    "notify_email_from",
    "notify_telegram_bot_token",
    "notify_telegram_api_base",
    "notify_sms_gateway_url",
    "notify_sms_gateway_user",
    "notify_sms_gateway_password",
    "digest_hour",
    "acknowledgement_text",
    "allow_custom_api_base",
];

impl Default for Config {
    fn default() -> Self {
        let web = hotline_web::WebConfig::default();
        let form = hotline_core::form_guard::FormGuard::default();
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_bind: SocketAddr::from(([127, 0, 0, 1], 9464)),
            data_dir: PathBuf::from("hotline-data"),
            database_url: None,
            database_max_connections: 16,
            database_pgbouncer: false,
            default_unit: "bca".into(),
            log_format: LogFormat::Text,
            max_body_bytes: web.max_body_bytes,
            public_requests_in_flight: web.lanes.public.in_flight,
            hook_requests_in_flight: web.lanes.hooks.in_flight,
            staff_requests_in_flight: web.lanes.staff.in_flight,
            request_queue_wait_ms: u64::try_from(web.lanes.wait.as_millis()).unwrap_or(u64::MAX),
            max_connections: 4096,
            max_connections_per_address: 256,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: web.body_read_timeout.as_secs(),
            public_submissions_per_minute: web.public_submissions_per_minute,
            public_submissions_burst: web.public_submissions_burst,
            public_submissions_global_per_minute: web.public_submissions_global_per_minute,
            unproven_submissions_per_hour: web.unproven_submissions_per_hour,
            unproven_submissions_burst: web.unproven_submissions_burst,
            form_min_fill_secs: form.min_fill_secs,
            form_work_bits: form.work_bits,
            follow_up_per_minute: web.follow_up_per_minute,
            follow_up_global_per_minute: web.follow_up_global_per_minute,
            inbox_poll_secs: web.inbox_poll_secs,
            trusted_proxy_header: None,
            secure_cookies: false,
            intake_max_batch: hotline_core::IntakeConfig::default().max_batch,
            master_key_file: None,
            master_key: None,
            audit_head_file: None,
            audit_head_every_secs: 24 * 3600,
            retention: Vec::new(),
            retention_every_secs: 24 * 3600,
            calendar: Vec::new(),
            reveal_approval_for: hotline_core::Policy::default().reveal_approval_for,
            reveal_approval_valid_hours: 24,
            escalation_minutes: hotline_core::DEFAULT_ESCALATION_MINUTES.to_vec(),
            alerts_every_secs: 15,
            deadline_warning_hours: 24,
            public_url: None,
            notify_smtp_url: None,
            notify_email_from: None,
            notify_telegram_bot_token: None,
            notify_telegram_api_base: hotline_channels::telegram::DEFAULT_API_BASE.into(),
            notify_sms_gateway_url: None,
            notify_sms_gateway_user: None,
            notify_sms_gateway_password: None,
            digest_hour: 7,
            acknowledgement_text: hotline_core::DEFAULT_ACKNOWLEDGEMENT.into(),
            allow_custom_api_base: false,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("metrics_bind", &self.metrics_bind)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("database_max_connections", &self.database_max_connections)
            .field("database_pgbouncer", &self.database_pgbouncer)
            .field("default_unit", &self.default_unit)
            .field("log_format", &self.log_format)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("public_requests_in_flight", &self.public_requests_in_flight)
            .field("hook_requests_in_flight", &self.hook_requests_in_flight)
            .field("staff_requests_in_flight", &self.staff_requests_in_flight)
            .field("request_queue_wait_ms", &self.request_queue_wait_ms)
            .field("max_connections", &self.max_connections)
            .field(
                "max_connections_per_address",
                &self.max_connections_per_address,
            )
            .field("header_read_timeout_secs", &self.header_read_timeout_secs)
            .field("body_read_timeout_secs", &self.body_read_timeout_secs)
            .field(
                "public_submissions_per_minute",
                &self.public_submissions_per_minute,
            )
            .field("public_submissions_burst", &self.public_submissions_burst)
            .field(
                "public_submissions_global_per_minute",
                &self.public_submissions_global_per_minute,
            )
            .field(
                "unproven_submissions_per_hour",
                &self.unproven_submissions_per_hour,
            )
            .field(
                "unproven_submissions_burst",
                &self.unproven_submissions_burst,
            )
            .field("form_min_fill_secs", &self.form_min_fill_secs)
            .field("form_work_bits", &self.form_work_bits)
            .field("follow_up_per_minute", &self.follow_up_per_minute)
            .field(
                "follow_up_global_per_minute",
                &self.follow_up_global_per_minute,
            )
            .field("inbox_poll_secs", &self.inbox_poll_secs)
            .field("trusted_proxy_header", &self.trusted_proxy_header)
            .field("secure_cookies", &self.secure_cookies)
            .field("intake_max_batch", &self.intake_max_batch)
            .field("master_key_file", &self.master_key_file)
            .field("master_key", &self.master_key.as_ref().map(|_| "***"))
            .field("audit_head_file", &self.audit_head_file)
            .field("audit_head_every_secs", &self.audit_head_every_secs)
            .field("retention", &self.retention)
            .field("retention_every_secs", &self.retention_every_secs)
            .field("calendar", &self.calendar)
            .field("reveal_approval_for", &self.reveal_approval_for)
            .field(
                "reveal_approval_valid_hours",
                &self.reveal_approval_valid_hours,
            )
            .field("escalation_minutes", &self.escalation_minutes)
            .field("alerts_every_secs", &self.alerts_every_secs)
            .field("deadline_warning_hours", &self.deadline_warning_hours)
            .field("public_url", &self.public_url)
            .field(
                "notify_smtp_url",
                &self.notify_smtp_url.as_deref().map(redact_url),
            )
            .field("notify_email_from", &self.notify_email_from)
            .field(
                "notify_telegram_bot_token",
                &self.notify_telegram_bot_token.as_ref().map(|_| "***"),
            )
            .field("notify_telegram_api_base", &self.notify_telegram_api_base)
            .field("notify_sms_gateway_url", &self.notify_sms_gateway_url)
            .field("notify_sms_gateway_user", &self.notify_sms_gateway_user)
            .field(
                "notify_sms_gateway_password",
                &self.notify_sms_gateway_password.as_ref().map(|_| "***"),
            )
            .field("digest_hour", &self.digest_hour)
            .field("acknowledgement_text", &self.acknowledgement_text)
            .field("allow_custom_api_base", &self.allow_custom_api_base)
            .finish()
    }
}

/// A day the government's yearly schedule makes a working day or a rest day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledDay {
    pub date: chrono::NaiveDate,
    pub kind: DayKind,
}

/// A day of a yearly schedule the government published (the file names the document that
/// set it, `basis`, for its reader).
#[derive(Debug, Deserialize)]
struct PublishedDay {
    date: chrono::NaiveDate,
    kind: DayKind,
}

/// The schedules the government published, as shipped.
const PUBLISHED_CALENDAR: &str = include_str!("published_calendar.toml");

/// The published schedules shipped with this version (checked by a test, so never empty).
fn published_schedule() -> Vec<(chrono::NaiveDate, DayKind)> {
    #[derive(Deserialize)]
    struct Published {
        day: Vec<PublishedDay>,
    }
    toml::from_str::<Published>(PUBLISHED_CALENDAR)
        .map(|published| {
            published
                .day
                .into_iter()
                .map(|d| (d.date, d.kind))
                .collect()
        })
        .unwrap_or_default()
}

/// A setting given and not blank.
fn set(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|s| !s.trim().is_empty())
}

impl Config {
    /// Where the audit chain's heads are recorded (see `audit_head_file`).
    pub fn audit_heads_path(&self) -> PathBuf {
        self.audit_head_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-heads"))
    }

    /// The calendar deadlines count on: the law's rule, the schedules the government has
    /// published (shipped, `published_calendar.toml`), and the configured schedule on top.
    pub fn working_calendar(&self) -> Calendar {
        Calendar::with_schedule(
            published_schedule()
                .into_iter()
                .chain(self.calendar.iter().map(|day| (day.date, day.kind))),
        )
    }
}

/// Hides the password of a URL: `postgres://hotline:secret@db/x` → `postgres://hotline:***@db/x`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
    if userinfo.contains(':') {
        format!("{scheme}://{user}:***@{host}")
    } else {
        url.to_owned()
    }
}

/// Flags that override everything else.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
}

impl Config {
    /// Reads the layers. `file` defaults to `hotline.toml` in the working folder, if present.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Self> {
        let file = file.map_or_else(|| PathBuf::from("hotline.toml"), Path::to_path_buf);
        let mut figment = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(&file))
            // Only configuration keys: other HOTLINE_* variables (the test suite's, say) are not
            // this file's business.
            .merge(Env::prefixed("HOTLINE_").only(KEYS));
        if let Ok(path) = std::env::var("HOTLINE_DATABASE_URL_FILE") {
            let url = std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("cannot read HOTLINE_DATABASE_URL_FILE: {e}"))?;
            figment = figment.merge(Serialized::default("database_url", url.trim().to_owned()));
        }
        let mut config: Config = figment.merge(Serialized::defaults(overrides)).extract()?;
        if config
            .database_url
            .as_deref()
            .is_some_and(|u| u.trim().is_empty())
        {
            config.database_url = None;
        }
        for rule in &config.retention {
            rule.check().map_err(|e| anyhow::anyhow!(e))?;
        }
        Ok(config)
    }

    /// The effective configuration as TOML, secrets redacted.
    pub fn redacted_toml(&self) -> anyhow::Result<String> {
        let mut shown = self.clone();
        shown.database_url = shown.database_url.as_deref().map(redact_url);
        shown.master_key = shown.master_key.as_ref().map(|_| "***".to_owned());
        shown.notify_smtp_url = shown.notify_smtp_url.as_deref().map(redact_url);
        for secret in [
            &mut shown.notify_telegram_bot_token,
            &mut shown.notify_sms_gateway_password,
        ] {
            *secret = secret.as_ref().map(|_| "***".to_owned());
        }
        Ok(toml::to_string(&shown)?)
    }

    pub fn policy(&self) -> hotline_core::Policy {
        hotline_core::Policy {
            reveal_approval_for: self.reveal_approval_for.clone(),
            reveal_approval_valid: chrono::Duration::hours(i64::from(
                self.reveal_approval_valid_hours,
            )),
            form: hotline_core::form_guard::FormGuard {
                min_fill_secs: self.form_min_fill_secs,
                work_bits: self.form_work_bits,
            },
            calendar: self.working_calendar(),
            escalation: self
                .escalation_minutes
                .iter()
                .map(|m| chrono::Duration::minutes(i64::from(*m)))
                .collect(),
            deadline_warning: chrono::Duration::hours(i64::from(self.deadline_warning_hours)),
            acknowledgement: self.acknowledgement_text.clone(),
            allow_custom_api_base: self.allow_custom_api_base,
        }
    }

    /// The channels notifications leave by, as configured; `Err` names a setting that cannot
    /// be used.
    pub fn notifier(
        &self,
        words: Box<dyn hotline_core::notify::Words>,
    ) -> anyhow::Result<hotline_core::notify::Notifier> {
        let mailer = set(&self.notify_smtp_url)
            .map(|url| {
                let from = set(&self.notify_email_from)
                    .ok_or_else(|| anyhow::anyhow!("notify_smtp_url needs notify_email_from"))?;
                hotline_channels::smtp::Mailer::new(url, from)
                    .map_err(|e| anyhow::anyhow!("notify_smtp_url: {e}"))
            })
            .transpose()?;
        let telegram = set(&self.notify_telegram_bot_token)
            .map(|token| {
                hotline_channels::telegram::BotApi::new(&self.notify_telegram_api_base, token)
                    .map_err(|e| anyhow::anyhow!("notify_telegram_bot_token: {e}"))
            })
            .transpose()?;
        let sms = set(&self.notify_sms_gateway_url)
            .map(|url| {
                hotline_channels::sms_gate::Gateway::new(
                    url,
                    set(&self.notify_sms_gateway_user).unwrap_or_default(),
                    set(&self.notify_sms_gateway_password).unwrap_or_default(),
                )
                .map_err(|e| anyhow::anyhow!("notify_sms_gateway_url: {e}"))
            })
            .transpose()?;
        if self.digest_hour > 23 {
            anyhow::bail!("digest_hour is an hour of the day, 0 to 23");
        }
        Ok(hotline_core::notify::Notifier {
            mailer,
            telegram,
            sms,
            words,
            public_url: self
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", self.bind)),
            digest_hour: self.digest_hour,
            last_scan: std::sync::Mutex::default(),
        })
    }

    pub fn web(&self) -> hotline_web::WebConfig {
        hotline_web::WebConfig {
            max_body_bytes: self.max_body_bytes,
            public_submissions_per_minute: self.public_submissions_per_minute,
            public_submissions_burst: self.public_submissions_burst,
            public_submissions_global_per_minute: self.public_submissions_global_per_minute,
            unproven_submissions_per_hour: self.unproven_submissions_per_hour,
            unproven_submissions_burst: self.unproven_submissions_burst,
            trusted_proxy_header: self.trusted_proxy_header.clone(),
            secure_cookies: self.secure_cookies,
            follow_up_per_minute: self.follow_up_per_minute,
            follow_up_global_per_minute: self.follow_up_global_per_minute,
            inbox_poll_secs: self.inbox_poll_secs,
            public_url: self
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", self.bind)),
            lanes: hotline_web::lanes::LaneConfig {
                public: lane_limit(self.public_requests_in_flight),
                hooks: lane_limit(self.hook_requests_in_flight),
                staff: lane_limit(self.staff_requests_in_flight),
                wait: std::time::Duration::from_millis(self.request_queue_wait_ms),
            },
            body_read_timeout: std::time::Duration::from_secs(self.body_read_timeout_secs.max(1)),
        }
    }

    /// What the listener lets clients hold.
    pub fn connection_limits(&self) -> crate::listen::ConnectionLimits {
        crate::listen::ConnectionLimits {
            max_connections: self.max_connections,
            max_connections_per_address: self.max_connections_per_address,
            header_read_timeout: std::time::Duration::from_secs(
                self.header_read_timeout_secs.max(1),
            ),
            drain: std::time::Duration::from_secs(30),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys read from `hotline.toml` only: tables have no sensible environment form.
    const FILE_ONLY_KEYS: &[&str] = &[
        "retention",
        "reveal_approval_for",
        "calendar",
        "escalation_minutes",
    ];

    #[test]
    fn every_key_is_listed_for_the_environment() {
        let shown = Config::default().redacted_toml().unwrap();
        let mut keys: Vec<&str> = KEYS.to_vec();
        keys.retain(|k| {
            !matches!(
                *k,
                "database_url"
                    | "trusted_proxy_header"
                    | "master_key_file"
                    | "master_key"
                    | "audit_head_file"
                    | "public_url"
                    | "notify_smtp_url"
                    | "notify_email_from"
                    | "notify_telegram_bot_token"
                    | "notify_sms_gateway_url"
                    | "notify_sms_gateway_user"
                    | "notify_sms_gateway_password"
            )
        });
        for key in keys {
            assert!(shown.contains(&format!("{key} = ")), "{key}");
        }
        let fields = shown.lines().filter(|l| l.contains(" = ")).count();
        for key in FILE_ONLY_KEYS {
            assert!(shown.contains(&format!("{key} = ")), "{key}");
        }
        assert_eq!(
            fields + 12,
            KEYS.len() + FILE_ONLY_KEYS.len(),
            "KEYS lists every field"
        );
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://hotline:s3cret@db:5432/hotline"),
            "postgres://hotline:***@db:5432/hotline"
        );
        assert_eq!(redact_url("postgres://db/hotline"), "postgres://db/hotline");
        let config = Config {
            database_url: Some("postgres://u:pw@h/d".into()),
            master_key: Some("ab".repeat(32)),
            notify_smtp_url: Some("smtps://relay:mailpw@mail.example.invalid".into()),
            notify_telegram_bot_token: Some("123:bottoken".into()),
            notify_sms_gateway_password: Some("gatewaypw".into()),
            ..Config::default()
        };
        for secret in ["pw", "abab", "bottoken"] {
            assert!(!format!("{config:?}").contains(secret), "{secret}");
            assert!(
                !config.redacted_toml().unwrap().contains(secret),
                "{secret}"
            );
        }
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's own error type, in its own test harness
    fn layers_apply_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "hotline.toml",
                "bind = \"127.0.0.1:9000\"\ndefault_unit = \"22\"",
            )?;
            jail.set_env("HOTLINE_DEFAULT_UNIT", "42");
            jail.set_env("HOTLINE_TEST_SOMETHING", "1");
            let config = Config::load(None, &Overrides::default()).unwrap();
            assert_eq!(config.bind.port(), 9000);
            assert_eq!(config.default_unit, "42");
            let flags = Overrides {
                bind: Some(SocketAddr::from(([127, 0, 0, 1], 9100))),
                ..Overrides::default()
            };
            assert_eq!(Config::load(None, &flags).unwrap().bind.port(), 9100);
            Ok(())
        });
    }

    /// The TOML block of `docs/deploy.md` that holds `marker`.
    fn deploy_docs_toml(marker: &str) -> &'static str {
        include_str!("../../../docs/deploy.md")
            .split("```toml\n")
            .skip(1)
            .filter_map(|block| block.split("```").next())
            .find(|block| block.contains(marker))
            .unwrap()
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's own error type, in its own test harness
    fn retention_rules_as_docs_show_them() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("hotline.toml", deploy_docs_toml("[[retention]]"))?;
            let config = Config::load(None, &Overrides::default()).unwrap();
            assert_eq!(config.retention.len(), 2);
            assert_eq!(
                config.retention[0].legal_type.as_deref(),
                Some("non_actionable")
            );
            assert_eq!(
                config.retention[1].status,
                Some(hotline_domain::ReportStatus::Closed)
            );
            assert!(Config::default().retention.is_empty(), "off by default");
            Ok(())
        });
    }

    #[test]
    fn the_published_schedules_count_as_the_government_set_them() {
        let calendar = Config::default().working_calendar();
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // Tết 2024: 8 to 14 February off, the 15th worked (VPCP 8662/VPCP-KGVX).
        let off: Vec<u32> = (5..=16)
            .filter(|d| !calendar.is_working_day(day(2024, 2, *d)))
            .collect();
        assert_eq!(off, [8, 9, 10, 11, 12, 13, 14]);
        // A limit across it: receipt_notice from Wednesday 7 February 2024 is Monday 19.
        let from = crate::deadline::parse_start("2024-02-07T09:00").unwrap();
        let due = hotline_domain::deadline::deadline(
            hotline_domain::deadline::DeadlineRule::ReceiptNotice,
            from,
            0,
            0,
            &calendar,
        )
        .unwrap();
        assert_eq!(due.last_day, Some(day(2024, 2, 19)));
        // The swaps: Saturdays worked, weekdays off.
        assert!(calendar.is_working_day(day(2024, 5, 4)));
        assert!(!calendar.is_working_day(day(2024, 4, 29)));
        assert!(!calendar.is_working_day(day(2025, 1, 27)));
        assert!(calendar.is_working_day(day(2025, 2, 3)));
        assert!(!calendar.is_working_day(day(2026, 1, 2)));
        assert!(calendar.is_working_day(day(2026, 1, 10)));
        assert!(!calendar.is_working_day(day(2026, 8, 31)));
        // Every shipped day parses, names its basis and departs from the law's rule.
        let law = Calendar::default();
        let published = published_schedule();
        assert!(!published.is_empty(), "the shipped file parses");
        let file: toml::Value = toml::from_str(PUBLISHED_CALENDAR).unwrap();
        let days = file["day"].as_array().unwrap();
        assert_eq!(days.len(), published.len());
        assert!(
            days.iter()
                .all(|d| d["basis"].as_str().is_some_and(|b| !b.is_empty()))
        );
        for (date, kind) in published {
            assert_eq!(
                law.is_working_day(date),
                kind == DayKind::Rest,
                "{date} is listed but is already so by law"
            );
        }
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's own error type, in its own test harness
    fn the_calendar_schedule_as_docs_show_it() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("hotline.toml", deploy_docs_toml("[[calendar]]"))?;
            let calendar = Config::load(None, &Overrides::default())
                .unwrap()
                .working_calendar();
            let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 5, d).unwrap();
            assert!(calendar.is_working_day(day(9)), "the Saturday is worked");
            assert!(!calendar.is_working_day(day(15)), "the Friday is off");
            assert!(Config::default().working_calendar().is_working_day(day(15)));
            Ok(())
        });
    }
}
