//! Where a staff member wants to be told of alerts outside the console: e-mail, a text message,
//! a Telegram chat, tried in the order they set. The console always has every alert as well.

use crate::DomainError;
use crate::text::Phone;

/// The channels alerts can leave by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotifyChannel {
    Email,
    Sms,
    Telegram,
}

impl NotifyChannel {
    pub const ALL: [Self; 3] = [Self::Email, Self::Sms, Self::Telegram];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
            Self::Telegram => "telegram",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What a notification tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// An urgent report waits for acknowledgement at the recipient's level of its chain.
    Alert,
    /// A report's time limit is near.
    DeadlineApproaching,
    /// A report's time limit has passed.
    DeadlinePassed,
    /// A director's daily digest.
    Digest,
    /// A member tries their own addresses.
    Test,
    /// A channel account has gone quiet, when it usually is not.
    ChannelSilent,
    /// A channel account's answers keep failing.
    ChannelFailing,
}

impl NotificationKind {
    pub const ALL: [Self; 7] = [
        Self::Alert,
        Self::DeadlineApproaching,
        Self::DeadlinePassed,
        Self::Digest,
        Self::Test,
        Self::ChannelSilent,
        Self::ChannelFailing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alert => "alert",
            Self::DeadlineApproaching => "deadline_approaching",
            Self::DeadlinePassed => "deadline_passed",
            Self::Digest => "digest",
            Self::Test => "test",
            Self::ChannelSilent => "channel_silent",
            Self::ChannelFailing => "channel_failing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The most addresses one member keeps.
pub const MAX_ADDRESSES: usize = 3;

/// One checked address on one channel. `Debug` shows the channel only: addresses are personal.
#[derive(Clone, PartialEq, Eq)]
pub struct NotifyAddress {
    pub channel: NotifyChannel,
    address: String,
}

impl std::fmt::Debug for NotifyAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NotifyAddress({}, …)", self.channel.as_str())
    }
}

impl NotifyAddress {
    /// Checks `input` as an address on `channel`: a mailbox `name@domain`, a phone number
    /// (kept in E.164), or a Telegram chat id (a number; groups' are negative). `field` names
    /// the input in the error.
    pub fn parse(channel: NotifyChannel, input: &str, field: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        let address = match channel {
            NotifyChannel::Email => {
                let ok = input.len() <= 254
                    && !input.chars().any(|c| c.is_whitespace() || c.is_control())
                    && input.split_once('@').is_some_and(|(local, domain)| {
                        !local.is_empty()
                            && domain.contains('.')
                            && !domain.starts_with('.')
                            && !domain.ends_with('.')
                            && !domain.contains('@')
                    });
                if !ok {
                    return Err(DomainError::field(field, "invalid_email"));
                }
                input.to_owned()
            }
            NotifyChannel::Sms => Phone::parse(input)
                .ok_or_else(|| DomainError::field(field, "invalid_phone"))?
                .e164()
                .to_owned(),
            NotifyChannel::Telegram => input
                .parse::<i64>()
                .ok()
                .filter(|id| *id != 0)
                .ok_or_else(|| DomainError::field(field, "invalid_chat_id"))?
                .to_string(),
        };
        Ok(Self { channel, address })
    }

    /// Rebuilds an address read back from storage, which only holds what `parse` produced.
    pub fn from_stored(channel: NotifyChannel, address: String) -> Self {
        Self { channel, address }
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// The address with most of it hidden, for pages and records: `t***@example.vn`,
    /// `+84*****5678`, `***4567`.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.address.chars().collect();
        match self.channel {
            NotifyChannel::Email => match self.address.split_once('@') {
                Some((local, domain)) => {
                    let first: String = local.chars().take(1).collect();
                    format!("{first}***@{domain}")
                }
                None => "***".into(),
            },
            NotifyChannel::Sms | NotifyChannel::Telegram => {
                let keep = 4.min(chars.len());
                let tail: String = chars.iter().skip(chars.len() - keep).collect();
                let head = if self.channel == NotifyChannel::Sms {
                    "+84*****"
                } else {
                    "***"
                };
                format!("{head}{tail}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn addresses_are_checked_and_kept_in_one_form() {
        let phone = NotifyAddress::parse(NotifyChannel::Sms, "0912.345.678", "a").unwrap();
        assert_eq!(phone.address(), "+84912345678");
        assert_eq!(phone.masked(), "+84*****5678");
        let mail = NotifyAddress::parse(NotifyChannel::Email, " truc.ban@ca.example.vn ", "a");
        assert_eq!(mail.unwrap().masked(), "t***@ca.example.vn");
        let chat = NotifyAddress::parse(NotifyChannel::Telegram, "-1001234567", "a").unwrap();
        assert_eq!(chat.address(), "-1001234567");
        for (channel, bad) in [
            (NotifyChannel::Email, "no-at-sign"),
            (NotifyChannel::Email, "a@b"),
            (NotifyChannel::Email, "a b@c.vn"),
            (NotifyChannel::Email, "a@b.vn\r\nBcc: x@y.vn"),
            (NotifyChannel::Sms, "số 0912"),
            (NotifyChannel::Telegram, "@somebody"),
            (NotifyChannel::Telegram, "0"),
        ] {
            assert!(NotifyAddress::parse(channel, bad, "a").is_err(), "{bad}");
        }
        assert!(!format!("{phone:?}").contains("345"));
    }
}
