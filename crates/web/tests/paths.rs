//! Every console path a page, a script or a redirect names is a route the router serves: a
//! renamed route cannot leave a form posting into the void.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use regex::Regex;
use std::path::Path;

/// The router's paths: each module's `.route("…")`, and the old paths `moved.rs` redirects
/// (`{name}` a parameter).
fn routes(src: &Path) -> Vec<Regex> {
    let routed = Regex::new(r#"\.route\(\s*"(/[^"]*)""#).unwrap();
    let moved = Regex::new(r#"\(\s*"(/console[^"]*)",\s*"/console"#).unwrap();
    let mut paths = Vec::new();
    for file in rust_files(src) {
        let text = std::fs::read_to_string(&file).unwrap();
        paths.extend(routed.captures_iter(&text).map(|c| c[1].to_owned()));
        paths.extend(moved.captures_iter(&text).map(|c| c[1].to_owned()));
    }
    let parameter = Regex::new(r"\\\{[a-z_]+\\\}").unwrap();
    paths
        .iter()
        .map(|path| {
            let pattern = parameter
                .replace_all(&regex::escape(path), "[^/]+")
                .into_owned();
            Regex::new(&format!("^{pattern}$")).unwrap()
        })
        .collect()
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// Console paths named in `dir`'s files with one of `extensions`, with what is filled in
/// (`{{ slug }}`, `{case}`, `${case}`) as one segment.
fn named_paths(dir: &Path, extensions: &[&str]) -> Vec<(String, String)> {
    let named = Regex::new(r#"["'`](/console[^"'`]*)"#).unwrap();
    let filled = Regex::new(r"\{\{[^}]*\}\}|\$\{[^}]*\}|\{[a-z_0-9.]*\}").unwrap();
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let wanted = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e));
            if !wanted {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for capture in named.captures_iter(&text) {
                let filled_in = filled.replace_all(&capture[1], "x");
                let path_named = filled_in
                    .split(['?', '#', ' ', '['])
                    .next()
                    .unwrap_or_default();
                // A path a script completes (`"/console/reports/" + case`) ends in a segment.
                let path_named = if path_named.ends_with('/') {
                    format!("{path_named}x")
                } else {
                    path_named.to_owned()
                };
                found.push((path.display().to_string(), path_named));
            }
        }
    }
    found
}

#[test]
fn every_console_path_named_in_pages_and_scripts_is_served() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let routes = routes(&crate_dir.join("src"));
    assert!(routes.len() > 50, "the router's paths were read");
    let mut named = named_paths(&crate_dir.join("templates"), &["html"]);
    named.extend(named_paths(&crate_dir.join("static"), &["js"]));
    named.extend(named_paths(&crate_dir.join("src/pages"), &["rs"]));
    assert!(named.len() > 30, "the pages' paths were read");
    let missing: Vec<_> = named
        .iter()
        .filter(|(_, path)| !routes.iter().any(|route| route.is_match(path)))
        .collect();
    assert!(missing.is_empty(), "named but not served: {missing:#?}");
}
