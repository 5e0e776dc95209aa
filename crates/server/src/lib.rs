//! The `hotline` binary's library: opening the configured store, launching the whole system on
//! a listener, and the CLI's operations. `main.rs` only parses arguments and calls in here, so
//! integration tests can launch the real server on port 0.

pub mod config;
pub mod deadline;
pub mod keys;
pub mod listen;
pub mod telemetry;

use anyhow::Context;
use config::Config;
use hotline_core::{Hotline, IntakeConfig, setup};
use hotline_domain::{Gazetteer, SystemClock, UnitCode};
use hotline_store::Store;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::net::TcpListener;

/// Opens the store the configuration names; the URL scheme picks the backend. The embedded
/// default lives in the data folder, which is created (owner-only) if missing.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    match config.database_url.as_deref() {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let settings = hotline_store_postgres::Settings {
                max_connections: config.database_max_connections,
                pgbouncer: config.database_pgbouncer,
            };
            let store = hotline_store_postgres::connect_with_settings(url, settings)
                .await
                .with_context(|| {
                    format!(
                        "cannot connect to PostgreSQL at {}",
                        config::redact_url(url)
                    )
                })?;
            Ok(Arc::new(store))
        }
        Some(url) if url.starts_with("sqlite:") => Ok(Arc::new(
            hotline_store_sqlite::open_url(url)
                .await
                .context("cannot open SQLite")?,
        )),
        Some(other) => anyhow::bail!(
            "unsupported database URL scheme in {}: use postgres:// or sqlite:",
            config::redact_url(other)
        ),
        None => {
            create_private_dir(&config.data_dir)?;
            let path = config.data_dir.join("hotline.db");
            Ok(Arc::new(
                hotline_store_sqlite::open(&path)
                    .await
                    .with_context(|| format!("cannot open {}", path.display()))?,
            ))
        }
    }
}

/// Copies a backup into place as the embedded database of the data folder, which must not have
/// one yet. The embedded default only: PostgreSQL restores with its own tools.
pub fn restore_embedded(
    config: &Config,
    backup: &std::path::Path,
) -> anyhow::Result<std::path::PathBuf> {
    anyhow::ensure!(
        config.database_url.is_none(),
        "restore puts back the embedded SQLite database; restore PostgreSQL with its own tools"
    );
    create_private_dir(&config.data_dir)?;
    let target = config.data_dir.join("hotline.db");
    anyhow::ensure!(
        !target.exists(),
        "{} already holds a database; restore into an empty data folder",
        target.display()
    );
    let partial = config.data_dir.join("hotline.db.restoring");
    std::fs::copy(backup, &partial).with_context(|| format!("cannot read {}", backup.display()))?;
    std::fs::File::open(&partial)?.sync_all()?;
    // A rename is atomic: an interrupted restore never leaves a half-copied database in place.
    std::fs::rename(&partial, &target)?;
    Ok(target)
}

fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", dir.display()))?;
    }
    Ok(())
}

/// The name this node holds leases under: an id kept in its data folder (`node-id`, made by
/// its first `serve`), so that a node restarted, even after SIGKILL, takes back the leases it
/// held rather than waiting for them to lapse. Each node needs a data folder of its own
/// (docs/deploy.md); a folder copied to make another node must lose its `node-id`.
fn node_name(data_dir: &std::path::Path) -> anyhow::Result<String> {
    let file = data_dir.join("node-id");
    match std::fs::read_to_string(&file) {
        Ok(id) if !id.trim().is_empty() => Ok(id.trim().to_owned()),
        _ => {
            create_private_dir(data_dir)?;
            let id = hotline_core::coordination::fresh_node_id();
            std::fs::write(&file, format!("{id}\n"))
                .with_context(|| format!("cannot write {}", file.display()))?;
            Ok(id)
        }
    }
}

/// A running service and its intake writer, for the CLI's one-shot operations.
pub struct Service {
    pub hotline: Hotline,
    writer: hotline_core::intake::IntakeWriter,
}

