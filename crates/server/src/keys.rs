//! Finding the master key for a store, or making one for a store that has none yet.

use crate::config::Config;
use anyhow::Context;
use hotline_core::CoreError;
use hotline_core::keys::{Keys, ReloadRing};
use hotline_domain::{Clock, SystemClock};
use hotline_store::Store;
use hotline_vault::keys::{KeyRing, MasterKey};
use std::path::PathBuf;

/// Where the key file is: the configured path, else `<data_dir>/keys/master.key`.
pub fn key_path(config: &Config) -> PathBuf {
    config
        .master_key_file
        .clone()
        .unwrap_or_else(|| config.data_dir.join("keys").join("master.key"))
}

/// The keys for `store`: the ring from the configuration (environment), else from the key
/// file. A store bound to no key yet gets a new key file, announced loudly. A store bound to a
/// key the ring does not hold, or bound to a key that cannot be found, refuses to open.
pub async fn open_keys(config: &Config, store: &dyn Store) -> anyhow::Result<Keys> {
    let now = SystemClock.now();
    if let Some(text) = &config.master_key {
        let ring =
            KeyRing::from_text(text).context("the configured master key (HOTLINE_MASTER_KEY)")?;
        return match Keys::open(store, ring, None, now).await {
            Err(CoreError::WrongMasterKey) => anyhow::bail!(
                "the master key given in HOTLINE_MASTER_KEY is not the one this store's data is bound to"
            ),
            other => other.map_err(anyhow::Error::from),
        };
    }
    let path = key_path(config);
    let reload: ReloadRing = {
        let path = path.clone();
        Box::new(move || KeyRing::load(&path))
    };
    if path.exists() {
        let ring = KeyRing::load(&path)?;
        return match Keys::open(store, ring, Some(reload), now).await {
            Err(CoreError::WrongMasterKey) => anyhow::bail!(
                "the master key in {} is not the one this store's data is bound to; \
                 restore the right key file from its backup",
                path.display()
            ),
            other => other.map_err(anyhow::Error::from),
        };
    }
    // The file is written before the store is bound, so a store is never bound to a key that
    // was not saved.
    let key = MasterKey::generate();
    key.write_new_file(&path)?;
    match Keys::open(store, KeyRing::single(key), Some(reload), now).await {
        Ok(keys) => {
            announce_new_key(&path);
            Ok(keys)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            match e {
                CoreError::WrongMasterKey => anyhow::bail!(
                    "this store's data is bound to a master key, but none was found at {} \
                     or in HOTLINE_MASTER_KEY; restore the key file from its backup",
                    path.display()
                ),
                other => Err(other.into()),
            }
        }
    }
}

/// The configured keys without touching a store: from `HOTLINE_MASTER_KEY`, else the key file.
pub fn configured_ring(config: &Config) -> anyhow::Result<KeyRing> {
    match &config.master_key {
        Some(text) => Ok(KeyRing::from_text(text)?),
        None => Ok(KeyRing::load(&key_path(config))?),
    }
}

/// The first half of a rotation: the key file lists a new key, then the current one. Resumes
/// a rotation already staged (a ring of two keys) instead of starting another.
pub fn stage_rotation(config: &Config) -> anyhow::Result<KeyRing> {
    if config.master_key.is_some() {
        anyhow::bail!(
            "`keys rotate` replaces the key file, but the master key comes from HOTLINE_MASTER_KEY; \
             move it to a key file (master_key_file) first"
        );
    }
    let path = key_path(config);
    let ring = KeyRing::load(&path)?;
    if ring.keys().count() > 1 {
        return Ok(ring);
    }
    let staged = ring.with_newest(MasterKey::generate());
    staged.replace_file(&path)?;
    Ok(staged)
}

/// Writes a new file readable by its owner only; never replaces one.
pub fn write_private_new_file(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

fn announce_new_key(path: &std::path::Path) {
    tracing::warn!(target: "audit", path = %path.display(), "new master key created");
    eprintln!();
    eprintln!("  ************************************************************************");
    eprintln!("  A NEW MASTER KEY WAS CREATED: {}", path.display());
    eprintln!("  Back it up NOW, somewhere other than this data folder and its backups.");
    eprintln!("  Without it, what this store seals can never be read again.");
    eprintln!("  ************************************************************************");
    eprintln!();
}

/// In production the key lives apart from the data it protects.
pub fn warn_if_beside_the_data(config: &Config) {
    if config.master_key.is_some() {
        return;
    }
    let path = key_path(config);
    if path.starts_with(&config.data_dir) {
        tracing::warn!(
            path = %path.display(),
            "the master key sits inside the data folder: a copy of the folder is a copy of the key; \
             keep it elsewhere in production (master_key_file or HOTLINE_MASTER_KEY)"
        );
    }
}
