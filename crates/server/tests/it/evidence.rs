//! Evidence from the report form: photos lose their identifying metadata and keep their image,
//! the type is decided by content, oversized files are refused before the body is read, and
//! officers download what was kept.

use crate::harness::{Backend, Data, Server, browser, multipart_of, page, report_form, sign_in};
use futures_util::StreamExt;
use futures_util::stream;
use hotline_domain::Role;
use hotline_server::Service;
use img_parts::jpeg::{Jpeg, markers};
use img_parts::{Bytes, ImageEXIF};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A 1×1 baseline JPEG without metadata.
fn tiny_jpeg() -> Vec<u8> {
    include_bytes!("../../../../fixtures/evidence/one-pixel.jpg").to_vec()
}

/// The same photo as a phone takes it: with EXIF naming the place and the camera.
pub fn photo_with_gps() -> Vec<u8> {
    let mut jpeg = Jpeg::from_bytes(Bytes::from(tiny_jpeg())).unwrap();
    jpeg.set_exif(Some(Bytes::from_static(
        b"MM\x00\x2aGPSLatitude 20.9517 GPSLongitude 107.0800 Samsung SM-A135F serial R58T",
    )));
    jpeg.encoder().bytes().to_vec()
}

fn scan_data(bytes: &[u8]) -> Bytes {
    let jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(bytes)).unwrap();
    jpeg.segments()
        .iter()
        .find(|s| s.marker() == markers::SOS)
        .unwrap()
        .contents()
        .clone()
}

/// A report form handed out to `client`, filled in, with `file` attached as `name`.
async fn form_with(
    client: &reqwest::Client,
    server: &Server,
    file: Vec<u8>,
    name: &str,
) -> reqwest::multipart::Form {
    let fields = report_form(
        client,
        server,
        &[
            ("text", "Ảnh chụp xe tải đổ trộm phế thải"),
            ("province_code", "22"),
        ],
    )
    .await;
    multipart_of(fields).part(
        "files",
        reqwest::multipart::Part::bytes(file)
            .file_name(name.to_owned())
            .mime_str("image/jpeg")
            .unwrap(),
    )
}

async fn evidence(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.director", Role::Director, "22").await;
    let server = Server::start(data.config()).await;
    let citizen = browser();
    let sent = citizen
        .post(server.url("/gui-tin-bao"))
        .multipart(
            form_with(
                &citizen,
                &server,
                photo_with_gps(),
                "IMG_20261129_Nguyen.jpg",
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    let receipt = sent.text().await.unwrap();
    let case = crate::harness::element_text(&receipt, "case-number").unwrap();

    // A renamed executable and an unknown type are refused, and the text typed is kept.
    let fake = citizen
        .post(server.url("/gui-tin-bao"))
        .multipart(
            form_with(
                &citizen,
                &server,
                b"\x7fELF\x02\x01\x01\x00 payload".repeat(50),
                "anh.jpg",
            )
            .await,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(fake.status(), 400);
    let fake = fake.text().await.unwrap();
    assert!(fake.contains("Chỉ nhận ảnh") && fake.contains("Ảnh chụp xe tải đổ trộm"));

    let officer = browser();
    sign_in(&officer, &server, "qn.director").await;
    let report = page(&officer, server.url(&format!("/console/reports/{case}"))).await;
    assert!(report.contains("evidence-1.jpg") && report.contains("đã xóa siêu dữ liệu"));
    assert!(
        !report.contains("Nguyen"),
        "the citizen's file name is not kept"
    );
    let href = format!("/console/reports/{case}/files/");
    let at = report.find(&href).unwrap() + href.len();
    let id: String = report[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let download = officer
        .get(server.url(&format!("{href}{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "image/jpeg");
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment; filename=\"evidence-1.jpg\"")
    );
    let kept = download.bytes().await.unwrap();
    // The photo is shown on the report page itself, from a view that says so.
    assert!(report.contains(&format!("<img class=\"preview\" src=\"{href}{id}/view\"")));
    let shown = officer
        .get(server.url(&format!("{href}{id}/view")))
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), 200);
    let policy = shown.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("sandbox") && policy.contains("frame-ancestors 'none'"),
        "{policy}"
    );
    assert_eq!(shown.headers()["x-frame-options"], "DENY");
    assert!(
        shown.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert_eq!(shown.bytes().await.unwrap(), kept);
    let kept_jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(&kept)).unwrap();
    assert!(
        kept_jpeg.exif().is_none(),
        "no EXIF in what officers download"
    );
    assert!(!String::from_utf8_lossy(&kept).contains("GPS"));
    assert_eq!(
        scan_data(&kept),
        scan_data(&photo_with_gps()),
        "the image is intact"
    );
    let elsewhere = browser();
    data.add_staff("ht.director", Role::Director, "42").await;
    sign_in(&elsewhere, &server, "ht.director").await;
    let refused = elsewhere
        .get(server.url(&format!("{href}{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        404,
        "another province's evidence does not exist for them"
    );
    server.stop().await;

    let service = Service::open(&data.config()).await.unwrap();
    let entries = service.hotline.store.audit_entries(0, 1000).await.unwrap();
    service.close().await;
    assert!(
        entries
            .iter()
            .any(|e| e.action == "attachment.downloaded" && e.subject == case)
    );
}

#[tokio::test]
async fn photos_lose_their_metadata_on_sqlite() {
    evidence(Backend::Sqlite).await;
}

#[tokio::test]
async fn photos_lose_their_metadata_on_postgres() {
    evidence(Backend::Postgres).await;
}

#[tokio::test]
async fn an_oversized_file_is_refused_before_the_body_is_read() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    let server = Server::start(data.config()).await;
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    // 80 MiB offered in 1 MiB pieces, made only when the server asks for them.
    let chunks = stream::iter(0..80).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        let mut chunk = vec![0u8; 1024 * 1024];
        if i == 0 {
            chunk[..3].copy_from_slice(&[0xff, 0xd8, 0xff]);
        }
        Ok::<_, std::io::Error>(chunk)
    });
    let part = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(chunks))
        .file_name("video.mp4")
        .mime_str("video/mp4")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("text", "Video quay cảnh đánh nhau")
        .part("files", part);
    let result = browser()
        .post(server.url("/gui-tin-bao"))
        .multipart(form)
        .send()
        .await;
    // The server answers 413 and stops reading; the client may see the answer or a closed
    // connection, but never pushed the whole body.
    if let Ok(response) = result {
        assert_eq!(response.status(), 413);
        // The connection may close while the page is on its way.
        if let Ok(page) = response.text().await {
            assert!(page.contains("Tệp quá lớn"));
        }
    }
    assert!(
        pulled.load(Ordering::SeqCst) < 60,
        "the server stopped reading early ({} MiB pulled)",
        pulled.load(Ordering::SeqCst)
    );
    server.stop().await;
    let service = Service::open(&data.config()).await.unwrap();
    assert_eq!(service.hotline.store.count_reports().await.unwrap(), 0);
    service.close().await;
}
