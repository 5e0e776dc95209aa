//! The HTTP listener: connections accepted up to a ceiling, and a ceiling for each client
//! address; a client that sends its request's head too slowly, or holds a connection open
//! without asking anything, is cut off (slowloris). Bodies are paced and timed by the
//! application (`lanes`, `body_read_timeout`), which answers 408.
//!
//! HTTP/1.1 only: HTTP/2 lets one connection hold hundreds of requests, and its handshake and
//! idle streams have no time limit of their own here. The reverse proxy in front speaks
//! HTTP/2 to browsers (docs/deploy.md).

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// A warning said at most once a minute: in a flood its condition comes and goes with every
/// connection, and a line for each would bury the log.
#[derive(Default)]
struct Said(Option<std::time::Instant>);

impl Said {
    /// Whether to say it now (and it counts as said).
    fn due(&mut self) -> bool {
        let due = self
            .0
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(60));
        if due {
            self.0 = Some(std::time::Instant::now());
        }
        due
    }
}

/// What one node lets its clients hold.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once; past it the next waits in the kernel's queue.
    pub max_connections: usize,
    /// Connections open at once from one client address (0: no limit of its own); past it
    /// the next is closed at once. Behind a reverse proxy every connection comes from the
    /// proxy: raise it or set 0 there.
    pub max_connections_per_address: usize,
    /// Longest a request's head (line and headers) may take to arrive, and an idle kept-alive
    /// connection may wait for its next request.
    pub header_read_timeout: Duration,
    /// Longest in-flight requests are given to finish once the server is stopping.
    pub drain: Duration,
}

/// A head larger than this is refused: no header of ours comes near it.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Connections open per client address.
#[derive(Clone, Default)]
struct PerAddress(Arc<Mutex<HashMap<IpAddr, usize>>>);

/// One connection counted against its address; uncounted when dropped.
struct Counted {
    table: PerAddress,
    address: IpAddr,
}

impl PerAddress {
    /// Counts a connection from `address`, unless it already has `max` (0: no limit).
    fn admit(&self, address: IpAddr, max: usize) -> Option<Counted> {
        let mut open = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(address).or_default();
        if max > 0 && *count >= max {
            return None;
        }
        *count += 1;
        Some(Counted {
            table: self.clone(),
            address,
        })
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut open = self.table.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting and lets the
/// requests in flight finish (for at most `limits.drain`).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_HEADER_BYTES);
    let connections = Arc::new(Semaphore::new(
        limits.max_connections.clamp(1, Semaphore::MAX_PERMITS),
    ));
    let per_address = PerAddress::default();
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let (mut said_full, mut said_failing, mut said_crowded) =
        (Said::default(), Said::default(), Said::default());
    loop {
        let slot = tokio::select! {
            slot = connections.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let full = connections.available_permits() == 0;
        if full && said_full.due() {
            tracing::warn!(
                max = limits.max_connections,
                "connections at their ceiling; new ones wait"
            );
        }
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, or a connection reset while queued: the listener
                // itself is fine; a pause keeps a full descriptor table from spinning.
                if said_failing.due() {
                    tracing::warn!(error = %e, "accepting connections fails; retrying");
                }
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                    () = &mut shutdown => break,
                }
            }
        };
        let Some(counted) = per_address.admit(peer.ip(), limits.max_connections_per_address) else {
            if said_crowded.due() {
                tracing::warn!(
                    max = limits.max_connections_per_address,
                    "a client address reached its ceiling of connections; more are closed"
                );
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = app.clone().map_request(move |request: Request<Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(counted);
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running when the drain time ran out are left to end");
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn each_address_has_its_own_ceiling() {
        let table = PerAddress::default();
        let one: IpAddr = [192, 0, 2, 1].into();
        let other: IpAddr = [192, 0, 2, 2].into();
        let first = table.admit(one, 2).unwrap();
        let _second = table.admit(one, 2).unwrap();
        assert!(table.admit(one, 2).is_none());
        assert!(table.admit(other, 2).is_some(), "others are not held back");
        drop(first);
        assert!(
            table.admit(one, 2).is_some(),
            "a closed connection frees its place"
        );
        assert!(table.admit(one, 0).is_some(), "0: no limit of its own");
    }
}
