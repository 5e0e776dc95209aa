//! The pages in a real headless Chromium, driven over WebDriver (chromedriver): a citizen on a
//! 360-px phone sends a report through the form, and an officer signs in and reads it.
//!
//! Skipped with a note when Chromium or chromedriver is missing, unless
//! `HOTLINE_TEST_REQUIRE_BROWSER` is set (CI sets it, after installing both).

use crate::harness::{Backend, Data, Server};
use hotline_core::demo::DEMO_PASSWORD;
use hotline_domain::Role;
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";

struct Driver {
    process: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    // chromedriver runs in a process group of its own: ending the group also ends the
    // browsers it started, even when a failed test never closed its session.
    fn drop(&mut self) {
        let group = format!("-{}", self.process.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    async fn start() -> Option<Self> {
        let available = std::path::Path::new(CHROMIUM).exists()
            && Command::new("chromedriver")
                .arg("--version")
                .output()
                .is_ok();
        if !available {
            assert!(
                std::env::var_os("HOTLINE_TEST_REQUIRE_BROWSER").is_none(),
                "Chromium and chromedriver are required (HOTLINE_TEST_REQUIRE_BROWSER is set)"
            );
            eprintln!("chromium or chromedriver not installed: browser test skipped");
            return None;
        }
        let port = free_port();
        let process = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let driver = Self {
            process,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        for _ in 0..200 {
            if driver
                .http
                .get(format!("{}/status", driver.base))
                .send()
                .await
                .is_ok()
            {
                return Some(driver);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("chromedriver did not start");
    }

    async fn session(&self, width: u32) -> Session<'_> {
        self.session_with(width, true).await
    }

    /// A browser window `width` pixels wide, with JavaScript on or off.
    async fn session_with(&self, width: u32, javascript: bool) -> Session<'_> {
        let caps = json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", format!("--window-size={width},900")],
            "prefs": {"profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 }}
        }}}});
        let value = self.call("POST", "/session", Some(caps)).await;
        let session = Session {
            driver: self,
            id: value["sessionId"].as_str().unwrap().to_owned(),
        };
        // Finding an element waits for it (up to 10 s) while the next page loads.
        session
            .call("POST", "/timeouts", Some(json!({"implicit": 10_000})))
            .await;
        session
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or_else(|| json!({}))),
        };
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(
            response["value"]["error"].is_null(),
            "webdriver {method} {path}: {}",
            response["value"]
        );
        response["value"].clone()
    }
}

