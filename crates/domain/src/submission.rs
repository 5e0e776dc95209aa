//! A citizen's report as it arrives (from the form or the API) and the rules that make it valid.

use crate::error::{DomainError, FieldError};
use crate::places::Gazetteer;
use crate::text::{Phone, clean, clean_line};
use chrono::{DateTime, Utc};

/// Longest report text accepted, in characters; longer stories come as attachments.
pub const MAX_TEXT_CHARS: usize = 20_000;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_ADDRESS_CHARS: usize = 500;

/// What a reporter may leave to be contacted. Every field is optional.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ContactInput {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A submission before validation, whatever channel it came through.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ReportInput {
    pub text: String,
    pub province_code: Option<u32>,
    pub commune_code: Option<u32>,
    pub address: Option<String>,
    pub contact: Option<ContactInput>,
    /// `Some(true)` asks that no identity be kept; `None` means "anonymous unless a contact is
    /// given".
    pub anonymous: Option<bool>,
    /// When it happened, if the reporter said.
    pub occurred_at: Option<DateTime<Utc>>,
    /// The reporter asks to be protected: they are under threat.
    pub protection_requested: bool,
}

// A reporter's identity and words never reach a log line, even through a stray `{:?}`.
impl std::fmt::Debug for ContactInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContactInput(…)")
    }
}

impl std::fmt::Debug for ReportInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportInput")
            .field("text_chars", &self.text.chars().count())
            .field("province_code", &self.province_code)
            .field("commune_code", &self.commune_code)
            .field("has_contact", &self.contact.is_some())
            .finish()
    }
}

/// The identity a reporter chose to leave, normalised. Stored apart from the report.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidContact {
    pub name: Option<String>,
    pub phone: Option<Phone>,
    pub email: Option<String>,
}

impl std::fmt::Debug for ValidContact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ValidContact(…)")
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct ValidReport {
    pub text: String,
    pub province_code: Option<u32>,
    pub commune_code: Option<u32>,
    pub address: Option<String>,
    pub contact: Option<ValidContact>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub protection_requested: bool,
}

impl std::fmt::Debug for ValidReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidReport")
            .field("text_chars", &self.text.chars().count())
            .field("province_code", &self.province_code)
            .field("commune_code", &self.commune_code)
            .field("has_contact", &self.contact.is_some())
            .finish()
    }
}

fn optional_line(value: Option<&str>) -> Option<String> {
    value.map(clean_line).filter(|s| !s.is_empty())
}

/// Whether `s` reads as one e-mail address (`local@domain.tld`, no spaces or brackets).
pub(crate) fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
}

