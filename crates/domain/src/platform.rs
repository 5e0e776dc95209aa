//! The platforms whose accounts Hotline connects to (a province's WhatsApp number, its Facebook
//! page…), what each needs to receive and to answer, and the names accounts are known by.

use crate::{Channel, DomainError, FieldError};

/// What connecting one platform takes. Keys are named as the platform names its secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformSpec {
    /// The channel its reports come on.
    pub channel: Channel,
    /// Its name in commands and paths (`whatsapp`; the telephone line's PBX is `cti`).
    pub name: &'static str,
    /// Needed to receive (check deliveries, answer the handshake).
    pub receive_keys: &'static [&'static str],
    /// Needed, besides, to answer on the platform.
    pub send_keys: &'static [&'static str],
    /// Accepted, not needed.
    pub optional_keys: &'static [&'static str],
    /// Where the platform's API lives unless the account says otherwise.
    pub default_api_base: &'static str,
    /// Replies reach only the sender (`false` for public comments and mentions).
    pub private: bool,
}

const META_GRAPH: &str = "https://graph.facebook.com";

/// Every platform an account can be connected on.
pub const PLATFORMS: &[PlatformSpec] = &[
    PlatformSpec {
        channel: Channel::Whatsapp,
        name: "whatsapp",
        receive_keys: &["app_secret", "verify_token"],
        send_keys: &["access_token", "phone_number_id"],
        // An approved template asking the citizen to write back, sent when an answer waits
        // past the 24-hour window; its one parameter is the case number.
        optional_keys: &["reengage_template", "template_language"],
        default_api_base: META_GRAPH,
        private: true,
    },
    PlatformSpec {
        channel: Channel::Messenger,
        name: "messenger",
        receive_keys: &["app_secret", "verify_token"],
        send_keys: &["access_token", "page_id"],
        optional_keys: &[],
        default_api_base: META_GRAPH,
        private: true,
    },
    PlatformSpec {
        channel: Channel::Instagram,
        name: "instagram",
        receive_keys: &["app_secret", "verify_token"],
        send_keys: &["access_token"],
        // The professional account's id; `me` (the token's own account) when not given.
        optional_keys: &["ig_user_id"],
        default_api_base: "https://graph.instagram.com",
        private: true,
    },
    PlatformSpec {
        channel: Channel::Threads,
        name: "threads",
        receive_keys: &["app_secret", "verify_token"],
        send_keys: &["access_token"],
        optional_keys: &[],
        default_api_base: "https://graph.threads.net",
        private: false,
    },
    PlatformSpec {
        channel: Channel::Zalo,
        name: "zalo",
        // The OA secret key checks deliveries (not the app secret, which refreshes tokens).
        receive_keys: &["app_id", "oa_secret_key"],
        send_keys: &["access_token"],
        // With both, an expired access token is refreshed (and the refresh token, which Zalo
        // rotates on each use, kept).
        optional_keys: &["refresh_token", "app_secret"],
        default_api_base: "https://openapi.zalo.me",
        private: true,
    },
    PlatformSpec {
        channel: Channel::Telegram,
        name: "telegram",
        // A webhook is checked by its secret token; polling fetches with the bot token (see
        // `problems`).
        receive_keys: &[],
        // The bot token answers, fetches files and, with `updates=polling`, updates.
        send_keys: &["bot_token"],
        optional_keys: &["secret_token", "updates"],
        default_api_base: "https://api.telegram.org",
        private: true,
    },
    PlatformSpec {
        channel: Channel::Tiktok,
        name: "tiktok",
        receive_keys: &["app_secret"],
        send_keys: &["access_token"],
        optional_keys: &[],
        default_api_base: "https://business-api.tiktok.com",
        private: true,
    },
    PlatformSpec {
        channel: Channel::X,
        name: "x",
        receive_keys: &["consumer_secret"],
        send_keys: &["access_token"],
        optional_keys: &[],
        default_api_base: "https://api.x.com",
        // Direct messages; mentions are public, message by message.
        private: true,
    },
    PlatformSpec {
        channel: Channel::Sms,
        name: "sms",
        receive_keys: &["signing_key"],
        // The gateway's API (the account's API base: SMSGate's cloud by default, a phone in
        // local mode) and its credentials.
        send_keys: &["api_user", "api_password"],
        optional_keys: &[],
        default_api_base: "https://api.sms-gate.app",
        private: true,
    },
    PlatformSpec {
        channel: Channel::Phone,
        name: "cti",
        // The secret in the webhook's path (`/hooks/cti/<token>`): the PBX's only proof.
        receive_keys: &["token"],
        send_keys: &[],
        optional_keys: &[],
        // A PBX has no API here: it posts, nothing is sent to it.
        default_api_base: "",
        private: true,
    },
    PlatformSpec {
        channel: Channel::Email,
        name: "email",
        // A mailbox read over IMAP, with `imap_password` or `imap_oauth_token` (see
        // `problems`).
        receive_keys: &["imap_host", "imap_user"],
        send_keys: &["smtp_host", "email_address"],
        optional_keys: &[
            "imap_password",
            "imap_oauth_token",
            "imap_port",
            "imap_security",
            "imap_folder",
            "imap_ca_pem",
            "smtp_port",
            "smtp_security",
            "smtp_user",
            "smtp_password",
        ],
        // Mail has no HTTP API.
        default_api_base: "",
        private: true,
    },
];

