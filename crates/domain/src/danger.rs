//! Words in a report that suggest a life in danger now, in Vietnamese with or without
//! diacritics. A hint, not a judgement: the receipt then leads with the emergency numbers and the
//! report is flagged for the duty officer; triage (issue 7) refines it.

use crate::phrases::{PhraseId, PhraseSet, PhraseSetBuilder, padded_words};
use aho_corasick::AhoCorasick;
use std::sync::LazyLock;
use unicode_normalization::{IsNormalized, is_nfc_quick};

/// What the text suggests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Danger {
    /// Violence or a threat to life now: call 113.
    pub life: bool,
    /// Fire or explosion: call 114.
    pub fire: bool,
    /// Someone hurt or unconscious: call 115.
    pub medical: bool,
}

impl Danger {
    pub fn any(self) -> bool {
        self.life || self.fire || self.medical
    }
}

/// Folded phrases, matched as whole words. "cháy" alone is not here: folded it is also
/// "chạy" (to run).
const LIFE: &[&str] = &[
    "cuu voi",
    "cuu toi",
    "cuu em",
    "cuu con",
    "cuu me",
    "cuu bo",
    "cuu nguoi",
    "dang danh",
    "danh nhau",
    "danh chet",
    "dam chet",
    "dam nguoi",
    "bi dam",
    "giet",
    "co sung",
    "cam sung",
    "no sung",
    "ban nhau",
    "cam dao",
    "chem",
    "bat coc",
    "hiep dam",
    "de doa giet",
    "tu tu",
    "nhay cau",
    "dang cuop",
    "cuop giat",
    "dang bi bat",
    "bao hanh",
];
const FIRE: &[&str] = &[
    "chay nha",
    "dam chay",
    "boc chay",
    "hoa hoan",
    "no binh gas",
    "chay no",
    "phat no",
    "chay lon",
    "khoi bao trum",
    "chay rung",
];
/// Fire said with its diacritics: folded, "cháy" (burning) is "chạy" (running) and "lửa"
/// (fire) is "lừa" (a scam), so these count only as written.
const FIRE_WRITTEN: &[&str] = &[
    "đang cháy",
    "bị cháy",
    "cháy to",
    "lửa đang",
    "lửa lan",
    "lửa bốc",
];
const MEDICAL: &[&str] = &[
    "bat tinh",
    "ngat xiu",
    "chay mau",
    "mat nhieu mau",
    "dot quy",
    "bi thuong nang",
    "co nguoi chet",
    "nguoi chet",
    "tai nan",
];

/// The phrases of each signal, compiled once.
struct Compiled {
    phrases: PhraseSet,
    life: Vec<PhraseId>,
    fire: Vec<PhraseId>,
    medical: Vec<PhraseId>,
    /// Substrings of the lower-cased text, not whole words: "lửa bốc" in "lửa bốc lên".
    fire_written: Option<AhoCorasick>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let mut builder = PhraseSetBuilder::default();
    let mut ids = |phrases: &[&str]| phrases.iter().map(|p| builder.add(p)).collect();
    let (life, fire, medical) = (ids(LIFE), ids(FIRE), ids(MEDICAL));
    Compiled {
        phrases: builder.build(),
        life,
        fire,
        medical,
        fire_written: AhoCorasick::new(FIRE_WRITTEN).ok(),
    }
});

/// `text` cleaned as intake cleans it and in lower case; a text already clean (as every
/// report's is) is not normalised again.
fn lower_case_clean(text: &str) -> String {
    let already_clean = is_nfc_quick(text.chars()) == IsNormalized::Yes
        && !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t');
    if already_clean {
        text.to_lowercase()
    } else {
        crate::text::clean(text).to_lowercase()
    }
}

/// The danger `text` suggests.
pub fn signals(text: &str) -> Danger {
    signals_in(text, &padded_words(text))
}

/// The danger `text` suggests, its words already padded by [`padded_words`].
pub fn signals_in(text: &str, padded: &str) -> Danger {
    let compiled = &*COMPILED;
    let found = compiled.phrases.find(padded);
    let has = |ids: &[PhraseId]| ids.iter().any(|id| found.holds(*id));
    Danger {
        life: has(&compiled.life),
        fire: has(&compiled.fire)
            || compiled
                .fire_written
                .as_ref()
                .is_some_and(|written| written.is_match(&lower_case_clean(text))),
        medical: has(&compiled.medical),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signals as they were read before the phrases were compiled.
    fn signals_by_scanning(text: &str) -> Danger {
        let padded = crate::phrases::padded_by_joining(text);
        let has = |phrases: &[&str]| phrases.iter().any(|p| padded.contains(&format!(" {p} ")));
        Danger {
            life: has(LIFE),
            fire: has(FIRE) || {
                let lower = crate::text::clean(text).to_lowercase();
                FIRE_WRITTEN.iter().any(|p| lower.contains(p))
            },
            medical: has(MEDICAL),
        }
    }

    #[test]
    fn compiled_phrases_find_what_scanning_found() {
        let mut signalled = 0;
        for text in crate::phrases::test_texts() {
            let compiled = signals(&text);
            assert_eq!(compiled, signals_by_scanning(&text), "{text:?}");
            signalled += usize::from(compiled.any());
        }
        assert!(signalled > 50, "danger is found: {signalled}");
    }

    #[test]
    fn danger_is_read_with_or_without_diacritics() {
        assert!(signals("Cứu với! Có người đang đánh nhau ở chợ").life);
        assert!(signals("cuu voi co nguoi cam dao").life);
        assert!(signals("Có SÚNG ở quán karaoke").life);
        assert!(signals("Đám cháy lớn ở kho hàng").fire);
        assert!(signals("nguoi bi tai nan, chay mau nhieu").medical);
        let calm = signals("Hàng xóm hát karaoke to sau 23 giờ, đã chạy ra nhắc nhở");
        assert!(!calm.any(), "running (chạy) is not a fire");
        assert!(!signals("Vỉa hè bị lấn chiếm").any());
        assert!(!signals("giettt").any(), "whole words only");
        assert!(signals("Nhà bên ĐANG CHÁY").fire, "capitals, as written");
        let decomposed: String =
            unicode_normalization::UnicodeNormalization::nfd("lửa đang lan").collect();
        assert!(signals(&decomposed).fire, "marks typed apart");
        assert!(
            signals("lửa\u{7} đang lan").fire,
            "a control character dropped"
        );
    }
}
