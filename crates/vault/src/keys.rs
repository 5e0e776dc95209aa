//! The master key and the keys derived from it.
//!
//! The master key is 256 random bits kept outside the database: in a key file (hex, mode
//! 0600) or the environment. Purpose keys are derived from it with HKDF-SHA-256, so one secret
//! to guard yields independent keys for follow-up codes, the store's key check and, later,
//! sealing. A store remembers the key check of the key it was bound to, so a server started
//! with another key refuses to run instead of writing data no one can read.

use crate::seal::{self, DataKey, SealError};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::Sha256;
use std::fs;
use std::io::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the master key file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write the master key file {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("the master key file {0} already exists; refusing to overwrite it")]
    Exists(String),
    #[error("the master key must be 64 hexadecimal digits (256 bits)")]
    Malformed,
    #[error("the passphrase must have at least {MIN_PASSPHRASE_CHARS} characters")]
    WeakPassphrase,
    #[error("this is not a Hotline key export, or the passphrase is wrong")]
    Unreadable,
}

/// Shortest passphrase accepted to protect an exported master key.
pub const MIN_PASSPHRASE_CHARS: usize = 12;
const EXPORT_HEADER: &str = "hotline-master-key-export-v1";
const EXPORTED_KEY: &[u8] = b"hotline/v1/key-export";

/// The key that protects an export: argon2id over the passphrase, costly on purpose (64 MiB,
/// three passes), since an export may be kept where others can reach it.
fn export_key(passphrase: &str, salt: &[u8]) -> Result<[u8; 32], KeyError> {
    use argon2::{Algorithm, Argon2, Params, Version};
    let params = Params::new(64 * 1024, 3, 1, Some(32)).map_err(|_| KeyError::Unreadable)?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|_| KeyError::Unreadable)?;
    Ok(out)
}

/// 256 bits that protect everything sealed. Never printed, never stored in the database.
/// The purpose keys are derived once, when the key is made or read, not on every use.
#[derive(Clone)]
pub struct MasterKey {
    secret: [u8; 32],
    key_check: [u8; 32],
    follow_up: [u8; 32],
    wrap: [u8; 32],
    blind_index: [u8; 32],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

/// What a derived key is for; each purpose gets an independent key.
#[derive(Debug, Clone, Copy)]
enum Purpose {
    KeyCheck,
    FollowUp,
    WrapDataKey,
    BlindIndex,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::KeyCheck => b"hotline/v1/key-check",
            Purpose::FollowUp => b"hotline/v1/follow-up-code",
            Purpose::WrapDataKey => b"hotline/v1/wrap-data-key",
            Purpose::BlindIndex => b"hotline/v1/blind-index",
        }
    }
}

fn derive(secret: &[u8; 32], purpose: Purpose) -> [u8; 32] {
    let mut out = [0u8; 32];
    // HKDF-Expand to 32 bytes cannot fail; a zeroed key would only ever fail verification.
    let _ = Hkdf::<Sha256>::new(None, secret).expand(purpose.label(), &mut out);
    out
}

fn mac(key: &[u8; 32], message: &[u8]) -> Vec<u8> {
    match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        // HMAC takes keys of any length; this arm is never reached.
        Err(_) => Vec::new(),
    }
}

