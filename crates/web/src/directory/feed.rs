//! The directory's JSON feed for other sites and apps, with its ETag, and the check as JSON.

use super::query_value;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Ctx;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use hotline_core::directory::{ContactView, ProvinceDirectory, VerifiedContact};
use hotline_domain::directory::ContactKind;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;
use utoipa::ToSchema;

/// A published contact point in the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedContact {
    pub kind: ContactKind,
    /// Canonical: E.164 for phones (`+84358131313`), the profile's address for platforms.
    pub address: String,
    /// As a reader writes it (`0358 131 313`, `@congan.qn`).
    pub display: String,
    /// `tel:`, `mailto:` or the profile's address.
    pub href: String,
    #[schema(nullable)]
    pub label: Option<String>,
    /// When it is answered; `null` when `around_the_clock`.
    #[schema(nullable)]
    pub hours: Option<String>,
    pub around_the_clock: bool,
    /// The day it was last checked to reach its owner.
    #[schema(nullable)]
    pub verified_on: Option<NaiveDate>,
    /// Whether messages sent to it reach Hotline (and so get a receipt code).
    pub hotline_receives: bool,
}

/// A leader in post.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedLeader {
    pub name: String,
    #[schema(nullable)]
    pub rank: Option<String>,
    pub title: String,
    /// Unit code (`22`, `22-pa05`, `22/6688`).
    pub unit: String,
    pub unit_name: String,
    pub since: NaiveDate,
    pub contacts: Vec<FeedContact>,
}

/// A unit's own lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedUnit {
    pub unit: String,
    pub unit_name: String,
    pub lines: Vec<FeedContact>,
}

/// One province's published directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedProvince {
    /// The directory's address (`quang-ninh`).
    pub province: String,
    /// GSO code (2025 list).
    pub code: u32,
    pub name: String,
    pub police: String,
    /// Provinces merged into this one on 1 July 2025.
    pub former_provinces: Vec<String>,
    /// The page (`/danh-ba/quang-ninh`).
    pub page: String,
    /// Counts up with every change.
    pub revision: i64,
    #[schema(nullable)]
    pub updated_at: Option<DateTime<Utc>>,
    pub leaders: Vec<FeedLeader>,
    pub units: Vec<FeedUnit>,
}

/// Every province's published directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryFeed {
    pub provinces: Vec<FeedProvince>,
}

fn feed_contact(c: &ContactView) -> FeedContact {
    FeedContact {
        kind: c.address.kind,
        address: c.address.address.clone(),
        display: c.display.clone(),
        href: c.href.clone(),
        label: c.label.clone(),
        hours: c.hours.clone(),
        around_the_clock: c.hours.is_none(),
        verified_on: c.verified_on,
        hotline_receives: c.listening.is_some(),
    }
}

fn feed_province(d: &ProvinceDirectory) -> FeedProvince {
    FeedProvince {
        province: d.province.slug.clone(),
        code: d.province.code,
        name: d.province.name.clone(),
        police: d.police_name.clone(),
        former_provinces: d
            .province
            .merged_provinces()
            .iter()
            .map(|f| (*f).to_owned())
            .collect(),
        page: format!("/danh-ba/{}", d.province.slug),
        revision: d.revision,
        updated_at: d.updated_at,
        leaders: d
            .leaders
            .iter()
            .map(|l| FeedLeader {
                name: l.full_name.clone(),
                rank: l.rank.clone(),
                title: l.title.clone(),
                unit: l.unit.to_string(),
                unit_name: l.unit_name.clone(),
                since: l.started_on,
                contacts: l.contacts.iter().map(feed_contact).collect(),
            })
            .collect(),
        units: d
            .units
            .iter()
            .map(|u| FeedUnit {
                unit: u.unit.to_string(),
                unit_name: u.unit_name.clone(),
                lines: u.lines.iter().map(feed_contact).collect(),
            })
            .collect(),
    }
}

/// Whether the client's `If-None-Match` names `etag`.
fn holds(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        })
}

