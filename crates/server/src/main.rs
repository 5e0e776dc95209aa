//! `hotline`: the command line. Parses arguments and calls into the library (`cli`).

mod cli;

use clap::Parser;
use cli::{Cli, Command};
use hotline_server::config::{Config, Overrides};
use hotline_server::telemetry;

/// Requests allocate and free many small buffers from both cores at once, where the system
/// allocator's locks and consolidation showed as a tenth of intake's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let bind = match &cli.command {
        Command::Serve { bind, .. } => *bind,
        _ => None,
    };
    let overrides = Overrides {
        bind,
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        log_format: cli.log_format,
    };
    let config = Config::load(cli.config.as_deref(), &overrides)?;
    telemetry::init(config.log_format);

    cli::run(cli.command, config).await
}
