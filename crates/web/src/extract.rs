//! Reading requests: the page context (language, request id, client address), bodies checked
//! for size and UTF-8, JSON with the failing field named, and URL-encoded forms.

use crate::AppState;
use crate::i18n::{Lang, Tr};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum_extra::extract::cookie::CookieJar;
use bytes::Bytes;
use http::StatusCode;
use http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The request's id (fresh for each request: see `app`), for its log lines and error pages.
pub fn request_id_of(extensions: &http::Extensions) -> &str {
    extensions
        .get::<tower_http::request_id::RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default()
}

/// What every handler may want to know about the request.
#[derive(Clone)]
pub struct Ctx {
    pub tr: Tr,
    pub request_id: String,
    pub client_ip: IpAddr,
    /// Path and query without `lang`, for the language switch link.
    pub path: String,
    /// The token staff forms carry, bound to the session (empty without one).
    pub csrf: String,
}

impl Ctx {
    pub fn lang(&self) -> Lang {
        self.tr.lang
    }
}

/// The client's address: the peer, or the configured proxy header's last hop when the server
/// runs behind a trusted reverse proxy.
pub fn client_ip(parts: &Parts, trusted_header: Option<&str>) -> IpAddr {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let Some(header) = trusted_header else {
        return peer;
    };
    // The last address of the last header line is the one our own proxy wrote; anything
    // before it came from the client.
    let from_proxy = parts
        .headers
        .get_all(header)
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|s| s.trim().parse::<IpAddr>().ok());
    from_proxy.unwrap_or_else(|| {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            tracing::warn!(
                header,
                "trusted proxy header missing or unreadable; using the peer address"
            );
        });
        peer
    })
}

/// The session's token, from its cookie.
pub fn session_token<'a>(jar: &'a CookieJar, state: &AppState) -> Option<&'a str> {
    jar.get(crate::pages::session_cookie_name(state))
        .map(|cookie| cookie.value())
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
        let request_id = request_id_of(&parts.extensions).to_owned();
        let query: Vec<(String, String)> = parts
            .uri
            .query()
            .map(|q| {
                url_pairs(q.as_bytes())
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(k, _)| k != "lang")
                    .collect()
            })
            .unwrap_or_default();
        // One leading slash: `//host` would make the language link leave the site.
        let mut path = format!("/{}", parts.uri.path().trim_start_matches('/'));
        if !query.is_empty() {
            path.push('?');
            path.push_str(&encode_pairs(&query));
        }
        Ok(Self {
            tr: state.catalogues.tr(lang),
            request_id,
            client_ip: client_ip(parts, state.config.trusted_proxy_header.as_deref()),
            path,
            csrf: session_token(&CookieJar::from_headers(&parts.headers), state)
                .map(|session| state.hotline.csrf_token(session))
                .unwrap_or_default(),
        })
    }
}

pub(crate) fn encode_pairs(pairs: &[(String, String)]) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, NON_ALPHANUMERIC),
                utf8_percent_encode(v, NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    /// The body stopped arriving for longer than the server waits (`body_read_timeout`).
    TimedOut,
    Unreadable,
    BadEncoding,
    UnsupportedMediaType,
    /// Malformed, with the path of the failing field (`contact.phone`, or empty for the whole
    /// document) and what was wrong.
    Malformed {
        field: String,
        detail: String,
    },
}

impl BodyError {
    pub fn status(&self) -> StatusCode {
        match self {
            BodyError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::TimedOut => StatusCode::REQUEST_TIMEOUT,
            BodyError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            BodyError::Unreadable | BodyError::BadEncoding | BodyError::Malformed { .. } => {
                StatusCode::BAD_REQUEST
            }
        }
    }
}

pub fn read_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, BodyError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            BodyError::TooLarge
        } else if timed_out(&rejection) {
            BodyError::TimedOut
        } else {
            BodyError::Unreadable
        }
    })
}

/// Whether reading a body failed because it stopped arriving or came too slowly (the body
/// timeout's or the pace's error is somewhere in the chain of causes).
pub fn timed_out(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<tower_http::timeout::TimeoutError>() || error.is::<crate::lanes::TooSlow>() {
            return true;
        }
        cause = error.source();
    }
    false
}

pub fn require_content_type(
    parts_headers: &http::HeaderMap,
    expected: &str,
) -> Result<(), BodyError> {
    let matches = parts_headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected));
    if matches {
        Ok(())
    } else {
        Err(BodyError::UnsupportedMediaType)
    }
}

/// A code given as a JSON number: `22` and `22.0` alike (JSON has one kind of number, and the
/// API document's `integer` takes both), nothing with a fraction, nothing out of range.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<u32>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(de)? else {
        return Ok(None);
    };
    let whole = number.as_u64().or_else(|| {
        number
            .as_f64()
            .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= f64::from(u32::MAX))
            .map(|n| n as u64)
    });
    whole
        .and_then(|n| u32::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{number} is not a whole number from 0 to {}",
                u32::MAX
            ))
        })
}

