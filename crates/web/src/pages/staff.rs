//! Staff sign-in and sign-out, and the extractor that makes a page staff-only.

use super::{Chrome, PostedForm, render, session_cookie_name};
use crate::AppState;
use crate::error::{PageError, field_message};
use crate::extract::{Ctx, session_token};
use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use hotline_core::second_factor::{Enrolment, SecondFactorStep};
use hotline_core::{Actor, CoreError, SignedIn};
use http::StatusCode;
use http::request::Parts;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    username: String,
    error: Option<String>,
}

pub async fn login_form(ctx: Ctx, staff: Option<StaffPage>) -> Result<Response, PageError> {
    if staff.is_some() {
        return Ok(Redirect::to("/console").into_response());
    }
    let page = LoginPage {
        c: Chrome::new(&ctx, None),
        username: String::new(),
        error: None,
    };
    render(StatusCode::OK, &page)
}

fn session_cookie(state: &AppState, value: &str, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build((session_cookie_name(state), value.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .secure(state.config.secure_cookies)
        .build()
}

/// The fields of [`login`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    PostedForm(form): PostedForm<LoginForm>,
) -> Result<Response, PageError> {
    let username = form.username.trim().to_owned();
    match state
        .hotline
        .sign_in(&username, &form.password, ctx.client_ip)
        .await
    {
        Ok(signed_in) => {
            let next = if signed_in.second_factor.is_some() {
                "/console/second-factor"
            } else {
                "/console"
            };
            Ok(with_session(
                &state,
                Redirect::to(next).into_response(),
                &signed_in,
            ))
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
            render(status, &page)
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// `response` with the cookie of a new session.
fn with_session(state: &AppState, response: Response, signed_in: &SignedIn) -> Response {
    let max_age = (signed_in.expires_at - state.hotline.clock.now()).num_seconds();
    let jar = CookieJar::new().add(session_cookie(state, &signed_in.token, max_age));
    (jar, response).into_response()
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    c: Chrome,
    enrolment: Option<Enrolment>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    c: Chrome,
    codes: Vec<String>,
}

/// The second factor's page: the code, or, for a member without one, the enrolment.
pub async fn second_factor_form(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, PageError> {
    second_factor_page(&state, &ctx, &jar, None, StatusCode::OK).await
}

async fn second_factor_page(
    state: &AppState,
    ctx: &Ctx,
    jar: &CookieJar,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let Some(token) = session_token(jar, state) else {
        return Ok(Redirect::to("/console/sign-in").into_response());
    };
    let pending = match state.hotline.pending_sign_in(token).await {
        Ok(pending) => pending,
        Err(CoreError::Unauthenticated) => return Ok(after_sign_in_ended(state, token).await),
        Err(e) => return Err(PageError::from(e)),
    };
    let enrolment = match pending.step {
        SecondFactorStep::Code => None,
        SecondFactorStep::Enrol => match state.hotline.begin_enrolment(token).await {
            Ok(enrolment) => Some(enrolment),
            Err(e) => return Err(PageError::from(e)),
        },
    };
    let page = SecondFactorPage {
        c: Chrome::new(ctx, None),
        enrolment,
        error,
    };
    render(status, &page)
}

/// Where a browser goes whose session is not waiting for a second factor: the console when it
/// is complete, else the sign-in page.
async fn after_sign_in_ended(state: &AppState, token: &str) -> Response {
    if state.hotline.session(token).await.is_ok() {
        Redirect::to("/console").into_response()
    } else {
        Redirect::to("/console/sign-in").into_response()
    }
}

/// The fields of [`second_factor`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SecondFactorForm {
    code: String,
}

/// Checks the second factor (or confirms an enrolment) and completes the sign-in.
pub async fn second_factor(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    PostedForm(form): PostedForm<SecondFactorForm>,
) -> Result<Response, PageError> {
    let Some(token) = session_token(&jar, &state) else {
        return Ok(Redirect::to("/console/sign-in").into_response());
    };
    let pending = match state.hotline.pending_sign_in(token).await {
        Ok(pending) => pending,
        Err(CoreError::Unauthenticated) => return Ok(after_sign_in_ended(&state, token).await),
        Err(e) => return Err(PageError::from(e)),
    };
    let code = &form.code;
    let failed = match pending.step {
        SecondFactorStep::Enrol => {
            match state
                .hotline
                .confirm_enrolment(token, code, ctx.client_ip)
                .await
            {
                Ok(enrolled) => {
                    let page = RecoveryCodesPage {
                        c: Chrome::new(&ctx, None),
                        codes: enrolled.recovery_codes,
                    };
                    return Ok(with_session(
                        &state,
                        render(StatusCode::OK, &page)?,
                        &enrolled.signed_in,
                    ));
                }
                Err(e) => e,
            }
        }
        SecondFactorStep::Code => {
            match state
                .hotline
                .verify_second_factor(token, code, ctx.client_ip)
                .await
            {
                Ok(signed_in) => {
                    return Ok(with_session(
                        &state,
                        Redirect::to("/console").into_response(),
                        &signed_in,
                    ));
                }
                Err(e) => e,
            }
        }
    };
    let (status, error) = match failed {
        CoreError::Throttled { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            ctx.tr.t1("second-throttled", "seconds", retry_after_secs),
        ),
        CoreError::Unauthenticated | CoreError::Domain(_) => {
            (StatusCode::UNAUTHORIZED, ctx.tr.t("second-failed"))
        }
        e => return Err(PageError::from(e)),
    };
    second_factor_page(&state, &ctx, &jar, Some(error), status).await
}

#[derive(Template)]
#[template(path = "own_password.html")]
struct OwnPasswordPage {
    c: Chrome,
    /// Someone else chose the password: nothing else is served until it changes.
    forced: bool,
    error: Option<String>,
}

/// The signed-in member behind the session cookie and its token, whether or not their
/// password is their own yet; or where to send the browser.
async fn own_session<'a>(
    state: &AppState,
    jar: &'a CookieJar,
) -> Result<(&'a str, Actor), Response> {
    let Some(token) = session_token(jar, state) else {
        return Err(Redirect::to("/console/sign-in").into_response());
    };
    match state.hotline.session(token).await {
        Ok(actor) => Ok((token, actor)),
        Err(CoreError::Unauthenticated) => Err(after_sign_in_ended(state, token).await),
        Err(e) => Err(PageError::from(e).into_response()),
    }
}

fn own_password_page(
    ctx: &Ctx,
    actor: &Actor,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = OwnPasswordPage {
        c: Chrome::new(ctx, Some(actor)),
        forced: actor.0.must_change_password,
        error,
    };
    render(status, &page)
}

/// The page to change one's own password.
pub async fn own_password_form(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<Response, PageError> {
    match own_session(&state, &jar).await {
        Ok((_, actor)) => own_password_page(&ctx, &actor, None, StatusCode::OK),
        Err(elsewhere) => Ok(elsewhere),
    }
}

/// The fields of [`own_password`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct OwnPasswordForm {
    current: String,
    password: String,
    repeat: String,
}

/// Changes one's own password; the console again once done.
pub async fn own_password(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    PostedForm(form): PostedForm<OwnPasswordForm>,
) -> Result<Response, PageError> {
    let (token, actor) = match own_session(&state, &jar).await {
        Ok(session) => session,
        Err(elsewhere) => return Ok(elsewhere),
    };
    if form.password != form.repeat {
        let error = ctx.tr.t("password-mismatch");
        return own_password_page(&ctx, &actor, Some(error), StatusCode::BAD_REQUEST);
    }
    let (status, error) = match state
        .hotline
        .change_own_password(token, &form.current, &form.password)
        .await
    {
        Ok(()) => return Ok(Redirect::to("/console").into_response()),
        Err(CoreError::Throttled { retry_after_secs }) => (
            StatusCode::TOO_MANY_REQUESTS,
            ctx.tr.t1("login-throttled", "seconds", retry_after_secs),
        ),
        Err(CoreError::Domain(hotline_domain::DomainError::Invalid(errors))) => (
            StatusCode::BAD_REQUEST,
            errors
                .first()
                .map(|e| field_message(&ctx.tr, &e.field, e.code))
                .unwrap_or_default(),
        ),
        Err(e) => return Err(PageError::from(e)),
    };
    own_password_page(&ctx, &actor, Some(error), status)
}

/// Ends every session of the signed-in member, this one included.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    StaffPage(actor): StaffPage,
) -> Result<Response, PageError> {
    state.hotline.sign_out_everywhere(&actor).await?;
    Ok(signed_out(&state, "/console/sign-in"))
}

pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> Response {
    if let Some(token) = session_token(&jar, &state)
        && let Err(e) = state.hotline.sign_out(token).await
    {
        tracing::warn!(error = %e, "sign-out failed");
    }
    signed_out(&state, "/")
}

/// Sends the browser to `to` with its session cookie cleared.
fn signed_out(state: &AppState, to: &str) -> Response {
    let jar = CookieJar::new().add(session_cookie(state, "", 0));
    (jar, Redirect::to(to)).into_response()
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
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = session_token(&jar, state) else {
            return Err(Redirect::to("/console/sign-in").into_response());
        };
        match state.hotline.session(token).await {
            // A password someone else chose opens only the page to change it.
            Ok(actor) if actor.0.must_change_password => {
                Err(Redirect::to("/console/password").into_response())
            }
            Ok(actor) => Ok(StaffPage(actor)),
            Err(CoreError::Unauthenticated) => {
                // A session made by the password alone is sent on to its second factor.
                let next = if state.hotline.pending_sign_in(token).await.is_ok() {
                    "/console/second-factor"
                } else {
                    "/console/sign-in"
                };
                Err(Redirect::to(next).into_response())
            }
            Err(e) => Err(PageError::from(e).into_response()),
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

/// This module's pages and the forms they post.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/sign-in", get(login_form).post(login))
        .route("/console/sign-out", post(logout))
        .route(
            "/console/second-factor",
            get(second_factor_form).post(second_factor),
        )
        .route("/console/sign-out-everywhere", post(logout_everywhere))
        .route(
            "/console/password",
            get(own_password_form).post(own_password),
        )
}
