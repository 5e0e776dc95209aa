//! The 2025 administrative map: 34 provinces and 3,321 communes with their GSO codes, found by
//! code or by name with or without diacritics, and the provinces merged away in 2025 resolved to
//! the province that absorbed them.

use crate::phrases::{PhraseSet, PhraseSetBuilder, padded_words};
use crate::text::{clean_line, fold};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};

/// The GSO list as shipped in `data/vn-admin-units-2025.json`.
const EMBEDDED: &str = include_str!("../../../data/vn-admin-units-2025.json");

/// Case-number prefix and the provinces merged into each current province (Resolution
/// 202/2025/QH15). Keyed by GSO code.
const PROVINCE_FACTS: &[(u32, &str, &[&str])] = &[
    (1, "HN", &[]),
    (4, "CB", &[]),
    (8, "TQ", &["Hà Giang"]),
    (11, "DB", &[]),
    (12, "LCH", &[]),
    (14, "SL", &[]),
    (15, "LCA", &["Yên Bái"]),
    (19, "TNG", &["Bắc Kạn"]),
    (20, "LS", &[]),
    (22, "QN", &[]),
    (24, "BN", &["Bắc Giang"]),
    (25, "PT", &["Vĩnh Phúc", "Hòa Bình"]),
    (31, "HP", &["Hải Dương"]),
    (33, "HY", &["Thái Bình"]),
    (37, "NB", &["Hà Nam", "Nam Định"]),
    (38, "TH", &[]),
    (40, "NA", &[]),
    (42, "HT", &[]),
    (44, "QT", &["Quảng Bình"]),
    (46, "HUE", &["Thừa Thiên Huế"]),
    (48, "DNG", &["Quảng Nam"]),
    (51, "QNG", &["Kon Tum"]),
    (52, "GL", &["Bình Định"]),
    (56, "KH", &["Ninh Thuận"]),
    (66, "DL", &["Phú Yên"]),
    (68, "LD", &["Đắk Nông", "Bình Thuận"]),
    (75, "DNI", &["Bình Phước"]),
    (
        79,
        "HCM",
        &[
            "Bình Dương",
            "Bà Rịa - Vũng Tàu",
            "Bà Rịa Vũng Tàu",
            "Sài Gòn",
        ],
    ),
    (80, "TNI", &["Long An"]),
    (82, "DT", &["Tiền Giang"]),
    (86, "VL", &["Bến Tre", "Trà Vinh"]),
    (91, "AG", &["Kiên Giang"]),
    (92, "CT", &["Sóc Trăng", "Hậu Giang"]),
    (96, "CM", &["Bạc Liêu"]),
];

/// Names in `PROVINCE_FACTS` that people use for a province but that were never a province of
/// their own: found by search, not listed as merged provinces.
const ALIASES: &[&str] = &["Bà Rịa Vũng Tàu", "Sài Gòn"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Province {
    pub code: u32,
    /// Full official name, e.g. `Thành phố Hà Nội`, `Quảng Ninh`.
    pub name: String,
    /// The name without `Thành phố`/`Tỉnh`, as people say it.
    pub short_name: String,
    /// The 2025 list's codename with hyphens (`quang-ninh`, `ha-noi`): the directory's address.
    pub slug: String,
    pub division_type: String,
    /// Two to four capital letters used in case numbers (`QN-2026-000123`).
    pub case_prefix: &'static str,
    /// Provinces that were merged into this one on 1 July 2025.
    pub former: Vec<&'static str>,
}

impl Province {
    /// The provinces merged into this one on 1 July 2025 (`Vĩnh Phúc`, `Hòa Bình`), without
    /// the other names people give it.
    pub fn merged_provinces(&self) -> Vec<&'static str> {
        self.former
            .iter()
            .copied()
            .filter(|f| !ALIASES.contains(f))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commune {
    pub code: u32,
    pub province_code: u32,
    /// Official name with its type, e.g. `Phường Buôn Ma Thuột`.
    pub name: String,
    pub division_type: String,
    folded: String,
    folded_bare: String,
}

#[derive(Deserialize)]
struct RawProvince {
    code: u32,
    name: String,
    codename: String,
    division_type: String,
    wards: Vec<RawCommune>,
}

#[derive(Deserialize)]
struct RawCommune {
    code: u32,
    name: String,
    division_type: String,
}

#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    #[error("the administrative-unit list is malformed: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("province {0} has no case prefix")]
    MissingFacts(u32),
}

/// Looks places up by code and by (folded) name.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    provinces: Vec<Province>,
    communes: Vec<Commune>,
    commune_index: HashMap<u32, usize>,
    province_names: HashMap<String, u32>,
    /// Every name [`Gazetteer::place_in_text`] looks for, compiled once.
    names_in_text: PlaceNames,
}

