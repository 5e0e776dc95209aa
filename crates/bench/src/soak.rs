//! A soak: a long mixed load at a fixed arrival rate (citizens' submissions, signed WhatsApp
//! deliveries, console reads and searches) at half the capacity measured first, or at
//! `--rate`. Every 10 s the process's resident memory and open files are sampled with each
//! kind's answers, errors, sheds and latency; the samples go to a CSV and to an SVG plot
//! beside it. Afterwards every acknowledged submission must be in the store and the delivery
//! journal must have drained. Server and load share this process: its memory and files are
//! both's.

use super::{
    Running, add_bench_account, bench_text, duty_token, loopback_load_config, process_memory_mib,
    signed_delivery, taken_apart,
};
use hotline_store::{Channels, Reports};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How often figures are sampled; the table prints a minute (six samples) a row.
const SAMPLE: Duration = Duration::from_secs(10);
const SAMPLES_PER_MINUTE: usize = 6;
/// The closed loop that measures capacity: intake's 64 clients, without pause, for 20 s.
const CAPACITY_CLIENTS: usize = 64;
const CAPACITY_TIME: Duration = Duration::from_secs(20);
/// How often the open loop sends what has come due since its last tick.
const TICK: Duration = Duration::from_millis(5);
/// Requests in flight at most: past it arrivals wait, and the wait counts in their latency.
const MAX_IN_FLIGHT: usize = 512;
/// A request unanswered this long is an error, so that a stall cannot hold a permit forever.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Searched for in turn (as `inbox` does): a word in about half the reports, two words, and
/// a rare one.
const SEARCHES: [&str; 3] = ["xe", "trom%20cap", "ky%20lan"];
/// The minutes compared for memory and files: as many after as many of warm-up, and the last.
const COMPARED_MINUTES: usize = 5;
/// How much the least memory or open files of the last minutes may exceed the least of the
/// settled minutes before the run fails as not flat. The least, because what is in flight
/// swings the peaks while a leak raises the floor; a few percent an hour passes, a steady
/// climb does not.
const DRIFT_ALLOWED: f64 = 1.25;

#[derive(Clone, Copy)]
enum Kind {
    Submission,
    Webhook,
    ConsoleRead,
    Search,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::Submission,
        Kind::Webhook,
        Kind::ConsoleRead,
        Kind::Search,
    ];

    /// The `n`th request's kind: of every ten, five submissions, two webhook deliveries, two
    /// console reads and a search.
    fn of(n: usize) -> Self {
        match n % 10 {
            0..=4 => Kind::Submission,
            5 | 6 => Kind::Webhook,
            7 | 8 => Kind::ConsoleRead,
            _ => Kind::Search,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Submission => "submissions",
            Kind::Webhook => "webhooks",
            Kind::ConsoleRead => "console reads",
            Kind::Search => "searches",
        }
    }

    /// Its columns' prefix in the CSV.
    fn column(self) -> &'static str {
        match self {
            Kind::Submission => "submission",
            Kind::Webhook => "webhook",
            Kind::ConsoleRead => "console_read",
            Kind::Search => "search",
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Kind::Submission => "#1f77b4",
            Kind::Webhook => "#ff7f0e",
            Kind::ConsoleRead => "#2ca02c",
            Kind::Search => "#d62728",
        }
    }
}

/// Latencies counted in buckets 2 % wide from 10 µs up (to about an hour): the same size
/// however long the run, so that the load's own memory stays flat. A percentile reads as its
/// bucket's upper bound, at most 2 % high.
#[derive(Clone)]
struct Histogram(Vec<u64>);

const BUCKETS: usize = 1000;
const GROWTH: f64 = 1.02;
const FIRST_BUCKET_MS: f64 = 0.01;

impl Default for Histogram {
    fn default() -> Self {
        Self(vec![0; BUCKETS])
    }
}

impl Histogram {
    fn record(&mut self, latency: Duration) {
        let ratio = latency.as_secs_f64() * 1000.0 / FIRST_BUCKET_MS;
        let bucket = if ratio <= 1.0 {
            0
        } else {
            (ratio.ln() / GROWTH.ln()).ceil() as usize
        };
        if let Some(count) = self.0.get_mut(bucket.min(BUCKETS - 1)) {
            *count += 1;
        }
    }

    fn add(&mut self, other: &Histogram) {
        for (count, more) in self.0.iter_mut().zip(&other.0) {
            *count += more;
        }
    }