impl Service {
    /// Opens, migrates and seeds the store, then starts the use cases on it.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let store = open_store(config).await?;
        let places = Arc::new(Gazetteer::embedded()?);
        setup::bootstrap(
            store.as_ref(),
            &places,
            hotline_domain::Clock::now(&hotline_domain::SystemClock),
        )
        .await?;
        let keys = keys::open_keys(config, store.as_ref()).await?;
        let service = Self::start(config, store, places, keys)?;
        service.hotline.mark_keyed_audit_chain().await?;
        service.hotline.key_platform_ids().await?;
        service.hotline.seal_reveal_reasons().await?;
        Ok(service)
    }

    fn start(
        config: &Config,
        store: Arc<dyn Store>,
        places: Arc<Gazetteer>,
        keys: hotline_core::keys::Keys,
    ) -> anyhow::Result<Self> {
        let default_unit: UnitCode = config
            .default_unit
            .parse()
            .map_err(|e| anyhow::anyhow!("default_unit: {e}"))?;
        let (hotline, writer) = Hotline::start(
            store,
            Arc::new(SystemClock),
            places,
            default_unit,
            Arc::new(keys),
            IntakeConfig {
                max_batch: config.intake_max_batch,
                ..IntakeConfig::default()
            },
        );
        let catalogues = hotline_web::i18n::Catalogues::load()?;
        let words = Box::new(hotline_web::notify_words::CatalogueWords::new(&catalogues));
        // Several nodes share a PostgreSQL database: their client limits are counted in it.
        let shared_limits = hotline.store.backend() == "postgres";
        let hotline = hotline
            .with_policy(config.policy())
            .with_notifier(config.notifier(words)?)
            .with_shared_limits(shared_limits);
        Ok(Self { hotline, writer })
    }

    /// Waits until every accepted report is written.
    pub async fn close(self) {
        drop(self.hotline);
        self.writer.finish().await;
    }
}

