//! Public case numbers (`QN-2026-000123`) and the secret follow-up codes given to reporters.

use rand::{CryptoRng, Rng};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The public number of a report: the receiving unit's prefix, the year, and a sequence that the
/// store assigns without races or gaps.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseNumber(String);

impl CaseNumber {
    pub fn new(prefix: &str, year: i32, sequence: i64) -> Self {
        Self(format!("{prefix}-{year}-{sequence:06}"))
    }

    /// Accepts only the exact shape `AAA-YYYY-NNNNNN` (two to four capitals, six or more digits).
    pub fn parse(input: &str) -> Option<Self> {
        let mut parts = input.split('-');
        let (prefix, year, seq) = (parts.next()?, parts.next()?, parts.next()?);
        let ok = parts.next().is_none()
            && (2..=4).contains(&prefix.len())
            && prefix.chars().all(|c| c.is_ascii_uppercase())
            && year.len() == 4
            && year.chars().all(|c| c.is_ascii_digit())
            && seq.len() >= 6
            && seq.len() <= 12
            && seq.chars().all(|c| c.is_ascii_digit());
        ok.then(|| Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Crockford's base-32 alphabet: no I, L, O or U, so a code read over the phone is not misheard.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// 16 symbols × 5 bits = 80 bits of entropy.
const SYMBOLS: usize = 16;
const GROUP: usize = 4;

/// What staff call a reporter instead of their name: `NBT-K7F3QX`, six Crockford symbols
/// (30 bits) taken from a keyed hash, so the same reporter (the same phone number, on any
/// channel) has the same pseudonym on every report, and the pseudonym tells nothing of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pseudonym(String);

impl Pseudonym {
    /// From the first 30 bits of `digest` (a keyed hash; shorter digests give `None`).
    pub fn from_digest(digest: &[u8]) -> Option<Self> {
        let first: [u8; 4] = digest.get(..4)?.try_into().ok()?;
        let bits = u32::from_be_bytes(first) >> 2;
        let symbols: String = (0..6)
            .rev()
            .map(|i| {
                let index = usize::try_from((bits >> (5 * i)) & 31).unwrap_or_default();
                ALPHABET.get(index).map_or('0', |b| char::from(*b))
            })
            .collect();
        Some(Self(format!("NBT-{symbols}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The reporter's secret to follow their report up: 80 random bits, shown in groups of four
/// (`7KQ2-M9XD-3RTA-WP4H`). Only a hash of it is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct FollowUpCode(String);

impl FollowUpCode {
    pub fn generate<R: Rng + CryptoRng>(rng: &mut R) -> Self {
        let symbols: String = (0..SYMBOLS)
            .map(|_| {
                let i = rng.gen_range(0..ALPHABET.len());
                ALPHABET.get(i).map_or('0', |b| char::from(*b))
            })
            .collect();
        Self(symbols)
    }

    /// A code made from 80 bits of key material (the first ten bytes), for codes that must come
    /// out the same when a submission is repeated. `None` for fewer than ten bytes.
    pub fn from_key_material(bytes: &[u8]) -> Option<Self> {
        let bits = bytes.get(..10)?;
        let mut value: u128 = 0;
        for byte in bits {
            value = (value << 8) | u128::from(*byte);
        }
        let symbols: String = (0..SYMBOLS)
            .rev()
            .map(|i| {
                let index = usize::try_from((value >> (5 * i)) & 31).unwrap_or_default();
                ALPHABET.get(index).map_or('0', |b| char::from(*b))
            })
            .collect();
        Some(Self(symbols))
    }

    /// Reads a code as a person types it: any case, with or without dashes and spaces, with the
    /// letters that look like digits (`O`, `I`, `L`) taken as those digits.
    pub fn parse(input: &str) -> Option<Self> {
        let symbols: String = input
            .chars()
            .filter(|c| !matches!(c, '-' | ' ' | '\u{a0}'))
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            })
            .collect();
        (symbols.len() == SYMBOLS && symbols.bytes().all(|b| ALPHABET.contains(&b)))
            .then_some(Self(symbols))
    }

    /// The canonical form, without separators; what gets hashed.
    pub fn canonical(&self) -> &str {
        &self.0
    }

    /// Grouped for reading aloud.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(GROUP)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl fmt::Debug for FollowUpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FollowUpCode(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_numbers_have_the_published_shape() {
        let n = CaseNumber::new("QN", 2026, 123);
        assert_eq!(n.as_str(), "QN-2026-000123");
        assert_eq!(CaseNumber::parse("QN-2026-000123"), Some(n));
        assert_eq!(
            CaseNumber::new("HCM", 2026, 1_234_567).as_str(),
            "HCM-2026-1234567"
        );
        for bad in [
            "qn-2026-000123",
            "Q-2026-000123",
            "QN-26-000123",
            "QN-2026-12",
            "QN-2026-000123-1",
            "'; DROP",
        ] {
            assert!(CaseNumber::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn follow_up_codes_carry_80_bits_and_read_back() {
        let mut rng = rand::thread_rng();
        let code = FollowUpCode::generate(&mut rng);
        assert_eq!(code.canonical().len(), 16);
        let grouped = code.grouped();
        assert_eq!(grouped.len(), 19);
        assert_eq!(FollowUpCode::parse(&grouped), Some(code.clone()));
        assert_eq!(
            FollowUpCode::parse(&grouped.to_lowercase()),
            Some(code.clone())
        );
        assert_ne!(FollowUpCode::generate(&mut rng), code);
    }

    #[test]
    fn follow_up_parse_forgives_lookalikes_and_rejects_garbage() {
        assert_eq!(
            FollowUpCode::parse("oooo iiii llll 0000").map(|c| c.canonical().to_owned()),
            Some("0000111111110000".to_owned())
        );
        assert!(FollowUpCode::parse("ABCD").is_none());
        assert!(FollowUpCode::parse("UUUU-UUUU-UUUU-UUUU").is_none());
    }

    #[test]
    fn codes_from_key_material_are_whole_and_repeatable() {
        let a = FollowUpCode::from_key_material(&[7; 32]).unwrap();
        assert_eq!(a, FollowUpCode::from_key_material(&[7; 10]).unwrap());
        assert_eq!(FollowUpCode::parse(&a.grouped()), Some(a));
        assert_eq!(
            FollowUpCode::from_key_material(&[0xff; 10])
                .unwrap()
                .canonical(),
            "ZZZZZZZZZZZZZZZZ"
        );
        assert_eq!(FollowUpCode::from_key_material(&[1; 9]), None);
    }

    #[test]
    fn pseudonyms_are_short_stable_and_spread() {
        let a = Pseudonym::from_digest(&[0xff; 32]).unwrap();
        assert_eq!(a.as_str(), "NBT-ZZZZZZ");
        assert_eq!(
            Pseudonym::from_digest(&[0; 32]).unwrap().as_str(),
            "NBT-000000"
        );
        assert_eq!(Pseudonym::from_digest(&[0xff; 32]), Some(a));
        assert_ne!(
            Pseudonym::from_digest(&[1, 2, 3, 4]),
            Pseudonym::from_digest(&[1, 2, 3, 8])
        );
        assert_eq!(Pseudonym::from_digest(&[1, 2, 3]), None);
    }

    #[test]
    fn debug_does_not_print_the_secret() {
        let code = FollowUpCode::parse("7KQ2-M9XD-3RTA-WP4H").unwrap();
        assert!(!format!("{code:?}").contains("7KQ2"));
    }
}
