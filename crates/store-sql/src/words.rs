//! The word index: digests of the words of reports, queued with the write that adds them and moved
//! into the index after it, and the rarest of a search's words.

use crate::rows::Columns;
use hotline_store::{StoreError, StoreResult};
use hotline_store_sql_bounds::any_sql_database;
use sqlx::Transaction;

use crate::rows::{map_commit_err, map_err};
use crate::{SqlStore, values_rows};

/// Word digests inserted per statement (SQLite allows 32,766 parameters).
pub(crate) const WORDS_PER_STATEMENT: usize = 500;

/// Reports' queued words inserted per statement.
pub(crate) const PENDING_WORDS_PER_STATEMENT: usize = 512;

/// Queued rows deleted per statement.
pub(crate) const PENDING_IDS_PER_STATEMENT: usize = 1000;

/// Queued rows a search's own indexing pass takes at once.
pub(crate) const INDEX_PASS: u32 = 1000;

/// A word digest as queued: its length byte and its 16 bytes.
pub(crate) const PACKED_DIGEST_SIZE: usize = 17;

/// Which queued word entries a move takes (see `move_pending_words`).
#[derive(Clone, Copy)]
pub(crate) enum Taken {
    Skip,
    WaitUpTo(i64),
}

/// One queued entry per run of the same report in `rows`: its digests sorted and each kept
/// once, so that an entry does not tell which word followed which in the text.
pub(crate) fn pack_runs(rows: &[(i64, &Vec<u8>)]) -> StoreResult<Vec<(i64, Vec<u8>)>> {
    let mut runs: Vec<(i64, Vec<&[u8]>)> = Vec::new();
    for (report_id, word) in rows {
        match runs.last_mut() {
            Some((last, digests)) if last == report_id => digests.push(word.as_slice()),
            _ => runs.push((*report_id, vec![word.as_slice()])),
        }
    }
    let mut pending = Vec::with_capacity(runs.len());
    for (report_id, mut digests) in runs {
        digests.sort_unstable();
        digests.dedup();
        let mut packed = Vec::with_capacity(digests.len() * PACKED_DIGEST_SIZE);
        for digest in digests {
            pack_digest(&mut packed, digest)?;
        }
        pending.push((report_id, packed));
    }
    Ok(pending)
}

/// Appends one word digest to a report's packed queue entry: its length in a byte, then it.
pub(crate) fn pack_digest(packed: &mut Vec<u8>, digest: &[u8]) -> StoreResult<()> {
    let length = u8::try_from(digest.len())
        .map_err(|_| StoreError::Other("a word digest longer than 255 bytes".into()))?;
    packed.push(length);
    packed.extend_from_slice(digest);
    Ok(())
}

/// The word digests of a packed queue entry, as [`pack_digest`] wrote them.
pub(crate) fn unpack_digests(packed: &[u8]) -> StoreResult<Vec<&[u8]>> {
    let mut digests = Vec::with_capacity(packed.len() / PACKED_DIGEST_SIZE);
    let mut rest = packed;
    while let Some((&length, tail)) = rest.split_first() {
        let (digest, after) = tail
            .split_at_checked(usize::from(length))
            .ok_or_else(|| StoreError::Other("a queued word entry is cut short".into()))?;
        digests.push(digest);
        rest = after;
    }
    Ok(digests)
}

#[any_sql_database]
impl<DB> SqlStore<DB> {
    /// Which of `words` the fewest reports hold, counting each up to a bound: enough to
    /// tell a rare word from a common one without reading a common one's postings.
    pub(crate) async fn rarest(&self, words: &[Vec<u8>]) -> StoreResult<usize> {
        const ENOUGH: i64 = 10_000;
        let mut rarest = (0, i64::MAX);
        for (i, word) in words.iter().enumerate() {
            let n = sqlx::query(
                "SELECT COUNT(*) AS n FROM \
                     (SELECT 1 FROM report_words WHERE digest = $1 LIMIT $2) postings",
            )
            .bind(word.clone())
            .bind(ENOUGH)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .int("n")?;
            if n < rarest.1 {
                rarest = (i, n);
            }
        }
        Ok(rarest.0)
    }

    /// Queues words for a report's search index (see [`Reports::index_pending_words`]).
    pub(crate) async fn insert_words(
        tx: &mut Transaction<'_, DB>,
        report_id: i64,
        words: &[Vec<u8>],
    ) -> StoreResult<()> {
        let rows: Vec<(i64, &Vec<u8>)> = words.iter().map(|w| (report_id, w)).collect();
        Self::insert_word_rows(tx, &rows).await
    }

