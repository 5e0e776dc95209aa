//! Words in a report that suggest a life in danger now, in Vietnamese with or without
//! diacritics. A hint, not a judgement: the receipt then leads with the emergency numbers and the
//! report is flagged for the duty officer; triage (issue 7) refines it.

use crate::text::fold;

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

/// The danger `text` suggests.
pub fn signals(text: &str) -> Danger {
    let words: Vec<String> = fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let padded = format!(" {} ", words.join(" "));
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

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
