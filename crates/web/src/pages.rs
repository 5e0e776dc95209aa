//! Server-rendered pages: the citizen's home, report form and receipt; the staff sign-in,
//! inbox and report page. They work without JavaScript.

use crate::AppState;
use crate::error::{PageError, field_message};
use crate::extract::{Ctx, Form, cookie, read_body};
use askama::Template;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hotline_core::identity::ItemReveal;
use hotline_core::reports::{Part, ReportView};
use hotline_core::{Actor, CoreError, Reveal, Submission};
use hotline_domain::{
    Channel, CommuneLookup, ContactInput, DomainError, FieldError, ReportInput, VIETNAM,
};
use hotline_store::ReportSummary;
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};

/// The session cookie's name. Over TLS it takes the `__Host-` prefix, which browsers only
/// accept from a secure origin, for the whole host, without a `Domain`.
fn session_cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-hotline_session"
    } else {
        "hotline_session"
    }
}

/// The frame around every page: language, the switch link, the signed-in member.
pub struct Chrome {
    pub t: crate::i18n::Tr,
    pub switch_href: String,
    pub staff: Option<StaffBar>,
}

pub struct StaffBar {
    pub display_name: String,
    pub unit_name: String,
    /// Whether the header links to the reveal log.
    pub reveal_log: bool,
}

impl Chrome {
    pub fn new(ctx: &Ctx, actor: Option<&Actor>) -> Self {
        let other = ctx.lang().other().code();
        let sep = if ctx.path.contains('?') { '&' } else { '?' };
        Self {
            t: ctx.tr.clone(),
            switch_href: format!("{}{sep}lang={other}", ctx.path),
            staff: actor.map(|a| StaffBar {
                display_name: a.0.display_name.clone(),
                unit_name: a.0.unit_name.clone(),
                reveal_log: a.0.role.may_read_reveal_log(),
            }),
        }
    }
}

fn render(status: StatusCode, page: &impl Template, ctx: &Ctx) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "error-internal", ctx).into_response()
        }
    }
}

fn vn_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&VIETNAM)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
}

pub async fn home(ctx: Ctx) -> Response {
    render(
        StatusCode::OK,
        &HomePage {
            c: Chrome::new(&ctx, None),
        },
        &ctx,
    )
}

/// What the citizen typed, echoed back when the form has to be corrected.
#[derive(Default)]
pub struct FormValues {
    pub text: String,
    pub province: String,
    pub commune: String,
    pub address: String,
    pub identity: String,
    pub name: String,
    pub phone: String,
    pub email: String,
}

impl FormValues {
    pub fn with_contact(&self) -> bool {
        self.identity == "contact"
    }

    fn from_form(form: &Form) -> Self {
        Self {
            text: form.get("text").to_owned(),
            province: form.get("province_code").to_owned(),
            commune: form.get("commune").to_owned(),
            address: form.get("address").to_owned(),
            identity: form.get("identity").to_owned(),
            name: form.get("name").to_owned(),
            phone: form.get("phone").to_owned(),
            email: form.get("email").to_owned(),
        }
    }
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
    provinces: Vec<ProvinceOption>,
    errors: Vec<FormErrorLine>,
}

fn form_page(
    state: &AppState,
    ctx: &Ctx,
    form: FormValues,
    errors: &[FieldError],
) -> ReportFormPage {
    let provinces = state
        .hotline
        .places
        .provinces()
        .iter()
        .map(|p| ProvinceOption {
            code: p.code,
            name: p.name.clone(),
            selected: form.province == p.code.to_string(),
        })
        .collect();
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
                _ => "text",
            },
            message: field_message(&ctx.tr, &e.field, e.code),
        })
        .collect();
    ReportFormPage {
        c: Chrome::new(ctx, None),
        form,
        provinces,
        errors,
    }
}

pub async fn report_form(State(state): State<AppState>, ctx: Ctx) -> Response {
    let page = form_page(&state, &ctx, FormValues::default(), &[]);
    render(StatusCode::OK, &page, &ctx)
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    c: Chrome,
    case_number: String,
    follow_up_code: String,
}