/// The feed's headers: its version, a minute's caching, readable from any portal's page.
fn cacheable(mut response: Response, etag: &str) -> Response {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    // Published data: any portal's page may read it.
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// `304 Not Modified` when the client holds the current version (read without the rows).
async fn not_modified(
    state: &AppState,
    headers: &HeaderMap,
    province: Option<u32>,
) -> Option<Response> {
    let version = state.hotline.directory_version(province).await.ok()?;
    holds(headers, &version).then(|| cacheable(StatusCode::NOT_MODIFIED.into_response(), &version))
}

/// Every province's directory.
///
/// Public and cacheable: send the `ETag` back in `If-None-Match` to get `304` while nothing
/// changed.
#[utoipa::path(
    get,
    path = "/api/v1/directory",
    tag = "directory",
    params(("If-None-Match" = Option<String>, Header, description = "The ETag of a copy held")),
    responses(
        (status = 200, body = DirectoryFeed, headers(("ETag" = String, description = "Version of the directory"))),
        (status = 304, description = "Not modified since the ETag given"),
    )
)]
pub async fn directory_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(response) = not_modified(&state, &headers, None).await {
        return Ok(response);
    }
    let all = state.hotline.all_directories().await?;
    let day = all.first().map(|d| d.as_of).unwrap_or_default();
    let etag = hotline_core::directory::all_directories_etag(&all, day);
    let feed = DirectoryFeed {
        provinces: all.iter().map(feed_province).collect(),
    };
    Ok(cacheable(Json(feed).into_response(), &etag))
}

/// One province's directory.
#[utoipa::path(
    get,
    path = "/api/v1/directory/{province}",
    tag = "directory",
    params(
        ("province" = String, Path, description = "The province's codename with hyphens: `quang-ninh`, `ha-noi`"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag of a copy held"),
    ),
    responses(
        (status = 200, body = FeedProvince, headers(("ETag" = String, description = "Version of the province's directory"))),
        (status = 304, description = "Not modified since the ETag given"),
        (status = 404, description = "No such province", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn directory_province_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let code = state.hotline.directory_province(&slug)?.code;
    if let Some(response) = not_modified(&state, &headers, Some(code)).await {
        return Ok(response);
    }
    let d = state.hotline.province_directory(code, false).await?;
    Ok(cacheable(
        Json(feed_province(&d)).into_response(),
        &d.etag(),
    ))
}

/// A published contact point a check matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifiedOwner {
    /// `quang-ninh`.
    pub province: String,
    pub police: String,
    pub unit_name: String,
    /// Whose it is: `Đại tá …, Giám đốc`, or the line's label.
    pub owner: String,
    pub kind: ContactKind,
    pub address: String,
    pub display: String,
    #[schema(nullable)]
    pub verified_on: Option<NaiveDate>,
}

/// The answer to "is this really the police?".
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyAnswer {
    /// Whether it is an official published contact point.
    pub official: bool,
    /// Whether the text could be read as a number, address, link or handle.
    pub understood: bool,
    /// Whose contact point it is, when official.
    pub matches: Vec<VerifiedOwner>,
    /// Official numbers it is one digit (or two swapped) away from: a warning sign.
    pub resembles: Vec<VerifiedOwner>,
    /// What to do, in the language asked for.
    pub advice: String,
}

fn verified_owner(v: &VerifiedContact) -> VerifiedOwner {
    VerifiedOwner {
        province: v.province_slug.clone(),
        police: v.police_name.clone(),
        unit_name: v.unit_name.clone(),
        owner: v.owner.clone(),
        kind: v.address.kind,
        address: v.address.address.clone(),
        display: v.display.clone(),
        verified_on: v.verified_on,
    }
}

/// Is this really the police?
///
/// Matches a phone number (any notation), e-mail address, profile link or handle against the
/// published directory.
#[utoipa::path(
    get,
    path = "/api/v1/directory/verify",
    tag = "directory",
    params(("q" = String, Query, description = "A number, e-mail address, link or handle, as pasted", min_length = 1, pattern = r"\S")),
    responses(
        (status = 200, body = VerifyAnswer),
        (status = 400, description = "No `q`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn directory_verify_api(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let q = query_value(query.as_deref(), "q");
    if q.trim().is_empty() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "Invalid input")
            .detail(ctx.tr.t("verify-empty")));
    }
    let answer = state.hotline.verify_contact(&q).await?;
    let advice = if answer.official {
        ctx.tr.t("verify-advice-official")
    } else if !answer.understood {
        ctx.tr.t("verify-not-understood")
    } else {
        ctx.tr.t("verify-advice-unknown")
    };
    Ok((
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        Json(VerifyAnswer {
            official: answer.official,
            understood: answer.understood,
            matches: answer.matches.iter().map(verified_owner).collect(),
            resembles: answer.resembles.iter().map(verified_owner).collect(),
            advice,
        }),
    )
        .into_response())
}
