//! The HTTP listener: connections accepted up to a ceiling, and a client that sends its
//! request's head too slowly, or holds a connection open without asking anything, is cut off
//! (slowloris). Bodies are timed by the application (`body_read_timeout`), which answers 408.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// What one node lets its clients hold.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once; past it the next waits in the kernel's queue.
    pub max_connections: usize,
    /// Longest a request's head (line and headers) may take to arrive, and an idle kept-alive
    /// connection may wait for its next request.
    pub header_read_timeout: Duration,
    /// Longest in-flight requests are given to finish once the server is stopping.
    pub drain: Duration,
}

/// A head larger than this is refused (431): no header of ours comes near it.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting and lets the
/// requests in flight finish (for at most `limits.drain`).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_HEADER_BYTES.max(8192));
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.header_read_timeout))
        .keep_alive_timeout(limits.header_read_timeout)
        .max_header_list_size(u32::try_from(MAX_HEADER_BYTES).unwrap_or(u32::MAX));
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut said_full = false;
    loop {
        let slot = tokio::select! {
            slot = connections.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let full = connections.available_permits() == 0;
        if full && !said_full {
            tracing::warn!(
                max = limits.max_connections,
                "connections at their ceiling; new ones wait"
            );
        }
        said_full = full;
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors or a connection reset while queued: the listener
                // itself is fine; a pause keeps a full descriptor table from spinning.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = app.clone().map_request(move |request: Request<Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let header_read_timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            // Telling HTTP/1 from HTTP/2 waits for the first bytes with no time limit of its
            // own: a connection that never sends any is closed here.
            let mut first = [0u8; 1];
            match tokio::time::timeout(header_read_timeout, stream.peek(&mut first)).await {
                Ok(Ok(read)) if read > 0 => {}
                _ => return,
            }
            let connection =
                builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            if let Err(e) = watcher.watch(connection.into_owned()).await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running when the drain time ran out were cut off");
    }
    Ok(())
}

/// Raises the process's limit of open files to its ceiling (a service manager's default soft
/// limit, often 1,024, would stop a flood at a thousand sockets with "too many open files"),
/// and returns how many of `wanted` connections fit under it, leaving a reserve for the
/// database, logs and mail.
pub fn connections_that_fit(wanted: usize) -> usize {
    const RESERVE: u64 = 256;
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(files) => {
            let fit = usize::try_from(files.saturating_sub(RESERVE)).unwrap_or(usize::MAX);
            if fit < wanted {
                tracing::warn!(
                    wanted,
                    open_files = files,
                    "the open-file limit leaves room for fewer connections; raise LimitNOFILE"
                );
                fit.max(16)
            } else {
                wanted
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "the open-file limit could not be read or raised");
            wanted
        }
    }
}
