//! Channel accounts: connected by an administrator, their secrets sealed, read back for
//! the jobs that need them.

use crate::staff::Actor;
use crate::{CoreError, CoreResult, Hotline};
use hotline_domain::AuditAction;
use hotline_domain::platform::{AccountName, PlatformSpec};
use hotline_domain::{Channel, DomainError, UnitCode};
use hotline_store::{
    ChannelAccount, DeliveryCounts, DeliveryRecord, NewChannelAccount, StoreError,
};
use std::collections::BTreeMap;
/// An account to connect, as the command line or the console gives it.
#[derive(Clone)]
pub struct AccountInput<'a> {
    pub platform: &'a str,
    pub name: &'a str,
    pub unit: &'a str,
    /// `KEY=VALUE` settings: the platform's secrets and ids.
    pub settings: &'a [(String, String)],
    /// The platform API's base URL; the platform's own when `None`.
    pub api_base: Option<&'a str>,
}

/// A connected account as administrators see it: never its secrets.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub platform: Channel,
    pub name: AccountName,
    pub unit: UnitCode,
    pub webhook_path: String,
    /// The keys it has, by name only.
    pub keys: Vec<String>,
    /// Keys it lacks to answer on the platform; empty when it can.
    pub missing_send_keys: Vec<&'static str>,
    pub api_base: String,
    pub counts: DeliveryCounts,
    /// Its latest failed deliveries.
    pub dead: Vec<DeliveryRecord>,
    /// When the platform last checked the webhook and got the right answer.
    pub checked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// It fetches what comes (a mailbox over IMAP, Telegram's long polling) instead of
    /// receiving a webhook.
    pub fetches_updates: bool,
}

pub(super) fn secrets_context(platform: Channel, name: &AccountName) -> Vec<u8> {
    format!("hotline/v1/channel-account/{platform}/{name}").into_bytes()
}

