//! The directory's pages: the provinces, one province with its QR codes and vCards, the
//! widget, and the check.

use super::{query_value, vn_day};
use crate::AppState;
use crate::error::PageError;
use crate::extract::Ctx;
use crate::pages::{Chrome, render};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use hotline_core::directory::{
    ContactView, DirectorySearch, LeaderView, ProvinceDirectory, Verification, VerifiedContact,
};
use hotline_domain::directory::{Card, ContactKind};
use http::{HeaderValue, StatusCode, header};

/// A contact point as the templates show it.
pub struct ContactRow {
    pub id: i64,
    pub kind: &'static str,
    /// `Điện thoại`, `Zalo`…
    pub kind_name: String,
    pub display: String,
    pub href: String,
    /// `Gọi`, `Gửi thư`, `Mở Zalo`.
    pub action: String,
    /// Opens in a new tab (a web address), rather than dialling or writing.
    pub external: bool,
    pub label: String,
    pub hours: String,
    pub verified: String,
    pub listening: bool,
    /// schema.org property for the address (`telephone`, `email`, `url`).
    pub itemprop: &'static str,
}

impl ContactRow {
    pub fn new(ctx: &Ctx, c: &ContactView) -> Self {
        let kind = c.address.kind;
        let kind_name = ctx.tr.t(&format!("contact-kind-{}", kind.as_str()));
        let action = match kind {
            ContactKind::Phone => ctx.tr.t("contact-call"),
            ContactKind::Email => ctx.tr.t("contact-write"),
            _ => ctx.tr.t1("contact-open", "platform", kind_name.clone()),
        };
        Self {
            id: c.id,
            kind: kind.as_str(),
            kind_name,
            display: c.display.clone(),
            href: c.href.clone(),
            action,
            external: !matches!(kind, ContactKind::Phone | ContactKind::Email),
            label: c.label.clone().unwrap_or_default(),
            hours: c
                .hours
                .clone()
                .unwrap_or_else(|| ctx.tr.t("contact-all-hours")),
            verified: c
                .verified_on
                .map(|d| ctx.tr.t1("contact-verified", "day", vn_day(d)))
                .unwrap_or_default(),
            listening: c.listening.is_some(),
            itemprop: match kind {
                ContactKind::Phone => "telephone",
                ContactKind::Email => "email",
                _ => "url",
            },
        }
    }
}

pub struct LeaderRow {
    pub position_id: i64,
    pub name: String,
    pub title: String,
    pub unit_name: String,
    /// The unit is not the provincial police itself.
    pub below: bool,
    pub since: String,
    pub contacts: Vec<ContactRow>,
}

pub struct UnitRow {
    pub unit_name: String,
    pub lines: Vec<ContactRow>,
}

fn leader_rows(ctx: &Ctx, d: &ProvinceDirectory) -> Vec<LeaderRow> {
    let own = hotline_domain::UnitCode::province(d.province.code);
    d.leaders
        .iter()
        .map(|l: &LeaderView| LeaderRow {
            position_id: l.position_id,
            name: l.name_with_rank(),
            title: l.title.clone(),
            unit_name: l.unit_name.clone(),
            below: l.unit != own,
            since: vn_day(l.started_on),
            contacts: l.contacts.iter().map(|c| ContactRow::new(ctx, c)).collect(),
        })
        .collect()
}

fn unit_rows(ctx: &Ctx, d: &ProvinceDirectory) -> Vec<UnitRow> {
    d.units
        .iter()
        .map(|u| UnitRow {
            unit_name: u.unit_name.clone(),
            lines: u.lines.iter().map(|c| ContactRow::new(ctx, c)).collect(),
        })
        .collect()
}

/// "Includes the former provinces of …" for a province that absorbed others in 2025.
fn merger_note(ctx: &Ctx, former: &[&str]) -> String {
    if former.is_empty() {
        String::new()
    } else {
        ctx.tr
            .t1("directory-merged-from", "former", former.join(", "))
    }
}

pub struct ProvinceItem {
    pub slug: String,
    pub police_name: String,
    pub published: String,
    pub merged: String,
}

#[derive(Template)]
#[template(path = "directory_index.html")]
pub struct DirectoryIndexPage {
    pub c: Chrome,
    pub query: String,
    pub merged: String,
    pub provinces: Vec<ProvinceItem>,
    pub found: String,
}

