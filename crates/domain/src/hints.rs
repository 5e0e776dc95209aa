//! Triage hints from a report's text: its likely legal type, topic, urgency and place, and
//! where personal data sits in it. Read from folded words (no case, no diacritics) after chat
//! abbreviations are spelled out ("ko", "sdt", "CA"…), by weighted phrases. A hint for the
//! officer, who accepts or corrects it; a missed emergency is the worst error, so urgency
//! leans to the side of danger.

use crate::danger::{self, Danger};
use crate::phrases::{Padded, PhraseId, PhraseSet, PhraseSetBuilder, padded_words};
use crate::pii::{Segment, segments};
use crate::places::Gazetteer;
use crate::text::fold;
use crate::{LegalType, Topic, Urgency};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::LazyLock;

/// How sure each hint is, from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Confidence {
    pub legal_type: f32,
    pub topic: f32,
    pub urgency: f32,
    pub place: f32,
}

/// A piece of personal data in the text: where it is (character offsets) and what it looks
/// like; never its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PiiSpan {
    pub start: usize,
    pub end: usize,
    /// `phone`, `email`, `id_number` or `number`.
    pub kind: &'static str,
}

/// What the text suggests.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Hints {
    pub legal_type: LegalType,
    pub topic: Topic,
    pub urgency: Urgency,
    pub province_code: Option<u32>,
    pub commune_code: Option<u32>,
    pub confidence: Confidence,
    pub pii: Vec<PiiSpan>,
}

/// Chat spellings and abbreviations, folded, and what they stand for.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("ko", "khong"),
    ("k", "khong"),
    ("kg", "khong"),
    ("hok", "khong"),
    ("dc", "duoc"),
    ("dk", "duoc"),
    ("sdt", "so dien thoai"),
    ("ca", "cong an"),
    ("cand", "cong an"),
    ("csgt", "canh sat giao thong"),
    ("cskv", "canh sat khu vuc"),
    ("ac", "anh chi"),
    ("mn", "moi nguoi"),
    ("j", "gi"),
    ("vs", "voi"),
    ("bn", "bao nhieu"),
    ("r", "roi"),
    ("z", "vay"),
    ("ns", "noi"),
    ("ng", "nguoi"),
    ("nguoj", "nguoi"),
    ("tk", "tai khoan"),
    ("cs", "canh sat"),
    ("kv", "khu vuc"),
    ("lh", "lien he"),
    ("stk", "so tai khoan"),
    ("ck", "chuyen khoan"),
    ("fb", "facebook"),
    ("hs", "hoc sinh"),
    ("tp", "thanh pho"),
    ("ubnd", "uy ban"),
    ("ma tuy", "ma tuy"),
    ("m tuy", "ma tuy"),
    ("tuy", "ma tuy"),
];