fn strip_type(folded: &str, prefixes: &[&str]) -> String {
    prefixes
        .iter()
        .find_map(|p| folded.strip_prefix(p).map(str::trim))
        .unwrap_or(folded)
        .to_owned()
}

const PROVINCE_PREFIXES: &[&str] = &["thanh pho ", "tp. ", "tp ", "tinh "];
const COMMUNE_PREFIXES: &[&str] = &["phuong ", "xa ", "dac khu ", "p. ", "x. "];

impl Gazetteer {
    /// The list shipped with the binary.
    pub fn embedded() -> Result<Self, GazetteerError> {
        Self::from_json(EMBEDDED)
    }

    pub fn from_json(json: &str) -> Result<Self, GazetteerError> {
        let raw: Vec<RawProvince> = serde_json::from_str(json)?;
        let mut provinces = Vec::with_capacity(raw.len());
        let mut communes = Vec::new();
        let mut province_names = HashMap::new();
        for p in raw {
            let (_, prefix, former) = PROVINCE_FACTS
                .iter()
                .find(|(code, _, _)| *code == p.code)
                .ok_or(GazetteerError::MissingFacts(p.code))?;
            let name = clean_line(&p.name);
            let short_name = name
                .strip_prefix("Thành phố ")
                .or_else(|| name.strip_prefix("Tỉnh "))
                .unwrap_or(&name)
                .to_owned();
            province_names.insert(fold(&name), p.code);
            province_names.insert(fold(&short_name), p.code);
            for f in former.iter() {
                province_names.insert(fold(f), p.code);
            }
            for w in p.wards {
                let name = clean_line(&w.name);
                let folded = fold(&name);
                communes.push(Commune {
                    code: w.code,
                    province_code: p.code,
                    folded_bare: strip_type(&folded, COMMUNE_PREFIXES),
                    folded,
                    name,
                    division_type: w.division_type,
                });
            }
            provinces.push(Province {
                code: p.code,
                name,
                short_name,
                slug: p.codename.replace('_', "-"),
                division_type: p.division_type,
                case_prefix: prefix,
                former: former.to_vec(),
            });
        }
        let commune_index = communes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code, i))
            .collect();
        let names_in_text = PlaceNames::compile(&province_names, &communes);
        Ok(Self {
            provinces,
            communes,
            commune_index,
            province_names,
            names_in_text,
        })
    }

    pub fn provinces(&self) -> &[Province] {
        &self.provinces
    }

    pub fn communes(&self) -> &[Commune] {
        &self.communes
    }

    pub fn province(&self, code: u32) -> Option<&Province> {
        self.provinces.iter().find(|p| p.code == code)
    }

    pub fn commune(&self, code: u32) -> Option<&Commune> {
        self.commune_index
            .get(&code)
            .and_then(|i| self.communes.get(*i))
    }

    pub fn communes_of(&self, province_code: u32) -> impl Iterator<Item = &Commune> {
        self.communes
            .iter()
            .filter(move |c| c.province_code == province_code)
    }

    /// The province whose directory address is `slug` (`quang-ninh`).
    pub fn province_by_slug(&self, slug: &str) -> Option<&Province> {
        self.provinces.iter().find(|p| p.slug == slug)
    }

    /// Finds a province by name, with or without diacritics or its `Tỉnh`/`Thành phố` prefix,
    /// including the names of provinces merged in 2025 (`Hòa Bình` → Phú Thọ).
    pub fn resolve_province(&self, name: &str) -> Option<&Province> {
        let folded = fold(name);
        let code = self.province_names.get(&folded).or_else(|| {
            self.province_names
                .get(&strip_type(&folded, PROVINCE_PREFIXES))
        })?;
        self.province(*code)
    }

    /// Communes whose name matches `query` with or without diacritics and type, best first:
    /// exact names, then names starting with the query, then names containing it.
    pub fn search_communes(
        &self,
        province_code: Option<u32>,
        query: &str,
        limit: usize,
    ) -> Vec<&Commune> {
        let q = fold(query);
        if q.is_empty() {
            return Vec::new();
        }
        let q_bare = strip_type(&q, COMMUNE_PREFIXES);
        let mut hits: Vec<(u8, &Commune)> = self
            .communes
            .iter()
            .filter(|c| province_code.is_none_or(|p| c.province_code == p))
            .filter_map(|c| {
                let rank = if c.folded == q || c.folded_bare == q_bare {
                    0
                } else if c.folded_bare.starts_with(&q_bare) || c.folded.starts_with(&q) {
                    1
                } else if c.folded.contains(&q) {
                    2
                } else {
                    return None;
                };
                Some((rank, c))
            })
            .collect();
        hits.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
        hits.into_iter().take(limit).map(|(_, c)| c).collect()
    }
}