impl Session<'_> {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.driver
            .call(method, &format!("/session/{}{path}", self.id), body)
            .await
    }

    async fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url}))).await;
    }

    async fn find(&self, css: &str) -> String {
        let value = self
            .call(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        value
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call("POST", &format!("/element/{id}/click"), None)
            .await;
    }

    async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.call("GET", &format!("/element/{id}/text"), None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn script(&self, source: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": source, "args": []})),
        )
        .await
    }

    async fn script_async(&self, source: &str) -> Value {
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": source, "args": []})),
        )
        .await
    }

    /// The WCAG 2.1 A and AA violations axe-core finds on the current page.
    async fn accessibility_violations(&self, axe: &str) -> Vec<String> {
        self.script(axe).await;
        let found = self
            .script_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                    .then(r => done(r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))));",
            )
            .await;
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    /// Keeps a picture of the window in `HOTLINE_TEST_SCREENSHOTS`, when that names a folder.
    async fn keep_screenshot(&self, name: &str) {
        use base64::Engine;
        let Some(dir) = std::env::var_os("HOTLINE_TEST_SCREENSHOTS") else {
            return;
        };
        let png = self.call("GET", "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .unwrap();
        std::fs::write(
            std::path::Path::new(&dir).join(format!("{name}.png")),
            bytes,
        )
        .unwrap();
    }

    async fn title(&self) -> String {
        self.call("GET", "/title", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn close(self) {
        self.call("DELETE", "", None).await;
    }
}

/// A phone photo with EXIF naming the place and the camera, written where the browser can
/// pick it.
fn photo_with_gps(dir: &std::path::Path) -> std::path::PathBuf {
    use img_parts::{Bytes, ImageEXIF};
    let plain = include_bytes!("../../../../fixtures/evidence/one-pixel.jpg");
    let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(Bytes::from_static(plain)).unwrap();
    jpeg.set_exif(Some(Bytes::from_static(
        b"MM\x00\x2aGPSLatitude 20.95 Samsung serial R58T",
    )));
    let path = dir.join("IMG_20261129.jpg");
    std::fs::write(&path, jpeg.encoder().bytes()).unwrap();
    path
}

#[tokio::test]
async fn a_citizen_reports_from_a_phone_and_an_officer_reads_it() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.director", Role::Director, "22").await;
    let mut config = data.config();
    config.inbox_poll_secs = 1;
    let server = Server::start(config).await;
    let photo = photo_with_gps(data.dir.path());

    let phone = driver.session(360).await;
    phone.go(&server.url("/")).await;
    assert!(phone.title().await.contains("Đường dây nóng"));
    let overflow = phone
        .script("return document.documentElement.scrollWidth > window.innerWidth;")
        .await;
    assert_eq!(overflow, json!(false), "the home page fits a 360-px screen");
    phone.click("a.button").await;
    phone
        .type_into(
            "#text",
            "Có người lạ <script>alert(1)</script> đột nhập kho hàng",
        )
        .await;
    phone.type_into("#province_code", "Quảng Ninh").await;
    // The commune field suggests the province's communes once it is chosen (finding an
    // element waits for it).
    phone.find("#communes option").await;
    let suggested = phone
        .script("return document.querySelectorAll('#communes option').length;")
        .await
        .as_u64()
        .unwrap();
    assert!(
        suggested > 40,
        "Quảng Ninh's communes are suggested ({suggested})"
    );
    phone.type_into("#commune", "van don").await;
    phone.type_into("#files", photo.to_str().unwrap()).await;
    let overflow = phone
        .script("return document.documentElement.scrollWidth > window.innerWidth;")
        .await;
    assert_eq!(overflow, json!(false), "the form fits a 360-px screen");
    phone.click("form.report button[type=submit]").await;
    let case = phone.text("#case-number").await;
    let code = phone.text("#follow-up-code").await;
    assert!(case.starts_with("QN-"), "{case}");
    assert_eq!(code.len(), 19);
    let offered = phone
        .script("return !document.querySelector('#copy-code').hidden && !document.querySelector('#print').hidden;")
        .await;
    assert_eq!(
        offered,
        json!(true),
        "copy and print are offered with JavaScript"
    );

    let desk = driver.session(1200).await;
    desk.go(&server.url("/console")).await;
    desk.type_into("#username", "qn.director").await;
    desk.type_into("#password", DEMO_PASSWORD).await;
    desk.click("form.login button[type=submit]").await;
    // A director enrols the second factor at the first sign-in.
    desk.find(".qr svg").await;
    enrol_second_factor(&desk).await;
    let codes = desk.text("#recovery-codes").await;
    assert_eq!(codes.lines().count(), 10, "{codes}");
    desk.click("a.button[href='/console']").await;
    assert!(desk.text("table.inbox").await.contains(&case));

    // A report arriving while the inbox is open is announced without a reload, urgent ones
    // loudly.
    let arriving = reqwest::Client::new()
        .post(server.url("/api/v1/reports"))
        .json(
            &json!({"text": "Cháy lớn ở kho hàng gần trụ sở Công an xã, có người mắc kẹt",
                      "province_code": 22}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(arriving.status(), 201);
    let news = desk
        .script_async(
            "const done = arguments[arguments.length - 1];
             const news = document.getElementById('inbox-news');
             (function wait() { news.hidden ? setTimeout(wait, 50) : done(news.textContent); })();",
        )
        .await;
    let news = news.as_str().unwrap().to_owned();
    assert!(
        news.contains("1 tin mới") && news.contains("KHẨN"),
        "{news}"
    );
    assert!(desk.title().await.starts_with("(1)"));

    // Search without diacritics; the words found are marked.
    desk.go(&server.url("/console")).await;
    desk.type_into("#q", "cong an").await;
    desk.click("form.search button[type=submit]").await;
    let marked = desk.text("table.inbox td.summary mark").await;
    assert_eq!(marked, "Công");
    desk.go(&server.url("/console")).await;
    desk.click(&format!("table.inbox a[href='/console/reports/{case}']"))
        .await;
    let body = desk.text("ol.messages .body").await;
    assert!(
        body.contains("<script>alert(1)</script>"),
        "shown as text: {body}"
    );
    let place = desk.text("dl.details").await;
    assert!(place.contains("Đặc khu Vân Đồn, Quảng Ninh"), "{place}");
    let evidence = desk.text("ul.evidence").await;
    assert!(evidence.contains("evidence-1.jpg") && evidence.contains("đã xóa siêu dữ liệu"));
    // Triage: a new report's triage form is open; the officer classifies it.
    desk.script(
        "document.querySelector('#triage-legal-type').value = 'crime_denunciation';
         document.querySelector('#triage-topic').value = 'theft_robbery';
         document.querySelector('#triage-urgency').value = 'urgent';",
    )
    .await;
    desk.click("#triage button[type=submit]").await;
    // Only the page after the post has the procedure its classification starts.
    desk.find("#procedure").await;
    assert_eq!(desk.text("#topic").await, "Trộm cắp, cướp giật");
    assert_eq!(desk.text("#legal-type").await, "Tố giác về tội phạm");
    assert!(
        desk.text("ol.timeline")
            .await
            .contains("Phân loại: Tố giác về tội phạm, Trộm cắp, cướp giật, Gấp")
    );
    desk.type_into(
        "#reply-text",
        "Chúng tôi đã nhận ảnh, xin cho biết giờ xảy ra.",
    )
    .await;
    desk.click("#reply button[type=submit]").await;
    desk.find("ol.messages li.outbound").await;

    // The citizen follows up with the code, reads the answer and answers it.
    phone.click("a.button[href='/tra-cuu']").await;
    phone.type_into("#case", &case).await;
    phone.type_into("#code", &code).await;
    phone.click("form.report button[type=submit]").await;
    assert_eq!(phone.text("#status").await, "Đang được xác minh");
    let conversation = phone.text("ol.messages").await;
    assert!(
        conversation.contains("xin cho biết giờ xảy ra"),
        "{conversation}"
    );
    let overflow = phone
        .script("return document.documentElement.scrollWidth > window.innerWidth;")
        .await;
    assert_eq!(
        overflow,
        json!(false),
        "the follow-up page fits a 360-px screen"
    );
    phone.type_into("#text", "Khoảng 2 giờ sáng").await;
    phone.click("form.report button[type=submit]").await;
    assert!(
        phone
            .text("#follow-notice")
            .await
            .contains("Đã gửi thông tin bổ sung")
    );
    phone.close().await;

    desk.go(&server.url(&format!("/console/reports/{case}")))
        .await;
    assert!(desk.text("ol.messages").await.contains("Khoảng 2 giờ sáng"));
    desk.click("header form button").await;
    // Waits for the home page, whose call to action only it has.
    desk.find("a.button[href='/gui-tin-bao']").await;
    assert!(
        desk.title().await.contains("Báo tin cho Công an"),
        "signed out to the home page"
    );
    desk.close().await;
    server.stop().await;
}

/// Buttons displayed on the page (WebDriver's own view, which works with scripts off).
async fn driver_free_buttons(session: &Session<'_>) -> usize {
    let found = session
        .call(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": "#copy-code, #print"})),
        )
        .await;
    let mut shown = 0;
    for element in found.as_array().unwrap() {
        let id = element.as_object().unwrap().values().next().unwrap();
        let displayed = session
            .call(
                "GET",
                &format!("/element/{}/displayed", id.as_str().unwrap()),
                None,
            )
            .await;
        if displayed == json!(true) {
            shown += 1;
        }
    }
    shown
}

#[tokio::test]
async fn the_form_works_with_javascript_off() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let server = Server::start(data.config()).await;
    let photo = photo_with_gps(data.dir.path());
    let phone = driver.session_with(360, false).await;
    phone.go(&server.url("/gui-tin-bao")).await;
    phone
        .type_into("#text", "Cướp giật điện thoại ở chợ đêm")
        .await;
    phone.type_into("#files", photo.to_str().unwrap()).await;
    phone.click("form.report button[type=submit]").await;
    assert!(phone.text("#case-number").await.starts_with("BCA-"));
    let buttons = driver_free_buttons(&phone).await;
    assert_eq!(
        buttons, 0,
        "without JavaScript the buttons that need it are not shown"
    );
    assert_eq!(phone.text("#follow-up-code").await.len(), 19);
    phone.close().await;
    server.stop().await;
}

#[tokio::test]
async fn the_forms_script_proves_its_work_and_earns_the_ordinary_limit() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let mut config = data.config();
    // One unproven submission an hour, and a robot has just used it.
    config.unproven_submissions_per_hour = 1;
    config.unproven_submissions_burst = 1;
    let server = Server::start(config).await;
    let robot = reqwest::Client::new()
        .post(server.url("/api/v1/reports"))
        .json(&json!({"text": "Không qua biểu mẫu"}))
        .send()
        .await
        .unwrap();
    assert_eq!(robot.status(), 201);

    let phone = driver.session(360).await;
    phone.go(&server.url("/gui-tin-bao")).await;
    let found = phone
        .script_async(
            "const done = arguments[arguments.length - 1];
             const work = document.querySelector('input[name=work]');
             (function wait() { work.value ? done(work.value) : setTimeout(wait, 20); })();",
        )
        .await;
    let work = found.as_str().unwrap().to_owned();
    let stamp = phone
        .script("return document.querySelector('input[name=stamp]').value;")
        .await;
    let bits = phone
        .script("return document.querySelector('form.report').dataset.workBits;")
        .await;
    let bits: u8 = bits.as_str().unwrap().parse().unwrap();
    assert_eq!(bits, 16, "the default");
    assert!(
        hotline_core::form_guard::work_solves(stamp.as_str().unwrap(), &work, bits),
        "the browser's SHA-256 agrees with the server's"
    );
    phone
        .type_into("#text", "Có người lạ đột nhập nhà kho")
        .await;
    phone.click("form.report button[type=submit]").await;
    assert!(
        phone.text("#case-number").await.starts_with("BCA-"),
        "the proven form passes where an unproven one would wait"
    );
    phone.close().await;
    server.stop().await;
}

/// axe-core's script, from `HOTLINE_TEST_AXE` (CI installs it from npm).
fn axe_script() -> Option<String> {
    match std::env::var("HOTLINE_TEST_AXE") {
        Ok(path) => Some(std::fs::read_to_string(path).unwrap()),
        Err(_) => {
            assert!(
                std::env::var_os("HOTLINE_TEST_REQUIRE_BROWSER").is_none(),
                "HOTLINE_TEST_AXE must name axe.min.js (HOTLINE_TEST_REQUIRE_BROWSER is set)"
            );
            eprintln!("HOTLINE_TEST_AXE not set: accessibility scan skipped");
            None
        }
    }
}

#[tokio::test]
async fn every_public_page_passes_an_accessibility_scan() {
    let Some(axe) = axe_script() else {
        return;
    };
    let Some(driver) = Driver::start().await else {
        return;
    };
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let server = Server::start(data.config()).await;
    let mut found = Vec::new();
    for width in [360, 1280] {
        let browser = driver.session(width).await;
        let mut check = async |name: &str| {
            for violation in browser.accessibility_violations(&axe).await {
                found.push(format!("{name} at {width}px: {violation}"));
            }
        };
        // The scan itself works: a page with a known fault is caught.
        browser
            .go("data:text/html,<html lang=vi><title>x</title><img src=x.png></html>")
            .await;
        let faults = browser.accessibility_violations(&axe).await;
        assert!(
            faults.iter().any(|f| f.starts_with("image-alt")),
            "{faults:?}"
        );
        browser.go(&server.url("/")).await;
        check("home").await;
        browser.go(&server.url("/?lang=en")).await;
        check("home in English").await;
        browser.go(&server.url("/gui-tin-bao?lang=vi")).await;
        check("report form").await;
        browser
            .type_into("#text", "Có người bán hàng rong lấn chiếm lòng đường")
            .await;
        browser.click("input[name=identity][value=contact]").await;
        browser.type_into("#phone", "123").await;
        browser.click("form.report button[type=submit]").await;
        browser.find(".errors").await;
        check("report form with errors").await;
        browser
            .script("document.querySelector('#phone').value = '';")
            .await;
        browser.click("form.report button[type=submit]").await;
        let case = browser.text("#case-number").await;
        let code = browser.text("#follow-up-code").await;
        check("receipt").await;
        browser.go(&server.url("/tra-cuu")).await;
        check("follow-up form").await;
        browser.type_into("#case", &case).await;
        browser.type_into("#code", &code).await;
        browser.click("form.report button[type=submit]").await;
        browser.find("#status").await;
        check("follow-up").await;
        browser.go(&server.url("/console/sign-in")).await;
        check("staff sign-in").await;
        browser.go(&server.url("/khong-co-trang-nay")).await;
        check("not found").await;
        browser.close().await;
    }
    server.stop().await;
    assert!(
        found.is_empty(),
        "accessibility violations:\n{}",
        found.join("\n")
    );
}

#[tokio::test]
async fn the_console_pages_pass_an_accessibility_scan() {
    let Some(axe) = axe_script() else {
        return;
    };
    let Some(driver) = Driver::start().await else {
        return;
    };
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.duty", Role::DutyOfficer, "22").await;
    let server = Server::start(data.config()).await;
    let (case, _) = crate::harness::api_report(
        &server,
        "Nhóm thanh niên đua xe, gây rối trật tự trên đường ven biển",
        22,
    )
    .await;
    let mut found = Vec::new();
    for width in [360, 1280] {
        let desk = driver.session(width).await;
        let mut check = async |name: &str| {
            for violation in desk.accessibility_violations(&axe).await {
                found.push(format!("{name} at {width}px: {violation}"));
            }
        };
        desk.go(&server.url("/console")).await;
        desk.type_into("#username", "qn.duty").await;
        desk.type_into("#password", DEMO_PASSWORD).await;
        desk.click("form.login button[type=submit]").await;
        desk.find("table.inbox").await;
        check("inbox").await;
        desk.go(&server.url("/console?urgency=normal&topic=traffic"))
            .await;
        desk.find("form.filters").await;
        check("inbox, filtered to nothing").await;
        desk.go(&server.url("/console")).await;
        desk.type_into("#q", "dua xe").await;
        desk.click("form.search button[type=submit]").await;
        desk.find("table.inbox mark").await;
        check("search results").await;
        desk.go(&server.url(&format!("/console/reports/{case}")))
            .await;
        desk.find("#timeline").await;
        check("report page").await;
        if width == 360 {
            desk.script("document.querySelector('#triage-legal-type').value = 'public_order';")
                .await;
            desk.click("#triage button[type=submit]").await;
            desk.find("#procedure").await;
            check("report page with its procedure").await;
        }
        desk.script("document.querySelectorAll('details').forEach(d => d.open = true);")
            .await;
        check("report page, every form open").await;
        desk.click("#note button[type=submit]").await;
        check("report page, refused by the browser's own check").await;
        desk.go(&server.url("/console/capture")).await;
        desk.find("form").await;
        check("quick capture").await;
        desk.close().await;
    }
    server.stop().await;
    assert!(
        found.is_empty(),
        "accessibility violations:\n{}",
        found.join("\n")
    );
}

/// On the enrolment page a first sign-in leads to: the authenticator app reads the key shown
/// beside the QR code, and the code it shows confirms it.
async fn enrol_second_factor(session: &Session<'_>) {
    let key = session.text("code.secret").await.replace(' ', "");
    let secret = totp_rs::Secret::try_from_base32(key)
        .unwrap()
        .as_bytes()
        .to_vec();
    let step = session
        .script("return Math.floor(Date.now() / 30000);")
        .await
        .as_u64()
        .unwrap();
    session
        .type_into("#code", &crate::harness::totp_code(&secret, step))
        .await;
    session.click("form.login button[type=submit]").await;
}

/// A portal's page at `127.0.0.1:<port>` that frames `widget`: served to every request, as a
/// provincial portal's page would be.
async fn portal(widget: String) -> (String, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let body = format!(
        "<!doctype html><html lang=vi><title>Cổng thông tin</title>\
         <iframe id=hotline title=\"Đường dây nóng\" src=\"{widget}\" width=360 height=480></iframe></html>"
    );
    let task = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    (origin, task)
}

/// Whether the frame `#hotline` of the current page shows the widget, once it has loaded.
async fn framed_widget_shown(session: &Session<'_>) -> bool {
    session.find("#hotline").await;
    session.call("POST", "/frame", Some(json!({"id": 0}))).await;
    // A refused frame holds the browser's error page; either way the frame is done loading
    // once its document is complete.
    let mut shown = false;
    for _ in 0..100 {
        let state = session
            .script(
                "return [document.readyState, document.getElementById('directory-widget') !== null];",
            )
            .await;
        if state[0] == "complete" {
            shown = state[1] == true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    session.call("POST", "/frame/parent", Some(json!({}))).await;
    shown
}

#[tokio::test]
async fn the_directory_is_searched_and_read_on_a_phone() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let server = Server::start_with(data.config(), true).await;
    let phone = driver.session(360).await;
    for (query, slug) in [
        ("quang ninh", "quang-ninh"),
        ("Quảng Ninh", "quang-ninh"),
        ("ha tinh", "ha-tinh"),
        ("Hòa Bình", "phu-tho"),
    ] {
        phone.go(&server.url("/danh-ba")).await;
        phone.type_into("#q", query).await;
        phone.click("form.search button[type=submit]").await;
        phone.find("#found").await;
        let links = phone
            .script(
                "return [...document.querySelectorAll('ul.provinces a')].map(a => a.getAttribute('href'));",
            )
            .await;
        assert_eq!(links, json!([format!("/danh-ba/{slug}")]), "{query}");
    }
    assert!(phone.text("p.merged").await.contains("Hòa Bình"));
    phone.click("ul.provinces a").await;
    phone.find("section.leader").await;
    assert_eq!(
        phone.title().await,
        "Công an tỉnh Phú Thọ · Đường dây nóng Công an"
    );

    phone.go(&server.url("/danh-ba/quang-ninh")).await;
    phone.find("section.leader").await;
    let layout = phone
        .script(
            "const tap = document.querySelector('li.contact a.tap');
             const box = tap.getBoundingClientRect();
             return {scroll: document.documentElement.scrollWidth, width: window.innerWidth,
                     tap: tap.getAttribute('href'), right: box.right, height: box.height};",
        )
        .await;
    assert!(
        layout["scroll"].as_f64() <= layout["width"].as_f64(),
        "nothing wider than the phone: {layout}"
    );
    assert_eq!(layout["tap"], "tel:+84912000101");
    assert!(layout["right"].as_f64().unwrap() <= layout["width"].as_f64().unwrap());
    assert!(
        layout["height"].as_f64().unwrap() >= 40.0,
        "a tap target a thumb can hit"
    );
    phone.click("li.contact details.qr summary").await;
    // The code loads when its section opens.
    let mut drawn = false;
    for _ in 0..100 {
        drawn = phone
            .script(
                "const img = document.querySelector('li.contact details.qr img'); \
                 return img.complete && img.naturalWidth > 0;",
            )
            .await
            == true;
        if drawn {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(drawn, "the QR code is drawn");

    phone.go(&server.url("/danh-ba/kiem-tra")).await;
    phone.type_into("#q", "0912 000 191").await;
    phone.click("form.search button[type=submit]").await;
    assert!(phone.text("#verdict").await.contains("chỉ khác một chữ số"));

    if let Some(axe) = axe_script() {
        let mut found = Vec::new();
        for path in [
            "/danh-ba",
            "/danh-ba?q=hoa+binh",
            "/danh-ba/quang-ninh",
            "/danh-ba/quang-ninh?lang=en",
            "/danh-ba/ha-noi",
            "/danh-ba/kiem-tra?q=0912000101",
            "/danh-ba/kiem-tra?q=0912000191",
            "/danh-ba/quang-ninh/widget",
        ] {
            phone.go(&server.url(path)).await;
            phone
                .script("document.querySelectorAll('details').forEach(d => d.open = true);")
                .await;
            for violation in phone.accessibility_violations(&axe).await {
                found.push(format!("{path}: {violation}"));
            }
        }
        // The administration page, every form open, as an administrator sees it on a phone.
        phone.go(&server.url("/console")).await;
        phone.type_into("#username", "demo.admin").await;
        phone.type_into("#password", DEMO_PASSWORD).await;
        phone.click("form.login button[type=submit]").await;
        enrol_second_factor(&phone).await;
        phone.find("#recovery-codes").await;
        phone
            .go(&server.url("/console/admin/directory?tinh=ha-tinh"))
            .await;
        phone.find("section.past").await;
        phone
            .script("document.querySelectorAll('details').forEach(d => d.open = true);")
            .await;
        for violation in phone.accessibility_violations(&axe).await {
            found.push(format!("/console/admin/directory: {violation}"));
        }
        let fits = phone
            .script("return document.documentElement.scrollWidth <= window.innerWidth;")
            .await;
        assert_eq!(fits, true, "the administration page fits the phone");
        assert!(
            found.is_empty(),
            "accessibility violations:\n{}",
            found.join("\n")
        );
    }
    phone.close().await;
    server.stop().await;
}

#[tokio::test]
async fn the_widget_is_framed_by_an_allowed_origin_and_refused_by_another() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let data = Data::new(Backend::Sqlite).await.unwrap();
    Server::start_with(data.config(), true).await.stop().await;
    let service = hotline_server::Service::open(&data.config()).await.unwrap();
    let admin = crate::harness::actor(&service, "demo.admin").await;
    let server = Server::start(data.config()).await;
    let widget = server.url("/danh-ba/quang-ninh/widget");
    let (allowed, allowed_task) = portal(widget.clone()).await;
    let (other, other_task) = portal(widget).await;
    service
        .hotline
        .set_directory_frame_origins(&admin, 22, &allowed)
        .await
        .unwrap();
    service.close().await;

    let browser = driver.session(1280).await;
    browser.go(&allowed).await;
    assert!(
        framed_widget_shown(&browser).await,
        "the portal at {allowed} frames the widget"
    );
    browser.go(&other).await;
    assert!(
        !framed_widget_shown(&browser).await,
        "a page at {other} may not frame it"
    );
    browser.close().await;
    allowed_task.abort();
    other_task.abort();
    server.stop().await;
}

/// The leaders' statistics, the monthly report and the public account pass the scan at a
/// phone's width and a desk's, and fit the phone without sideways scrolling.
#[tokio::test]
async fn the_statistics_pages_pass_an_accessibility_scan_at_360_and_1280() {
    let Some(axe) = axe_script() else {
        return;
    };
    let Some(driver) = Driver::start().await else {
        return;
    };
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.director", Role::Director, "22").await;
    let server = Server::start(data.config()).await;
    for text in [
        "Nhóm thanh niên đua xe, gây rối trật tự trên đường ven biển",
        "Bị lừa chuyển tiền qua mạng",
    ] {
        crate::harness::api_report(&server, text, 22).await;
    }
    let desk = driver.session(1280).await;
    desk.go(&server.url("/console")).await;
    desk.type_into("#username", "qn.director").await;
    desk.type_into("#password", DEMO_PASSWORD).await;
    desk.click("form.login button[type=submit]").await;
    desk.find(".qr svg").await;
    enrol_second_factor(&desk).await;
    desk.find("#recovery-codes").await;
    let mut found = Vec::new();
    for width in [1280, 360] {
        desk.call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": 900})),
        )
        .await;
        for path in [
            "/console/thong-ke",
            "/console/thong-ke?period=year",
            "/console/thong-ke/bao-cao",
            "/thong-ke",
            "/thong-ke?tinh=22",
        ] {
            desk.go(&server.url(path)).await;
            desk.find("main h1").await;
            desk.script("document.querySelectorAll('details').forEach(d => d.open = true);")
                .await;
            for violation in desk.accessibility_violations(&axe).await {
                found.push(format!("{path} at {width}px: {violation}"));
            }
            let name: String = path
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            desk.keep_screenshot(&format!("statistics{name}-{width}"))
                .await;
            let fits = desk
                .script("return document.documentElement.scrollWidth <= window.innerWidth;")
                .await;
            assert_eq!(fits, json!(true), "{path} fits {width} px");
        }
    }
    desk.close().await;
    server.stop().await;
    assert!(
        found.is_empty(),
        "accessibility violations:\n{}",
        found.join("\n")
    );
}