/// Phrases of each topic with their weight.
const TOPICS: &[(Topic, &[(&str, f32)])] = &[
    (
        Topic::Drugs,
        &[
            ("ma tuy", 3.0),
            ("thuoc lac", 3.0),
            ("ketamin", 3.0),
            ("heroin", 3.0),
            ("ma tuy da", 3.0),
            ("bay lac", 3.0),
            ("hit", 1.0),
            ("chich", 1.5),
            ("can sa", 3.0),
            ("cuon ke", 2.0),
            ("bong cuoi", 3.5),
            ("hit bong cuoi", 4.0),
            ("su dung ma tuy", 4.0),
            ("nghien", 1.5),
            ("con nghien", 2.5),
            ("bo da", 2.0),
            ("thuoc phien", 3.0),
            ("buon ma", 2.0),
            ("ban hang trang", 3.0),
            ("hang trang", 2.5),
        ],
    ),
    (
        Topic::Gambling,
        &[
            ("danh bac", 3.0),
            ("co bac", 3.0),
            ("xoc dia", 3.0),
            ("lo de", 3.0),
            ("ghi de", 3.0),
            ("ca do", 3.0),
            ("ca cuoc", 3.0),
            ("sat phat", 3.0),
            ("ba cay", 2.5),
            ("tai xiu", 3.0),
            ("song bac", 3.0),
            ("choi bai an tien", 3.0),
            ("danh bai", 2.5),
            ("game bai", 2.5),
            ("nha cai", 2.5),
            ("da ga", 2.5),
            ("an tien", 1.0),
        ],
    ),
    (
        Topic::TheftRobbery,
        &[
            ("trom", 3.0),
            ("an trom", 3.0),
            ("cuop", 3.0),
            ("giat", 2.0),
            ("cuop giat", 3.0),
            ("moc tui", 3.0),
            ("be khoa", 3.0),
            ("mat xe", 2.5),
            ("bi mat", 1.5),
            ("lay mat", 2.5),
            ("dot nhap", 2.5),
            ("cay cua", 2.5),
            ("trom cap", 3.0),
            ("chom", 2.0),
            ("xe may bi", 1.5),
        ],
    ),
    (
        Topic::FraudOnline,
        &[
            ("lua dao", 3.0),
            ("lua", 1.5),
            ("chuyen khoan", 1.5),
            ("so tai khoan", 1.5),
            ("tai khoan", 0.8),
            ("gia danh", 2.5),
            ("mao danh", 2.5),
            ("viec nhe luong cao", 3.0),
            ("nap tien", 2.0),
            ("lam nhiem vu", 2.5),
            ("ban hang online", 1.5),
            ("dat coc", 1.0),
            ("chiem doat", 2.0),
            ("link", 1.0),
            ("otp", 2.0),
            ("zalo", 0.5),
            ("facebook", 0.5),
            ("sap", 0.3),
            ("mua hang", 1.0),
            ("ve gia", 2.0),
            ("dau tu", 1.5),
            ("san ao", 3.0),
            ("tien ao", 2.0),
            ("trung thuong", 2.5),
        ],
    ),
    (
        Topic::ViolenceAssault,
        &[
            ("danh", 2.0),
            ("danh nhau", 3.0),
            ("danh dap", 3.0),
            ("hanh hung", 3.0),
            ("dam nguoi", 3.0),
            ("bi dam", 3.0),
            ("dam chet", 3.0),
            ("chem", 3.0),
            ("gay thuong tich", 3.0),
            ("bao hanh", 3.0),
            ("bao luc", 3.0),
            ("de doa", 1.5),
            ("giet", 3.0),
            ("dap pha", 1.5),
            ("chan danh", 3.0),
            ("dua xe", 0.5),
            ("hiep dam", 3.0),
            ("xam hai", 3.0),
            ("bat coc", 2.0),
            ("tu tu", 1.5),
        ],
    ),
    (
        Topic::Weapons,
        &[
            ("sung", 3.0),
            ("dao", 1.0),
            ("kiem", 2.0),
            ("ma tau", 3.0),
            ("vu khi", 3.0),
            ("vat lieu no", 3.0),
            ("thuoc no", 3.0),
            ("phao", 2.0),
            ("phao no", 3.0),
            ("luu dan", 3.0),
            ("sung hoi", 3.0),
            ("sung kip", 3.0),
            ("cong cu ho tro", 3.0),
            ("dui cui dien", 3.0),
        ],
    ),
    (
        Topic::HumanTrafficking,
        &[
            ("mua ban nguoi", 4.0),
            ("buon nguoi", 4.0),
            ("ban sang", 2.0),
            ("lua sang", 3.0),
            ("trung quoc lay chong", 3.0),
            ("ep lam gai", 3.0),
            ("bi giam giu", 2.0),
            ("campuchia", 2.0),
            ("cam pu chia", 2.0),
            ("viec lam nuoc ngoai", 2.5),
            ("xuat canh trai phep", 2.5),
            ("mang thai ho", 2.0),
            ("ban tre em", 4.0),
            ("tre so sinh", 3.0),
            ("lay chong nuoc ngoai", 3.0),
            ("sang trung", 2.5),
            ("ban vao", 3.0),
            ("dua sang", 2.0),
            ("du di", 2.0),
            ("bi du", 2.0),
            ("sang bien gioi", 2.5),
            ("duong day dua", 3.0),
        ],
    ),
    (
        Topic::Smuggling,
        &[
            ("buon lau", 4.0),
            ("hang lau", 4.0),
            ("hang gia", 3.0),
            ("van chuyen trai phep", 3.0),
            ("qua bien gioi", 2.0),
            ("khong hoa don", 2.0),
            ("thuoc la lau", 4.0),
            ("xang lau", 4.0),
            ("go lau", 4.0),
            ("duong lau", 4.0),
            ("hang nhai", 3.0),
            ("tau la", 1.5),
            ("ghe la", 1.5),
            ("khai thac cat trai phep", 1.0),
        ],
    ),
    (
        Topic::Traffic,
        &[
            ("giao thong", 2.0),
            ("tai nan", 2.5),
            ("dua xe", 3.0),
            ("lang lach", 3.0),
            ("no pô", 2.0),
            ("no po", 2.0),
            ("dung do", 2.0),
            ("do xe", 2.0),
            ("chan duong", 2.0),
            ("ket xe", 2.0),
            ("un tac", 2.0),
            ("vuot den do", 3.0),
            ("qua tai", 2.5),
            ("xe tai", 1.5),
            ("xe khach", 1.5),
            ("ruou bia lai xe", 3.0),
            ("say ruou lai xe", 3.0),
            ("nong do con", 3.0),
            ("bang lai", 2.0),
            ("phat nguoi", 2.5),
            ("canh sat giao thong", 1.5),
            ("bien so", 1.0),
            ("tong", 2.0),
            ("long duong", 2.0),
            ("giu xe", 1.5),
            ("cong kenh", 2.0),
            ("phuong tien", 1.5),
        ],
    ),
    (
        Topic::Environment,
        &[
            ("moi truong", 3.0),
            ("o nhiem", 3.0),
            ("nuoc thai", 3.0),
            ("xa thai", 3.0),
            ("khoi", 1.0),
            ("boc mui", 2.5),
            ("hoi thoi", 2.5),
            ("rac", 2.0),
            ("do rac", 2.5),
            ("do trom", 2.0),
            ("chat thai", 3.0),
            ("khai thac cat", 3.0),
            ("hut cat", 3.0),
            ("chat pha rung", 3.0),
            ("pha rung", 3.0),
            ("san ban", 2.0),
            ("dong vat hoang da", 3.0),
            ("ca chet", 2.0),
            ("dot rom", 2.0),
            ("khai thac vang", 3.0),
            ("dot rung", 3.0),
            ("phan thai", 2.0),
            ("bui", 2.0),
            ("mui hoi", 2.5),
            ("khong che chan", 2.0),
        ],
    ),
    (
        Topic::NoiseDisturbance,
        &[
            ("karaoke", 3.0),
            ("hat to", 3.0),
            ("on ao", 3.0),
            ("tieng on", 3.0),
            ("loa keo", 3.0),
            ("mo nhac", 2.5),
            ("nhac to", 2.5),
            ("gay roi", 2.5),
            ("tu tap", 2.0),
            ("nhau nhet", 2.0),
            ("say xin", 2.0),
            ("lan chiem", 2.5),
            ("via he", 2.0),
            ("trat tu", 1.5),
            ("mat trat tu", 2.5),
            ("chiem dung", 2.0),
            ("bay ban hang", 2.0),
            ("tham tu", 0.5),
            ("khuya", 1.0),
            ("23 gio", 1.0),
            ("nua dem", 0.5),
            ("cho tha rong", 2.0),
            ("gia suc tha rong", 2.0),
        ],
    ),
    (
        Topic::LoanSharking,
        &[
            ("tin dung den", 4.0),
            ("cho vay nang lai", 4.0),
            ("vay nang lai", 4.0),
            ("lai nang", 3.0),
            ("cho vay", 1.5),
            ("vay tien", 1.5),
            ("bop co", 4.0),
            ("vay app", 3.0),
            ("app vay", 3.0),
            ("doi no", 3.0),
            ("khung bo doi no", 4.0),
            ("nem chat ban", 3.0),
            ("nem mam tom", 4.0),
            ("lai suat", 1.5),
            ("gop ngay", 3.0),
        ],
    ),
    (
        Topic::Cybercrime,
        &[
            ("hack", 3.0),
            ("hacker", 3.0),
            ("bi hack", 3.0),
            ("chiem tai khoan", 3.0),
            ("mat tai khoan", 2.5),
            ("ma doc", 3.0),
            ("tong tien", 2.0),
            ("anh nong", 3.0),
            ("clip nong", 3.0),
            ("phat tan", 2.0),
            ("boi nho", 2.0),
            ("xuc pham tren mang", 2.5),
            ("danh cap thong tin", 3.0),
            ("lo thong tin", 2.5),
            ("tin nhan rac", 1.5),
            ("sim rac", 2.0),
            ("tram phat song gia", 4.0),
            ("deepfake", 3.0),
            ("website", 1.0),
            ("trang web", 1.0),
        ],
    ),
    (
        Topic::Corruption,
        &[
            ("tham nhung", 4.0),
            ("hoi lo", 3.5),
            ("nhan hoi lo", 4.0),
            ("an tien", 2.0),
            ("nhan tien", 3.0),
            ("lam luat", 3.0),
            ("thu tien", 1.5),
            ("hop thuc hoa", 3.0),
            ("doi tien", 2.0),
            ("boi duong", 2.5),
            ("phong bi", 3.0),
            ("lam dung chuc vu", 3.5),
            ("tieu cuc", 3.0),
            ("nhung nhieu", 3.0),
            ("lam kho", 1.5),
            ("bao ke", 3.0),
            ("chay an", 3.0),
            ("hach dich", 1.5),
            ("co y lam sai", 3.0),
            ("tien bo tui", 3.0),
        ],
    ),
];

