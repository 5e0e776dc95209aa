//! Files that platform messages carry, fetched soon after the message is taken in (their links
//! expire), inspected like a citizen's upload (type by content, identifying metadata stripped),
//! sealed with the report's key and kept with their message. A file that cannot be had is
//! retried a few times, then recorded as failed with the reason; the message's text says what
//! it carried either way.

use crate::evidence::{EvidenceLimits, inspect_off_executor};
use crate::intake::seal_evidence;
use crate::{CoreError, CoreResult, Hotline};
use chrono::Duration;
use hotline_channels::SendError;
use hotline_channels::{Sender, platforms};
use hotline_domain::inbound::InboundMessage;
use hotline_store::{
    ChannelAccount, MediaOutcome, NewMediaFetch, PendingMediaFetch, StoreError, Visibility,
};

/// Files fetched per pass.
const FETCH_PER_PASS: u32 = 20;
/// How long a node holds a file it took.
const CLAIM: Duration = Duration::minutes(2);
/// Waits after the first, second and third failure; after the last, it failed.
const RETRY_WAITS: [Duration; 3] = [
    Duration::seconds(20),
    Duration::minutes(2),
    Duration::minutes(10),
];

/// Where a file is, as the platform said; or the file itself, when the delivery carried it
/// (an e-mail's attachment: kept sealed here until it is inspected).
#[derive(serde::Serialize, serde::Deserialize)]
struct MediaLocation {
    media_id: Option<String>,
    url: Option<String>,
    #[serde(default)]
    data: Option<Vec<u8>>,
}

