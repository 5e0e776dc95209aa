//! The tamper-evident audit chain: each entry's hash commits to its content and to the hash of
//! the entry before it, so editing, removing or reordering any entry breaks every hash after
//! it, and a truncated tail shows against an exported head. The hashes are keyed (HMAC-SHA-256
//! under a key of the store's index key): whoever can write the database but holds no key
//! cannot recompute them after an edit. Entries written before the chain was keyed (a store
//! older than migration 0042) keep their plain SHA-256 hashes; a chain's `keyed_from` says
//! where its keyed entries begin.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// What the hash of the first entry links to.
pub const GENESIS: [u8; 32] = [0; 32];

/// The action of the entry that begins the keyed part of a chain older than its key (its
/// detail `from=<seq>`): a claim that the chain was keyed later than it was must bring one,
/// keyed, which needs the key.
pub const KEYED_MARKER: &str = "audit.chain_keyed";

/// The hashed content of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContent<'a> {
    pub seq: i64,
    /// Microseconds since the Unix epoch, UTC.
    pub at_micros: i64,
    pub actor: Option<i64>,
    pub action: &'a str,
    pub subject: &'a str,
    pub detail: &'a str,
}

/// The key of a store's audit chain (see `IndexKey::audit_chain`).
#[derive(Clone, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct ChainKey(pub(crate) [u8; 32]);

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(…)")
    }
}

impl ChainKey {
    /// A key for tests and tools that hold no store.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The keyed hash of `content` linked to `previous`.
    pub fn hash(&self, previous: &[u8], content: &AuditContent<'_>) -> [u8; 32] {
        match <Hmac<Sha256> as Mac>::new_from_slice(&self.0) {
            Ok(mut mac) => {
                mac.update(b"hotline-audit-v2");
                mac.update(&encoded(previous, content));
                mac.finalize().into_bytes().into()
            }
            // HMAC takes keys of any length; this arm is never reached, and a hash of zeros
            // verifies nothing.
            Err(_) => [0; 32],
        }
    }
}

/// The entry's fields after its version tag, each length-prefixed where its length varies, so
/// that no two different entries encode alike.
fn encoded(previous: &[u8], content: &AuditContent<'_>) -> Vec<u8> {
    let field = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.extend((bytes.len() as u64).to_be_bytes());
        out.extend(bytes);
    };
    let mut out = Vec::with_capacity(96 + content.detail.len());
    field(&mut out, previous);
    out.extend(content.seq.to_be_bytes());
    out.extend(content.at_micros.to_be_bytes());
    match content.actor {
        Some(actor) => {
            out.push(1);
            out.extend(actor.to_be_bytes());
        }
        None => out.push(0),
    }
    field(&mut out, content.action.as_bytes());
    field(&mut out, content.subject.as_bytes());
    field(&mut out, content.detail.as_bytes());
    out
}

/// The plain hash of `content` linked to `previous`: entries written before the chain was
/// keyed.
pub fn chain_hash(previous: &[u8], content: &AuditContent<'_>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"hotline-audit-v1");
    hasher.update(encoded(previous, content));
    hasher.finalize().into()
}

/// Where and how a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {expected} is missing (found {found} in its place)")]
    Missing { expected: i64, found: i64 },
    #[error("entry {seq} was altered or moved: its hash does not match its content and place")]
    Altered { seq: i64 },
    #[error(
        "the log ends at entry {last} but the exported head is entry {head}: entries were removed from the end"
    )]
    Truncated { last: i64, head: i64 },
    #[error("entry {head} does not match the exported head")]
    HeadMismatch { head: i64 },
}

/// The last entry of a chain: its number and hash, printable as `seq:hex`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: Vec<u8>,
}

impl Head {
    pub fn parse(text: &str) -> Option<Self> {
        let (seq, hash) = text.trim().split_once(':')?;
        Some(Self {
            seq: seq.parse().ok()?,
            hash: hex::decode(hash).ok()?,
        })
    }
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, hex::encode(&self.hash))
    }
}

/// Checks a chain read in order, entry by entry. Feed it every entry, then call `finish`.
#[derive(Debug)]
pub struct Verifier {
    expected_seq: i64,
    previous: Vec<u8>,
    /// Hash of the exported head, once the walk has passed it.
    seen_head: Option<Vec<u8>>,
    head: Option<Head>,
    key: ChainKey,
    keyed_from: i64,
}

