//! Insiders: an administrator stays inside their own unit and cannot carry themselves
//! elsewhere, and a member whose role or unit changes signs in again, with the second factor
//! their new role needs. Each test performs the attack the review reproduced (issue 25).

use crate::harness::{Backend, Data, Server, browser, console_form, console_post, page, sign_in};
use hotline_domain::Role;
use serde_json::{Value, json};

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
    assert_eq!(status, 403);
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
    data.add_staff("bca.admin2", Role::Administrator, "bca")
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
    let r = handler.get(server.url("/console")).send().await.unwrap();
    assert_eq!(
        r.status(),
        200,
        "served until a second administrator approves"
    );
    let second = browser();
    sign_in(&second, &server, "bca.admin2").await;
    let grant = grant_ids(&page(&second, server.url("/console/admin/staff")).await)[0];
    let (status, approved) = console_post(
        &second,
        &server,
        &format!("/console/admin/staff-grants/{grant}"),
        &[("decision", "approve")],
    )
    .await;
    assert_eq!(status, 200);
    let first_password = issued_password(&approved);

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

    // The password the member had is gone with the promotion: the one the approver hands
    // over opens the account, and signing in asks for the second factor the new role needs.
    let r = handler
        .post(server.url("/console/sign-in"))
        .form(&[
            ("username", "qn.handler"),
            ("password", hotline_core::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 303, "the password from before the promotion");
    let r = handler
        .post(server.url("/console/sign-in"))
        .form(&[("username", "qn.handler"), ("password", &first_password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/console/second-factor");
    server.stop().await;
}

/// The first password an approval gives, as the approver's page shows it once.
fn issued_password(page: &str) -> String {
    let marker = "<code class=\"secret\">";
    let start = page
        .find(marker)
        .expect("an approval shows the first password")
        + marker.len();
    let password: String = page[start..].chars().take_while(|c| *c != '<').collect();
    assert_eq!(password.len(), 19, "{password}");
    password
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
/// needs, an administrator to act for them, or an auditor who reads every unit's reveal log:
/// each waits for a second administrator. Nor does a rogue administrator disable or take over
/// the director above them.
async fn a_cleared_role_waits_for_a_second_administrator(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.admin", Role::Administrator, "22").await;
    data.add_staff("qn.admin2", Role::Administrator, "22").await;
    data.add_staff("bca.admin", Role::Administrator, "bca")
        .await;
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    let server = Server::start(data.config()).await;
    let admin = browser();
    sign_in(&admin, &server, "qn.admin").await;
    let post = async |path: &str, fields: &[(&str, &str)]| {
        console_post(&admin, &server, path, fields).await
    };
    let roles = [
        "director",
        "unit_leader",
        "inspector",
        "auditor",
        "administrator",
    ];
    for role in roles {
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
        assert_eq!(status, 200, "{role} asked for");
        assert!(
            page.contains("chỉ có hiệu lực khi một quản trị viên khác"),
            "{role}"
        );
    }
    let (status, _) = post(
        "/console/admin/staff/qn.handler",
        &[("action", "update"), ("role", "inspector"), ("unit", "22")],
    )
    .await;
    assert_eq!(status, 200, "a promotion asked for");
    // One grant waits per member.
    let (status, _) = post(
        "/console/admin/staff/qn.handler",
        &[("action", "update"), ("role", "director"), ("unit", "22")],
    )
    .await;
    assert_eq!(status, 400, "a second grant for the same member");
    let list = page(&admin, server.url("/console/admin/staff")).await;
    let grants = grant_ids(&list);
    assert_eq!(grants.len(), roles.len() + 1);
    // The asker approves none of them.
    for grant in &grants {
        let (status, _) = post(
            &format!("/console/admin/staff-grants/{grant}"),
            &[("decision", "approve")],
        )
        .await;
        assert_eq!(status, 403, "approved by its asker");
    }

    // Nothing was given yet.
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let store = service.hotline.store.clone();
    for role in roles {
        let name = format!("moi.{}", role.replace('_', "."));
        assert!(
            matches!(
                store.staff_by_username(&name).await,
                Err(hotline_store::StoreError::NotFound)
            ),
            "{name} exists before approval"
        );
    }
    assert_eq!(
        store
            .staff_by_username("qn.handler")
            .await
            .unwrap()
            .member
            .role,
        Role::Handler
    );

    // A second administrator approves the promotion and one new director, refuses the
    // administrator; the asker withdraws the auditor.
    let second = browser();
    sign_in(&second, &server, "qn.admin2").await;
    let decide = async |client: &reqwest::Client, grant: i64, decision: &str| {
        console_post(
            client,
            &server,
            &format!("/console/admin/staff-grants/{grant}"),
            &[("decision", decision)],
        )
        .await
        .0
    };
    let (director, auditor, administrator, promotion) =
        (grants[0], grants[3], grants[4], grants[5]);
    assert_eq!(decide(&second, promotion, "approve").await, 200);
    let (status, approved) = console_post(
        &second,
        &server,
        &format!("/console/admin/staff-grants/{director}"),
        &[("decision", "approve")],
    )
    .await;
    assert_eq!(status, 200);
    let first_password = issued_password(&approved);
    let list = page(&admin, server.url("/console/admin/staff")).await;
    assert!(
        !list.contains(&first_password),
        "shown to its approver once"
    );
    assert_eq!(
        decide(&second, director, "approve").await,
        400,
        "approved twice"
    );
    assert_eq!(decide(&second, administrator, "refuse").await, 200);
    assert_eq!(decide(&admin, auditor, "refuse").await, 200);
    assert_eq!(decide(&admin, administrator, "approve").await, 403);
    assert_eq!(
        decide(&second, administrator, "approve").await,
        400,
        "refused stays refused"
    );
    assert_eq!(
        store
            .staff_by_username("qn.handler")
            .await
            .unwrap()
            .member
            .role,
        Role::Inspector
    );
    let login = store.staff_by_username("moi.director").await.unwrap();
    assert_eq!(login.member.role, Role::Director);
    assert!(login.member.must_change_password);
    assert!(
        hotline_vault::verify_password(&first_password, &login.password_hash),
        "the approver's password opens it"
    );
    assert!(
        !hotline_vault::verify_password(hotline_core::demo::DEMO_PASSWORD, &login.password_hash),
        "the asker's does not"
    );
    for name in ["moi.administrator", "moi.auditor"] {
        assert!(store.staff_by_username(name).await.is_err(), "{name}");
    }

    // A grant about an administrator is not theirs to approve.
    let ministry = browser();
    sign_in(&ministry, &server, "bca.admin").await;
    let (status, _) = console_post(
        &ministry,
        &server,
        "/console/admin/staff/qn.admin2",
        &[
            ("action", "update"),
            ("role", "administrator"),
            ("unit", "22-pc02"),
        ],
    )
    .await;
    assert_eq!(status, 400, "an unknown department");
    let (status, _) = console_post(
        &ministry,
        &server,
        "/console/admin/staff/qn.admin2",
        &[("action", "update"), ("role", "director"), ("unit", "22")],
    )
    .await;
    assert_eq!(status, 200);
    let own = *grant_ids(&page(&second, server.url("/console/admin/staff")).await)
        .last()
        .unwrap();
    assert_eq!(
        decide(&second, own, "approve").await,
        403,
        "approved by its member"
    );

    // The director above stays out of reach.
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
    assert!(
        !store
            .staff_by_username("qn.director")
            .await
            .unwrap()
            .member
            .disabled
    );

    // A member who holds such a role already, moved elsewhere, keeps their own password and
    // second factor: the approver gets nothing to hand over.
    let (status, _) = console_post(
        &ministry,
        &server,
        "/console/admin/staff/qn.director",
        &[
            ("action", "update"),
            ("role", "director"),
            ("unit", "22/6688"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let moved = *grant_ids(&page(&second, server.url("/console/admin/staff")).await)
        .last()
        .unwrap();
    let (status, approved) = console_post(
        &second,
        &server,
        &format!("/console/admin/staff-grants/{moved}"),
        &[("decision", "approve")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(!approved.contains("<code class=\"secret\">"));
    let login = store.staff_by_username("qn.director").await.unwrap();
    assert_eq!(login.member.unit.to_string(), "22/6688");
    assert!(!login.member.must_change_password);
    assert!(hotline_vault::verify_password(
        hotline_core::demo::DEMO_PASSWORD,
        &login.password_hash
    ));

    // The chain names who asked and who approved.
    let actions: Vec<String> = store
        .audit_entries(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "staff.grant_requested",
        "staff.grant_approved",
        "staff.grant_refused",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}");
    }
    server.stop().await;
    service.close().await;
}

#[tokio::test]
async fn a_cleared_role_waits_for_a_second_administrator_on_sqlite() {
    a_cleared_role_waits_for_a_second_administrator(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_cleared_role_waits_for_a_second_administrator_on_postgres() {
    a_cleared_role_waits_for_a_second_administrator(Backend::Postgres).await;
}

/// The grants an administration page lists, in its order.
fn grant_ids(page: &str) -> Vec<i64> {
    page.split("/console/admin/staff-grants/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .fold(Vec::new(), |mut ids, id| {
            if ids.last() != Some(&id) {
                ids.push(id);
            }
            ids
        })
}

/// Staff administration over the API keeps the console's rules: the caller's subtree, not
/// oneself, a second administrator for cleared roles, and a changed member's token ends.
async fn staff_administration_over_the_api_keeps_the_console_rules(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.admin", Role::Administrator, "22").await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    data.add_staff("ht.handler", Role::Handler, "42").await;
    let admin = data.token("qn.admin").await;
    let handler = data.token("qn.handler").await;
    let server = Server::start(data.config()).await;
    let client = reqwest::Client::new();
    let call = async |method: reqwest::Method, path: &str, token: &str, body: Option<Value>| {
        let mut request = client.request(method, server.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.unwrap_or(Value::Null))
    };
    use reqwest::Method;

    let (status, list) = call(Method::GET, "/api/v1/staff", &admin, None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list["staff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["qn.admin", "qn.handler"]);
    let (status, _) = call(Method::GET, "/api/v1/staff", &handler, None).await;
    assert_eq!(status, 403, "a handler lists no staff");
    let (status, _) = call(Method::GET, "/api/v1/staff", "not-a-token", None).await;
    assert_eq!(status, 401);

    let new = |username: &str, role: &str, unit: &str| {
        json!({"username": username, "role": role, "unit": unit, "name": "Cán bộ thử (hư cấu)",
               "password": hotline_core::demo::DEMO_PASSWORD})
    };
    let (status, made) = call(
        Method::POST,
        "/api/v1/staff",
        &admin,
        Some(new("qn.moi", "duty_officer", "22")),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["role"], "duty_officer");
    let (status, made) = call(
        Method::POST,
        "/api/v1/staff",
        &admin,
        Some(new("qn.lanhdao", "director", "22")),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(made["pending_approval"], true);
    let (status, _) = call(
        Method::POST,
        "/api/v1/staff",
        &admin,
        Some(new("ht.moi", "handler", "42")),
    )
    .await;
    assert_eq!(status, 422, "a member made in another province");

    let (status, changed) = call(
        Method::PATCH,
        "/api/v1/staff/qn.handler",
        &admin,
        Some(json!({"role": "inspector"})),
    )
    .await;
    assert_eq!(
        (status, changed["pending_approval"].clone()),
        (202, json!(true))
    );
    let (status, _) = call(
        Method::PATCH,
        "/api/v1/staff/ht.handler",
        &admin,
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(status, 404, "outside the caller's subtree");
    let (status, _) = call(
        Method::PATCH,
        "/api/v1/staff/qn.admin",
        &admin,
        Some(json!({"unit": "bca"})),
    )
    .await;
    assert_eq!(status, 403, "on oneself");
    let (status, _) = call(
        Method::PATCH,
        "/api/v1/staff/qn.admin",
        &admin,
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(status, 403, "on oneself");

    // A change of unit ends the member's token.
    let (status, _) = call(Method::GET, "/api/v1/reports", &handler, None).await;
    assert_eq!(status, 200);
    let (status, changed) = call(
        Method::PATCH,
        "/api/v1/staff/qn.handler",
        &admin,
        Some(json!({"role": "duty_officer"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(changed["role"], "duty_officer");
    let (status, _) = call(Method::GET, "/api/v1/reports", &handler, None).await;
    assert_eq!(status, 401, "the changed member's token");

    let (status, list) = call(Method::GET, "/api/v1/staff", &admin, None).await;
    assert_eq!(status, 200);
    let waiting: Vec<&str> = list["pending_approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        waiting,
        ["qn.lanhdao"],
        "a direct change lets the member's waiting grant lapse"
    );
    server.stop().await;
}

#[tokio::test]
async fn staff_administration_over_the_api_keeps_the_console_rules_on_sqlite() {
    staff_administration_over_the_api_keeps_the_console_rules(Backend::Sqlite).await;
}

#[tokio::test]
async fn staff_administration_over_the_api_keeps_the_console_rules_on_postgres() {
    staff_administration_over_the_api_keeps_the_console_rules(Backend::Postgres).await;
}

/// An administrator chooses a new member's first password; the member makes it their own
/// before the console serves them anything, and the administrator's no longer opens the
/// account (issue 25, finding 1).
async fn a_member_replaces_the_password_an_administrator_chose(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.admin", Role::Administrator, "22").await;
    let server = Server::start(data.config()).await;
    let admin = browser();
    sign_in(&admin, &server, "qn.admin").await;
    let chosen = "Mat-khau-quan-tri-chon";
    let (status, _) = console_post(
        &admin,
        &server,
        "/console/admin/staff",
        &[
            ("username", "qn.moi"),
            ("role", "duty_officer"),
            ("unit", "22"),
            ("password", chosen),
        ],
    )
    .await;
    assert_eq!(status, 200);

    let sign_in_with = async |password: &str| {
        let client = browser();
        let r = client
            .post(server.url("/console/sign-in"))
            .form(&[("username", "qn.moi"), ("password", password)])
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), client)
    };
    let (status, member) = sign_in_with(chosen).await;
    assert_eq!(status, 303);
    for path in ["/console", "/console/duty", "/console/capture"] {
        let r = member.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()["location"], "/console/password", "{path}");
    }
    // Nor does a token acting for them serve anything until then.
    let token = data.token("qn.moi").await;
    let by_api = async || {
        reqwest::Client::new()
            .get(server.url("/api/v1/reports"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(by_api().await, 403);
    let form = page(&member, server.url("/console/password")).await;
    assert!(form.contains("do quản trị viên đặt"));
    let change = async |current: &str, new: &str, repeat: &str| {
        console_post(
            &member,
            &server,
            "/console/password",
            &[("current", current), ("password", new), ("repeat", repeat)],
        )
        .await
    };
    let own = "cum tu rieng cua toi 2026";
    let (status, shown) = change("sai-mat-khau-1", own, own).await;
    assert_eq!(status, 400);
    assert!(shown.contains("Mật khẩu hiện tại không đúng"));
    let (status, shown) = change(chosen, own, "cum tu khac").await;
    assert_eq!(status, 400);
    assert!(shown.contains("không giống nhau"));
    let (status, _) = change(chosen, chosen, chosen).await;
    assert_eq!(status, 400, "the same password again");
    let (status, _) = change(chosen, "ngan", "ngan").await;
    assert_eq!(status, 400, "too short");
    let r = member
        .post(server.url("/console/password"))
        .form(
            &crate::harness::console_form(
                &member,
                &server,
                &[("current", chosen), ("password", own), ("repeat", own)],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = member.get(server.url("/console")).send().await.unwrap();
    assert_eq!(r.status(), 200, "served once the password is their own");
    assert_eq!(by_api().await, 200);

    let (status, _) = sign_in_with(chosen).await;
    assert_ne!(
        status, 303,
        "the administrator's password no longer opens it"
    );
    let (status, _) = sign_in_with(own).await;
    assert_eq!(status, 303);
    server.stop().await;

    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let actions: Vec<String> = service
        .hotline
        .store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    service.close().await;
    assert!(actions.iter().any(|a| a == "staff.password_changed"));
    assert!(actions.iter().any(|a| a == "staff.password_change_failed"));
}

#[tokio::test]
async fn a_member_replaces_the_password_an_administrator_chose_on_sqlite() {
    a_member_replaces_the_password_an_administrator_chose(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_member_replaces_the_password_an_administrator_chose_on_postgres() {
    a_member_replaces_the_password_an_administrator_chose(Backend::Postgres).await;
}
