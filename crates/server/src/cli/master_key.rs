//! The master key: create, export, import, rotate.

use super::file_name;
use super::read_line_from_stdin;
use anyhow::Context;
use clap::Subcommand;
use hotline_domain::AuditAction;
use hotline_server::Service;
use hotline_server::config::Config;
use hotline_server::keys;
use hotline_vault::keys::KeyRing;
use hotline_vault::keys::MasterKey;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum KeysCommand {
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

pub(super) async fn run(command: KeysCommand, config: Config) -> anyhow::Result<()> {
    match command {
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
    }
}
