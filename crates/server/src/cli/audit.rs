//! The tamper-evident audit log: verify it, print its head.

use anyhow::Context;
use clap::Subcommand;
use hotline_server::Service;
use hotline_server::config::Config;
use hotline_vault::audit::Head;

#[derive(Subcommand)]
pub enum AuditCommand {
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

pub(super) async fn run(command: AuditCommand, config: Config) -> anyhow::Result<()> {
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