/// Hosts a mail connection may reach without TLS: this machine only.
pub const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

/// Whether `address` is an API base on this machine: `http(s)://` a loopback host and port,
/// nothing more (a path or query would let it choose which local service and route get an
/// account's token).
pub fn is_loopback_address(address: &str) -> bool {
    url::Url::parse(address).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.username().is_empty()
            && url.password().is_none()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url
                .host_str()
                .is_some_and(|host| LOOPBACK_HOSTS.contains(&host.trim_matches(['[', ']'])))
    })
}

/// How a Telegram account receives: Telegram's webhook (the default) or fetching updates.
pub const TELEGRAM_POLLING: &str = "polling";

impl PlatformSpec {
    pub fn of(channel: Channel) -> Option<&'static Self> {
        PLATFORMS.iter().find(|p| p.channel == channel)
    }

    /// Parses a platform's name (`whatsapp`, `cti`); `unknown_platform` for anything else.
    pub fn parse(name: &str) -> Result<&'static Self, DomainError> {
        PLATFORMS
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| DomainError::field("platform", "unknown_platform"))
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether an account may send its credentials to the API at `base` without the operator's
    /// explicit leave (`allow_custom_api_base`): the platform's own API, or this machine (a
    /// stand-in under test, a gateway on the same server).
    pub fn api_base_is_known(&self, base: &str) -> bool {
        base == self.default_api_base || is_loopback_address(base)
    }

    /// What else settings need beyond the keys each platform requires: a Telegram webhook
    /// needs its secret token (without it anyone could post updates), of the characters
    /// Telegram allows; fetching updates (`updates=polling`) needs the bot token.
    pub fn problems(
        &self,
        settings: &std::collections::BTreeMap<String, String>,
    ) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.channel == Channel::Phone
            && settings.get("token").is_some_and(|token| {
                token.len() < 24
                    || !token
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            })
        {
            // The token is all that guards the line's events: long, and safe in a path.
            problems.push(FieldError::new("token", "invalid"));
        }
        if self.channel == Channel::Email {
            if !settings.contains_key("imap_password") && !settings.contains_key("imap_oauth_token")
            {
                problems.push(FieldError::new("imap_password", "required"));
            }
            for (prefix, default) in [("imap", "tls"), ("smtp", "starttls")] {
                let security = settings
                    .get(&format!("{prefix}_security"))
                    .map_or(default, String::as_str);
                if !matches!(security, "tls" | "starttls" | "plain") {
                    problems.push(FieldError::new(format!("{prefix}_security"), "invalid"));
                }
                // Passwords and mail cross the network encrypted, or not at all.
                let host = settings
                    .get(&format!("{prefix}_host"))
                    .map_or("", String::as_str);
                if security == "plain" && !host.is_empty() && !LOOPBACK_HOSTS.contains(&host) {
                    problems.push(FieldError::new(
                        format!("{prefix}_security"),
                        "plain_not_local",
                    ));
                }
                if let Some(port) = settings.get(&format!("{prefix}_port"))
                    && port.parse::<u16>().map_or(true, |p| p == 0)
                {
                    problems.push(FieldError::new(format!("{prefix}_port"), "invalid"));
                }
            }
            if let Some(address) = settings.get("email_address")
                && !crate::submission::looks_like_email(address)
            {
                problems.push(FieldError::new("email_address", "invalid"));
            }
        }
        if self.channel == Channel::Telegram {
            let updates = settings.get("updates").map_or("webhook", String::as_str);
            if !matches!(updates, "webhook" | TELEGRAM_POLLING) {
                problems.push(FieldError::new("updates", "invalid"));
            }
            if updates == TELEGRAM_POLLING && !settings.contains_key("bot_token") {
                problems.push(FieldError::new("bot_token", "required"));
            }
            match settings.get("secret_token") {
                None if updates != TELEGRAM_POLLING => {
                    problems.push(FieldError::new("secret_token", "required"));
                }
                Some(token)
                    if token.len() > 256
                        || !token
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
                {
                    problems.push(FieldError::new("secret_token", "invalid"));
                }
                _ => {}
            }
        }
        problems
    }

    /// Whether `key` is one this platform uses.
    pub fn knows(&self, key: &str) -> bool {
        self.receive_keys
            .iter()
            .chain(self.send_keys)
            .chain(self.optional_keys)
            .any(|k| *k == key)
    }
}