/// Turns the form into a submission; a commune typed by name is looked up in the province.
fn form_input(state: &AppState, form: &Form) -> Result<ReportInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let province_code = form.number("province_code").unwrap_or_else(|_| {
        errors.push(FieldError::new("province_code", "unknown"));
        None
    });
    let commune_name = form.get("commune").trim();
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
    let with_contact = form.get("identity") == "contact";
    // Contact fields are ignored unless the reporter chose to leave them: an autofilled field
    // must not undo a choice of anonymity.
    let contact = with_contact.then(|| ContactInput {
        name: Some(form.get("name").to_owned()),
        phone: Some(form.get("phone").to_owned()),
        email: Some(form.get("email").to_owned()),
    });
    if errors.is_empty() {
        Ok(ReportInput {
            text: form.get("text").to_owned(),
            province_code,
            commune_code,
            address: Some(form.get("address").to_owned()),
            contact,
            anonymous: Some(!with_contact),
        })
    } else {
        Err(errors)
    }
}

pub async fn submit_report(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(wait) = state.public_limiter.check(ctx.client_ip) {
        let mut err = PageError::new(StatusCode::TOO_MANY_REQUESTS, "error-rate-limited", &ctx);
        err.retry_after = Some(wait);
        return err.into_response();
    }
    let form = match form_of(body, &ctx) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    let values = FormValues::from_form(&form);
    let input = match form_input(&state, &form) {
        Ok(input) => input,
        Err(errors) => {
            let page = form_page(&state, &ctx, values, &errors);
            return render(StatusCode::BAD_REQUEST, &page, &ctx);
        }
    };
    match state
        .hotline
        .submit(Submission::new(input, Channel::Web))
        .await
    {
        Ok(done) => {
            let page = ReceiptPage {
                c: Chrome::new(&ctx, None),
                case_number: done.case_number.to_string(),
                follow_up_code: done.follow_up_code.map(|c| c.grouped()).unwrap_or_default(),
            };
            render(StatusCode::CREATED, &page, &ctx)
        }
        Err(CoreError::Domain(DomainError::Invalid(errors))) => {
            let page = form_page(&state, &ctx, values, &errors);
            render(StatusCode::BAD_REQUEST, &page, &ctx)
        }
        Err(e) => PageError::from_core(e, &ctx).into_response(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    username: String,
    error: Option<String>,
}

pub async fn login_form(ctx: Ctx, staff: Option<StaffPage>) -> Response {
    if staff.is_some() {
        return Redirect::to("/can-bo").into_response();
    }
    let page = LoginPage {
        c: Chrome::new(&ctx, None),
        username: String::new(),
        error: None,
    };
    render(StatusCode::OK, &page, &ctx)
}

fn session_cookie(state: &AppState, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}",
        session_cookie_name(state)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let form = match form_of(body, &ctx) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    let username = form.get("username").trim().to_owned();
    match state
        .hotline
        .sign_in(&username, form.get("password"), ctx.client_ip)
        .await
    {
        Ok(signed_in) => {
            let max_age = (signed_in.expires_at - state.hotline.clock.now()).num_seconds();
            let mut response = Redirect::to("/can-bo").into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&state, &signed_in.token, max_age),
            );
            response
        }
        Err(e @ (CoreError::Unauthenticated | CoreError::Throttled { .. })) => {
            let (status, error) = match e {
                CoreError::Throttled { retry_after_secs } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    ctx.tr.t1("login-throttled", "seconds", retry_after_secs),
                ),
                _ => (StatusCode::UNAUTHORIZED, ctx.tr.t("login-failed")),
            };
            let page = LoginPage {
                c: Chrome::new(&ctx, None),
                username,
                error: Some(error),
            };
            render(status, &page, &ctx)
        }
        Err(e) => PageError::from_core(e, &ctx).into_response(),
    }
}

