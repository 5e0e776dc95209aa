//! What the platforms' JSON is made of, read leniently: a platform writes an id or a time as a
//! string one day and as a number the next, and an odd field or list element now and then; one
//! odd field must not lose the citizen's message, so it reads as absent instead. Objects are
//! read only from JSON objects (serde would otherwise fill a struct from a list, by position).
//! A key written twice refuses its object, where `serde_json::Value` kept the last.

use chrono::{DateTime, Utc};
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::collections::HashMap;
use std::marker::PhantomData;

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

    /// Whether the field was there at all, whatever it held (`null` included).
    pub(crate) fn is_present(&self) -> bool {
        !matches!(self, Scalar::Absent)
    }

    /// A whole number written as a number: a platform's result code.
    pub(crate) fn code(&self) -> Option<i64> {
        match self {
            Scalar::Number(n) => n.as_i64(),
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

/// `T` read from a JSON object, and from nothing else.
pub(crate) struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for Fields<T> {
            type Value = Object<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Self::Value, M::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Object)
            }
        }

        deserializer.deserialize_map(Fields(PhantomData))
    }
}

/// A value of `T`'s shape, or anything else.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Shape<T> {
    Expected(T),
    Odd(IgnoredAny),
}

impl<T: Default> Shape<T> {
    fn or_default(self) -> T {
        match self {
            Shape::Expected(value) => value,
            Shape::Odd(_) => T::default(),
        }
    }
}

/// An object field: read as `T` when it is an object of `T`'s shape, else `T::default()`.
pub(crate) fn object<'de, D, T>(field: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(match Shape::<Object<T>>::deserialize(field)? {
        Shape::Expected(Object(value)) => value,
        Shape::Odd(_) => T::default(),
    })
}

/// A list of objects: each element read as [`object`] does (an odd element reads as
/// `T::default()`, and the rest survive); anything but a list reads as an empty one.
pub(crate) fn objects<'de, D, T>(field: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    let list = Shape::<Vec<Shape<Object<T>>>>::deserialize(field)?.or_default();
    Ok(list
        .into_iter()
        .map(|element| match element {
            Shape::Expected(Object(value)) => value,
            Shape::Odd(_) => T::default(),
        })
        .collect())
}

/// Objects by key: each value read as [`object`] does; anything but an object reads as none.
pub(crate) fn objects_by_key<'de, D, T>(field: D) -> Result<HashMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    let map = match Shape::<Object<HashMap<String, Shape<Object<T>>>>>::deserialize(field)? {
        Shape::Expected(Object(map)) => map,
        Shape::Odd(_) => HashMap::new(),
    };
    Ok(map
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                Shape::Expected(Object(value)) => value,
                Shape::Odd(_) => T::default(),
            };
            (key, value)
        })
        .collect())
}

/// A field that may be missing: `None` when absent or of another shape than `T`.
pub(crate) fn optional<'de, D, T>(field: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(match Shape::<T>::deserialize(field)? {
        Shape::Expected(value) => Some(value),
        Shape::Odd(_) => None,
    })
}

/// An object that may be missing: `None` when absent or of another shape.
pub(crate) fn optional_object<'de, D, T>(field: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(match Shape::<Object<T>>::deserialize(field)? {
        Shape::Expected(Object(value)) => Some(value),
        Shape::Odd(_) => None,
    })
}

/// A list of scalars, or `None` when the field is anything but a list.
pub(crate) fn scalars<'de, D: Deserializer<'de>>(
    field: D,
) -> Result<Option<Vec<Scalar>>, D::Error> {
    Ok(match Shape::<Vec<Scalar>>::deserialize(field)? {
        Shape::Expected(list) => Some(list),
        Shape::Odd(_) => None,
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
        #[serde(deserialize_with = "objects")]
        list: Vec<Inner>,
        #[serde(deserialize_with = "object")]
        inner: Inner,
        #[serde(deserialize_with = "objects_by_key")]
        by_key: HashMap<String, Inner>,
        #[serde(deserialize_with = "scalars")]
        ids: Option<Vec<Scalar>>,
    }

    #[derive(serde::Deserialize, Default, Debug)]
    #[serde(default)]
    struct Inner {
        at: Scalar,
    }

    fn read(json: &str) -> Sample {
        serde_json::from_str::<Object<Sample>>(json).unwrap().0
    }

    #[test]
    fn odd_fields_and_elements_read_as_absent_and_the_rest_survives() {
        let s = read(
            r#"{"id": 12345678901234567890, "list": [null, {"at": 1}, "x", {"at": "2"}],
                "inner": {"at": "1700000000000"}, "by_key": {"a": {"at": 3}, "b": 4},
                "ids": ["a", 1, null]}"#,
        );
        assert_eq!(s.id.id().as_deref(), Some("12345678901234567890"));
        let at: Vec<Option<i64>> = s.list.iter().map(|i| i.at.integer()).collect();
        assert_eq!(at, [None, Some(1), None, Some(2)]);
        assert_eq!(s.inner.at.millis().unwrap().timestamp(), 1_700_000_000);
        assert_eq!(s.by_key["a"].at.integer(), Some(3));
        assert!(!s.by_key["b"].at.is_present());
        let ids = s.ids.unwrap();
        assert_eq!(ids[1].id().as_deref(), Some("1"));
        assert!(ids[2].is_present() && ids[2].id().is_none());

        let s = read(r#"{"id": true, "list": {"not": "a list"}, "inner": 5, "ids": "a"}"#);
        assert_eq!(s.id.id(), None);
        assert!(s.list.is_empty());
        assert!(!s.inner.at.is_present());
        assert!(s.ids.is_none());
    }

    #[test]
    fn objects_are_read_from_objects_only() {
        assert!(serde_json::from_str::<Object<Sample>>(r#"[1, [], {}]"#).is_err());
        let s = read(r#"{"inner": ["1700000000000"], "list": [["1"]]}"#);
        assert!(!s.inner.at.is_present());
        assert!(!s.list[0].at.is_present());
    }

    #[test]
    fn codes_are_numbers_and_times_either() {
        assert_eq!(Scalar::Number(0.into()).code(), Some(0));
        assert_eq!(Scalar::Text("0".into()).code(), None);
        assert_eq!(Scalar::Text(" 42 ".into()).integer(), Some(42));
        assert_eq!(Scalar::Text(" 2.5 ".into()).float(), Some(2.5));
        assert_eq!(Scalar::Text("NaN".into()).float(), None);
    }
}
