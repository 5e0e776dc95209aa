//! The public hotline directory's rules: the kinds of contact point a unit publishes, how each
//! address is written canonically (phones in E.164, handles as the platform's profile address),
//! how a pasted number, address, link or handle is matched against the published ones, and the
//! vCard 4.0 a citizen saves.

use crate::DomainError;
use crate::report::string_enum;
use crate::text::Phone;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

string_enum!(
    /// Where a contact point reaches its owner. The names are the feed's and stay stable.
    ContactKind (|_| DomainError::field("kind", "unknown")) {
        Phone => "phone",
        Email => "email",
        Zalo => "zalo",
        Whatsapp => "whatsapp",
        Facebook => "facebook",
        Tiktok => "tiktok",
        Instagram => "instagram",
        Telegram => "telegram",
        X => "x",
        Threads => "threads",
        Web => "web",
    }
);

/// Why a published phone number was refused, each with words for the administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("no number was given")]
    Empty,
    #[error("a phone number has only digits, spaces, dots, dashes, brackets and a leading +")]
    Letters,
    #[error("too short for a Vietnamese phone number")]
    TooShort,
    #[error("too long for a phone number")]
    TooLong,
    #[error("not a Vietnamese number (+84)")]
    Foreign,
    #[error("not a number in use in Vietnam (check the prefix and the count of digits)")]
    Invalid,
}

impl PhoneError {
    /// The field error code, for the catalogues (`field-address-phone_too_short`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "phone_empty",
            Self::Letters => "phone_letters",
            Self::TooShort => "phone_too_short",
            Self::TooLong => "phone_too_long",
            Self::Foreign => "phone_foreign",
            Self::Invalid => "phone_invalid",
        }
    }
}

/// Fewer digits than any Vietnamese subscriber number written in full (10 or 11 with its
/// leading 0): short codes like 113 are not published contact points.
const MIN_DIGITS: usize = 9;
/// E.164 allows 15 digits; with a written `0084` prefix, 17.
const MAX_DIGITS: usize = 17;

/// Parses a number as the police publish it (`0358.131.313`, `096.229.7777`, `0988.61.6767`,
/// `+84 973 288 038`, `(0203) 3825 000`), saying what is wrong when it is not one.
pub fn parse_published_phone(input: &str) -> Result<Phone, PhoneError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(PhoneError::Empty);
    }
    if !input
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '.' | '-' | '(' | ')' | ' '))
    {
        return Err(PhoneError::Letters);
    }
    let digits = input.chars().filter(char::is_ascii_digit).count();
    if digits < MIN_DIGITS {
        return Err(PhoneError::TooShort);
    }
    if digits > MAX_DIGITS {
        return Err(PhoneError::TooLong);
    }
    let compact: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let international = compact
        .strip_prefix('+')
        .or_else(|| compact.strip_prefix("00"));
    if let Some(rest) = international
        && !rest.starts_with("84")
    {
        return Err(PhoneError::Foreign);
    }
    let written = match international {
        Some(rest) => format!("+{rest}"),
        None => compact,
    };
    let phone = Phone::parse(&written).ok_or(PhoneError::Invalid)?;
    if phone.e164().starts_with("+84") {
        Ok(phone)
    } else {
        Err(PhoneError::Foreign)
    }
}

/// A contact point's canonical address: what is stored, compared and published.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContactAddress {
    pub kind: ContactKind,
    /// E.164 for phones, the lower-case address for e-mail, the canonical profile address
    /// (`https://www.tiktok.com/@congan.qn`) for the platforms, the page for the web.
    pub address: String,
}

/// Platforms whose profiles are named by a handle.
const HANDLE_KINDS: &[ContactKind] = &[
    ContactKind::Facebook,
    ContactKind::Tiktok,
    ContactKind::Instagram,
    ContactKind::Telegram,
    ContactKind::X,
    ContactKind::Threads,
];

fn bad(code: &'static str) -> DomainError {
    DomainError::field("address", code)
}

