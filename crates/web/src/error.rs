//! Errors mapped to HTTP in one place: RFC 9457 problem details on the API, a Vietnamese (or
//! English) error page on pages. A handler returns what went wrong and nothing else
//! (`?` on a `CoreError` is enough); `middleware::render_errors` writes the answer in the
//! request's language and with its id. A 5xx never shows internals, only the request id that
//! the log line also carries.

use crate::extract::{BodyError, Ctx};
use crate::i18n::Tr;
use askama::Template;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use hotline_core::CoreError;
use hotline_domain::{DomainError, FieldError};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

/// When to try again after the store (or a writer) was away: a restart or a failover of the
/// database takes seconds; the pool notices at once when it is back.
pub const RETRY_UNAVAILABLE_SECS: u64 = 5;

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

/// An invalid field as a handler names it; its sentence comes from the reader's catalogue
/// unless the handler wrote one.
#[derive(Debug, Clone)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: Option<String>,
}

/// An error on an API route.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: Option<String>,
    pub errors: Vec<FieldProblem>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, title: &'static str) -> Self {
        Self {
            status,
            title,
            detail: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Names a field that is wrong, with the sentence to show for it.
    pub fn field(mut self, field: &str, code: &str, message: impl Into<String>) -> Self {
        self.errors.push(FieldProblem {
            field: field.to_owned(),
            code: code.to_owned(),
            message: Some(message.into()),
        });
        self
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// The problem document, in the reader's language, with the request's id.
    pub(crate) fn render(self, ctx: &Ctx, response: &mut Response) {
        let problem = Problem {
            kind: "about:blank".into(),
            title: self.title.into(),
            status: self.status.as_u16(),
            detail: self.detail,
            request_id: ctx.request_id.clone(),
            errors: self
                .errors
                .into_iter()
                .map(|f| InvalidParam {
                    message: f
                        .message
                        .unwrap_or_else(|| field_message(&ctx.tr, &f.field, &f.code)),
                    field: f.field,
                    code: f.code,
                })
                .collect(),
        };
        *response.body_mut() = Body::from(serde_json::to_vec(&problem).unwrap_or_default());
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
    }
}

impl From<BodyError> for ApiError {
    fn from(e: BodyError) -> Self {
        let status = e.status();
        match e {
            BodyError::TooLarge => Self::new(status, "Payload too large")
                .detail("The request body is larger than this server accepts."),
            BodyError::TimedOut => Self::new(status, "Request timeout")
                .detail("The request body stopped arriving; send it again."),
            BodyError::Unreadable => Self::new(status, "Unreadable body"),
            BodyError::BadEncoding => {
                Self::new(status, "Invalid encoding").detail("The body is not valid UTF-8.")
            }
            BodyError::UnsupportedMediaType => Self::new(status, "Unsupported media type")
                .detail("Send Content-Type: application/json."),
            BodyError::Malformed { field, detail } => Self::new(status, "Malformed request")
                .detail(detail.clone())
                .field(&field, "malformed", detail),
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Domain(DomainError::Invalid(fields)) => {
                let (status, title) = match refusal_status(&fields) {
                    StatusCode::CONFLICT => (StatusCode::CONFLICT, "Not possible now"),
                    StatusCode::UNPROCESSABLE_ENTITY => {
                        (StatusCode::UNPROCESSABLE_ENTITY, "Cannot be taken")
                    }
                    _ => (StatusCode::BAD_REQUEST, "Invalid input"),
                };
                let mut err = Self::new(status, title).detail("One or more fields are invalid.");
                err.errors = fields.iter().map(field_problem).collect();
                err
            }
            CoreError::Domain(other) => {
                Self::new(StatusCode::BAD_REQUEST, "Invalid input").detail(other.to_string())
            }
            CoreError::NotFound => Self::new(StatusCode::NOT_FOUND, "Not found"),
            CoreError::Forbidden => Self::new(StatusCode::FORBIDDEN, "Forbidden"),
            CoreError::Unauthenticated => Self::new(StatusCode::UNAUTHORIZED, "Unauthorized")
                .detail("A valid bearer token is required."),
            CoreError::Throttled { retry_after_secs } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests")
                    .retry_after(retry_after_secs)
            }
            CoreError::BadFile(what) => {
                Self::new(StatusCode::BAD_REQUEST, "Invalid input").detail(what)
            }
            CoreError::Conflict(what) => {
                Self::new(StatusCode::CONFLICT, "Conflict").detail(format!("{what} already exists"))
            }
            CoreError::Unavailable => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "Service unavailable")
                    .retry_after(RETRY_UNAVAILABLE_SECS)
            }
            CoreError::WrongMasterKey => {
                tracing::error!("master key mismatch");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
            }
            CoreError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
            }
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        CoreError::Domain(e).into()
    }
}

/// Reasons that the request breaks what the API document states of a field (within its
/// lengths and counts): 400. A field that is empty or too short once its invisible
/// characters are dropped (`required`, `too_short`) is within the document, which cannot tell
/// a control character from a letter: 422.
const CONTRACT_REASONS: &[&str] = &["too_long", "too_many", "too_large"];

/// Reasons that the record's state does not allow it now (a step out of turn, a notice
/// already sent, a change another made first): 409.
const STATE_REASONS: &[&str] = &[
    "acknowledged",
    "after_limit",
    "after_resumption",
    "already",
    "accused_above",
    "appeal_window",
    "closed",
    "complaint_late",
    "grant_waiting",
    "in_force",
    "in_procedure",
    "merged",
    "moved",
    "no_more_extensions",
    "no_unit_above",
    "not_approvable",
    "not_classified",
    "not_from_here",
    "not_locked",
    "not_waiting",
    "own_decision",
    "same",
    "sent",
    "stage",
    "taken",
    "too_early",
    "unchanged",
];

