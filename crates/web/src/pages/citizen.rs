//! The citizen's side: home, report form, receipt.

use super::{Chrome, PostedForm, first_field_message, render, vn_time};
use crate::AppState;
use crate::error::{PageError, field_message};
use crate::extract::{BodyError, Ctx, Form, checked};
use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use hotline_core::evidence::{Evidence, EvidenceLimits, inspect_off_executor};
use hotline_core::follow_up::FollowUpView;
use hotline_core::form_guard::FormCheck;
use hotline_core::intake::FormSent;
use hotline_core::{CoreError, Submission};
use hotline_domain::VIETNAM;
use hotline_domain::danger::Danger;
use hotline_domain::{Channel, CommuneLookup, ContactInput, DomainError, FieldError, ReportInput};
use http::{StatusCode, header};
use serde::{Deserialize, Serialize};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
}

pub async fn home(ctx: Ctx) -> Result<Response, PageError> {
    render(
        StatusCode::OK,
        &HomePage {
            c: Chrome::new(&ctx, None),
        },
    )
}

/// What the citizen typed, echoed back when the form has to be corrected.
#[derive(Deserialize, Serialize)]
#[serde(default)]
pub struct FormValues {
    pub text: String,
    #[serde(rename = "province_code")]
    pub province: String,
    pub commune: String,
    pub address: String,
    pub identity: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    /// Makes a form sent again one report (see `hotline_core::intake::FormSent`).
    #[serde(skip_serializing)]
    pub token: String,
    /// The stamp the form was handed out with, kept when it is handed back for correction so
    /// that correcting it does not make it new (see `hotline_core::form_guard`).
    #[serde(skip_serializing)]
    pub stamp: String,
    #[serde(deserialize_with = "checked")]
    pub occurred_now: bool,
    pub occurred_date: String,
    pub occurred_time: String,
    #[serde(deserialize_with = "checked")]
    pub protection: bool,
}

impl Default for FormValues {
    fn default() -> Self {
        Self {
            text: String::new(),
            province: String::new(),
            commune: String::new(),
            address: String::new(),
            identity: String::new(),
            name: String::new(),
            phone: String::new(),
            email: String::new(),
            token: hotline_core::intake::new_form_token(),
            stamp: String::new(),
            occurred_now: false,
            occurred_date: String::new(),
            occurred_time: String::new(),
            protection: false,
        }
    }
}

impl FormValues {
    pub fn with_contact(&self) -> bool {
        self.identity == "contact"
    }

    /// The fields as posted in `form`. Its token comes back only when this store handed it
    /// out with the form's stamp; any other gets a new one, so that no client chooses the
    /// token its report is kept under.
    fn posted(mut self, state: &AppState) -> Self {
        if !state.hotline.form_token_issued(&self.token, &self.stamp) {
            self.token = hotline_core::intake::new_form_token();
            self.stamp.clear();
        }
        self
    }

    /// The form as intake tells it apart: its token and its fields in a fixed order.
    fn sent(&self) -> FormSent {
        FormSent {
            token: self.token.clone(),
            // Strings and booleans always serialise.
            fields: serde_json::to_string(self).unwrap_or_default(),
        }
    }
}

/// The report form's guards: the field people never see, and the form's stamp and proof of
/// work (see `hotline_core::form_guard`).
#[derive(Default, Deserialize)]
#[serde(default)]
struct FormGuard {
    website: String,
    stamp: String,
    work: String,
}

pub struct ProvinceOption {
    pub code: u32,
    pub name: String,
    pub selected: bool,
}

pub struct FormErrorLine {
    pub anchor: &'static str,
    pub message: String,
}

#[derive(Template)]
#[template(path = "report_form.html")]
struct ReportFormPage {
    c: Chrome,
    form: FormValues,
    /// When this form was handed out, sealed (see `hotline_core::form_guard`).
    stamp: String,
    work_bits: u8,
    provinces: Vec<ProvinceOption>,
    errors: Vec<FormErrorLine>,
}

