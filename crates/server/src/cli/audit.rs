//! The tamper-evident audit log: verify it, print its head.

use anyhow::Context;
use clap::Subcommand;
use hotline_server::Service;
use hotline_server::config::Config;
use hotline_vault::audit::Head;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the whole chain; names the first entry altered, removed or reordered, checks it
    /// against the furthest head recorded in the heads file (`audit_head_file`) and records
    /// its head there.
    Verify {
        /// A head exported earlier (`SEQ:HASH`, as printed by `hotline audit head`), to check
        /// against instead of the heads file's: entries removed from the end show.
        #[arg(long)]
        head: Option<String>,
    },
    /// Print the current head (`SEQ:HASH`) after verifying the chain; keep it outside the server.
    Head,
}

pub(super) async fn run(command: AuditCommand, config: Config) -> anyhow::Result<()> {
    let heads = config.audit_heads_path();
    let expected = match &command {
        AuditCommand::Verify { head: Some(text) } => Some(
            Head::parse(text)
                .context("--head takes SEQ:HASH as printed by `hotline audit head`")?,
        ),
        AuditCommand::Verify { head: None } => hotline_server::recorded_audit_head(&heads)?,
        AuditCommand::Head => None,
    };
    let service = Service::open(&config).await?;
    let verdict = service.hotline.verify_audit(expected).await;
    service.close().await;
    match (command, verdict?) {
        (AuditCommand::Verify { .. }, Ok(head)) => {
            match head {
                Some(head) => {
                    println!("audit chain intact: {} entries; head {head}", head.seq);
                    // Checked either way; a heads file this user cannot write is said, not fatal.
                    if let Err(e) = hotline_server::record_audit_head(&heads, &head) {
                        eprintln!("cannot record the head in {}: {e}", heads.display());
                    }
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