    /// Queues words, each for its report's search index: one `pending_words` row per run
    /// of the same report, its digests packed, many rows per statement. The words reach
    /// `report_words` in the indexer's large sorted batches, not one B-tree insert each
    /// inside the write that brought them.
    pub(crate) async fn insert_word_rows(
        tx: &mut Transaction<'_, DB>,
        rows: &[(i64, &Vec<u8>)],
    ) -> StoreResult<()> {
        let pending = pack_runs(rows)?;
        for chunk in pending.chunks(PENDING_WORDS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO pending_words (report_id, digests) VALUES {}",
                values_rows::<DB>(chunk.len(), &[None; 2])
            );
            let mut insert = sqlx::query(&sql).persistent(false);
            for (id, packed) in chunk {
                insert = insert.bind(*id).bind(packed);
            }
            insert.execute(&mut **tx).await.map_err(map_err)?;
        }
        Ok(())
    }

    /// Moves up to `entries` queued word entries, oldest first, into the search index
    /// (see [`Reports::index_pending_words`]); returns how many it moved (an entry that
    /// cannot be read stays, logged). `Taken::Skip` passes over entries another
    /// transaction is moving (the indexers); `Taken::WaitUpTo(id)` waits for them and takes
    /// only entries up to `id` (a search, which must see every word written before it).
    pub(crate) async fn move_pending_words(
        tx: &mut Transaction<'_, DB>,
        entries: u32,
        taken: Taken,
    ) -> StoreResult<u32> {
        let postgres = DB::NAME == "PostgreSQL";
        let (horizon, lock) = match taken {
            Taken::Skip => (
                i64::MAX,
                if postgres {
                    " FOR UPDATE SKIP LOCKED"
                } else {
                    ""
                },
            ),
            Taken::WaitUpTo(id) => (id, if postgres { " FOR UPDATE" } else { "" }),
        };
        let rows = sqlx::query(&format!(
            "SELECT id, report_id, digests FROM pending_words WHERE id <= $1 \
                 ORDER BY id LIMIT $2{lock}"
        ))
        .bind(horizon)
        .bind(i64::from(entries))
        .fetch_all(&mut **tx)
        .await
        .map_err(map_err)?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut ids = Vec::with_capacity(rows.len());
        let mut packed = Vec::with_capacity(rows.len());
        for row in &rows {
            packed.push((row.int("id")?, row.int("report_id")?, row.bytes("digests")?));
        }
        let mut words: Vec<(&[u8], i64)> = Vec::new();
        for (id, report_id, digests) in &packed {
            match unpack_digests(digests) {
                Ok(digests) => {
                    ids.push(*id);
                    words.extend(digests.into_iter().map(|d| (d, *report_id)));
                }
                // Left queued, for someone to look at, rather than hold up the rest.
                Err(e) => {
                    tracing::error!(entry = id, error = %e, "a queued word entry cannot be read");
                }
            }
        }
        // In the index's own order, each of its pages is written once per pass.
        words.sort_unstable();
        words.dedup();
        for chunk in words.chunks(WORDS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO report_words (digest, report_id) VALUES {} \
                     ON CONFLICT (digest, report_id) DO NOTHING",
                values_rows::<DB>(chunk.len(), &[None; 2])
            );
            let mut insert = sqlx::query(&sql).persistent(false);
            for (digest, id) in chunk {
                insert = insert.bind(digest.to_vec()).bind(*id);
            }
            insert.execute(&mut **tx).await.map_err(map_err)?;
        }
        // Exactly the rows taken: one written meanwhile, even under a lower id, waits its turn.
        for chunk in ids.chunks(PENDING_IDS_PER_STATEMENT) {
            let sql = format!(
                "DELETE FROM pending_words WHERE id IN ({})",
                values_rows::<DB>(chunk.len(), &[None])
            );
            let mut delete = sqlx::query(&sql).persistent(false);
            for id in chunk {
                delete = delete.bind(*id);
            }
            delete.execute(&mut **tx).await.map_err(map_err)?;
        }
        u32::try_from(ids.len()).map_err(|_| StoreError::Other("too many queued words".into()))
    }

    /// Moves every word entry queued before now into the search index, waiting for any
    /// another transaction is moving, so that a search sees every word written before it.
    /// Reads first, on the read pool: with nothing queued, a search writes nothing.
    pub(crate) async fn move_words_written_before_now(&self) -> StoreResult<()> {
        let Some(horizon) = sqlx::query("SELECT MAX(id) AS id FROM pending_words")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?
            .int_opt("id")?
        else {
            return Ok(());
        };
        // Until a pass finds nothing to move: entries another transaction moved meanwhile
        // drop out of a pass, so a short pass does not mean none are left.
        loop {
            let mut tx = self.begin_write().await?;
            let moved =
                Self::move_pending_words(&mut tx, INDEX_PASS, Taken::WaitUpTo(horizon)).await?;
            tx.commit().await.map_err(map_commit_err)?;
            if moved == 0 {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{pack_digest, pack_runs, unpack_digests};

    #[test]
    fn queued_digests_come_back_as_they_were_packed() {
        let digests: [&[u8]; 3] = [&[7; 16], b"", b"digest-of-xe"];
        let mut packed = Vec::new();
        for digest in digests {
            pack_digest(&mut packed, digest).unwrap();
        }
        assert_eq!(unpack_digests(&packed).unwrap(), digests);
        assert!(unpack_digests(&[]).unwrap().is_empty());
    }

    #[test]
    fn an_entry_holds_its_reports_digests_sorted_and_once() {
        let (xe, dem, trom) = (b"xe".to_vec(), b"dem".to_vec(), b"trom".to_vec());
        let rows = [
            (1, &trom),
            (1, &xe),
            (1, &dem),
            (1, &xe),
            (2, &xe),
            (1, &trom),
        ];
        let entries = pack_runs(&rows).unwrap();
        let read: Vec<(i64, Vec<&[u8]>)> = entries
            .iter()
            .map(|(id, packed)| (*id, unpack_digests(packed).unwrap()))
            .collect();
        assert_eq!(
            read,
            [
                (1, vec![&b"dem"[..], b"trom", b"xe"]),
                (2, vec![&b"xe"[..]]),
                (1, vec![&b"trom"[..]]),
            ],
            "one entry a run, not in the text's order"
        );
    }

    #[test]
    fn a_cut_entry_or_an_oversized_digest_is_refused() {
        let mut packed = Vec::new();
        pack_digest(&mut packed, &[1; 16]).unwrap();
        packed.pop();
        assert!(unpack_digests(&packed).is_err());
        assert!(pack_digest(&mut Vec::new(), &[0; 256]).is_err());
    }
}