pub async fn logout(State(state): State<AppState>, parts: Parts) -> Response {
    if let Some(token) = cookie(&parts, session_cookie_name(&state))
        && let Err(e) = state.hotline.sign_out(token).await
    {
        tracing::warn!(error = %e, "sign-out failed");
    }
    let mut response = Redirect::to("/").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    response
}

/// A signed-in staff member; pages that take it cannot run without one. Anyone else is sent to
/// the sign-in page.
pub struct StaffPage(pub Actor);

impl FromRequestParts<AppState> for StaffPage {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie(parts, session_cookie_name(state)) else {
            return Err(Redirect::to("/dang-nhap").into_response());
        };
        match state.hotline.session(token).await {
            Ok(actor) => Ok(StaffPage(actor)),
            Err(CoreError::Unauthenticated) => Err(Redirect::to("/dang-nhap").into_response()),
            Err(e) => {
                let ctx = Ctx::from_request_parts(parts, state)
                    .await
                    .unwrap_or_else(|never| match never {});
                Err(PageError::from_core(e, &ctx).into_response())
            }
        }
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for StaffPage {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(
            <StaffPage as FromRequestParts<AppState>>::from_request_parts(parts, state)
                .await
                .ok(),
        )
    }
}

/// One report as a row of the inbox, labelled in the reader's language.
pub struct Row {
    pub case_number: String,
    pub received: String,
    pub received_iso: String,
    pub channel: String,
    pub status: String,
    pub urgency: String,
    pub urgency_code: &'static str,
    pub unit: String,
    pub summary: String,
}

fn row(ctx: &Ctx, r: &ReportSummary) -> Row {
    Row {
        case_number: r.case_number.to_string(),
        received: vn_time(r.created_at),
        received_iso: r.created_at.to_rfc3339(),
        channel: ctx.tr.t(&format!("channel-{}", r.channel)),
        status: ctx.tr.t(&format!("status-{}", r.status)),
        urgency: ctx.tr.t(&format!("urgency-{}", r.urgency)),
        urgency_code: r.urgency.as_str(),
        unit: r.unit_name.clone(),
        summary: r.summary.clone(),
    }
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    c: Chrome,
    can_read: bool,
    rows: Vec<Row>,
    /// The search, when the list answers one.
    query: Option<String>,
    search_error: Option<String>,
}

pub async fn inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Response {
    match state.hotline.list_reports(&actor, 200).await {
        Ok(reports) => inbox_page(&ctx, &actor, &reports, None, None, StatusCode::OK),
        Err(e) => PageError::from_core(e, &ctx).into_response(),
    }
}

/// The search form's target. A POST, so that what was searched for (a phone number, a name in
/// the text) stays out of addresses, history and logs.
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let form = match form_of(body, &ctx) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    let query = form.get("q").to_owned();
    match state.hotline.search_reports(&actor, &query, 200).await {
        Ok(reports) => inbox_page(&ctx, &actor, &reports, Some(query), None, StatusCode::OK),
        Err(CoreError::Forbidden) => {
            let error = ctx.tr.t("search-phone-needs-clearance");
            inbox_page(
                &ctx,
                &actor,
                &[],
                Some(query),
                Some(error),
                StatusCode::FORBIDDEN,
            )
        }
        Err(e) => PageError::from_core(e, &ctx).into_response(),
    }
}

fn inbox_page(
    ctx: &Ctx,
    actor: &Actor,
    reports: &[ReportSummary],
    query: Option<String>,
    search_error: Option<String>,
    status: StatusCode,
) -> Response {
    let page = InboxPage {
        c: Chrome::new(ctx, Some(actor)),
        can_read: actor.visibility() != hotline_store::Visibility::Nothing,
        rows: reports.iter().map(|r| row(ctx, r)).collect(),
        query,
        search_error,
    };
    render(status, &page, ctx)
}

#[derive(Template)]
#[template(path = "reveal_log.html")]
struct RevealLogPage {
    c: Chrome,
    lines: Vec<RevealLogLine>,
}

pub struct RevealLogLine {
    pub at: String,
    pub at_iso: String,
    pub who: String,
    pub what: String,
    pub case: String,
    pub detail: String,
}

