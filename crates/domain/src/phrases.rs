//! Whole-word phrase matching in one pass. Triage reads hundreds of phrases and every commune's
//! name in each report; testing them one by one against the text costs milliseconds a report.
//! Here the phrases are compiled once into one Aho–Corasick automaton over word-padded text
//! (`" ha long "`), and a text is read once to learn which of them it holds.

use crate::text::fold;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::HashMap;

/// The text's folded words between single spaces, padded with one at each end, so that a
/// phrase is found as whole words by looking for `" {phrase} "`.
pub fn padded_words(text: &str) -> String {
    let folded = fold(text);
    let mut padded = Padded::with_capacity(folded.len());
    for word in folded.split(|c: char| !c.is_alphanumeric()) {
        padded.push(word);
    }
    padded.finish()
}

/// Words joined by single spaces with one at each end, as they are pushed.
pub struct Padded(String);

impl Padded {
    pub fn with_capacity(bytes: usize) -> Self {
        let mut padded = String::with_capacity(bytes + 2);
        padded.push(' ');
        Self(padded)
    }

    /// Adds `word`; an empty one adds nothing.
    pub fn push(&mut self, word: &str) {
        if !word.is_empty() {
            self.0.push_str(word);
            self.0.push(' ');
        }
    }

    /// The words padded; two spaces when there were none, as joining nothing gives.
    pub fn finish(mut self) -> String {
        if self.0.len() == 1 {
            self.0.push(' ');
        }
        self.0
    }
}

/// The padded words as they were made before: folded, split, joined. The reference the
/// compiled matchers' tests compare with.
#[cfg(test)]
pub(crate) fn padded_by_joining(text: &str) -> String {
    let words: Vec<String> = fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    format!(" {} ", words.join(" "))
}

/// A phrase's place in a [`PhraseSet`]: the same phrase added twice has one id.
pub type PhraseId = usize;

/// Phrases collected before compiling: each distinct phrase gets one id.
#[derive(Debug, Default)]
pub struct PhraseSetBuilder {
    ids: HashMap<String, PhraseId>,
    patterns: Vec<String>,
}

impl PhraseSetBuilder {
    /// The id of `phrase` (folded words between single spaces), added if new.
    pub fn add(&mut self, phrase: &str) -> PhraseId {
        let pattern = format!(" {phrase} ");
        if let Some(id) = self.ids.get(&pattern) {
            return *id;
        }
        let id = self.patterns.len();
        self.ids.insert(pattern.clone(), id);
        self.patterns.push(pattern);
        id
    }

    pub fn build(self) -> PhraseSet {
        // Overlapping search needs the standard match semantics; the automaton is a
        // contiguous NFA or a DFA as its size allows (the builder's choice). Building from
        // plain strings cannot fail short of exceeding the automaton's size limits, which
        // these few thousand short phrases are far from; should it ever, nothing matches and
        // the hints fall back to their defaults rather than failing intake.
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&self.patterns)
            .ok();
        PhraseSet { automaton }
    }
}

/// Compiled phrases: which of them a padded text holds, found in one pass.
#[derive(Debug, Clone)]
pub struct PhraseSet {
    automaton: Option<AhoCorasick>,
}

/// The phrases one text holds, by id.
#[derive(Debug, Clone)]
pub struct Found {
    /// Sorted, each once: a text holds a handful of the thousands of phrases.
    held: Vec<PhraseId>,
}

impl Found {
    pub fn holds(&self, id: PhraseId) -> bool {
        self.held.binary_search(&id).is_ok()
    }

    /// The ids held, in increasing order.
    pub fn ids(&self) -> impl Iterator<Item = PhraseId> + '_ {
        self.held.iter().copied()
    }
}

impl PhraseSet {
    /// Which phrases `padded` (as [`padded_words`] makes it) holds as whole words.
    pub fn find(&self, padded: &str) -> Found {
        let mut held = Vec::new();
        if let Some(automaton) = &self.automaton {
            // Overlapping: " ha noi " and " noi bai " share the space between them.
            held.extend(
                automaton
                    .find_overlapping_iter(padded)
                    .map(|found| found.pattern().as_usize()),
            );
        }
        held.sort_unstable();
        held.dedup();
        Found { held }
    }
}

#[cfg(test)]
pub(crate) fn test_texts() -> Vec<String> {
    let sets = [
        include_str!("../tests/data/triage_eval.jsonl"),
        include_str!("../tests/data/triage_heldout.jsonl"),
    ];
    let mut texts: Vec<String> = sets
        .iter()
        .flat_map(|set| set.lines())
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|item| item.get("text")?.as_str().map(str::to_owned))
        .collect();
    assert!(texts.len() > 500, "both sets are read");
    texts.extend(
        [
            "",
            "   ",
            "?",
            // Names that are prefixes of others, and names inside names.
            "Ở xã Tân An có trộm",
            "Ở xã Tân An Hội có trộm",
            "phuong ha long tinh quang ninh",
            "ha long quang ninh phuong ha long",
            "Thành phố Hồ Chí Minh, phường Sài Gòn",
            "Bà Rịa - Vũng Tàu, Vũng Tàu, bà rịa vũng tàu",
            // With and without diacritics, and merged provinces' former names.
            "Ở Hòa Bình có đánh bạc, Vĩnh Phúc cũng vậy",
            "o hoa binh co danh bac",
            "Kiên Giang, Phú Quốc, xã Thổ Châu",
            "đặc khu Phú Quốc, An Giang",
            "TP. HCM, tphcm, tp hcm",
            "Hà Nội, Nội Bài, Hà Nội Hà Nội",
            "Tôi ở Hạ Long, quê Lào Cai, làm ở Hà Tĩnh",
            // Chat spellings, capitals and marks.
            "CA xa o dau, ko ai den, a/c cuu voi!!! sdt 0912345678",
            "Ca trực đêm nay ai? ca sĩ hát karaoke to",
            "CỨU VỚI, ĐANG CHÁY NHÀ, CÒN NGƯỜI GIÀ TRONG NHÀ",
            "lửa bốc cao, lửa đang lan sang nhà dân",
            "giettt nguoi, giet-nguoi, giết người",
            "p. Hạ Long, x. Vân Đồn, tt Cái Rồng, thị trấn Trới",
        ]
        .map(str::to_owned),
    );
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_match_as_whole_words_even_when_they_share_a_space() {
        let mut builder = PhraseSetBuilder::default();
        let ha_noi = builder.add("ha noi");
        let noi_bai = builder.add("noi bai");
        let noi = builder.add("noi");
        let giet = builder.add("giet");
        assert_eq!(builder.add("ha noi"), ha_noi, "one id per phrase");
        let set = builder.build();
        let found = set.find(&padded_words("Sân bay Nội Bài, Hà Nội bài"));
        assert!(found.holds(noi_bai));
        assert!(found.holds(ha_noi));
        assert!(found.holds(noi));
        assert!(!found.holds(giet));
        assert!(!set.find(&padded_words("giettt")).holds(giet));
        assert_eq!(
            found.ids().collect::<Vec<_>>(),
            vec![ha_noi, noi_bai, noi],
            "ids in order"
        );
    }

    #[test]
    fn words_are_folded_and_padded() {
        assert_eq!(padded_words("Cứu  với!! Đà-Nẵng"), " cuu voi da nang ");
        assert_eq!(padded_words("  "), "  ");
        for text in test_texts() {
            assert_eq!(padded_words(&text), padded_by_joining(&text), "{text:?}");
        }
    }
}