fn form_page(
    state: &AppState,
    ctx: &Ctx,
    form: FormValues,
    errors: &[FieldError],
) -> ReportFormPage {
    let provinces = province_options(state, ctx, &form.province);
    let errors = errors
        .iter()
        .map(|e| FormErrorLine {
            anchor: match e.field.as_str() {
                "province_code" => "province_code",
                "commune_code" | "commune" => "commune",
                "address" => "address",
                "contact.name" => "name",
                "contact.phone" => "phone",
                "contact.email" => "email",
                "files" => "files",
                "occurred_at" => "occurred_date",
                _ => "text",
            },
            message: field_message(&ctx.tr, &e.field, e.code),
        })
        .collect();
    ReportFormPage {
        c: Chrome::new(ctx, None),
        stamp: if form.stamp.is_empty() {
            state.hotline.form_stamp(&form.token)
        } else {
            form.stamp.clone()
        },
        work_bits: state.hotline.form_work_bits(),
        form,
        provinces,
        errors,
    }
}

pub async fn report_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let page = form_page(&state, &ctx, FormValues::default(), &[]);
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    c: Chrome,
    case_number: String,
    follow_up_code: String,
    danger: Danger,
}

/// The provinces for a form's list in alphabetical order, `selected` (a code as typed)
/// marked; a province merged away in 2025 is listed under its own name too, choosing the
/// province it joined ("Hòa Bình (nay thuộc Phú Thọ)").
pub(super) fn province_options(state: &AppState, ctx: &Ctx, selected: &str) -> Vec<ProvinceOption> {
    let mut options: Vec<ProvinceOption> = Vec::new();
    for p in state.hotline.places.provinces() {
        options.push(ProvinceOption {
            code: p.code,
            name: p.name.clone(),
            selected: selected == p.code.to_string(),
        });
        for former in p.merged_provinces() {
            options.push(ProvinceOption {
                code: p.code,
                name: ctx.tr.t2(
                    "province-merged-option",
                    ("former", former.to_owned()),
                    ("current", p.short_name.clone()),
                ),
                selected: false,
            });
        }
    }
    options.sort_by_cached_key(|o| {
        let name = o.name.strip_prefix("Thành phố ").unwrap_or(&o.name);
        hotline_domain::text::fold(name)
    });
    options
}

/// A date (`YYYY-MM-DD`) and an optional time (`HH:MM`) in Vietnam's time; nothing when the
/// date is empty.
pub(super) fn vietnam_moment(date: &str, time: &str) -> Result<Option<DateTime<Utc>>, ()> {
    let date = date.trim();
    if date.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| ())?;
    let time = match time.trim() {
        "" => NaiveTime::MIN,
        time => NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| ())?,
    };
    VIETNAM
        .from_local_datetime(&date.and_time(time))
        .single()
        .map(|at| Some(at.with_timezone(&Utc)))
        .ok_or(())
}

/// When it happened: "now", or a date (and a time) in Vietnam's time; nothing when not said.
fn occurred_at(state: &AppState, form: &FormValues) -> Result<Option<DateTime<Utc>>, ()> {
    if form.occurred_now {
        return Ok(Some(state.hotline.clock.now()));
    }
    vietnam_moment(&form.occurred_date, &form.occurred_time)
}

/// The province and commune a form names (`province_code`, absent or a number, and `commune`
/// typed by name, with or without diacritics).
pub(super) fn place_of(
    state: &AppState,
    province_code: &str,
    commune_name: &str,
) -> Result<(Option<u32>, Option<u32>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let province_code = match province_code.trim() {
        "" => None,
        code => code.parse().map(Some).unwrap_or_else(|_| {
            errors.push(FieldError::new("province_code", "unknown"));
            None
        }),
    };
    let commune_name = commune_name.trim();
    let commune_code = if commune_name.is_empty() {
        None
    } else if let Some(p) = province_code {
        match state.hotline.places.find_commune(p, commune_name) {
            Ok(c) => Some(c.code),
            Err(CommuneLookup::Unknown) => {
                errors.push(FieldError::new("commune", "unknown"));
                None
            }
            Err(CommuneLookup::Ambiguous) => {
                errors.push(FieldError::new("commune", "ambiguous"));
                None
            }
        }
    } else {
        errors.push(FieldError::new("commune", "needs_province"));
        None
    };
    if errors.is_empty() {
        Ok((province_code, commune_code))
    } else {
        Err(errors)
    }
}

