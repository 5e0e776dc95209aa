//! Platform accounts: a unit's WhatsApp number, Facebook page, Instagram or Threads account.

use anyhow::Context;
use clap::Subcommand;
use hotline_server::Service;
use hotline_server::config::Config;

#[derive(Subcommand)]
pub enum ChannelCommand {
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
pub(super) const CHANNEL_KEYS_HELP: &str = "Keys (--set KEY=VALUE):
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

pub(super) async fn run(command: ChannelCommand, config: Config) -> anyhow::Result<()> {
    match command {
        ChannelCommand::Add {
            platform,
            account,
            unit,
            settings,
            api_base,
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
        ChannelCommand::List => {
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
    }
}
