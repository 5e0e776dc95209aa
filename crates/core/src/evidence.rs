//! Evidence files from citizens: the type decided by content (magic bytes), never by the
//! name; photos stripped of the metadata that identifies people and places (EXIF with GPS
//! position and camera serial, XMP, IPTC, comments) without touching the image data; videos
//! and recordings in MP4, QuickTime, 3GP and M4A stripped of their metadata boxes (location,
//! device, creation tool) without moving a byte of the media.

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

/// [`inspect`] on a blocking thread: stripping a large photo or video takes milliseconds that
/// must not stall the requests sharing the executor. A file whose inspection panicked is
/// refused like one that cannot be read.
pub async fn inspect_off_executor(bytes: Vec<u8>) -> Result<Evidence, DomainError> {
    tokio::task::spawn_blocking(move || inspect(bytes))
        .await
        .unwrap_or_else(|_| Err(DomainError::field("files", "type_not_allowed")))
}

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
    let (bytes, metadata_removed) = match content_type {
        "image/jpeg" => strip_jpeg(&bytes).ok_or_else(refused)?,
        "image/png" => (strip_png(&bytes).ok_or_else(refused)?, true),
        "image/webp" => (strip_webp(&bytes).ok_or_else(refused)?, true),
        "video/mp4" | "video/quicktime" | "video/3gpp" | "audio/m4a" | "audio/x-m4a" => {
            let mut bytes = bytes;
            let removed = strip_iso_media(&mut bytes).ok_or_else(refused)?;
            (bytes, removed)
        }
        _ => (bytes, false),
    };
    Ok(Evidence {
        content_type,
        extension,
        bytes,
        original_sha256,
        metadata_removed,
    })
}

/// Blanks the metadata of an ISO media file (MP4, QuickTime, 3GP, M4A) where it stands: user
/// data (`udta`: location `©xyz`/`loci`, make, model, software, iTunes tags), metadata boxes
/// (`meta`: Apple's keys with `com.apple.quicktime.location.ISO6709`, make, model), `uuid`
/// boxes (XMP, cameras' own), at the top level and in the movie and its tracks. Each becomes a
/// `free` box of the same size with zeroed contents, and the contents of existing `free`,
/// `skip` and `wide` boxes are zeroed too, so every chunk offset stays right and the media is
/// not touched. The recording times in the movie and track headers stay: they are evidence.
///
/// `None` when the boxes do not add up (a damaged or disguised file); `Some(false)` when a
/// timed metadata track (a GoPro's GPS samples, Apple's per-frame metadata) remains, whose
/// samples live among the media and are not removed.
fn strip_iso_media(bytes: &mut [u8]) -> Option<bool> {
    let len = bytes.len();
    blank_metadata_boxes(bytes, 0, len, 0)
}

/// Boxes that hold boxes and may hold metadata.
const MEDIA_CONTAINERS: &[&[u8; 4]] = &[b"moov", b"trak"];
/// Boxes that are metadata and nothing else.
const MEDIA_METADATA: &[&[u8; 4]] = &[b"udta", b"meta", b"uuid"];
/// Boxes that are padding: what is in them is leftover.
const MEDIA_PADDING: &[&[u8; 4]] = &[b"free", b"skip", b"wide"];
/// How deep containers go before the file is called malformed.
const MAX_BOX_DEPTH: usize = 8;

/// Walks the boxes in `bytes[start..end]`; `Some(complete)` as for `strip_iso_media`.
fn blank_metadata_boxes(bytes: &mut [u8], start: usize, end: usize, depth: usize) -> Option<bool> {
    if depth > MAX_BOX_DEPTH {
        return None;
    }
    let mut complete = true;
    let mut at = start;
    while at < end {
        let (size, header) = box_extent(bytes, at, end)?;
        let kind: [u8; 4] = bytes.get(at + 4..at + 8)?.try_into().ok()?;
        let body = at + header..at + size;
        if MEDIA_METADATA.contains(&&kind) {
            bytes.get_mut(at + 4..at + 8)?.copy_from_slice(b"free");
            bytes.get_mut(body)?.fill(0);
        } else if MEDIA_PADDING.contains(&&kind) {
            bytes.get_mut(body)?.fill(0);
        } else if MEDIA_CONTAINERS.contains(&&kind) {
            complete &= blank_metadata_boxes(bytes, body.start, body.end, depth + 1)?;
            if &kind == b"trak" && is_timed_metadata_track(bytes.get(body)?) {
                complete = false;
            }
        }
        at += size;
    }
    Some(complete)
}

