//! Retention: purging what the configured rules select.

use clap::Subcommand;
use hotline_server::Service;
use hotline_server::config::Config;

#[derive(Subcommand)]
pub enum RetentionCommand {
    /// Apply the `[[retention]]` rules of the configuration now: each selected report's data
    /// key is destroyed and its rows removed, except under a legal hold.
    Run {
        /// Only count what each rule would purge and what a legal hold keeps.
        #[arg(long)]
        dry_run: bool,
    },
}

pub(super) async fn run(command: RetentionCommand, config: Config) -> anyhow::Result<()> {
    match command {
        RetentionCommand::Run { dry_run } => {
            if config.retention.is_empty() {
                println!(
                    "retention is off: the configuration has no [[retention]] rules; nothing purged"
                );
                return Ok(());
            }
            let service = Service::open(&config).await?;
            let outcomes = service
                .hotline
                .run_retention(&config.retention, dry_run)
                .await;
            service.close().await;
            let verb = if dry_run { "would purge" } else { "purged" };
            for outcome in outcomes? {
                println!(
                    "{}: {verb} {} reports; {} kept by a legal hold",
                    outcome.rule, outcome.purged, outcome.held
                );
            }
            Ok(())
        }
    }
}
