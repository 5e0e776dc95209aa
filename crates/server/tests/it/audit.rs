//! The audit chain on both stores: intact after use, and each kind of tampering (an edited,
//! deleted or moved entry, a truncated tail) detected and named.

use crate::harness::{Backend, Data, Server, browser, sign_in};
use hotline_domain::Role;
use hotline_server::Service;
use hotline_vault::audit::{ChainBreak, Head};

/// Runs SQL on the test's database as someone with direct access would.
async fn tamper(data: &Data, backend: Backend, statements: &[&str]) {
    match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", data.dir.path().join("hotline.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            for sql in [
                "DROP TRIGGER IF EXISTS audit_log_no_update",
                "DROP TRIGGER IF EXISTS audit_log_no_delete",
            ]
            .iter()
            .chain(statements)
            {
                sqlx::query(sql).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(data.database_url.as_deref().unwrap())
                .await
                .unwrap();
            for sql in ["DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log"]
                .iter()
                .chain(statements)
            {
                sqlx::query(sql).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
    }
}

async fn verify(data: &Data, head: Option<Head>) -> Result<Option<Head>, ChainBreak> {
    let service = Service::open(&data.config()).await.unwrap();
    let verdict = service.hotline.verify_audit(head).await.unwrap();
    service.close().await;
    verdict
}

/// A store with seven audited events: an account created, a password accepted, a second
/// factor enrolled, a sign-in, a list, a failed sign-in, a sign-out.
async fn used(backend: Backend) -> Option<(Data, Head)> {
    let data = Data::new(backend).await?;
    data.add_staff("qn.director", Role::Director, "22").await;
    let server = Server::start(data.config()).await;
    let client = browser();
    sign_in(&client, &server, "qn.director").await;
    let inbox = crate::harness::page(&client, server.url("/console")).await;
    let csrf = crate::harness::field_value(&inbox, "csrf").unwrap();
    client
        .post(server.url("/console/sign-in"))
        .form(&[("username", "qn.director"), ("password", "wrong password")])
        .send()
        .await
        .unwrap();
    client
        .post(server.url("/console/sign-out"))
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    server.stop().await;
    let head = verify(&data, None).await.unwrap().unwrap();
    assert_eq!(head.seq, 7);
    Some((data, head))
}

/// Recomputes every hash from entry `from` on with the plain hash older chains used, as
/// someone who can write the database but holds no key can; with `edit`, entry `from`'s
/// detail first becomes that.
async fn rewrite_plain(data: &Data, backend: Backend, from: i64, edit: Option<&str>) {
    let service = Service::open(&data.config()).await.unwrap();
    let mut entries = service.hotline.store.audit_entries(0, 1000).await.unwrap();
    service.close().await;
    let first = usize::try_from(from).unwrap() - 1;
    let mut previous = match first {
        0 => hotline_vault::audit::GENESIS.to_vec(),
        _ => entries[first - 1].hash.clone(),
    };
    let mut statements = Vec::new();
    if let Some(detail) = edit {
        statements.push(format!(
            "UPDATE audit_log SET detail = '{detail}' WHERE seq = {from}"
        ));
        entries[first].detail = detail.to_owned();
    }
    for entry in entries.iter().skip(first) {
        let content = hotline_vault::audit::AuditContent {
            seq: entry.seq,
            at_micros: entry.at.timestamp_micros(),
            actor: entry.actor.map(|a| a.0),
            action: &entry.action,
            subject: &entry.subject,
            detail: &entry.detail,
        };
        let hash = hex::encode(hotline_vault::audit::chain_hash(&previous, &content));
        let literal = match backend {
            Backend::Sqlite => format!("X'{hash}'"),
            Backend::Postgres => format!("decode('{hash}', 'hex')"),
        };
        statements.push(format!(
            "UPDATE audit_log SET hash = {literal} WHERE seq = {}",
            entry.seq
        ));
        // The head the next entry links to, as a store written this way would hold it.
        statements.push(format!(
            "UPDATE audit_head SET hash = {literal} WHERE id = 1"
        ));
        previous = hex::decode(hash).unwrap();
    }
    let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
    tamper(data, backend, &statements).await;
}

async fn tampering_is_detected(backend: Backend) {
    let Some((data, head)) = used(backend).await else {
        return;
    };
    assert_eq!(verify(&data, Some(head.clone())).await.unwrap(), Some(head));

    let (data, _) = used(backend).await.unwrap();
    tamper(
        &data,
        backend,
        &["UPDATE audit_log SET detail = 'count=9' WHERE seq = 3"],
    )
    .await;
    assert_eq!(
        verify(&data, None).await,
        Err(ChainBreak::Altered { seq: 3 })
    );

    let (data, _) = used(backend).await.unwrap();
    tamper(&data, backend, &["DELETE FROM audit_log WHERE seq = 2"]).await;
    assert_eq!(
        verify(&data, None).await,
        Err(ChainBreak::Missing {
            expected: 2,
            found: 3
        })
    );

    let (data, _) = used(backend).await.unwrap();
    tamper(
        &data,
        backend,
        &[
            "UPDATE audit_log SET seq = -seq WHERE seq IN (2, 4)",
            "UPDATE audit_log SET seq = 4 WHERE seq = -2",
            "UPDATE audit_log SET seq = 2 WHERE seq = -4",
        ],
    )
    .await;
    assert_eq!(
        verify(&data, None).await,
        Err(ChainBreak::Altered { seq: 2 })
    );

    // Rewritten after an edit without the key: the keyed hash does not follow.
    let (data, head) = used(backend).await.unwrap();
    rewrite_plain(&data, backend, 3, Some("nothing to see")).await;
    assert_eq!(
        verify(&data, None).await,
        Err(ChainBreak::Altered { seq: 3 })
    );
    // Rewritten whole, plain, and said to be an older chain keyed only from its end: the next
    // start appends the marker and it verifies on its own, which is why heads are recorded;
    // against the head recorded it does not.
    rewrite_plain(&data, backend, 1, None).await;
    tamper(&data, backend, &["UPDATE audit_head SET keyed_from = 8"]).await;
    assert_eq!(verify(&data, None).await.unwrap().map(|h| h.seq), Some(8));
    assert_eq!(
        verify(&data, Some(head)).await,
        Err(ChainBreak::HeadMismatch { head: 7 })
    );

    let (data, head) = used(backend).await.unwrap();
    tamper(&data, backend, &["DELETE FROM audit_log WHERE seq > 3"]).await;
    assert_eq!(verify(&data, None).await.unwrap().map(|h| h.seq), Some(3));
    assert_eq!(
        verify(&data, Some(head)).await,
        Err(ChainBreak::Truncated { last: 3, head: 7 })
    );
}

/// A chain written before chains were keyed (plain hashes, as migration 0042 found it) goes
/// on keyed from its next entry, which says so; moved without that marker, it is broken.
async fn an_older_chain_is_keyed_from_its_next_entry(backend: Backend) {
    let Some((data, _)) = used(backend).await else {
        return;
    };
    rewrite_plain(&data, backend, 1, None).await;
    tamper(&data, backend, &["UPDATE audit_head SET keyed_from = 8"]).await;
    // Opened by this version: the marker is appended, keyed, and the chain verifies.
    let head = verify(&data, None).await.unwrap().unwrap();
    assert!(head.seq >= 8, "{head:?}");
    let service = Service::open(&data.config()).await.unwrap();
    let marker = service.hotline.store.audit_entries(7, 1).await.unwrap();
    service.close().await;
    assert_eq!(
        (marker[0].action.as_str(), marker[0].detail.as_str()),
        ("audit.chain_keyed", "from=8")
    );
    // Claimed keyed from an entry that is no marker: broken there.
    tamper(&data, backend, &["UPDATE audit_head SET keyed_from = 9"]).await;
    assert_eq!(
        verify(&data, None).await,
        Err(ChainBreak::Altered { seq: 8 })
    );
}

#[tokio::test]
async fn an_older_chain_is_keyed_from_its_next_entry_on_sqlite() {
    an_older_chain_is_keyed_from_its_next_entry(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_older_chain_is_keyed_from_its_next_entry_on_postgres() {
    an_older_chain_is_keyed_from_its_next_entry(Backend::Postgres).await;
}

#[tokio::test]
async fn tampering_is_detected_on_sqlite() {
    tampering_is_detected(Backend::Sqlite).await;
}

#[tokio::test]
async fn tampering_is_detected_on_postgres() {
    tampering_is_detected(Backend::Postgres).await;
}

#[tokio::test]
async fn the_log_is_append_only_for_the_application_role() {
    let (data, _) = used(Backend::Sqlite).await.unwrap();
    let url = format!("sqlite://{}", data.dir.path().join("hotline.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let edit = sqlx::query("UPDATE audit_log SET detail = 'x' WHERE seq = 1")
        .execute(&pool)
        .await;
    assert!(edit.is_err(), "triggers refuse edits");
    let delete = sqlx::query("DELETE FROM audit_log").execute(&pool).await;
    assert!(delete.is_err(), "triggers refuse deletes");
    pool.close().await;
}

#[tokio::test]
async fn serve_records_the_verified_head_in_a_file() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.director", Role::Director, "22").await;
    let heads = data.dir.path().join("elsewhere-audit-heads.txt");
    let mut config = data.config();
    config.audit_head_file = Some(heads.clone());
    config.audit_head_every_secs = 1;
    let server = Server::start(config).await;
    // Wait for the first record (written at start), a condition rather than a fixed time.
    let mut recorded = String::new();
    for _ in 0..200 {
        recorded = std::fs::read_to_string(&heads).unwrap_or_default();
        if !recorded.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    server.stop().await;
    let line = recorded.lines().next().expect("a head was recorded");
    let (time, head) = line.split_once(' ').unwrap();
    assert!(time.starts_with("20"), "{line}");
    let head = Head::parse(head).unwrap();
    assert_eq!(head.seq, 1, "one account created");
    assert!(verify(&data, Some(head)).await.is_ok());
}
