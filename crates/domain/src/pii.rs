//! Spotting personal data inside free text (phone numbers, ID card numbers, bank accounts,
//! e-mail addresses), so it can be masked for readers without clearance.

use regex::Regex;
use std::sync::LazyLock;

/// What replaces a masked item: the same in every language, plainly not the original.
pub const MASK: &str = "▒▒▒";

/// An e-mail address, or a run of nine or more digits with at most one space, dot or dash
/// between them: phone numbers (`0912 345 678`, `+84.912.345.678`), CMND (9) and CCCD (12)
/// numbers, bank accounts. Amounts of a hundred million or more are masked too: hiding too
/// much is the safe side.
static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|\+?\d(?:[ .\-]?\d){8,}").ok()
});

/// A piece of text: ordinary, or an item of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    Plain(&'a str),
    Personal(&'a str),
}

/// `text` cut into ordinary pieces and personal items, in order. Should the pattern ever fail
/// to build, the whole text is one personal item rather than none.
pub fn segments(text: &str) -> Vec<Segment<'_>> {
    let Some(pattern) = PATTERN.as_ref() else {
        return vec![Segment::Personal(text)];
    };
    let mut parts = Vec::new();
    let mut last = 0;
    for found in pattern.find_iter(text) {
        let before = text.get(..found.start()).unwrap_or_default();
        let candidate = format!("{}{}", prefix_of_case_number(before), found.as_str());
        // A case number (`QN-2026-000123`) is ours to show, not personal data.
        if crate::codes::CaseNumber::parse(&candidate).is_some() {
            continue;
        }
        if found.start() > last {
            parts.push(Segment::Plain(
                text.get(last..found.start()).unwrap_or_default(),
            ));
        }
        parts.push(Segment::Personal(found.as_str()));
        last = found.end();
    }
    if last < text.len() || parts.is_empty() {
        parts.push(Segment::Plain(text.get(last..).unwrap_or_default()));
    }
    parts
}

/// `text` with every spotted item replaced by [`MASK`], and how many were masked.
pub fn mask(text: &str) -> (String, usize) {
    let mut masked = String::with_capacity(text.len());
    let mut count = 0;
    for segment in segments(text) {
        match segment {
            Segment::Plain(plain) => masked.push_str(plain),
            Segment::Personal(_) => {
                masked.push_str(MASK);
                count += 1;
            }
        }
    }
    (masked, count)
}

/// The `QN-` that would make what follows a case number, if `before` ends with one.
fn prefix_of_case_number(before: &str) -> &str {
    let Some(without_dash) = before.strip_suffix('-') else {
        return "";
    };
    let letters = without_dash
        .chars()
        .rev()
        .take_while(char::is_ascii_uppercase)
        .count();
    before.get(before.len() - letters - 1..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_builds() {
        assert!(PATTERN.is_some());
    }

    #[test]
    fn numbers_and_addresses_are_masked() {
        for (input, expected) in [
            ("gọi 0912 345 678 nhé", "gọi ▒▒▒ nhé"),
            ("sđt: 0912.345.678", "sđt: ▒▒▒"),
            ("+84 912-345-678", "▒▒▒"),
            ("CCCD 001203004567, CMND 123456789", "CCCD ▒▒▒, CMND ▒▒▒"),
            ("STK 1903 5678 9012 34 Techcombank", "STK ▒▒▒ Techcombank"),
            ("mail nguoi.bao@example.vn ạ", "mail ▒▒▒ ạ"),
        ] {
            assert_eq!(mask(input).0, expected, "{input}");
        }
        assert_eq!(mask("gọi 0912 345 678 hoặc a@b.vn").1, 2);
    }

    #[test]
    fn segments_keep_the_text_and_mark_the_items() {
        let text = "gọi 0912 345 678 hoặc a@b.vn, hồ sơ QN-2026-000123";
        let parts = segments(text);
        assert_eq!(
            parts,
            [
                Segment::Plain("gọi "),
                Segment::Personal("0912 345 678"),
                Segment::Plain(" hoặc "),
                Segment::Personal("a@b.vn"),
                Segment::Plain(", hồ sơ QN-2026-000123"),
            ]
        );
        let whole: String = parts
            .iter()
            .map(|p| match p {
                Segment::Plain(t) | Segment::Personal(t) => *t,
            })
            .collect();
        assert_eq!(whole, text);
        assert_eq!(segments(""), [Segment::Plain("")]);
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for input in [
            "Lúc 23:15 ngày 12/03/2026, khoảng 30 người, thiệt hại 5.000.000 đồng",
            "Phường Hạ Long, tổ 5, số nhà 12",
            "QN-2026-000123",
        ] {
            assert_eq!(mask(input), (input.to_owned(), 0), "{input}");
        }
    }
}
