//! API tokens for scripts.

use anyhow::Context;
use clap::Subcommand;
use hotline_server::Service;
use hotline_server::config::Config;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token acting as a staff account; the token is the last line printed.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

pub(super) async fn run(command: TokenCommand, config: Config) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { user, label } => {
            let service = Service::open(&config).await?;
            let result = service.hotline.create_api_token(&user, &label).await;
            service.close().await;
            let token = result.with_context(|| format!("no staff account {user}"))?;
            println!("API token for {user} (shown once; keep it secret):");
            println!("{token}");
            Ok(())
        }
    }
}