    /// The `p` percentile in ms; `None` when nothing was recorded.
    fn percentile(&self, p: f64) -> Option<f64> {
        let total: u64 = self.0.iter().sum();
        let rank = ((total as f64 * p).ceil() as u64).max(1);
        let mut seen = 0;
        self.0
            .iter()
            .position(|count| {
                seen += count;
                seen >= rank
            })
            .map(|bucket| FIRST_BUCKET_MS * GROWTH.powi(bucket as i32))
    }
}

/// How one kind of request went.
#[derive(Clone, Default)]
struct Tally {
    /// Answered 2xx; their latencies below.
    answered: u64,
    /// Answered otherwise, by status: 503 (shed) among them.
    refused: BTreeMap<u16, u64>,
    /// Not answered: the connection failed or the request timed out.
    failed: u64,
    latencies: Histogram,
}

impl Tally {
    fn shed(&self) -> u64 {
        self.refused.get(&503).copied().unwrap_or(0)
    }

    fn errors(&self) -> u64 {
        self.failed
            + self
                .refused
                .iter()
                .filter(|(status, _)| **status != 503)
                .map(|(_, n)| n)
                .sum::<u64>()
    }

    fn requests(&self) -> u64 {
        self.answered + self.failed + self.refused.values().sum::<u64>()
    }

    fn add(&mut self, other: &Tally) {
        self.answered += other.answered;
        for (status, n) in &other.refused {
            *self.refused.entry(*status).or_default() += n;
        }
        self.failed += other.failed;
        self.latencies.add(&other.latencies);
    }
}

/// A tally per kind of request.
#[derive(Clone, Default)]
struct Tallies {
    submissions: Tally,
    webhooks: Tally,
    console_reads: Tally,
    searches: Tally,
}

impl Tallies {
    fn of(&self, kind: Kind) -> &Tally {
        match kind {
            Kind::Submission => &self.submissions,
            Kind::Webhook => &self.webhooks,
            Kind::ConsoleRead => &self.console_reads,
            Kind::Search => &self.searches,
        }
    }

    fn of_mut(&mut self, kind: Kind) -> &mut Tally {
        match kind {
            Kind::Submission => &mut self.submissions,
            Kind::Webhook => &mut self.webhooks,
            Kind::ConsoleRead => &mut self.console_reads,
            Kind::Search => &mut self.searches,
        }
    }

    fn record(&mut self, kind: Kind, outcome: reqwest::Result<u16>, latency: Duration) {
        let tally = self.of_mut(kind);
        match outcome {
            Ok(status) if (200..300).contains(&status) => {
                tally.answered += 1;
                tally.latencies.record(latency);
            }
            Ok(status) => *tally.refused.entry(status).or_default() += 1,
            Err(_) => tally.failed += 1,
        }
    }

    fn add(&mut self, other: &Tallies) {
        for kind in Kind::ALL {
            self.of_mut(kind).add(other.of(kind));
        }
    }

    fn answered(&self) -> u64 {
        Kind::ALL.iter().map(|kind| self.of(*kind).answered).sum()
    }

    fn errors(&self) -> u64 {
        Kind::ALL.iter().map(|kind| self.of(*kind).errors()).sum()
    }
}

/// One kind's figures over a sample's 10 s.
struct KindFigures {
    requests: u64,
    errors: u64,
    shed: u64,
    p50: Option<f64>,
    p99: Option<f64>,
}

impl KindFigures {
    fn of(tally: &Tally) -> Self {
        Self {
            requests: tally.requests(),
            errors: tally.errors(),
            shed: tally.shed(),
            p50: tally.latencies.percentile(0.50),
            p99: tally.latencies.percentile(0.99),
        }
    }
}

/// What was sampled at the end of each 10 s.
struct Sample {
    minutes: f64,
    resident_mib: f64,
    /// The part of it that is the process's own (`RssAnon`: heap, stacks), apart from the
    /// database's files and shared memory mapped in, which grow with the database.
    anonymous_mib: f64,
    open_files: usize,
    /// In the order of `Kind::ALL`.
    kinds: [KindFigures; 4],
}

impl Sample {
    fn of(&self, kind: Kind) -> Option<&KindFigures> {
        self.kinds.get(kind as usize)
    }
}

/// The process's open file descriptors (sockets of both ends, the database's files, …).
fn open_files() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