/// How the API answers a refusal of what a request says. 400 when it breaks the API document;
/// 409 when the record's state does not allow it now; otherwise 422: well-formed and within
/// the document, but naming what does not exist or does not fit (an unknown unit, a commune
/// outside the province, a phone number that is no number), which no schema can state.
fn refusal_status(fields: &[FieldError]) -> StatusCode {
    // A reveal's missing or short reason has answered 400 naming `reason` since it was
    // required (issue 25): scripts rely on it.
    let reason_missing =
        |f: &FieldError| f.field == "reason" && matches!(f.code, "required" | "too_short");
    if fields
        .iter()
        .any(|f| CONTRACT_REASONS.contains(&f.code) || reason_missing(f))
    {
        StatusCode::BAD_REQUEST
    } else if !fields.is_empty() && fields.iter().all(|f| STATE_REASONS.contains(&f.code)) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

fn field_problem(f: &FieldError) -> FieldProblem {
    FieldProblem {
        field: f.field.clone(),
        code: f.code.to_owned(),
        message: None,
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

/// The status and headers now; the body once `render_errors` knows the request (until then,
/// and on a router without that layer, the status's reason in plain text).
fn unrendered<E: Clone + Send + Sync + 'static>(
    status: StatusCode,
    retry_after: Option<u64>,
    error: E,
) -> Response {
    let mut response = (status, status.canonical_reason().unwrap_or_default()).into_response();
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response.extensions_mut().insert(error);
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        unrendered(self.status, self.retry_after, self)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: crate::pages::Chrome,
    title: &'a str,
    message: &'a str,
    request_id: &'a str,
}

/// An error on a page route, rendered as a page in the reader's language.
#[derive(Debug, Clone)]
pub struct PageError {
    pub status: StatusCode,
    pub message_key: &'static str,
    pub retry_after: Option<u64>,
}

impl PageError {
    pub fn new(status: StatusCode, message_key: &'static str) -> Self {
        Self {
            status,
            message_key,
            retry_after: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "error-not-found")
    }

    pub fn bad_request() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "error-bad-request")
    }

    pub fn forbidden(message_key: &'static str) -> Self {
        Self::new(StatusCode::FORBIDDEN, message_key)
    }

    /// The error page, in the reader's language, with the request's id.
    pub(crate) fn render(self, ctx: &Ctx, response: &mut Response) {
        // The heading says what kind of trouble it is: a reader who sees "busy" waits and
        // tries again, one who sees "not found" checks the address.
        let title_key = match (self.status, self.message_key) {
            (StatusCode::NOT_FOUND, _) => "error-title-not-found",
            (_, "error-busy") => "error-title-busy",
            (StatusCode::TOO_MANY_REQUESTS, _) => "error-title-wait",
            (StatusCode::SERVICE_UNAVAILABLE, _) => "error-title-unavailable",
            _ => "error-title",
        };
        let page = ErrorPage {
            c: crate::pages::Chrome::new(ctx, None),
            title: &ctx.tr.t(title_key),
            message: &ctx.tr.t(self.message_key),
            request_id: &ctx.request_id,
        };
        let (body, content_type) = match page.render() {
            Ok(html) => (html, "text/html; charset=utf-8"),
            Err(_) => (ctx.request_id.clone(), "text/plain; charset=utf-8"),
        };
        *response.body_mut() = Body::from(body);
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
}

impl From<BodyError> for PageError {
    fn from(e: BodyError) -> Self {
        let key = match e {
            BodyError::TooLarge => "error-too-large",
            BodyError::TimedOut => "error-timed-out",
            BodyError::BadEncoding => "error-bad-encoding",
            _ => "error-bad-request",
        };
        Self::new(e.status(), key)
    }
}

impl From<CoreError> for PageError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::NotFound => Self::not_found(),
            CoreError::Domain(_) | CoreError::BadFile(_) => Self::bad_request(),
            CoreError::Conflict(_) => Self::new(StatusCode::CONFLICT, "error-bad-request"),
            CoreError::Unavailable => Self {
                retry_after: Some(RETRY_UNAVAILABLE_SECS),
                ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "error-unavailable")
            },
            CoreError::Throttled { retry_after_secs } => Self {
                retry_after: Some(retry_after_secs),
                ..Self::new(StatusCode::TOO_MANY_REQUESTS, "error-rate-limited")
            },
            CoreError::Forbidden | CoreError::Unauthenticated => Self::forbidden("error-forbidden"),
            CoreError::WrongMasterKey => {
                tracing::error!("master key mismatch");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
            CoreError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        unrendered(self.status, self.retry_after, self)
    }
}

/// A platform's delivery or webhook check refused: a plain status line, as platforms read
/// nothing more.
#[derive(Debug)]
pub struct HookRefusal(StatusCode);

impl HookRefusal {
    /// A refusal with this status (a body too large, unreadable).
    pub fn status(status: StatusCode) -> Self {
        Self(status)
    }
}

impl From<CoreError> for HookRefusal {
    fn from(error: CoreError) -> Self {
        let status = match error {
            CoreError::NotFound => StatusCode::NOT_FOUND,
            CoreError::Forbidden => StatusCode::FORBIDDEN,
            CoreError::Unauthenticated => StatusCode::UNAUTHORIZED,
            // Nothing was kept: the platform will deliver again.
            CoreError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => {
                tracing::error!(error = %error, "a delivery could not be kept");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        Self(status)
    }
}

impl IntoResponse for HookRefusal {
    fn into_response(self) -> Response {
        let mut response = (self.0, self.0.canonical_reason().unwrap_or("")).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        if self.0 == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(RETRY_UNAVAILABLE_SECS),
            );
        }
        response
    }
}
