//! Search over sealed reports: words with or without diacritics through the blind index, case
//! numbers, the same reporter's phone across reports for members with clearance; always
//! within scope, never echoing markup, and audited without its terms.

use crate::harness::{Backend, Data, Server, browser, sign_in};
use hotline_domain::Role;
use hotline_server::Service;
use serde_json::{Value, json};

const PHONE: &str = "0912 345 678";

async fn submit(server: &Server, text: &str, province: u32) -> String {
    submit_as(server, text, province, ("Người Tìm Kiếm", PHONE)).await
}

async fn submit_as(server: &Server, text: &str, province: u32, who: (&str, &str)) -> String {
    let created: Value = browser()
        .post(server.url("/api/v1/reports"))
        .json(&json!({"text": text, "province_code": province,
                      "contact": {"name": who.0, "phone": who.1}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["case_number"].as_str().unwrap().to_owned()
}

async fn search(client: &reqwest::Client, server: &Server, query: &str) -> (u16, String) {
    search_with_reason(client, server, query, "").await
}

async fn search_with_reason(
    client: &reqwest::Client,
    server: &Server,
    query: &str,
    reason: &str,
) -> (u16, String) {
    let fields = [("q", query), ("reason", reason)];
    let r = client
        .post(server.url("/console/search"))
        .form(&crate::harness::console_form(client, server, &fields).await)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn searching(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    data.add_staff("ht.director", Role::Director, "42").await;
    let mut config = data.config();
    // More reports from one address than a citizen's burst allows.
    config.public_submissions_per_minute = 0;
    let server = Server::start(config).await;
    let theft = submit(&server, "Trộm xe máy ở Buôn Ma Thuột lúc nửa đêm", 22).await;
    let gambling = submit(&server, "Đánh bạc tại quán cà phê đầu ngõ", 22).await;
    let elsewhere = submit(&server, "trom xe dap o cho", 42).await;
    let stranger = submit_as(
        &server,
        "Người khác báo tin",
        22,
        ("Người Khác", "0987 111 222"),
    )
    .await;

    let director = browser();
    sign_in(&director, &server, "qn.director").await;
    let (status, page) = search(&director, &server, "buon ma thuot").await;
    assert_eq!(status, 200);
    assert!(page.contains(&theft) && !page.contains(&gambling));
    assert!(
        page.contains("<mark>Buôn</mark> <mark>Ma</mark> <mark>Thuột</mark>"),
        "the snippet marks the words found, as written"
    );
    let (_, page) = search(&director, &server, "TRỘM XE").await;
    assert!(page.contains(&theft), "with diacritics and in capitals");
    assert!(
        !page.contains(&elsewhere),
        "another province's report is not found"
    );
    let (status, page) = search(&director, &server, &gambling).await;
    assert_eq!(status, 200, "a case number is no contact search");
    assert!(
        page.contains(&gambling) && !page.contains(&theft),
        "by case number"
    );
    let (_, page) = search(&director, &server, "trộm bạc").await;
    assert!(
        !page.contains(&theft) && !page.contains(&gambling),
        "every word must match"
    );

    // Staff call a reporter by a pseudonym: the same for the same phone on every report.
    let pseudonym_on = |page: &str| -> String {
        let at = page.find("NBT-").expect("a pseudonym");
        page[at..at + 10].to_owned()
    };
    let mut pseudonyms = Vec::new();
    for case in [&theft, &gambling, &stranger] {
        let page =
            crate::harness::page(&director, server.url(&format!("/console/reports/{case}"))).await;
        assert!(!page.contains("Người Tìm Kiếm") && !page.contains("Người Khác"));
        pseudonyms.push(pseudonym_on(&page));
    }
    assert_eq!(pseudonyms[0], pseudonyms[1], "one reporter, one pseudonym");
    assert_ne!(
        pseudonyms[0], pseudonyms[2],
        "another reporter, another pseudonym"
    );

    // The same reporter across reports, by phone: members with clearance only, and with a
    // reason, for it is a reveal (issue 25, finding 4).
    let (status, page) = search(&director, &server, "0912.345.678").await;
    assert_eq!(status, 400, "a search by phone without a reason");
    assert!(page.contains("hãy ghi lý do") && !page.contains(&theft));
    let why = "Xác minh người báo tin nhiều vụ";
    let (_, page) = search_with_reason(&director, &server, "0912.345.678", why).await;
    assert!(page.contains(&theft) && page.contains(&gambling) && !page.contains(&elsewhere));
    let handler = browser();
    sign_in(&handler, &server, "qn.handler").await;
    let (status, page) = search(&handler, &server, "0912 345 678").await;
    assert_eq!(status, 403);
    assert!(page.contains("Chỉ cán bộ có thẩm quyền") && !page.contains(&theft));
    let (_, page) = search(&handler, &server, "quán cà phê").await;
    assert!(page.contains(&gambling), "word search is for every reader");
    // A number masked for a reader is not searchable by them in any form: not alone, and not
    // beside other words either (issue 25, finding 5).
    let fraud = submit(
        &server,
        "Lừa đảo chuyển khoản vào tài khoản 0123456789012 ở chợ",
        22,
    )
    .await;
    let (status, page) = search(&handler, &server, "0123456789012 chợ").await;
    assert_eq!(status, 403);
    assert!(!page.contains(&fraud));
    // Nor once folding has dropped a mark that split it, nor in the shape of a case number.
    for disguised in ["01234567\u{300}89012 chợ", "AN-2026-0123456789012 chợ"] {
        let (status, page) = search(&handler, &server, disguised).await;
        assert_eq!(status, 403, "{disguised}");
        assert!(!page.contains(&fraud));
    }
    let (status, page) = search_with_reason(&director, &server, "0123456789012 chợ", why).await;
    assert_eq!(status, 200);
    assert!(page.contains(&fraud), "a member with clearance finds it");
    // Nor piece by piece: a number and an e-mail address in a report are indexed whole and
    // apart from its words, so their pieces find nothing.
    let pieces = submit(
        &server,
        "Nhân chứng gọi 0936 888 777, thư lan.nguyen@example.vn, ở bến xe",
        22,
    )
    .await;
    for piece in [
        "0936",
        "888 777",
        "0936 bến",
        "lan nguyen",
        "example",
        "nguyen example vn",
    ] {
        let (status, page) = search(&handler, &server, piece).await;
        assert_eq!(status, 200, "{piece}");
        assert!(!page.contains(&pieces), "{piece}");
    }
    let (_, page) = search(&handler, &server, "bến xe nhân chứng").await;
    assert!(page.contains(&pieces), "its words still find it");
    let (_, page) =
        search_with_reason(&director, &server, "lan.nguyen@example.vn bến xe", why).await;
    assert!(
        page.contains(&pieces),
        "the whole address finds it, with clearance"
    );
    let (_, page) = search_with_reason(&director, &server, "0936.888.777", why).await;
    assert!(
        page.contains(&pieces),
        "so does the whole number its text names"
    );

    let other = browser();
    sign_in(&other, &server, "ht.director").await;
    let (_, page) = search(&other, &server, "trom xe").await;
    assert!(page.contains(&elsewhere) && !page.contains(&theft));

    // Markup in a report is text everywhere: inbox, report page, search snippet, API.
    let hostile = submit(
        &server,
        "Cảnh báo <script>alert('x')</script> và \"><img src=x onerror=alert(1)> ở chợ",
        22,
    )
    .await;
    let inbox = crate::harness::page(&director, server.url("/console")).await;
    let report = crate::harness::page(
        &director,
        server.url(&format!("/console/reports/{hostile}")),
    )
    .await;
    let (_, found) = search(&director, &server, "onerror canh bao").await;
    assert!(found.contains(&hostile) && found.contains("<mark>onerror</mark>"));
    for (what, html) in [("inbox", &inbox), ("report", &report), ("search", &found)] {
        assert!(
            !html.contains("<script>alert") && !html.contains("<img src=x"),
            "{what} renders markup from a report"
        );
        assert!(
            html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"),
            "{what}"
        );
    }

    // Markup and SQL are only text to search for.
    let (status, page) = search(&director, &server, "<script>alert(1)</script>").await;
    assert_eq!(status, 200);
    assert!(!page.contains("<script>alert(1)"));
    assert!(page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"));
    let (status, page) = search(&director, &server, "' OR 1=1 --").await;
    assert_eq!(status, 200);
    assert!(!page.contains(&theft));
    server.stop().await;

    let service = Service::open(&data.config()).await.unwrap();
    let entries = service.hotline.store.audit_entries(0, 1000).await.unwrap();
    service.close().await;
    let searches: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "reports.searched")
        .collect();
    assert_eq!(searches.len(), 20, "every search but the refused ones");
    assert!(searches.iter().any(|e| e.detail == "by=phone results=2"));
    assert!(searches.iter().any(|e| e.detail == "by=words=3 results=1"));
    // Keyed digests of what was searched (64 hex digits, random per store) may hold any
    // digits: the words around them may not.
    let clear_words = |detail: &str| {
        detail
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !(w.len() >= 32 && w.bytes().all(|b| b.is_ascii_hexdigit())))
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(
        entries.iter().all(|e| {
            let words = clear_words(&e.detail);
            !words.contains("buon") && !words.contains("0912")
        }),
        "the chain records that a search ran, not what was searched for"
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "reports.phone_search_refused")
            .count(),
        4
    );
    // Each match of a search by number is a reveal under its case, with the reason and a
    // keyed digest of the number, never the number.
    let revealed: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "identity.searched_by_contact")
        .collect();
    let mut cases: Vec<&str> = revealed.iter().map(|e| e.subject.as_str()).collect();
    cases.sort_unstable();
    let mut expected = vec![
        theft.as_str(),
        gambling.as_str(),
        fraud.as_str(),
        pieces.as_str(),
        pieces.as_str(),
    ];
    expected.sort_unstable();
    assert_eq!(cases, expected);
    // The reason sealed (the reveal log opens it), the rest as it reads.
    let unsealed = |detail: &str| {
        detail
            .split(' ')
            .filter(|w| !w.starts_with("sealed:"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(revealed.iter().all(|e| {
        let words = clear_words(&unsealed(&e.detail));
        e.detail.starts_with("sealed:")
            && !e.detail.contains(why)
            && e.detail.contains("[search:")
            && !words.contains("0912")
            && !words.contains("84912")
    }));
}

#[tokio::test]
async fn search_on_sqlite() {
    searching(Backend::Sqlite).await;
}

#[tokio::test]
async fn search_on_postgres() {
    searching(Backend::Postgres).await;
}

/// Intake queues a report's words; the server's indexer moves them into the index soon after,
/// with no search to make it, and the search then finds them where they now are.
async fn indexing_after_intake(backend: Backend) {
    let Some(data) = Data::new(backend).await else {
        return;
    };
    data.add_staff("qn.director", Role::Director, "22").await;
    let server = Server::start(data.config()).await;
    let case = submit(&server, "Tụ tập đua xe trái phép trên cầu Bãi Cháy", 22).await;
    let service = Service::open(&data.config()).await.unwrap();
    let mut queued = u32::MAX;
    for _ in 0..100 {
        queued = service
            .hotline
            .store
            .pending_word_entries(100)
            .await
            .unwrap();
        if queued == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    service.close().await;
    assert_eq!(queued, 0, "the indexer moved the report's words");
    let director = browser();
    sign_in(&director, &server, "qn.director").await;
    let (status, page) = search(&director, &server, "dua xe cau bai chay").await;
    assert_eq!(status, 200);
    assert!(page.contains(&case), "found through the index");
    server.stop().await;
}

#[tokio::test]
async fn the_indexer_moves_words_soon_after_intake_on_sqlite() {
    indexing_after_intake(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_indexer_moves_words_soon_after_intake_on_postgres() {
    indexing_after_intake(Backend::Postgres).await;
}

/// A store indexed before numbers were kept apart from words (migration 0043) has its
/// reports indexed again once a server starts: the number's pieces find them no more.
#[tokio::test]
async fn reports_indexed_before_lose_their_number_pieces_once_a_server_starts() {
    let Some(data) = Data::new(Backend::Sqlite).await else {
        return;
    };
    data.add_staff("qn.handler", Role::Handler, "22").await;
    let server = Server::start(data.config()).await;
    let case = submit(&server, "Nhân chứng gọi 0936 888 777 ở bến xe", 22).await;
    server.stop().await;

    // As the index of a store written before held it: the number's pieces as words, and the
    // report listed for indexing again, as migration 0043 lists every report.
    let url = format!("sqlite://{}", data.dir.path().join("hotline.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let wrapped_index: Vec<u8> = sqlx::query_scalar("SELECT index_key FROM vault_meta")
        .fetch_one(&pool)
        .await
        .unwrap();
    let ring =
        hotline_vault::keys::KeyRing::load(&data.dir.path().join("keys/master.key")).unwrap();
    let index = ring.newest().unwrap_index_key(&wrapped_index).unwrap();
    let piece = |word: &str| index.blind_index("word", word)[..16].to_vec();
    let id: i64 = sqlx::query_scalar("SELECT id FROM reports WHERE case_number = $1")
        .bind(&case)
        .fetch_one(&pool)
        .await
        .unwrap();
    for word in ["0936", "888", "777"] {
        sqlx::query("INSERT INTO report_words (digest, report_id) VALUES ($1, $2)")
            .bind(piece(word))
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO reindex_reports (report_id) VALUES ($1)")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let service = Service::open(&data.config()).await.unwrap();
    let everything = hotline_store::Visibility::Subtree(String::new());
    let before = service
        .hotline
        .store
        .search_reports(&everything, &[piece("0936")], 10)
        .await
        .unwrap();
    service.close().await;
    assert_eq!(before.len(), 1, "the old index finds it by a piece");

    let server = Server::start(data.config()).await;
    crate::channels::eventually("the report is indexed again", async || {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reindex_reports")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        left == 0
    })
    .await;
    let handler = browser();
    sign_in(&handler, &server, "qn.handler").await;
    for query in ["0936", "888 777"] {
        let (status, page) = search(&handler, &server, query).await;
        assert_eq!(status, 200);
        assert!(!page.contains(&case), "{query}");
    }
    let (_, page) = search(&handler, &server, "bến xe").await;
    assert!(page.contains(&case), "its words still find it");
    server.stop().await;
}
