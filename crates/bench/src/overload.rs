//! A flood far past what the machine can serve: `connections` clients submit without pause
//! (none waits as `Retry-After` asks) while a duty officer's script reads the report list and
//! a monitor asks `/readyz`. What the server kept, shed and answered staff is printed, and
//! every report acknowledged is counted in the store afterwards.

use super::{Running, TEXT, duty_token, loopback_load_config, process_memory_mib};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How one side of the run went: answers by status, and how long each took.
#[derive(Default)]
struct Tally {
    by_status: std::collections::BTreeMap<u16, usize>,
    errors: usize,
    latencies: Vec<Duration>,
    shed_latencies: Vec<Duration>,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        for (status, n) in other.by_status {
            *self.by_status.entry(status).or_default() += n;
        }
        self.errors += other.errors;
        self.latencies.extend(other.latencies);
        self.shed_latencies.extend(other.shed_latencies);
    }
}

fn percentile(latencies: &mut [Duration], p: f64) -> f64 {
    latencies.sort_unstable();
    let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
    latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

pub(super) async fn overload(connections: usize, seconds: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = loopback_load_config(dir.path());
    let service = hotline_server::Service::open(&config).await?;
    let token = duty_token(&service).await?;
    service.close().await;
    let server = Running::start(config.clone(), false).await?;
    let base = server.base.clone();

    let stop = Arc::new(AtomicBool::new(false));
    let body = serde_json::json!({ "text": TEXT, "province_code": 22 }).to_string();
    let flood: Vec<_> = (0..connections)
        .map(|_| {
            let (base, body, stop) = (base.clone(), body.clone(), stop.clone());
            tokio::spawn(async move {
                // A client of its own each: a connection each, as a crowd of phones has.
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(60))
                    .build()
                    .unwrap_or_default();
                let mut tally = Tally::default();
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let sent = client
                        .post(format!("{base}/api/v1/reports"))
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                    match sent {
                        Ok(answer) => {
                            let status = answer.status().as_u16();
                            let read = answer.bytes().await.is_ok();
                            *tally.by_status.entry(status).or_default() += 1;
                            if !read {
                                tally.errors += 1;
                            } else if status == 201 {
                                tally.latencies.push(started.elapsed());
                            } else if status == 503 {
                                tally.shed_latencies.push(started.elapsed());
                            }
                        }
                        Err(_) => tally.errors += 1,
                    }
                }
                tally
            })
        })
        .collect();
    let probe = |path: &'static str, token: Option<String>| {
        let (base, stop) = (base.clone(), stop.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut tally = Tally::default();
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let mut request = client.get(format!("{base}{path}"));
                if let Some(token) = &token {
                    request = request.bearer_auth(token);
                }
                match request.send().await {
                    Ok(answer) => {
                        *tally.by_status.entry(answer.status().as_u16()).or_default() += 1;
                        let _ = answer.bytes().await;
                        tally.latencies.push(started.elapsed());
                    }
                    Err(_) => tally.errors += 1,
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            tally
        })
    };
    let staff = probe("/api/v1/reports?limit=20", Some(token));
    let health = probe("/readyz", None);

    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut submissions = Tally::default();
    for client in flood {
        submissions.add(client.await?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut staff = staff.await?;
    let mut health = health.await?;
    let peak = process_memory_mib("VmHWM:");
    server.stop().await?;

    let service = hotline_server::Service::open(&config).await?;
    let stored = service.hotline.store.count_reports().await?;
    service.close().await;
    let kept = submissions.by_status.get(&201).copied().unwrap_or(0);
    let shed = submissions.by_status.get(&503).copied().unwrap_or(0);
    println!(
        "Overload, SQLite, {connections} clients without pause, {elapsed:.0} s: {kept} kept ({:.0}/s, ms p50 {:.1} p99 {:.1}), {shed} shed with 503 ({:.0}/s, ms p50 {:.1} p99 {:.1}), other answers {:?}, client errors {}",
        kept as f64 / elapsed,
        percentile(&mut submissions.latencies, 0.50),
        percentile(&mut submissions.latencies, 0.99),
        shed as f64 / elapsed,
        percentile(&mut submissions.shed_latencies, 0.50),
        percentile(&mut submissions.shed_latencies, 0.99),
        submissions
            .by_status
            .iter()
            .filter(|(status, _)| !matches!(status, 201 | 503))
            .collect::<Vec<_>>(),
        submissions.errors,
    );
    println!(
        "Meanwhile, staff token reading the list every 100 ms: {:?}, errors {}, ms p50 {:.1} p99 {:.1}; /readyz: {:?}, errors {}, ms p50 {:.1} p99 {:.1}",
        staff.by_status,
        staff.errors,
        percentile(&mut staff.latencies, 0.50),
        percentile(&mut staff.latencies, 0.99),
        health.by_status,
        health.errors,
        percentile(&mut health.latencies, 0.50),
        percentile(&mut health.latencies, 0.99),
    );
    println!(
        "Reports in the store afterwards: {stored} (acknowledged: {kept}); peak memory of the process (server and clients): {peak:.0} MiB"
    );
    anyhow::ensure!(
        usize::try_from(stored)? == kept,
        "the store holds {stored} reports, {kept} were acknowledged"
    );
    Ok(())
}
