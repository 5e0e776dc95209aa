//! Fictional demo data for a newcomer's first look: commune police units, staff accounts with a
//! printed password, and a few dozen reports across channels in the four provinces in the news
//! (Quảng Ninh; Phú Thọ, which absorbed Hòa Bình; An Giang; Hà Tĩnh). Every person, number and
//! event here is invented, and every report says so.

use crate::handling::TriageInput;
use crate::intake::Submission;
use crate::procedure::StepInput;
use crate::{Actor, CoreError, CoreResult, Hotline};
use chrono::Duration;
use hotline_domain::{
    Channel, ContactInput, LegalType, ReportInput, Role, Topic, UnitCode, UnitKind, Urgency,
};
use hotline_store::NewUnit;

/// The password of every demo account. Demo data is only loaded into an empty store on request.
pub const DEMO_PASSWORD: &str = "demo-hotline-2026";

/// Marks every demo report as fiction, in the text staff read.
const DEMO_MARK: &str = "[Dữ liệu demo, hư cấu]";

/// A demo account, printed at start-up so a newcomer can sign in.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: &'static str,
    pub role: Role,
    pub unit: String,
}

const COMMUNE_UNITS: &[(u32, u32)] = &[
    (22, 6688),
    (22, 6994),
    (25, 4795),
    (25, 7900),
    (91, 30742),
    (91, 31078),
    (42, 18073),
];

const ACCOUNTS: &[(&str, &str, Role, &str)] = &[
    (
        "demo.admin",
        "Quản trị hệ thống (demo)",
        Role::Administrator,
        "bca",
    ),
    ("demo.bca", "Lãnh đạo Bộ (demo)", Role::Director, "bca"),
    (
        "demo.qn.quantri",
        "Quản trị CA Quảng Ninh (demo)",
        Role::Administrator,
        "22",
    ),
    (
        "demo.qn.giamdoc",
        "Giám đốc CA Quảng Ninh (demo)",
        Role::Director,
        "22",
    ),
    (
        "demo.qn.trucban",
        "Trực ban CA Quảng Ninh (demo)",
        Role::DutyOfficer,
        "22",
    ),
    (
        "demo.qn.trucdem",
        "Trực ban đêm CA Quảng Ninh (demo)",
        Role::DutyOfficer,
        "22",
    ),
    (
        "demo.qn.halong",
        "Cán bộ CA phường Hạ Long (demo)",
        Role::Handler,
        "22/6688",
    ),
    (
        "demo.pt.giamdoc",
        "Giám đốc CA Phú Thọ (demo)",
        Role::Director,
        "25",
    ),
    (
        "demo.pt.trucban",
        "Trực ban CA Phú Thọ (demo)",
        Role::DutyOfficer,
        "25",
    ),
    (
        "demo.ag.giamdoc",
        "Giám đốc CA An Giang (demo)",
        Role::Director,
        "91",
    ),
    (
        "demo.ag.trucban",
        "Trực ban CA An Giang (demo)",
        Role::DutyOfficer,
        "91",
    ),
    (
        "demo.ht.giamdoc",
        "Giám đốc CA Hà Tĩnh (demo)",
        Role::Director,
        "42",
    ),
    (
        "demo.ht.thanhtra",
        "Thanh tra CA Hà Tĩnh (demo)",
        Role::Inspector,
        "42",
    ),
];

struct DemoReport {
    province: Option<u32>,
    commune: Option<u32>,
    channel: Channel,
    hours_ago: i64,
    urgency: Urgency,
    text: &'static str,
    contact: Option<(&'static str, &'static str)>,
}

const fn r(
    province: Option<u32>,
    commune: Option<u32>,
    channel: Channel,
    hours_ago: i64,
    urgency: Urgency,
    text: &'static str,
) -> DemoReport {
    DemoReport {
        province,
        commune,
        channel,
        hours_ago,
        urgency,
        text,
        contact: None,
    }
}

const fn with_contact(
    mut report: DemoReport,
    name: &'static str,
    phone: &'static str,
) -> DemoReport {
    report.contact = Some((name, phone));
    report
}