/// Migrates the store and opens its master key, then serves on `listener` (and `/metrics` on
/// `metrics`, when given) until `shutdown` completes, finishes in-flight requests and drains
/// intake. While any demo data loads, only health answers; `/readyz` turns 200 when it is done.
pub async fn launch_with_listener(
    config: Config,
    listener: TcpListener,
    metrics: Option<TcpListener>,
    demo: bool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Schema and key come first: nothing may be accepted that the store or key cannot hold.
    let mut service = Service::open(&config).await?;
    service.hotline = service
        .hotline
        .clone()
        .with_node(&node_name(&config.data_dir)?);
    if service.hotline.store.backend() == "sqlite" {
        // One process serves the embedded store: leases left by another name (a restored
        // backup, a folder moved) hold nothing back.
        service.hotline.store.forget_leases().await?;
    }
    keys::warn_if_beside_the_data(&config);
    let ready = Arc::new(AtomicBool::new(false));
    let state = hotline_web::AppState::new(service.hotline.clone(), config.web(), ready.clone())?;
    let metrics = metrics.map(|listener| {
        if let Ok(address) = listener.local_addr() {
            tracing::info!(%address, "metrics listening");
        }
        let app = hotline_web::metrics_app(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await })
    });
    let app = hotline_web::app(state);
    let address = listener.local_addr()?;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    tracing::info!(%address, backend = service.hotline.store.backend(), node = service.hotline.node(), host = host.trim(), "listening");

    // Start-up work runs while health already answers; a failure stops the server.
    let startup_error = Arc::new(std::sync::Mutex::new(None::<anyhow::Error>));
    let failed = Arc::new(tokio::sync::Notify::new());
    let setup = {
        let hotline = service.hotline.clone();
        let (startup_error, failed) = (startup_error.clone(), failed.clone());
        tokio::spawn(async move {
            let result = async {
                if demo {
                    let accounts = hotline_core::demo::load(&hotline).await?;
                    print_demo_accounts(address, &accounts);
                }
                anyhow::Ok(())
            }
            .await;
            match result {
                Ok(()) => {
                    ready.store(true, Ordering::Release);
                    tracing::info!("ready");
                }
                Err(e) => {
                    tracing::error!(error = %e, "start-up failed; stopping");
                    *startup_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    failed.notify_one();
                }
            }
        })
    };

    let head_exporter = tokio::spawn(export_audit_head(
        service.hotline.clone(),
        config.audit_heads_path(),
        config.audit_head_every_secs,
    ));
    let retention = tokio::spawn(apply_retention(
        service.hotline.clone(),
        config.retention.clone(),
        config.retention_every_secs,
    ));
    let word_indexer = service.hotline.start_word_indexer();
    let reindex = tokio::spawn(reindex_personal_items(service.hotline.clone()));
    let deliveries = tokio::spawn(run_deliveries(service.hotline.clone()));
    let updates = tokio::spawn(fetch_updates(service.hotline.clone()));
    let mailboxes = tokio::spawn(watch_mailboxes(service.hotline.clone()));
    let alerts = tokio::spawn(run_alerts(
        service.hotline.clone(),
        config.alerts_every_secs,
    ));
    let statistics = tokio::spawn(refresh_statistics(service.hotline.clone()));
    let figures = tokio::spawn(roll_up_figures(service.hotline.clone()));

    let arrivals = {
        let hotline = service.hotline.clone();
        tokio::spawn(async move { hotline.watch_arrivals().await })
    };
    let stopping = service.hotline.clone();
    let stop = async move {
        tokio::select! {
            () = shutdown => {}
            () = failed.notified() => {}
        }
        tracing::info!("shutting down: finishing in-flight requests");
        // Consoles waiting for a report are answered now rather than when their wait ends.
        stopping.stop_waiting_for_arrivals();
    };
    let mut limits = config.connection_limits();
    limits.max_connections = listen::connections_that_fit(limits.max_connections);
    listen::serve(listener, app, limits, stop).await?;
    setup.abort();
    let _ = setup.await;
    if let Some(metrics) = metrics {
        metrics.abort();
        let _ = metrics.await;
    }
    head_exporter.abort();
    let _ = head_exporter.await;
    retention.abort();
    let _ = retention.await;
    reindex.abort();
    let _ = reindex.await;
    alerts.abort();
    arrivals.abort();
    let _ = arrivals.await;
    statistics.abort();
    let _ = statistics.await;
    figures.abort();
    let _ = figures.await;
    deliveries.abort();
    updates.abort();
    mailboxes.abort();
    let _ = mailboxes.await;
    let _ = alerts.await;
    let _ = deliveries.await;
    let _ = updates.await;
    // Handed over at once rather than when the leases lapse.
    if let Err(e) = service.hotline.release_leases().await {
        tracing::warn!(error = %e, "the leases could not be given up; they lapse");
    }
    word_indexer.stop().await;
    service.close().await;
    tracing::info!("stopped");
    let startup_error = startup_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    match startup_error {
        Some(e) => Err(e.context("start-up failed")),
        None => Ok(()),
    }
}

/// Indexes again the reports indexed before personal items were kept apart from words, once;
/// a failure is retried a minute later (what is done stays done).
async fn reindex_personal_items(hotline: Hotline) {
    loop {
        match hotline.reindex_personal_items().await {
            Ok(_) => return,
            Err(e) => {
                tracing::error!(error = %e, "indexing reports again failed; retrying in a minute");
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            }
        }
    }
}

