//! The tamper-evident audit chain: each entry's hash commits to its content and to the hash of
//! the entry before it, so editing, removing or reordering any entry breaks every hash after
//! it, and a truncated tail shows against an exported head.

use sha2::{Digest, Sha256};

/// What the hash of the first entry links to.
pub const GENESIS: [u8; 32] = [0; 32];

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

fn field(hasher: &mut Sha256, bytes: &[u8]) {
    // Length-prefixed, so that no two different entries encode alike.
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

/// The hash of `content` linked to `previous`.
pub fn chain_hash(previous: &[u8], content: &AuditContent<'_>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"hotline-audit-v1");
    field(&mut hasher, previous);
    hasher.update(content.seq.to_be_bytes());
    hasher.update(content.at_micros.to_be_bytes());
    match content.actor {
        Some(actor) => {
            hasher.update([1]);
            hasher.update(actor.to_be_bytes());
        }
        None => hasher.update([0]),
    }
    field(&mut hasher, content.action.as_bytes());
    field(&mut hasher, content.subject.as_bytes());
    field(&mut hasher, content.detail.as_bytes());
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
}

impl Verifier {
    /// `head`: an exported head to check the log against, if one was kept.
    pub fn new(head: Option<Head>) -> Self {
        Self {
            expected_seq: 1,
            previous: GENESIS.to_vec(),
            seen_head: None,
            head,
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
        let computed = chain_hash(&self.previous, content);
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
            detail: "",
        }
    }

    fn chain(n: i64) -> Vec<Row> {
        let mut previous = GENESIS.to_vec();
        (1..=n)
            .map(|seq| {
                let mut row = Row {
                    seq,
                    action: format!("report.opened.{seq}"),
                    hash: Vec::new(),
                };
                row.hash = chain_hash(&previous, &content(&row)).to_vec();
                previous = row.hash.clone();
                row
            })
            .collect()
    }

    fn verify(rows: &[Row], head: Option<Head>) -> Result<Option<Head>, ChainBreak> {
        let mut v = Verifier::new(head);
        for row in rows {
            v.check(&content(row), &row.hash)?;
        }
        v.finish()
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