use Channel::*;
use Urgency::{Emergency, Low, Normal, Urgent};

const REPORTS: &[DemoReport] = &[
    r(
        Some(22),
        Some(6688),
        Zalo,
        150,
        Normal,
        "Quán karaoke trên đường ven biển mở nhạc to quá 23 giờ nhiều đêm liền, người dân không ngủ được.",
    ),
    with_contact(
        r(
            Some(22),
            Some(6688),
            Phone,
            140,
            Urgent,
            "Gọi đường dây nóng: nhóm thanh niên tụ tập đua xe máy, lạng lách trên đường bao biển lúc nửa đêm.",
        ),
        "Trần Thị Thử (demo)",
        "0900000101",
    ),
    r(
        Some(22),
        Some(6994),
        Messenger,
        120,
        Normal,
        "Có người rao bán vé tàu ra đảo giả trên mạng, nhiều khách du lịch bị lừa chuyển khoản.",
    ),
    r(
        Some(22),
        None,
        Web,
        100,
        Normal,
        "Tôi nghi ngờ một cơ sở cầm đồ cho vay lãi nặng, đòi nợ bằng cách ném chất bẩn vào nhà.",
    ),
    r(
        Some(22),
        None,
        Email,
        90,
        Low,
        "Góp ý: đề nghị công an tỉnh đăng số điện thoại trực ban của từng phường trên cổng thông tin.",
    ),
    r(
        Some(22),
        Some(6688),
        Tiktok,
        75,
        Normal,
        "Clip trên mạng quay cảnh xe tải chở quá tải làm hỏng đường vào khu dân cư.",
    ),
    with_contact(
        r(
            Some(22),
            None,
            Sms,
            60,
            Urgent,
            "Nhà bên cạnh có tiếng cãi nhau và đánh đập, nghe tiếng trẻ con khóc. Xin công an đến xem.",
        ),
        "Người báo tin (demo)",
        "0900000102",
    ),
    r(
        Some(22),
        Some(6994),
        Telegram,
        30,
        Normal,
        "Ghe lạ neo gần bờ ban đêm, nghi vận chuyển hàng lậu.",
    ),
    r(
        Some(22),
        None,
        Api,
        10,
        Emergency,
        "Hệ thống camera phường báo: cháy tại kho hàng, có người mắc kẹt. Đã gọi 114.",
    ),
    r(
        Some(25),
        Some(4795),
        Zalo,
        160,
        Normal,
        "Ở khu vực Hòa Bình cũ có điểm đánh bạc ăn tiền vào cuối tuần, nhiều người lạ ra vào.",
    ),
    with_contact(
        r(
            Some(25),
            Some(7900),
            Phone,
            130,
            Normal,
            "Người dân báo mất trộm xe máy trước cửa chợ, có camera nhà bên ghi lại.",
        ),
        "Lê Văn Mẫu (demo)",
        "0900000103",
    ),
    r(
        Some(25),
        None,
        Web,
        110,
        Normal,
        "Có tài khoản mạng xã hội mạo danh công an tỉnh, yêu cầu người dân cung cấp mã OTP.",
    ),
    r(
        Some(25),
        Some(7900),
        Whatsapp,
        80,
        Low,
        "Xin hỏi thủ tục xác nhận cư trú sau khi sáp nhập tỉnh thì làm ở đâu?",
    ),
    r(
        Some(25),
        None,
        Capture,
        70,
        Urgent,
        "Ghi nhận từ Zalo cá nhân của Giám đốc: phản ánh cán bộ cảnh sát giao thông có biểu hiện nhận tiền khi xử lý vi phạm.",
    ),
    r(
        Some(25),
        Some(4795),
        Messenger,
        50,
        Normal,
        "Khai thác cát trái phép trên sông vào ban đêm, tiếng máy hút cát rất to.",
    ),
    r(
        Some(25),
        None,
        Instagram,
        20,
        Normal,
        "Trang bán hàng online nhận tiền đặt cọc rồi chặn liên lạc, nhiều người trong nhóm đã bị lừa.",
    ),
    r(
        Some(25),
        Some(7900),
        Threads,
        5,
        Low,
        "Cảm ơn công an phường đã hỗ trợ tìm lại ví bị rơi.",
    ),
    r(
        Some(91),
        Some(30742),
        Zalo,
        155,
        Normal,
        "Điểm bán vé số dạo bị nhóm người lạ thu tiền bảo kê hằng ngày.",
    ),
    with_contact(
        r(
            Some(91),
            Some(31078),
            Phone,
            125,
            Urgent,
            "Du khách báo bị cướp giật điện thoại trên đường ven biển, đối tượng đi xe máy không biển số.",
        ),
        "Khách du lịch (demo)",
        "0900000104",
    ),
    r(
        Some(91),
        None,
        Email,
        105,
        Normal,
        "Đơn phản ánh: cơ sở kinh doanh xăng dầu bán thiếu, đề nghị kiểm tra.",
    ),
    r(
        Some(91),
        Some(30742),
        Web,
        85,
        Normal,
        "Có người môi giới đưa lao động sang nước ngoài làm việc, thu tiền nhưng không có giấy phép.",
    ),
    r(
        Some(91),
        None,
        Sms,
        65,
        Normal,
        "Nghi có cơ sở tàng trữ và sử dụng ma túy trong dãy trọ gần bến xe.",
    ),
    r(
        Some(91),
        Some(31078),
        X,
        40,
        Low,
        "Bài đăng trên X hỏi số điện thoại đường dây nóng của công an đặc khu.",
    ),
    r(
        Some(91),
        None,
        Telegram,
        25,
        Urgent,
        "Nhận được cuộc gọi giả danh công an yêu cầu chuyển tiền vào tài khoản tạm giữ, tôi chưa chuyển.",
    ),
    r(
        Some(91),
        Some(30742),
        Api,
        2,
        Normal,
        "Báo cáo từ ứng dụng của phường: đèn đường hỏng, khu vực tối, nhiều vụ trộm vặt.",
    ),
    r(
        Some(42),
        Some(18073),
        Zalo,
        145,
        Normal,
        "Có nhóm đòi nợ thuê dán giấy, viết sơn lên tường nhà người vay.",
    ),
    with_contact(
        r(
            Some(42),
            None,
            Phone,
            115,
            Normal,
            "Phản ánh tình trạng xe khách dừng đón trả khách sai quy định trên quốc lộ.",
        ),
        "Tài xế (demo)",
        "0900000105",
    ),
    r(
        Some(42),
        Some(18073),
        Web,
        95,
        Normal,
        "Tố giác: một người hàng xóm tàng trữ pháo nổ số lượng lớn để bán dịp Tết.",
    ),
    r(
        Some(42),
        None,
        Messenger,
        55,
        Low,
        "Góp ý về thái độ tiếp dân tốt của cán bộ bộ phận một cửa.",
    ),
    r(
        Some(42),
        None,
        Whatsapp,
        35,
        Normal,
        "Người lạ đến từng nhà chào mời mua thiết bị lọc nước, tự xưng cán bộ phường.",
    ),
    r(
        Some(42),
        Some(18073),
        Email,
        15,
        Urgent,
        "Con tôi bị một nhóm học sinh trường khác chặn đánh, quay video đăng mạng.",
    ),
    r(
        None,
        None,
        Web,
        12,
        Normal,
        "Tôi không rõ địa chỉ cụ thể, chỉ muốn báo có trang web đánh bạc trực tuyến quảng cáo rất nhiều.",
    ),
    r(
        None,
        None,
        Api,
        8,
        Low,
        "Kiểm thử tích hợp từ hệ thống đối tác (demo).",
    ),
    r(
        Some(22),
        Some(6688),
        Web,
        1,
        Normal,
        "Vỉa hè trước chợ bị lấn chiếm hoàn toàn, người đi bộ phải xuống lòng đường.",
    ),
    r(
        Some(22),
        Some(6688),
        Zalo,
        138,
        Urgent,
        "Lại thấy nhóm thanh niên đua xe máy ở đường bao biển, rú ga rất nguy hiểm.",
    ),
];

