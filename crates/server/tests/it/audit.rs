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
                "DROP TRIGGER audit_log_no_update",
                "DROP TRIGGER audit_log_no_delete",
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
            for sql in ["DROP TRIGGER audit_log_no_update ON audit_log"]
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

    let (data, head) = used(backend).await.unwrap();
    tamper(&data, backend, &["DELETE FROM audit_log WHERE seq > 3"]).await;
    assert_eq!(verify(&data, None).await.unwrap().map(|h| h.seq), Some(3));
    assert_eq!(
        verify(&data, Some(head)).await,
        Err(ChainBreak::Truncated { last: 3, head: 7 })
    );
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