/// `/danh-ba`: every province, or those a search names (with or without diacritics; a
/// province merged away in 2025 finds the one it joined).
pub async fn directory_index(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let q = query_value(query.as_deref(), "q");
    let found: DirectorySearch = state.hotline.search_directory(&q).await?;
    let merged = found
        .merged
        .as_ref()
        .map(|(former, into)| {
            ctx.tr.t2(
                "directory-merged-into",
                ("former", former.clone()),
                ("current", into.name.clone()),
            )
        })
        .unwrap_or_default();
    let provinces: Vec<ProvinceItem> = found
        .provinces
        .iter()
        .map(|p| ProvinceItem {
            slug: p.province.slug.clone(),
            police_name: p.police_name.clone(),
            published: if p.published == 0 {
                ctx.tr.t("directory-none-published")
            } else {
                ctx.tr.t1("directory-published", "count", p.published)
            },
            merged: merger_note(&ctx, &p.province.merged_provinces()),
        })
        .collect();
    let found_words = if q.trim().is_empty() {
        String::new()
    } else {
        ctx.tr.t1("directory-found", "count", provinces.len())
    };
    render(
        StatusCode::OK,
        &DirectoryIndexPage {
            c: Chrome::new(&ctx, None),
            query: q,
            merged,
            provinces,
            found: found_words,
        },
    )
}

#[derive(Template)]
#[template(path = "directory_province.html")]
pub struct DirectoryProvincePage {
    pub c: Chrome,
    pub slug: String,
    pub police_name: String,
    pub province_name: String,
    pub merged: String,
    pub leaders: Vec<LeaderRow>,
    pub units: Vec<UnitRow>,
    pub updated: String,
}

async fn published(state: &AppState, slug: &str) -> Result<ProvinceDirectory, PageError> {
    let code = state.hotline.directory_province(slug)?.code;
    Ok(state.hotline.province_directory(code, false).await?)
}

fn updated_words(ctx: &Ctx, d: &ProvinceDirectory) -> String {
    d.updated_at
        .map(|at| {
            ctx.tr
                .t1("directory-updated", "at", crate::pages::vn_time(at))
        })
        .unwrap_or_default()
}

/// `/danh-ba/<province>`: the leaders in post and the units' lines, each with its one-tap
/// link, QR code and the day it was verified; vCards to save.
pub async fn directory_province(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let d = published(&state, &slug).await?;
    render(
        StatusCode::OK,
        &DirectoryProvincePage {
            c: Chrome::new(&ctx, None),
            slug,
            merged: merger_note(&ctx, &d.province.merged_provinces()),
            police_name: d.police_name.clone(),
            province_name: d.province.name.clone(),
            leaders: leader_rows(&ctx, &d),
            units: unit_rows(&ctx, &d),
            updated: updated_words(&ctx, &d),
        },
    )
}

#[derive(Template)]
#[template(path = "directory_widget.html")]
pub struct DirectoryWidget {
    pub t: crate::i18n::Tr,
    pub slug: String,
    pub police_name: String,
    pub leaders: Vec<LeaderRow>,
    pub units: Vec<UnitRow>,
    pub updated: String,
}

/// The `frame-ancestors` a widget is served with: the province's allowed origins, or none.
fn widget_policy(origins: &[String]) -> String {
    let ancestors = if origins.is_empty() {
        "'none'".to_owned()
    } else {
        origins.join(" ")
    };
    format!(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'none'; \
         base-uri 'none'; frame-ancestors {ancestors}"
    )
}

/// `/danh-ba/<province>/widget`: the province's directory, compact, for its portal to frame;
/// the only page that may be framed, and only by the origins its administrator allows.
pub async fn directory_widget(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let d = published(&state, &slug).await?;
    let mut response = render(
        StatusCode::OK,
        &DirectoryWidget {
            t: ctx.tr.clone(),
            slug,
            police_name: d.police_name.clone(),
            leaders: leader_rows(&ctx, &d),
            units: unit_rows(&ctx, &d),
            updated: updated_words(&ctx, &d),
        },
    )?;
    if let Ok(policy) = HeaderValue::from_str(&widget_policy(&d.frame_origins)) {
        response
            .headers_mut()
            .insert("content-security-policy", policy);
    }
    Ok(response)
}

fn public_file(body: impl Into<axum::body::Body>, content_type: &'static str) -> Response {
    let mut response = Response::new(body.into());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// `/danh-ba/<province>/qr/<id>.svg`: the QR code of a published contact point: its `tel:`,
/// `mailto:` or profile address.
pub async fn directory_qr(
    State(state): State<AppState>,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let d = published(&state, &slug).await?;
    let contact = file
        .strip_suffix(".svg")
        .and_then(|id| id.parse::<i64>().ok())
        .and_then(|id| {
            d.leaders
                .iter()
                .flat_map(|l| l.contacts.iter())
                .chain(d.units.iter().flat_map(|u| u.lines.iter()))
                .find(|c| c.id == id)
        });
    let Some(contact) = contact else {
        return Err(PageError::not_found());
    };
    match qrcode::QrCode::new(contact.href.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(160, 160)
                .quiet_zone(true)
                .build();
            Ok(public_file(svg, "image/svg+xml"))
        }
        Err(e) => {
            tracing::error!(error = %e, "QR code failed");
            Err(PageError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "error-internal",
            ))
        }
    }
}