/// What Quảng Ninh's duty desk has done with some reports, by the start of their text:
/// classified them, and written an internal note on some.
const QN_TRIAGE: &[(&str, LegalType, Topic, Urgency, Option<&str>)] = &[
    (
        "Quán karaoke",
        LegalType::PublicOrder,
        Topic::NoiseDisturbance,
        Urgency::Normal,
        None,
    ),
    (
        "Gọi đường dây nóng: nhóm thanh niên",
        LegalType::PublicOrder,
        Topic::Traffic,
        Urgency::Urgent,
        Some("Đã báo tổ tuần tra phường Hạ Long ra đường bao biển (ghi chú demo)."),
    ),
    (
        "Có người rao bán vé tàu",
        LegalType::CrimeDenunciation,
        Topic::FraudOnline,
        Urgency::Normal,
        Some("Đề nghị người báo tin gửi ảnh chụp giao dịch chuyển khoản (ghi chú demo)."),
    ),
    (
        "Tôi nghi ngờ một cơ sở cầm đồ",
        LegalType::CrimeDenunciation,
        Topic::LoanSharking,
        Urgency::Normal,
        None,
    ),
];

/// A later report of the same events, joined to the first (starts of their texts).
const QN_DUPLICATE: (&str, &str) = (
    "Lại thấy nhóm thanh niên",
    "Gọi đường dây nóng: nhóm thanh niên",
);

