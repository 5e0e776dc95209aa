//! The keys a running service holds, and master key rotation.
//!
//! The store decides which master key is current (its binding); the key ring holds the keys.
//! During a rotation the ring on disk lists the new key and the old one, the binding moves to
//! the new key, and every data key is re-wrapped under it. A server that meets a key it does not
//! hold (a report re-wrapped meanwhile, intake refused with `KeyChanged`) re-reads its ring and
//! keeps every key it has known, so nothing it queued under the old key becomes unreadable.

use crate::{CoreError, CoreResult, Hotline};
use chrono::{DateTime, Utc};
use hotline_domain::AuditAction;
use hotline_domain::ReportId;
use hotline_store::{KeyBinding, Store, WrappedKey};
use hotline_vault::keys::{IndexKey, KeyError, KeyRing, MasterKey};
use hotline_vault::seal::DataKey;
use std::sync::{PoisonError, RwLock};

/// Reads the key ring again from where it came from (the key file).
pub type ReloadRing = Box<dyn Fn() -> Result<KeyRing, KeyError> + Send + Sync>;

/// Data keys re-wrapped per page during a rotation.
const REWRAP_PAGE: u32 = 500;

pub struct Keys {
    ring: RwLock<KeyRing>,
    /// The id of the key the store is bound to: new data keys are wrapped under it.
    current: RwLock<String>,
    index: IndexKey,
    reload: Option<ReloadRing>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("current", &self.current_id())
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// Binds `store` to the ring's newest key if it is bound to none, or finds in the ring the
    /// key it is bound to; refuses (`WrongMasterKey`) when the ring does not hold that key, so
    /// nothing is ever written that its own key cannot read.
    pub async fn open(
        store: &dyn Store,
        ring: KeyRing,
        reload: Option<ReloadRing>,
        now: DateTime<Utc>,
    ) -> CoreResult<Self> {
        let newest = ring.newest();
        let offered = binding_for(newest, &IndexKey::generate());
        let bound = store.bind_master_key(&offered, now).await?;
        let key = ring
            .keys()
            .find(|k| {
                hotline_vault::digests_match(
                    &hex::encode(k.check_value()),
                    &hex::encode(&bound.check),
                )
            })
            .ok_or(CoreError::WrongMasterKey)?;
        let index = key
            .unwrap_index_key(&bound.index_key)
            .map_err(|_| CoreError::Internal("the store's index key does not open".into()))?;
        Ok(Self {
            current: RwLock::new(key.id().to_owned()),
            ring: RwLock::new(ring),
            index,
            reload,
        })
    }