/// Well-known places people name instead of their province (folded), with the province's code.
const LANDMARKS: &[(&str, u32)] = &[
    ("ha long", 22),
    ("van don", 22),
    ("mong cai", 22),
    ("cam pha", 22),
    ("uong bi", 22),
    ("phu quoc", 91),
    ("rach gia", 91),
    ("long xuyen", 91),
    ("chau doc", 91),
    ("vung tau", 79),
    ("thu duc", 79),
    ("sai gon", 79),
    ("tphcm", 79),
    ("tp hcm", 79),
    ("tp ho chi minh", 79),
    ("da lat", 68),
    ("nha trang", 56),
    ("cam ranh", 56),
    ("sam son", 38),
    ("cua lo", 40),
    ("thanh pho vinh", 40),
    ("sa pa", 15),
    ("sapa", 15),
    ("hoi an", 48),
    ("buon ma thuot", 66),
    ("quy nhon", 52),
    ("pleiku", 52),
    ("bien hoa", 75),
    ("my tho", 82),
    ("hai phong", 31),
];

/// Commune types as people write them before a name (folded).
const COMMUNE_WORDS: &[&str] = &["phuong", "xa", "dac khu", "p", "tt", "thi tran"];

/// What a name found in a text stands for.
#[derive(Debug, Clone, Copy)]
enum PlaceName {
    /// A province's name, a merged province's former name or a landmark in it; `len` is the
    /// name's length, the longest found wins.
    Province { code: u32, len: usize },
    /// A commune written after its type ("phường hạ long"), by its index in `communes`.
    TypedCommune(usize),
    /// A commune's bare name of two words or more ("hạ long"), by its index.
    BareCommune(usize),
}

/// The names of provinces, landmarks and communes compiled into one automaton.
#[derive(Debug, Clone)]
struct PlaceNames {
    phrases: PhraseSet,
    /// What each phrase stands for: one name may be several communes' (in other provinces).
    meanings: Vec<Vec<PlaceName>>,
}

impl PlaceNames {
    fn compile(province_names: &HashMap<String, u32>, communes: &[Commune]) -> Self {
        let mut builder = PhraseSetBuilder::default();
        let mut meanings: Vec<Vec<PlaceName>> = Vec::new();
        let mut add = |phrase: &str, meaning: PlaceName| {
            let id = builder.add(phrase);
            if meanings.len() <= id {
                meanings.resize_with(id + 1, Vec::new);
            }
            if let Some(slot) = meanings.get_mut(id) {
                slot.push(meaning);
            }
        };
        // Province names before landmarks, each in a fixed order: of two names of one length
        // found in a text, a province's wins over a landmark's, and the same one each time.
        let mut names: Vec<(bool, &str, u32)> = province_names
            .iter()
            .map(|(name, code)| (false, name.as_str(), *code))
            .chain(LANDMARKS.iter().map(|(name, code)| (true, *name, *code)))
            .filter(|(_, name, _)| name.len() >= 4)
            .collect();
        names.sort_unstable();
        for (_, name, code) in names {
            add(
                name,
                PlaceName::Province {
                    code,
                    len: name.len(),
                },
            );
        }
        for (index, commune) in communes.iter().enumerate() {
            for word in COMMUNE_WORDS {
                add(
                    &format!("{word} {}", commune.folded_bare),
                    PlaceName::TypedCommune(index),
                );
            }
            if commune.folded_bare.contains(' ') && commune.folded_bare.len() >= 7 {
                add(&commune.folded_bare, PlaceName::BareCommune(index));
            }
        }
        Self {
            phrases: builder.build(),
            meanings,
        }
    }
}

