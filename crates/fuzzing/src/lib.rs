//! One way to run the property tests of every reader of outside input (`tests/fuzz*` of the
//! channels, core, web and domain crates): seeded, so a run gives the same cases on every
//! machine; bounded in time, so a hang fails with its input rather than stalling the run; and
//! fed by the same edits of real samples, each crate giving only what is its own (its seed,
//! samples, the tokens that break its readers, its sizes). A dev-dependency only.

mod inputs;

pub use inputs::{arbitrary_bytes, edited_bytes, edited_json};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestRunner};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// Cases per property: a few seconds a property in a debug build.
pub const CASES: u32 = 10_000;

/// Longest one case may take before it counts as a hang (generous: a debug build on a busy
/// two-core machine).
pub const LIMIT: Duration = Duration::from_secs(10);

/// The runner's settings: `cases` cases from `seed`, the same on every run and every machine.
pub fn config(seed: u64, cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        // The fastest of proptest's generators: cases are many and inputs long.
        rng_algorithm: RngAlgorithm::XorShift,
        // A found case becomes a named test beside the property, not a file beside the tests.
        failure_persistence: None,
        // A failure is reported within about a minute, shrunk as far as that allows.
        max_shrink_iters: 1_000,
        max_shrink_time: 60_000,
        ..Config::default()
    }
}

/// Runs `test` on `cases` inputs of `strategy` from `seed`; a failure names the smallest input
/// found.
// A test fails by panicking: this is where a failed property becomes a failed test.
#[allow(clippy::panic)]
pub fn check<S: Strategy>(
    seed: u64,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let mut runner = TestRunner::new(config(seed, cases));
    if let Err(failure) = runner.run(&strategy, test) {
        panic!("{failure}");
    }
}

/// The failure of a case that gave no answer within `LIMIT`.
pub fn hang() -> TestCaseError {
    TestCaseError::fail(format!("no answer within {LIMIT:?}: a hang"))
}

/// Runs `work` on a thread of its own: a panic or a hang (past `LIMIT`) fails the case.
pub fn bounded<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TestCaseError> {
    let (done, answer) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        // Nobody listens any more only when the case already failed for its time.
        let _ = done.send(work());
    });
    match answer.recv_timeout(LIMIT) {
        Ok(value) => Ok(value),
        Err(RecvTimeoutError::Timeout) => Err(hang()),
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