    /// The id of the master key new data is wrapped under.
    pub fn current_id(&self) -> String {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The newest key of the ring (during a rotation: the key being rotated to).
    pub fn newest(&self) -> MasterKey {
        self.ring
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .newest()
            .clone()
    }

    fn key(&self, id: &str) -> CoreResult<MasterKey> {
        if let Some(key) = self.ring_key(id) {
            return Ok(key);
        }
        self.reload_ring()?;
        self.ring_key(id)
            .ok_or_else(|| CoreError::Internal(format!("master key {id} is not in the key ring")))
    }

    fn ring_key(&self, id: &str) -> Option<MasterKey> {
        self.ring
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    /// Adds the keys of the ring on disk to the ones held; none is ever dropped while running.
    fn reload_ring(&self) -> CoreResult<()> {
        let Some(reload) = &self.reload else {
            return Ok(());
        };
        let fresh = reload().map_err(|e| CoreError::Internal(e.to_string()))?;
        let mut ring = self.ring.write().unwrap_or_else(PoisonError::into_inner);
        for key in fresh.keys() {
            ring.add(key.clone());
        }
        tracing::info!(keys = ring.keys().count(), "master key ring reloaded");
        Ok(())
    }

    /// Wraps a new data key under the current master key; returns the key's id and the wrap.
    pub fn wrap(&self, data_key: &DataKey) -> CoreResult<(String, Vec<u8>)> {
        let id = self.current_id();
        let key = self.key(&id)?;
        Ok((id, key.wrap(data_key)))
    }

    /// Opens a data key wrapped under the key `key_id` (`None`: rows from before key ids,
    /// wrapped under the current key).
    pub fn unwrap(&self, key_id: Option<&str>, wrapped: &[u8]) -> CoreResult<DataKey> {
        let key = match key_id {
            Some(id) => self.key(id)?,
            None => self.key(&self.current_id())?,
        };
        key.unwrap_data_key(wrapped)
            .map_err(|_| CoreError::Internal("a data key does not open".into()))
    }

    /// Wraps again under the current key a data key wrapped under another.
    pub fn rewrap(&self, key_id: Option<&str>, wrapped: &[u8]) -> CoreResult<(String, Vec<u8>)> {
        self.wrap(&self.unwrap(key_id, wrapped)?)
    }

    /// Follows the store to the key it is bound to now, after intake met `KeyChanged`.
    pub async fn follow_store(&self, store: &dyn Store) -> CoreResult<()> {
        let bound = store
            .key_binding()
            .await?
            .ok_or_else(|| CoreError::Internal("the store is bound to no master key".into()))?;
        self.key(&bound.key_id)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = bound.key_id.clone();
        tracing::info!(key = %bound.key_id, "now wrapping data keys under the store's current master key");
        Ok(())
    }

    pub fn follow_up_digest(&self, canonical_code: &str) -> String {
        self.index.follow_up_digest(canonical_code)
    }

    pub fn blind_index(&self, kind: &str, normalised: &str) -> Vec<u8> {
        self.index.blind_index(kind, normalised)
    }

    pub fn staff_secrets(&self) -> hotline_vault::seal::DataKey {
        self.index.staff_secrets()
    }

    pub fn channel_secrets(&self) -> hotline_vault::seal::DataKey {
        self.index.channel_secrets()
    }

    pub fn reveal_reasons(&self) -> hotline_vault::seal::DataKey {
        self.index.reveal_reasons()
    }

    pub fn form_stamp(&self, message: &[u8]) -> Vec<u8> {
        self.index.form_stamp(message)
    }

    /// The key of the audit chain's hashes.
    pub fn audit_chain(&self) -> hotline_vault::audit::ChainKey {
        self.index.audit_chain()
    }

    /// The search index entry of one personal item (as `hotline_domain::text::personal_term`
    /// gives it): of another kind than words, so that no word search finds it.
    pub fn personal_digest(&self, term: &str) -> Vec<u8> {
        let mut digest = self.index.blind_index("personal", term);
        digest.truncate(16);
        digest
    }

    /// The search index entries of a text's terms: its words, then its personal items.
    pub fn term_digests(&self, terms: &hotline_domain::text::IndexTerms) -> Vec<Vec<u8>> {
        let words = terms.words.iter().map(|word| self.word_digest(word));
        let personal = terms.personal.iter().map(|term| self.personal_digest(term));
        words.chain(personal).collect()
    }

    /// The search index entry of one folded word: a keyed hash cut to 128 bits, plenty to keep
    /// the words of a few million reports apart.
    pub fn word_digest(&self, word: &str) -> Vec<u8> {
        let mut digest = self.index.blind_index("word", word);
        digest.truncate(16);
        digest
    }
}

fn binding_for(key: &MasterKey, index: &IndexKey) -> KeyBinding {
    KeyBinding {
        check: key.check_value(),
        key_id: key.id().to_owned(),
        index_key: key.wrap_index_key(index),
    }
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub from: String,
    pub to: String,
    pub rewrapped: u64,
}

impl Hotline {
    /// Moves the store to the newest key of the ring and re-wraps every data key under it,
    /// while the service (and others on the same store) keep running. Resumes an interrupted
    /// rotation: what is already under the new key is left alone.
    pub async fn rotate_master_key(&self) -> CoreResult<Rotation> {
        let target = self.keys.newest();
        let from = self.keys.current_id();
        if from != target.id() {
            let moved = self
                .store
                .rebind_master_key(&from, &binding_for(&target, &self.keys.index))
                .await?;
            if !moved {
                return Err(CoreError::Conflict(
                    "another rotation moved the master key meanwhile".into(),
                ));
            }
            self.keys.follow_store(self.store.as_ref()).await?;
        }
        self.audit(
            None,
            AuditAction::KeysRotationStarted,
            target.id(),
            &format!("from={from}"),
        )
        .await?;
        let mut rewrapped = 0;
        // Passes until one finds nothing: intake cannot write under the old key once the
        // binding moved, so this ends.
        loop {
            let mut after = ReportId(0);
            let mut found = 0;
            loop {
                let page = self
                    .store
                    .keys_to_rewrap(target.id(), after, REWRAP_PAGE)
                    .await?;
                let Some(last) = page.last() else { break };
                after = last.report;
                found += page.len();
                let mut pairs = Vec::with_capacity(page.len());
                for old in page {
                    let (key_id, wrapped) =
                        self.keys.rewrap(old.key_id.as_deref(), &old.wrapped)?;
                    let new = WrappedKey {
                        report: old.report,
                        key_id: Some(key_id),
                        wrapped,
                    };
                    pairs.push((old, new));
                }
                // A report that changed meanwhile (purged) is not counted.
                rewrapped += self.store.rewrap_keys(&pairs).await?;
            }
            if found == 0 {
                break;
            }
        }
        self.audit(
            None,
            AuditAction::KeysRotated,
            target.id(),
            &format!("from={from} data_keys={rewrapped}"),
        )
        .await?;
        Ok(Rotation {
            from,
            to: target.id().to_owned(),
            rewrapped,
        })
    }
}
