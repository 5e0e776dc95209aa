//! Staff and unit administration: administrators create members and change them, create
//! departments and name units; every change takes effect at once and is in the audit chain;
//! nobody else reaches these pages.

use crate::harness::{
    Backend, Data, Server, browser, console_form, console_post, element_text, page, sign_in,
};
use hotline_domain::Role;

#[tokio::test]
async fn an_administrator_creates_changes_and_disables_members() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("bca.admin", Role::Administrator, "bca")
        .await;
    data.add_staff("qn.director", Role::Director, "22").await;
    let server = Server::start(data.config()).await;
    let admin = browser();
    sign_in(&admin, &server, "bca.admin").await;
    let list = page(&admin, server.url("/console/admin/staff")).await;
    assert!(list.contains("qn.director") && list.contains("Giám đốc"));
    let post = async |path: &str, fields: &[(&str, &str)]| {
        console_post(&admin, &server, path, fields).await
    };

    let (status, shown) = post(
        "/console/admin/staff",
        &[
            ("username", "qn.trucban"),
            ("name", "Cán bộ trực ban (demo)"),
            ("role", "duty_officer"),
            ("unit", "22"),
            ("password", hotline_core::demo::DEMO_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(shown.contains("Đã tạo tài khoản qn.trucban"));
    let (status, shown) = post(
        "/console/admin/staff",
        &[
            ("username", "qn.trucban"),
            ("role", "duty_officer"),
            ("unit", "22"),
            ("password", hotline_core::demo::DEMO_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 409);
    assert!(shown.contains("Tên đăng nhập này đã có"));
    let (status, _) = post(
        "/console/admin/staff",
        &[
            ("username", "qn.khac"),
            ("role", "duty_officer"),
            ("unit", "khong-co"),
            ("password", hotline_core::demo::DEMO_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 400, "an unknown unit");

    // The new member signs in; a change of unit ends their session, and the next one is in
    // the new unit; disabling ends it too.
    let duty = browser();
    sign_in(&duty, &server, "qn.trucban").await;
    // The administrator chose the password: the member makes it their own first.
    let r = duty.get(server.url("/console")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/console/password");
    let own = "mat khau rieng cua truc ban";
    let (status, _) = console_post(
        &duty,
        &server,
        "/console/password",
        &[
            ("current", hotline_core::demo::DEMO_PASSWORD),
            ("password", own),
            ("repeat", own),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = post(
        "/console/admin/staff/qn.trucban",
        &[
            ("action", "update"),
            ("role", "duty_officer"),
            ("unit", "42"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let r = duty.get(server.url("/console")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/console/sign-in", "signed out");
    let r = duty
        .post(server.url("/console/sign-in"))
        .form(&[("username", "qn.trucban"), ("password", own)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let inbox = page(&duty, server.url("/console")).await;
    assert!(inbox.contains("Hà Tĩnh"), "now in Hà Tĩnh");
    let (status, _) = post(
        "/console/admin/staff/qn.trucban",
        &[
            ("action", "update"),
            ("role", "duty_officer"),
            ("unit", "42"),
            ("disabled", "1"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let r = duty.get(server.url("/console")).send().await.unwrap();
    assert_eq!(
        r.headers()["location"],
        "/console/sign-in",
        "disabled at once"
    );

    // An administrator cannot lock themselves out.
    let (status, shown) = post(
        "/console/admin/staff/bca.admin",
        &[("action", "update"), ("role", "handler"), ("unit", "bca")],
    )
    .await;
    assert_eq!(status, 403);
    assert!(shown.contains("Việc này cần một quản trị viên khác"));
    let (status, _) = post(
        "/console/admin/staff/bca.admin",
        &[
            ("action", "update"),
            ("role", "administrator"),
            ("unit", "22"),
        ],
    )
    .await;
    assert_eq!(status, 403, "nor move themselves");
    let (status, _) = post(
        "/console/admin/staff/bca.admin",
        &[("action", "reset-second-factor")],
    )
    .await;
    assert_eq!(status, 403, "nor reset their own second factor");

    // A lost phone: the director enrols again.
    let (status, _) = post(
        "/console/admin/staff/qn.director",
        &[("action", "reset-second-factor")],
    )
    .await;
    assert_eq!(status, 200);

    // Nobody else reaches these pages.
    let director = browser();
    let r = director
        .post(server.url("/console/sign-in"))
        .form(&[
            ("username", "qn.director"),
            ("password", hotline_core::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/console/second-factor");
    let enrol = page(&director, server.url("/console/second-factor")).await;
    assert!(enrol.contains("<svg"), "enrols again after the reset");
    server.stop().await;

    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let entries = service.hotline.store.audit_entries(0, 1000).await.unwrap();
    service.close().await;
    for action in [
        "staff.created_by_administrator",
        "staff.updated",
        "staff.second_factor_reset",
    ] {
        assert!(
            entries.iter().any(|e| e.action == action),
            "{action} audited"
        );
    }
}

#[tokio::test]
async fn only_administrators_administer() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.director", Role::Director, "22").await;
    let server = Server::start(data.config()).await;
    let director = browser();
    sign_in(&director, &server, "qn.director").await;
    let r = director
        .get(server.url("/console/admin/staff"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = director
        .post(server.url("/console/admin/staff/qn.director"))
        .form(
            &console_form(
                &director,
                &server,
                &[
                    ("action", "update"),
                    ("role", "administrator"),
                    ("unit", "bca"),
                ],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no climbing to administrator");
    let r = director
        .get(server.url("/console/admin/units"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = director
        .post(server.url("/console/admin/units"))
        .form(
            &console_form(
                &director,
                &server,
                &[("parent", "22"), ("suffix", "pc99"), ("name", "Phòng X")],
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    server.stop().await;
}

#[tokio::test]
async fn a_provincial_administrator_creates_departments_and_names_units_of_the_province_only() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.admin", Role::Administrator, "22").await;
    let commune = hotline_domain::Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .code;
    let commune_unit = hotline_domain::UnitCode::commune(22, commune).to_string();
    // The commune police exists once someone works there.
    data.add_staff("xa.duty", Role::DutyOfficer, &commune_unit)
        .await;
    let server = Server::start(data.config()).await;
    let admin = browser();
    sign_in(&admin, &server, "qn.admin").await;
    let post = async |path: &str, fields: &[(&str, &str)]| {
        console_post(&admin, &server, path, fields).await
    };
    let list = page(&admin, server.url("/console/admin/units")).await;
    assert!(list.contains(&format!("<code>{commune_unit}</code>")));
    assert!(
        !list.contains("<code>42</code>"),
        "another province is not theirs"
    );

    let (status, shown) = post(
        "/console/admin/units",
        &[
            ("parent", "22"),
            ("suffix", "PC02"),
            ("name", "Phòng Cảnh sát hình sự  (demo)"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(shown.contains("Đã tạo đơn vị Phòng Cảnh sát hình sự (demo)"));
    assert!(shown.contains("<code>22-pc02</code>"));
    for (fields, says) in [
        (
            [("parent", "22"), ("suffix", "pc02"), ("name", "Trùng mã")],
            "Mã đơn vị này đã có",
        ),
        (
            [("parent", "42"), ("suffix", "pc03"), ("name", "Tỉnh khác")],
            "Không có đơn vị cấp trên này",
        ),
        (
            [
                ("parent", commune_unit.as_str()),
                ("suffix", "x"),
                ("name", "Dưới xã"),
            ],
            "không có đơn vị trực thuộc",
        ),
        (
            [("parent", "22"), ("suffix", "pc 04"), ("name", "Mã sai")],
            "chỉ gồm chữ và số",
        ),
        (
            [("parent", "22"), ("suffix", "pc05"), ("name", "  ")],
            "Vui lòng nhập tên đơn vị",
        ),
    ] {
        let (status, shown) = post("/console/admin/units", &fields).await;
        assert_eq!(status, 400, "{fields:?}");
        assert!(shown.contains(says), "{fields:?}");
    }

    // Staff can belong to the new department.
    let (status, shown) = post(
        "/console/admin/staff",
        &[
            ("username", "qn.pc02"),
            ("role", "handler"),
            ("unit", "22-pc02"),
            ("password", hotline_core::demo::DEMO_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 200, "{shown}");

    let (status, shown) = post(
        "/console/admin/units/rename",
        &[
            ("code", &commune_unit),
            ("name", "Công an phường (tên mới, demo)"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(shown.contains("Đã đổi tên thành Công an phường (tên mới, demo)"));
    let (status, shown) = post(
        "/console/admin/units/rename",
        &[("code", "22"), ("name", "Tên khác")],
    )
    .await;
    assert_eq!(status, 400, "the province's name is the law's");
    assert!(shown.contains("dưới cấp tỉnh"));
    let (status, _) = post(
        "/console/admin/units/rename",
        &[("code", "42"), ("name", "Tên khác")],
    )
    .await;
    assert_eq!(status, 400);
    let duty = browser();
    sign_in(&duty, &server, "xa.duty").await;
    let inbox = page(&duty, server.url("/console")).await;
    assert!(
        inbox.contains("Công an phường (tên mới, demo)"),
        "the new name shows"
    );
    server.stop().await;

    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let entries = service.hotline.store.audit_entries(0, 1000).await.unwrap();
    service.close().await;
    for action in ["unit.created", "unit.renamed"] {
        assert!(
            entries.iter().any(|e| e.action == action),
            "{action} audited"
        );
    }
}

#[tokio::test]
async fn the_routing_table_page_shows_every_version_and_takes_changes_from_administrators_only() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("bca.admin", Role::Administrator, "bca")
        .await;
    data.add_staff("qn.admin", Role::Administrator, "22").await;
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    let server = Server::start(data.config()).await;
    let admin = browser();
    sign_in(&admin, &server, "bca.admin").await;
    let post = async |client: &reqwest::Client, path: &str, fields: &[(&str, &str)]| {
        let r = client
            .post(server.url(path))
            .form(&console_form(client, &server, fields).await)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let table = page(&admin, server.url("/console/admin/routing")).await;
    for says in [
        "Bảng phân công tiếp nhận",
        "Phiên bản đầu (trước 01/03/2025)",
        "Từ ngày 01/03/2025",
        "Từ ngày 01/07/2025",
        "đang áp dụng",
        "Công an cấp huyện (đã giải thể; tin báo về Công an tỉnh)",
        "Phòng PC04 của Công an tỉnh",
        "Nguồn tin về tội phạm",
    ] {
        assert!(table.contains(says), "{says}");
    }

    // Where a theft in a commune of Quảng Ninh goes, before and after the reform.
    let commune = hotline_domain::Gazetteer::embedded()
        .unwrap()
        .communes_of(22)
        .next()
        .unwrap()
        .code;
    let try_route = async |day: &str, commune: &str| {
        page(
            &admin,
            server.url(&format!(
                "/console/admin/routing?try_day={day}&try_legal_type=crime_denunciation\
                 &try_topic=theft_robbery&try_commune={commune}"
            )),
        )
        .await
    };
    let preview = |html: &str| element_text(html, "routing-preview").unwrap_or_default();
    let before = preview(&try_route("2025-02-10", &commune.to_string()).await);
    assert!(
        before.starts_with("Tin báo này sẽ về: Công an tỉnh Quảng Ninh (22)"),
        "district police gone, the province: {before}"
    );
    assert!(before.contains("Công an cấp huyện"), "{before}");
    // The commune police has no staff, so no unit yet: the province holds it meanwhile.
    let after = preview(&try_route("2026-01-05", &commune.to_string()).await);
    assert!(after.contains("Từ ngày 01/07/2025"), "{after}");
    assert!(
        after.contains("Công an xã, phường, đặc khu nơi xảy ra"),
        "{after}"
    );
    let wrong = try_route("2026-01-05", "99999999").await;
    assert!(wrong.contains("Không có xã, phường, đặc khu mang mã này"));

    let rule = [
        ("version", "2025-07-01"),
        ("province", "22"),
        ("scope", "crime_source"),
        ("topic", "gambling"),
        ("target", "department"),
        ("argument", "PC02"),
    ];
    let (status, shown) = post(&admin, "/console/admin/routing", &rule).await;
    assert_eq!(status, 200, "{shown}");
    assert!(shown.contains("Đã lưu quy tắc."));
    assert!(shown.contains("Phòng PC02 của Công an tỉnh"));
    for (field, value, says) in [
        ("target", "district_police", "Công an cấp huyện đã giải thể"),
        ("argument", "<script>", "với phòng nghiệp vụ, ghi mã phòng"),
        ("province", "99", "Không có tỉnh, thành phố này"),
        ("version", "2024-13-01", "Ngày hiệu lực không hợp lệ"),
    ] {
        let mut bad = rule;
        for pair in bad.iter_mut().filter(|(k, _)| *k == field) {
            pair.1 = value;
        }
        let (status, shown) = post(&admin, "/console/admin/routing", &bad).await;
        assert_eq!(status, 400, "{field}={value}");
        assert!(shown.contains(says), "{field}={value}");
        assert!(!shown.contains("<script>"), "never echoed unescaped");
    }
    let (status, shown) = post(
        &admin,
        "/console/admin/routing/versions",
        &[("version", "2027-01-01")],
    )
    .await;
    assert_eq!(status, 200, "{shown}");
    assert!(shown.contains("Đã tạo phiên bản Từ ngày 01/01/2027."));
    assert!(shown.contains("Xóa phiên bản này"));
    let (status, _) = post(
        &admin,
        "/console/admin/routing/versions/delete",
        &[("version", "2027-01-01")],
    )
    .await;
    assert_eq!(status, 200);

    // A province's administrator edits their province only; other staff see nothing.
    let province = browser();
    sign_in(&province, &server, "qn.admin").await;
    let (status, _) = post(&province, "/console/admin/routing", &rule).await;
    assert_eq!(status, 200);
    let mut national = rule;
    national[1].1 = "";
    let (status, _) = post(&province, "/console/admin/routing", &national).await;
    assert_eq!(status, 403);
    let duty = browser();
    sign_in(&duty, &server, "qn.duty").await;
    let r = duty
        .get(server.url("/console/admin/routing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (status, _) = post(&duty, "/console/admin/routing", &rule).await;
    assert_eq!(status, 403);
    // Without the session's form token nothing changes.
    let r = admin
        .post(server.url("/console/admin/routing/versions"))
        .form(&[("version", "2027-02-01")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let table = page(&admin, server.url("/console/admin/routing")).await;
    assert!(!table.contains("01/02/2027"));
    server.stop().await;
}

/// R26: the breach register, as an administrator keeps it: refused text is said in Vietnamese
/// and changes nothing; a breach recorded shows with its 72-hour limit; nobody else reaches it.
#[tokio::test]
async fn an_administrator_keeps_the_breach_register() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.admin", Role::Administrator, "22").await;
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    let server = Server::start(data.config()).await;
    let admin = browser();
    sign_in(&admin, &server, "qn.admin").await;
    let empty = page(&admin, server.url("/console/breaches")).await;
    assert!(empty.contains("Chưa có sự cố nào được ghi nhận"), "{empty}");
    assert!(
        empty.contains("href=\"/console/breaches\""),
        "in the header"
    );
    let breach = |description: &'static str| {
        vec![
            ("description", description),
            ("data_kinds", "nội dung tin báo"),
            ("affected", "12"),
            ("detected_date", "2026-01-05"),
            ("detected_time", "08:30"),
        ]
    };
    let (status, shown) = console_post(
        &admin,
        &server,
        "/console/breaches",
        &breach("Lộ thư của người tố giác nguyen.van.a@example.com qua sao lưu"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        shown.contains("sổ sự cố không ghi dữ liệu cá nhân"),
        "{shown}"
    );
    assert!(
        !page(&admin, server.url("/console/breaches"))
            .await
            .contains("Sự cố số")
    );
    let recorded = admin
        .post(server.url("/console/breaches"))
        .form(
            &console_form(
                &admin,
                &server,
                &breach("Máy trạm trực ban nhiễm mã độc, tệp sao lưu bị sao chép"),
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(recorded.status(), 303);
    let listed = page(&admin, server.url("/console/breaches")).await;
    assert!(
        listed.contains("Sự cố số 1") && listed.contains("08/01/2026 08:30"),
        "{listed}"
    );
    assert!(listed.contains("Quá 72 giờ mà chưa thông báo A05"));

    let duty = browser();
    sign_in(&duty, &server, "qn.duty").await;
    let refused = duty
        .get(server.url("/console/breaches"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    server.stop().await;
}