/// Turns the form into a submission; a commune typed by name is looked up in the province.
fn form_input(state: &AppState, form: &FormValues) -> Result<ReportInput, Vec<FieldError>> {
    let (province_code, commune_code, mut errors) =
        match place_of(state, &form.province, &form.commune) {
            Ok((province, commune)) => (province, commune, Vec::new()),
            Err(errors) => (None, None, errors),
        };
    let occurred_at = occurred_at(state, form).unwrap_or_else(|()| {
        errors.push(FieldError::new("occurred_at", "invalid"));
        None
    });
    let with_contact = form.with_contact();
    // Contact fields are ignored unless the reporter chose to leave them: an autofilled field
    // must not undo a choice of anonymity.
    let contact = with_contact.then(|| ContactInput {
        name: Some(form.name.clone()),
        phone: Some(form.phone.clone()),
        email: Some(form.email.clone()),
    });
    if errors.is_empty() {
        Ok(ReportInput {
            text: form.text.clone(),
            province_code,
            commune_code,
            address: Some(form.address.clone()),
            contact,
            anonymous: Some(!with_contact),
            occurred_at,
            protection_requested: form.protection,
        })
    } else {
        Err(errors)
    }
}

pub async fn submit_report(
    State(state): State<AppState>,
    ctx: Ctx,
    request: Request,
) -> Result<Response, PageError> {
    // Over the limit, only the typed fields are read: they come back, the files are not taken.
    let limited = state.check_submission(ctx.client_ip).await.err();
    let files = if limited.is_some() {
        Files::Skip
    } else {
        Files::Take
    };
    let (form, evidence) = match read_form(&state, request, files).await {
        Ok(read) => read,
        Err(Upload::Body(e)) => return Err(PageError::from(e)),
        Err(Upload::Refused {
            form,
            error,
            status,
        }) => {
            let values = form.read::<FormValues>().unwrap_or_default().posted(&state);
            let page = form_page(&state, &ctx, values, &[error]);
            return render(status, &page);
        }
    };
    if let Some(wait) = limited {
        let values = form.read::<FormValues>().unwrap_or_default().posted(&state);
        return rate_limited(&state, &ctx, values, wait);
    }
    let guard = form.read::<FormGuard>()?;
    // A field people never see: only a form-filling robot puts something in it.
    if !guard.website.is_empty() {
        tracing::warn!(target: "audit", "report form refused: honeypot field filled");
        return Err(PageError::new(StatusCode::BAD_REQUEST, "error-bad-request"));
    }
    let values = form.read::<FormValues>()?.posted(&state);
    let refused = match state
        .hotline
        .check_form(&values.token, &guard.stamp, &guard.work)
    {
        FormCheck::Unstamped => Some("expired"),
        FormCheck::TooFast => Some("too_fast"),
        FormCheck::Stamped { work_done: false } => {
            if let Err(wait) = state.check_unproven_submission(ctx.client_ip).await {
                return rate_limited(&state, &ctx, values, wait);
            }
            None
        }
        FormCheck::Stamped { work_done: true } => None,
    };
    if let Some(code) = refused {
        tracing::info!(reason = code, "report form turned back: not as handed out");
        let page = form_page(&state, &ctx, values, &[FieldError::new("form", code)]);
        return render(StatusCode::BAD_REQUEST, &page);
    }
    let input = match form_input(&state, &values) {
        Ok(input) => input,
        Err(errors) => {
            let page = form_page(&state, &ctx, values, &errors);
            return render(StatusCode::BAD_REQUEST, &page);
        }
    };
    let mut submission = Submission::new(input, Channel::Web);
    submission.form = Some(values.sent());
    submission.evidence = evidence;
    match state.hotline.submit(submission).await {
        Ok(done) => {
            // Sent again within its receipt's while, the same answer as the first time; later,
            // said taken in with nothing of it shown.
            let (status, case_number, follow_up_code) = match done.follow_up_code {
                Some(code) => (
                    StatusCode::CREATED,
                    done.case_number.to_string(),
                    code.grouped(),
                ),
                None => (StatusCode::OK, String::new(), String::new()),
            };
            let page = ReceiptPage {
                c: Chrome::new(&ctx, None),
                case_number,
                follow_up_code,
                danger: done.danger,
            };
            render(status, &page)
        }
        Err(CoreError::Domain(DomainError::Invalid(errors))) => {
            let page = form_page(&state, &ctx, values, &errors);
            render(StatusCode::BAD_REQUEST, &page)
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// The form again, filled as sent, saying when to try again (and that 113 does not wait).
fn rate_limited(
    state: &AppState,
    ctx: &Ctx,
    values: FormValues,
    wait_secs: u64,
) -> Result<Response, PageError> {
    let mut page = form_page(state, ctx, values, &[]);
    page.errors.push(FormErrorLine {
        anchor: "text",
        message: ctx.tr.t1(
            "form-rate-limited",
            "minutes",
            wait_secs.div_ceil(60).max(1),
        ),
    });
    let mut response = render(StatusCode::TOO_MANY_REQUESTS, &page)?;
    response.headers_mut().insert(
        header::RETRY_AFTER,
        http::HeaderValue::from(wait_secs.max(1)),
    );
    Ok(response)
}

/// Whether a multipart form's files are read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Files {
    Take,
    /// Stop at the first file: the typed fields come before it.
    Skip,
}

/// A posted form, with its files when it is multipart.
pub(super) async fn read_form(
    state: &AppState,
    request: Request,
    files: Files,
) -> Result<(Form, Vec<Evidence>), Upload> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        return read_upload(state, request, files).await;
    }
    axum::body::to_bytes(request.into_body(), state.config.max_body_bytes)
        .await
        .map_err(|e| {
            if crate::extract::timed_out(&e) {
                BodyError::TimedOut
            } else {
                BodyError::TooLarge
            }
        })
        .and_then(|bytes| Form::parse(&bytes))
        .map(|form| (form, Vec::new()))
        .map_err(Upload::Body)
}

