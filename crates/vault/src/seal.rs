//! Sealing: XChaCha20-Poly1305 under per-report data keys, each data key wrapped by a key
//! derived from the master key. A sealed value is a random 24-byte nonce followed by the
//! ciphertext and its tag; the associated data names what the value is, so a sealed name
//! cannot be passed off as something else.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use rand::rngs::OsRng;

const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("sealed data is damaged or was sealed under another key")]
    Unreadable,
}

/// The key that seals one report's sensitive data. Stored only wrapped by the master key;
/// destroying the wrapped copy destroys the data (crypto-shredding).
#[derive(zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct DataKey(pub(crate) [u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn seal(&self, plaintext: &[u8], what: &[u8]) -> Vec<u8> {
        seal(&self.0, plaintext, what)
    }

    pub fn open(&self, sealed: &[u8], what: &[u8]) -> Result<Vec<u8>, SealError> {
        open(&self.0, sealed, what)
    }
}

pub(crate) fn seal(key: &[u8; 32], plaintext: &[u8], what: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let cipher = XChaCha20Poly1305::new(key.into());
    // Encryption fails only for messages beyond 256 GiB; an empty result would never open.
    let body = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: what,
            },
        )
        .unwrap_or_default();
    let mut sealed = nonce.to_vec();
    sealed.extend(body);
    sealed
}

pub(crate) fn open(key: &[u8; 32], sealed: &[u8], what: &[u8]) -> Result<Vec<u8>, SealError> {
    if sealed.len() < NONCE_LEN {
        return Err(SealError::Unreadable);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    XChaCha20Poly1305::new(key.into())
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: what,
            },
        )
        .map_err(|_| SealError::Unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_purpose() {
        let key = DataKey::generate();
        let sealed = key.seal("Nguyễn Văn Thử".as_bytes(), b"contact");
        assert!(!sealed.windows(6).any(|w| w == "Nguyễn".as_bytes()));
        assert_eq!(
            key.open(&sealed, b"contact").unwrap(),
            "Nguyễn Văn Thử".as_bytes()
        );
        assert_eq!(key.open(&sealed, b"message"), Err(SealError::Unreadable));
        assert_eq!(
            DataKey::generate().open(&sealed, b"contact"),
            Err(SealError::Unreadable)
        );
        let mut damaged = sealed.clone();
        if let Some(last) = damaged.last_mut() {
            *last ^= 1;
        }
        assert_eq!(key.open(&damaged, b"contact"), Err(SealError::Unreadable));
        assert_eq!(key.open(b"short", b"contact"), Err(SealError::Unreadable));
        assert_ne!(
            key.seal(b"same", b"x"),
            key.seal(b"same", b"x"),
            "fresh nonce each time"
        );
    }
}
