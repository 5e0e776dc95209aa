//! Domain errors with stable codes that the API and pages map to messages.

use serde::Serialize;

/// One invalid field of an input, named by its path (`contact.phone`) with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        Self {
            field: field.into(),
            code,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("unknown unit {0}")]
    UnknownUnit(String),
    #[error("unknown role {0}")]
    UnknownRole(String),
    #[error("unknown channel {0}")]
    UnknownChannel(String),
}

impl DomainError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid_input",
            Self::UnknownUnit(_) => "unknown_unit",
            Self::UnknownRole(_) => "unknown_role",
            Self::UnknownChannel(_) => "unknown_channel",
        }
    }

    pub fn field(field: impl Into<String>, code: &'static str) -> Self {
        Self::Invalid(vec![FieldError::new(field, code)])
    }
}