impl ContactKind {
    /// Host names (without `www.`) the platform's profile links use.
    fn hosts(self) -> &'static [&'static str] {
        match self {
            Self::Zalo => &["zalo.me", "chat.zalo.me", "oa.zalo.me"],
            Self::Whatsapp => &["wa.me", "api.whatsapp.com", "whatsapp.com"],
            Self::Facebook => &[
                "facebook.com",
                "m.facebook.com",
                "web.facebook.com",
                "fb.com",
                "fb.me",
            ],
            Self::Tiktok => &["tiktok.com", "m.tiktok.com"],
            Self::Instagram => &["instagram.com"],
            Self::Telegram => &["t.me", "telegram.me"],
            Self::X => &["x.com", "twitter.com", "mobile.twitter.com"],
            Self::Threads => &["threads.com", "threads.net"],
            Self::Phone | Self::Email | Self::Web => &[],
        }
    }

    /// The canonical profile address of a handle.
    fn profile(self, handle: &str) -> String {
        match self {
            Self::Facebook => format!("https://www.facebook.com/{handle}"),
            Self::Tiktok => format!("https://www.tiktok.com/@{handle}"),
            Self::Instagram => format!("https://www.instagram.com/{handle}"),
            Self::Telegram => format!("https://t.me/{handle}"),
            Self::X => format!("https://x.com/{handle}"),
            Self::Threads => format!("https://www.threads.com/@{handle}"),
            Self::Zalo => format!("https://zalo.me/{handle}"),
            Self::Whatsapp => format!("https://wa.me/{handle}"),
            Self::Phone | Self::Email | Self::Web => handle.to_owned(),
        }
    }

    /// Whether `handle` is one the platform allows (letters, digits, dots, underscores; and
    /// each platform's length).
    fn valid_handle(self, handle: &str) -> bool {
        let (max, dots) = match self {
            Self::Facebook => (50, true),
            Self::Tiktok => (24, true),
            Self::Instagram => (30, true),
            Self::Telegram => (32, false),
            Self::X => (15, false),
            Self::Threads => (30, true),
            _ => return false,
        };
        let min = if self == Self::Telegram { 5 } else { 1 };
        (min..=max).contains(&handle.len())
            && handle
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || (dots && c == '.'))
            && !handle.starts_with('.')
            && !handle.ends_with('.')
    }
}

/// Whether a text is written as a link (`https://…`, `tiktok.com/@x`) rather than a handle
/// (`@congan.qn`, `congan.qn`).
fn written_as_link(input: &str) -> bool {
    !input.starts_with('@') && (input.contains("://") || input.contains('/'))
}

/// A link as written, with or without its scheme: (host without `www.`, path, query).
fn link_parts(input: &str) -> Option<(String, String, Option<String>)> {
    let with_scheme = if input.contains("://") {
        input.to_owned()
    } else {
        format!("https://{input}")
    };
    let url = url::Url::parse(&with_scheme).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    if !host.contains('.') {
        return None;
    }
    Some((
        host,
        url.path().trim_end_matches('/').to_owned(),
        url.query().map(str::to_owned),
    ))
}

fn normal_email(input: &str) -> Option<String> {
    let lower = input.trim().to_lowercase();
    let address = lower.strip_prefix("mailto:").unwrap_or(&lower).to_owned();
    let (local, domain) = address.split_once('@')?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && address.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && address
            .chars()
            .all(|c| c.is_alphanumeric() || "@.-_+".contains(c))
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || ".-".contains(c));
    ok.then_some(address)
}

