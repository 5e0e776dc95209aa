//! The routing table's page for administrators: every version with its rules, the rule a new
//! report would follow, and the forms that change them.

use super::{Chrome, PostedForm, StaffPage, render};
use crate::AppState;
use crate::error::{PageError, field_message};
use crate::extract::Ctx;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use hotline_core::routing::RuleInput;
use hotline_core::{Actor, CoreError};
use hotline_domain::routing::{FROM_THE_START, LegalScope, RoutingTable, Target};
use hotline_domain::{DomainError, Topic, VIETNAM};
use hotline_store::RoutingRuleRecord;
use http::StatusCode;
use serde::Deserialize;

pub struct RuleLine {
    pub id: i64,
    pub province: String,
    pub scope: String,
    pub topic: String,
    pub target: String,
    pub changed: String,
}

pub struct VersionBlock {
    /// `YYYY-MM-DD`, as forms send it back.
    pub value: String,
    pub label: String,
    pub in_force: bool,
    /// Not yet in force: it may still be removed.
    pub removable: bool,
    pub rules: Vec<RuleLine>,
}

#[derive(Template)]
#[template(path = "admin_routing.html")]
struct AdminRoutingPage {
    c: Chrome,
    versions: Vec<VersionBlock>,
    /// Choices of the rule form, as (value, label).
    provinces: Vec<(String, String)>,
    scopes: Vec<(String, String)>,
    topics: Vec<(String, String)>,
    targets: Vec<(String, String)>,
    /// The legal types a preview may name.
    legal_types: Vec<(String, String)>,
    /// What the preview asked (day, legal type, topic, commune) and where it goes.
    tried: (String, String, String, String),
    preview: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

/// A preview of where a report would go, from the page's query.
#[derive(Debug, Default, serde::Deserialize)]
pub struct RoutingQuery {
    #[serde(default)]
    try_day: String,
    #[serde(default)]
    try_legal_type: String,
    #[serde(default)]
    try_topic: String,
    #[serde(default)]
    try_commune: String,
}

fn day_label(ctx: &Ctx, day: NaiveDate) -> String {
    if day == FROM_THE_START {
        ctx.tr.t("routing-first-version")
    } else {
        ctx.tr
            .t1("routing-from", "date", day.format("%d/%m/%Y").to_string())
    }
}

fn target_label(state: &AppState, ctx: &Ctx, target: &Target) -> String {
    match target {
        Target::Department(name) => ctx.tr.t1(
            "routing-target-department-named",
            "name",
            name.to_uppercase(),
        ),
        Target::Unit(code) => format!(
            "{} ({code})",
            super::unit_names::unit_label(state, ctx, code)
        ),
        other => ctx.tr.t(&format!("routing-target-{}", other.kind())),
    }
}

fn scope_label(ctx: &Ctx, scope: LegalScope) -> String {
    match scope {
        LegalScope::One(t) => ctx.tr.t(&format!("legal_type-{t}")),
        other => ctx.tr.t(&format!("routing-scope-{other}")),
    }
}

async fn routing_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    (status, query): (StatusCode, RoutingQuery),
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let (preview, error) = if query.try_day.is_empty()
        && query.try_legal_type.is_empty()
        && query.try_topic.is_empty()
        && query.try_commune.is_empty()
    {
        (None, error)
    } else {
        match state
            .hotline
            .preview_route(
                actor,
                (
                    &query.try_day,
                    &query.try_legal_type,
                    &query.try_topic,
                    &query.try_commune,
                ),
            )
            .await
        {
            Ok(routed) => {
                let rule = match &routed.route.rule {
                    Some(rule) => format!(
                        "{} · {} · {} → {}",
                        routed
                            .route
                            .version
                            .map_or_else(String::new, |v| day_label(ctx, v)),
                        scope_label(ctx, rule.scope),
                        rule.topic.map_or_else(
                            || ctx.tr.t("routing-any-topic"),
                            |t| ctx.tr.t(&format!("topic-{t}"))
                        ),
                        target_label(state, ctx, &rule.target)
                    ),
                    None => ctx.tr.t("routing-by-place"),
                };
                (
                    Some(ctx.tr.t2(
                        "routing-preview",
                        (
                            "unit",
                            format!("{} ({})", routed.unit.name, routed.unit.code),
                        ),
                        ("rule", rule),
                    )),
                    error,
                )
            }
            Err(CoreError::Domain(DomainError::Invalid(errors))) => (
                None,
                errors
                    .first()
                    .map(|e| field_message(&ctx.tr, &format!("routing_{}", e.field), e.code)),
            ),
            Err(e) => return Err(PageError::from(e)),
        }
    };
    let rules = state.hotline.routing_rules(actor).await?;
    let table = RoutingTable::new(rules.iter().map(|r| r.rule.clone()).collect());
    let today = state
        .hotline
        .clock
        .now()
        .with_timezone(&VIETNAM)
        .date_naive();
    let in_force = table.version_on(today);
    let places = &state.hotline.places;
    let line = |r: &RoutingRuleRecord| RuleLine {
        id: r.id,
        province: r.rule.province.map_or_else(
            || ctx.tr.t("routing-nationwide"),
            |p| places.province(p).map_or(p.to_string(), |p| p.name.clone()),
        ),
        scope: scope_label(ctx, r.rule.scope),
        topic: r.rule.topic.map_or_else(
            || ctx.tr.t("routing-any-topic"),
            |t| ctx.tr.t(&format!("topic-{t}")),
        ),
        target: target_label(state, ctx, &r.rule.target),
        changed: match r.changed_by {
            Some(_) => super::vn_time(r.changed_at),
            None => ctx.tr.t("routing-default"),
        },
    };
    let versions = table
        .versions()
        .into_iter()
        .rev()
        .map(|day| VersionBlock {
            value: day.format("%Y-%m-%d").to_string(),
            label: day_label(ctx, day),
            in_force: Some(day) == in_force,
            removable: day > today,
            rules: rules
                .iter()
                .filter(|r| r.rule.effective_from == day)
                .map(line)
                .collect(),
        })
        .collect();
    let page = AdminRoutingPage {
        c: Chrome::new(ctx, Some(actor)),
        versions,
        provinces: std::iter::once((String::new(), ctx.tr.t("routing-nationwide")))
            .chain(
                places
                    .provinces()
                    .iter()
                    .map(|p| (p.code.to_string(), p.name.clone())),
            )
            .collect(),
        scopes: LegalScope::all()
            .into_iter()
            .map(|s| (s.to_string(), scope_label(ctx, s)))
            .collect(),
        topics: std::iter::once((String::new(), ctx.tr.t("routing-any-topic")))
            .chain(
                Topic::ALL
                    .iter()
                    .map(|t| (t.to_string(), ctx.tr.t(&format!("topic-{t}")))),
            )
            .collect(),
        targets: [
            "commune_police",
            "provincial_police",
            "department",
            "unit",
            "district_police",
        ]
        .into_iter()
        .map(|kind| (kind.to_owned(), ctx.tr.t(&format!("routing-target-{kind}"))))
        .collect(),
        legal_types: std::iter::once((String::new(), ctx.tr.t("digest-unclassified")))
            .chain(
                hotline_domain::LegalType::ALL
                    .iter()
                    .map(|t| (t.to_string(), ctx.tr.t(&format!("legal_type-{t}")))),
            )
            .collect(),
        tried: (
            query.try_day,
            query.try_legal_type,
            query.try_topic,
            query.try_commune,
        ),
        preview,
        notice,
        error,
    };
    render(status, &page)
}

