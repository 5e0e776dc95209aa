//! Police units.

use clap::Subcommand;
use hotline_server::Service;
use hotline_server::config::Config;

#[derive(Subcommand)]
pub enum UnitCommand {
    /// List units with their codes.
    List,
}

pub(super) async fn run(command: UnitCommand, config: Config) -> anyhow::Result<()> {
    match command {
        UnitCommand::List => {
            let service = Service::open(&config).await?;
            let units = service.hotline.store.list_units().await;
            service.close().await;
            for unit in units? {
                println!("{:<12} {:<18} {}", unit.code, unit.kind.as_str(), unit.name);
            }
            Ok(())
        }
    }
}