impl Gazetteer {
    /// The province and commune a text names (`None` where it names none): a province by its
    /// name, a merged province's former name or a well-known place in it, with or without
    /// diacritics; then a commune of it written after "phường", "xã" or "đặc khu", or by a
    /// name of two words or more. Without a province, a commune written with its type that only
    /// one province has gives both.
    pub fn place_in_text(&self, text: &str) -> (Option<u32>, Option<u32>) {
        self.place_in_words(&padded_words(text))
    }

    /// [`Gazetteer::place_in_text`] of a text whose words [`padded_words`] gave.
    pub fn place_in_words(&self, padded: &str) -> (Option<u32>, Option<u32>) {
        let found = self.names_in_text.phrases.find(padded);
        // The longest name found wins: "ha noi" over "noi", "ba ria vung tau" over "vung tau".
        let mut province: Option<(usize, u32)> = None;
        // Commune indices, in the list's order.
        let mut named = BTreeSet::new();
        let mut typed = BTreeSet::new();
        let meanings = found
            .ids()
            .filter_map(|id| self.names_in_text.meanings.get(id))
            .flatten();
        for meaning in meanings {
            match *meaning {
                PlaceName::Province { code, len } => {
                    if province.is_none_or(|(longest, _)| len > longest) {
                        province = Some((len, code));
                    }
                }
                PlaceName::TypedCommune(index) => {
                    typed.insert(index);
                    named.insert(index);
                }
                PlaceName::BareCommune(index) => {
                    named.insert(index);
                }
            }
        }
        match province.map(|(_, code)| code) {
            Some(p) => {
                let commune = named
                    .iter()
                    .filter_map(|i| self.communes.get(*i))
                    .filter(|c| c.province_code == p)
                    .max_by_key(|c| c.folded_bare.len())
                    .map(|c| c.code);
                (Some(p), commune)
            }
            None => {
                let mut typed = typed.iter().filter_map(|i| self.communes.get(*i));
                match (typed.next(), typed.next()) {
                    (Some(one), None) => (Some(one.province_code), Some(one.code)),
                    _ => (None, None),
                }
            }
        }
    }
}

/// Why a commune name did not resolve to one commune.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommuneLookup {
    Unknown,
    Ambiguous,
}

impl Gazetteer {
    /// The one commune of `province_code` that `name` designates: an exact name (with or
    /// without its type, with or without diacritics), else the only name that starts with it.
    pub fn find_commune(&self, province_code: u32, name: &str) -> Result<&Commune, CommuneLookup> {
        let q = fold(name);
        let q_bare = strip_type(&q, COMMUNE_PREFIXES);
        let in_province = || self.communes_of(province_code);
        let exact: Vec<&Commune> = in_province()
            .filter(|c| c.folded == q || c.folded_bare == q_bare)
            .collect();
        let candidates = if exact.is_empty() {
            in_province()
                .filter(|c| c.folded_bare.starts_with(&q_bare) || c.folded.starts_with(&q))
                .collect()
        } else {
            exact
        };
        match candidates.as_slice() {
            [one] => Ok(one),
            [] => Err(CommuneLookup::Unknown),
            _ => Err(CommuneLookup::Ambiguous),
        }
    }
}

