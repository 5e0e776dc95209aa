//! Vietnamese text: NFC normalisation of everything that comes in, diacritic folding for
//! matching, and phone numbers in E.164.

use std::collections::HashMap;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// NFC-normalises `input`, drops control characters other than newline and tab, turns CRLF into
/// LF and trims the ends. Every piece of free text a citizen sends goes through this first, so
/// that the same word typed on two keyboards (precomposed or combining marks) is stored alike.
pub fn clean(input: &str) -> String {
    let nfc: String = input
        .replace("\r\n", "\n")
        .nfc()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    nfc.trim().to_owned()
}

/// Cleans a one-line value (a name, an address): like [`clean`], and runs of white space,
/// including newlines, become a single space.
pub fn clean_line(input: &str) -> String {
    clean(input)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text without its tones and marks (`đ` → `d`), case and lines kept: what a phone
/// without Vietnamese fonts shows, and what fits an SMS's 7-bit alphabet.
pub fn unaccented(input: &str) -> String {
    input
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            other => other,
        })
        .collect()
}

/// Folds text for matching: tones and marks removed, `đ` → `d`, lower case, white space
/// collapsed. `Công an Phường  Buôn Ma Thuột` and `cong an phuong buon ma thuot` fold alike.
pub fn fold(input: &str) -> String {
    let mut folded = String::with_capacity(input.len());
    if fold_latin_into(input, &mut folded) {
        folded
    } else {
        fold_by_decomposing(input)
    }
}

/// The general rule of [`fold`]: decompose, drop the marks, lower the case, collapse spaces.
fn fold_by_decomposing(input: &str) -> String {
    unaccented(input)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Characters that [`fold_latin_into`] folds from a table: Latin-1 and Latin Extended A and B,
/// the combining marks, and Latin Extended Additional (every Vietnamese letter with its tone).
const FOLD_TABLE_RANGES: [(char, char); 3] = [
    ('\u{80}', '\u{24F}'),
    ('\u{300}', '\u{36F}'),
    ('\u{1E00}', '\u{1EFF}'),
];

/// Each character of [`FOLD_TABLE_RANGES`] folded by the general rule, alone (marks fold to
/// nothing), worked out once: folding a report's text is then a lookup per letter instead of
/// a decomposition, a normalisation-table search and a case mapping.
static FOLD_TABLE: LazyLock<HashMap<char, Box<str>>> = LazyLock::new(|| {
    FOLD_TABLE_RANGES
        .iter()
        .flat_map(|(first, last)| *first..=*last)
        .map(|c| {
            let folded = unaccented(c.encode_utf8(&mut [0; 4])).to_lowercase();
            (c, folded.into_boxed_str())
        })
        .collect()
});

/// Folds `input` into `out` character by character from [`FOLD_TABLE`], giving what the
/// general rule gives; false (and `out` unspecified) when a character is outside the table,
/// where the general rule's context matters (Greek's final sigma, other scripts).
fn fold_latin_into(input: &str, out: &mut String) -> bool {
    let table = &*FOLD_TABLE;
    let mut space_pending = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_whitespace() {
            space_pending = !out.is_empty();
        } else {
            if space_pending {
                out.push(' ');
                space_pending = false;
            }
            out.push(c);
        }
    };
    for c in input.chars() {
        if c.is_ascii() {
            push(c.to_ascii_lowercase(), out);
        } else if let Some(folded) = table.get(&c) {
            folded.chars().for_each(|f| push(f, out));
        } else {
            return false;
        }
    }
    true
}

/// Most distinct words one text contributes to the search index.
pub const MAX_SEARCH_TOKENS: usize = 2_000;

/// The words of `text` as search matches them: folded (no case, no diacritics), split at
/// anything that is not a letter or digit, two characters or more, each once, in order of
/// first appearance. `Buôn Ma Thuột` and `buon ma thuot` give the same words.
pub fn search_tokens(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut seen = std::collections::HashSet::new();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .filter(|w| seen.insert(*w))
        .take(MAX_SEARCH_TOKENS)
        .map(str::to_owned)
        .collect()
}

/// What the search index keeps of a text: its ordinary words, as [`search_tokens`] gives
/// them, and apart from them its personal items (phone, ID and account numbers, e-mail
/// addresses: what the masker masks), each whole and normalised by [`personal_term`]. A
/// number is never indexed as its pieces, so a reader who may not see it cannot find it
/// piece by piece; its whole form is searched only with clearance (issue 25, finding 5).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct IndexTerms {
    pub words: Vec<String>,
    pub personal: Vec<String>,
}