/// Who the police are, as people write it.
const POLICE: &[&str] = &[
    "cong an",
    "canh sat",
    "canh sat giao thong",
    "canh sat khu vuc",
    "can bo",
    "dong chi",
    "truong cong an",
    "pho truong cong an",
    "chien si",
    "trinh sat",
    "dieu tra vien",
];

/// What makes it about an officer's conduct.
const MISCONDUCT: &[&str] = &[
    "an tien",
    "nhan tien",
    "doi tien",
    "hoi lo",
    "vi pham",
    "sai pham",
    "tieu cuc",
    "nhung nhieu",
    "hach dich",
    "thai do",
    "quat nat",
    "chui",
    "danh nguoi",
    "danh dan",
    "danh toi",
    "danh em",
    "danh con",
    "khong tiep nhan",
    "tu choi tiep nhan",
    "lam kho",
    "bao ke",
    "dung ngoai",
    "bo qua",
    "bao che",
    "o du",
    "phong bi",
    "boi duong",
    "lam sai",
    "lam dung",
    "tham nhung",
    "khong giai quyet",
    "lam luat",
    "xin tien",
    "moc noi",
    "chui lai",
    "quat",
    "tu y",
    "cung cap dia chi",
    "rut sung",
    "say ruou",
    "vuot den do",
    "khong ai toi",
    "khong den",
    "cham giai quyet",
    "lam ngo",
    "thien vi",
    "to cao",
];