/// `/danh-ba/<province>/vcard/lanh-dao-<position>.vcf` (a leader with their contact points)
/// or `…/duong-day-<id>.vcf` (a unit's line): a vCard 4.0 to save.
pub async fn directory_vcard(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let d = published(&state, &slug).await?;
    let revision = d
        .updated_at
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    let number = |prefix: &str| {
        file.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(".vcf"))
            .and_then(|id| id.parse::<i64>().ok())
    };
    let promise = ctx.tr.t1("vcard-note", "police", d.police_name.clone());
    let card = if let Some(id) = number("lanh-dao-") {
        d.leaders.iter().find(|l| l.position_id == id).map(|l| {
            let (family, given) = l
                .full_name
                .split_once(' ')
                .map_or((l.full_name.clone(), String::new()), |(f, g)| {
                    (f.to_owned(), g.to_owned())
                });
            Card {
                name: l.name_with_rank(),
                person: Some((family, given)),
                organisation: if l.unit_name == d.police_name {
                    vec![d.police_name.clone()]
                } else {
                    vec![d.police_name.clone(), l.unit_name.clone()]
                },
                title: Some(l.title.clone()),
                addresses: l.contacts.iter().map(|c| c.address.clone()).collect(),
                note: Some(promise.clone()),
                revision: revision.clone(),
                uid: format!("urn:hotline:directory:{}:position:{id}", d.province.code),
            }
        })
    } else if let Some(id) = number("duong-day-") {
        d.units.iter().find_map(|u| {
            u.lines.iter().find(|c| c.id == id).map(|c| Card {
                name: match &c.label {
                    Some(label) => format!("{label} – {}", u.unit_name),
                    None => u.unit_name.clone(),
                },
                person: None,
                organisation: vec![u.unit_name.clone()],
                title: None,
                addresses: vec![c.address.clone()],
                note: Some(promise.clone()),
                revision: revision.clone(),
                uid: format!("urn:hotline:directory:{}:line:{id}", d.province.code),
            })
        })
    } else {
        None
    };
    let Some(card) = card else {
        return Err(PageError::not_found());
    };
    let mut response = public_file(card.to_vcard(), "text/vcard; charset=utf-8");
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

pub struct VerifiedRow {
    pub owner: String,
    pub unit_name: String,
    pub police_name: String,
    pub slug: String,
    pub kind_name: String,
    pub display: String,
    pub verified: String,
}

fn verified_row(ctx: &Ctx, v: &VerifiedContact) -> VerifiedRow {
    VerifiedRow {
        owner: v.owner.clone(),
        unit_name: v.unit_name.clone(),
        police_name: v.police_name.clone(),
        slug: v.province_slug.clone(),
        kind_name: ctx
            .tr
            .t(&format!("contact-kind-{}", v.address.kind.as_str())),
        display: v.display.clone(),
        verified: v
            .verified_on
            .map(|d| ctx.tr.t1("contact-verified", "day", vn_day(d)))
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "directory_verify.html")]
pub struct DirectoryVerifyPage {
    pub c: Chrome,
    pub query: String,
    pub asked: bool,
    pub understood: bool,
    pub official: bool,
    pub matches: Vec<VerifiedRow>,
    pub resembles: Vec<VerifiedRow>,
}

/// `/danh-ba/kiem-tra?q=`: whether a number, address, link or handle is an official published
/// contact point, with advice against scams either way.
pub async fn directory_verify(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let q = query_value(query.as_deref(), "q");
    let asked = !q.trim().is_empty();
    let answer = if asked {
        state.hotline.verify_contact(&q).await?
    } else {
        Verification::default()
    };
    render(
        StatusCode::OK,
        &DirectoryVerifyPage {
            c: Chrome::new(&ctx, None),
            query: q,
            asked,
            understood: answer.understood,
            official: answer.official,
            matches: answer
                .matches
                .iter()
                .map(|v| verified_row(&ctx, v))
                .collect(),
            resembles: answer
                .resembles
                .iter()
                .map(|v| verified_row(&ctx, v))
                .collect(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widget_may_be_framed_only_by_allowed_origins() {
        assert!(widget_policy(&[]).ends_with("frame-ancestors 'none'"));
        assert!(
            widget_policy(&["https://congan.quangninh.gov.vn".into()])
                .ends_with("frame-ancestors https://congan.quangninh.gov.vn")
        );
    }
}
