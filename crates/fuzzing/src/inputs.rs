//! What the readers are fed: arbitrary bytes, real samples with bytes edited, and JSON samples
//! with values swapped for odd ones. What differs per crate (the tokens that break its readers,
//! the raw JSON it puts in, how long an input may grow) is an argument.

use proptest::arbitrary::any;
use proptest::collection::vec;
use proptest::prop_oneof;
use proptest::sample::{Index, select};
use proptest::strategy::Strategy;
use serde_json::Value;

/// Arbitrary bytes, fewer than `max`.
pub fn arbitrary_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

/// One of `samples` with one to seven edits of its bytes (flips, cuts, repeats, arbitrary
/// bytes or one of `tokens` put in), cut to at most `max` bytes.
pub fn edited_bytes(
    samples: Vec<Vec<u8>>,
    tokens: &'static [&'static [u8]],
    max: usize,
) -> impl Strategy<Value = Vec<u8>> {
    (select(samples), vec(byte_edit(tokens), 1..8))
        .prop_map(move |(sample, edits)| apply(&sample, &edits, max))
}

/// One of the JSON documents among `samples` (`{}` where none is) with one to five edits of
/// its values: a node replaced with raw JSON from `fragment` (weight 3), removed (weight 1) or
/// copied over another (weight `copies`; 0 for never).
pub fn edited_json(
    samples: Vec<Vec<u8>>,
    fragment: impl Strategy<Value = String>,
    copies: u32,
) -> impl Strategy<Value = Vec<u8>> {
    let mut json: Vec<Vec<u8>> = samples
        .into_iter()
        .filter(|s| serde_json::from_slice::<Value>(s).is_ok())
        .collect();
    if json.is_empty() {
        json.push(b"{}".to_vec());
    }
    (select(json), vec(json_edit(fragment, copies), 1..6))
        .prop_map(|(sample, edits)| edit_json(&sample, &edits))
}

/// One edit of a sample's bytes, at a place picked in proportion to its length.
#[derive(Debug, Clone)]
enum ByteEdit {
    Flip(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    /// A piece repeated in place: deep nesting, long runs.
    Repeat(Index, usize, usize),
}

fn byte_edit(tokens: &'static [&'static [u8]]) -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        (any::<Index>(), 1..=u8::MAX).prop_map(|(at, mask)| ByteEdit::Flip(at, mask)),
        (any::<Index>(), select(tokens)).prop_map(|(at, t)| ByteEdit::Insert(at, t.to_vec())),
        (any::<Index>(), vec(any::<u8>(), 1..16)).prop_map(|(at, b)| ByteEdit::Insert(at, b)),
        (any::<Index>(), 1..64_usize).prop_map(|(at, n)| ByteEdit::Delete(at, n)),
        any::<Index>().prop_map(ByteEdit::Truncate),
        (any::<Index>(), 1..16_usize, 1..64_usize)
            .prop_map(|(at, n, times)| ByteEdit::Repeat(at, n, times)),
    ]
}

fn apply(sample: &[u8], edits: &[ByteEdit], max: usize) -> Vec<u8> {
    let mut bytes = sample.to_vec();
    for edit in edits {
        let len = bytes.len();
        match edit {
            ByteEdit::Flip(at, mask) if len > 0 => *at.get_mut(&mut bytes) ^= *mask,
            ByteEdit::Insert(at, piece) => {
                let tail = bytes.split_off(at.index(len + 1));
                bytes.extend_from_slice(piece);
                bytes.extend_from_slice(&tail);
            }
            ByteEdit::Delete(at, n) if len > 0 => {
                let start = at.index(len);
                let tail = bytes.split_off((start + n).min(len));
                bytes.truncate(start);
                bytes.extend_from_slice(&tail);
            }
            ByteEdit::Truncate(at) => bytes.truncate(at.index(len + 1)),
            ByteEdit::Repeat(at, n, times) if len > 0 => {
                let start = at.index(len);
                let piece = bytes
                    .get(start..(start + n).min(len))
                    .unwrap_or_default()
                    .repeat(*times);
                let tail = bytes.split_off(start);
                bytes.extend_from_slice(&piece);
                bytes.extend_from_slice(&tail);
            }
            _ => {}
        }
    }
    bytes.truncate(max);
    bytes
}

/// One edit of a JSON sample, at a node picked among all of them (the whole document too).
#[derive(Debug, Clone)]
enum JsonEdit {
    Replace(Index, String),
    Remove(Index),
    /// A node copied over another: a list or an entry twice.
    Copy(Index, Index),
}

fn json_edit(
    fragment: impl Strategy<Value = String>,
    copies: u32,
) -> impl Strategy<Value = JsonEdit> {
    // A weight of 0 is never picked and draws nothing: the same cases as a union without it.
    prop_oneof![
        3 => (any::<Index>(), fragment).prop_map(|(at, raw)| JsonEdit::Replace(at, raw)),
        1 => any::<Index>().prop_map(JsonEdit::Remove),
        copies => (any::<Index>(), any::<Index>()).prop_map(|(from, to)| JsonEdit::Copy(from, to)),
    ]
}

/// The JSON pointer of every node under `value`, itself last.
fn pointers(value: &Value, at: String, found: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, child) in fields {
                let key = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
    found.push(at);
}

/// A stand-in left where raw JSON goes, swapped for it once the document is written out.
fn mark(i: usize) -> String {
    format!("\u{1}fuzz{i}\u{1}")
}

fn edit_json(sample: &[u8], edits: &[JsonEdit]) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<Value>(sample) else {
        return sample.to_vec();
    };
    let mut raw = Vec::new();
    for edit in edits {
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        // Never empty (the whole document's pointer is there), so every `Index` picks one.
        let pick = |at: &Index| at.get(&all).as_str();
        match edit {
            JsonEdit::Replace(at, fragment) => {
                if let Some(node) = value.pointer_mut(pick(at)) {
                    *node = Value::String(mark(raw.len()));
                    raw.push(fragment.clone());
                }
            }
            JsonEdit::Remove(at) => {
                let Some((parent, last)) = pick(at).rsplit_once('/') else {
                    continue;
                };
                match value.pointer_mut(parent) {
                    Some(Value::Object(fields)) => {
                        fields.remove(&last.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < items.len()) {
                            items.remove(i);
                        }
                    }
                    _ => {}
                }
            }
            JsonEdit::Copy(from, to) => {
                let copied = value.pointer(pick(from)).cloned();
                if let (Some(copied), Some(node)) = (copied, value.pointer_mut(pick(to))) {
                    *node = copied;
                }
            }
        }
    }
    let mut text = value.to_string();
    for (i, fragment) in raw.iter().enumerate() {
        text = text.replacen(&Value::String(mark(i)).to_string(), fragment, 1);
    }
    text.into_bytes()
}