/// A demo platform account: platform, name, and its keys.
type DemoAccountLine = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// Quảng Ninh's platform accounts, receiving only, with the test secrets the shared fixtures
/// are signed with (fictional, published with them): a newcomer can post a fixture with its
/// documented signature to `/hooks/<platform>/<account>` and watch it become a report.
const CHANNEL_ACCOUNTS: &[DemoAccountLine] = &[
    (
        "whatsapp",
        "qn-whatsapp",
        &[
            ("app_secret", "vn-police-demo-app-secret-0001"),
            ("verify_token", "cat-tinh-verify-7f3a"),
        ],
    ),
    (
        "messenger",
        "qn-facebook",
        &[
            ("app_secret", "vn-police-demo-app-secret-0001"),
            ("verify_token", "cat-tinh-verify-7f3a"),
        ],
    ),
    (
        "instagram",
        "qn-instagram",
        &[
            ("app_secret", "vn-police-demo-app-secret-0001"),
            ("verify_token", "cat-tinh-verify-7f3a"),
        ],
    ),
    (
        "threads",
        "qn-threads",
        &[
            ("app_secret", "vn-police-demo-threads-secret-0001"),
            ("verify_token", "cat-tinh-verify-7f3a"),
        ],
    ),
    (
        "zalo",
        "qn-zalo",
        &[
            ("app_id", "4318235701426589013"),
            ("oa_secret_key", "Zk9vQ2hTdW5nVGhpZW5UYW1fT0FfU2VjcmV0"),
        ],
    ),
    (
        "telegram",
        "qn-telegram",
        &[("secret_token", "CAT-tinh_113-webhook-2026")],
    ),
    (
        "tiktok",
        "qn-tiktok",
        &[("app_secret", "tt-demo-client-secret-9f8e7d6c5b4a")],
    ),
    (
        "sms",
        "qn-sms",
        &[("signing_key", "smsgate-demo-signing-key-42")],
    ),
    ("cti", "qn-pbx", &[("token", "DemoCtiToken0000000000000")]),
    (
        "x",
        "qn-x",
        &[(
            "consumer_secret",
            "vnPoliceDemoConsumerSecret0123456789abcdefghijklmnop",
        )],
    ),
];

/// The public directory of Quảng Ninh, Phú Thọ, An Giang and Hà Tĩnh: invented people and
/// numbers, each marked "hư cấu" (Phú Thọ's director came from Hà Tĩnh, whose entry keeps the
/// history). Loaded as an import, the way an administrator would.
const DIRECTORY: &str = include_str!("demo_directory.json");

async fn load_directory(hotline: &Hotline) -> CoreResult<()> {
    let document: crate::directory_files::DirectoryDocument = DIRECTORY.parse()?;
    hotline.import_directory(&document, None).await?;
    Ok(())
}

