//! The public hotline directory on the demo's four provinces: the pages, every QR code decoded,
//! the vCards parsed back, the feed validated against its OpenAPI schema with its ETag, the
//! "is this really the police?" check, administration (audited, scoped, guarded) and the
//! export that imports back without loss.

use crate::harness::{
    Backend, Data, Server, actor, browser, console_form, page, run_cli, sign_in, stderr_of,
    stdout_of,
};
use hotline_core::directory::ContactInput;
use hotline_core::directory_files::DirectoryDocument;
use hotline_server::Service;
use serde_json::Value;

/// Undoes the HTML escaping of an attribute value.
fn unescape(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of `attribute` in the first tag of `html` that has `marker` before it.
fn attribute_after(html: &str, marker: &str, attribute: &str) -> Option<String> {
    let from = html.find(marker)?;
    let rest = html.get(from..)?;
    let start = rest.find(&format!("{attribute}=\""))? + attribute.len() + 2;
    let value = rest.get(start..)?;
    Some(unescape(value.get(..value.find('"')?)?))
}

/// Every contact point on a province page: (its tap target, its QR code's address).
fn contacts_on(html: &str) -> Vec<(String, String)> {
    html.split("<li class=\"contact ")
        .skip(1)
        .map(|block| {
            let href = attribute_after(block, "class=\"address\"", "href").unwrap();
            let qr = attribute_after(block, "<img", "src").unwrap();
            (href, qr)
        })
        .collect()
}

/// Draws an SVG as a browser would and reads the QR code in it.
fn decode_qr(svg: &[u8]) -> String {
    let tree = resvg::usvg::Tree::from_data(svg, &resvg::usvg::Options::default()).unwrap();
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    let width = pixmap.width() as usize;
    let pixels = pixmap.data().to_vec();
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, pixmap.height() as usize, |x, y| {
            pixels[(y * width + x) * 4]
        });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the drawing");
    grids[0].decode().unwrap().1
}

/// Properties of the one card in a vCard text: (name, parameters, value).
fn vcard_properties(text: &str) -> Vec<(String, String, String)> {
    let mut cards = ical::VcardParser::new(std::io::BufReader::new(text.as_bytes()));
    let card = cards.next().expect("one card").expect("a card that parses");
    assert!(cards.next().is_none(), "only one card");
    card.properties
        .into_iter()
        .map(|p| {
            let params = p
                .params
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| format!("{k}={}", v.join(",")))
                .collect::<Vec<_>>()
                .join(";");
            (p.name, params, p.value.unwrap_or_default())
        })
        .collect()
}

fn value_of<'a>(properties: &'a [(String, String, String)], name: &str) -> Vec<&'a str> {
    properties
        .iter()
        .filter(|(n, _, _)| n == name)
        .map(|(_, _, v)| v.as_str())
        .collect()
}

/// The schema of `name` in the server's OpenAPI document, with the document's components for
/// its references.
fn schema_validator(openapi: &Value, name: &str) -> jsonschema::Validator {
    let mut schema = openapi.clone();
    schema["$ref"] = Value::String(format!("#/components/schemas/{name}"));
    schema["$schema"] = Value::String("https://json-schema.org/draft/2020-12/schema".into());
    jsonschema::validator_for(&schema).unwrap()
}

