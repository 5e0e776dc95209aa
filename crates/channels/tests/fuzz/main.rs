//! Property tests of every parser that reads what the platforms send: webhook bodies, mail, the
//! PBX's events, and the headers deliveries are signed and checked with. Inputs are arbitrary
//! bytes, the platforms' own samples (`fixtures/platforms`, `fixtures/email`) with bytes
//! flipped, cut or repeated, and the JSON samples with values swapped for odd ones (huge
//! numbers, deep nesting, wrong types, lone surrogates). Each property runs 10,000 cases from a
//! fixed seed; each parse runs on a thread of its own and fails when it takes longer than
//! `LIMIT`, so a hang is a failure with its input rather than a stuck run. A few seconds a
//! property in a debug build.

// Test code: a failed expectation is the test's failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod inputs;
mod parsers;
mod signatures;

use chrono::{DateTime, Utc};
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestRunner};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// The seed every property starts from: the same cases on every run and every machine.
const SEED: u64 = 0x4854_4c4e_4655_5a5a;
/// Cases per property.
const CASES: u32 = 10_000;
/// Longest one parse may take before it counts as a hang (generous: a debug build on a busy
/// two-core machine).
const LIMIT: Duration = Duration::from_secs(10);
/// The time deliveries are taken apart at, and signatures checked against.
const NOW: i64 = 1_795_185_012;

fn config() -> Config {
    Config {
        cases: CASES,
        rng_seed: RngSeed::Fixed(SEED),
        // The fastest of proptest's generators: cases are many and inputs long.
        rng_algorithm: RngAlgorithm::XorShift,
        // A found case becomes a named test here, not a file beside the tests.
        failure_persistence: None,
        // A failure is reported within about a minute, shrunk as far as that allows.
        max_shrink_iters: 1_000,
        max_shrink_time: 60_000,
        ..Config::default()
    }
}

/// Runs `test` on `CASES` inputs of `strategy`; a failure names the smallest input found.
fn check<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let mut runner = TestRunner::new(config());
    if let Err(failure) = runner.run(&strategy, test) {
        panic!("{failure}");
    }
}

/// Runs `work` on a thread of its own: a panic or a hang (past `LIMIT`) fails the case.
fn bounded<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TestCaseError> {
    let (done, answer) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        // Nobody listens any more only when the case already failed for its time.
        let _ = done.send(work());
    });
    match answer.recv_timeout(LIMIT) {
        Ok(value) => Ok(value),
        Err(RecvTimeoutError::Timeout) => Err(TestCaseError::fail(format!(
            "no answer within {LIMIT:?}: a hang"
        ))),
        Err(RecvTimeoutError::Disconnected) => {
            let why = match worker.join() {
                Err(panic) => panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default(),
                Ok(()) => String::new(),
            };
            Err(TestCaseError::fail(format!("panicked: {why}")))
        }
    }
}

fn received() -> DateTime<Utc> {
    DateTime::from_timestamp(NOW, 0).unwrap()
}