fn location_context(account_id: i64) -> Vec<u8> {
    format!("hotline/v1/media/{account_id}").into_bytes()
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaPass {
    pub kept: usize,
    pub retried: usize,
    pub failed: usize,
}

impl Hotline {
    /// Queues the files of a message taken in (again, harmlessly, for a redelivery).
    pub(crate) async fn queue_media(
        &self,
        account: &ChannelAccount,
        message: &InboundMessage,
    ) -> CoreResult<()> {
        if message.media.is_empty() {
            return Ok(());
        }
        // A file known by the platform's id is fetched with the account's token: an account
        // that only receives keeps the message's description of it. Stickers are not fetched.
        let secrets = self.account_secrets(account)?;
        for (position, media) in (0_u32..).zip(&message.media) {
            if media.data.is_none()
                && !platforms::can_fetch(
                    account.platform,
                    media.media_id.as_deref(),
                    media.url.as_deref(),
                    &secrets,
                )
            {
                continue;
            }
            let location = MediaLocation {
                media_id: media.media_id.clone(),
                url: media.url.clone(),
                data: media.data.clone(),
            };
            let plain = serde_json::to_vec(&location)
                .map_err(|e| CoreError::Internal(format!("media location: {e}")))?;
            self.store
                .queue_media_fetch(&NewMediaFetch {
                    account_id: account.id,
                    platform_message_id: self.platform_id(account, &message.platform_message_id),
                    position,
                    ref_sealed: self
                        .keys
                        .channel_secrets()
                        .seal(&plain, &location_context(account.id)),
                    at: self.clock.now(),
                })
                .await?;
        }
        Ok(())
    }

    /// One pass over the files waiting to be fetched.
    pub async fn run_media(&self) -> CoreResult<MediaPass> {
        let now = self.clock.now();
        let mut pass = MediaPass::default();
        for fetch in self.store.due_media_fetches(now, FETCH_PER_PASS).await? {
            if !self
                .store
                .claim_media_fetch(fetch.id, fetch.next_at, now + CLAIM)
                .await?
            {
                continue;
            }
            let outcome = match self.fetch_one(&fetch).await {
                Ok(()) => MediaOutcome::Kept,
                Err(Failure::Again(error)) => match RETRY_WAITS.get(fetch.attempts as usize) {
                    Some(wait) => MediaOutcome::Retry {
                        next_at: self.clock.now() + *wait,
                        error,
                    },
                    None => MediaOutcome::Failed { error },
                },
                Err(Failure::ForGood(error)) => MediaOutcome::Failed { error },
            };
            match &outcome {
                MediaOutcome::Kept => pass.kept += 1,
                MediaOutcome::Retry { error, .. } => {
                    pass.retried += 1;
                    tracing::warn!(fetch = fetch.id, %error, "a file was not fetched this time");
                }
                MediaOutcome::Failed { error } => {
                    pass.failed += 1;
                    tracing::warn!(fetch = fetch.id, %error, "a file could not be fetched");
                }
            }
            self.store.finish_media_fetch(fetch.id, &outcome).await?;
        }
        Ok(pass)
    }

    async fn fetch_one(&self, fetch: &PendingMediaFetch) -> Result<(), Failure> {
        let account = self.store.channel_account_by_id(fetch.account_id).await?;
        let location: MediaLocation = self
            .keys
            .channel_secrets()
            .open(&fetch.ref_sealed, &location_context(account.id))
            .ok()
            .and_then(|plain| serde_json::from_slice(&plain).ok())
            .ok_or_else(|| Failure::ForGood("the file's location does not open".into()))?;
        let Some((report, case, message)) = self
            .store
            .message_by_platform_id(
                account.platform,
                account.name.as_str(),
                &fetch.platform_message_id,
            )
            .await?
        else {
            // Its message is not in (yet, or its report was purged).
            return Err(Failure::Again("its message is not taken in".into()));
        };
        let limits = EvidenceLimits::default();
        let bytes = match location.data {
            Some(bytes) if bytes.len() > limits.max_file_bytes => {
                return Err(Failure::ForGood(format!(
                    "larger than {} bytes",
                    limits.max_file_bytes
                )));
            }
            Some(bytes) => bytes,
            None => {
                self.fetch_remote(&account, &location, limits.max_file_bytes)
                    .await?
            }
        };
        let evidence = inspect_off_executor(bytes)
            .await
            .map_err(|_| Failure::ForGood("not a kind of file kept".into()))?;
        let detail = self
            .store
            .report(&Visibility::Subtree("/".into()), &case)
            .await?;
        let key = self
            .data_key(&detail.summary)?
            .ok_or_else(|| Failure::ForGood("a report without a data key".into()))?;
        let kept = self.store.attachments(report).await?.len();
        // Sealing a file of up to 25 MB: off the executor too.
        let files = tokio::task::spawn_blocking(move || {
            seal_evidence(&key, std::slice::from_ref(&evidence), kept + 1)
        })
        .await
        .map_err(|_| Failure::Again("sealing the file failed".into()))?;
        self.store
            .add_attachments(report, message, &files, self.clock.now())
            .await?;
        Ok(())
    }
}

impl Hotline {
    /// A file from the platform, by its id or link, with the account's credentials.
    async fn fetch_remote(
        &self,
        account: &ChannelAccount,
        location: &MediaLocation,
        max: usize,
    ) -> Result<Vec<u8>, Failure> {
        let secrets = self.account_secrets(account)?;
        let api_base = self.api_base_of(account).ok_or_else(|| {
            Failure::ForGood(
                "the account's API address is not allowed (allow_custom_api_base)".into(),
            )
        })?;
        let sender = Sender {
            platform: account.platform,
            api_base,
            secrets: &secrets,
        };
        platforms::fetch_media(
            &self.http,
            &sender,
            (location.media_id.as_deref(), location.url.as_deref()),
            max,
        )
        .await
        .map_err(|e| match e {
            SendError::Unavailable(why) => Failure::Again(why),
            SendError::RateLimited(_) => Failure::Again(e.to_string()),
            SendError::TokenExpired(why) => Failure::ForGood(why),
            SendError::NotConfigured => {
                Failure::ForGood("the account has no token to fetch files with".into())
            }
            SendError::Refused(why) => Failure::ForGood(why),
        })
    }
}

/// Why a file was not fetched: worth trying again, or not.
enum Failure {
    Again(String),
    ForGood(String),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Self::Again(e.to_string())
    }
}

impl From<CoreError> for Failure {
    fn from(e: CoreError) -> Self {
        Self::Again(e.to_string())
    }
}
