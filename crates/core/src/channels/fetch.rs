//! Fetching updates from platforms that are polled rather than pushing (Telegram's long poll,
//! mailboxes): each account's round, its cursor kept with what it fetched.

use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::Channel;
use hotline_store::{ChannelAccount, NewDelivery};
use std::collections::BTreeMap;
/// What one round of fetching updates did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchRound {
    /// Accounts that fetch their updates, this round on this node.
    pub accounts: usize,
    pub updates: usize,
    pub failed: usize,
}

impl Hotline {
    /// One round of fetching updates for the accounts that fetch instead of receiving a
    /// webhook (Telegram's `getUpdates`), side by side, each waiting up to `wait_secs` for an
    /// update. What arrives is journalled with the account's next offset in one transaction,
    /// before Telegram is asked past it: a crash loses nothing and fetches nothing twice. An
    /// account that fails is logged and tried again next round.
    pub async fn fetch_updates(&self, wait_secs: u32) -> CoreResult<FetchRound> {
        let mut polling = Vec::new();
        for account in self.store.channel_accounts().await? {
            if account.platform != Channel::Telegram || account.disabled {
                continue;
            }
            let secrets = self.account_secrets(&account)?;
            if secrets.get("updates").map(String::as_str)
                == Some(hotline_domain::platform::TELEGRAM_POLLING)
            {
                polling.push((account, secrets));
            }
        }
        // One node polls each account (two at once would each be refused by Telegram); the
        // lease outlasts a round, renewed at the next, so another node takes over when this
        // one stops.
        let lease = std::time::Duration::from_secs(u64::from(wait_secs) * 3 + 5);
        let mut mine = Vec::with_capacity(polling.len());
        for (account, secrets) in polling {
            match self
                .hold_lease(&format!("updates:{}", account.id), lease)
                .await
            {
                Ok(true) => mine.push((account, secrets)),
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(account = %account.name, error = %e, "cannot tell which node polls the account");
                }
            }
        }
        let polling = mine;
        let rounds = polling
            .iter()
            .map(|(account, secrets)| self.fetch_updates_of(account, secrets, wait_secs));
        let mut round = FetchRound {
            accounts: polling.len(),
            ..FetchRound::default()
        };
        for (fetched, (account, _)) in futures_util::future::join_all(rounds)
            .await
            .into_iter()
            .zip(&polling)
        {
            match fetched {
                Ok(n) => round.updates += n,
                Err(e) => {
                    round.failed += 1;
                    tracing::warn!(account = %account.name, error = %e, "fetching updates failed");
                }
            }
        }
        Ok(round)
    }

    pub(super) async fn fetch_updates_of(
        &self,
        account: &ChannelAccount,
        secrets: &BTreeMap<String, String>,
        wait_secs: u32,
    ) -> CoreResult<usize> {
        let api_base = self.api_base_of(account).ok_or(CoreError::Forbidden)?;
        let sender = hotline_channels::Sender {
            platform: account.platform,
            api_base,
            secrets,
        };
        let offset = account
            .cursor
            .as_deref()
            .and_then(|c| c.parse::<i64>().ok());
        let batch = hotline_channels::telegram::get_updates(&self.http, &sender, offset, wait_secs)
            .await
            .map_err(|e| CoreError::Internal(format!("getUpdates: {e}")))?;
        let (Some(next), false) = (batch.next_offset, batch.updates.is_empty()) else {
            return Ok(0);
        };
        let deliveries: Vec<NewDelivery> = batch
            .updates
            .iter()
            .map(|update| self.sealed_delivery(account, update))
            .collect();
        self.store
            .journal_fetched(
                account.id,
                &deliveries,
                (account.cursor.as_deref(), &next.to_string()),
            )
            .await?;
        metrics::counter!("hotline_deliveries_accepted_total", "platform" => account.platform.as_str())
            .increment(deliveries.len() as u64);
        self.deliveries_waiting.notify_one();
        Ok(deliveries.len())
    }
}
