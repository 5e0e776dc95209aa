//! The commands: what each one does, one module each; `run` dispatches.

mod audit;
mod backup;
mod channel;
mod config;
mod deadline;
mod directory;
mod master_key;
mod retention;
mod serve;
mod stats;
mod token;
mod triage;
mod unit;
mod user;

use clap::{Parser, Subcommand};
use hotline_server::config::{Config, LogFormat};
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "hotline",
    version,
    about = "Hotline: citizens' reports to the police, on every channel, confidential and on time."
)]
pub struct Cli {
    /// Configuration file (default: ./hotline.toml if present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Data folder for the embedded database.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: postgres://… or sqlite:…; default: SQLite in the data folder.
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// Log format.
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the whole system: web pages, console, API.
    Serve {
        /// Address to listen on.
        #[arg(long)]
        bind: Option<SocketAddr>,
        /// Load fictional demo data into an empty store.
        #[arg(long)]
        demo: bool,
    },
    /// Create or update the database schema.
    Migrate,
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// API tokens for scripts.
    Token {
        #[command(subcommand)]
        command: token::TokenCommand,
    },
    /// Platform accounts: a unit's WhatsApp number, Facebook page, Instagram or Threads account.
    Channel {
        #[command(subcommand)]
        command: channel::ChannelCommand,
    },
    /// Police units.
    Unit {
        #[command(subcommand)]
        command: unit::UnitCommand,
    },
    /// Write a consistent copy of the database to a new file while the server runs (SQLite; the
    /// master key is never in it).
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Put a backup in place as the data folder's database (SQLite; the folder must hold none).
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// The master key.
    Keys {
        #[command(subcommand)]
        command: master_key::KeysCommand,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Retention: purging what the configured rules select.
    Retention {
        #[command(subcommand)]
        command: retention::RetentionCommand,
    },
    /// Work out a legal time limit by hand: when it runs out, and its legal basis. Counts on the
    /// configuration's `[[calendar]]` schedule; needs no data folder.
    Deadline {
        /// crime_source, crime_classification, commune_transfer, receipt_notice,
        /// denunciation_intake, denunciation_settlement, complaint_acceptance,
        /// complaint_decision, complaint_second_level, procedural_complaint, procuracy_complaint
        /// or procuracy_referral.
        #[arg(long)]
        rule: String,
        /// When the time starts, in Vietnam: `2026-03-02` or `2026-03-02T21:15`.
        #[arg(long)]
        from: String,
        /// Extensions granted so far.
        #[arg(long, default_value_t = 0)]
        extensions: u32,
        /// Days the matter was suspended in all, for a rule whose time goes on afterwards
        /// (denunciation_settlement); crime_source starts anew instead (--resumed-on).
        #[arg(long, default_value_t = 0)]
        suspended_days: u32,
        /// The day the matter was resumed after a suspension, for a rule whose limit runs anew
        /// from it (crime_source: at most one month, BLTTHS 2015 Điều 149).
        #[arg(long)]
        resumed_on: Option<String>,
    },
    /// Triage hints for one report: reads its text on standard input and prints one JSON
    /// object (legal type, topic, urgency, province and commune, confidence, where personal
    /// data sits). Needs no data folder.
    Triage,
    /// How often officers kept the triage hints on the reports first triaged since a day
    /// (default: 90 days ago): for the legal type, topic and urgency, how many they accepted,
    /// corrected or left unset, and each correction. One JSON object; figures only.
    HintAcceptance {
        /// `YYYY-MM-DD`, in Vietnam.
        #[arg(long)]
        since: Option<String>,
    },
    /// Statistics: the monthly report of a unit.
    Stats {
        #[command(subcommand)]
        command: stats::StatsCommand,
    },
    /// Configuration.
    Config {
        #[command(subcommand)]
        command: config::ConfigCommand,
    },
    /// The public hotline directory.
    Directory {
        #[command(subcommand)]
        command: directory::DirectoryCommand,
    },
}

pub async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo, .. } => serve::serve(config, demo).await,
        Command::Migrate => serve::migrate(config).await,
        Command::User { command } => user::run(command, config).await,
        Command::Token { command } => token::run(command, config).await,
        Command::Channel { command } => channel::run(command, config).await,
        Command::Unit { command } => unit::run(command, config).await,
        Command::Backup { to } => backup::backup(config, to).await,
        Command::Restore { from } => backup::restore(config, from).await,
        Command::Keys { command } => master_key::run(command, config).await,
        Command::Audit { command } => audit::run(command, config).await,
        Command::Retention { command } => retention::run(command, config).await,
        Command::Deadline {
            rule,
            from,
            extensions,
            suspended_days,
            resumed_on,
        } => {
            let counted = hotline_server::deadline::Counted {
                extensions,
                suspended_days,
                resumed_on,
            };
            deadline::deadline(config, rule, from, counted).await
        }
        Command::Triage => triage::triage().await,
        Command::HintAcceptance { since } => triage::hint_acceptance(config, since).await,
        Command::Stats { command } => stats::run(command, config).await,
        Command::Config { command } => config::run(command, config).await,
        Command::Directory { command } => directory::run(command, config).await,
    }
}

/// The first line of standard input, without its line ending.
/// The last part of a path, for the audit chain: where on this machine is not its business.
fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read_line_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
