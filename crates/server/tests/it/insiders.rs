//! Insiders: an administrator stays inside their own unit and cannot carry themselves
//! elsewhere, and a member whose role or unit changes signs in again, with the second factor
//! their new role needs. Each test performs the attack the review reproduced (issue 25).

use crate::harness::{Backend, Data, Server, browser, console_form, console_post, page, sign_in};
use hotline_domain::Role;

#[tokio::test]
async fn a_provincial_administrator_acts_only_inside_the_province() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.admin", Role::Administrator, "22").await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    data.add_staff("ht.handler", Role::Handler, "42").await;
    data.add_staff("bca.director", Role::Director, "bca").await;
    let server = Server::start(data.config()).await;
    let admin = browser();
    sign_in(&admin, &server, "qn.admin").await;
    let post = async |path: &str, fields: &[(&str, &str)]| {
        console_post(&admin, &server, path, fields).await
    };

    // The list holds the province's members only.
    let list = page(&admin, server.url("/console/admin/staff")).await;
    assert!(list.contains("qn.handler"));
    assert!(!list.contains("ht.handler") && !list.contains("bca.director"));

    // No member is made in another province, nor at the ministry.
    for unit in ["42", "bca"] {
        let (status, _) = post(
            "/console/admin/staff",
            &[
                ("username", "cai.cam"),
                ("role", "handler"),
                ("unit", unit),
                ("password", hotline_core::demo::DEMO_PASSWORD),
            ],
        )
        .await;
        assert_eq!(status, 400, "a member made in {unit}");
    }

    // A member of another province is not found; one of the province is not sent away.
    let (status, _) = post(
        "/console/admin/staff/ht.handler",
        &[("action", "update"), ("role", "director"), ("unit", "42")],
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = post(
        "/console/admin/staff/ht.handler",
        &[("action", "end-sessions")],
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = post(
        "/console/admin/staff/qn.handler",
        &[("action", "update"), ("role", "director"), ("unit", "bca")],
    )
    .await;
    assert_eq!(status, 400, "promoted to the ministry");

    // Nor does the administrator move themselves there.
    let (status, _) = post(
        "/console/admin/staff/qn.admin",
        &[
            ("action", "update"),
            ("role", "administrator"),
            ("unit", "bca"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    server.stop().await;

    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let store = &service.hotline.store;
    assert!(matches!(
        store.staff_by_username("cai.cam").await,
        Err(hotline_store::StoreError::NotFound)
    ));
    let still = |name: &'static str| async move {
        let member = store.staff_by_username(name).await.unwrap().member;
        (member.role, member.unit.to_string())
    };
    assert_eq!(still("ht.handler").await, (Role::Handler, "42".into()));
    assert_eq!(still("qn.handler").await, (Role::Handler, "22".into()));
    assert_eq!(still("qn.admin").await, (Role::Administrator, "22".into()));
    service.close().await;
}

#[tokio::test]
async fn a_promoted_member_signs_in_again_with_a_second_factor() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("bca.admin", Role::Administrator, "bca")
        .await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    let token = data.token("qn.handler").await;
    let server = Server::start(data.config()).await;
    let handler = browser();
    sign_in(&handler, &server, "qn.handler").await;
    let r = handler
        .get(server.url("/api/v1/reports"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let admin = browser();
    sign_in(&admin, &server, "bca.admin").await;
    let r = admin
        .post(server.url("/console/admin/staff/qn.handler"))
        .form(
            &console_form(
                &admin,
                &server,
                &[("action", "update"), ("role", "director"), ("unit", "22")],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // The session made by the password alone no longer serves; nor does the token.
    let r = handler.get(server.url("/console")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/console/sign-in");
    let r = handler
        .get(server.url("/api/v1/reports"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Signing in again asks for the second factor the new role needs.
    let r = handler
        .post(server.url("/console/sign-in"))
        .form(&[
            ("username", "qn.handler"),
            ("password", hotline_core::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/console/second-factor");
    server.stop().await;
}

/// A role changed under a live session by anything but the administration pages (a restored
/// copy, a hand-edited row): each request checks the session against the role it has now.
#[tokio::test]
async fn a_session_without_a_second_factor_does_not_serve_a_role_that_needs_one() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.handler", Role::Handler, "22").await;
    let server = Server::start(data.config()).await;
    let handler = browser();
    sign_in(&handler, &server, "qn.handler").await;
    let r = handler.get(server.url("/console")).send().await.unwrap();
    assert_eq!(r.status(), 200, "served while a handler");
    let url = format!(
        "sqlite://{}",
        data.config().data_dir.join("hotline.db").display()
    );
    let db = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("UPDATE staff SET role = 'director' WHERE username = 'qn.handler'")
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let r = handler.get(server.url("/console")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/console/sign-in");
    server.stop().await;
}

/// One rogue provincial administrator must not mint the cleared accounts a four-eyes reveal
/// needs, an administrator to act for them, or an auditor who reads every unit's reveal log;
/// nor disable or take over the director above them.
#[tokio::test]
async fn a_provincial_administrator_grants_no_cleared_role_and_leaves_the_director_alone() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.admin", Role::Administrator, "22").await;
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    let server = Server::start(data.config()).await;
    let admin = browser();
    sign_in(&admin, &server, "qn.admin").await;
    let post = async |path: &str, fields: &[(&str, &str)]| {
        console_post(&admin, &server, path, fields).await
    };
    for role in [
        "director",
        "unit_leader",
        "inspector",
        "auditor",
        "administrator",
    ] {
        let (status, page) = post(
            "/console/admin/staff",
            &[
                ("username", &format!("moi.{}", role.replace('_', "."))),
                ("role", role),
                ("unit", "22"),
                ("password", hotline_core::demo::DEMO_PASSWORD),
            ],
        )
        .await;
        assert_eq!(status, 400, "{role} made");
        assert!(page.contains("chỉ do quản trị viên của Bộ cấp"), "{role}");
        let (status, _) = post(
            "/console/admin/staff/qn.handler",
            &[("action", "update"), ("role", role), ("unit", "22")],
        )
        .await;
        assert_eq!(status, 400, "promoted to {role}");
    }
    for action in ["reset-second-factor", "end-sessions", "revoke-tokens"] {
        let (status, _) = post("/console/admin/staff/qn.director", &[("action", action)]).await;
        assert_eq!(status, 400, "{action} on the director");
    }
    let (status, _) = post(
        "/console/admin/staff/qn.director",
        &[
            ("action", "update"),
            ("role", "director"),
            ("unit", "22"),
            ("disabled", "1"),
        ],
    )
    .await;
    assert_eq!(status, 400, "the director disabled");
    // What stays theirs: members without clearance in the province.
    let (status, _) = post(
        "/console/admin/staff",
        &[
            ("username", "qn.trucban2"),
            ("role", "duty_officer"),
            ("unit", "22"),
            ("password", hotline_core::demo::DEMO_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 200);
    server.stop().await;

    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let store = &service.hotline.store;
    let director = store.staff_by_username("qn.director").await.unwrap().member;
    assert!(!director.disabled);
    assert_eq!(
        store
            .staff_by_username("qn.handler")
            .await
            .unwrap()
            .member
            .role,
        Role::Handler
    );
    service.close().await;
}