const COMPLAINT: &[(&str, f32)] = &[
    ("khieu nai", 4.0),
    ("quyet dinh xu phat", 2.5),
    ("bien ban xu phat", 2.0),
    ("xu phat", 1.0),
    ("khong dong y", 1.5),
    ("xem xet lai", 2.0),
    ("huy quyet dinh", 3.0),
    ("thu hoi quyet dinh", 3.0),
    ("quyet dinh", 0.5),
    ("tam giu xe", 1.5),
    ("tam giu phuong tien", 1.5),
    ("dang ky thuong tru", 1.5),
    ("cu tru", 1.0),
    ("bi phat oan", 3.0),
    ("phat sai", 2.5),
];

const PROSECUTION_REQUEST: &[(&str, f32)] = &[
    ("de nghi khoi to", 5.0),
    ("kien nghi khoi to", 5.0),
    ("chuyen ho so", 2.0),
    ("dau hieu toi pham", 1.5),
    ("khoi to vu an", 3.0),
    ("khoi to", 2.0),
    ("de nghi co quan", 2.5),
    ("de nghi cong an", 2.0),
    ("chuyen giao doi tuong", 3.0),
    ("co quan chung toi", 1.5),
    ("doan kiem tra", 2.0),
    ("chi cuc", 2.0),
    ("cuc thue", 2.5),
    ("hai quan", 2.0),
    ("quan ly thi truong", 2.5),
    ("thanh tra", 1.5),
    ("kiem lam", 2.0),
];

/// An agency, company, school or newspaper speaking.
const ORGANISATION: &[(&str, f32)] = &[
    ("cong ty chung toi", 4.0),
    ("cong ty", 1.0),
    ("ban quan ly", 3.0),
    ("truong chung toi", 4.0),
    ("nha truong", 3.0),
    ("benh vien", 2.5),
    ("ngan hang", 1.5),
    ("phong vien", 3.0),
    ("bao", 0.3),
    ("toa soan", 4.0),
    ("don vi chung toi", 4.0),
    ("chung toi xin thong bao", 4.0),
    ("chung toi xin bao", 3.0),
    ("xin thong bao", 1.5),
    ("kinh gui", 0.5),
    ("giam doc", 1.0),
    ("hieu truong", 2.5),
    ("to dan pho", 2.0),
    ("ban bao ve", 2.5),
    ("doanh nghiep", 1.5),
    ("uy ban", 1.5),
    ("hop tac xa", 2.0),
    ("chung toi xin bao", 3.0),
    ("xin cung cap thong tin", 4.0),
    ("ban dieu hanh", 3.0),
    ("khach san chung toi", 4.0),
    ("cua hang chung toi", 4.0),
    ("nha ga chung toi", 4.0),
    ("ben xe chung toi", 4.0),
    ("chi nhanh", 2.0),
    ("chung toi phat hien", 3.0),
    ("thong bao", 1.0),
];

const FEEDBACK: &[(&str, f32)] = &[
    ("cho hoi", 3.0),
    ("cho em hoi", 3.0),
    ("cho toi hoi", 3.0),
    ("xin hoi", 3.0),
    ("muon hoi", 3.0),
    ("hoi ve", 2.0),
    ("thu tuc", 2.5),
    ("lam can cuoc", 3.0),
    ("can cuoc", 1.5),
    ("ho chieu", 2.5),
    ("dang ky tam tru", 2.0),
    ("cam on", 3.0),
    ("xin cam on", 3.0),
    ("gop y", 3.0),
    ("de xuat", 2.0),
    ("kien nghi", 1.0),
    ("khen", 2.0),
    ("bieu duong", 3.0),
    ("lam sao de", 2.0),
    ("o dau", 0.5),
    ("bao lau", 1.0),
    ("mat bao nhieu", 1.5),
    ("gio lam viec", 2.5),
    ("dinh danh", 2.0),
    ("vneid", 2.5),
];

const NON_ACTIONABLE: &[(&str, f32)] = &[
    ("test", 4.0),
    ("thu nghiem", 3.0),
    ("kiem tra he thong", 3.0),
    ("nham so", 4.0),
    ("gui nham", 4.0),
    ("alo", 1.5),
    ("hello", 2.0),
    ("hi", 1.0),
    ("khuyen mai", 3.0),
    ("giam gia", 3.0),
    ("quang cao", 2.0),
    ("dang ky ngay", 3.0),
    ("inbox", 1.5),
    ("like", 1.5),
    ("spam", 4.0),
    ("ahihi", 4.0),
    ("hihi", 2.0),
    ("haha", 2.0),
    ("ngu", 1.0),
    ("vo dung", 2.0),
    ("giai ngan", 4.0),
    ("khong can the chap", 4.0),
    ("lien he zalo", 3.0),
    ("soi cau", 4.0),
    ("bam vao link", 3.0),
    ("nhan ngay", 2.0),
    ("dat banh", 3.0),
    ("co phai tiem", 4.0),
    ("thu xem", 3.0),
    ("gui duoc khong", 3.0),
    ("co ma", 3.0),
    ("nong qua", 3.0),
];