impl ContactAddress {
    /// Writes `input` canonically for `kind`, or says why it is not such an address.
    pub fn parse(kind: ContactKind, input: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(bad("required"));
        }
        let address = match kind {
            ContactKind::Phone => parse_published_phone(input)
                .map_err(|e| bad(e.code()))?
                .e164()
                .to_owned(),
            ContactKind::Email => normal_email(input).ok_or_else(|| bad("email"))?,
            ContactKind::Zalo | ContactKind::Whatsapp => messenger_address(kind, input)?,
            ContactKind::Web => web_address(input).ok_or_else(|| bad("link"))?,
            _ => kind.profile(&handle_of(kind, input)?),
        };
        Ok(Self { kind, address })
    }

    /// Where a tap goes: `tel:`, `mailto:` or the profile's page.
    pub fn href(&self) -> String {
        match self.kind {
            ContactKind::Phone => format!("tel:{}", self.address),
            ContactKind::Email => format!("mailto:{}", self.address),
            _ => self.address.clone(),
        }
    }

    /// How it is written for a reader: the number grouped the Vietnamese way, the handle
    /// with its `@`, the link without its scheme.
    pub fn display(&self) -> String {
        match self.kind {
            ContactKind::Phone => Phone::from_e164(self.address.clone()).national(),
            ContactKind::Email => self.address.clone(),
            ContactKind::Zalo | ContactKind::Whatsapp => {
                let id = self.address.rsplit('/').next().unwrap_or_default();
                match self.phone() {
                    Some(phone) => phone.national(),
                    None => id.to_owned(),
                }
            }
            ContactKind::Web => self
                .address
                .strip_prefix("https://")
                .unwrap_or(&self.address)
                .to_owned(),
            _ => match self.handle() {
                Some(handle) => format!("@{handle}"),
                None => self.address.clone(),
            },
        }
    }

    /// The number behind a phone, or a Zalo or WhatsApp account named by its number.
    pub fn phone(&self) -> Option<Phone> {
        match self.kind {
            ContactKind::Phone => Some(Phone::from_e164(self.address.clone())),
            ContactKind::Zalo | ContactKind::Whatsapp => {
                let id = self.address.rsplit('/').next()?;
                let digits = if self.kind == ContactKind::Whatsapp {
                    format!("+{id}")
                } else {
                    id.to_owned()
                };
                Phone::parse(&digits).filter(|p| p.e164().starts_with("+84"))
            }
            _ => None,
        }
    }

    /// The handle of a profile on a platform named by handles.
    fn handle(&self) -> Option<&str> {
        if !HANDLE_KINDS.contains(&self.kind) || self.address.contains('?') {
            return None;
        }
        let last = self.address.rsplit('/').next()?;
        Some(last.strip_prefix('@').unwrap_or(last))
    }

    /// Every canonical address a citizen's pasted text could be: a number (as a phone, and as
    /// the Zalo and WhatsApp accounts it names), an e-mail address, a profile link, or a bare
    /// handle on any platform named by handles.
    pub fn candidates(input: &str) -> Vec<Self> {
        let input = input.trim();
        let mut found = Vec::new();
        if input.is_empty() || input.len() > 300 {
            return found;
        }
        if let Ok(phone) = parse_published_phone(input) {
            found.push(Self {
                kind: ContactKind::Phone,
                address: phone.e164().to_owned(),
            });
            for kind in [ContactKind::Zalo, ContactKind::Whatsapp] {
                if let Ok(account) = Self::parse(kind, phone.e164()) {
                    found.push(account);
                }
            }
            return found;
        }
        if input.contains('@') && !input.starts_with('@') && !input.contains('/') {
            if let Ok(email) = Self::parse(ContactKind::Email, input) {
                found.push(email);
            }
            return found;
        }
        if let Some((host, _, _)) = link_parts(input).filter(|_| written_as_link(input)) {
            let platform = ContactKind::ALL
                .iter()
                .copied()
                .find(|k| k.hosts().contains(&host.as_str()));
            let kind = platform.unwrap_or(ContactKind::Web);
            if let Ok(link) = Self::parse(kind, input) {
                found.push(link);
            }
            return found;
        }
        if !input.starts_with('@')
            && let Ok(site) = Self::parse(ContactKind::Web, input)
            && site.address.contains('.')
        {
            found.push(site);
        }
        let handle = input
            .strip_prefix('@')
            .unwrap_or(input)
            .to_ascii_lowercase();
        for kind in HANDLE_KINDS {
            if kind.valid_handle(&handle) {
                found.push(Self {
                    kind: *kind,
                    address: kind.profile(&handle),
                });
            }
        }
        found
    }
}