/// The [`IndexTerms`] of `text`. Items are spotted as the masker spots them, in the text as
/// written; a word that folding makes nine digits or more long (a number split by a mark the
/// masker stops at) is a personal item too, as the search gate counts it.
pub fn index_terms(text: &str) -> IndexTerms {
    let mut seen = std::collections::HashSet::new();
    let mut terms = IndexTerms::default();
    for segment in crate::pii::segments(text) {
        match segment {
            crate::pii::Segment::Plain(plain) => {
                for word in search_tokens(plain) {
                    if terms.words.len() + terms.personal.len() >= MAX_SEARCH_TOKENS {
                        return terms;
                    }
                    let digits = word.chars().filter(char::is_ascii_digit).count();
                    let (term, personal) = if digits >= 9 && digits == word.chars().count() {
                        (personal_term(&word), true)
                    } else {
                        (word, false)
                    };
                    if !seen.insert(term.clone()) {
                        continue;
                    }
                    if personal {
                        terms.personal.push(term);
                    } else {
                        terms.words.push(term);
                    }
                }
            }
            crate::pii::Segment::Personal(item) => {
                let term = personal_term(item);
                if seen.insert(term.clone()) {
                    terms.personal.push(term);
                }
            }
        }
    }
    terms
}

/// A personal item as the index keeps it: a phone number in E.164 (`0912 345 678` and
/// `+84 912 345 678` are one), an e-mail address folded, any other number its digits, in
/// ASCII where compatibility normalisation gives them (full-width `０９１２…` too).
pub fn personal_term(item: &str) -> String {
    let item: String = item.trim().nfkc().collect();
    if item.contains('@') {
        return fold(&item);
    }
    match Phone::parse(&item) {
        Some(phone) => phone.e164().to_owned(),
        None => item.chars().filter(|c| c.is_numeric()).collect(),
    }
}

/// A piece of a search snippet: text, and whether it is one of the words searched for.
pub type SnippetPiece = (String, bool);

/// A passage of `text` of about `width` characters around the first of `words` (folded, as
/// `search_tokens` gives them) it holds, cut at word boundaries, with every one of the words in
/// it marked: the reader sees why the report matched. Empty when none of the words is there.
pub fn snippet(text: &str, words: &[String], width: usize) -> Vec<SnippetPiece> {
    // Runs of letters and digits (words) and of everything else, in order.
    let mut runs: Vec<(String, bool)> = Vec::new();
    for c in text.chars() {
        let wordy = c.is_alphanumeric();
        match runs.last_mut() {
            Some((run, kind)) if *kind == wordy => run.push(c),
            _ => runs.push((c.to_string(), wordy)),
        }
    }
    let marked: Vec<SnippetPiece> = runs
        .into_iter()
        .map(|(run, wordy)| {
            let hit = wordy && words.iter().any(|w| *w == fold(&run));
            (run, hit)
        })
        .collect();
    let Some(first) = marked.iter().position(|(_, hit)| *hit) else {
        return Vec::new();
    };
    // About a third of the room before the first match, the rest after it.
    let mut start = first;
    let mut before = 0;
    while start > 0 {
        let len = marked
            .get(start - 1)
            .map_or(0, |(piece, _)| piece.chars().count());
        if before + len > width / 3 {
            break;
        }
        before += len;
        start -= 1;
    }
    let mut end = start;
    let mut taken = 0;
    while let Some((piece, _)) = marked.get(end) {
        let len = piece.chars().count();
        if taken + len > width && end > first {
            break;
        }
        taken += len;
        end += 1;
    }
    let mut pieces: Vec<SnippetPiece> = Vec::new();
    if start > 0 {
        pieces.push(("…".to_owned(), false));
    }
    for (piece, hit) in marked.iter().take(end).skip(start) {
        let piece = clean_line_keeping_ends(piece);
        match pieces.last_mut() {
            Some((text, false)) if !hit => text.push_str(&piece),
            _ => pieces.push((piece, *hit)),
        }
    }
    if end < marked.len() {
        match pieces.last_mut() {
            Some((text, false)) => text.push('…'),
            _ => pieces.push(("…".to_owned(), false)),
        }
    }
    pieces
}

/// White space collapsed to single spaces, keeping a leading or trailing one.
fn clean_line_keeping_ends(piece: &str) -> String {
    if piece.chars().all(char::is_whitespace) && !piece.is_empty() {
        " ".to_owned()
    } else if piece.chars().any(char::is_whitespace) {
        let mut out = String::new();
        let mut last_space = false;
        for c in piece.chars() {
            if c.is_whitespace() {
                if !last_space {
                    out.push(' ');
                }
                last_space = true;
            } else {
                out.push(c);
                last_space = false;
            }
        }
        out
    } else {
        piece.to_owned()
    }
}

