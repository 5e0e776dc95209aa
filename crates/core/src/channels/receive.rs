//! Receiving a delivery: the platform's handshake, the signature checked on the raw bytes, the
//! delivery journalled sealed before the platform hears "200".

use crate::{CoreError, CoreResult, Hotline};
use hotline_channels::platforms::{self, HandshakeRefusal};
use hotline_channels::platforms::{DeliveryHeaders, HandshakeAnswer};
use hotline_store::{ChannelAccount, NewDelivery};
use std::collections::BTreeMap;
pub(super) fn delivery_context(account_id: i64) -> Vec<u8> {
    format!("hotline/v1/delivery/{account_id}").into_bytes()
}

impl Hotline {
    /// A platform's check of its webhook (Meta's subscription, X's hourly CRC): the answer,
    /// or `Forbidden` for a wrong token; `NotFound` on a platform that checks in no such way.
    /// Each answered check is recorded, for the channel page.
    pub async fn channel_handshake(
        &self,
        platform: &str,
        name: &str,
        query: &BTreeMap<String, String>,
    ) -> CoreResult<HandshakeAnswer> {
        let account = self.live_account(platform, name).await?;
        let secrets = self.account_secrets(&account)?;
        match platforms::handshake(account.platform, query, &secrets) {
            Ok(answer) => {
                // For the channel page only: the platform's check is answered regardless.
                if let Err(e) = self
                    .store
                    .record_channel_check(account.id, self.clock.now())
                    .await
                {
                    tracing::warn!(account = %account.name, error = %e, "a webhook check was not recorded");
                }
                Ok(answer)
            }
            Err(HandshakeRefusal::Mismatch) => Err(CoreError::Forbidden),
            Err(HandshakeRefusal::NotUsed) => Err(CoreError::NotFound),
        }
    }

    /// Checks a delivery's signature on its raw bytes and journals it, sealed. Returns once it
    /// is durable: only then may the platform be told it arrived. A bad or missing signature
    /// is `Unauthenticated`, and nothing is kept.
    pub async fn receive_delivery(
        &self,
        platform: &str,
        name: &str,
        headers: &DeliveryHeaders,
        body: &[u8],
    ) -> CoreResult<i64> {
        // The platform delivers again after a 503: better at once than after a timeout.
        self.refuse_while_store_away()?;
        // A PBX posts to `/hooks/cti/<token>`: the token finds (and proves) the account.
        let account = if platform == "cti" {
            self.cti_account(name).await?
        } else {
            self.live_account(platform, name).await?
        };
        let secrets = self.account_secrets(&account)?;
        if let Err(refusal) =
            platforms::verify(account.platform, headers, body, &secrets, self.clock.now())
        {
            tracing::info!(platform = %account.platform, account = %account.name, %refusal, "a delivery was refused");
            metrics::counter!("hotline_deliveries_refused_total", "platform" => account.platform.as_str())
                .increment(1);
            return Err(CoreError::Unauthenticated);
        }
        let id = self
            .journal
            .write(self.sealed_delivery(&account, body))
            .await?;
        metrics::counter!("hotline_deliveries_accepted_total", "platform" => account.platform.as_str())
            .increment(1);
        self.deliveries_waiting.notify_one();
        Ok(id)
    }

    pub(crate) fn sealed_delivery(&self, account: &ChannelAccount, body: &[u8]) -> NewDelivery {
        NewDelivery {
            account_id: account.id,
            body_sealed: self
                .keys
                .channel_secrets()
                .seal(body, &delivery_context(account.id)),
            at: self.clock.now(),
        }
    }
}