/// Who revealed which identities and masked items, and why.
pub async fn reveal_log(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
) -> Response {
    match state
        .hotline
        .reveal_log(&actor, hotline_core::audit::MAX_REVEAL_LOG)
        .await
    {
        Ok(entries) => {
            let page = RevealLogPage {
                c: Chrome::new(&ctx, Some(&actor)),
                lines: entries
                    .into_iter()
                    .map(|e| RevealLogLine {
                        at: vn_time(e.at),
                        at_iso: e.at.to_rfc3339(),
                        who: e.who,
                        what: ctx.tr.t(&format!("audit-{}", e.action)),
                        case: e.case,
                        detail: e.detail,
                    })
                    .collect(),
            };
            render(StatusCode::OK, &page, &ctx)
        }
        Err(CoreError::Forbidden) => {
            PageError::new(StatusCode::FORBIDDEN, "error-no-log-access", &ctx).into_response()
        }
        Err(e) => PageError::from_core(e, &ctx).into_response(),
    }
}

pub struct MessageLine {
    pub id: i64,
    pub direction: &'static str,
    pub who: String,
    pub channel: String,
    pub at: String,
    pub at_iso: String,
    pub parts: Vec<PartLine>,
}

/// A piece of a message on the page.
pub enum PartLine {
    Text(String),
    /// A personal item still masked, by its number in the message.
    Hidden(usize),
    /// The item revealed in this response.
    Revealed(String),
}

pub struct EventLine {
    pub at: String,
    pub at_iso: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    c: Chrome,
    title: String,
    row: Row,
    place: String,
    address: Option<String>,
    reporter: String,
    can_reveal: bool,
    needs_approval: bool,
    identity: Option<IdentityLines>,
    notice: Option<String>,
    reveal_error: Option<String>,
    requests: Vec<RequestLine>,
    legal_hold: bool,
    can_hold: bool,
    hold_error: Option<String>,
    messages: Vec<MessageLine>,
    can_reveal_items: bool,
    item_notice: Option<String>,
    item_error: Option<String>,
    events: Vec<EventLine>,
}

/// A request to reveal an identity, as listed for members with clearance.
pub struct RequestLine {
    pub id: i64,
    pub who: String,
    pub at: String,
    pub at_iso: String,
    pub reason: String,
    pub approved: bool,
    pub mine: bool,
}

/// A revealed identity, each field labelled for display.
pub struct IdentityLines {
    pub name: String,
    pub phone: String,
    pub email: String,
}

fn place_label(state: &AppState, ctx: &Ctx, view: &ReportView) -> String {
    let places = &state.hotline.places;
    let s = &view.detail.summary;
    let province = s.province_code.and_then(|p| places.province(p));
    let commune = s.commune_code.and_then(|c| places.commune(c));
    match (commune, province) {
        (Some(c), Some(p)) => format!("{}, {}", c.name, p.name),
        (None, Some(p)) => p.name.clone(),
        _ => ctx.tr.t("report-place-unknown"),
    }
}

pub async fn report_page(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
) -> Response {
    report_response(
        &state,
        &ctx,
        &actor,
        &case,
        StatusCode::OK,
        Shown::default(),
    )
    .await
}

/// A posted form, or the error page for a body that is not one.
fn form_of(body: Result<Bytes, BytesRejection>, ctx: &Ctx) -> Result<Form, Box<Response>> {
    read_body(body)
        .and_then(|b| Form::parse(&b))
        .map_err(|e| Box::new(PageError::from_body(e, ctx).into_response()))
}

/// What a form post adds to the report page.
#[derive(Default)]
struct Shown {
    identity: Option<IdentityLines>,
    notice: Option<String>,
    /// A masked item revealed: its message, its number there, its value.
    item: Option<(i64, usize, String)>,
    item_notice: Option<String>,
    item_error: Option<String>,
    reveal_error: Option<String>,
    hold_error: Option<String>,
}

