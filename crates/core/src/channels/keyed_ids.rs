//! Platform ids kept in clear before they were keyed (issue 25): replaced by their keyed
//! digests once, when a node opens the store, before any delivery is taken apart, so that a
//! redelivery of an older message is still known and still one report.

use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::Channel;
use hotline_store::{ChannelAccount, UnkeyedIds};

/// Rows keyed per transaction.
const BATCH: u32 = 500;

impl Hotline {
    /// Keys every platform id still kept in clear; how many messages and file fetches were.
    pub async fn key_platform_ids(&self) -> CoreResult<usize> {
        let mut keyed = 0;
        // Read once, and only when something is left to key: most starts key nothing.
        let mut known: Option<Vec<ChannelAccount>> = None;
        loop {
            let rows = self.store.unkeyed_platform_ids(BATCH).await?;
            if rows.is_empty() {
                break;
            }
            if known.is_none() {
                known = Some(self.store.channel_accounts().await?);
            }
            let accounts = known.as_deref().unwrap_or_default();
            let rows: Vec<UnkeyedIds> = rows
                .into_iter()
                .map(|row| {
                    // An account no longer known: its messages can be looked up by nobody.
                    let account = accounts
                        .iter()
                        .find(|a| a.platform == row.channel && a.name.as_str() == row.account)
                        .map_or(-1, |a| a.id);
                    // Telegram's message ids were keyed before the others (but for the
                    // first ones taken in): those already keyed stay.
                    let key = |raw: &str| {
                        if row.channel == Channel::Telegram && is_keyed(raw) {
                            raw.to_owned()
                        } else {
                            self.platform_id_of(row.channel, account, raw)
                        }
                    };
                    let platform_message_id = row.platform_message_id.as_deref().map(|id| match id
                        .strip_prefix("ack:")
                    {
                        Some(raw) => format!("ack:{}", key(raw)),
                        None => key(id),
                    });
                    UnkeyedIds {
                        platform_message_id,
                        sent_id: row.sent_id.as_deref().map(key),
                        ..row
                    }
                })
                .collect();
            self.store.key_platform_ids(&rows).await?;
            keyed += rows.len();
        }
        loop {
            let fetches = self.store.unkeyed_media_fetches(BATCH).await?;
            if fetches.is_empty() {
                break;
            }
            if known.is_none() {
                known = Some(self.store.channel_accounts().await?);
            }
            let accounts = known.as_deref().unwrap_or_default();
            let mut keyed_fetches = Vec::with_capacity(fetches.len());
            for (fetch, account_id, raw) in fetches {
                // A fetch's account is kept (a foreign key): found.
                let platform = accounts
                    .iter()
                    .find(|a| a.id == account_id)
                    .map(|a| a.platform)
                    .ok_or(CoreError::NotFound)?;
                let keyed = if platform == Channel::Telegram && is_keyed(&raw) {
                    raw
                } else {
                    self.platform_id_of(platform, account_id, &raw)
                };
                keyed_fetches.push((fetch, keyed));
            }
            self.store.key_media_fetches(&keyed_fetches).await?;
            keyed += keyed_fetches.len();
        }
        if keyed > 0 {
            // The ids' old pages go from SQLite's write-ahead log, as after a purge.
            self.store.compact().await?;
            tracing::info!(keyed, "platform ids kept in clear are now keyed digests");
        }
        Ok(keyed)
    }
}

/// Whether an id is already a keyed digest (see `Hotline::platform_id`): 64 hex digits.
fn is_keyed(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}