/// What sends the mix: one client and its pool, the server, a duty officer's token.
struct Mix {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Mix {
    /// Sends the `n`th request (of kind `Kind::of(n)`) and reads its answer in full.
    async fn send(&self, n: usize) -> reqwest::Result<u16> {
        let base = &self.base;
        let request = match Kind::of(n) {
            Kind::Submission => {
                let mut seed = (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                let body = serde_json::json!({"text": bench_text(&mut seed), "province_code": 22});
                self.client
                    .post(format!("{base}/api/v1/reports"))
                    .header("content-type", "application/json")
                    .body(body.to_string())
            }
            // Two hundred senders (those of the thousand that webhook turns meet), so that
            // their messages thread onto their open reports.
            Kind::Webhook => {
                let (body, signature) = signed_delivery(n);
                self.client
                    .post(format!("{base}/hooks/whatsapp/bench"))
                    .header("content-type", "application/json")
                    .header("x-hub-signature-256", signature)
                    .body(body)
            }
            Kind::ConsoleRead => self
                .client
                .get(format!("{base}/api/v1/reports?limit=50"))
                .bearer_auth(&self.token),
            Kind::Search => {
                let words = SEARCHES.get(n / 10 % SEARCHES.len()).unwrap_or(&"xe");
                self.client
                    .get(format!("{base}/api/v1/search?q={words}&limit=50"))
                    .bearer_auth(&self.token)
            }
        };
        let answer = request.send().await?;
        let status = answer.status().as_u16();
        answer.bytes().await?;
        Ok(status)
    }
}

/// The mix from `CAPACITY_CLIENTS` clients without pause for `CAPACITY_TIME`: requests
/// answered 2xx a second, and how they went.
async fn capacity(mix: &Arc<Mix>, next: &Arc<AtomicUsize>) -> anyhow::Result<(f64, Tallies)> {
    let started = Instant::now();
    let clients: Vec<_> = (0..CAPACITY_CLIENTS)
        .map(|_| {
            let (mix, next) = (mix.clone(), next.clone());
            tokio::spawn(async move {
                let mut tallies = Tallies::default();
                while started.elapsed() < CAPACITY_TIME {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let sent = Instant::now();
                    let outcome = mix.send(n).await;
                    tallies.record(Kind::of(n), outcome, sent.elapsed());
                }
                tallies
            })
        })
        .collect();
    let mut tallies = Tallies::default();
    for client in clients {
        tallies.add(&client.await?);
    }
    Ok((
        tallies.answered() as f64 / started.elapsed().as_secs_f64(),
        tallies,
    ))
}

/// Sends the mix at `rate` requests a second from `started` for `length`, each request a task
/// of its own recorded into `window`; returns once every one was answered or timed out. Each
/// is timed from when it was due, not from when it went: a stall that holds arrivals back
/// shows in their latency instead of hiding it (coordinated omission).
async fn offer(
    mix: Arc<Mix>,
    next: Arc<AtomicUsize>,
    window: Arc<Mutex<Tallies>>,
    rate: f64,
    started: Instant,
    length: Duration,
) -> anyhow::Result<()> {
    let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut ticks = tokio::time::interval(TICK);
    let mut sent: u64 = 0;
    loop {
        ticks.tick().await;
        let elapsed = started.elapsed().min(length);
        let due = (elapsed.as_secs_f64() * rate) as u64;
        while sent < due {
            let due_at = started + Duration::from_secs_f64(sent as f64 / rate);
            let permit = in_flight.clone().acquire_owned().await?;
            sent += 1;
            let n = next.fetch_add(1, Ordering::Relaxed);
            let (mix, window) = (mix.clone(), window.clone());
            tokio::spawn(async move {
                let outcome = mix.send(n).await;
                let latency = due_at.elapsed();
                window
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .record(Kind::of(n), outcome, latency);
                drop(permit);
            });
        }
        if elapsed >= length {
            break;
        }
    }
    // Every permit back: every request sent has been answered or has timed out.
    let _all = in_flight.acquire_many(MAX_IN_FLIGHT as u32).await?;
    Ok(())
}

pub(super) async fn soak(minutes: usize, rate: Option<u32>, out: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(minutes > 0, "--minutes must be at least 1");
    let mut csv = std::io::BufWriter::new(std::fs::File::create(out)?);
    let plot_path = out.with_extension("svg");
    let dir = tempfile::tempdir()?;
    let config = loopback_load_config(dir.path());
    let service = hotline_server::Service::open(&config).await?;
    add_bench_account(&service).await?;
    let token = duty_token(&service).await?;
    service.close().await;
    let began = hotline_domain::Clock::now(&hotline_domain::SystemClock);
    let server = Running::start(config, false).await?;
    let mix = Arc::new(Mix {
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(MAX_IN_FLIGHT)
            .timeout(REQUEST_TIMEOUT)
            .build()?,
        base: server.base.clone(),
        token,
    });
    // Request numbers over the whole run: webhook message ids stay unique.
    let next = Arc::new(AtomicUsize::new(0));
    println!(
        "Soak, SQLite in a temporary folder. Mix: 50 % citizens' submissions (POST /api/v1/reports), \
         20 % signed WhatsApp deliveries, 20 % console reads (GET /api/v1/reports?limit=50), \
         10 % searches (GET /api/v1/search). Memory and open files are this process's: the \
         server and the load together."
    );

    let mut before = Tallies::default();
    let (rate, origin) = match rate {
        Some(rate) => (f64::from(rate), "as given".to_owned()),
        None => {
            let (measured, tallies) = capacity(&mix, &next).await?;
            println!(
                "Capacity: {measured:.0} requests/s answered, {CAPACITY_CLIENTS} clients without \
                 pause for {} s ({} errors, {} shed)",
                CAPACITY_TIME.as_secs(),
                tallies.errors(),
                Kind::ALL
                    .iter()
                    .map(|kind| tallies.of(*kind).shed())
                    .sum::<u64>(),
            );
            before = tallies;
            // The soak starts once what capacity's run delivered is taken in, so that its first
            // minutes are not skewed by that backlog.
            let store = hotline_store_sqlite::open(&dir.path().join("hotline.db")).await?;
            let account = store
                .channel_account(hotline_domain::Channel::Whatsapp, "bench")
                .await?;
            taken_apart(&store, account.id).await?;
            (measured / 2.0, format!("half the measured {measured:.0}/s"))
        }
    };
    anyhow::ensure!(rate >= 1.0, "a rate below one request a second");
    println!("Soak: {minutes} min at {rate:.0} requests/s ({origin}), sampled every 10 s");

    let mut header = "elapsed_s,rss_mib,rss_anon_mib,open_fds".to_owned();
    for kind in Kind::ALL {
        let c = kind.column();
        let _ = write!(
            header,
            ",{c}_requests,{c}_errors,{c}_shed,{c}_p50_ms,{c}_p99_ms"
        );
    }
    writeln!(csv, "{header}")?;
    print_table_header();

    let window = Arc::new(Mutex::new(Tallies::default()));
    let length = SAMPLE * u32::try_from(minutes * SAMPLES_PER_MINUTE)?;
    let started = Instant::now();
    let load = tokio::spawn(offer(
        mix.clone(),
        next.clone(),
        window.clone(),
        rate,
        started,
        length,
    ));
    let mut ticks =
        tokio::time::interval_at(tokio::time::Instant::from_std(started + SAMPLE), SAMPLE);
    let mut samples = Vec::with_capacity(minutes * SAMPLES_PER_MINUTE);
    let mut minute = Tallies::default();
    let mut soaked = Tallies::default();
    for taken in 1..=minutes * SAMPLES_PER_MINUTE {
        ticks.tick().await;
        let tallies = std::mem::take(&mut *window.lock().unwrap_or_else(PoisonError::into_inner));
        let sample = Sample {
            minutes: started.elapsed().as_secs_f64() / 60.0,
            resident_mib: process_memory_mib("VmRSS:"),
            anonymous_mib: process_memory_mib("RssAnon:"),
            open_files: open_files(),
            kinds: Kind::ALL.map(|kind| KindFigures::of(tallies.of(kind))),
        };
        writeln!(csv, "{}", csv_row(&sample))?;
        csv.flush()?;
        minute.add(&tallies);
        soaked.add(&tallies);
        if taken % SAMPLES_PER_MINUTE == 0 {
            print_minute(taken / SAMPLES_PER_MINUTE, &sample, &minute);
            minute = Tallies::default();
        }
        samples.push(sample);
    }
    load.await??;
    // Those answered after the last sample.
    soaked.add(&window.lock().unwrap_or_else(PoisonError::into_inner));

    println!("Summary, {minutes} min at {rate:.0} requests/s ({origin}):");
    for kind in Kind::ALL {
        let tally = soaked.of(kind);
        let p99s: Vec<f64> = samples
            .iter()
            .filter_map(|s| s.of(kind).and_then(|f| f.p99))
            .collect();
        let (low, _, high) = spread(&p99s);
        println!(
            "  {:<13} {} sent, {} answered, {} errors{}, {} shed; ms p50 {} p99 {} (p99 of a 10 s window from {low:.1} to {high:.1})",
            kind.label(),
            tally.requests(),
            tally.answered,
            tally.errors(),
            error_detail(tally),
            tally.shed(),
            shown(tally.latencies.percentile(0.50)),
            shown(tally.latencies.percentile(0.99)),
        );
    }
    let memory = print_drift("resident memory, MiB", &samples, |s| s.resident_mib);
    let own_memory = print_drift("of which the process's own (RssAnon), MiB", &samples, |s| {
        s.anonymous_mib
    });
    let files = print_drift("open file descriptors", &samples, |s| s.open_files as f64);

    // What was acknowledged, capacity's run included, must be in the store.
    let mut all = before.clone();
    all.add(&soaked);
    let store = hotline_store_sqlite::open(&dir.path().join("hotline.db")).await?;
    let account = store
        .channel_account(hotline_domain::Channel::Whatsapp, "bench")
        .await?;
    let journal = taken_apart(&store, account.id).await?;
    let journalled = store.deliveries_since(account.id, began).await?;
    let stored = store
        .report_counts(&hotline_store::Visibility::Subtree(String::new()))
        .await?
        .into_iter()
        .find(|facet| {
            facet.field == "channel" && facet.value == hotline_domain::Channel::Api.as_str()
        })
        .map_or(0, |facet| facet.count);
    drop(store);
    server.stop().await?;
    let acknowledged = all.submissions.answered;
    let delivered = all.webhooks.answered;
    println!(
        "Store: {stored} reports from the API, {acknowledged} submissions acknowledged; \
         delivery journal: {journalled} deliveries journalled, {delivered} acknowledged, \
         {} queued, {} dead, {} messages ignored",
        journal.queued, journal.dead, journal.ignored
    );

    let title = format!("Hotline soak, SQLite: {minutes} min at {rate:.0} requests/s ({origin})");
    std::fs::write(&plot_path, plot(&title, &samples, minutes as f64))?;
    println!(
        "Samples written to {} and plotted in {}",
        out.display(),
        plot_path.display()
    );

    // At half of capacity nothing may be refused, shed included: a 503 then means a fault
    // (a full disk, a locked database), not a flood.
    let mut problems = Vec::new();
    let refused: u64 = Kind::ALL
        .iter()
        .map(|kind| soaked.of(*kind).errors() + soaked.of(*kind).shed())
        .sum();
    if refused > 0 {
        problems.push(format!("{refused} requests of the soak not answered 2xx"));
    }
    if before.errors() > 0 {
        problems.push(format!(
            "{} requests errored while capacity was measured",
            before.errors()
        ));
    }
    for (what, (settled, last)) in [
        ("resident memory", memory),
        ("the process's own memory", own_memory),
        ("open files", files),
    ] {
        if last > settled * DRIFT_ALLOWED {
            problems.push(format!(
                "{what} grew from a floor of {settled:.1} to {last:.1}: not flat"
            ));
        }
    }
    if u64::try_from(stored)? < acknowledged {
        problems.push(format!(
            "{acknowledged} submissions acknowledged, {stored} in the store"
        ));
    }
    if u64::from(journalled) < delivered || journal.queued + journal.dead + journal.ignored > 0 {
        problems.push("the delivery journal did not take every delivery in".to_owned());
    }
    anyhow::ensure!(problems.is_empty(), "{}", problems.join("; "));
    Ok(())
}

/// How `read` of the samples compares between the `COMPARED_MINUTES` after as many of warm-up
/// (the first half of the run when it is shorter than three times that) and the last as many,
/// and over the whole run; the least of each of the two, to judge whether it stayed flat.
fn print_drift(what: &str, samples: &[Sample], read: fn(&Sample) -> f64) -> (f64, f64) {
    let window = COMPARED_MINUTES * SAMPLES_PER_MINUTE;
    let (warm_up, compared) = if samples.len() >= 3 * window {
        (window, window)
    } else {
        (0, samples.len().div_ceil(2))
    };
    let values = |samples: &[Sample]| samples.iter().map(read).collect::<Vec<_>>();
    let first = samples.get(warm_up..warm_up + compared).unwrap_or_default();
    let last = samples
        .get(samples.len().saturating_sub(compared)..)
        .unwrap_or_default();
    let (first_low, first_mean, first_high) = spread(&values(first));
    let (last_low, last_mean, last_high) = spread(&values(last));
    let (low, _, high) = spread(&values(samples));
    let span = compared as f64 / SAMPLES_PER_MINUTE as f64;
    let from = warm_up as f64 / SAMPLES_PER_MINUTE as f64;
    println!(
        "  {what}: minutes {from} to {} {first_low:.0} to {first_high:.0} (mean {first_mean:.1}), \
         last {span} min {last_low:.0} to {last_high:.0} (mean {last_mean:.1}); whole run {low:.0} to {high:.0}",
        from + span
    );
    (first_low, last_low)
}

/// `(2 503, 1 without answer)` for a tally's errors, by status.
fn error_detail(tally: &Tally) -> String {
    let mut parts: Vec<String> = tally
        .refused
        .iter()
        .filter(|(status, _)| **status != 503)
        .map(|(status, n)| format!("{n} {status}"))
        .collect();
    if tally.failed > 0 {
        parts.push(format!("{} without answer", tally.failed));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// Least, mean and most of `values` (zeros when empty).
fn spread(values: &[f64]) -> (f64, f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (low, values.iter().sum::<f64>() / values.len() as f64, high)
}

/// A latency in ms, or `-` when there was none.
fn shown(ms: Option<f64>) -> String {
    ms.map_or_else(|| "-".to_owned(), |ms| format!("{ms:.1}"))
}

fn csv_row(sample: &Sample) -> String {
    let mut row = format!(
        "{:.1},{:.1},{:.1},{}",
        sample.minutes * 60.0,
        sample.resident_mib,
        sample.anonymous_mib,
        sample.open_files
    );
    for figures in &sample.kinds {
        let ms = |v: Option<f64>| v.map(|ms| format!("{ms:.2}")).unwrap_or_default();
        let _ = write!(
            row,
            ",{},{},{},{},{}",
            figures.requests,
            figures.errors,
            figures.shed,
            ms(figures.p50),
            ms(figures.p99)
        );
    }
    row
}

fn print_table_header() {
    let mut kinds = String::new();
    let mut columns = String::new();
    for kind in Kind::ALL {
        let _ = write!(kinds, " | {:<23}", kind.label());
        let _ = write!(
            columns,
            " | {:>6} {:>4} {:>4} {:>6}",
            "n", "err", "shed", "p99 ms"
        );
    }
    println!("{:<19}{}", "", kinds.trim_end());
    println!("{:>3} {:>8} {:>6}{columns}", "min", "RSS MiB", "fds");
}

/// A minute's row: memory and files at its end, and each kind over its six samples.
fn print_minute(minute: usize, last: &Sample, tallies: &Tallies) {
    let mut row = format!(
        "{minute:>3} {:>8.1} {:>6}",
        last.resident_mib, last.open_files
    );
    for kind in Kind::ALL {
        let tally = tallies.of(kind);
        let _ = write!(
            row,
            " | {:>6} {:>4} {:>4} {:>6}",
            tally.requests(),
            tally.errors(),
            tally.shed(),
            shown(tally.latencies.percentile(0.99)),
        );
    }
    println!("{row}");
}

/// A line chart's data: what it is, its colour, and its points (minutes, value).
struct Series {
    label: &'static str,
    colour: &'static str,
    points: Vec<(f64, f64)>,
}

const WIDTH: f64 = 820.0;
const LEFT: f64 = 70.0;
/// Room on the right for the legend.
const PLOT_WIDTH: f64 = 580.0;
const PLOT_HEIGHT: f64 = 170.0;
/// A chart with its title above and its axis' labels below.
const CHART_HEIGHT: f64 = 240.0;
const CHARTS_TOP: f64 = 56.0;

/// The samples as three charts, one under the other, over minutes: resident memory, open
/// files, and each kind's p99 of each 10 s.
fn plot(title: &str, samples: &[Sample], minutes: f64) -> String {
    let height = CHARTS_TOP + 3.0 * CHART_HEIGHT;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{LEFT}" y="22" font-size="16" font-weight="bold">{title}</text>
<text x="{LEFT}" y="40">Memory and open files are the whole process's: the server and the load generator together.</text>
"##
    );
    let line = |label, colour, read: fn(&Sample) -> f64| Series {
        label,
        colour,
        points: samples.iter().map(|s| (s.minutes, read(s))).collect(),
    };
    chart(
        &mut svg,
        CHARTS_TOP,
        "Resident memory, MiB",
        minutes,
        &[
            line("all (VmRSS)", "#333333", |s| s.resident_mib),
            line("own (RssAnon)", "#1f77b4", |s| s.anonymous_mib),
        ],
    );
    chart(
        &mut svg,
        CHARTS_TOP + CHART_HEIGHT,
        "Open file descriptors",
        minutes,
        &[line("open fds", "#333333", |s| s.open_files as f64)],
    );
    let p99s: Vec<Series> = Kind::ALL
        .iter()
        .map(|kind| Series {
            label: kind.label(),
            colour: kind.colour(),
            points: samples
                .iter()
                .filter_map(|s| Some((s.minutes, s.of(*kind)?.p99?)))
                .collect(),
        })
        .collect();
    chart(
        &mut svg,
        CHARTS_TOP + 2.0 * CHART_HEIGHT,
        "p99 latency of each 10 s, ms",
        minutes,
        &p99s,
    );
    svg.push_str("</svg>\n");
    svg
}

/// One chart at `top`: its title, axes from zero with gridlines, a polyline per series and,
/// on the right, their legend.
fn chart(svg: &mut String, top: f64, title: &str, minutes: f64, series: &[Series]) {
    let highest = series
        .iter()
        .flat_map(|s| s.points.iter().map(|(_, v)| *v))
        .fold(0.0, f64::max);
    let y_step = nice_step(highest / 4.0);
    let y_top = (highest / y_step).ceil().max(1.0) * y_step;
    let x_step = nice_step(minutes / 6.0);
    let (plot_top, bottom, right) = (top + 24.0, top + 24.0 + PLOT_HEIGHT, LEFT + PLOT_WIDTH);
    let x = |m: f64| LEFT + m / minutes * PLOT_WIDTH;
    let y = |v: f64| bottom - v / y_top * PLOT_HEIGHT;
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="{}" font-weight="bold">{title}</text>"#,
        top + 14.0
    );
    let mut value = 0.0;
    while value <= y_top + y_step / 2.0 {
        let at = y(value);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{at:.1}" x2="{right}" y2="{at:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT - 6.0,
            at + 4.0,
            tick(value, y_step)
        );
        value += y_step;
    }
    let mut minute = 0.0;
    while minute <= minutes + x_step / 1000.0 {
        let at = x(minute);
        let _ = writeln!(
            svg,
            r#"<line x1="{at:.1}" y1="{bottom}" x2="{at:.1}" y2="{}" stroke="black"/><text x="{at:.1}" y="{}" text-anchor="middle">{}</text>"#,
            bottom + 5.0,
            bottom + 18.0,
            tick(minute, x_step)
        );
        minute += x_step;
    }
    let _ = writeln!(
        svg,
        r#"<polyline points="{LEFT},{plot_top} {LEFT},{bottom} {right},{bottom}" fill="none" stroke="black"/><text x="{}" y="{}" text-anchor="middle">minutes</text>"#,
        LEFT + PLOT_WIDTH / 2.0,
        bottom + 34.0
    );
    for (i, s) in series.iter().enumerate() {
        let points: Vec<String> = s
            .points
            .iter()
            .map(|(m, v)| format!("{:.1},{:.1}", x(*m), y(*v)))
            .collect();
        let key = plot_top + 10.0 + 18.0 * i as f64;
        let _ = writeln!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="1.5"/><line x1="{}" y1="{key}" x2="{}" y2="{key}" stroke="{}" stroke-width="3"/><text x="{}" y="{}">{}</text>"#,
            points.join(" "),
            s.colour,
            right + 16.0,
            right + 36.0,
            s.colour,
            right + 42.0,
            key + 4.0,
            s.label
        );
    }
}

/// A round step (1, 2 or 5 times a power of ten) at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * power)
}

/// A tick's label, with as many decimals as its step needs.
fn tick(value: f64, step: f64) -> String {
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    format!("{value:.decimals$}")
}