fn first_field_message(ctx: &Ctx, errors: &[hotline_domain::FieldError]) -> String {
    errors
        .first()
        .map(|e| field_message(&ctx.tr, &e.field, e.code))
        .unwrap_or_default()
}

/// The legal-hold form's target: puts the report on hold or releases it, then shows the
/// report again.
pub async fn legal_hold(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let form = match form_of(body, &ctx) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    let hold = form.get("hold") == "1";
    match state
        .hotline
        .set_legal_hold(&actor, &case, hold, form.get("reason"))
        .await
    {
        Ok(()) => Redirect::to(&format!("/can-bo/ho-so/{case}")).into_response(),
        Err(e) => {
            let shown = |message| Shown {
                hold_error: Some(message),
                ..Shown::default()
            };
            report_form_failed(
                &state,
                &ctx,
                &actor,
                &case,
                e,
                shown,
                "error-no-hold-authority",
            )
            .await
        }
    }
}

/// After a form on the report page failed: the page again with the message beside that form,
/// or an error page.
async fn report_form_failed(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    case: &str,
    error: CoreError,
    shown: impl FnOnce(String) -> Shown,
    forbidden: &'static str,
) -> Response {
    match error {
        CoreError::Domain(DomainError::Invalid(errors)) => {
            let errors = shown(first_field_message(ctx, &errors));
            report_response(state, ctx, actor, case, StatusCode::BAD_REQUEST, errors).await
        }
        CoreError::Forbidden => {
            PageError::new(StatusCode::FORBIDDEN, forbidden, ctx).into_response()
        }
        e => PageError::from_core(e, ctx).into_response(),
    }
}

/// The approval form's target: approves another member's request to reveal an identity.
pub async fn approve_reveal(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let form = match form_of(body, &ctx) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    let request = form.get("request").parse().unwrap_or(0);
    match state.hotline.approve_reveal(&actor, &case, request).await {
        Ok(()) => Redirect::to(&format!("/can-bo/ho-so/{case}")).into_response(),
        Err(e) => {
            let shown = |message| Shown {
                reveal_error: Some(message),
                ..Shown::default()
            };
            report_form_failed(&state, &ctx, &actor, &case, e, shown, "error-no-clearance").await
        }
    }
}

/// The target of a masked item's form: shows the item in place (never in a URL), or the page
/// again with why not.
pub async fn reveal_text_item(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let form = match form_of(body, &ctx) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    let (Ok(message), Ok(item)) = (form.get("message").parse(), form.get("item").parse()) else {
        return PageError::new(StatusCode::BAD_REQUEST, "error-bad-request", &ctx).into_response();
    };
    match state
        .hotline
        .reveal_text_item(&actor, &case, message, item, form.get("reason"))
        .await
    {
        Ok(ItemReveal::Shown {
            message,
            item,
            value,
        }) => {
            let shown = Shown {
                item: Some((message, item, value)),
                item_notice: Some(ctx.tr.t("item-revealed")),
                ..Shown::default()
            };
            report_response(&state, &ctx, &actor, &case, StatusCode::OK, shown).await
        }
        Ok(ItemReveal::AwaitingApproval) => {
            let shown = Shown {
                item_notice: Some(ctx.tr.t("reveal-requested")),
                ..Shown::default()
            };
            report_response(&state, &ctx, &actor, &case, StatusCode::ACCEPTED, shown).await
        }
        Err(e) => {
            let shown = |message| Shown {
                item_error: Some(message),
                ..Shown::default()
            };
            report_form_failed(&state, &ctx, &actor, &case, e, shown, "error-no-clearance").await
        }
    }
}

