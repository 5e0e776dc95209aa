//! `hotline`: the command line. Parses arguments and calls into the library.

use anyhow::Context;
use clap::{Parser, Subcommand};
use hotline_domain::{AuditAction, Role, UnitCode};
use hotline_server::config::{Config, LogFormat, Overrides};
use hotline_server::{Service, keys, launch_with_listener, telemetry};
use hotline_vault::audit::Head;
use hotline_vault::keys::{KeyRing, MasterKey};
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Requests allocate and free many small buffers from both cores at once, where the system
/// allocator's locks and consolidation showed as a tenth of intake's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "hotline",
    version,
    about = "Hotline: citizens' reports to the police, on every channel, confidential and on time."
)]
struct Cli {
    /// Configuration file (default: ./hotline.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data folder for the embedded database.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL: postgres://… or sqlite:…; default: SQLite in the data folder.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Log format.
    #[arg(long, global = true, value_enum)]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
        command: UserCommand,
    },
    /// API tokens for scripts.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Platform accounts: a unit's WhatsApp number, Facebook page, Instagram or Threads account.
    Channel {
        #[command(subcommand)]
        command: ChannelCommand,
    },
    /// Police units.
    Unit {
        #[command(subcommand)]
        command: UnitCommand,
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
        command: KeysCommand,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Retention: purging what the configured rules select.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Work out a legal time limit by hand: when it runs out, and its legal basis. Counts on the
    /// configuration's `[[calendar]]` schedule; needs no data folder.
    Deadline {
        /// crime_source, crime_classification, commune_transfer, receipt_notice,
        /// denunciation_intake, denunciation_settlement, complaint_acceptance,
        /// complaint_decision or procuracy_referral.
        #[arg(long)]
        rule: String,
        /// When the time starts, in Vietnam: `2026-03-02` or `2026-03-02T21:15`.
        #[arg(long)]
        from: String,
        /// Extensions granted so far.
        #[arg(long, default_value_t = 0)]
        extensions: u32,
        /// Days the matter was suspended in all (rules whose clock stops).
        #[arg(long, default_value_t = 0)]
        suspended_days: u32,
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
    /// Configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// The public hotline directory.
    Directory {
        #[command(subcommand)]
        command: DirectoryCommand,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FileFormat {
    Json,
    Csv,
}

#[derive(Subcommand)]
enum DirectoryCommand {
    /// Write the directory (every position, contact point and allowed frame origin, internal
    /// and past ones too) to standard output or a file.
    Export {
        /// One province, by its directory address (`quang-ninh`); every province by default.
        #[arg(long)]
        province: Option<String>,
        #[arg(long, value_enum, default_value = "json")]
        format: FileFormat,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Replace the directory of each province the file names, after checking all of it (a
    /// file with any error changes nothing). The format follows the file's extension unless
    /// given.
    Import {
        file: PathBuf,
        #[arg(long, value_enum)]
        format: Option<FileFormat>,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Apply the `[[retention]]` rules of the configuration now: each selected report's data
    /// key is destroyed and its rows removed, except under a legal hold.
    Run {
        /// Only count what each rule would purge and what a legal hold keeps.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
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

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token acting as a staff account; the token is the last line printed.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

#[derive(Subcommand)]
enum ChannelCommand {
    /// Connect a platform account; its webhook is then `/hooks/<PLATFORM>/<ACCOUNT>`.
    #[command(after_help = CHANNEL_KEYS_HELP)]
    Add {
        /// whatsapp, messenger, instagram or threads.
        #[arg(long)]
        platform: String,
        /// The account's name in its webhook URL: lowercase letters, digits, `-` and `_`.
        #[arg(long)]
        account: String,
        /// The unit whose account it is (`22` for Quảng Ninh's police): reports that name no
        /// place go to it.
        #[arg(long)]
        unit: String,
        /// A secret or id, as the platform names it; repeat for each.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        settings: Vec<String>,
        /// The platform API's base URL, when not the platform's own (a proxy, a test stand-in).
        #[arg(long)]
        api_base: Option<String>,
    },
    /// List the accounts: platform, name, unit, webhook path, and whether it can answer.
    List,
}

/// Which keys each platform needs, for `channel add --help`.
const CHANNEL_KEYS_HELP: &str = "Keys (--set KEY=VALUE):
  whatsapp   to receive: app_secret, verify_token   to answer: access_token, phone_number_id
             (reengage_template, template_language: optional, an approved template sent past the
             24-hour window to ask the citizen to write back)
  messenger  to receive: app_secret, verify_token   to answer: access_token, page_id
  instagram  to receive: app_secret, verify_token   to answer: access_token (ig_user_id: optional, default: the token's own account)
  threads    to receive: app_secret (the Threads app's), verify_token   to answer: access_token
  zalo       to receive: app_id, oa_secret_key (the OA Secret Key, not the app secret)
             to answer: access_token (refresh_token, app_secret: optional, to renew the token)
  telegram   to receive and answer: bot_token, and secret_token for the webhook
             (updates=polling: fetch with getUpdates instead of a webhook; no secret_token)
  tiktok     to receive: app_secret   to answer: access_token
  x          to receive: consumer_secret (answers the hourly CRC)   to answer: access_token
  cti        to receive: token (at least 24 characters; the PBX posts to /hooks/cti/<token>)
  sms        to receive: signing_key (SMSGate's webhook signing key)
             to answer: api_user, api_password (--api-base: the gateway, SMSGate's cloud by default)
  email      to receive: imap_host, imap_user, and imap_password or imap_oauth_token
             (imap_port, imap_security=tls|starttls|plain, imap_folder, imap_ca_pem: optional)
             to answer: smtp_host, email_address (smtp_port, smtp_security, smtp_user,
             smtp_password: optional); plain only to this machine
An account without the keys to answer still receives; its page says it cannot answer.";

#[derive(Subcommand)]
enum UnitCommand {
    /// List units with their codes.
    List,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create the master key file (default `<data_dir>/keys/master.key`, mode 0600) before the
    /// first start; refuses to overwrite one.
    Init,
    /// Write the master key, sealed under a passphrase read from standard input, for
    /// safekeeping apart from the data.
    Export {
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore the master key file from an export; the passphrase is read from standard input.
    Import {
        #[arg(long)]
        from: PathBuf,
    },
    /// Replace the master key with a new one and re-wrap every data key under it, while
    /// servers keep running. The key file then holds the new key only: export it afterwards.
    Rotate {
        /// Only put the new key in the key file (first, before the current one) and stop: for
        /// several servers on one store, copy that file to each, then rotate without `--stage`.
        #[arg(long)]
        stage: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole chain; names the first entry altered, removed or reordered.
    Verify {
        /// A head exported earlier (`SEQ:HASH`, as printed by `hotline audit head`), to also
        /// detect entries removed from the end.
        #[arg(long)]
        head: Option<String>,
    },
    /// Print the current head (`SEQ:HASH`) after verifying the chain; keep it outside the server.
    Head,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration, secrets redacted.
    Check,
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

    match cli.command {
        Command::Deadline {
            rule,
            from,
            extensions,
            suspended_days,
        } => {
            let from = hotline_server::deadline::parse_start(&from)?;
            let shown = hotline_server::deadline::explain(
                &rule,
                from,
                extensions,
                suspended_days,
                &config.working_calendar(),
            )?;
            println!("{shown}");
            Ok(())
        }
        Command::Triage => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .context("the report's text on standard input must be UTF-8")?;
            let places = hotline_domain::Gazetteer::embedded()?;
            let hints = hotline_domain::hints::hints(&text, &places);
            println!("{}", serde_json::to_string(&hints)?);
            Ok(())
        }
        Command::HintAcceptance { since } => {
            let now = hotline_domain::Clock::now(&hotline_domain::SystemClock);
            let since = match since {
                Some(day) => chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                    .context("--since takes a day as YYYY-MM-DD")?
                    .and_hms_opt(0, 0, 0)
                    .and_then(|t| t.and_local_timezone(hotline_domain::VIETNAM).single())
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .context("--since takes a day as YYYY-MM-DD")?,
                None => now - chrono::Duration::days(90),
            };
            let service = Service::open(&config).await?;
            let figures = service.hotline.hint_acceptance(since).await;
            service.close().await;
            println!("{}", serde_json::to_string_pretty(&figures?)?);
            Ok(())
        }
        Command::Serve { demo, .. } => {
            let listener = tokio::net::TcpListener::bind(config.bind)
                .await
                .with_context(|| format!("cannot listen on {}", config.bind))?;
            launch_with_listener(config, listener, demo, shutdown_signal()).await
        }
        Command::Migrate => {
            let service = Service::open(&config).await?;
            service.close().await;
            println!("database is up to date");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    unit,
                    name,
                    password_stdin,
                },
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
        Command::User {
            command: UserCommand::ResetSecondFactor { username },
        } => {
            let service = Service::open(&config).await?;
            let result = service.hotline.reset_second_factor(&username).await;
            service.close().await;
            result?;
            println!("the second factor of {username} was reset; they enrol again at sign-in");
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { user, label },
        } => {
            let service = Service::open(&config).await?;
            let result = service.hotline.create_api_token(&user, &label).await;
            service.close().await;
            let token = result.with_context(|| format!("no staff account {user}"))?;
            println!("API token for {user} (shown once; keep it secret):");
            println!("{token}");
            Ok(())
        }
        Command::Channel {
            command:
                ChannelCommand::Add {
                    platform,
                    account,
                    unit,
                    settings,
                    api_base,
                },
        } => {
            let mut pairs = Vec::new();
            for setting in &settings {
                let (key, value) = setting
                    .split_once('=')
                    .with_context(|| format!("--set takes KEY=VALUE, not {setting:?}"))?;
                pairs.push((key.to_owned(), value.to_owned()));
            }
            let service = Service::open(&config).await?;
            let input = hotline_core::channels::AccountInput {
                platform: &platform,
                name: &account,
                unit: &unit,
                settings: &pairs,
                api_base: api_base.as_deref(),
            };
            let result = service.hotline.add_channel_account(None, &input).await;
            service.close().await;
            let view = match result {
                Err(hotline_core::CoreError::Domain(hotline_domain::DomainError::Invalid(
                    fields,
                ))) => {
                    let what: Vec<String> = fields
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.code))
                        .collect();
                    anyhow::bail!("not added: {}", what.join("; "));
                }
                Err(hotline_core::CoreError::Conflict(_)) => {
                    anyhow::bail!("{platform} already has an account named {account}")
                }
                other => other?,
            };
            let receives = if view.fetches_updates {
                "it fetches its messages itself (no webhook)".to_owned()
            } else {
                format!("webhook: {}", view.webhook_path)
            };
            println!(
                "added {}/{} for unit {}; {receives}",
                view.platform, view.name, view.unit
            );
            if !view.missing_send_keys.is_empty() {
                println!(
                    "it receives, but cannot answer until given: {}",
                    view.missing_send_keys.join(", ")
                );
            }
            Ok(())
        }
        Command::Channel {
            command: ChannelCommand::List,
        } => {
            let service = Service::open(&config).await?;
            let accounts = service.hotline.channel_accounts(None).await;
            service.close().await;
            for view in accounts? {
                let answers = if view.missing_send_keys.is_empty() {
                    "answers".to_owned()
                } else {
                    format!(
                        "receives only (missing {})",
                        view.missing_send_keys.join(", ")
                    )
                };
                println!(
                    "{:<10} {:<20} {:<10} {:<32} {answers}",
                    view.platform.as_str(),
                    view.name.as_str(),
                    view.unit.as_str(),
                    view.webhook_path
                );
            }
            Ok(())
        }
        Command::Directory {
            command:
                DirectoryCommand::Export {
                    province,
                    format,
                    output,
                },
        } => {
            let service = Service::open(&config).await?;
            let document = service.hotline.export_directory(province.as_deref()).await;
            service.close().await;
            let document = document?;
            let text = match format {
                FileFormat::Json => serde_json::to_string_pretty(&document)? + "\n",
                FileFormat::Csv => document.to_csv()?,
            };
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(())
        }
        Command::Directory {
            command: DirectoryCommand::Import { file, format },
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {} as UTF-8 text", file.display()))?;
            let csv = match format {
                Some(FileFormat::Csv) => true,
                Some(FileFormat::Json) => false,
                None => file
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv")),
            };
            let document = if csv {
                hotline_core::directory_files::DirectoryDocument::from_csv(&text)?
            } else {
                text.parse::<hotline_core::directory_files::DirectoryDocument>()?
            };
            let service = Service::open(&config).await?;
            let summary = service.hotline.import_directory(&document, None).await;
            service.close().await;
            let summary = summary?;
            println!(
                "imported {} provinces: {} positions, {} contact points",
                summary.provinces, summary.positions, summary.contacts
            );
            Ok(())
        }
        Command::Unit {
            command: UnitCommand::List,
        } => {
            let service = Service::open(&config).await?;
            let units = service.hotline.store.list_units().await;
            service.close().await;
            for unit in units? {
                println!("{:<12} {:<18} {}", unit.code, unit.kind.as_str(), unit.name);
            }
            Ok(())
        }
        Command::Backup { to } => {
            let service = Service::open(&config).await?;
            let written = service
                .hotline
                .store
                .backup_to(&to)
                .await
                .with_context(|| format!("cannot back up to {}", to.display()));
            if written.is_ok() {
                service
                    .hotline
                    .audit(None, AuditAction::StoreBackedUp, "backup", &file_name(&to))
                    .await?;
            }
            service.close().await;
            written?;
            println!(
                "backup written to {}; the master key is not in it",
                to.display()
            );
            Ok(())
        }
        Command::Restore { from } => {
            let target = hotline_server::restore_embedded(&config, &from)?;
            println!("restored {} to {}", from.display(), target.display());
            println!("the store needs its master key: `hotline keys import` or HOTLINE_MASTER_KEY");
            Ok(())
        }
        Command::Keys { command } => match command {
            KeysCommand::Init => {
                let path = keys::key_path(&config);
                MasterKey::create_file(&path)?;
                println!("master key written to {}", path.display());
                println!("back it up now, apart from the data folder and its backups");
                Ok(())
            }
            KeysCommand::Export { to } => {
                let ring = keys::configured_ring(&config)?;
                if ring.keys().count() > 1 {
                    eprintln!(
                        "a rotation is under way: exporting the new key; finish it with `hotline keys rotate`"
                    );
                }
                let sealed = ring.newest().export(&read_line_from_stdin()?)?;
                keys::write_private_new_file(&to, sealed.as_bytes())?;
                let service = Service::open(&config).await?;
                let recorded = service
                    .hotline
                    .audit(
                        None,
                        AuditAction::KeysExported,
                        ring.newest().id(),
                        &file_name(&to),
                    )
                    .await;
                service.close().await;
                recorded?;
                println!(
                    "master key exported to {} (sealed under the passphrase)",
                    to.display()
                );
                Ok(())
            }
            KeysCommand::Import { from } => {
                let text = std::fs::read_to_string(&from)
                    .with_context(|| format!("cannot read {}", from.display()))?;
                let key = MasterKey::import(&text, &read_line_from_stdin()?)?;
                let path = keys::key_path(&config);
                key.write_new_file(&path)?;
                println!("master key restored to {}", path.display());
                Ok(())
            }
            KeysCommand::Rotate { stage } => {
                let ring = keys::stage_rotation(&config)?;
                let path = keys::key_path(&config);
                let new = ring.newest().clone();
                println!(
                    "key file {} lists the new key {} first",
                    path.display(),
                    new.id()
                );
                if stage {
                    println!(
                        "staged: copy this key file to every server on the store, then run `hotline keys rotate` once"
                    );
                    return Ok(());
                }
                let service = hotline_server::Service::open(&config).await?;
                let rotation = service.hotline.rotate_master_key().await;
                service.close().await;
                let rotation = rotation?;
                KeyRing::single(new).replace_file(&path)?;
                println!(
                    "master key rotated from {} to {}: {} data keys re-wrapped; the old key is gone from {}",
                    rotation.from,
                    rotation.to,
                    rotation.rewrapped,
                    path.display()
                );
                println!("back up the new key now: hotline keys export --to FILE");
                Ok(())
            }
        },
        Command::Audit { command } => {
            let expected = match &command {
                AuditCommand::Verify { head: Some(text) } => Some(
                    Head::parse(text)
                        .context("--head takes SEQ:HASH as printed by `hotline audit head`")?,
                ),
                _ => None,
            };
            let service = Service::open(&config).await?;
            let verdict = service.hotline.verify_audit(expected).await;
            service.close().await;
            match (command, verdict?) {
                (AuditCommand::Verify { .. }, Ok(head)) => {
                    match head {
                        Some(head) => {
                            println!("audit chain intact: {} entries; head {head}", head.seq)
                        }
                        None => println!("audit chain intact: no entries yet"),
                    }
                    Ok(())
                }
                (AuditCommand::Head, Ok(head)) => {
                    println!(
                        "{}",
                        head.map_or_else(|| "0:".to_owned(), |h| h.to_string())
                    );
                    Ok(())
                }
                (_, Err(broken)) => anyhow::bail!("audit chain broken: {broken}"),
            }
        }
        Command::Retention {
            command: RetentionCommand::Run { dry_run },
        } => {
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
        Command::Config {
            command: ConfigCommand::Check,
        } => {
            print!("{}", config.redacted_toml()?);
            Ok(())
        }
    }
}