impl Verifier {
    /// `head`: an exported head to check the log against, if one was kept; entries from
    /// `keyed_from` on are checked under `key`, those before it (written before the chain was
    /// keyed) by their plain hash.
    pub fn new(head: Option<Head>, key: ChainKey, keyed_from: i64) -> Self {
        Self {
            expected_seq: 1,
            previous: GENESIS.to_vec(),
            seen_head: None,
            head,
            key,
            keyed_from,
        }
    }

    pub fn check(
        &mut self,
        content: &AuditContent<'_>,
        stored_hash: &[u8],
    ) -> Result<(), ChainBreak> {
        if content.seq != self.expected_seq {
            return Err(ChainBreak::Missing {
                expected: self.expected_seq,
                found: content.seq,
            });
        }
        // In a chain keyed after it began, the first keyed entry says so.
        if content.seq == self.keyed_from
            && self.keyed_from > 1
            && (content.action != KEYED_MARKER
                || content.detail != format!("from={}", self.keyed_from))
        {
            return Err(ChainBreak::Altered { seq: content.seq });
        }
        let computed = if content.seq >= self.keyed_from {
            self.key.hash(&self.previous, content)
        } else {
            chain_hash(&self.previous, content)
        };
        if computed.as_slice() != stored_hash {
            return Err(ChainBreak::Altered { seq: content.seq });
        }
        if self.head.as_ref().is_some_and(|h| h.seq == content.seq) {
            self.seen_head = Some(computed.to_vec());
        }
        self.previous = computed.to_vec();
        self.expected_seq += 1;
        Ok(())
    }