/// Things happening now or just now: a crime in progress or evidence disappearing.
const URGENT: &[&str] = &[
    "dang trom",
    "dang cuop",
    "dang danh",
    "dang dap",
    "dang dot nhap",
    "dang ban",
    "dang giao dich",
    "dang choi",
    "dang danh bac",
    "dang dien ra",
    "dang xay ra",
    "dang tau thoat",
    "dang bo chay",
    "dang chay tron",
    "dang do",
    "dang be khoa",
    "dang hut",
    "dang tu tap",
    "dang dua xe",
    "dang xa",
    "dang cho",
    "dang pha",
    "dang dap pha",
    "dang de doa",
    "dang doi no",
    "dang nem",
    "vua bi",
    "vua moi bi",
    "vua xay ra",
    "vua trom",
    "vua cuop",
    "vua giat",
    "vua chay",
    "vua tau thoat",
    "con o day",
    "con dang",
    "ngay bay gio",
    "ngay luc nay",
    "luc nay",
    "bay gio",
    "den ngay",
    "den gap",
    "toi gap",
    "nhanh len",
    "khan cap",
    "khan",
    "gap gap",
    "xin den",
    "cuu",
    "dang theo doi",
    "dang bam theo",
];

/// Life in danger now, besides the receipt's own signals.
const EMERGENCY: &[&str] = &[
    "sap chet",
    "nguy kich",
    "co nguoi mac ket",
    "mac ket",
    "duoi nuoc",
    "chet duoi",
    "nhay song",
    "nhay lau",
    "doa tu tu",
    "uong thuoc sau",
    "treo co",
    "nhot",
    "khoa trai",
    "giam long",
    "bat coc",
    "bat di",
    "dang cam dao",
    "dang cam sung",
    "dam nguoi",
    "bi dam",
    "chem nguoi",
    "dang chem",
    "dang cuop co vu khi",
    "nguoi bi thuong",
    "dang hanh hung",
    "dang hiep dam",
    "roi xuong gieng",
    "roi xuong song",
    "roi xuong bien",
    "roi xuong kenh",
    "te xuong",
    "song cuon",
    "nuoc cuon",
    "lu cuon",
    "lu quet",
    "bi cuon",
    "dang troi",
    "choi voi",
    "keu cuu",
    "cuu gap",
    "dinh nhay",
    "doa nhay",
    "nhay xuong",
    "mep tang thuong",
    "lan can cau",
    "tat xang",
    "tuoi xang",
    "doa dot",
    "dot nha",
    "cham lua",
    "con ket",
    "bi ket",
    "vui duoi",
    "vui lap",
    "sat lo",
    "dap chong",
    "dap vo",
    "bop co",
    "nam bat dong",
    "mau nhieu",
    "sap ngat",
    "bi troi",
    "ban sang",
    "cho ra bien gioi",
    "ep len xe",
    "loi len xe",
    "giat dien",
    "dien giat",
    // Someone found unconscious, not breathing, not moving, or in the road's way.
    "khong cu dong",
    "bat tinh",
    "ngat xiu",
    "khong tho",
    "khong thay tho",
    "tat tho",
    "song hay chet",
    "nam up mat",
    "nam giua duong",
    "keu ren",
    // Floods and boats.
    "nuoc lu",
    "lu len",
    "tren mai nha",
    "bi lat",
    "lat thuyen",
    "chim thuyen",
    "thuyen chim",
    "mat tich",
    // A poisoning or an overdose.
    "thuoc ngu",
    "qua lieu",
    "soc thuoc",
    "thuoc chuot",
];

/// People said to be where a fire is: then the fire is an emergency, not only urgent.
const PEOPLE_AT_RISK: &[&str] = &[
    "con nguoi",
    "nguoi gia",
    "bi liet",
    "em be",
    "tre em",
    "tre nho",
    "trong nha",
    "ben trong",
    "nguoi o trong",
    "nha dan",
];

/// Phrases that make harm to the environment a crime.
const UNLAWFUL: &[&str] = &["trai phep", "hoang da", "tang vat"];

/// Something happening now ("đang"), just now ("vừa") or about to ("sắp", "tối nay").
const NOW_WORDS: &[&str] = &[
    "dang",
    "vua",
    "sap",
    "toi nay",
    "chieu nay",
    "hien tai",
    "van dang",
];

/// Abbreviations by their folded short form (the first listed wins).
static SPELLED_OUT: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| ABBREVIATIONS.iter().rev().copied().collect());

