//! Staff accounts from the command line.

use super::read_line_from_stdin;
use clap::Subcommand;
use hotline_domain::Role;
use hotline_domain::UnitCode;
use hotline_server::Service;
use hotline_server::config::Config;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a staff account; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// administrator, director, unit_leader, duty_officer, handler, inspector or auditor.
        #[arg(long)]
        role: String,
        /// `22` (a province's police), `91/30280` (a commune police), `bca` (the ministry).
        #[arg(long, default_value = "bca")]
        unit: String,
        /// Name shown in the console.
        #[arg(long, default_value = "")]
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Forget a member's second factor (a lost phone, no recovery code left) and end their
    /// sessions: they enrol again at their next sign-in.
    ResetSecondFactor {
        #[arg(long)]
        username: String,
    },
}

pub(super) async fn run(command: UserCommand, config: Config) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            username,
            role,
            unit,
            name,
            password_stdin,
        } => {
            let role: Role = role.parse()?;
            let unit: UnitCode = unit.parse()?;
            anyhow::ensure!(
                password_stdin,
                "give the password on standard input with --password-stdin"
            );
            let password = read_line_from_stdin()?;
            let service = Service::open(&config).await?;
            let result = service
                .hotline
                .add_staff(&username, &name, role, &unit, &password)
                .await;
            service.close().await;
            let member = result?;
            println!(
                "added {} ({}) in {} — {}",
                member.username, member.role, member.unit, member.unit_name
            );
            Ok(())
        }
        UserCommand::ResetSecondFactor { username } => {
            let service = Service::open(&config).await?;
            let result = service.hotline.reset_second_factor(&username).await;
            service.close().await;
            result?;
            println!("the second factor of {username} was reset; they enrol again at sign-in");
            Ok(())
        }
    }
}
