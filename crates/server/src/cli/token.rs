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

/// Whether `user` must still replace the password an administrator chose.
async fn must_change_password(config: &Config, user: &str) -> anyhow::Result<bool> {
    let service = Service::open(config).await?;
    let login = service
        .hotline
        .store
        .staff_by_username(&user.trim().to_lowercase())
        .await;
    service.close().await;
    Ok(login.is_ok_and(|l| l.member.must_change_password))
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
            if must_change_password(&config, &user).await? {
                eprintln!(
                    "note: {user} still has the password an administrator chose; the token \
                     answers 403 until {user} signs in and sets their own"
                );
            }
            Ok(())
        }
    }
}
