//! `hotline-bench`: measures intake.
//!
//! - `intake`: starts a server (or targets one with `--target`) and submits reports over HTTP
//!   from `--concurrency` clients, printing throughput and latency percentiles.
//! - `floor`: writes the same rows straight into SQLite through the store, with the same
//!   durability (`synchronous=FULL`), once committing each row alone and once in batches: what
//!   the disk allows before HTTP and the application cost anything.
//! - `inbox`: loads reports through the use cases (sealed, indexed, as intake writes them), then
//!   times what a provincial duty officer does all shift: the inbox's first page, filtered and
//!   sorted, and searches for a common and a rare word.
//! - `webhooks`: starts a server with a WhatsApp account and posts signed deliveries to its
//!   webhook from `--concurrency` clients: acknowledgements per second (each sent only once the
//!   delivery is durable) and their latency, then how long taking them all apart took.
//! - `soak`: a long mixed load at half the measured capacity, memory, open files and latency
//!   sampled throughout (see `soak.rs`).

use anyhow::Context;
use clap::{Parser, Subcommand};
use hotline_domain::{Channel, UnitCode, Urgency, vietnam_year};
use hotline_store::{Channels, NewReport, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod overload;
mod soak;
mod stats;

/// The server's allocator, so that the in-process server is measured as it is shipped.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "hotline-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Submit reports over HTTP.
    Intake {
        #[arg(long, default_value_t = 20_000)]
        reports: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Base URL of a running server; default: start one on SQLite in a temporary folder.
        #[arg(long)]
        target: Option<String>,
        /// Bearer token for a target that limits citizens per address.
        #[arg(long)]
        token: Option<String>,
        /// `postgres://…` to start the servers on PostgreSQL; default: SQLite.
        #[arg(long)]
        database_url: Option<String>,
        /// Servers to start on that database, the clients spread over them (PostgreSQL only).
        #[arg(long, default_value_t = 1)]
        nodes: usize,
    },
    /// Load reports, then time the inbox and search.
    Inbox {
        #[arg(long, default_value_t = 100_000)]
        reports: usize,
        /// Submissions in flight while loading.
        #[arg(long, default_value_t = 256)]
        concurrency: usize,
        /// `postgres://…` to run on PostgreSQL; default: SQLite in a temporary folder.
        #[arg(long)]
        database_url: Option<String>,
        /// Timed runs of each question.
        #[arg(long, default_value_t = 200)]
        rounds: usize,
    },
    /// Post signed WhatsApp deliveries to a server's webhook.
    Webhooks {
        #[arg(long, default_value_t = 20_000)]
        deliveries: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
    /// Read the public directory (the demo's) over HTTP: the province page, the feed fresh
    /// and revalidated with its ETag, and the "is this really the police?" check.
    Directory {
        #[arg(long, default_value_t = 5_000)]
        requests: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
    /// Read triage hints from long (2 KB) reports, timing each call.
    Hints {
        #[arg(long, default_value_t = 20_000)]
        runs: usize,
    },
    /// Flood the server far past what it can serve, with staff and a monitor reading
    /// meanwhile: what it keeps, what it sheds, how staff fare.
    Overload {
        #[arg(long, default_value_t = 1_000)]
        connections: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
    },
    /// A long mixed load (submissions, webhooks, console reads, searches) at a fixed rate,
    /// half the capacity measured first unless given: memory, open files and each kind's
    /// latency sampled every 10 s, written as CSV with an SVG plot beside it.
    Soak {
        #[arg(long, default_value_t = 30)]
        minutes: usize,
        /// Requests per second, all kinds together.
        #[arg(long)]
        rate: Option<u32>,
        /// The samples' CSV; the plot goes beside it, as `.svg`.
        #[arg(long, default_value = "soak.csv")]
        out: std::path::PathBuf,
    },
    /// Load a year of reports in one province, roll them up, then time the leaders' page,
    /// the API's groupings, the monthly report and the public account.
    Stats {
        #[arg(long, default_value_t = 100_000)]
        reports: usize,
        /// `postgres://…` to run on PostgreSQL; default: SQLite in a temporary folder.
        #[arg(long)]
        database_url: Option<String>,
        /// Timed runs of each question.
        #[arg(long, default_value_t = 40)]
        rounds: usize,
    },
    /// Write the same rows straight into SQLite.
    Floor {
        #[arg(long, default_value_t = 20_000)]
        reports: usize,
        /// Rows per transaction in the batched run (the server's default batch ceiling).
        #[arg(long, default_value_t = 256)]
        batch: usize,
    },
}

const TEXT: &str = "Tối qua khoảng 23 giờ, có nhóm thanh niên tụ tập đua xe máy, lạng lách, \
    rú ga trên đường ven biển, gây mất trật tự và nguy hiểm cho người đi đường.";

struct Figures {
    count: usize,
    failures: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    /// Prints throughput and latency; `things` names what was counted (`reports`).
    fn print(&mut self, label: &str, things: &str) {
        self.latencies.sort_unstable();
        let pct = |p: f64| {
            let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
            self.latencies
                .get(i)
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        println!(
            "{label}: {} {things} in {:.2} s = {:.0} {things}/s; failures {}; latency ms p50 {:.2} p95 {:.2} p99 {:.2}",
            self.count,
            self.elapsed.as_secs_f64(),
            self.count as f64 / self.elapsed.as_secs_f64(),
            self.failures,
            pct(0.50),
            pct(0.95),
            pct(0.99),
        );
    }
}

impl Figures {
    /// For questions rather than submissions: how long each took.
    fn print_latency(&mut self, label: &str) {
        self.latencies.sort_unstable();
        let pct = |p: f64| {
            let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
            self.latencies
                .get(i)
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        println!(
            "{label}: {} runs; ms p50 {:.2} p95 {:.2} p99 {:.2}",
            self.count,
            pct(0.50),
            pct(0.95),
            pct(0.99),
        );
    }
}

/// Runs requests `ids` from `concurrency` clients sharing one connection pool, each taking
/// the next id; `request` says whether its answer was the one expected (read in full).
async fn load<F, Fut>(
    ids: std::ops::Range<usize>,
    concurrency: usize,
    request: F,
) -> anyhow::Result<Figures>
where
    F: Fn(reqwest::Client, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(ids.start));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, next, end, request) =
                (client.clone(), next.clone(), ids.end, request.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failures = 0;
                loop {
                    let id = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if id >= end {
                        break;
                    }
                    let t = Instant::now();
                    if request(client.clone(), id).await {
                        latencies.push(t.elapsed());
                    } else {
                        failures += 1;
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut figures = Figures {
        count: 0,
        failures: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::with_capacity(ids.len()),
    };
    for w in workers {
        let (latencies, failures) = w.await?;
        figures.count += latencies.len();
        figures.failures += failures;
        figures.latencies.extend(latencies);
    }
    figures.elapsed = started.elapsed();
    Ok(figures)
}

/// Whether `sent` was answered with `status`, read in full.
async fn answered(sent: reqwest::Result<reqwest::Response>, status: u16) -> bool {
    match sent {
        Ok(r) => r.status().as_u16() == status && r.bytes().await.is_ok(),
        Err(_) => false,
    }
}

/// Submits `reports` reports, each to the next of `bases` in turn (a round-robin balancer).
async fn submit_all(
    bases: &[String],
    token: Option<&str>,
    reports: usize,
    concurrency: usize,
) -> anyhow::Result<Figures> {
    let body =
        serde_json::json!({"text": TEXT, "province_code": 22, "commune_code": 6688}).to_string();
    let urls: Vec<String> = bases
        .iter()
        .map(|base| format!("{base}/api/v1/reports"))
        .collect();
    let token = token.map(str::to_owned);
    load(0..reports, concurrency, move |client, id| {
        let url = urls
            .get(id % urls.len().max(1))
            .cloned()
            .unwrap_or_default();
        let mut request = client
            .post(url)
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(token) = &token {
            request = request.bearer_auth(token);
        }
        async move { answered(request.send().await, 201).await }
    })
    .await
}

/// The real server, started on an ephemeral port for a run.
struct Running {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Starts the server (with the demo loaded when `demo`) and waits until it is ready.
    async fn start(config: hotline_server::config::Config, demo: bool) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        // The bench reads no metrics: none are served.
        let task = tokio::spawn(hotline_server::launch_with_listener(
            config,
            listener,
            None,
            demo,
            async {
                let _ = stopped.await;
            },
        ));
        let client = reqwest::Client::new();
        while client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .map(|r| r.status() != 200)
            .unwrap_or(true)
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(Self { base, stop, task })
    }

    /// Stops it gracefully.
    async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await?
    }
}

async fn intake(
    reports: usize,
    concurrency: usize,
    target: Option<String>,
    token: Option<String>,
    database_url: Option<String>,
    nodes: usize,
) -> anyhow::Result<()> {
    if let Some(base) = target {
        let mut figures = submit_all(
            std::slice::from_ref(&base),
            token.as_deref(),
            reports,
            concurrency,
        )
        .await?;
        figures.print(
            &format!("HTTP intake at {base}, concurrency {concurrency}"),
            "reports",
        );
        return Ok(());
    }
    anyhow::ensure!(
        nodes == 1 || database_url.is_some(),
        "several nodes share a PostgreSQL database: give --database-url"
    );
    let backend = if database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    // Every node its own folder, all on one database under one master key.
    let master_key = hex::encode(rand::random::<[u8; 32]>());
    let mut dirs = Vec::with_capacity(nodes);
    let mut servers = Vec::with_capacity(nodes);
    for _ in 0..nodes.max(1) {
        let dir = tempfile::tempdir()?;
        let config = hotline_server::config::Config {
            bind: ([127, 0, 0, 1], 0).into(),
            data_dir: dir.path().to_path_buf(),
            database_url: database_url.clone(),
            master_key: Some(master_key.clone()),
            public_submissions_per_minute: 0,
            public_submissions_global_per_minute: 0,
            unproven_submissions_per_hour: 0,
            ..Default::default()
        };
        servers.push(Running::start(config, false).await?);
        dirs.push(dir);
    }
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    // Warm the connection pools and the servers' caches.
    submit_all(&bases, None, concurrency * 4, concurrency).await?;
    let mut figures = submit_all(&bases, None, reports, concurrency).await?;
    figures.print(
        &format!(
            "HTTP intake, {backend}, {} node{}, concurrency {concurrency}",
            servers.len(),
            if servers.len() == 1 { "" } else { "s" }
        ),
        "reports",
    );
    for server in servers {
        server.stop().await?;
    }
    Ok(())
}

/// The app secret of the benchmark's WhatsApp account.
const BENCH_SECRET: &str = "bench-app-secret";

/// The server's settings for a load sent from this machine: every client comes from
/// loopback, where a crowd of phones would each have an address of their own, so the limits
/// per address and on citizens' submissions are lifted.
fn loopback_load_config(data_dir: &std::path::Path) -> hotline_server::config::Config {
    hotline_server::config::Config {
        bind: ([127, 0, 0, 1], 0).into(),
        data_dir: data_dir.to_path_buf(),
        master_key: Some(hex::encode(rand::random::<[u8; 32]>())),
        public_submissions_per_minute: 0,
        public_submissions_global_per_minute: 0,
        unproven_submissions_per_hour: 0,
        max_connections_per_address: 0,
        ..Default::default()
    }
}

/// A staff token of a provincial duty officer of unit 22, where the benches' reports go.
async fn duty_token(service: &hotline_server::Service) -> anyhow::Result<String> {
    service
        .hotline
        .add_staff(
            "bench.duty",
            "",
            hotline_domain::Role::DutyOfficer,
            &"22".parse()?,
            hotline_core::demo::DEMO_PASSWORD,
        )
        .await?;
    Ok(service
        .hotline
        .create_api_token("bench.duty", "bench")
        .await?)
}

/// A memory figure of this process from `/proc/self/status` (`VmRSS:`, `VmHWM:`), in MiB:
/// the server and the load together.
fn process_memory_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Delivery `id`, a text from one of a thousand senders, and its signature.
fn signed_delivery(id: usize) -> (String, String) {
    use hmac::Mac;
    let sender = id % 1000;
    let body = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","contacts":[{{"profile":{{"name":"Ng\u01b0\u1eddi d\u00e2n {sender}"}},"wa_id":"8491{sender:07}"}}],"messages":[{{"from":"8491{sender:07}","id":"wamid.BENCH{id}","timestamp":"1795184100","type":"text","text":{{"body":"T\u1ed1i qua c\u00f3 nh\u00f3m thanh ni\u00ean \u0111ua xe g\u00e2y m\u1ea5t tr\u1eadt t\u1ef1, tin s\u1ed1 {id}"}}}}]}}}}]}}]}}"#
    );
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(BENCH_SECRET.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body.as_bytes());
    (
        body,
        format!("sha256={}", hex::encode(mac.finalize().into_bytes())),
    )
}

/// Adds the WhatsApp account `bench` (unit 22) that [`signed_delivery`]'s deliveries are for.
async fn add_bench_account(service: &hotline_server::Service) -> anyhow::Result<()> {
    let settings = [
        ("app_secret".to_owned(), BENCH_SECRET.to_owned()),
        ("verify_token".to_owned(), "bench".to_owned()),
    ];
    service
        .hotline
        .add_channel_account(
            None,
            &hotline_core::channels::AccountInput {
                platform: "whatsapp",
                name: "bench",
                unit: "22",
                settings: &settings,
                api_base: None,
            },
        )
        .await?;
    Ok(())
}

/// Waits until the account's journal holds no queued delivery, or until it has not shrunk for
/// a minute (a stalled journal ends the wait rather than the run); its counts then.
async fn taken_apart(
    store: &impl Channels,
    account_id: i64,
) -> anyhow::Result<hotline_store::DeliveryCounts> {
    let mut fewest = u32::MAX;
    let mut shrank = Instant::now();
    loop {
        let counts = store
            .delivery_counts(
                account_id,
                hotline_domain::Clock::now(&hotline_domain::SystemClock),
            )
            .await?;
        if counts.queued < fewest {
            fewest = counts.queued;
            shrank = Instant::now();
        }
        if counts.queued == 0 || shrank.elapsed() > Duration::from_secs(60) {
            return Ok(counts);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn post_deliveries(
    base: &str,
    ids: std::ops::Range<usize>,
    concurrency: usize,
) -> anyhow::Result<Figures> {
    let url = format!("{base}/hooks/whatsapp/bench");
    load(ids, concurrency, move |client, id| {
        let (body, signature) = signed_delivery(id);
        let request = client
            .post(&url)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body);
        async move { answered(request.send().await, 200).await }
    })
    .await
}

async fn webhooks(deliveries: usize, concurrency: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = hotline_server::config::Config {
        bind: ([127, 0, 0, 1], 0).into(),
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    let service = hotline_server::Service::open(&config).await?;
    add_bench_account(&service).await?;
    service.close().await;
    let server = Running::start(config.clone(), false).await?;
    let base = server.base.clone();
    let warm_up = concurrency * 4;
    post_deliveries(&base, 0..warm_up, concurrency).await?;
    let mut figures = post_deliveries(&base, warm_up..warm_up + deliveries, concurrency).await?;
    figures.print(
        &format!("signed WhatsApp deliveries journalled, SQLite, concurrency {concurrency}"),
        "deliveries",
    );
    // Then how long the journal takes to be taken apart: messages into reports.
    let started = Instant::now();
    let store = hotline_store_sqlite::open(&dir.path().join("hotline.db")).await?;
    let account = store
        .channel_account(hotline_domain::Channel::Whatsapp, "bench")
        .await?;
    let counts = taken_apart(&store, account.id).await?;
    anyhow::ensure!(
        counts.queued == 0,
        "taking apart stalled with {} deliveries queued",
        counts.queued
    );
    let total = warm_up + deliveries;
    let after = started.elapsed().as_secs_f64();
    println!(
        "taken apart: the last of {total} deliveries {after:.1} s after the last acknowledgement \
         (the timed {deliveries}: {:.0}/s from the first acknowledgement to the last taken apart)",
        deliveries as f64 / (figures.elapsed.as_secs_f64() + after)
    );
    server.stop().await?;
    Ok(())
}

/// Words of the made-up reports; the first is in about half of them.
const WORDS: &[&str] = &[
    "xe",
    "máy",
    "trộm",
    "cắp",
    "tụ",
    "tập",
    "gây",
    "rối",
    "đánh",
    "bạc",
    "lấn",
    "chiếm",
    "vỉa",
    "hè",
    "tiếng",
    "ồn",
    "karaoke",
    "lừa",
    "đảo",
    "mạng",
    "cho",
    "vay",
    "nặng",
    "lãi",
    "ma",
    "túy",
    "buôn",
    "lậu",
    "hàng",
    "giả",
    "rác",
    "thải",
    "đổ",
    "trộm",
    "cát",
    "khai",
    "thác",
    "đua",
    "lạng",
    "lách",
    "đêm",
    "khuya",
    "chợ",
    "đường",
    "ngõ",
    "phường",
    "xã",
    "công",
    "an",
    "người",
    "lạ",
    "đối",
    "tượng",
    "thanh",
    "niên",
    "cầm",
    "gậy",
    "đe",
    "dọa",
    "camera",
];
/// A word about one report in ten thousand holds.
const RARE: &str = "kỳ lân";

/// A made-up report: a dozen words from `WORDS`, now and then a rare one or a danger.
fn bench_text(seed: &mut u64) -> String {
    let mut next = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    };
    let mut words: Vec<&str> = Vec::with_capacity(16);
    let (common, others) = WORDS.split_first().unwrap_or((&"xe", &[]));
    if next() % 2 == 0 {
        words.push(common);
    }
    for _ in 0..12 {
        let at = usize::try_from(next() % others.len().max(1) as u64).unwrap_or_default();
        words.extend(others.get(at));
    }
    if next() % 10_000 == 0 {
        words.push(RARE);
    }
    if next() % 50 == 0 {
        words.push("cứu với");
    }
    format!("[Dữ liệu thử, hư cấu] {}.", words.join(" "))
}

async fn inbox(
    reports: usize,
    concurrency: usize,
    database_url: Option<String>,
    rounds: usize,
) -> anyhow::Result<()> {
    let (dir, config, service, backend) = bench_service(database_url).await?;
    let hotline = service.hotline.clone();
    let duty = bench_member(&hotline, "bench.duty", hotline_domain::Role::DutyOfficer).await?;
    let communes: Vec<u32> = hotline.places.communes_of(22).map(|c| c.code).collect();

    // Load, many submissions in flight, as intake takes them, the words indexed as the server
    // indexes them.
    let indexer = hotline.start_word_indexer();
    let started = Instant::now();
    let per_worker = reports.div_ceil(concurrency.max(1));
    let loaders: Vec<_> = (0..concurrency)
        .map(|w| {
            let hotline = hotline.clone();
            let communes = communes.clone();
            let count = per_worker.min(reports.saturating_sub(w * per_worker));
            tokio::spawn(async move {
                let mut seed = 0x9E37_79B9_7F4A_7C15_u64 ^ (w as u64 + 1);
                for i in 0..count {
                    let input = hotline_domain::ReportInput {
                        text: bench_text(&mut seed),
                        province_code: Some(22),
                        commune_code: communes.get(i % communes.len().max(1)).copied(),
                        ..hotline_domain::ReportInput::default()
                    };
                    hotline
                        .submit(hotline_core::Submission::new(input, Channel::Api))
                        .await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for loader in loaders {
        loader.await??;
    }
    let load = started.elapsed();
    println!(
        "{backend}: loaded {reports} reports in {:.0} s ({:.0} reports/s)",
        load.as_secs_f64(),
        reports as f64 / load.as_secs_f64()
    );
    let loaded = Instant::now();
    while hotline.store.pending_word_entries(1).await? > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    indexer.stop().await;
    println!(
        "{backend}: their words all indexed {:.1} s after the last report",
        loaded.elapsed().as_secs_f64()
    );
    // As `serve` does at start and every hour: the planner's statistics after the load.
    let analysed = Instant::now();
    hotline.store.refresh_statistics().await?;
    println!(
        "{backend}: statistics refreshed in {:.1} s",
        analysed.elapsed().as_secs_f64()
    );
    if config.database_url.is_none() {
        let bytes: u64 = std::fs::read_dir(dir.path())?
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum();
        println!(
            "{backend}: {:.2} GB on disk ({:.0} bytes a report)",
            bytes as f64 / 1e9,
            bytes as f64 / reports as f64
        );
    }

    let newest = hotline_store::ReportFilter::default();
    let emergencies = hotline_store::ReportFilter {
        urgency: Some(Urgency::Emergency),
        order: hotline_store::ReportOrder::Urgency,
        ..hotline_store::ReportFilter::default()
    };
    let urgent_first = hotline_store::ReportFilter {
        order: hotline_store::ReportOrder::Urgency,
        ..hotline_store::ReportFilter::default()
    };
    for (label, filter) in [
        ("inbox, first page of 50, newest first", &newest),
        ("inbox, most urgent first", &urgent_first),
        ("inbox, emergencies only", &emergencies),
    ] {
        let mut figures = timed(rounds, || async {
            hotline.inbox(&duty, filter, 50).await.map(|_| ())
        })
        .await?;
        figures.print_latency(&format!("{backend}, {reports} reports: {label}"));
    }
    for (label, query) in [
        ("search, a common word (xe), 50 results with snippets", "xe"),
        ("search, two words (trộm cắp)", "trom cap"),
        ("search, a rare word (kỳ lân)", "ky lan"),
    ] {
        let mut figures = timed(rounds, || async {
            hotline
                .search_reports(&duty, query, None, &newest, 50)
                .await
                .map(|_| ())
        })
        .await?;
        figures.print_latency(&format!("{backend}, {reports} reports: {label}"));
    }
    // The writers end once every handle to the service is gone, this one too.
    drop(hotline);
    service.close().await;
    Ok(())
}

/// A service on a new data folder (SQLite) or on `database_url`, with its backend's name.
pub(crate) async fn bench_service(
    database_url: Option<String>,
) -> anyhow::Result<(
    tempfile::TempDir,
    hotline_server::config::Config,
    hotline_server::Service,
    &'static str,
)> {
    let dir = tempfile::tempdir()?;
    let config = hotline_server::config::Config {
        data_dir: dir.path().to_path_buf(),
        database_url,
        ..Default::default()
    };
    let backend = if config.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let service = hotline_server::Service::open(&config).await?;
    Ok((dir, config, service, backend))
}

/// A member of Quảng Ninh's provincial police in `role`.
pub(crate) async fn bench_member(
    hotline: &hotline_core::Hotline,
    username: &str,
    role: hotline_domain::Role,
) -> anyhow::Result<hotline_core::Actor> {
    let member = hotline
        .add_staff(
            username,
            "",
            role,
            &UnitCode::province(22),
            "bench-password-2026",
        )
        .await?;
    Ok(hotline_core::Actor(member))
}

/// Runs `question` `rounds` times, one after another, and times each.
pub(crate) async fn timed<F, Fut>(rounds: usize, question: F) -> anyhow::Result<Figures>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), hotline_core::CoreError>>,
{
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        question().await?;
        latencies.push(t.elapsed());
    }
    Ok(Figures {
        count: rounds,
        failures: 0,
        elapsed: started.elapsed(),
        latencies,
    })
}

pub(crate) fn rows(n: usize, key_id: &str, word_index: &[Vec<u8>]) -> Vec<NewReport> {
    let now = hotline_domain::Clock::now(&hotline_domain::SystemClock);
    (0..n)
        .map(|i| NewReport {
            channel: Channel::Api,
            account: String::new(),
            platform_message_id: None,
            received_at: now,
            sent_at: None,
            unit: UnitCode::commune(22, 6688),
            case_prefix: "QN".into(),
            case_year: vietnam_year(now),
            follow_up_digest: format!("{i:064x}"),
            wrapped_key: vec![0; 72],
            key_id: key_id.to_owned(),
            text_sealed: TEXT.as_bytes().to_vec(),
            summary_sealed: TEXT.as_bytes().to_vec(),
            province_code: Some(22),
            commune_code: Some(6688),
            address_sealed: None,
            word_index: word_index.to_vec(),
            attachments: Vec::new(),
            occurred_at: None,
            protection_requested: false,
            contact: None,
            anonymous: true,
            urgency: Urgency::Normal,
            deadline: None,
            entered_by: None,
            source: hotline_domain::receipt::ReceiptSource::Person,
            route: "place".into(),
            sender_index: None,
            reply_sealed: None,
        })
        .collect()
}

/// `requests` GETs of `path` (with `If-None-Match: etag` when given) from `concurrency`
/// clients; a request counts when its status is `expected`.
async fn get_all(
    url: &str,
    etag: Option<&str>,
    expected: u16,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<Figures> {
    let (url, etag) = (url.to_owned(), etag.map(str::to_owned));
    load(0..requests, concurrency, move |client, _| {
        let mut request = client.get(&url);
        if let Some(tag) = &etag {
            request = request.header("if-none-match", tag);
        }
        async move { answered(request.send().await, expected).await }
    })
    .await
}

async fn directory(requests: usize, concurrency: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = hotline_server::config::Config {
        bind: ([127, 0, 0, 1], 0).into(),
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    let server = Running::start(config, true).await?;
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let etag = client
        .get(format!("{base}/api/v1/directory"))
        .send()
        .await?
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_default();
    let runs: [(&str, String, Option<&str>, u16); 4] = [
        (
            "GET /danh-ba/quang-ninh",
            format!("{base}/danh-ba/quang-ninh"),
            None,
            200,
        ),
        (
            "GET /api/v1/directory (34 provinces)",
            format!("{base}/api/v1/directory"),
            None,
            200,
        ),
        (
            "GET /api/v1/directory with its ETag (304)",
            format!("{base}/api/v1/directory"),
            Some(&etag),
            304,
        ),
        (
            "GET /api/v1/directory/verify?q=0912.000.191",
            format!("{base}/api/v1/directory/verify?q=0912.000.191"),
            None,
            200,
        ),
    ];
    for (label, url, tag, expected) in runs {
        get_all(&url, tag, expected, concurrency * 4, concurrency).await?;
        let mut figures = get_all(&url, tag, expected, requests, concurrency).await?;
        figures.print(
            &format!("{label}, SQLite, concurrency {concurrency}"),
            "requests",
        );
    }
    server.stop().await?;
    Ok(())
}

fn hints(runs: usize) -> anyhow::Result<()> {
    let loaded = Instant::now();
    let places = hotline_domain::Gazetteer::embedded()?;
    println!(
        "hints: the map loaded and its names compiled in {:.1} ms",
        loaded.elapsed().as_secs_f64() * 1000.0
    );
    let texts = hotline_bench::texts::long_reports(2048);
    // The first call compiles the phrases.
    let compiled = Instant::now();
    std::hint::black_box(hotline_domain::hints::hints("", &places));
    println!(
        "hints: phrases compiled in {:.1} ms",
        compiled.elapsed().as_secs_f64() * 1000.0
    );
    let started = Instant::now();
    let latencies = texts
        .iter()
        .cycle()
        .take(runs)
        .map(|text| {
            let t = Instant::now();
            std::hint::black_box(hotline_domain::hints::hints(text, &places));
            t.elapsed()
        })
        .collect();
    Figures {
        count: runs,
        failures: 0,
        elapsed: started.elapsed(),
        latencies,
    }
    .print_latency(&format!(
        "hints of a 2 KB report ({} different texts)",
        texts.len()
    ));
    Ok(())
}

async fn floor(reports: usize, batch: usize) -> anyhow::Result<()> {
    for (label, per_commit) in [("one commit per report", 1), ("batched", batch.max(1))] {
        let dir = tempfile::tempdir()?;
        let store = hotline_store_sqlite::open(&dir.path().join("floor.db")).await?;
        let places = hotline_domain::Gazetteer::embedded()?;
        hotline_core::setup::bootstrap(
            &store,
            &places,
            hotline_domain::Clock::now(&hotline_domain::SystemClock),
        )
        .await?;
        let store: Arc<dyn Store> = Arc::new(store);
        let keys = hotline_core::keys::Keys::open(
            store.as_ref(),
            hotline_vault::keys::KeyRing::single(hotline_vault::keys::MasterKey::generate()),
            None,
            hotline_domain::Clock::now(&hotline_domain::SystemClock),
        )
        .await?;
        let key_id = keys.current_id();
        // The words of the text, indexed as intake indexes them.
        let word_index: Vec<_> = hotline_domain::text::search_tokens(TEXT)
            .iter()
            .map(|w| keys.word_digest(w))
            .collect();
        let hotline = hotline_core::Hotline::start(
            store.clone(),
            Arc::new(hotline_domain::SystemClock),
            Arc::new(places),
            UnitCode::ministry(),
            Arc::new(keys),
            hotline_core::IntakeConfig::default(),
        );
        hotline
            .0
            .resolve_unit(&UnitCode::commune(22, 6688))
            .await
            .context("commune unit")?;
        let all = rows(reports, &key_id, &word_index);
        let started = Instant::now();
        let mut latencies = Vec::with_capacity(reports / per_commit + 1);
        for chunk in all.chunks(per_commit) {
            let t = Instant::now();
            store.intake(chunk).await?;
            latencies.push(t.elapsed());
        }
        Figures {
            count: reports,
            failures: 0,
            elapsed: started.elapsed(),
            latencies,
        }
        .print(
            &format!(
                "SQLite floor, {label} ({per_commit} per transaction; latency per transaction)"
            ),
            "reports",
        );
        // Their words, queued by intake, into the search index as the indexer moves them.
        let started = Instant::now();
        let mut latencies = Vec::new();
        loop {
            let t = Instant::now();
            let moved = store.index_pending_words(INDEXER_PASS).await?;
            latencies.push(t.elapsed());
            if moved < INDEXER_PASS {
                break;
            }
        }
        Figures {
            count: reports,
            failures: 0,
            elapsed: started.elapsed(),
            latencies,
        }
        .print(
            &format!(
                "  then their words indexed ({INDEXER_PASS} reports per transaction; latency per transaction)"
            ),
            "reports",
        );
    }
    Ok(())
}

/// Queued word entries moved per transaction here: larger than the server's passes (500),
/// which must not hold up intake for long, to show what the indexing itself costs.
const INDEXER_PASS: u32 = 2_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Intake {
            reports,
            concurrency,
            target,
            token,
            database_url,
            nodes,
        } => intake(reports, concurrency, target, token, database_url, nodes).await,
        Command::Floor { reports, batch } => floor(reports, batch).await,
        Command::Stats {
            reports,
            database_url,
            rounds,
        } => stats::stats(reports, database_url, rounds).await,
        Command::Overload {
            connections,
            seconds,
        } => overload::overload(connections, seconds).await,
        Command::Soak { minutes, rate, out } => soak::soak(minutes, rate, &out).await,
        Command::Hints { runs } => hints(runs),
        Command::Directory {
            requests,
            concurrency,
        } => directory(requests, concurrency).await,
        Command::Webhooks {
            deliveries,
            concurrency,
        } => webhooks(deliveries, concurrency).await,
        Command::Inbox {
            reports,
            concurrency,
            database_url,
            rounds,
        } => inbox(reports, concurrency, database_url, rounds).await,
    }
}
