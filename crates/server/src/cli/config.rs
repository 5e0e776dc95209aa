//! Configuration.

use clap::Subcommand;
use hotline_server::config::Config;

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration, secrets redacted.
    Check,
}

pub(super) async fn run(command: ConfigCommand, config: Config) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Check => {
            print!("{}", config.redacted_toml()?);
            Ok(())
        }
    }
}
