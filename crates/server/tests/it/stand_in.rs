//! A local stand-in for the platforms' APIs: accepts the documented requests, records them,
//! and answers as scripted: too many requests (with `Retry-After`), a server error,
//! Messenger's "outside the allowed window", Zalo's -230. It also plays Zalo's token server
//! (access tokens that expire, a refresh token replaced on each use) and Telegram's
//! `getUpdates` (updates kept until a later call's offset confirms them).

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
    /// The token Zalo (`access_token`) and TikTok (`Access-Token`) take in a header.
    pub token: Option<String>,
    /// A form-encoded body, as sent (Zalo's token request).
    pub form: String,
    pub body: Value,
}

/// What the next request is answered with, instead of success.
#[derive(Debug, Clone, Copy)]
pub enum Scripted {
    TooMany {
        retry_after: u64,
    },
    ServerError,
    WindowClosed,
    /// Zalo: the citizen has not written for 7 days (-230).
    ZaloWindow,
}

/// Zalo's tokens as its servers hold them: the access token that works (none once expired)
/// and the refresh token that will be taken (once).
#[derive(Default)]
struct ZaloTokens {
    access: Option<String>,
    refresh: String,
    issued: u32,
}

#[derive(Clone, Default)]
struct Shared {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Scripted>>>,
    /// Files by media id, served as WhatsApp does: the media endpoint gives a link, the link
    /// the bytes, both only with a token.
    media: Arc<Mutex<std::collections::HashMap<String, Vec<u8>>>>,
    base: Arc<Mutex<String>>,
    zalo: Arc<Mutex<ZaloTokens>>,
    /// Telegram updates not yet confirmed, in order.
    updates: Arc<Mutex<Vec<Value>>>,
    update_arrived: Arc<tokio::sync::Notify>,
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

    /// Zalo's token server: `refresh` is the refresh token it will take; no access token works
    /// until one is issued for it.
    pub fn zalo_tokens(&self, refresh: &str) {
        let mut tokens = self.shared.zalo.lock().unwrap();
        tokens.access = None;
        tokens.refresh = refresh.to_owned();
    }

    /// The access token Zalo issued last expires.
    pub fn expire_zalo_token(&self) {
        self.shared.zalo.lock().unwrap().access = None;
    }

    /// The refresh token Zalo will take next.
    pub fn zalo_refresh_token(&self) -> String {
        self.shared.zalo.lock().unwrap().refresh.clone()
    }

    /// Queues a Telegram update for `getUpdates`.
    pub fn push_update(&self, update: Value) {
        self.shared.updates.lock().unwrap().push(update);
        self.shared.update_arrived.notify_waiters();
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
    let form = String::from_utf8_lossy(&body).into_owned();
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
            token: headers
                .get("access_token")
                .or_else(|| headers.get("access-token"))
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            form: form.clone(),
            body: body.clone(),
        });
        seen.len()
    };
    let path = uri.path();
    if path.ends_with("/getUpdates") {
        return get_updates(&shared, &body).await;
    }
    if path == "/v4/oa/access_token" {
        return zalo_refresh(&shared, &headers, &form);
    }
    if path == "/v3.0/oa/message/cs" {
        let valid = shared.zalo.lock().unwrap().access.clone();
        let given = headers.get("access_token").and_then(|v| v.to_str().ok());
        if valid.is_none() || given != valid.as_deref() {
            return Json(json!({"error": -216, "message": "Access token is invalid"}))
                .into_response();
        }
    }
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
        Some(Scripted::ZaloWindow) => Json(json!({"error": -230, "message": "User has not interacted with the OA in the past 7 days"})).into_response(),
        None if path == "/v3.0/oa/message/cs" => Json(json!({
            "error": 0, "message": "Success",
            "data": {"message_id": format!("zsent{number}"), "user_id": body["recipient"]["user_id"]},
        }))
        .into_response(),
        None if path.ends_with("/sendMessage") => Json(json!({
            "ok": true,
            "result": {"message_id": 5000 + number, "chat": {"id": body["chat_id"]}, "date": 1_795_184_400},
        }))
        .into_response(),
        None if path.ends_with("/getFile") => Json(json!({
            "ok": true,
            "result": {"file_id": body["file_id"], "file_path": format!("photos/{}.jpg", body["file_id"].as_str().unwrap_or_default())},
        }))
        .into_response(),
        None if path == "/open_api/v1.3/business/message/send/" => Json(json!({
            "code": 0, "message": "OK", "request_id": format!("req{number}"),
            "data": {"message_id": format!("tt-sent{number}")},
        }))
        .into_response(),
        None if path.starts_with("/2/dm_conversations/with/") => Json(json!({
            "data": {"dm_conversation_id": "1400000000000000001-1590000000000000000", "dm_event_id": format!("18600000000000{number}")},
        }))
        .into_response(),
        None if path == "/2/tweets" => Json(json!({
            "data": {"id": format!("18610000000000{number}"), "text": body["text"]},
        }))
        .into_response(),
        // SMSGate: accepted, with its id of the message.
        None if path == "/3rdparty/v1/messages" => (
            StatusCode::ACCEPTED,
            Json(json!({"id": format!("1800{number}"), "state": "Pending"})),
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

/// Zalo's token server: the refresh token it holds, taken once, for a new pair.
fn zalo_refresh(shared: &Shared, headers: &HeaderMap, form: &str) -> Response {
    let fields: std::collections::HashMap<String, String> =
        serde_urlencoded::from_str(form).unwrap_or_default();
    let mut tokens = shared.zalo.lock().unwrap();
    let app_secret_given = headers.get("secret_key").is_some();
    if !app_secret_given
        || fields.get("grant_type").map(String::as_str) != Some("refresh_token")
        || fields.get("refresh_token") != Some(&tokens.refresh)
    {
        return Json(json!({"error": -14014, "error_name": "Invalid refresh token", "error_description": "Invalid refresh token"}))
            .into_response();
    }
    tokens.issued += 1;
    let access = format!("zat-{}", tokens.issued);
    let refresh = format!("zrt-{}", tokens.issued + 1);
    tokens.access = Some(access.clone());
    tokens.refresh.clone_from(&refresh);
    Json(json!({"access_token": access, "refresh_token": refresh, "expires_in": "90000"}))
        .into_response()
}

/// Telegram's `getUpdates`: an offset confirms (forgets) the updates before it; the rest are
/// given, or, when there are none, the call waits a little for one, as long polling does.
async fn get_updates(shared: &Shared, request: &Value) -> Response {
    let offset = request["offset"].as_i64();
    let pending = |shared: &Shared| {
        let mut updates = shared.updates.lock().unwrap();
        if let Some(offset) = offset {
            updates.retain(|u| u["update_id"].as_i64().unwrap() >= offset);
        }
        updates.clone()
    };
    let waiting = shared.update_arrived.notified();
    let mut found = pending(shared);
    if found.is_empty() {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), waiting).await;
        found = pending(shared);
    }
    Json(json!({"ok": true, "result": found})).into_response()
}

/// The media endpoint and the files' links; `None` for other paths.
fn media(shared: &Shared, path: &str, headers: &HeaderMap) -> Option<Response> {
    let authorised = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    let (id, link) = if let Some(id) = path.strip_prefix("/files/") {
        (id, false)
    } else if let Some(file) = path.strip_prefix("/file/") {
        // Telegram's files: `/file/bot<token>/photos/<file_id>.jpg`, the token in the path.
        let id = file.rsplit('/').next()?.strip_suffix(".jpg")?;
        let bytes = shared.media.lock().unwrap().get(id).cloned()?;
        return Some(bytes.into_response());
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
