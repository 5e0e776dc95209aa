//! Console paths that were renamed when the console's routes were made English (see the
//! README's map of the crates): each old path answers `308 Permanent Redirect` to its new one,
//! with the same parameters and query, so bookmarks, links in notifications already sent and
//! forms in tabs left open keep working (a 308 keeps a form's method and body).

use axum::Router;
use axum::extract::{RawPathParams, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use http::{StatusCode, header};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Old path, new path; `{name}` marks a parameter, the same in both.
pub const MOVED: &[(&str, &str)] = &[
    ("/console/admin/kenh", "/console/admin/channels"),
    (
        "/console/admin/kenh/thu-lai",
        "/console/admin/channels/retry",
    ),
    ("/console/admin/danh-ba", "/console/admin/directory"),
    (
        "/console/admin/danh-ba/{province}/lanh-dao",
        "/console/admin/directory/{province}/positions",
    ),
    (
        "/console/admin/danh-ba/{province}/lanh-dao/ket-thuc",
        "/console/admin/directory/{province}/positions/end",
    ),
    (
        "/console/admin/danh-ba/{province}/lien-he",
        "/console/admin/directory/{province}/contacts",
    ),
    (
        "/console/admin/danh-ba/{province}/lien-he/sua",
        "/console/admin/directory/{province}/contacts/update",
    ),
    (
        "/console/admin/danh-ba/{province}/lien-he/xoa",
        "/console/admin/directory/{province}/contacts/remove",
    ),
    (
        "/console/admin/danh-ba/{province}/lien-he/kiem-tra",
        "/console/admin/directory/{province}/contacts/verify",
    ),
    (
        "/console/admin/danh-ba/{province}/nhung",
        "/console/admin/directory/{province}/frame-origins",
    ),
    ("/console/canh-bao", "/console/alerts"),
    ("/console/canh-bao/nhan", "/console/alerts/acknowledge"),
    ("/console/cuoc-goi", "/console/calls"),
    ("/console/goi-lai", "/console/callbacks"),
    ("/console/thong-bao", "/console/notifications"),
    ("/console/thong-bao/thu", "/console/notifications/test"),
    ("/console/tong-hop", "/console/digest"),
    ("/console/truc", "/console/duty"),
    ("/console/truc/ca", "/console/duty/shifts"),
    ("/console/truc/ca/xoa", "/console/duty/shifts/remove"),
    ("/console/truc/don-vi", "/console/duty/roster"),
    ("/console/truc/mau", "/console/duty/patterns"),
    ("/console/truc/mau/ket-thuc", "/console/duty/patterns/end"),
    ("/console/truc/mau/nghi", "/console/duty/patterns/skip-day"),
    (
        "/console/reports/{case}/bien-ban",
        "/console/reports/{case}/receipt-record",
    ),
    (
        "/console/reports/{case}/giao-nhan/{number}",
        "/console/reports/{case}/handover/{number}",
    ),
];

/// What a parameter's value may not hold as it is, put back into a path: whatever would end
/// the segment or change the URL's structure.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'\\')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The old paths, each redirecting to its new one.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    MOVED.iter().fold(Router::new(), |router, &(old, new)| {
        router.route(
            old,
            any(move |params: RawPathParams, request: Request| async move {
                moved(new, &params, request.uri().query())
            }),
        )
    })
}

fn moved(new: &str, params: &RawPathParams, query: Option<&str>) -> Response {
    let mut location = new.to_owned();
    for (name, value) in params {
        // A segment of dots would move the redirect up the path: no old link held one.
        if value.is_empty() || value.chars().all(|c| c == '.') {
            return StatusCode::NOT_FOUND.into_response();
        }
        let encoded = utf8_percent_encode(value, SEGMENT).to_string();
        location = location.replace(&format!("{{{name}}}"), &encoded);
    }
    if let Some(query) = query {
        location.push('?');
        location.push_str(query);
    }
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_move_keeps_its_parameters_and_stays_in_the_console() {
        for (old, new) in MOVED {
            let names = |path: &str| -> Vec<String> {
                path.split('/')
                    .filter(|s| s.starts_with('{'))
                    .map(str::to_owned)
                    .collect()
            };
            assert_eq!(names(old), names(new), "{old}");
            assert!(new.starts_with("/console/") && old.starts_with("/console/"));
            assert_ne!(old, new);
        }
    }
}
