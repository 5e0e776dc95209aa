//! Statistics at scale (issue 29): a year of reports in one province, a third of them triaged
//! by an officer a few hours after receipt, rolled up as the server rolls them up; then the
//! leaders' page, each grouping of the API, the monthly report and the public account, timed
//! for the province and the whole year.

// Every index here is taken modulo its slice's length, or within the batch just built.
#![allow(clippy::indexing_slicing)]

use crate::{Figures, bench_member, bench_service, rows, timed};
use chrono::Duration;
use hotline_domain::statistics::{GroupBy, Period, local_day};
use hotline_domain::workflow::Stage;
use hotline_domain::{Channel, LegalType, Topic, UnitCode, Urgency};
use hotline_store::{Audited, NewAuditEntry, NewReport, Triage, Visibility};
use std::time::Instant;

/// Reports written per transaction while loading.
const LOAD_BATCH: usize = 512;

fn seal(_: &NewAuditEntry, seq: i64, _: &[u8]) -> Vec<u8> {
    seq.to_be_bytes().to_vec()
}

pub async fn stats(
    reports: usize,
    database_url: Option<String>,
    rounds: usize,
) -> anyhow::Result<()> {
    let (_dir, _config, service, backend) = bench_service(database_url).await?;
    let hotline = service.hotline.clone();
    let province = UnitCode::province(22);
    let communes: Vec<u32> = hotline.places.communes_of(22).map(|c| c.code).collect();
    for commune in &communes {
        hotline
            .resolve_unit(&UnitCode::commune(22, *commune))
            .await?;
    }
    let director = bench_member(&hotline, "bench.director", hotline_domain::Role::Director).await?;
    let officer = director.0.id;

    // A year ending yesterday, in the order received, spread over the province's communes,
    // its own desk and the channels.
    let now = hotline_domain::Clock::now(&hotline_domain::SystemClock);
    let today = local_day(now);
    let start = now - Duration::days(365);
    let step = Duration::days(365) / i32::try_from(reports.max(1)).unwrap_or(i32::MAX);
    let entry = NewAuditEntry {
        at: now,
        actor: Some(officer),
        action: "report.triaged".into(),
        subject: String::new(),
        detail: String::new(),
    };
    // The reports' data keys are stand-ins; the store checks only that they name its key.
    let key_id = hotline
        .store
        .key_binding()
        .await?
        .map(|binding| binding.key_id)
        .unwrap_or_default();
    let everywhere = Visibility::Subtree(hotline.store.unit(&province).await?.path);
    let started = Instant::now();
    let mut triaged = 0;
    let mut next = 0;
    while next < reports {
        let count = LOAD_BATCH.min(reports - next);
        let batch: Vec<NewReport> = rows(count, &key_id, &[])
            .into_iter()
            .enumerate()
            .map(|(i, mut report)| {
                let n = next + i;
                report.received_at = start + step * i32::try_from(n).unwrap_or(i32::MAX);
                report.case_year = hotline_domain::vietnam_year(report.received_at);
                report.follow_up_digest = format!("{n:064x}");
                report.channel = Channel::ALL[n % Channel::ALL.len()];
                report.urgency = Urgency::ALL[n % Urgency::ALL.len()];
                let commune = communes[n % communes.len()];
                report.commune_code = Some(commune);
                report.unit = if n % 5 == 0 {
                    province.clone()
                } else {
                    UnitCode::commune(22, commune)
                };
                report
            })
            .collect();
        let receipts = hotline.store.intake(&batch).await?;
        for (i, receipt) in receipts.iter().enumerate() {
            let n = next + i;
            if n % 3 != 0 {
                continue;
            }
            let at = batch[i].received_at + Duration::minutes(i64::try_from(n % 600).unwrap_or(0));
            let triage = Triage {
                legal_type: Some(LegalType::ALL[n % 7]),
                topic: Some(Topic::ALL[n % Topic::ALL.len()]),
                urgency: batch[i].urgency,
                province_code: Some(22),
                commune_code: batch[i].commune_code,
                deadline: None,
                stage: Stage::Triaged,
                clock_start: None,
                from_stage: Stage::Received,
                from_legal_type: None,
                accused_named: false,
                hinted: None,
            };
            hotline
                .store
                .set_triage(
                    &everywhere,
                    &receipt.case_number,
                    &triage,
                    officer,
                    at,
                    Audited::one(&entry, &seal),
                )
                .await?;
            triaged += 1;
        }
        next += count;
    }
    println!(
        "{backend}: loaded {reports} reports over a year ({triaged} triaged) in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    // After a year of intake the server's maintenance job has analysed the tables, as it
    // does every hour: the planner knows their sizes.
    hotline.store.refresh_statistics().await?;
    // Rolled up as the server's job does, a round at a time.
    let started = Instant::now();
    let mut latencies = Vec::new();
    loop {
        let t = Instant::now();
        let round = hotline.store.roll_up_statistics(5_000, true).await?;
        latencies.push(t.elapsed());
        if !round.more {
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
            "{backend}: rolled up from the events' log (5,000 events a round; latency per round)"
        ),
        "reports",
    );
    hotline.store.refresh_statistics().await?;

    let year = Period::new(today - Duration::days(365), today - Duration::days(1))?;
    let mut figures = timed(rounds, || async {
        hotline
            .statistics_overview(&director, None, year)
            .await
            .map(|_| ())
    })
    .await?;
    figures.print_latency(&format!(
        "{backend}, {reports} reports: the leaders' page, a province and a year (every grouping)"
    ));
    for group_by in [
        GroupBy::Day,
        GroupBy::Month,
        GroupBy::Channel,
        GroupBy::Unit,
        GroupBy::Commune,
    ] {
        let mut figures = timed(rounds, || async {
            hotline
                .statistics(&director, None, year, group_by)
                .await
                .map(|_| ())
        })
        .await?;
        figures.print_latency(&format!(
            "{backend}, {reports} reports: GET /api/v1/stats, a province and a year, by {group_by}"
        ));
    }
    let last_month = hotline_core::statistics::public_months(today)
        .first()
        .copied()
        .unwrap_or(today);
    let mut figures = timed(rounds, || async {
        hotline
            .monthly_report(Some(&director), None, last_month)
            .await
            .map(|_| ())
    })
    .await?;
    figures.print_latency(&format!("{backend}, {reports} reports: a monthly report"));
    let first = Instant::now();
    hotline.public_account(22, last_month).await?;
    println!(
        "{backend}, {reports} reports: the public account, computed: {:.1} ms",
        first.elapsed().as_secs_f64() * 1000.0
    );
    let mut figures = timed(rounds, || async {
        hotline.public_account(22, last_month).await.map(|_| ())
    })
    .await?;
    figures.print_latency(&format!(
        "{backend}, {reports} reports: the public account, as served the rest of the day"
    ));
    drop(hotline);
    service.close().await;
    Ok(())
}