/// Verifies the audit chain at start and then every `every_secs`, and records its head in the
/// log and appended to `file` (kept away from the database, best): a log cut at its end still
/// verifies on its own, but not against a head kept elsewhere.
async fn export_audit_head(hotline: Hotline, file: std::path::PathBuf, every_secs: u64) {
    let every = std::time::Duration::from_secs(every_secs.max(1));
    // A new store's chain is empty at start: its first head is recorded within the minute
    // after its first entry, not a period later.
    let until_first = every.min(std::time::Duration::from_secs(60));
    let mut wait = std::time::Duration::ZERO;
    loop {
        tokio::time::sleep(wait).await;
        wait = every;
        // One node a period verifies, whichever comes first; the others look again later.
        match hotline.hold_lease(AUDIT_LEASE, every).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::error!(error = %e, "cannot tell whether another node verifies the audit chain");
                wait = until_first;
                continue;
            }
        }
        // Held to the furthest head recorded: a chain cut or rewritten since does not verify,
        // and nothing is recorded for it.
        let recorded = match recorded_audit_head(&file) {
            Ok(recorded) => recorded,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the recorded audit heads");
                None
            }
        };
        match hotline.verify_audit(recorded).await {
            Ok(Ok(Some(head))) => {
                tracing::info!(target: "audit", head = %head, "audit chain verified");
                if let Err(e) = record_audit_head(&file, &head) {
                    tracing::error!(error = %e, path = %file.display(), "cannot record the audit head");
                }
            }
            Ok(Ok(None)) => wait = until_first,
            Ok(Err(broken)) => tracing::error!(target: "audit", %broken, "AUDIT CHAIN BROKEN"),
            Err(e) => {
                tracing::error!(error = %e, "cannot verify the audit chain");
                wait = until_first;
            }
        }
        if wait == until_first {
            // Not done this period: whichever node looks next does it.
            let _ = hotline.release_lease(AUDIT_LEASE).await;
        }
    }
}

/// The lease of the audit chain's verification, held a period by the node that did it.
const AUDIT_LEASE: &str = "audit-verify";
/// The lease of the alert passes, renewed by its holder at each pass.
const ALERTS_LEASE: &str = "alerts";

/// Applies the retention rules every `every_secs`, the first time one period after start;
/// without rules it does nothing at all.
async fn apply_retention(
    hotline: Hotline,
    rules: Vec<hotline_core::retention::RetentionRule>,
    every_secs: u64,
) {
    if rules.is_empty() {
        return;
    }
    let period = std::time::Duration::from_secs(every_secs.max(60));
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        ticks.tick().await;
        // Held for the period, not given back: one node purges each period.
        if !takes_lease(&hotline, "retention", period).await {
            continue;
        }
        if let Err(e) = hotline.run_retention(&rules, false).await {
            tracing::error!(error = %e, "retention purge failed");
        }
    }
}

/// Whether this node holds lease `name` for the next `lease` (taken or renewed): not when
/// another node holds it, nor when the store cannot tell (said in the log).
async fn takes_lease(hotline: &Hotline, name: &str, lease: std::time::Duration) -> bool {
    hotline
        .hold_lease(name, lease)
        .await
        .inspect_err(
            |e| tracing::error!(lease = name, error = %e, "cannot tell which node holds the lease"),
        )
        .unwrap_or(false)
}

/// Refreshes the database planner's statistics at start and then every hour, on one node an
/// hour: PostgreSQL's autovacuum does it too, but lags a bulk load or a restore and may be off.
async fn refresh_statistics(hotline: Hotline) {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);
    let mut ticks = tokio::time::interval(EVERY);
    loop {
        ticks.tick().await;
        if !takes_lease(&hotline, "statistics", EVERY).await {
            continue;
        }
        if let Err(e) = hotline.store.refresh_statistics().await {
            tracing::warn!(error = %e, "the planner's statistics could not be refreshed");
        }
    }
}

/// Keeps the leaders' figures current (issue 29): reads what the events' log gained into the
/// rollups every few seconds, so a page read does not wait on a backlog. Rounds are small,
/// with a pause between them and none while reports wait for the intake writer, so a backlog
/// never holds the store's writer from intake. Every node may; the store lets one at a time.
async fn roll_up_figures(hotline: Hotline) {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(10);
    const BETWEEN_ROUNDS: std::time::Duration = std::time::Duration::from_millis(50);
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        loop {
            // Intake first: while reports wait for the writer, the figures wait (a reader
            // still rolls up what they need when they ask).
            while hotline.intake_queue_depth() > 0 {
                tokio::time::sleep(BETWEEN_ROUNDS).await;
            }
            match hotline
                .roll_up_round(hotline_core::statistics::JOB_ROUND_EVENTS, false)
                .await
            {
                Ok(round) if round.more => tokio::time::sleep(BETWEEN_ROUNDS).await,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "the figures could not be rolled up");
                    break;
                }
            }
        }
    }
}

