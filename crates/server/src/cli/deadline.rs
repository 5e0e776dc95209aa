//! Working out a legal time limit by hand.

use hotline_server::config::Config;
use hotline_server::deadline::Counted;

pub(super) async fn deadline(
    config: Config,
    rule: String,
    from: String,
    counted: Counted,
) -> anyhow::Result<()> {
    let from = hotline_server::deadline::parse_start(&from)?;
    let shown =
        hotline_server::deadline::explain(&rule, from, &counted, &config.working_calendar())?;
    println!("{shown}");
    Ok(())
}
