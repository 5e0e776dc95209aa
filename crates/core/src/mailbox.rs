//! The published mailbox, read over IMAP into the same journal as the platforms' webhooks.
//! Exactly once across restarts: the account's cursor is the folder's `UIDVALIDITY` and the
//! last UID kept, written in the same transaction as the mails it covers; a mail is marked on
//! the server (a keyword) only once it is durable here, and mails kept but left unmarked by a
//! crash are marked when the mailbox is next opened. A mail seen again under a new
//! `UIDVALIDITY` is journalled again and changes nothing (each message is taken in once by its
//! `Message-ID`).

use crate::{CoreError, CoreResult, Hotline};
use hotline_channels::SendError;
use hotline_channels::imap::{Mailbox, MailboxSettings};
use hotline_domain::Channel;
use hotline_store::NewDelivery;
use std::time::Duration;

/// Where reading a mailbox stands: its folder's `UIDVALIDITY` and the last UID kept.
fn read_cursor(cursor: Option<&str>) -> Option<(u32, u32)> {
    let (validity, uid) = cursor?.split_once(':')?;
    Some((validity.parse().ok()?, uid.parse().ok()?))
}

fn imap_error(e: SendError) -> CoreError {
    match e {
        SendError::Unavailable(why) => CoreError::Internal(why),
        other => CoreError::Internal(other.to_string()),
    }
}

impl Hotline {
    /// The e-mail accounts to read: connected and not disabled.
    pub async fn mailbox_accounts(&self) -> CoreResult<Vec<i64>> {
        Ok(self
            .store
            .channel_accounts()
            .await?
            .into_iter()
            .filter(|a| a.platform == Channel::Email && !a.disabled)
            .map(|a| a.id)
            .collect())
    }

    /// Reads one mailbox until it fails (the caller opens it again later) or the account is
    /// disabled: what is new is journalled, then marked; then it waits for more, up to `wait`
    /// at a time (IDLE, or a poll where the server has none).
    pub async fn watch_mailbox(&self, account_id: i64, wait: Duration) -> CoreResult<()> {
        let account = self.store.channel_account_by_id(account_id).await?;
        let secrets = self.account_secrets(&account)?;
        let settings = MailboxSettings::from_secrets(&secrets).map_err(imap_error)?;
        let mut mailbox = Mailbox::open(&settings).await.map_err(imap_error)?;
        // Kept before a crash but not marked: marked now, never fetched again.
        if let Some((validity, last)) = read_cursor(account.cursor.as_deref())
            && validity == mailbox.uid_validity()
        {
            let unmarked = mailbox.unmarked(last).await.map_err(imap_error)?;
            mailbox.mark(&unmarked).await.map_err(imap_error)?;
        }
        loop {
            let account = self.store.channel_account_by_id(account_id).await?;
            if account.disabled {
                mailbox.close().await;
                return Ok(());
            }
            let after = match read_cursor(account.cursor.as_deref()) {
                Some((validity, last)) if validity == mailbox.uid_validity() => last,
                _ => 0,
            };
            let mails = mailbox.new_mail(after).await.map_err(imap_error)?;
            let Some(last) = mails.iter().map(|(uid, _)| *uid).max() else {
                mailbox = mailbox.wait(wait).await.map_err(imap_error)?;
                continue;
            };
            let deliveries: Vec<NewDelivery> = mails
                .iter()
                .map(|(_, raw)| self.sealed_delivery(&account, raw))
                .collect();
            let cursor = format!("{}:{last}", mailbox.uid_validity());
            self.store
                .journal_fetched(
                    account.id,
                    &deliveries,
                    (account.cursor.as_deref(), &cursor),
                )
                .await?;
            metrics::counter!("hotline_deliveries_accepted_total", "platform" => "email")
                .increment(deliveries.len() as u64);
            self.deliveries_waiting.notify_one();
            let uids: Vec<u32> = mails.iter().map(|(uid, _)| *uid).collect();
            mailbox.mark(&uids).await.map_err(imap_error)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::read_cursor;

    #[test]
    fn a_cursor_is_the_folders_validity_and_the_last_uid() {
        assert_eq!(
            read_cursor(Some("1795970836:42")),
            Some((1_795_970_836, 42))
        );
        assert_eq!(read_cursor(None), None);
        assert_eq!(read_cursor(Some("42")), None);
        assert_eq!(read_cursor(Some("x:1")), None);
    }
}
