//! Triage hints for a text, and how often officers kept them.

use anyhow::Context;
use hotline_server::Service;
use hotline_server::config::Config;

pub(super) async fn triage() -> anyhow::Result<()> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
        .context("the report's text on standard input must be UTF-8")?;
    let places = hotline_domain::Gazetteer::embedded()?;
    let hints = hotline_domain::hints::hints(&text, &places);
    println!("{}", serde_json::to_string(&hints)?);
    Ok(())
}

pub(super) async fn hint_acceptance(config: Config, since: Option<String>) -> anyhow::Result<()> {
    let now = hotline_domain::Clock::now(&hotline_domain::SystemClock);
    let since = match since {
        Some(day) => chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .context("--since takes a day as YYYY-MM-DD")?
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(hotline_domain::VIETNAM).single())
            .map(|t| t.with_timezone(&chrono::Utc))
            .context("--since takes a day as YYYY-MM-DD")?,
        None => now - chrono::Duration::days(90),
    };
    let service = Service::open(&config).await?;
    let figures = service.hotline.hint_acceptance(since).await;
    service.close().await;
    println!("{}", serde_json::to_string_pretty(&figures?)?);
    Ok(())
}
