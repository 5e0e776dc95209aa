//! Staff sign-in and sign-out, and the extractor that makes a page staff-only.

use super::{Chrome, form_of, render, session_cookie_name};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Ctx, cookie};
use askama::Template;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, State};
use axum::response::{IntoResponse, Redirect, Response};
use bytes::Bytes;
use hotline_core::{Actor, CoreError};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    username: String,
    error: Option<String>,
}

pub async fn login_form(ctx: Ctx, staff: Option<StaffPage>) -> Response {
    if staff.is_some() {
        return Redirect::to("/console").into_response();
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
            let mut response = Redirect::to("/console").into_response();
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
            return Err(Redirect::to("/console/sign-in").into_response());
        };
        match state.hotline.session(token).await {
            Ok(actor) => Ok(StaffPage(actor)),
            Err(CoreError::Unauthenticated) => {
                Err(Redirect::to("/console/sign-in").into_response())
            }
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
