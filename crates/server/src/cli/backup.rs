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
    // The heads recorded since the backup are of a chain now gone: kept aside, so that the
    // restored chain is checked against its own heads from here on.
    let heads = config.audit_heads_path();
    if heads.exists() {
        let stamp =
            hotline_domain::Clock::now(&hotline_domain::SystemClock).format("%Y%m%dT%H%M%SZ");
        let mut aside = heads.clone().into_os_string();
        aside.push(format!(".before-restore-{stamp}"));
        std::fs::rename(&heads, &aside)
            .with_context(|| format!("cannot set {} aside", heads.display()))?;
        println!(
            "the audit heads recorded before the restore are kept in {}",
            std::path::Path::new(&aside).display()
        );
    }
    println!("the store needs its master key: `hotline keys import` or HOTLINE_MASTER_KEY");
    Ok(())
}