/// The text's folded words, abbreviations spelled out, between single spaces and padded with
/// one at each end, so that a phrase matches as whole words with `" {phrase} "`.
fn words_of(text: &str) -> String {
    let mut padded = Padded::with_capacity(text.len());
    for word in text
        .split(|c: char| !c.is_alphanumeric() && c != '/')
        .filter(|w| !w.is_empty())
    {
        let folded = fold(word);
        // "CA" in capitals is the police; "ca" in lower case may be a fish or a shift.
        let expanded = match folded.as_str() {
            "ca" if word != "CA" && word != "Ca" => "ca",
            "a/c" => "anh chi",
            other => SPELLED_OUT.get(other).copied().unwrap_or(other),
        };
        for part in expanded.split(|c: char| !c.is_alphanumeric()) {
            padded.push(part);
        }
    }
    padded.finish()
}

/// Weighted phrases by id.
type Weighted = Vec<(PhraseId, f32)>;

/// Every phrase list of the hints, compiled once into one automaton.
struct Compiled {
    phrases: PhraseSet,
    topics: Vec<(Topic, Weighted)>,
    police: Vec<PhraseId>,
    misconduct: Vec<PhraseId>,
    complaint: Weighted,
    prosecution_request: Weighted,
    organisation: Weighted,
    feedback: Weighted,
    non_actionable: Weighted,
    urgent: Vec<PhraseId>,
    emergency: Vec<PhraseId>,
    people_at_risk: Vec<PhraseId>,
    unlawful: Vec<PhraseId>,
    now_words: Vec<PhraseId>,
    hurry: PhraseId,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let mut builder = PhraseSetBuilder::default();
    let mut weighted = |phrases: &[(&str, f32)]| -> Weighted {
        phrases.iter().map(|(p, w)| (builder.add(p), *w)).collect()
    };
    let topics = TOPICS
        .iter()
        .map(|(topic, phrases)| (*topic, weighted(phrases)))
        .collect();
    let complaint = weighted(COMPLAINT);
    let prosecution_request = weighted(PROSECUTION_REQUEST);
    let organisation = weighted(ORGANISATION);
    let feedback = weighted(FEEDBACK);
    let non_actionable = weighted(NON_ACTIONABLE);
    let mut plain =
        |phrases: &[&str]| -> Vec<PhraseId> { phrases.iter().map(|p| builder.add(p)).collect() };
    let police = plain(POLICE);
    let misconduct = plain(MISCONDUCT);
    let urgent = plain(URGENT);
    let emergency = plain(EMERGENCY);
    let people_at_risk = plain(PEOPLE_AT_RISK);
    let unlawful = plain(UNLAWFUL);
    let now_words = plain(NOW_WORDS);
    let hurry = builder.add("gap");
    Compiled {
        phrases: builder.build(),
        topics,
        police,
        misconduct,
        complaint,
        prosecution_request,
        organisation,
        feedback,
        non_actionable,
        urgent,
        emergency,
        people_at_risk,
        unlawful,
        now_words,
        hurry,
    }
});

/// The best of `scores` and how sure it is: its share of the total, damped when the total is
/// small.
fn best<T: Copy>(scores: &[(T, f32)], fallback: T) -> (T, f32) {
    let total: f32 = scores.iter().map(|(_, s)| s).sum();
    let top = scores
        .iter()
        .copied()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(_, s)| *s > 0.0);
    match top {
        Some((value, s)) => (value, (s / total) * (total / (total + 2.0))),
        None => (fallback, 0.2),
    }
}

/// The hints `text` gives, places read from `places`.
pub fn hints(text: &str, places: &Gazetteer) -> Hints {
    read(text, places).0
}