impl MasterKey {
    fn from_secret(secret: [u8; 32]) -> Self {
        Self {
            key_check: derive(&secret, Purpose::KeyCheck),
            follow_up: derive(&secret, Purpose::FollowUp),
            wrap: derive(&secret, Purpose::WrapDataKey),
            blind_index: derive(&secret, Purpose::BlindIndex),
            secret,
        }
    }

    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self::from_secret(bytes)
    }

    /// Reads the hex form (white space around it is ignored).
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let bytes = hex::decode(text.trim()).map_err(|_| KeyError::Malformed)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(Self::from_secret(bytes))
    }

    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let text = fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_hex(&text)
    }

    /// Writes a new key file readable by its owner only; never replaces an existing one.
    pub fn create_file(path: &Path) -> Result<Self, KeyError> {
        let key = Self::generate();
        key.write_new_file(path)?;
        Ok(key)
    }

    /// Writes this key to a new file readable by its owner only; never replaces one.
    pub fn write_new_file(&self, path: &Path) -> Result<(), KeyError> {
        let write_err = |source| KeyError::Write {
            path: path.display().to_string(),
            source,
        };
        if path.exists() {
            return Err(KeyError::Exists(path.display().to_string()));
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(write_err)?;
            restrict(dir, 0o700).map_err(write_err)?;
        }
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(write_err)?;
        file.write_all(format!("{}\n", hex::encode(self.secret)).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(write_err)?;
        Ok(())
    }

    /// The key sealed under a passphrase, as text for safekeeping (`hotline keys export`).
    pub fn export(&self, passphrase: &str) -> Result<String, KeyError> {
        if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(KeyError::WeakPassphrase);
        }
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        let sealed = seal::seal(&export_key(passphrase, &salt)?, &self.secret, EXPORTED_KEY);
        Ok(format!(
            "{EXPORT_HEADER}\n{}\n{}\n",
            hex::encode(salt),
            hex::encode(sealed)
        ))
    }

    /// Recovers a key written by [`MasterKey::export`].
    pub fn import(text: &str, passphrase: &str) -> Result<Self, KeyError> {
        let mut lines = text.lines().map(str::trim);
        if lines.next() != Some(EXPORT_HEADER) {
            return Err(KeyError::Unreadable);
        }
        let salt = lines
            .next()
            .and_then(|l| hex::decode(l).ok())
            .ok_or(KeyError::Unreadable)?;
        let sealed = lines
            .next()
            .and_then(|l| hex::decode(l).ok())
            .ok_or(KeyError::Unreadable)?;
        let bytes = seal::open(&export_key(passphrase, &salt)?, &sealed, EXPORTED_KEY)
            .map_err(|_| KeyError::Unreadable)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Unreadable)?;
        Ok(Self::from_secret(bytes))
    }

    /// Seals a report's data key for storage.
    pub fn wrap(&self, data_key: &DataKey) -> Vec<u8> {
        seal::seal(&self.wrap, &data_key.0, WRAPPED_KEY)
    }

    /// Recovers a data key sealed by [`MasterKey::wrap`] under this master key.
    pub fn unwrap_data_key(&self, wrapped: &[u8]) -> Result<DataKey, SealError> {
        let bytes = seal::open(&self.wrap, wrapped, WRAPPED_KEY)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| SealError::Unreadable)?;
        Ok(DataKey(bytes))
    }

    /// A keyed hash of a normalised value (`phone`, `+84912345678`) for finding equal values
    /// without storing them: equal inputs give equal indexes, and without the key an index
    /// cannot be tested against guesses.
    pub fn blind_index(&self, kind: &str, normalised: &str) -> Vec<u8> {
        let mut message = kind.as_bytes().to_vec();
        message.push(0);
        message.extend(normalised.as_bytes());
        mac(&self.blind_index, &message)
    }

    /// A value that identifies this key without revealing it; stores keep it to recognise the
    /// key they were bound to.
    pub fn check_value(&self) -> Vec<u8> {
        mac(&self.key_check, b"hotline master key check")
    }

    /// The stored form of a follow-up code: a keyed hash, so a copy of the database alone
    /// neither reveals codes nor lets anyone test guesses offline.
    pub fn follow_up_digest(&self, canonical_code: &str) -> String {
        hex::encode(mac(&self.follow_up, canonical_code.as_bytes()))
    }
}

/// The associated data of a wrapped data key.
const WRAPPED_KEY: &[u8] = b"hotline/v1/data-key";

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_are_private_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("master.key");
        let key = MasterKey::create_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let again = MasterKey::load(&path).unwrap();
        assert_eq!(again.check_value(), key.check_value());
        assert!(matches!(
            MasterKey::create_file(&path),
            Err(KeyError::Exists(_))
        ));
        assert!(!format!("{key:?}").contains(&hex::encode(key.secret)));
    }

    #[test]
    fn derived_values_depend_on_the_key_and_the_purpose() {
        let a = MasterKey::generate();
        let b = MasterKey::generate();
        assert_ne!(a.check_value(), b.check_value());
        assert_ne!(a.follow_up_digest("0000"), b.follow_up_digest("0000"));
        assert_ne!(a.follow_up_digest("0000"), a.follow_up_digest("0001"));
        assert_eq!(a.follow_up_digest("0000"), a.follow_up_digest("0000"));
        assert_ne!(
            hex::encode(a.check_value()),
            a.follow_up_digest("hotline master key check")
        );
    }

    #[test]
    fn data_keys_unwrap_only_under_their_master_key() {
        let master = MasterKey::generate();
        let data_key = DataKey::generate();
        let wrapped = master.wrap(&data_key);
        let back = master.unwrap_data_key(&wrapped).unwrap();
        assert_eq!(back.0, data_key.0);
        assert!(MasterKey::generate().unwrap_data_key(&wrapped).is_err());
        assert_eq!(
            master.blind_index("phone", "+84912345678"),
            master.blind_index("phone", "+84912345678")
        );
        assert_ne!(
            master.blind_index("phone", "+84912345678"),
            master.blind_index("email", "+84912345678")
        );
    }

    #[test]
    fn exports_open_only_with_their_passphrase() {
        let key = MasterKey::generate();
        let text = key.export("một cụm mật khẩu dài").unwrap();
        assert!(!text.contains(&hex::encode(key.secret)));
        let back = MasterKey::import(&text, "một cụm mật khẩu dài").unwrap();
        assert_eq!(back.check_value(), key.check_value());
        assert!(matches!(
            MasterKey::import(&text, "một cụm mật khẩu sai"),
            Err(KeyError::Unreadable)
        ));
        assert!(matches!(
            MasterKey::import("garbage", "x"),
            Err(KeyError::Unreadable)
        ));
        assert!(matches!(key.export("short"), Err(KeyError::WeakPassphrase)));
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert!(MasterKey::from_hex("abc").is_err());
        assert!(MasterKey::from_hex(&"0".repeat(62)).is_err());
        assert!(MasterKey::from_hex(&"z".repeat(64)).is_err());
        assert!(MasterKey::from_hex(&format!(" {}\n", "0".repeat(64))).is_ok());
    }
}