/// The reveal form's target: shows the identity on the report page (never in a URL), or the
/// page again with why not.
pub async fn reveal_identity(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(case): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let form = match form_of(body, &ctx) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    match state
        .hotline
        .reveal_identity(&actor, &case, form.get("reason"))
        .await
    {
        Ok(Reveal::AwaitingApproval) => {
            let shown = Shown {
                notice: Some(ctx.tr.t("reveal-requested")),
                ..Shown::default()
            };
            report_response(&state, &ctx, &actor, &case, StatusCode::ACCEPTED, shown).await
        }
        Ok(Reveal::Shown(identity)) => {
            let shown = |v: Option<String>| v.unwrap_or_else(|| ctx.tr.t("reveal-none"));
            let lines = IdentityLines {
                name: shown(identity.name),
                phone: shown(identity.phone),
                email: shown(identity.email),
            };
            let shown = Shown {
                identity: Some(lines),
                ..Shown::default()
            };
            report_response(&state, &ctx, &actor, &case, StatusCode::OK, shown).await
        }
        Err(e) => {
            let shown = |message| Shown {
                reveal_error: Some(message),
                ..Shown::default()
            };
            report_form_failed(&state, &ctx, &actor, &case, e, shown, "error-no-clearance").await
        }
    }
}

async fn report_response(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    case: &str,
    status: StatusCode,
    shown: Shown,
) -> Response {
    let view = match state.hotline.report(actor, case).await {
        Ok(view) => view,
        Err(e) => return PageError::from_core(e, ctx).into_response(),
    };
    let summary = &view.detail.summary;
    let page = ReportPage {
        c: Chrome::new(ctx, Some(actor)),
        title: ctx
            .tr
            .t1("report-title", "case", summary.case_number.to_string()),
        row: row(ctx, summary),
        place: place_label(state, ctx, &view),
        address: view.detail.address.clone(),
        reporter: match &view.reporter {
            Some(pseudonym) => ctx
                .tr
                .t1("report-pseudonym", "pseudonym", pseudonym.to_string()),
            None => ctx.tr.t("report-anonymous"),
        },
        can_reveal: view.detail.contact.is_some() && actor.0.role.may_reveal_identity(),
        needs_approval: state
            .hotline
            .needs_second_approval(view.detail.legal_type.as_deref()),
        identity: shown.identity,
        notice: shown.notice,
        reveal_error: shown.reveal_error,
        requests: view
            .reveal_requests
            .iter()
            .map(|r| RequestLine {
                id: r.id,
                who: r.requester.clone(),
                at: vn_time(r.requested_at),
                at_iso: r.requested_at.to_rfc3339(),
                reason: r.reason.clone(),
                approved: r.approved_by.is_some(),
                mine: r.requested_by == actor.0.id,
            })
            .collect(),
        legal_hold: view.detail.legal_hold,
        can_hold: actor.0.role.may_place_legal_hold(),
        hold_error: shown.hold_error,
        messages: view
            .messages
            .iter()
            .map(|view| {
                let m = &view.message;
                MessageLine {
                    id: m.id.0,
                    direction: m.direction.as_str(),
                    who: ctx.tr.t(&format!("report-{}", m.direction)),
                    channel: ctx.tr.t(&format!("channel-{}", m.channel)),
                    at: vn_time(m.created_at),
                    at_iso: m.created_at.to_rfc3339(),
                    parts: view
                        .parts
                        .iter()
                        .map(|part| match part {
                            Part::Text(text) => PartLine::Text(text.clone()),
                            Part::Hidden { item } => match &shown.item {
                                Some((message, revealed, value))
                                    if *message == m.id.0 && revealed == item =>
                                {
                                    PartLine::Revealed(value.clone())
                                }
                                _ => PartLine::Hidden(*item),
                            },
                        })
                        .collect(),
                }
            })
            .collect(),
        can_reveal_items: actor.0.role.may_reveal_identity(),
        item_notice: shown.item_notice,
        item_error: shown.item_error,
        events: view
            .events
            .iter()
            .map(|e| EventLine {
                at: vn_time(e.created_at),
                at_iso: e.created_at.to_rfc3339(),
                what: ctx.tr.t(&format!("event-{}", e.kind)),
            })
            .collect(),
    };
    render(status, &page, ctx)
}

/// Pages answer unknown paths with the not-found page.
pub async fn not_found(ctx: Ctx) -> Response {
    PageError::new(StatusCode::NOT_FOUND, "error-not-found", &ctx).into_response()
}