/// The hints `text` gives and the danger it signals (as [`danger::signals`]). Reads the text
/// once for all phrases and once for all place names; compiles its phrases on first use.
pub fn read(text: &str, places: &Gazetteer) -> (Hints, Danger) {
    let compiled = &*COMPILED;
    let words = words_of(text);
    let found = compiled.phrases.find(&words);
    let score = |phrases: &Weighted| -> f32 {
        phrases
            .iter()
            .filter(|(id, _)| found.holds(*id))
            .map(|(_, w)| w)
            .sum()
    };
    let any = |phrases: &[PhraseId]| phrases.iter().any(|id| found.holds(*id));
    let count = |phrases: &[PhraseId]| phrases.iter().filter(|id| found.holds(**id)).count();
    let topic_scores: Vec<(Topic, f32)> = compiled
        .topics
        .iter()
        .map(|(topic, phrases)| (*topic, score(phrases)))
        .collect();
    let (topic, topic_confidence) = best(&topic_scores, Topic::Other);
    // Harm to the environment is a crime when it is done "trái phép" or to wildlife; noise and
    // traffic are matters of public order.
    let crime: f32 = topic_scores
        .iter()
        .filter(|(t, _)| {
            !matches!(
                t,
                Topic::NoiseDisturbance | Topic::Traffic | Topic::Environment | Topic::Other
            )
        })
        .map(|(_, s)| s)
        .sum::<f32>()
        + if any(&compiled.unlawful) { 3.0 } else { 0.0 };
    let order: f32 = topic_scores
        .iter()
        .filter(|(t, _)| {
            matches!(
                t,
                Topic::NoiseDisturbance | Topic::Traffic | Topic::Environment
            )
        })
        .map(|(_, s)| s)
        .sum();
    let police = any(&compiled.police);
    let misconduct = count(&compiled.misconduct) as f32;
    // An officer's wrongdoing is the officer's conduct, whatever crime it also is.
    let conduct = if police && misconduct > 0.0 {
        3.0 + misconduct * 2.5
    } else {
        0.0
    };
    let organisation = score(&compiled.organisation);
    let question = text.contains('?') as u8 as f32;
    let length = words.split_whitespace().count();
    let legal_scores = [
        (LegalType::PoliceConduct, conduct),
        (LegalType::Complaint, score(&compiled.complaint)),
        (
            LegalType::ProsecutionRequest,
            score(&compiled.prosecution_request) * if crime > 0.0 { 1.2 } else { 0.5 },
        ),
        // An organisation speaking of a crime: it informs rather than denounces.
        (
            LegalType::CrimeInformation,
            if organisation >= 2.5 {
                organisation * 1.5 + crime * 0.6
            } else {
                0.0
            },
        ),
        (LegalType::CrimeDenunciation, crime * 0.8),
        (LegalType::PublicOrder, order * 0.9),
        (
            LegalType::Feedback,
            score(&compiled.feedback) * 1.5 + question * 1.5 - crime * 0.2,
        ),
        (
            LegalType::NonActionable,
            score(&compiled.non_actionable) + if length <= 3 { 2.0 } else { 0.0 }
                - (crime + order) * 0.5,
        ),
    ];
    let legal_scores: Vec<(LegalType, f32)> = legal_scores
        .into_iter()
        .map(|(t, s)| (t, s.max(0.0)))
        .collect();
    let (legal_type, legal_confidence) = best(&legal_scores, LegalType::PublicOrder);
    let padded = padded_words(text);
    let signals = danger::signals_in(text, &padded);
    // Violence to a person now, someone badly hurt, or one of the phrases of a life at risk; a
    // fire with people said to be in its way is one too, a fire with nobody said to be in it
    // is urgent (114 leads the receipt either way).
    let emergency = signals.life
        || signals.medical
        || any(&compiled.emergency)
        || (signals.fire && any(&compiled.people_at_risk));
    // Something happening now, just now or about to with a crime or a disturbance in it: there
    // is still time to act.
    let now_words = any(&compiled.now_words);
    let urgent = count(&compiled.urgent)
        + usize::from(now_words && crime + order + conduct > 0.0)
        + usize::from(found.holds(compiled.hurry));
    let (urgency, urgency_confidence) = if emergency {
        (Urgency::Emergency, if signals.life { 0.8 } else { 0.6 })
    } else if urgent > 0 || signals.any() {
        (Urgency::Urgent, (0.5 + 0.1 * urgent as f32).min(0.9))
    } else {
        (Urgency::Normal, 0.7)
    };
    let (province_code, commune_code) = places.place_in_words(&padded);
    let place_confidence = match (province_code, commune_code) {
        (Some(_), Some(_)) => 0.9,
        (Some(_), None) => 0.8,
        _ => 0.3,
    };
    let hints = Hints {
        legal_type,
        topic,
        urgency,
        province_code,
        commune_code,
        confidence: Confidence {
            legal_type: round(legal_confidence),
            topic: round(topic_confidence),
            urgency: urgency_confidence,
            place: place_confidence,
        },
        pii: pii_spans(text),
    };
    (hints, signals)
}