/// A phone number in E.164 form (`+84912345678`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl std::fmt::Debug for Phone {
    // Phone numbers identify reporters; `Debug` must not print one.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Phone(…)")
    }
}

impl Phone {
    /// Parses the ways Vietnamese numbers are written (`0358.131.313`, `+84 973 288 038`,
    /// `84912345678`, `(024) 3826 9999`), taking Vietnam as the default region.
    pub fn parse(input: &str) -> Option<Self> {
        // Only the characters people write numbers with; "số 0912…" or "0912 (Lan)" is not a
        // phone number but a note, and guessing at it could reach the wrong person.
        if !input
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '.' | '-' | '(' | ')' | ' '))
        {
            return None;
        }
        let compact: String = input
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        if compact.len() < 3 || compact.len() > 16 || compact.rfind('+').is_some_and(|i| i > 0) {
            return None;
        }
        // `84912345678` without the plus is an international number written by habit.
        let candidate =
            if !compact.starts_with('+') && compact.starts_with("84") && compact.len() >= 11 {
                format!("+{compact}")
            } else {
                compact
            };
        let parsed = phonenumber::parse(Some(phonenumber::country::Id::VN), &candidate).ok()?;
        if !phonenumber::is_valid(&parsed) {
            return None;
        }
        Some(Self(
            parsed.format().mode(phonenumber::Mode::E164).to_string(),
        ))
    }

    pub fn e164(&self) -> &str {
        &self.0
    }

    /// Rebuilds a value read back from storage, which only ever holds what `parse` produced.
    pub fn from_e164(e164: String) -> Self {
        Self(e164)
    }

    /// The way a Vietnamese reader expects to see it: `0912 345 678` for mobiles, `024 3826
    /// 9999` for Hà Nội's and Hồ Chí Minh City's lines, `0203 3825 000` for other provinces'.
    pub fn national(&self) -> String {
        match self.0.strip_prefix("+84") {
            Some(rest) => {
                let digits = format!("0{rest}");
                let landline = digits.len() == 11 && digits.starts_with("02");
                let groups: &[usize] =
                    if landline && (digits.starts_with("024") || digits.starts_with("028")) {
                        &[3, 4]
                    } else if landline {
                        &[4, 4]
                    } else {
                        &[4, 3]
                    };
                let mut parts = Vec::new();
                let mut rest = digits.as_str();
                for width in groups {
                    let (head, tail) = rest.split_at(rest.len().min(*width));
                    parts.push(head);
                    rest = tail;
                }
                parts.push(rest);
                parts
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            None => self.0.clone(),
        }
    }
}