/// Why an upload was not taken.
pub(super) enum Upload {
    /// The body itself is unusable.
    Body(BodyError),
    /// A file was refused: the form comes back, filled, with why.
    Refused {
        form: Form,
        error: FieldError,
        status: StatusCode,
    },
}

/// Reads a multipart form: its fields, and its files inspected one by one. A file over the
/// per-file or total limit stops the reading there, before the rest of the body is taken in.
async fn read_upload(
    state: &AppState,
    request: Request,
    files: Files,
) -> Result<(Form, Vec<Evidence>), Upload> {
    let limits = EvidenceLimits::default();
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|_| Upload::Body(BodyError::Unreadable))?;
    let mut fields = Vec::new();
    let mut evidence = Vec::new();
    let mut total = 0usize;
    let refused = |fields: Vec<(String, String)>, code: &'static str, status| Upload::Refused {
        form: Form::from_pairs(fields),
        error: FieldError::new("files", code),
        status,
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(refused(fields, "too_large", StatusCode::PAYLOAD_TOO_LARGE));
            }
            Err(e) if crate::extract::timed_out(&e) => {
                return Err(Upload::Body(BodyError::TimedOut));
            }
            Err(_) => return Err(Upload::Body(BodyError::Unreadable)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name != "files" {
            let value = field
                .text()
                .await
                .map_err(|_| Upload::Body(BodyError::BadEncoding))?;
            if value.len() > state.config.max_body_bytes {
                return Err(Upload::Body(BodyError::TooLarge));
            }
            fields.push((name, value));
            continue;
        }
        if files == Files::Skip {
            break;
        }
        let mut field = field;
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > limits.max_file_bytes
                        || total + bytes.len() > limits.max_total_bytes
                    {
                        return Err(refused(fields, "too_large", StatusCode::PAYLOAD_TOO_LARGE));
                    }
                }
                Ok(None) => break,
                Err(e) if crate::extract::timed_out(&e) => {
                    return Err(Upload::Body(BodyError::TimedOut));
                }
                Err(_) => return Err(refused(fields, "too_large", StatusCode::PAYLOAD_TOO_LARGE)),
            }
        }
        // A file input left empty still sends an empty part.
        if bytes.is_empty() {
            continue;
        }
        total += bytes.len();
        if evidence.len() == limits.max_files {
            return Err(refused(fields, "too_many", StatusCode::BAD_REQUEST));
        }
        match inspect_off_executor(bytes).await {
            Ok(file) => evidence.push(file),
            Err(_) => return Err(refused(fields, "type_not_allowed", StatusCode::BAD_REQUEST)),
        }
    }
    Ok((Form::from_pairs(fields), evidence))
}

