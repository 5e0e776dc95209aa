//! Evidence files from citizens: the type decided by content (magic bytes), never by the
//! name; photos stripped of the metadata that identifies people and places (EXIF with GPS
//! position and camera serial, XMP, IPTC, comments) without touching the image data.

use hotline_domain::DomainError;
use img_parts::jpeg::{Jpeg, markers};
use img_parts::png::Png;
use img_parts::webp::WebP;
use img_parts::{Bytes, ImageEXIF};
use sha2::{Digest, Sha256};

/// How much evidence one submission may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvidenceLimits {
    pub max_files: usize,
    pub max_file_bytes: usize,
    pub max_total_bytes: usize,
}

impl Default for EvidenceLimits {
    /// Phone videos of a minute or two fit; a family's several photos fit.
    fn default() -> Self {
        Self {
            max_files: 10,
            max_file_bytes: 25 * 1024 * 1024,
            max_total_bytes: 60 * 1024 * 1024,
        }
    }
}

/// A file as it will be kept.
#[derive(Clone)]
pub struct Evidence {
    pub content_type: &'static str,
    /// The extension officers' downloads get (`jpg`, `mp4`); the citizen's file name is not
    /// kept: it can name them.
    pub extension: &'static str,
    /// The bytes to store: without identifying metadata where `metadata_removed`.
    pub bytes: Vec<u8>,
    /// SHA-256 of the file as received, for the record of evidence integrity.
    pub original_sha256: String,
    pub metadata_removed: bool,
}

impl std::fmt::Debug for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evidence")
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .field("metadata_removed", &self.metadata_removed)
            .finish_non_exhaustive()
    }
}

/// The types accepted, by the MIME type their content shows: photos, video, audio, PDF.
const ACCEPTED: &[(&str, &str)] = &[
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/webp", "webp"),
    ("image/heif", "heic"),
    ("video/mp4", "mp4"),
    ("video/quicktime", "mov"),
    ("video/3gpp", "3gp"),
    ("audio/mpeg", "mp3"),
    ("audio/m4a", "m4a"),
    ("audio/x-m4a", "m4a"),
    ("audio/ogg", "ogg"),
    ("audio/x-wav", "wav"),
    ("audio/aac", "aac"),
    ("audio/amr", "amr"),
    ("application/pdf", "pdf"),
];

/// Decides what `bytes` are and prepares them for keeping. Anything not in the list, or a
/// photo too damaged to strip, is refused (`files`/`type_not_allowed`).
pub fn inspect(bytes: Vec<u8>) -> Result<Evidence, DomainError> {
    let refused = || DomainError::field("files", "type_not_allowed");
    let mime = infer::get(&bytes)
        .map(|t| t.mime_type())
        .ok_or_else(refused)?;
    let (content_type, extension) = ACCEPTED
        .iter()
        .find(|(accepted, _)| *accepted == mime)
        .copied()
        .ok_or_else(refused)?;
    let original_sha256 = hex::encode(Sha256::digest(&bytes));
    let stripped = match content_type {
        "image/jpeg" => Some(strip_jpeg(&bytes).ok_or_else(refused)?),
        "image/png" => Some(strip_png(&bytes).ok_or_else(refused)?),
        "image/webp" => Some(strip_webp(&bytes).ok_or_else(refused)?),
        _ => None,
    };
    let metadata_removed = stripped.is_some();
    Ok(Evidence {
        content_type,
        extension,
        bytes: stripped.unwrap_or(bytes),
        original_sha256,
        metadata_removed,
    })
}

/// Drops EXIF and XMP (APP1), IPTC (APP13), the other application segments that cameras fill
/// with maker notes, and comments. Keeps JFIF (APP0), the colour profile (APP2) and Adobe's
/// colour transform (APP14), which decoding needs.
fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(bytes)).ok()?;
    jpeg.segments_mut().retain(|segment| {
        let marker = segment.marker();
        let application = (markers::APP1..=markers::APP15).contains(&marker);
        let kept = matches!(marker, markers::APP2 | markers::APP14);
        marker != markers::COM && (!application || kept)
    });
    Some(jpeg.encoder().bytes().to_vec())
}

/// Drops EXIF, text chunks (author, comments, software) and the modification time.
fn strip_png(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut png = Png::from_bytes(Bytes::copy_from_slice(bytes)).ok()?;
    png.chunks_mut().retain(|chunk| {
        !matches!(
            &chunk.kind(),
            b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME"
        )
    });
    Some(png.encoder().bytes().to_vec())
}

/// Drops EXIF and XMP.
fn strip_webp(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut webp = WebP::from_bytes(Bytes::copy_from_slice(bytes)).ok()?;
    webp.set_exif(None);
    webp.chunks_mut().retain(|chunk| chunk.id() != *b"XMP ");
    Some(webp.encoder().bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use img_parts::jpeg::JpegSegment;

    /// A 1×1 baseline JPEG without metadata.
    fn tiny_jpeg() -> Vec<u8> {
        include_bytes!("../../../fixtures/evidence/one-pixel.jpg").to_vec()
    }

    #[test]
    fn gps_exif_leaves_a_jpeg_and_its_image_data_stays() {
        let mut with_exif = Jpeg::from_bytes(Bytes::from(tiny_jpeg())).unwrap();
        with_exif.set_exif(Some(Bytes::from_static(
            b"MM\x00\x2aGPSLatitude 21.0285 Nokia serial 1234",
        )));
        with_exif.segments_mut().insert(
            1,
            JpegSegment::new_with_contents(
                markers::COM,
                Bytes::from_static(b"Owner: Nguyen Van A"),
            ),
        );
        let upload = with_exif.encoder().bytes().to_vec();
        let kept = inspect(upload.clone()).unwrap();
        assert_eq!(kept.content_type, "image/jpeg");
        assert!(kept.metadata_removed);
        assert_eq!(kept.original_sha256, hex::encode(Sha256::digest(&upload)));
        let text = String::from_utf8_lossy(&kept.bytes);
        assert!(!text.contains("GPS") && !text.contains("Nokia") && !text.contains("Nguyen"));
        let stored = Jpeg::from_bytes(Bytes::from(kept.bytes)).unwrap();
        assert!(stored.exif().is_none());
        let scan = |j: &Jpeg| {
            j.segments()
                .iter()
                .find(|s| s.marker() == markers::SOS)
                .map(|s| s.contents().clone())
        };
        assert_eq!(
            scan(&stored),
            scan(&Jpeg::from_bytes(Bytes::from(tiny_jpeg())).unwrap())
        );
    }

    #[test]
    fn the_type_comes_from_the_content() {
        let executable = b"\x7fELF\x02\x01\x01\x00".repeat(16);
        assert!(
            inspect(executable).is_err(),
            "an ELF named .jpg is still an ELF"
        );
        assert!(inspect(b"MZ\x90\x00 not a photo".to_vec()).is_err());
        assert!(inspect(b"just text".to_vec()).is_err());
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF".to_vec();
        let kept = inspect(pdf.clone()).unwrap();
        assert_eq!(
            (kept.content_type, kept.metadata_removed),
            ("application/pdf", false)
        );
        assert_eq!(kept.bytes, pdf, "other types are kept as received");
    }
}
