//! Errors mapped to HTTP in one place: RFC 9457 problem details on the API, a Vietnamese (or
//! English) error page on pages. A 5xx never shows internals, only the request id that the log
//! line also carries.

use crate::extract::{BodyError, Ctx};
use crate::i18n::Tr;
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use hotline_core::CoreError;
use hotline_domain::{DomainError, FieldError};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

/// One invalid field in a problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvalidParam {
    /// Path of the field, e.g. `contact.phone`.
    pub field: String,
    /// Stable code: `required`, `invalid`, `unknown`, `too_long`, `malformed`, …
    pub code: String,
    pub message: String,
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub request_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<InvalidParam>,
}

/// An error on an API route.
pub struct ApiError {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: Option<String>,
    pub errors: Vec<InvalidParam>,
    pub request_id: String,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, title: &'static str, ctx: &Ctx) -> Self {
        Self {
            status,
            title,
            detail: None,
            errors: Vec::new(),
            request_id: ctx.request_id.clone(),
            retry_after: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn from_body(e: BodyError, ctx: &Ctx) -> Self {
        let status = e.status();
        match e {
            BodyError::TooLarge => Self::new(status, "Payload too large", ctx)
                .detail("The request body is larger than this server accepts."),
            BodyError::Unreadable => Self::new(status, "Unreadable body", ctx),
            BodyError::BadEncoding => {
                Self::new(status, "Invalid encoding", ctx).detail("The body is not valid UTF-8.")
            }
            BodyError::UnsupportedMediaType => Self::new(status, "Unsupported media type", ctx)
                .detail("Send Content-Type: application/json."),
            BodyError::Malformed { field, detail } => {
                let mut err = Self::new(status, "Malformed request", ctx).detail(detail.clone());
                err.errors.push(InvalidParam {
                    field,
                    code: "malformed".into(),
                    message: detail,
                });
                err
            }
        }
    }

    pub fn from_core(e: CoreError, ctx: &Ctx) -> Self {
        match e {
            CoreError::Domain(DomainError::Invalid(fields)) => {
                let mut err = Self::new(StatusCode::BAD_REQUEST, "Invalid input", ctx)
                    .detail("One or more fields are invalid.");
                err.errors = fields.iter().map(|f| invalid_param(f, &ctx.tr)).collect();
                err
            }
            CoreError::Domain(other) => {
                Self::new(StatusCode::BAD_REQUEST, "Invalid input", ctx).detail(other.to_string())
            }
            CoreError::NotFound => Self::new(StatusCode::NOT_FOUND, "Not found", ctx),
            CoreError::Forbidden => Self::new(StatusCode::FORBIDDEN, "Forbidden", ctx),
            CoreError::Unauthenticated => Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", ctx)
                .detail("A valid bearer token is required."),
            CoreError::Throttled { retry_after_secs } => {
                let mut err = Self::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests", ctx);
                err.retry_after = Some(retry_after_secs);
                err
            }
            CoreError::BadFile(what) => {
                Self::new(StatusCode::BAD_REQUEST, "Invalid input", ctx).detail(what)
            }
            CoreError::Conflict(what) => Self::new(StatusCode::CONFLICT, "Conflict", ctx)
                .detail(format!("{what} already exists")),
            CoreError::Unavailable => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "Service unavailable", ctx)
            }
            CoreError::WrongMasterKey => {
                tracing::error!("master key mismatch");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", ctx)
            }
            CoreError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", ctx)
            }
        }
    }
}

fn invalid_param(f: &FieldError, tr: &Tr) -> InvalidParam {
    InvalidParam {
        field: f.field.clone(),
        code: f.code.to_owned(),
        message: field_message(tr, &f.field, f.code),
    }
}

/// The catalogue's sentence for a field error, or a generic one.
pub fn field_message(tr: &Tr, field: &str, code: &str) -> String {
    let key = format!("field-{field}-{code}");
    if tr.has(&key) {
        tr.t(&key)
    } else {
        tr.t("field-generic")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: "about:blank".into(),
            title: self.title.into(),
            status: self.status.as_u16(),
            detail: self.detail,
            request_id: self.request_id,
            errors: self.errors,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: crate::pages::Chrome,
    message: &'a str,
    request_id: &'a str,
}

/// An error on a page route, rendered as a page in the reader's language.
pub struct PageError {
    pub status: StatusCode,
    pub message_key: &'static str,
    pub ctx: Ctx,
    pub retry_after: Option<u64>,
}

impl PageError {
    pub fn new(status: StatusCode, message_key: &'static str, ctx: &Ctx) -> Self {
        Self {
            status,
            message_key,
            ctx: ctx.clone(),
            retry_after: None,
        }
    }

    pub fn from_body(e: BodyError, ctx: &Ctx) -> Self {
        let key = match e {
            BodyError::TooLarge => "error-too-large",
            BodyError::BadEncoding => "error-bad-encoding",
            _ => "error-bad-request",
        };
        Self::new(e.status(), key, ctx)
    }

    pub fn from_core(e: CoreError, ctx: &Ctx) -> Self {
        match e {
            CoreError::NotFound => Self::new(StatusCode::NOT_FOUND, "error-not-found", ctx),
            CoreError::Domain(_) => Self::new(StatusCode::BAD_REQUEST, "error-bad-request", ctx),
            CoreError::Unavailable => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "error-unavailable", ctx)
            }
            CoreError::Throttled { retry_after_secs } => {
                let mut err = Self::new(StatusCode::TOO_MANY_REQUESTS, "error-rate-limited", ctx);
                err.retry_after = Some(retry_after_secs);
                err
            }
            CoreError::Forbidden | CoreError::Unauthenticated => {
                Self::new(StatusCode::FORBIDDEN, "error-forbidden", ctx)
            }
            CoreError::Conflict(_) => Self::new(StatusCode::CONFLICT, "error-bad-request", ctx),
            CoreError::BadFile(_) => Self::new(StatusCode::BAD_REQUEST, "error-bad-request", ctx),
            CoreError::WrongMasterKey => {
                tracing::error!("master key mismatch");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "error-internal", ctx)
            }
            CoreError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "error-internal", ctx)
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            c: crate::pages::Chrome::new(&self.ctx, None),
            message: &self.ctx.tr.t(self.message_key),
            request_id: &self.ctx.request_id,
        };
        let mut response = match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, self.ctx.request_id.clone()).into_response(),
        };
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}