#[derive(Template)]
#[template(path = "follow_up.html")]
struct FollowUpPage {
    c: Chrome,
    case_number: String,
    /// Carried in a hidden field (never the URL) so that adding information needs no retyping.
    code: String,
    view: Option<FollowUpLines>,
    error: Option<String>,
    notice: Option<String>,
    /// What the reporter typed, kept when it could not be added.
    text: String,
}

pub struct FollowUpLines {
    pub case_number: String,
    pub status: String,
    pub received: String,
    pub received_iso: String,
    pub updated: String,
    pub updated_iso: String,
    pub messages: Vec<ConversationLine>,
}

pub struct ConversationLine {
    pub direction: &'static str,
    pub who: String,
    pub at: String,
    pub at_iso: String,
    pub text: String,
}

/// Where a report stands, in the reporter's words.
pub fn citizen_status(ctx: &Ctx, view: &FollowUpView) -> String {
    if view.merged {
        ctx.tr.t("citizen-status-merged")
    } else {
        ctx.tr.t(&format!("citizen-status-{}", view.status))
    }
}

fn follow_up_lines(ctx: &Ctx, view: FollowUpView) -> FollowUpLines {
    FollowUpLines {
        case_number: view.case_number.to_string(),
        status: citizen_status(ctx, &view),
        received: vn_time(view.received_at),
        received_iso: view.received_at.to_rfc3339(),
        updated: vn_time(view.updated_at),
        updated_iso: view.updated_at.to_rfc3339(),
        messages: view
            .messages
            .into_iter()
            .map(|m| ConversationLine {
                direction: m.direction.as_str(),
                who: ctx.tr.t(&format!("follow-who-{}", m.direction)),
                at: vn_time(m.at),
                at_iso: m.at.to_rfc3339(),
                text: m.text,
            })
            .collect(),
    }
}

/// The follow-up page: case number and code.
pub async fn follow_up_form(ctx: Ctx) -> Result<Response, PageError> {
    let page = FollowUpPage {
        c: Chrome::new(&ctx, None),
        case_number: String::new(),
        code: String::new(),
        view: None,
        error: None,
        notice: None,
        text: String::new(),
    };
    render(StatusCode::OK, &page)
}

/// The fields of [`follow_up`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct FollowUpForm {
    case: String,
    code: String,
}

/// The fields of [`follow_up_add`]'s form (with the files it may carry).
#[derive(Default, Deserialize)]
#[serde(default)]
struct FollowUpAddForm {
    case: String,
    code: String,
    text: String,
}

/// Shows where the report stands. Posted, so the code stays out of addresses and history; a
/// wrong code and an unknown case get the same answer, and look-ups are limited.
pub async fn follow_up(
    State(state): State<AppState>,
    ctx: Ctx,
    PostedForm(form): PostedForm<FollowUpForm>,
) -> Result<Response, PageError> {
    let (case, code) = (form.case.trim(), form.code.trim());
    let looked_up = match state.check_follow_up(ctx.client_ip).await {
        Ok(()) => state.hotline.follow_up(case, code).await,
        Err(e) => Err(e),
    };
    follow_up_outcome(&ctx, case, code, looked_up, None, String::new())
}

