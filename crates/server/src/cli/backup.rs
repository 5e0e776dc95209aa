//! Backups of the embedded database, and putting one in place.

use super::file_name;
use anyhow::Context;
use hotline_domain::AuditAction;
use hotline_server::Service;
use hotline_server::config::Config;
use std::path::PathBuf;

pub(super) async fn backup(config: Config, to: PathBuf) -> anyhow::Result<()> {
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

pub(super) async fn restore(config: Config, from: PathBuf) -> anyhow::Result<()> {
    let target = hotline_server::restore_embedded(&config, &from)?;
    println!("restored {} to {}", from.display(), target.display());
    println!("the store needs its master key: `hotline keys import` or HOTLINE_MASTER_KEY");
    Ok(())
}