async fn load_channel_accounts(hotline: &Hotline) -> CoreResult<()> {
    for (platform, name, keys) in CHANNEL_ACCOUNTS {
        let settings: Vec<(String, String)> = keys
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let input = crate::channels::AccountInput {
            platform,
            name,
            unit: "22",
            settings: &settings,
            api_base: None,
        };
        hotline.add_channel_account(None, &input).await?;
    }
    Ok(())
}

/// A demo roster line: unit, officer, days (Monday 1), start (hour, minute), minutes.
type DemoPattern = (&'static str, &'static str, &'static [u32], (u32, u32), u32);

/// The demo's duty rosters, from yesterday on: Quảng Ninh's desk round the clock (a day and a
/// night officer), Phú Thọ's on weekdays by day only, so that its nights show as gaps.
const ROSTERS: &[DemoPattern] = &[
    (
        "22",
        "demo.qn.trucban",
        &[1, 2, 3, 4, 5, 6, 7],
        (7, 30),
        12 * 60,
    ),
    (
        "22",
        "demo.qn.trucdem",
        &[1, 2, 3, 4, 5, 6, 7],
        (19, 30),
        12 * 60,
    ),
    ("25", "demo.pt.trucban", &[1, 2, 3, 4, 5], (7, 0), 10 * 60),
];

async fn load_rosters(
    hotline: &Hotline,
    members: &std::collections::HashMap<&str, hotline_domain::StaffId>,
    now: chrono::DateTime<chrono::Utc>,
) -> CoreResult<()> {
    let yesterday =
        now.with_timezone(&hotline_domain::VIETNAM).date_naive() - chrono::Duration::days(1);
    for (unit, username, days, (hour, minute), minutes) in ROSTERS {
        let (Some(staff), Some(by)) = (members.get(username), members.get("demo.admin")) else {
            continue;
        };
        let pattern = hotline_store::NewDutyPattern {
            unit: unit.parse()?,
            staff: *staff,
            weekdays: hotline_domain::roster::Weekdays::of(days)?,
            starts: chrono::NaiveTime::from_hms_opt(*hour, *minute, 0)
                .ok_or_else(|| CoreError::Internal("a demo shift's start".into()))?,
            minutes: *minutes,
            from: yesterday,
            until: None,
            by: *by,
            at: now,
        };
        let detail = format!(
            "pattern={} staff={username} demo",
            hotline_store::CREATED_ID
        );
        hotline
            .audited(
                Some(*by),
                hotline_domain::AuditAction::RosterPatternAdded,
                unit,
                &detail,
                async |audit| Ok(hotline.store.add_duty_pattern(&pattern, audit).await?),
            )
            .await?;
    }
    Ok(())
}

/// Departments of Quảng Ninh's police in the demo.
const DEPARTMENTS: &[(&str, &str)] = &[
    ("22-pc02", "Phòng Cảnh sát hình sự, CA Quảng Ninh (demo)"),
    (
        "22-pc03",
        "Phòng Cảnh sát điều tra tội phạm về kinh tế, CA Quảng Ninh (demo)",
    ),
    (
        "22-pa05",
        "Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao, CA Quảng Ninh (demo)",
    ),
];

/// Loads the demo into an empty store and returns the accounts to print. A store that already
/// has staff is left untouched (returns an empty list).
pub async fn load(hotline: &Hotline) -> CoreResult<Vec<DemoAccount>> {
    if hotline.store.count_staff().await? > 0 {
        return Ok(Vec::new());
    }
    for (province, commune) in COMMUNE_UNITS {
        hotline
            .resolve_unit(&UnitCode::commune(*province, *commune))
            .await?;
    }
    // Departments the routing table names, so that reports of their topics land there.
    for (code, name) in DEPARTMENTS {
        hotline
            .store
            .ensure_unit(&NewUnit {
                code: code.parse()?,
                name: (*name).into(),
                kind: UnitKind::Department,
                parent: Some(UnitCode::province(22)),
                province_code: Some(22),
                commune_code: None,
                case_prefix: "QN".into(),
            })
            .await?;
    }
    let mut accounts = Vec::new();
    let mut members = std::collections::HashMap::new();
    for (username, display_name, role, unit) in ACCOUNTS {
        let unit: UnitCode = unit.parse().map_err(CoreError::from)?;
        let member = hotline
            .add_staff(username, display_name, *role, &unit, DEMO_PASSWORD)
            .await?;
        members.insert(*username, member.id);
        accounts.push(DemoAccount {
            username,
            role: *role,
            unit: unit.to_string(),
        });
    }
    let now = hotline.clock.now();
    // A deputy director asked for by the ministry's administrator waits for the province's
    // administrator to approve: roles that see identities take two administrators.
    let admin = Actor(hotline.store.staff_by_username("demo.admin").await?.member);
    hotline
        .create_staff(
            &admin,
            "demo.qn.phogiamdoc",
            "Phó Giám đốc CA Quảng Ninh (demo)",
            Role::UnitLeader,
            "22",
            DEMO_PASSWORD,
        )
        .await?;
    load_rosters(hotline, &members, now).await?;
    load_channel_accounts(hotline).await?;
    load_directory(hotline).await?;
    let mut cases = Vec::new();
    // Oldest first, so case numbers grow with time as they would have.
    let mut reports: Vec<&DemoReport> = REPORTS.iter().collect();
    reports.sort_by_key(|r| std::cmp::Reverse(r.hours_ago));
    for report in reports {
        let input = ReportInput {
            text: format!("{DEMO_MARK} {}", report.text),
            province_code: report.province,
            commune_code: report.commune,
            address: None,
            contact: report.contact.map(|(name, phone)| ContactInput {
                name: Some(name.to_owned()),
                phone: Some(phone.to_owned()),
                email: None,
            }),
            anonymous: None,
            occurred_at: None,
            protection_requested: false,
        };
        let mut submission = Submission::new(input, report.channel);
        submission.urgency = report.urgency;
        submission.received_at = Some(now - Duration::hours(report.hours_ago));
        let submitted = hotline.submit(submission).await?;
        cases.push((report.text, submitted.case_number.to_string()));
    }
    let case_of = |start: &str| {
        cases
            .iter()
            .find(|(text, _)| text.starts_with(start))
            .map(|(_, case)| case.clone())
            .ok_or_else(|| CoreError::Internal(format!("no demo report starts {start}")))
    };
    let desk = Actor(
        hotline
            .store
            .staff_by_username("demo.qn.trucban")
            .await?
            .member,
    );
    for (start, legal_type, topic, urgency, note) in QN_TRIAGE {
        let case = case_of(start)?;
        let input = TriageInput {
            legal_type: legal_type.as_str(),
            topic: topic.as_str(),
            urgency: urgency.as_str(),
            commune: "",
        };
        hotline.triage(&desk, &case, &input).await?;
        if let Some(note) = note {
            hotline.add_note(&desk, &case, note).await?;
        }
    }
    // The director accepts the ticket fraud for verification: its receipt notices are drafted.
    let director = Actor(
        hotline
            .store
            .staff_by_username("demo.qn.giamdoc")
            .await?
            .member,
    );
    let fraud = case_of("Có người rao bán vé tàu")?;
    let today = now
        .with_timezone(&hotline_domain::VIETNAM)
        .date_naive()
        .to_string();
    let accept = StepInput {
        action: "accept",
        number: "01/QĐ-CSHS (demo)",
        decided_on: &today,
        signer: "Giám đốc CA Quảng Ninh (demo)",
        grounds: "Nguồn tin có dấu hiệu tội lừa đảo chiếm đoạt tài sản (demo).",
    };
    hotline.take_step(&director, &fraud, &accept).await?;
    let verify = StepInput {
        action: "begin_verification",
        grounds: "Giao Phòng Cảnh sát hình sự xác minh (demo).",
        ..StepInput::default()
    };
    hotline.take_step(&director, &fraud, &verify).await?;
    let (duplicate, into) = QN_DUPLICATE;
    hotline
        .merge(&desk, &case_of(duplicate)?, &case_of(into)?)
        .await?;
    tracing::info!(
        reports = REPORTS.len(),
        accounts = accounts.len(),
        "demo data loaded"
    );
    Ok(accounts)
}