/// The reporter adds information, then sees the report again.
pub async fn follow_up_add(
    State(state): State<AppState>,
    ctx: Ctx,
    request: Request,
) -> Result<Response, PageError> {
    let (form, evidence, refused) = match read_form(&state, request, Files::Take).await {
        Ok((form, evidence)) => (form, evidence, None),
        Err(Upload::Body(e)) => return Err(PageError::from(e)),
        Err(Upload::Refused {
            form,
            error,
            status,
        }) => (form, Vec::new(), Some((error, status))),
    };
    let added = form.read::<FollowUpAddForm>()?;
    let (case, code, text) = (added.case.trim(), added.code.trim(), added.text.as_str());
    if let Err(e) = state.check_follow_up(ctx.client_ip).await {
        return follow_up_outcome(&ctx, case, code, Err(e), None, text.to_owned());
    }
    let added = match refused {
        Some((error, status)) => Err((vec![error], status)),
        None => match state
            .hotline
            .add_reporter_message(case, code, text, &evidence)
            .await
        {
            Ok(()) => Ok(()),
            Err(CoreError::Domain(DomainError::Invalid(errors))) => {
                Err((errors, StatusCode::BAD_REQUEST))
            }
            Err(e) => return follow_up_outcome(&ctx, case, code, Err(e), None, text.to_owned()),
        },
    };
    match added {
        Ok(()) => {
            let view = state.hotline.follow_up(case, code).await;
            let notice = Some(ctx.tr.t("follow-added"));
            follow_up_outcome(&ctx, case, code, view, notice, String::new())
        }
        Err((errors, status)) => {
            // The page comes back only to the one who holds the code.
            let view = match state.hotline.follow_up(case, code).await {
                Ok(view) => view,
                Err(e) => return follow_up_outcome(&ctx, case, code, Err(e), None, String::new()),
            };
            let page = FollowUpPage {
                c: Chrome::new(&ctx, None),
                case_number: case.to_owned(),
                code: code.to_owned(),
                view: Some(follow_up_lines(&ctx, view)),
                error: Some(first_field_message(&ctx, &errors)),
                notice: None,
                text: text.to_owned(),
            };
            render(status, &page)
        }
    }
}

fn follow_up_outcome(
    ctx: &Ctx,
    case: &str,
    code: &str,
    looked_up: Result<FollowUpView, CoreError>,
    notice: Option<String>,
    text: String,
) -> Result<Response, PageError> {
    match looked_up {
        Ok(view) => {
            let page = FollowUpPage {
                c: Chrome::new(ctx, None),
                case_number: view.case_number.to_string(),
                code: code.to_owned(),
                view: Some(follow_up_lines(ctx, view)),
                error: None,
                notice,
                text,
            };
            render(StatusCode::OK, &page)
        }
        Err(CoreError::NotFound) => {
            let page = FollowUpPage {
                c: Chrome::new(ctx, None),
                case_number: case.to_owned(),
                code: String::new(),
                view: None,
                error: Some(ctx.tr.t("follow-not-found")),
                notice: None,
                text: String::new(),
            };
            render(StatusCode::NOT_FOUND, &page)
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// A province's communes for the form's type-ahead: the name, and the name folded (no case, no
/// diacritics) to match what people type.
#[derive(serde::Serialize)]
pub struct CommuneChoice {
    name: String,
    folded: String,
}

pub async fn communes_of(
    State(state): State<AppState>,
    axum::extract::Path(province): axum::extract::Path<String>,
) -> Result<Response, PageError> {
    let places = &state.hotline.places;
    let Some(province) = province.parse().ok().and_then(|code| places.province(code)) else {
        return Err(PageError::new(StatusCode::NOT_FOUND, "error-not-found"));
    };
    let choices: Vec<CommuneChoice> = places
        .communes_of(province.code)
        .map(|c| CommuneChoice {
            name: c.name.clone(),
            folded: hotline_domain::text::fold(&c.name),
        })
        .collect();
    let mut response = axum::Json(choices).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        http::HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(response)
}

/// This module's pages and the forms they post.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route(
            "/gui-tin-bao",
            get(report_form)
                .post(submit_report)
                .layer(DefaultBodyLimit::max(
                    hotline_core::evidence::EvidenceLimits::default().max_total_bytes
                        + state.config.max_body_bytes,
                )),
        )
        .route("/tra-cuu", get(follow_up_form).post(follow_up))
        .route(
            "/tra-cuu/bo-sung",
            post(follow_up_add).layer(DefaultBodyLimit::max(
                hotline_core::evidence::EvidenceLimits::default().max_total_bytes
                    + state.config.max_body_bytes,
            )),
        )
        .route("/dia-gioi/{province}", get(communes_of))
}