/// The size of the box at `at` (header included) and of its header, checked to fit by `end`.
fn box_extent(bytes: &[u8], at: usize, end: usize) -> Option<(usize, usize)> {
    let word = |from: usize| -> Option<u32> {
        Some(u32::from_be_bytes(
            bytes.get(from..from + 4)?.try_into().ok()?,
        ))
    };
    if end.checked_sub(at)? < 8 {
        return None;
    }
    let (size, header) = match word(at)? {
        // The box runs to the end of the file.
        0 => (end - at, 8),
        // The size follows the type, in 64 bits.
        1 => {
            let size = (u64::from(word(at + 8)?) << 32) | u64::from(word(at + 12)?);
            (usize::try_from(size).ok()?, 16)
        }
        size => (usize::try_from(size).ok()?, 8),
    };
    (size >= header && size <= end - at).then_some((size, header))
}

/// The contents of the first child box of type `wanted` in `within`.
fn child_box<'a>(within: &'a [u8], wanted: &[u8; 4]) -> Option<&'a [u8]> {
    let mut at = 0;
    while at < within.len() {
        let (size, header) = box_extent(within, at, within.len())?;
        if within.get(at + 4..at + 8)? == wanted {
            return within.get(at + header..at + size);
        }
        at += size;
    }
    None
}

/// Whether a track (the contents of its `trak`) is timed metadata: handler `meta` in its
/// media's `hdlr` (after version, flags and a pre-defined word).
fn is_timed_metadata_track(trak: &[u8]) -> bool {
    child_box(trak, b"mdia")
        .and_then(|media| child_box(media, b"hdlr"))
        .and_then(|handler| handler.get(8..12))
        == Some(b"meta".as_slice())
}

/// Drops EXIF and XMP (APP1), IPTC (APP13), the other application segments that cameras fill
/// with maker notes, the multi-picture index (MPF, in APP2) and comments. Keeps JFIF (APP0),
/// the colour profile (APP2 `ICC_PROFILE`) and Adobe's colour transform (APP14), which
/// decoding needs. Cuts the file at the end of the primary image: a multi-picture JPEG's
/// further images, a motion photo's video and vendors' trailers each carry their own
/// position and serial, and only the first picture is shown. Segments between the scans of
/// a progressive image are dropped too when they are metadata.
///
/// `Some((bytes, true))`; `Some((bytes, false))` when the image's end could not be found,
/// so something after it may remain; `None` when it does not parse.
fn strip_jpeg(bytes: &[u8]) -> Option<(Vec<u8>, bool)> {
    let mut jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(bytes)).ok()?;
    jpeg.segments_mut().retain(|segment| {
        let marker = segment.marker();
        let application = (markers::APP0..=markers::APP15).contains(&marker);
        let needed = match marker {
            markers::APP0 => segment.contents().starts_with(b"JFIF\0"),
            markers::APP2 => segment.contents().starts_with(b"ICC_PROFILE\0"),
            markers::APP14 => segment.contents().starts_with(b"Adobe"),
            _ => false,
        };
        marker != markers::COM && (!application || needed)
    });
    let mut whole = true;
    for segment in jpeg.segments_mut() {
        if segment.marker() != markers::SOS {
            continue;
        }
        // The parser keeps all that follows the first scan header as its entropy.
        let encoded = segment.clone().encoder().bytes();
        let (entropy, ended) = primary_image_rest(encoded.get(segment.len()..).unwrap_or_default());
        whole = ended;
        *segment = img_parts::jpeg::JpegSegment::new_with_entropy(
            markers::SOS,
            segment.contents().clone(),
            Bytes::from(entropy),
        );
    }
    Some((jpeg.encoder().bytes().to_vec(), whole))
}

