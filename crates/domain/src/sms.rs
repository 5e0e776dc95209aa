//! What a text message costs: GSM 03.38's 7-bit alphabet fits 160 characters in one message
//! (153 a part when split), anything else goes as UCS-2, 70 (67 a part). Vietnamese with its
//! diacritics is UCS-2; the same words without them usually fit GSM-7 and need fewer parts.

pub use crate::text::unaccented;

/// GSM 03.38's basic alphabet (one septet each).
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Its extension table (an escape and a septet each).
const GSM_EXTENDED: &str = "^{}\\[~]|€\x0c";

/// How a text goes out as SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    /// Sent as UCS-2 (some character is outside GSM-7).
    pub unicode: bool,
    /// Messages it takes.
    pub count: u32,
}

/// How many messages `text` takes, and in which encoding.
pub fn segments(text: &str) -> Segments {
    let septets: Option<u32> = text
        .chars()
        .map(|c| {
            if GSM_BASIC.contains(c) {
                Some(1)
            } else if GSM_EXTENDED.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .sum();
    let (units, single, part, unicode) = match septets {
        Some(septets) => (septets, 160, 153, false),
        None => (
            u32::try_from(text.encode_utf16().count()).unwrap_or(u32::MAX),
            70,
            67,
            true,
        ),
    };
    let count = if units <= single {
        1
    } else {
        units.div_ceil(part)
    };
    Segments { unicode, count }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_is_unicode_and_its_unaccented_form_fits_more() {
        let text = "Công an tỉnh đã tiếp nhận tin báo của bạn. Mã tin báo: QN-2026-000123. Cảm ơn.";
        let accented = segments(text);
        assert!(accented.unicode);
        assert_eq!(
            accented.count,
            2,
            "{} UTF-16 units",
            text.encode_utf16().count()
        );
        let plain = unaccented(text);
        assert_eq!(
            plain,
            "Cong an tinh da tiep nhan tin bao cua ban. Ma tin bao: QN-2026-000123. Cam on."
        );
        assert_eq!(
            segments(&plain),
            Segments {
                unicode: false,
                count: 1
            }
        );
    }

    #[test]
    fn parts_are_counted_at_the_split_sizes() {
        assert_eq!(segments(&"a".repeat(160)).count, 1);
        assert_eq!(segments(&"a".repeat(161)).count, 2);
        assert_eq!(segments(&"a".repeat(306)).count, 2);
        assert_eq!(segments(&"a".repeat(307)).count, 3);
        assert_eq!(segments(&"ạ".repeat(70)).count, 1);
        assert_eq!(segments(&"ạ".repeat(71)).count, 2);
        assert_eq!(segments(&"ạ".repeat(134)).count, 2);
        assert_eq!(segments(&"ạ".repeat(135)).count, 3);
        // An extension character takes two septets.
        assert_eq!(segments(&format!("{}€", "a".repeat(158))).count, 1);
        assert_eq!(segments(&format!("{}€", "a".repeat(159))).count, 2);
        assert_eq!(segments("").count, 1);
        assert_eq!(unaccented("ĐƯỜNG Đồng Khởi"), "DUONG Dong Khoi");
    }
}