/// Takes journalled platform deliveries apart and sends queued answers as soon as there is
/// one, and every few seconds for those waiting to be retried.
async fn run_deliveries(hotline: Hotline) {
    loop {
        tokio::select! {
            () = hotline.deliveries_waiting() => {}
            () = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
        }
        loop {
            let taken_in = match hotline.run_deliveries().await {
                Ok(pass) => pass.processed,
                Err(e) => {
                    tracing::error!(error = %e, "processing deliveries failed this pass");
                    0
                }
            };
            let sent = match hotline.run_outbox().await {
                Ok(pass) => pass.sent + pass.retried + pass.failed,
                Err(e) => {
                    tracing::error!(error = %e, "sending answers failed this pass");
                    0
                }
            };
            let fetched = match hotline.run_media().await {
                Ok(pass) => pass.kept + pass.retried + pass.failed,
                Err(e) => {
                    tracing::error!(error = %e, "fetching files failed this pass");
                    0
                }
            };
            // A full pass may have left more behind.
            if taken_in == 0 && sent == 0 && fetched == 0 {
                break;
            }
        }
    }
}

/// Fetches the updates of accounts that poll instead of receiving webhooks, continuously:
/// each round waits at the platform for updates (long polling), so one comes in as soon as it
/// is sent. With no such account, or after a failure, it looks again a few seconds later.
async fn fetch_updates(hotline: Hotline) {
    /// How long each request waits at the platform: under the HTTP client's timeout.
    const WAIT_SECS: u32 = 10;
    loop {
        let pause = match hotline.fetch_updates(WAIT_SECS).await {
            Ok(round) => round.accounts == 0 || round.failed == round.accounts,
            Err(e) => {
                tracing::error!(error = %e, "fetching updates failed this round");
                true
            }
        };
        if pause {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
    }
}

/// Reads each connected mailbox in a task of its own, opened again a while after it fails
/// (a server that went away, a password changed); accounts connected later are picked up.
/// Stopping this stops them all.
async fn watch_mailboxes(hotline: Hotline) {
    /// How long one IDLE waits before it is renewed (servers drop it after 30 minutes).
    const IDLE: std::time::Duration = std::time::Duration::from_secs(25 * 60);
    /// How long after a failure a mailbox is opened again (or, read by another node, asked
    /// for again).
    const AGAIN: std::time::Duration = std::time::Duration::from_secs(30);
    /// How long a reader's lease lasts unrenewed: a dead node's mailbox is read again by
    /// another within this and `AGAIN`.
    const MAILBOX_LEASE: std::time::Duration = std::time::Duration::from_secs(45);
    // Dropped with this task (at shutdown), the set stops every reader.
    let mut readers: tokio::task::JoinSet<()> = tokio::task::JoinSet::new();
    // Each reader's account by its task, so that one that panicked is opened again too.
    let mut reading: std::collections::HashMap<tokio::task::Id, i64> =
        std::collections::HashMap::new();
    let mut ended_at: std::collections::HashMap<i64, std::time::Instant> =
        std::collections::HashMap::new();
    loop {
        while let Some(ended) = readers.try_join_next_with_id() {
            let task = match ended {
                Ok((task, ())) => task,
                Err(e) => e.id(),
            };
            if let Some(id) = reading.remove(&task) {
                ended_at.insert(id, std::time::Instant::now());
            }
        }
        match hotline.mailbox_accounts().await {
            Ok(accounts) => {
                for id in accounts {
                    let resting = ended_at.get(&id).is_some_and(|at| at.elapsed() < AGAIN);
                    if reading.values().any(|a| *a == id) || resting {
                        continue;
                    }
                    let hotline = hotline.clone();
                    let task = readers.spawn(async move {
                        // One node reads each mailbox; the others try again after a rest,
                        // and one of them takes over once its reader's lease lapses.
                        let lease = format!("mailbox:{id}");
                        let read = hotline.watch_mailbox(id, IDLE);
                        match hotline.while_leased(&lease, MAILBOX_LEASE, read).await {
                            Ok(Some(Ok(()))) | Ok(None) => {}
                            Ok(Some(Err(e))) | Err(e) => {
                                tracing::warn!(account = id, error = %e, "reading a mailbox failed; it is opened again soon");
                            }
                        }
                    });
                    reading.insert(task.id(), id);
                }
            }
            Err(e) => tracing::error!(error = %e, "the mailboxes to read could not be listed"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
}

/// Alerts about urgent reports, their escalation and time-limit warnings, then the
/// notifications they queued, every `every_secs`, on the one node that holds their lease.
async fn run_alerts(hotline: Hotline, every_secs: u64) {
    let every = std::time::Duration::from_secs(every_secs.max(1));
    // Renewed at each pass: another node takes the passes over within three of them once
    // this one stops.
    let lease = (every * 3).max(std::time::Duration::from_secs(3));
    let mut ticks = tokio::time::interval(every);
    let mut limits_forgotten_at = tokio::time::Instant::now();
    loop {
        ticks.tick().await;
        let forget_limits = limits_forgotten_at.elapsed() >= std::time::Duration::from_secs(60);
        let pass = async {
            if forget_limits && let Err(e) = hotline.forget_spent_limits().await {
                tracing::warn!(error = %e, "spent client limits could not be forgotten");
            }
            if let Err(e) = hotline.run_alerts().await {
                tracing::error!(error = %e, "urgent report alerts failed this pass");
            }
            if let Err(e) = hotline.run_notifications().await {
                tracing::error!(error = %e, "sending notifications failed this pass");
            }
        };
        // Renewed while a long pass (a slow mail relay) runs, and kept for the next.
        match hotline.still_leased(ALERTS_LEASE, lease, pass).await {
            Ok(Some(())) if forget_limits => limits_forgotten_at = tokio::time::Instant::now(),
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "cannot tell whether another node sends the alerts");
            }
        }
    }
}

/// Appends `head` to the heads file at `path`, as `TIME SEQ:HASH`.
pub fn record_audit_head(
    path: &std::path::Path,
    head: &hotline_vault::audit::Head,
) -> std::io::Result<()> {
    use hotline_domain::Clock;
    use std::io::Write;
    let line = format!(
        "{} {head}\n",
        hotline_domain::SystemClock.now().to_rfc3339()
    );
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(line.as_bytes())?;
    file.sync_all()
}

/// The furthest head recorded in the heads file at `path` (the highest sequence number: a
/// forged chain verified and recorded later, shorter, does not take its place); `None` when
/// there is none yet. Lines that are not heads (a write cut short, a note) are passed over.
pub fn recorded_audit_head(
    path: &std::path::Path,
) -> anyhow::Result<Option<hotline_vault::audit::Head>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    };
    Ok(text
        .lines()
        .filter_map(|line| line.split_whitespace().last())
        .filter_map(hotline_vault::audit::Head::parse)
        .max_by_key(|head| head.seq))
}

fn print_demo_accounts(address: SocketAddr, accounts: &[hotline_core::demo::DemoAccount]) {
    if accounts.is_empty() {
        println!("Demo data: the store already has staff; nothing loaded.");
        return;
    }
    println!();
    println!("  Hotline demo (fictional data) at http://{address}/");
    println!(
        "  Staff sign-in: http://{address}/console/sign-in   password for every demo account: {}",
        hotline_core::demo::DEMO_PASSWORD
    );
    println!(
        "  Roles marked * enrol a second factor (any TOTP authenticator app) at their first sign-in."
    );
    for a in accounts {
        println!(
            "    {:<20} {:<14}{} unit {}",
            a.username,
            a.role.as_str(),
            if a.role.needs_second_factor() {
                "*"
            } else {
                " "
            },
            a.unit
        );
    }
    println!();
}