/// A web page: `https` unless `http` is written, the host in lower case without `www.`, the
/// port kept, no trailing slash.
fn web_address(input: &str) -> Option<String> {
    let plain = input
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"));
    let (host, path, query) = link_parts(input)?;
    let with_scheme = if input.contains("://") {
        input.to_owned()
    } else {
        format!("https://{input}")
    };
    let port = url::Url::parse(&with_scheme)
        .ok()?
        .port()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let scheme = if plain { "http" } else { "https" };
    let mut page = format!("{scheme}://{host}{port}{path}");
    if let Some(q) = query {
        page.push('?');
        page.push_str(&q);
    }
    Some(page)
}

/// A Zalo or WhatsApp account: named by its phone number (`zalo.me/0912345678`,
/// `wa.me/84912345678`) or, for a Zalo Official Account, its numeric id.
fn messenger_address(kind: ContactKind, input: &str) -> Result<String, DomainError> {
    let id = match link_parts(input).filter(|_| written_as_link(input)) {
        Some((host, path, query)) => {
            if !kind.hosts().contains(&host.as_str()) {
                return Err(bad("wrong_platform"));
            }
            let from_query = query.as_deref().and_then(|q| {
                q.split('&')
                    .find_map(|p| p.strip_prefix("phone="))
                    .map(str::to_owned)
            });
            from_query.unwrap_or_else(|| path.trim_start_matches('/').to_owned())
        }
        None => input.to_owned(),
    };
    let phone = if kind == ContactKind::Whatsapp && !id.starts_with(['+', '0']) {
        parse_published_phone(&format!("+{id}"))
    } else {
        parse_published_phone(&id)
    };
    match phone {
        Ok(phone) => {
            let digits = phone.e164().trim_start_matches('+');
            Ok(if kind == ContactKind::Zalo {
                kind.profile(&format!("0{}", digits.strip_prefix("84").unwrap_or(digits)))
            } else {
                kind.profile(digits)
            })
        }
        // An Official Account's id is long and never starts with 0: a mistyped number is not
        // taken for one.
        Err(_)
            if kind == ContactKind::Zalo
                && (15..=20).contains(&id.len())
                && !id.starts_with('0')
                && id.chars().all(|c| c.is_ascii_digit()) =>
        {
            Ok(kind.profile(&id))
        }
        Err(_) => Err(bad("messenger")),
    }
}

/// The handle in a profile link or written bare (`@congan.qn`, `congan.qn`,
/// `https://www.tiktok.com/@congan.qn?lang=vi`), in lower case; a Facebook page without a
/// handle keeps its numeric id (`profile.php?id=…`).
fn handle_of(kind: ContactKind, input: &str) -> Result<String, DomainError> {
    let raw = match link_parts(input).filter(|_| written_as_link(input)) {
        Some((host, path, query)) => {
            if !kind.hosts().contains(&host.as_str()) {
                return Err(bad("wrong_platform"));
            }
            if kind == ContactKind::Facebook && path == "/profile.php" {
                let id = query
                    .as_deref()
                    .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("id=")))
                    .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
                    .ok_or_else(|| bad("handle"))?;
                return Ok(format!("profile.php?id={id}"));
            }
            let mut segments = path.split('/').filter(|s| !s.is_empty());
            let first = segments.next().ok_or_else(|| bad("handle"))?;
            if segments.next().is_some() {
                return Err(bad("handle"));
            }
            first.to_owned()
        }
        None => input.to_owned(),
    };
    let handle = raw.strip_prefix('@').unwrap_or(&raw).to_ascii_lowercase();
    if kind.valid_handle(&handle) {
        Ok(handle)
    } else {
        Err(bad("handle"))
    }
}

