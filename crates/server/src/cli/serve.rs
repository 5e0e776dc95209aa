//! Serving, and bringing the schema up to date.

use super::shutdown_signal;
use anyhow::Context;
use hotline_server::Service;
use hotline_server::config::Config;
use hotline_server::launch_with_listener;

pub(super) async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let metrics = match tokio::net::TcpListener::bind(config.metrics_bind).await {
        Ok(metrics) => Some(metrics),
        Err(e) => {
            tracing::warn!(address = %config.metrics_bind, error = %e, "metrics not served: cannot listen there");
            None
        }
    };
    launch_with_listener(config, listener, metrics, demo, shutdown_signal()).await
}

pub(super) async fn migrate(config: Config) -> anyhow::Result<()> {
    // Run against the server itself, never through PgBouncer: migrating holds a session lock.
    let config = Config {
        database_pgbouncer: false,
        ..config
    };
    let service = Service::open(&config).await?;
    service.close().await;
    println!("database is up to date");
    Ok(())
}