fn round(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// Where personal data sits in `text`, by character offsets, and what it looks like.
pub fn pii_spans(text: &str) -> Vec<PiiSpan> {
    let mut spans = Vec::new();
    let mut chars_before = 0;
    for segment in segments(text) {
        let (piece, personal) = match segment {
            Segment::Plain(piece) => (piece, false),
            Segment::Personal(piece) => (piece, true),
        };
        let length = piece.chars().count();
        if personal {
            let digits = piece.chars().filter(char::is_ascii_digit).count();
            let kind = if piece.contains('@') {
                "email"
            } else if (piece.starts_with('0') && (10..=11).contains(&digits))
                || piece.starts_with("+84")
            {
                "phone"
            } else if digits == 12 || digits == 9 {
                "id_number"
            } else {
                "number"
            };
            spans.push(PiiSpan {
                start: chars_before,
                end: chars_before + length,
                kind,
            });
        }
        chars_before += length;
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words as they were read before: every piece joined once the text was split.
    fn words_by_joining(text: &str) -> String {
        let spelled: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric() && c != '/')
            .filter(|w| !w.is_empty())
            .flat_map(|word| {
                let folded = fold(word);
                let expanded = match folded.as_str() {
                    "ca" if word != "CA" && word != "Ca" => "ca",
                    "a/c" => "anh chi",
                    other => ABBREVIATIONS
                        .iter()
                        .find(|(short, _)| *short == other)
                        .map_or(other, |(_, long)| long),
                };
                expanded
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        format!(" {} ", spelled.join(" "))
    }

    /// Every phrase of every list with the id it was compiled under.
    fn listed_phrases(c: &Compiled) -> Vec<(&'static str, PhraseId)> {
        let mut listed = Vec::new();
        let mut weighted = |phrases: &[(&'static str, f32)], ids: &Weighted| {
            assert_eq!(phrases.len(), ids.len());
            listed.extend(
                phrases
                    .iter()
                    .map(|(p, _)| *p)
                    .zip(ids.iter().map(|(id, _)| *id)),
            );
        };
        for ((_, phrases), (_, ids)) in TOPICS.iter().zip(&c.topics) {
            weighted(phrases, ids);
        }
        weighted(COMPLAINT, &c.complaint);
        weighted(PROSECUTION_REQUEST, &c.prosecution_request);
        weighted(ORGANISATION, &c.organisation);
        weighted(FEEDBACK, &c.feedback);
        weighted(NON_ACTIONABLE, &c.non_actionable);
        for (phrases, ids) in [
            (POLICE, &c.police),
            (MISCONDUCT, &c.misconduct),
            (URGENT, &c.urgent),
            (EMERGENCY, &c.emergency),
            (PEOPLE_AT_RISK, &c.people_at_risk),
            (UNLAWFUL, &c.unlawful),
            (NOW_WORDS, &c.now_words),
        ] {
            assert_eq!(phrases.len(), ids.len());
            listed.extend(phrases.iter().copied().zip(ids.iter().copied()));
        }
        listed.push(("gap", c.hurry));
        listed
    }

    #[test]
    fn compiled_phrases_find_what_scanning_found_on_both_labelled_sets() {
        let compiled = &*COMPILED;
        let listed = listed_phrases(compiled);
        assert!(listed.len() > 600, "every list is compiled");
        for text in crate::phrases::test_texts() {
            let words = words_of(&text);
            assert_eq!(words, words_by_joining(&text), "{text}");
            let found = compiled.phrases.find(&words);
            for (phrase, id) in &listed {
                assert_eq!(
                    found.holds(*id),
                    words.contains(&format!(" {phrase} ")),
                    "{phrase:?} in {text:?}"
                );
            }
        }
    }

    fn g() -> Gazetteer {
        Gazetteer::embedded().unwrap()
    }

    #[test]
    fn chat_spellings_are_read() {
        let h = hints("co nguoi ban ma tuy o dau hem, CA den ngay di", &g());
        assert_eq!(h.topic, Topic::Drugs);
        assert_eq!(h.legal_type, LegalType::CrimeDenunciation);
        assert_eq!(h.urgency, Urgency::Urgent);
        let h = hints("CSGT o nga tu an tien cua dan, ko lap bien ban", &g());
        assert_eq!(h.legal_type, LegalType::PoliceConduct);
    }

    #[test]
    fn a_life_in_danger_is_an_emergency() {
        let h = hints("Cứu với, có người cầm dao đâm người ở chợ Hạ Long!", &g());
        assert_eq!(h.urgency, Urgency::Emergency);
        assert_eq!(h.province_code, Some(22));
        assert_eq!(h.topic, Topic::ViolenceAssault);
        // Told calmly, without a cry for help: still a life at risk.
        for text in [
            "Có người nằm dưới mương, không cử động",
            "nguoi do nam lả đi ko thay tho nua",
            "Nước lũ lên nhanh, cả nhà đang ở trên mái nhà",
            "ban em vua uong het vi thuoc ngu",
            "Kho gỗ đang cháy, còn người già trong nhà bên cạnh",
        ] {
            assert_eq!(hints(text, &g()).urgency, Urgency::Emergency, "{text}");
        }
        let empty_shed = hints("Kho gỗ bỏ hoang đang cháy", &g());
        assert_eq!(
            empty_shed.urgency,
            Urgency::Urgent,
            "nobody said to be in it"
        );
    }

    #[test]
    fn questions_complaints_and_nuisances_are_told_apart() {
        assert_eq!(
            hints("Cho em hỏi thủ tục làm căn cước cho con ạ?", &g()).legal_type,
            LegalType::Feedback
        );
        assert_eq!(
            hints(
                "Tôi khiếu nại quyết định xử phạt vi phạm giao thông, đề nghị xem xét lại",
                &g()
            )
            .legal_type,
            LegalType::Complaint
        );
        let noise = hints("Quán karaoke hát to quá 23 giờ, ồn ào không ngủ được", &g());
        assert_eq!(
            (noise.legal_type, noise.topic, noise.urgency),
            (
                LegalType::PublicOrder,
                Topic::NoiseDisturbance,
                Urgency::Normal
            )
        );
        assert_eq!(hints("test", &g()).legal_type, LegalType::NonActionable);
    }

    #[test]
    fn personal_data_is_located_not_copied() {
        let text = "Số của tôi 0912 345 678, email an@example.vn";
        let spans = pii_spans(text);
        assert_eq!(spans.len(), 2);
        let first = spans.first().unwrap();
        assert_eq!(first.kind, "phone");
        let chars: Vec<char> = text.chars().collect();
        let phone: String = chars.get(first.start..first.end).unwrap().iter().collect();
        assert_eq!(phone, "0912 345 678");
        assert_eq!(spans.get(1).unwrap().kind, "email");
    }
}