impl fmt::Display for ContactAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

impl FromStr for ContactAddress {
    type Err = DomainError;
    /// `kind:address`, as the CSV export writes a pair.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, address) = s.split_once(':').ok_or_else(|| bad("required"))?;
        Self::parse(kind.parse()?, address)
    }
}

/// Whether two numbers differ by one digit, or by two neighbouring digits swapped: the
/// numbers scammers pick to pass for an official one.
pub fn resembles(a: &Phone, b: &Phone) -> bool {
    let (a, b) = (a.e164().as_bytes(), b.e164().as_bytes());
    if a.len() != b.len() || a == b {
        return false;
    }
    let differ: Vec<usize> = (0..a.len()).filter(|i| a.get(*i) != b.get(*i)).collect();
    match differ.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && a.get(*i) == b.get(*j) && a.get(*j) == b.get(*i),
        _ => false,
    }
}

/// What a saved contact says: its name, the organisation and title, and its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The person's name, or the line's label when the line is the unit's.
    pub name: String,
    /// Family and given names of a person (Vietnamese order: the family name first).
    pub person: Option<(String, String)>,
    /// The organisation, then its units from the top (`Công an tỉnh Quảng Ninh`, `Phòng …`).
    pub organisation: Vec<String>,
    pub title: Option<String>,
    pub addresses: Vec<ContactAddress>,
    pub note: Option<String>,
    /// When the entry last changed, `YYYYMMDDTHHMMSSZ`.
    pub revision: String,
    /// A stable identifier (`urn:uuid:` is not required; a URI of our own is enough).
    pub uid: String,
}