    /// The verified head (`None` for an empty log).
    pub fn finish(self) -> Result<Option<Head>, ChainBreak> {
        let last = self.expected_seq - 1;
        if let Some(head) = &self.head {
            match &self.seen_head {
                None => {
                    return Err(ChainBreak::Truncated {
                        last,
                        head: head.seq,
                    });
                }
                Some(hash) if *hash != head.hash => {
                    return Err(ChainBreak::HeadMismatch { head: head.seq });
                }
                Some(_) => {}
            }
        }
        Ok((last > 0).then_some(Head {
            seq: last,
            hash: self.previous,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row {
        seq: i64,
        action: String,
        hash: Vec<u8>,
    }

    fn content(row: &Row) -> AuditContent<'_> {
        AuditContent {
            seq: row.seq,
            at_micros: 1_000 * row.seq,
            actor: Some(7),
            action: &row.action,
            subject: "QN-2026-000001",
            detail: if row.action == KEYED_MARKER {
                MARKER_DETAIL
            } else {
                ""
            },
        }
    }

    /// The marker's detail in [`chain_keyed_from`]'s chains, keyed from entry 4.
    const MARKER_DETAIL: &str = "from=4";

    fn key() -> ChainKey {
        ChainKey::from_bytes([7; 32])
    }

    /// A chain of `n` entries, keyed from `keyed_from` on.
    fn chain_keyed_from(n: i64, keyed_from: i64) -> Vec<Row> {
        let mut previous = GENESIS.to_vec();
        (1..=n)
            .map(|seq| {
                let mut row = Row {
                    seq,
                    action: format!("report.opened.{seq}"),
                    hash: Vec::new(),
                };
                if seq == keyed_from && keyed_from > 1 {
                    row.action = KEYED_MARKER.into();
                }
                row.hash = if seq >= keyed_from {
                    key().hash(&previous, &content(&row)).to_vec()
                } else {
                    chain_hash(&previous, &content(&row)).to_vec()
                };
                previous = row.hash.clone();
                row
            })
            .collect()
    }

    fn chain(n: i64) -> Vec<Row> {
        chain_keyed_from(n, 1)
    }

    fn verify_keyed_from(
        rows: &[Row],
        head: Option<Head>,
        keyed_from: i64,
    ) -> Result<Option<Head>, ChainBreak> {
        let mut v = Verifier::new(head, key(), keyed_from);
        for row in rows {
            v.check(&content(row), &row.hash)?;
        }
        v.finish()
    }

    fn verify(rows: &[Row], head: Option<Head>) -> Result<Option<Head>, ChainBreak> {
        verify_keyed_from(rows, head, 1)
    }

    #[test]
    fn the_plain_hash_is_the_one_older_chains_were_written_with() {
        // The first entry of a chain as version 1 wrote it, hashed field by field.
        let row = Row {
            seq: 1,
            action: "staff.created".into(),
            hash: Vec::new(),
        };
        let mut hasher = Sha256::new();
        hasher.update(b"hotline-audit-v1");
        hasher.update(32u64.to_be_bytes());
        hasher.update(GENESIS);
        hasher.update(1i64.to_be_bytes());
        hasher.update(1000i64.to_be_bytes());
        hasher.update([1]);
        hasher.update(7i64.to_be_bytes());
        for field in ["staff.created", "QN-2026-000001", ""] {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
        let expected: [u8; 32] = hasher.finalize().into();
        assert_eq!(chain_hash(&GENESIS, &content(&row)), expected);
    }

    #[test]
    fn without_the_key_an_edit_cannot_be_hidden() {
        // Whoever writes the database edits entry 3 and recomputes every hash after it the
        // only way they can: plain, or under a key of their own.
        let mut forged = chain(5);
        forged[2].action = "nothing to see".into();
        for guess in [None, Some(ChainKey::from_bytes([8; 32]))] {
            let mut previous = forged[1].hash.clone();
            for row in forged.iter_mut().skip(2) {
                row.hash = match &guess {
                    None => chain_hash(&previous, &content(row)).to_vec(),
                    Some(key) => key.hash(&previous, &content(row)).to_vec(),
                };
                previous = row.hash.clone();
            }
            assert_eq!(verify(&forged, None), Err(ChainBreak::Altered { seq: 3 }));
        }
        assert!(!format!("{:?}", key()).contains('7'));
    }

    #[test]
    fn a_chain_older_than_its_key_verifies_plain_up_to_where_it_was_keyed() {
        let upgraded = chain_keyed_from(6, 4);
        assert_eq!(
            verify_keyed_from(&upgraded, None, 4).unwrap().unwrap().seq,
            6
        );
        // Read as keyed from an earlier entry, or as plain to its end: not this chain.
        assert_eq!(
            verify_keyed_from(&upgraded, None, 3),
            Err(ChainBreak::Altered { seq: 3 })
        );
        assert_eq!(
            verify_keyed_from(&upgraded, None, 7),
            Err(ChainBreak::Altered { seq: 4 })
        );
        // Rewritten plain by someone without the key and said keyed from later on: the entry
        // there must be a keyed marker, which they cannot make.
        let mut forged = chain_keyed_from(6, 7);
        forged[3].action = KEYED_MARKER.into();
        let mut previous = forged[2].hash.clone();
        for row in forged.iter_mut().skip(3) {
            row.hash = chain_hash(&previous, &content(row)).to_vec();
            previous = row.hash.clone();
        }
        assert_eq!(
            verify_keyed_from(&forged, None, 5),
            Err(ChainBreak::Altered { seq: 5 })
        );
    }

    #[test]
    fn an_intact_chain_verifies_and_names_its_head() {
        let rows = chain(5);
        let head = verify(&rows, None).unwrap().unwrap();
        assert_eq!(head.seq, 5);
        assert_eq!(Head::parse(&head.to_string()), Some(head.clone()));
        assert_eq!(verify(&rows, Some(head)).unwrap().unwrap().seq, 5);
        assert_eq!(verify(&[], None), Ok(None));
    }

    #[test]
    fn edits_removals_swaps_and_truncation_are_named() {
        let mut edited = chain(5);
        edited[2].action = "nothing to see".into();
        assert_eq!(verify(&edited, None), Err(ChainBreak::Altered { seq: 3 }));

        let mut removed = chain(5);
        removed.remove(1);
        assert_eq!(
            verify(&removed, None),
            Err(ChainBreak::Missing {
                expected: 2,
                found: 3
            })
        );

        let mut swapped = chain(5);
        let (a, b) = (swapped[1].action.clone(), swapped[1].hash.clone());
        swapped[1].action = swapped[3].action.clone();
        swapped[1].hash = swapped[3].hash.clone();
        swapped[3].action = a;
        swapped[3].hash = b;
        assert_eq!(verify(&swapped, None), Err(ChainBreak::Altered { seq: 2 }));

        let full = chain(5);
        let head = verify(&full, None).unwrap().unwrap();
        let truncated = chain(3);
        assert_eq!(verify(&truncated, None).unwrap().unwrap().seq, 3);
        assert_eq!(
            verify(&truncated, Some(head)),
            Err(ChainBreak::Truncated { last: 3, head: 5 })
        );
    }
}
