//! What the platforms' JSON is made of, read leniently: a platform writes an id or a time as a
//! string one day and as a number the next, and an odd field now and then; one odd field must
//! not lose the citizen's message, so it reads as absent instead.

use chrono::{DateTime, Utc};
use serde::de::{Deserialize, Deserializer, IgnoredAny};

/// A leaf of a platform's JSON: a string, a number, or anything else (read as nothing).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum Scalar {
    Text(String),
    Number(serde_json::Number),
    #[default]
    #[serde(skip)]
    Absent,
    Other(IgnoredAny),
}

impl Scalar {
    /// An id: a non-empty string, or a whole number written as one (ids overflow doubles).
    pub(crate) fn id(&self) -> Option<String> {
        match self {
            Scalar::Text(s) if !s.is_empty() => Some(s.clone()),
            Scalar::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
            _ => None,
        }
    }

    /// The text, when it is a string.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Scalar::Text(s) => Some(s),
            _ => None,
        }
    }

    /// A whole number, written as a number or a string.
    pub(crate) fn integer(&self) -> Option<i64> {
        match self {
            Scalar::Text(s) => s.trim().parse().ok(),
            Scalar::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// A finite number, written as a number or a string.
    pub(crate) fn float(&self) -> Option<f64> {
        match self {
            Scalar::Text(s) => s.trim().parse().ok(),
            Scalar::Number(n) => n.as_f64(),
            _ => None,
        }
        .filter(|f: &f64| f.is_finite())
    }

    /// A time in Unix milliseconds.
    pub(crate) fn millis(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(self.integer()?)
    }

    /// The number as written, or the string: what a signature covers.
    pub(crate) fn as_written(&self) -> Option<String> {
        match self {
            Scalar::Text(s) => Some(s.clone()),
            Scalar::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// A field read as `T` when it has `T`'s shape, and as `T::default()` when it has another.
pub(crate) fn lenient<'de, D, T>(field: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Shape<T> {
        Expected(T),
        Odd(IgnoredAny),
    }
    Ok(match Shape::<T>::deserialize(field)? {
        Shape::Expected(value) => value,
        Shape::Odd(_) => T::default(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[derive(serde::Deserialize, Default, Debug)]
    #[serde(default)]
    struct Sample {
        id: Scalar,
        #[serde(deserialize_with = "lenient")]
        list: Vec<Scalar>,
        #[serde(deserialize_with = "lenient")]
        inner: Inner,
    }

    #[derive(serde::Deserialize, Default, Debug)]
    #[serde(default)]
    struct Inner {
        at: Scalar,
    }

    #[test]
    fn odd_fields_read_as_absent_and_the_rest_survives() {
        let s: Sample = serde_json::from_str(
            r#"{"id": 12345678901234567890, "list": {"not": "a list"}, "inner": {"at": "1700000000000"}}"#,
        )
        .unwrap();
        assert_eq!(s.id.id().as_deref(), Some("12345678901234567890"));
        assert!(s.list.is_empty());
        assert_eq!(s.inner.at.millis().unwrap().timestamp(), 1_700_000_000);

        let s: Sample =
            serde_json::from_str(r#"{"id": true, "list": ["a", 1, null], "inner": 5}"#).unwrap();
        assert_eq!(s.id.id(), None);
        assert_eq!(s.list.len(), 3);
        assert_eq!(s.list[1].id().as_deref(), Some("1"));
        assert_eq!(s.inner.at.integer(), None);
        assert_eq!(Scalar::Text(" 2.5 ".into()).float(), Some(2.5));
        assert_eq!(Scalar::Text("NaN".into()).float(), None);
    }
}
