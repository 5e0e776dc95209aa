//! Secrets: password hashing (argon2id), bearer and session tokens (random, stored only as a
//! SHA-256 digest), digests of reporters' follow-up codes, and the audit hash chain.
//!
//! Hashing a password costs tens of milliseconds of CPU on purpose: callers on an async
//! executor run these functions under `spawn_blocking`.

pub mod audit;
pub mod keys;
pub mod seal;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// OWASP's argon2id recommendation (19 MiB, 2 passes, 1 lane).
fn argon2() -> Result<Argon2<'static>, VaultError> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| VaultError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password into a PHC string (`$argon2id$v=19$...`).
pub fn hash_password(password: &str) -> Result<String, VaultError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| VaultError::Hash(e.to_string()))
}

/// Checks a password against a stored PHC string. A malformed hash is a mismatch.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    argon2().is_ok_and(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash to verify against when the account does not exist, so that a login for an unknown
/// user costs the same time as one for a known user with a wrong password.
pub fn decoy_hash() -> Result<String, VaultError> {
    hash_password("decoy password that matches nothing")
}

/// A fresh random token (256 bits, hex) and the digest under which it is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let digest = token_digest(&token);
    (token, digest)
}

/// The stored form of a token or code: lowercase hex SHA-256.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two digests without leaking where they differ.
pub fn digests_match(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_hashes_are_salted() {
        let h1 = hash_password("mật khẩu đúng").unwrap();
        let h2 = hash_password("mật khẩu đúng").unwrap();
        assert!(h1.starts_with("$argon2id$"));
        assert_ne!(h1, h2);
        assert!(verify_password("mật khẩu đúng", &h1));
        assert!(!verify_password("mat khau dung", &h1));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_stored_as_digests() {
        let (t1, d1) = new_token();
        let (t2, _) = new_token();
        assert_eq!(t1.len(), 64);
        assert_ne!(t1, t2);
        assert_eq!(token_digest(&t1), d1);
        assert!(digests_match(&d1, &token_digest(&t1)));
        assert!(!digests_match(&d1, &token_digest(&t2)));
    }
}
