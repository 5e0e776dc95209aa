//! The master key, the key ring that holds it during a rotation, and the index key.
//!
//! The master key is 256 random bits kept outside the database: in a key file (hex, mode
//! 0600) or the environment. Purpose keys are derived from it with HKDF-SHA-256: one wraps the
//! reports' data keys, one yields the check value a store remembers, so a server started with
//! another key refuses to run instead of writing data no one can read.
//!
//! The index key makes follow-up digests and blind indexes. Those cannot be recomputed when
//! the master key changes (a follow-up code is never stored), so the index key is random,
//! made once per store and kept in the store wrapped by the master key: a rotation re-wraps it
//! like every data key.

use crate::seal::{self, DataKey, SealError};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::Sha256;
use std::fs;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

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
#[derive(Clone, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct MasterKey {
    secret: [u8; 32],
    key_check: [u8; 32],
    wrap: [u8; 32],
    id: String,
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
    WrapDataKey,
    FollowUp,
    BlindIndex,
    FormStamp,
    StaffSecrets,
    ChannelSecrets,
    AuditChain,
    RevealReasons,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::KeyCheck => b"hotline/v1/key-check",
            Purpose::FollowUp => b"hotline/v1/follow-up-code",
            Purpose::WrapDataKey => b"hotline/v1/wrap-data-key",
            Purpose::BlindIndex => b"hotline/v1/blind-index",
            Purpose::FormStamp => b"hotline/v1/form-stamp",
            Purpose::StaffSecrets => b"hotline/v1/staff-secrets",
            Purpose::ChannelSecrets => b"hotline/v1/channel-secrets",
            Purpose::AuditChain => b"hotline/v1/audit-chain",
            Purpose::RevealReasons => b"hotline/v1/reveal-reasons",
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
        let key_check = derive(&secret, Purpose::KeyCheck);
        let id = hex::encode(
            mac(&key_check, b"hotline master key id")
                .get(..8)
                .unwrap_or_default(),
        );
        Self {
            key_check,
            wrap: derive(&secret, Purpose::WrapDataKey),
            id,
            secret,
        }
    }

    /// A short name for this key (16 hex digits), stored beside what it wraps; it reveals
    /// nothing of the key.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self::from_secret(bytes)
    }

    /// Reads the hex form (white space around it is ignored).
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(hex::decode(text.trim()).map_err(|_| KeyError::Malformed)?);
        let bytes: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::Malformed)?;
        Ok(Self::from_secret(bytes))
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
        write_private(path, &format!("{}\n", hex::encode(self.secret))).map_err(write_err)
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
        let bytes = Zeroizing::new(
            seal::open(&export_key(passphrase, &salt)?, &sealed, EXPORTED_KEY)
                .map_err(|_| KeyError::Unreadable)?,
        );
        let bytes: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::Unreadable)?;
        Ok(Self::from_secret(bytes))
    }

    /// Seals a report's data key for storage.
    pub fn wrap(&self, data_key: &DataKey) -> Vec<u8> {
        seal::seal(&self.wrap, &data_key.0, WRAPPED_KEY)
    }

    /// Recovers a data key sealed by [`MasterKey::wrap`] under this master key.
    pub fn unwrap_data_key(&self, wrapped: &[u8]) -> Result<DataKey, SealError> {
        let bytes = Zeroizing::new(seal::open(&self.wrap, wrapped, WRAPPED_KEY)?);
        let bytes: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| SealError::Unreadable)?;
        Ok(DataKey(bytes))
    }

    /// A value that identifies this key without revealing it; stores keep it to recognise the
    /// key they were bound to.
    pub fn check_value(&self) -> Vec<u8> {
        mac(&self.key_check, b"hotline master key check")
    }

    /// Seals the store's index key for keeping in the store.
    pub fn wrap_index_key(&self, index: &IndexKey) -> Vec<u8> {
        seal::seal(&self.wrap, &index.secret, WRAPPED_INDEX_KEY)
    }

    /// Recovers an index key sealed by [`MasterKey::wrap_index_key`] under this master key.
    pub fn unwrap_index_key(&self, wrapped: &[u8]) -> Result<IndexKey, SealError> {
        let bytes = Zeroizing::new(seal::open(&self.wrap, wrapped, WRAPPED_INDEX_KEY)?);
        let bytes: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| SealError::Unreadable)?;
        Ok(IndexKey::from_secret(bytes))
    }
}