/// The routing table, and where a report would go when the query asks.
pub async fn admin_routing(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    axum::extract::Query(query): axum::extract::Query<RoutingQuery>,
) -> Result<Response, PageError> {
    routing_page(&state, &ctx, &actor, (StatusCode::OK, query), None, None).await
}

/// After a change: the table again, with what happened or why not.
async fn after_routing_change(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    done: Result<String, CoreError>,
) -> Result<Response, PageError> {
    let (status, notice, error) = match done {
        Ok(notice) => (StatusCode::OK, Some(notice), None),
        Err(CoreError::Domain(DomainError::Invalid(errors))) => (
            StatusCode::BAD_REQUEST,
            None,
            errors
                .first()
                .map(|e| field_message(&ctx.tr, &format!("routing_{}", e.field), e.code)),
        ),
        Err(e) => return Err(PageError::from(e)),
    };
    routing_page(
        state,
        ctx,
        actor,
        (status, RoutingQuery::default()),
        notice,
        error,
    )
    .await
}

/// The fields of [`admin_put_routing_rule`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminPutRoutingRuleForm {
    version: String,
    province: String,
    scope: String,
    topic: String,
    target: String,
    argument: String,
}

/// Adds a rule or changes a rule's target.
pub async fn admin_put_routing_rule(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<AdminPutRoutingRuleForm>,
) -> Result<Response, PageError> {
    let done = state
        .hotline
        .put_routing_rule(
            &actor,
            &RuleInput {
                version: &form.version,
                province: &form.province,
                scope: &form.scope,
                topic: &form.topic,
                target_kind: &form.target,
                target_argument: &form.argument,
            },
        )
        .await
        .map(|()| ctx.tr.t("routing-saved"));
    after_routing_change(&state, &ctx, &actor, done).await
}

/// The fields of [`admin_delete_routing_rule`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminDeleteRoutingRuleForm {
    id: String,
}

/// Removes a rule.
pub async fn admin_delete_routing_rule(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<AdminDeleteRoutingRuleForm>,
) -> Result<Response, PageError> {
    let Ok(id) = form.id.parse::<i64>() else {
        return Err(PageError::new(StatusCode::BAD_REQUEST, "error-bad-request"));
    };
    let done = state
        .hotline
        .delete_routing_rule(&actor, id)
        .await
        .map(|()| ctx.tr.t("routing-removed"));
    after_routing_change(&state, &ctx, &actor, done).await
}

/// The fields of [`admin_add_routing_version`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminAddRoutingVersionForm {
    version: String,
}

/// Starts a new version as a copy of the one in force on its date.
pub async fn admin_add_routing_version(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<AdminAddRoutingVersionForm>,
) -> Result<Response, PageError> {
    let done = state
        .hotline
        .add_routing_version(&actor, &form.version)
        .await
        .map(|day| {
            ctx.tr
                .t1("routing-version-added", "version", day_label(&ctx, day))
        });
    after_routing_change(&state, &ctx, &actor, done).await
}

/// The fields of [`admin_delete_routing_version`]'s form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct AdminDeleteRoutingVersionForm {
    version: String,
}

/// Removes a version not yet in force.
pub async fn admin_delete_routing_version(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    PostedForm(form): PostedForm<AdminDeleteRoutingVersionForm>,
) -> Result<Response, PageError> {
    let done = state
        .hotline
        .delete_routing_version(&actor, &form.version)
        .await
        .map(|()| ctx.tr.t("routing-version-removed"));
    after_routing_change(&state, &ctx, &actor, done).await
}

/// This module's pages and the forms they post.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/console/admin/routing",
            get(admin_routing).post(admin_put_routing_rule),
        )
        .route(
            "/console/admin/routing/delete",
            post(admin_delete_routing_rule),
        )
        .route(
            "/console/admin/routing/versions",
            post(admin_add_routing_version),
        )
        .route(
            "/console/admin/routing/versions/delete",
            post(admin_delete_routing_version),
        )
}