/// `text` with its first letter in capitals, to open a sentence.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_by_table_gives_what_decomposing_gives() {
        for (first, last) in FOLD_TABLE_RANGES {
            for c in first..=last {
                let alone = c.to_string();
                assert_eq!(
                    fold(&alone),
                    fold_by_decomposing(&alone),
                    "{c:?} U+{:04X}",
                    c as u32
                );
                let in_words = format!("  Xã {c}{c} Đà\u{A0}Nẵng\t{c}  ");
                assert_eq!(
                    fold(&in_words),
                    fold_by_decomposing(&in_words),
                    "{in_words:?}"
                );
            }
        }
        for text in crate::phrases::test_texts() {
            assert_eq!(fold(&text), fold_by_decomposing(&text), "{text:?}");
            let decomposed: String = text.nfd().collect();
            assert_eq!(
                fold(&decomposed),
                fold_by_decomposing(&decomposed),
                "{text:?}"
            );
        }
        // Outside the table the general rule applies: Greek's final sigma.
        assert_eq!(fold("ΟΔΟΣ Cầu"), "οδος cau");
    }

    #[test]
    fn personal_items_are_indexed_whole_and_apart_from_the_words() {
        let terms = index_terms(
            "Gọi 0912 345 678 hoặc +84.912.345.678, thư Lan.Nguyen@Example.VN, CCCD 001234567890",
        );
        assert_eq!(terms.words, ["goi", "hoac", "thu", "cccd"]);
        assert_eq!(
            terms.personal,
            ["+84912345678", "lan.nguyen@example.vn", "001234567890"]
        );
        assert!(
            !terms
                .words
                .iter()
                .any(|w| w.chars().any(|c| c.is_ascii_digit())),
            "no piece of a number is a word"
        );
        // A mark inside a number, which folding drops, does not make it a word.
        let marked = index_terms("số 0912\u{0301}345678");
        assert_eq!(marked.words, ["so"]);
        assert_eq!(marked.personal, ["+84912345678"]);
        // Nor do other digits make every number one.
        assert_eq!(personal_term("０９１２ ３４５ ６７８"), "+84912345678");
        assert_eq!(personal_term("١٢٣٤٥٦٧٨٩"), "١٢٣٤٥٦٧٨٩");
        assert_ne!(personal_term("１２３４５６７８９０１２"), "");
        assert_eq!(personal_term("0912-345-678"), "+84912345678");
        assert_eq!(personal_term("1234 5678 9012"), "123456789012");
        // A case number stays a word: it is ours to show.
        assert_eq!(index_terms("QN-2026-000123").personal, Vec::<String>::new());
    }

    #[test]
    fn search_tokens_ignore_case_diacritics_and_punctuation() {
        assert_eq!(
            search_tokens("Trộm xe ở Buôn Ma Thuột, TRỘM xe máy! a"),
            ["trom", "xe", "buon", "ma", "thuot", "may"]
        );
        assert_eq!(
            search_tokens("buon ma thuot"),
            search_tokens("Buôn Ma Thuột")
        );
        assert_eq!(search_tokens("Đắk Lắk"), ["dak", "lak"]);
        assert!(search_tokens(" - , ").is_empty());
    }

    #[test]
    fn clean_normalises_to_nfc_and_drops_controls() {
        let decomposed = "Co\u{302}\u{301}ng an\u{0007}\r\n";
        assert_eq!(clean(decomposed), "Cống an");
        assert_eq!(clean_line("  Nguyễn \n  Văn\tA "), "Nguyễn Văn A");
    }

    #[test]
    fn fold_removes_tones_marks_and_d_stroke() {
        assert_eq!(fold("Công an"), "cong an");
        assert_eq!(fold("ĐƯỜNG DÂY NÓNG"), "duong day nong");
        assert_eq!(fold("Phường  Buôn Ma Thuột"), "phuong buon ma thuot");
        assert_eq!(fold("Hòa Bình"), fold("Hoà Bình"));
        assert_eq!(fold("Co\u{302}\u{301}ng"), "cong");
    }

    #[test]
    fn phone_numbers_parse_to_e164() {
        for (input, e164) in [
            ("0358.131.313", "+84358131313"),
            ("096.229.7777", "+84962297777"),
            ("0988.61.6767", "+84988616767"),
            ("+84 973 288 038", "+84973288038"),
            ("84912345678", "+84912345678"),
            ("0912 345 678", "+84912345678"),
        ] {
            assert_eq!(
                Phone::parse(input).map(|p| p.0),
                Some(e164.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn bad_phone_numbers_are_refused() {
        for input in [
            "",
            "abc",
            "12",
            "+84+912345678",
            "0912",
            "09123456789012345678",
            "số 0912345678",
            "0912345678 (Lan)",
        ] {
            assert_eq!(Phone::parse(input), None, "{input}");
        }
    }

    #[test]
    fn national_form_groups_digits() {
        let phone = Phone::parse("+84912345678").unwrap();
        assert_eq!(phone.national(), "0912 345 678");
    }

    #[test]
    fn a_snippet_marks_the_words_found_with_or_without_diacritics() {
        let text = "Tối qua có nhóm thanh niên tụ tập đua xe trên đường Trần Phú, \
                    gây ồn ào đến 2 giờ sáng. Công an phường chưa đến.";
        let words = search_tokens("cong an duong");
        let pieces = snippet(text, &words, 80);
        let marked: Vec<&str> = pieces
            .iter()
            .filter(|(_, hit)| *hit)
            .map(|(piece, _)| piece.as_str())
            .collect();
        assert!(marked.contains(&"đường"), "{pieces:?}");
        let whole: String = pieces.iter().map(|(p, _)| p.as_str()).collect();
        assert!(whole.chars().count() <= 90, "{whole}");
        assert!(
            whole.starts_with('…') || whole.starts_with("Tối"),
            "{whole}"
        );
        assert!(
            text.contains(whole.trim_matches('…').trim()),
            "cut at words: {whole}"
        );
        assert!(snippet(text, &search_tokens("ma tuy"), 80).is_empty());
        assert!(
            snippet("duong", &search_tokens("duong"), 80) == vec![("duong".to_owned(), true)],
            "a word alone"
        );
    }
}