#[cfg(test)]
impl Gazetteer {
    /// The word-by-word reading that the compiled names replaced: the reference they are
    /// tested against.
    /// The province and commune a text names (`None` where it names none): a province by its
    /// name, a merged province's former name or a well-known place in it, with or without
    /// diacritics; then a commune of it written after "phường", "xã" or "đặc khu", or by a
    /// name of two words or more. Without a province, a commune written with its type that only
    /// one province has gives both.
    pub(crate) fn place_in_text_by_scanning(&self, text: &str) -> (Option<u32>, Option<u32>) {
        let padded = crate::phrases::padded_by_joining(text);
        let holds = |phrase: &str| padded.contains(&format!(" {phrase} "));
        // The longest name found wins: "ha noi" over "noi", "ba ria vung tau" over "vung tau".
        let mut province: Option<(usize, u32)> = None;
        // Sorted: in a hash map's order, names of one length would win by chance.
        let mut province_names: Vec<(&str, u32)> = self
            .province_names
            .iter()
            .map(|(name, code)| (name.as_str(), *code))
            .collect();
        province_names.sort_unstable();
        let names = province_names.into_iter().chain(LANDMARKS.iter().copied());
        for (name, code) in names {
            if name.len() >= 4 && holds(name) && province.is_none_or(|(len, _)| name.len() > len) {
                province = Some((name.len(), code));
            }
        }
        let province = province.map(|(_, code)| code);
        let named = |c: &Commune| {
            COMMUNE_WORDS
                .iter()
                .any(|w| holds(&format!("{w} {}", c.folded_bare)))
                || (c.folded_bare.contains(' ')
                    && c.folded_bare.len() >= 7
                    && holds(&c.folded_bare))
        };
        match province {
            Some(p) => {
                let commune = self
                    .communes_of(p)
                    .filter(|c| named(c))
                    .max_by_key(|c| c.folded_bare.len())
                    .map(|c| c.code);
                (Some(p), commune)
            }
            None => {
                let typed: Vec<&Commune> = self
                    .communes
                    .iter()
                    .filter(|c| {
                        COMMUNE_WORDS
                            .iter()
                            .any(|w| holds(&format!("{w} {}", c.folded_bare)))
                    })
                    .collect();
                match typed.as_slice() {
                    [one] => (Some(one.province_code), Some(one.code)),
                    _ => (None, None),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gazetteer() -> Gazetteer {
        Gazetteer::embedded().unwrap()
    }

    #[test]
    fn a_text_names_its_place_with_or_without_diacritics() {
        let g = gazetteer();
        assert_eq!(g.place_in_text("Có trộm ở Hạ Long, Quảng Ninh").0, Some(22));
        let (province, commune) =
            g.place_in_text("co nguoi ban ma tuy o phuong ha long tinh quang ninh");
        assert_eq!(province, Some(22));
        assert_eq!(
            commune.and_then(|c| g.commune(c)).map(|c| c.name.as_str()),
            Some("Phường Hạ Long")
        );
        assert_eq!(
            g.place_in_text("Ở Hòa Bình có đánh bạc").0,
            Some(25),
            "merged into Phú Thọ"
        );
        assert_eq!(
            g.place_in_text("bi lua qua mang, nguoi o Phu Quoc").0,
            Some(91)
        );
        assert_eq!(g.place_in_text("Tôi muốn hỏi thủ tục").0, None);
    }

    #[test]
    fn compiled_names_find_what_scanning_found() {
        let g = gazetteer();
        let mut placed = 0;
        for text in crate::phrases::test_texts() {
            let compiled = g.place_in_text(&text);
            assert_eq!(compiled, g.place_in_text_by_scanning(&text), "{text:?}");
            placed += usize::from(compiled.0.is_some());
        }
        assert!(placed > 100, "places are found: {placed}");
    }

    #[test]
    fn the_longest_name_wins_and_a_typed_commune_alone_gives_its_province() {
        let g = gazetteer();
        let name = |code: Option<u32>| code.and_then(|c| g.commune(c)).map(|c| c.name.clone());
        let (province, commune) = g.place_in_text("Bà Rịa Vũng Tàu");
        assert_eq!(
            province,
            Some(79),
            "the former province's name, not its commune's"
        );
        assert_eq!(name(commune).as_deref(), Some("Phường Vũng Tàu"));
        let (province, commune) = g.place_in_text("o phuong ha long, quang ninh");
        assert_eq!(province, Some(22));
        assert_eq!(name(commune).as_deref(), Some("Phường Hạ Long"));
        let (province, commune) = g.place_in_text("Có trộm ở phường Hoàn Kiếm");
        assert_eq!(province, Some(1), "only Hà Nội has it");
        assert_eq!(name(commune).as_deref(), Some("Phường Hoàn Kiếm"));
        assert_eq!(g.place_in_text(""), (None, None));
        // Names of one length: a province's before a landmark's ("lao cai", "ha long").
        assert_eq!(g.place_in_text("Tôi ở Hạ Long, quê Lào Cai").0, Some(15));
    }

    #[test]
    fn the_2025_map_has_34_provinces_and_3321_communes() {
        let g = gazetteer();
        assert_eq!(g.provinces().len(), 34);
        assert_eq!(g.communes().len(), 3321);
        let prefixes: std::collections::HashSet<_> =
            g.provinces().iter().map(|p| p.case_prefix).collect();
        assert_eq!(prefixes.len(), 34, "case prefixes are unique");
    }

    #[test]
    fn stray_double_spaces_are_removed() {
        let g = gazetteer();
        assert!(g.communes().iter().all(|c| !c.name.contains("  ")));
    }

    #[test]
    fn provinces_resolve_with_or_without_diacritics_and_after_mergers() {
        let g = gazetteer();
        assert_eq!(g.resolve_province("Quảng Ninh").map(|p| p.code), Some(22));
        assert_eq!(g.resolve_province("quang ninh").map(|p| p.code), Some(22));
        assert_eq!(
            g.resolve_province("Tỉnh Hòa Bình").map(|p| p.code),
            Some(25)
        );
        assert_eq!(g.resolve_province("hoa binh").map(|p| p.code), Some(25));
        assert_eq!(g.resolve_province("Kiên Giang").map(|p| p.code), Some(91));
        assert_eq!(
            g.resolve_province("TP Hồ Chí Minh").map(|p| p.code),
            Some(79)
        );
        assert_eq!(
            g.resolve_province("Hà Tĩnh").map(|p| p.short_name.as_str()),
            Some("Hà Tĩnh")
        );
        assert_eq!(g.resolve_province("Atlantis"), None);
        assert_eq!(g.province_by_slug("quang-ninh").map(|p| p.code), Some(22));
        assert_eq!(g.province_by_slug("ho-chi-minh").map(|p| p.code), Some(79));
        assert_eq!(g.province_by_slug("quang_ninh"), None);
    }

    #[test]
    fn communes_are_found_without_diacritics() {
        let g = gazetteer();
        let hits = g.search_communes(None, "buon ma thuot", 5);
        assert_eq!(
            hits.first().map(|c| c.name.as_str()),
            Some("Phường Buôn Ma Thuột")
        );
        assert_eq!(hits.first().map(|c| c.province_code), Some(66));
        let in_hn = g.search_communes(Some(1), "hoan kiem", 5);
        assert_eq!(in_hn.first().map(|c| c.code), Some(70));
        assert!(g.search_communes(Some(22), "hoan kiem", 5).is_empty());
    }

    #[test]
    fn a_typed_commune_name_resolves_within_its_province() {
        let g = gazetteer();
        assert_eq!(g.find_commune(22, "ha long").map(|c| c.code), Ok(6688));
        assert_eq!(
            g.find_commune(22, "Phường Hạ Long").map(|c| c.code),
            Ok(6688)
        );
        assert_eq!(g.find_commune(22, "van don").map(|c| c.code), Ok(6994));
        assert_eq!(
            g.find_commune(22, "mong cai"),
            Err(CommuneLookup::Ambiguous)
        );
        assert_eq!(g.find_commune(22, "hoan kiem"), Err(CommuneLookup::Unknown));
    }

    #[test]
    fn communes_are_found_by_code() {
        let g = gazetteer();
        let c = g.commune(70).unwrap();
        assert_eq!(c.name, "Phường Hoàn Kiếm");
        assert_eq!(c.province_code, 1);
        assert!(g.commune(999_999).is_none());
    }
}
