//! Keeping robots off the citizens' form without a third-party captcha. Each form handed out
//! carries a stamp: when it was made, sealed with a key of the store and bound to the form's
//! token. A form sent back sooner than a person can fill it is turned back, and the form's own
//! script can show a little work done over the stamp (a proof of work) to earn the ordinary
//! limits; a form sent without it (JavaScript off) gets the stricter ones. Staff forms carry a
//! token bound to the session instead (against cross-site request forgery).

use crate::Hotline;
use sha2::{Digest, Sha256};

/// How the form is guarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormGuard {
    /// Fewer seconds than this between handing the form out and getting it back is a robot.
    pub min_fill_secs: u32,
    /// Leading zero bits of the proof of work; 0 asks for none.
    pub work_bits: u8,
}

impl Default for FormGuard {
    /// Nobody reads the promise, types what happened and sends it in three seconds. Sixteen
    /// bits are some 65,000 hashes: under a second on a cheap phone, done while the citizen
    /// types, and a real cost to whoever sends thousands.
    fn default() -> Self {
        Self {
            min_fill_secs: 3,
            work_bits: 16,
        }
    }
}

/// What a form sent back shows of where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormCheck {
    /// No stamp, or not one this store sealed for this form's token: a page from before the
    /// store's keys, a forged stamp, or a robot that never fetched the form.
    Unstamped,
    /// Sent back sooner than a person fills the form in.
    TooFast,
    /// A form handed out here. `work_done`: its proof of work is right, or none is asked.
    Stamped { work_done: bool },
}

/// Seconds a stamp may seem to come from the future: servers of one store disagree a little.
const CLOCK_SKEW_SECS: i64 = 60;
/// How long a form handed out may be sent back: a citizen may write in the evening and send
/// in the morning; a stamp harvested once does not serve a robot for ever.
pub const STAMP_VALID_SECS: i64 = 24 * 3600;
/// Longest proof-of-work answer taken: a `u64` in decimal.
const MAX_NONCE_DIGITS: usize = 20;

impl Hotline {
    /// A stamp for a form with `token`, made now.
    pub fn form_stamp(&self, token: &str) -> String {
        let issued = self.clock.now().timestamp();
        format!("{issued}.{}", self.stamp_seal(token, issued))
    }

    /// The proof of work the form asks for, in leading zero bits (0: none).
    pub fn form_work_bits(&self) -> u8 {
        self.policy.form.work_bits
    }

    /// Checks a form's stamp against its token, and its proof of work (`work`, the answer the
    /// form's script found) against the stamp.
    pub fn check_form(&self, token: &str, stamp: &str, work: &str) -> FormCheck {
        let Some(age) = self.stamp_age(token, stamp) else {
            return FormCheck::Unstamped;
        };
        if age < i64::from(self.policy.form.min_fill_secs) {
            return FormCheck::TooFast;
        }
        let bits = self.policy.form.work_bits;
        FormCheck::Stamped {
            work_done: bits == 0 || work_solves(stamp, work, bits),
        }
    }

    /// Whether `token` was handed out here with `stamp`, not too long ago. Only such a token
    /// comes back on a form returned for correction: stamping whatever token a client sends
    /// would let it choose the tokens its reports are kept under.
    pub fn form_token_issued(&self, token: &str, stamp: &str) -> bool {
        self.stamp_age(token, stamp).is_some()
    }

    /// Seconds since `stamp` was made for `token`; `None` when this store did not seal it for
    /// that token, or it is from the future or too old.
    fn stamp_age(&self, token: &str, stamp: &str) -> Option<i64> {
        let (issued, seal) = stamp.split_once('.')?;
        let issued = issued.parse::<i64>().ok()?;
        let expected = self.stamp_seal(token, issued);
        if !hotline_vault::digests_match(&expected, seal) {
            return None;
        }
        let age = self.clock.now().timestamp() - issued;
        (-CLOCK_SKEW_SECS..=STAMP_VALID_SECS)
            .contains(&age)
            .then_some(age)
    }

    /// The token that staff forms carry for a session: a keyed hash of the session's secret, so
    /// another site, which can make a browser post but not read its pages, cannot forge it.
    pub fn csrf_token(&self, session_token: &str) -> String {
        let mut seal = self
            .keys
            .form_stamp(format!("csrf\0{session_token}").as_bytes());
        seal.truncate(16);
        hex::encode(seal)
    }

    /// Whether `presented` is the session's form token.
    pub fn csrf_matches(&self, session_token: &str, presented: &str) -> bool {
        hotline_vault::digests_match(&self.csrf_token(session_token), presented)
    }

    fn stamp_seal(&self, token: &str, issued: i64) -> String {
        let mut seal = self
            .keys
            .form_stamp(format!("{token}\0{issued}").as_bytes());
        // 128 bits: a forger gets one guess per request.
        seal.truncate(16);
        hex::encode(seal)
    }
}

/// Whether `nonce` answers the proof of work over `challenge`: SHA-256 of `challenge:nonce`
/// starts with `bits` zero bits. The form's script (`static/form.js`) searches the same way.
pub fn work_solves(challenge: &str, nonce: &str, bits: u8) -> bool {
    if nonce.is_empty()
        || nonce.len() > MAX_NONCE_DIGITS
        || !nonce.bytes().all(|b| b.is_ascii_digit())
    {
        return false;
    }
    let digest = Sha256::digest(format!("{challenge}:{nonce}").as_bytes());
    leading_zero_bits(&digest) >= u32::from(bits)
}

/// Searches the answer to a proof of work, as a citizen's browser does; for tools and tests.
pub fn solve_work(challenge: &str, bits: u8) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|nonce| work_solves(challenge, nonce, bits))
        .unwrap_or_default()
}

fn leading_zero_bits(digest: &[u8]) -> u32 {
    let mut bits = 0;
    for byte in digest {
        bits += byte.leading_zeros();
        if *byte != 0 {
            break;
        }
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_bits_are_counted_across_bytes() {
        assert_eq!(leading_zero_bits(&[0, 0, 0x10, 0xff]), 19);
        assert_eq!(leading_zero_bits(&[0x80]), 0);
        assert_eq!(leading_zero_bits(&[0, 0]), 16);
    }

    #[test]
    fn an_answer_is_checked_not_trusted() {
        let challenge = "1700000000.abcd";
        let nonce = solve_work(challenge, 12);
        let digest = Sha256::digest(format!("{challenge}:{nonce}").as_bytes());
        assert_eq!(digest[0], 0);
        assert!(digest[1] < 0x10);
        assert!(work_solves(challenge, &nonce, 12));
        let first: u64 = nonce.parse().unwrap();
        assert!(
            (0..first).all(|n| !work_solves(challenge, &n.to_string(), 12)),
            "the search finds the first answer, as the script does"
        );
        for odd in ["", "-1", "1e5", " 7", "123456789012345678901"] {
            assert!(!work_solves("c", odd, 0), "{odd:?}");
        }
    }
}