/// The key of a store's keyed hashes: follow-up digests and blind indexes. Random, made once
/// per store, kept there wrapped by the master key.
#[derive(Clone, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct IndexKey {
    secret: [u8; 32],
    follow_up: [u8; 32],
    blind_index: [u8; 32],
    form_stamp: [u8; 32],
    staff_secrets: [u8; 32],
    channel_secrets: [u8; 32],
    audit_chain: [u8; 32],
    reveal_reasons: [u8; 32],
}

impl std::fmt::Debug for IndexKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexKey(…)")
    }
}

impl IndexKey {
    fn from_secret(secret: [u8; 32]) -> Self {
        Self {
            follow_up: derive(&secret, Purpose::FollowUp),
            blind_index: derive(&secret, Purpose::BlindIndex),
            form_stamp: derive(&secret, Purpose::FormStamp),
            staff_secrets: derive(&secret, Purpose::StaffSecrets),
            channel_secrets: derive(&secret, Purpose::ChannelSecrets),
            audit_chain: derive(&secret, Purpose::AuditChain),
            reveal_reasons: derive(&secret, Purpose::RevealReasons),
            secret,
        }
    }

    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self::from_secret(bytes)
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

    /// The stored form of a follow-up code: a keyed hash, so a copy of the database alone
    /// neither reveals codes nor lets anyone test guesses offline.
    pub fn follow_up_digest(&self, canonical_code: &str) -> String {
        hex::encode(mac(&self.follow_up, canonical_code.as_bytes()))
    }

    /// The key that seals staff members' own secrets (their second factor) in the store.
    pub fn staff_secrets(&self) -> DataKey {
        DataKey(self.staff_secrets)
    }

    /// The key that seals channel accounts' credentials and the raw deliveries platforms send
    /// before they are taken apart.
    pub fn channel_secrets(&self) -> DataKey {
        DataKey(self.channel_secrets)
    }

    /// The key that seals the reasons members give for a reveal, in its requests and in the
    /// audit chain: a reason may say what a report is about. Of the index key, so that the
    /// chain's reasons outlive a rotation of the master key.
    pub fn reveal_reasons(&self) -> DataKey {
        DataKey(self.reveal_reasons)
    }

    /// The seal of a form handed to a citizen: every server of one store can check the stamps
    /// of the others.
    pub fn form_stamp(&self, message: &[u8]) -> Vec<u8> {
        mac(&self.form_stamp, message)
    }

    /// The key of the audit chain's hashes (see [`crate::audit`]). Of the index key, not of a
    /// master key, so that a rotation of the master key leaves the chain verifiable.
    pub fn audit_chain(&self) -> crate::audit::ChainKey {
        crate::audit::ChainKey(self.audit_chain)
    }
}

/// The master keys a server knows, newest first. It holds one key, except during a rotation,
/// when the key file lists the new key and the one being replaced.
#[derive(Debug, Clone)]
pub struct KeyRing {
    newest: MasterKey,
    older: Vec<MasterKey>,
}

impl KeyRing {
    pub fn single(key: MasterKey) -> Self {
        Self {
            newest: key,
            older: Vec::new(),
        }
    }

    /// Reads keys in hex, one per line (commas or spaces also separate them), newest first.
    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        let mut keys = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(MasterKey::from_hex);
        let mut ring = Self::single(keys.next().ok_or(KeyError::Malformed)??);
        for key in keys {
            ring.add(key?);
        }
        Ok(ring)
    }

    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let text = Zeroizing::new(fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.display().to_string(),
            source,
        })?);
        Self::from_text(&text)
    }

    /// The key new data is wrapped under, unless the store names another one it knows.
    pub fn newest(&self) -> &MasterKey {
        &self.newest
    }

    /// Every key, newest first.
    pub fn keys(&self) -> impl Iterator<Item = &MasterKey> {
        std::iter::once(&self.newest).chain(&self.older)
    }

    pub fn get(&self, id: &str) -> Option<&MasterKey> {
        self.keys().find(|k| k.id == id)
    }

    /// Adds a key unless the ring has it already; it goes last (oldest).
    pub fn add(&mut self, key: MasterKey) {
        if self.get(key.id()).is_none() {
            self.older.push(key);
        }
    }

    /// A ring of `newest` followed by this ring's keys.
    pub fn with_newest(&self, newest: MasterKey) -> Self {
        let mut ring = Self::single(newest);
        for key in self.keys() {
            ring.add(key.clone());
        }
        ring
    }

    /// Replaces the key file in one step (a new file renamed over the old one), so a crash
    /// leaves either the old ring or the new one, never half of one.
    pub fn replace_file(&self, path: &Path) -> Result<(), KeyError> {
        let write_err = |source| KeyError::Write {
            path: path.display().to_string(),
            source,
        };
        let staged = path.with_extension("key.new");
        match fs::remove_file(&staged) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(write_err(e)),
            _ => {}
        }
        write_private(&staged, &self.to_text()).map_err(write_err)?;
        fs::rename(&staged, path).map_err(write_err)?;
        if let Some(dir) = path.parent() {
            fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(write_err)?;
        }
        Ok(())
    }

    fn to_text(&self) -> String {
        self.keys()
            .map(|k| format!("{}\n", hex::encode(k.secret)))
            .collect()
    }
}