/// Parses JSON, naming the field that failed (`contact.phone`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    let text = std::str::from_utf8(bytes).map_err(|_| BodyError::BadEncoding)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let detail = e.into_inner().to_string();
        // serde reports a missing field on its parent; name the field itself.
        let missing = detail
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| name.to_owned());
        let field = match (path.as_str(), missing) {
            (".", Some(name)) => name,
            (".", None) => String::new(),
            (parent, Some(name)) => format!("{parent}.{name}"),
            (parent, None) => parent.to_owned(),
        };
        BodyError::Malformed { field, detail }
    })?;
    de.end().map_err(|e| BodyError::Malformed {
        field: String::new(),
        detail: e.to_string(),
    })?;
    Ok(value)
}

/// Decodes `application/x-www-form-urlencoded` pairs, refusing bytes that are not UTF-8
/// rather than replacing them, so that a citizen's text is never silently mangled.
pub fn url_pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, BodyError> {
    let decode = |part: &[u8]| -> Result<String, BodyError> {
        let spaced: Vec<u8> = part
            .iter()
            .map(|b| if *b == b'+' { b' ' } else { *b })
            .collect();
        percent_encoding::percent_decode(&spaced)
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|_| BodyError::BadEncoding)
    };
    bytes
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |b| *b == b'=');
            let key = decode(it.next().unwrap_or_default())?;
            let value = decode(it.next().unwrap_or_default())?;
            Ok((key, value))
        })
        .collect()
}

/// A decoded form: the last value of each field wins.
pub struct Form(HashMap<String, String>);

impl Form {
    pub fn parse(bytes: &[u8]) -> Result<Self, BodyError> {
        Ok(Self(url_pairs(bytes)?.into_iter().collect()))
    }

    /// From fields read one by one (a multipart body); the last value of each wins.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs.into_iter().collect())
    }

    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map_or("", String::as_str)
    }

    /// The form read into `T`, a struct naming the fields it takes (each a `String`, or a
    /// checkbox through [`checked`]); fields it does not name are ignored.
    pub fn read<T: DeserializeOwned>(&self) -> Result<T, BodyError> {
        let fields = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(
            self.0.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        serde_path_to_error::deserialize(fields).map_err(|e| BodyError::Malformed {
            field: e.path().to_string(),
            detail: e.into_inner().to_string(),
        })
    }
}

/// A checkbox: ticked when posted as `1`.
pub fn checked<'de, D: serde::Deserializer<'de>>(field: D) -> Result<bool, D::Error> {
    Ok(<String as serde::Deserialize>::deserialize(field)? == "1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut builder = http::Request::builder().uri("/");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let mut parts = builder.body(()).unwrap().into_parts().0;
        parts
            .extensions
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))));
        parts
    }

    #[test]
    fn the_client_address_comes_from_the_proxy_only_when_trusted() {
        let spoofed = parts(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "5.6.7.8, 9.9.9.9"),
        ]);
        assert_eq!(client_ip(&spoofed, None).to_string(), "10.0.0.1");
        assert_eq!(
            client_ip(&spoofed, Some("x-forwarded-for")).to_string(),
            "9.9.9.9"
        );
        let missing = parts(&[]);
        assert_eq!(
            client_ip(&missing, Some("x-forwarded-for")).to_string(),
            "10.0.0.1"
        );
    }

    #[test]
    fn forms_decode_utf8_and_refuse_anything_else() {
        let pairs = url_pairs("text=C%C3%B4ng+an&x=1&empty=".as_bytes()).unwrap();
        assert_eq!(pairs[0], ("text".into(), "Công an".into()));
        assert_eq!(pairs[2], ("empty".into(), String::new()));
        assert_eq!(url_pairs(b"text=%C3%28"), Err(BodyError::BadEncoding));
        assert_eq!(url_pairs(b"text=\xff"), Err(BodyError::BadEncoding));
    }

    #[test]
    fn a_form_reads_into_its_own_type() {
        #[derive(serde::Deserialize, Default, Debug, PartialEq)]
        #[serde(default)]
        struct Posted {
            text: String,
            #[serde(deserialize_with = "checked")]
            urgent: bool,
            #[serde(flatten)]
            rest: HashMap<String, String>,
        }
        let form = Form::parse("text=a+b&urgent=1&text=c&d1=on&csrf=x".as_bytes()).unwrap();
        let posted: Posted = form.read().unwrap();
        assert_eq!(posted.text, "c", "the last value of a field wins");
        assert!(posted.urgent);
        assert_eq!(posted.rest.get("d1").map(String::as_str), Some("on"));
        let empty: Posted = Form::parse(b"").unwrap().read().unwrap();
        assert_eq!(empty, Posted::default());
        let unticked: Posted = Form::parse(b"urgent=0").unwrap().read().unwrap();
        assert!(!unticked.urgent);
    }

    #[test]
    fn json_errors_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            phone: Option<String>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            text: String,
            contact: Option<Inner>,
        }
        let err = parse_json::<Outer>(br#"{"text":"a","contact":{"phone":5}}"#).unwrap_err();
        assert!(matches!(err, BodyError::Malformed { field, .. } if field == "contact.phone"));
        let err = parse_json::<Outer>(br#"{"contact":null}"#).unwrap_err();
        assert!(matches!(err, BodyError::Malformed { field, .. } if field == "text"));
        assert_eq!(
            parse_json::<Outer>(b"{\"text\":\"\xff\"}").unwrap_err(),
            BodyError::BadEncoding
        );
        assert!(matches!(
            parse_json::<Outer>(br#"{"text":"a"} x"#).unwrap_err(),
            BodyError::Malformed { .. }
        ));
    }
}