/// Escapes a text value (RFC 6350 §3.4).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets without splitting a character (RFC 6350 §3.2).
fn fold_line(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

impl Card {
    /// The card as vCard 4.0 text (RFC 6350), lines ending in CRLF.
    pub fn to_vcard(&self) -> String {
        let mut lines = vec![
            "BEGIN:VCARD".to_owned(),
            "VERSION:4.0".to_owned(),
            format!("UID:{}", self.uid),
            format!("FN:{}", escape(&self.name)),
        ];
        match &self.person {
            Some((family, given)) => {
                lines.push("KIND:individual".to_owned());
                lines.push(format!("N:{};{};;;", escape(family), escape(given)));
            }
            None => lines.push("KIND:org".to_owned()),
        }
        let organisation: Vec<String> = self.organisation.iter().map(|o| escape(o)).collect();
        lines.push(format!("ORG:{}", organisation.join(";")));
        if let Some(title) = &self.title {
            lines.push(format!("TITLE:{}", escape(title)));
        }
        for a in &self.addresses {
            lines.push(match a.kind {
                ContactKind::Phone => format!("TEL;VALUE=uri;TYPE=voice:{}", a.href()),
                ContactKind::Email => format!("EMAIL;TYPE=work:{}", a.address),
                ContactKind::Web => format!("URL:{}", a.address),
                kind => format!("IMPP;X-SERVICE-TYPE={}:{}", kind.as_str(), a.address),
            });
        }
        if let Some(note) = &self.note {
            lines.push(format!("NOTE:{}", escape(note)));
        }
        lines.push(format!("REV:{}", self.revision));
        lines.push("END:VCARD".to_owned());
        let mut out = String::new();
        for line in lines {
            fold_line(&line, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_numbers_parse_in_every_written_form() {
        for (input, e164, shown) in [
            ("0358.131.313", "+84358131313", "0358 131 313"),
            ("096.229.7777", "+84962297777", "0962 297 777"),
            ("0988.61.6767", "+84988616767", "0988 616 767"),
            ("+84 973 288 038", "+84973288038", "0973 288 038"),
            ("0084 973 288 038", "+84973288038", "0973 288 038"),
            ("(0203) 3825 000", "+842033825000", "0203 3825 000"),
            ("024.3826.9999", "+842438269999", "024 3826 9999"),
        ] {
            let phone = parse_published_phone(input).unwrap();
            assert_eq!(phone.e164(), e164, "{input}");
            assert_eq!(phone.national(), shown, "{input}");
        }
    }

    #[test]
    fn bad_numbers_say_what_is_wrong() {
        for (input, error) in [
            ("", PhoneError::Empty),
            ("0358.131", PhoneError::TooShort),
            ("113", PhoneError::TooShort),
            ("+1 202 555 0143", PhoneError::Foreign),
            ("0044 20 7946 0958", PhoneError::Foreign),
            ("0358.131.31O", PhoneError::Letters),
            ("gọi 0358131313", PhoneError::Letters),
            ("0358 131 313 131 313 131", PhoneError::TooLong),
            ("0158 131 313", PhoneError::Invalid),
        ] {
            assert_eq!(parse_published_phone(input).err(), Some(error), "{input}");
        }
        assert_eq!(PhoneError::TooShort.code(), "phone_too_short");
    }

    fn canon(kind: ContactKind, input: &str) -> String {
        ContactAddress::parse(kind, input).unwrap().address
    }

    #[test]
    fn handles_become_the_platforms_profile_addresses() {
        use ContactKind::*;
        for (kind, input, address) in [
            (
                Facebook,
                "facebook.com/CongAnQuangNinh",
                "https://www.facebook.com/conganquangninh",
            ),
            (
                Facebook,
                "https://m.facebook.com/conganquangninh/",
                "https://www.facebook.com/conganquangninh",
            ),
            (
                Facebook,
                "https://www.facebook.com/profile.php?id=100012345678",
                "https://www.facebook.com/profile.php?id=100012345678",
            ),
            (Tiktok, "@CongAn.QN", "https://www.tiktok.com/@congan.qn"),
            (
                Tiktok,
                "https://www.tiktok.com/@congan.qn?lang=vi",
                "https://www.tiktok.com/@congan.qn",
            ),
            (
                Instagram,
                "instagram.com/congan_qn",
                "https://www.instagram.com/congan_qn",
            ),
            (Telegram, "t.me/CongAnQN_bot", "https://t.me/conganqn_bot"),
            (X, "https://twitter.com/CongAnQN", "https://x.com/conganqn"),
            (
                Threads,
                "threads.net/@congan.qn",
                "https://www.threads.com/@congan.qn",
            ),
            (Zalo, "0358.131.313", "https://zalo.me/0358131313"),
            (Zalo, "0845 123 456", "https://zalo.me/0845123456"),
            (
                Zalo,
                "https://zalo.me/84845123456",
                "https://zalo.me/0845123456",
            ),
            (
                Web,
                "http://congan.example:8080/tin/",
                "http://congan.example:8080/tin",
            ),
            (
                Zalo,
                "https://zalo.me/84358131313",
                "https://zalo.me/0358131313",
            ),
            (
                Zalo,
                "https://zalo.me/4318329473278823456",
                "https://zalo.me/4318329473278823456",
            ),
            (
                Whatsapp,
                "https://wa.me/84358131313",
                "https://wa.me/84358131313",
            ),
            (Whatsapp, "0358 131 313", "https://wa.me/84358131313"),
            (
                Email,
                "Mailto:DuongDayNong@CAQN.gov.vn",
                "duongdaynong@caqn.gov.vn",
            ),
            (
                Web,
                "https://CongAn.QuangNinh.gov.vn/",
                "https://congan.quangninh.gov.vn",
            ),
        ] {
            assert_eq!(canon(kind, input), address, "{kind} {input}");
        }
    }

    #[test]
    fn addresses_of_another_platform_or_malformed_are_refused() {
        use ContactKind::*;
        for (kind, input, code) in [
            (Tiktok, "https://www.facebook.com/congan", "wrong_platform"),
            (
                Facebook,
                "https://www.facebook.com/groups/x/posts",
                "handle",
            ),
            (X, "@this_handle_is_far_too_long", "handle"),
            (Email, "duongdaynong.gov.vn", "email"),
            (Email, "a@b", "email"),
            (Zalo, "not a number", "messenger"),
            (Zalo, "0158131313", "messenger"),
            (Zalo, "8435813131", "messenger"),
            (Web, "javascript:alert(1)", "link"),
            (Phone, "+1 202 555 0143", "phone_foreign"),
            (Phone, "  ", "required"),
        ] {
            match ContactAddress::parse(kind, input) {
                Err(DomainError::Invalid(errors)) => {
                    assert_eq!(errors.first().map(|e| e.code), Some(code), "{kind} {input}")
                }
                other => panic!("{kind} {input}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_pasted_text_is_matched_in_every_form_it_may_take() {
        let forms = |input: &str| {
            ContactAddress::candidates(input)
                .into_iter()
                .map(|a| a.address)
                .collect::<Vec<_>>()
        };
        let phone = forms("0358 131 313");
        assert!(phone.contains(&"+84358131313".to_owned()));
        assert!(phone.contains(&"https://zalo.me/0358131313".to_owned()));
        assert_eq!(forms("+84358131313"), phone);
        assert_eq!(
            forms("DuongDayNong@caqn.gov.vn"),
            ["duongdaynong@caqn.gov.vn"]
        );
        assert_eq!(
            forms("https://vt.tiktok.com/x"),
            ["https://vt.tiktok.com/x"],
            "an unknown host is a web page"
        );
        assert_eq!(
            forms("tiktok.com/@CongAn.QN"),
            ["https://www.tiktok.com/@congan.qn"]
        );
        let bare = forms("@congan.qn");
        assert!(bare.contains(&"https://www.tiktok.com/@congan.qn".to_owned()));
        assert!(bare.contains(&"https://www.facebook.com/congan.qn".to_owned()));
        assert!(forms("").is_empty());
        assert!(forms("<script>").is_empty());
    }

    #[test]
    fn a_number_one_digit_off_resembles_the_official_one() {
        let official = parse_published_phone("0358.131.313").unwrap();
        let p = |s| parse_published_phone(s).unwrap();
        assert!(resembles(&official, &p("0358.131.314")));
        assert!(resembles(&official, &p("0358.113.313")), "two swapped");
        assert!(!resembles(&official, &official));
        assert!(!resembles(&official, &p("0912.345.678")));
    }

    #[test]
    fn the_vcard_escapes_and_folds() {
        let card = Card {
            name: "Nguyễn Văn Minh (dữ liệu minh họa)".into(),
            person: Some(("Nguyễn".into(), "Văn Minh".into())),
            organisation: vec!["Công an tỉnh Quảng Ninh".into(), "Phòng Tham mưu; Văn phòng".into()],
            title: Some("Giám đốc; Đại tá, thường trực".into()),
            addresses: vec![
                ContactAddress::parse(ContactKind::Phone, "0358.131.313").unwrap(),
                ContactAddress::parse(ContactKind::Zalo, "0358.131.313").unwrap(),
            ],
            note: Some("Đường dây nóng tiếp nhận tin báo 24/7 của Công an tỉnh Quảng Ninh, bảo mật thông tin người báo".into()),
            revision: "20261129T000000Z".into(),
            uid: "urn:hotline:22:1".into(),
        };
        let text = card.to_vcard();
        assert!(text.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
        assert!(text.contains("TITLE:Giám đốc\\; Đại tá\\, thường trực\r\n"));
        assert!(text.contains("ORG:Công an tỉnh Quảng Ninh;Phòng Tham mưu\\; Văn phòng\r\n"));
        assert!(text.contains("TEL;VALUE=uri;TYPE=voice:tel:+84358131313\r\n"));
        assert!(text.lines().all(|l| l.len() <= 75), "{text}");
        assert!(text.contains("\r\n "), "the long note is folded");
    }
}