/// The associated data of a wrapped data key.
const WRAPPED_KEY: &[u8] = b"hotline/v1/data-key";
/// The associated data of a wrapped index key.
const WRAPPED_INDEX_KEY: &[u8] = b"hotline/v1/index-key";

/// Creates `path` readable by its owner only (it must not exist) and writes `text` durably.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

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
        let again = KeyRing::load(&path).unwrap();
        assert_eq!(again.newest().check_value(), key.check_value());
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
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id().len(), 16);
        let i = IndexKey::generate();
        let j = IndexKey::generate();
        assert_ne!(i.follow_up_digest("0000"), j.follow_up_digest("0000"));
        assert_ne!(i.follow_up_digest("0000"), i.follow_up_digest("0001"));
        assert_eq!(i.follow_up_digest("0000"), i.follow_up_digest("0000"));
        assert_ne!(
            hex::encode(i.blind_index("phone", "0000")),
            i.follow_up_digest("phone\u{0}0000"),
            "the two purposes use different keys"
        );
    }

    #[test]
    fn index_keys_survive_a_change_of_master_key() {
        let (old, new) = (MasterKey::generate(), MasterKey::generate());
        let index = IndexKey::generate();
        let wrapped = old.wrap_index_key(&index);
        assert!(new.unwrap_index_key(&wrapped).is_err());
        let rewrapped = new.wrap_index_key(&old.unwrap_index_key(&wrapped).unwrap());
        assert_eq!(
            new.unwrap_index_key(&rewrapped)
                .unwrap()
                .follow_up_digest("A"),
            index.follow_up_digest("A")
        );
    }

    #[test]
    fn rings_keep_their_order_and_replace_their_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let old = MasterKey::create_file(&path).unwrap();
        let new = MasterKey::generate();
        let ring = KeyRing::load(&path).unwrap().with_newest(new.clone());
        ring.replace_file(&path).unwrap();
        let read = KeyRing::load(&path).unwrap();
        assert_eq!(read.newest().id(), new.id());
        assert_eq!(
            read.keys().map(MasterKey::id).collect::<Vec<_>>(),
            [new.id(), old.id()]
        );
        assert!(read.get(old.id()).is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        KeyRing::single(new.clone()).replace_file(&path).unwrap();
        assert_eq!(KeyRing::load(&path).unwrap().keys().count(), 1);
        let both = format!("{}, {}", hex::encode(new.secret), hex::encode(old.secret));
        assert_eq!(KeyRing::from_text(&both).unwrap().keys().count(), 2);
        assert!(KeyRing::from_text(" \n").is_err());
    }

    #[test]
    fn data_keys_unwrap_only_under_their_master_key() {
        let master = MasterKey::generate();
        let data_key = DataKey::generate();
        let wrapped = master.wrap(&data_key);
        let back = master.unwrap_data_key(&wrapped).unwrap();
        assert_eq!(back.0, data_key.0);
        assert!(MasterKey::generate().unwrap_data_key(&wrapped).is_err());
        let index = IndexKey::generate();
        assert_eq!(
            index.blind_index("phone", "+84912345678"),
            index.blind_index("phone", "+84912345678")
        );
        assert_ne!(
            index.blind_index("phone", "+84912345678"),
            index.blind_index("email", "+84912345678")
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
