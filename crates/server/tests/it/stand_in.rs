//! A local stand-in for the platforms' send APIs: accepts the documented requests, records
//! them, and answers as scripted: too many requests (with `Retry-After`), a server error, or
//! Messenger's "outside the allowed window".

use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// One request the stand-in took.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
    pub body: Value,
}

/// What the next request is answered with, instead of success.
#[derive(Debug, Clone, Copy)]
pub enum Scripted {
    TooMany { retry_after: u64 },
    ServerError,
    WindowClosed,
}

#[derive(Clone, Default)]
struct Shared {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Scripted>>>,
    /// Files by media id, served as WhatsApp does: the media endpoint gives a link, the link
    /// the bytes, both only with a token.
    media: Arc<Mutex<std::collections::HashMap<String, Vec<u8>>>>,
    base: Arc<Mutex<String>>,
}

pub struct StandIn {
    pub base: String,
    shared: Shared,
}

impl StandIn {
    pub async fn start() -> Self {
        let shared = Shared::default();
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        shared.base.lock().unwrap().clone_from(&base);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, shared }
    }

    /// Serves `bytes` as the file of WhatsApp media `id`.
    pub fn serve_media(&self, id: &str, bytes: Vec<u8>) {
        self.shared
            .media
            .lock()
            .unwrap()
            .insert(id.to_owned(), bytes);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The next requests get these answers, in order.
    pub fn script(&self, answers: &[Scripted]) {
        self.shared.script.lock().unwrap().extend(answers);
    }
}

async fn answer(
    State(shared): State<Shared>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(response) = media(&shared, uri.path(), &headers) {
        return response;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let number = {
        let mut seen = shared.seen.lock().unwrap();
        seen.push(Seen {
            path: uri.path().to_owned(),
            query: uri.query().unwrap_or_default().to_owned(),
            authorization: headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: body.clone(),
        });
        seen.len()
    };
    let scripted = shared.script.lock().unwrap().pop_front();
    match scripted {
        Some(Scripted::TooMany { retry_after }) => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", retry_after.to_string())],
            Json(json!({"error": {"message": "(#4) Application request limit reached", "code": 4}})),
        )
            .into_response(),
        Some(Scripted::ServerError) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": {"message": "Service temporarily unavailable", "code": 2}})),
        )
            .into_response(),
        Some(Scripted::WindowClosed) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "(#10) This message is sent outside of allowed window.", "code": 10, "error_subcode": 2018278}})),
        )
            .into_response(),
        None if body["messaging_product"] == "whatsapp" => Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": format!("wamid.SENT{number}")}],
        }))
        .into_response(),
        None if uri.path().ends_with("/messages") => Json(json!({
            "recipient_id": body["recipient"]["id"],
            "message_id": format!("m_SENT{number}"),
        }))
        .into_response(),
        None => Json(json!({"id": format!("1800{number}")})).into_response(),
    }
}

/// The media endpoint and the files' links; `None` for other paths.
fn media(shared: &Shared, path: &str, headers: &HeaderMap) -> Option<Response> {
    let authorised = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    let (id, link) = if let Some(id) = path.strip_prefix("/files/") {
        (id, false)
    } else {
        (path.strip_prefix("/v25.0/")?, true)
    };
    let file = shared.media.lock().unwrap().get(id).cloned()?;
    if !authorised {
        return Some(StatusCode::UNAUTHORIZED.into_response());
    }
    Some(if link {
        let base = shared.base.lock().unwrap().clone();
        Json(json!({"url": format!("{base}/files/{id}"), "mime_type": "image/jpeg", "id": id}))
            .into_response()
    } else {
        file.into_response()
    })
}