impl Hotline {
    /// Connects a platform account. An administrator may connect one for their unit or a unit
    /// below it; `None` is the operator at the command line. Audited with the keys' names only.
    pub async fn add_channel_account(
        &self,
        actor: Option<&Actor>,
        input: &AccountInput<'_>,
    ) -> CoreResult<AccountView> {
        if let Some(actor) = actor {
            Self::require_administrator(actor)?;
        }
        let mut errors = Vec::new();
        let mut invalid = |e: DomainError| {
            if let DomainError::Invalid(mut fields) = e {
                errors.append(&mut fields);
            }
        };
        let spec = PlatformSpec::parse(input.platform)
            .map_err(&mut invalid)
            .ok();
        let name = AccountName::parse(input.name).map_err(&mut invalid).ok();
        let unit = match input.unit.parse::<UnitCode>() {
            Ok(unit) => match self.store.unit(&unit).await {
                Ok(held) => Some((unit, held.path)),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            },
            Err(_) => None,
        };
        if unit.is_none() {
            errors.push(hotline_domain::FieldError::new("unit", "unknown_unit"));
        }
        if let (Some(actor), Some((_, path))) = (actor, &unit)
            && !path.starts_with(&actor.0.unit_path)
        {
            return Err(CoreError::NotFound);
        }
        let mut secrets = BTreeMap::new();
        if let Some(spec) = spec {
            for (key, value) in input.settings {
                let (key, value) = (key.trim(), value.trim());
                if !spec.knows(key) {
                    errors.push(hotline_domain::FieldError::new(key, "unknown_key"));
                } else if value.is_empty() || value.len() > 4096 {
                    errors.push(hotline_domain::FieldError::new(key, "invalid"));
                } else {
                    secrets.insert(key.to_owned(), value.to_owned());
                }
            }
            for key in spec.receive_keys {
                if !secrets.contains_key(*key) {
                    errors.push(hotline_domain::FieldError::new(*key, "required"));
                }
            }
            errors.extend(spec.problems(&secrets));
        }
        let api_base = input
            .api_base
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .or(spec.map(|s| s.default_api_base))
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned();
        // Mail has no HTTP API to point elsewhere.
        if spec.is_some_and(|s| !s.default_api_base.is_empty()) {
            if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
                errors.push(hotline_domain::FieldError::new("api_base", "invalid"));
            } else if spec.is_some_and(|s| !s.api_base_is_known(&api_base))
                && !self.policy.allow_custom_api_base
            {
                // The account's credentials go wherever its API is: an administrator may not
                // send them elsewhere unless the operator allowed it.
                errors.push(hotline_domain::FieldError::new("api_base", "not_allowed"));
            }
        }
        let (Some(spec), Some(name), Some((unit, _)), true) = (spec, name, unit, errors.is_empty())
        else {
            return Err(DomainError::Invalid(errors).into());
        };
        let sealed = self.seal_secrets(spec.channel, &name, &secrets)?;
        let new = NewChannelAccount {
            platform: spec.channel,
            name: name.clone(),
            unit: unit.clone(),
            secrets_sealed: sealed,
            api_base,
            at: self.clock.now(),
        };
        let keys: Vec<&str> = secrets.keys().map(String::as_str).collect();
        self.audited(
            actor.map(|a| a.0.id),
            AuditAction::ChannelAccountAdded,
            &format!("{}/{name}", spec.name()),
            &format!("unit={unit} keys={}", keys.join(",")),
            async |audit| Ok(self.store.add_channel_account(&new, audit).await?),
        )
        .await?;
        let account = self
            .store
            .channel_account(spec.channel, name.as_str())
            .await?;
        self.account_view(&account).await
    }

    pub(super) async fn account_view(&self, account: &ChannelAccount) -> CoreResult<AccountView> {
        let secrets = self.account_secrets(account)?;
        let spec = PlatformSpec::of(account.platform)
            .ok_or_else(|| CoreError::Internal("an account on an unknown platform".into()))?;
        Ok(AccountView {
            platform: account.platform,
            name: account.name.clone(),
            unit: account.unit.clone(),
            // The PBX's path holds its secret token: shown as a placeholder, never the token.
            webhook_path: if account.platform == Channel::Phone {
                "/hooks/cti/<token>".to_owned()
            } else {
                format!("/hooks/{}/{}", spec.name(), account.name)
            },
            keys: secrets.keys().cloned().collect(),
            missing_send_keys: spec
                .send_keys
                .iter()
                .copied()
                .filter(|k| !secrets.contains_key(*k))
                .collect(),
            api_base: account.api_base.clone(),
            counts: self
                .store
                .delivery_counts(account.id, self.clock.now())
                .await?,
            dead: self.store.deliveries_of(account.id, true, 20).await?,
            checked_at: account.checked_at,
            fetches_updates: account.platform == Channel::Email
                || secrets.get("updates").map(String::as_str)
                    == Some(hotline_domain::platform::TELEGRAM_POLLING),
        })
    }

    /// The accounts of the actor's unit and those below it: administrators only; every account
    /// for the operator at the command line (`None`).
    pub async fn channel_accounts(&self, actor: Option<&Actor>) -> CoreResult<Vec<AccountView>> {
        let scope = match actor {
            Some(actor) => {
                Self::require_administrator(actor)?;
                actor.0.unit_path.as_str()
            }
            None => "/",
        };
        let mut views = Vec::new();
        for account in self.store.channel_accounts().await? {
            if self.units_path(&account.unit).await?.starts_with(scope) {
                views.push(self.account_view(&account).await?);
            }
        }
        Ok(views)
    }

    /// The account's API base, where its credentials go; `None` when it is neither its
    /// platform's own nor this machine's and the operator has not allowed others (an account
    /// made before that rule, or a row edited in the database): nothing is sent there.
    pub(crate) fn api_base_of<'a>(&self, account: &'a ChannelAccount) -> Option<&'a str> {
        let allowed = self.policy.allow_custom_api_base
            || PlatformSpec::of(account.platform)
                .is_none_or(|spec| spec.api_base_is_known(&account.api_base));
        if !allowed {
            tracing::warn!(platform = %account.platform, account = %account.name, "the account's API address is not allowed: nothing is sent there");
        }
        allowed.then_some(account.api_base.as_str())
    }

    pub(super) async fn units_path(&self, code: &UnitCode) -> CoreResult<String> {
        Ok(self.store.unit(code).await?.path)
    }

    pub(super) fn seal_secrets(
        &self,
        platform: Channel,
        name: &AccountName,
        secrets: &BTreeMap<String, String>,
    ) -> CoreResult<Vec<u8>> {
        let plaintext = serde_json::to_vec(secrets)
            .map_err(|e| CoreError::Internal(format!("account secrets: {e}")))?;
        Ok(self
            .keys
            .channel_secrets()
            .seal(&plaintext, &secrets_context(platform, name)))
    }

    pub(crate) fn seal_account_secrets(
        &self,
        account: &ChannelAccount,
        secrets: &BTreeMap<String, String>,
    ) -> CoreResult<Vec<u8>> {
        self.seal_secrets(account.platform, &account.name, secrets)
    }

    pub(crate) fn account_secrets(
        &self,
        account: &ChannelAccount,
    ) -> CoreResult<BTreeMap<String, String>> {
        let plaintext = self
            .keys
            .channel_secrets()
            .open(
                &account.secrets_sealed,
                &secrets_context(account.platform, &account.name),
            )
            .map_err(|_| CoreError::Internal("an account's secrets do not open".into()))?;
        serde_json::from_slice(&plaintext)
            .map_err(|e| CoreError::Internal(format!("an account's secrets: {e}")))
    }

    /// A live account by its webhook's path; `NotFound` for anything else.
    pub(super) async fn live_account(
        &self,
        platform: &str,
        name: &str,
    ) -> CoreResult<ChannelAccount> {
        let platform = PlatformSpec::parse(platform)
            .map_err(|_| CoreError::NotFound)?
            .channel;
        match self.store.channel_account(platform, name).await {
            Ok(account) if !account.disabled => Ok(account),
            Ok(_) | Err(StoreError::NotFound) => Err(CoreError::NotFound),
            Err(e) => Err(e.into()),
        }
    }
}
