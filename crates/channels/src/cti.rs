//! Calls to the hotline's line, as a PBX reports them in the generic CTI contract (Zammad's):
//! `newCall`, `answer`, `hangup`, as JSON or form-encoded (`user[]` repeated), posted to
//! `/hooks/cti/<token>`: the secret token in the path is the only authentication.

use hotline_domain::inbound::{CallEvent, CallStep, InboundEvent};
use serde_json::Value;

use crate::Unreadable;

/// The fields of an event, from JSON or a form.
fn fields(body: &[u8]) -> Result<Value, Unreadable> {
    let trimmed = body.iter().position(|b| !b.is_ascii_whitespace());
    if trimmed.and_then(|i| body.get(i)) == Some(&b'{') {
        return serde_json::from_slice(body).map_err(|e| Unreadable(format!("not JSON: {e}")));
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|e| Unreadable(format!("not a form: {e}")))?;
    let mut object = serde_json::Map::new();
    for (key, value) in pairs {
        match key.strip_suffix("[]") {
            Some(list) => {
                let entry = object
                    .entry(list.to_owned())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = entry {
                    items.push(Value::String(value));
                }
            }
            None => {
                object.insert(key, Value::String(value));
            }
        }
    }
    Ok(Value::Object(object))
}

fn text(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Takes one event apart.
pub fn parse(body: &[u8]) -> Result<Vec<InboundEvent>, Unreadable> {
    let value = fields(body)?;
    let step = match text(&value, "event").as_deref() {
        Some("newCall") => CallStep::New,
        Some("answer") => CallStep::Answer,
        Some("hangup") => CallStep::Hangup,
        Some(other) => return Ok(vec![InboundEvent::Ignored(other.to_owned())]),
        None => return Err(Unreadable("no event".into())),
    };
    let call_id = text(&value, "callId")
        .filter(|id| id.len() <= 250)
        .ok_or_else(|| Unreadable("no callId".into()))?;
    let inbound = text(&value, "direction").as_deref() != Some("out");
    // The caller: the other party. `anonymous` is a withheld number.
    let other = if inbound { "from" } else { "to" };
    let from = text(&value, other).filter(|n| !n.eq_ignore_ascii_case("anonymous"));
    let answered_by = text(&value, "answeringNumber").or_else(|| match value.get("user") {
        Some(Value::Array(users)) if users.len() == 1 => {
            users.first().and_then(Value::as_str).map(str::to_owned)
        }
        Some(Value::String(user)) if step != CallStep::New => Some(user.clone()),
        _ => None,
    });
    Ok(vec![InboundEvent::Call(CallEvent {
        step,
        call_id,
        from,
        inbound,
        answered_by: answered_by.filter(|_| step != CallStep::New),
        cause: text(&value, "cause"),
    })])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../fixtures/platforms/cti/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn call(body: &[u8]) -> CallEvent {
        match parse(body).unwrap().into_iter().next() {
            Some(InboundEvent::Call(call)) => call,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_call_in_json_and_in_a_form() {
        let new = call(&fixture("new_call.json"));
        assert_eq!(new.step, CallStep::New);
        assert_eq!(new.call_id, "6f1d2c3b-4a59-4e7f-8b21-0c9d8e7f6a5b");
        assert_eq!(new.from.as_deref(), Some("84912345678"));
        assert!(new.inbound && new.answered_by.is_none());
        let answer = call(&fixture("answer.json"));
        assert_eq!(answer.step, CallStep::Answer);
        assert_eq!(answer.answered_by.as_deref(), Some("nam.hv"));
        let hangup = call(&fixture("hangup.json"));
        assert_eq!(hangup.cause.as_deref(), Some("normalClearing"));
        let raw = String::from_utf8(fixture("new_call_form.txt")).unwrap();
        let body = raw.split("\r\n\r\n").nth(1).unwrap().trim();
        let form = call(body.as_bytes());
        assert_eq!(form.step, CallStep::New);
        assert_eq!(form.call_id, new.call_id);
        assert_eq!(form.from, new.from);
    }

    #[test]
    fn withheld_numbers_outbound_calls_and_bad_events() {
        let anonymous = br#"{"event":"newCall","from":"anonymous","to":"02083851234","direction":"in","callId":"c1","user":[]}"#;
        assert!(call(anonymous).from.is_none());
        let out = br#"{"event":"newCall","from":"nam.hv","to":"0912345678","direction":"out","callId":"c2"}"#;
        let out = call(out);
        assert!(!out.inbound);
        assert_eq!(out.from.as_deref(), Some("0912345678"), "the other party");
        assert!(parse(br#"{"event":"newCall"}"#).is_err(), "no callId");
        assert!(parse(b"event=hangup").is_err());
        assert!(matches!(
            &parse(br#"{"event":"transfer","callId":"c3"}"#).unwrap()[0],
            InboundEvent::Ignored(e) if e == "transfer"
        ));
        let long = format!(r#"{{"event":"answer","callId":"{}"}}"#, "x".repeat(251));
        assert!(parse(long.as_bytes()).is_err());
    }
}
