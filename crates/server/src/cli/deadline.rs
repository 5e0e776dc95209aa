//! Working out a legal time limit by hand.

use hotline_server::config::Config;

pub(super) async fn deadline(
    config: Config,
    rule: String,
    from: String,
    extensions: u32,
    suspended_days: u32,
) -> anyhow::Result<()> {
    let from = hotline_server::deadline::parse_start(&from)?;
    let shown = hotline_server::deadline::explain(
        &rule,
        from,
        extensions,
        suspended_days,
        &config.working_calendar(),
    )?;
    println!("{shown}");
    Ok(())
}