impl ReportInput {
    /// Checks every field and reports all that are wrong at once, each named by its path.
    pub fn validate(&self, places: &Gazetteer) -> Result<ValidReport, DomainError> {
        let mut errors = Vec::new();
        let text = clean(&self.text);
        if text.is_empty() {
            errors.push(FieldError::new("text", "required"));
        } else if text.chars().count() > MAX_TEXT_CHARS {
            errors.push(FieldError::new("text", "too_long"));
        }

        let mut province_code = self.province_code;
        if let Some(p) = province_code
            && places.province(p).is_none()
        {
            errors.push(FieldError::new("province_code", "unknown"));
        }
        if let Some(c) = self.commune_code {
            match places.commune(c) {
                None => errors.push(FieldError::new("commune_code", "unknown")),
                Some(commune) => match province_code {
                    None => province_code = Some(commune.province_code),
                    Some(p) if p != commune.province_code => {
                        errors.push(FieldError::new("commune_code", "not_in_province"));
                    }
                    Some(_) => {}
                },
            }
        }

        let address = optional_line(self.address.as_deref());
        if address
            .as_ref()
            .is_some_and(|a| a.chars().count() > MAX_ADDRESS_CHARS)
        {
            errors.push(FieldError::new("address", "too_long"));
        }

        let contact = self.contact.as_ref().and_then(|c| {
            let name = optional_line(c.name.as_deref());
            if name
                .as_ref()
                .is_some_and(|n| n.chars().count() > MAX_NAME_CHARS)
            {
                errors.push(FieldError::new("contact.name", "too_long"));
            }
            let phone = optional_line(c.phone.as_deref()).and_then(|p| {
                let parsed = Phone::parse(&p);
                if parsed.is_none() {
                    errors.push(FieldError::new("contact.phone", "invalid"));
                }
                parsed
            });
            let email = optional_line(c.email.as_deref()).map(|e| e.to_lowercase());
            if let Some(e) = &email
                && (e.chars().count() > MAX_EMAIL_CHARS || !looks_like_email(e))
            {
                errors.push(FieldError::new("contact.email", "invalid"));
            }
            (name.is_some() || phone.is_some() || email.is_some()).then_some(ValidContact {
                name,
                phone,
                email,
            })
        });
        if self.anonymous == Some(true) && contact.is_some() {
            errors.push(FieldError::new("anonymous", "contradicts_contact"));
        }

        if errors.is_empty() {
            Ok(ValidReport {
                text,
                province_code,
                commune_code: self.commune_code,
                address,
                contact,
                occurred_at: self.occurred_at,
                protection_requested: self.protection_requested,
            })
        } else {
            Err(DomainError::Invalid(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places() -> Gazetteer {
        Gazetteer::embedded().unwrap()
    }

    fn fields(err: DomainError) -> Vec<(String, &'static str)> {
        match err {
            DomainError::Invalid(v) => v.into_iter().map(|f| (f.field, f.code)).collect(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn debug_output_carries_no_identity_or_text() {
        let input = ReportInput {
            text: "bí mật".into(),
            contact: Some(ContactInput {
                name: Some("Nguyễn Văn A".into()),
                phone: Some("0912345678".into()),
                email: None,
            }),
            ..Default::default()
        };
        let shown = format!("{input:?} {:?}", input.validate(&places()).unwrap());
        for secret in ["bí mật", "Nguyễn", "0912345678", "+84912345678"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn a_plain_anonymous_report_is_valid() {
        let input = ReportInput {
            text: "  Có nhóm thanh niên đua xe trái phép  ".into(),
            province_code: Some(22),
            ..Default::default()
        };
        let valid = input.validate(&places()).unwrap();
        assert_eq!(valid.text, "Có nhóm thanh niên đua xe trái phép");
        assert!(valid.contact.is_none());
    }

    #[test]
    fn commune_fills_in_its_province() {
        let input = ReportInput {
            text: "x".into(),
            commune_code: Some(70),
            ..Default::default()
        };
        assert_eq!(input.validate(&places()).unwrap().province_code, Some(1));
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = ReportInput {
            text: " \n ".into(),
            province_code: Some(99),
            commune_code: Some(5),
            contact: Some(ContactInput {
                name: Some("A".repeat(300)),
                phone: Some("12ab".into()),
                email: Some("not-an-email".into()),
            }),
            anonymous: Some(true),
            ..Default::default()
        };
        let got = fields(input.validate(&places()).unwrap_err());
        let names: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            names,
            [
                "text",
                "province_code",
                "commune_code",
                "contact.name",
                "contact.phone",
                "contact.email",
                "anonymous"
            ]
        );
    }

    #[test]
    fn commune_outside_the_province_is_refused() {
        let input = ReportInput {
            text: "x".into(),
            province_code: Some(22),
            commune_code: Some(70),
            ..Default::default()
        };
        assert_eq!(
            fields(input.validate(&places()).unwrap_err()),
            [("commune_code".to_owned(), "not_in_province")]
        );
    }

    #[test]
    fn empty_contact_fields_mean_no_contact() {
        let input = ReportInput {
            text: "x".into(),
            contact: Some(ContactInput {
                name: Some("  ".into()),
                phone: Some(String::new()),
                email: None,
            }),
            anonymous: Some(true),
            ..Default::default()
        };
        assert!(input.validate(&places()).unwrap().contact.is_none());
    }

    #[test]
    fn contact_is_normalised() {
        let input = ReportInput {
            text: "x".into(),
            contact: Some(ContactInput {
                name: Some(" Nguyễn  Văn A ".into()),
                phone: Some("0912.345.678".into()),
                email: Some("A@Example.VN".into()),
            }),
            ..Default::default()
        };
        let c = input.validate(&places()).unwrap().contact.unwrap();
        assert_eq!(c.name.as_deref(), Some("Nguyễn Văn A"));
        assert_eq!(
            c.phone.map(|p| p.e164().to_owned()).as_deref(),
            Some("+84912345678")
        );
        assert_eq!(c.email.as_deref(), Some("a@example.vn"));
    }
}