async fn published_and_checked(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    let server = Server::start_with(data.config(), true).await;
    let citizen = browser();

    // The list of provinces, searched with and without diacritics; merged names find the
    // province that absorbed them.
    let list = page(&citizen, server.url("/danh-ba")).await;
    assert_eq!(list.matches("<li><a href=\"/danh-ba/").count(), 34);
    for query in [
        "Quảng Ninh",
        "quang ninh",
        "QUANG NINH",
        "cong an tinh quang ninh",
    ] {
        let found = page(&citizen, server.url(&format!("/danh-ba?q={query}"))).await;
        assert!(found.contains("href=\"/danh-ba/quang-ninh\""), "{query}");
        assert_eq!(
            found.matches("<li><a href=\"/danh-ba/").count(),
            1,
            "{query}"
        );
    }
    for (former, current) in [
        ("Hòa Bình", "phu-tho"),
        ("vinh phuc", "phu-tho"),
        ("Kiên Giang", "an-giang"),
    ] {
        let found = page(&citizen, server.url(&format!("/danh-ba?q={former}"))).await;
        assert!(
            found.contains(&format!("href=\"/danh-ba/{current}\"")),
            "{former}"
        );
        assert!(
            found.contains("đã hợp nhất vào"),
            "{former}: the merger is noted"
        );
    }

    // The report form's place picker lists the merged provinces under their own names.
    let form = page(&browser(), server.url("/gui-tin-bao")).await;
    for option in [
        "<option value=\"25\">Hòa Bình (nay thuộc Phú Thọ)</option>",
        "<option value=\"91\">Kiên Giang (nay thuộc An Giang)</option>",
        "<option value=\"79\">Bà Rịa - Vũng Tàu (nay thuộc Hồ Chí Minh)</option>",
    ] {
        assert!(form.contains(option), "{option}");
    }
    assert!(!form.contains("Sài Gòn (nay"));

    // A province page: leaders in post with one-tap links, lines, the promise, 113, markup.
    let qn = page(&citizen, server.url("/danh-ba/quang-ninh")).await;
    for expected in [
        "itemtype=\"https://schema.org/GovernmentOrganization\"",
        "itemtype=\"https://schema.org/ContactPoint\"",
        "href=\"tel:+84912000101\"",
        "href=\"tel:113\"",
        "href=\"mailto:giamdoc.demo@congan-quangninh.example\"",
        "https://www.tiktok.com/@congan.quangninh.demo",
        "Đại tá Phạm Quang Khải (hư cấu)",
        "0912 000 101",
        "0203 3835 113",
        "được giữ bí mật",
        "Đã kiểm tra ngày 02/11/2026",
        "Cập nhật lần cuối",
    ] {
        assert!(qn.contains(expected), "{expected}");
    }
    assert!(!qn.contains("3825000"), "an internal line is not published");
    let pt = page(&citizen, server.url("/danh-ba/phu-tho")).await;
    assert!(pt.contains("Nguyễn Trọng Nghĩa") && pt.contains("gồm cả địa bàn"));
    let ht = page(&citizen, server.url("/danh-ba/ha-tinh")).await;
    assert!(
        !ht.contains("Nguyễn Trọng Nghĩa"),
        "who left shows only where they are now"
    );
    assert!(ht.contains("Phan Thị Mai Anh"));
    let empty = page(&citizen, server.url("/danh-ba/ha-noi")).await;
    assert!(empty.contains("chưa công bố danh bạ"));
    let missing = citizen
        .get(server.url("/danh-ba/atlantis"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Không tìm thấy"));
    let english = page(&browser(), server.url("/danh-ba/quang-ninh?lang=en")).await;
    assert!(english.contains("Leaders") && english.contains("Call"));

    // Every QR code decodes to the contact point's own address.
    let contacts = contacts_on(&qn);
    assert!(contacts.len() >= 15, "{}", contacts.len());
    for (href, qr) in &contacts {
        let r = citizen.get(server.url(qr)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{qr}");
        assert_eq!(r.headers()["content-type"], "image/svg+xml");
        assert_eq!(&decode_qr(&r.bytes().await.unwrap()), href, "{qr}");
    }
    assert_eq!(
        citizen
            .get(server.url("/danh-ba/quang-ninh/qr/999999.svg"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // The leader's vCard and a line's parse back with the right fields.
    let card_path = attribute_after(&qn, "Phạm Quang Khải", "href")
        .filter(|h| h.ends_with(".vcf"))
        .unwrap_or_else(|| {
            let at = qn.find("/vcard/lanh-dao-").unwrap();
            let rest = &qn[at..];
            format!("/danh-ba/quang-ninh{}", &rest[..rest.find('"').unwrap()])
        });
    let r = citizen.get(server.url(&card_path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{card_path}");
    assert_eq!(r.headers()["content-type"], "text/vcard; charset=utf-8");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let card = vcard_properties(&r.text().await.unwrap());
    assert_eq!(value_of(&card, "VERSION"), ["4.0"]);
    assert_eq!(value_of(&card, "FN"), ["Đại tá Phạm Quang Khải (hư cấu)"]);
    assert_eq!(value_of(&card, "TITLE"), ["Giám đốc"]);
    assert_eq!(value_of(&card, "ORG"), ["Công an tỉnh Quảng Ninh"]);
    assert_eq!(value_of(&card, "TEL"), ["tel:+84912000101"]);
    assert_eq!(
        value_of(&card, "EMAIL"),
        ["giamdoc.demo@congan-quangninh.example"]
    );
    assert!(value_of(&card, "IMPP").contains(&"https://zalo.me/0912000101"));
    assert_eq!(value_of(&card, "N").len(), 1);
    let line_card = {
        let at = qn.find("/vcard/duong-day-").unwrap();
        let rest = &qn[at..];
        format!("/danh-ba/quang-ninh{}", &rest[..rest.find('"').unwrap()])
    };
    let line = vcard_properties(&page(&citizen, server.url(&line_card)).await);
    assert_eq!(value_of(&line, "TEL"), ["tel:+842033835113"]);
    assert_eq!(value_of(&line, "KIND"), ["org"]);

    // The feed: valid against its OpenAPI schema; ETags give 304 until something changes.
    let openapi: Value = citizen
        .get(server.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(openapi["paths"]["/api/v1/directory/{province}"]["get"].is_object());
    let r = citizen
        .get(server.url("/api/v1/directory"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let etag_all = r.headers()["etag"].to_str().unwrap().to_owned();
    let feed: Value = r.json().await.unwrap();
    let errors: Vec<String> = schema_validator(&openapi, "DirectoryFeed")
        .iter_errors(&feed)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(feed["provinces"].as_array().unwrap().len(), 34);
    let r = citizen
        .get(server.url("/api/v1/directory/quang-ninh"))
        .send()
        .await
        .unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let province: Value = r.json().await.unwrap();
    assert!(schema_validator(&openapi, "FeedProvince").is_valid(&province));
    assert_eq!(
        province["leaders"][0]["contacts"][0]["address"],
        "+84912000101"
    );
    assert_eq!(province["former_provinces"], serde_json::json!([]));
    let again = |path: &'static str, tag: String| {
        let citizen = citizen.clone();
        let url = server.url(path);
        async move {
            citizen
                .get(url)
                .header("if-none-match", tag)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let etag_pt = citizen
        .get(server.url("/api/v1/directory/phu-tho"))
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        again("/api/v1/directory/quang-ninh", etag.clone()).await,
        304
    );
    assert_eq!(again("/api/v1/directory", etag_all.clone()).await, 304);
    assert_eq!(
        again("/api/v1/directory/quang-ninh", "\"22-0\"".into()).await,
        200
    );
    let r = citizen
        .get(server.url("/api/v1/directory/atlantis"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Is this really the police? The official number in any notation, the address, a link,
    // a handle; a number one digit off is not, and is said to look like the official one.
    for q in [
        "0912.000.101",
        "0912000101",
        "+84 912 000 101",
        "84912000101",
        "(091) 2000-101",
    ] {
        let v = verify(&citizen, &server, q).await;
        assert_eq!(v["official"], true, "{q}");
        assert!(
            v["matches"][0]["owner"]
                .as_str()
                .unwrap()
                .contains("Phạm Quang Khải"),
            "{q}"
        );
        assert_eq!(v["matches"][0]["province"], "quang-ninh");
    }
    for q in [
        "GiamDoc.Demo@CongAn-QuangNinh.example",
        "https://www.tiktok.com/@congan.quangninh.demo?lang=vi",
        "@congan.quangninh.demo",
        "0962 000 201",
    ] {
        assert_eq!(verify(&citizen, &server, q).await["official"], true, "{q}");
    }
    let near = verify(&citizen, &server, "0912.000.191").await;
    assert_eq!(near["official"], false);
    assert_eq!(near["resembles"][0]["address"], "+84912000101");
    for q in [
        "0203.3825.000",
        "0987 654 321",
        "lừa đảo",
        "https://congan-gia.example/",
    ] {
        let v = verify(&citizen, &server, q).await;
        assert_eq!(v["official"], false, "{q}");
        assert!(v["advice"].as_str().unwrap().contains("113") || v["understood"] == false);
    }
    let r = citizen
        .get(server.url("/api/v1/directory/verify"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let verdict = page(&citizen, server.url("/danh-ba/kiem-tra?q=0912.000.191")).await;
    assert!(
        verdict.contains("Không có trong danh bạ chính thức") && verdict.contains("0912 000 101")
    );
    let verdict = page(&citizen, server.url("/danh-ba/kiem-tra?q=%2B84912000101")).await;
    assert!(verdict.contains("đầu mối liên hệ chính thức"));

    // Only the widget may be framed, by the origins allowed.
    let widget = citizen
        .get(server.url("/danh-ba/quang-ninh/widget"))
        .send()
        .await
        .unwrap();
    let policy = widget.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.ends_with("frame-ancestors http://localhost:8081"),
        "{policy}"
    );
    assert!(widget.headers().get("x-frame-options").is_none());
    let other = citizen
        .get(server.url("/danh-ba/phu-tho/widget"))
        .send()
        .await
        .unwrap();
    assert!(
        other.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .ends_with("frame-ancestors 'none'")
    );
    let page_headers = citizen
        .get(server.url("/danh-ba/quang-ninh"))
        .send()
        .await
        .unwrap();
    assert_eq!(page_headers.headers()["x-frame-options"], "DENY");

    // A change by an administrator: audited, shown as the last update, a new ETag.
    server.stop().await;
    let service = Service::open(&data.config()).await.unwrap();
    let admin = actor(&service, "demo.admin").await;
    service
        .hotline
        .add_directory_contact(
            &admin,
            22,
            &ContactInput {
                unit: "22/6688",
                label: "Trực ban phường Hạ Long (hư cấu)",
                kind: "phone",
                address: "0912-000-120",
                public: true,
                ..ContactInput::default()
            },
        )
        .await
        .unwrap();
    let audit = service
        .hotline
        .store
        .audit_by_action(&["directory."], 10)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "directory.contact_added"
                && e.detail.contains("phone=+84912000120"))
    );
    service.close().await;
    let server = Server::start(data.config()).await;
    assert_eq!(
        again_at(&server, "/api/v1/directory/quang-ninh", &etag).await,
        200
    );
    assert_eq!(again_at(&server, "/api/v1/directory", &etag_all).await, 200);
    assert_eq!(
        again_at(&server, "/api/v1/directory/phu-tho", &etag_pt).await,
        304
    );
    assert_eq!(
        verify(&browser(), &server, "0912000120").await["official"],
        true
    );
    server.stop().await;
}

async fn again_at(server: &Server, path: &str, tag: &str) -> u16 {
    browser()
        .get(server.url(path))
        .header("if-none-match", tag)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn verify(client: &reqwest::Client, server: &Server, q: &str) -> Value {
    let r = client
        .get(server.url("/api/v1/directory/verify"))
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{q}");
    r.json().await.unwrap()
}

#[tokio::test]
async fn the_directory_is_published_checked_and_cached_on_sqlite() {
    published_and_checked(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_directory_is_published_checked_and_cached_on_postgres() {
    published_and_checked(Backend::Postgres).await;
}

async fn administered(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    // The demo loads into an empty store only; the province's administrator comes after it.
    Server::start_with(data.config(), true).await.stop().await;
    data.add_staff("ht.admin", hotline_domain::Role::Administrator, "42")
        .await;
    let server = Server::start(data.config()).await;
    let admin = browser();
    sign_in(&admin, &server, "demo.admin").await;
    let post = async |client: &reqwest::Client, path: &str, fields: &[(&str, &str)]| {
        let r = client
            .post(server.url(path))
            .form(&console_form(client, &server, fields).await)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let shown = page(
        &admin,
        server.url("/console/admin/directory?tinh=quang-ninh"),
    )
    .await;
    assert!(
        shown.contains("Phạm Quang Khải") && shown.contains("0203 3825 000"),
        "internal lines shown to administrators"
    );

    // A contact point written any way is stored canonically; bad ones say why.
    let (status, shown) = post(
        &admin,
        "/console/admin/directory/quang-ninh/contacts",
        &[
            ("unit", "22-pa05"),
            ("kind", "facebook"),
            ("address", "https://m.facebook.com/PA05.QuangNinh.Demo/"),
            ("label", "Phòng An ninh mạng (hư cấu)"),
            ("public", "1"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{shown}");
    assert!(shown.contains("Đã thêm đầu mối liên hệ") && shown.contains("@pa05.quangninh.demo"));
    for (kind, address, words) in [
        ("phone", "0358.131", "Số điện thoại quá ngắn"),
        (
            "phone",
            "+1 202 555 0143",
            "Không phải số điện thoại Việt Nam",
        ),
        ("phone", "0358.131.31O", "chỉ gồm chữ số"),
        (
            "tiktok",
            "https://www.facebook.com/x",
            "thuộc nền tảng khác",
        ),
    ] {
        let (status, shown) = post(
            &admin,
            "/console/admin/directory/quang-ninh/contacts",
            &[
                ("unit", "22"),
                ("kind", kind),
                ("address", address),
                ("public", "1"),
            ],
        )
        .await;
        assert_eq!(status, 400, "{address}");
        assert!(shown.contains(words), "{address}: {words}");
    }
    let (status, shown) = post(
        &admin,
        "/console/admin/directory/quang-ninh/contacts",
        &[
            ("unit", "42"),
            ("kind", "phone"),
            ("address", "0912 000 130"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(shown.contains("không thuộc tỉnh"));

    // The director moves to Hà Tĩnh: the position ends, the same person takes a new one.
    let position = {
        let at = shown.find("positions/end").unwrap();
        attribute_after(&shown[at..], "name=\"id\"", "value").unwrap()
    };
    let (status, _) = post(
        &admin,
        "/console/admin/directory/quang-ninh/positions/end",
        &[("id", &position), ("last_day", "2026-11-28")],
    )
    .await;
    assert_eq!(status, 200);
    let (status, shown) = post(
        &admin,
        "/console/admin/directory/ha-tinh/positions",
        &[
            ("person_key", "demo-qn-gd"),
            ("full_name", "Phạm Quang Khải (hư cấu)"),
            ("rank", "Đại tá"),
            ("title", "Phó Giám đốc"),
            ("unit", "42"),
            ("started_on", "29/11/2026"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{shown}");
    let qn = page(&browser(), server.url("/danh-ba/quang-ninh")).await;
    assert!(!qn.contains("Phạm Quang Khải"));
    let ht = page(&browser(), server.url("/danh-ba/ha-tinh")).await;
    assert!(ht.contains("Phạm Quang Khải") && ht.contains("Phó Giám đốc"));
    let history = page(
        &admin,
        server.url("/console/admin/directory?tinh=quang-ninh"),
    )
    .await;
    assert!(history.contains("Chức vụ đã kết thúc") && history.contains("28/11/2026"));

    // A position cannot end before it began; a province's line cannot name another's account.
    let (status, shown) = post(
        &admin,
        "/console/admin/directory/ha-tinh/positions/end",
        &[("id", &position), ("last_day", "2000-01-01")],
    )
    .await;
    assert_eq!(status, 404, "{position} is Quảng Ninh's: {shown}");
    let ht_page = page(&admin, server.url("/console/admin/directory?tinh=ha-tinh")).await;
    let ht_position = {
        let at = ht_page.find("positions/end").unwrap();
        attribute_after(&ht_page[at..], "name=\"id\"", "value").unwrap()
    };
    let (status, shown) = post(
        &admin,
        "/console/admin/directory/ha-tinh/positions/end",
        &[("id", &ht_position), ("last_day", "2000-01-01")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(shown.contains("không được trước ngày bắt đầu"));
    let zalo_account = {
        let at = history.find(">zalo/qn-zalo</option>").unwrap();
        let before = &history[..at];
        let value = &before[before.rfind("value=\"").unwrap() + 7..];
        value[..value.find('"').unwrap()].to_owned()
    };
    let (status, shown) = post(
        &admin,
        "/console/admin/directory/ha-tinh/contacts",
        &[
            ("unit", "42"),
            ("kind", "zalo"),
            ("address", "0973 000 499"),
            ("listening", &zalo_account),
            ("public", "1"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(shown.contains("Không có kênh tiếp nhận này"));

    // Frame origins: only origins; each change audited.
    let (status, _) = post(
        &admin,
        "/console/admin/directory/quang-ninh/frame-origins",
        &[("origins", "https://congan.quangninh.gov.vn/tin-tuc")],
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = post(
        &admin,
        "/console/admin/directory/quang-ninh/frame-origins",
        &[(
            "origins",
            "https://CongAn.QuangNinh.gov.vn\nhttps://portal.example",
        )],
    )
    .await;
    assert_eq!(status, 200);
    let widget = browser()
        .get(server.url("/danh-ba/quang-ninh/widget"))
        .send()
        .await
        .unwrap();
    assert!(
        widget.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .ends_with("frame-ancestors https://congan.quangninh.gov.vn https://portal.example")
    );

    // A province's administrator keeps to their province; others see nothing; a forged post
    // changes nothing.
    let ht_admin = browser();
    sign_in(&ht_admin, &server, "ht.admin").await;
    let (status, shown) = post(
        &ht_admin,
        "/console/admin/directory/ha-tinh/positions",
        &[
            ("person_key", "demo-qn-gd"),
            ("full_name", "Tên khác (hư cấu)"),
            ("title", "Cố vấn"),
            ("unit", "42"),
            ("started_on", "2026-11-29"),
        ],
    )
    .await;
    assert_eq!(status, 400, "renaming someone who served in Quảng Ninh");
    assert!(shown.contains("có chức vụ ở tỉnh, thành phố khác"));
    let r = ht_admin
        .get(server.url("/console/admin/directory?tinh=quang-ninh"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (status, _) = post(
        &ht_admin,
        "/console/admin/directory/quang-ninh/contacts/remove",
        &[("id", "1")],
    )
    .await;
    assert_eq!(status, 403);
    let officer = browser();
    sign_in(&officer, &server, "demo.qn.trucban").await;
    let r = officer
        .get(server.url("/console/admin/directory"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let forged = admin
        .post(server.url("/console/admin/directory/quang-ninh/contacts/remove"))
        .form(&[("id", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let before = page(&browser(), server.url("/api/v1/directory/quang-ninh")).await;
    assert!(before.contains("+84203"), "nothing removed");
    server.stop().await;

    let service = Service::open(&data.config()).await.unwrap();
    let actions: Vec<String> = service
        .hotline
        .store
        .audit_by_action(&["directory."], 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for expected in [
        "directory.imported",
        "directory.contact_added",
        "directory.position_ended",
        "directory.position_added",
        "directory.frame_origins_set",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected}: {actions:?}"
        );
    }
    assert!(!actions.iter().any(|a| a == "directory.contact_removed"));

    // Export and import back: nothing lost, in JSON and in CSV; a bad file changes nothing.
    let exported = service.hotline.export_directory(None).await.unwrap();
    assert_eq!(exported.provinces.len(), 4);
    service
        .hotline
        .import_directory(&exported, None)
        .await
        .unwrap();
    assert_eq!(
        service.hotline.export_directory(None).await.unwrap(),
        exported
    );
    let csv = exported.to_csv().unwrap();
    let from_csv = DirectoryDocument::from_csv(&csv).unwrap();
    service
        .hotline
        .import_directory(&from_csv, None)
        .await
        .unwrap();
    assert_eq!(
        service.hotline.export_directory(None).await.unwrap(),
        exported
    );
    let mut bad = exported.clone();
    bad.provinces[0].lines[0].address = "0358.131".into();
    let error = service
        .hotline
        .import_directory(&bad, None)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("phone_too_short"), "{error}");
    assert_eq!(
        service.hotline.export_directory(None).await.unwrap(),
        exported
    );
    service.close().await;
}

#[tokio::test]
async fn the_directory_is_administered_exported_and_imported_on_sqlite() {
    administered(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_directory_is_administered_exported_and_imported_on_postgres() {
    administered(Backend::Postgres).await;
}

#[tokio::test]
async fn the_directory_commands_export_and_import_files() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let server = Server::start_with(data.config(), true).await;
    server.stop().await;
    let dir = data.dir.path();
    let json = run_cli(
        dir,
        &["directory", "export", "--province", "an-giang"],
        &[],
        None,
    );
    assert!(json.status.success(), "{}", stderr_of(&json));
    let document: Value = serde_json::from_str(&stdout_of(&json)).unwrap();
    assert_eq!(document["format"], "hotline-directory/1");
    assert_eq!(document["provinces"][0]["province"], "an-giang");
    let csv_file = dir.join("directory.csv");
    let csv = run_cli(
        dir,
        &[
            "directory",
            "export",
            "--format",
            "csv",
            "--output",
            csv_file.to_str().unwrap(),
        ],
        &[],
        None,
    );
    assert!(csv.status.success(), "{}", stderr_of(&csv));
    let imported = run_cli(
        dir,
        &["directory", "import", csv_file.to_str().unwrap()],
        &[],
        None,
    );
    assert!(imported.status.success(), "{}", stderr_of(&imported));
    assert!(stdout_of(&imported).contains("imported 4 provinces"));
    let again = run_cli(
        dir,
        &["directory", "export", "--province", "an-giang"],
        &[],
        None,
    );
    assert_eq!(stdout_of(&again), stdout_of(&json));
    let bad_file = dir.join("bad.json");
    std::fs::write(
        &bad_file,
        "{\"format\": \"hotline-directory/1\", \"provinces\": [{\"province\": \"atlantis\"}]}",
    )
    .unwrap();
    let refused = run_cli(
        dir,
        &["directory", "import", bad_file.to_str().unwrap()],
        &[],
        None,
    );
    assert!(!refused.status.success());
    assert!(
        stderr_of(&refused).contains("atlantis: no such province"),
        "{}",
        stderr_of(&refused)
    );
}