/// An account's name, unique per platform, as it appears in its webhook URL
/// (`/hooks/whatsapp/<name>`): 1 to 40 lowercase letters, digits, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountName(String);

impl AccountName {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let ok = (1..=40).contains(&input.len())
            && input
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(DomainError::field("account", "invalid_account_name"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AccountName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn platforms_and_account_names() {
        let whatsapp = PlatformSpec::parse("whatsapp").unwrap();
        assert!(whatsapp.knows("phone_number_id") && !whatsapp.knows("page_id"));
        assert!(
            PlatformSpec::parse("web").is_err(),
            "not a platform with accounts"
        );
        assert!(PlatformSpec::parse("myspace").is_err());
        assert!(!PlatformSpec::parse("threads").unwrap().private);
        let telegram = PlatformSpec::parse("telegram").unwrap();
        let settings = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        assert_eq!(
            telegram.problems(&settings(&[("bot_token", "1:x")]))[0].field,
            "secret_token",
            "a webhook needs its secret"
        );
        assert_eq!(
            telegram.problems(&settings(&[("updates", "polling")]))[0].field,
            "bot_token",
            "polling needs the bot"
        );
        assert!(
            telegram
                .problems(&settings(&[("bot_token", "1:x"), ("updates", "polling")]))
                .is_empty()
        );
        assert!(
            telegram
                .problems(&settings(&[("secret_token", "CAT-tinh_113-webhook-2026")]))
                .is_empty()
        );
        assert!(
            !telegram
                .problems(&settings(&[("secret_token", "a b")]))
                .is_empty()
        );
        assert!(
            !telegram
                .problems(&settings(&[("secret_token", "x"), ("updates", "push")]))
                .is_empty()
        );
        assert!(AccountName::parse("qn-whatsapp_1").is_ok());
        for bad in ["", "QN", "a/b", "a b", &"x".repeat(41), "../x"] {
            assert!(AccountName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_this_machines_bare_addresses_and_the_platforms_own_api_need_no_leave() {
        let whatsapp = PlatformSpec::of(Channel::Whatsapp).unwrap();
        for base in [
            "https://graph.facebook.com",
            "http://127.0.0.1:8099",
            "http://localhost:8099/",
            "http://[::1]:8099",
        ] {
            assert!(whatsapp.api_base_is_known(base), "{base}");
        }
        for base in [
            "https://graph.facebook.com.evil.example",
            "https://evil.example",
            "http://127.0.0.1:8080/console/route?",
            "http://127.0.0.1:8080/?x=",
            "http://127.0.0.1@evil.example",
            "http://user:pw@127.0.0.1:8099",
            "http://localhost.evil.example",
            "ftp://127.0.0.1",
        ] {
            assert!(!whatsapp.api_base_is_known(base), "{base}");
        }
    }
}
