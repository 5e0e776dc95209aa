//! Statistics from the command line: the monthly report of a unit (issue 29).

use clap::{Subcommand, ValueEnum};
use hotline_server::Service;
use hotline_server::config::Config;
use hotline_web::i18n::{Catalogues, Lang};
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Xlsx,
    Csv,
    Json,
}

#[derive(Subcommand)]
pub enum StatsCommand {
    /// The monthly report of a unit and the units below it, as the console's (reports about
    /// police conduct counted as its leaders would read them). Audited as an export.
    Monthly {
        /// The unit's code, e.g. `22` for a provincial police.
        #[arg(long)]
        unit: String,
        /// `YYYY-MM`.
        #[arg(long)]
        month: String,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Write here instead of standard output (a spreadsheet is not written to a terminal).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The language of the labels in a spreadsheet or CSV: `vi` or `en`.
        #[arg(long, default_value = "vi")]
        lang: String,
    },
}

pub(super) async fn run(command: StatsCommand, config: Config) -> anyhow::Result<()> {
    let StatsCommand::Monthly {
        unit,
        month,
        format,
        out,
        lang,
    } = command;
    let unit: hotline_domain::UnitCode = unit
        .parse()
        .map_err(|_| anyhow::anyhow!("--unit: not a unit code: {unit:?}"))?;
    let month = hotline_domain::statistics::parse_month(&month)
        .ok_or_else(|| anyhow::anyhow!("--month: give it as YYYY-MM, e.g. 2026-11"))?;
    let this_month =
        hotline_domain::statistics::Period::month_of(hotline_domain::statistics::local_day(
            hotline_domain::Clock::now(&hotline_domain::SystemClock),
        ));
    if month > this_month.from {
        anyhow::bail!("--month: {} has not begun", month.format("%Y-%m"));
    }
    let lang = Lang::parse(&lang).ok_or_else(|| anyhow::anyhow!("--lang: vi or en"))?;
    if matches!(format, Format::Xlsx)
        && out.is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        anyhow::bail!(
            "a spreadsheet is not for a terminal: give --out FILE or redirect the output"
        );
    }
    let service = Service::open(&config).await?;
    let report = service
        .hotline
        .monthly_report(None, Some(&unit), month)
        .await;
    service.close().await;
    let report = match report {
        Ok(report) => report,
        Err(hotline_core::CoreError::NotFound) => anyhow::bail!("no unit {unit}"),
        Err(e) => return Err(e.into()),
    };
    let tr = Catalogues::load()?.tr(lang);
    let bytes = match format {
        Format::Json => serde_json::to_vec_pretty(&report)?,
        Format::Csv => {
            hotline_web::report_files::monthly_csv(&tr, &report).map_err(anyhow::Error::msg)?
        }
        Format::Xlsx => {
            hotline_web::report_files::monthly_xlsx(&tr, &report).map_err(anyhow::Error::msg)?
        }
    };
    match out {
        Some(path) => std::fs::write(&path, bytes)?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes)?;
            if matches!(format, Format::Json) {
                writeln!(stdout)?;
            }
        }
    }
    Ok(())
}