/// What follows a JPEG's first scan header that belongs to its primary image: the scans and
/// the tables between them up to its end-of-image marker, without application segments and
/// comments; and whether that marker was found.
fn primary_image_rest(rest: &[u8]) -> (Vec<u8>, bool) {
    let mut kept = Vec::with_capacity(rest.len());
    let mut copied_up_to = 0;
    let mut at = 0;
    while let (Some(&byte), Some(&marker)) = (rest.get(at), rest.get(at + 1)) {
        if byte != 0xFF {
            at += 1;
            continue;
        }
        match marker {
            // A stuffed 0xFF in the data, a restart marker, a fill byte.
            0x00 | 0xD0..=0xD7 => at += 2,
            0xFF => at += 1,
            markers::EOI => {
                kept.extend_from_slice(rest.get(copied_up_to..at + 2).unwrap_or_default());
                return (kept, true);
            }
            // A segment between scans whose length follows the marker: frame and table
            // segments, the next scan's header, application segments, comments.
            0xC0..=0xCF | 0xDA..=0xDF | 0xE0..=0xEF | markers::COM => {
                let (Some(&high), Some(&low)) = (rest.get(at + 2), rest.get(at + 3)) else {
                    break;
                };
                let end = at + 2 + usize::from(u16::from_be_bytes([high, low]));
                let metadata = (markers::APP0..=markers::APP15).contains(&marker)
                    || marker == markers::COM
                    || marker == 0xC8;
                if metadata {
                    kept.extend_from_slice(rest.get(copied_up_to..at).unwrap_or_default());
                    copied_up_to = end.min(rest.len());
                }
                at = end;
            }
            // Anything else (another image's start, a reserved marker) is not this image's:
            // it is cut there, and nothing promises what it held is gone.
            _ => {
                kept.extend_from_slice(rest.get(copied_up_to..at).unwrap_or_default());
                return (kept, false);
            }
        }
    }
    kept.extend_from_slice(rest.get(copied_up_to..).unwrap_or_default());
    (kept, false)
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

    /// A multi-picture JPEG (a phone's depth map or preview) whose second image carries the
    /// position, with a motion photo's video after it: only the first picture is kept.
    #[test]
    fn a_second_picture_and_a_motion_trailer_leave_with_their_metadata() {
        let mut first = Jpeg::from_bytes(Bytes::from(tiny_jpeg())).unwrap();
        first.segments_mut().insert(
            1,
            JpegSegment::new_with_contents(
                markers::APP2,
                Bytes::from_static(b"MPF\x00MM\x00\x2a index of 2 images"),
            ),
        );
        let mut second = Jpeg::from_bytes(Bytes::from(tiny_jpeg())).unwrap();
        second.set_exif(Some(Bytes::from_static(
            b"MM\x00\x2aGPSLatitude 21.0285 Serial DemoPhone-0042",
        )));
        let mut upload = first.encoder().bytes().to_vec();
        upload.extend_from_slice(&second.encoder().bytes());
        upload.extend_from_slice(b"\x00\x00\x00\x18ftypmp42 MotionPhoto loci 21.0285 Nguyen");
        let kept = inspect(upload).unwrap();
        assert!(kept.metadata_removed);
        let text = String::from_utf8_lossy(&kept.bytes);
        for identifying in ["21.0285", "DemoPhone", "Nguyen", "MPF", "ftyp", "Exif"] {
            assert!(!text.contains(identifying), "{identifying} is left");
        }
        let stripped = Jpeg::from_bytes(Bytes::from(tiny_jpeg())).unwrap();
        let stripped = strip_jpeg(&stripped.encoder().bytes()).unwrap().0;
        assert_eq!(kept.bytes, stripped, "the primary image, as it was");
        assert!(kept.bytes.ends_with(&[0xFF, markers::EOI]));
    }

    /// Metadata between the scans of a progressive image is dropped; tables and scans stay.
    #[test]
    fn segments_between_scans_are_read_by_their_length() {
        let mut rest = vec![0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56];
        let table = [0xFF, 0xC4, 0x00, 0x04, 0xAA, 0xBB];
        let comment = [0xFF, markers::COM, 0x00, 0x06, b'O', b'w', b'n', b'r'];
        rest.extend_from_slice(&comment);
        rest.extend_from_slice(&table);
        rest.extend_from_slice(&[0x78, 0xFF, 0xD9, b'G', b'P', b'S']);
        let (kept, ended) = primary_image_rest(&rest);
        assert!(ended);
        let mut expected = vec![0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56];
        expected.extend_from_slice(&table);
        expected.extend_from_slice(&[0x78, 0xFF, 0xD9]);
        assert_eq!(kept, expected);
        let (kept, ended) = primary_image_rest(&[0x12, 0x34]);
        assert_eq!((kept.as_slice(), ended), ([0x12, 0x34].as_slice(), false));
        // An image that starts where this one's end was lost is not walked into.
        let appended = [0x12, 0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08, b'G', b'P', b'S'];
        let (kept, ended) = primary_image_rest(&appended);
        assert_eq!((kept.as_slice(), ended), ([0x12].as_slice(), false));
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

    /// The boxes of `bytes` at the top level and in `moov`/`trak`, as (path, type, range).
    fn boxes(bytes: &[u8]) -> Vec<(String, std::ops::Range<usize>)> {
        fn walk(
            bytes: &[u8],
            start: usize,
            end: usize,
            path: &str,
            out: &mut Vec<(String, std::ops::Range<usize>)>,
        ) {
            let mut at = start;
            while at < end {
                let (size, header) = box_extent(bytes, at, end).unwrap();
                let kind = String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned();
                let here = format!("{path}/{kind}");
                if kind == "moov" || kind == "trak" {
                    walk(bytes, at + header, at + size, &here, out);
                }
                out.push((here, at..at + size));
                at += size;
            }
        }
        let mut out = Vec::new();
        walk(bytes, 0, bytes.len(), "", &mut out);
        out
    }

    #[test]
    fn videos_and_recordings_lose_location_device_and_tool_and_keep_every_media_byte() {
        let fixtures: [(&[u8], &str); 3] = [
            (
                include_bytes!("../../../fixtures/evidence/tagged.mp4"),
                "video/mp4",
            ),
            (
                include_bytes!("../../../fixtures/evidence/tagged.mov"),
                "video/quicktime",
            ),
            (
                include_bytes!("../../../fixtures/evidence/tagged.m4a"),
                "audio/m4a",
            ),
        ];
        for (upload, content_type) in fixtures {
            let seen = String::from_utf8_lossy(upload);
            assert!(
                seen.contains("Lavf") || seen.contains("DemoPhone"),
                "{content_type}: the fixture carries metadata"
            );
            let kept = inspect(upload.to_vec()).unwrap();
            assert_eq!(kept.content_type, content_type);
            assert!(kept.metadata_removed, "{content_type}");
            assert_eq!(
                kept.bytes.len(),
                upload.len(),
                "nothing moves: chunk offsets stay right"
            );
            let text = String::from_utf8_lossy(&kept.bytes);
            for identifying in [
                "21.0285",
                "DemoPhone",
                "DemoCam",
                "Nguyen",
                "Lavf",
                "loci",
                "ISO6709",
            ] {
                assert!(
                    !text.contains(identifying),
                    "{content_type}: {identifying} is left"
                );
            }
            let before = boxes(upload);
            let after = boxes(&kept.bytes);
            assert_eq!(
                before.len(),
                after.len(),
                "{content_type}: the same boxes, where they were"
            );
            for ((path, range), (stripped_path, stripped_range)) in before.iter().zip(&after) {
                assert_eq!(range, stripped_range);
                if path.ends_with("/udta") || path.ends_with("/meta") {
                    assert!(
                        stripped_path.ends_with("/free"),
                        "{path} became {stripped_path}"
                    );
                    assert!(
                        kept.bytes[range.start + 8..range.end]
                            .iter()
                            .all(|b| *b == 0)
                    );
                } else if !stripped_path.ends_with("/free") && !stripped_path.ends_with("/wide") {
                    assert_eq!(path, stripped_path);
                    if !path.ends_with("/moov") && !path.ends_with("/trak") {
                        assert_eq!(
                            upload[range.clone()],
                            kept.bytes[range.clone()],
                            "{path} is untouched"
                        );
                    }
                }
            }
            assert!(after.iter().any(|(p, _)| p == "/mdat"), "{content_type}");
        }
    }

    #[test]
    fn a_video_whose_boxes_do_not_add_up_is_refused() {
        let mut broken = include_bytes!("../../../fixtures/evidence/tagged.mp4").to_vec();
        // The movie box claims more than the file holds.
        let moov = boxes(&broken)
            .into_iter()
            .find(|(p, _)| p == "/moov")
            .unwrap()
            .1;
        broken[moov.start..moov.start + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(inspect(broken).is_err());
    }

    #[test]
    fn a_timed_metadata_track_is_owned_up_to() {
        let mut upload = include_bytes!("../../../fixtures/evidence/tagged.mp4").to_vec();
        // Make the video track's handler say "meta", as a GoPro's GPS track does.
        let at = upload.windows(4).position(|w| w == b"hdlr").unwrap();
        upload[at + 12..at + 16].copy_from_slice(b"meta");
        let kept = inspect(upload).unwrap();
        assert!(
            !kept.metadata_removed,
            "officers are told it may still hold a position"
        );
    }
}
